#include "storage/audit_log.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace congress::storage {

namespace {

constexpr std::string_view insert_audit_entry = R"sql(
INSERT INTO audit_log (at, actor_user_id, actor_label, action, entity_type, entity_id, event_id,
                       before_json, after_json, reason, request_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
)sql";

// One statement for every filter: an unset parameter (NULL) matches everything.
constexpr std::string_view select_audit_entries = R"sql(
SELECT id, at, actor_user_id, actor_label, action, entity_type, entity_id, event_id,
       before_json, after_json, reason, request_id
FROM audit_log
WHERE (?1 IS NULL OR event_id = ?1)
  AND (?2 IS NULL OR actor_user_id = ?2)
  AND (?3 IS NULL OR entity_type = ?3)
  AND (?4 IS NULL OR entity_id = ?4)
  AND (?5 IS NULL OR action = ?5)
  AND (?6 IS NULL OR at >= ?6)
ORDER BY id DESC
LIMIT ?7 OFFSET ?8
)sql";

}  // namespace

AuditEntry audit_entry(const AuditContext& context, std::string action, std::string entity_type,
                       std::optional<domain::Id> entity_id, std::optional<domain::Id> event_id,
                       std::optional<std::string> before_json, std::optional<std::string> after_json, domain::Instant at) {
    AuditEntry entry;
    entry.at = at;
    entry.actor_user_id = context.actor.user_id;
    entry.actor_label = context.actor.label;
    entry.action = std::move(action);
    entry.entity_type = std::move(entity_type);
    entry.entity_id = entity_id;
    entry.event_id = event_id;
    entry.before_json = std::move(before_json);
    entry.after_json = std::move(after_json);
    entry.reason = context.reason;
    entry.request_id = context.request_id;
    return entry;
}

domain::Id append_audit(Connection& conn, const AuditEntry& entry) {
    conn.cached(insert_audit_entry)
        .bind(1, domain::format_utc(entry.at))
        .bind(2, entry.actor_user_id)
        .bind(3, entry.actor_label)
        .bind(4, entry.action)
        .bind(5, entry.entity_type)
        .bind(6, entry.entity_id)
        .bind(7, entry.event_id)
        .bind(8, entry.before_json)
        .bind(9, entry.after_json)
        .bind(10, entry.reason)
        .bind(11, entry.request_id)
        .run();
    return conn.last_insert_rowid();
}

std::vector<AuditRecord> list_audit(Connection& conn, const AuditFilter& filter) {
    auto stmt = conn.cached(select_audit_entries);
    std::optional<std::string> since;
    if (filter.since) since = domain::format_utc(*filter.since);
    stmt.bind(1, filter.event_id)
        .bind(2, filter.actor_user_id)
        .bind(3, filter.entity_type)
        .bind(4, filter.entity_id)
        .bind(5, filter.action)
        .bind(6, since)
        .bind(7, std::clamp(filter.limit, 1, max_audit_page))
        .bind(8, std::max(filter.offset, 0));
    std::vector<AuditRecord> out;
    while (stmt.step()) {
        AuditRecord record;
        record.id = stmt.int64(0);
        auto& e = record.entry;
        const auto at = stmt.text(1);
        if (auto parsed = domain::parse_utc(at)) e.at = *parsed;
        else throw SqliteError(0, "malformed instant in audit_log: " + at);
        e.actor_user_id = stmt.optional_int64(2);
        e.actor_label = stmt.text(3);
        e.action = stmt.text(4);
        e.entity_type = stmt.text(5);
        e.entity_id = stmt.optional_int64(6);
        e.event_id = stmt.optional_int64(7);
        e.before_json = stmt.optional_text(8);
        e.after_json = stmt.optional_text(9);
        e.reason = stmt.optional_text(10);
        e.request_id = stmt.optional_text(11);
        out.push_back(std::move(record));
    }
    return out;
}

void append_audit_change(Connection& conn, const AuditContext& context, const char* action, const char* entity_type,
                         domain::Id entity_id, domain::Id event_id, const nlohmann::json& before,
                         const nlohmann::json& after, domain::Instant now) {
    append_audit(conn, audit_entry(context, action, entity_type, entity_id, event_id,
                                   before.is_null() ? std::nullopt : std::optional<std::string>(before.dump()),
                                   after.is_null() ? std::nullopt : std::optional<std::string>(after.dump()), now));
}

}  // namespace congress::storage
