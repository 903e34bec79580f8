#include "http/content.h"

#include <cstdio>
#include <ctime>

namespace laurel::http {

namespace {

std::optional<long long> number(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

RangeKind parse_range(std::string_view h, long long size, ByteRange& out) {
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  if (h.rfind("bytes=", 0) != 0) return RangeKind::whole;
  h.remove_prefix(6);
  if (h.find(',') != std::string_view::npos) return RangeKind::whole;  // one range only; else the whole file
  size_t dash = h.find('-');
  if (dash == std::string_view::npos) return RangeKind::whole;
  std::string_view a = h.substr(0, dash), b = h.substr(dash + 1);
  if (a.empty()) {  // suffix: the last N bytes
    auto n = number(b);
    if (!n) return RangeKind::whole;
    if (*n == 0 || size == 0) return RangeKind::unsatisfiable;
    out = {std::max(0LL, size - *n), size - 1};
    return RangeKind::partial;
  }
  auto first = number(a);
  if (!first) return RangeKind::whole;
  std::optional<long long> last;
  if (!b.empty()) {
    last = number(b);
    if (!last || *last < *first) return RangeKind::whole;
  }
  if (*first >= size) return RangeKind::unsatisfiable;
  out = {*first, last ? std::min(*last, size - 1) : size - 1};
  return RangeKind::partial;
}

std::string content_disposition(bool inline_, std::string_view name) {
  std::string ascii, encoded;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : name) {
    bool attr_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     std::string_view("!#$&+-.^_`|~").find(char(c)) != std::string_view::npos;
    if (attr_char) encoded += char(c);
    else {
      encoded += '%';
      encoded += hex[c >> 4];
      encoded += hex[c & 15];
    }
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ascii += char(c);
    else if (c < 0x80 || (c & 0xC0) == 0xC0) ascii += '_';  // one '_' per character outside ASCII
  }
  if (ascii.empty()) ascii = "file";
  return std::string(inline_ ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

std::string http_date(std::chrono::sys_seconds t) {
  std::time_t tt = t.time_since_epoch().count();
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

}  // namespace laurel::http
