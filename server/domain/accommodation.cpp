#include "domain/accommodation.hpp"

#include <cstdio>

namespace congress::domain {

std::optional<Night> parse_night(std::string_view text) {
    if (text.size() != 10 || !is_date_only(text)) return std::nullopt;
    const auto parsed = parse_local(text);
    if (!parsed) return std::nullopt;
    return date::floor<date::days>(*parsed);
}

std::string format_night(Night night) {
    const date::year_month_day ymd{night};
    char out[16];
    std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return out;
}

NightSpan event_nights(const Event& event) {
    const auto first_day = date::floor<date::days>(to_local(event.starts_at, event.timezone));
    // An event that ends at midnight ends on the day before.
    const auto last_day = date::floor<date::days>(to_local(event.ends_at - std::chrono::seconds(1), event.timezone));
    return NightSpan{first_day - date::days(1), std::max(first_day, last_day)};
}

bool contiguous(const std::vector<Night>& nights) {
    for (std::size_t i = 1; i < nights.size(); ++i)
        if (nights[i] != nights[i - 1] + date::days(1)) return false;
    return true;
}

bool is_released(const std::optional<Instant>& release_at, Instant now) { return release_at && now >= *release_at; }

int rooms_remaining(int held, int allotted, const std::optional<Instant>& release_at, Instant now) {
    if (is_released(release_at, now)) return 0;
    return held > allotted ? held - allotted : 0;
}

std::string_view to_string(AccommodationStatus status) {
    switch (status) {
        case AccommodationStatus::allotted: return "allotted";
        case AccommodationStatus::waitlisted: return "waitlisted";
        case AccommodationStatus::cancelled: return "cancelled";
    }
    return "cancelled";
}

std::optional<AccommodationStatus> parse_accommodation_status(std::string_view text) {
    if (text == "allotted") return AccommodationStatus::allotted;
    if (text == "waitlisted") return AccommodationStatus::waitlisted;
    if (text == "cancelled") return AccommodationStatus::cancelled;
    return std::nullopt;
}

}  // namespace congress::domain
