// The rules of registration: windows, eligibility, seats and waiting lists, overlaps.
// Plain functions of their inputs; the storage layer applies them inside the single
// writer's transaction, so what they decide is what gets committed.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "domain/errors.hpp"
#include "domain/event.hpp"
#include "domain/time.hpp"

namespace congress::domain {

enum class RegistrationStatus { confirmed, waitlisted, cancelled };
std::string_view to_string(RegistrationStatus status);
std::optional<RegistrationStatus> parse_registration_status(std::string_view text);

enum class WindowState { not_open, open, closed };
// Registration is open from registration_opens_at (inclusive) until registration_closes_at
// (exclusive: "until 12 June" is stored as the first instant of 13 June), and never once
// the event has ended.
WindowState registration_window(const Event& event, Instant now);

// Throws Refusal (registration_not_open / registration_closed) unless the window is open.
void require_open_window(const Event& event, Instant now);

// A member organisation as eligibility rules see it.
struct MemberStanding {
    std::string name;
    bool is_member = false;
    std::vector<int> dues_paid_years;
};

// Throws Refusal("not_eligible") if the event's rule refuses a delegate representing
// `member` (nullopt: no member organisation given).
void require_eligible(const Eligibility& rule, const std::optional<MemberStanding>& member);

enum class SeatDecision { confirm, waitlist, full };
// First come, first served: a seat while one is free and nobody is waiting for it; the
// waiting list otherwise (if the event has one).
SeatDecision decide_seat(int capacity, int confirmed, int waiting, bool waitlist_enabled);

// Whether freed seats may go to the waiting list now: not after registration closes or the
// event starts, unless an organiser allowed it.
bool may_promote(const Event& event, Instant now, bool promote_after_close);

bool overlaps(Instant a_start, Instant a_end, Instant b_start, Instant b_end);

}  // namespace congress::domain
