-- 0011: the search index of 0010 leaves the registering path.
-- With 0010's triggers every registration also indexed its words, inside the writer's
-- per-command SAVEPOINT, where FTS5 writes a new segment of its index each time: registering
-- ran at a third of its former rate. Now a new registration costs the index nothing: the
-- writer indexes, in rounds, the registrations above a high-water mark when it has nothing
-- else to do, and before a search reads the index (storage/search_index.cpp). Only a change
-- to words already indexed (an edited name, a deleted registration) is noted by a trigger.

DROP TRIGGER registrations_search_insert;
DROP TRIGGER registrations_search_update;
DROP TRIGGER registrations_search_delete;

-- Registrations up to this id were indexed (one row). Those above it are not yet.
CREATE TABLE registrations_search_state (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    indexed_to INTEGER NOT NULL
);
-- 0010's triggers indexed every registration there is.
INSERT INTO registrations_search_state (one, indexed_to)
SELECT 1, coalesce(max(id), 0) FROM registrations;

-- Indexed registrations whose words changed: the words the index holds (as they were when
-- last indexed), to take out before the current ones go in. Only the first change since the
-- last indexing is noted: its old values are the indexed ones.
CREATE TABLE registrations_search_pending (
    id               INTEGER PRIMARY KEY,  -- registrations.id
    old_event        TEXT,
    old_name         TEXT,
    old_email        TEXT,
    old_organisation TEXT
);

CREATE TRIGGER registrations_search_update AFTER UPDATE OF event_id, name, email, organisation ON registrations
WHEN OLD.id <= (SELECT indexed_to FROM registrations_search_state)
 AND NOT EXISTS (SELECT 1 FROM registrations_search_pending WHERE id = OLD.id)
BEGIN
    INSERT INTO registrations_search_pending (id, old_event, old_name, old_email, old_organisation)
    VALUES (OLD.id, 'e' || OLD.event_id, OLD.name, OLD.email, OLD.organisation);
END;

CREATE TRIGGER registrations_search_delete AFTER DELETE ON registrations
WHEN OLD.id <= (SELECT indexed_to FROM registrations_search_state)
 AND NOT EXISTS (SELECT 1 FROM registrations_search_pending WHERE id = OLD.id)
BEGIN
    INSERT INTO registrations_search_pending (id, old_event, old_name, old_email, old_organisation)
    VALUES (OLD.id, 'e' || OLD.event_id, OLD.name, OLD.email, OLD.organisation);
END;
