#include "domain/time.hpp"

#include <date/tz.h>

namespace congress::domain {

namespace {

const date::time_zone* zone_or_throw(std::string_view zone) {
    try {
        return date::locate_zone(zone);
    } catch (const std::exception&) {
        throw TimeError("unknown time zone: " + std::string(zone));
    }
}

bool read_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > text.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    out = value;
    return true;
}

// Parses "YYYY-MM-DD", optionally followed by "THH:MM" and ":SS"; returns the
// number of characters consumed, or 0 if the text does not start that way.
std::size_t parse_fields(std::string_view text, date::year_month_day& ymd, std::chrono::seconds& tod) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    if (!read_digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !read_digits(text, 5, 2, mo) ||
        text[7] != '-' || !read_digits(text, 8, 2, d))
        return 0;
    std::size_t used = 10;
    if (text.size() > 10 && (text[10] == 'T' || text[10] == ' ')) {
        if (!read_digits(text, 11, 2, h) || text.size() < 16 || text[13] != ':' || !read_digits(text, 14, 2, mi))
            return 0;
        used = 16;
        if (text.size() > 16 && text[16] == ':') {
            if (!read_digits(text, 17, 2, s)) return 0;
            used = 19;
        }
    }
    ymd = date::year{y} / date::month{static_cast<unsigned>(mo)} / date::day{static_cast<unsigned>(d)};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return 0;
    tod = std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s};
    return used;
}

}  // namespace

bool is_valid_timezone(std::string_view zone) {
    if (zone.empty()) return false;
    try {
        date::locate_zone(zone);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

namespace {

// "YYYY-MM-DDTHH:MM:SS" of a wall-clock or UTC time, without iostreams (this runs for
// every time in every response).
// `value` as exactly `width` decimal digits (its lowest ones).
void put_digits(char* out, long long value, int width) {
    if (value < 0) value = -value;
    for (int i = width - 1; i >= 0; --i) {
        out[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

// "YYYY-MM-DDTHH:MM:SS" into out[0..19) (no terminator). Years outside 0..9999 keep their
// last four digits.
void write_date_time(char* out, std::chrono::seconds since_epoch) {
    const auto days = date::floor<date::days>(since_epoch);
    const date::year_month_day ymd{date::sys_days{days}};
    auto rest = since_epoch - days;
    const auto h = std::chrono::duration_cast<std::chrono::hours>(rest);
    rest -= h;
    const auto m = std::chrono::duration_cast<std::chrono::minutes>(rest);
    rest -= m;
    put_digits(out, static_cast<int>(ymd.year()), 4);
    out[4] = '-';
    put_digits(out + 5, static_cast<unsigned>(ymd.month()), 2);
    out[7] = '-';
    put_digits(out + 8, static_cast<unsigned>(ymd.day()), 2);
    out[10] = 'T';
    put_digits(out + 11, h.count(), 2);
    out[13] = ':';
    put_digits(out + 14, m.count(), 2);
    out[16] = ':';
    put_digits(out + 17, rest.count(), 2);
}

}  // namespace

std::string format_utc(Instant instant) {
    char text[24];
    write_date_time(text, instant.time_since_epoch());
    text[19] = 'Z';
    return std::string(text, 20);
}

std::optional<Instant> parse_utc(std::string_view text) {
    date::year_month_day ymd{};
    std::chrono::seconds tod{};
    if (text.size() != 20 || text.back() != 'Z' || parse_fields(text.substr(0, 19), ymd, tod) != 19)
        return std::nullopt;
    return Instant{date::sys_days{ymd}} + tod;
}

std::string format_in_zone(Instant instant, std::string_view zone) {
    const auto* tz = zone_or_throw(zone);
    const auto info = tz->get_info(instant);
    auto offset = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
    char text[32];
    write_date_time(text, (instant + info.offset).time_since_epoch());
    const char sign = offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    text[19] = sign;
    put_digits(text + 20, offset / 60, 2);
    text[22] = ':';
    put_digits(text + 23, offset % 60, 2);
    return std::string(text, 25);
}

Instant to_instant(LocalTime local, std::string_view zone) {
    // local_info::first is the offset in force before any transition around this wall-clock
    // time: in an overlap that gives the earlier instant, and in a gap it moves the time
    // forward by the gap (02:30 on a spring-forward night in Madrid becomes 03:30 CEST).
    const auto info = zone_or_throw(zone)->get_info(local);
    return Instant{(local - info.first.offset).time_since_epoch()};
}

LocalTime to_local(Instant instant, std::string_view zone) {
    const auto* tz = zone_or_throw(zone);
    return tz->to_local(instant);
}

std::optional<LocalTime> parse_local(std::string_view text) {
    date::year_month_day ymd{};
    std::chrono::seconds tod{};
    if (parse_fields(text, ymd, tod) != text.size()) return std::nullopt;
    return LocalTime{date::local_days{ymd}} + tod;
}

bool is_date_only(std::string_view text) { return text.size() == 10; }

Instant now() { return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()); }

}  // namespace congress::domain
