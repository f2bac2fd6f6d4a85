// Registrations, session enrolments and waiting lists: the SQL, and the commands the
// single writer runs. Each command checks the domain rules and writes in the same
// transaction, so what it decides is what gets committed; the database triggers repeat the
// seat invariant underneath.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/event.hpp"
#include "domain/registration.hpp"
#include "storage/database.hpp"
#include "storage/sqlite.hpp"

namespace congress::storage {

struct RegistrationInput {
    std::string name;
    std::string email;
    std::optional<std::string> organisation;
    std::optional<domain::Id> member_organisation_id;
    std::optional<std::string> language;
};

struct NamedRef {
    domain::Id id = 0;
    std::string name;
};

struct EnrolmentView {
    domain::Id session_id = 0;
    std::string title;
    domain::Instant starts_at{};
    domain::Instant ends_at{};
    std::optional<NamedRef> track;
    std::optional<NamedRef> room;
    domain::RegistrationStatus status = domain::RegistrationStatus::confirmed;
    std::optional<int> waitlist_position;
};

struct RegistrationView {
    domain::Id id = 0;
    std::string code;
    domain::Event event;
    std::string name;
    std::string email;
    std::optional<std::string> organisation;
    std::optional<domain::Id> member_organisation_id;
    std::optional<std::string> language;
    domain::RegistrationStatus status = domain::RegistrationStatus::confirmed;
    std::optional<int> waitlist_position;
    domain::Instant created_at{};
    domain::Instant updated_at{};
    std::vector<EnrolmentView> sessions;
};

struct EnrolmentResult {
    EnrolmentView enrolment;
    RegistrationView registration;
};

// Test-only behaviour, compiled in only with CONGRESS_TEST_HOOKS (see docs/testing.md): a
// delay after the availability check widens the race window for concurrency tests.
struct TestHooks {
    std::chrono::milliseconds race_delay{0};
    // Control run: decide seats on a read connection, outside the single writer, to prove
    // that the concurrency tests can see an oversell when the protection is bypassed.
    bool bypass_single_writer = false;
};

// Parses "race_delay_ms=50,bypass_single_writer=1". Throws std::invalid_argument.
TestHooks parse_test_hooks(std::string_view text);

// What a registration will be, decided from a snapshot. Throws domain::Refusal,
// domain::NotFound or domain::InvalidField.
struct RegistrationPlan {
    domain::Event event;
    domain::RegistrationStatus status = domain::RegistrationStatus::confirmed;
};
RegistrationPlan plan_registration(Connection& conn, domain::Id event_id, const RegistrationInput& input,
                                   domain::Instant now);
// Writes a planned registration (with a new code) and reports the change. The plan's event
// moves into the answer.
RegistrationView apply_registration(Connection& conn, ChangeSet& changes, RegistrationPlan plan,
                                    const RegistrationInput& input, domain::Instant now);
// plan + apply in one transaction: the writer's command.
RegistrationView register_delegate(Connection& conn, ChangeSet& changes, domain::Id event_id,
                                   const RegistrationInput& input, domain::Instant now, const TestHooks& hooks = {});

std::optional<RegistrationView> load_registration(Connection& conn, const std::string& code);

// Cancels the registration and its enrolments and hands the freed places on.
RegistrationView cancel_registration(Connection& conn, ChangeSet& changes, const std::string& code, domain::Instant now);

EnrolmentResult enrol(Connection& conn, ChangeSet& changes, const std::string& code, domain::Id session_id,
                      domain::Instant now, const TestHooks& hooks = {});
EnrolmentResult leave_session(Connection& conn, ChangeSet& changes, const std::string& code, domain::Id session_id,
                              domain::Instant now);

// Moves the first delegates of the waiting list into free places, in the order they
// joined, if promotion is allowed now. Returns how many were promoted.
int promote_event_waitlist(Connection& conn, ChangeSet& changes, domain::Id event_id, domain::Instant now);
int promote_session_waitlist(Connection& conn, ChangeSet& changes, domain::Id session_id, domain::Instant now);

// Organiser actions (used by the CLI and tests until the organiser console lands).
void set_event_capacity(Connection& conn, ChangeSet& changes, domain::Id event_id, int capacity, domain::Instant now);
// Lets (or stops) freed places go to the waiting list after registration closes or the
// event starts; allowing it promotes at once where places are free.
void set_promote_after_close(Connection& conn, ChangeSet& changes, domain::Id event_id, bool allowed,
                             domain::Instant now);
void set_session_capacity(Connection& conn, ChangeSet& changes, domain::Id session_id, int capacity,
                          domain::Instant now);

// Stored answers for Idempotency-Key.
struct StoredAnswer {
    std::string request_hash;
    int status = 0;
    std::string body;
};
std::optional<StoredAnswer> find_idempotent_answer(Connection& conn, const std::string& scope, const std::string& key);
void store_idempotent_answer(Connection& conn, const std::string& scope, const std::string& key,
                             const StoredAnswer& answer, domain::Instant now);

struct OrganisationSummary {
    domain::Id id = 0;
    std::string name;
    std::string city;
    std::string country;
    bool member = false;
};
std::vector<OrganisationSummary> list_organisations(Connection& conn);

}  // namespace congress::storage
