#include "api/live_feed.hpp"

#include <algorithm>

#include "api/checkin_json.hpp"
#include "api/hotel_json.hpp"
#include "api/registration_json.hpp"
#include "domain/staff.hpp"
#include "storage/checkin_store.hpp"
#include "storage/event_repository.hpp"
#include "storage/hotel_store.hpp"
#include "storage/registration_store.hpp"
#include "util/log.hpp"

namespace congress::api {

namespace {

using nlohmann::json;

json seats_json(const storage::SeatCount& c) {
    return {{"event", c.event},
            {"session", c.session ? json(*c.session) : json(nullptr)},
            {"capacity", c.capacity},
            {"confirmed", c.confirmed},
            {"waitlisted", c.waitlisted},
            {"seats_left", c.seats_left()}};
}

json rooms_json(const storage::RoomCount& c) {
    return {{"event", c.event},     {"hotel", c.hotel},       {"block", c.block},
            {"night", c.night},     {"room_type", c.room_type}, {"held", c.held},
            {"allotted", c.allotted}, {"waitlisted", c.waitlisted}, {"remaining", c.remaining}};
}

// The delegate's active request as the accommodation routes show it, or null.
json accommodation_of(storage::Connection& conn, const std::string& code) {
    const auto view = storage::load_accommodation(conn, code);
    if (!view) return nullptr;
    const auto event = storage::load_event(conn, view->event_id);
    return accommodation_json(*view, event ? event->timezone : std::string("UTC"));
}

// A session in a schedule message (docs/api.md, "schedule"): its state after the change.
json schedule_session_json(const domain::SessionState& s) {
    return {{"title", s.title},
            {"starts_at", domain::format_in_zone(s.starts_at, s.timezone)},
            {"ends_at", domain::format_in_zone(s.ends_at, s.timezone)},
            {"room", s.room ? json{{"id", s.room->id}, {"name", s.room->name}} : json(nullptr)},
            {"capacity", s.capacity},
            {"status", domain::to_string(s.status)},
            {"id", s.id}};
}

json schedule_message(domain::Id event_id, int version, json changes) {
    return {{"type", "schedule"}, {"event", event_id}, {"version", version}, {"changes", std::move(changes)}};
}

}  // namespace

LiveFeed::LiveFeed(storage::Database& db, live::Hub& hub, ResponseCache& cache) : db_(db), hub_(hub), cache_(cache) {}

LiveFeed::~LiveFeed() {
    stopping_ = true;
    if (watcher_.joinable()) watcher_.join();
}

void LiveFeed::on_commit(storage::Connection& conn, const storage::ChangeSet& changes) {
    // Schedule changes first, straight from the typed records: the same message a page
    // would get from the log, without reading it back.
    if (!changes.schedule.empty()) publish_schedule(changes.schedule);
    for (const auto event_id : changes.events) publish_seats(conn, event_id);
    if (!changes.events.empty()) publish_registrations(conn, changes.events);
    for (const auto event_id : changes.checkins) publish_checkins(event_id);
    if (!changes.room_blocks.empty()) publish_accommodations(conn, publish_rooms(conn, changes.room_blocks));
}

std::set<domain::Id> LiveFeed::publish_rooms(storage::Connection& conn, const std::set<domain::Id>& blocks) {
    // A few rows read by primary key on the writer, like the seat counts.
    std::set<domain::Id> events;
    for (const auto& count : storage::room_counts(conn, blocks, domain::now())) {
        events.insert(count.event);
        auto body = rooms_json(count);
        body["type"] = "rooms";
        hub_.publish(live::event_topic(count.event), std::move(body), "rooms:" + std::to_string(count.block));
    }
    return events;
}

void LiveFeed::publish_accommodations(storage::Connection& conn, const std::set<domain::Id>& events) {
    // As for registrations: only the pages open on a delegate's registration. Rooms freed on
    // one block can promote, or move up, any request waiting on it, so every watched
    // registration of the event is looked at; one that did not change is not sent again.
    for (const auto& topic : hub_.subscribed_topics("registration:")) {
        const auto code = topic.substr(std::string_view("registration:").size());
        json accommodation;
        try {
            std::optional<domain::Id> event;
            {
                std::lock_guard lock(mutex_);
                if (const auto known = registration_events_.find(code); known != registration_events_.end())
                    event = known->second;
            }
            if (!event) {
                const auto view = storage::load_registration(conn, code);
                if (!view) continue;
                event = view->event.id;
            }
            if (!events.count(*event)) continue;
            accommodation = accommodation_of(conn, code);
            std::lock_guard lock(mutex_);
            registration_events_[code] = *event;
            auto& last = last_accommodation_[code];
            auto dumped = accommodation.dump();
            if (last == dumped) continue;
            last = std::move(dumped);
        } catch (const domain::NotFound&) {
            continue;
        }
        hub_.publish(topic, {{"type", "accommodation"}, {"accommodation", std::move(accommodation)}},
                     "accommodation:" + code);
    }
}

void LiveFeed::publish_checkins(domain::Id event_id) {
    if (!hub_.has_subscribers(live::checkin_topic(event_id))) return;
    {
        std::lock_guard lock(mutex_);
        auto& state = checkin_reads_[event_id];
        if (state > 0) {
            state = 2;
            return;
        }
        state = 1;
    }
    read_and_publish_checkins(event_id);
}

void LiveFeed::read_and_publish_checkins(domain::Id event_id) {
    db_.read([this, event_id](storage::Connection& conn) {
        try {
            auto body = checkin_stats_json(storage::checkin_stats(conn, event_id));
            body["type"] = "checkin";
            hub_.publish(live::checkin_topic(event_id), std::move(body), "checkin:" + std::to_string(event_id));
        } catch (const std::exception& e) {
            log::error("live", std::string("check-in counters failed: ") + e.what());
        }
        bool again = false;
        {
            std::lock_guard lock(mutex_);
            auto& state = checkin_reads_[event_id];
            again = state == 2;
            state = again ? 1 : 0;
        }
        if (again) read_and_publish_checkins(event_id);
    });
}

void LiveFeed::checkin_snapshot(const live::Topic& topic, std::function<void(std::optional<json>)> done) {
    const json forbidden = {{"error",
                             {{"code", "forbidden"},
                              {"message", "Only staff who may check in at this event can follow its check-ins; sign in first."}}}};
    if (!authenticator_) return done(forbidden);
    Request request;
    request.method = "GET";
    request.path = "/live";
    request.headers.emplace_back("Cookie", topic.cookie);
    authenticator_(request, [this, topic, done = std::move(done), forbidden](Caller caller) mutable {
        if (!caller.staff || !caller.staff->can_check_in(topic.id)) return done(forbidden);
        db_.read([topic, done = std::move(done)](storage::Connection& conn) {
            try {
                auto body = checkin_stats_json(storage::checkin_stats(conn, topic.id));
                body["type"] = "snapshot";
                return done(std::move(body));
            } catch (const domain::NotFound&) {
            } catch (const std::exception& e) {
                log::error("live", std::string("snapshot failed: ") + e.what());
            }
            done(std::nullopt);
        });
    });
}

void LiveFeed::publish_seats(storage::Connection& conn, domain::Id event_id) {
    // The writer and the watcher both publish counts; reading and publishing under one lock
    // keeps an older reading from being pushed after a newer one.
    std::lock_guard publishing(publish_mutex_);
    for (const auto& count : storage::event_seat_counts(conn, event_id)) {
        const auto key = std::make_pair(count.event, count.session.value_or(0));
        {
            std::lock_guard lock(mutex_);
            auto [it, inserted] = last_seats_.try_emplace(key, count);
            if (!inserted) {
                if (it->second == count) continue;
                it->second = count;
            }
        }
        auto body = seats_json(count);
        body["type"] = "seats";
        const std::string coalesce = "seats:" + std::to_string(key.first) + ":" + std::to_string(key.second);
        hub_.publish(live::event_topic(event_id), body, coalesce);
        if (count.session) hub_.publish(live::session_topic(*count.session), std::move(body), coalesce);
    }
}

void LiveFeed::publish_registrations(storage::Connection& conn, const std::set<domain::Id>& events) {
    // Only registrations somebody is watching: a delegate's "my registration" page.
    for (const auto& topic : hub_.subscribed_topics("registration:")) {
        const auto code = topic.substr(std::string_view("registration:").size());
        {
            std::lock_guard lock(mutex_);
            const auto known = registration_events_.find(code);
            if (known != registration_events_.end() && !events.count(known->second)) continue;
        }
        const auto view = storage::load_registration(conn, code);
        if (!view) continue;
        auto text = registration_json(*view);
        {
            std::lock_guard lock(mutex_);
            registration_events_[code] = view->event.id;
            auto& last = last_registration_[code];
            const auto dumped = text.dump();
            if (last == dumped) continue;
            last = dumped;
        }
        hub_.publish(topic, {{"type", "registration"}, {"registration", std::move(text)}});
    }
}

void LiveFeed::snapshot(const live::Topic& topic, std::function<void(std::optional<json>)> done) {
    if (topic.kind == live::Topic::Kind::checkin) return checkin_snapshot(topic, std::move(done));
    db_.read([this, topic, done = std::move(done)](storage::Connection& conn) {
        try {
            switch (topic.kind) {
                case live::Topic::Kind::event: {
                    const auto counts = storage::event_seat_counts(conn, topic.id);
                    if (counts.empty()) return done(std::nullopt);
                    json seats = json::array();
                    for (const auto& c : counts) seats.push_back(seats_json(c));
                    json rooms = json::array();
                    for (const auto& c : storage::event_room_counts(conn, topic.id, domain::now())) rooms.push_back(rooms_json(c));
                    return done(json{{"type", "snapshot"},
                                     {"seats", std::move(seats)},
                                     {"rooms", std::move(rooms)},
                                     {"schedule_version", storage::schedule_version(conn, topic.id).value_or(1)}});
                }
                case live::Topic::Kind::session: {
                    const auto count = storage::session_seat_count(conn, topic.id);
                    if (!count) return done(std::nullopt);
                    return done(json{{"type", "snapshot"}, {"seats", json::array({seats_json(*count)})}});
                }
                case live::Topic::Kind::registration: {
                    const auto view = storage::load_registration(conn, topic.code);
                    if (!view) return done(std::nullopt);
                    auto text = registration_json(*view);
                    auto accommodation = accommodation_of(conn, topic.code);
                    {
                        std::lock_guard lock(mutex_);
                        registration_events_[topic.code] = view->event.id;
                        last_registration_[topic.code] = text.dump();
                        last_accommodation_[topic.code] = accommodation.dump();
                    }
                    return done(json{{"type", "snapshot"},
                                     {"registration", std::move(text)},
                                     {"accommodation", std::move(accommodation)}});
                }
                case live::Topic::Kind::checkin: break;  // handled above
            }
        } catch (const std::exception& e) {
            log::error("live", std::string("snapshot failed: ") + e.what());
        }
        done(std::nullopt);
    });
}

void LiveFeed::start_watcher(std::chrono::milliseconds interval) {
    {
        // Baselines: what exists now is not news; only later changes are published.
        storage::Connection conn(db_.path(), storage::OpenMode::read_only);
        {
            std::lock_guard publishing(schedule_mutex_);
            last_schedule_change_ = std::max(last_schedule_change_, storage::last_schedule_change_id(conn));
        }
        std::lock_guard lock(mutex_);
        for (const auto& count : storage::all_seat_counts(conn))
            last_seats_.emplace(std::make_pair(count.event, count.session.value_or(0)), count);
    }
    watcher_ = std::thread([this, interval] { watch(interval); });
}

void LiveFeed::watch(std::chrono::milliseconds interval) {
    try {
        storage::Connection conn(db_.path(), storage::OpenMode::read_only);
        storage::configure_reader(conn);
        auto seen = storage::data_version(conn);
        while (!stopping_) {
            // In short steps, so that stopping never waits for a long interval.
            for (auto waited = std::chrono::milliseconds(0); waited < interval && !stopping_;) {
                const auto step = std::min(interval - waited, std::chrono::milliseconds(50));
                std::this_thread::sleep_for(step);
                waited += step;
            }
            if (stopping_) break;
            const auto now = storage::data_version(conn);
            if (now == seen) continue;
            seen = now;
            // Another connection committed: our own writer (already handled) or another
            // process such as `congress session`. Reads must not serve stale data either way.
            cache_.invalidate();
            publish_schedule_changes(conn);
            // Counts another process changed (e.g. `congress event --capacity`); counts that
            // did not move are not sent again.
            for (const auto& topic : hub_.subscribed_topics("event:"))
                if (const auto parsed = live::parse_topic(topic)) publish_seats(conn, parsed->id);
        }
    } catch (const std::exception& e) {
        log::error("live", std::string("change watcher stopped: ") + e.what());
    }
}

void LiveFeed::publish_schedule(const std::vector<domain::ScheduleChanged>& changes) {
    std::lock_guard publishing(schedule_mutex_);
    // One message per event and version, in commit order; a record the watcher already
    // published (it can see this commit before the writer gets here) is not sent again.
    std::size_t i = 0;
    while (i < changes.size()) {
        const auto event_id = changes[i].event_id;
        const auto version = changes[i].version;
        json list = json::array();
        for (; i < changes.size() && changes[i].event_id == event_id && changes[i].version == version; ++i) {
            const auto& change = changes[i];
            if (change.record_id <= last_schedule_change_) continue;
            last_schedule_change_ = change.record_id;
            list.push_back({{"change", domain::to_string(change.kind)},
                            {"reason", change.reason},
                            {"session", schedule_session_json(change.after)}});
        }
        if (!list.empty()) hub_.publish(live::event_topic(event_id), schedule_message(event_id, version, std::move(list)));
    }
}

void LiveFeed::publish_schedule_changes(storage::Connection& conn) {
    // Changes another process made (`congress session` on the same file), read from the log.
    std::set<domain::Id> events;
    {
        std::lock_guard publishing(schedule_mutex_);
        const auto changes = storage::schedule_changes_after(conn, last_schedule_change_);
        if (changes.empty()) return;
        last_schedule_change_ = changes.back().id;
        std::size_t i = 0;
        while (i < changes.size()) {
            const auto event_id = changes[i].event_id;
            const auto version = changes[i].version;
            json list = json::array();
            for (; i < changes.size() && changes[i].event_id == event_id && changes[i].version == version; ++i) {
                auto record = json::parse(changes[i].change_json, nullptr, false);
                if (record.is_discarded()) continue;
                json session = record.value("after", json::object());
                if (changes[i].session_id) session["id"] = *changes[i].session_id;
                list.push_back({{"change", record.value("change", "changed")},
                                {"reason", record.value("reason", "")},
                                {"session", std::move(session)}});
            }
            hub_.publish(live::event_topic(event_id), schedule_message(event_id, version, std::move(list)));
            events.insert(event_id);
        }
    }
    for (const auto event_id : events) publish_seats(conn, event_id);
}

}  // namespace congress::api
