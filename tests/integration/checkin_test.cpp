// Check-in desks end to end (docs/checkin.md): the real binary, staff made with `congress user
// add`, badges fetched as a delegate would, scanned over HTTP by many desks at once, refused
// when forged, merged when a desk comes back online, and pushed live to signed-in staff.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"
#include "integration/ws_client.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* event_slug = "hyderabad-2014";
constexpr const char* other_slug = "seoul-miti-water-supply-2014";
constexpr const char* password = "a desk password long enough";

void add_user(const std::string& db, const std::string& email, const std::string& role, const std::string& event) {
    const auto r = run_program("/bin/sh",
                               {"-c", "printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" --email \"$EMAIL\" "
                                      "--name \"$NAME\" --role \"$ROLE\" --event \"$EVENT\""},
                               {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}, {"EMAIL", email},
                                {"NAME", "Desk " + email.substr(0, email.find('@'))}, {"ROLE", role}, {"EVENT", event}});
    if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
}

struct DeskServer {
    static ServerOptions make() {
        ServerOptions options;
        options.prepare_database = [](const std::string& db) {
            add_user(db, "desk@example.org", "checkin", event_slug);
            add_user(db, "organiser@example.org", "organiser", event_slug);
            add_user(db, "seoul-desk@example.org", "checkin", other_slug);
        };
        return options;
    }
};

struct Staff {
    std::string cookie;
    std::string csrf;
    Headers headers() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
};

class Checkin : public SharedServerTest<DeskServer> {
protected:
    static Staff login(const std::string& email) {
        const auto r = post_json(port(), "/api/staff/login", {{"email", email}, {"password", password}});
        if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
        const auto set_cookie = r.header("Set-Cookie");
        return Staff{set_cookie.substr(0, set_cookie.find(';')), parse_json(r.body)["csrf_token"]};
    }

    static long long event_id(const std::string& slug) {
        return parse_json(get(port(), "/api/events/" + slug).body)["id"].get<long long>();
    }

    // Registers a delegate and returns {code, registration id, badge token}.
    struct Delegate {
        std::string code;
        long long id = 0;
        std::string token;
        std::string status;
    };
    static Delegate register_delegate(const std::string& slug, const std::string& name) {
        const auto email = name + "@example.org";
        const auto r = post_json(port(), "/api/events/" + slug + "/registrations",
                                 {{"name", name}, {"email", email}, {"organisation", "City of " + name}});
        if (r.status != 201) throw std::runtime_error("registration failed: " + r.body);
        const auto body = parse_json(r.body)["registration"];
        Delegate d{body["code"], 0, "", body["status"]};
        const auto badge = get(port(), "/api/registrations/" + d.code + "/badge");
        if (badge.status == 200) {
            const auto b = parse_json(badge.body)["badge"];
            d.token = b["token"];
            d.id = b["registration_id"];
        }
        return d;
    }

    static Response scan(const Staff& staff, long long event, const json& body) {
        return post_json(port(), "/api/events/" + std::to_string(event) + "/checkin", body, staff.headers());
    }

    static std::string sql(const std::string& query) { return run_sql(server().db_path(), query); }
};

TEST_F(Checkin, ABadgeChecksInOnceAndTheSecondScanIsAmber) {
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto ana = register_delegate(event_slug, "ana-once");
    ASSERT_FALSE(ana.token.empty());

    const auto first = scan(desk, event, {{"token", ana.token}, {"desk", "Desk 1"}});
    ASSERT_EQ(first.status, 200) << first.body;
    const auto green = parse_json(first.body);
    EXPECT_EQ(green["result"], "checked_in");
    EXPECT_EQ(green["registration"]["name"], "ana-once");
    EXPECT_EQ(green["registration"]["organisation"], "City of ana-once");
    EXPECT_EQ(green["checkin"]["desk"], "Desk 1");
    EXPECT_EQ(first.header("Cache-Control"), "no-store");

    const auto second = scan(desk, event, {{"token", ana.token}, {"desk", "Desk 2"}});
    ASSERT_EQ(second.status, 409) << second.body;
    const auto amber = parse_json(second.body);
    EXPECT_EQ(amber["result"], "already_checked_in");
    EXPECT_EQ(amber["error"]["code"], "already_checked_in");
    EXPECT_EQ(amber["checkin"]["desk"], "Desk 1");
    EXPECT_EQ(amber["checkin"]["by"], "Desk desk");
}

TEST_F(Checkin, OfTwentyDesksScanningOneBadgeAtOnceExactlyOneChecksIn) {
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto ben = register_delegate(event_slug, "ben-race");
    ASSERT_FALSE(ben.token.empty());
    constexpr int desks = 20;
    std::vector<int> statuses(desks, 0);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < desks; ++i)
        threads.emplace_back([&, i] {
            ++ready;
            while (ready < desks) std::this_thread::yield();
            statuses[i] = scan(desk, event, {{"token", ben.token}, {"desk", "Desk " + std::to_string(i)}}).status;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409), desks - 1);
    EXPECT_EQ(sql("SELECT count(*) FROM checkins WHERE registration_id = " + std::to_string(ben.id) + ";"), "1\n");
}

TEST_F(Checkin, TamperedGarbageAndForeignBadgesAreRefusedAndNothingIsWritten) {
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto cid = register_delegate(event_slug, "cid-tamper");
    const auto seoul = register_delegate(other_slug, "dee-seoul");
    ASSERT_FALSE(cid.token.empty());
    ASSERT_FALSE(seoul.token.empty());
    const auto before = sql("SELECT count(*) FROM checkins;");

    std::string tampered = cid.token;
    tampered[60] = tampered[60] == 'A' ? 'B' : 'A';
    auto r = scan(desk, event, {{"token", tampered}, {"desk", "Desk 1"}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(parse_json(r.body)["error"]["code"], "forged_badge");
    EXPECT_EQ(parse_json(r.body)["result"], "refused");

    r = scan(desk, event, {{"token", "https://example.org/not-a-badge"}, {"desk", "Desk 1"}});
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(parse_json(r.body)["error"]["code"], "invalid_token");

    r = scan(desk, event, {{"token", seoul.token}, {"desk", "Desk 1"}});
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(parse_json(r.body)["error"]["code"], "wrong_event");
    EXPECT_EQ(parse_json(r.body)["error"]["event"]["id"], event_id(other_slug));

    // A cancelled registration's badge is red.
    ASSERT_EQ(request(port(), "DELETE", "/api/registrations/" + cid.code).status, 200);
    r = scan(desk, event, {{"token", cid.token}, {"desk", "Desk 1"}});
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(parse_json(r.body)["error"]["code"], "registration_cancelled");

    // Malformed requests are 422 naming the field.
    r = scan(desk, event, {{"token", cid.token}});
    EXPECT_TRUE(is_json_error(r, "invalid_field")) << r.body;
    r = scan(desk, event, {{"token", cid.token}, {"registration_id", 1}, {"desk", "D"}});
    EXPECT_TRUE(is_json_error(r, "invalid_field")) << r.body;
    EXPECT_EQ(sql("SELECT count(*) FROM checkins;"), before);
    EXPECT_TRUE(still_serving(port()));
}

TEST_F(Checkin, OnlyStaffOfTheEventMayCheckIn) {
    const auto event = event_id(event_slug);
    const auto dan = register_delegate(event_slug, "dan-access");
    auto r = post_json(port(), "/api/events/" + std::to_string(event) + "/checkin", {{"token", dan.token}, {"desk", "D"}});
    EXPECT_TRUE(is_json_error(r, "not_signed_in")) << r.body;
    const auto seoul_desk = login("seoul-desk@example.org");
    r = scan(seoul_desk, event, {{"token", dan.token}, {"desk", "D"}});
    EXPECT_EQ(r.status, 403) << r.body;
    // A check-in desk may not print badges (organisers do).
    const auto desk = login("desk@example.org");
    r = get(port(), "/api/events/" + std::to_string(event) + "/badges?unprinted=1", desk.headers());
    EXPECT_EQ(r.status, 403) << r.body;
    // Without the CSRF header a write is refused.
    r = post_json(port(), "/api/events/" + std::to_string(event) + "/checkin", {{"token", dan.token}, {"desk", "D"}},
                  {{"Cookie", desk.cookie}});
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(sql("SELECT count(*) FROM checkins WHERE registration_id = " + std::to_string(dan.id) + ";"), "0\n");
}

TEST_F(Checkin, AnOfflineQueueIsMergedByTimeAndAReplayChangesNothing) {
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto eve = register_delegate(event_slug, "eve-offline");
    const auto fay = register_delegate(event_slug, "fay-offline");
    // Desk 1 (online) checks Eve in now; Desk 2 had admitted her earlier while offline.
    ASSERT_EQ(scan(desk, event, {{"token", eve.token}, {"desk", "Desk 1"}}).status, 200);
    const json queue = {{"desk", "Desk 2"},
                        {"scans",
                         {{{"scan_id", "d2-0001"}, {"token", eve.token}, {"scanned_at", "2020-01-01T08:00:00.250Z"}},
                          {{"scan_id", "d2-0002"}, {"token", fay.token}, {"scanned_at", "2020-01-01T08:01:00Z"}}}}};
    const auto target = "/api/events/" + std::to_string(event) + "/checkin/sync";
    auto r = post_json(port(), target, queue, desk.headers());
    ASSERT_EQ(r.status, 200) << r.body;
    auto results = parse_json(r.body)["results"];
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0]["scan_id"], "d2-0001");
    EXPECT_EQ(results[0]["result"], "checked_in");  // the earlier admission is the check-in
    EXPECT_EQ(results[0]["duplicate"], true);
    EXPECT_EQ(results[1]["result"], "checked_in");
    EXPECT_EQ(results[1]["duplicate"], false);
    EXPECT_EQ(sql("SELECT desk, scanned_at FROM checkins WHERE registration_id = " + std::to_string(eve.id) + ";"),
              "Desk 2|2020-01-01T08:00:00Z\n");

    const auto organiser = login("organiser@example.org");
    r = get(port(), "/api/events/" + std::to_string(event) + "/checkin/duplicates", organiser.headers());
    ASSERT_EQ(r.status, 200) << r.body;
    const auto dups = parse_json(r.body)["duplicates"];
    ASSERT_EQ(dups.size(), 1u);
    EXPECT_EQ(dups[0]["registration"]["name"], "eve-offline");
    EXPECT_EQ(dups[0]["kept"]["desk"], "Desk 2");
    EXPECT_EQ(dups[0]["duplicate"]["desk"], "Desk 1");

    // The desk sends its queue again (it never saw the answer): nothing changes.
    const auto rows = sql("SELECT count(*) FROM checkins; SELECT count(*) FROM checkin_duplicates;");
    r = post_json(port(), target, queue, desk.headers());
    ASSERT_EQ(r.status, 200) << r.body;
    results = parse_json(r.body)["results"];
    EXPECT_EQ(results[0]["replayed"], true);
    EXPECT_EQ(results[1]["replayed"], true);
    EXPECT_EQ(results[1]["result"], "checked_in");
    EXPECT_EQ(sql("SELECT count(*) FROM checkins; SELECT count(*) FROM checkin_duplicates;"), rows);

    // A queue with a bad scan is refused whole, naming it.
    r = post_json(port(), target, {{"desk", "Desk 2"}, {"scans", {{{"scan_id", "x"}, {"token", fay.token}}}}},
                  desk.headers());
    EXPECT_TRUE(is_json_error(r, "invalid_field")) << r.body;
    EXPECT_EQ(parse_json(r.body)["error"]["field"], "scans[0].scanned_at");
}

TEST_F(Checkin, UndoNeedsAReasonAndIsAudited) {
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto gus = register_delegate(event_slug, "gus-undo");
    const auto r = scan(desk, event, {{"token", gus.token}, {"desk", "Desk 3"}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto id = parse_json(r.body)["checkin"]["id"].get<long long>();
    const auto target = "/api/events/" + std::to_string(event) + "/checkins/" + std::to_string(id) + "/undo";
    EXPECT_TRUE(is_json_error(post_json(port(), target, json::object(), desk.headers()), "invalid_field"));
    const auto undone = post_json(port(), target, {{"reason", "scanned the wrong badge"}}, desk.headers());
    ASSERT_EQ(undone.status, 200) << undone.body;
    EXPECT_EQ(parse_json(undone.body)["checkin"]["undo_reason"], "scanned the wrong badge");
    EXPECT_EQ(sql("SELECT count(*) FROM audit_log WHERE action = 'checkin.undo' AND entity_id = " + std::to_string(id) + ";"),
              "1\n");
    EXPECT_EQ(scan(desk, event, {{"token", gus.token}, {"desk", "Desk 3"}}).status, 200);
}

TEST_F(Checkin, TheBadgeQrCodeDecodesToATokenTheServerAccepts) {
    const auto zbarimg = find_program("zbarimg");
    ASSERT_TRUE(zbarimg) << "zbarimg is missing: install zbar-tools (deploy/test does)";
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto hal = register_delegate(event_slug, "hal-qr");
    const auto png = get(port(), "/api/registrations/" + hal.code + "/badge.png");
    ASSERT_EQ(png.status, 200);
    EXPECT_EQ(png.header("Content-Type"), "image/png");
    const auto file = server().dir() + "/badge.png";
    std::ofstream(file, std::ios::binary) << png.body;
    const auto decoded = run_program(*zbarimg, {"--raw", "-q", file});
    ASSERT_EQ(decoded.exit_code, 0) << decoded.output();
    // The first line of its standard output is the decoded text.
    auto text = decoded.out;
    text = text.substr(0, text.find('\n'));
    EXPECT_EQ(text, hal.token);
    const auto r = scan(desk, event, {{"token", text}, {"desk", "Camera"}});
    EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(Checkin, AWaitlistedDelegateHasNoBadgeYet) {
    // The Seoul workshop fills up in the registration tests; here its waiting list is used
    // only if it is full. Any delegate who is not confirmed gets 409 badge_unavailable.
    const auto ivy = register_delegate(other_slug, "ivy-badge");
    const auto badge = get(port(), "/api/registrations/" + ivy.code + "/badge");
    if (ivy.status == "confirmed") {
        EXPECT_EQ(badge.status, 200);
        ASSERT_EQ(request(port(), "DELETE", "/api/registrations/" + ivy.code).status, 200);
    }
    EXPECT_TRUE(is_json_error(get(port(), "/api/registrations/" + ivy.code + "/badge"), "badge_unavailable"));
}

TEST_F(Checkin, CountersArePushedLiveToSignedInStaffOnly) {
    const auto desk = login("desk@example.org");
    const auto event = event_id(event_slug);
    const auto topic = "checkin:" + std::to_string(event);
    const auto subscribe = json{{"type", "subscribe"}, {"topic", topic}}.dump();

    WsClient anonymous(port());
    ASSERT_TRUE(anonymous.open());
    anonymous.send_text(subscribe);
    bool refused = false;
    for (int i = 0; i < 3 && !refused; ++i) {
        const auto m = anonymous.receive();
        const auto body = parse_json(m.data);
        refused = body.is_object() && body.value("type", "") == "error" && body.value("code", "") == "forbidden";
    }
    EXPECT_TRUE(refused) << "an anonymous client was not refused the check-in counters";

    WsOptions options;
    options.headers = {{"Cookie", desk.cookie}};
    WsClient client(port(), options);
    ASSERT_TRUE(client.open());
    client.send_text(subscribe);
    json snapshot;
    for (int i = 0; i < 3 && !snapshot.is_object(); ++i) {
        const auto body = parse_json(client.receive().data);
        if (body.is_object() && body.value("type", "") == "snapshot") snapshot = body;
    }
    ASSERT_TRUE(snapshot.is_object()) << "no snapshot of the check-in counters";
    const int before = snapshot["checked_in"];

    const auto jo = register_delegate(event_slug, "jo-live");
    ASSERT_EQ(scan(desk, event, {{"token", jo.token}, {"desk", "Live desk"}}).status, 200);
    json pushed;
    for (int i = 0; i < 10; ++i) {
        const auto body = parse_json(client.receive().data);
        if (body.is_object() && body.value("type", "") == "checkin" && body["checked_in"].get<int>() == before + 1) {
            pushed = body;
            break;
        }
    }
    ASSERT_TRUE(pushed.is_object()) << "the check-in was not pushed";
    bool desk_listed = false;
    for (const auto& d : pushed["desks"]) desk_listed = desk_listed || (d["desk"] == "Live desk" && d["checked_in"] == 1);
    EXPECT_TRUE(desk_listed) << pushed.dump();
}

}  // namespace
}  // namespace congress::it
