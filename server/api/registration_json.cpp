#include "api/registration_json.hpp"

#include <array>
#include <charconv>
#include <cstdio>

#include "api/json_text.hpp"

namespace congress::api {

namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json ref_json(const std::optional<storage::NamedRef>& ref) {
    return ref ? json{{"id", ref->id}, {"name", ref->name}} : json(nullptr);
}

// --- the direct writer ------------------------------------------------------------------

// format_in_zone() looks the zone up by name and searches its transitions every time. A
// registration shows the same few instants over and over (its event's start and end, and
// "now", which is the same for every registration in a second), so each thread keeps the
// last few it formatted. The result depends only on the instant and the zone.
const std::string& time_in_zone(domain::Instant instant, const std::string& zone) {
    struct Entry {
        bool used = false;
        std::int64_t seconds = 0;
        std::string zone;
        std::string text;
    };
    thread_local std::array<Entry, 8> entries;
    thread_local std::size_t next = 0;
    const auto seconds = instant.time_since_epoch().count();
    for (const auto& e : entries)
        if (e.used && e.seconds == seconds && e.zone == zone) return e.text;
    auto text = domain::format_in_zone(instant, zone);  // may throw: leave the cache as it was
    auto& e = entries[next++ % entries.size()];
    e.used = true;
    e.seconds = seconds;
    e.zone = zone;
    e.text = std::move(text);
    return e.text;
}

// True if `text` is valid UTF-8 by the same rules as nlohmann's decoder: no overlong
// forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* end = p + text.size();
    const auto cont = [&](const unsigned char* q, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
        return q < end && *q >= lo && *q <= hi;
    };
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
        } else if (c >= 0xc2 && c <= 0xdf) {
            if (!cont(p + 1)) return false;
            p += 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80;
            const unsigned char hi = c == 0xed ? 0x9f : 0xbf;
            if (!cont(p + 1, lo, hi) || !cont(p + 2)) return false;
            p += 3;
        } else if (c >= 0xf0 && c <= 0xf4) {
            const unsigned char lo = c == 0xf0 ? 0x90 : 0x80;
            const unsigned char hi = c == 0xf4 ? 0x8f : 0xbf;
            if (!cont(p + 1, lo, hi) || !cont(p + 2) || !cont(p + 3)) return false;
            p += 4;
        } else {
            return false;
        }
    }
    return true;
}

// Appends `text` as a JSON string exactly as nlohmann's dump(-1, ' ', false, replace)
// writes it: the two-character escapes, \u00XX (lowercase) for other control characters,
// UTF-8 as it is. Invalid UTF-8 (never accepted from a request, but this also writes
// stored text) goes through nlohmann itself for its replacement rules.
void put_string(std::string& out, std::string_view text) {
    // Most text (codes, emails, names, zones) is plain ASCII that needs no escape: one scan.
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
        ++i;
    }
    if (i == text.size()) {
        out += '"';
        out += text;
        out += '"';
        return;
    }
    if (!valid_utf8(text.substr(i))) {
        out += json_text(json(std::string(text)));
        return;
    }
    out += '"';
    std::size_t plain = 0;  // start of the run not yet copied
    for (; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            }
        }
    }
    out.append(text.data() + plain, text.size() - plain);
    out += '"';
}

void put_int(std::string& out, std::int64_t value) {
    char digits[24];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, static_cast<std::size_t>(end - digits));
}

template <typename T>
void put_optional_int(std::string& out, const std::optional<T>& value) {
    if (value) put_int(out, static_cast<std::int64_t>(*value));
    else out += "null";
}

void put_optional_string(std::string& out, const std::optional<std::string>& value) {
    if (value) put_string(out, *value);
    else out += "null";
}

void put_ref(std::string& out, const std::optional<storage::NamedRef>& ref) {
    if (!ref) {
        out += "null";
        return;
    }
    out += "{\"id\":";
    put_int(out, ref->id);
    out += ",\"name\":";
    put_string(out, ref->name);
    out += '}';
}

// Keys in sorted order, as nlohmann (std::map) writes them.
void put_enrolment(std::string& out, const storage::EnrolmentView& e, const std::string& tz) {
    out += "{\"ends_at\":";
    put_string(out, time_in_zone(e.ends_at, tz));
    out += ",\"room\":";
    put_ref(out, e.room);
    out += ",\"session_id\":";
    put_int(out, e.session_id);
    out += ",\"starts_at\":";
    put_string(out, time_in_zone(e.starts_at, tz));
    out += ",\"status\":";
    put_string(out, domain::to_string(e.status));
    out += ",\"title\":";
    put_string(out, e.title);
    out += ",\"track\":";
    put_ref(out, e.track);
    out += ",\"waitlist_position\":";
    put_optional_int(out, e.waitlist_position);
    out += '}';
}

void put_registration(std::string& out, const storage::RegistrationView& v) {
    const auto& tz = v.event.timezone;
    out += "{\"code\":";
    put_string(out, v.code);
    out += ",\"created_at\":";
    put_string(out, time_in_zone(v.created_at, tz));
    out += ",\"email\":";
    put_string(out, v.email);
    out += ",\"event\":{\"ends_at\":";
    put_string(out, time_in_zone(v.event.ends_at, tz));
    out += ",\"id\":";
    put_int(out, v.event.id);
    out += ",\"slug\":";
    put_string(out, v.event.slug);
    out += ",\"starts_at\":";
    put_string(out, time_in_zone(v.event.starts_at, tz));
    out += ",\"timezone\":";
    put_string(out, tz);
    out += ",\"title\":";
    put_string(out, v.event.title);
    out += "},\"language\":";
    put_optional_string(out, v.language);
    out += ",\"member_organisation_id\":";
    put_optional_int(out, v.member_organisation_id);
    out += ",\"name\":";
    put_string(out, v.name);
    out += ",\"organisation\":";
    put_optional_string(out, v.organisation);
    out += ",\"sessions\":[";
    for (std::size_t i = 0; i < v.sessions.size(); ++i) {
        if (i) out += ',';
        put_enrolment(out, v.sessions[i], tz);
    }
    out += "],\"status\":";
    put_string(out, domain::to_string(v.status));
    out += ",\"updated_at\":";
    put_string(out, time_in_zone(v.updated_at, tz));
    out += ",\"waitlist_position\":";
    put_optional_int(out, v.waitlist_position);
    out += '}';
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

std::string registration_body(const storage::RegistrationView& view) {
    std::string out;
    out.reserve(640 + 256 * view.sessions.size());
    out += "{\"registration\":";
    put_registration(out, view);
    out += '}';
    return out;
}

std::string enrolment_body(const storage::EnrolmentResult& result) {
    std::string out;
    out.reserve(900 + 256 * result.registration.sessions.size());
    out += "{\"enrolment\":";
    put_enrolment(out, result.enrolment, result.registration.event.timezone);
    out += ",\"registration\":";
    put_registration(out, result.registration);
    out += '}';
    return out;
}

json organisations_json(const std::vector<storage::OrganisationSummary>& organisations) {
    json list = json::array();
    for (const auto& o : organisations)
        list.push_back({{"id", o.id}, {"name", o.name}, {"city", o.city}, {"country", o.country}, {"member", o.member}});
    return {{"organisations", std::move(list)}};
}

}  // namespace congress::api
