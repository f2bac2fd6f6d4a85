// Instants and wall-clock times. Instants are stored in UTC; every event has an IANA
// time zone and is shown in it. Zone rules come from the system tz database
// (/usr/share/zoneinfo) through Howard Hinnant's date library.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <date/date.h>

namespace congress::domain {

using Instant = std::chrono::sys_seconds;
using LocalTime = date::local_seconds;

class TimeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

bool is_valid_timezone(std::string_view zone);

// Storage form: "2014-10-07T03:30:00Z".
std::string format_utc(Instant instant);
std::optional<Instant> parse_utc(std::string_view text);

// Display form, RFC 3339 with the zone's offset at that instant: "2014-10-07T09:00:00+05:30".
std::string format_in_zone(Instant instant, std::string_view zone);

// Wall-clock time in a zone to an instant. In a daylight-saving gap the time is
// moved forward by the gap; in an overlap the earlier instant is chosen.
Instant to_instant(LocalTime local, std::string_view zone);
LocalTime to_local(Instant instant, std::string_view zone);

// "2014-10-07T09:00", "2014-10-07T09:00:00" or a date alone "2014-10-07" (midnight).
std::optional<LocalTime> parse_local(std::string_view text);
bool is_date_only(std::string_view text);

Instant now();

}  // namespace congress::domain
