#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "domain/accommodation.hpp"
#include "storage/database.hpp"
#include "storage/hotel_store.hpp"
#include "storage/migrations.hpp"
#include "storage/organiser_store.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }
domain::Night night(const char* text) { return domain::parse_night(text).value(); }

std::int64_t count(Connection& conn, const std::string& sql) {
    auto row = conn.prepare(sql);
    row.step();
    return row.int64(0);
}

// The Hyderabad congress (7-10 October 2014, Asia/Kolkata) with capacity 5, so that a sixth
// delegate waits; one official hotel holding 2 double rooms on the nights of the 7th and 8th.
struct Hotels : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("h.db"), OpenMode::read_write_create};
    ChangeSet changes;
    const domain::Id event = 1, other_event = 2;
    domain::Id hotel = 0, other_hotel = 0;
    std::vector<std::string> codes;  // ana, ben, cid, dee, eve (confirmed), fay (waitlisted)
    const domain::Instant early = utc("2014-08-01T10:00:00Z");
    AuditContext audit{AuditActor{std::nullopt, "test"}, std::nullopt, std::nullopt};

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity, waitlist_enabled)
            VALUES ('hyderabad', 'Hyderabad', 'congress', 'Asia/Kolkata', '2014-10-07T03:30:00Z',
                    '2014-10-10T12:00:00Z', 5, 1);
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity)
            VALUES ('seoul', 'Seoul', 'workshop', 'Asia/Seoul', '2014-10-07T00:00:00Z', '2014-10-08T00:00:00Z', 10);
        )sql");
        for (const char* name : {"ana", "ben", "cid", "dee", "eve", "fay"})
            codes.push_back(register_delegate(conn, changes, event,
                                              {name, std::string(name) + "@example.org", std::nullopt, std::nullopt, "en"}, early)
                                .code);
        hotel = create_hotel(conn, event, {"Taj Krishna", "Road No. 1, Banjara Hills", std::nullopt, "6 km", std::nullopt},
                             audit, early)
                    .id;
        other_hotel = create_hotel(conn, other_event, {"Lotte", "Seoul", std::nullopt, std::nullopt, std::nullopt}, audit, early).id;
        BlockInput block;
        block.nights = {night("2014-10-07"), night("2014-10-08")};
        block.room_type = "double";
        block.room_label = "Double room";
        block.held = 2;
        block.rate_minor = 750000;
        block.currency = "INR";
        create_blocks(conn, changes, event, hotel, block, audit, early);
        changes = {};
    }

    AccommodationView ask(int who, std::vector<domain::Night> nights = {}, const std::string& type = "double",
                          std::optional<domain::Id> at = std::nullopt, domain::Instant now = utc("2014-08-02T10:00:00Z")) {
        if (nights.empty()) nights = {night("2014-10-07"), night("2014-10-08")};
        return request_accommodation(conn, changes, codes[who], {at.value_or(hotel), type, nights, std::nullopt}, now);
    }

    RoomCount counts(const char* on) {
        for (const auto& c : event_room_counts(conn, event, utc("2014-08-02T10:00:00Z")))
            if (c.night == on && c.room_type == "double") return c;
        ADD_FAILURE() << "no block on " << on;
        return {};
    }

    std::int64_t requests() { return count(conn, "SELECT count(*) FROM accommodation_requests"); }
};

using domain::AccommodationStatus;

TEST_F(Hotels, RoomsAreAllottedFirstComeFirstServedThenTheWaitingListFillsInOrder) {
    const auto ana = ask(0);
    const auto ben = ask(1);
    const auto cid = ask(2);
    const auto dee = ask(3);
    EXPECT_EQ(ana.status, AccommodationStatus::allotted);
    EXPECT_EQ(ben.status, AccommodationStatus::allotted);
    EXPECT_EQ(cid.status, AccommodationStatus::waitlisted);
    EXPECT_EQ(cid.waitlist_position.value(), 1);
    EXPECT_EQ(dee.status, AccommodationStatus::waitlisted);
    EXPECT_EQ(dee.waitlist_position.value(), 2);
    EXPECT_EQ(ana.total_minor, 1500000);  // two nights at 7,500.00 INR
    EXPECT_EQ(ana.currency, "INR");
    EXPECT_EQ(ana.nights, (std::vector<std::string>{"2014-10-07", "2014-10-08"}));
    const auto seventh = counts("2014-10-07");
    EXPECT_EQ(seventh.held, 2);
    EXPECT_EQ(seventh.allotted, 2);
    EXPECT_EQ(seventh.waitlisted, 2);
    EXPECT_EQ(seventh.remaining, 0);
    EXPECT_EQ(changes.room_blocks.size(), 2u);
}

TEST_F(Hotels, CancellingFreesTheRoomAndPromotesTheWaitingListInOrder) {
    ask(0);
    ask(1);
    ask(2);
    ask(3);
    const auto cancelled = cancel_accommodation(conn, changes, codes[0], utc("2014-08-03T10:00:00Z"));
    EXPECT_EQ(cancelled.status, AccommodationStatus::cancelled);
    EXPECT_EQ(load_accommodation(conn, codes[2])->status, AccommodationStatus::allotted);  // Cid, first in line
    EXPECT_EQ(load_accommodation(conn, codes[3])->waitlist_position.value(), 1);            // Dee moves up
    EXPECT_FALSE(load_accommodation(conn, codes[0]));

    // The delegate cancels the registration: the room goes to Dee.
    cancel_registration(conn, changes, codes[1], utc("2014-08-04T10:00:00Z"));
    EXPECT_EQ(load_accommodation(conn, codes[3])->status, AccommodationStatus::allotted);
    EXPECT_FALSE(load_accommodation(conn, codes[1]));
    EXPECT_EQ(counts("2014-10-07").allotted, 2);
    EXPECT_EQ(counts("2014-10-07").waitlisted, 0);
}

TEST_F(Hotels, AnOrganiserCancellingTheRegistrationFreesItsRoomToo) {
    ask(0);
    ask(1);
    ask(4);
    auto id = conn.prepare("SELECT id FROM registrations WHERE code = ?");
    id.bind(1, codes[0]);
    id.step();
    cancel_registration_by_organiser(conn, changes, event, id.int64(0), audit, utc("2014-08-03T10:00:00Z"));
    EXPECT_EQ(load_accommodation(conn, codes[4])->status, AccommodationStatus::allotted);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM accommodation_requests WHERE status = 'allotted'"), 2);
}

TEST_F(Hotels, AWaitingRequestThatCannotHaveEveryNightDoesNotHoldUpShorterOnes) {
    BlockInput more;
    more.nights = {night("2014-10-09")};
    more.room_type = "double";
    more.room_label = "Double room";
    more.held = 0;
    more.rate_minor = 750000;
    more.currency = "INR";
    create_blocks(conn, changes, event, hotel, more, audit, early);
    ask(0);
    ask(1);
    const auto cid = ask(2, {night("2014-10-08"), night("2014-10-09")});  // the 9th has no room at all
    const auto dee = ask(3, {night("2014-10-08")});
    EXPECT_EQ(cid.status, AccommodationStatus::waitlisted);
    EXPECT_EQ(dee.status, AccommodationStatus::waitlisted);
    cancel_accommodation(conn, changes, codes[0], utc("2014-08-03T10:00:00Z"));
    EXPECT_EQ(load_accommodation(conn, codes[2])->status, AccommodationStatus::waitlisted);
    EXPECT_EQ(load_accommodation(conn, codes[3])->status, AccommodationStatus::allotted);
}

TEST_F(Hotels, MoreRoomsHeldPromoteTheWaitingListAndFewerThanAllottedAreRefused) {
    ask(0);
    ask(1);
    ask(2);
    const auto seventh = counts("2014-10-07");
    const auto eighth = counts("2014-10-08");
    BlockInput fewer;
    fewer.held = 1;
    EXPECT_THROW(update_block(conn, changes, event, hotel, seventh.block, fewer, audit, early), domain::Refusal);
    BlockInput more;
    more.held = 3;
    update_block(conn, changes, event, hotel, seventh.block, more, audit, early);
    EXPECT_EQ(load_accommodation(conn, codes[2])->status, AccommodationStatus::waitlisted);  // the 8th is still full
    update_block(conn, changes, event, hotel, eighth.block, more, audit, early);
    EXPECT_EQ(load_accommodation(conn, codes[2])->status, AccommodationStatus::allotted);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'room_block.update'"), 2);
}

TEST_F(Hotels, AfterTheReleaseDateNothingIsAllottedAndUnallottedRoomsStopCounting) {
    ask(0);
    ask(1);
    ask(2);
    const auto seventh = counts("2014-10-07");
    BlockInput release;
    release.held = 3;  // a third room, for a while
    release.release_at = std::optional<domain::LocalTime>(domain::parse_local("2014-09-07T23:59").value());
    for (const auto block : {seventh.block, counts("2014-10-08").block}) {
        BlockInput b = release;
        update_block(conn, changes, event, hotel, block, b, audit, early);
    }
    EXPECT_EQ(load_accommodation(conn, codes[2])->status, AccommodationStatus::allotted);  // before the release: promoted

    const auto after = utc("2014-09-08T00:00:00Z");  // 05:30 in Hyderabad, the day after the release
    cancel_accommodation(conn, changes, codes[0], after);
    for (const auto& c : event_room_counts(conn, event, after)) {
        EXPECT_EQ(c.allotted, 2);
        EXPECT_EQ(c.remaining, 0) << "an unallotted room after the release is the hotel's again";
    }
    const auto before = requests();
    try {
        ask(3, {}, "double", std::nullopt, after);
        ADD_FAILURE() << "allotted after the release date";
    } catch (const domain::Refusal& e) {
        EXPECT_EQ(e.code(), "rooms_released");
    }
    EXPECT_EQ(requests(), before);
}

TEST_F(Hotels, BadRequestsAreRefusedAndWriteNothing) {
    ask(0);
    const auto before = requests();
    auto field_of = [&](auto&& call) {
        try {
            call();
        } catch (const domain::InvalidField& e) {
            return e.field();
        }
        return std::string("nothing thrown");
    };
    auto code_of = [&](auto&& call) {
        try {
            call();
        } catch (const domain::Refusal& e) {
            return e.code();
        } catch (const domain::NotFound& e) {
            return e.code();
        }
        return std::string("nothing thrown");
    };
    EXPECT_EQ(field_of([&] { ask(1, {night("2014-10-11"), night("2014-10-12")}); }), "nights");  // after the event
    EXPECT_EQ(field_of([&] { ask(1, {night("2014-10-05")}); }), "nights");                      // before it
    EXPECT_EQ(field_of([&] { ask(1, {night("2014-10-06")}); }), "nights");  // in the span, but the hotel holds nothing
    EXPECT_EQ(field_of([&] { ask(1, {}, "penthouse"); }), "room_type");
    EXPECT_EQ(field_of([&] { ask(1, {}, "double", other_hotel); }), "hotel_id");  // another event's hotel
    EXPECT_EQ(code_of([&] { ask(5); }), "registration_not_confirmed");            // Fay is on the waiting list
    EXPECT_EQ(code_of([&] { ask(0); }), "accommodation_exists");
    EXPECT_EQ(code_of([&] {
                  request_accommodation(conn, changes, "notacodeatallnotacode", {hotel, "double", {night("2014-10-07")}, {}},
                                        early);
              }),
              "registration_not_found");
    cancel_registration(conn, changes, codes[4], early);
    EXPECT_EQ(code_of([&] { ask(4); }), "registration_cancelled");
    EXPECT_EQ(requests(), before);
}

TEST_F(Hotels, BlocksOutsideTheEventsNightsAreRefused) {
    BlockInput block;
    block.nights = {night("2014-10-20")};
    block.room_type = "single";
    block.room_label = "Single room";
    block.held = 5;
    block.rate_minor = 500000;
    block.currency = "INR";
    EXPECT_THROW(create_blocks(conn, changes, event, hotel, block, audit, early), domain::InvalidField);
    block.nights = {night("2014-10-07")};
    block.room_type = "double";
    EXPECT_THROW(create_blocks(conn, changes, event, hotel, block, audit, early), domain::Refusal);  // already held
}

TEST_F(Hotels, TheSchemaRefusesMoreAllottedThanHeld) {
    ask(0);
    ask(1);
    ask(2);
    // Bypassing the writer's check: the CHECK constraint still holds the line.
    EXPECT_THROW(conn.exec("UPDATE accommodation_nights SET status = 'allotted' WHERE status = 'waitlisted'"), SqliteError);
    EXPECT_THROW(conn.exec("UPDATE room_blocks SET held = 1"), SqliteError);
    EXPECT_EQ(counts("2014-10-07").allotted, 2);
}

TEST(HotelNights, TheEventsNightsRunFromTheEveBeforeToTheLastDay) {
    domain::Event event;
    event.timezone = "Asia/Kolkata";
    event.starts_at = utc("2014-10-07T03:30:00Z");
    event.ends_at = utc("2014-10-10T12:00:00Z");
    const auto span = domain::event_nights(event);
    EXPECT_EQ(domain::format_night(span.first), "2014-10-06");
    EXPECT_EQ(domain::format_night(span.last), "2014-10-10");
    EXPECT_FALSE(domain::parse_night("2014-02-30"));
    EXPECT_FALSE(domain::parse_night("2014-10-07T10:00"));
    EXPECT_TRUE(domain::contiguous({night("2014-10-31"), night("2014-11-01")}));
    EXPECT_FALSE(domain::contiguous({night("2014-10-07"), night("2014-10-09")}));
    EXPECT_FALSE(domain::contiguous({night("2014-10-08"), night("2014-10-07")}));
}

TEST(HotelConcurrency, ManySimultaneousRequestsNeverTakeMoreRoomsThanTheBlockHolds) {
    TempDir dir;
    const auto path = dir.file("h.db");
    constexpr int delegates = 40;
    constexpr int held = 7;
    std::vector<std::string> codes;
    domain::Id hotel = 0;
    {
        Connection conn(path, OpenMode::read_write_create);
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec("INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity) VALUES ('e', 'E', "
                  "'congress', 'UTC', '2030-01-02T09:00:00Z', '2030-01-04T17:00:00Z', 100)");
        ChangeSet changes;
        const auto early = utc("2029-01-01T00:00:00Z");
        for (int i = 0; i < delegates; ++i)
            codes.push_back(register_delegate(conn, changes, 1,
                                              {"D" + std::to_string(i), "d" + std::to_string(i) + "@example.org",
                                               std::nullopt, std::nullopt, "en"},
                                              early)
                                .code);
        const AuditContext audit{AuditActor{std::nullopt, "test"}, std::nullopt, std::nullopt};
        hotel = create_hotel(conn, 1, {"H", "", std::nullopt, std::nullopt, std::nullopt}, audit, early).id;
        BlockInput block;
        block.nights = {night("2030-01-02"), night("2030-01-03")};
        block.room_type = "single";
        block.room_label = "Single";
        block.held = held;
        block.rate_minor = 100;
        block.currency = "EUR";
        create_blocks(conn, changes, 1, hotel, block, audit, early);
    }
    Database db(DatabaseOptions{path, 2, true});
    std::vector<std::promise<AccommodationView>> answers(delegates);
    std::atomic<int> ready{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < delegates; ++i)
        threads.emplace_back([&, i] {
            ++ready;
            while (ready < delegates) std::this_thread::yield();
            auto view = std::make_shared<AccommodationView>();
            db.write(
                [&, i, view](Connection& conn, ChangeSet& changes) {
                    *view = request_accommodation(conn, changes, codes[i],
                                                  {hotel, "single", {night("2030-01-02"), night("2030-01-03")}, std::nullopt},
                                                  domain::now());
                },
                [&, i, view](std::exception_ptr error) {
                    if (error) answers[i].set_exception(error);
                    else answers[i].set_value(*view);
                });
        });
    for (auto& t : threads) t.join();
    std::vector<AccommodationView> views;
    for (auto& a : answers) views.push_back(a.get_future().get());
    const auto allotted = std::count_if(views.begin(), views.end(),
                                        [](const auto& v) { return v.status == domain::AccommodationStatus::allotted; });
    EXPECT_EQ(allotted, held);
    // The waiting list is in request order: positions 1, 2, 3... by request id.
    std::sort(views.begin(), views.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    int expected_position = 0;
    for (const auto& v : views) {
        if (v.status == domain::AccommodationStatus::allotted) {
            EXPECT_EQ(expected_position, 0) << "a later request was allotted before an earlier one waited";
            continue;
        }
        EXPECT_EQ(v.waitlist_position.value(), ++expected_position);
    }
    db.close();
    Connection check(path, OpenMode::read_only);
    EXPECT_EQ(count(check, "SELECT count(*) FROM accommodation_nights WHERE status = 'allotted'"), 2 * held);
    EXPECT_EQ(count(check, "SELECT max(allotted) FROM room_blocks"), held);
    EXPECT_EQ(count(check, "SELECT min(waitlisted) FROM room_blocks"), delegates - held);
}

}  // namespace
