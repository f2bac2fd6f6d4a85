// JSON for registrations and enrolments (see docs/api.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "storage/registration_store.hpp"

namespace congress::api {

nlohmann::json registration_json(const storage::RegistrationView& view);
nlohmann::json enrolment_json(const storage::EnrolmentView& enrolment, const std::string& timezone);
nlohmann::json organisations_json(const std::vector<storage::OrganisationSummary>& organisations);

// Response bodies, byte for byte what json_text() makes of the objects above
// ({"registration":…} and {"enrolment":…,"registration":…}: keys in nlohmann's sorted
// order), written straight into one string. They run on the database writer for every
// registration, where building and walking a JSON tree cost more than the SQL did.
std::string registration_body(const storage::RegistrationView& view);
std::string enrolment_body(const storage::EnrolmentResult& result);

}  // namespace congress::api
