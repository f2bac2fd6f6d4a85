#include "app/checkin.hpp"

#include "domain/checkin.hpp"

namespace congress::app {

using domain::CheckinDecision;
using domain::Id;
using storage::CheckinRecord;

std::string_view to_string(CheckinResult result) {
    switch (result) {
        case CheckinResult::checked_in: return "checked_in";
        case CheckinResult::already_checked_in: return "already_checked_in";
        case CheckinResult::refused: return "refused";
    }
    return "refused";
}

CheckinOutcome check_in(storage::Connection& conn, domain::Changes& changes, const storage::CheckinInput& input,
                        domain::Instant now) {
    const Id scope = input.session_id;
    domain::CheckinCase c;
    c.session_door = scope != 0;
    c.offline = input.source == storage::CheckinSource::offline;
    c.scanned_at = input.scanned_at;
    if (scope != 0) {
        const auto door = storage::find_session_door(conn, scope);
        if (!door || door->event_id != input.event_id)
            throw domain::NotFound("session_not_found", "There is no session " + std::to_string(scope) + " in this event.");
        if (door->cancelled) c.cancelled_session_title = door->title;
    }
    std::optional<storage::CheckinPerson> person;
    if (!c.cancelled_session_title) {
        if (auto holder = storage::find_badge_holder(conn, input.registration_id);
            holder && holder->event_id == input.event_id)
            person = std::move(holder->person);
    }
    std::optional<CheckinRecord> existing;
    if (person) {
        c.holder = domain::CheckinHolder{person->id, person->name, person->status};
        if (scope != 0) c.enrolled = storage::has_confirmed_place(conn, person->id, scope);
        existing = storage::active_checkin(conn, person->id, scope);
        if (existing) c.earlier = domain::EarlierCheckin{existing->desk, existing->scanned_at};
    }

    const auto verdict = domain::decide_checkin(c);
    CheckinOutcome outcome;
    outcome.registration = person;
    outcome.error_code = verdict.code;
    outcome.message = verdict.message;
    // A refusal before the badge's holder is known carries no counts (nobody to count for).
    if (verdict.decision == CheckinDecision::refuse && !person) return outcome;

    const auto staff_name = input.staff_name.empty() ? std::string("unknown") : input.staff_name;
    const std::string source(storage::to_string(input.source));
    switch (verdict.decision) {
        case CheckinDecision::refuse: outcome.result = CheckinResult::refused; break;
        case CheckinDecision::admit:
            outcome.result = CheckinResult::checked_in;
            outcome.checkin = CheckinRecord{storage::insert_checkin(conn, input, staff_name, now), person->id, scope,
                                            input.desk, staff_name, input.scanned_at, source, std::nullopt,
                                            std::nullopt, std::nullopt};
            changes.checkins.insert(input.event_id);
            break;
        case CheckinDecision::already_checked_in:
            outcome.result = CheckinResult::already_checked_in;
            outcome.checkin = existing;
            break;
        case CheckinDecision::take_over:
            // This admission, earlier than the recorded one, becomes the check-in; the
            // recorded one is reported as the duplicate.
            storage::take_over_checkin(conn, existing->id, input, staff_name);
            storage::insert_checkin_duplicate(conn, input.event_id, scope, existing->id, *existing, now);
            outcome.result = CheckinResult::checked_in;
            outcome.duplicate = true;
            outcome.checkin = CheckinRecord{existing->id, person->id, scope, input.desk, staff_name, input.scanned_at,
                                            source, std::nullopt, std::nullopt, std::nullopt};
            changes.checkins.insert(input.event_id);
            break;
        case CheckinDecision::duplicate:
            storage::insert_checkin_duplicate(
                conn, input.event_id, scope, existing->id,
                CheckinRecord{0, person->id, scope, input.desk, staff_name, input.scanned_at, source, std::nullopt,
                              std::nullopt, std::nullopt},
                now);
            outcome.result = CheckinResult::already_checked_in;
            outcome.duplicate = true;
            outcome.checkin = existing;
            changes.checkins.insert(input.event_id);
            break;
    }
    const auto counts = storage::checkin_counts(conn, input.event_id, scope);
    outcome.expected = counts.expected;
    outcome.checked_in = counts.checked_in;
    return outcome;
}

}  // namespace congress::app
