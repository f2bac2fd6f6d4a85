// JSON for a delegate's accommodation request (docs/hotels.md), shared by the accommodation
// routes and the live feed's `accommodation` messages (docs/live.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "storage/hotel_store.hpp"

namespace congress::api {

// `zone` is the event's time zone, for requested_at and updated_at.
nlohmann::json accommodation_json(const storage::AccommodationView& view, const std::string& zone);

}  // namespace congress::api
