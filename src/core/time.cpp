#include "core/time.h"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>

namespace laurel {
namespace {

const date::time_zone* find_zone(std::string_view zone) {
  try {
    return date::locate_zone(std::string(zone));
  } catch (const std::exception&) {
    return nullptr;
  }
}

bool digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

bool is_time_zone(std::string_view zone) { return find_zone(zone) != nullptr; }

std::optional<Days> parse_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  auto y = t.substr(0, 4), m = t.substr(5, 2), d = t.substr(8, 2);
  if (!digits(y) || !digits(m) || !digits(d)) return std::nullopt;
  date::year_month_day ymd{date::year{to_int(y)}, date::month{unsigned(to_int(m))},
                           date::day{unsigned(to_int(d))}};
  if (!ymd.ok()) return std::nullopt;
  return Days{date::sys_days{ymd}.time_since_epoch()};
}

std::string format_date(Days d) {
  date::year_month_day ymd{date::sys_days{d.time_since_epoch()}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return buf;
}

std::optional<Instant> parse_local_datetime(std::string_view t, std::string_view zone) {
  const auto* tz = find_zone(zone);
  if (!tz || t.size() < 16 || (t[10] != ' ' && t[10] != 'T') || t[13] != ':') return std::nullopt;
  auto day = parse_date(t.substr(0, 10));
  auto hh = t.substr(11, 2), mm = t.substr(14, 2);
  std::string_view ss = "00";
  if (t.size() == 19 && t[16] == ':') ss = t.substr(17, 2);
  else if (t.size() != 16) return std::nullopt;
  if (!day || !digits(hh) || !digits(mm) || !digits(ss)) return std::nullopt;
  int h = to_int(hh), m = to_int(mm), s = to_int(ss);
  if (h > 24 || m > 59 || s > 59 || (h == 24 && (m || s))) return std::nullopt;
  auto local = date::local_seconds{day->time_since_epoch()} + std::chrono::hours{h} +
               std::chrono::minutes{m} + std::chrono::seconds{s};
  try {
    // A time that does not exist (spring forward) or exists twice: take the earlier instant.
    return date::zoned_time<std::chrono::seconds>{tz, local, date::choose::earliest}.get_sys_time();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string iso_utc(Instant t) { return date::format("%Y-%m-%dT%H:%M:%SZ", t); }

std::string iso_local(Instant t, std::string_view zone) {
  const auto* tz = find_zone(zone);
  if (!tz) return iso_utc(t);
  auto info = tz->get_info(t);
  auto local = date::local_seconds{(t + info.offset).time_since_epoch()};
  auto off = std::chrono::duration_cast<std::chrono::minutes>(info.offset).count();
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", sign, int(off / 60), int(off % 60));
  return date::format("%Y-%m-%dT%H:%M:%S", local) + buf;
}

Instant add_local_days(Instant t, std::string_view zone, std::chrono::days n) {
  const auto* tz = find_zone(zone);
  if (!tz) return t + n;
  auto local = tz->to_local(t) + n;
  try {
    return tz->to_sys(local, date::choose::earliest);
  } catch (const std::exception&) {  // a time skipped by the clock change: an hour later
    return tz->to_sys(local + std::chrono::hours{1}, date::choose::earliest);
  }
}

Days local_date(Instant t, std::string_view zone) {
  const auto* tz = find_zone(zone);
  auto off = tz ? tz->get_info(t).offset : std::chrono::seconds{0};
  return std::chrono::floor<std::chrono::days>(t + off);
}

std::string utc_offset_label(Instant t, std::string_view zone) {
  const auto* tz = find_zone(zone);
  auto off = tz ? std::chrono::duration_cast<std::chrono::minutes>(tz->get_info(t).offset).count() : 0;
  std::string out = "UTC";
  if (off == 0) return out;
  out += off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  out += std::to_string(off / 60);
  if (off % 60) {
    char buf[4];
    std::snprintf(buf, sizeof buf, ":%02d", int(off % 60));
    out += buf;
  }
  return out;
}

std::string human_date(Days d, Lang lang) {
  date::year_month_day ymd{date::sys_days{d.time_since_epoch()}};
  static const char* months[] = {"January", "February", "March",     "April",   "May",      "June",
                                 "July",    "August",   "September", "October", "November", "December"};
  if (lang == Lang::zh)
    return std::to_string(int(ymd.year())) + "年" + std::to_string(unsigned(ymd.month())) + "月" +
           std::to_string(unsigned(ymd.day())) + "日";
  return std::to_string(unsigned(ymd.day())) + " " + months[unsigned(ymd.month()) - 1] + " " +
         std::to_string(int(ymd.year()));
}

std::string human_datetime(Instant t, std::string_view zone, Lang lang) {
  const auto* tz = find_zone(zone);
  auto off = tz ? tz->get_info(t).offset : std::chrono::seconds{0};
  auto local = t + off;
  auto day = std::chrono::floor<std::chrono::days>(local);
  auto tod = local - day;
  if (tod.count() == 0) {  // midnight: the end of the previous day
    day -= std::chrono::days{1};
    tod = std::chrono::hours{24};
  }
  auto secs = tod.count();
  char buf[64];
  if (secs % 60)
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", (long long)secs / 3600, (long long)secs / 60 % 60,
                  (long long)secs % 60);
  else
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", (long long)secs / 3600, (long long)secs / 60 % 60);
  return human_date(Days{day.time_since_epoch()}, lang) + (lang == Lang::zh ? " " : ", ") + buf;
}

std::string human_month_range(Days from, Days to, Lang lang) {
  date::year_month_day a{date::sys_days{from.time_since_epoch()}}, b{date::sys_days{to.time_since_epoch()}};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  unsigned ma = unsigned(a.month()), mb = unsigned(b.month());
  int ya = int(a.year()), yb = int(b.year());
  if (lang == Lang::zh) {
    std::string s = std::to_string(ya) + "年" + std::to_string(ma) + "月";
    if (ya != yb) return s + "—" + std::to_string(yb) + "年" + std::to_string(mb) + "月";
    if (ma != mb) s += "—" + std::to_string(mb) + "月";
    return s;
  }
  std::string s = months[ma - 1];
  if (ya != yb) return s + " " + std::to_string(ya) + " – " + months[mb - 1] + " " + std::to_string(yb);
  if (ma != mb) s += std::string("–") + months[mb - 1];
  return s + " " + std::to_string(yb);
}

std::string utc_minute(Instant t) { return date::format("%Y-%m-%d %H:%M UTC", std::chrono::floor<std::chrono::minutes>(t)); }

std::optional<Instant> parse_iso_instant(std::string_view text) {
  if (text.size() < 17 || text.size() > 35 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) return std::nullopt;
  auto date = parse_date(text.substr(0, 10));
  if (!date) return std::nullopt;
  auto digits = [&](size_t at, size_t n, int& out) {
    if (at + n > text.size()) return false;
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int h = 0, m = 0, sec = 0;
  if (!digits(11, 2, h) || text[13] != ':' || !digits(14, 2, m)) return std::nullopt;
  size_t at = 16;
  if (at < text.size() && text[at] == ':') {
    if (!digits(at + 1, 2, sec)) return std::nullopt;
    at += 3;
    // A fraction of a second (JavaScript's toISOString writes .123): up to 9 digits, dropped —
    // instants here are whole seconds.
    if (at < text.size() && text[at] == '.') {
      size_t d = at + 1;
      while (d < text.size() && d - at <= 9 && text[d] >= '0' && text[d] <= '9') ++d;
      if (d == at + 1 || (d < text.size() && text[d] >= '0' && text[d] <= '9')) return std::nullopt;
      at = d;
    }
  }
  if (h > 23 || m > 59 || sec > 59 || at >= text.size()) return std::nullopt;
  long long offset = 0;
  std::string_view zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
    offset = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (!digits(at + 1, 2, oh) || !digits(at + 4, 2, om) || oh > 14 || om > 59) return std::nullopt;
    offset = (oh * 3600LL + om * 60LL) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  return Instant{std::chrono::duration_cast<std::chrono::seconds>(date->time_since_epoch())} +
         std::chrono::seconds{h * 3600LL + m * 60LL + sec - offset};
}

}  // namespace laurel
