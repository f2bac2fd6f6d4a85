#include "app/idempotency.hpp"

#include "storage/registration_store.hpp"

namespace congress::app {

Once run_once(storage::Connection& conn, domain::Changes& changes, const std::optional<IdempotencyKey>& key,
              const std::function<Answer(domain::Changes&)>& change,
              const std::function<std::optional<Answer>(std::exception_ptr)>& refusal, domain::Instant now) {
    // Nothing to remember: a second SAVEPOINT here would only cost the writer time.
    if (!key) return Once{Repeat::first, change(changes)};

    if (auto stored = storage::find_idempotent_answer(conn, key->scope, key->key)) {
        if (stored->request_hash != key->request_hash) return Once{Repeat::key_reused, {}};
        return Once{Repeat::replayed, Answer{stored->status, std::move(stored->body)}};
    }
    Answer answer;
    domain::Changes made;
    bool done = false;
    {
        storage::Savepoint savepoint(conn);
        try {
            answer = change(made);
            savepoint.release();
            done = true;
        } catch (...) {
            // The refusal is an answer to remember too: what the change did is rolled back
            // (the savepoint, on leaving this scope), the command and the stored answer live.
            auto refused = refusal(std::current_exception());
            if (!refused) throw;
            answer = std::move(*refused);
        }
    }
    if (done) changes.merge(made);
    storage::store_idempotent_answer(conn, key->scope, key->key, storage::StoredAnswer{key->request_hash, answer.status, answer.body},
                                     now);
    return Once{Repeat::first, std::move(answer)};
}

}  // namespace congress::app
