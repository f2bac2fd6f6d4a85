// The audit log: who changed what, when, with the state before and after. Append-only (the
// schema's triggers refuse UPDATE and DELETE on audit_log).
//
// Append inside the same write command as the change it records, on the same Connection,
// so that the row commits (or rolls back) atomically with the change:
//
//     db.write([=](Connection& conn, ChangeSet& changes) {
//         ... change something ...
//         append_audit(conn, audit_entry(context, "session.move", "session", id, event_id, before, after, now));
//     }, done);
//
// Action names are "<entity>.<verb>" ("staff_user.create", "session.cancel",
// "registration.promote"); see docs/staff.md for the ones in use.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "domain/event.hpp"
#include "domain/staff.hpp"
#include "domain/time.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// Who acted: a staff account, or something else with a label ("cli:root", "system").
struct AuditActor {
    std::optional<domain::Id> user_id;
    std::string label;

    static AuditActor staff(const domain::Principal& principal) { return {principal.user_id, principal.email}; }
    // `congress user` and other commands run by a person on the server: "cli:<unix user>".
    static AuditActor cli(const std::string& unix_user) { return {std::nullopt, "cli:" + unix_user}; }
};

// What every entry of one request or command shares.
struct AuditContext {
    AuditActor actor;
    std::optional<std::string> reason;      // why, when the person gave a reason
    std::optional<std::string> request_id;  // the HTTP request id (X-Request-Id), if any
};

struct AuditEntry {
    domain::Instant at{};
    std::optional<domain::Id> actor_user_id;
    std::string actor_label;
    std::string action;       // "staff_user.grant"
    std::string entity_type;  // "staff_user"
    std::optional<domain::Id> entity_id;
    std::optional<domain::Id> event_id;      // the event concerned, so organisers' changes can be listed per event
    std::optional<std::string> before_json;  // serialised JSON (checked by the schema), or nullopt
    std::optional<std::string> after_json;
    std::optional<std::string> reason;
    std::optional<std::string> request_id;
};

AuditEntry audit_entry(const AuditContext& context, std::string action, std::string entity_type,
                       std::optional<domain::Id> entity_id, std::optional<domain::Id> event_id,
                       std::optional<std::string> before_json, std::optional<std::string> after_json,
                       domain::Instant at);

// Appends one entry; returns its id. Throws SqliteError (e.g. invalid JSON, empty label).
domain::Id append_audit(Connection& conn, const AuditEntry& entry);

// Appends the entry of one change to an entity of an event, with the entity's states
// before and after as JSON (a null state is recorded as none).
void append_audit_change(Connection& conn, const AuditContext& context, const char* action, const char* entity_type,
                         domain::Id entity_id, domain::Id event_id, const nlohmann::json& before,
                         const nlohmann::json& after, domain::Instant now);

struct AuditRecord {
    domain::Id id = 0;
    AuditEntry entry;
};

// Every field narrows the list; unset fields do not. Newest first.
struct AuditFilter {
    std::optional<domain::Id> event_id;
    std::optional<domain::Id> actor_user_id;
    std::optional<std::string> entity_type;
    std::optional<domain::Id> entity_id;  // with entity_type
    std::optional<std::string> action;
    std::optional<domain::Instant> since;  // at >= since
    int limit = 100;                       // clamped to 1..max_audit_page
    int offset = 0;
};
inline constexpr int max_audit_page = 1000;

// For admins. Reads only: fine on a reader connection.
std::vector<AuditRecord> list_audit(Connection& conn, const AuditFilter& filter);

}  // namespace congress::storage
