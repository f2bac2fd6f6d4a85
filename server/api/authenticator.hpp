// Who is calling: the staff session cookie, looked up in the database on every staff
// request. There is deliberately no cache: a disabled account, a revoked role or a logout
// takes effect at the very next request, and a reader look-up by primary key costs far
// less than the request around it. Nothing here is called for public routes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "api/http_types.hpp"
#include "api/router.hpp"
#include "domain/time.hpp"
#include "storage/database.hpp"
#include "storage/staff_store.hpp"

namespace congress::api {

// The cookie that carries a staff session token (HttpOnly, SameSite=Strict, Path=/).
inline constexpr std::string_view staff_cookie = "congress_staff";

// The value of cookie `name` in the request's Cookie header(s); empty if absent.
std::string_view cookie_value(const Request& request, std::string_view name);

// Set-Cookie values: a session cookie that lives until `expires_at`, and one that clears it.
// `secure` adds the Secure attribute (the request came over TLS).
std::string session_cookie(std::string_view token, domain::Instant expires_at, domain::Instant now, bool secure);
std::string cleared_session_cookie(bool secure);

// The Authenticator for the router: a request without a well-formed session cookie is
// anonymous at once; otherwise storage::find_staff_session runs on a reader thread and the
// caller is answered from there. A session not touched for SessionPolicy::touch_interval is
// touched (a write the answer does not wait for). Unknown, expired or forged tokens, and
// sessions of disabled users, are anonymous callers, never errors.
Authenticator session_authenticator(storage::Database& db, storage::SessionPolicy policy);

// Deletes expired staff sessions at start and then every `interval`, from its own thread
// (the writer does the work). Stops when destroyed or stop() is called; call stop() before closing the database.
class StaffSessionSweeper {
public:
    StaffSessionSweeper(storage::Database& db, storage::SessionPolicy policy,
                        std::chrono::seconds interval = std::chrono::hours(1));
    ~StaffSessionSweeper();
    StaffSessionSweeper(const StaffSessionSweeper&) = delete;
    StaffSessionSweeper& operator=(const StaffSessionSweeper&) = delete;
    void stop();

private:
    void run();

    storage::Database& db_;
    storage::SessionPolicy policy_;
    std::chrono::seconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace congress::api
