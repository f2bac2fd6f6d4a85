// Runs the real `congress` binary for the integration tests: a fresh temporary directory,
// `congress migrate` and `congress demo-load` into it, then `congress serve` on a free
// port as a child process (fork/exec), with its stderr in DIR/server.log.
//
// Waits are bounded and generous, and fail with a message that includes the server log;
// nothing here measures how fast the server is.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace congress::it {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

std::string congress_binary();  // $CONGRESS_IT_BINARY if set, else CONGRESS_BINARY (the build's)
std::string source_dir();       // CONGRESS_SOURCE_DIR
std::string demo_file();        // schema/demo/metropolis-2014.json in the source tree
std::string web_root();         // web/ in the source tree
std::string read_text_file(const std::string& path);  // empty if unreadable

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on
// destruction unless CONGRESS_IT_KEEP_TMP is set (for post-mortems).
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

struct CommandResult {
    int exit_code = -1;  // exit status; 128 + N if killed by signal N; -1 if it had to be killed (timeout)
    std::string out;     // stdout
    std::string err;     // stderr
    std::string output() const { return out + err; }
};

// Runs `program ARGS...` to completion (bounded by `timeout`, then killed). The child's
// environment is the test's minus every CONGRESS_* variable, plus `env`.
CommandResult run_program(const std::string& program, const std::vector<std::string>& args, const EnvVars& env = {},
                          std::chrono::seconds timeout = std::chrono::seconds(30));

// The full path of `name` on $PATH, if there is an executable of that name.
std::optional<std::string> find_program(const std::string& name);

// Runs `congress ARGS...` to completion (bounded by `timeout`, then killed). The child's
// environment is the test's minus every CONGRESS_* variable, plus `env`.
CommandResult run_congress(const std::vector<std::string>& args, const EnvVars& env = {},
                           std::chrono::seconds timeout = std::chrono::seconds(30));

struct ServerOptions {
    // Appended after the standard serve flags (a later flag wins over an earlier one).
    std::vector<std::string> extra_args;
    // Extra environment for `serve` (CONGRESS_* from the test's own environment are dropped).
    EnvVars env;
    // Passed as --log-level; empty: no flag (the environment or the default decides).
    std::string log_level = "warn";
    // Tell the server where to write its port with CONGRESS_PORT_FILE instead of --port-file.
    bool port_file_from_env = false;
    // The server serves TLS: ready when a plain GET /api/health is redirected to https.
    bool tls = false;
    // Bounded wait for the port file and a successful GET /api/health.
    std::chrono::seconds ready_timeout{15};
    // > 0: the server's limit on open file descriptors (RLIMIT_NOFILE), to run it out of them.
    int max_open_files = 0;
    // Runs `serve` through this command (e.g. {"/usr/bin/setpriv", "--reuid=65534", ...}),
    // which must exec it in place.
    std::vector<std::string> command_prefix;
    // Runs on the database file after `migrate` and `demo-load`, before the first `serve`
    // (e.g. to change capacities with the sqlite3 tool); throw to fail the start.
    std::function<void(const std::string& db_path)> prepare_database;
};

class ServerProcess {
public:
    // Prepares the database and starts serving; throws std::runtime_error (with the
    // command output or the server log) if any step fails or readiness times out.
    explicit ServerProcess(ServerOptions options = {});
    ~ServerProcess();  // kills the server (SIGKILL) if it still runs
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& dir() const { return dir_.path(); }
    std::string db_path() const { return dir_.file("congress.db"); }
    std::string log_path() const { return dir_.file("server.log"); }
    std::string log() const;  // everything the server wrote to stdout and stderr so far

    bool running();
    // Sends a signal and returns at once.
    void signal(int sig);
    // Waits (bounded) for the server to exit: its exit status, 128 + N if killed by
    // signal N, or nullopt if it still runs after `timeout`.
    std::optional<int> wait_exit(std::chrono::seconds timeout = std::chrono::seconds(30));
    // signal() + wait_exit(); a server that does not exit in time is killed and -1 returned.
    int stop(int sig = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(30));
    // Serves again on the same database (no migrate, no demo-load) with the same options,
    // after the server has exited (stop() or SIGKILL). Waits for readiness like the
    // constructor; the new port is port(). The log of the new run is appended to log().
    void restart();

private:
    void start(bool first);
    void kill_now();

    TempDir dir_;
    ServerOptions options_;
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::optional<int> exit_status_;
};

}  // namespace congress::it
