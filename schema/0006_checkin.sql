-- 0006: badges and check-in (docs/checkin.md).

-- Each event's Ed25519 key pair for badge tokens, made by the server the first time it is
-- needed. Desks get only the public key.
CREATE TABLE badge_keys (
    event_id    INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    public_key  TEXT NOT NULL CHECK (length(public_key) = 43),  -- base64url of 32 raw bytes
    private_key TEXT NOT NULL CHECK (length(private_key) = 43),
    created_at  TEXT NOT NULL
);

-- Which badges were printed, so that organisers can print "everyone not yet printed".
CREATE TABLE badge_prints (
    registration_id INTEGER PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    first_printed_at TEXT NOT NULL,
    last_printed_at  TEXT NOT NULL,
    times            INTEGER NOT NULL DEFAULT 1 CHECK (times >= 1)
) WITHOUT ROWID;

-- Check-ins at the event's entrance (scope 0) or into a session (scope = session id).
-- An undone check-in stays, marked undone, for the record.
CREATE TABLE checkins (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    scope           INTEGER NOT NULL CHECK (scope >= 0),
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    desk            TEXT NOT NULL CHECK (length(desk) BETWEEN 1 AND 200),
    staff_user_id   INTEGER REFERENCES staff_users(id) ON DELETE SET NULL,
    staff_name      TEXT NOT NULL,
    scanned_at      TEXT NOT NULL,  -- when the desk admitted the delegate (offline: the desk's clock)
    recorded_at     TEXT NOT NULL,  -- when the server recorded it
    source          TEXT NOT NULL CHECK (source = 'scan' OR source = 'search' OR source = 'offline'),
    undone_at       TEXT,
    undone_by       TEXT,
    undo_reason     TEXT,
    CHECK ((undone_at IS NULL) = (undone_by IS NULL))
);
-- The invariant the single writer keeps, repeated: one active check-in per badge and place.
CREATE UNIQUE INDEX checkins_active ON checkins(registration_id, scope) WHERE undone_at IS NULL;
CREATE INDEX checkins_by_event ON checkins(event_id, scope, id);

-- Counts of active check-ins per event and scope, kept by triggers (as seat_counters).
CREATE TABLE checkin_counters (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    scope      INTEGER NOT NULL,
    checked_in INTEGER NOT NULL DEFAULT 0 CHECK (checked_in >= 0),
    PRIMARY KEY (event_id, scope)
) WITHOUT ROWID;

CREATE TRIGGER checkin_counters_insert AFTER INSERT ON checkins
WHEN NEW.undone_at IS NULL
BEGIN
    INSERT INTO checkin_counters (event_id, scope, checked_in) VALUES (NEW.event_id, NEW.scope, 1)
        ON CONFLICT (event_id, scope) DO UPDATE SET checked_in = checked_in + 1;
END;

CREATE TRIGGER checkin_counters_undo AFTER UPDATE OF undone_at ON checkins
WHEN OLD.undone_at IS NULL AND NEW.undone_at IS NOT NULL
BEGIN
    UPDATE checkin_counters SET checked_in = checked_in - 1 WHERE event_id = OLD.event_id AND scope = OLD.scope;
END;

-- Answers to scans that carried a scan_id: a desk that sends its offline queue twice gets
-- the first answers and changes nothing.
CREATE TABLE checkin_scans (
    event_id    INTEGER NOT NULL,
    scan_id     TEXT NOT NULL,
    status      INTEGER NOT NULL,
    answer      TEXT NOT NULL CHECK (json_valid(answer)),
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (event_id, scan_id)
) WITHOUT ROWID;

-- Badges admitted twice (a desk offline did not know another had admitted the delegate).
-- The earliest admission is the check-in (checkin_id); this row is the other one.
CREATE TABLE checkin_duplicates (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    scope           INTEGER NOT NULL,
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    checkin_id      INTEGER NOT NULL REFERENCES checkins(id) ON DELETE CASCADE,
    desk            TEXT NOT NULL,
    staff_name      TEXT NOT NULL,
    scanned_at      TEXT NOT NULL,
    reported_at     TEXT NOT NULL
);
CREATE INDEX checkin_duplicates_by_event ON checkin_duplicates(event_id, id);
