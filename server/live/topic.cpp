#include "live/topic.hpp"

#include <charconv>

#include "util/random.hpp"

namespace congress::live {

namespace {

std::optional<std::int64_t> positive_id(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

}  // namespace

std::optional<Topic> parse_topic(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto kind = text.substr(0, colon);
    const auto rest = text.substr(colon + 1);
    Topic topic;
    if (kind == "event" || kind == "session" || kind == "checkin") {
        const auto id = positive_id(rest);
        if (!id) return std::nullopt;
        topic.kind = kind == "event" ? Topic::Kind::event : kind == "session" ? Topic::Kind::session : Topic::Kind::checkin;
        topic.id = *id;
        return topic;
    }
    if (kind == "registration" && util::looks_like_code(rest)) {
        topic.kind = Topic::Kind::registration;
        topic.code = std::string(rest);
        return topic;
    }
    return std::nullopt;
}

std::string event_topic(std::int64_t event_id) { return "event:" + std::to_string(event_id); }
std::string session_topic(std::int64_t session_id) { return "session:" + std::to_string(session_id); }
std::string registration_topic(const std::string& code) { return "registration:" + code; }
std::string checkin_topic(std::int64_t event_id) { return "checkin:" + std::to_string(event_id); }

}  // namespace congress::live
