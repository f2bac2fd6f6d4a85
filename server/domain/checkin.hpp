// The check-in rules: whom a desk admits at the entrance or at a session's door, and what
// happens when two desks admitted the same badge while one of them was offline. Plain
// functions of what the writer read (no SQLite, no HTTP): app/checkin.cpp gathers the case
// inside the single writer's command and applies the verdict there, so of two desks scanning
// one badge at once exactly one admits it.
#pragma once

#include <optional>
#include <string>

#include "domain/event.hpp"
#include "domain/registration.hpp"
#include "domain/time.hpp"

namespace congress::domain {

// The badge's holder as the desk sees them.
struct CheckinHolder {
    Id id = 0;
    std::string name;
    RegistrationStatus status = RegistrationStatus::confirmed;
};

// The active check-in of the same badge at the same door, if there is one.
struct EarlierCheckin {
    std::string desk;
    Instant scanned_at{};
};

struct CheckinCase {
    bool session_door = false;                           // a session's door, not the entrance
    std::optional<std::string> cancelled_session_title;  // that session was cancelled
    std::optional<CheckinHolder> holder;                 // none: no such registration in this event
    bool enrolled = false;                               // a confirmed place in that session
    std::optional<EarlierCheckin> earlier;
    bool offline = false;    // a scan a desk made while offline, sent later
    Instant scanned_at{};    // when the desk admitted (offline: by the desk's clock)
};

enum class CheckinDecision {
    admit,               // a new check-in
    take_over,           // offline, and earlier than the recorded one: this admission becomes
                         // the check-in, the recorded one is reported as the duplicate
    duplicate,           // offline, and later: reported as a duplicate; the recorded one stays
    already_checked_in,  // scanned again at a desk that is online: refused, nothing recorded
    refuse,              // not admitted (code below)
};

struct CheckinVerdict {
    CheckinDecision decision = CheckinDecision::refuse;
    // For refuse, already_checked_in and duplicate: session_cancelled, not_registered,
    // registration_cancelled, registration_waitlisted, not_enrolled, already_checked_in.
    std::string code;
    std::string message;  // for the person at the desk
    bool admitted() const { return decision == CheckinDecision::admit || decision == CheckinDecision::take_over; }
};

// In this order: a cancelled session, a badge without a registration, a cancelled or
// waitlisted registration, no confirmed place in the session; then an earlier check-in at
// the same door (online: already_checked_in; offline: the earlier admission by time wins).
CheckinVerdict decide_checkin(const CheckinCase& c);

}  // namespace congress::domain
