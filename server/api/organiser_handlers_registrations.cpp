// The console's registrations: lists, manual changes, CSV exports and the activity feed.
#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "api/csv.hpp"
#include "api/errors.hpp"
#include "api/json_text.hpp"
#include "api/organiser_handlers.hpp"
#include "api/organiser_handlers_support.hpp"
#include "api/request_body.hpp"
#include "storage/database.hpp"
#include "storage/event_repository.hpp"
#include "util/log.hpp"
#include "storage/organiser_store.hpp"
#include "storage/search_index.hpp"

namespace congress::api::organiser {

namespace {

using nlohmann::json;

// Rows per piece of a streamed CSV export (about 200 KB).
constexpr int export_piece_rows = 1000;
using storage::Connection;
using domain::RegistrationStatus;

json optional_text_json(const std::optional<std::string>& text) { return text ? json(*text) : json(nullptr); }

json registration_row_json(const storage::RegistrationRow& r, const std::string& zone) {
    json member = nullptr;
    if (r.member_organisation_id)
        member = {{"id", *r.member_organisation_id}, {"name", r.member_organisation.value_or("")}, {"member", r.member}};
    return {{"id", r.id},
            {"name", r.name},
            {"email", r.email},
            {"organisation", optional_text_json(r.organisation)},
            {"member_organisation", std::move(member)},
            {"member", r.member},
            {"language", optional_text_json(r.language)},
            {"status", domain::to_string(r.status)},
            {"waitlist_position", r.waitlist_position ? json(*r.waitlist_position) : json(nullptr)},
            {"registration_status", domain::to_string(r.registration_status)},
            {"sessions", r.sessions},
            {"created_at", domain::format_in_zone(r.created_at, zone)},
            {"updated_at", domain::format_in_zone(r.updated_at, zone)}};
}

std::string event_zone(Connection& conn, domain::Id event_id) {
    const auto event = storage::load_event(conn, event_id);
    if (!event) throw domain::NotFound("event_not_found", "There is no event " + std::to_string(event_id) + ".");
    return event->timezone;
}

int query_int(std::string_view query, const char* name, int fallback, int min, int max) {
    const auto text = query_param(query, name);
    if (!text || text->empty()) return fallback;
    const auto value = parse_id(*text);
    if (!value || *value < min || *value > max)
        throw FieldError(name, std::string(name) + " must be a whole number from " + std::to_string(min) + " to " +
                                   std::to_string(max) + ".");
    return static_cast<int>(*value);
}

// The filters of the registrations table, from the query string: q, status, organisation,
// member (yes/no), sort (created/name), page, per_page.
storage::RegistrationQuery registration_query(const Request& request, bool per_session) {
    storage::RegistrationQuery q;
    const auto& query = request.query;
    if (auto search = query_param(query, "q")) {
        const json wrapper = {{"q", *search}};
        q.search = optional_text(wrapper, "q", 200).value_or("");
    }
    if (const auto status = query_param(query, "status"); status && !status->empty() && *status != "all" &&
                                                          !(per_session && *status == "active")) {
        q.status = domain::parse_registration_status(*status);
        if (!q.status) throw FieldError("status", "status must be confirmed, waitlisted, cancelled or all.");
    }
    if (auto organisation = query_param(query, "organisation"); organisation && !organisation->empty()) {
        if (organisation->size() > 300) throw FieldError("organisation", "organisation is too long.");
        q.organisation = std::move(*organisation);
    }
    if (const auto member = query_param(query, "member"); member && !member->empty()) {
        if (*member == "yes" || *member == "true") q.member = true;
        else if (*member == "no" || *member == "false") q.member = false;
        else throw FieldError("member", "member must be yes or no.");
    }
    if (const auto sort = query_param(query, "sort"); sort && !sort->empty()) {
        if (*sort == "name") q.order = storage::RegistrationQuery::Order::name;
        else if (*sort != "created") throw FieldError("sort", "sort must be created or name.");
    }
    q.page = query_int(query, "page", 1, 1, 1'000'000);
    q.per_page = query_int(query, "per_page", 50, 1, storage::max_registration_page);
    if (const auto after = query_param(query, "after"); after && !after->empty()) {
        q.after = parse_id(*after);
        if (!q.after) throw FieldError("after", "after must be a registration id (next_after of the previous page).");
    }
    return q;
}

Response list_answer(Connection& conn, domain::Id event, const storage::RegistrationQuery& query) {
    const auto zone = event_zone(conn, event);
    const auto page = storage::list_registrations(conn, event, query);
    json rows = json::array();
    for (const auto& row : page.rows) rows.push_back(registration_row_json(row, zone));
    return json_response(200, json_text({{"registrations", std::move(rows)},
                                         {"total", page.total},
                                         {"page", query.page},
                                         {"per_page", query.per_page},
                                         {"counts",
                                          {{"confirmed", page.confirmed},
                                           {"waitlisted", page.waitlisted},
                                           {"cancelled", page.cancelled}}},
                                         {"organisations", page.organisations},
                                         {"next_after", page.next_after ? json(*page.next_after) : json(nullptr)}}));
}

struct Action {
    std::string reason;
    bool override_capacity = false;
    std::optional<domain::Id> to_session_id;
};

Action action_input(const Request& request, bool move) {
    const auto body = parse_json_object(request);
    if (move) refuse_unknown_fields(body, {"reason", "override_capacity", "to_session_id"});
    else refuse_unknown_fields(body, {"reason", "override_capacity"});
    Action action;
    action.reason = required_reason(body);
    action.override_capacity = optional_bool(body, "override_capacity").value_or(false);
    if (move) action.to_session_id = required_id(body, "to_session_id");
    return action;
}

// Runs a manual change to a registration and answers with the registration as it is after.
template <typename Change>
void registration_change(Services& services, const Request& request, domain::Id event, domain::Id registration,
                         Change change, Responder respond) {
    write_then_answer(
        services, request,
        [change = std::move(change), registration](Connection& conn, storage::ChangeSet& changes) {
            change(conn, changes);
            return json{{"id", registration}};
        },
        [event, registration](Connection& conn, const json&) {
            const auto zone = event_zone(conn, event);
            return json_response(200, json_text({{"registration", registration_row_json(
                                                                      storage::load_registration_row(conn, event, registration), zone)}}));
        },
        std::move(respond));
}

std::string local_cell(domain::Instant instant, const std::string& zone) {
    // "2014-10-07 09:00": a spreadsheet reads it as a date and time (the zone is in the header).
    auto text = domain::format_in_zone(instant, zone).substr(0, 16);
    text[10] = ' ';
    return text;
}

std::string status_cell(RegistrationStatus status) { return std::string(domain::to_string(status)); }

std::string optional_cell(const std::optional<int>& value) { return value ? std::to_string(*value) : std::string(); }

// A CSV export sent as it is read: each piece is one read transaction on a reader thread,
// asked for once the previous piece is written, so memory stays at one piece whatever the
// size of the event. `read_piece` returns the next piece's text, or nothing at the end.
class CsvStream final : public BodyStream, public std::enable_shared_from_this<CsvStream> {
public:
    using ReadPiece = std::function<std::optional<std::string>(Connection&)>;
    CsvStream(storage::Database& db, std::string first, ReadPiece read_piece)
        : db_(db), first_(std::move(first)), read_piece_(std::move(read_piece)) {}

    void next(Deliver deliver) override {
        if (!first_.empty()) {
            deliver(std::exchange(first_, {}), false);
            return;
        }
        if (done_) {
            deliver({}, false);
            return;
        }
        db_.read([self = shared_from_this(), deliver = std::move(deliver)](Connection& conn) {
            try {
                auto piece = self->read_piece_(conn);
                if (!piece) self->done_ = true;
                deliver(piece.value_or(std::string()), false);
            } catch (const std::exception& e) {
                log::error("organiser", std::string("a CSV export stopped: ") + e.what());
                deliver({}, true);
            }
        });
    }

private:
    storage::Database& db_;
    std::string first_;
    ReadPiece read_piece_;
    bool done_ = false;  // pieces are asked for one at a time: no lock needed
};

// Answers with a streamed CSV after recording in the audit log who took the data away
// (the rows counted when the export began, and the filters).
void send_export(Services& services, const Request& request, domain::Id event, std::string action, std::string filename,
                 std::shared_ptr<CsvStream> csv, json details, Responder respond) {
    auto context = audit_context(request);
    services.db.write(
        [event, action = std::move(action), details = std::move(details), context = std::move(context)](
            Connection& conn, storage::ChangeSet&) {
            storage::append_audit(conn, storage::audit_entry(context, action, "event", event, event, std::nullopt,
                                                             details.dump(), domain::now()));
        },
        [csv, filename = std::move(filename), respond = std::move(respond), rid = request.request_id](std::exception_ptr error) {
            if (error) {
                respond(private_response(response_for_exception(error, rid)));
                return;
            }
            Response response;
            response.status = 200;
            response.content_type = "text/csv; charset=utf-8";
            response.stream = csv;
            response.set_header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
            respond(private_response(std::move(response)));
        });
}

json filters_json(const storage::RegistrationQuery& q) {
    json filters = json::object();
    if (!q.search.empty()) filters["q"] = q.search;
    if (q.status) filters["status"] = domain::to_string(*q.status);
    if (q.organisation) filters["organisation"] = *q.organisation;
    if (q.member) filters["member"] = *q.member;
    if (q.session_id) filters["session_id"] = *q.session_id;
    return filters;
}

}  // namespace

void list_registrations(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    auto query = registration_query(request, false);
    if (query.search.empty()) {
        read_then_respond(
            services, request, [event, query](Connection& conn) { return list_answer(conn, event, query); },
            std::move(respond));
        return;
    }
    // A search reads the full-text index, which the writer fills when it has time: it first
    // indexes what is still noted (usually nothing), so that every committed registration is
    // found. Should that write fail (a storage fault), the search still answers from the index.
    services.db.write(
        [](Connection& conn, storage::ChangeSet&) { storage::index_pending_registrations(conn); },
        [&services, request, event, query, respond = std::move(respond)](std::exception_ptr) mutable {
            read_then_respond(
                services, request, [event, query](Connection& conn) { return list_answer(conn, event, query); },
                std::move(respond));
        });
}

void list_session_enrolments(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    auto query = registration_query(request, true);
    query.session_id = path_id(params, "session_id", "session_not_found");
    read_then_respond(
        services, request, [event, query](Connection& conn) { return list_answer(conn, event, query); }, std::move(respond));
}

void promote_registration(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    const auto registration = path_id(params, "registration_id", "registration_not_found");
    const auto action = action_input(request, false);
    registration_change(
        services, request, event, registration,
        [=, context = audit_context(request, action.reason)](Connection& conn, storage::ChangeSet& changes) {
            storage::promote_registration(conn, changes, event, registration, action.override_capacity, context, domain::now());
        },
        std::move(respond));
}

void cancel_registration(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    const auto registration = path_id(params, "registration_id", "registration_not_found");
    const auto action = action_input(request, false);
    registration_change(
        services, request, event, registration,
        [=, context = audit_context(request, action.reason)](Connection& conn, storage::ChangeSet& changes) {
            storage::cancel_registration_by_organiser(conn, changes, event, registration, context, domain::now());
        },
        std::move(respond));
}

void promote_enrolment(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    const auto session = path_id(params, "session_id", "session_not_found");
    const auto registration = path_id(params, "registration_id", "registration_not_found");
    const auto action = action_input(request, false);
    registration_change(
        services, request, event, registration,
        [=, context = audit_context(request, action.reason)](Connection& conn, storage::ChangeSet& changes) {
            storage::promote_enrolment(conn, changes, event, session, registration, action.override_capacity, context,
                                       domain::now());
        },
        std::move(respond));
}

void cancel_enrolment(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    const auto session = path_id(params, "session_id", "session_not_found");
    const auto registration = path_id(params, "registration_id", "registration_not_found");
    const auto action = action_input(request, false);
    registration_change(
        services, request, event, registration,
        [=, context = audit_context(request, action.reason)](Connection& conn, storage::ChangeSet& changes) {
            storage::cancel_enrolment(conn, changes, event, session, registration, context, domain::now());
        },
        std::move(respond));
}

void move_enrolment(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    const auto session = path_id(params, "session_id", "session_not_found");
    const auto registration = path_id(params, "registration_id", "registration_not_found");
    const auto action = action_input(request, true);
    registration_change(
        services, request, event, registration,
        [=, context = audit_context(request, action.reason)](Connection& conn, storage::ChangeSet& changes) {
            storage::move_enrolment(conn, changes, event, session, registration, *action.to_session_id,
                                    action.override_capacity, context, domain::now());
        },
        std::move(respond));
}

void export_registrations(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    auto query = registration_query(request, false);
    query.per_page = export_piece_rows;
    query.page = 1;
    query.after.reset();
    services.db.read([&services, request, event, query, respond = std::move(respond)](Connection& conn) mutable {
        try {
            const auto found = storage::load_event(conn, event);
            if (!found) throw domain::NotFound("event_not_found", "There is no such event.");
            const auto zone = found->timezone;
            auto writer = std::make_shared<CsvWriter>();
            writer->row({"id", "name", "email", "organisation", "member_organisation", "member", "status",
                         "waitlist_position", "sessions", "language", "registered_at (" + zone + ")",
                         "updated_at (" + zone + ")"});
            auto rows_of = [writer, zone](const storage::RegistrationPage& page) {
                for (const auto& r : page.rows)
                    writer->row({std::to_string(r.id), r.name, r.email, r.organisation.value_or(""),
                                 r.member_organisation.value_or(""), r.member ? "yes" : "no", status_cell(r.status),
                                 optional_cell(r.waitlist_position), std::to_string(r.sessions), r.language.value_or(""),
                                 local_cell(r.created_at, zone), local_cell(r.updated_at, zone)});
                return writer->take();
            };
            // The first piece now (with the count for the audit), the rest as the client reads.
            const auto first = storage::list_registrations(conn, event, query);
            std::string text = rows_of(first);
            auto rest = query;
            rest.with_totals = false;
            rest.after = first.next_after;
            const bool more = first.next_after.has_value();
            auto stream = std::make_shared<CsvStream>(
                services.db, std::move(text),
                [event, rest, more, rows_of](Connection& c) mutable -> std::optional<std::string> {
                    if (!more || !rest.after) return std::nullopt;
                    const auto page = storage::list_registrations(c, event, rest);
                    rest.after = page.next_after;
                    if (page.rows.empty()) return std::nullopt;
                    return rows_of(page);
                });
            send_export(services, request, event, "registrations.export", found->slug + "-registrations.csv", stream,
                        {{"rows", first.total}, {"filters", filters_json(query)}}, std::move(respond));
        } catch (...) {
            respond(private_response(response_for_exception(std::current_exception(), request.request_id)));
        }
    });
}

void export_enrolments(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    auto query = registration_query(request, true);
    if (const auto session = query_param(request.query, "session"); session && !session->empty()) {
        query.session_id = parse_id(*session);
        if (!query.session_id) throw FieldError("session", "session must be a session id.");
    }
    services.db.read([&services, request, event, query, respond = std::move(respond)](Connection& conn) mutable {
        try {
            const auto found = storage::load_event(conn, event);
            if (!found) throw domain::NotFound("event_not_found", "There is no such event.");
            const auto zone = found->timezone;
            // One piece per session, in the export's order (a session holds as many as its room).
            auto sessions = storage::session_ids_in_order(conn, event);
            if (query.session_id) {
                if (std::find(sessions.begin(), sessions.end(), *query.session_id) == sessions.end())
                    throw domain::NotFound("session_not_found",
                                           "There is no session " + std::to_string(*query.session_id) + " in this event.");
                sessions = {*query.session_id};
            }
            auto writer = std::make_shared<CsvWriter>();
            writer->row({"registration_id", "name", "email", "organisation", "member_organisation", "member",
                         "registration_status", "session_id", "session", "session_starts_at (" + zone + ")", "room",
                         "enrolment_status", "waitlist_position", "enrolled_at (" + zone + ")"});
            auto piece_of = [event, query, writer, zone](Connection& c, domain::Id session) {
                auto one = query;
                one.session_id = session;
                for (const auto& e : storage::list_enrolments(c, event, one)) {
                    const auto& r = e.registration;
                    writer->row({std::to_string(r.id), r.name, r.email, r.organisation.value_or(""),
                                 r.member_organisation.value_or(""), r.member ? "yes" : "no",
                                 status_cell(r.registration_status), std::to_string(e.session_id), e.session_title,
                                 local_cell(e.session_starts_at, zone), e.room.value_or(""), status_cell(e.status),
                                 optional_cell(e.waitlist_position), local_cell(e.enrolled_at, zone)});
                }
                return writer->take();
            };
            const auto rows = storage::count_enrolments(conn, event, query);
            std::string first = writer->take();
            std::size_t next = 0;
            auto stream = std::make_shared<CsvStream>(
                services.db, std::move(first),
                [sessions, next, piece_of](Connection& c) mutable -> std::optional<std::string> {
                    // Sessions with nothing to show give no piece of their own.
                    while (next < sessions.size()) {
                        auto text = piece_of(c, sessions[next++]);
                        if (!text.empty()) return text;
                    }
                    return std::nullopt;
                });
            send_export(services, request, event, "enrolments.export", found->slug + "-enrolments.csv", stream,
                        {{"rows", rows}, {"filters", filters_json(query)}}, std::move(respond));
        } catch (...) {
            respond(private_response(response_for_exception(std::current_exception(), request.request_id)));
        }
    });
}

void activity(Services& services, const Request& request, const RouteParams& params, Responder respond) {
    const auto event = event_id(params);
    const auto before = query_param(request.query, "before").value_or("");
    if (before.size() > 100) throw FieldError("before", "This is not a cursor from an earlier page.");
    const int limit = query_int(request.query, "limit", 50, 1, storage::max_activity_page);
    read_then_respond(
        services, request,
        [event, before, limit](Connection& conn) {
            const auto zone = event_zone(conn, event);
            const auto items = storage::list_activity(conn, event, before, limit);
            json list = json::array();
            for (const auto& item : items) {
                json entry = item.data;
                entry["type"] = item.type;
                entry["id"] = item.id;
                entry["at"] = domain::format_in_zone(item.at, zone);
                entry["cursor"] = item.cursor;
                list.push_back(std::move(entry));
            }
            json next = nullptr;
            if (static_cast<int>(items.size()) == limit) next = items.back().cursor;
            return json_response(200, json_text({{"items", std::move(list)}, {"next", std::move(next)}}));
        },
        std::move(respond));
}

}  // namespace congress::api::organiser
