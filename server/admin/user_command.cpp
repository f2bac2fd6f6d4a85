#include "admin/user_command.hpp"

#include <charconv>
#include <csignal>
#include <iomanip>
#include <iostream>
#include <optional>

#include <openssl/crypto.h>
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include "auth/password.hpp"
#include "domain/registration.hpp"
#include "domain/staff.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/event_repository.hpp"
#include "storage/migrations.hpp"
#include "storage/staff_store.hpp"

namespace congress::admin {

namespace {

class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct Options {
    std::string subcommand;
    std::string db_path;
    std::optional<std::string> email;
    std::optional<std::string> name;
    std::optional<domain::Role> role;
    std::optional<std::string> event;  // an id or a slug
};

Options parse_options(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
    Options options;
    const char* env_db = getenv("CONGRESS_DB");
    options.db_path = env_db && *env_db ? env_db : "congress.db";
    if (args.empty()) throw UsageError("which command? add, passwd, disable, enable, grant, revoke or list");
    options.subcommand = args[0];
    for (std::size_t i = 1; i < args.size(); ++i) {
        const auto& flag = args[i];
        if (i + 1 >= args.size()) throw UsageError("unknown option or missing value: " + flag);
        const auto& value = args[++i];
        if (flag == "--email") options.email = value;
        else if (flag == "--name") options.name = value;
        else if (flag == "--db") options.db_path = value;
        else if (flag == "--event") options.event = value;
        else if (flag == "--role") {
            options.role = domain::parse_role(value);
            if (!options.role) throw UsageError("--role takes admin, organiser or checkin (got \"" + value + "\")");
        } else throw UsageError("unknown option " + flag);
    }
    const auto& sub = options.subcommand;
    const bool known = sub == "add" || sub == "passwd" || sub == "disable" || sub == "enable" || sub == "grant" ||
                       sub == "revoke" || sub == "list";
    if (!known) throw UsageError("unknown command \"" + sub + "\"");
    if (sub != "list" && !options.email) throw UsageError("--email is required");
    if (sub == "add" && !options.name) throw UsageError("--name is required");
    if ((sub == "grant" || sub == "revoke") && !options.role) throw UsageError("--role is required");
    if (options.event && !options.role) throw UsageError("--event goes with --role");
    if (options.email && !domain::normalise_staff_email(*options.email))
        throw UsageError("\"" + *options.email + "\" is not a usable email address");
    if (options.name && !domain::normalise_display_name(*options.name))
        throw UsageError("--name takes 1 to 200 characters, without control characters");
    return options;
}

// The person running the command, for the audit log.
std::string unix_user() {
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
    return "uid" + std::to_string(getuid());
}

// --- reading a password --------------------------------------------------------------

// The terminal's settings while echo is off, for the signal handler to put back. A
// process-wide static because a signal handler can reach nothing else.
termios saved_terminal{};

extern "C" void restore_terminal_and_die(int signal_number) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

class NoEcho {
public:
    NoEcho() {
        if (tcgetattr(STDIN_FILENO, &saved_terminal) != 0) throw std::runtime_error("cannot read the terminal settings");
        std::signal(SIGINT, restore_terminal_and_die);
        std::signal(SIGTERM, restore_terminal_and_die);
        std::signal(SIGHUP, restore_terminal_and_die);
        termios quiet = saved_terminal;
        quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) throw std::runtime_error("cannot turn off the echo");
    }
    ~NoEcho() {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        std::signal(SIGHUP, SIG_DFL);
        std::cerr << '\n';
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;
};

void wipe(std::string& secret) {
    if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
    secret.clear();
}

std::optional<std::string> read_line() {
    std::string line;
    if (!std::getline(std::cin, line)) {
        wipe(line);
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// From the terminal, twice and without echo; or one line of standard input (for scripts).
std::string read_new_password(const std::string& email) {
    std::string password;
    if (isatty(STDIN_FILENO)) {
        std::optional<std::string> first, second;
        {
            std::cerr << "New password for " << email << " (at least " << auth::min_password_chars
                      << " characters): " << std::flush;
            NoEcho quiet;
            first = read_line();
        }
        if (first && !auth::password_problem(*first)) {
            std::cerr << "Again: " << std::flush;
            NoEcho quiet;
            second = read_line();
            if (!second || *second != *first) {
                if (second) wipe(*second);
                wipe(*first);
                throw std::runtime_error("the two passwords differ; nothing was changed");
            }
            wipe(*second);
        }
        if (!first) throw std::runtime_error("no password given; nothing was changed");
        password = std::move(*first);
    } else {
        auto line = read_line();
        if (!line) throw std::runtime_error("no password on standard input; nothing was changed");
        password = std::move(*line);
    }
    if (const auto problem = auth::password_problem(password)) {
        wipe(password);
        throw std::runtime_error(*problem + " Nothing was changed.");
    }
    return password;
}

// --- the commands --------------------------------------------------------------------

std::string describe_roles(const std::vector<domain::RoleGrant>& grants) {
    if (grants.empty()) return "no role";
    std::string text;
    for (const auto& g : grants) text += (text.empty() ? "" : ", ") + domain::describe(g);
    return text;
}

std::optional<domain::RoleGrant> grant_of(storage::Connection& conn, const Options& options) {
    if (!options.role) return std::nullopt;
    domain::RoleGrant grant{*options.role, std::nullopt};
    if (options.event) {
        long long id = 0;
        const auto& text = *options.event;
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
        if (ec == std::errc() && ptr == text.data() + text.size()) grant.event_id = id;
        else grant.event_id = storage::find_event_id_by_slug(conn, text);
        if (!grant.event_id) throw domain::InvalidField("event_id", "There is no event \"" + text + "\".");
    }
    return grant;
}

storage::StaffUser require_user(storage::Connection& conn, const std::string& email) {
    auto user = storage::find_staff_user_by_email(conn, email);
    if (!user) throw domain::NotFound("staff_user_not_found", "There is no staff user with the email " + email + ".");
    return std::move(*user);
}

int list_users(storage::Connection& conn) {
    const auto users = storage::list_staff_users(conn);
    if (users.empty()) {
        std::cout << "No staff users yet. Create the first admin with:\n"
                     "  congress user add --email you@example.org --name \"Your Name\" --role admin\n";
        return 0;
    }
    std::size_t email_width = 5, name_width = 4;
    for (const auto& u : users) {
        email_width = std::max(email_width, u.email.size());
        name_width = std::max(name_width, u.display_name.size());
    }
    std::cout << std::left << std::setw(6) << "ID" << std::setw(static_cast<int>(email_width) + 2) << "EMAIL"
              << std::setw(static_cast<int>(name_width) + 2) << "NAME" << std::setw(10) << "STATUS"
              << "ROLES\n";
    for (const auto& u : users)
        std::cout << std::left << std::setw(6) << u.id << std::setw(static_cast<int>(email_width) + 2) << u.email
                  << std::setw(static_cast<int>(name_width) + 2) << u.display_name << std::setw(10)
                  << (u.disabled ? "disabled" : "enabled") << describe_roles(u.grants) << '\n';
    return 0;
}

int run(const Options& options) {
    storage::Connection conn(options.db_path, storage::OpenMode::read_write_create);
    storage::configure_writer(conn);
    // Like demo-load: a fresh install can create its first admin before the first start.
    storage::migrate(conn, storage::builtin_migrations());
    if (options.subcommand == "list") return list_users(conn);

    const storage::AuditContext audit{storage::AuditActor::cli(unix_user()), std::nullopt, std::nullopt};
    const auto& email = *options.email;
    const auto& sub = options.subcommand;

    if (sub == "add") {
        std::vector<domain::RoleGrant> grants;
        if (auto grant = grant_of(conn, options)) {
            if (auto problem = domain::grant_problem(*grant)) throw domain::InvalidField("role", *problem);
            grants.push_back(*grant);
        }
        // Refuse before asking for a password that would be thrown away.
        if (storage::find_staff_user_by_email(conn, email))
            throw domain::Refusal("email_taken", "There is already a staff user with the email " + email + ".");
        auto password = read_new_password(email);
        const auto hash = auth::hash_password(password);
        wipe(password);
        storage::Transaction tx(conn, storage::Transaction::Kind::immediate);
        const auto user = storage::create_staff_user(conn, {email, *options.name, hash, grants}, audit, domain::now());
        tx.commit();
        std::cout << "Created staff user " << user.id << ": " << user.email << " (" << describe_roles(user.grants)
                  << ").\n";
        return 0;
    }
    if (sub == "passwd") {
        const auto user = require_user(conn, email);
        auto password = read_new_password(user.email);
        const auto hash = auth::hash_password(password);
        wipe(password);
        storage::Transaction tx(conn, storage::Transaction::Kind::immediate);
        const int ended = storage::set_staff_password(conn, user.id, hash, audit, domain::now());
        tx.commit();
        std::cout << "Password of " << user.email << " changed; " << ended << " session(s) ended.\n";
        return 0;
    }

    storage::Transaction tx(conn, storage::Transaction::Kind::immediate);
    const auto user = require_user(conn, email);
    if (sub == "disable" || sub == "enable") {
        const bool disable = sub == "disable";
        const bool changed = storage::set_staff_user_disabled(conn, user.id, disable, audit, domain::now());
        tx.commit();
        std::cout << user.email << (changed ? " is now " : " was already ") << (disable ? "disabled" : "enabled")
                  << (changed && disable ? "; its sessions are ended.\n" : ".\n");
        return 0;
    }
    const auto grant = *grant_of(conn, options);
    const bool granting = sub == "grant";
    const bool changed = granting ? storage::grant_role(conn, user.id, grant, audit, domain::now())
                                  : storage::revoke_role(conn, user.id, grant, audit, domain::now());
    tx.commit();
    if (!changed)
        std::cout << user.email << (granting ? " already is " : " is not ") << domain::describe(grant) << ".\n";
    else
        std::cout << user.email << (granting ? " is now " : " is no longer ") << domain::describe(grant) << ".\n";
    return 0;
}

}  // namespace

std::string user_command_help() {
    return R"(Usage: congress user COMMAND [options] [--db PATH]

Staff accounts (organisers, check-in desks, admins). Delegates never need one.
  add --email E --name N [--role R [--event ID]]
                          create an account; asks for its password
  passwd --email E        set a new password; ends the user's sessions
  disable --email E       disable the account; ends its sessions at once
  enable --email E        enable it again
  grant --email E --role R [--event ID]
  revoke --email E --role R [--event ID]
  list                    every account with its roles

Roles (R): admin (manages accounts, reads the audit log; no event), organiser (of the
event given by --event, or of every event without it), checkin (of one --event).
--event takes an event id or slug. --db PATH: the database file [CONGRESS_DB]
(default congress.db); it is created or migrated if needed.

The password is read from the terminal without echo (asked twice), or as one line of
standard input when that is not a terminal, for scripts:
  printf '%s\n' "$PASSWORD" | congress user passwd --email ana@example.org
At least 12 characters. No account ever has a default password.

Every change is recorded in the audit log as cli:<your unix user>.

First admin:
  congress user add --email ana@example.org --name "Ana Ruiz" --role admin
)";
}

int user_command(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
    Options options;
    try {
        options = parse_options(args, getenv);
    } catch (const UsageError& e) {
        std::cerr << "congress user: " << e.what() << "\n\n" << user_command_help();
        return 2;
    }
    try {
        return run(options);
    } catch (const domain::Refusal& e) {
        std::cerr << "congress user: refused (" << e.code() << "): " << e.what() << '\n';
    } catch (const domain::InvalidField& e) {
        std::cerr << "congress user: " << e.field() << ": " << e.what() << '\n';
    } catch (const domain::NotFound& e) {
        std::cerr << "congress user: " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "congress user: " << e.what() << '\n';
    }
    return 1;
}

}  // namespace congress::admin
