#include "app/programme.hpp"

#include <nlohmann/json.hpp>

#include "domain/programme_edit.hpp"
#include "domain/registration.hpp"
#include "storage/event_repository.hpp"
#include "storage/programme_store.hpp"
#include "storage/registration_store.hpp"

namespace congress::app {

namespace {

using domain::Id;
using domain::Instant;
using domain::SessionState;

SessionState require_session_of_event(Connection& conn, Id event_id, Id session_id) {
    auto s = storage::load_session_snapshot(conn, session_id);
    if (!s || s->event_id != event_id)
        throw domain::NotFound("session_not_found", "There is no session " + std::to_string(session_id) + " in this event.");
    return std::move(*s);
}

domain::Room require_room_of_event(Connection& conn, Id event_id, Id room_id) {
    auto room = storage::room_of_event(conn, event_id, room_id);
    if (!room) throw domain::InvalidField("room_id", "There is no such room at this event's venue.");
    return *room;
}

void require_track_of_event(Connection& conn, Id event_id, Id track_id) {
    if (!storage::track_in_event(conn, event_id, track_id))
        throw domain::InvalidField("track_id", "There is no such track in this event.");
}

// Checks the session as it would be after the change against the programme rules.
void check_plan(Connection& conn, const domain::Event& event, const SessionState& after, int confirmed,
                std::optional<Id> self) {
    domain::SessionPlan plan;
    plan.starts_at = after.starts_at;
    plan.ends_at = after.ends_at;
    plan.capacity = after.capacity;
    plan.room = after.room;
    plan.status = after.status;
    const auto bookings = plan.room ? storage::room_bookings(conn, plan.room->id, plan.starts_at, plan.ends_at)
                                    : std::vector<domain::Booking>{};
    domain::check_session_plan(plan, event.starts_at, event.ends_at, event.timezone, confirmed, bookings, self);
}

// Records the change in the schedule (a new version, a row in its log) and in `changes`.
int record(Connection& conn, Changes& changes, domain::ScheduleChangeKind kind, std::optional<SessionState> before,
           const SessionState& after, const std::string& reason, Instant now) {
    domain::ScheduleChanged change;
    change.event_id = after.event_id;
    change.version = storage::bump_schedule_version(conn, after.event_id);
    change.kind = kind;
    change.reason = reason;
    change.before = std::move(before);
    change.after = after;
    change.record_id = storage::record_schedule_change(conn, change, now);
    changes.events.insert(change.event_id);
    changes.schedule.push_back(std::move(change));
    return changes.schedule.back().version;
}

}  // namespace

Id create_session(Connection& conn, Changes& changes, Id event_id, const SessionInput& input,
                  const storage::AuditContext& audit, Instant now) {
    const auto event = storage::require_event(conn, event_id);
    if (!input.title) throw domain::InvalidField("title", "title is required.");
    if (!input.starts_at) throw domain::InvalidField("starts_at", "starts_at is required.");
    if (!input.ends_at) throw domain::InvalidField("ends_at", "ends_at is required.");
    domain::check_session_title(*input.title);
    SessionState state;
    state.event_id = event_id;
    state.title = *input.title;
    state.timezone = event.timezone;
    state.starts_at = domain::organiser_instant(*input.starts_at, event.timezone, "starts_at");
    state.ends_at = domain::organiser_instant(*input.ends_at, event.timezone, "ends_at");
    if (input.room_id && *input.room_id) state.room = require_room_of_event(conn, event_id, **input.room_id);
    if (input.capacity) state.capacity = *input.capacity;
    else if (state.room) state.capacity = state.room->capacity;
    else throw domain::InvalidField("capacity", "capacity is required for a session without a room.");
    check_plan(conn, event, state, 0, std::nullopt);
    storage::SessionExtras extras{input.description.value_or(""), input.kind.value_or("parallel"), std::nullopt};
    if (input.track_id && *input.track_id) {
        require_track_of_event(conn, event_id, **input.track_id);
        extras.track_id = **input.track_id;
    }

    const Id id = storage::insert_session(conn, state, extras);
    if (input.speakers) storage::replace_speakers(conn, id, *input.speakers);
    // "added" in the schedule: the version moves and the live channel tells open pages.
    record(conn, changes, domain::ScheduleChangeKind::added, std::nullopt, *storage::load_session_snapshot(conn, id),
           input.reason, now);
    storage::append_audit_change(conn, audit, "session.create", "session", id, event_id, nullptr,
                                 storage::session_audit_state(conn, id), now);
    return id;
}

namespace {

// `audit` null: no audit entry (the command line's changes).
int update_session_as(Connection& conn, Changes& changes, Id event_id, Id session_id, const SessionInput& input,
                      const storage::AuditContext* audit, Instant now) {
    const auto before = require_session_of_event(conn, event_id, session_id);
    const bool nothing = !input.title && !input.description && !input.kind && !input.track_id && !input.room_id &&
                         !input.starts_at && !input.ends_at && !input.capacity && !input.speakers;
    if (nothing) return storage::schedule_version(conn, event_id).value_or(1);  // no change, no new version
    if (before.status == domain::SessionStatus::cancelled)
        throw domain::Refusal("session_cancelled", "This session is cancelled: it can no longer be changed.");
    const auto event = storage::require_event(conn, event_id);
    const auto before_state = audit ? storage::session_audit_state(conn, session_id) : nlohmann::json();

    std::optional<Instant> starts, ends;
    if (input.starts_at) starts = domain::organiser_instant(*input.starts_at, event.timezone, "starts_at");
    if (input.ends_at) ends = domain::organiser_instant(*input.ends_at, event.timezone, "ends_at");
    const auto slot = domain::moved_slot({before.starts_at, before.ends_at}, starts, ends);

    auto after = before;
    after.starts_at = slot.starts_at;
    after.ends_at = slot.ends_at;
    if (input.capacity) after.capacity = *input.capacity;
    if (input.title) {
        domain::check_session_title(*input.title);
        after.title = *input.title;
    }
    if (input.room_id)
        after.room = *input.room_id ? std::optional(require_room_of_event(conn, event_id, **input.room_id)) : std::nullopt;
    check_plan(conn, event, after, storage::confirmed_in_session(conn, session_id), session_id);
    if (input.track_id && *input.track_id) require_track_of_event(conn, event_id, **input.track_id);

    storage::save_session(conn, after);
    if (input.description || input.kind || input.track_id) {
        auto extras = storage::load_session_extras(conn, session_id);
        if (input.description) extras.description = *input.description;
        if (input.kind) extras.kind = *input.kind;
        if (input.track_id) extras.track_id = *input.track_id;
        storage::save_session_extras(conn, session_id, extras);
    }
    if (input.speakers) storage::replace_speakers(conn, session_id, *input.speakers);
    const auto kind = domain::classify_session_change(before, after);
    const int version = record(conn, changes, kind, before, after, input.reason, now);
    if (after.capacity > before.capacity) storage::promote_session_waitlist(conn, changes, session_id, now);
    if (audit)
        storage::append_audit_change(conn, *audit, kind == domain::ScheduleChangeKind::moved ? "session.move" : "session.update",
                                     "session", session_id, event_id, before_state,
                                     storage::session_audit_state(conn, session_id), now);
    return version;
}

int cancel_session_as(Connection& conn, Changes& changes, Id event_id, Id session_id, const std::string& reason,
                      const storage::AuditContext* audit, Instant now) {
    const auto before = require_session_of_event(conn, event_id, session_id);
    if (before.status == domain::SessionStatus::cancelled)
        throw domain::Refusal("session_cancelled", "This session is already cancelled.");
    const auto before_state = audit ? storage::session_audit_state(conn, session_id) : nlohmann::json();
    auto after = before;
    after.status = domain::SessionStatus::cancelled;
    storage::save_session(conn, after);
    const int version = record(conn, changes, domain::ScheduleChangeKind::cancelled, before, after, reason, now);
    if (audit)
        storage::append_audit_change(conn, *audit, "session.cancel", "session", session_id, event_id, before_state,
                                     storage::session_audit_state(conn, session_id), now);
    return version;
}

}  // namespace

int update_session(Connection& conn, Changes& changes, Id event_id, Id session_id, const SessionInput& input,
                   const storage::AuditContext& audit, Instant now) {
    return update_session_as(conn, changes, event_id, session_id, input, &audit, now);
}

int cancel_session(Connection& conn, Changes& changes, Id event_id, Id session_id, const std::string& reason,
                   const storage::AuditContext& audit, Instant now) {
    return cancel_session_as(conn, changes, event_id, session_id, reason, &audit, now);
}

int change_session(Connection& conn, Changes& changes, Id session_id, const SessionChange& change, Instant now) {
    const auto session = storage::load_session_snapshot(conn, session_id);
    if (!session) throw domain::NotFound("session_not_found", "There is no session " + std::to_string(session_id) + ".");
    SessionInput input;
    input.starts_at = change.starts_at;
    input.ends_at = change.ends_at;
    if (change.room_id) input.room_id = std::optional<Id>(*change.room_id);
    input.capacity = change.capacity;
    input.title = change.title;
    input.reason = change.reason;
    int version = update_session_as(conn, changes, session->event_id, session_id, input, nullptr, now);
    if (change.cancel) version = cancel_session_as(conn, changes, session->event_id, session_id, change.reason, nullptr, now);
    return version;
}

void change_event_settings(Connection& conn, Changes& changes, Id event_id, const EventSettings& settings, Instant now) {
    const auto event = storage::require_event(conn, event_id);
    if (settings.capacity) {
        if (*settings.capacity < 0 || *settings.capacity > domain::max_capacity)
            throw domain::InvalidField("capacity",
                                       "The capacity must be between 0 and " + std::to_string(domain::max_capacity) + ".");
        domain::check_capacity_not_below_confirmed(*settings.capacity, event.confirmed, "this event");
    }
    if (settings.promote_after_close)
        storage::set_promote_after_close(conn, changes, event_id, *settings.promote_after_close, now);
    if (settings.capacity) storage::set_event_capacity(conn, changes, event_id, *settings.capacity, now);
}

}  // namespace congress::app
