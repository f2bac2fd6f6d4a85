-- 0008: visa invitation letters (docs/letters.md).
--
-- One active request per registration (requested or approved); a refused or revoked one
-- stays as history and a new request may follow. The passport number is never stored in
-- the clear: passport_sealed is AES-256-GCM (nonce || ciphertext || tag, base64) under the
-- key of --letters-key-file, with "registration:<id>" as associated data, so a sealed value
-- copied to another row does not open. passport_last3 is what the delegate is shown back.
-- The retention command (congress letters purge) sets passport_sealed, passport_last3 and
-- birth_date to NULL once the event has ended, and stamps purged_at.

CREATE TABLE letter_requests (
    id                INTEGER PRIMARY KEY,
    registration_id   INTEGER NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    event_id          INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    passport_name     TEXT NOT NULL CHECK (length(passport_name) BETWEEN 1 AND 200),
    nationality       TEXT NOT NULL CHECK (length(nationality) = 2 AND nationality GLOB '[A-Z][A-Z]'),
    passport_sealed   TEXT,
    passport_last3    TEXT,
    birth_date        TEXT CHECK (birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    arrival           TEXT NOT NULL CHECK (arrival GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    departure         TEXT NOT NULL CHECK (departure GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    status            TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'refused', 'revoked')),
    reason            TEXT,   -- why it was refused or revoked
    decided_by        TEXT,   -- the staff member's e-mail (audit label) who approved/refused/revoked last
    decided_at        TEXT,
    letter_sequence   INTEGER CHECK (letter_sequence > 0),  -- 123: the event's 123rd letter, on approval
    letter_number     TEXT,   -- "MET-2014-000123", on approval
    verification_code TEXT,   -- >= 96 random bits, on approval
    purged_at         TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (arrival <= departure),
    CHECK ((status IN ('approved', 'revoked')) = (letter_number IS NOT NULL)),
    CHECK ((letter_number IS NULL) = (verification_code IS NULL)),
    CHECK ((letter_number IS NULL) = (letter_sequence IS NULL)),
    CHECK (status NOT IN ('refused', 'revoked') OR reason IS NOT NULL),
    CHECK (purged_at IS NOT NULL OR passport_sealed IS NOT NULL)
);
CREATE UNIQUE INDEX letter_requests_active ON letter_requests(registration_id)
    WHERE status IN ('requested', 'approved');
CREATE UNIQUE INDEX letter_requests_number ON letter_requests(event_id, letter_number)
    WHERE letter_number IS NOT NULL;
CREATE UNIQUE INDEX letter_requests_sequence ON letter_requests(event_id, letter_sequence)
    WHERE letter_sequence IS NOT NULL;
CREATE UNIQUE INDEX letter_requests_verification ON letter_requests(verification_code)
    WHERE verification_code IS NOT NULL;
CREATE INDEX letter_requests_by_event ON letter_requests(event_id, status, id);

-- The letterhead printed on the event's letters, set by its organisers (audited as
-- letterhead.update). Without a row the letter uses defaults (the event's title as the
-- organisation, "Organising committee" as the signatory's title).
CREATE TABLE event_letterheads (
    event_id        INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    organisation    TEXT NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
    address         TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    signatory_name  TEXT NOT NULL DEFAULT '' CHECK (length(signatory_name) <= 200),
    signatory_title TEXT NOT NULL DEFAULT '' CHECK (length(signatory_title) <= 200),
    contact_email   TEXT NOT NULL DEFAULT '' CHECK (length(contact_email) <= 254),
    website         TEXT NOT NULL DEFAULT '' CHECK (length(website) <= 200),
    updated_by      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
