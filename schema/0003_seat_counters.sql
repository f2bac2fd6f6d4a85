-- 0003: seat counters kept by the database itself.
-- Counting registrations row by row made every registration slower as an event filled up.
-- The triggers below keep one row per event (session_id 0) and per session up to date in the
-- same transaction as the change, and the capacity guards read them in constant time.

CREATE TABLE seat_counters (
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL DEFAULT 0,   -- 0: the event's own count
    confirmed  INTEGER NOT NULL DEFAULT 0 CHECK (confirmed >= 0),
    waitlisted INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted >= 0),
    PRIMARY KEY (event_id, session_id)
) WITHOUT ROWID;

INSERT INTO seat_counters (event_id, session_id, confirmed, waitlisted)
SELECT e.id, 0,
       (SELECT count(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'confirmed'),
       (SELECT count(*) FROM registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted')
FROM events e;

INSERT INTO seat_counters (event_id, session_id, confirmed, waitlisted)
SELECT s.event_id, s.id,
       (SELECT count(*) FROM session_enrolments x WHERE x.session_id = s.id AND x.status = 'confirmed'),
       (SELECT count(*) FROM session_enrolments x WHERE x.session_id = s.id AND x.status = 'waitlisted')
FROM sessions s;

CREATE TRIGGER seat_counters_new_event AFTER INSERT ON events
BEGIN
    INSERT INTO seat_counters (event_id, session_id) VALUES (NEW.id, 0);
END;

CREATE TRIGGER seat_counters_new_session AFTER INSERT ON sessions
BEGIN
    INSERT INTO seat_counters (event_id, session_id) VALUES (NEW.event_id, NEW.id);
END;

CREATE TRIGGER seat_counters_session_deleted AFTER DELETE ON sessions
BEGIN
    DELETE FROM seat_counters WHERE event_id = OLD.event_id AND session_id = OLD.id;
END;

CREATE TRIGGER seat_counters_registration_insert AFTER INSERT ON registrations
BEGIN
    UPDATE seat_counters
       SET confirmed = confirmed + (NEW.status = 'confirmed'),
           waitlisted = waitlisted + (NEW.status = 'waitlisted')
     WHERE event_id = NEW.event_id AND session_id = 0;
END;

CREATE TRIGGER seat_counters_registration_update AFTER UPDATE OF status ON registrations
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE seat_counters
       SET confirmed = confirmed + (NEW.status = 'confirmed') - (OLD.status = 'confirmed'),
           waitlisted = waitlisted + (NEW.status = 'waitlisted') - (OLD.status = 'waitlisted')
     WHERE event_id = NEW.event_id AND session_id = 0;
END;

CREATE TRIGGER seat_counters_registration_delete AFTER DELETE ON registrations
BEGIN
    UPDATE seat_counters
       SET confirmed = confirmed - (OLD.status = 'confirmed'),
           waitlisted = waitlisted - (OLD.status = 'waitlisted')
     WHERE event_id = OLD.event_id AND session_id = 0;
END;

CREATE TRIGGER seat_counters_enrolment_insert AFTER INSERT ON session_enrolments
BEGIN
    UPDATE seat_counters
       SET confirmed = confirmed + (NEW.status = 'confirmed'),
           waitlisted = waitlisted + (NEW.status = 'waitlisted')
     WHERE session_id = NEW.session_id AND event_id = (SELECT event_id FROM sessions WHERE id = NEW.session_id);
END;

CREATE TRIGGER seat_counters_enrolment_update AFTER UPDATE OF status ON session_enrolments
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE seat_counters
       SET confirmed = confirmed + (NEW.status = 'confirmed') - (OLD.status = 'confirmed'),
           waitlisted = waitlisted + (NEW.status = 'waitlisted') - (OLD.status = 'waitlisted')
     WHERE session_id = NEW.session_id AND event_id = (SELECT event_id FROM sessions WHERE id = NEW.session_id);
END;

CREATE TRIGGER seat_counters_enrolment_delete AFTER DELETE ON session_enrolments
BEGIN
    UPDATE seat_counters
       SET confirmed = confirmed - (OLD.status = 'confirmed'),
           waitlisted = waitlisted - (OLD.status = 'waitlisted')
     WHERE session_id = OLD.session_id AND event_id = (SELECT event_id FROM sessions WHERE id = OLD.session_id);
END;

-- The capacity guards of 0002, now in constant time: confirmed <= capacity, always.
DROP TRIGGER registrations_capacity_insert;
DROP TRIGGER registrations_capacity_update;
DROP TRIGGER session_enrolments_capacity_insert;
DROP TRIGGER session_enrolments_capacity_update;

CREATE TRIGGER registrations_capacity_insert
BEFORE INSERT ON registrations
WHEN NEW.status = 'confirmed'
 AND (SELECT confirmed FROM seat_counters WHERE event_id = NEW.event_id AND session_id = 0)
     >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event over capacity');
END;

CREATE TRIGGER registrations_capacity_update
BEFORE UPDATE OF status ON registrations
WHEN NEW.status = 'confirmed' AND OLD.status <> 'confirmed'
 AND (SELECT confirmed FROM seat_counters WHERE event_id = NEW.event_id AND session_id = 0)
     >= (SELECT capacity FROM events WHERE id = NEW.event_id)
BEGIN
    SELECT RAISE(ABORT, 'event over capacity');
END;

CREATE TRIGGER session_enrolments_capacity_insert
BEFORE INSERT ON session_enrolments
WHEN NEW.status = 'confirmed'
 AND (SELECT confirmed FROM seat_counters WHERE session_id = NEW.session_id
         AND event_id = (SELECT event_id FROM sessions WHERE id = NEW.session_id))
     >= (SELECT capacity FROM sessions WHERE id = NEW.session_id)
BEGIN
    SELECT RAISE(ABORT, 'session over capacity');
END;

CREATE TRIGGER session_enrolments_capacity_update
BEFORE UPDATE OF status ON session_enrolments
WHEN NEW.status = 'confirmed' AND OLD.status <> 'confirmed'
 AND (SELECT confirmed FROM seat_counters WHERE session_id = NEW.session_id
         AND event_id = (SELECT event_id FROM sessions WHERE id = NEW.session_id))
     >= (SELECT capacity FROM sessions WHERE id = NEW.session_id)
BEGIN
    SELECT RAISE(ABORT, 'session over capacity');
END;
