#include "storage/staff_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "auth/tokens.hpp"

namespace congress::storage {

namespace {

using domain::Id;
using domain::Instant;
using domain::Role;
using domain::RoleGrant;

// --- SQL -------------------------------------------------------------------------------

constexpr std::string_view insert_staff_user = R"sql(
INSERT INTO staff_users (email, display_name, password_hash, disabled, created_at, updated_at)
VALUES (?1, ?2, ?3, 0, ?4, ?4)
)sql";

constexpr std::string_view select_staff_user_by_id = R"sql(
SELECT id, email, display_name, disabled, created_at, updated_at FROM staff_users WHERE id = ?1
)sql";

// staff_users.email is COLLATE NOCASE: this compares case-insensitively and uses its index.
constexpr std::string_view select_staff_user_by_email = R"sql(
SELECT id, email, display_name, disabled, created_at, updated_at FROM staff_users WHERE email = ?1
)sql";

constexpr std::string_view select_staff_users = R"sql(
SELECT id, email, display_name, disabled, created_at, updated_at FROM staff_users ORDER BY email, id
)sql";

constexpr std::string_view select_credentials_by_email = R"sql(
SELECT id, password_hash, disabled FROM staff_users WHERE email = ?1
)sql";

constexpr std::string_view select_grants_of_user = R"sql(
SELECT role, event_id FROM staff_roles WHERE user_id = ?1
ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'organiser' THEN 1 ELSE 2 END, event_id IS NOT NULL, event_id
)sql";

constexpr std::string_view update_staff_password = R"sql(
UPDATE staff_users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1
)sql";

constexpr std::string_view update_staff_disabled = R"sql(
UPDATE staff_users SET disabled = ?2, updated_at = ?3 WHERE id = ?1
)sql";

constexpr std::string_view update_staff_updated_at = "UPDATE staff_users SET updated_at = ?2 WHERE id = ?1";

constexpr std::string_view select_event_exists = "SELECT 1 FROM events WHERE id = ?1";

// `IS` so that a NULL event (all events) matches NULL.
constexpr std::string_view select_grant = R"sql(
SELECT id FROM staff_roles WHERE user_id = ?1 AND role = ?2 AND event_id IS ?3
)sql";

constexpr std::string_view insert_grant = R"sql(
INSERT INTO staff_roles (user_id, role, event_id, granted_at) VALUES (?1, ?2, ?3, ?4)
)sql";

constexpr std::string_view delete_grant = R"sql(
DELETE FROM staff_roles WHERE user_id = ?1 AND role = ?2 AND event_id IS ?3
)sql";

constexpr std::string_view count_other_enabled_admins = R"sql(
SELECT count(*) FROM staff_roles r JOIN staff_users u ON u.id = r.user_id
WHERE r.role = 'admin' AND u.disabled = 0 AND u.id <> ?1
)sql";

constexpr std::string_view insert_session = R"sql(
INSERT INTO staff_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, remote_address)
VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)
)sql";

constexpr std::string_view select_session_by_token_hash = R"sql(
SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, s.remote_address,
       u.email, u.display_name, u.disabled
FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id
WHERE s.token_hash = ?1
)sql";

constexpr std::string_view touch_session = R"sql(
UPDATE staff_sessions SET last_seen_at = max(last_seen_at, ?2) WHERE id = ?1
)sql";

constexpr std::string_view delete_session_by_token_hash = "DELETE FROM staff_sessions WHERE token_hash = ?1";
constexpr std::string_view delete_sessions_of_user = "DELETE FROM staff_sessions WHERE user_id = ?1";

// ?1 now, ?2 now - idle timeout, ?3 now - absolute timeout (all UTC text, which sorts).
constexpr std::string_view delete_expired_sessions_of_user = R"sql(
DELETE FROM staff_sessions
WHERE user_id = ?4 AND (expires_at <= ?1 OR last_seen_at <= ?2 OR created_at <= ?3)
)sql";

constexpr std::string_view delete_expired_sessions = R"sql(
DELETE FROM staff_sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2 OR created_at <= ?3
)sql";

// --- helpers ---------------------------------------------------------------------------

Instant instant_of(const Statement& stmt, int column) {
    const auto text = stmt.text(column);
    if (auto parsed = domain::parse_utc(text)) return *parsed;
    throw SqliteError(0, "malformed instant in database: " + text);
}

std::vector<RoleGrant> load_grants(Connection& conn, Id user_id) {
    auto stmt = conn.cached(select_grants_of_user);
    stmt.bind(1, user_id);
    std::vector<RoleGrant> grants;
    while (stmt.step()) {
        const auto role = domain::parse_role(stmt.text(0));
        if (!role) continue;  // the schema's CHECK makes this impossible
        grants.push_back(RoleGrant{*role, stmt.optional_int64(1)});
    }
    return grants;
}

// Columns: id, email, display_name, disabled, created_at, updated_at.
StaffUser user_from_row(Connection& conn, const Statement& stmt) {
    StaffUser user;
    user.id = stmt.int64(0);
    user.email = stmt.text(1);
    user.display_name = stmt.text(2);
    user.disabled = stmt.int64(3) != 0;
    user.created_at = instant_of(stmt, 4);
    user.updated_at = instant_of(stmt, 5);
    user.grants = load_grants(conn, user.id);
    return user;
}

StaffUser require_user(Connection& conn, Id user_id) {
    auto user = find_staff_user(conn, user_id);
    if (!user) throw domain::NotFound("staff_user_not_found", "There is no staff user " + std::to_string(user_id) + ".");
    return std::move(*user);
}

void check_grant(Connection& conn, const RoleGrant& grant) {
    if (auto problem = domain::grant_problem(grant)) throw domain::InvalidField("role", "Cannot grant this role: " + *problem + ".");
    if (grant.event_id) {
        auto exists = conn.cached(select_event_exists);
        exists.bind(1, *grant.event_id);
        if (!exists.step()) throw domain::InvalidField("event_id", "There is no event " + std::to_string(*grant.event_id) + ".");
    }
}

bool has_grant(Connection& conn, Id user_id, const RoleGrant& grant) {
    auto stmt = conn.cached(select_grant);
    stmt.bind(1, user_id).bind(2, domain::to_string(grant.role)).bind(3, grant.event_id);
    return stmt.step();
}

void insert_grant_row(Connection& conn, Id user_id, const RoleGrant& grant, Instant now) {
    conn.cached(insert_grant)
        .bind(1, user_id)
        .bind(2, domain::to_string(grant.role))
        .bind(3, grant.event_id)
        .bind(4, domain::format_utc(now))
        .run();
}

bool is_admin(const StaffUser& user) {
    return std::any_of(user.grants.begin(), user.grants.end(), [](const RoleGrant& g) { return g.role == Role::admin; });
}

// Refuses a change that would leave no enabled admin to manage accounts.
void keep_an_admin(Connection& conn, const StaffUser& user) {
    if (user.disabled || !is_admin(user)) return;
    auto others = conn.cached(count_other_enabled_admins);
    others.bind(1, user.id);
    others.step();
    if (others.int64(0) == 0)
        throw domain::Refusal("last_admin", user.email + " is the last enabled admin; make someone else admin first.");
}

std::string normalised_email(std::string_view email) {
    auto normal = domain::normalise_staff_email(email);
    if (!normal) throw domain::InvalidField("email", "This is not a usable email address.");
    return *normal;
}

void touch_user(Connection& conn, Id user_id, Instant now) {
    conn.cached(update_staff_updated_at).bind(1, user_id).bind(2, domain::format_utc(now)).run();
}

}  // namespace

// --- accounts --------------------------------------------------------------------------

std::string staff_user_json(const StaffUser& user) {
    nlohmann::json roles = nlohmann::json::array();
    for (const auto& g : user.grants) {
        nlohmann::json role{{"role", domain::to_string(g.role)}};
        role["event_id"] = g.event_id ? nlohmann::json(*g.event_id) : nlohmann::json(nullptr);
        roles.push_back(std::move(role));
    }
    return nlohmann::json{{"id", user.id},
                          {"email", user.email},
                          {"display_name", user.display_name},
                          {"disabled", user.disabled},
                          {"roles", std::move(roles)}}
        .dump();
}

StaffUser create_staff_user(Connection& conn, const NewStaffUser& input, const AuditContext& audit, Instant now) {
    const auto email = normalised_email(input.email);
    const auto name = domain::normalise_display_name(input.display_name);
    if (!name) throw domain::InvalidField("display_name", "A display name has 1 to 200 characters, without control characters.");
    if (input.password_hash.empty()) throw domain::InvalidField("password", "A staff user needs a password.");
    for (const auto& grant : input.grants) check_grant(conn, grant);
    if (find_staff_credentials(conn, email))
        throw domain::Refusal("email_taken", "There is already a staff user with the email " + email + ".");
    try {
        conn.cached(insert_staff_user)
            .bind(1, email)
            .bind(2, *name)
            .bind(3, input.password_hash)
            .bind(4, domain::format_utc(now))
            .run();
    } catch (const SqliteError& e) {
        if (e.is_constraint() && std::string(e.what()).find("UNIQUE") != std::string::npos)
            throw domain::Refusal("email_taken", "There is already a staff user with the email " + email + ".");
        throw;
    }
    const Id id = conn.last_insert_rowid();
    std::vector<RoleGrant> done;
    for (const auto& grant : input.grants) {
        if (std::find(done.begin(), done.end(), grant) != done.end()) continue;
        insert_grant_row(conn, id, grant, now);
        done.push_back(grant);
    }
    auto user = require_user(conn, id);
    append_audit(conn, audit_entry(audit, "staff_user.create", "staff_user", id, std::nullopt, std::nullopt,
                                   staff_user_json(user), now));
    return user;
}

std::optional<StaffUser> find_staff_user(Connection& conn, Id user_id) {
    auto stmt = conn.cached(select_staff_user_by_id);
    stmt.bind(1, user_id);
    if (!stmt.step()) return std::nullopt;
    return user_from_row(conn, stmt);
}

std::optional<StaffUser> find_staff_user_by_email(Connection& conn, std::string_view email) {
    const auto normal = domain::normalise_staff_email(email);
    if (!normal) return std::nullopt;
    auto stmt = conn.cached(select_staff_user_by_email);
    stmt.bind(1, *normal);
    if (!stmt.step()) return std::nullopt;
    return user_from_row(conn, stmt);
}

std::vector<StaffUser> list_staff_users(Connection& conn) {
    std::vector<StaffUser> users;
    {
        auto stmt = conn.cached(select_staff_users);
        while (stmt.step()) {
            StaffUser user;
            user.id = stmt.int64(0);
            user.email = stmt.text(1);
            user.display_name = stmt.text(2);
            user.disabled = stmt.int64(3) != 0;
            user.created_at = instant_of(stmt, 4);
            user.updated_at = instant_of(stmt, 5);
            users.push_back(std::move(user));
        }
    }
    for (auto& user : users) user.grants = load_grants(conn, user.id);
    return users;
}

std::optional<StaffCredentials> find_staff_credentials(Connection& conn, std::string_view email) {
    const auto normal = domain::normalise_staff_email(email);
    if (!normal) return std::nullopt;
    auto stmt = conn.cached(select_credentials_by_email);
    stmt.bind(1, *normal);
    if (!stmt.step()) return std::nullopt;
    return StaffCredentials{stmt.int64(0), stmt.text(1), stmt.int64(2) != 0};
}

int set_staff_password(Connection& conn, Id user_id, const std::string& password_hash, const AuditContext& audit,
                       Instant now) {
    require_user(conn, user_id);
    if (password_hash.empty()) throw domain::InvalidField("password", "A staff user needs a password.");
    conn.cached(update_staff_password).bind(1, user_id).bind(2, password_hash).bind(3, domain::format_utc(now)).run();
    const int ended = destroy_staff_sessions_of(conn, user_id);
    append_audit(conn, audit_entry(audit, "staff_user.password", "staff_user", user_id, std::nullopt, std::nullopt,
                                   nlohmann::json{{"password_changed", true}, {"sessions_ended", ended}}.dump(), now));
    return ended;
}

void update_password_hash(Connection& conn, Id user_id, const std::string& password_hash, Instant now) {
    if (password_hash.empty()) throw domain::InvalidField("password", "A staff user needs a password.");
    conn.cached(update_staff_password).bind(1, user_id).bind(2, password_hash).bind(3, domain::format_utc(now)).run();
}

bool set_staff_user_disabled(Connection& conn, Id user_id, bool disabled, const AuditContext& audit, Instant now) {
    const auto before = require_user(conn, user_id);
    if (before.disabled == disabled) return false;
    if (disabled) keep_an_admin(conn, before);
    conn.cached(update_staff_disabled).bind(1, user_id).bind(2, disabled).bind(3, domain::format_utc(now)).run();
    if (disabled) destroy_staff_sessions_of(conn, user_id);
    const auto after = require_user(conn, user_id);
    append_audit(conn, audit_entry(audit, disabled ? "staff_user.disable" : "staff_user.enable", "staff_user", user_id,
                                   std::nullopt, staff_user_json(before), staff_user_json(after), now));
    return true;
}

bool grant_role(Connection& conn, Id user_id, const RoleGrant& grant, const AuditContext& audit, Instant now) {
    const auto before = require_user(conn, user_id);
    check_grant(conn, grant);
    if (has_grant(conn, user_id, grant)) return false;
    insert_grant_row(conn, user_id, grant, now);
    touch_user(conn, user_id, now);
    const auto after = require_user(conn, user_id);
    append_audit(conn, audit_entry(audit, "staff_user.grant", "staff_user", user_id, grant.event_id,
                                   staff_user_json(before), staff_user_json(after), now));
    return true;
}

bool revoke_role(Connection& conn, Id user_id, const RoleGrant& grant, const AuditContext& audit, Instant now) {
    const auto before = require_user(conn, user_id);
    if (!has_grant(conn, user_id, grant)) return false;
    if (grant.role == Role::admin) keep_an_admin(conn, before);
    conn.cached(delete_grant).bind(1, user_id).bind(2, domain::to_string(grant.role)).bind(3, grant.event_id).run();
    touch_user(conn, user_id, now);
    const auto after = require_user(conn, user_id);
    append_audit(conn, audit_entry(audit, "staff_user.revoke", "staff_user", user_id, grant.event_id,
                                   staff_user_json(before), staff_user_json(after), now));
    return true;
}

std::optional<domain::Principal> load_principal(Connection& conn, Id user_id) {
    auto user = find_staff_user(conn, user_id);
    if (!user || user->disabled) return std::nullopt;
    return domain::Principal{user->id, std::move(user->email), std::move(user->display_name), std::move(user->grants)};
}

// --- sessions --------------------------------------------------------------------------

NewStaffSession create_staff_session(Connection& conn, Id user_id, const std::optional<std::string>& remote_address,
                                     Instant now, const SessionPolicy& policy) {
    const auto user = require_user(conn, user_id);
    if (user.disabled) throw domain::Refusal("account_disabled", "This account is disabled.");
    conn.cached(delete_expired_sessions_of_user)
        .bind(1, domain::format_utc(now))
        .bind(2, domain::format_utc(now - policy.idle_timeout))
        .bind(3, domain::format_utc(now - policy.absolute_timeout))
        .bind(4, user_id)
        .run();

    NewStaffSession session;
    session.token = auth::random_token();
    session.csrf_token = auth::random_token();
    session.expires_at = now + policy.absolute_timeout;
    conn.cached(insert_session)
        .bind(1, auth::token_digest(session.token))
        .bind(2, user_id)
        .bind(3, session.csrf_token)
        .bind(4, domain::format_utc(now))
        .bind(5, domain::format_utc(session.expires_at))
        .bind(6, remote_address)
        .run();
    session.id = conn.last_insert_rowid();
    return session;
}

std::optional<StaffSession> find_staff_session(Connection& conn, std::string_view token, Instant now,
                                               const SessionPolicy& policy) {
    if (!auth::looks_like_token(token)) return std::nullopt;
    StaffSession session;
    {
        auto stmt = conn.cached(select_session_by_token_hash);
        stmt.bind(1, auth::token_digest(token));
        if (!stmt.step()) return std::nullopt;
        if (stmt.int64(9) != 0) return std::nullopt;  // the user is disabled
        session.id = stmt.int64(0);
        session.principal.user_id = stmt.int64(1);
        session.csrf_token = stmt.text(2);
        session.created_at = instant_of(stmt, 3);
        session.last_seen_at = instant_of(stmt, 4);
        session.expires_at = std::min(instant_of(stmt, 5), session.created_at + policy.absolute_timeout);
        session.remote_address = stmt.optional_text(6);
        session.principal.email = stmt.text(7);
        session.principal.display_name = stmt.text(8);
    }
    session.idle_expires_at = std::min(session.last_seen_at + policy.idle_timeout, session.expires_at);
    if (now >= session.idle_expires_at) return std::nullopt;
    session.principal.grants = load_grants(conn, session.principal.user_id);
    session.needs_touch = now - session.last_seen_at >= policy.touch_interval;
    return session;
}

bool touch_staff_session(Connection& conn, Id session_id, Instant now) {
    conn.cached(touch_session).bind(1, session_id).bind(2, domain::format_utc(now)).run();
    return conn.changes() > 0;
}

bool destroy_staff_session(Connection& conn, std::string_view token) {
    if (!auth::looks_like_token(token)) return false;
    conn.cached(delete_session_by_token_hash).bind(1, auth::token_digest(token)).run();
    return conn.changes() > 0;
}

int destroy_staff_sessions_of(Connection& conn, Id user_id) {
    conn.cached(delete_sessions_of_user).bind(1, user_id).run();
    return conn.changes();
}

int delete_expired_staff_sessions(Connection& conn, Instant now, const SessionPolicy& policy) {
    conn.cached(delete_expired_sessions)
        .bind(1, domain::format_utc(now))
        .bind(2, domain::format_utc(now - policy.idle_timeout))
        .bind(3, domain::format_utc(now - policy.absolute_timeout))
        .run();
    return conn.changes();
}

}  // namespace congress::storage
