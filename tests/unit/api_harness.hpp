// The API in process, for tests of routes and handlers: a real database in a throwaway
// directory, the real route table (api::add_routes), a password hasher with cheap scrypt
// parameters, and calls that wait (bounded) for the answer, which handlers send from
// database and hashing threads. No sockets.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/authenticator.hpp"
#include "api/errors.hpp"
#include "api/response_cache.hpp"
#include "api/router.hpp"
#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "auth/login_throttle.hpp"
#include "auth/password.hpp"
#include "auth/password_hasher.hpp"
#include "storage/database.hpp"
#include "storage/staff_store.hpp"
#include "temp_dir.hpp"

namespace congress::testing {

// 1 MiB, about a millisecond: the tests check the flow, not scrypt's cost.
inline constexpr auth::ScryptParams cheap_scrypt{10, 8, 1, 16, 32};

struct HarnessOptions {
    // Null: the real session authenticator.
    api::Authenticator authenticator;
    auth::PasswordHasherOptions hasher{1, 16, cheap_scrypt};
    auth::LoginThrottleOptions throttle{};
    storage::SessionPolicy sessions{};
};

class ApiHarness {
public:
    explicit ApiHarness(HarnessOptions options = {})
        : db_(storage::DatabaseOptions{dir_.file("congress.db"), 2, true}),
          web_(std::string(CONGRESS_SOURCE_DIR) + "/web"),
          hasher_(options.hasher),
          throttle_(options.throttle),
          services_{db_, cache_, web_} {
        services_.authenticator =
            options.authenticator ? options.authenticator : api::session_authenticator(db_, options.sessions);
        services_.hasher = &hasher_;
        services_.throttle = &throttle_;
        services_.session_policy = options.sessions;
        // A fixed key for the visa letter routes (a real server reads --letters-key-file).
        services_.letters_key = std::make_shared<const auth::SealKey>(auth::SealKey{});
        api::add_routes(router_, services_);
    }

    storage::Database& db() { return db_; }
    auth::PasswordHasher& hasher() { return hasher_; }
    auth::LoginThrottle& throttle() { return throttle_; }
    api::Router& router() { return router_; }
    api::Services& services() { return services_; }

    // Runs `fn` on the writer and waits for its commit; rethrows its error.
    template <typename Fn>
    auto write(Fn fn) {
        using Result = decltype(fn(std::declval<storage::Connection&>()));
        auto result = std::make_shared<std::optional<std::conditional_t<std::is_void_v<Result>, bool, Result>>>();
        std::promise<void> done;
        db_.write(
            [&fn, result](storage::Connection& conn, storage::ChangeSet&) {
                if constexpr (std::is_void_v<Result>) {
                    fn(conn);
                    *result = true;
                } else {
                    *result = fn(conn);
                }
            },
            [&done](std::exception_ptr error) {
                if (error) done.set_exception(error);
                else done.set_value();
            });
        done.get_future().get();
        if constexpr (!std::is_void_v<Result>) return std::move(**result);
    }

    // Runs `fn` on a reader and waits for it.
    template <typename Fn>
    auto read(Fn fn) {
        using Result = decltype(fn(std::declval<storage::Connection&>()));
        std::promise<Result> done;
        db_.read([&](storage::Connection& conn) {
            try {
                done.set_value(fn(conn));
            } catch (...) {
                done.set_exception(std::current_exception());
            }
        });
        return done.get_future().get();
    }

    // A staff account whose password is `password` (hashed with cheap_scrypt), audited as cli:test.
    storage::StaffUser add_user(const std::string& email, const std::string& password,
                                std::vector<domain::RoleGrant> grants = {}) {
        const auto hash = auth::hash_password(password, cheap_scrypt);
        return write([&](storage::Connection& conn) {
            return storage::create_staff_user(conn, storage::NewStaffUser{email, "User " + email, hash, std::move(grants)},
                                              storage::AuditContext{storage::AuditActor::cli("test"), {}, {}},
                                              domain::now());
        });
    }

    // The router's answer, waited for (10 s at most; a request must be answered exactly once).
    api::Response send(api::Request request) {
        if (request.path.empty()) api::split_target(request.target, request.path, request.query);
        if (request.remote_address.empty()) request.remote_address = "203.0.113.9";
        if (request.request_id.empty()) request.request_id = "test-" + std::to_string(++requests_);
        auto answered = std::make_shared<std::promise<api::Response>>();
        auto calls = std::make_shared<std::atomic<int>>(0);
        router_.handle(request, [answered, calls](api::Response response) {
            if (calls->fetch_add(1) == 0) answered->set_value(std::move(response));
            else ADD_FAILURE() << "a request was answered twice";
        });
        auto future = answered->get_future();
        if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
            ADD_FAILURE() << request.method << " " << request.target << " was not answered within 10 s";
            return api::error_response(599, "test_timeout", "not answered");
        }
        return future.get();
    }

    api::Response send(const std::string& method, const std::string& target, const std::string& body = {},
                       api::Headers headers = {}) {
        api::Request request;
        request.method = method;
        request.target = target;
        request.body = body;
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        request.headers = std::move(headers);
        return send(std::move(request));
    }

private:
    TempDir dir_;
    storage::Database db_;
    api::ResponseCache cache_;
    api::StaticFiles web_;
    auth::PasswordHasher hasher_;
    auth::LoginThrottle throttle_;
    api::Services services_;
    api::Router router_;
    int requests_ = 0;
};

inline nlohmann::json json_of(const api::Response& response) {
    return response.body ? nlohmann::json::parse(*response.body, nullptr, false) : nlohmann::json();
}

inline std::string error_code(const api::Response& response) {
    const auto body = json_of(response);
    if (body.is_object() && body.contains("error") && body["error"].contains("code")) return body["error"]["code"];
    return {};
}

}  // namespace congress::testing
