// The route table of the HTTP API: every route, its access rule and its handler.
#pragma once

#include "api/response_cache.hpp"
#include "api/router.hpp"
#include "api/static_files.hpp"
#include "storage/database.hpp"
#include "storage/registration_store.hpp"

namespace congress::api {

struct Services {
    storage::Database& db;
    ResponseCache& cache;
    const StaticFiles& web;
    storage::TestHooks hooks{};
};

void add_routes(Router& router, Services& services);

}  // namespace congress::api
