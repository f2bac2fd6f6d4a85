// A server killed with SIGKILL in the middle of a registration burst and restarted on the
// same database has every registration that was answered 201, and no half-written ones.
//
// 32 clients register continuously (unique addresses, half for the Hyderabad congress,
// half for the 60-seat Barcelona colloquium, so that both confirmed and waitlisted answers
// are in flight), every 201 is recorded, and the server gets SIGKILL once some hundreds
// have been answered, while requests are still in flight. After a restart on the same file
// every recorded code must be there with its status, no event may be oversold, and (with
// the sqlite3 tool) the file must pass integrity_check with no incomplete rows.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int writers = 32;
constexpr int answers_before_kill = 400;
const std::vector<std::string> slugs = {"hyderabad-2014", "barcelona-women-colloquium-2014"};

struct Answered {
    std::string slug;
    std::string email;
    std::string code;
    std::string status;  // as answered: confirmed or waitlisted
};

json get_json(std::uint16_t port, const std::string& target) {
    auto r = get(port, target);
    EXPECT_EQ(r.status, 200) << "GET " << target << ": " << r.error << r.body.substr(0, 300);
    return parse_json(r.body);
}

// One number from the sqlite3 tool.
long long sql_number(const std::string& db, const std::string& sql) {
    auto out = run_sql(db, sql);
    return std::atoll(out.c_str());
}

TEST(Durability, SigkillDuringARegistrationBurstLosesNoAnsweredRegistration) {
    ServerProcess server;
    auto port = server.port();
    std::map<std::string, long long> event_ids;
    for (const auto& slug : slugs) {
        auto event = get_json(port, "/api/events/" + slug);
        ASSERT_TRUE(event.is_object() && event.contains("id")) << slug;
        event_ids[slug] = event["id"].get<long long>();
    }

    std::mutex mutex;
    std::vector<Answered> answered;
    std::vector<std::string> problems;  // answers before the kill that are neither 201 nor expected
    std::atomic<int> count{0};
    std::atomic<int> next{0};
    std::atomic<bool> killed{false};
    std::atomic<int> unanswered{0};  // requests cut by the kill

    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&] {
            while (!killed.load()) {
                const int i = next++;
                const auto& slug = slugs[static_cast<std::size_t>(i) % slugs.size()];
                const json body = {{"name", "Burst Delegate " + std::to_string(i)},
                                   {"email", "burst-" + std::to_string(i) + "@example.org"}};
                auto r = post_json(port, "/api/events/" + std::to_string(event_ids.at(slug)) + "/registrations", body,
                                         {}, std::chrono::seconds(30));
                if (r.status == 201) {
                    auto reg = parse_json(r.body).value("registration", json::object());
                    std::lock_guard lock(mutex);
                    answered.push_back(Answered{slug, body["email"].get<std::string>(), reg.value("code", ""), reg.value("status", "")});
                    ++count;
                } else if (r.status == 0) {
                    // No answer: expected once the server is killed (the request may or may
                    // not have been committed); a problem before that.
                    if (killed.load()) {
                        ++unanswered;
                        return;
                    }
                    std::lock_guard lock(mutex);
                    problems.push_back("request " + std::to_string(i) + " got no answer before the kill: " + r.error);
                    return;
                } else {
                    std::lock_guard lock(mutex);
                    problems.push_back("request " + std::to_string(i) + ": status " + std::to_string(r.status) + " " +
                                       r.body.substr(0, 300));
                }
            }
        });
    }

    // Bounded wait for enough answers, then SIGKILL while the clients keep sending.
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (count.load() < answers_before_kill && Clock::now() < deadline && server.running())
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const bool enough = count.load() >= answers_before_kill;
    const bool was_running = server.running();
    killed = true;  // first, so that no client takes the kill for a failure
    server.signal(SIGKILL);
    auto status = server.wait_exit();
    for (auto& t : threads) t.join();

    ASSERT_TRUE(was_running) << "the server died on its own during the burst:\n" << server.log();
    ASSERT_TRUE(enough) << "only " << count.load() << " of " << answers_before_kill
                        << " registrations were answered within 60 s:\n" << server.log();
    ASSERT_TRUE(status.has_value()) << "the server did not die on SIGKILL";
    EXPECT_EQ(*status, 128 + SIGKILL);
    for (const auto& p : problems) ADD_FAILURE() << p;
    std::cout << "[   info   ] " << answered.size() << " registrations answered 201 before the kill, " << unanswered.load()
              << " request(s) cut by it\n";

    ASSERT_NO_THROW(server.restart()) << server.log();
    auto new_port = server.port();

    // Every answered registration is there, as it was answered.
    std::map<std::string, int> confirmed_answers;
    std::map<std::string, int> all_answers;
    int missing = 0;
    for (const auto& a : answered) {
        ++all_answers[a.slug];
        if (a.status == "confirmed") ++confirmed_answers[a.slug];
        auto r = get(new_port, "/api/registrations/" + a.code);
        if (r.status != 200) {
            if (++missing <= 10)
                ADD_FAILURE() << a.status << " registration " << a.code << " (" << a.email << ", " << a.slug
                              << ") answered 201 is gone after the restart: " << r.status << " " << r.error << r.body;
            continue;
        }
        auto reg = parse_json(r.body)["registration"];
        EXPECT_EQ(reg["email"], a.email) << a.code;
        EXPECT_EQ(reg["event"]["slug"], a.slug) << a.code;
        if (a.status == "confirmed") {
            EXPECT_EQ(reg["status"], "confirmed") << a.code << " " << a.email;
        } else {
            // Nobody cancelled, so nobody moves up; but a promotion would be no loss either.
            EXPECT_TRUE(reg["status"] == "waitlisted" || reg["status"] == "confirmed") << a.code << " " << reg.dump();
        }
    }
    EXPECT_EQ(missing, 0) << "answered registrations lost after SIGKILL";

    // No event oversold, and at least what was answered is there.
    for (const auto& slug : slugs) {
        auto event = get_json(new_port, "/api/events/" + slug);
        ASSERT_TRUE(event.is_object() && event.contains("confirmed")) << slug;
        EXPECT_LE(event["confirmed"].get<long long>(), event["capacity"].get<long long>()) << slug << " oversold";
        EXPECT_GE(event["confirmed"].get<long long>(), confirmed_answers[slug]) << slug;
        EXPECT_GE(event["confirmed"].get<long long>() + event["waitlisted"].get<long long>(), all_answers[slug]) << slug;
    }

    // The restarted server takes new registrations.
    auto after = post_json(new_port, "/api/events/" + std::to_string(event_ids.at(slugs[0])) + "/registrations",
                                 {{"name", "After The Restart"}, {"email", "after-restart@example.org"}});
    EXPECT_EQ(after.status, 201) << after.error << after.body;

    ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
    if (HasFailure()) std::cerr << "---- server log ----\n" << server.log() << "--------------------\n";

    if (!find_program("sqlite3")) {
        std::cout << "[   info   ] no sqlite3 command-line tool: the file-level checks were skipped\n";
        return;
    }
    auto db = server.db_path();
    EXPECT_EQ(run_sql(db, "PRAGMA integrity_check;"), "ok\n");
    EXPECT_EQ(run_sql(db, "PRAGMA foreign_key_check;"), "");
    EXPECT_EQ(sql_number(db, "SELECT count(*) FROM registrations WHERE name IS NULL OR name = '' OR email IS NULL OR "
                             "email = '' OR code IS NULL OR length(code) <> 26 OR created_at IS NULL OR created_at = '' "
                             "OR updated_at IS NULL OR updated_at = '' OR status NOT IN ('confirmed', 'waitlisted', 'cancelled');"),
              0)
        << "registrations with missing fields";
    EXPECT_EQ(sql_number(db, "SELECT count(*) FROM registrations WHERE status = 'waitlisted' AND waitlist_seq IS NULL;"), 0)
        << "waitlisted registrations without a place in the queue";
    EXPECT_EQ(sql_number(db, "SELECT count(*) FROM (SELECT event_id, waitlist_seq FROM registrations WHERE waitlist_seq "
                             "IS NOT NULL GROUP BY event_id, waitlist_seq HAVING count(*) > 1);"),
              0)
        << "two registrations share a waiting-list place";
    EXPECT_EQ(sql_number(db, "SELECT count(*) FROM (SELECT event_id, lower(email) FROM registrations WHERE status <> "
                             "'cancelled' GROUP BY event_id, lower(email) HAVING count(*) > 1);"),
              0)
        << "an address with two active registrations for one event";
    EXPECT_EQ(sql_number(db, "SELECT count(*) FROM events e WHERE (SELECT count(*) FROM registrations r WHERE r.event_id "
                             "= e.id AND r.status = 'confirmed') > e.capacity;"),
              0)
        << "oversold events in the file";
    // Seat counters, where the schema keeps them, agree with the rows they count.
    if (sql_number(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'seat_counters';") == 1) {
        EXPECT_EQ(sql_number(db, "SELECT count(*) FROM seat_counters c WHERE c.session_id = 0 AND ("
                                 " c.confirmed <> (SELECT count(*) FROM registrations r WHERE r.event_id = c.event_id"
                                 "   AND r.status = 'confirmed') OR"
                                 " c.waitlisted <> (SELECT count(*) FROM registrations r WHERE r.event_id = c.event_id"
                                 "   AND r.status = 'waitlisted'));"),
                  0)
            << "event seat counters that disagree with the registrations:\n"
            << run_sql(db, "SELECT c.event_id, c.confirmed, c.waitlisted FROM seat_counters c WHERE c.session_id = 0 "
                           "AND c.confirmed + c.waitlisted > 0;");
    }
    // Every answered code is in the file (the HTTP check above already said so; this one
    // does not go through the server's own reading code).
    auto rows = sql_number(db, "SELECT count(*) FROM registrations;");
    EXPECT_GE(rows, static_cast<long long>(answered.size()) + 1);
}

}  // namespace
}  // namespace congress::it
