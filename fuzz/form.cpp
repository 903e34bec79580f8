// Form bodies (application/x-www-form-urlencoded): laurel::http::parse_form (src/http/message.h).
//
// Invariant: parse_form agrees with a plain reference decoder written from the URL standard:
// a body is malformed iff it holds a character outside RFC 3986's query characters or a '%' not
// followed by two hex digits; otherwise it is the '&'-separated pairs, split at the first '=',
// with '+' as a space and %XX decoded, in order; an empty body is no fields.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "http/message.h"

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool query_char(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@/?").find(char(c)) != std::string_view::npos;
}

std::string decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%') {
      out += char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else out += s[i];
  }
  return out;
}

std::optional<std::multimap<std::string, std::string>> reference(std::string_view body) {
  for (size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (c == '%') {
      if (i + 2 >= body.size() || hex(body[i + 1]) < 0 || hex(body[i + 2]) < 0) return std::nullopt;
      i += 2;
    } else if (!query_char(c)) {
      return std::nullopt;
    }
  }
  std::multimap<std::string, std::string> out;
  if (body.empty()) return out;  // no body, no fields (not one empty field)
  size_t i = 0;
  for (;;) {
    size_t amp = body.find('&', i);
    std::string_view pair = body.substr(i, amp == std::string_view::npos ? std::string_view::npos : amp - i);
    size_t eq = pair.find('=');
    out.emplace(decode(pair.substr(0, eq)), eq == std::string_view::npos ? std::string() : decode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    i = amp + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto got = laurel::http::parse_form(in);
  auto want = reference(in);
  FUZZ_CHECK(got.has_value() == want.has_value());
  if (got) FUZZ_CHECK(*got == *want);
  return 0;
}
