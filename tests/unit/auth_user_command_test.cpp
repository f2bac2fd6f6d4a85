// `congress user`, run as an operator would: the real binary, a throwaway database, and the
// password piped on standard input.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "auth/password.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/staff_store.hpp"
#include "temp_dir.hpp"

using namespace congress;
using namespace congress::storage;
using congress::testing::TempDir;

namespace {

std::string quoted(const std::string& word) {
    std::string out = "'";
    for (const char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct CommandResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

struct UserCommand : ::testing::Test {
    TempDir dir;
    const std::string db = dir.file("c.db");

    // Runs `congress user ARGS --db DB` with `input` (if any) as standard input.
    CommandResult user(std::vector<std::string> args, const std::optional<std::string>& input = std::nullopt) {
        std::string command = quoted(CONGRESS_BINARY) + " user";
        for (const auto& a : args) command += " " + quoted(a);
        command += " --db " + quoted(db);
        if (input) {
            std::ofstream(dir.file("stdin")) << *input;
            command += " < " + quoted(dir.file("stdin"));
        } else {
            command += " < /dev/null";
        }
        command += " > " + quoted(dir.file("out")) + " 2>&1";
        const int status = std::system(command.c_str());
        CommandResult run;
        run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        std::ifstream in(dir.file("out"));
        std::ostringstream text;
        text << in.rdbuf();
        run.output = text.str();
        return run;
    }

    // A connection to look at what the command left.
    Connection open() {
        Connection conn(db, OpenMode::read_write_create);
        configure_writer(conn);
        return conn;
    }

    static std::string me() {
        const passwd* pw = getpwuid(getuid());
        return pw ? pw->pw_name : "uid" + std::to_string(getuid());
    }
};

constexpr auto good_password = "correct horse battery staple";

}  // namespace

TEST_F(UserCommand, AddsTheFirstAdminWithAPipedPasswordAndStoresOnlyItsScryptHash) {
    const auto run = user({"add", "--email", "Ana@Example.org", "--name", "Ana Ruiz", "--role", "admin"},
                          std::string(good_password) + "\n");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("Created staff user 1: Ana@Example.org (admin)"), std::string::npos) << run.output;

    auto conn = open();
    const auto credentials = find_staff_credentials(conn, "ana@example.org");
    ASSERT_TRUE(credentials);
    EXPECT_EQ(credentials->password_hash.find(good_password), std::string::npos);
    EXPECT_TRUE(auth::verify_password(good_password, credentials->password_hash));
    EXPECT_FALSE(auth::verify_password("correct horse battery stapl", credentials->password_hash));
    EXPECT_EQ(auth::parse_hash_params(credentials->password_hash), auth::default_scrypt_params);
    const auto principal = load_principal(conn, credentials->user_id);
    ASSERT_TRUE(principal);
    EXPECT_TRUE(principal->is_admin());
    EXPECT_EQ(principal->display_name, "Ana Ruiz");

    const auto audit = list_audit(conn, AuditFilter{});
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].entry.action, "staff_user.create");
    EXPECT_EQ(audit[0].entry.actor_label, "cli:" + me());
    EXPECT_FALSE(audit[0].entry.actor_user_id);
    EXPECT_EQ(audit[0].entry.entity_id, credentials->user_id);
}

TEST_F(UserCommand, NothingIsCreatedWithoutAGoodEnoughPassword) {
    auto run = user({"add", "--email", "ana@example.org", "--name", "Ana"}, std::string("elevenchars\n"));
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.output.find("at least 12 characters"), std::string::npos) << run.output;
    run = user({"add", "--email", "ana@example.org", "--name", "Ana"});  // nothing on stdin
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.output.find("no password"), std::string::npos) << run.output;
    run = user({"add", "--email", "ana@example.org", "--name", "Ana"}, std::string("\n"));  // an empty line
    EXPECT_EQ(run.exit_code, 1);

    auto conn = open();
    EXPECT_TRUE(list_staff_users(conn).empty());
    EXPECT_TRUE(list_audit(conn, AuditFilter{}).empty());
}

TEST_F(UserCommand, ASecondAccountWithTheSameEmailIsRefusedBeforeAskingForAPassword) {
    ASSERT_EQ(user({"add", "--email", "ana@example.org", "--name", "Ana"}, std::string(good_password)).exit_code, 0);
    const auto run = user({"add", "--email", "ANA@example.org", "--name", "Other Ana"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.output.find("email_taken"), std::string::npos) << run.output;
    auto conn = open();
    EXPECT_EQ(list_staff_users(conn).size(), 1u);
}

TEST_F(UserCommand, PasswdReplacesTheHashAndEndsTheUsersSessions) {
    ASSERT_EQ(user({"add", "--email", "ana@example.org", "--name", "Ana"}, std::string(good_password)).exit_code, 0);
    std::string token;
    {
        auto conn = open();
        token = create_staff_session(conn, find_staff_user_by_email(conn, "ana@example.org")->id, std::nullopt,
                                     domain::now())
                    .token;
    }
    const auto run = user({"passwd", "--email", "ana@example.org"}, std::string("a much better passphrase\r\n"));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("1 session(s) ended"), std::string::npos) << run.output;

    auto conn = open();
    const auto hash = find_staff_credentials(conn, "ana@example.org")->password_hash;
    EXPECT_TRUE(auth::verify_password("a much better passphrase", hash));
    EXPECT_FALSE(auth::verify_password(good_password, hash));
    EXPECT_FALSE(find_staff_session(conn, token, domain::now()));
    EXPECT_EQ(list_audit(conn, AuditFilter{})[0].entry.action, "staff_user.password");

    EXPECT_EQ(user({"passwd", "--email", "nobody@example.org"}, std::string(good_password)).exit_code, 1);
}

TEST_F(UserCommand, GrantRevokeDisableEnableAndList) {
    {
        auto conn = open();
        migrate(conn, builtin_migrations());
        conn.exec("INSERT INTO events (slug, title, kind, timezone, starts_at, ends_at, capacity) VALUES "
                  "('hyderabad-2027', 'Hyderabad', 'congress', 'Asia/Kolkata', '2027-10-07T03:30:00Z', '2027-10-10T12:00:00Z', 10)");
    }
    ASSERT_EQ(user({"add", "--email", "root@example.org", "--name", "Root", "--role", "admin"}, std::string(good_password)).exit_code, 0);
    auto run = user({"add", "--email", "desk@example.org", "--name", "Desk 1", "--role", "checkin", "--event", "hyderabad-2027"},
                    std::string(good_password));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("checkin of event 1"), std::string::npos) << run.output;

    run = user({"grant", "--email", "desk@example.org", "--role", "organiser", "--event", "1"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("is now organiser of event 1"), std::string::npos) << run.output;
    run = user({"grant", "--email", "desk@example.org", "--role", "organiser", "--event", "1"});
    EXPECT_NE(run.output.find("already is organiser of event 1"), std::string::npos) << run.output;
    run = user({"revoke", "--email", "desk@example.org", "--role", "checkin", "--event", "1"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(user({"grant", "--email", "desk@example.org", "--role", "checkin", "--event", "nowhere"}).exit_code, 1);
    EXPECT_EQ(user({"grant", "--email", "desk@example.org", "--role", "checkin"}).exit_code, 1);

    run = user({"disable", "--email", "desk@example.org"});
    EXPECT_EQ(run.exit_code, 0) << run.output;
    run = user({"disable", "--email", "root@example.org"});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.output.find("last_admin"), std::string::npos) << run.output;

    run = user({"list"});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("desk@example.org"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("disabled  organiser of event 1"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("enabled   admin"), std::string::npos) << run.output;

    EXPECT_EQ(user({"enable", "--email", "desk@example.org"}).exit_code, 0);
    auto conn = open();
    const auto desk = find_staff_user_by_email(conn, "desk@example.org");
    EXPECT_FALSE(desk->disabled);
    EXPECT_EQ(desk->grants, (std::vector<domain::RoleGrant>{{domain::Role::organiser, 1}}));
    std::vector<std::string> actions;
    for (const auto& r : list_audit(conn, AuditFilter{})) actions.insert(actions.begin(), r.entry.action);
    EXPECT_EQ(actions, (std::vector<std::string>{"staff_user.create", "staff_user.create", "staff_user.grant",
                                                 "staff_user.revoke", "staff_user.disable", "staff_user.enable"}));
}

TEST_F(UserCommand, UsageMistakesExitWithTwoAndTheHelp) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {},
             {"frobnicate"},
             {"add", "--email", "ana@example.org"},
             {"add", "--name", "Ana"},
             {"add", "--email", "not an email", "--name", "Ana"},
             {"grant", "--email", "ana@example.org"},
             {"add", "--email", "ana@example.org", "--name", "Ana", "--role", "superuser"},
             {"add", "--email", "ana@example.org", "--name", "Ana", "--password", "x"},
         }) {
        const auto run = user(args);
        EXPECT_EQ(run.exit_code, 2) << run.output;
        EXPECT_NE(run.output.find("Usage: congress user"), std::string::npos) << run.output;
    }
}
