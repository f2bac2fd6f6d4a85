// Visa invitation letters end to end (docs/letters.md): the real binary with a letters key
// file, a delegate asking, an organiser (made with `congress user add`) approving and
// revoking, and the public verification route showing genuine, then revoked, and nothing
// for a forged code. Without the key file every letter route answers 503.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using nlohmann::json;

constexpr const char* event_slug = "hyderabad-2014";
constexpr const char* other_slug = "seoul-miti-water-supply-2014";
constexpr const char* password = "a letters password long enough";

void add_user(const std::string& db, const std::string& email, const std::string& role, const std::string& event) {
    const auto r = run_program("/bin/sh",
                               {"-c", "printf '%s\\n' \"$PASSWORD\" | \"$CONGRESS\" user add --db \"$DB\" --email \"$EMAIL\" "
                                      "--name \"$NAME\" --role \"$ROLE\" --event \"$EVENT\""},
                               {{"PASSWORD", password}, {"CONGRESS", congress_binary()}, {"DB", db}, {"EMAIL", email},
                                {"NAME", "Letters " + email.substr(0, email.find('@'))}, {"ROLE", role}, {"EVENT", event}});
    if (r.exit_code != 0) throw std::runtime_error("congress user add failed:\n" + r.output());
}

// A throwaway key file (64 hex characters), made for this test run only.
std::string make_key_file() {
    const auto path = (std::filesystem::temp_directory_path() / ("congress-letters-key-" + std::to_string(::getpid())))
                          .string();
    std::random_device random;
    std::string hex;
    for (int i = 0; i < 64; ++i) hex += "0123456789abcdef"[random() % 16];
    std::ofstream(path) << hex << "\n";
    return path;
}

const std::string& key_file() {
    static const std::string path = make_key_file();
    return path;
}

struct LettersServer {
    static ServerOptions make() {
        ServerOptions options;
        options.extra_args = {"--letters-key-file", key_file()};
        options.prepare_database = [](const std::string& db) {
            add_user(db, "organiser@example.org", "organiser", event_slug);
            add_user(db, "seoul-organiser@example.org", "organiser", other_slug);
        };
        return options;
    }
};

struct Staff {
    std::string cookie;
    std::string csrf;
    Headers headers() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
};

class Letters : public SharedServerTest<LettersServer> {
protected:
    static void TearDownTestSuite() {
        SharedServerTest<LettersServer>::TearDownTestSuite();
        std::remove(key_file().c_str());
    }

    static Staff login(const std::string& email) {
        const auto r = post_json(port(), "/api/staff/login", {{"email", email}, {"password", password}});
        if (r.status != 200) throw std::runtime_error("login failed: " + r.body);
        const auto set_cookie = r.header("Set-Cookie");
        return Staff{set_cookie.substr(0, set_cookie.find(';')), parse_json(r.body)["csrf_token"]};
    }

    static json event(const std::string& slug) { return parse_json(get(port(), "/api/events/" + slug).body); }

    static std::string register_delegate(const std::string& name) {
        const auto r = post_json(port(), "/api/events/" + std::string(event_slug) + "/registrations",
                                 {{"name", name}, {"email", name + "@example.org"}});
        if (r.status != 201) throw std::runtime_error("registration failed: " + r.body);
        return parse_json(r.body)["registration"]["code"];
    }

    // A valid request: travel from the event's first day to its last.
    static json letter_body(const std::string& passport) {
        const auto e = event(event_slug);
        return {{"passport_name", "ANA MARIA SILVA"}, {"nationality", "BR"},
                {"passport_number", passport},        {"birth_date", "1975-03-14"},
                {"arrival", e["starts_at"].get<std::string>().substr(0, 10)},
                {"departure", e["ends_at"].get<std::string>().substr(0, 10)}};
    }

    static std::string letters_path(long long event_id, const std::string& rest = "") {
        return "/api/events/" + std::to_string(event_id) + "/letters" + rest;
    }
};

TEST_F(Letters, RequestApproveVerifyRevokeThenVerifyShowsRevoked) {
    const auto organiser = login("organiser@example.org");
    const auto event_id = event(event_slug)["id"].get<long long>();
    const auto code = register_delegate("ana-letter");

    const auto asked = post_json(port(), "/api/registrations/" + code + "/letter", letter_body("FP1234567"));
    ASSERT_EQ(asked.status, 201) << asked.body;
    const auto letter = parse_json(asked.body)["letter"];
    EXPECT_EQ(letter["status"], "requested");
    EXPECT_EQ(letter["passport_number_last3"], "567");
    EXPECT_FALSE(contains(asked.body, "FP1234567"));
    EXPECT_EQ(asked.header("Cache-Control"), "no-store");
    const auto id = letter["id"].get<long long>();

    // The delegate sees their request, never the whole passport number.
    const auto own = get(port(), "/api/registrations/" + code + "/letter");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_FALSE(contains(own.body, "FP1234567"));
    EXPECT_EQ(parse_json(own.body)["available"], true);

    // The organiser sees it, in full, only in the one-letter view.
    const auto list = get(port(), letters_path(event_id), organiser.headers());
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_FALSE(contains(list.body, "FP1234567"));
    const auto one = get(port(), letters_path(event_id, "/" + std::to_string(id)), organiser.headers());
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(parse_json(one.body)["letter"]["passport_number"], "FP1234567");

    // An organiser of another event may not.
    const auto seoul = login("seoul-organiser@example.org");
    EXPECT_EQ(get(port(), letters_path(event_id, "/" + std::to_string(id)), seoul.headers()).status, 403);

    const auto approved = post_json(port(), letters_path(event_id, "/" + std::to_string(id) + "/approve"), json::object(),
                                    organiser.headers());
    ASSERT_EQ(approved.status, 200) << approved.body;
    const auto issued = parse_json(approved.body)["letter"];
    EXPECT_EQ(issued["status"], "approved");
    const std::string number = issued["letter_number"];
    EXPECT_TRUE(starts_with(number, "HYD-")) << number;
    const std::string verification = issued["verification_code"];

    const auto genuine = get(port(), "/api/letters/verify/" + verification);
    ASSERT_EQ(genuine.status, 200) << genuine.body;
    const auto v = parse_json(genuine.body);
    EXPECT_EQ(v["genuine"], true);
    EXPECT_EQ(v["revoked"], false);
    EXPECT_EQ(v["letter_number"], number);
    EXPECT_EQ(v["passport_name"], "ANA MARIA SILVA");
    EXPECT_EQ(v["event"]["title"], event(event_slug)["title"]);
    // Nothing more: no passport number, nationality, birth date or registration.
    EXPECT_FALSE(contains(genuine.body, "1234567"));
    EXPECT_FALSE(contains(genuine.body, "1975"));
    EXPECT_FALSE(contains(genuine.body, "\"BR\""));
    EXPECT_FALSE(contains(genuine.body, code));

    const auto no_reason = post_json(port(), letters_path(event_id, "/" + std::to_string(id) + "/revoke"), json::object(),
                                     organiser.headers());
    EXPECT_EQ(no_reason.status, 422) << no_reason.body;
    const auto revoked = post_json(port(), letters_path(event_id, "/" + std::to_string(id) + "/revoke"),
                                   {{"reason", "The delegate cancelled their participation."}}, organiser.headers());
    ASSERT_EQ(revoked.status, 200) << revoked.body;

    const auto after = get(port(), "/api/letters/verify/" + verification);
    ASSERT_EQ(after.status, 200) << after.body;
    EXPECT_EQ(parse_json(after.body)["revoked"], true);
    EXPECT_EQ(parse_json(after.body)["letter_number"], number);

    // Every organiser action is in the audit log, without the passport number; and the
    // database file does not hold it in the clear.
    if (find_program("sqlite3")) {
        const auto actions = run_sql(server().db_path(), "SELECT action FROM audit_log WHERE entity_type = 'letter' AND "
                                                         "entity_id = " + std::to_string(id) + " ORDER BY id");
        EXPECT_EQ(actions, "letter.approve\nletter.revoke\n");
        EXPECT_EQ(run_sql(server().db_path(), "SELECT count(*) FROM audit_log WHERE coalesce(after_json, '') LIKE "
                                              "'%1234567%' OR coalesce(before_json, '') LIKE '%1234567%'"),
                  "0\n");
        EXPECT_EQ(run_sql(server().db_path(), "SELECT count(*) FROM letter_requests WHERE passport_sealed LIKE "
                                              "'%1234567%' OR passport_sealed IS NULL"),
                  "0\n");
    }
}

TEST_F(Letters, ForgedOrAlteredCodesShowNothing) {
    const auto organiser = login("organiser@example.org");
    const auto event_id = event(event_slug)["id"].get<long long>();
    const auto code = register_delegate("ben-letter");
    const auto asked = post_json(port(), "/api/registrations/" + code + "/letter", letter_body("XK9988776"));
    ASSERT_EQ(asked.status, 201) << asked.body;
    const auto id = parse_json(asked.body)["letter"]["id"].get<long long>();
    const auto approved = post_json(port(), letters_path(event_id, "/" + std::to_string(id) + "/approve"), json::object(),
                                    organiser.headers());
    ASSERT_EQ(approved.status, 200) << approved.body;
    const auto issued = parse_json(approved.body)["letter"];
    std::string altered = issued["verification_code"];
    altered.back() = altered.back() == 'a' ? 'b' : 'a';
    for (const std::string& forged : {altered, issued["letter_number"].get<std::string>(), code, std::string("x"),
                                      std::string(26, 'a')}) {
        const auto r = get(port(), "/api/letters/verify/" + forged);
        EXPECT_EQ(r.status, 404) << forged << ": " << r.body;
        EXPECT_TRUE(is_json_error(r, "letter_not_found"));
        EXPECT_FALSE(contains(r.body, "ben-letter"));
    }
}

TEST_F(Letters, ACancelledRegistrationsLetterShowsRevoked) {
    const auto organiser = login("organiser@example.org");
    const auto event_id = event(event_slug)["id"].get<long long>();
    const auto code = register_delegate("eve-letter");
    const auto asked = post_json(port(), "/api/registrations/" + code + "/letter", letter_body("EV1234567"));
    ASSERT_EQ(asked.status, 201) << asked.body;
    const auto id = parse_json(asked.body)["letter"]["id"].get<long long>();
    const auto approved = post_json(port(), letters_path(event_id, "/" + std::to_string(id) + "/approve"), json::object(),
                                    organiser.headers());
    ASSERT_EQ(approved.status, 200) << approved.body;
    const std::string verification = parse_json(approved.body)["letter"]["verification_code"];
    const auto cancelled = request(port(), "DELETE", "/api/registrations/" + code);
    ASSERT_EQ(cancelled.status, 200) << cancelled.body;
    const auto after = get(port(), "/api/letters/verify/" + verification);
    ASSERT_EQ(after.status, 200) << after.body;
    EXPECT_EQ(parse_json(after.body)["revoked"], true);
    const auto own = get(port(), "/api/registrations/" + code + "/letter");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(parse_json(own.body)["letter"]["status"], "revoked");
    EXPECT_EQ(parse_json(own.body)["letter"]["reason"], "The registration was cancelled.");
}

TEST_F(Letters, BadInputIsRefusedAndNothingIsWritten) {
    const auto code = register_delegate("cid-letter");
    auto with = [&](const char* field, json value) {
        auto body = letter_body("ZZ1234567");
        body[field] = std::move(value);
        return post_json(port(), "/api/registrations/" + code + "/letter", body);
    };
    for (const auto& [field, value] : std::vector<std::pair<const char*, json>>{
             {"passport_number", "AB1"},
             {"passport_number", "AB12345678901234567890"},
             {"passport_number", "AB12<script>"},
             {"nationality", "BRA"},
             {"birth_date", "2999-01-01"},
             {"arrival", "1999-01-01"},
             {"departure", "2999-12-31"}}) {
        const auto r = with(field, value);
        EXPECT_EQ(r.status, 422) << field << " = " << value << ": " << r.body;
        EXPECT_TRUE(is_json_error(r, "invalid_field"));
    }
    // Someone else's (or a made-up) code finds nothing.
    auto other = code;
    other[0] = other[0] == 'a' ? 'b' : 'a';
    const auto stranger = post_json(port(), "/api/registrations/" + other + "/letter", letter_body("ZZ1234567"));
    EXPECT_EQ(stranger.status, 404) << stranger.body;
    EXPECT_TRUE(is_json_error(stranger, "registration_not_found"));
    EXPECT_EQ(get(port(), "/api/registrations/" + other + "/letter/print").status, 404);
    // Unknown fields are refused rather than ignored.
    auto extra = letter_body("ZZ1234567");
    extra["email"] = "someone-else@example.org";
    EXPECT_EQ(post_json(port(), "/api/registrations/" + code + "/letter", extra).status, 422);
    const auto own = get(port(), "/api/registrations/" + code + "/letter");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_TRUE(parse_json(own.body)["letter"].is_null()) << own.body;
    if (find_program("sqlite3")) {
        EXPECT_EQ(run_sql(server().db_path(), "SELECT count(*) FROM letter_requests l JOIN registrations r ON "
                                              "r.id = l.registration_id WHERE r.name = 'cid-letter'"),
                  "0\n");
    }
}

// A letter belongs to one registration and one event: another delegate's code, another
// event's organiser, or this letter's id under another event's path reach nothing and
// change nothing.
TEST_F(Letters, SomeoneElsesLetterCannotBeSeenOrDecided) {
    const auto organiser = login("organiser@example.org");
    const auto seoul = login("seoul-organiser@example.org");
    const auto event_id = event(event_slug)["id"].get<long long>();
    const auto seoul_id = event(other_slug)["id"].get<long long>();
    const auto code = register_delegate("fay-letter");
    const auto bystander = register_delegate("gus-letter");
    const auto asked = post_json(port(), "/api/registrations/" + code + "/letter", letter_body("FY1234567"));
    ASSERT_EQ(asked.status, 201) << asked.body;
    const auto id = std::to_string(parse_json(asked.body)["letter"]["id"].get<long long>());

    // The other delegate's code shows their own (absent) letter, not this one.
    const auto theirs = get(port(), "/api/registrations/" + bystander + "/letter");
    ASSERT_EQ(theirs.status, 200) << theirs.body;
    EXPECT_TRUE(parse_json(theirs.body)["letter"].is_null());
    EXPECT_EQ(get(port(), "/api/registrations/" + bystander + "/letter/print").status, 404);

    // Another event's organiser: refused on this event's path, not found on their own.
    EXPECT_EQ(post_json(port(), letters_path(event_id, "/" + id + "/approve"), json::object(), seoul.headers()).status, 403);
    const auto elsewhere = post_json(port(), letters_path(seoul_id, "/" + id + "/approve"), json::object(), seoul.headers());
    EXPECT_EQ(elsewhere.status, 404) << elsewhere.body;
    EXPECT_TRUE(is_json_error(elsewhere, "letter_not_found"));
    EXPECT_EQ(post_json(port(), letters_path(seoul_id, "/" + id + "/refuse"), {{"reason", "no"}}, seoul.headers()).status, 404);
    EXPECT_EQ(get(port(), letters_path(seoul_id, "/" + id + "/print"), seoul.headers()).status, 404);

    const auto still = get(port(), letters_path(event_id, "/" + id), organiser.headers());
    ASSERT_EQ(still.status, 200) << still.body;
    EXPECT_EQ(parse_json(still.body)["letter"]["status"], "requested");
    if (find_program("sqlite3")) {
        EXPECT_EQ(run_sql(server().db_path(), "SELECT count(*) FROM audit_log WHERE entity_type = 'letter' AND entity_id = " + id),
                  "0\n");
    }
}

// The printable letter: only once approved; the delegate's copy without the passport
// number, the organisers' with it; both with the verification address and its QR code,
// under the letterhead the organisers set (audited; bad fields refused, nothing written).
TEST_F(Letters, PrintableLetterCarriesTheLetterheadAndTheVerificationLink) {
    const auto organiser = login("organiser@example.org");
    const auto event_id = event(event_slug)["id"].get<long long>();
    const auto code = register_delegate("hal-letter");
    const auto asked = post_json(port(), "/api/registrations/" + code + "/letter", letter_body("HL7654321"));
    ASSERT_EQ(asked.status, 201) << asked.body;
    const auto id = std::to_string(parse_json(asked.body)["letter"]["id"].get<long long>());

    const auto early = get(port(), "/api/registrations/" + code + "/letter/print");
    EXPECT_EQ(early.status, 409) << early.body;
    EXPECT_TRUE(is_json_error(early, "letter_not_approved"));

    const auto head_path = "/api/events/" + std::to_string(event_id) + "/letterhead";
    const auto defaults = get(port(), head_path, organiser.headers());
    ASSERT_EQ(defaults.status, 200) << defaults.body;
    EXPECT_EQ(parse_json(defaults.body)["letterhead"]["customised"], false);
    EXPECT_EQ(parse_json(defaults.body)["letterhead"]["organisation"], event(event_slug)["title"]);
    for (const auto& [field, value] : std::vector<std::pair<const char*, json>>{{"organisation", ""},
                                                                               {"contact_email", "not an address"},
                                                                               {"website", "javascript:alert(1)"},
                                                                               {"colour", "red"}}) {
        const auto bad = send_json(port(), "PATCH", head_path, {{field, value}}, organiser.headers());
        EXPECT_EQ(bad.status, 422) << field << ": " << bad.body;
    }
    EXPECT_EQ(parse_json(get(port(), head_path, organiser.headers()).body)["letterhead"]["customised"], false);
    const auto saved = send_json(port(), "PATCH", head_path,
                                 {{"organisation", "Metropolis <World Association>"},
                                  {"address", "Avinyó 15\n08002 Barcelona"},
                                  {"signatory_name", "Alain Le Saux"},
                                  {"signatory_title", "Secretary General"},
                                  {"contact_email", "visa@metropolis.example.org"}},
                                 organiser.headers());
    ASSERT_EQ(saved.status, 200) << saved.body;
    EXPECT_EQ(parse_json(saved.body)["letterhead"]["customised"], true);

    ASSERT_EQ(post_json(port(), letters_path(event_id, "/" + id + "/approve"), json::object(), organiser.headers()).status, 200);
    const auto own = get(port(), "/api/registrations/" + code + "/letter/print");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(own.header("Cache-Control"), "no-store");
    const auto p = parse_json(own.body);
    EXPECT_EQ(p["copy"], "delegate");
    EXPECT_EQ(p["letterhead"]["organisation"], "Metropolis <World Association>");
    EXPECT_EQ(p["letterhead"]["signatory_name"], "Alain Le Saux");
    EXPECT_EQ(p["letter"]["passport_name"], "ANA MARIA SILVA");
    EXPECT_FALSE(contains(own.body, "HL7654321"));
    const std::string url = p["verification_url"];
    EXPECT_EQ(url, "http://127.0.0.1/letters/verify/" +
                       p["letter"]["verification_code"].get<std::string>());
    EXPECT_TRUE(starts_with(p["qr_svg"].get<std::string>(), "<svg"));

    const auto copy = get(port(), letters_path(event_id, "/" + id + "/print"), organiser.headers());
    ASSERT_EQ(copy.status, 200) << copy.body;
    EXPECT_EQ(parse_json(copy.body)["copy"], "organiser");
    EXPECT_EQ(parse_json(copy.body)["letter"]["passport_number"], "HL7654321");
    EXPECT_EQ(get(port(), letters_path(event_id, "/" + id + "/print")).status, 401);

    // Revoked: no longer printed.
    ASSERT_EQ(post_json(port(), letters_path(event_id, "/" + id + "/revoke"), {{"reason", "Travel cancelled."}},
                        organiser.headers())
                  .status,
              200);
    EXPECT_EQ(get(port(), "/api/registrations/" + code + "/letter/print").status, 409);
    if (find_program("sqlite3")) {
        EXPECT_EQ(run_sql(server().db_path(), "SELECT count(*) FROM audit_log WHERE action = 'letterhead.update' AND "
                                              "entity_id = " + std::to_string(event_id)),
                  "1\n");
    }
}

TEST(LettersWithoutKey, EveryLetterRouteAnswers503ButTheDelegatesLookUp) {
    ServerProcess server;  // no --letters-key-file
    const auto reg = post_json(server.port(), "/api/events/" + std::string(event_slug) + "/registrations",
                               {{"name", "dee-letter"}, {"email", "dee-letter@example.org"}});
    ASSERT_EQ(reg.status, 201) << reg.body;
    const std::string code = parse_json(reg.body)["registration"]["code"];
    const auto asked = post_json(server.port(), "/api/registrations/" + code + "/letter", json::object());
    EXPECT_EQ(asked.status, 503) << asked.body;
    EXPECT_TRUE(is_json_error(asked, "letters_unavailable"));
    // The delegate's page learns there are no letters here, without an error.
    const auto own = get(server.port(), "/api/registrations/" + code + "/letter");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(parse_json(own.body)["available"], false);
    EXPECT_TRUE(parse_json(own.body)["letter"].is_null());
    auto other = code;
    other[0] = other[0] == 'a' ? 'b' : 'a';
    EXPECT_EQ(get(server.port(), "/api/registrations/" + other + "/letter").status, 404);
    EXPECT_EQ(get(server.port(), "/api/registrations/" + code + "/letter/print").status, 503);
    const auto verify = get(server.port(), "/api/letters/verify/" + std::string(26, 'a'));
    EXPECT_EQ(verify.status, 503) << verify.body;
    EXPECT_TRUE(contains(server.log(), "letters-key-file"));
}

TEST(LettersWithoutKey, AKeyFileThatIsNotAKeyStopsTheServer) {
    const auto bad = (std::filesystem::temp_directory_path() / ("congress-bad-key-" + std::to_string(::getpid()))).string();
    std::ofstream(bad) << "not a key\n";
    ServerOptions options;
    options.extra_args = {"--letters-key-file", bad};
    EXPECT_THROW(ServerProcess{options}, std::runtime_error);
    std::remove(bad.c_str());
}

}  // namespace
}  // namespace congress::it
