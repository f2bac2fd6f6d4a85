// JSON for events and programmes: the public read API's fields. These shapes are a
// promise to outside clients; extend them, never rename or remove a field.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/event.hpp"

namespace congress::api {

nlohmann::json event_json(const domain::Event& event);
nlohmann::json programme_json(const domain::Programme& programme);

}  // namespace congress::api
