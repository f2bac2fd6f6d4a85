#include "api_fixture.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "api/authenticator.hpp"
#include "api/live_feed.hpp"
#include "api/response_cache.hpp"
#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "auth/login_throttle.hpp"
#include "auth/password.hpp"
#include "auth/password_hasher.hpp"
#include "auth/sealed.hpp"
#include "domain/time.hpp"
#include "live/hub.hpp"
#include "net/response_head.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/demo_loader.hpp"
#include "storage/migrations.hpp"
#include "storage/registration_store.hpp"
#include "storage/staff_store.hpp"
#include "util/log.hpp"

namespace congress::fuzz {

namespace {

using nlohmann::json;

// About a millisecond a hash: the fuzzer exercises the login flow, not scrypt's cost.
constexpr auth::ScryptParams cheap_scrypt{10, 8, 1, 16, 32};
constexpr const char* staff_email = "fuzz-admin@example.org";
constexpr const char* staff_password = "fuzzing password, long enough";

[[noreturn]] void fail(std::string_view what, std::string_view detail) {
    std::fprintf(stderr, "\n==== fuzz invariant broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream content;
    content << in.rdbuf();
    return std::move(content).str();
}

// /dev/shm when it is there: a commit's fsync is then nearly free.
std::string make_temp_dir() {
    std::string base = "/dev/shm";
    if (access(base.c_str(), W_OK) != 0) base = std::filesystem::temp_directory_path().string();
    std::string pattern = base + "/congress-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot make a temporary directory in " + base);
    return pattern;
}

json json_of(const api::Response& response) {
    return response.body ? json::parse(*response.body, nullptr, false) : json();
}

std::string id_at(const json& value, std::initializer_list<const char*> path) {
    const json* at = &value;
    for (const char* key : path) {
        if (!at->is_object() || !at->contains(key)) return "0";
        at = &(*at)[key];
    }
    if (at->is_number_integer()) return std::to_string(at->get<std::int64_t>());
    if (at->is_string()) return at->get<std::string>();
    return "0";
}

storage::AuditContext cli_audit() { return storage::AuditContext{storage::AuditActor::cli("fuzz"), {}, {}}; }

const std::vector<domain::RoleGrant>& staff_grants() {
    static const std::vector<domain::RoleGrant> grants{{domain::Role::admin, std::nullopt},
                                                       {domain::Role::organiser, std::nullopt}};
    return grants;
}

}  // namespace

void quiet_logs() {
    log::Level level = log::Level::error;
    if (const char* text = std::getenv("CONGRESS_FUZZ_LOG")) log::parse_level(text, level);
    log::set_level(level);
}

void check_answer(const api::Response& response, std::string_view what) {
    if (response.status < 100 || response.status > 599)
        fail("the status is not an HTTP status", std::string(what) + " -> " + std::to_string(response.status));
    static const bool allow_500 = std::getenv("CONGRESS_FUZZ_ALLOW_500") != nullptr;
    if (response.status == 500 && !allow_500)
        fail("500: a handler threw an unexpected exception (CONGRESS_FUZZ_ALLOW_500=1 goes on past it)",
             std::string(what) + " -> " + (response.body ? *response.body : std::string()));
    if (response.content_type.rfind("application/json", 0) == 0 && response.body && !response.body->empty() &&
        json::parse(*response.body, nullptr, false).is_discarded())
        fail("an application/json answer is not JSON", std::string(what) + " -> " + *response.body);
    std::string head;
    net::write_response_head(head, response, "fuzz", false, false);
    const auto end = head.find("\r\n\r\n");
    if (end == std::string::npos || end + 4 != head.size())
        fail("the response head does not end with one empty line", head);
    for (std::size_t i = 0; i < end; ++i) {
        if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) fail("a bare LF in the response head", head);
        if (head[i] == '\r' && head[i + 1] != '\n') fail("a bare CR in the response head", head);
        if (head[i] == '\0') fail("a NUL in the response head", head);
    }
}

struct ApiFixture::Parts {
    explicit Parts(const std::string& directory)
        : dir(directory),
          db(storage::DatabaseOptions{dir + "/congress.db", 2, true}),
          web(std::string(CONGRESS_SOURCE_DIR) + "/web"),
          hasher(auth::PasswordHasherOptions{1, 16, cheap_scrypt}),
          feed(db, hub, cache),
          services{db, cache, web} {}

    std::string dir;
    storage::Database db;
    api::ResponseCache cache;
    api::StaticFiles web;
    auth::PasswordHasher hasher;
    auth::LoginThrottle throttle;
    live::Hub hub;
    api::LiveFeed feed;
    api::Services services;
    api::Router router;
    std::atomic<std::uint64_t> requests{0};
};

ApiFixture& ApiFixture::get() {
    // Never destroyed: the database's threads run until the process exits.
    static ApiFixture* fixture = new ApiFixture();
    return *fixture;
}

storage::Database& ApiFixture::db() { return parts_->db; }
live::Hub& ApiFixture::hub() { return parts_->hub; }
api::LiveFeed& ApiFixture::feed() { return parts_->feed; }

ApiFixture::ApiFixture() {
    quiet_logs();
    const auto dir = make_temp_dir();
    {
        // As `congress demo-load` does it.
        const auto path = dir + "/congress.db";
        storage::Connection conn(path, storage::OpenMode::read_write_create);
        storage::configure_writer(conn);
        storage::migrate(conn, storage::builtin_migrations());
        storage::load_demo(conn, read_file(std::string(CONGRESS_SOURCE_DIR) + "/schema/demo/metropolis-2014.json"), {});
    }
    parts_ = std::make_unique<Parts>(dir);
    auto& p = *parts_;
    // As main.cpp wires them.
    p.db.set_commit_listener([&p](storage::Connection& conn, const storage::ChangeSet& changes) {
        if (!changes.events.empty()) p.cache.invalidate();
        p.feed.on_commit(conn, changes);
    });
    p.feed.start_watcher();
    p.services.authenticator = api::session_authenticator(p.db, storage::SessionPolicy{});
    p.feed.set_authenticator(p.services.authenticator);
    p.services.hasher = &p.hasher;
    p.services.throttle = &p.throttle;
    p.services.letters_key = std::make_shared<const auth::SealKey>(auth::SealKey{});
    api::add_routes(p.router, p.services);
    router_ = &p.router;
    // The directory goes when the process exits normally (a crash leaves it for a look).
    static std::string remove_at_exit = dir;
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(remove_at_exit, ignored);
    });

    // The staff member, and a first sign-in through the real login route.
    const auto hash = auth::hash_password(staff_password, cheap_scrypt);
    std::promise<std::int64_t> created;
    p.db.write(
        [&](storage::Connection& conn, storage::ChangeSet&) {
            created.set_value(storage::create_staff_user(conn, storage::NewStaffUser{staff_email, "Fuzz Admin", hash, staff_grants()},
                                                         cli_audit(), domain::now())
                                  .id);
        },
        [](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
        });
    staff_user_id_ = created.get_future().get();
    const auto login = send("POST", "/api/staff/login", json{{"email", staff_email}, {"password", staff_password}}.dump(), {},
                            false);
    const auto set_cookie = std::string(login.header("Set-Cookie"));
    const auto prefix = std::string(api::staff_cookie) + "=";
    if (login.status != 200 || set_cookie.rfind(prefix, 0) != 0)
        fail("the fixture's staff login failed", login.body ? *login.body : "");
    cookie_ = set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
    csrf_ = id_at(json_of(login), {"csrf_token"});
    discover_ids();
}

void ApiFixture::discover_ids() {
    // The main event (the World Congress: many sessions, a venue, rooms) and another one for
    // edits that could close the main one's registration.
    const auto events = json_of(send("GET", "/api/events", {}, {}, false));
    for (const auto& event : events.value("events", json::array())) {
        const auto slug = event.value("slug", std::string());
        if (slug == "hyderabad-2014") ids_["EVENT"] = std::to_string(event.value("id", 0));
        if (slug == "barcelona-women-colloquium-2014") ids_["EVENT2"] = std::to_string(event.value("id", 0));
    }
    if (id("EVENT") == "0" || id("EVENT2") == "0") fail("the demo events were not found", events.dump());
    const auto event_path = "/api/events/" + id("EVENT");
    const auto event = json_of(send("GET", event_path, {}, {}, false));
    const auto sessions = event.value("sessions", json::array());
    if (sessions.size() < 2) fail("the main demo event has fewer than 2 sessions", event.dump());
    ids_["SESSION"] = std::to_string(sessions.at(0).value("id", 0));
    ids_["SESSION2"] = std::to_string(sessions.at(1).value("id", 0));
    ids_["ROOM"] = id_at(sessions.at(0), {"room", "id"});

    ids_["CODE"] = new_registration();
    ids_["REGISTRATION"] = std::to_string(registration_id(id("CODE")));
    send("POST", "/api/registrations/" + id("CODE") + "/sessions", json{{"session_id", std::stoll(id("SESSION"))}}.dump(), {},
         false);
    ids_["TOKEN"] = id_at(json_of(send("GET", "/api/registrations/" + id("CODE") + "/badge", {}, {}, false)), {"badge", "token"});

    ids_["TRACK"] = id_at(json_of(send("POST", event_path + "/tracks", R"({"name":"Fuzz track"})", {}, true)), {"track", "id"});
    const auto hotel = json_of(send("POST", event_path + "/hotels", R"({"name":"Fuzz Hotel","address":"Road 1"})", {}, true));
    ids_["HOTEL"] = id_at(hotel, {"hotel", "id"});
    const auto starts = event.value("starts_at", std::string("2030-01-02")).substr(0, 10);
    const auto blocks = json_of(send("POST", event_path + "/hotels/" + id("HOTEL") + "/blocks",
                                     json{{"nights", {starts}}, {"room_type", "double"}, {"room_label", "Double room"},
                                          {"held", 5}, {"rate_minor", 10000}, {"currency", "INR"}}
                                         .dump(),
                                     {}, true));
    ids_["BLOCK"] = blocks.contains("blocks") && blocks["blocks"].is_array() && !blocks["blocks"].empty()
                        ? id_at(blocks["blocks"][0], {"id"})
                        : id_at(blocks, {"block", "id"});
    const auto letter = json_of(send("POST", "/api/registrations/" + id("CODE") + "/letter",
                                     R"({"passport_name":"ANA MARIA SILVA","nationality":"BR","passport_number":"FP1234567",)"
                                     R"("birth_date":"1975-03-14","arrival":")" + starts + R"(","departure":")" + starts + R"("})",
                                     {}, false));
    ids_["LETTER"] = id_at(letter, {"letter", "id"});
    const auto checkin = json_of(send("POST", event_path + "/checkin",
                                      json{{"desk", "Fuzz desk"}, {"token", id("TOKEN")}}.dump(), {}, true));
    ids_["CHECKIN"] = id_at(checkin, {"checkin", "id"});
    const auto user = json_of(send("POST", "/api/admin/users",
                                   json{{"email", "fuzz-victim@example.org"}, {"name", "Victim"}, {"password", staff_password},
                                        {"grants", {{{"role", "checkin"}, {"event_id", std::stoll(id("EVENT"))}}}}}
                                       .dump(),
                                   {}, true));
    ids_["USER"] = id_at(user, {"user", "id"});
    ids_["COOKIE"] = cookie_;
    ids_["CSRF"] = csrf_;
    if (std::getenv("CONGRESS_FUZZ_SHOW_IDS")) {
        for (const auto& [name, value] : ids_) std::fprintf(stderr, "fuzz fixture: @%s@ = %s\n", name.c_str(), value.c_str());
    }
}

std::string ApiFixture::id(const std::string& name) const {
    const auto it = ids_.find(name);
    return it == ids_.end() ? "0" : it->second;
}

std::string ApiFixture::substitute(std::string_view text) const {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == '@') {
            const auto end = text.find('@', i + 1);
            if (end != std::string_view::npos && end - i <= 16) {
                const auto it = ids_.find(std::string(text.substr(i + 1, end - i - 1)));
                if (it != ids_.end()) {
                    out += it->second;
                    i = end + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}

std::string ApiFixture::new_registration() {
    const auto n = ++registrations_;
    const auto answer = send("POST", "/api/events/" + id("EVENT") + "/registrations",
                             json{{"name", "Delegate " + std::to_string(n)},
                                  {"email", "delegate-" + std::to_string(n) + "-" + std::to_string(getpid()) + "@example.org"},
                                  {"organisation", "Fuzz"}}
                                 .dump(),
                             {}, false);
    const auto code = id_at(json_of(answer), {"registration", "code"});
    if (answer.status != 201 || code == "0") fail("the fixture could not register a delegate", answer.body ? *answer.body : "");
    return code;
}

std::int64_t ApiFixture::registration_id(const std::string& code) {
    std::promise<std::int64_t> found;
    parts_->db.read([&](storage::Connection& conn) {
        try {
            const auto registration = storage::load_registration(conn, code);
            found.set_value(registration ? registration->id : 0);
        } catch (...) {
            found.set_exception(std::current_exception());
        }
    });
    return found.get_future().get();
}

api::Headers ApiFixture::staff_headers() const {
    return {{"Cookie", std::string(api::staff_cookie) + "=" + cookie_}, {"X-CSRF-Token", csrf_}};
}

void ApiFixture::ensure_signed_in() {
    const auto me = json_of(send("GET", "/api/staff/me", {}, {}, true));
    bool ok = me.is_object() && me.contains("staff");
    if (ok) {
        const auto grants = me["staff"].value("grants", json::array());
        bool admin = false, organiser = false;
        for (const auto& grant : grants) {
            if (grant.value("role", "") == "admin") admin = true;
            if (grant.value("role", "") == "organiser" && (!grant.contains("event_id") || grant["event_id"].is_null()))
                organiser = true;
        }
        ok = admin && organiser;
    }
    if (!ok) sign_in_through_storage();
}

void ApiFixture::sign_in_through_storage() {
    std::promise<storage::NewStaffSession> signed_in;
    parts_->db.write(
        [&](storage::Connection& conn, storage::ChangeSet&) {
            const auto now = domain::now();
            storage::set_staff_user_disabled(conn, staff_user_id_, false, cli_audit(), now);
            for (const auto& grant : staff_grants()) storage::grant_role(conn, staff_user_id_, grant, cli_audit(), now);
            signed_in.set_value(storage::create_staff_session(conn, staff_user_id_, std::nullopt, now));
        },
        [](std::exception_ptr error) {
            if (error) std::rethrow_exception(error);
        });
    const auto session = signed_in.get_future().get();
    cookie_ = session.token;
    csrf_ = session.csrf_token;
    ids_["COOKIE"] = cookie_;
    ids_["CSRF"] = csrf_;
}

api::Response ApiFixture::send(api::Request request) {
    if (request.path.empty() && request.query.empty()) api::split_target(request.target, request.path, request.query);
    if (request.remote_address.empty()) request.remote_address = "203.0.113.9";
    if (request.request_id.empty()) request.request_id = "fuzz-" + std::to_string(++parts_->requests);
    const auto what = request.method + " " + request.target.substr(0, 200);
    auto answered = std::make_shared<std::promise<api::Response>>();
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto twice = std::make_shared<std::atomic<bool>>(false);
    router_->handle(request, [answered, calls, twice](api::Response response) {
        if (calls->fetch_add(1) == 0) answered->set_value(std::move(response));
        else twice->store(true);
    });
    auto future = answered->get_future();
    if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) fail("a request was not answered in 20 s", what);
    auto response = future.get();
    if (twice->load()) fail("a request was answered twice", what);
    if (response.stream) {
        // A streamed answer (the CSV exports): its pieces, one after the other, as the
        // network layer asks for them.
        std::string body;
        for (;;) {
            auto piece = std::make_shared<std::promise<std::pair<std::string, bool>>>();
            auto next = piece->get_future();
            response.stream->next([piece](std::string text, bool failed) { piece->set_value({std::move(text), failed}); });
            if (next.wait_for(std::chrono::seconds(20)) != std::future_status::ready)
                fail("a piece of a streamed answer did not come in 20 s", what);
            auto [text, failed] = next.get();
            if (failed) fail("a streamed answer was cut short", what);
            if (text.empty()) break;
            body += text;
        }
        response.stream.reset();
        response.body = std::make_shared<const std::string>(std::move(body));
    }
    static const bool trace = std::getenv("CONGRESS_FUZZ_TRACE") != nullptr;
    if (trace) std::fprintf(stderr, "fuzz: %s -> %d %s\n", what.c_str(), response.status,
                            response.body ? response.body->substr(0, 160).c_str() : "");
    check_answer(response, what);
    return response;
}

api::Response ApiFixture::send(const std::string& method, const std::string& target, const std::string& body,
                               api::Headers headers, bool as_staff) {
    api::Request request;
    request.method = method;
    request.target = target;
    request.body = body;
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    if (as_staff)
        for (auto& header : staff_headers()) headers.push_back(std::move(header));
    request.headers = std::move(headers);
    return send(std::move(request));
}

}  // namespace congress::fuzz
