-- 0002: registrations that never oversell.
-- The single writer decides every seat; these triggers repeat the invariant
-- (confirmed <= capacity) so that a bug elsewhere fails loudly instead of overselling.

-- Organisers may allow promotion from the waiting list after registration closes or the
-- event starts (by default nobody is promoted then).
ALTER TABLE events ADD COLUMN promote_after_close INTEGER NOT NULL DEFAULT 0
    CHECK (promote_after_close IN (0, 1));

CREATE INDEX registrations_waitlist ON registrations(event_id, waitlist_seq) WHERE status = 'waitlisted';
CREATE INDEX session_enrolments_waitlist ON session_enrolments(session_id, waitlist_seq) WHERE status = 'waitlisted';
CREATE INDEX session_enrolments_by_registration ON session_enrolments(registration_id, status);

CREATE TRIGGER registrations_capacity_insert
BEFORE INSERT ON registrations
WHEN NEW.status = 'confirmed'
 AND (SELECT count(*) FROM registrations WHERE event_id = NEW.event_id AND status = 'confirmed')
     >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event over capacity');
END;

CREATE TRIGGER registrations_capacity_update
BEFORE UPDATE OF status ON registrations
WHEN NEW.status = 'confirmed' AND OLD.status <> 'confirmed'
 AND (SELECT count(*) FROM registrations WHERE event_id = NEW.event_id AND status = 'confirmed')
     >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event over capacity');
END;

CREATE TRIGGER session_enrolments_capacity_insert
BEFORE INSERT ON session_enrolments
WHEN NEW.status = 'confirmed'
 AND (SELECT count(*) FROM session_enrolments WHERE session_id = NEW.session_id AND status = 'confirmed')
     >= (SELECT capacity FROM sessions WHERE id = NEW.session_id)
BEGIN
    SELECT RAISE(ABORT, 'session over capacity');
END;

CREATE TRIGGER session_enrolments_capacity_update
BEFORE UPDATE OF status ON session_enrolments
WHEN NEW.status = 'confirmed' AND OLD.status <> 'confirmed'
 AND (SELECT count(*) FROM session_enrolments WHERE session_id = NEW.session_id AND status = 'confirmed')
     >= (SELECT capacity FROM sessions WHERE id = NEW.session_id)
BEGIN
    SELECT RAISE(ABORT, 'session over capacity');
END;

-- A waiting-list place always has its order; a confirmed or cancelled one keeps the order it
-- had (for the record) or none.
CREATE TRIGGER registrations_waitlist_needs_seq
BEFORE INSERT ON registrations
WHEN NEW.status = 'waitlisted' AND NEW.waitlist_seq IS NULL
BEGIN
    SELECT RAISE(ABORT, 'waitlisted registration without a waiting-list position');
END;

-- Answers to requests that carried an Idempotency-Key: a repeat gets the first answer.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,     -- the route and resource, e.g. "POST /api/events/3/registrations"
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,     -- SHA-256 of the body: the same key with another body is refused
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
