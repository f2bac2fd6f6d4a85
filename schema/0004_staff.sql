-- 0004: staff accounts, their roles, server-side staff sessions and the audit log.
-- Delegates never have an account (their registration code is their key); these tables are
-- for organisers, check-in desks and the admins who manage them. See docs/staff.md.

-- Email is unique whatever its case (COLLATE NOCASE: ASCII letters, which is what email
-- providers fold in practice). Nobody is created without a password: the hash is always a
-- real one, written by `congress user add` or the console.
CREATE TABLE staff_users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE
                  CHECK (length(email) BETWEEN 3 AND 254 AND instr(email, '@') > 1 AND email = trim(email)),
    display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    -- Self-describing, e.g. 'scrypt$ln=17,r=8,p=1$<salt>$<hash>', so parameters can rise later.
    password_hash TEXT NOT NULL CHECK (length(password_hash) BETWEEN 20 AND 500),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- What a staff user may do. admin: manage accounts and read the audit log (never tied to an
-- event). organiser: one event, or every event when event_id is NULL. checkin: one event.
CREATE TABLE staff_roles (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'organiser', 'checkin')),
    event_id   INTEGER REFERENCES events(id) ON DELETE CASCADE,
    granted_at TEXT NOT NULL,
    CHECK (role <> 'admin' OR event_id IS NULL),
    CHECK (role <> 'checkin' OR event_id IS NOT NULL)
);
-- One grant of each kind: (user, role, event), with "all events" counted once too.
CREATE UNIQUE INDEX staff_roles_one_each ON staff_roles(user_id, role, ifnull(event_id, 0));
CREATE INDEX staff_roles_by_event ON staff_roles(event_id) WHERE event_id IS NOT NULL;

-- Server-side sessions of staff who logged in. The cookie carries a 256-bit random token;
-- only its SHA-256 is stored, so a copy of the database does not hold usable sessions.
-- Idle expiry is last_seen_at + the server's idle timeout (checked at each look-up);
-- expires_at is the absolute end, whatever the activity.
CREATE TABLE staff_sessions (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),   -- lowercase hex SHA-256
    user_id        INTEGER NOT NULL REFERENCES staff_users(id) ON DELETE CASCADE,
    csrf_token     TEXT NOT NULL CHECK (length(csrf_token) >= 32),
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    remote_address TEXT,
    CHECK (expires_at > created_at),
    CHECK (last_seen_at >= created_at)
);
CREATE INDEX staff_sessions_by_user ON staff_sessions(user_id);
CREATE INDEX staff_sessions_by_expiry ON staff_sessions(expires_at);

-- Every change made by staff (and by `congress user`), with who, when, what, before and
-- after. Append-only: the triggers below refuse UPDATE and DELETE, so nothing in the product
-- can rewrite history. There are deliberately no foreign keys: the log outlives what it
-- names (a deleted event, a renamed user), and a cascading key would have to change it.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,
    actor_user_id INTEGER,                  -- NULL: not a staff account (the CLI, the system)
    actor_label   TEXT NOT NULL CHECK (length(actor_label) BETWEEN 1 AND 300),  -- 'ana@example.org', 'cli:root'
    action        TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 100),       -- 'user.create', 'session.move'
    entity_type   TEXT NOT NULL CHECK (length(entity_type) BETWEEN 1 AND 100),  -- 'staff_user', 'session'
    entity_id     INTEGER,
    event_id      INTEGER,
    before_json   TEXT CHECK (before_json IS NULL OR json_valid(before_json)),
    after_json    TEXT CHECK (after_json IS NULL OR json_valid(after_json)),
    reason        TEXT CHECK (reason IS NULL OR length(reason) <= 2000),
    request_id    TEXT
);
CREATE INDEX audit_log_by_event ON audit_log(event_id, id) WHERE event_id IS NOT NULL;
CREATE INDEX audit_log_by_actor ON audit_log(actor_user_id, id) WHERE actor_user_id IS NOT NULL;
CREATE INDEX audit_log_by_entity ON audit_log(entity_type, entity_id, id);
CREATE INDEX audit_log_by_time ON audit_log(at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- INSERT OR REPLACE on an existing id would delete the old row without firing the DELETE
-- trigger (SQLite fires it only with recursive_triggers on): refuse that too.
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
