-- 0010: organiser lists that stay fast at a million registrations.
-- The lists walk an index in the order they show (keyset pagination), their counts are kept
-- by triggers instead of counted, and the search looks words up in a full-text index.

-- Sorts and filters the registrations list uses (the first replaces registrations_by_event).
DROP INDEX registrations_by_event;
CREATE INDEX registrations_by_event_status ON registrations(event_id, status, created_at, id);
CREATE INDEX registrations_by_event_created ON registrations(event_id, created_at, id);
CREATE INDEX registrations_by_event_name ON registrations(event_id, name COLLATE NOCASE, id);
CREATE INDEX registrations_by_member_organisation ON registrations(member_organisation_id, event_id)
    WHERE member_organisation_id IS NOT NULL;
CREATE INDEX registrations_by_typed_organisation ON registrations(event_id, organisation)
    WHERE member_organisation_id IS NULL;

-- How many registrations each event has per organisation (the member organisation, else the
-- name as typed; '' for none) and status, kept in the same transaction as the change.
CREATE TABLE registration_tallies (
    event_id               INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    member_organisation_id INTEGER NOT NULL,  -- 0: none, then `organisation` is as typed
    organisation           TEXT NOT NULL,
    status                 TEXT NOT NULL,
    n                      INTEGER NOT NULL CHECK (n >= 0),
    PRIMARY KEY (event_id, member_organisation_id, organisation, status)
) WITHOUT ROWID;

INSERT INTO registration_tallies (event_id, member_organisation_id, organisation, status, n)
SELECT event_id, coalesce(member_organisation_id, 0),
       CASE WHEN member_organisation_id IS NULL THEN coalesce(organisation, '') ELSE '' END, status, count(*)
FROM registrations GROUP BY 1, 2, 3, 4;

CREATE TRIGGER registration_tallies_insert AFTER INSERT ON registrations
BEGIN
    INSERT INTO registration_tallies (event_id, member_organisation_id, organisation, status, n)
    VALUES (NEW.event_id, coalesce(NEW.member_organisation_id, 0),
            CASE WHEN NEW.member_organisation_id IS NULL THEN coalesce(NEW.organisation, '') ELSE '' END, NEW.status, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER registration_tallies_update
AFTER UPDATE OF event_id, status, organisation, member_organisation_id ON registrations
BEGIN
    UPDATE registration_tallies SET n = n - 1
    WHERE event_id = OLD.event_id AND member_organisation_id = coalesce(OLD.member_organisation_id, 0)
      AND organisation = CASE WHEN OLD.member_organisation_id IS NULL THEN coalesce(OLD.organisation, '') ELSE '' END
      AND status = OLD.status;
    INSERT INTO registration_tallies (event_id, member_organisation_id, organisation, status, n)
    VALUES (NEW.event_id, coalesce(NEW.member_organisation_id, 0),
            CASE WHEN NEW.member_organisation_id IS NULL THEN coalesce(NEW.organisation, '') ELSE '' END, NEW.status, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER registration_tallies_delete AFTER DELETE ON registrations
BEGIN
    UPDATE registration_tallies SET n = n - 1
    WHERE event_id = OLD.event_id AND member_organisation_id = coalesce(OLD.member_organisation_id, 0)
      AND organisation = CASE WHEN OLD.member_organisation_id IS NULL THEN coalesce(OLD.organisation, '') ELSE '' END
      AND status = OLD.status;
END;

-- Words of each registration's name, e-mail and organisation as typed, case and accents
-- folded ("martinez" finds "Martínez"), and its event as one more word ("e27" in column
-- `event`): the list looks word prefixes up instead of reading every row, and counts the
-- matches of one event in the index alone.
CREATE VIEW registrations_search_source AS
SELECT id, 'e' || event_id AS event, name, email, organisation FROM registrations;

CREATE VIRTUAL TABLE registrations_search USING fts5(
    event, name, email, organisation,
    content = 'registrations_search_source', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3');
INSERT INTO registrations_search (registrations_search) VALUES ('rebuild');

CREATE TRIGGER registrations_search_insert AFTER INSERT ON registrations
BEGIN
    INSERT INTO registrations_search (rowid, event, name, email, organisation)
    VALUES (NEW.id, 'e' || NEW.event_id, NEW.name, NEW.email, NEW.organisation);
END;

CREATE TRIGGER registrations_search_update AFTER UPDATE OF event_id, name, email, organisation ON registrations
BEGIN
    INSERT INTO registrations_search (registrations_search, rowid, event, name, email, organisation)
    VALUES ('delete', OLD.id, 'e' || OLD.event_id, OLD.name, OLD.email, OLD.organisation);
    INSERT INTO registrations_search (rowid, event, name, email, organisation)
    VALUES (NEW.id, 'e' || NEW.event_id, NEW.name, NEW.email, NEW.organisation);
END;

CREATE TRIGGER registrations_search_delete AFTER DELETE ON registrations
BEGIN
    INSERT INTO registrations_search (registrations_search, rowid, event, name, email, organisation)
    VALUES ('delete', OLD.id, 'e' || OLD.event_id, OLD.name, OLD.email, OLD.organisation);
END;
