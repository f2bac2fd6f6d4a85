#include "storage/letter_store.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "auth/base64.hpp"
#include "domain/accommodation.hpp"
#include "domain/registration.hpp"
#include "storage/event_repository.hpp"
#include "util/random.hpp"

namespace congress::storage {

namespace {

using domain::Id;
using domain::Instant;
using nlohmann::json;

// ---- SQL ---------------------------------------------------------------------------------

constexpr std::string_view select_registration = "SELECT id, event_id, status FROM registrations WHERE code = ?1";

constexpr std::string_view select_active_letter = R"sql(
SELECT id FROM letter_requests WHERE registration_id = ?1 AND status IN ('requested', 'approved')
)sql";

constexpr std::string_view insert_letter = R"sql(
INSERT INTO letter_requests (registration_id, event_id, passport_name, nationality, passport_sealed, passport_last3,
                             birth_date, arrival, departure, status, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'requested', ?10, ?10)
)sql";

#define LETTER_COLUMNS                                                                                         \
    "l.id, l.registration_id, l.event_id, r.name, l.passport_name, l.nationality, l.passport_last3, "          \
    "l.birth_date, l.arrival, l.departure, l.status, l.reason, l.decided_by, l.decided_at, l.letter_number, " \
    "l.verification_code, l.purged_at, l.created_at, l.updated_at, l.passport_sealed "

constexpr std::string_view select_letter =
    "SELECT " LETTER_COLUMNS "FROM letter_requests l JOIN registrations r ON r.id = l.registration_id WHERE l.id = ?1";

constexpr std::string_view select_latest_letter_of_registration =
    "SELECT " LETTER_COLUMNS
    "FROM letter_requests l JOIN registrations r ON r.id = l.registration_id WHERE l.registration_id = ?1 "
    "ORDER BY l.status IN ('requested', 'approved') DESC, l.id DESC LIMIT 1";

constexpr std::string_view select_event_letters =
    "SELECT " LETTER_COLUMNS
    "FROM letter_requests l JOIN registrations r ON r.id = l.registration_id WHERE l.event_id = ?1 "
    "AND (?2 IS NULL OR l.status = ?2) ORDER BY l.id DESC";

constexpr std::string_view select_registration_status = "SELECT status FROM registrations WHERE id = ?1";

// Numbers are never reused, even if a numbered row were ever deleted.
constexpr std::string_view select_next_sequence =
    "SELECT coalesce(max(letter_sequence), 0) + 1 FROM letter_requests WHERE event_id = ?1";

constexpr std::string_view approve_row = R"sql(
UPDATE letter_requests SET status = 'approved', letter_number = ?2, verification_code = ?3, decided_by = ?4,
       decided_at = ?5, updated_at = ?5, letter_sequence = ?6
WHERE id = ?1 AND status = 'requested'
)sql";

constexpr std::string_view decide_row = R"sql(
UPDATE letter_requests SET status = ?2, reason = ?3, decided_by = ?4, decided_at = ?5, updated_at = ?5
WHERE id = ?1 AND status = ?6
)sql";

constexpr std::string_view select_verification = R"sql(
SELECT l.letter_number, l.passport_name, e.title, e.timezone, e.starts_at, e.ends_at, l.status, l.decided_at
FROM letter_requests l JOIN events e ON e.id = l.event_id
WHERE l.verification_code = ?1 AND l.status IN ('approved', 'revoked')
)sql";

constexpr std::string_view purge_rows = R"sql(
UPDATE letter_requests SET passport_sealed = NULL, passport_last3 = NULL, birth_date = NULL, purged_at = ?2,
       updated_at = ?2
WHERE event_id = ?1 AND purged_at IS NULL
)sql";

constexpr std::string_view select_letterhead = R"sql(
SELECT organisation, address, signatory_name, signatory_title, contact_email, website, updated_by, updated_at
FROM event_letterheads WHERE event_id = ?1
)sql";

constexpr std::string_view upsert_letterhead = R"sql(
INSERT INTO event_letterheads (event_id, organisation, address, signatory_name, signatory_title, contact_email, website,
                               updated_by, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (event_id) DO UPDATE SET organisation = excluded.organisation, address = excluded.address,
       signatory_name = excluded.signatory_name, signatory_title = excluded.signatory_title,
       contact_email = excluded.contact_email, website = excluded.website, updated_by = excluded.updated_by,
       updated_at = excluded.updated_at
)sql";

constexpr std::string_view select_sealed =
    "SELECT id, registration_id, passport_sealed FROM letter_requests WHERE passport_sealed IS NOT NULL ORDER BY id";

constexpr std::string_view update_sealed = "UPDATE letter_requests SET passport_sealed = ?2 WHERE id = ?1";

#undef LETTER_COLUMNS

// ---- helpers -----------------------------------------------------------------------------

std::optional<Instant> optional_instant(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    const auto parsed = domain::parse_utc(*text);
    if (!parsed) throw SqliteError(0, "a stored time is not readable: " + *text);
    return parsed;
}

Instant instant_at(const Statement& row, int column) { return *optional_instant(row.text(column)); }

LetterStatus status_at(const Statement& row, int column) {
    const auto text = row.text(column);
    const auto status = parse_letter_status(text);
    if (!status) throw SqliteError(0, "unknown letter status " + text);
    return *status;
}

Letter letter_at(const Statement& row) {
    Letter l;
    l.id = row.int64(0);
    l.registration_id = row.int64(1);
    l.event_id = row.int64(2);
    l.delegate_name = row.text(3);
    l.passport_name = row.text(4);
    l.nationality = row.text(5);
    l.passport_last3 = row.optional_text(6);
    l.birth_date = row.optional_text(7);
    l.arrival = row.text(8);
    l.departure = row.text(9);
    l.status = status_at(row, 10);
    l.reason = row.optional_text(11);
    l.decided_by = row.optional_text(12);
    l.decided_at = optional_instant(row.optional_text(13));
    l.letter_number = row.optional_text(14);
    l.verification_code = row.optional_text(15);
    l.purged_at = optional_instant(row.optional_text(16));
    l.requested_at = instant_at(row, 17);
    l.updated_at = instant_at(row, 18);
    return l;
}

std::string associated_data(Id registration_id) { return "registration:" + std::to_string(registration_id); }

struct RegistrationKey {
    Id id = 0;
    Id event_id = 0;
    std::string status;
};

RegistrationKey require_registration(Connection& conn, const std::string& code) {
    if (util::looks_like_code(code)) {
        auto row = conn.cached(select_registration);
        row.bind(1, code);
        if (row.step()) return RegistrationKey{row.int64(0), row.int64(1), row.text(2)};
    }
    throw domain::NotFound("registration_not_found", "There is no registration with this code.");
}

std::optional<Letter> find_letter(Connection& conn, Id letter_id) {
    auto row = conn.cached(select_letter);
    row.bind(1, letter_id);
    if (!row.step()) return std::nullopt;
    return letter_at(row);
}

Letter require_letter(Connection& conn, Id event_id, Id letter_id) {
    auto letter = find_letter(conn, letter_id);
    if (!letter || letter->event_id != event_id)
        throw domain::NotFound("letter_not_found", "There is no letter request " + std::to_string(letter_id) +
                                                       " for this event.");
    return std::move(*letter);
}

// What the audit log keeps of a letter: never the passport number or the birth date.
json audit_json(const Letter& l) {
    return {{"registration_id", l.registration_id},
            {"passport_name", l.passport_name},
            {"nationality", l.nationality},
            {"arrival", l.arrival},
            {"departure", l.departure},
            {"status", std::string(to_string(l.status))},
            {"reason", l.reason ? json(*l.reason) : json(nullptr)},
            {"letter_number", l.letter_number ? json(*l.letter_number) : json(nullptr)}};
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return std::string(text);
}

// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted, and XK (Kosovo: user-assigned,
// but printed in Kosovo's passports and accepted by embassies).
constexpr std::array<std::string_view, 250> country_codes = {
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD",
    "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA",
    "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE",
    "DJ", "DK", "DM", "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA",
    "GB", "GD", "GE", "GF", "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK",
    "HM", "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP",
    "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT",
    "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS",
    "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA", "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ",
    "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS",
    "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST",
    "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW",
    "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI", "VN", "VU", "WF", "WS", "YE", "YT", "ZA",
    "ZM", "ZW",
    "XK"};

bool is_country_code(std::string_view code) {
    if (code == "XK") return true;
    return std::binary_search(country_codes.begin(), country_codes.end() - 1, code);
}

std::string check_reason(const std::string& reason) {
    auto trimmed = trim(reason);
    if (trimmed.empty() || trimmed.size() > 500)
        throw domain::InvalidField("reason", "Give a reason (up to 500 characters): the delegate is shown it.");
    return trimmed;
}

// "MET" from "metropolis-2014", "HYD" from "hyderabad": the slug's first three letters or digits.
std::string letter_prefix(const domain::Event& event) {
    std::string prefix;
    for (const char c : event.slug) {
        if (std::isalnum(static_cast<unsigned char>(c))) prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (prefix.size() == 3) break;
    }
    return prefix.empty() ? "EVT" : prefix;
}

Letter decide(Connection& conn, Id event_id, Id letter_id, LetterStatus from, LetterStatus to,
              const std::string& reason, const AuditContext& context, const char* action, Instant now) {
    const auto before = require_letter(conn, event_id, letter_id);
    if (before.status != from) {
        if (from == LetterStatus::requested)
            throw domain::Refusal("letter_not_requested",
                                  "This letter request has already been decided (it is " + std::string(to_string(before.status)) + ").");
        throw domain::Refusal("letter_not_approved", "Only an approved letter can be revoked (this one is " +
                                                         std::string(to_string(before.status)) + ").");
    }
    const auto why = check_reason(reason);
    conn.cached(decide_row)
        .bind(1, letter_id)
        .bind(2, to_string(to))
        .bind(3, why)
        .bind(4, context.actor.label)
        .bind(5, domain::format_utc(now))
        .bind(6, to_string(from))
        .run();
    auto after = require_letter(conn, event_id, letter_id);
    append_audit_change(conn, context, action, "letter", letter_id, event_id, audit_json(before), audit_json(after),
                        now);
    return after;
}

}  // namespace

std::string_view to_string(LetterStatus status) {
    switch (status) {
        case LetterStatus::requested: return "requested";
        case LetterStatus::approved: return "approved";
        case LetterStatus::refused: return "refused";
        case LetterStatus::revoked: return "revoked";
    }
    return "requested";
}

std::optional<LetterStatus> parse_letter_status(std::string_view text) {
    if (text == "requested") return LetterStatus::requested;
    if (text == "approved") return LetterStatus::approved;
    if (text == "refused") return LetterStatus::refused;
    if (text == "revoked") return LetterStatus::revoked;
    return std::nullopt;
}

LetterInput check_letter_input(LetterInput input, const domain::Event& event, Instant now) {
    input.passport_name = trim(input.passport_name);
    if (input.passport_name.empty() || input.passport_name.size() > 200)
        throw domain::InvalidField("passport_name", "Give your name exactly as in your passport (up to 200 characters).");
    for (const char c : input.passport_name)
        if (static_cast<unsigned char>(c) < 0x20)
            throw domain::InvalidField("passport_name", "The name may not contain control characters.");

    std::string nationality;
    for (const char c : input.nationality) nationality += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!is_country_code(nationality))
        throw domain::InvalidField("nationality", "Give your nationality as a two-letter ISO 3166 country code, e.g. \"IN\".");
    input.nationality = nationality;

    std::string number;
    for (const char c : input.passport_number) {
        if (c == ' ' || c == '-') continue;
        const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (!((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')))
            throw domain::InvalidField("passport_number", "A passport number is 5 to 20 letters (A-Z) and digits.");
        number += u;
    }
    if (number.size() < 5 || number.size() > 20)
        throw domain::InvalidField("passport_number", "A passport number is 5 to 20 letters (A-Z) and digits.");
    input.passport_number = number;

    const auto today = date::floor<date::days>(domain::to_local(now, event.timezone));
    const auto birth = domain::parse_night(input.birth_date);
    if (!birth || *birth >= today || *birth < date::local_days{date::year{1900} / 1 / 1} ||
        *birth < today - date::days{130 * 366})
        throw domain::InvalidField("birth_date", "Give your date of birth as YYYY-MM-DD, a date in the past.");

    const auto first_day = date::floor<date::days>(domain::to_local(event.starts_at, event.timezone));
    const auto last_day = date::floor<date::days>(domain::to_local(event.ends_at, event.timezone));
    const auto arrival = domain::parse_night(input.arrival);
    const auto departure = domain::parse_night(input.departure);
    const auto earliest = first_day - date::days{letter_travel_margin_days};
    const auto latest = last_day + date::days{letter_travel_margin_days};
    const auto span = "between " + domain::format_night(earliest) + " and " + domain::format_night(latest) +
                      ", and overlap the event (" + domain::format_night(first_day) + " to " +
                      domain::format_night(last_day) + ")";
    if (!arrival || *arrival < earliest || *arrival > last_day)
        throw domain::InvalidField("arrival", "Give your arrival as YYYY-MM-DD; travel dates must be " + span + ".");
    if (!departure || *departure > latest || *departure < first_day || *departure < *arrival)
        throw domain::InvalidField("departure",
                                   "Give your departure as YYYY-MM-DD, not before your arrival; travel dates must be " + span + ".");
    return input;
}

Letter request_letter(Connection& conn, const auth::SealKey& key, const std::string& code, const LetterInput& raw,
                      Instant now) {
    const auto registration = require_registration(conn, code);
    const auto event = require_event(conn, registration.event_id);
    const auto input = check_letter_input(raw, event, now);
    if (registration.status == "cancelled")
        throw domain::Refusal("registration_cancelled", "This registration is cancelled.");
    if (registration.status != "confirmed")
        throw domain::Refusal("registration_not_confirmed",
                              "Only a confirmed registration can ask for an invitation letter; you are still on the waiting list.");
    if (event.ends_at <= now) throw domain::Refusal("event_ended", "The event is over: no more invitation letters.");
    {
        auto active = conn.cached(select_active_letter);
        active.bind(1, registration.id);
        if (active.step())
            throw domain::Refusal("letter_exists",
                                  "You already have an invitation letter, or a request waiting for an organiser.");
    }
    const auto sealed = auth::base64_encode(auth::seal(key, input.passport_number, associated_data(registration.id)),
                                            auth::Base64Alphabet::standard);
    conn.cached(insert_letter)
        .bind(1, registration.id)
        .bind(2, registration.event_id)
        .bind(3, input.passport_name)
        .bind(4, input.nationality)
        .bind(5, sealed)
        .bind(6, input.passport_number.substr(input.passport_number.size() - 3))
        .bind(7, input.birth_date)
        .bind(8, input.arrival)
        .bind(9, input.departure)
        .bind(10, domain::format_utc(now))
        .run();
    return *find_letter(conn, conn.last_insert_rowid());
}

std::optional<Letter> load_letter_of(Connection& conn, const std::string& code) {
    const auto registration = require_registration(conn, code);
    auto row = conn.cached(select_latest_letter_of_registration);
    row.bind(1, registration.id);
    if (!row.step()) return std::nullopt;
    return letter_at(row);
}

std::vector<Letter> list_letters(Connection& conn, Id event_id, std::optional<LetterStatus> status) {
    require_event(conn, event_id);
    auto rows = conn.cached(select_event_letters);
    rows.bind(1, event_id);
    if (status) rows.bind(2, to_string(*status));
    else rows.bind_null(2);
    std::vector<Letter> out;
    while (rows.step()) out.push_back(letter_at(rows));
    return out;
}

Letter load_letter(Connection& conn, Id event_id, Id letter_id) { return require_letter(conn, event_id, letter_id); }

Letter load_letter_for_organiser(Connection& conn, const auth::SealKey& key, Id event_id, Id letter_id) {
    auto letter = require_letter(conn, event_id, letter_id);
    std::optional<std::string> sealed;
    {
        auto row = conn.cached(select_letter);
        row.bind(1, letter_id);
        row.step();
        sealed = row.optional_text(19);
    }
    if (sealed) {
        const auto bytes = auth::base64_decode(*sealed, auth::Base64Alphabet::standard);
        auto plain = bytes ? auth::open_sealed(key, *bytes, associated_data(letter.registration_id)) : std::nullopt;
        if (!plain)
            throw std::runtime_error("the passport number of letter request " + std::to_string(letter_id) +
                                     " does not open: wrong letters key file, or the row was altered");
        letter.passport_number = std::move(*plain);
    }
    return letter;
}

Letter approve_letter(Connection& conn, Id event_id, Id letter_id, const AuditContext& context, Instant now) {
    const auto before = require_letter(conn, event_id, letter_id);
    if (before.status != LetterStatus::requested)
        throw domain::Refusal("letter_not_requested", "This letter request has already been decided (it is " +
                                                          std::string(to_string(before.status)) + ").");
    {
        auto row = conn.cached(select_registration_status);
        row.bind(1, before.registration_id);
        if (!row.step() || row.text(0) != "confirmed")
            throw domain::Refusal("registration_not_confirmed", "The delegate's registration is no longer confirmed.");
    }
    const auto event = require_event(conn, event_id);
    std::int64_t sequence = 0;
    {
        auto row = conn.cached(select_next_sequence);
        row.bind(1, event_id);
        row.step();
        sequence = row.int64(0);
    }
    const auto year = static_cast<int>(date::year_month_day{date::floor<date::days>(event.starts_at)}.year());
    std::string serial = std::to_string(sequence);
    if (serial.size() < 6) serial.insert(0, 6 - serial.size(), '0');
    const auto number = letter_prefix(event) + "-" + std::to_string(year) + "-" + serial;
    conn.cached(approve_row)
        .bind(1, letter_id)
        .bind(2, number)
        .bind(3, util::random_code())
        .bind(4, context.actor.label)
        .bind(5, domain::format_utc(now))
        .bind(6, sequence)
        .run();
    auto after = require_letter(conn, event_id, letter_id);
    append_audit_change(conn, context, "letter.approve", "letter", letter_id, event_id, audit_json(before),
                        audit_json(after), now);
    return after;
}

Letter refuse_letter(Connection& conn, Id event_id, Id letter_id, const std::string& reason,
                     const AuditContext& context, Instant now) {
    return decide(conn, event_id, letter_id, LetterStatus::requested, LetterStatus::refused, reason, context,
                  "letter.refuse", now);
}

Letter revoke_letter(Connection& conn, Id event_id, Id letter_id, const std::string& reason,
                     const AuditContext& context, Instant now) {
    return decide(conn, event_id, letter_id, LetterStatus::approved, LetterStatus::revoked, reason, context,
                  "letter.revoke", now);
}

std::optional<LetterVerification> verify_letter(Connection& conn, const std::string& verification_code) {
    if (!util::looks_like_code(verification_code)) return std::nullopt;
    auto row = conn.cached(select_verification);
    row.bind(1, verification_code);
    if (!row.step()) return std::nullopt;
    LetterVerification v;
    v.letter_number = row.text(0);
    v.passport_name = row.text(1);
    v.event_title = row.text(2);
    v.timezone = row.text(3);
    v.event_starts_at = instant_at(row, 4);
    v.event_ends_at = instant_at(row, 5);
    v.revoked = row.text(6) == "revoked";
    if (v.revoked) v.revoked_at = optional_instant(row.optional_text(7));
    return v;
}

void withdraw_letters_of(Connection& conn, Id registration_id, Instant now) {
    std::optional<Letter> active;
    {
        auto row = conn.cached(select_latest_letter_of_registration);
        row.bind(1, registration_id);
        if (row.step()) active = letter_at(row);
    }
    if (!active || (active->status != LetterStatus::requested && active->status != LetterStatus::approved)) return;
    const AuditContext system{AuditActor{std::nullopt, "system"}, std::nullopt, std::nullopt};
    const std::string reason = "The registration was cancelled.";
    if (active->status == LetterStatus::requested)
        refuse_letter(conn, active->event_id, active->id, reason, system, now);
    else
        revoke_letter(conn, active->event_id, active->id, reason, system, now);
}

Letterhead load_letterhead(Connection& conn, Id event_id) {
    const auto event = require_event(conn, event_id);
    auto row = conn.cached(select_letterhead);
    row.bind(1, event_id);
    Letterhead out;
    if (row.step()) {
        out.organisation = row.text(0);
        out.address = row.text(1);
        out.signatory_name = row.text(2);
        out.signatory_title = row.text(3);
        out.contact_email = row.text(4);
        out.website = row.text(5);
        out.updated_by = row.text(6);
        out.updated_at = instant_at(row, 7);
        out.customised = true;
        return out;
    }
    out.organisation = event.title;
    if (event.venue) {
        std::string address = event.venue->name;
        for (const auto* part : {&event.venue->address, &event.venue->city, &event.venue->country})
            if (!part->empty()) address += "\n" + *part;
        out.address = address;
    }
    out.signatory_title = "Organising committee";
    return out;
}

namespace {

json letterhead_audit_json(const Letterhead& l) {
    if (!l.customised) return nullptr;
    return {{"organisation", l.organisation},     {"address", l.address},
            {"signatory_name", l.signatory_name}, {"signatory_title", l.signatory_title},
            {"contact_email", l.contact_email},   {"website", l.website}};
}

}  // namespace

Letterhead save_letterhead(Connection& conn, Id event_id, const Letterhead& letterhead, const AuditContext& context,
                           Instant now) {
    const auto before = load_letterhead(conn, event_id);
    conn.cached(upsert_letterhead)
        .bind(1, event_id)
        .bind(2, letterhead.organisation)
        .bind(3, letterhead.address)
        .bind(4, letterhead.signatory_name)
        .bind(5, letterhead.signatory_title)
        .bind(6, letterhead.contact_email)
        .bind(7, letterhead.website)
        .bind(8, context.actor.label)
        .bind(9, domain::format_utc(now))
        .run();
    auto after = load_letterhead(conn, event_id);
    append_audit_change(conn, context, "letterhead.update", "event", event_id, event_id, letterhead_audit_json(before),
          letterhead_audit_json(after), now);
    return after;
}

namespace {

PrintableLetter printable(Connection& conn, Letter letter) {
    if (letter.status != LetterStatus::approved)
        throw domain::Refusal("letter_not_approved", "Only an approved letter can be printed (this one is " +
                                                         std::string(to_string(letter.status)) + ").");
    auto event = require_event(conn, letter.event_id);
    auto head = load_letterhead(conn, letter.event_id);
    return PrintableLetter{std::move(letter), std::move(event), std::move(head)};
}

}  // namespace

PrintableLetter load_printable_letter(Connection& conn, Id event_id, Id letter_id) {
    return printable(conn, require_letter(conn, event_id, letter_id));
}

PrintableLetter load_printable_letter_of(Connection& conn, const std::string& registration_code) {
    auto letter = load_letter_of(conn, registration_code);
    if (!letter) throw domain::NotFound("letter_not_found", "This registration has no invitation letter.");
    return printable(conn, std::move(*letter));
}

int rekey_letters(Connection& conn, const auth::SealKey& old_key, const auth::SealKey& new_key,
                  const AuditContext& context, Instant now) {
    struct Row {
        Id id;
        std::string sealed;
    };
    std::vector<Row> resealed;
    {
        auto rows = conn.cached(select_sealed);
        while (rows.step()) {
            const auto id = rows.int64(0);
            const auto ad = associated_data(rows.int64(1));
            const auto bytes = auth::base64_decode(rows.text(2), auth::Base64Alphabet::standard);
            const auto plain = bytes ? auth::open_sealed(old_key, *bytes, ad) : std::nullopt;
            if (!plain)
                throw std::runtime_error("the passport number of letter request " + std::to_string(id) +
                                         " does not open with the old key: nothing was changed");
            resealed.push_back(Row{id, auth::base64_encode(auth::seal(new_key, *plain, ad), auth::Base64Alphabet::standard)});
        }
    }
    for (const auto& row : resealed) conn.cached(update_sealed).bind(1, row.id).bind(2, row.sealed).run();
    const int count = static_cast<int>(resealed.size());
    append_audit(conn, audit_entry(context, "letter.rekey", "letter", std::nullopt, std::nullopt, std::nullopt,
                                   json{{"resealed", count}}.dump(), now));
    return count;
}

int purge_letters(Connection& conn, Id event_id, const AuditContext& context, Instant now) {
    const auto event = require_event(conn, event_id);
    if (event.ends_at > now)
        throw domain::Refusal("event_not_ended", "The event has not ended yet (it ends " +
                                                     domain::format_in_zone(event.ends_at, event.timezone) +
                                                     "): passport numbers are kept until then.");
    conn.cached(purge_rows).bind(1, event_id).bind(2, domain::format_utc(now)).run();
    const int purged = conn.changes();
    append_audit_change(conn, context, "letter.purge", "event", event_id, event_id, nullptr,
          json{{"purged", purged}, {"erased", json::array({"passport_number", "birth_date"})}}, now);
    return purged;
}

}  // namespace congress::storage
