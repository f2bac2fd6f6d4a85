// Topic names of the live channel: "event:27", "session:301", "registration:<code>", and
// "checkin:27" (check-in counters, for staff who may check in at event 27).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace congress::live {

struct Topic {
    enum class Kind { event, session, registration, checkin };
    Kind kind = Kind::event;
    std::int64_t id = 0;   // event or session id
    std::string code;      // registration code
    // For topics only some callers may read (checkin): the Cookie header the connection
    // was opened with, for the snapshot source to decide. Never sent anywhere.
    std::string cookie;

    bool needs_credentials() const { return kind == Kind::checkin; }
};

// nullopt for anything malformed.
std::optional<Topic> parse_topic(std::string_view text);
std::string event_topic(std::int64_t event_id);
std::string session_topic(std::int64_t session_id);
std::string registration_topic(const std::string& code);
std::string checkin_topic(std::int64_t event_id);

// Builds the snapshot of a topic (current state, read from the database) and calls `done`
// with the message body, or nullopt if the topic names nothing that exists. A body
// {"error": {"code", "message"}} refuses the subscription (e.g. a caller who may not read
// it). `done` may run on any thread.
class SnapshotSource {
public:
    virtual ~SnapshotSource() = default;
    virtual void snapshot(const Topic& topic, std::function<void(std::optional<nlohmann::json>)> done) = 0;
};

}  // namespace congress::live
