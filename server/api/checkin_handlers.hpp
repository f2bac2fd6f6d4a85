// The check-in desks' and badges' routes (docs/checkin.md).
#pragma once

#include "api/router.hpp"
#include "api/routes.hpp"

namespace congress::api {

// Registers every check-in and badge route (and makes services.badge_keys if unset).
void add_checkin_routes(Router& router, Services& services);

}  // namespace congress::api
