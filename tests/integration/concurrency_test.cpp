// The last seat goes to exactly one of many concurrent delegates.
//
// Hundreds of clients connect, wait at a barrier and then all send their request at once
// to a server whose seat check is slowed down (CONGRESS_TEST_HOOKS=race_delay_ms=N, in a
// build with -DCONGRESS_TEST_HOOKS=ON) to widen any race window. The single writer must
// hand out exactly `capacity` seats and a gap-free waiting list.
//
// A control run proves that the harness can see an oversell at all: the same harness
// against the naive check-then-act path (bypass_single_writer=1: the seat is decided on a
// reader's snapshot) on a database whose capacity triggers were dropped must oversell. A
// third run keeps the triggers: the database itself must then refuse the oversell.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <latch>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* colloquium_slug = "barcelona-women-colloquium-2014";  // 60 seats, waiting list
constexpr const char* hyderabad_slug = "hyderabad-2014";
constexpr int clients = 300;
constexpr auto client_timeout = std::chrono::seconds(60);

// Every client opens its connection first, then all wait at a barrier, then each sends its
// one request and reads the answer. Answers in client order (status 0: see .error).
std::vector<Response> send_together(std::uint16_t port, const std::vector<std::string>& requests) {
    auto count = static_cast<std::ptrdiff_t>(requests.size());
    std::vector<Response> answers(requests.size());
    std::latch ready(count);
    std::vector<std::thread> threads;
    threads.reserve(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
        threads.emplace_back([&, i] {
            Connection connection(port, client_timeout);
            ready.arrive_and_wait();  // all connected: go
            if (!connection.connected()) {
                answers[i].error = connection.error();
                return;
            }
            if (!connection.send(requests[i])) {
                answers[i] = connection.read_response();
                if (answers[i].status == 0) answers[i].error = connection.error() + "; " + answers[i].error;
                return;
            }
            answers[i] = connection.read_response();
        });
    }
    for (auto& t : threads) t.join();
    return answers;
}

std::string registration_request(long long event_id, const std::string& email) {
    const json body = {{"name", "Concurrent Delegate"}, {"email", email}};
    return format_request("POST", "/api/events/" + std::to_string(event_id) + "/registrations",
                          {{"Content-Type", "application/json"}}, body.dump());
}

// What the clients were told.
struct Tally {
    int confirmed = 0;
    std::vector<long long> waitlist_positions;  // as each waitlisted client was told, sorted
    int server_errors = 0;                      // 500 internal_error
    std::set<std::string> codes;
    std::vector<std::string> problems;          // anything else: each fails the test
};

// `object` is "registration" (event seats) or "enrolment" (session places).
Tally tally(const std::vector<Response>& answers, const std::string& object) {
    Tally t;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        const auto& r = answers[i];
        auto who = "client " + std::to_string(i) + ": ";
        if (r.status == 500 && is_json_error(r, "internal_error")) {
            ++t.server_errors;
            continue;
        }
        if (r.status != 201) {
            t.problems.push_back(who + (r.status ? "status " + std::to_string(r.status) + " " + r.body.substr(0, 300)
                                                 : "no answer: " + r.error));
            continue;
        }
        auto body = parse_json(r.body);
        if (body.is_discarded() || !body.contains(object) || !body[object].is_object()) {
            t.problems.push_back(who + "201 without a " + object + ": " + r.body.substr(0, 300));
            continue;
        }
        auto& thing = body[object];
        auto status = thing.value("status", "");
        if (status == "confirmed" && thing["waitlist_position"].is_null()) {
            ++t.confirmed;
        } else if (status == "waitlisted" && thing["waitlist_position"].is_number_integer()) {
            t.waitlist_positions.push_back(thing["waitlist_position"].get<long long>());
        } else {
            t.problems.push_back(who + "unexpected " + object + " " + thing.dump().substr(0, 300));
        }
        if (body.contains("registration") && body["registration"].contains("code")) {
            auto code = body["registration"]["code"].get<std::string>();
            if (object == "registration" && !t.codes.insert(code).second)
                t.problems.push_back(who + "code " + code + " was given twice");
        }
    }
    std::sort(t.waitlist_positions.begin(), t.waitlist_positions.end());
    return t;
}

// 1, 2, ..., n: every position given once, none skipped.
::testing::AssertionResult is_one_to_n(const std::vector<long long>& sorted) {
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (sorted[i] != static_cast<long long>(i) + 1) {
            auto failure = ::testing::AssertionFailure() << "waiting-list position " << i + 1 << " of " << sorted.size()
                                                         << " is " << sorted[i] << "; positions:";
            for (const auto p : sorted) failure << " " << p;
            return failure;
        }
    }
    return ::testing::AssertionSuccess();
}

json get_json(std::uint16_t port, const std::string& target) {
    auto r = get(port, target);
    EXPECT_EQ(r.status, 200) << "GET " << target << ": " << r.error << r.body.substr(0, 300);
    return parse_json(r.body);
}

// Confirmed and waitlisted rows of the event in the database file, counted by the sqlite3
// tool row by row (independent of any counter the server keeps); nullopt without sqlite3.
std::optional<std::pair<long long, long long>> rows_in_file(const ServerProcess& server, long long event_id) {
    if (!find_program("sqlite3")) return std::nullopt;
    const auto out = run_sql(server.db_path(), "SELECT count(*) FILTER (WHERE status = 'confirmed'), "
                                               "count(*) FILTER (WHERE status = 'waitlisted') FROM registrations "
                                               "WHERE event_id = " + std::to_string(event_id) + ";");
    const auto bar = out.find('|');
    if (bar == std::string::npos) {
        ADD_FAILURE() << "unexpected sqlite3 output: " << out;
        return std::nullopt;
    }
    return std::make_pair(std::atoll(out.c_str()), std::atoll(out.c_str() + bar + 1));
}

void report(const char* what, const Tally& t, int capacity) {
    std::cout << "[   info   ] " << what << ": " << t.confirmed << " confirmed (capacity " << capacity << "), "
              << t.waitlist_positions.size() << " waitlisted, " << t.server_errors << " answered 500, "
              << t.problems.size() << " other\n";
}

ServerOptions hooked(std::string hooks) {
    ServerOptions options;
    options.env = {{"CONGRESS_TEST_HOOKS", std::move(hooks)}};
    return options;
}

// The bypass runs mean nothing on a binary that ignores the hooks.
bool hooks_ignored(const ServerProcess& server) {
    return contains(server.log(), "built without test hooks");
}

// Starts a server; fails the test (returns null) if it does not start.
std::unique_ptr<ServerProcess> start(ServerOptions options) {
    try {
        return std::make_unique<ServerProcess>(std::move(options));
    } catch (const std::exception& e) {
        ADD_FAILURE() << "the congress server did not start: " << e.what();
        return nullptr;
    }
}

// Everybody registers for the colloquium at once; what they were told, checked for the
// things every variant must satisfy (each answer a 201 or a 500, no code twice).
struct Burst {
    long long capacity = 0;
    Tally told;
    json event_after;
};

Burst registration_burst(ServerProcess& server, const char* tag) {
    Burst burst;
    auto before = get_json(server.port(), std::string("/api/events/") + colloquium_slug);
    if (!before.is_object() || !before.contains("id")) {
        ADD_FAILURE() << "no event " << colloquium_slug;
        return burst;
    }
    burst.capacity = before["capacity"].get<long long>();
    EXPECT_EQ(before["confirmed"], 0);
    EXPECT_EQ(before["waitlisted"], 0);
    EXPECT_LT(burst.capacity, clients) << "the burst must be larger than the event";
    std::vector<std::string> requests;
    for (int i = 0; i < clients; ++i)
        requests.push_back(registration_request(before["id"].get<long long>(),
                                                std::string(tag) + "-" + std::to_string(i) + "@example.org"));
    auto answers = send_together(server.port(), requests);
    burst.told = tally(answers, "registration");
    for (const auto& p : burst.told.problems) ADD_FAILURE() << p;
    burst.event_after = get_json(server.port(), std::string("/api/events/") + colloquium_slug);
    // The file agrees with what the API says.
    if (const auto rows = rows_in_file(server, before["id"].get<long long>())) {
        EXPECT_EQ(burst.event_after["confirmed"], rows->first) << "confirmed rows in the file";
        EXPECT_EQ(burst.event_after["waitlisted"], rows->second) << "waitlisted rows in the file";
    }
    return burst;
}

TEST(Concurrency, LastSeatGoesToExactlyOneOfManyConcurrentDelegates) {
    auto server = start(hooked("race_delay_ms=2"));
    ASSERT_TRUE(server);
    auto burst = registration_burst(*server, "seat");
    report("single writer", burst.told, static_cast<int>(burst.capacity));
    auto capacity = burst.capacity;

    EXPECT_EQ(burst.told.server_errors, 0);
    EXPECT_EQ(burst.told.confirmed, capacity) << "confirmed answers";
    EXPECT_EQ(static_cast<long long>(burst.told.waitlist_positions.size()), clients - capacity);
    EXPECT_TRUE(is_one_to_n(burst.told.waitlist_positions));
    EXPECT_EQ(burst.told.codes.size(), static_cast<std::size_t>(clients)) << "distinct codes";

    // The database agrees with what the clients were told.
    EXPECT_EQ(burst.event_after["confirmed"], capacity);
    EXPECT_EQ(burst.event_after["waitlisted"], clients - capacity);
    EXPECT_EQ(burst.event_after["seats_left"], 0);
    EXPECT_TRUE(still_serving(server->port()));
    if (HasFailure()) std::cerr << "---- server log ----\n" << server->log() << "--------------------\n";
}

TEST(Concurrency, HarnessSeesTheOversellOfANaiveCheckThenAct) {
    if (!find_program("sqlite3")) GTEST_SKIP() << "needs the sqlite3 command-line tool (apt-get install -y sqlite3)";
    auto options = hooked("bypass_single_writer=1,race_delay_ms=20");
    options.extra_args = {"--db-readers", "8"};
    options.prepare_database = [](const std::string& db) {
        run_sql(db, "DROP TRIGGER registrations_capacity_insert; DROP TRIGGER registrations_capacity_update;");
    };
    auto server = start(options);
    ASSERT_TRUE(server);
    if (hooks_ignored(*server)) GTEST_SKIP() << "this congress binary was built without -DCONGRESS_TEST_HOOKS=ON";
    ASSERT_TRUE(contains(server->log(), "TEST HOOKS ACTIVE")) << server->log();

    auto burst = registration_burst(*server, "naive");
    report("naive check-then-act, no triggers", burst.told, static_cast<int>(burst.capacity));
    auto confirmed = burst.event_after.value("confirmed", 0LL);
    EXPECT_GT(confirmed, burst.capacity)
        << "the naive check-then-act did not oversell: this harness cannot see the race it is meant to catch";
    EXPECT_EQ(confirmed, burst.told.confirmed) << "the database and the answers disagree";
    if (HasFailure()) std::cerr << "---- server log ----\n" << server->log() << "--------------------\n";
}

TEST(Concurrency, CapacityTriggersRefuseTheOversellEvenWhenTheWriterIsBypassed) {
    auto options = hooked("bypass_single_writer=1,race_delay_ms=20");
    options.extra_args = {"--db-readers", "8"};
    auto server = start(options);
    ASSERT_TRUE(server);
    if (hooks_ignored(*server)) GTEST_SKIP() << "this congress binary was built without -DCONGRESS_TEST_HOOKS=ON";
    ASSERT_TRUE(contains(server->log(), "TEST HOOKS ACTIVE")) << server->log();

    auto burst = registration_burst(*server, "guarded");
    report("naive check-then-act, triggers kept", burst.told, static_cast<int>(burst.capacity));
    EXPECT_LE(burst.told.confirmed, burst.capacity) << "confirmed answers";
    EXPECT_LE(burst.event_after.value("confirmed", 0LL), burst.capacity) << "oversold despite the triggers";
    EXPECT_EQ(burst.event_after["confirmed"], burst.told.confirmed) << "the database and the answers disagree";
    EXPECT_EQ(burst.event_after["waitlisted"], static_cast<long long>(burst.told.waitlist_positions.size()))
        << "the database and the answers disagree";
    EXPECT_EQ(burst.told.confirmed + static_cast<long long>(burst.told.waitlist_positions.size()) + burst.told.server_errors,
              clients);
    EXPECT_TRUE(still_serving(server->port()));
    if (HasFailure()) std::cerr << "---- server log ----\n" << server->log() << "--------------------\n";
}

TEST(Concurrency, LastSessionPlaceGoesToExactlyOneOfManyConcurrentDelegates) {
    if (!find_program("sqlite3")) GTEST_SKIP() << "needs the sqlite3 command-line tool (apt-get install -y sqlite3)";
    constexpr int delegates = 200;
    constexpr int places = 25;
    auto options = hooked("race_delay_ms=2");
    // The first session of the congress gets few places.
    options.prepare_database = [](const std::string& db) {
        run_sql(db, "UPDATE sessions SET capacity = " + std::to_string(places) +
                        " WHERE id = (SELECT s.id FROM sessions s JOIN events e ON e.id = s.event_id"
                        " WHERE e.slug = 'hyderabad-2014' ORDER BY s.starts_at, s.id LIMIT 1);");
    };
    auto server = start(options);
    ASSERT_TRUE(server);
    auto port = server->port();

    auto event = get_json(port, std::string("/api/events/") + hyderabad_slug);
    ASSERT_TRUE(event.is_object() && event.contains("sessions")) << event.dump().substr(0, 300);
    json session;
    for (const auto& s : event["sessions"])
        if (s["capacity"] == places) session = s;
    ASSERT_TRUE(session.is_object()) << "no session with " << places << " places";
    auto session_id = session["id"].get<long long>();
    ASSERT_EQ(session["confirmed"], 0);
    ASSERT_GE(event["seats_left"].get<long long>(), delegates);

    // Everybody registers (at once as well: there are seats for all) ...
    std::vector<std::string> registrations;
    for (int i = 0; i < delegates; ++i)
        registrations.push_back(registration_request(event["id"].get<long long>(),
                                                     "session-" + std::to_string(i) + "@example.org"));
    auto registered = send_together(port, registrations);
    std::vector<std::string> codes;
    for (const auto& r : registered) {
        auto body = parse_json(r.body);
        ASSERT_EQ(r.status, 201) << r.error << r.body.substr(0, 300);
        ASSERT_EQ(body["registration"]["status"], "confirmed") << r.body.substr(0, 300);
        codes.push_back(body["registration"]["code"].get<std::string>());
    }

    // ... then everybody wants the same session at once.
    std::vector<std::string> enrolments;
    for (const auto& code : codes)
        enrolments.push_back(format_request("POST", "/api/registrations/" + code + "/sessions",
                                            {{"Content-Type", "application/json"}},
                                            json{{"session_id", session_id}}.dump()));
    auto told = tally(send_together(port, enrolments), "enrolment");
    report("session places", told, places);
    for (const auto& p : told.problems) ADD_FAILURE() << p;
    EXPECT_EQ(told.server_errors, 0);
    EXPECT_EQ(told.confirmed, places);
    EXPECT_EQ(static_cast<int>(told.waitlist_positions.size()), delegates - places);
    EXPECT_TRUE(is_one_to_n(told.waitlist_positions));

    auto after = get_json(port, std::string("/api/events/") + hyderabad_slug);
    json session_after;
    for (const auto& s : after["sessions"])
        if (s["id"] == session_id) session_after = s;
    ASSERT_TRUE(session_after.is_object());
    EXPECT_EQ(session_after["confirmed"], places);
    EXPECT_EQ(session_after["waitlisted"], delegates - places);
    EXPECT_EQ(session_after["seats_left"], 0);

    // A confirmed delegate leaves: the first on the session's list takes the place, the
    // second becomes first.
    std::string leaver, first_waiting, second_waiting;
    const auto enrolment_of = [&](const std::string& code) {
        auto registration = parse_json(get(port, "/api/registrations/" + code).body)["registration"];
        for (auto& e : registration["sessions"])
            if (e["session_id"] == session_id) return e;
        return json();
    };
    for (const auto& code : codes) {
        auto e = enrolment_of(code);
        if (e.is_null()) continue;
        if (e["status"] == "confirmed" && leaver.empty()) leaver = code;
        if (e["waitlist_position"] == 1) first_waiting = code;
        if (e["waitlist_position"] == 2) second_waiting = code;
    }
    ASSERT_FALSE(leaver.empty() || first_waiting.empty() || second_waiting.empty());
    const auto left = request(port, "DELETE", "/api/registrations/" + leaver + "/sessions/" + std::to_string(session_id));
    ASSERT_EQ(left.status, 200) << left.error << left.body;
    EXPECT_EQ(enrolment_of(first_waiting).value("status", ""), "confirmed");
    EXPECT_EQ(enrolment_of(second_waiting).value("waitlist_position", json()), 1);
    EXPECT_TRUE(still_serving(port));
    if (HasFailure()) std::cerr << "---- server log ----\n" << server->log() << "--------------------\n";
}

TEST(Concurrency, ConcurrentRepeatsOfOneIdempotentRequestRegisterOnce) {
    constexpr int repeats = 50;
    auto server = start(hooked("race_delay_ms=2"));
    ASSERT_TRUE(server);
    const auto port = server->port();
    const auto before = get_json(port, std::string("/api/events/") + hyderabad_slug);
    ASSERT_TRUE(before.is_object() && before.contains("id"));
    const json body = {{"name", "Impatient Delegate"}, {"email", "impatient@example.org"}};
    const auto one = format_request("POST", "/api/events/" + std::to_string(before["id"].get<long long>()) + "/registrations",
                                    {{"Content-Type", "application/json"}, {"Idempotency-Key", "double-click-1"}},
                                    body.dump());
    const auto answers = send_together(port, std::vector<std::string>(repeats, one));
    int originals = 0;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_EQ(answers[i].status, 201) << "client " << i << ": " << answers[i].error << answers[i].body.substr(0, 300);
        EXPECT_EQ(answers[i].body, answers[0].body) << "client " << i;
        if (answers[i].header("Idempotent-Replayed") != "true") ++originals;
    }
    EXPECT_EQ(originals, 1) << "answers that are not replays";
    const auto after = get_json(port, std::string("/api/events/") + hyderabad_slug);
    EXPECT_EQ(after["confirmed"].get<long long>(), before["confirmed"].get<long long>() + 1);
    if (const auto rows = rows_in_file(*server, before["id"].get<long long>())) {
        EXPECT_EQ(rows->first, before["confirmed"].get<long long>() + 1) << "confirmed rows in the file";
    }
    if (HasFailure()) std::cerr << "---- server log ----\n" << server->log() << "--------------------\n";
}

}  // namespace
}  // namespace congress::it
