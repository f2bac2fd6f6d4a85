#include "util/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace congress::log {

namespace {

std::atomic<int> current_level{static_cast<int>(Level::info)};
std::mutex output_mutex;

const char* level_name(Level level) {
    switch (level) {
        case Level::debug: return "DEBUG";
        case Level::info: return "INFO ";
        case Level::warn: return "WARN ";
        case Level::error: return "ERROR";
        case Level::off: break;
    }
    return "?    ";
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
    if (text == "debug") out = Level::debug;
    else if (text == "info") out = Level::info;
    else if (text == "warn" || text == "warning") out = Level::warn;
    else if (text == "error") out = Level::error;
    else if (text == "off") out = Level::off;
    else return false;
    return true;
}

void set_level(Level level) { current_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool enabled(Level level) {
    return level != Level::off && static_cast<int>(level) >= current_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view channel, std::string_view request_id, std::string_view message) {
    const auto now = std::chrono::system_clock::now();
    const auto seconds = std::chrono::system_clock::to_time_t(now);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(millis));
    std::string line;
    line.reserve(64 + message.size());
    line += stamp;
    line += ' ';
    line += level_name(level);
    line += ' ';
    line += channel;
    if (!request_id.empty()) {
        line += " [req ";
        line += request_id;
        line += ']';
    }
    line += ' ';
    line += message;
    line += '\n';
    std::lock_guard lock(output_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace congress::log
