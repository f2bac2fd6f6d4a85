// Every door obeys the same rules (issue 15): the command line (`congress session`,
// `congress event`) is refused what the console is refused, with the console's error, and
// changes nothing; and a schedule change made through the API reaches a subscribed page
// from the commit itself, not from the watcher that polls the file for other processes'
// changes (here set to poll once an hour, so only the direct path can deliver it).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"
#include "integration/ws_client.hpp"

namespace congress::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* password = "an organiser password long enough";
constexpr const char* colloquium = "barcelona-women-colloquium-2014";  // Europe/Madrid

struct OneDoorServer {
    static ServerOptions make() {
        ServerOptions options;
        options.extra_args = {"--watch-interval-ms", "3600000"};
        options.prepare_database = [](const std::string& db) {
            const auto r = run_program(
                "/bin/sh",
                {"-c", "printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" --email olga@example.org "
                       "--name Olga --role organiser"},
                {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}});
            if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
        };
        return options;
    }
};

class OneDoor : public SharedServerTest<OneDoorServer> {
protected:
    static Headers sign_in() {
        const auto login = post_json(port(), "/api/staff/login", {{"email", "olga@example.org"}, {"password", password}});
        if (login.status != 200) throw std::runtime_error("login failed: " + login.body);
        const auto cookie = login.header("Set-Cookie");
        return {{"Cookie", cookie.substr(0, cookie.find(';'))},
                {"X-CSRF-Token", parse_json(login.body)["csrf_token"].get<std::string>()}};
    }

    static json event() {
        const auto list = parse_json(get(port(), "/api/events").body);
        for (const auto& e : list["events"])
            if (e["slug"] == colloquium) return parse_json(get(port(), "/api/events/" + std::to_string(e["id"].get<long long>())).body);
        return nullptr;
    }

    static json session_of(const json& programme, long long id) {
        for (const auto& s : programme["sessions"])
            if (s["id"] == id) return s;
        return nullptr;
    }

    // A scheduled session of the colloquium, with one delegate confirmed in it.
    static std::pair<long long, long long> session_with_a_delegate(const std::string& tag) {
        const auto programme = event();
        const auto event_id = programme["id"].get<long long>();
        long long session = 0;
        for (const auto& s : programme["sessions"])
            if (s["status"] == "scheduled" && s["seats_left"].get<long long>() > 0) session = s["id"].get<long long>();
        const auto registered = post_json(port(), "/api/events/" + std::to_string(event_id) + "/registrations",
                                          {{"name", "Door " + tag}, {"email", "door-" + tag + "@example.org"}});
        EXPECT_EQ(registered.status, 201) << registered.body;
        const auto code = parse_json(registered.body)["registration"]["code"].get<std::string>();
        const auto enrolled = post_json(port(), "/api/registrations/" + code + "/sessions", {{"session_id", session}});
        EXPECT_EQ(enrolled.status, 201) << enrolled.body;
        return {event_id, session};
    }

    static json error_of(const Response& r) { return parse_json(r.body)["error"]; }
};

TEST_F(OneDoor, TheSessionCommandCannotTakeASessionBelowItsConfirmedDelegates) {
    const auto [event_id, session] = session_with_a_delegate("session-capacity");
    ASSERT_GT(session, 0);
    const auto before = session_of(event(), session);
    ASSERT_GE(before["confirmed"].get<long long>(), 1) << before;
    const auto version = event()["schedule_version"];

    // The console's answer...
    const auto console = send_json(port(), "PATCH", "/api/events/" + std::to_string(event_id) + "/sessions/" + std::to_string(session),
                                   {{"capacity", 0}}, sign_in());
    ASSERT_TRUE(is_json_error(console, "capacity_below_confirmed")) << console.status << " " << console.body;
    const auto message = error_of(console)["message"].get<std::string>();

    // ...is the command line's.
    const auto cli = run_congress({"session", "--db", server().db_path(), "--id", std::to_string(session), "--capacity", "0"});
    EXPECT_EQ(cli.exit_code, 1) << cli.output();
    EXPECT_TRUE(contains(cli.err, "refused (capacity_below_confirmed): " + message)) << cli.output();

    const auto after = event();
    EXPECT_EQ(session_of(after, session)["capacity"], before["capacity"]);
    EXPECT_EQ(after["schedule_version"], version);
    EXPECT_EQ(run_sql(server().db_path(), "SELECT capacity FROM sessions WHERE id = " + std::to_string(session)),
              std::to_string(before["capacity"].get<long long>()) + "\n");
}

TEST_F(OneDoor, TheEventCommandCannotTakeAnEventBelowItsConfirmedDelegates) {
    const auto [event_id, session] = session_with_a_delegate("event-capacity");
    (void)session;
    const auto before = event();
    ASSERT_GE(before["confirmed"].get<long long>(), 1) << before.dump().substr(0, 300);

    const auto console = send_json(port(), "PATCH", "/api/events/" + std::to_string(event_id), {{"capacity", 0}}, sign_in());
    ASSERT_TRUE(is_json_error(console, "capacity_below_confirmed")) << console.status << " " << console.body;
    const auto message = error_of(console)["message"].get<std::string>();

    const auto cli = run_congress({"event", "--db", server().db_path(), "--id", std::to_string(event_id), "--capacity", "0"});
    EXPECT_EQ(cli.exit_code, 1) << cli.output();
    EXPECT_TRUE(contains(cli.err, "refused (capacity_below_confirmed): " + message)) << cli.output();
    EXPECT_EQ(run_sql(server().db_path(), "SELECT capacity FROM events WHERE id = " + std::to_string(event_id)),
              std::to_string(before["capacity"].get<long long>()) + "\n");
}

TEST_F(OneDoor, TheSessionCommandRefusesATimeTheClocksSkipAsTheConsoleDoes) {
    const auto programme = event();
    const auto event_id = programme["id"].get<long long>();
    long long session = 0;
    for (const auto& s : programme["sessions"])
        if (s["status"] == "scheduled") session = s["id"].get<long long>();
    ASSERT_GT(session, 0);
    // 02:30 on 28 March 2027 does not exist in Madrid: the clocks go from 02:00 to 03:00.
    const auto skipped = "2027-03-28T02:30";
    const auto console = send_json(port(), "PATCH", "/api/events/" + std::to_string(event_id) + "/sessions/" + std::to_string(session),
                                   {{"starts_at", skipped}}, sign_in());
    ASSERT_EQ(console.status, 422) << console.body;
    const auto message = error_of(console)["message"].get<std::string>();
    EXPECT_TRUE(contains(message, "does not exist in Europe/Madrid")) << message;

    const auto cli = run_congress({"session", "--db", server().db_path(), "--id", std::to_string(session), "--starts", skipped});
    EXPECT_EQ(cli.exit_code, 1) << cli.output();
    EXPECT_TRUE(contains(cli.err, "starts_at: " + message)) << cli.output();
    EXPECT_EQ(event()["schedule_version"], programme["schedule_version"]);
}

TEST_F(OneDoor, AScheduleChangeThroughTheApiIsPushedFromTheCommitNotFromAPoll) {
    const auto programme = event();
    const auto event_id = programme["id"].get<long long>();
    const auto version = programme["schedule_version"].get<long long>();
    long long session = 0;
    std::string title;
    for (const auto& s : programme["sessions"])
        if (s["status"] == "scheduled") {
            session = s["id"].get<long long>();
            title = s["title"].get<std::string>();
        }
    ASSERT_GT(session, 0);

    WsClient client(port());
    ASSERT_TRUE(client.open()) << client.error();
    const auto topic = "event:" + std::to_string(event_id);
    ASSERT_TRUE(client.send_text(json{{"type", "subscribe"}, {"topic", topic}}.dump())) << client.error();
    // subscribed, then the snapshot
    for (int seen = 0; seen < 2;) {
        const auto m = client.receive(10s);
        ASSERT_TRUE(m.is_text()) << m.describe();
        const auto parsed = parse_json(m.data);
        if (parsed["type"] == "subscribed" || parsed["type"] == "snapshot") ++seen;
    }

    const auto renamed = title + " (renamed)";
    const auto r = send_json(port(), "PATCH", "/api/events/" + std::to_string(event_id) + "/sessions/" + std::to_string(session),
                             {{"title", renamed}, {"reason", "A clearer title"}}, sign_in());
    ASSERT_EQ(r.status, 200) << r.body;

    // The watcher would not look before an hour: this message can only come from the commit.
    json change;
    for (;;) {
        const auto m = client.receive(10s);
        ASSERT_TRUE(m.is_text()) << "no schedule message: " << m.describe();
        change = parse_json(m.data);
        if (change["type"] == "schedule") break;
    }
    EXPECT_EQ(change["topic"], topic);
    EXPECT_EQ(change["event"], event_id);
    EXPECT_EQ(change["version"], version + 1) << change;
    ASSERT_EQ(change["changes"].size(), 1u) << change;
    EXPECT_EQ(change["changes"][0]["change"], "changed") << change;
    EXPECT_EQ(change["changes"][0]["reason"], "A clearer title") << change;
    EXPECT_EQ(change["changes"][0]["session"]["id"], session) << change;
    EXPECT_EQ(change["changes"][0]["session"]["title"], renamed) << change;
    // The push and a fresh read agree.
    const auto now = session_of(event(), session);
    EXPECT_EQ(change["changes"][0]["session"]["starts_at"], now["starts_at"]);
    EXPECT_EQ(change["changes"][0]["session"]["capacity"], now["capacity"]);
}

}  // namespace
}  // namespace congress::it
