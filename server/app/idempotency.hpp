// One Idempotency-Key implementation for every write route (docs/api.md): the first answer
// to a key is stored in the same transaction as the change it made; a repeat of the same
// request gets that answer back and changes nothing; the same key with another request is
// reported as reused. Runs inside the writer's command.
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "domain/changes.hpp"
#include "domain/time.hpp"
#include "storage/sqlite.hpp"

namespace congress::app {

struct IdempotencyKey {
    std::string scope;         // whose key, for which route: nobody replays another's answer
    std::string key;           // the header's value
    std::string request_hash;  // of the request body: a key sent again with another body is reused
};

// What is remembered of an answer: its status and body.
struct Answer {
    int status = 0;
    std::string body;
};

enum class Repeat { first, replayed, key_reused };

struct Once {
    Repeat repeat = Repeat::first;
    Answer answer;  // the answer given now (first) or the stored one (replayed)
};

// Runs `change` unless `key` was seen before. Without a key, `change` simply runs (what it
// throws propagates: the writer rolls the command back). With a new key, `change` runs in
// its own SAVEPOINT with its own Changes, merged into `changes` only if it succeeds; a
// failure that `refusal` maps to an answer (a domain refusal) is rolled back and remembered
// like any answer; any other failure propagates and nothing is stored.
Once run_once(storage::Connection& conn, domain::Changes& changes, const std::optional<IdempotencyKey>& key,
              const std::function<Answer(domain::Changes&)>& change,
              const std::function<std::optional<Answer>(std::exception_ptr)>& refusal, domain::Instant now);

}  // namespace congress::app
