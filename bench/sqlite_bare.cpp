// sqlite_bare: the baseline for bench/registration_write.sh.
//
// The bare SQLite limit for durable single-row writes on one disk: a plain C++
// loop of single-row INSERT transactions, each one committed on its own, with
// journal_mode=WAL and synchronous=FULL (the settings of the Congress writer),
// so every transaction waits for its own fsync of the WAL. Congress's durable
// registrations/s is reported as a multiple of this rate, measured in the same
// run on the same disk (the database file is put next to the server's).
//
// Deliberately ordinary, nothing that cheats the fsync:
//   * one connection, one prepared INSERT statement reused (sqlite3_reset);
//   * autocommit: each sqlite3_step of the INSERT is its own transaction
//     (BEGIN/COMMIT implied), so one commit = one row = one WAL fsync;
//   * a table shaped like a registration row: an integer key, the event id,
//     a unique random code, name, email, status and two timestamps, with an
//     index on (event_id, status) and a unique index on (event_id, lower(email)),
//     like the real registrations table; the default WAL auto-checkpoint.
// No batching, no synchronous=NORMAL, no exclusive locking mode, no mmap.
//
// Usage: sqlite_bare --db FILE [--duration SECONDS] [--count N] [--warmup SECONDS]
//                    [--keep]
// FILE and its -wal/-shm are deleted first (a fresh database per run) and again
// at the end unless --keep. The run stops after --duration seconds (default 10)
// or --count transactions, whichever comes first (--count 0 = no limit). Warm-up
// transactions (default 1 s) go to the same table and are not counted.
//
// Prints a human line and a machine line:
//   BARE_RESULT tx=N duration_us=D tps=R p50_us=A p99_us=B max_us=C
// Latency is the wall time of one sqlite3_step (the INSERT plus its commit).
//
// Build: g++ -O2 -std=c++20 bench/sqlite_bare.cpp -o sqlite_bare -lsqlite3

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <ctime>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string db;
    double duration_s = 10;
    std::uint64_t count = 0;
    double warmup_s = 1;
    bool keep = false;
};

[[noreturn]] void usage(const char* argv0, const std::string& why) {
    std::cerr << "sqlite_bare: " << why << "\n"
              << "usage: " << argv0 << " --db FILE [--duration SECONDS] [--count N] [--warmup SECONDS] [--keep]\n";
    std::exit(2);
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(argv[0], std::string("missing value for ") + std::string(a));
            return argv[++i];
        };
        try {
            if (a == "--db") o.db = value();
            else if (a == "--duration") o.duration_s = std::stod(value());
            else if (a == "--count") o.count = std::stoull(value());
            else if (a == "--warmup") o.warmup_s = std::stod(value());
            else if (a == "--keep") o.keep = true;
            else if (a == "-h" || a == "--help") usage(argv[0], "help");
            else usage(argv[0], "unknown argument " + std::string(a));
        } catch (const std::logic_error&) {
            usage(argv[0], "bad value for " + std::string(a));
        }
    }
    if (o.db.empty()) usage(argv[0], "--db is required");
    if (o.duration_s <= 0 && o.count == 0) usage(argv[0], "need a positive --duration or --count");
    if (o.warmup_s < 0) usage(argv[0], "bad --warmup");
    return o;
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    std::cerr << "sqlite_bare: " << what << ": " << (db ? sqlite3_errmsg(db) : "?") << "\n";
    std::exit(1);
}

void exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "?";
        sqlite3_free(err);
        std::cerr << "sqlite_bare: " << sql << ": " << msg << "\n";
        std::exit(1);
    }
}

std::string pragma_text(sqlite3* db, const char* sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) fail(db, sql);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(st, 0);
        out = t ? reinterpret_cast<const char*>(t) : "";
    }
    sqlite3_finalize(st);
    return out;
}

void remove_db(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
}

// A 26-character base32 code like Congress's registration codes.
std::string random_code(std::mt19937_64& rng) {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::string s(26, 'a');
    for (auto& c : s) c = alphabet[rng() & 31];
    return s;
}

std::string utc_now() {
    const auto t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

int main(int argc, char** argv) {
    const Options opt = parse_args(argc, argv);
    remove_db(opt.db);

    sqlite3* db = nullptr;
    if (sqlite3_open_v2(opt.db.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
        fail(db, "open " + opt.db);
    exec(db, "PRAGMA journal_mode = WAL");
    exec(db, "PRAGMA synchronous = FULL");
    const std::string journal = pragma_text(db, "PRAGMA journal_mode");
    const std::string sync = pragma_text(db, "PRAGMA synchronous");  // 2 = FULL
    if (journal != "wal" || sync != "2") {
        std::cerr << "sqlite_bare: expected journal_mode=wal synchronous=2, got " << journal << " " << sync << "\n";
        return 1;
    }
    exec(db,
         "CREATE TABLE registrations ("
         " id INTEGER PRIMARY KEY,"
         " event_id INTEGER NOT NULL,"
         " code TEXT NOT NULL UNIQUE,"
         " name TEXT NOT NULL,"
         " email TEXT NOT NULL,"
         " status TEXT NOT NULL,"
         " created_at TEXT NOT NULL,"
         " updated_at TEXT NOT NULL)");
    exec(db, "CREATE INDEX registrations_by_event ON registrations(event_id, status)");
    exec(db, "CREATE UNIQUE INDEX registrations_one_per_email ON registrations(event_id, lower(email))");

    sqlite3_stmt* insert = nullptr;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO registrations (event_id, code, name, email, status, created_at, updated_at)"
                           " VALUES (27, ?1, ?2, ?3, 'confirmed', ?4, ?4)",
                           -1, &insert, nullptr) != SQLITE_OK)
        fail(db, "prepare INSERT");

    std::mt19937_64 rng(std::random_device{}());
    std::uint64_t serial = 0;
    // One single-row transaction (autocommit); returns its latency in microseconds.
    auto one_tx = [&]() -> std::uint32_t {
        ++serial;
        const std::string code = random_code(rng);
        const std::string name = "Bench Delegate " + std::to_string(serial);
        const std::string email = "bare-" + std::to_string(serial) + "@bench.example.org";
        const std::string now = utc_now();
        sqlite3_bind_text(insert, 1, code.data(), static_cast<int>(code.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 2, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 3, email.data(), static_cast<int>(email.size()), SQLITE_TRANSIENT);
        sqlite3_bind_text(insert, 4, now.data(), static_cast<int>(now.size()), SQLITE_TRANSIENT);
        const auto t0 = Clock::now();
        const int rc = sqlite3_step(insert);
        const auto t1 = Clock::now();
        if (rc != SQLITE_DONE) fail(db, "INSERT");
        sqlite3_reset(insert);
        if (!sqlite3_get_autocommit(db)) fail(db, "not in autocommit mode");
        return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count());
    };

    if (opt.warmup_s > 0) {
        const auto end = Clock::now() + std::chrono::duration<double>(opt.warmup_s);
        while (Clock::now() < end) one_tx();
    }

    std::vector<std::uint32_t> lat;
    lat.reserve(1 << 16);
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration<double>(opt.duration_s > 0 ? opt.duration_s : 1e9);
    Clock::time_point now = start;
    while (now < deadline && (opt.count == 0 || lat.size() < opt.count)) {
        lat.push_back(one_tx());
        now = Clock::now();
    }
    const double elapsed_us = std::chrono::duration<double, std::micro>(now - start).count();

    sqlite3_finalize(insert);
    // Check what is in the file: warm-up plus measured rows.
    const std::string rows = pragma_text(db, "SELECT count(*) FROM registrations");
    if (sqlite3_close(db) != SQLITE_OK) fail(db, "close");
    if (!opt.keep) remove_db(opt.db);

    if (lat.empty()) {
        std::cerr << "sqlite_bare: no transaction completed\n";
        return 1;
    }
    const std::uint64_t n = lat.size();
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double p) {
        // nearest-rank percentile
        auto idx = static_cast<std::size_t>(std::max(0.0, std::ceil(p / 100.0 * static_cast<double>(n)) - 1));
        return lat[std::min<std::size_t>(idx, n - 1)];
    };
    const double tps = static_cast<double>(n) / (elapsed_us / 1e6);
    std::printf("sqlite_bare: %llu single-row transactions in %.3f s = %.1f tx/s, p50 %.3f ms, p99 %.3f ms, max %.3f ms "
                "(%s rows in the table incl. warm-up)\n",
                static_cast<unsigned long long>(n), elapsed_us / 1e6, tps, pct(50) / 1000.0, pct(99) / 1000.0,
                lat.back() / 1000.0, rows.c_str());
    std::printf("BARE_RESULT tx=%llu duration_us=%.0f tps=%.1f p50_us=%u p99_us=%u max_us=%u rows=%s\n",
                static_cast<unsigned long long>(n), elapsed_us, tps, pct(50), pct(99), lat.back(), rows.c_str());
    return 0;
}
