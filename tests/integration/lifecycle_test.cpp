// The process around the server: stopping on signals without dropping answers, the
// database left behind, refusing a newer schema, the command line and the environment.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <csignal>
#include <string>
#include <vector>

#include "integration/support.hpp"

namespace congress::it {
namespace {

ServerOptions at_log_level(std::string level) {
    ServerOptions options;
    options.log_level = std::move(level);
    return options;
}

bool file_exists(const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0;
}

// The schema version this binary knows, from `congress version` ("... (schema version N)").
int binary_schema_version() {
    const auto r = run_congress({"version"});
    const std::string marker = "schema version ";
    const auto at = r.out.find(marker);
    if (r.exit_code != 0 || at == std::string::npos) return -1;
    return std::atoi(r.out.c_str() + at + marker.size());
}

void expect_stopped_cleanly(ServerProcess& server, int sig, const char* name) {
    ASSERT_TRUE(still_serving(server.port()));
    const int status = server.stop(sig);
    const auto log = server.log();
    EXPECT_EQ(status, 0) << log;
    EXPECT_TRUE(contains(log, std::string("received ") + name)) << log;
    EXPECT_TRUE(contains(log, "HTTP server stopped")) << log;
    EXPECT_FALSE(contains(log, "ERROR")) << log;
}

TEST(Lifecycle, SigtermStopsTheServerWithExitStatusZero) {
    ServerProcess server(at_log_level("info"));
    expect_stopped_cleanly(server, SIGTERM, "SIGTERM");
}

TEST(Lifecycle, SigintStopsTheServerWithExitStatusZero) {
    ServerProcess server(at_log_level("info"));
    expect_stopped_cleanly(server, SIGINT, "SIGINT");
}

// A slow reader (tiny receive buffer) pipelines `count` copies of `request` on one
// keep-alive connection, reads the first answer (so the server is busy answering), then
// the server gets SIGTERM. The answers (25 kB each) do not all fit in the socket buffers
// while we do not read, so the server is most likely still writing one when the signal
// comes. Every answer that arrives must be whole, and the server must then close the
// connection cleanly between two answers and exit 0.
void expect_pipelined_answers_survive_sigterm(const std::string& request, int count) {
    ServerProcess server(at_log_level("info"));
    const auto expected = get(server.port(), "/api/events");
    ASSERT_EQ(expected.status, 200) << expected.error;

    Connection connection(server.port(), std::chrono::seconds(30), 4096);
    ASSERT_TRUE(connection.connected()) << connection.error();
    std::string requests;
    for (int i = 0; i < count; ++i) requests += request;
    ASSERT_TRUE(connection.send(requests)) << connection.error();
    const auto first = connection.read_response();
    ASSERT_EQ(first.status, 200) << first.error;
    ASSERT_EQ(first.body, expected.body);

    server.signal(SIGTERM);

    int answered = 1;
    Response last;
    for (;;) {
        last = connection.read_response();
        if (last.status == 0) break;
        ++answered;
        ASSERT_EQ(last.status, 200) << "answer " << answered;
        ASSERT_EQ(last.body, expected.body) << "answer " << answered;
    }
    std::cout << "[   info   ] " << answered << " of " << count << " pipelined requests answered before the server stopped\n";
    EXPECT_TRUE(connection.closed_by_server()) << last.error;
    EXPECT_EQ(connection.pending_bytes(), 0u) << "a cut answer after " << answered << " whole ones: " << last.error;
    EXPECT_TRUE(last.error.find("reset") == std::string::npos) << "the server reset the connection: " << last.error;

    const auto status = server.wait_exit();
    ASSERT_TRUE(status.has_value()) << "the server did not exit after SIGTERM:\n" << server.log();
    EXPECT_EQ(*status, 0) << server.log();
    EXPECT_TRUE(contains(server.log(), "HTTP server stopped")) << server.log();
    EXPECT_FALSE(contains(server.log(), "still busy after the grace period")) << server.log();
}

TEST(Lifecycle, RequestsInFlightAreAnsweredInFullBeforeExit) {
    // 18 minimal requests (37 bytes each, 666 in all; HTTP/1.1 needs the Host) arrive
    // together and fit in the server's first read, so nothing unread is left in the socket
    // when it closes.
    expect_pipelined_answers_survive_sigterm("GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n", 18);
}

// When the server closes a connection at shutdown while pipelined requests it has not read
// yet are still in the socket, closing at once would make the kernel reset the connection
// and drop the unsent rest of the answer in flight; HttpSession::close() drains first.
TEST(Lifecycle, RequestsInFlightAreAnsweredInFullEvenWithUnreadPipelinedRequests) {
    expect_pipelined_answers_survive_sigterm(format_request("GET", "/api/events", {}, {}, true), 300);
}

TEST(Lifecycle, IdleKeepAliveConnectionsAreClosedAtShutdown) {
    ServerProcess server(at_log_level("info"));
    Connection connection(server.port(), std::chrono::seconds(30));
    ASSERT_TRUE(connection.connected()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("GET", "/api/health", {}, {}, true)));
    const auto r = connection.read_response();
    ASSERT_EQ(r.status, 200) << r.error;

    server.signal(SIGTERM);
    EXPECT_TRUE(connection.wait_for_close()) << connection.error();
    const auto status = server.wait_exit();
    ASSERT_TRUE(status.has_value()) << server.log();
    EXPECT_EQ(*status, 0) << server.log();
    // Closed at once, not abandoned after the grace period.
    EXPECT_FALSE(contains(server.log(), "still busy after the grace period")) << server.log();
}

TEST(Lifecycle, DatabaseIsIntactAfterStop) {
    const int version = binary_schema_version();
    ASSERT_GT(version, 0) << "`congress version` does not name the schema version";
    {
        ServerProcess server;
        ASSERT_EQ(get(server.port(), "/api/events").status, 200);
        ASSERT_EQ(server.stop(SIGTERM), 0) << server.log();
        const auto db = server.db_path();

        const auto migrated = run_congress({"migrate", "--db", db});
        EXPECT_EQ(migrated.exit_code, 0) << migrated.output();
        EXPECT_TRUE(contains(migrated.out, "schema at version " + std::to_string(version) + " (0 migration(s) applied)"))
            << migrated.output();

        if (const auto sqlite3 = find_program("sqlite3")) {
            const auto check = run_program(*sqlite3, {db, "PRAGMA integrity_check;"});
            EXPECT_EQ(check.exit_code, 0) << check.output();
            EXPECT_EQ(check.out, "ok\n") << check.output();
        }
    }
}

TEST(Lifecycle, NewerSchemaMakesServeRefuseToStart) {
    const auto sqlite3 = find_program("sqlite3");
    if (!sqlite3) GTEST_SKIP() << "needs the sqlite3 command-line tool (apt-get install -y sqlite3)";
    TempDir dir;
    const auto db = dir.file("congress.db");
    const auto migrated = run_congress({"migrate", "--db", db});
    ASSERT_EQ(migrated.exit_code, 0) << migrated.output();
    const auto inserted = run_program(*sqlite3, {db, "INSERT INTO schema_migrations (version, name, applied_at) "
                                                     "VALUES (999, 'from_the_future', '2099-01-01T00:00:00Z');"});
    ASSERT_EQ(inserted.exit_code, 0) << inserted.output();
    const std::string list_versions = "SELECT group_concat(version) FROM (SELECT version FROM schema_migrations ORDER BY version);";
    const auto before = run_program(*sqlite3, {db, list_versions});
    ASSERT_EQ(before.exit_code, 0) << before.output();
    ASSERT_TRUE(ends_with(before.out, ",999\n")) << before.out;

    const auto served = run_congress({"serve", "--db", db, "--address", "127.0.0.1", "--port", "0", "--port-file",
                                      dir.file("port"), "--web-root", web_root()});
    ASSERT_NE(served.exit_code, -1) << "serve did not exit on a newer schema: " << served.output();
    EXPECT_NE(served.exit_code, 0) << served.output();
    EXPECT_TRUE(contains(served.err, "999")) << served.err;
    EXPECT_TRUE(contains(served.err, "newer")) << served.err;
    EXPECT_FALSE(file_exists(dir.file("port"))) << "it listened before checking the schema";

    // migrate refuses it too, and leaves it alone.
    const auto again = run_congress({"migrate", "--db", db});
    EXPECT_NE(again.exit_code, 0) << again.output();
    EXPECT_TRUE(contains(again.err, "999")) << again.err;
    const auto after = run_program(*sqlite3, {db, list_versions});
    EXPECT_EQ(after.out, before.out) << after.output();
}

TEST(Lifecycle, HelpNamesTheCommandsAndOptions) {
    for (const std::vector<std::string>& args : {std::vector<std::string>{"--help"}, {"help"}, {"serve", "--help"}}) {
        const auto r = run_congress(args);
        EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.output();
        for (const char* word : {"serve", "migrate", "demo-load", "--port", "--db", "--web-root", "CONGRESS_PORT"})
            EXPECT_TRUE(contains(r.out, word)) << args[0] << " help does not mention " << word << ":\n" << r.out;
    }
}

TEST(Lifecycle, UnknownOptionExitsTwoNamingIt) {
    const auto unknown = run_congress({"serve", "--frobnicate"});
    EXPECT_EQ(unknown.exit_code, 2) << unknown.output();
    EXPECT_TRUE(contains(unknown.err, "--frobnicate")) << unknown.output();

    const auto unknown_command = run_congress({"frobnicate"});
    EXPECT_EQ(unknown_command.exit_code, 2) << unknown_command.output();
    EXPECT_TRUE(contains(unknown_command.err, "frobnicate")) << unknown_command.output();

    const auto missing_value = run_congress({"serve", "--db"});
    EXPECT_EQ(missing_value.exit_code, 2) << missing_value.output();
    EXPECT_TRUE(contains(missing_value.err, "--db")) << missing_value.output();

    const auto bad_port = run_congress({"serve", "--port", "70000"});
    EXPECT_EQ(bad_port.exit_code, 2) << bad_port.output();
    EXPECT_TRUE(contains(bad_port.err, "--port")) << bad_port.output();

    const auto bad_env = run_congress({"serve"}, {{"CONGRESS_LOG_LEVEL", "loud"}});
    EXPECT_EQ(bad_env.exit_code, 2) << bad_env.output();
    EXPECT_TRUE(contains(bad_env.err, "loud")) << bad_env.output();
}

TEST(Lifecycle, EnvironmentSetsThePortFileAndTheLogLevel) {
    // No --port-file and no --log-level: the server found its way to the port file
    // through CONGRESS_PORT_FILE, or the fixture would not have seen it ready.
    ServerOptions options;
    options.log_level.clear();
    options.port_file_from_env = true;
    options.env = {{"CONGRESS_LOG_LEVEL", "debug"}};
    ServerProcess server(options);
    ASSERT_EQ(get(server.port(), "/api/events").status, 200);
    const auto log = server.log();
    EXPECT_TRUE(contains(log, " DEBUG ")) << log;
    EXPECT_TRUE(contains(log, "GET /api/events -> 200")) << log;
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
}

TEST(Lifecycle, CommandLineFlagWinsOverTheEnvironment) {
    ServerOptions options;
    options.log_level = "warn";
    options.env = {{"CONGRESS_LOG_LEVEL", "debug"}};
    ServerProcess server(options);
    ASSERT_EQ(get(server.port(), "/api/events").status, 200);
    EXPECT_FALSE(contains(server.log(), "DEBUG")) << server.log();
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.log();
}

}  // namespace
}  // namespace congress::it
