#include "integration/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "integration/http_client.hpp"

extern char** environ;

namespace congress::it {

namespace {

using Clock = std::chrono::steady_clock;

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// The child's environment: ours without CONGRESS_* (so a developer's settings do not
// leak into the tests) and without what `extra` sets, plus `extra`.
std::vector<std::string> child_environment(const EnvVars& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        if (entry.rfind("CONGRESS_", 0) == 0) continue;
        bool replaced = false;
        for (const auto& [name, value] : extra)
            replaced = replaced || (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
                                    entry[name.size()] == '=');
        if (!replaced) env.emplace_back(entry);
    }
    for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& s : strings) result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const char* binary, char* const* argv, char* const* envp, int out_fd, int err_fd,
                             int max_open_files = 0) {
#ifdef __linux__
    // If the test process dies, so does the server: no orphans holding ports.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    if (max_open_files > 0) {
        const rlimit limit{static_cast<rlim_t>(max_open_files), static_cast<rlim_t>(max_open_files)};
        ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    ::execve(binary, argv, envp);
    static const char message[] = "integration test: execve failed\n";
    [[maybe_unused]] auto ignored = ::write(2, message, sizeof message - 1);
    ::_exit(127);
}

std::string join(const std::vector<std::string>& args) {
    std::string text;
    for (const auto& a : args) text += (text.empty() ? "" : " ") + a;
    return text;
}

}  // namespace

std::string congress_binary() {
    // CONGRESS_IT_BINARY runs the suite against another build (e.g. an installed one).
    const char* other = std::getenv("CONGRESS_IT_BINARY");
    return other && *other ? other : CONGRESS_BINARY;
}
std::string source_dir() { return CONGRESS_SOURCE_DIR; }
std::string demo_file() { return source_dir() + "/schema/demo/metropolis-2014.json"; }
std::string web_root() { return source_dir() + "/web"; }

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream content;
    content << in.rdbuf();
    return std::move(content).str();
}

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/congress-it-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
    path_ = pattern;
}

TempDir::~TempDir() {
    if (std::getenv("CONGRESS_IT_KEEP_TMP")) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::optional<std::string> find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!dirs.empty()) {
        const auto colon = dirs.find(':');
        const auto dir = dirs.substr(0, colon);
        dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
        if (dir.empty()) continue;
        const auto candidate = std::string(dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

CommandResult run_congress(const std::vector<std::string>& args, const EnvVars& env, std::chrono::seconds timeout) {
    return run_program(congress_binary(), args, env, timeout);
}

CommandResult run_program(const std::string& program, const std::vector<std::string>& args, const EnvVars& env,
                          std::chrono::seconds timeout) {
    const std::string binary = program;
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    auto env_strings = child_environment(env);
    auto argv = pointers(argv_strings);
    auto envp = pointers(env_strings);

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) exec_child(binary.c_str(), argv.data(), envp.data(), out_pipe[1], err_pipe[1]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    CommandResult result;
    std::string* sinks[2] = {&result.out, &result.err};
    int fds[2] = {out_pipe[0], err_pipe[0]};
    const auto deadline = Clock::now() + timeout;
    bool timed_out = false;
    // Drain both pipes until the child closes them (it exits), or the deadline.
    while (fds[0] >= 0 || fds[1] >= 0) {
        if (Clock::now() >= deadline) {
            timed_out = true;
            break;
        }
        pollfd polls[2];
        nfds_t count = 0;
        int which[2];
        for (int i = 0; i < 2; ++i) {
            if (fds[i] < 0) continue;
            polls[count] = pollfd{fds[i], POLLIN, 0};
            which[count++] = i;
        }
        const int ready = ::poll(polls, count, 100);
        if (ready < 0 && errno != EINTR) break;
        for (nfds_t k = 0; k < count; ++k) {
            if (!(polls[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const int i = which[k];
            char chunk[4096];
            const auto n = ::read(fds[i], chunk, sizeof chunk);
            if (n > 0) {
                sinks[i]->append(chunk, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    for (int fd : fds)
        if (fd >= 0) ::close(fd);

    int status = 0;
    if (timed_out) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        result.exit_code = -1;
        result.err += "\n[integration test: `" + program + " " + join(args) + "` did not finish within " +
                      std::to_string(timeout.count()) + " s and was killed]\n";
        return result;
    }
    // The pipes are closed, so the child is exiting; wait for it (bounded as well).
    for (;;) {
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) break;
        if (Clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            result.exit_code = -1;
            return result;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    result.exit_code = decode_status(status);
    return result;
}

ServerProcess::ServerProcess(ServerOptions options) {
    const auto db = db_path();
    const auto migrated = run_congress({"migrate", "--db", db});
    if (migrated.exit_code != 0)
        throw std::runtime_error("`congress migrate` failed with status " + std::to_string(migrated.exit_code) + ":\n" +
                                 migrated.output());
    const auto loaded = run_congress({"demo-load", "--db", db, "--demo-file", demo_file()});
    if (loaded.exit_code != 0)
        throw std::runtime_error("`congress demo-load` failed with status " + std::to_string(loaded.exit_code) + ":\n" +
                                 loaded.output());
    if (options.prepare_database) options.prepare_database(db);
    options_ = std::move(options);
    start(true);
}

void ServerProcess::restart() {
    if (running()) throw std::runtime_error("restart(): the server still runs (pid " + std::to_string(pid_) + ")");
    start(false);
}

void ServerProcess::start(bool first) {
    const ServerOptions& options = options_;
    const auto db = db_path();
    pid_ = -1;
    port_ = 0;
    exit_status_.reset();
    const auto port_file = dir_.file("port");
    // A port file left by an earlier run would name a port nobody listens on any more.
    ::unlink(port_file.c_str());
    std::string binary = congress_binary();
    std::vector<std::string> args{binary, "serve", "--db", db, "--address", "127.0.0.1", "--port", "0",
                                  "--web-root", web_root()};
    EnvVars env = options.env;
    if (options.port_file_from_env) {
        env.emplace_back("CONGRESS_PORT_FILE", port_file);
    } else {
        args.insert(args.end(), {"--port-file", port_file});
    }
    if (!options.log_level.empty()) args.insert(args.end(), {"--log-level", options.log_level});
    args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
    if (!options.command_prefix.empty()) {
        args.insert(args.begin(), options.command_prefix.begin(), options.command_prefix.end());
        binary = options.command_prefix.front();
    }

    auto env_strings = child_environment(env);
    auto argv = pointers(args);
    auto envp = pointers(env_strings);
    // A restart appends to the log of the earlier run(s).
    const int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | (first ? O_TRUNC : 0) | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) throw std::runtime_error("cannot create " + log_path() + ": " + std::strerror(errno));
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(log_fd);
        throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    }
    if (pid_ == 0) exec_child(binary.c_str(), argv.data(), envp.data(), log_fd, log_fd, options.max_open_files);
    ::close(log_fd);

    // Ready once the port file names a port and /api/health answers 200 on it.
    const auto deadline = Clock::now() + options.ready_timeout;
    std::string last_problem = "no port file yet";
    while (Clock::now() < deadline) {
        if (!running()) {
            throw std::runtime_error("`" + join(args) + "` exited with status " +
                                     std::to_string(exit_status_.value_or(-1)) + " before it was ready. Log:\n" + log());
        }
        const auto text = read_text_file(port_file);
        const int port = std::atoi(text.c_str());
        if (port > 0 && port < 65536) {
            const auto health = request(static_cast<std::uint16_t>(port), "GET", "/api/health", {}, {},
                                        std::chrono::milliseconds(2000));
            if (health.status == 200 || (options.tls && health.status == 308)) {
                port_ = static_cast<std::uint16_t>(port);
                return;
            }
            last_problem = "GET /api/health on port " + std::to_string(port) + ": " +
                           (health.status ? "status " + std::to_string(health.status) : health.error);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill_now();
    throw std::runtime_error("`" + join(args) + "` was not ready within " + std::to_string(options.ready_timeout.count()) +
                             " s (" + last_problem + "). Log:\n" + log());
}

ServerProcess::~ServerProcess() { kill_now(); }

std::string ServerProcess::log() const { return read_text_file(log_path()); }

bool ServerProcess::running() {
    if (pid_ <= 0 || exit_status_) return false;
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
        exit_status_ = decode_status(status);
        return false;
    }
    return done == 0;
}

void ServerProcess::signal(int sig) {
    if (running()) ::kill(pid_, sig);
}

std::optional<int> ServerProcess::wait_exit(std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (running()) {
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return exit_status_;
}

int ServerProcess::stop(int sig, std::chrono::seconds timeout) {
    signal(sig);
    if (const auto status = wait_exit(timeout)) return *status;
    kill_now();
    return -1;
}

void ServerProcess::kill_now() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) exit_status_ = decode_status(status);
}

}  // namespace congress::it
