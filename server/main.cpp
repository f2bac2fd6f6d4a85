// congress: the event and congress management server. main() only wires the parts.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "admin/letters_command.hpp"
#include "admin/session_command.hpp"
#include "admin/user_command.hpp"
#include "api/authenticator.hpp"
#include "api/live_feed.hpp"
#include "api/response_cache.hpp"
#include "api/routes.hpp"
#include "api/static_files.hpp"
#include "auth/login_throttle.hpp"
#include "auth/password_hasher.hpp"
#include "config.hpp"
#include "net/http_server.hpp"
#include "net/wire.hpp"
#include "storage/database.hpp"
#include "storage/demo_loader.hpp"
#include "storage/migrations.hpp"
#include "storage/registration_store.hpp"
#include "util/log.hpp"

using namespace congress;

namespace {

constexpr const char* usage = R"(congress - event and congress management server

Usage:
  congress serve [options]       serve the API and the web UI
  congress migrate [options]     create the database or bring its schema up to date
  congress demo-load [options]   load the demo programme (Metropolis 2014 events)
  congress session --id N ...    change a session (time, room, capacity, cancel);
                                 see congress session --help
  congress event --id N ...      change an event's capacity or allow late promotion
  congress user add|passwd|disable|enable|grant|revoke|list ...
                                 staff accounts and roles (the first admin too);
                                 see congress user --help
  congress letters purge --event ID
                                 erase visa letters' passport numbers and dates of
                                 birth once the event has ended (docs/letters.md)
  congress letters rekey --old-key-file F --new-key-file F
                                 re-seal every stored passport number under a new key
  congress version               print the version and the schema version
  congress help                  this text

Every option can also be set with the environment variable shown in brackets;
a command-line flag wins over the environment.

Options:
)";

constexpr const char* usage_tail = R"(
Examples:
  congress migrate --db /var/lib/congress/congress.db
  congress demo-load --db congress.db              # dates moved forward, weekdays kept
  congress demo-load --db congress.db --as-published
  congress serve --db congress.db --port 8080 --web-root web
)";

void print_help() { std::cout << usage << config_help() << usage_tail; }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream content;
    content << in.rdbuf();
    return std::move(content).str();
}

int migrate_command(const Config& config) {
    storage::Connection conn(config.db_path, storage::OpenMode::read_write_create);
    storage::configure_writer(conn);
    const int applied = storage::migrate(conn, storage::builtin_migrations());
    std::cout << config.db_path << ": schema at version " << storage::current_version(conn) << " (" << applied
              << " migration(s) applied)\n";
    return 0;
}

int demo_load_command(const Config& config) {
    storage::Connection conn(config.db_path, storage::OpenMode::read_write_create);
    storage::configure_writer(conn);
    storage::migrate(conn, storage::builtin_migrations());
    storage::DemoOptions options;
    options.as_published = config.demo_as_published;
    options.replace = config.demo_replace;
    const auto summary = storage::load_demo(conn, read_file(config.demo_file), options);
    std::cout << "Loaded the demo into " << config.db_path << ": " << summary.events << " events, " << summary.sessions
              << " sessions, " << summary.venues << " venues, " << summary.rooms << " rooms, " << summary.organisations
              << " organisations, " << summary.people << " people.\n";
    if (summary.shift_weeks > 0)
        std::cout << "Dates moved forward by " << summary.shift_weeks
                  << " weeks (weekdays and local times kept; --as-published keeps the 2014 dates).\n";
    return 0;
}

int serve_command(const Config& config) {
    net::ServerOptions server_options;
    server_options.address = config.address;
    server_options.port = config.port;
    server_options.port_file = config.port_file;
    server_options.threads = config.threads;
    server_options.max_header_bytes = config.max_header_bytes;
    server_options.max_body_bytes = config.max_body_bytes;
    server_options.idle_timeout = std::chrono::seconds(config.idle_timeout_seconds);
    server_options.shutdown_grace = std::chrono::seconds(config.shutdown_grace_seconds);
    server_options.live.allowed_origins = config.allowed_origins;
    server_options.live.idle_timeout = std::chrono::seconds(config.live_idle_timeout_seconds);
    server_options.max_connections_per_address = config.max_connections_per_address;
    server_options.tls_cert = config.tls_cert;
    server_options.tls_key = config.tls_key;
    // The server (and its io_context) outlives the database: see HttpServer.
    net::HttpServer server(server_options);

    api::StaticFiles web(config.web_root);
    storage::Database db(storage::DatabaseOptions{config.db_path, config.db_readers, true});
    api::ResponseCache cache;
    live::HubOptions hub_options;
    hub_options.delivery_thread = true;  // commits never wait for sockets
    hub_options.wire = net::make_websocket_wire(config.live_send_batch);
    live::Hub hub(hub_options);
    api::LiveFeed feed(db, hub, cache);
    // After each commit: drop cached reads first (a caller answered next must see its own
    // write), then push what changed to live clients.
    db.set_commit_listener([&cache, &feed](storage::Connection& conn, const storage::ChangeSet& changes) {
        if (!changes.events.empty()) cache.invalidate();  // check-ins alone change no cached read
        feed.on_commit(conn, changes);
    });
    feed.start_watcher(std::chrono::milliseconds(config.watch_interval_ms));
    // Each batch's answers go back to the network threads as one job: one wake-up per
    // commit instead of one per caller (the writer and those threads may share a core).
    db.set_completion_runner([&server](std::function<void()> callbacks) { server.post(std::move(callbacks)); });
    // Staff sign-in: scrypt on a capped pool, failed-login back-off, sessions looked up
    // per request, expired ones swept hourly.
    auth::PasswordHasherOptions hasher_options;
    hasher_options.concurrent = config.password_hashes;
    hasher_options.max_waiting = static_cast<std::size_t>(config.password_queue);
    auth::PasswordHasher hasher(hasher_options);
    auth::LoginThrottle throttle;
    storage::SessionPolicy session_policy;
    session_policy.idle_timeout = std::chrono::seconds(config.session_idle_seconds);
    session_policy.absolute_timeout = std::chrono::seconds(config.session_max_age_seconds);
    api::StaffSessionSweeper sweeper(db, session_policy);
    api::Services services{db, cache, web};
    services.authenticator = api::session_authenticator(db, session_policy);
    feed.set_authenticator(services.authenticator);  // staff-only live topics (check-in counters)
    services.hasher = &hasher;
    services.throttle = &throttle;
    services.session_policy = session_policy;
    services.secure_cookies = config.secure_cookies;
    if (!config.letters_key_file.empty()) {
        // A key file that is named but unreadable or malformed stops the server: letters
        // sealed with one key must never be opened with another.
        services.letters_key = std::make_shared<const auth::SealKey>(auth::load_seal_key_file(config.letters_key_file));
        log::info("main", "visa letters: key loaded from " + config.letters_key_file);
    } else {
        log::warn("main", "no --letters-key-file: the visa letter routes answer 503");
    }
    if (const char* hooks = std::getenv("CONGRESS_TEST_HOOKS"); hooks && *hooks) {
#ifdef CONGRESS_TEST_HOOKS
        services.hooks = storage::parse_test_hooks(hooks);
        log::warn("main", std::string("TEST HOOKS ACTIVE: ") + hooks + " (never in production)");
#else
        log::warn("main", "CONGRESS_TEST_HOOKS is set but this binary was built without test hooks; ignoring it");
#endif
    }
    api::Router router;
    api::add_routes(router, services);

    log::info("main", "database " + config.db_path + " (schema version " +
                          std::to_string(storage::latest_version(storage::builtin_migrations())) + "), web root " +
                          config.web_root + ", " + std::to_string(config.threads) + " thread(s)");
    server.run(router, net::LiveServices{&hub, &feed}, [&config](std::uint16_t port) {
        const auto host = config.address == "0.0.0.0" || config.address == "::" ? std::string("localhost") : config.address;
        const auto scheme = config.tls_cert.empty() ? "http://" : "https://";
        log::info("main", "Congress is serving on " + std::string(scheme) + (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
                              ":" + std::to_string(port) + "/");
    });
    // The network threads have stopped: callbacks of later commits run on the writer again.
    db.set_completion_runner({});
    // Logins still being hashed finish (their writes are queued) before the database closes.
    hasher.close();
    sweeper.stop();
    log::info("main", "closing the database");
    // Writes still queued run now, while the cache and live feed their commits notify exist.
    db.close();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "help";
    if (command == "help" || command == "--help" || command == "-h") {
        print_help();
        return 0;
    }
    if (command == "version" || command == "--version") {
        std::cout << "congress 0.1.0 (schema version " << storage::latest_version(storage::builtin_migrations()) << ")\n";
        return 0;
    }
    const std::vector<std::string> args(argv + 2, argv + argc);
    const auto getenv = [](const char* name) -> const char* { return std::getenv(name); };
    const bool help_asked = std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
    if (command == "session") {
        if (help_asked) std::cout << admin::session_command_help();
        return help_asked ? 0 : admin::session_command(args, getenv);
    }
    if (command == "user") {
        if (help_asked) std::cout << admin::user_command_help();
        return help_asked ? 0 : admin::user_command(args, getenv);
    }
    if (command == "letters") {
        if (help_asked) std::cout << admin::letters_command_help();
        return help_asked ? 0 : admin::letters_command(args, getenv);
    }
    if (command == "event") {
        if (help_asked) std::cout << admin::event_command_help();
        return help_asked ? 0 : admin::event_command(args, getenv);
    }
    for (const auto& arg : args) {
        if (arg == "--help" || arg == "-h") {
            print_help();
            return 0;
        }
    }
    try {
        const Config config = parse_config(args, [](const char* name) -> const char* { return std::getenv(name); });
        log::set_level(config.log_level);
        if (command == "serve") return serve_command(config);
        if (command == "migrate") return migrate_command(config);
        if (command == "demo-load") return demo_load_command(config);
        std::cerr << "congress: unknown command \"" << command << "\" (try congress --help)\n";
        return 2;
    } catch (const ConfigError& e) {
        std::cerr << "congress: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "congress: " << e.what() << '\n';
        return 1;
    }
}
