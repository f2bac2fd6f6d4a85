#include "storage/checkin_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>

#include "auth/base64.hpp"

namespace congress::storage {

namespace {

using domain::Id;
using domain::RegistrationStatus;

domain::Instant parse_instant(const std::string& text) {
    const auto parsed = domain::parse_utc(text);
    if (!parsed) throw SqliteError(0, "a stored time is not readable: " + text);
    return *parsed;
}

std::optional<domain::Instant> optional_instant(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    return parse_instant(*text);
}

RegistrationStatus status_of(const std::string& text) {
    const auto status = domain::parse_registration_status(text);
    if (!status) throw SqliteError(0, "unknown registration status " + text);
    return *status;
}

// Columns: id, name, organisation, status starting at `first`.
CheckinPerson person_at(const Statement& row, int first) {
    return CheckinPerson{row.int64(first), row.text(first + 1), row.optional_text(first + 2), status_of(row.text(first + 3))};
}

// Columns: id, registration_id, scope, desk, staff_name, scanned_at, source, undone_at,
// undone_by, undo_reason starting at `first`.
constexpr const char* record_columns =
    "c.id, c.registration_id, c.scope, c.desk, c.staff_name, c.scanned_at, c.source, c.undone_at, c.undone_by, "
    "c.undo_reason";
CheckinRecord record_at(const Statement& row, int first) {
    CheckinRecord r;
    r.id = row.int64(first);
    r.registration_id = row.int64(first + 1);
    r.session_id = row.int64(first + 2);
    r.desk = row.text(first + 3);
    r.staff_name = row.text(first + 4);
    r.scanned_at = parse_instant(row.text(first + 5));
    r.source = row.text(first + 6);
    r.undone_at = optional_instant(row.optional_text(first + 7));
    r.undone_by = row.optional_text(first + 8);
    r.undo_reason = row.optional_text(first + 9);
    return r;
}

constexpr const char* sql_badge_key = "SELECT public_key, private_key FROM badge_keys WHERE event_id = ?";
constexpr const char* sql_person =
    "SELECT id, name, organisation, status, event_id FROM registrations WHERE id = ?";
constexpr const char* sql_session =
    "SELECT event_id, status, title FROM sessions WHERE id = ?";
constexpr const char* sql_enrolled =
    "SELECT 1 FROM session_enrolments WHERE registration_id = ? AND session_id = ? AND status = 'confirmed'";
constexpr const char* sql_active =
    "SELECT c.id, c.registration_id, c.scope, c.desk, c.staff_name, c.scanned_at, c.source, c.undone_at, c.undone_by, "
    "c.undo_reason FROM checkins c WHERE c.registration_id = ? AND c.scope = ? AND c.undone_at IS NULL";
constexpr const char* sql_insert =
    "INSERT INTO checkins (event_id, scope, registration_id, desk, staff_user_id, staff_name, scanned_at, recorded_at, "
    "source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* sql_take_over =
    "UPDATE checkins SET desk = ?, staff_user_id = ?, staff_name = ?, scanned_at = ?, source = ? WHERE id = ?";
constexpr const char* sql_insert_duplicate =
    "INSERT INTO checkin_duplicates (event_id, scope, registration_id, checkin_id, desk, staff_name, scanned_at, "
    "reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* sql_expected =
    "SELECT confirmed FROM seat_counters WHERE event_id = ? AND session_id = ?";
constexpr const char* sql_checked_in =
    "SELECT checked_in FROM checkin_counters WHERE event_id = ? AND scope = ?";

}  // namespace

std::string_view to_string(CheckinSource source) {
    switch (source) {
        case CheckinSource::scan: return "scan";
        case CheckinSource::search: return "search";
        case CheckinSource::offline: return "offline";
    }
    return "scan";
}

// ---- badge keys ---------------------------------------------------------------------

std::shared_ptr<const auth::BadgeKey> load_badge_key(Connection& conn, Id event_id) {
    auto row = conn.cached(sql_badge_key);
    row.bind(1, event_id);
    if (!row.step()) return nullptr;
    using auth::Base64Alphabet;
    auto public_key = auth::base64_decode(row.text(0), Base64Alphabet::url);
    auto private_key = auth::base64_decode(row.text(1), Base64Alphabet::url);
    if (!public_key || !private_key) throw SqliteError(0, "the stored badge key of event " + std::to_string(event_id) + " is unreadable");
    auto key = auth::BadgeKey::from_raw(*public_key, *private_key);
    OPENSSL_cleanse(private_key->data(), private_key->size());
    return key;
}

std::shared_ptr<const auth::BadgeKey> ensure_badge_key(Connection& conn, Id event_id, domain::Instant now) {
    if (auto key = load_badge_key(conn, event_id)) return key;
    auto exists = conn.prepare("SELECT 1 FROM events WHERE id = ?");
    exists.bind(1, event_id);
    if (!exists.step()) throw domain::NotFound("event_not_found", "There is no event " + std::to_string(event_id) + ".");
    auto key = auth::BadgeKey::generate();
    auto private_raw = key->private_key();
    auto private_text = auth::base64_encode(private_raw, auth::Base64Alphabet::url);
    auto insert = conn.prepare("INSERT INTO badge_keys (event_id, public_key, private_key, created_at) VALUES (?, ?, ?, ?)");
    insert.bind(1, event_id)
        .bind(2, auth::base64_encode(key->public_key(), auth::Base64Alphabet::url))
        .bind(3, private_text)
        .bind(4, domain::format_utc(now));
    insert.run();
    OPENSSL_cleanse(private_raw.data(), private_raw.size());
    OPENSSL_cleanse(private_text.data(), private_text.size());
    return key;
}

// ---- check-in -------------------------------------------------------------------------

CheckinCounts checkin_counts(Connection& conn, Id event_id, Id session_id) {
    CheckinCounts counts;
    {
        auto row = conn.cached(sql_expected);
        row.bind(1, event_id).bind(2, session_id);
        if (row.step()) counts.expected = row.int32(0);
    }
    {
        auto row = conn.cached(sql_checked_in);
        row.bind(1, event_id).bind(2, session_id);
        if (row.step()) counts.checked_in = row.int32(0);
    }
    return counts;
}

std::optional<SessionDoor> find_session_door(Connection& conn, Id session_id) {
    auto row = conn.cached(sql_session);
    row.bind(1, session_id);
    if (!row.step()) return std::nullopt;
    return SessionDoor{row.int64(0), row.text(1) == "cancelled", row.text(2)};
}

std::optional<BadgeHolder> find_badge_holder(Connection& conn, Id registration_id) {
    auto row = conn.cached(sql_person);
    row.bind(1, registration_id);
    if (!row.step()) return std::nullopt;
    return BadgeHolder{row.int64(4), person_at(row, 0)};
}

bool has_confirmed_place(Connection& conn, Id registration_id, Id session_id) {
    auto row = conn.cached(sql_enrolled);
    row.bind(1, registration_id).bind(2, session_id);
    return row.step();
}

std::optional<CheckinRecord> active_checkin(Connection& conn, Id registration_id, Id scope) {
    auto row = conn.cached(sql_active);
    row.bind(1, registration_id).bind(2, scope);
    if (!row.step()) return std::nullopt;
    return record_at(row, 0);
}

Id insert_checkin(Connection& conn, const CheckinInput& input, const std::string& staff_name, domain::Instant now) {
    conn.cached(sql_insert)
        .bind(1, input.event_id)
        .bind(2, input.session_id)
        .bind(3, input.registration_id)
        .bind(4, input.desk)
        .bind(5, input.staff_user_id)
        .bind(6, staff_name)
        .bind(7, domain::format_utc(input.scanned_at))
        .bind(8, domain::format_utc(now))
        .bind(9, to_string(input.source))
        .run();
    return conn.last_insert_rowid();
}

void take_over_checkin(Connection& conn, Id checkin_id, const CheckinInput& input, const std::string& staff_name) {
    conn.cached(sql_take_over)
        .bind(1, input.desk)
        .bind(2, input.staff_user_id)
        .bind(3, staff_name)
        .bind(4, domain::format_utc(input.scanned_at))
        .bind(5, to_string(input.source))
        .bind(6, checkin_id)
        .run();
}

void insert_checkin_duplicate(Connection& conn, Id event_id, Id scope, Id checkin_id, const CheckinRecord& duplicate,
                              domain::Instant now) {
    conn.cached(sql_insert_duplicate)
        .bind(1, event_id)
        .bind(2, scope)
        .bind(3, duplicate.registration_id)
        .bind(4, checkin_id)
        .bind(5, duplicate.desk)
        .bind(6, duplicate.staff_name)
        .bind(7, domain::format_utc(duplicate.scanned_at))
        .bind(8, domain::format_utc(now))
        .run();
}

CheckinRecord undo_checkin(Connection& conn, ChangeSet& changes, Id event_id, Id checkin_id, const std::string& reason,
                           const AuditContext& audit, domain::Instant now) {
    auto row = conn.prepare(std::string("SELECT ") + record_columns + " FROM checkins c WHERE c.id = ? AND c.event_id = ?");
    row.bind(1, checkin_id).bind(2, event_id);
    if (!row.step()) throw domain::NotFound("checkin_not_found", "There is no check-in " + std::to_string(checkin_id) + " at this event.");
    auto record = record_at(row, 0);
    if (record.undone_at) throw domain::Refusal("already_undone", "This check-in was already undone.");
    auto update = conn.prepare("UPDATE checkins SET undone_at = ?, undone_by = ?, undo_reason = ? WHERE id = ?");
    update.bind(1, domain::format_utc(now)).bind(2, audit.actor.label).bind(3, reason).bind(4, checkin_id);
    update.run();
    const nlohmann::json before = {{"registration_id", record.registration_id},
                                   {"session_id", record.session_id == 0 ? nlohmann::json(nullptr) : nlohmann::json(record.session_id)},
                                   {"desk", record.desk},
                                   {"scanned_at", domain::format_utc(record.scanned_at)},
                                   {"by", record.staff_name}};
    nlohmann::json after = before;
    after["undone_at"] = domain::format_utc(now);
    AuditContext context = audit;
    context.reason = reason;
    append_audit(conn, audit_entry(context, "checkin.undo", "checkin", checkin_id, event_id, before.dump(), after.dump(), now));
    record.undone_at = now;
    record.undone_by = audit.actor.label;
    record.undo_reason = reason;
    changes.checkins.insert(event_id);
    return record;
}

std::optional<StoredScan> find_scan(Connection& conn, Id event_id, const std::string& scan_id) {
    auto row = conn.cached("SELECT status, answer FROM checkin_scans WHERE event_id = ? AND scan_id = ?");
    row.bind(1, event_id).bind(2, scan_id);
    if (!row.step()) return std::nullopt;
    return StoredScan{row.int32(0), row.text(1)};
}

void store_scan(Connection& conn, Id event_id, const std::string& scan_id, const StoredScan& scan, domain::Instant now) {
    auto insert = conn.cached("INSERT INTO checkin_scans (event_id, scan_id, status, answer, recorded_at) VALUES (?, ?, ?, ?, ?)");
    insert.bind(1, event_id).bind(2, scan_id).bind(3, scan.status).bind(4, scan.answer).bind(5, domain::format_utc(now));
    insert.run();
}

// ---- lists ------------------------------------------------------------------------------

CheckinStats checkin_stats(Connection& conn, Id event_id) {
    CheckinStats stats;
    stats.event_id = event_id;
    {
        auto exists = conn.cached("SELECT 1 FROM events WHERE id = ?");
        exists.bind(1, event_id);
        if (!exists.step()) throw domain::NotFound("event_not_found", "There is no event " + std::to_string(event_id) + ".");
    }
    const auto counts = checkin_counts(conn, event_id, 0);
    stats.expected = counts.expected;
    stats.checked_in = counts.checked_in;
    {
        auto rows = conn.cached(
            "SELECT desk, count(*) FROM checkins WHERE event_id = ? AND scope = 0 AND undone_at IS NULL "
            "GROUP BY desk ORDER BY desk");
        rows.bind(1, event_id);
        while (rows.step()) stats.desks.push_back({rows.text(0), rows.int32(1)});
    }
    {
        auto rows = conn.cached(
            "SELECT s.id, s.title, s.starts_at, coalesce(sc.confirmed, 0), coalesce(cc.checked_in, 0), s.ends_at, rm.name "
            "FROM sessions s LEFT JOIN rooms rm ON rm.id = s.room_id "
            "LEFT JOIN seat_counters sc ON sc.event_id = s.event_id AND sc.session_id = s.id "
            "LEFT JOIN checkin_counters cc ON cc.event_id = s.event_id AND cc.scope = s.id "
            "WHERE s.event_id = ? AND s.status = 'scheduled' ORDER BY s.starts_at, s.id");
        rows.bind(1, event_id);
        while (rows.step())
            stats.sessions.push_back({rows.int64(0), rows.text(1), parse_instant(rows.text(2)), parse_instant(rows.text(5)),
                                      rows.optional_text(6), rows.int32(3), rows.int32(4)});
    }
    {
        auto row = conn.cached("SELECT count(*) FROM checkin_duplicates WHERE event_id = ?");
        row.bind(1, event_id);
        if (row.step()) stats.duplicates = row.int32(0);
    }
    return stats;
}

std::vector<Attendee> list_attendees(Connection& conn, Id event_id) {
    std::vector<Attendee> out;
    auto rows = conn.prepare(
        "SELECT r.id, r.name, r.organisation, r.status, c.scanned_at, c.desk FROM registrations r "
        "LEFT JOIN checkins c ON c.registration_id = r.id AND c.scope = 0 AND c.undone_at IS NULL "
        "WHERE r.event_id = ? ORDER BY r.id");
    rows.bind(1, event_id);
    while (rows.step()) {
        Attendee a;
        a.person = person_at(rows, 0);
        a.checked_in_at = optional_instant(rows.optional_text(4));
        a.checked_in_desk = rows.optional_text(5);
        out.push_back(std::move(a));
    }
    auto enrolments = conn.prepare(
        "SELECT e.registration_id, e.session_id FROM session_enrolments e JOIN registrations r ON r.id = e.registration_id "
        "WHERE r.event_id = ? AND e.status = 'confirmed' ORDER BY e.registration_id, e.session_id");
    enrolments.bind(1, event_id);
    std::size_t i = 0;
    while (enrolments.step()) {
        const auto registration = enrolments.int64(0);
        while (i < out.size() && out[i].person.id < registration) ++i;
        if (i < out.size() && out[i].person.id == registration) out[i].sessions.push_back(enrolments.int64(1));
    }
    return out;
}

std::vector<SearchHit> search_attendees(Connection& conn, Id event_id, const std::string& text) {
    std::string pattern = "%";
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') pattern += '\\';
        pattern += c;
    }
    pattern += '%';
    auto rows = conn.prepare(
        "SELECT r.id, r.name, r.organisation, r.status, r.email, c.scanned_at, c.desk FROM registrations r "
        "LEFT JOIN checkins c ON c.registration_id = r.id AND c.scope = 0 AND c.undone_at IS NULL "
        "WHERE r.event_id = ?1 AND (r.name LIKE ?2 ESCAPE '\\' OR r.email LIKE ?2 ESCAPE '\\' "
        "OR coalesce(r.organisation, '') LIKE ?2 ESCAPE '\\') "
        "ORDER BY r.status = 'confirmed' DESC, r.name LIMIT ?3");
    rows.bind(1, event_id).bind(2, pattern).bind(3, max_search_hits);
    std::vector<SearchHit> out;
    while (rows.step()) {
        SearchHit hit;
        hit.person = person_at(rows, 0);
        hit.email = rows.text(4);
        hit.checked_in_at = optional_instant(rows.optional_text(5));
        hit.checked_in_desk = rows.optional_text(6);
        out.push_back(std::move(hit));
    }
    return out;
}

std::vector<CheckinListItem> list_checkins(Connection& conn, Id event_id, std::optional<std::string> desk, int limit) {
    limit = std::clamp(limit, 1, max_checkin_page);
    auto rows = conn.prepare(std::string("SELECT ") + record_columns +
                             ", r.id, r.name, r.organisation, r.status FROM checkins c "
                             "JOIN registrations r ON r.id = c.registration_id "
                             "WHERE c.event_id = ?1 AND (?2 IS NULL OR c.desk = ?2) ORDER BY c.id DESC LIMIT ?3");
    rows.bind(1, event_id).bind(2, desk).bind(3, limit);
    std::vector<CheckinListItem> out;
    while (rows.step()) out.push_back({record_at(rows, 0), person_at(rows, 10)});
    return out;
}

std::vector<DuplicateItem> list_duplicates(Connection& conn, Id event_id) {
    auto rows = conn.prepare(std::string("SELECT ") + record_columns +
                             ", r.id, r.name, r.organisation, r.status, d.id, d.scope, d.desk, d.staff_name, "
                             "d.scanned_at, d.reported_at FROM checkin_duplicates d "
                             "JOIN checkins c ON c.id = d.checkin_id JOIN registrations r ON r.id = d.registration_id "
                             "WHERE d.event_id = ? ORDER BY d.id DESC");
    rows.bind(1, event_id);
    std::vector<DuplicateItem> out;
    while (rows.step()) {
        DuplicateItem item;
        item.kept = record_at(rows, 0);
        item.person = person_at(rows, 10);
        item.id = rows.int64(14);
        item.session_id = rows.int64(15);
        item.desk = rows.text(16);
        item.staff_name = rows.text(17);
        item.scanned_at = parse_instant(rows.text(18));
        item.reported_at = parse_instant(rows.text(19));
        out.push_back(std::move(item));
    }
    return out;
}

// ---- badges -----------------------------------------------------------------------------

std::vector<BadgeRow> list_badges(Connection& conn, Id event_id, const std::vector<Id>& ids, bool unprinted) {
    std::vector<BadgeRow> out;
    auto read = [&](Statement& rows) {
        while (rows.step()) out.push_back({person_at(rows, 0), optional_instant(rows.optional_text(4))});
    };
    if (unprinted) {
        auto rows = conn.prepare(
            "SELECT r.id, r.name, r.organisation, r.status, p.last_printed_at FROM registrations r "
            "LEFT JOIN badge_prints p ON p.registration_id = r.id "
            "WHERE r.event_id = ? AND r.status = 'confirmed' AND p.registration_id IS NULL ORDER BY r.name, r.id");
        rows.bind(1, event_id);
        read(rows);
        return out;
    }
    auto rows = conn.prepare(
        "SELECT r.id, r.name, r.organisation, r.status, p.last_printed_at FROM registrations r "
        "LEFT JOIN badge_prints p ON p.registration_id = r.id "
        "WHERE r.id = ? AND r.event_id = ? AND r.status = 'confirmed'");
    for (const auto id : ids) {
        rows.reset();
        rows.bind(1, id).bind(2, event_id);
        read(rows);
    }
    std::sort(out.begin(), out.end(), [](const BadgeRow& a, const BadgeRow& b) {
        return a.person.name != b.person.name ? a.person.name < b.person.name : a.person.id < b.person.id;
    });
    return out;
}

int mark_badges_printed(Connection& conn, Id event_id, const std::vector<Id>& ids, const AuditContext& audit,
                        domain::Instant now) {
    auto upsert = conn.prepare(
        "INSERT INTO badge_prints (registration_id, first_printed_at, last_printed_at) "
        "SELECT id, ?3, ?3 FROM registrations WHERE id = ?1 AND event_id = ?2 AND status = 'confirmed' "
        "ON CONFLICT (registration_id) DO UPDATE SET last_printed_at = excluded.last_printed_at, times = times + 1");
    const auto at = domain::format_utc(now);
    int marked = 0;
    nlohmann::json marked_ids = nlohmann::json::array();
    for (const auto id : ids) {
        upsert.reset();
        upsert.bind(1, id).bind(2, event_id).bind(3, at);
        upsert.run();
        if (conn.changes() > 0) {
            ++marked;
            marked_ids.push_back(id);
        }
    }
    if (marked > 0)
        append_audit(conn, audit_entry(audit, "badges.print", "event", event_id, event_id, std::nullopt,
                                       nlohmann::json{{"registration_ids", marked_ids}}.dump(), now));
    return marked;
}

}  // namespace congress::storage
