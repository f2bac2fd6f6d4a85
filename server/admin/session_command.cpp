#include "admin/session_command.hpp"

#include <charconv>
#include <iostream>

#include "app/programme.hpp"
#include "domain/programme_edit.hpp"
#include "domain/registration.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"

namespace congress::admin {

namespace {

long long number(const std::string& flag, const std::string& text) {
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < 0)
        throw std::invalid_argument(flag + " must be a whole number (got \"" + text + "\")");
    return value;
}

int capacity_number(const std::string& flag, const std::string& text) {
    const auto value = number(flag, text);
    if (value > domain::max_capacity)
        throw std::invalid_argument(flag + " must be at most " + std::to_string(domain::max_capacity) + " (got " + text + ")");
    return static_cast<int>(value);
}

// The refusal, invalid field or other failure of a change, as the command prints it: the
// console's code and message ("refused (capacity_below_confirmed): ...").
void report_failure(const char* command) {
    try {
        throw;
    } catch (const domain::Refusal& e) {
        std::cerr << command << ": refused (" << e.code() << "): " << e.what() << '\n';
    } catch (const domain::InvalidField& e) {
        std::cerr << command << ": " << e.field() << ": " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << command << ": " << e.what() << '\n';
    }
}

domain::LocalTime local_time(const std::string& flag, const std::string& text) {
    auto parsed = domain::parse_local(text);
    if (!parsed || domain::is_date_only(text))
        throw std::invalid_argument(flag + " must be a local date and time like 2027-08-24T10:30 (got \"" + text + "\")");
    return *parsed;
}

}  // namespace

std::string session_command_help() {
    return R"(Usage: congress session --id N [changes] [--reason TEXT] [--db PATH]

Changes one session; times are wall-clock times in the event's time zone.
  --starts 2027-08-24T10:30   move the start (the length is kept unless --ends is given)
  --ends 2027-08-24T12:00     move the end
  --room ID                   move to another room
  --capacity N                change the number of places (an increase promotes the waiting list)
  --title TEXT                rename
  --cancel                    cancel the session
  --reason TEXT               why (shown to delegates)
  --db PATH                   database file [CONGRESS_DB] (default congress.db)

The console's rules apply. Refused: a room double-booked at that time, a capacity above
the room's or below the delegates already confirmed, a session outside its event's dates,
an end before the start, a time the clocks skip (daylight saving), a cancelled session.
)";
}

int session_command(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
    std::string db_path = getenv("CONGRESS_DB") && *getenv("CONGRESS_DB") ? getenv("CONGRESS_DB") : "congress.db";
    std::optional<domain::Id> session_id;
    app::SessionChange request;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const auto& flag = args[i];
            if (flag == "--cancel") {
                request.cancel = true;
                continue;
            }
            if (i + 1 >= args.size()) throw std::invalid_argument("unknown option or missing value: " + flag);
            const auto& value = args[++i];
            if (flag == "--id") session_id = number(flag, value);
            else if (flag == "--db") db_path = value;
            else if (flag == "--starts") request.starts_at = local_time(flag, value);
            else if (flag == "--ends") request.ends_at = local_time(flag, value);
            else if (flag == "--room") request.room_id = number(flag, value);
            else if (flag == "--capacity") request.capacity = capacity_number(flag, value);
            else if (flag == "--title") request.title = value;
            else if (flag == "--reason") request.reason = value;
            else throw std::invalid_argument("unknown option " + flag);
        }
        if (!session_id) throw std::invalid_argument("--id is required");
    } catch (const std::invalid_argument& e) {
        std::cerr << "congress session: " << e.what() << "\n\n" << session_command_help();
        return 2;
    }

    try {
        storage::Connection conn(db_path, storage::OpenMode::read_write_create);
        storage::configure_writer(conn);
        storage::ensure_not_newer(conn, storage::builtin_migrations());
        storage::ChangeSet changes;
        storage::Transaction tx(conn, storage::Transaction::Kind::immediate);
        const int version = app::change_session(conn, changes, *session_id, request, domain::now());
        tx.commit();
        std::cout << "Session " << *session_id << " changed; the event's schedule is now at version " << version << ".\n";
        return 0;
    } catch (...) {
        report_failure("congress session");
    }
    return 1;
}

}  // namespace congress::admin

namespace congress::admin {

std::string event_command_help() {
    return R"(Usage: congress event --id N [--capacity N] [--promote-after-close yes|no] [--db PATH]

Changes an event's registration settings:
  --capacity N                  places at event level; an increase promotes the waiting list
                                (never below the delegates already confirmed)
  --promote-after-close yes|no  let freed places go to the waiting list after registration
                                closes or the event starts (by default nobody is promoted then)
  --db PATH                     database file [CONGRESS_DB] (default congress.db)
)";
}

int event_command(const std::vector<std::string>& args, const char* (*getenv)(const char*)) {
    std::string db_path = getenv("CONGRESS_DB") && *getenv("CONGRESS_DB") ? getenv("CONGRESS_DB") : "congress.db";
    std::optional<domain::Id> event_id;
    std::optional<int> capacity;
    std::optional<bool> promote;
    try {
        for (std::size_t i = 0; i < args.size(); ++i) {
            const auto& flag = args[i];
            if (i + 1 >= args.size()) throw std::invalid_argument("missing value for " + flag);
            const auto& value = args[++i];
            if (flag == "--id") event_id = number(flag, value);
            else if (flag == "--db") db_path = value;
            else if (flag == "--capacity") capacity = capacity_number(flag, value);
            else if (flag == "--promote-after-close") {
                if (value != "yes" && value != "no") throw std::invalid_argument("--promote-after-close takes yes or no");
                promote = value == "yes";
            } else throw std::invalid_argument("unknown option " + flag);
        }
        if (!event_id) throw std::invalid_argument("--id is required");
        if (!capacity && !promote) throw std::invalid_argument("nothing to change");
    } catch (const std::invalid_argument& e) {
        std::cerr << "congress event: " << e.what() << "\n\n" << event_command_help();
        return 2;
    }
    try {
        storage::Connection conn(db_path, storage::OpenMode::read_write_create);
        storage::configure_writer(conn);
        storage::ensure_not_newer(conn, storage::builtin_migrations());
        storage::ChangeSet changes;
        storage::Transaction tx(conn, storage::Transaction::Kind::immediate);
        app::change_event_settings(conn, changes, *event_id, app::EventSettings{capacity, promote}, domain::now());
        tx.commit();
        std::cout << "Event " << *event_id << " updated.\n";
        return 0;
    } catch (...) {
        report_failure("congress event");
    }
    return 1;
}

}  // namespace congress::admin
