// JSON for registrations and enrolments (see docs/api.md).
#pragma once

#include <nlohmann/json.hpp>

#include "storage/registration_store.hpp"

namespace congress::api {

nlohmann::json registration_json(const storage::RegistrationView& view);
nlohmann::json enrolment_json(const storage::EnrolmentView& enrolment, const std::string& timezone);
nlohmann::json organisations_json(const std::vector<storage::OrganisationSummary>& organisations);

}  // namespace congress::api
