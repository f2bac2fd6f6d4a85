#include "api/registration_json.hpp"

namespace congress::api {

namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json ref_json(const std::optional<storage::NamedRef>& ref) {
    return ref ? json{{"id", ref->id}, {"name", ref->name}} : json(nullptr);
}

}  // namespace

json enrolment_json(const storage::EnrolmentView& e, const std::string& timezone) {
    return {
        {"session_id", e.session_id},
        {"title", e.title},
        {"starts_at", domain::format_in_zone(e.starts_at, timezone)},
        {"ends_at", domain::format_in_zone(e.ends_at, timezone)},
        {"track", ref_json(e.track)},
        {"room", ref_json(e.room)},
        {"status", domain::to_string(e.status)},
        {"waitlist_position", e.waitlist_position ? json(*e.waitlist_position) : json(nullptr)},
    };
}

json registration_json(const storage::RegistrationView& v) {
    const auto& tz = v.event.timezone;
    json sessions = json::array();
    for (const auto& e : v.sessions) sessions.push_back(enrolment_json(e, tz));
    return {
        {"code", v.code},
        {"event",
         {{"id", v.event.id},
          {"slug", v.event.slug},
          {"title", v.event.title},
          {"timezone", tz},
          {"starts_at", domain::format_in_zone(v.event.starts_at, tz)},
          {"ends_at", domain::format_in_zone(v.event.ends_at, tz)}}},
        {"name", v.name},
        {"email", v.email},
        {"organisation", optional_json(v.organisation)},
        {"member_organisation_id", v.member_organisation_id ? json(*v.member_organisation_id) : json(nullptr)},
        {"language", optional_json(v.language)},
        {"status", domain::to_string(v.status)},
        {"waitlist_position", v.waitlist_position ? json(*v.waitlist_position) : json(nullptr)},
        {"created_at", domain::format_in_zone(v.created_at, tz)},
        {"updated_at", domain::format_in_zone(v.updated_at, tz)},
        {"sessions", std::move(sessions)},
    };
}

json organisations_json(const std::vector<storage::OrganisationSummary>& organisations) {
    json list = json::array();
    for (const auto& o : organisations)
        list.push_back({{"id", o.id}, {"name", o.name}, {"city", o.city}, {"country", o.country}, {"member", o.member}});
    return {{"organisations", std::move(list)}};
}

}  // namespace congress::api
