#include "domain/registration.hpp"

#include <algorithm>

namespace congress::domain {

std::string_view to_string(RegistrationStatus status) {
    switch (status) {
        case RegistrationStatus::confirmed: return "confirmed";
        case RegistrationStatus::waitlisted: return "waitlisted";
        case RegistrationStatus::cancelled: return "cancelled";
    }
    return "cancelled";
}

std::optional<RegistrationStatus> parse_registration_status(std::string_view text) {
    if (text == "confirmed") return RegistrationStatus::confirmed;
    if (text == "waitlisted") return RegistrationStatus::waitlisted;
    if (text == "cancelled") return RegistrationStatus::cancelled;
    return std::nullopt;
}

WindowState registration_window(const Event& event, Instant now) {
    if (event.registration_opens_at && now < *event.registration_opens_at) return WindowState::not_open;
    if (event.registration_closes_at && now >= *event.registration_closes_at) return WindowState::closed;
    if (now >= event.ends_at) return WindowState::closed;
    return WindowState::open;
}

void require_open_window(const Event& event, Instant now) {
    switch (registration_window(event, now)) {
        case WindowState::not_open:
            throw Refusal("registration_not_open", "Registration for this event opens at " +
                                                       format_in_zone(*event.registration_opens_at, event.timezone) + ".");
        case WindowState::closed:
            throw Refusal("registration_closed", "Registration for this event is closed.");
        case WindowState::open: break;
    }
}

void require_eligible(const Eligibility& rule, const std::optional<MemberStanding>& member) {
    if (!rule.restricted()) return;
    std::string years;
    for (const int year : rule.dues_paid_years) years += (years.empty() ? "" : " and ") + std::to_string(year);
    if (!member)
        throw Refusal("not_eligible", "This event is open only to delegates of member organisations whose dues for " +
                                          years + " are paid; choose your member organisation.");
    if (!member->is_member) throw Refusal("not_eligible", member->name + " is not a member organisation.");
    std::string missing;
    for (const int year : rule.dues_paid_years) {
        if (std::find(member->dues_paid_years.begin(), member->dues_paid_years.end(), year) ==
            member->dues_paid_years.end())
            missing += (missing.empty() ? "" : " and ") + std::to_string(year);
    }
    if (!missing.empty())
        throw Refusal("not_eligible", "This event requires paid dues for " + years + "; the dues of " + member->name +
                                          " for " + missing + " are not recorded as paid.");
}

SeatDecision decide_seat(int capacity, int confirmed, int waiting, bool waitlist_enabled) {
    if (confirmed < capacity && waiting == 0) return SeatDecision::confirm;
    return waitlist_enabled ? SeatDecision::waitlist : SeatDecision::full;
}

bool may_promote(const Event& event, Instant now, bool promote_after_close) {
    if (promote_after_close) return now < event.ends_at;
    if (now >= event.starts_at) return false;
    return registration_window(event, now) != WindowState::closed;
}

bool overlaps(Instant a_start, Instant a_end, Instant b_start, Instant b_end) {
    return a_start < b_end && b_start < a_end;
}

}  // namespace congress::domain
