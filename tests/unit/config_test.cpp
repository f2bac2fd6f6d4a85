#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config.hpp"

using namespace congress;

namespace {

std::map<std::string, std::string> environment;

const char* fake_getenv(const char* name) {
    const auto it = environment.find(name);
    return it == environment.end() ? nullptr : it->second.c_str();
}

Config parse(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
    environment = std::move(env);
    return parse_config(args, fake_getenv);
}

}  // namespace

TEST(ConfigTest, DefaultsServeTheDemoLocally) {
    const auto c = parse({});
    EXPECT_EQ(c.address, "127.0.0.1");
    EXPECT_EQ(c.port, 8080);
    EXPECT_EQ(c.db_path, "congress.db");
    EXPECT_GE(c.threads, 1);
}

TEST(ConfigTest, FlagsInBothSpellingsAndEnvironmentVariables) {
    const auto c = parse({"--port", "9000", "--db=/tmp/x.db"}, {{"CONGRESS_WEB_ROOT", "/srv/web"}, {"CONGRESS_THREADS", "3"}});
    EXPECT_EQ(c.port, 9000);
    EXPECT_EQ(c.db_path, "/tmp/x.db");
    EXPECT_EQ(c.web_root, "/srv/web");
    EXPECT_EQ(c.threads, 3);
}

TEST(ConfigTest, AFlagWinsOverTheEnvironment) {
    EXPECT_EQ(parse({"--port=7000"}, {{"CONGRESS_PORT", "7001"}}).port, 7000);
}

TEST(ConfigTest, BadValuesAreRefusedWithTheFlagNamed) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--port", "99999"}, {"--port", "80a"}, {"--threads", "0"}, {"--log-level", "loud"}, {"--bogus"},
             {"--port"}, {"serve"}}) {
        try {
            parse(args);
            ADD_FAILURE() << "accepted " << args.front();
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(args.front().substr(0, 6)), std::string::npos) << e.what();
        }
    }
}

TEST(ConfigTest, HelpListsEveryOptionWithItsVariable) {
    const auto help = config_help();
    for (const char* text : {"--port", "CONGRESS_PORT", "--db", "--web-root", "--threads", "--log-level"})
        EXPECT_NE(help.find(text), std::string::npos) << text;
}

TEST(ConfigTest, LettersKeyFileFromFlagOrEnvironment) {
    EXPECT_EQ(parse({}).letters_key_file, "");
    EXPECT_EQ(parse({"--letters-key-file", "/etc/congress/letters.key"}).letters_key_file, "/etc/congress/letters.key");
    EXPECT_EQ(parse({}, {{"CONGRESS_LETTERS_KEY_FILE", "/run/keys/letters"}}).letters_key_file, "/run/keys/letters");
    EXPECT_EQ(parse({"--letters-key-file=/a"}, {{"CONGRESS_LETTERS_KEY_FILE", "/b"}}).letters_key_file, "/a");
}
