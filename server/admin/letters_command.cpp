#include "admin/letters_command.hpp"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "domain/registration.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "storage/letter_store.hpp"
#include "storage/migrations.hpp"

namespace congress::admin {

namespace {

std::string unix_user() {
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
    return "uid" + std::to_string(getuid());
}

}  // namespace

std::string letters_command_help() {
    return R"(Usage: congress letters purge --event ID [--db PATH]
       congress letters rekey --old-key-file FILE --new-key-file FILE [--db PATH]

purge: erases the passport numbers and dates of birth of every visa letter request of an
event that has ended (refused before its end). Letters already issued still verify: the
name, the event, the letter number and any revocation are kept. Recorded in the audit log
as "letter.purge" by cli:<your Unix user>.
rekey: re-seals every stored passport number under a new letters key, in one transaction
(if one does not open with the old key, nothing changes). Stop the server first, then
start it with --letters-key-file set to the new file. Recorded as "letter.rekey".
  --event ID             the event's id (purge)
  --old-key-file FILE    the key the numbers are sealed with now (rekey)
  --new-key-file FILE    the new key, 64 hex characters (rekey)
  --db PATH              database file [CONGRESS_DB] (default congress.db)
)";
}

int letters_command(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
    std::string db_path = getenv("CONGRESS_DB") && *getenv("CONGRESS_DB") ? getenv("CONGRESS_DB") : "congress.db";
    std::optional<domain::Id> event_id;
    std::string old_key_file;
    std::string new_key_file;
    const bool rekey = !args.empty() && args[0] == "rekey";
    try {
        if (args.empty() || (args[0] != "purge" && !rekey))
            throw std::invalid_argument("the subcommands are purge and rekey");
        for (std::size_t i = 1; i < args.size(); ++i) {
            const auto& flag = args[i];
            if (i + 1 >= args.size()) throw std::invalid_argument("missing value for " + flag);
            const auto& value = args[++i];
            if (flag == "--event") {
                long long id = 0;
                const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
                if (ec != std::errc() || ptr != value.data() + value.size() || id <= 0)
                    throw std::invalid_argument("--event must be an event id (got \"" + value + "\")");
                event_id = id;
            } else if (flag == "--db") {
                db_path = value;
            } else if (rekey && flag == "--old-key-file") {
                old_key_file = value;
            } else if (rekey && flag == "--new-key-file") {
                new_key_file = value;
            } else {
                throw std::invalid_argument("unknown option " + flag);
            }
        }
        if (rekey && (old_key_file.empty() || new_key_file.empty()))
            throw std::invalid_argument("rekey needs --old-key-file and --new-key-file");
        if (rekey && event_id) throw std::invalid_argument("rekey takes no --event");
        if (!rekey && !event_id) throw std::invalid_argument("--event is required");
    } catch (const std::invalid_argument& e) {
        std::cerr << "congress letters: " << e.what() << "\n\n" << letters_command_help();
        return 2;
    }
    try {
        storage::Connection conn(db_path, storage::OpenMode::read_write_create);
        storage::configure_writer(conn);
        storage::ensure_not_newer(conn, storage::builtin_migrations());
        storage::Transaction tx(conn, storage::Transaction::Kind::immediate);
        const storage::AuditContext audit{storage::AuditActor::cli(unix_user()), std::nullopt, std::nullopt};
        if (rekey) {
            const auto old_key = auth::load_seal_key_file(old_key_file);
            const auto new_key = auth::load_seal_key_file(new_key_file);
            const int resealed = storage::rekey_letters(conn, old_key, new_key, audit, domain::now());
            tx.commit();
            std::cout << "Passport numbers re-sealed under the new key: " << resealed << ".\n";
            return 0;
        }
        const int purged = storage::purge_letters(conn, *event_id, audit, domain::now());
        tx.commit();
        std::cout << "Event " << *event_id << ": passport numbers and dates of birth erased from " << purged
                  << " letter request(s).\n";
        return 0;
    } catch (const domain::Refusal& e) {
        std::cerr << "congress letters: refused (" << e.code() << "): " << e.what() << '\n';
    } catch (const domain::NotFound& e) {
        std::cerr << "congress letters: " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "congress letters: " << e.what() << '\n';
    }
    return 1;
}

}  // namespace congress::admin
