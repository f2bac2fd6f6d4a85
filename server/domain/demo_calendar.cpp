#include "domain/demo_calendar.hpp"

namespace congress::domain {

int demo_shift_weeks(Instant earliest_start, Instant now, std::chrono::days lead) {
    const auto target = now + lead;
    if (earliest_start >= target) return 0;
    const auto behind = target - earliest_start;
    const auto week = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::weeks{1});
    return static_cast<int>((behind + week - std::chrono::seconds{1}) / week);
}

LocalTime shift_by_weeks(LocalTime local, int weeks) { return local + std::chrono::weeks{weeks}; }

}  // namespace congress::domain
