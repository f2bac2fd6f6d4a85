// Staff and what each may do. Plain data and rules; no SQL, no HTTP.
//
// Three roles (docs/staff.md):
// - admin: manages staff accounts and reads the audit log. An admin is NOT implicitly an
//   organiser or check-in staff: managing who may act is kept apart from acting on events, so
//   that every change to an event is made under a grant that names it (and is audited as
//   such). An admin who also organises grants themselves the organiser role, which the audit
//   log records.
// - organiser: builds and changes one event's programme and registrations, or every
//   event's when the grant has no event.
// - checkin: works the check-in desk of one event. Organisers of an event may check in too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"

namespace congress::domain {

enum class Role { admin, organiser, checkin };
std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct RoleGrant {
    Role role = Role::organiser;
    // The event the grant is for; nullopt: admin (always), or organiser of every event.
    std::optional<Id> event_id;

    bool operator==(const RoleGrant&) const = default;
};

// Why a grant cannot exist (an admin tied to an event, check-in for no event), or nullopt.
std::optional<std::string> grant_problem(const RoleGrant& grant);

// "admin", "organiser of all events", "organiser of event 3", "checkin of event 3".
std::string describe(const RoleGrant& grant);

// A staff email as stored: trimmed, 3..254 bytes, one '@' with something on each side, no
// spaces or control characters. Case is kept (the database compares it case-insensitively).
// nullopt if it is not acceptable.
std::optional<std::string> normalise_staff_email(std::string_view email);
// A display name as stored: trimmed, 1..200 bytes, no control characters; or nullopt.
std::optional<std::string> normalise_display_name(std::string_view name);

// A logged-in (enabled) staff user, as the permission checks see them.
struct Principal {
    Id user_id = 0;
    std::string email;
    std::string display_name;
    std::vector<RoleGrant> grants;

    bool is_admin() const;
    // Organiser of this event, or of every event.
    bool can_organise(Id event_id) const;
    bool organises_every_event() const;
    // Check-in staff of this event, or anyone who may organise it.
    bool can_check_in(Id event_id) const;
    // The events named by organiser grants (for filtering lists); see organises_every_event().
    std::vector<Id> organised_events() const;
    // Events where this user may check in, by either grant (without "every event").
    std::vector<Id> check_in_events() const;
};

}  // namespace congress::domain
