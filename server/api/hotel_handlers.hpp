// Official hotels, room blocks and delegates' accommodation (docs/hotels.md).
#pragma once

#include "api/router.hpp"
#include "api/routes.hpp"

namespace congress::api {

// Registers the public hotel list, the organisers' hotel, block and rooming-list routes, and
// the delegate's /api/registrations/{code}/accommodation.
void add_hotel_routes(Router& router, Services& services);

}  // namespace congress::api
