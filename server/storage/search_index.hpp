// The registrations' search index (FTS5, schema 0010 and 0011) is kept off the registering
// path: registrations above a high-water mark are not indexed yet, and triggers note the
// indexed ones whose words change. The writer indexes them later, in rounds, when it has
// nothing else to do, and before a search reads the index (so that a search still finds every
// committed registration).
// Indexing costs about as much as the rest of a registration: doing it while delegates wait
// for their answer made registering half as fast.
#pragma once

#include <cstdint>

namespace congress::storage {

class Connection;

// Takes out the words of changed or deleted registrations and indexes their new ones, then
// indexes up to `limit` new registrations (all when limit < 0), oldest first, inside the
// caller's write transaction. Returns true when new registrations remain. Cheap when the
// index is up to date (three lookups).
bool index_pending_registrations(Connection& conn, std::int64_t limit = -1);

// True when about `rows` or more new registrations wait to be indexed (from their ids).
bool search_backlog_at_least(Connection& conn, std::int64_t rows);

// True when the schema has the search index (a database made by an older Congress, or an
// empty one in a test, has not).
bool has_search_index(Connection& conn);

// True when some registration's words are not in the index yet (a read; any connection).
bool search_index_behind(Connection& conn);

}  // namespace congress::storage
