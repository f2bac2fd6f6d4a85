// The check-in use case: one scan at a desk, decided inside the single writer's command by
// domain::decide_checkin (domain/checkin.hpp), so of two desks scanning one badge at once
// exactly one admits it. Refusals are outcomes, not exceptions: they are answers a desk
// shows. The HTTP status of each outcome is the API's business (api/checkin_handlers.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/changes.hpp"
#include "storage/checkin_store.hpp"
#include "storage/sqlite.hpp"

namespace congress::app {

enum class CheckinResult { checked_in, already_checked_in, refused };
std::string_view to_string(CheckinResult result);

struct CheckinOutcome {
    CheckinResult result = CheckinResult::refused;
    std::string error_code;  // empty for checked_in
    std::string message;     // for people
    std::optional<storage::CheckinPerson> registration;
    std::optional<storage::CheckinRecord> checkin;  // the new one, or the earlier one
    bool duplicate = false;  // an offline admission of a badge admitted elsewhere
    int expected = 0;        // confirmed (in the session, for a session check-in)
    int checked_in = 0;
};

// Throws domain::NotFound("session_not_found") for a session not of the event. An offline
// scan of a badge already checked in is a duplicate: the earlier of the two admissions
// stays the check-in, the other is recorded in checkin_duplicates.
CheckinOutcome check_in(storage::Connection& conn, domain::Changes& changes, const storage::CheckinInput& input,
                        domain::Instant now);

}  // namespace congress::app
