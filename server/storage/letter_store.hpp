// Visa invitation letters (docs/letters.md): the SQL, the rules, and the commands the
// single writer runs.
//
// A confirmed delegate asks for a letter (one active request per registration); an
// organiser approves it (it gets a letter number and an unguessable verification code),
// refuses it with a reason, or later revokes an approved one with a reason. Anyone holding
// the verification code learns only whether the letter is genuine, for whom, for which
// event, its number and whether it was revoked. Passport numbers are sealed (AES-256-GCM,
// auth/sealed.hpp) with the registration as associated data; the retention command erases
// them, and the birth dates, once the event has ended. Organiser actions are audited; no
// audit entry ever holds a passport number or a birth date.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/sealed.hpp"
#include "domain/event.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

enum class LetterStatus { requested, approved, refused, revoked };
std::string_view to_string(LetterStatus status);
std::optional<LetterStatus> parse_letter_status(std::string_view text);

// What the delegate sends, as received (check_letter_input validates and normalises it).
struct LetterInput {
    std::string passport_name;
    std::string nationality;      // ISO 3166-1 alpha-2, "IN"
    std::string passport_number;  // 5-20 of A-Z 0-9
    std::string birth_date;       // "1970-05-31"
    std::string arrival;          // "2014-10-06"
    std::string departure;        // "2014-10-11"
};

// Travel may start this many days before the event's first day and end this many after its
// last (in the event's zone).
inline constexpr int letter_travel_margin_days = 14;

// Trims the name, upper-cases nationality and passport number (spaces and dashes in the
// number are dropped), and checks every field. Throws domain::InvalidField naming the first
// bad field: passport_name, nationality, passport_number, birth_date, arrival, departure.
LetterInput check_letter_input(LetterInput input, const domain::Event& event, domain::Instant now);

struct Letter {
    domain::Id id = 0;
    domain::Id registration_id = 0;
    domain::Id event_id = 0;
    std::string delegate_name;  // the registration's name (organisers' lists)
    std::string passport_name;
    std::string nationality;
    std::optional<std::string> passport_last3;   // nullopt once purged
    std::optional<std::string> passport_number;  // only from load_letter_for_organiser
    std::optional<std::string> birth_date;       // nullopt once purged
    std::string arrival;
    std::string departure;
    LetterStatus status = LetterStatus::requested;
    std::optional<std::string> reason;
    std::optional<std::string> decided_by;
    std::optional<domain::Instant> decided_at;
    std::optional<std::string> letter_number;
    std::optional<std::string> verification_code;
    std::optional<domain::Instant> purged_at;
    domain::Instant requested_at{};
    domain::Instant updated_at{};
};

// ---- delegates -------------------------------------------------------------------------------

// The writer's command. Checks `input` with check_letter_input against the registration's
// event (InvalidField) before anything else is refused. Throws
// NotFound("registration_not_found"); Refusal("registration_cancelled",
// "registration_not_confirmed", "event_ended", "letter_exists").
Letter request_letter(Connection& conn, const auth::SealKey& key, const std::string& code, const LetterInput& input,
                      domain::Instant now);
// The registration's active request, or else its latest one. Throws
// NotFound("registration_not_found"); nullopt when it never asked.
std::optional<Letter> load_letter_of(Connection& conn, const std::string& code);

// ---- organisers --------------------------------------------------------------------------------

// Every request of the event, newest first, optionally of one status. Passport numbers are
// not decrypted here. Throws NotFound("event_not_found").
std::vector<Letter> list_letters(Connection& conn, domain::Id event_id, std::optional<LetterStatus> status);
// One request, without the passport number. Throws NotFound("letter_not_found").
Letter load_letter(Connection& conn, domain::Id event_id, domain::Id letter_id);
// One request with its passport number decrypted (nullopt once purged). Throws
// NotFound("letter_not_found"); std::runtime_error if the sealed value does not open (wrong
// key file, or the row was altered).
Letter load_letter_for_organiser(Connection& conn, const auth::SealKey& key, domain::Id event_id, domain::Id letter_id);

// Each throws NotFound("letter_not_found") for a letter not of the event, and Refusal
// ("letter_not_requested" / "letter_not_approved") when the letter is not in the state the
// action needs; refuse and revoke throw InvalidField("reason") without a reason (1-500
// characters). Approving also needs the registration still confirmed
// (Refusal "registration_not_confirmed").
Letter approve_letter(Connection& conn, domain::Id event_id, domain::Id letter_id, const AuditContext& audit,
                      domain::Instant now);
Letter refuse_letter(Connection& conn, domain::Id event_id, domain::Id letter_id, const std::string& reason,
                     const AuditContext& audit, domain::Instant now);
Letter revoke_letter(Connection& conn, domain::Id event_id, domain::Id letter_id, const std::string& reason,
                     const AuditContext& audit, domain::Instant now);

// ---- anyone holding the letter ---------------------------------------------------------------

struct LetterVerification {
    std::string letter_number;
    std::string passport_name;
    std::string event_title;
    std::string timezone;
    domain::Instant event_starts_at{};
    domain::Instant event_ends_at{};
    bool revoked = false;
    std::optional<domain::Instant> revoked_at;
};
// nullopt for a code that was never issued (or is not even shaped like one).
std::optional<LetterVerification> verify_letter(Connection& conn, const std::string& verification_code);

// For a registration being cancelled (inside its cancellation's command): its pending
// request is refused and its approved letter revoked, both with the reason "The
// registration was cancelled.", recorded as decided by "system" and audited so. An embassy
// checking the letter then sees it revoked.
void withdraw_letters_of(Connection& conn, domain::Id registration_id, domain::Instant now);

// ---- the letterhead ------------------------------------------------------------------------

// What the event's letters print at their head and under the signature. The handler checks
// the fields (organisation 1-200 characters; address up to 500, lines allowed; the others
// up to 200; contact_email an address or empty).
struct Letterhead {
    std::string organisation;
    std::string address;
    std::string signatory_name;
    std::string signatory_title;
    std::string contact_email;
    std::string website;
    bool customised = false;                 // false: the defaults, never set by an organiser
    std::optional<std::string> updated_by;   // who set it last
    std::optional<domain::Instant> updated_at;
};

// The event's letterhead, or its defaults: the event's title as the organisation, its
// venue's address, "Organising committee" as the signatory's title. Throws
// NotFound("event_not_found").
Letterhead load_letterhead(Connection& conn, domain::Id event_id);
// Replaces the event's letterhead; audited as "letterhead.update" with before and after.
Letterhead save_letterhead(Connection& conn, domain::Id event_id, const Letterhead& letterhead,
                           const AuditContext& audit, domain::Instant now);

// One approved letter with what its printed page needs. Throws NotFound("letter_not_found")
// for a letter not of the event (or a registration without one), Refusal
// ("letter_not_approved") unless it is approved (a revoked, refused or pending letter is not
// printed).
struct PrintableLetter {
    Letter letter;
    domain::Event event;
    Letterhead letterhead;
};
PrintableLetter load_printable_letter(Connection& conn, domain::Id event_id, domain::Id letter_id);
PrintableLetter load_printable_letter_of(Connection& conn, const std::string& registration_code);

// ---- retention -------------------------------------------------------------------------------

// Erases the passport numbers and birth dates of every letter request of an event that
// has ended; audited as one "letter.purge" entry. Returns how many requests were purged.
// Throws NotFound("event_not_found"), Refusal("event_not_ended").
int purge_letters(Connection& conn, domain::Id event_id, const AuditContext& audit, domain::Instant now);

// Key rotation: re-seals every stored passport number, opened with `old_key`, under
// `new_key`, in the caller's transaction; audited once as "letter.rekey" (entity: none;
// after: how many were re-sealed). Throws std::runtime_error naming the request when a
// number does not open with `old_key` (the caller rolls back: nothing changes).
int rekey_letters(Connection& conn, const auth::SealKey& old_key, const auth::SealKey& new_key,
                  const AuditContext& audit, domain::Instant now);

}  // namespace congress::storage
