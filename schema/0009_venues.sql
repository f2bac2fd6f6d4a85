-- 0009: venues and rooms as first-class (issue 7, docs/api.md "Venues and rooms").
--
-- Numbered 0009 while 0008 (visa letters) lives on another branch: the migration runner
-- applies every migration the database has not recorded, so a database made before 0008
-- is merged still gets 0008 later.
--
-- Per venue: a map link, and per language of the association (en, fr, es) notes on how
-- to get in, on accessibility, and practical information (transport, Wi-Fi, catering).
-- Per room: the floor and the equipment (a JSON array of short strings).

ALTER TABLE venues ADD COLUMN map_url TEXT
    CHECK (map_url IS NULL OR (length(map_url) <= 2000
                               AND (substr(map_url, 1, 7) = 'http://' OR substr(map_url, 1, 8) = 'https://')));

CREATE TABLE venue_notes (
    venue_id      INTEGER NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
    lang          TEXT NOT NULL CHECK (lang IN ('en', 'fr', 'es')),
    access        TEXT NOT NULL DEFAULT '' CHECK (length(access) <= 2000),
    accessibility TEXT NOT NULL DEFAULT '' CHECK (length(accessibility) <= 2000),
    transport     TEXT NOT NULL DEFAULT '' CHECK (length(transport) <= 2000),
    wifi          TEXT NOT NULL DEFAULT '' CHECK (length(wifi) <= 2000),
    catering      TEXT NOT NULL DEFAULT '' CHECK (length(catering) <= 2000),
    PRIMARY KEY (venue_id, lang)
) WITHOUT ROWID;

ALTER TABLE rooms ADD COLUMN floor TEXT NOT NULL DEFAULT '' CHECK (length(floor) <= 40);
ALTER TABLE rooms ADD COLUMN equipment TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(equipment) AND json_type(equipment) = 'array');
