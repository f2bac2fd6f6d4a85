#include "api/checkin_json.hpp"

namespace congress::api {

using nlohmann::json;

json checkin_person_json(const storage::CheckinPerson& person) {
    return {{"id", person.id},
            {"name", person.name},
            {"organisation", person.organisation ? json(*person.organisation) : json(nullptr)},
            {"status", domain::to_string(person.status)}};
}

json checkin_record_json(const storage::CheckinRecord& r, const std::string& zone) {
    json out = {{"id", r.id},
                {"registration_id", r.registration_id},
                {"session_id", r.session_id == 0 ? json(nullptr) : json(r.session_id)},
                {"desk", r.desk},
                {"at", domain::format_in_zone(r.scanned_at, zone)},
                {"by", r.staff_name},
                {"source", r.source}};
    if (r.undone_at) {
        out["undone_at"] = domain::format_in_zone(*r.undone_at, zone);
        out["undone_by"] = r.undone_by.value_or("");
        out["undo_reason"] = r.undo_reason.value_or("");
    }
    return out;
}

json checkin_outcome_json(const app::CheckinOutcome& o, const std::string& zone) {
    json out = {{"result", app::to_string(o.result)},
                {"counts", {{"expected", o.expected}, {"checked_in", o.checked_in}}},
                {"duplicate", o.duplicate}};
    if (o.registration) out["registration"] = checkin_person_json(*o.registration);
    if (o.checkin) out["checkin"] = checkin_record_json(*o.checkin, zone);
    if (!o.error_code.empty()) out["error"] = {{"code", o.error_code}, {"message", o.message}};
    return out;
}

int checkin_status(const app::CheckinOutcome& outcome) {
    return outcome.result == app::CheckinResult::checked_in ? 200 : 409;
}

json scan_refusal_json(const std::string& code, const std::string& message, json extra) {
    json error = {{"code", code}, {"message", message}};
    if (extra.is_object())
        for (auto& [k, v] : extra.items()) error[k] = v;
    return {{"result", "refused"}, {"error", std::move(error)}};
}

json checkin_stats_json(const storage::CheckinStats& stats) {
    json desks = json::array();
    for (const auto& d : stats.desks) desks.push_back({{"desk", d.desk}, {"checked_in", d.checked_in}});
    json sessions = json::array();
    for (const auto& s : stats.sessions)
        sessions.push_back({{"id", s.id}, {"title", s.title}, {"expected", s.expected}, {"checked_in", s.checked_in}});
    return {{"event", stats.event_id},
            {"expected", stats.expected},
            {"checked_in", stats.checked_in},
            {"desks", std::move(desks)},
            {"sessions", std::move(sessions)},
            {"duplicates", stats.duplicates}};
}

}  // namespace congress::api
