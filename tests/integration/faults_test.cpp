// Faults outside the request (issue 22): a full disk, a write lock held by another process
// and a read-only database file are answered 503 with a specific code and Retry-After,
// nothing is written, the cause is logged once, and /api/health says "degraded" until a
// write succeeds again. The full disk is real: a small tmpfs mounted by the test (skipped
// where mounting is not permitted).
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "integration/support.hpp"

namespace congress::it {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* hyderabad = "hyderabad-2014";

json health(std::uint16_t port) { return parse_json(get(port, "/api/health").body); }

long long confirmed(std::uint16_t port) {
    const auto event = parse_json(get(port, std::string("/api/events/") + hyderabad).body);
    return event.value("confirmed", -1LL);
}

Response register_delegate(std::uint16_t port, const std::string& email) {
    const auto event = parse_json(get(port, std::string("/api/events/") + hyderabad).body);
    return post_json(port, "/api/events/" + std::to_string(event.value("id", 0LL)) + "/registrations",
                     {{"name", "Ana Fault"}, {"email", email}}, {}, 30s);
}

// Polls /api/health (which also lets the server probe a write) until it says `status`.
bool health_becomes(std::uint16_t port, const std::string& status) {
    for (int i = 0; i < 100; ++i) {
        if (health(port).value("status", "") == status) return true;
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

// A tmpfs of `megabytes` mounted on a fresh directory, unmounted on destruction.
class SmallDisk {
public:
    explicit SmallDisk(int megabytes) {
        if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + std::to_string(megabytes) + "m").c_str()) == 0)
            mounted_ = true;
        else
            why_not_ = std::strerror(errno);
    }
    ~SmallDisk() {
        if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    const std::string& why_not() const { return why_not_; }
    std::string file(const std::string& name) const { return dir_.file(name); }

    // Writes to `name` until the disk is full.
    void fill(const std::string& name) {
        std::FILE* f = std::fopen(file(name).c_str(), "wb");
        ASSERT_NE(f, nullptr);
        const std::string block(64 * 1024, 'x');
        while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) {
        }
        std::fclose(f);
    }

private:
    TempDir dir_;
    bool mounted_ = false;
    std::string why_not_;
};

TEST(StorageFaults, FullDiskAnswers503StorageFullChangesNothingAndRecovers) {
    SmallDisk disk(64);
    if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.why_not() << "); the full-disk case needs one";
    const auto db = disk.file("congress.db");
    ServerOptions options;
    options.prepare_database = [db](const std::string& prepared) { std::filesystem::copy_file(prepared, db); };
    options.extra_args = {"--db", db};
    ServerProcess server(options);
    const auto port = server.port();
    ASSERT_EQ(health(port), json({{"status", "ok"}}));
    const auto before = confirmed(port);

    disk.fill("filler");
    for (int i = 0; i < 3; ++i) {
        const auto r = register_delegate(port, "full" + std::to_string(i) + "@example.org");
        EXPECT_EQ(r.status, 503) << r.body << "\n" << server.log();
        EXPECT_TRUE(is_json_error(r, "storage_full"));
        EXPECT_FALSE(r.header("Retry-After").empty());
    }
    EXPECT_EQ(confirmed(port), before) << "a refused registration was counted";
    const auto degraded = health(port);
    EXPECT_EQ(degraded.value("status", ""), "degraded") << degraded;
    EXPECT_EQ(degraded.value("reason", ""), "storage_full") << degraded;
    // Logged once with the cause, not once per refused write.
    EXPECT_EQ(count_lines_containing(server.log(), "writes fail (storage_full)"), 1) << server.log();
    EXPECT_EQ(count_lines_containing(server.log(), "internal_error"), 0) << server.log();

    // Space again: health notices without anyone registering, and writes succeed.
    std::filesystem::remove(disk.file("filler"));
    EXPECT_TRUE(health_becomes(port, "ok")) << health(port);
    const auto r = register_delegate(port, "full0@example.org");  // the refused one left no trace
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(confirmed(port), before + 1);
    server.stop();
}

TEST(StorageFaults, WriteLockHeldByAnotherProcessAnswers503StorageBusy) {
    const auto sqlite3 = find_program("sqlite3");
    if (!sqlite3) GTEST_SKIP() << "needs the sqlite3 command-line tool";
    ServerProcess server;
    const auto port = server.port();
    const auto before = confirmed(port);
    // Another program holds the write lock for longer than the server's 5 s busy timeout.
    std::thread holder([&] { run_program(*sqlite3, {server.db_path(), "BEGIN IMMEDIATE;", ".shell sleep 9", "COMMIT;"}, {}, 60s); });
    std::this_thread::sleep_for(500ms);
    const auto r = register_delegate(port, "busy@example.org");
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_TRUE(is_json_error(r, "storage_busy"));
    EXPECT_EQ(r.header("Retry-After"), "5");
    const auto degraded = health(port);
    EXPECT_EQ(degraded.value("status", ""), "degraded") << degraded;
    EXPECT_EQ(degraded.value("reason", ""), "storage_busy") << degraded;
    holder.join();
    EXPECT_EQ(confirmed(port), before);
    EXPECT_TRUE(health_becomes(port, "ok")) << health(port);
    const auto again = register_delegate(port, "busy@example.org");
    EXPECT_EQ(again.status, 201) << again.body;
    EXPECT_EQ(count_lines_containing(server.log(), "writes fail (storage_busy)"), 1) << server.log();
}

TEST(StorageFaults, ReadOnlyDatabaseFileAnswers503StorageReadOnly) {
    // Root writes through any file mode, so the server runs as nobody here.
    const auto setpriv = find_program("setpriv");
    if (!setpriv || ::geteuid() != 0) GTEST_SKIP() << "needs root and setpriv to run the server as another user";
    ServerOptions options;
    options.prepare_database = [](const std::string& db) {
        // The server's directory open to it (port file, WAL index), the database file not.
        ::chmod(std::filesystem::path(db).parent_path().c_str(), 0777);
        ::chmod(db.c_str(), 0444);
    };
    options.command_prefix = {*setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"};
    std::unique_ptr<ServerProcess> server;
    try {
        server = std::make_unique<ServerProcess>(options);
    } catch (const std::exception& e) {
        FAIL() << "the server did not start on a read-only database: " << e.what();
    }
    const auto port = server->port();
    const auto before = confirmed(port);
    ASSERT_GE(before, 0);
    const auto r = register_delegate(port, "readonly@example.org");
    EXPECT_EQ(r.status, 503) << r.body << "\n" << server->log();
    EXPECT_TRUE(is_json_error(r, "storage_read_only"));
    EXPECT_FALSE(r.header("Retry-After").empty());
    EXPECT_EQ(health(port).value("reason", ""), "storage_read_only");
    EXPECT_EQ(confirmed(port), before);
}

}  // namespace
}  // namespace congress::it
