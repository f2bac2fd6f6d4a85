#include "api/admin_handlers.hpp"

#include <algorithm>
#include <memory>

#include "api/errors.hpp"
#include "api/json_text.hpp"
#include "api/request_body.hpp"
#include "api/staff_handlers.hpp"
#include "auth/password.hpp"
#include "auth/password_hasher.hpp"
#include "storage/audit_log.hpp"
#include "storage/staff_store.hpp"

namespace congress::api {

namespace {

using storage::Connection;

constexpr int default_audit_page = 50;
constexpr int max_audit_request = 500;

nlohmann::json user_json(const storage::StaffUser& user) {
    return {{"id", user.id},
            {"email", user.email},
            {"display_name", user.display_name},
            {"disabled", user.disabled},
            {"created_at", domain::format_utc(user.created_at)},
            {"updated_at", domain::format_utc(user.updated_at)},
            {"grants", grants_json(user.grants)}};
}

Response user_response(int status, const storage::StaffUser& user, std::optional<bool> changed = std::nullopt) {
    nlohmann::json body{{"user", user_json(user)}};
    if (changed) body["changed"] = *changed;
    return private_response(json_response(status, json_text(body)));
}

domain::Id require_user_id(std::string_view ident) {
    const auto id = parse_id(ident);
    if (!id) throw ApiError(404, "staff_user_not_found", "There is no such staff account.");
    return *id;
}

storage::StaffUser require_user(Connection& conn, domain::Id id) {
    auto user = storage::find_staff_user(conn, id);
    if (!user) throw domain::NotFound("staff_user_not_found", "There is no such staff account.");
    return *user;
}

// {"role": "organiser", "event_id": 3}. In a list (`list_field`, e.g. "grants") errors name
// the list; on its own they name "role" or "event_id".
domain::RoleGrant parse_grant(const nlohmann::json& object, const char* list_field = nullptr) {
    const auto field = [list_field](const char* own) { return std::string(list_field ? list_field : own); };
    if (!object.is_object()) throw FieldError(field("role"), "A role is an object {\"role\", \"event_id\"}.");
    if (!object.contains("role") || !object["role"].is_string())
        throw FieldError(field("role"), "role is required: admin, organiser or checkin.");
    const auto role = domain::parse_role(object["role"].get<std::string>());
    if (!role) throw FieldError(field("role"), "role must be admin, organiser or checkin.");
    domain::RoleGrant grant{*role, std::nullopt};
    try {
        grant.event_id = optional_id(object, "event_id");
    } catch (const FieldError& e) {
        throw FieldError(field("event_id"), e.what());
    }
    if (const auto problem = domain::grant_problem(grant)) throw FieldError(field("event_id"), "Impossible role: " + *problem + ".");
    return grant;
}

std::vector<domain::RoleGrant> parse_grants(const nlohmann::json& body) {
    std::vector<domain::RoleGrant> grants;
    if (!body.contains("grants") || body["grants"].is_null()) return grants;
    if (!body["grants"].is_array()) throw FieldError("grants", "grants must be a list of {\"role\", \"event_id\"}.");
    if (body["grants"].size() > 100) throw FieldError("grants", "Too many grants at once (at most 100).");
    for (const auto& item : body["grants"]) {
        auto grant = parse_grant(item, "grants");
        if (std::find(grants.begin(), grants.end(), grant) == grants.end()) grants.push_back(grant);
    }
    return grants;
}

std::optional<std::string> optional_reason(const nlohmann::json& body) { return optional_text(body, "reason", 500); }

// A body is optional on disable/enable (it may carry a reason); when present it must be JSON.
nlohmann::json optional_body(const Request& request) {
    if (request.body.empty()) return nlohmann::json::object();
    return parse_json_object(request);
}

// Runs `change` as one write command and answers with what it returns, after the commit.
template <typename Change>
void write_and_respond(Services& services, const Request& request, Change change, Responder respond) {
    auto answer = std::make_shared<Response>();
    services.db.write(
        [answer, change = std::move(change)](Connection& conn, storage::ChangeSet&) { *answer = change(conn); },
        [answer, respond = std::move(respond), rid = request.request_id](std::exception_ptr error) {
            respond(error ? response_for_exception(error, rid) : std::move(*answer));
        });
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode_component(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            const int hi = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
            const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
            if (hi < 0 || lo < 0) throw ApiError(400, "bad_query", "The query string has a malformed %-escape.");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// "2027-03-01T08:00:00Z", "…+05:30", an optional fraction of a second, or a date alone
// "2027-03-01" (midnight UTC).
std::optional<domain::Instant> parse_instant(std::string text) {
    if (text.size() > 19 && text[19] == '.') {
        std::size_t end = 20;
        while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
        if (end == 20) return std::nullopt;
        text.erase(19, end - 19);
    }
    if (auto utc = domain::parse_utc(text)) return utc;
    if (domain::is_date_only(text)) {
        if (auto local = domain::parse_local(text)) return domain::Instant{local->time_since_epoch()};
        return std::nullopt;
    }
    if (text.size() == 25 && (text[19] == '+' || text[19] == '-') && text[22] == ':') {
        const auto local = domain::parse_local(std::string_view(text).substr(0, 19));
        const auto two_digits = [&text](std::size_t at) {
            const char a = text[at], b = text[at + 1];
            return a >= '0' && a <= '9' && b >= '0' && b <= '9' ? (a - '0') * 10 + (b - '0') : -1;
        };
        const int hours = two_digits(20), minutes = two_digits(23);
        if (!local || hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return std::nullopt;
        const std::chrono::seconds offset(hours * 3600 + minutes * 60);
        const domain::Instant wall{local->time_since_epoch()};
        return text[19] == '+' ? wall - offset : wall + offset;
    }
    return std::nullopt;
}

bool is_name(std::string_view text, std::size_t max, std::string_view extra) {
    return !text.empty() && text.size() <= max && std::all_of(text.begin(), text.end(), [extra](char c) {
               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || extra.find(c) != std::string_view::npos;
           });
}

storage::AuditFilter audit_filter(const Request& request, int& limit) {
    storage::AuditFilter filter;
    limit = default_audit_page;
    const auto number = [](const std::string& name, const std::string& value, long long min, long long max) {
        long long n = 0;
        if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
            throw FieldError(name, name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ".");
        n = std::stoll(value);
        if (n < min || n > max)
            throw FieldError(name, name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max) + ".");
        return n;
    };
    for (const auto& [name, value] : parse_query(request.query)) {
        if (value.empty()) continue;  // an empty filter field means "any"
        if (name == "event") {
            filter.event_id = number(name, value, 1, 999'999'999'999'999'999LL);
        } else if (name == "actor") {
            filter.actor_user_id = number(name, value, 1, 999'999'999'999'999'999LL);
        } else if (name == "entity") {
            const auto colon = value.find(':');
            const auto type = value.substr(0, colon);
            if (!is_name(type, 40, ""))
                throw FieldError(name, "entity is an entity type (staff_user) or type:id (staff_user:3).");
            filter.entity_type = type;
            if (colon != std::string::npos) {
                const auto id = parse_id(value.substr(colon + 1));
                if (!id) throw FieldError(name, "entity is an entity type (staff_user) or type:id (staff_user:3).");
                filter.entity_id = *id;
            }
        } else if (name == "action") {
            if (!is_name(value, 80, ".")) throw FieldError(name, "action is a name such as staff_user.grant.");
            filter.action = value;
        } else if (name == "since") {
            filter.since = parse_instant(value);
            if (!filter.since) throw FieldError(name, "since is a time such as 2027-03-01T08:00:00Z or a date 2027-03-01.");
        } else if (name == "limit") {
            limit = static_cast<int>(number(name, value, 1, max_audit_request));
        } else if (name == "offset") {
            filter.offset = static_cast<int>(number(name, value, 0, 1'000'000'000));
        }
    }
    // One more than asked, to tell whether another page follows.
    filter.limit = limit + 1;
    return filter;
}

nlohmann::json stored_json(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    auto parsed = nlohmann::json::parse(*text, nullptr, false);
    return parsed.is_discarded() ? nlohmann::json(*text) : parsed;
}

nlohmann::json optional_json(const std::optional<domain::Id>& value) { return value ? nlohmann::json(*value) : nullptr; }
nlohmann::json optional_json(const std::optional<std::string>& value) { return value ? nlohmann::json(*value) : nullptr; }

nlohmann::json audit_json(const storage::AuditRecord& record) {
    const auto& e = record.entry;
    return {{"id", record.id},
            {"at", domain::format_utc(e.at)},
            {"actor", {{"user_id", optional_json(e.actor_user_id)}, {"label", e.actor_label}}},
            {"action", e.action},
            {"entity_type", e.entity_type},
            {"entity_id", optional_json(e.entity_id)},
            {"event_id", optional_json(e.event_id)},
            {"before", stored_json(e.before_json)},
            {"after", stored_json(e.after_json)},
            {"reason", optional_json(e.reason)},
            {"request_id", optional_json(e.request_id)}};
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        params.emplace_back(decode_component(pair.substr(0, eq)),
                            eq == std::string_view::npos ? std::string() : decode_component(pair.substr(eq + 1)));
    }
    return params;
}

void list_staff_users(Services& services, const Request& request, Responder respond) {
    services.db.read([respond = std::move(respond), rid = request.request_id](Connection& conn) {
        try {
            auto users = nlohmann::json::array();
            for (const auto& user : storage::list_staff_users(conn)) users.push_back(user_json(user));
            respond(private_response(json_response(200, json_text({{"users", std::move(users)}}))));
        } catch (...) {
            respond(response_for_exception(std::current_exception(), rid));
        }
    });
}

void create_staff_user(Services& services, const Request& request, Responder respond) {
    const auto body = parse_json_object(request);
    storage::NewStaffUser user;
    user.email = required_email(body, "email");
    user.display_name = required_text(body, "name", 200);
    if (!body.contains("password") || !body["password"].is_string())
        throw FieldError("password", "password is required (at least " + std::to_string(auth::min_password_chars) +
                                         " characters).");
    auto password = body["password"].get<std::string>();
    if (const auto problem = auth::password_problem(password)) throw FieldError("password", *problem);
    user.grants = parse_grants(body);
    auto audit = audit_context(request, optional_reason(body));
    if (!services.hasher) throw ApiError(503, "unavailable", "Password hashing is not available on this server.");
    try {
        services.hasher->hash(
            std::move(password),
            [&services, user = std::move(user), audit = std::move(audit), respond, rid = request.request_id](
                std::exception_ptr error, std::string encoded) mutable {
                if (error) {
                    respond(response_for_exception(error, rid));
                    return;
                }
                user.password_hash = std::move(encoded);
                auto answer = std::make_shared<Response>();
                services.db.write(
                    [answer, user = std::move(user), audit = std::move(audit)](Connection& conn, storage::ChangeSet&) {
                        *answer = user_response(201, storage::create_staff_user(conn, user, audit, domain::now()));
                    },
                    [answer, respond = std::move(respond), rid](std::exception_ptr write_error) {
                        respond(write_error ? response_for_exception(write_error, rid) : std::move(*answer));
                    });
            });
    } catch (const auth::HashQueueFull&) {
        respond(hasher_busy());
    }
}

void set_staff_user_disabled(Services& services, const Request& request, std::string_view user_ident, bool disabled,
                             Responder respond) {
    const auto user_id = require_user_id(user_ident);
    const auto body = optional_body(request);
    auto audit = audit_context(request, optional_reason(body));
    write_and_respond(
        services, request,
        [user_id, disabled, audit = std::move(audit)](Connection& conn) {
            // Disabling ends every session of the user in the same transaction.
            const bool changed = storage::set_staff_user_disabled(conn, user_id, disabled, audit, domain::now());
            return user_response(200, require_user(conn, user_id), changed);
        },
        std::move(respond));
}

void change_staff_grant(Services& services, const Request& request, std::string_view user_ident, bool grant,
                        Responder respond) {
    const auto user_id = require_user_id(user_ident);
    const auto body = parse_json_object(request);
    const auto role = parse_grant(body);
    auto audit = audit_context(request, optional_reason(body));
    write_and_respond(
        services, request,
        [user_id, role, grant, audit = std::move(audit)](Connection& conn) {
            const auto now = domain::now();
            const bool changed = grant ? storage::grant_role(conn, user_id, role, audit, now)
                                       : storage::revoke_role(conn, user_id, role, audit, now);
            return user_response(200, require_user(conn, user_id), changed);
        },
        std::move(respond));
}

void list_audit_entries(Services& services, const Request& request, Responder respond) {
    int limit = default_audit_page;
    auto filter = audit_filter(request, limit);
    services.db.read([filter, limit, respond = std::move(respond), rid = request.request_id](Connection& conn) {
        try {
            auto records = storage::list_audit(conn, filter);
            const bool more = records.size() > static_cast<std::size_t>(limit);
            if (more) records.resize(static_cast<std::size_t>(limit));
            auto entries = nlohmann::json::array();
            for (const auto& record : records) entries.push_back(audit_json(record));
            respond(private_response(json_response(
                200, json_text({{"entries", std::move(entries)},
                                {"limit", limit},
                                {"offset", filter.offset},
                                {"has_more", more}}))));
        } catch (...) {
            respond(response_for_exception(std::current_exception(), rid));
        }
    });
}

}  // namespace congress::api
