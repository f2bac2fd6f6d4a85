#include <gtest/gtest.h>

#include <future>
#include <set>

#include "api/json_text.hpp"
#include "api/registration_json.hpp"
#include "storage/database.hpp"
#include "storage/event_repository.hpp"
#include "storage/migrations.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::domain::RegistrationStatus;
using congress::testing::TempDir;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }

// A small colloquium in Barcelona: 2 seats, registration until the end of 12 June (Madrid),
// three sessions: 09:30-10:00, 09:45-10:30 (overlaps the first), 11:00-12:00 (1 seat).
struct Colloquium : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("c.db"), OpenMode::read_write_create};
    ChangeSet changes;
    domain::Id event = 0, other_event = 0, opening = 0, panel = 0, workshop = 0, foreign_session = 0;
    domain::Id barcelona = 0, caracas = 0, unhabitat = 0;
    const domain::Instant before_deadline = utc("2014-06-01T10:00:00Z");

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity,
                                registration_opens_at, registration_closes_at, waitlist_enabled)
            VALUES ('colloquium', 'Colloquium', 'colloquium', 'Europe/Madrid', '2014-06-13T07:30:00Z',
                    '2014-06-13T12:30:00Z', 2, '2014-05-04T22:00:00Z', '2014-06-12T22:00:00Z', 1);
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity)
            VALUES ('other', 'Other', 'workshop', 'Asia/Seoul', '2014-06-13T00:00:00Z', '2014-06-14T00:00:00Z', 10);
        )sql");
        event = 1;
        other_event = 2;
        opening = add_session(event, "Opening", "2014-06-13T07:30:00Z", "2014-06-13T08:00:00Z", 2);
        panel = add_session(event, "Panel", "2014-06-13T07:45:00Z", "2014-06-13T08:30:00Z", 2);
        workshop = add_session(event, "Workshop", "2014-06-13T09:00:00Z", "2014-06-13T10:00:00Z", 1);
        foreign_session = add_session(other_event, "Elsewhere", "2014-06-13T01:00:00Z", "2014-06-13T02:00:00Z", 5);
        barcelona = add_org("Barcelona", true, {2013, 2014});
        caracas = add_org("Caracas", true, {2013});
        unhabitat = add_org("UN-Habitat", false, {});
    }

    domain::Id add_session(domain::Id ev, const char* title, const char* starts, const char* ends, int capacity) {
        conn.prepare("INSERT INTO sessions (event_id, title, starts_at, ends_at, capacity) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(1, ev).bind(2, title).bind(3, starts).bind(4, ends).bind(5, capacity).run();
        return conn.last_insert_rowid();
    }

    domain::Id add_org(const char* name, bool member, std::vector<int> years) {
        conn.prepare("INSERT INTO organisations (name, is_member) VALUES (?1, ?2)").bind(1, name).bind(2, member).run();
        const auto id = conn.last_insert_rowid();
        for (int y : years) conn.prepare("INSERT INTO organisation_dues (organisation_id, year) VALUES (?1, ?2)").bind(1, id).bind(2, y).run();
        return id;
    }

    RegistrationView reg(const std::string& email, domain::Instant now, std::optional<domain::Id> member = std::nullopt,
                         domain::Id ev = 1) {
        return register_delegate(conn, changes, ev, RegistrationInput{"Delegate " + email, email, std::nullopt, member, "en"}, now);
    }

    std::string refusal(const std::function<void()>& f) {
        try {
            f();
        } catch (const domain::Refusal& r) {
            return r.code();
        } catch (const domain::InvalidField& e) {
            return "invalid:" + e.field();
        } catch (const domain::NotFound& e) {
            return e.code();
        }
        return "accepted";
    }
};

}  // namespace

TEST_F(Colloquium, FirstComersAreConfirmedThenWaitlistedInOrder) {
    EXPECT_EQ(reg("a@x.org", before_deadline).status, RegistrationStatus::confirmed);
    EXPECT_EQ(reg("b@x.org", before_deadline).status, RegistrationStatus::confirmed);
    const auto c = reg("c@x.org", before_deadline);
    const auto d = reg("d@x.org", before_deadline);
    EXPECT_EQ(c.status, RegistrationStatus::waitlisted);
    EXPECT_EQ(c.waitlist_position, 1);
    EXPECT_EQ(d.waitlist_position, 2);
    EXPECT_EQ(c.code.size(), 26u);
    EXPECT_NE(c.code, d.code);
}

TEST_F(Colloquium, CodesSortInTheOrderRegistrationsWereMade) {
    // The code's first characters are its place in commit order (so the unique index on
    // codes grows at its end); the rest stays random, and each code finds its delegate.
    std::vector<RegistrationView> made;
    for (int i = 0; i < 12; ++i) made.push_back(reg("delegate" + std::to_string(i) + "@x.org", before_deadline));
    for (std::size_t i = 1; i < made.size(); ++i) {
        EXPECT_LT(made[i - 1].code, made[i].code);
        EXPECT_NE(made[i - 1].code.substr(6), made[i].code.substr(6));
    }
    for (const auto& r : made) EXPECT_EQ(load_registration(conn, r.code)->email, r.email);
}

TEST_F(Colloquium, CancellationPromotesTheFirstOnTheWaitingListAndMovesTheOthersUp) {
    const auto a = reg("a@x.org", before_deadline);
    reg("b@x.org", before_deadline);
    const auto c = reg("c@x.org", before_deadline);
    const auto d = reg("d@x.org", before_deadline);
    EXPECT_EQ(cancel_registration(conn, changes, a.code, before_deadline).status, RegistrationStatus::cancelled);
    EXPECT_EQ(load_registration(conn, c.code)->status, RegistrationStatus::confirmed);
    const auto d_now = load_registration(conn, d.code).value();
    EXPECT_EQ(d_now.status, RegistrationStatus::waitlisted);
    EXPECT_EQ(d_now.waitlist_position, 1);
}

TEST_F(Colloquium, NoPromotionAfterRegistrationClosesUnlessAnOrganiserAllowsIt) {
    const auto a = reg("a@x.org", before_deadline);
    reg("b@x.org", before_deadline);
    const auto c = reg("c@x.org", before_deadline);
    const auto b_after = utc("2014-06-12T23:00:00Z");
    cancel_registration(conn, changes, a.code, b_after);
    EXPECT_EQ(load_registration(conn, c.code)->status, RegistrationStatus::waitlisted);

    conn.exec("UPDATE events SET promote_after_close = 1 WHERE id = 1");
    EXPECT_EQ(promote_event_waitlist(conn, changes, event, b_after), 1);
    EXPECT_EQ(load_registration(conn, c.code)->status, RegistrationStatus::confirmed);
}

TEST_F(Colloquium, ACapacityIncreasePromotesInOrder) {
    reg("a@x.org", before_deadline);
    reg("b@x.org", before_deadline);
    const auto c = reg("c@x.org", before_deadline);
    const auto d = reg("d@x.org", before_deadline);
    set_event_capacity(conn, changes, event, 3, before_deadline);
    EXPECT_EQ(load_registration(conn, c.code)->status, RegistrationStatus::confirmed);
    EXPECT_EQ(load_registration(conn, d.code)->waitlist_position, 1);
}

TEST_F(Colloquium, TheDeadlineIsTheEndOfTwelveJuneInMadrid) {
    EXPECT_EQ(refusal([&] { reg("late@x.org", utc("2014-06-12T21:59:59Z")); }), "accepted");
    EXPECT_EQ(refusal([&] { reg("later@x.org", utc("2014-06-12T22:00:00Z")); }), "registration_closed");
    EXPECT_EQ(refusal([&] { reg("early@x.org", utc("2014-05-04T21:59:59Z")); }), "registration_not_open");
}

TEST_F(Colloquium, AFullEventWithoutWaitingListRefuses) {
    conn.exec("UPDATE events SET waitlist_enabled = 0 WHERE id = 1");
    reg("a@x.org", before_deadline);
    reg("b@x.org", before_deadline);
    EXPECT_EQ(refusal([&] { reg("c@x.org", before_deadline); }), "event_full");
}

TEST_F(Colloquium, OneActiveRegistrationPerEmailWhateverItsCase) {
    const auto a = reg("Ada@X.org", before_deadline);
    EXPECT_EQ(refusal([&] { reg("ada@x.ORG", before_deadline); }), "already_registered");
    cancel_registration(conn, changes, a.code, before_deadline);
    EXPECT_EQ(refusal([&] { reg("ada@x.org", before_deadline); }), "accepted");
}

TEST_F(Colloquium, EligibilityRuleAdmitsOnlyMembersWithPaidDues) {
    conn.exec(R"(UPDATE events SET eligibility = '{"dues_paid_years":[2013,2014]}' WHERE id = 1)");
    EXPECT_EQ(refusal([&] { reg("none@x.org", before_deadline); }), "not_eligible");
    EXPECT_EQ(refusal([&] { reg("caracas@x.org", before_deadline, caracas); }), "not_eligible");
    EXPECT_EQ(refusal([&] { reg("un@x.org", before_deadline, unhabitat); }), "not_eligible");
    EXPECT_EQ(refusal([&] { reg("ghost@x.org", before_deadline, 999); }), "invalid:member_organisation_id");
    EXPECT_EQ(refusal([&] { reg("bcn@x.org", before_deadline, barcelona); }), "accepted");
}

TEST_F(Colloquium, OverlappingSessionsAreRefusedNamingTheOtherSession) {
    const auto a = reg("a@x.org", before_deadline);
    enrol(conn, changes, a.code, opening, before_deadline);
    try {
        enrol(conn, changes, a.code, panel, before_deadline);
        FAIL() << "overlap accepted";
    } catch (const domain::Refusal& r) {
        EXPECT_EQ(r.code(), "session_overlap");
        ASSERT_TRUE(r.session());
        EXPECT_EQ(r.session()->id, opening);
        EXPECT_EQ(r.session()->title, "Opening");
    }
    EXPECT_EQ(refusal([&] { enrol(conn, changes, a.code, workshop, before_deadline); }), "accepted");
}

TEST_F(Colloquium, SessionsHaveTheirOwnWaitingListAndPromoteOnLeave) {
    const auto a = reg("a@x.org", before_deadline);
    const auto b = reg("b@x.org", before_deadline);
    EXPECT_EQ(enrol(conn, changes, a.code, workshop, before_deadline).enrolment.status, RegistrationStatus::confirmed);
    const auto waiting = enrol(conn, changes, b.code, workshop, before_deadline);
    EXPECT_EQ(waiting.enrolment.status, RegistrationStatus::waitlisted);
    EXPECT_EQ(waiting.enrolment.waitlist_position, 1);
    leave_session(conn, changes, a.code, workshop, before_deadline);
    EXPECT_EQ(load_registration(conn, b.code)->sessions.at(0).status, RegistrationStatus::confirmed);
}

TEST_F(Colloquium, CancellingARegistrationFreesItsSessionPlaces) {
    const auto a = reg("a@x.org", before_deadline);
    const auto b = reg("b@x.org", before_deadline);
    enrol(conn, changes, a.code, workshop, before_deadline);
    enrol(conn, changes, b.code, workshop, before_deadline);
    cancel_registration(conn, changes, a.code, before_deadline);
    EXPECT_EQ(load_registration(conn, b.code)->sessions.at(0).status, RegistrationStatus::confirmed);
}

TEST_F(Colloquium, OnlyConfirmedRegistrationsEnrolAndOnlyInTheirOwnEvent) {
    reg("a@x.org", before_deadline);
    const auto b = reg("b@x.org", before_deadline);
    const auto waiting = reg("c@x.org", before_deadline);
    EXPECT_EQ(refusal([&] { enrol(conn, changes, waiting.code, opening, before_deadline); }), "registration_not_confirmed");
    EXPECT_EQ(refusal([&] { enrol(conn, changes, b.code, foreign_session, before_deadline); }), "invalid:session_id");
    cancel_registration(conn, changes, b.code, before_deadline);
    EXPECT_EQ(refusal([&] { enrol(conn, changes, b.code, opening, before_deadline); }), "registration_cancelled");
    EXPECT_EQ(refusal([&] { enrol(conn, changes, "aaaaaaaaaaaaaaaaaaaaaaaaaa", opening, before_deadline); }),
              "registration_not_found");
}

TEST_F(Colloquium, StartedOrCancelledSessionsRefuseEnrolment) {
    const auto a = reg("a@x.org", before_deadline);
    EXPECT_EQ(refusal([&] { enrol(conn, changes, a.code, opening, utc("2014-06-13T07:30:00Z")); }), "session_started");
    conn.exec("UPDATE sessions SET status = 'cancelled' WHERE id = 3");
    EXPECT_EQ(refusal([&] { enrol(conn, changes, a.code, workshop, before_deadline); }), "session_cancelled");
}

TEST_F(Colloquium, TheSchemaRefusesAnOversellEvenIfTheCodeWereWrong) {
    reg("a@x.org", before_deadline);
    reg("b@x.org", before_deadline);
    EXPECT_THROW(conn.exec(R"sql(
        INSERT INTO registrations (event_id, code, name, email, status, created_at, updated_at)
        VALUES (1, 'bypassbypassbypassbypassby', 'X', 'x@x.org', 'confirmed', 'now', 'now'))sql"),
                 SqliteError);
    const auto c = reg("c@x.org", before_deadline);
    EXPECT_THROW(conn.exec("UPDATE registrations SET status = 'confirmed' WHERE code = '" + c.code + "'"), SqliteError);
}

TEST_F(Colloquium, IdempotentAnswersAreStoredPerScopeAndKey) {
    store_idempotent_answer(conn, "POST /x", "k1", StoredAnswer{"hash", 201, "{}"}, before_deadline);
    EXPECT_EQ(find_idempotent_answer(conn, "POST /x", "k1")->status, 201);
    EXPECT_FALSE(find_idempotent_answer(conn, "POST /y", "k1"));
}

TEST(RegistrationConcurrencyTest, LastSeatsGoToExactlyCapacityOfManyConcurrentCommands) {
    TempDir dir;
    Database db(DatabaseOptions{dir.file("c.db"), 2, true});
    std::promise<void> setup;
    db.write([](Connection& conn, ChangeSet&) {
                 conn.exec(R"sql(INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity)
                     VALUES ('e', 'E', 'colloquium', 'Europe/Madrid', '2099-06-13T07:30:00Z', '2099-06-13T12:30:00Z', 10))sql");
             },
             [&setup](std::exception_ptr) { setup.set_value(); });
    setup.get_future().get();

    constexpr int delegates = 60;
    std::vector<std::promise<RegistrationView>> answers(delegates);
    for (int i = 0; i < delegates; ++i) {
        auto& promise = answers[i];
        auto result = std::make_shared<RegistrationView>();
        db.write(
            [i, result](Connection& conn, ChangeSet& changes) {
                *result = register_delegate(conn, changes, 1,
                                            RegistrationInput{"D", "d" + std::to_string(i) + "@x.org", {}, {}, {}},
                                            domain::now(), TestHooks{std::chrono::milliseconds(1), false});
            },
            [&promise, result](std::exception_ptr e) {
                if (e) promise.set_exception(e);
                else promise.set_value(*result);
            });
    }
    int confirmed = 0;
    std::set<int> positions;
    for (auto& answer : answers) {
        const auto view = answer.get_future().get();
        if (view.status == RegistrationStatus::confirmed) ++confirmed;
        else positions.insert(view.waitlist_position.value());
    }
    EXPECT_EQ(confirmed, 10);
    ASSERT_EQ(positions.size(), static_cast<std::size_t>(delegates - 10));
    EXPECT_EQ(*positions.begin(), 1);
    EXPECT_EQ(*positions.rbegin(), delegates - 10);
}

TEST_F(Colloquium, SeatCountersAlwaysAgreeWithTheRows) {
    const auto a = reg("a@x.org", before_deadline);
    const auto b = reg("b@x.org", before_deadline);
    reg("c@x.org", before_deadline);
    reg("d@x.org", before_deadline);
    enrol(conn, changes, a.code, workshop, before_deadline);
    enrol(conn, changes, b.code, workshop, before_deadline);
    cancel_registration(conn, changes, a.code, before_deadline);
    set_event_capacity(conn, changes, event, 3, before_deadline);
    leave_session(conn, changes, b.code, workshop, before_deadline);
    auto mismatches = conn.prepare(R"sql(
        SELECT count(*) FROM seat_counters c WHERE
          (c.session_id = 0 AND (c.confirmed, c.waitlisted) IS NOT
             (SELECT coalesce(sum(status = 'confirmed'), 0), coalesce(sum(status = 'waitlisted'), 0)
              FROM registrations WHERE event_id = c.event_id))
          OR (c.session_id <> 0 AND (c.confirmed, c.waitlisted) IS NOT
             (SELECT coalesce(sum(status = 'confirmed'), 0), coalesce(sum(status = 'waitlisted'), 0)
              FROM session_enrolments WHERE session_id = c.session_id)))sql");
    mismatches.step();
    EXPECT_EQ(mismatches.int32(0), 0);
    auto rows = conn.prepare("SELECT count(*) FROM seat_counters");
    rows.step();
    EXPECT_EQ(rows.int32(0), 2 + 4);  // two events, four sessions
}

// The writer answers with registration_body()/enrolment_body(), written directly for speed;
// the API promises the bytes json_text() makes of registration_json(), which the live feed
// still sends. Every kind of text the direct writer must treat like nlohmann does.
TEST(RegistrationJsonTest, DirectBodiesAreByteForByteTheJsonOfTheViews) {
    const std::vector<std::string> texts = {
        "Ada Lovelace", "", "quote \" and backslash \\ and slash /", "tab\tnewline\ncr\rbs\bff\f",
        std::string("nul \0 inside", 12), "\x01\x1f\x7f", "José Núñez — Zürich", "ハイデラバード 😀",
        "\xff bad", "truncated \xc3", "overlong \xc0\xaf", "surrogate \xed\xa0\x80", "too big \xf4\x90\x80\x80",
        "\xe2\x82", "end \xf0\x9f\x98",
    };
    const std::vector<std::string> zones = {"Asia/Kolkata", "Europe/Madrid", "Asia/Seoul", "America/St_Johns", "UTC"};
    const auto base = domain::parse_utc("2014-03-30T00:30:00Z").value();  // a Madrid DST change
    int checked = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        for (std::size_t z = 0; z < zones.size(); ++z) {
            RegistrationView v;
            v.id = static_cast<domain::Id>(i);
            v.code = "abcdefghijklmnopqrstuvwxyz";
            v.event.id = 27 + static_cast<domain::Id>(z);
            v.event.slug = "hyderabad-2014";
            v.event.title = texts[(i + 1) % texts.size()];
            v.event.timezone = zones[z];
            v.event.starts_at = base + std::chrono::hours(static_cast<int>(z));
            v.event.ends_at = base + std::chrono::hours(49);
            v.name = texts[i];
            v.email = texts[(i + 2) % texts.size()];
            if (i % 2) v.organisation = texts[(i + 3) % texts.size()];
            if (i % 3) v.member_organisation_id = 1000000000000 + static_cast<domain::Id>(i);
            if (i % 4) v.language = "fr";
            v.status = i % 3 == 0 ? RegistrationStatus::confirmed
                                  : (i % 3 == 1 ? RegistrationStatus::waitlisted : RegistrationStatus::cancelled);
            if (v.status == RegistrationStatus::waitlisted) v.waitlist_position = static_cast<int>(i) + 1;
            v.created_at = base + std::chrono::minutes(static_cast<int>(i * 37));
            v.updated_at = base + std::chrono::hours(static_cast<int>(i * 5));
            for (std::size_t s = 0; s < i % 4; ++s) {
                EnrolmentView e;
                e.session_id = static_cast<domain::Id>(s + 1);
                e.title = texts[(i + s) % texts.size()];
                e.starts_at = base + std::chrono::minutes(static_cast<int>(s * 90));
                e.ends_at = e.starts_at + std::chrono::minutes(45);
                if (s % 2) e.track = NamedRef{static_cast<domain::Id>(s), texts[(i + s + 4) % texts.size()]};
                if (s != 1) e.room = NamedRef{static_cast<domain::Id>(s + 7), "Room \"" + std::to_string(s) + "\""};
                e.status = s == 2 ? RegistrationStatus::waitlisted : RegistrationStatus::confirmed;
                if (s == 2) e.waitlist_position = 3;
                v.sessions.push_back(std::move(e));
            }
            const auto expected = api::json_text({{"registration", api::registration_json(v)}});
            EXPECT_EQ(api::registration_body(v), expected) << "text " << i << ", zone " << zones[z];

            EnrolmentResult result{v.sessions.empty() ? EnrolmentView{} : v.sessions.back(), v};
            result.enrolment.starts_at = v.created_at;
            result.enrolment.ends_at = v.updated_at;
            const auto expected_enrolment = api::json_text(
                {{"enrolment", api::enrolment_json(result.enrolment, v.event.timezone)},
                 {"registration", api::registration_json(result.registration)}});
            EXPECT_EQ(api::enrolment_body(result), expected_enrolment) << "text " << i << ", zone " << zones[z];
            ++checked;
        }
    }
    EXPECT_EQ(checked, static_cast<int>(texts.size() * zones.size()));
}

// The writer reads an event once per transaction (load_event keeps it): whatever changes
// the event, in this transaction or another, must be seen by the next registration.
TEST_F(Colloquium, AnEventKeptForTheTransactionFollowsEveryChangeToIt) {
    {
        Transaction tx(conn, Transaction::Kind::immediate);
        reg("a@x.org", before_deadline);
        EXPECT_EQ(load_event(conn, event)->confirmed, 1);  // counts are always read afresh
        reg("b@x.org", before_deadline);
        EXPECT_EQ(load_event(conn, event)->confirmed, 2);
        // Changed by this connection: through the store and through plain SQL.
        set_event_capacity(conn, changes, event, 3, before_deadline);
        EXPECT_EQ(reg("c@x.org", before_deadline).status, RegistrationStatus::confirmed);
        conn.exec("UPDATE events SET waitlist_enabled = 0 WHERE id = 1");
        EXPECT_EQ(refusal([&] { reg("d@x.org", before_deadline); }), "event_full");
        conn.exec("UPDATE events SET waitlist_enabled = 1 WHERE id = 1");
        // A change rolled back to a savepoint is forgotten, even if read meanwhile.
        {
            Savepoint savepoint(conn);
            conn.exec("UPDATE events SET capacity = 10, title = 'Renamed' WHERE id = 1");
            EXPECT_EQ(load_event(conn, event)->capacity, 10);
        }
        EXPECT_EQ(load_event(conn, event)->capacity, 3);
        EXPECT_EQ(load_event(conn, event)->title, "Colloquium");
        EXPECT_EQ(reg("d@x.org", before_deadline).status, RegistrationStatus::waitlisted);
        // The venue is part of the event as read.
        conn.exec("INSERT INTO venues (name, city, timezone) VALUES ('CCIB', 'Barcelona', 'Europe/Madrid')");
        conn.exec("UPDATE events SET venue_id = 1 WHERE id = 1");
        EXPECT_EQ(load_event(conn, event)->venue->name, "CCIB");
        conn.exec("UPDATE venues SET name = 'Fira' WHERE id = 1");
        EXPECT_EQ(load_event(conn, event)->venue->name, "Fira");
        tx.commit();
    }
    // Another connection changes the event between two of this connection's transactions.
    {
        Transaction tx(conn, Transaction::Kind::immediate);
        EXPECT_EQ(load_event(conn, event)->capacity, 3);
        tx.commit();
    }
    {
        Connection other(dir.file("c.db"), OpenMode::read_write_create);
        configure_writer(other);
        other.exec("UPDATE events SET capacity = 4 WHERE id = 1");
    }
    {
        Transaction tx(conn, Transaction::Kind::immediate);
        EXPECT_EQ(load_event(conn, event)->capacity, 4);
        tx.commit();
    }
}

// Read-only transactions end without a commit hook: a reader must never keep an event
// from one transaction to the next (another process may change it in between).
TEST_F(Colloquium, AReaderSeesAnEventChangedBetweenItsTransactions) {
    Connection reader(dir.file("c.db"), OpenMode::read_only);
    configure_reader(reader);
    {
        Transaction tx(reader, Transaction::Kind::deferred);
        EXPECT_EQ(load_event(reader, event)->schedule_version, 1);
        tx.commit();
    }
    conn.exec("UPDATE events SET schedule_version = 2 WHERE id = 1");
    {
        Transaction tx(reader, Transaction::Kind::deferred);
        EXPECT_EQ(load_event(reader, event)->schedule_version, 2);
        tx.commit();
    }
}

TEST_F(Colloquium, TheStatusCheckStillRefusesAnUnknownStatus) {
    EXPECT_THROW(conn.exec(R"sql(
        INSERT INTO registrations (event_id, code, name, email, status, created_at, updated_at)
        VALUES (1, 'bogusbogusbogusbogusbogusb', 'X', 'x@x.org', 'pending', 'now', 'now'))sql"),
                 SqliteError);
    const auto a = reg("a@x.org", before_deadline);
    EXPECT_THROW(conn.exec("UPDATE registrations SET status = 'maybe'"), SqliteError);
    enrol(conn, changes, a.code, opening, before_deadline);
    EXPECT_THROW(conn.exec("UPDATE session_enrolments SET status = 'maybe'"), SqliteError);
    auto checks = conn.prepare(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('registrations', 'session_enrolments') "
        "AND sql LIKE '%status = ''confirmed'' OR status = ''waitlisted'' OR status = ''cancelled''%'");
    checks.step();
    EXPECT_EQ(checks.int32(0), 2);
}
