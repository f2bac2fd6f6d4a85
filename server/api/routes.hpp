// The route table of the HTTP API: every route, its access rule and its handler.
#pragma once

#include <memory>

#include "api/response_cache.hpp"
#include "api/router.hpp"
#include "api/static_files.hpp"
#include "auth/sealed.hpp"
#include "storage/database.hpp"
#include "storage/registration_store.hpp"
#include "storage/staff_store.hpp"

namespace congress::auth {
class PasswordHasher;
class LoginThrottle;
}  // namespace congress::auth

namespace congress::api {

class BadgeKeys;

struct Services {
    storage::Database& db;
    ResponseCache& cache;
    const StaticFiles& web;
    storage::TestHooks hooks{};

    // Staff sign-in. Without an authenticator every staff route answers 401; without a
    // hasher or throttle, login and account creation answer 503.
    Authenticator authenticator{};        // also installed on the router by add_routes
    auth::PasswordHasher* hasher = nullptr;
    auth::LoginThrottle* throttle = nullptr;
    storage::SessionPolicy session_policy{};
    // Mark the session cookie Secure even on plain HTTP (TLS ends at a proxy in front).
    bool secure_cookies = false;
    // The events' badge keys (check-in); add_routes makes it if unset.
    std::shared_ptr<BadgeKeys> badge_keys{};
    // The key that seals visa letters' passport numbers (--letters-key-file); without it
    // the letter routes answer 503 letters_unavailable.
    std::shared_ptr<const auth::SealKey> letters_key{};
};

void add_routes(Router& router, Services& services);

}  // namespace congress::api
