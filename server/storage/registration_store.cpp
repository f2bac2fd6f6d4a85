#include "storage/registration_store.hpp"

#include <thread>

#include "storage/event_repository.hpp"
#include "storage/hotel_store.hpp"
#include "storage/letter_store.hpp"
#include "util/random.hpp"

namespace congress::storage {

namespace {

using domain::Id;
using domain::Instant;
using domain::RegistrationStatus;

// --- SQL -------------------------------------------------------------------------------

constexpr std::string_view select_registration_by_code = R"sql(
SELECT id, event_id, code, name, email, organisation, member_organisation_id, language, status,
       waitlist_seq, created_at, updated_at
FROM registrations WHERE code = ?1
)sql";

constexpr std::string_view select_active_registration_by_email = R"sql(
SELECT 1 FROM registrations WHERE event_id = ?1 AND lower(email) = lower(?2) AND status <> 'cancelled'
)sql";

constexpr std::string_view select_organisation = "SELECT name, is_member FROM organisations WHERE id = ?1";
constexpr std::string_view select_dues_years = "SELECT year FROM organisation_dues WHERE organisation_id = ?1";

// Waiting-list order is commit order: the next row id, never reused.
constexpr std::string_view next_registration_seq = "SELECT coalesce(max(id), 0) + 1 FROM registrations";

constexpr std::string_view insert_registration = R"sql(
INSERT INTO registrations (event_id, code, name, email, organisation, member_organisation_id, language,
                           status, waitlist_seq, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
)sql";

constexpr std::string_view event_waitlist_position = R"sql(
SELECT count(*) FROM registrations WHERE event_id = ?1 AND status = 'waitlisted' AND waitlist_seq <= ?2
)sql";

constexpr std::string_view update_registration_status = R"sql(
UPDATE registrations SET status = ?2, updated_at = ?3 WHERE id = ?1
)sql";

constexpr std::string_view select_first_waitlisted_registrations = R"sql(
SELECT id FROM registrations WHERE event_id = ?1 AND status = 'waitlisted' ORDER BY waitlist_seq LIMIT ?2
)sql";

constexpr std::string_view select_session = R"sql(
SELECT id, event_id, title, starts_at, ends_at, capacity, status FROM sessions WHERE id = ?1
)sql";

constexpr std::string_view count_session_enrolments = R"sql(
SELECT c.confirmed, c.waitlisted FROM seat_counters c JOIN sessions s ON s.event_id = c.event_id AND s.id = c.session_id
WHERE s.id = ?1
)sql";

constexpr std::string_view select_active_enrolment = R"sql(
SELECT id, status FROM session_enrolments
WHERE registration_id = ?1 AND session_id = ?2 AND status <> 'cancelled'
)sql";

// Instants are stored as sortable UTC text, so the comparison is an overlap test.
constexpr std::string_view select_overlapping_session = R"sql(
SELECT s.id, s.title, s.starts_at, s.ends_at, ev.timezone
FROM session_enrolments e JOIN sessions s ON s.id = e.session_id JOIN events ev ON ev.id = s.event_id
WHERE e.registration_id = ?1 AND e.status <> 'cancelled' AND s.status <> 'cancelled' AND s.id <> ?2
  AND s.starts_at < ?4 AND ?3 < s.ends_at
ORDER BY s.starts_at LIMIT 1
)sql";

constexpr std::string_view next_enrolment_seq = "SELECT coalesce(max(id), 0) + 1 FROM session_enrolments";

constexpr std::string_view insert_enrolment = R"sql(
INSERT INTO session_enrolments (registration_id, session_id, status, waitlist_seq, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?5)
)sql";

constexpr std::string_view update_enrolment_status = R"sql(
UPDATE session_enrolments SET status = ?2, updated_at = ?3 WHERE id = ?1
)sql";

constexpr std::string_view select_first_waitlisted_enrolments = R"sql(
SELECT id FROM session_enrolments WHERE session_id = ?1 AND status = 'waitlisted' ORDER BY waitlist_seq LIMIT ?2
)sql";

constexpr std::string_view session_waitlist_position = R"sql(
SELECT count(*) FROM session_enrolments WHERE session_id = ?1 AND status = 'waitlisted' AND waitlist_seq <= ?2
)sql";

constexpr std::string_view select_registration_enrolments = R"sql(
SELECT e.session_id, s.title, s.starts_at, s.ends_at, t.id, t.name, r.id, r.name, e.status, e.waitlist_seq
FROM session_enrolments e
JOIN sessions s ON s.id = e.session_id
LEFT JOIN tracks t ON t.id = s.track_id
LEFT JOIN rooms r ON r.id = s.room_id
WHERE e.registration_id = ?1 AND e.status <> 'cancelled'
ORDER BY s.starts_at, s.id
)sql";

constexpr std::string_view select_active_enrolments_of_registration = R"sql(
SELECT id, session_id, status FROM session_enrolments WHERE registration_id = ?1 AND status <> 'cancelled'
)sql";

constexpr std::string_view update_event_capacity = "UPDATE events SET capacity = ?2 WHERE id = ?1";
constexpr std::string_view update_promote_after_close = "UPDATE events SET promote_after_close = ?2 WHERE id = ?1";
constexpr std::string_view update_session_capacity = "UPDATE sessions SET capacity = ?2 WHERE id = ?1";

constexpr std::string_view select_idempotent_answer = R"sql(
SELECT request_hash, status, body FROM idempotency_keys WHERE scope = ?1 AND key = ?2
)sql";

constexpr std::string_view insert_idempotent_answer = R"sql(
INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
)sql";

constexpr std::string_view select_organisations = R"sql(
SELECT id, name, coalesce(city, ''), coalesce(country, ''), is_member FROM organisations ORDER BY name, id
)sql";

// --- helpers ---------------------------------------------------------------------------

struct Counts {
    int confirmed = 0;
    int waitlisted = 0;
};

Counts count_rows(Connection& conn, std::string_view sql, Id id) {
    auto stmt = conn.cached(sql);
    stmt.bind(1, id);
    if (!stmt.step()) return Counts{};
    return Counts{stmt.int32(0), stmt.int32(1)};
}

Instant instant_of(const Statement& stmt, int column) {
    const auto text = stmt.text(column);
    if (auto parsed = domain::parse_utc(text)) return *parsed;
    throw SqliteError(0, "malformed instant in database: " + text);
}

std::int64_t single_int(Connection& conn, std::string_view sql) {
    auto stmt = conn.cached(sql);
    stmt.step();
    return stmt.int64(0);
}

struct RegistrationRow {
    Id id = 0;
    Id event_id = 0;
    RegistrationStatus status = RegistrationStatus::confirmed;
};

struct SessionRow {
    Id id = 0;
    Id event_id = 0;
    std::string title;
    Instant starts_at{};
    Instant ends_at{};
    int capacity = 0;
    bool cancelled = false;
};

std::optional<RegistrationRow> find_registration_row(Connection& conn, const std::string& code) {
    if (!util::looks_like_code(code)) return std::nullopt;
    auto stmt = conn.cached(select_registration_by_code);
    stmt.bind(1, code);
    if (!stmt.step()) return std::nullopt;
    return RegistrationRow{stmt.int64(0), stmt.int64(1),
                           domain::parse_registration_status(stmt.text(8)).value_or(RegistrationStatus::cancelled)};
}

domain::Refusal already_registered() {
    return domain::Refusal("already_registered", "This email address is already registered for this event.");
}

bool has_active_registration(Connection& conn, Id event_id, const std::string& email) {
    auto duplicate = conn.cached(select_active_registration_by_email);
    duplicate.bind(1, event_id).bind(2, email);
    return duplicate.step();
}

// format_utc(now) for rows written now: the same second for many registrations in a row.
const std::string& utc_text(Instant instant) {
    thread_local Instant last = Instant::min();
    thread_local std::string text;
    if (instant != last) {
        text = domain::format_utc(instant);
        last = instant;
    }
    return text;
}

RegistrationRow require_registration(Connection& conn, const std::string& code) {
    auto row = find_registration_row(conn, code);
    if (!row) throw domain::NotFound("registration_not_found", "There is no registration with this code.");
    return *row;
}

std::optional<SessionRow> find_session(Connection& conn, Id session_id) {
    auto stmt = conn.cached(select_session);
    stmt.bind(1, session_id);
    if (!stmt.step()) return std::nullopt;
    return SessionRow{stmt.int64(0),         stmt.int64(1), stmt.text(2), instant_of(stmt, 3),
                      instant_of(stmt, 4),   stmt.int32(5), stmt.text(6) == "cancelled"};
}

std::optional<domain::MemberStanding> member_standing(Connection& conn, Id organisation_id) {
    auto org = conn.cached(select_organisation);
    org.bind(1, organisation_id);
    if (!org.step()) return std::nullopt;
    domain::MemberStanding standing{org.text(0), org.int64(1) != 0, {}};
    auto dues = conn.cached(select_dues_years);
    dues.bind(1, organisation_id);
    while (dues.step()) standing.dues_paid_years.push_back(dues.int32(0));
    return standing;
}

void set_registration_status(Connection& conn, Id id, RegistrationStatus status, Instant now) {
    conn.cached(update_registration_status).bind(1, id).bind(2, domain::to_string(status)).bind(3, domain::format_utc(now)).run();
}

void set_enrolment_status(Connection& conn, Id id, RegistrationStatus status, Instant now) {
    conn.cached(update_enrolment_status).bind(1, id).bind(2, domain::to_string(status)).bind(3, domain::format_utc(now)).run();
}

bool may_promote_session(const SessionRow& session, Instant now) { return !session.cancelled && now < session.starts_at; }

RegistrationView require_view(Connection& conn, const std::string& code) {
    auto view = load_registration(conn, code);
    if (!view) throw domain::NotFound("registration_not_found", "There is no registration with this code.");
    return std::move(*view);
}

EnrolmentView find_enrolment_view(const RegistrationView& view, Id session_id) {
    for (const auto& e : view.sessions)
        if (e.session_id == session_id) return e;
    return EnrolmentView{};
}

}  // namespace

// --- registrations ---------------------------------------------------------------------

TestHooks parse_test_hooks(std::string_view text) {
    TestHooks hooks;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        const auto eq = item.find('=');
        const auto name = item.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view("1") : item.substr(eq + 1);
        if (name == "race_delay_ms") hooks.race_delay = std::chrono::milliseconds(std::stoi(std::string(value)));
        else if (name == "bypass_single_writer") hooks.bypass_single_writer = value == "1";
        else if (!name.empty()) throw std::invalid_argument("unknown test hook " + std::string(name));
    }
    return hooks;
}

RegistrationPlan plan_registration(Connection& conn, Id event_id, const RegistrationInput& input, Instant now) {
    RegistrationPlan plan{require_event(conn, event_id), RegistrationStatus::confirmed};
    const auto& event = plan.event;
    domain::require_open_window(event, now);

    std::optional<domain::MemberStanding> member;
    if (input.member_organisation_id) {
        member = member_standing(conn, *input.member_organisation_id);
        if (!member) throw domain::InvalidField("member_organisation_id", "There is no organisation with this id.");
    }
    domain::require_eligible(event.eligibility, member);

    // load_event counted the seats in this same transaction.
    switch (domain::decide_seat(event.capacity, event.confirmed, event.waitlisted, event.waitlist_enabled)) {
        case domain::SeatDecision::confirm: plan.status = RegistrationStatus::confirmed; break;
        case domain::SeatDecision::waitlist: plan.status = RegistrationStatus::waitlisted; break;
        case domain::SeatDecision::full:
            // A delegate who already holds a place hears that rather than "full".
            if (has_active_registration(conn, event_id, input.email)) throw already_registered();
            throw domain::Refusal("event_full", "This event is full and has no waiting list.");
    }
    // A place will be taken: the unique index on (event, lower(email)) refuses a second
    // active registration when the row is written (apply_registration), so no query here.
    return plan;
}

RegistrationView apply_registration(Connection& conn, ChangeSet& changes, RegistrationPlan plan,
                                    const RegistrationInput& input, Instant now) {
    RegistrationView view;
    // The next row's place in commit order: the code's prefix (so the index on codes grows
    // at its end) and, for the waiting list, its sequence.
    const auto next = single_int(conn, next_registration_seq);
    view.code = util::sequenced_code(static_cast<std::uint64_t>(next));
    view.status = plan.status;
    std::optional<std::int64_t> seq;
    if (plan.status == RegistrationStatus::waitlisted) {
        seq = next;
        // New places join the end of the list, behind everyone counted in the plan.
        view.waitlist_position = plan.event.waitlisted + 1;
    }
    try {
        conn.cached(insert_registration)
            .bind(1, plan.event.id)
            .bind(2, view.code)
            .bind(3, input.name)
            .bind(4, input.email)
            .bind(5, input.organisation)
            .bind(6, input.member_organisation_id)
            .bind(7, input.language)
            .bind(8, domain::to_string(plan.status))
            .bind(9, seq)
            .bind(10, utc_text(now))
            .run();
    } catch (const SqliteError& e) {
        // The unique index on (event, lower(email)) among active registrations is what
        // refuses a second registration for one address (plan_registration does not look).
        if (e.is_constraint() && std::string(e.what()).find("UNIQUE") != std::string::npos) throw already_registered();
        throw;
    }
    changes.events.insert(plan.event.id);
    // The answer is built from what was just written rather than read back: this runs on
    // the single writer, where every query counts.
    view.id = conn.last_insert_rowid();
    view.event = std::move(plan.event);
    view.name = input.name;
    view.email = input.email;
    view.organisation = input.organisation;
    view.member_organisation_id = input.member_organisation_id;
    view.language = input.language;
    view.created_at = view.updated_at = now;
    return view;
}

RegistrationView register_delegate(Connection& conn, ChangeSet& changes, Id event_id, const RegistrationInput& input,
                                   Instant now, const TestHooks& hooks) {
    auto plan = plan_registration(conn, event_id, input, now);
    if (hooks.race_delay.count() > 0) std::this_thread::sleep_for(hooks.race_delay);
    return apply_registration(conn, changes, std::move(plan), input, now);
}

std::optional<RegistrationView> load_registration(Connection& conn, const std::string& code) {
    if (!util::looks_like_code(code)) return std::nullopt;
    auto stmt = conn.cached(select_registration_by_code);
    stmt.bind(1, code);
    if (!stmt.step()) return std::nullopt;
    RegistrationView view;
    view.id = stmt.int64(0);
    const Id event_id = stmt.int64(1);
    view.code = stmt.text(2);
    view.name = stmt.text(3);
    view.email = stmt.text(4);
    view.organisation = stmt.optional_text(5);
    view.member_organisation_id = stmt.optional_int64(6);
    view.language = stmt.optional_text(7);
    view.status = domain::parse_registration_status(stmt.text(8)).value_or(RegistrationStatus::cancelled);
    const auto seq = stmt.optional_int64(9);
    view.created_at = instant_of(stmt, 10);
    view.updated_at = instant_of(stmt, 11);
    view.event = require_event(conn, event_id);

    if (view.status == RegistrationStatus::waitlisted && seq) {
        auto position = conn.cached(event_waitlist_position);
        position.bind(1, event_id).bind(2, *seq);
        position.step();
        view.waitlist_position = position.int32(0);
    }

    auto enrolments = conn.cached(select_registration_enrolments);
    enrolments.bind(1, view.id);
    while (enrolments.step()) {
        EnrolmentView e;
        e.session_id = enrolments.int64(0);
        e.title = enrolments.text(1);
        e.starts_at = instant_of(enrolments, 2);
        e.ends_at = instant_of(enrolments, 3);
        if (!enrolments.is_null(4)) e.track = NamedRef{enrolments.int64(4), enrolments.text(5)};
        if (!enrolments.is_null(6)) e.room = NamedRef{enrolments.int64(6), enrolments.text(7)};
        e.status = domain::parse_registration_status(enrolments.text(8)).value_or(RegistrationStatus::cancelled);
        if (e.status == RegistrationStatus::waitlisted && !enrolments.is_null(9)) {
            auto position = conn.cached(session_waitlist_position);
            position.bind(1, e.session_id).bind(2, enrolments.int64(9));
            position.step();
            e.waitlist_position = position.int32(0);
        }
        view.sessions.push_back(std::move(e));
    }
    return view;
}

RegistrationView cancel_registration(Connection& conn, ChangeSet& changes, const std::string& code, Instant now) {
    const auto row = require_registration(conn, code);
    if (row.status == RegistrationStatus::cancelled)
        throw domain::Refusal("registration_cancelled", "This registration is already cancelled.");

    // Leave every session first, so that each freed place is handed on.
    std::vector<Id> freed_sessions;
    {
        auto active = conn.cached(select_active_enrolments_of_registration);
        active.bind(1, row.id);
        std::vector<std::pair<Id, Id>> enrolments;  // enrolment id, session id
        while (active.step()) {
            enrolments.emplace_back(active.int64(0), active.int64(1));
            if (active.text(2) == "confirmed") freed_sessions.push_back(active.int64(1));
        }
        for (const auto& [enrolment_id, session_id] : enrolments)
            set_enrolment_status(conn, enrolment_id, RegistrationStatus::cancelled, now);
    }
    set_registration_status(conn, row.id, RegistrationStatus::cancelled, now);
    // Its hotel room (or waiting-list place) goes to the next delegate waiting for it.
    release_accommodation_of(conn, changes, row.id, now);
    // Its visa letter no longer stands: revoked (or the request refused), so an embassy sees it.
    withdraw_letters_of(conn, row.id, now);
    for (const auto session_id : freed_sessions) promote_session_waitlist(conn, changes, session_id, now);
    if (row.status == RegistrationStatus::confirmed) promote_event_waitlist(conn, changes, row.event_id, now);
    changes.events.insert(row.event_id);
    return require_view(conn, code);
}

int promote_event_waitlist(Connection& conn, ChangeSet& changes, Id event_id, Instant now) {
    const auto event = require_event(conn, event_id);
    if (!domain::may_promote(event, now, event.promote_after_close)) return 0;
    const int free = event.capacity - event.confirmed;
    if (free <= 0 || event.waitlisted == 0) return 0;
    auto first = conn.cached(select_first_waitlisted_registrations);
    first.bind(1, event_id).bind(2, free);
    std::vector<Id> promoted;
    while (first.step()) promoted.push_back(first.int64(0));
    for (const auto id : promoted) set_registration_status(conn, id, RegistrationStatus::confirmed, now);
    if (!promoted.empty()) changes.events.insert(event_id);
    return static_cast<int>(promoted.size());
}

// --- sessions --------------------------------------------------------------------------

EnrolmentResult enrol(Connection& conn, ChangeSet& changes, const std::string& code, Id session_id, Instant now,
                      const TestHooks& hooks) {
    const auto registration = require_registration(conn, code);
    if (registration.status == RegistrationStatus::cancelled)
        throw domain::Refusal("registration_cancelled", "This registration is cancelled.");
    if (registration.status != RegistrationStatus::confirmed)
        throw domain::Refusal("registration_not_confirmed",
                              "Only a confirmed registration can choose sessions; you are still on the waiting list.");
    const auto session = find_session(conn, session_id);
    if (!session || session->event_id != registration.event_id)
        throw domain::InvalidField("session_id", "There is no such session in this event.");
    if (session->cancelled) throw domain::Refusal("session_cancelled", "This session has been cancelled.");
    if (now >= session->starts_at) throw domain::Refusal("session_started", "This session has already started.");

    auto existing = conn.cached(select_active_enrolment);
    existing.bind(1, registration.id).bind(2, session_id);
    if (existing.step()) throw domain::Refusal("already_enrolled", "You already hold a place in this session.");

    auto overlap = conn.cached(select_overlapping_session);
    overlap.bind(1, registration.id)
        .bind(2, session_id)
        .bind(3, domain::format_utc(session->starts_at))
        .bind(4, domain::format_utc(session->ends_at));
    if (overlap.step()) {
        domain::SessionRef other{overlap.int64(0), overlap.text(1), instant_of(overlap, 2), instant_of(overlap, 3),
                                 overlap.text(4)};
        throw domain::Refusal("session_overlap", "This session overlaps \"" + other.title + "\", which you already hold.",
                              other);
    }

    const auto counts = count_rows(conn, count_session_enrolments, session_id);
    // Sessions always have a waiting list.
    const auto decision = domain::decide_seat(session->capacity, counts.confirmed, counts.waitlisted, true);
    if (hooks.race_delay.count() > 0) std::this_thread::sleep_for(hooks.race_delay);
    const auto status = decision == domain::SeatDecision::confirm ? RegistrationStatus::confirmed : RegistrationStatus::waitlisted;
    std::optional<std::int64_t> seq;
    if (status == RegistrationStatus::waitlisted) seq = single_int(conn, next_enrolment_seq);
    conn.cached(insert_enrolment)
        .bind(1, registration.id)
        .bind(2, session_id)
        .bind(3, domain::to_string(status))
        .bind(4, seq)
        .bind(5, domain::format_utc(now))
        .run();
    changes.events.insert(registration.event_id);
    auto view = require_view(conn, code);
    auto enrolment = find_enrolment_view(view, session_id);
    return EnrolmentResult{std::move(enrolment), std::move(view)};
}

EnrolmentResult leave_session(Connection& conn, ChangeSet& changes, const std::string& code, Id session_id, Instant now) {
    const auto registration = require_registration(conn, code);
    auto existing = conn.cached(select_active_enrolment);
    existing.bind(1, registration.id).bind(2, session_id);
    if (!existing.step()) throw domain::NotFound("enrolment_not_found", "You hold no place in this session.");
    const Id enrolment_id = existing.int64(0);
    const bool was_confirmed = existing.text(1) == "confirmed";

    auto before = require_view(conn, code);
    auto enrolment = find_enrolment_view(before, session_id);
    set_enrolment_status(conn, enrolment_id, RegistrationStatus::cancelled, now);
    if (was_confirmed) promote_session_waitlist(conn, changes, session_id, now);
    changes.events.insert(registration.event_id);
    enrolment.status = RegistrationStatus::cancelled;
    enrolment.waitlist_position.reset();
    return EnrolmentResult{std::move(enrolment), require_view(conn, code)};
}

int promote_session_waitlist(Connection& conn, ChangeSet& changes, Id session_id, Instant now) {
    const auto session = find_session(conn, session_id);
    if (!session || !may_promote_session(*session, now)) return 0;
    const auto counts = count_rows(conn, count_session_enrolments, session_id);
    const int free = session->capacity - counts.confirmed;
    if (free <= 0 || counts.waitlisted == 0) return 0;
    auto first = conn.cached(select_first_waitlisted_enrolments);
    first.bind(1, session_id).bind(2, free);
    std::vector<Id> promoted;
    while (first.step()) promoted.push_back(first.int64(0));
    for (const auto id : promoted) set_enrolment_status(conn, id, RegistrationStatus::confirmed, now);
    if (!promoted.empty()) changes.events.insert(session->event_id);
    return static_cast<int>(promoted.size());
}

void set_event_capacity(Connection& conn, ChangeSet& changes, Id event_id, int capacity, Instant now) {
    require_event(conn, event_id);
    conn.cached(update_event_capacity).bind(1, event_id).bind(2, capacity).run();
    changes.events.insert(event_id);
    promote_event_waitlist(conn, changes, event_id, now);
}

void set_promote_after_close(Connection& conn, ChangeSet& changes, Id event_id, bool allowed, Instant now) {
    require_event(conn, event_id);
    conn.cached(update_promote_after_close).bind(1, event_id).bind(2, allowed).run();
    changes.events.insert(event_id);
    if (allowed) promote_event_waitlist(conn, changes, event_id, now);
}

void set_session_capacity(Connection& conn, ChangeSet& changes, Id session_id, int capacity, Instant now) {
    const auto session = find_session(conn, session_id);
    if (!session) throw domain::NotFound("session_not_found", "There is no such session.");
    conn.cached(update_session_capacity).bind(1, session_id).bind(2, capacity).run();
    changes.events.insert(session->event_id);
    promote_session_waitlist(conn, changes, session_id, now);
}

// --- idempotency and organisations ----------------------------------------------------

std::optional<StoredAnswer> find_idempotent_answer(Connection& conn, const std::string& scope, const std::string& key) {
    auto stmt = conn.cached(select_idempotent_answer);
    stmt.bind(1, scope).bind(2, key);
    if (!stmt.step()) return std::nullopt;
    return StoredAnswer{stmt.text(0), stmt.int32(1), stmt.text(2)};
}

void store_idempotent_answer(Connection& conn, const std::string& scope, const std::string& key,
                             const StoredAnswer& answer, Instant now) {
    conn.cached(insert_idempotent_answer)
        .bind(1, scope)
        .bind(2, key)
        .bind(3, answer.request_hash)
        .bind(4, answer.status)
        .bind(5, answer.body)
        .bind(6, domain::format_utc(now))
        .run();
}

std::vector<OrganisationSummary> list_organisations(Connection& conn) {
    auto stmt = conn.cached(select_organisations);
    std::vector<OrganisationSummary> out;
    while (stmt.step())
        out.push_back(OrganisationSummary{stmt.int64(0), stmt.text(1), stmt.text(2), stmt.text(3), stmt.int64(4) != 0});
    return out;
}

}  // namespace congress::storage
