// Official hotels end to end (docs/hotels.md): the real binary, an organiser made with
// `congress user add` who sets up a hotel and a room block over HTTP, delegates who ask for the
// last rooms all at once, a cancelled registration whose room goes to the next in line, bad
// requests that write nothing, the rooming list as CSV, the remaining rooms pushed live, a
// waiting delegate told live of the room that came free, and the release date.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
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
constexpr const char* password = "an organiser password long enough";

struct HotelServer {
    static ServerOptions make() {
        ServerOptions options;
        options.prepare_database = [](const std::string& db) {
            const auto r = run_program(
                "/bin/sh",
                {"-c", "printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" --email organiser@example.org "
                       "--name Organiser --role organiser --event \"$EVENT\""},
                {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}, {"EVENT", event_slug}});
            if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
        };
        return options;
    }
};

class Hotels : public SharedServerTest<HotelServer> {
protected:
    struct Setup {
        long long event = 0;
        long long hotel = 0;
        std::string night;  // the one night the block holds
        Headers organiser;
    };

    // An organiser signs in, adds a hotel and a block of `held` double rooms for one night.
    static Setup set_up_hotel(int held) {
        Setup s;
        const auto login = post_json(port(), "/api/staff/login", {{"email", "organiser@example.org"}, {"password", password}});
        if (login.status != 200) throw std::runtime_error("login failed: " + login.body);
        const auto cookie = login.header("Set-Cookie");
        s.organiser = {{"Cookie", cookie.substr(0, cookie.find(';'))},
                       {"X-CSRF-Token", parse_json(login.body)["csrf_token"].get<std::string>()}};
        s.event = parse_json(get(port(), "/api/events/" + std::string(event_slug)).body)["id"].get<long long>();
        const auto base = "/api/events/" + std::to_string(s.event) + "/hotels";
        const auto listed = parse_json(get(port(), base).body);
        s.night = listed["event"]["nights"]["first"];
        const auto hotel = post_json(port(), base,
                                     {{"name", "Taj Krishna"}, {"address", "Road No. 1, Banjara Hills"},
                                      {"map_url", "https://maps.example.org/taj"}, {"distance", "6 km from HICC"}},
                                     s.organiser);
        if (hotel.status != 201) throw std::runtime_error("hotel: " + hotel.body);
        s.hotel = parse_json(hotel.body)["hotel"]["id"];
        const auto block = post_json(port(), base + "/" + std::to_string(s.hotel) + "/blocks",
                                     {{"nights", {s.night}}, {"room_type", "double"}, {"room_label", "Double room"},
                                      {"held", held}, {"rate_minor", 750000}, {"currency", "INR"}},
                                     s.organiser);
        if (block.status != 201) throw std::runtime_error("block: " + block.body);
        return s;
    }

    static std::string register_delegate(const std::string& name) {
        const auto r = post_json(port(), "/api/events/" + std::string(event_slug) + "/registrations",
                                 {{"name", name}, {"email", name + "@example.org"}});
        if (r.status != 201) throw std::runtime_error("registration failed: " + r.body);
        return parse_json(r.body)["registration"]["code"];
    }

    static Response ask(const std::string& code, const Setup& s, json nights = nullptr, const std::string& type = "double") {
        if (nights.is_null()) nights = json::array({s.night});
        return post_json(port(), "/api/registrations/" + code + "/accommodation",
                         {{"hotel_id", s.hotel}, {"room_type", type}, {"nights", nights}});
    }

    static json block_of(const Setup& s) {
        const auto listed = parse_json(get(port(), "/api/events/" + std::to_string(s.event) + "/hotels").body);
        for (const auto& h : listed["hotels"])
            if (h["id"] == s.hotel) return h["blocks"][0];
        return nullptr;
    }

    static std::string sql(const std::string& query) { return run_sql(server().db_path(), query); }

    // The next message of this type on the client's socket (others are skipped), or null.
    static json next_of_type(WsClient& client, const std::string& type, int tries = 20) {
        for (int i = 0; i < tries; ++i) {
            const auto message = client.receive();
            if (!message.is_text()) return nullptr;
            auto body = parse_json(message.data);
            if (body.is_object() && body.value("type", "") == type) return body;
        }
        return nullptr;
    }
};

TEST_F(Hotels, OfManyDelegatesAskingAtOnceExactlyHeldGetRoomsAndACancelledRegistrationFreesOne) {
    constexpr int held = 3;
    constexpr int delegates = 16;
    const auto s = set_up_hotel(held);
    std::vector<std::string> codes;
    for (int i = 0; i < delegates; ++i) codes.push_back(register_delegate("rush-" + std::to_string(i)));

    std::vector<Response> answers(delegates);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < delegates; ++i)
        threads.emplace_back([&, i] {
            ++ready;
            while (ready < delegates) std::this_thread::yield();
            answers[i] = ask(codes[i], s);
        });
    for (auto& t : threads) t.join();

    std::vector<int> allotted, waiting;
    for (int i = 0; i < delegates; ++i) {
        ASSERT_EQ(answers[i].status, 201) << answers[i].body;
        const auto status = parse_json(answers[i].body)["accommodation"]["status"];
        (status == "allotted" ? allotted : waiting).push_back(i);
    }
    EXPECT_EQ(allotted.size(), static_cast<std::size_t>(held));
    EXPECT_EQ(waiting.size(), static_cast<std::size_t>(delegates - held));
    auto block = block_of(s);
    EXPECT_EQ(block["allotted"], held);
    EXPECT_EQ(block["waitlisted"], delegates - held);
    EXPECT_EQ(block["remaining"], 0);

    // The first in line is the waiting delegate whose request came first.
    std::string first_waiting;
    for (const auto i : waiting) {
        const auto view = parse_json(get(port(), "/api/registrations/" + codes[i] + "/accommodation").body)["accommodation"];
        if (view["waitlist_position"] == 1) first_waiting = codes[i];
    }
    ASSERT_FALSE(first_waiting.empty());

    // A delegate with a room cancels the registration: the room goes to the first in line.
    ASSERT_EQ(request(port(), "DELETE", "/api/registrations/" + codes[allotted[0]]).status, 200);
    const auto promoted = parse_json(get(port(), "/api/registrations/" + first_waiting + "/accommodation").body);
    EXPECT_EQ(promoted["accommodation"]["status"], "allotted") << promoted.dump();
    const auto gone = parse_json(get(port(), "/api/registrations/" + codes[allotted[0]] + "/accommodation").body);
    EXPECT_TRUE(gone["accommodation"].is_null());
    block = block_of(s);
    EXPECT_EQ(block["allotted"], held);
    EXPECT_EQ(block["waitlisted"], delegates - held - 1);
    if (find_program("sqlite3")) {
        EXPECT_EQ(sql("SELECT count(*) FROM accommodation_nights WHERE status = 'allotted';"), std::to_string(held) + "\n");
    }
}

TEST_F(Hotels, BadRequestsGetAClear4xxAndWriteNothing) {
    const auto s = set_up_hotel(2);
    const auto ana = register_delegate("bad-ana");
    const auto count = [] { return sql("SELECT count(*) FROM accommodation_requests;"); };
    const bool have_sql = find_program("sqlite3").has_value();
    const auto before = have_sql ? count() : std::string();

    const auto outside = ask(ana, s, json::array({"2001-01-01"}));
    EXPECT_EQ(outside.status, 422);
    EXPECT_TRUE(is_json_error(outside, "invalid_field")) << outside.body;
    EXPECT_EQ(parse_json(outside.body)["error"]["field"], "nights");
    const auto unknown = ask(ana, s, nullptr, "penthouse");
    EXPECT_EQ(unknown.status, 422);
    EXPECT_EQ(parse_json(unknown.body)["error"]["field"], "room_type");
    const auto gap = ask(ana, s, json::array({"2014-10-07", "2014-10-09"}));
    EXPECT_EQ(gap.status, 422);
    // Someone else's code (well formed, never issued) finds nothing.
    std::string other = ana;
    other[0] = other[0] == 'a' ? 'b' : 'a';
    EXPECT_TRUE(is_json_error(ask(other, s), "registration_not_found"));
    EXPECT_EQ(ask(other, s).status, 404);
    if (have_sql) {
        EXPECT_EQ(count(), before);
    }

    ASSERT_EQ(ask(ana, s).status, 201);
    const auto twice = ask(ana, s);
    EXPECT_EQ(twice.status, 409);
    EXPECT_TRUE(is_json_error(twice, "accommodation_exists"));
}

TEST_F(Hotels, OrganisersExportTheRoomingListAsCsvAndDelegatesCancelTheirRequest) {
    const auto s = set_up_hotel(1);
    const auto ana = register_delegate("csv-ana");
    const auto ben = register_delegate("csv-ben");
    ASSERT_EQ(ask(ana, s).status, 201);
    ASSERT_EQ(ask(ben, s).status, 201);
    const auto base = "/api/events/" + std::to_string(s.event) + "/hotels/" + std::to_string(s.hotel);

    const auto list = get(port(), base + "/rooming", s.organiser);
    ASSERT_EQ(list.status, 200) << list.body;
    const auto rooming = parse_json(list.body)["rooming"];
    ASSERT_EQ(rooming.size(), 2u);
    EXPECT_EQ(rooming[0]["name"], "csv-ana");
    EXPECT_EQ(rooming[0]["status"], "allotted");
    EXPECT_EQ(rooming[1]["status"], "waitlisted");
    EXPECT_EQ(get(port(), base + "/rooming").status, 401);  // not for the public

    const auto csv = get(port(), base + "/rooming.csv", s.organiser);
    ASSERT_EQ(csv.status, 200) << csv.body;
    EXPECT_TRUE(starts_with(csv.header("Content-Type"), "text/csv"));
    EXPECT_TRUE(contains(csv.body, "csv-ana@example.org"));
    EXPECT_TRUE(contains(csv.body, "Double room"));

    const auto cancelled = request(port(), "DELETE", "/api/registrations/" + ana + "/accommodation");
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    EXPECT_EQ(parse_json(cancelled.body)["accommodation"]["status"], "cancelled");
    EXPECT_EQ(parse_json(get(port(), "/api/registrations/" + ben + "/accommodation").body)["accommodation"]["status"],
              "allotted");
    EXPECT_TRUE(is_json_error(request(port(), "DELETE", "/api/registrations/" + ana + "/accommodation"),
                              "accommodation_not_found"));
}

TEST_F(Hotels, OrganiserChangesAreCheckedAndAudited) {
    const auto s = set_up_hotel(1);
    const auto base = "/api/events/" + std::to_string(s.event) + "/hotels/" + std::to_string(s.hotel);
    const auto outside = post_json(port(), base + "/blocks",
                                   {{"nights", {"2001-01-01"}}, {"room_type", "single"}, {"room_label", "Single room"},
                                    {"held", 5}, {"rate_minor", 500000}, {"currency", "INR"}},
                                   s.organiser);
    EXPECT_EQ(outside.status, 422) << outside.body;
    const auto again = post_json(port(), base + "/blocks",
                                 {{"nights", {s.night}}, {"room_type", "double"}, {"room_label", "Double room"},
                                  {"held", 5}, {"rate_minor", 500000}, {"currency", "INR"}},
                                 s.organiser);
    EXPECT_TRUE(is_json_error(again, "block_exists")) << again.body;
    EXPECT_EQ(post_json(port(), base + "/blocks", {{"nights", {s.night}}, {"room_type", "single"}, {"room_label", "S"},
                                                   {"held", 5}, {"rate_minor", 1}, {"currency", "rupees"}},
                        s.organiser)
                  .status,
              422);
    EXPECT_EQ(post_json(port(), base + "/blocks", {{"nights", {s.night}}}).status, 401);  // not signed in

    ASSERT_EQ(ask(register_delegate("audit-ana"), s).status, 201);
    const auto block = block_of(s);
    const auto path = base + "/blocks/" + std::to_string(block["id"].get<long long>());
    EXPECT_TRUE(is_json_error(send_json(port(), "PATCH", path, {{"held", 0}}, s.organiser), "held_below_allotted"));
    const auto more = send_json(port(), "PATCH", path, {{"held", 4}, {"release_at", "2099-01-01T12:00"}}, s.organiser);
    ASSERT_EQ(more.status, 200) << more.body;
    EXPECT_EQ(parse_json(more.body)["block"]["remaining"], 3);
    const auto renamed = send_json(port(), "PATCH", base, {{"name", "Taj Krishna Hyderabad"}}, s.organiser);
    ASSERT_EQ(renamed.status, 200) << renamed.body;
    EXPECT_EQ(parse_json(renamed.body)["hotel"]["name"], "Taj Krishna Hyderabad");
    if (find_program("sqlite3")) {
        // This hotel's entries only: the other tests share the server.
        const auto hotel = std::to_string(s.hotel);
        EXPECT_EQ(sql("SELECT group_concat(action, ',') FROM (SELECT action FROM audit_log WHERE (entity_type = 'hotel' "
                      "AND entity_id = " + hotel + ") OR (entity_type = 'room_block' AND entity_id IN (SELECT id FROM "
                      "room_blocks WHERE hotel_id = " + hotel + ")) ORDER BY id);"),
                  "hotel.create,room_block.create,room_block.update,hotel.update\n");
    }
}

TEST_F(Hotels, RemainingRoomsArePushedLiveOnTheEventTopic) {
    const auto s = set_up_hotel(2);
    WsClient client(port());
    ASSERT_TRUE(client.open());
    client.send_text(json{{"type", "subscribe"}, {"topic", "event:" + std::to_string(s.event)}}.dump());
    json snapshot;
    for (int i = 0; i < 3 && !snapshot.is_object(); ++i) {
        const auto body = parse_json(client.receive().data);
        if (body.is_object() && body.value("type", "") == "snapshot") snapshot = body;
    }
    ASSERT_TRUE(snapshot.is_object());
    bool in_snapshot = false;
    for (const auto& r : snapshot["rooms"]) in_snapshot = in_snapshot || (r["hotel"] == s.hotel && r["remaining"] == 2);
    EXPECT_TRUE(in_snapshot) << snapshot.dump();

    ASSERT_EQ(ask(register_delegate("live-ana"), s).status, 201);
    json pushed;
    for (int i = 0; i < 10 && !pushed.is_object(); ++i) {
        const auto body = parse_json(client.receive().data);
        if (body.is_object() && body.value("type", "") == "rooms" && body["hotel"] == s.hotel) pushed = body;
    }
    ASSERT_TRUE(pushed.is_object()) << "the remaining rooms were not pushed";
    EXPECT_EQ(pushed["night"], s.night);
    EXPECT_EQ(pushed["room_type"], "double");
    EXPECT_EQ(pushed["held"], 2);
    EXPECT_EQ(pushed["allotted"], 1);
    EXPECT_EQ(pushed["remaining"], 1);
}

TEST_F(Hotels, AWaitingDelegateIsToldLiveWhenACancellationGivesThemTheRoom) {
    const auto s = set_up_hotel(1);
    const auto ana = register_delegate("promo-ana");
    const auto ben = register_delegate("promo-ben");
    ASSERT_EQ(ask(ana, s).status, 201);
    const auto waiting = ask(ben, s);
    ASSERT_EQ(waiting.status, 201) << waiting.body;
    ASSERT_EQ(parse_json(waiting.body)["accommodation"]["status"], "waitlisted");

    // Ben's "my registration" page follows his topic; its snapshot carries his request.
    WsClient ben_page(port());
    ASSERT_TRUE(ben_page.open()) << ben_page.error();
    const auto topic = "registration:" + ben;
    ben_page.send_text(json{{"type", "subscribe"}, {"topic", topic}}.dump());
    auto snapshot = next_of_type(ben_page, "snapshot");
    ASSERT_TRUE(snapshot.is_object()) << "no snapshot";
    ASSERT_TRUE(snapshot["accommodation"].is_object()) << snapshot.dump();
    EXPECT_EQ(snapshot["accommodation"]["status"], "waitlisted");
    EXPECT_EQ(snapshot["accommodation"]["waitlist_position"], 1);
    EXPECT_EQ(snapshot["registration"]["status"], "confirmed");  // the existing field, unchanged

    // Ana cancels her registration: her room goes to Ben, and his page hears of it.
    ASSERT_EQ(request(port(), "DELETE", "/api/registrations/" + ana).status, 200);
    auto pushed = next_of_type(ben_page, "accommodation");
    ASSERT_TRUE(pushed.is_object()) << "the promotion was not pushed to the delegate";
    EXPECT_EQ(pushed["topic"], topic);
    EXPECT_GT(pushed["seq"].get<long long>(), snapshot["seq"].get<long long>());
    ASSERT_TRUE(pushed["accommodation"].is_object()) << pushed.dump();
    EXPECT_EQ(pushed["accommodation"]["status"], "allotted") << pushed.dump();
    EXPECT_TRUE(pushed["accommodation"]["waitlist_position"].is_null()) << pushed.dump();
    EXPECT_EQ(pushed["accommodation"]["hotel"]["id"], s.hotel);
    EXPECT_EQ(pushed["accommodation"]["nights"], json::array({s.night}));

    // His own cancellation is pushed too: no request any more.
    ASSERT_EQ(request(port(), "DELETE", "/api/registrations/" + ben + "/accommodation").status, 200);
    auto gone = next_of_type(ben_page, "accommodation");
    ASSERT_TRUE(gone.is_object()) << "the cancellation was not pushed";
    EXPECT_TRUE(gone["accommodation"].is_null()) << gone.dump();
}

TEST_F(Hotels, TheReleaseDateReturnsTheUnallottedRoomsToTheHotel) {
    const auto s = set_up_hotel(3);
    ASSERT_EQ(ask(register_delegate("release-ana"), s).status, 201);
    const auto base = "/api/events/" + std::to_string(s.event) + "/hotels/" + std::to_string(s.hotel);
    auto block = block_of(s);
    ASSERT_EQ(block["remaining"], 2);
    WsClient watcher(port());
    ASSERT_TRUE(watcher.open()) << watcher.error();
    watcher.send_text(json{{"type", "subscribe"}, {"topic", "event:" + std::to_string(s.event)}}.dump());
    ASSERT_TRUE(next_of_type(watcher, "snapshot").is_object());

    // The organiser sets a release date already past (in the event's zone).
    const auto path = base + "/blocks/" + std::to_string(block["id"].get<long long>());
    auto released = send_json(port(), "PATCH", path, {{"release_at", "2014-01-01T00:00"}}, s.organiser);
    ASSERT_EQ(released.status, 200) << released.body;
    EXPECT_EQ(parse_json(released.body)["block"]["released"], true);
    EXPECT_EQ(parse_json(released.body)["block"]["remaining"], 0);

    auto after = block_of(s);
    EXPECT_EQ(after["held"], 3);
    EXPECT_EQ(after["allotted"], 1) << "a room already allotted stays allotted";
    EXPECT_EQ(after["remaining"], 0) << "the two unallotted rooms are the hotel's again";
    EXPECT_EQ(after["released"], true);
    auto pushed = next_of_type(watcher, "rooms");
    ASSERT_TRUE(pushed.is_object()) << "the release was not pushed";
    EXPECT_EQ(pushed["block"], block["id"]);
    EXPECT_EQ(pushed["remaining"], 0);

    // Nobody gets one of them now, and nothing is written.
    const auto count = [] { return sql("SELECT count(*) FROM accommodation_requests;"); };
    const bool have_sql = find_program("sqlite3").has_value();
    const auto before = have_sql ? count() : std::string();
    auto late = ask(register_delegate("release-ben"), s);
    EXPECT_EQ(late.status, 409) << late.body;
    EXPECT_TRUE(is_json_error(late, "rooms_released")) << late.body;
    if (have_sql) {
        EXPECT_EQ(count(), before);
    }
    // Moving the release date later gives the rooms back to the block.
    auto reopened = send_json(port(), "PATCH", path, {{"release_at", nullptr}}, s.organiser);
    ASSERT_EQ(reopened.status, 200) << reopened.body;
    EXPECT_EQ(parse_json(reopened.body)["block"]["remaining"], 2);
}

}  // namespace
}  // namespace congress::it
