-- 0007: official hotels, their room blocks, and delegates' accommodation (docs/hotels.md).
--
-- A room block is what a hotel holds for the event: one hotel, one night (a date in the
-- event's zone: the night that starts that evening) and one room type. The single writer
-- allots rooms first come, first served; the counters below are kept by triggers in the
-- same transaction, and CHECK (allotted <= held) repeats the invariant underneath, as
-- seat_counters do for seats.

CREATE TABLE hotels (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address    TEXT NOT NULL DEFAULT '',
    map_url    TEXT,
    distance   TEXT,   -- "800 m from the venue, 10 minutes on foot"
    notes      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX hotels_by_event ON hotels(event_id, id);

CREATE TABLE room_blocks (
    id         INTEGER PRIMARY KEY,
    hotel_id   INTEGER NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
    night      TEXT NOT NULL CHECK (night GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    room_type  TEXT NOT NULL CHECK (length(room_type) BETWEEN 1 AND 40),  -- a key: "single", "double", "twin"
    room_label TEXT NOT NULL CHECK (length(room_label) BETWEEN 1 AND 100),
    held       INTEGER NOT NULL CHECK (held >= 0),
    rate_minor INTEGER NOT NULL CHECK (rate_minor >= 0),  -- per room and night, in minor units (paise, cents)
    currency   TEXT NOT NULL CHECK (length(currency) = 3 AND currency GLOB '[A-Z][A-Z][A-Z]'),
    release_at TEXT,  -- UTC; from then on no new allotments, and unallotted rooms are the hotel's again
    allotted   INTEGER NOT NULL DEFAULT 0 CHECK (allotted >= 0),
    waitlisted INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted >= 0),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (allotted <= held),
    UNIQUE (hotel_id, night, room_type)
);

-- A delegate's request: one hotel, one room type, contiguous nights. Its id is its place in
-- the queue (first come, first served). At most one active request per registration.
CREATE TABLE accommodation_requests (
    id              INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    hotel_id        INTEGER NOT NULL REFERENCES hotels(id) ON DELETE CASCADE,
    room_type       TEXT NOT NULL,
    first_night     TEXT NOT NULL,
    last_night      TEXT NOT NULL,
    sharing_with    TEXT,
    status          TEXT NOT NULL CHECK (status IN ('allotted', 'waitlisted', 'cancelled')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK (first_night <= last_night)
);
CREATE UNIQUE INDEX accommodation_active ON accommodation_requests(registration_id)
    WHERE status <> 'cancelled';
CREATE INDEX accommodation_by_hotel ON accommodation_requests(hotel_id, status, id);

-- One row per night of a request, in the block of that night; its status is the request's.
CREATE TABLE accommodation_nights (
    request_id INTEGER NOT NULL REFERENCES accommodation_requests(id) ON DELETE CASCADE,
    block_id   INTEGER NOT NULL REFERENCES room_blocks(id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('allotted', 'waitlisted', 'cancelled')),
    PRIMARY KEY (request_id, block_id)
) WITHOUT ROWID;
CREATE INDEX accommodation_nights_by_block ON accommodation_nights(block_id, status, request_id);

CREATE TRIGGER room_blocks_night_insert AFTER INSERT ON accommodation_nights
BEGIN
    UPDATE room_blocks
       SET allotted = allotted + (NEW.status = 'allotted'),
           waitlisted = waitlisted + (NEW.status = 'waitlisted')
     WHERE id = NEW.block_id;
END;

CREATE TRIGGER room_blocks_night_update AFTER UPDATE OF status ON accommodation_nights
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE room_blocks
       SET allotted = allotted + (NEW.status = 'allotted') - (OLD.status = 'allotted'),
           waitlisted = waitlisted + (NEW.status = 'waitlisted') - (OLD.status = 'waitlisted')
     WHERE id = NEW.block_id;
END;

CREATE TRIGGER room_blocks_night_delete AFTER DELETE ON accommodation_nights
BEGIN
    UPDATE room_blocks
       SET allotted = allotted - (OLD.status = 'allotted'),
           waitlisted = waitlisted - (OLD.status = 'waitlisted')
     WHERE id = OLD.block_id;
END;
