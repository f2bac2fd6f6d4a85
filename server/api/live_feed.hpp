// Connects the database to the live hub. After each commit (on the writer thread) it
// publishes the schedule changes of the commit (from its typed records, domain/changes.hpp),
// the seat counts that moved and the registrations whose state changed; a watcher thread
// notices commits by other processes (a `congress session` command on the same file) and
// publishes their schedule changes and counts; and it builds snapshots for clients that
// subscribe or resync.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>

#include "api/response_cache.hpp"
#include "api/router.hpp"
#include "live/hub.hpp"
#include "live/topic.hpp"
#include "storage/database.hpp"
#include "storage/programme_store.hpp"

namespace congress::api {

class LiveFeed : public live::SnapshotSource {
public:
    LiveFeed(storage::Database& db, live::Hub& hub, ResponseCache& cache);
    ~LiveFeed() override;
    LiveFeed(const LiveFeed&) = delete;
    LiveFeed& operator=(const LiveFeed&) = delete;

    // The database's commit listener.
    void on_commit(storage::Connection& conn, const storage::ChangeSet& changes);
    void snapshot(const live::Topic& topic, std::function<void(std::optional<nlohmann::json>)> done) override;

    // Lets staff with check-in rights subscribe to checkin:<event> (the connection's cookie
    // is authenticated on each such subscription). Without one, nobody can.
    void set_authenticator(Authenticator authenticator) { authenticator_ = std::move(authenticator); }

    // Polls the database file for commits by other processes every `interval` (the server's
    // own writes are published on commit, not by this).
    void start_watcher(std::chrono::milliseconds interval = std::chrono::milliseconds(200));

private:
    void publish_seats(storage::Connection& conn, domain::Id event_id);
    void publish_registrations(storage::Connection& conn, const std::set<domain::Id>& events);
    // Hotel rooms left per block (hotel, night, room type) on event:<id>; returns the events
    // whose blocks moved.
    std::set<domain::Id> publish_rooms(storage::Connection& conn, const std::set<domain::Id>& blocks);
    // A watched delegate's accommodation request (allotted, promoted, position moved,
    // cancelled) on registration:<code>, for the events whose room blocks moved.
    void publish_accommodations(storage::Connection& conn, const std::set<domain::Id>& events);
    // The server's own schedule changes, from the typed records of the commit.
    void publish_schedule(const std::vector<domain::ScheduleChanged>& changes);
    // Schedule changes in the log that were not published yet (another process's).
    void publish_schedule_changes(storage::Connection& conn);
    // Check-in counters are read on a reader, at most one reading per event at a time (a
    // commit meanwhile asks for one more), so the writer never spends time on them.
    void publish_checkins(domain::Id event_id);
    void read_and_publish_checkins(domain::Id event_id);
    void checkin_snapshot(const live::Topic& topic, std::function<void(std::optional<nlohmann::json>)> done);
    void watch(std::chrono::milliseconds interval);

    storage::Database& db_;
    live::Hub& hub_;
    ResponseCache& cache_;

    std::mutex publish_mutex_;
    std::mutex mutex_;  // guards the maps below (writer thread, watcher, readers)
    std::map<std::pair<domain::Id, domain::Id>, storage::SeatCount> last_seats_;  // (event, session or 0)
    std::unordered_map<std::string, std::string> last_registration_;             // code -> last text sent
    std::unordered_map<std::string, domain::Id> registration_events_;            // code -> event
    std::unordered_map<std::string, std::string> last_accommodation_;            // code -> last text sent
    std::mutex schedule_mutex_;            // the writer and the watcher both publish schedule changes
    domain::Id last_schedule_change_ = 0;  // the last record published (guarded by schedule_mutex_)
    std::map<domain::Id, int> checkin_reads_;  // event -> 1 reading, 2 reading and another wanted
    Authenticator authenticator_;

    std::atomic<bool> stopping_{false};
    std::thread watcher_;
};

}  // namespace congress::api
