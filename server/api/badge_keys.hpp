// The events' badge keys, kept in memory once read: a scan is verified on the thread that
// received it, without a database read, and the single writer only records the check-in.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "auth/badge_token.hpp"
#include "domain/event.hpp"
#include "storage/database.hpp"

namespace congress::api {

// An event as a desk needs it: its badge key, name and time zone.
struct EventBadgeKey {
    domain::Id event_id = 0;
    std::string title;
    std::string timezone;
    std::shared_ptr<const auth::BadgeKey> key;
};

class BadgeKeys {
public:
    using Key = std::shared_ptr<const EventBadgeKey>;

    // The cached key of an event, or null if it has not been read yet (or does not exist).
    Key cached(domain::Id event_id) const;
    // Reads (or with `create`, makes and stores: writer connection only) the event's key on
    // `conn`; caches what it read (not what it made: that is cached by get() once committed). Null if the event has no key and `create` is false. Throws
    // domain::NotFound("event_not_found").
    Key load(storage::Connection& conn, domain::Id event_id, bool create);
    // The same from any thread: a reader first, then the writer if a key must be made.
    // `done` runs on a database thread with the key (null: none and !create) or an error.
    void get(storage::Database& db, domain::Id event_id, bool create, std::function<void(Key, std::exception_ptr)> done);

private:
    Key remember(Key entry);

    mutable std::mutex mutex_;
    std::unordered_map<domain::Id, Key> keys_;
};

}  // namespace congress::api
