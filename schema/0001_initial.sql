-- 0001: the core data model.
-- Instants are TEXT in UTC, 'YYYY-MM-DDTHH:MM:SSZ' (sortable, readable in the sqlite3 shell);
-- every event carries the IANA time zone it is shown in.
-- Rows marked is_demo = 1 are invented demo details (not from the association's report).

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    key         TEXT UNIQUE,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    city        TEXT,
    country     TEXT,
    is_member   INTEGER NOT NULL DEFAULT 0 CHECK (is_member IN (0, 1)),
    is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
);

-- One row per organisation and year whose membership dues are paid.
CREATE TABLE organisation_dues (
    organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    year            INTEGER NOT NULL CHECK (year BETWEEN 1900 AND 2200),
    paid_at         TEXT,
    PRIMARY KEY (organisation_id, year)
) WITHOUT ROWID;

CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    key             TEXT UNIQUE,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    email           TEXT,
    organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    role            TEXT,
    is_demo         INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
);

CREATE TABLE venues (
    id       INTEGER PRIMARY KEY,
    key      TEXT UNIQUE,
    name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    address  TEXT,
    city     TEXT,
    country  TEXT,
    timezone TEXT NOT NULL,
    is_demo  INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
);

CREATE TABLE rooms (
    id       INTEGER PRIMARY KEY,
    key      TEXT UNIQUE,
    venue_id INTEGER NOT NULL REFERENCES venues(id) ON DELETE CASCADE,
    name     TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    is_demo  INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1))
);
CREATE INDEX rooms_by_venue ON rooms(venue_id);

CREATE TABLE events (
    id                     INTEGER PRIMARY KEY,
    slug                   TEXT NOT NULL UNIQUE CHECK (length(slug) BETWEEN 1 AND 100),
    title                  TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    title_fr               TEXT,
    kind                   TEXT NOT NULL
                           CHECK (kind IN ('congress', 'colloquium', 'workshop', 'assembly', 'meeting')),
    description            TEXT NOT NULL DEFAULT '',
    timezone               TEXT NOT NULL,
    venue_id               INTEGER REFERENCES venues(id) ON DELETE SET NULL,
    starts_at              TEXT NOT NULL,
    ends_at                TEXT NOT NULL,
    capacity               INTEGER NOT NULL CHECK (capacity >= 0),
    registration_opens_at  TEXT,
    registration_closes_at TEXT,
    waitlist_enabled       INTEGER NOT NULL DEFAULT 1 CHECK (waitlist_enabled IN (0, 1)),
    -- JSON, e.g. {"dues_paid_years":[2013,2014]}; NULL admits everyone.
    eligibility            TEXT CHECK (eligibility IS NULL OR json_valid(eligibility)),
    schedule_version       INTEGER NOT NULL DEFAULT 1 CHECK (schedule_version >= 1),
    is_demo                INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    CHECK (ends_at > starts_at),
    CHECK (registration_opens_at IS NULL OR registration_closes_at IS NULL
           OR registration_closes_at > registration_opens_at)
);
CREATE INDEX events_by_start ON events(starts_at);

CREATE TABLE tracks (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    key         TEXT,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, key)
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    track_id    INTEGER REFERENCES tracks(id) ON DELETE SET NULL,
    room_id     INTEGER REFERENCES rooms(id) ON DELETE SET NULL,
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
    description TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL DEFAULT 'parallel'
                CHECK (kind IN ('plenary', 'parallel', 'workshop', 'ceremony', 'meeting', 'break')),
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    capacity    INTEGER NOT NULL CHECK (capacity >= 0),
    status      TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    CHECK (ends_at > starts_at)
);
CREATE INDEX sessions_by_event ON sessions(event_id, starts_at);

CREATE TABLE session_speakers (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, person_id)
) WITHOUT ROWID;

-- Event-level registrations. Used from the registration issue on; the seat invariant
-- (confirmed <= capacity) is enforced by triggers there.
CREATE TABLE registrations (
    id                     INTEGER PRIMARY KEY,
    event_id               INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    code                   TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    email                  TEXT NOT NULL,
    organisation           TEXT,
    member_organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
    language               TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    -- Order on the waiting list: commit order, never reused.
    waitlist_seq           INTEGER,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
CREATE INDEX registrations_by_event ON registrations(event_id, status);
CREATE UNIQUE INDEX registrations_one_active_per_email
    ON registrations(event_id, lower(email)) WHERE status <> 'cancelled';

CREATE TABLE session_enrolments (
    id              INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    session_id      INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled')),
    waitlist_seq    INTEGER,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX session_enrolments_by_session ON session_enrolments(session_id, status);
CREATE UNIQUE INDEX session_enrolments_one_active
    ON session_enrolments(registration_id, session_id) WHERE status <> 'cancelled';

-- Every change to an event's programme bumps events.schedule_version and is recorded here,
-- so that a client that saw version N can be told what changed since.
CREATE TABLE schedule_changes (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    session_id INTEGER REFERENCES sessions(id) ON DELETE SET NULL,
    change     TEXT NOT NULL CHECK (json_valid(change)),
    created_at TEXT NOT NULL,
    UNIQUE (event_id, version)
);
