#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "api/checkin_json.hpp"
#include "app/checkin.hpp"
#include "storage/checkin_store.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::app::check_in;
using congress::app::CheckinOutcome;
using congress::app::CheckinResult;
using congress::testing::TempDir;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }

// An event with four delegates: Ana and Ben confirmed, Cid waitlisted, Dee cancelled; a
// session Ana is enrolled in; and a second event.
struct Desk : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    ChangeSet changes;
    domain::Id event = 1, other_event = 2, session = 0;
    domain::Id ana = 0, ben = 0, cid = 0, dee = 0;
    const domain::Instant nine = utc("2014-06-13T07:00:00Z");
    AuditContext audit{AuditActor{std::nullopt, "test"}, std::nullopt, std::nullopt};

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity, waitlist_enabled)
            VALUES ('colloquium', 'Colloquium', 'colloquium', 'Europe/Madrid', '2014-06-13T07:30:00Z',
                    '2014-06-13T12:30:00Z', 2, 1);
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity)
            VALUES ('other', 'Other', 'workshop', 'Asia/Seoul', '2014-06-13T00:00:00Z', '2014-06-14T00:00:00Z', 10);
        )sql");
        conn.prepare("INSERT INTO sessions (event_id, title, starts_at, ends_at, capacity) VALUES (1, 'Panel', "
                     "'2014-06-13T08:00:00Z', '2014-06-13T09:00:00Z', 5)")
            .run();
        session = conn.last_insert_rowid();
        const auto early = utc("2014-06-01T10:00:00Z");
        ana = register_delegate(conn, changes, event, {"Ana", "ana@example.org", "Barcelona", std::nullopt, "en"}, early).id;
        ben = register_delegate(conn, changes, event, {"Ben", "ben@example.org", std::nullopt, std::nullopt, "en"}, early).id;
        cid = register_delegate(conn, changes, event, {"Cid", "cid@example.org", std::nullopt, std::nullopt, "en"}, early).id;
        const auto d = register_delegate(conn, changes, other_event, {"Dee", "dee@example.org", std::nullopt, std::nullopt, "en"}, early);
        dee = d.id;
        cancel_registration(conn, changes, d.code, early);
        const auto a = load_registration_code(ana);
        enrol(conn, changes, a, session, early);
    }

    std::string load_registration_code(domain::Id id) {
        auto row = conn.prepare("SELECT code FROM registrations WHERE id = ?");
        row.bind(1, id);
        row.step();
        return row.text(0);
    }

    CheckinOutcome scan(domain::Id registration, const char* desk = "Desk 1", domain::Id scope = 0,
                        CheckinSource source = CheckinSource::scan, std::optional<domain::Instant> at = std::nullopt,
                        domain::Id ev = 1) {
        CheckinInput input;
        input.event_id = ev;
        input.registration_id = registration;
        input.session_id = scope;
        input.desk = desk;
        input.staff_name = "Staff";
        input.source = source;
        input.scanned_at = at.value_or(nine);
        return check_in(conn, changes, input, nine + std::chrono::minutes(30));
    }
};

TEST_F(Desk, AConfirmedDelegateIsCheckedInOnceThenAmber) {
    const auto first = scan(ana);
    EXPECT_EQ(first.result, CheckinResult::checked_in);
    EXPECT_EQ(api::checkin_status(first), 200);  // what the desk's answer carries
    EXPECT_EQ(first.registration->name, "Ana");
    EXPECT_EQ(first.checked_in, 1);
    EXPECT_EQ(first.expected, 2);
    const auto second = scan(ana, "Desk 2");
    EXPECT_EQ(second.result, CheckinResult::already_checked_in);
    EXPECT_EQ(api::checkin_status(second), 409);
    EXPECT_EQ(second.checkin->desk, "Desk 1");  // where it happened first
    EXPECT_EQ(second.checked_in, 1);
    EXPECT_EQ(checkin_counts(conn, event, 0).checked_in, 1);
}

TEST_F(Desk, WaitlistedCancelledAndOtherEventsAreRefused) {
    EXPECT_EQ(scan(cid).error_code, "registration_waitlisted");
    EXPECT_EQ(scan(dee, "Desk 1", 0, CheckinSource::scan, std::nullopt, other_event).error_code, "registration_cancelled");
    EXPECT_EQ(scan(dee).error_code, "not_registered");  // a registration of another event
    EXPECT_EQ(scan(9999).error_code, "not_registered");
    EXPECT_EQ(checkin_counts(conn, event, 0).checked_in, 0);
}

TEST_F(Desk, SessionEntryNeedsAConfirmedPlaceInTheSession) {
    EXPECT_EQ(scan(ana, "Room door", session).result, CheckinResult::checked_in);
    EXPECT_EQ(scan(ben, "Room door", session).error_code, "not_enrolled");
    // The session and the entrance are separate lists.
    EXPECT_EQ(scan(ana).result, CheckinResult::checked_in);
    EXPECT_THROW(scan(ana, "x", 12345), domain::NotFound);
    const auto stats = checkin_stats(conn, event);
    ASSERT_EQ(stats.sessions.size(), 1u);
    EXPECT_EQ(stats.sessions[0].checked_in, 1);
    EXPECT_EQ(stats.sessions[0].expected, 1);
    EXPECT_EQ(stats.checked_in, 1);
}

TEST_F(Desk, UndoIsAuditedAndAllowsCheckingInAgain) {
    const auto first = scan(ana);
    const auto undone = undo_checkin(conn, changes, event, first.checkin->id, "wrong badge", audit, nine);
    EXPECT_EQ(undone.undo_reason.value(), "wrong badge");
    EXPECT_EQ(checkin_counts(conn, event, 0).checked_in, 0);
    EXPECT_THROW(undo_checkin(conn, changes, event, first.checkin->id, "again", audit, nine), domain::Refusal);
    EXPECT_THROW(undo_checkin(conn, changes, other_event, first.checkin->id, "x", audit, nine), domain::NotFound);
    EXPECT_EQ(scan(ana).result, CheckinResult::checked_in);
    auto audited = conn.prepare("SELECT count(*) FROM audit_log WHERE action = 'checkin.undo' AND reason = 'wrong badge'");
    audited.step();
    EXPECT_EQ(audited.int64(0), 1);
    const auto list = list_checkins(conn, event, std::nullopt, 10);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_TRUE(list[1].record.undone_at);
}

TEST_F(Desk, AnEarlierOfflineScanBecomesTheCheckInAndTheLaterIsADuplicate) {
    scan(ana, "Desk 1", 0, CheckinSource::scan, utc("2014-06-13T07:10:00Z"));
    const auto offline = scan(ana, "Desk 2", 0, CheckinSource::offline, utc("2014-06-13T07:05:00Z"));
    EXPECT_EQ(offline.result, CheckinResult::checked_in);
    EXPECT_TRUE(offline.duplicate);
    EXPECT_EQ(offline.checked_in, 1);  // counted once
    const auto dups = list_duplicates(conn, event);
    ASSERT_EQ(dups.size(), 1u);
    EXPECT_EQ(dups[0].kept.desk, "Desk 2");
    EXPECT_EQ(dups[0].kept.scanned_at, utc("2014-06-13T07:05:00Z"));
    EXPECT_EQ(dups[0].desk, "Desk 1");
    EXPECT_EQ(checkin_stats(conn, event).duplicates, 1);
}

TEST_F(Desk, ALaterOfflineScanIsADuplicateOfTheEarlierCheckIn) {
    scan(ana, "Desk 1", 0, CheckinSource::scan, utc("2014-06-13T07:00:00Z"));
    const auto offline = scan(ana, "Desk 2", 0, CheckinSource::offline, utc("2014-06-13T07:20:00Z"));
    EXPECT_EQ(offline.result, CheckinResult::already_checked_in);
    EXPECT_TRUE(offline.duplicate);
    const auto dups = list_duplicates(conn, event);
    ASSERT_EQ(dups.size(), 1u);
    EXPECT_EQ(dups[0].kept.desk, "Desk 1");
    EXPECT_EQ(dups[0].desk, "Desk 2");
}

TEST_F(Desk, TheSchemaRefusesASecondActiveCheckIn) {
    scan(ana);
    EXPECT_THROW(conn.exec("INSERT INTO checkins (event_id, scope, registration_id, desk, staff_name, scanned_at, "
                           "recorded_at, source) VALUES (1, 0, " + std::to_string(ana) +
                           ", 'rogue', 'x', '2014-06-13T07:00:00Z', '2014-06-13T07:00:00Z', 'scan')"),
                 SqliteError);
}

TEST_F(Desk, BadgeKeysAreMadeOnceAndKept) {
    EXPECT_EQ(load_badge_key(conn, event), nullptr);
    const auto key = ensure_badge_key(conn, event, nine);
    const auto again = ensure_badge_key(conn, event, nine);
    EXPECT_EQ(key->public_key(), again->public_key());
    EXPECT_EQ(load_badge_key(conn, event)->sign({event, ana}), key->sign({event, ana}));
    EXPECT_NE(ensure_badge_key(conn, other_event, nine)->public_key(), key->public_key());
    EXPECT_THROW(ensure_badge_key(conn, 77, nine), domain::NotFound);
}

TEST_F(Desk, BadgesListConfirmedOnlyAndRememberPrinting) {
    EXPECT_EQ(list_badges(conn, event, {}, true).size(), 2u);  // Ana, Ben
    EXPECT_EQ(list_badges(conn, event, {ana, cid, dee}, false).size(), 1u);
    EXPECT_EQ(mark_badges_printed(conn, event, {ana, cid, dee}, audit, nine), 1);
    const auto left = list_badges(conn, event, {}, true);
    ASSERT_EQ(left.size(), 1u);
    EXPECT_EQ(left[0].person.name, "Ben");
    EXPECT_TRUE(list_badges(conn, event, {ana}, false)[0].printed_at);
}

TEST_F(Desk, AttendeesAndSearchCarryWhatADeskNeeds) {
    scan(ana);
    const auto people = list_attendees(conn, event);
    ASSERT_EQ(people.size(), 3u);
    EXPECT_EQ(people[0].person.name, "Ana");
    EXPECT_TRUE(people[0].checked_in_at);
    EXPECT_EQ(people[0].sessions, std::vector<domain::Id>{session});
    EXPECT_FALSE(people[1].checked_in_at);
    EXPECT_EQ(search_attendees(conn, event, "barcel").size(), 1u);
    EXPECT_EQ(search_attendees(conn, event, "BEN@").size(), 1u);
    EXPECT_EQ(search_attendees(conn, event, "%").size(), 0u);  // LIKE wildcards are literal
}

// Twenty desks scan the same badge at once through the real single writer.
TEST(DeskConcurrency, ExactlyOneOfManySimultaneousScansChecksIn) {
    TempDir dir;
    const auto path = dir.file("c.db");
    domain::Id registration = 0;
    {
        Connection conn(path, OpenMode::read_write_create);
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec("INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity) VALUES ('e', 'E', "
                  "'workshop', 'UTC', '2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z', 10)");
        ChangeSet changes;
        registration = register_delegate(conn, changes, 1, {"Ana", "ana@example.org", std::nullopt, std::nullopt, "en"},
                                         utc("2029-01-01T00:00:00Z"))
                           .id;
    }
    Database db(DatabaseOptions{path, 2, true});
    constexpr int desks = 20;
    std::vector<std::promise<CheckinOutcome>> answers(desks);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < desks; ++i)
        threads.emplace_back([&, i] {
            ++ready;
            while (ready < desks) std::this_thread::yield();
            auto outcome = std::make_shared<CheckinOutcome>();
            db.write(
                [&, i, outcome](Connection& conn, ChangeSet& changes) {
                    CheckinInput input;
                    input.event_id = 1;
                    input.registration_id = registration;
                    input.desk = "Desk " + std::to_string(i);
                    input.staff_name = "Staff";
                    input.scanned_at = domain::now();
                    *outcome = check_in(conn, changes, input, domain::now());
                },
                [&, i, outcome](std::exception_ptr error) {
                    if (error) answers[i].set_exception(error);
                    else answers[i].set_value(*outcome);
                });
        });
    for (auto& t : threads) t.join();
    int checked_in = 0, amber = 0;
    for (auto& a : answers) {
        const auto outcome = a.get_future().get();
        if (outcome.result == CheckinResult::checked_in) ++checked_in;
        if (outcome.result == CheckinResult::already_checked_in) ++amber;
    }
    EXPECT_EQ(checked_in, 1);
    EXPECT_EQ(amber, desks - 1);
    db.close();
    Connection check(path, OpenMode::read_only);
    auto rows = check.prepare("SELECT count(*) FROM checkins");
    rows.step();
    EXPECT_EQ(rows.int64(0), 1);
}

}  // namespace
