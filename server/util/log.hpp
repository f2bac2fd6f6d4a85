// Readable, thread-safe log lines: "2026-11-25T17:40:01.123Z INFO  http [req 00000a3f] message".
// The level is process-wide (one atomic), set once from the configuration at start-up.
#pragma once

#include <string>
#include <string_view>

namespace congress::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

// Parses "debug", "info", "warn", "error", "off"; false for anything else.
bool parse_level(std::string_view text, Level& out);
void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view channel, std::string_view request_id,
           std::string_view message);

inline void debug(std::string_view channel, std::string_view message, std::string_view rid = {}) {
    if (enabled(Level::debug)) write(Level::debug, channel, rid, message);
}
inline void info(std::string_view channel, std::string_view message, std::string_view rid = {}) {
    if (enabled(Level::info)) write(Level::info, channel, rid, message);
}
inline void warn(std::string_view channel, std::string_view message, std::string_view rid = {}) {
    if (enabled(Level::warn)) write(Level::warn, channel, rid, message);
}
inline void error(std::string_view channel, std::string_view message, std::string_view rid = {}) {
    if (enabled(Level::error)) write(Level::error, channel, rid, message);
}

}  // namespace congress::log
