// The organiser console's routes (docs/api.md, "Organiser console").
#pragma once

#include "api/router.hpp"
#include "api/routes.hpp"

namespace congress::api {

void add_organiser_routes(Router& router, Services& services);

}  // namespace congress::api
