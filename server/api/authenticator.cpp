#include "api/authenticator.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "auth/tokens.hpp"
#include "util/log.hpp"

namespace congress::api {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string cookie_attributes(bool secure) {
    // No Domain: the cookie goes back to this host only.
    return std::string("; Path=/; HttpOnly; SameSite=Strict") + (secure ? "; Secure" : "");
}

}  // namespace

std::string_view cookie_value(const Request& request, std::string_view name) {
    // Browsers send one Cookie header ("a=1; b=2"); HTTP/2 gateways may split it in several.
    for (const auto& [key, value] : request.headers) {
        if (!iequals(key, "Cookie")) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto semicolon = rest.find(';');
            const auto pair = trim(rest.substr(0, semicolon));
            rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
            const auto eq = pair.find('=');
            if (eq == std::string_view::npos || trim(pair.substr(0, eq)) != name) continue;
            auto found = trim(pair.substr(eq + 1));
            if (found.size() >= 2 && found.front() == '"' && found.back() == '"') found = found.substr(1, found.size() - 2);
            return found;
        }
    }
    return {};
}

std::string session_cookie(std::string_view token, domain::Instant expires_at, domain::Instant now, bool secure) {
    const auto max_age = std::max<long long>(0, (expires_at - now).count());
    return std::string(staff_cookie) + "=" + std::string(token) + cookie_attributes(secure) +
           "; Max-Age=" + std::to_string(max_age);
}

std::string cleared_session_cookie(bool secure) {
    return std::string(staff_cookie) + "=" + cookie_attributes(secure) + "; Max-Age=0";
}

Authenticator session_authenticator(storage::Database& db, storage::SessionPolicy policy) {
    return [&db, policy](const Request& request, std::function<void(Caller)> done) {
        const auto token = cookie_value(request, staff_cookie);
        // Garbage (or nothing) costs no database read.
        if (!auth::looks_like_token(token)) {
            done(Caller{});
            return;
        }
        db.read([&db, policy, token = std::string(token), done = std::move(done),
                 rid = request.request_id](storage::Connection& conn) {
            std::optional<storage::StaffSession> session;
            try {
                session = storage::find_staff_session(conn, token, domain::now(), policy);
            } catch (const std::exception& e) {
                // A failing read must not sign anyone in; the route then answers 401.
                log::error("auth", std::string("session look-up failed: ") + e.what(), rid);
            }
            if (!session) {
                done(Caller{});
                return;
            }
            if (session->needs_touch) {
                // Idle expiry counts from the last touch; the answer does not wait for it.
                db.write([id = session->id](storage::Connection& writer,
                                            storage::ChangeSet&) { storage::touch_staff_session(writer, id, domain::now()); },
                         nullptr);
            }
            Caller caller;
            caller.staff = std::make_shared<const domain::Principal>(std::move(session->principal));
            caller.csrf_token = std::move(session->csrf_token);
            done(std::move(caller));
        });
    };
}

StaffSessionSweeper::StaffSessionSweeper(storage::Database& db, storage::SessionPolicy policy,
                                         std::chrono::seconds interval)
    : db_(db), policy_(policy), interval_(interval), thread_([this] { run(); }) {}

StaffSessionSweeper::~StaffSessionSweeper() { stop(); }

void StaffSessionSweeper::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void StaffSessionSweeper::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        // Once at start (sessions may have expired while the server was down), then every interval.
        db_.write(
            [policy = policy_](storage::Connection& conn, storage::ChangeSet&) {
                const int deleted = storage::delete_expired_staff_sessions(conn, domain::now(), policy);
                if (deleted > 0) log::debug("auth", "deleted " + std::to_string(deleted) + " expired staff session(s)");
            },
            [](std::exception_ptr error) {
                if (!error) return;
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    log::warn("auth", std::string("deleting expired staff sessions failed: ") + e.what());
                }
            });
        if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
    }
}

}  // namespace congress::api
