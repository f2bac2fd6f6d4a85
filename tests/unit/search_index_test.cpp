// The registrations' search index is filled off the registering path (storage/search_index):
// what it finds, and when, after registrations are made, renamed and deleted.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/organiser_store.hpp"
#include "storage/search_index.hpp"
#include "storage/sqlite.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

class SearchIndex : public ::testing::Test {
protected:
    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
INSERT INTO events (id, slug, title, kind, timezone, starts_at, ends_at, capacity)
VALUES (1, 'colloquium', 'Colloquium', 'colloquium', 'Europe/Madrid', '2014-06-13T07:30:00Z',
        '2014-06-13T12:30:00Z', 5000);
)sql");
    }

    std::int64_t add(const std::string& name, const std::string& email, int event = 1) {
        auto stmt = conn.prepare(R"sql(
INSERT INTO registrations (event_id, code, name, email, language, status, created_at, updated_at)
VALUES (?4, ?1, ?2, ?3, 'en', 'confirmed', '2014-05-01T10:00:00Z', '2014-05-01T10:00:00Z'))sql");
        stmt.bind(1, "code-" + email).bind(2, name).bind(3, email).bind(4, event).run();
        return conn.last_insert_rowid();
    }

    long long found(const std::string& words, int event = 1) {
        RegistrationQuery q;
        q.search = words;
        q.per_page = 1;
        return list_registrations(conn, event, q).total;
    }

    void integrity_check() { conn.exec("INSERT INTO registrations_search (registrations_search) VALUES ('integrity-check')"); }

    TempDir dir;
    Connection conn{dir.file("search.db"), OpenMode::read_write_create};
};

TEST_F(SearchIndex, NewRegistrationsAreFoundOnceIndexedInRoundsOldestFirst) {
    add("José Martínez", "jose@bcn.cat");
    add("Amélie Dubois", "amelie@paris.fr");
    add("Chen Wang", "chen@guangzhou.cn");
    EXPECT_TRUE(search_index_behind(conn));
    EXPECT_EQ(found("martinez"), 0);

    EXPECT_TRUE(index_pending_registrations(conn, 2));  // one is left for the next round
    EXPECT_EQ(found("martinez"), 1);                    // accents folded
    EXPECT_EQ(found("amelie"), 1);
    EXPECT_EQ(found("chen"), 0);

    EXPECT_FALSE(index_pending_registrations(conn, 2));
    EXPECT_EQ(found("chen"), 1);
    EXPECT_FALSE(search_index_behind(conn));
    EXPECT_FALSE(index_pending_registrations(conn));  // nothing left: nothing done
    integrity_check();
}

TEST_F(SearchIndex, ARenamedRegistrationIsFoundByItsNewNameOnly) {
    const auto id = add("Jose Martines", "jm@bcn.cat");
    index_pending_registrations(conn);
    conn.exec("UPDATE registrations SET name = 'José Martínez' WHERE id = " + std::to_string(id));
    conn.exec("UPDATE registrations SET name = 'José Martínez Soler' WHERE id = " + std::to_string(id));
    EXPECT_TRUE(search_index_behind(conn));
    index_pending_registrations(conn);
    EXPECT_EQ(found("martines"), 0);
    EXPECT_EQ(found("soler"), 1);
    EXPECT_FALSE(search_index_behind(conn));
    integrity_check();
}

TEST_F(SearchIndex, ADeletedRegistrationIsNotFoundAndItsIdGivenAgainIsFoundByTheNewName) {
    add("Ana Ruiz", "ana@bcn.cat");
    const auto last = add("Lars Nilsson", "lars@stockholm.se");
    index_pending_registrations(conn);
    conn.exec("DELETE FROM registrations WHERE id = " + std::to_string(last));
    // SQLite gives the highest id again: the new row has an id the index already passed.
    EXPECT_EQ(add("Priya Sharma", "priya@delhi.in"), last);
    index_pending_registrations(conn);
    EXPECT_EQ(found("nilsson"), 0);
    EXPECT_EQ(found("sharma"), 1);
    EXPECT_EQ(found("ruiz"), 1);
    integrity_check();
}

TEST_F(SearchIndex, AWordChangeBeforeTheFirstIndexingIsIndexedAsItIsNow) {
    const auto id = add("Fatima Haddad", "fatima@rabat.ma");
    conn.exec("UPDATE registrations SET name = 'Fatima El Haddad' WHERE id = " + std::to_string(id));
    const auto gone = add("Kwame Mensah", "kwame@accra.gh");
    conn.exec("DELETE FROM registrations WHERE id = " + std::to_string(gone));
    index_pending_registrations(conn);
    EXPECT_EQ(found("el"), 1);
    EXPECT_EQ(found("mensah"), 0);
    integrity_check();
}

// Each event's search counts its own matches only, whichever event is the larger (the count
// takes the smaller events' matches away from all, or looks in the event's rows alone).
TEST_F(SearchIndex, EachEventsSearchFindsItsOwnRegistrationsOnly) {
    conn.exec(R"sql(
INSERT INTO events (id, slug, title, kind, timezone, starts_at, ends_at, capacity)
VALUES (2, 'board', 'Board', 'meeting', 'Europe/Madrid', '2014-06-14T07:00:00Z', '2014-06-14T10:00:00Z', 100),
       (3, 'seoul', 'Seoul', 'workshop', 'Asia/Seoul', '2014-11-20T00:00:00Z', '2014-11-21T09:00:00Z', 100);
)sql");
    for (int i = 0; i < 30; ++i) add("Ana Martínez " + std::to_string(i), "a" + std::to_string(i) + "@bcn.cat");
    for (int i = 0; i < 5; ++i) add("Ana Martínez " + std::to_string(i), "a" + std::to_string(i) + "@board.org", 2);
    for (int i = 0; i < 3; ++i) add("Luis Martínez " + std::to_string(i), "l" + std::to_string(i) + "@seoul.kr", 3);
    index_pending_registrations(conn);
    EXPECT_EQ(found("martinez"), 30);
    EXPECT_EQ(found("ana mart"), 30);
    EXPECT_EQ(found("martinez", 2), 5);
    EXPECT_EQ(found("luis", 2), 0);
    EXPECT_EQ(found("martinez", 3), 3);
    EXPECT_EQ(found("ana", 3), 0);
    RegistrationQuery q;  // the rows too, not only the count
    q.search = "martinez";
    const auto page = list_registrations(conn, 2, q);
    ASSERT_EQ(page.rows.size(), 5u);
    for (const auto& row : page.rows) EXPECT_NE(row.email.find("@board.org"), std::string::npos);
}

// The server's writer indexes by itself once it has nothing to write: no search needed.
TEST_F(SearchIndex, TheWriterIndexesWhenItHasNothingElseToDo) {
    for (int i = 0; i < 2500; ++i) add("Delegate " + std::to_string(i), "d" + std::to_string(i) + "@x.org");
    Database db(DatabaseOptions{dir.file("search.db")});
    std::promise<void> written;
    db.write([](Connection& c, ChangeSet&) { c.exec("UPDATE events SET capacity = 101 WHERE id = 1"); },
             [&](std::exception_ptr) { written.set_value(); });
    written.get_future().wait();
    // Rounds of 1000 after 50 ms without a command: well within 30 s on any machine.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (search_index_behind(conn) && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(search_index_behind(conn));
    EXPECT_EQ(found("delegate"), 2500);
}

}  // namespace
