// JSON of check-ins, counters and badges (docs/checkin.md), shared by the handlers and the
// live feed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "app/checkin.hpp"
#include "storage/checkin_store.hpp"

namespace congress::api {

nlohmann::json checkin_person_json(const storage::CheckinPerson& person);
nlohmann::json checkin_record_json(const storage::CheckinRecord& record, const std::string& zone);
// The answer to one scan: {result, registration?, checkin?, counts, duplicate, error?}.
nlohmann::json checkin_outcome_json(const app::CheckinOutcome& outcome, const std::string& zone);
// The status of a desk's answer: 200 when the badge was admitted, 409 for every other outcome
// (already checked in, or refused with its code).
int checkin_status(const app::CheckinOutcome& outcome);
// A refusal decided before the writer (garbage, forged, wrong event): {result, error}.
nlohmann::json scan_refusal_json(const std::string& code, const std::string& message, nlohmann::json extra = nullptr);
// {event, expected, checked_in, desks, sessions, duplicates}.
nlohmann::json checkin_stats_json(const storage::CheckinStats& stats);

}  // namespace congress::api
