// Staff accounts, their roles and their server-side sessions: the SQL and the commands.
//
// Writes (everything that changes a row) run inside a write command of the single writer,
// storage::Database::write, or inside a Transaction of their own in a CLI command. Reads
// (find_*, list_*, load_principal, find_staff_session) also work on a reader connection.
//
// The account changes take an AuditContext and append their audit_log entry themselves, on
// the same connection, so the record commits with the change and cannot be forgotten. The
// session functions do not: the HTTP layer decides what to record about logins.
//
// Errors are the domain's: domain::InvalidField (a bad email, name or grant), domain::NotFound
// ("staff_user_not_found"), domain::Refusal ("email_taken", "last_admin", "account_disabled").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "domain/registration.hpp"
#include "domain/staff.hpp"
#include "domain/time.hpp"
#include "storage/audit_log.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

// --- accounts ----------------------------------------------------------------------------

struct StaffUser {
    domain::Id id = 0;
    std::string email;
    std::string display_name;
    bool disabled = false;
    domain::Instant created_at{};
    domain::Instant updated_at{};
    std::vector<domain::RoleGrant> grants;  // admin first, then by role and event
};

struct NewStaffUser {
    std::string email;
    std::string display_name;
    std::string password_hash;  // from auth::hash_password: there is no default password
    std::vector<domain::RoleGrant> grants;
};

// Creates the account with its grants; records "staff_user.create". Throws InvalidField
// ("email", "display_name", "role", "event_id") or Refusal("email_taken"), whatever the case
// of the existing address.
StaffUser create_staff_user(Connection& conn, const NewStaffUser& user, const AuditContext& audit, domain::Instant now);

std::optional<StaffUser> find_staff_user(Connection& conn, domain::Id user_id);
// Case-insensitive (ASCII), surrounding spaces ignored.
std::optional<StaffUser> find_staff_user_by_email(Connection& conn, std::string_view email);
// Every account, by email.
std::vector<StaffUser> list_staff_users(Connection& conn);

// What a login needs, and nothing more is read before the password is checked.
struct StaffCredentials {
    domain::Id user_id = 0;
    std::string password_hash;
    bool disabled = false;
};
std::optional<StaffCredentials> find_staff_credentials(Connection& conn, std::string_view email);

// A person set a new password (CLI passwd, an admin's reset): stores the hash and ends every
// session of the user; records "staff_user.password" (never the hash). Returns the number of
// sessions ended. Throws NotFound.
int set_staff_password(Connection& conn, domain::Id user_id, const std::string& password_hash,
                       const AuditContext& audit, domain::Instant now);

// The same password hashed again with stronger parameters after a successful login
// (auth::Verification::rehashed). Sessions stay; nothing to audit.
void update_password_hash(Connection& conn, domain::Id user_id, const std::string& password_hash, domain::Instant now);

// Disabling ends every session of the user at once; a disabled user cannot log in and their
// sessions are refused. Refusal("last_admin") rather than disable the last enabled admin.
// Returns false (and records nothing) if the user already was in that state. Records
// "staff_user.disable" / "staff_user.enable". Throws NotFound.
bool set_staff_user_disabled(Connection& conn, domain::Id user_id, bool disabled, const AuditContext& audit,
                             domain::Instant now);

// Returns false (and records nothing) if the user already had / did not have the grant.
// Records "staff_user.grant" / "staff_user.revoke" with the grant's event. Throws NotFound,
// InvalidField("role" or "event_id": an impossible grant or an unknown event) and, for
// revoke, Refusal("last_admin").
bool grant_role(Connection& conn, domain::Id user_id, const domain::RoleGrant& grant, const AuditContext& audit,
                domain::Instant now);
bool revoke_role(Connection& conn, domain::Id user_id, const domain::RoleGrant& grant, const AuditContext& audit,
                 domain::Instant now);

// The user as the permission checks see them; nullopt if unknown or disabled.
std::optional<domain::Principal> load_principal(Connection& conn, domain::Id user_id);

// The account as the audit log shows it (no password hash): a JSON object.
std::string staff_user_json(const StaffUser& user);

// --- sessions ----------------------------------------------------------------------------

struct SessionPolicy {
    // A session unused for this long is over.
    std::chrono::seconds idle_timeout{std::chrono::hours(2)};
    // A session is over this long after login, however active (a working day and a bit).
    std::chrono::seconds absolute_timeout{std::chrono::hours(12)};
    // last_seen_at is written at most once per interval per session, not on every request;
    // idle expiry is therefore exact to within this interval.
    std::chrono::seconds touch_interval{std::chrono::minutes(1)};
};

struct NewStaffSession {
    domain::Id id = 0;
    std::string token;       // 256 random bits for the cookie; only its SHA-256 is stored
    std::string csrf_token;  // 256 random bits; send it to the page, expect it back on changes
    domain::Instant expires_at{};  // absolute end (the cookie's Expires / Max-Age)
};

// Logs a user in: a fresh session (at every login, so a token from before the login is never
// reused). Also deletes the user's expired sessions. Throws NotFound, Refusal("account_disabled").
NewStaffSession create_staff_session(Connection& conn, domain::Id user_id,
                                     const std::optional<std::string>& remote_address, domain::Instant now,
                                     const SessionPolicy& policy = {});

struct StaffSession {
    domain::Id id = 0;
    domain::Principal principal;  // grants as of now: role changes apply at the next request
    std::string csrf_token;       // compare with auth::tokens_equal
    domain::Instant created_at{};
    domain::Instant last_seen_at{};
    domain::Instant expires_at{};       // absolute
    domain::Instant idle_expires_at{};  // last_seen_at + idle_timeout, capped by expires_at
    std::optional<std::string> remote_address;
    // last_seen_at is older than touch_interval: queue touch_staff_session (a write; no
    // need to wait for it before answering).
    bool needs_touch = false;
};

// The live session behind a cookie token, or nullopt: malformed or unknown token, idle for
// longer than idle_timeout, past its absolute expiry (the stored one or created_at +
// absolute_timeout, whichever is sooner), or its user disabled. Reads only.
std::optional<StaffSession> find_staff_session(Connection& conn, std::string_view token, domain::Instant now,
                                               const SessionPolicy& policy = {});

// Records activity: last_seen_at = now (never backwards). False if the session is gone.
bool touch_staff_session(Connection& conn, domain::Id session_id, domain::Instant now);

// Logout. False if there was no such session.
bool destroy_staff_session(Connection& conn, std::string_view token);
// Every session of the user (after a password change, when disabled, "log out everywhere").
int destroy_staff_sessions_of(Connection& conn, domain::Id user_id);
// Housekeeping (e.g. hourly): deletes sessions that find_staff_session would refuse for age.
int delete_expired_staff_sessions(Connection& conn, domain::Instant now, const SessionPolicy& policy = {});

}  // namespace congress::storage
