#include "api/badge_keys.hpp"

#include "storage/checkin_store.hpp"
#include "storage/event_repository.hpp"

namespace congress::api {

BadgeKeys::Key BadgeKeys::cached(domain::Id event_id) const {
    std::lock_guard lock(mutex_);
    const auto it = keys_.find(event_id);
    return it == keys_.end() ? nullptr : it->second;
}

BadgeKeys::Key BadgeKeys::load(storage::Connection& conn, domain::Id event_id, bool create) {
    if (auto key = cached(event_id)) return key;
    const auto event = storage::load_event(conn, event_id);
    if (!event) throw domain::NotFound("event_not_found", "There is no event " + std::to_string(event_id) + ".");
    auto key = create ? storage::ensure_badge_key(conn, event_id, domain::now()) : storage::load_badge_key(conn, event_id);
    if (!key) return nullptr;
    auto entry = std::make_shared<EventBadgeKey>(EventBadgeKey{event_id, event->title, event->timezone, std::move(key)});
    // A key made now is cached only once its transaction has committed (see get()).
    if (create) return entry;
    return remember(std::move(entry));
}

BadgeKeys::Key BadgeKeys::remember(Key entry) {
    std::lock_guard lock(mutex_);
    // Keys never change once stored, so a racing reader's copy is the same key.
    const auto id = entry->event_id;
    return keys_.try_emplace(id, std::move(entry)).first->second;
}

void BadgeKeys::get(storage::Database& db, domain::Id event_id, bool create, std::function<void(Key, std::exception_ptr)> done) {
    if (auto key = cached(event_id)) {
        done(std::move(key), nullptr);
        return;
    }
    db.read([this, &db, event_id, create, done = std::move(done)](storage::Connection& conn) mutable {
        Key key;
        try {
            key = load(conn, event_id, false);
        } catch (...) {
            return done(nullptr, std::current_exception());
        }
        if (key || !create) return done(std::move(key), nullptr);
        auto made = std::make_shared<Key>();
        db.write([this, event_id, made](storage::Connection& writer, storage::ChangeSet&) { *made = load(writer, event_id, true); },
                 [this, made, done = std::move(done)](std::exception_ptr error) {
                     if (error) return done(nullptr, error);
                     done(remember(*made), nullptr);
                 });
    });
}

}  // namespace congress::api
