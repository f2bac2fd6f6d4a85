#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

#include "domain/registration.hpp"
#include "storage/database.hpp"
#include "storage/event_repository.hpp"
#include "storage/letter_store.hpp"
#include "storage/migrations.hpp"
#include "storage/registration_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

domain::Instant utc(const char* text) { return domain::parse_utc(text).value(); }

std::int64_t count(Connection& conn, const std::string& sql) {
    auto row = conn.prepare(sql);
    row.step();
    return row.int64(0);
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

auth::SealKey test_key(char fill = 'k') {
    auth::SealKey key;
    key.bytes.fill(static_cast<unsigned char>(fill));
    return key;
}

// The Metropolis congress in Hyderabad (7-10 October 2014, Asia/Kolkata), capacity 2: ana
// and ben are confirmed, cid waits.
struct LetterStore : ::testing::Test {
    TempDir dir;
    Connection conn{dir.file("l.db"), OpenMode::read_write_create};
    ChangeSet changes;
    const domain::Id event = 1, other_event = 2;
    std::vector<std::string> codes;
    const domain::Instant early = utc("2014-08-01T10:00:00Z");
    const domain::Instant after_event = utc("2014-11-01T10:00:00Z");
    AuditContext organiser{AuditActor{std::nullopt, "organiser@example.org"}, std::nullopt, std::nullopt};
    const auth::SealKey key = test_key();

    void SetUp() override {
        configure_writer(conn);
        migrate(conn, builtin_migrations());
        conn.exec(R"sql(
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity, waitlist_enabled)
            VALUES ('metropolis-2014', 'XI Metropolis World Congress', 'congress', 'Asia/Kolkata',
                    '2014-10-07T03:30:00Z', '2014-10-10T12:00:00Z', 2, 1);
            INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity)
            VALUES ('seoul', 'Seoul', 'workshop', 'Asia/Seoul', '2014-10-07T00:00:00Z', '2014-10-08T00:00:00Z', 10);
        )sql");
        for (const char* name : {"ana", "ben", "cid"})
            codes.push_back(register_delegate(conn, changes, event,
                                              {name, std::string(name) + "@example.org", std::nullopt, std::nullopt, "en"}, early)
                                .code);
    }

    LetterInput input(const char* number = "Z1234567") {
        return {"ANA MARIA SILVA", "br", number, "1975-03-14", "2014-10-05", "2014-10-12"};
    }
    Letter ask(int who, const char* number = "Z1234567") {
        const auto checked = check_letter_input(input(number), *load_event(conn, event), early);
        return request_letter(conn, key, codes[who], checked, early);
    }
};

TEST_F(LetterStore, InputIsNormalisedAndBadFieldsAreNamed) {
    const auto ev = *load_event(conn, event);
    const auto ok = check_letter_input({"  Ana Silva ", "br", "z12 345-67", "1975-03-14", "2014-10-07", "2014-10-10"}, ev, early);
    EXPECT_EQ(ok.passport_name, "Ana Silva");
    EXPECT_EQ(ok.nationality, "BR");
    EXPECT_EQ(ok.passport_number, "Z1234567");

    auto field_of = [&](LetterInput in) -> std::string {
        try {
            check_letter_input(in, ev, early);
        } catch (const domain::InvalidField& e) {
            return e.field();
        }
        return "";
    };
    auto with = [&](auto change) {
        auto in = input();
        change(in);
        return field_of(in);
    };
    EXPECT_EQ(with([](LetterInput& in) { in.passport_name = "  "; }), "passport_name");
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "BRA"; }), "nationality");
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "1X"; }), "nationality");
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "XX"; }), "nationality");  // not an assigned code
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "UK"; }), "nationality");  // the code is GB
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "in"; }), "");              // India, upper-cased
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "XK"; }), "");              // Kosovo
    EXPECT_EQ(with([](LetterInput& in) { in.nationality = "ZW"; }), "");
    EXPECT_EQ(with([](LetterInput& in) { in.passport_number = "AB12"; }), "passport_number");
    EXPECT_EQ(with([](LetterInput& in) { in.passport_number = std::string(21, '1'); }), "passport_number");
    EXPECT_EQ(with([](LetterInput& in) { in.passport_number = "AB12345'; --"; }), "passport_number");
    EXPECT_EQ(with([](LetterInput& in) { in.passport_number = "ÄB123456"; }), "passport_number");
    EXPECT_EQ(with([](LetterInput& in) { in.birth_date = "2015-01-01"; }), "birth_date");  // after "now"
    EXPECT_EQ(with([](LetterInput& in) { in.birth_date = "1875-01-01"; }), "birth_date");
    EXPECT_EQ(with([](LetterInput& in) { in.birth_date = "1975-02-30"; }), "birth_date");
    EXPECT_EQ(with([](LetterInput& in) { in.arrival = "2014-09-01"; }), "arrival");       // too early
    EXPECT_EQ(with([](LetterInput& in) { in.arrival = "2014-10-11"; }), "arrival");       // after the event
    EXPECT_EQ(with([](LetterInput& in) { in.departure = "2014-11-30"; }), "departure");   // too late
    EXPECT_EQ(with([](LetterInput& in) { in.departure = "2014-10-04"; }), "departure");   // before arrival
    EXPECT_EQ(with([](LetterInput& in) { in.arrival = "07/10/2014"; }), "arrival");
    EXPECT_EQ(with([](LetterInput&) {}), "");
}

TEST_F(LetterStore, RequestIsForConfirmedRegistrationsOnlyAndOnceAtATime) {
    const auto letter = ask(0);
    EXPECT_EQ(letter.status, LetterStatus::requested);
    EXPECT_EQ(letter.passport_last3.value(), "567");
    EXPECT_FALSE(letter.passport_number);
    EXPECT_FALSE(letter.letter_number);
    try {
        ask(0);
        FAIL();
    } catch (const domain::Refusal& e) {
        EXPECT_EQ(e.code(), "letter_exists");
    }
    try {
        ask(2);  // cid is on the waiting list
        FAIL();
    } catch (const domain::Refusal& e) {
        EXPECT_EQ(e.code(), "registration_not_confirmed");
    }
    EXPECT_THROW(request_letter(conn, key, "nosuchcodenosuchcodenosuch", input(), early), domain::NotFound);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM letter_requests"), 1);
    EXPECT_EQ(load_letter_of(conn, codes[0])->id, letter.id);
    EXPECT_FALSE(load_letter_of(conn, codes[1]));
}

TEST_F(LetterStore, ApproveNumbersTheLetterAndVerificationShowsItThenRevokedAfterRevocation) {
    const auto a = ask(0);
    const auto b = ask(1, "X7654321");
    const auto approved = approve_letter(conn, event, b.id, organiser, early);
    EXPECT_EQ(approved.status, LetterStatus::approved);
    EXPECT_EQ(approved.letter_number.value(), "MET-2014-000001");
    EXPECT_EQ(approved.decided_by.value(), "organiser@example.org");
    ASSERT_TRUE(approved.verification_code);
    EXPECT_GE(approved.verification_code->size(), 20u);  // 130 bits, base32
    EXPECT_EQ(approve_letter(conn, event, a.id, organiser, early).letter_number.value(), "MET-2014-000002");

    auto v = verify_letter(conn, *approved.verification_code);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->revoked);
    EXPECT_EQ(v->passport_name, "ANA MARIA SILVA");
    EXPECT_EQ(v->event_title, "XI Metropolis World Congress");
    EXPECT_EQ(v->letter_number, "MET-2014-000001");

    // Forged or altered codes show nothing.
    auto altered = *approved.verification_code;
    altered[3] = altered[3] == 'a' ? 'b' : 'a';
    EXPECT_FALSE(verify_letter(conn, altered));
    EXPECT_FALSE(verify_letter(conn, "MET-2014-000001"));
    EXPECT_FALSE(verify_letter(conn, codes[1]));  // a registration code is not a letter
    EXPECT_FALSE(verify_letter(conn, ""));

    try {
        revoke_letter(conn, event, b.id, "  ", organiser, early);
        FAIL();
    } catch (const domain::InvalidField& e) {
        EXPECT_EQ(e.field(), "reason");
    }
    const auto revoked = revoke_letter(conn, event, b.id, "Registration withdrawn", organiser, early);
    EXPECT_EQ(revoked.status, LetterStatus::revoked);
    EXPECT_EQ(revoked.reason.value(), "Registration withdrawn");
    v = verify_letter(conn, *approved.verification_code);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->revoked);
    EXPECT_EQ(v->letter_number, "MET-2014-000001");

    // Each organiser action is in the audit log, and none holds the passport number.
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.approve'"), 2);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.revoke'"), 1);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE coalesce(before_json, '') || coalesce(after_json, '') "
                          "LIKE '%7654321%' OR coalesce(after_json, '') LIKE '%1975%'"),
              0);
}

TEST_F(LetterStore, DecisionsFollowTheRules) {
    const auto a = ask(0);
    auto code_of = [&](auto action) -> std::string {
        try {
            action();
        } catch (const domain::Refusal& e) {
            return e.code();
        } catch (const domain::NotFound& e) {
            return e.code();
        }
        return "";
    };
    EXPECT_EQ(code_of([&] { revoke_letter(conn, event, a.id, "why", organiser, early); }), "letter_not_approved");
    EXPECT_EQ(code_of([&] { approve_letter(conn, other_event, a.id, organiser, early); }), "letter_not_found");
    EXPECT_EQ(code_of([&] { approve_letter(conn, event, 999, organiser, early); }), "letter_not_found");
    const auto refused = refuse_letter(conn, event, a.id, "Name does not match the registration", organiser, early);
    EXPECT_EQ(refused.status, LetterStatus::refused);
    EXPECT_FALSE(refused.letter_number);
    EXPECT_EQ(code_of([&] { approve_letter(conn, event, a.id, organiser, early); }), "letter_not_requested");
    EXPECT_EQ(code_of([&] { refuse_letter(conn, event, a.id, "again", organiser, early); }), "letter_not_requested");
    // After a refusal the delegate may ask again.
    const auto again = ask(0, "Z7654321");
    EXPECT_NE(again.id, a.id);
    EXPECT_EQ(load_letter_of(conn, codes[0])->id, again.id);
    EXPECT_EQ(list_letters(conn, event, std::nullopt).size(), 2u);
    EXPECT_EQ(list_letters(conn, event, LetterStatus::refused).size(), 1u);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.refuse'"), 1);
}

TEST_F(LetterStore, OrganisersSeeThePassportNumberOnlyWithTheKey) {
    const auto a = ask(0);
    EXPECT_EQ(load_letter_for_organiser(conn, key, event, a.id).passport_number.value(), "Z1234567");
    EXPECT_THROW(load_letter_for_organiser(conn, test_key('j'), event, a.id), std::runtime_error);
    // A sealed value moved to another registration's row does not open there.
    const auto b = ask(1, "X7654321");
    conn.exec("UPDATE letter_requests SET passport_sealed = (SELECT passport_sealed FROM letter_requests WHERE id = " +
              std::to_string(a.id) + ") WHERE id = " + std::to_string(b.id));
    EXPECT_THROW(load_letter_for_organiser(conn, key, event, b.id), std::runtime_error);
    EXPECT_FALSE(list_letters(conn, event, std::nullopt).front().passport_number);
}

TEST_F(LetterStore, PassportNumbersAreNotReadableInTheDatabaseFile) {
    ask(0, "QZ98765432");
    ask(1, "QX11223344");
    conn.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const auto bytes = file_bytes(dir.file("l.db")) + file_bytes(dir.file("l.db-wal"));
    ASSERT_NE(bytes.find("ANA MARIA SILVA"), std::string::npos);  // the file is readable as such
    EXPECT_EQ(bytes.find("QZ98765432"), std::string::npos);
    EXPECT_EQ(bytes.find("QX11223344"), std::string::npos);
    EXPECT_EQ(bytes.find("98765432"), std::string::npos);
}

TEST_F(LetterStore, PurgeErasesPassportNumbersAndBirthDatesOnlyAfterTheEvent) {
    const auto a = ask(0);
    approve_letter(conn, event, a.id, organiser, early);
    try {
        purge_letters(conn, event, organiser, early);
        FAIL();
    } catch (const domain::Refusal& e) {
        EXPECT_EQ(e.code(), "event_not_ended");
    }
    EXPECT_EQ(count(conn, "SELECT count(*) FROM letter_requests WHERE passport_sealed IS NULL"), 0);
    EXPECT_EQ(purge_letters(conn, event, organiser, after_event), 1);
    const auto purged = load_letter_for_organiser(conn, key, event, a.id);
    EXPECT_FALSE(purged.passport_number);
    EXPECT_FALSE(purged.passport_last3);
    EXPECT_FALSE(purged.birth_date);
    EXPECT_TRUE(purged.purged_at);
    EXPECT_EQ(purged.letter_number.value(), "MET-2014-000001");  // the letter still verifies
    EXPECT_TRUE(verify_letter(conn, purged.verification_code.value()));
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.purge'"), 1);
    EXPECT_EQ(purge_letters(conn, event, organiser, after_event), 0);
    EXPECT_THROW(purge_letters(conn, 99, organiser, after_event), domain::NotFound);
}

TEST_F(LetterStore, CancellingTheRegistrationRevokesItsLetterAndRefusesAPendingRequest) {
    const auto a = ask(0);
    const auto approved = approve_letter(conn, event, a.id, organiser, early);
    const auto b = ask(1, "X7654321");
    cancel_registration(conn, changes, codes[0], early);
    cancel_registration(conn, changes, codes[1], early);
    const auto revoked = load_letter(conn, event, a.id);
    EXPECT_EQ(revoked.status, LetterStatus::revoked);
    EXPECT_EQ(revoked.reason.value(), "The registration was cancelled.");
    EXPECT_EQ(revoked.decided_by.value(), "system");
    EXPECT_TRUE(verify_letter(conn, approved.verification_code.value())->revoked);
    EXPECT_EQ(load_letter(conn, event, b.id).status, LetterStatus::refused);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE actor_label = 'system' AND action IN "
                          "('letter.revoke', 'letter.refuse')"),
              2);
    // cid (waitlisted, never asked) cancels: nothing to withdraw.
    cancel_registration(conn, changes, codes[2], early);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM letter_requests"), 2);
}

// The retention command, as an operator runs it: the real binary on the database file.
TEST_F(LetterStore, PurgeCommandErasesAnEndedEventsPassportNumbersAndIsAudited) {
    const auto a = ask(0);
    approve_letter(conn, event, a.id, organiser, early);
    auto run = [&](const std::string& args) {
        const auto command = std::string("'") + CONGRESS_BINARY + "' letters " + args + " --db '" + dir.file("l.db") +
                             "' > '" + dir.file("out") + "' 2>&1 < /dev/null";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    EXPECT_EQ(run("purge"), 2);                  // --event is required
    EXPECT_EQ(run("erase --event 1"), 2);        // the only subcommand is purge
    EXPECT_EQ(run("purge --event 99"), 1);       // no such event
    EXPECT_EQ(count(conn, "SELECT count(*) FROM letter_requests WHERE passport_sealed IS NULL"), 0);
    // The 2014 congress has ended by the clock of whoever runs this test.
    ASSERT_EQ(run("purge --event 1"), 0) << file_bytes(dir.file("out"));
    EXPECT_NE(file_bytes(dir.file("out")).find("1 letter request(s)"), std::string::npos) << file_bytes(dir.file("out"));
    EXPECT_EQ(count(conn, "SELECT count(*) FROM letter_requests WHERE passport_sealed IS NULL AND birth_date IS NULL "
                          "AND purged_at IS NOT NULL"),
              1);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.purge' AND actor_label LIKE 'cli:%'"), 1);
    EXPECT_TRUE(verify_letter(conn, load_letter(conn, event, a.id).verification_code.value()));
}

TEST_F(LetterStore, RekeyReSealsEveryPassportNumberUnderTheNewKeyOrChangesNothing) {
    const auto a = ask(0);
    const auto b = ask(1, "X7654321");
    const auto fresh = test_key('n');
    // With the wrong old key nothing opens: refused, and (rolled back by the caller) nothing changed.
    {
        Transaction tx(conn, Transaction::Kind::immediate);
        EXPECT_THROW(rekey_letters(conn, test_key('w'), fresh, organiser, early), std::runtime_error);
    }
    EXPECT_EQ(load_letter_for_organiser(conn, key, event, a.id).passport_number.value(), "Z1234567");
    {
        Transaction tx(conn, Transaction::Kind::immediate);
        EXPECT_EQ(rekey_letters(conn, key, fresh, organiser, early), 2);
        tx.commit();
    }
    EXPECT_EQ(load_letter_for_organiser(conn, fresh, event, a.id).passport_number.value(), "Z1234567");
    EXPECT_EQ(load_letter_for_organiser(conn, fresh, event, b.id).passport_number.value(), "X7654321");
    EXPECT_THROW(load_letter_for_organiser(conn, key, event, a.id), std::runtime_error);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.rekey' AND after_json LIKE '%\"resealed\":2%'"), 1);
}

TEST_F(LetterStore, LetterheadHasDefaultsUntilSetAndEveryChangeIsAudited) {
    const auto defaults = load_letterhead(conn, event);
    EXPECT_FALSE(defaults.customised);
    EXPECT_EQ(defaults.organisation, "XI Metropolis World Congress");
    EXPECT_EQ(defaults.signatory_title, "Organising committee");
    auto head = defaults;
    head.organisation = "Metropolis";
    head.signatory_name = "Alain Le Saux";
    const auto saved = save_letterhead(conn, event, head, organiser, early);
    EXPECT_TRUE(saved.customised);
    EXPECT_EQ(saved.organisation, "Metropolis");
    EXPECT_EQ(saved.updated_by.value(), "organiser@example.org");
    EXPECT_FALSE(load_letterhead(conn, other_event).customised);  // per event
    head.signatory_title = "Secretary General";
    save_letterhead(conn, event, head, organiser, early);
    EXPECT_EQ(load_letterhead(conn, event).signatory_title, "Secretary General");
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letterhead.update' AND event_id = 1"), 2);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letterhead.update' AND before_json IS NULL"), 1);
    EXPECT_THROW(load_letterhead(conn, 99), domain::NotFound);
}

TEST_F(LetterStore, OnlyAnApprovedLetterIsPrintable) {
    const auto a = ask(0);
    try {
        load_printable_letter_of(conn, codes[0]);
        ADD_FAILURE() << "a pending request was printable";
    } catch (const domain::Refusal& e) {
        EXPECT_EQ(e.code(), "letter_not_approved");
    }
    EXPECT_THROW(load_printable_letter_of(conn, codes[1]), domain::NotFound);  // never asked
    approve_letter(conn, event, a.id, organiser, early);
    const auto printable = load_printable_letter_of(conn, codes[0]);
    EXPECT_EQ(printable.letter.id, a.id);
    EXPECT_EQ(printable.event.title, "XI Metropolis World Congress");
    EXPECT_FALSE(printable.letter.passport_number);
    EXPECT_EQ(load_printable_letter(conn, event, a.id).letter.id, a.id);
    EXPECT_THROW(load_printable_letter(conn, other_event, a.id), domain::NotFound);
    revoke_letter(conn, event, a.id, "Travel cancelled.", organiser, early);
    EXPECT_THROW(load_printable_letter(conn, event, a.id), domain::Refusal);
}

TEST_F(LetterStore, RekeyCommandReSealsUnderTheNewKeyFileAndIsAudited) {
    const auto a = ask(0);
    const auto old_file = dir.file("old.key");
    const auto new_file = dir.file("new.key");
    std::string old_hex, new_hex;
    for (int i = 0; i < 32; ++i) old_hex += "6b", new_hex += "44";  // test_key('k'), test_key('D')
    std::ofstream(old_file) << old_hex << "\n";
    std::ofstream(new_file) << new_hex << "\n";
    auto run = [&](const std::string& args) {
        const auto command = std::string("'") + CONGRESS_BINARY + "' letters " + args + " --db '" + dir.file("l.db") +
                             "' > '" + dir.file("out") + "' 2>&1 < /dev/null";
        const int status = std::system(command.c_str());
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    EXPECT_EQ(run("rekey --old-key-file '" + old_file + "'"), 2);  // the new key is required
    // The wrong old key: refused, nothing changed.
    EXPECT_EQ(run("rekey --old-key-file '" + new_file + "' --new-key-file '" + old_file + "'"), 1);
    EXPECT_EQ(load_letter_for_organiser(conn, key, event, a.id).passport_number.value(), "Z1234567");
    ASSERT_EQ(run("rekey --old-key-file '" + old_file + "' --new-key-file '" + new_file + "'"), 0) << file_bytes(dir.file("out"));
    EXPECT_EQ(load_letter_for_organiser(conn, test_key('D'), event, a.id).passport_number.value(), "Z1234567");
    EXPECT_THROW(load_letter_for_organiser(conn, key, event, a.id), std::runtime_error);
    EXPECT_EQ(count(conn, "SELECT count(*) FROM audit_log WHERE action = 'letter.rekey' AND actor_label LIKE 'cli:%'"), 1);
}

}  // namespace
