#include "domain/staff.hpp"

#include <algorithm>

namespace congress::domain {

std::string_view to_string(Role role) {
    switch (role) {
        case Role::admin: return "admin";
        case Role::organiser: return "organiser";
        case Role::checkin: return "checkin";
    }
    return "unknown";
}

std::optional<Role> parse_role(std::string_view text) {
    if (text == "admin") return Role::admin;
    if (text == "organiser") return Role::organiser;
    if (text == "checkin") return Role::checkin;
    return std::nullopt;
}

std::optional<std::string> grant_problem(const RoleGrant& grant) {
    if (grant.role == Role::admin && grant.event_id)
        return "the admin role is not tied to an event (admins manage accounts, not events)";
    if (grant.role == Role::checkin && !grant.event_id) return "the checkin role needs an event";
    if (grant.event_id && *grant.event_id <= 0) return "event ids are positive";
    return std::nullopt;
}

std::string describe(const RoleGrant& grant) {
    std::string text(to_string(grant.role));
    if (grant.role == Role::admin) return text;
    return text + (grant.event_id ? " of event " + std::to_string(*grant.event_id) : " of all events");
}

namespace {

std::string_view trim(std::string_view text) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && space(text.front())) text.remove_prefix(1);
    while (!text.empty() && space(text.back())) text.remove_suffix(1);
    return text;
}

bool is_control(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

}  // namespace

std::optional<std::string> normalise_staff_email(std::string_view email) {
    email = trim(email);
    if (email.size() < 3 || email.size() > 254) return std::nullopt;
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == email.size() || email.find('@', at + 1) != std::string_view::npos)
        return std::nullopt;
    for (const char c : email)
        if (c == ' ' || is_control(c)) return std::nullopt;
    return std::string(email);
}

std::optional<std::string> normalise_display_name(std::string_view name) {
    name = trim(name);
    if (name.empty() || name.size() > 200) return std::nullopt;
    for (const char c : name)
        if (is_control(c)) return std::nullopt;
    return std::string(name);
}

bool Principal::is_admin() const {
    return std::any_of(grants.begin(), grants.end(), [](const RoleGrant& g) { return g.role == Role::admin; });
}

bool Principal::organises_every_event() const {
    return std::any_of(grants.begin(), grants.end(),
                       [](const RoleGrant& g) { return g.role == Role::organiser && !g.event_id; });
}

bool Principal::can_organise(Id event_id) const {
    return std::any_of(grants.begin(), grants.end(), [event_id](const RoleGrant& g) {
        return g.role == Role::organiser && (!g.event_id || *g.event_id == event_id);
    });
}

bool Principal::can_check_in(Id event_id) const {
    if (can_organise(event_id)) return true;
    return std::any_of(grants.begin(), grants.end(), [event_id](const RoleGrant& g) {
        return g.role == Role::checkin && g.event_id == event_id;
    });
}

std::vector<Id> Principal::organised_events() const {
    std::vector<Id> ids;
    for (const auto& g : grants)
        if (g.role == Role::organiser && g.event_id) ids.push_back(*g.event_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::vector<Id> Principal::check_in_events() const {
    std::vector<Id> ids;
    for (const auto& g : grants)
        if ((g.role == Role::organiser || g.role == Role::checkin) && g.event_id) ids.push_back(*g.event_id);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

}  // namespace congress::domain
