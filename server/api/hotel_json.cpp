#include "api/hotel_json.hpp"

#include "domain/accommodation.hpp"

namespace congress::api {

using nlohmann::json;

json accommodation_json(const storage::AccommodationView& v, const std::string& zone) {
    std::string check_out;
    if (!v.nights.empty())
        if (const auto last = domain::parse_night(v.nights.back())) check_out = domain::format_night(*last + date::days(1));
    return {{"id", v.id},
            {"status", domain::to_string(v.status)},
            {"hotel", {{"id", v.hotel_id}, {"name", v.hotel_name}}},
            {"room_type", v.room_type},
            {"room_label", v.room_label},
            {"nights", v.nights},
            {"check_in", v.nights.empty() ? json(nullptr) : json(v.nights.front())},
            {"check_out", check_out.empty() ? json(nullptr) : json(check_out)},
            {"sharing_with", v.sharing_with ? json(*v.sharing_with) : json(nullptr)},
            {"waitlist_position", v.waitlist_position ? json(*v.waitlist_position) : json(nullptr)},
            {"total_minor", v.total_minor},
            {"currency", v.currency},
            {"requested_at", domain::format_in_zone(v.requested_at, zone)},
            {"updated_at", domain::format_in_zone(v.updated_at, zone)}};
}

}  // namespace congress::api
