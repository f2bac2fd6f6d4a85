#include "storage/search_index.hpp"

#include "storage/sqlite.hpp"

namespace congress::storage {

namespace {

constexpr std::string_view any_changed_sql = "SELECT EXISTS (SELECT 1 FROM registrations_search_pending)";

// External content: the index forgets a row's words only when told exactly which words it
// holds, which are the old_* values the trigger noted.
constexpr std::string_view forget_changed_words_sql = R"sql(
INSERT INTO registrations_search (registrations_search, rowid, event, name, email, organisation)
SELECT 'delete', id, old_event, old_name, old_email, old_organisation FROM registrations_search_pending
)sql";

// A registration deleted since it was noted has no row to join: it is not indexed again.
constexpr std::string_view index_changed_words_sql = R"sql(
INSERT INTO registrations_search (rowid, event, name, email, organisation)
SELECT r.id, 'e' || r.event_id, r.name, r.email, r.organisation
FROM registrations_search_pending p JOIN registrations r ON r.id = p.id
)sql";

constexpr std::string_view clear_changed_sql = "DELETE FROM registrations_search_pending";

constexpr std::string_view indexed_to_sql = "SELECT indexed_to FROM registrations_search_state";

// The id up to which this round indexes new registrations: the limit-th above the mark.
constexpr std::string_view round_end_sql = R"sql(
SELECT max(id) FROM (SELECT id FROM registrations WHERE id > ?1 ORDER BY id LIMIT ?2)
)sql";

constexpr std::string_view index_new_words_sql = R"sql(
INSERT INTO registrations_search (rowid, event, name, email, organisation)
SELECT id, 'e' || event_id, name, email, organisation FROM registrations WHERE id > ?1 AND id <= ?2
)sql";

constexpr std::string_view set_indexed_to_sql = "UPDATE registrations_search_state SET indexed_to = ?1";

constexpr std::string_view newest_sql = "SELECT coalesce(max(id), 0) FROM registrations";

std::int64_t indexed_to(Connection& conn) {
    auto stmt = conn.cached(indexed_to_sql);
    return stmt.step() ? stmt.int64(0) : 0;
}

std::int64_t newest(Connection& conn) {
    auto stmt = conn.cached(newest_sql);
    return stmt.step() ? stmt.int64(0) : 0;
}

constexpr std::string_view has_search_index_sql = R"sql(
SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'registrations_search_state')
)sql";

}  // namespace

bool has_search_index(Connection& conn) {
    auto stmt = conn.prepare(has_search_index_sql);
    return stmt.step() && stmt.int64(0) != 0;
}

bool search_index_behind(Connection& conn) {
    {
        auto any = conn.cached(any_changed_sql);
        if (any.step() && any.int64(0) != 0) return true;
    }
    return newest(conn) > indexed_to(conn);
}

bool search_backlog_at_least(Connection& conn, std::int64_t rows) { return newest(conn) - indexed_to(conn) >= rows; }

bool index_pending_registrations(Connection& conn, std::int64_t limit) {
    bool changed = false;
    {
        auto any = conn.cached(any_changed_sql);
        changed = any.step() && any.int64(0) != 0;
    }
    if (changed) {
        conn.cached(forget_changed_words_sql).run();
        conn.cached(index_changed_words_sql).run();
        conn.cached(clear_changed_sql).run();
    }
    const auto from = indexed_to(conn);
    std::int64_t to = 0;
    {
        auto round = conn.cached(round_end_sql);
        round.bind(1, from).bind(2, limit);
        if (!round.step() || round.is_null(0)) return false;
        to = round.int64(0);
    }
    conn.cached(index_new_words_sql).bind(1, from).bind(2, to).run();
    conn.cached(set_indexed_to_sql).bind(1, to).run();
    return newest(conn) > to;
}

}  // namespace congress::storage
