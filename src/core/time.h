// Instants, civil dates and time zones. Instants are UTC (sys_seconds); a call's dates are
// civil dates and local times in its IANA zone, converted through the OS tz database.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/text.h"

namespace laurel {

using Instant = std::chrono::sys_seconds;
using Days = std::chrono::sys_days;  // a civil date (no zone)

bool is_time_zone(std::string_view zone);
// "YYYY-MM-DD HH:MM[:SS]" in `zone` -> instant. "24:00" means the end of that day.
std::optional<Instant> parse_local_datetime(std::string_view text, std::string_view zone);
// "YYYY-MM-DD" -> civil date (validated: 2025-02-30 is refused).
std::optional<Days> parse_date(std::string_view text);
std::string format_date(Days d);  // YYYY-MM-DD
// ISO 8601 with the zone's offset, e.g. 2025-06-19T00:00:00+08:00
std::string iso_local(Instant t, std::string_view zone);
// ISO 8601 in UTC, e.g. 2025-06-18T16:00:00Z
std::string iso_utc(Instant t);
// An ISO 8601 instant with its offset: "2025-06-18T16:00:00Z", "2025-06-19T00:00+08:00"
// (seconds optional, a fraction of a second allowed and dropped — "…T16:00:00.123Z" as
// JavaScript writes it; a zone designator required: an instant without one is ambiguous).
std::optional<Instant> parse_iso_instant(std::string_view text);
// "2025-06-18 15:59 UTC": a record's time as lists show it (to the minute, in UTC).
std::string utc_minute(Instant t);
// Seconds since the epoch (how instants are stored) and back.
inline long long unix_seconds(Instant t) { return t.time_since_epoch().count(); }
inline Instant from_unix_seconds(long long s) { return Instant{std::chrono::seconds{s}}; }
// `t` moved by `n` days of the calendar in `zone`, keeping its local time of day (across a
// daylight-saving change too; a local time that does not exist then takes the earlier instant).
Instant add_local_days(Instant t, std::string_view zone, std::chrono::days n);
// The civil date of `t` in `zone`.
Days local_date(Instant t, std::string_view zone);
// Offset of `zone` at `t`, e.g. "UTC+8", "UTC-3:30".
std::string utc_offset_label(Instant t, std::string_view zone);
// A deadline or time for people: midnight is shown as 24:00 of the day before, so
// 2025-06-19T00:00+08:00 reads "2025-06-18 24:00" / "2025年6月18日 24:00".
std::string human_datetime(Instant t, std::string_view zone, Lang lang);
std::string human_date(Days d, Lang lang);
// "Mar–Jun 2025" / "2025年3月—6月" for a stage.
std::string human_month_range(Days from, Days to, Lang lang);

}  // namespace laurel
