// Lang and Text: user-visible text stored per language, side by side (zh and en); and the few
// pure helpers every layer needs for text as people type it (trimming, UTF-8 validity).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace laurel {

enum class Lang { zh, en };

inline std::string_view lang_tag(Lang l) { return l == Lang::zh ? "zh-CN" : "en"; }
inline std::string_view lang_code(Lang l) { return l == Lang::zh ? "zh" : "en"; }

struct Text {
  std::string zh;
  std::string en;
  // The text in `l`, falling back to the other language when that one is empty.
  const std::string& in(Lang l) const {
    const std::string& a = l == Lang::zh ? zh : en;
    return a.empty() ? (l == Lang::zh ? en : zh) : a;
  }
  bool operator==(const Text&) const = default;
};

// `s` without leading and trailing spaces, tabs, carriage returns and newlines.
inline std::string trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  auto a = s.find_first_not_of(ws);
  if (a == std::string_view::npos) return {};
  return std::string(s.substr(a, s.find_last_not_of(ws) - a + 1));
}

// Whether `s` is UTF-8 as RFC 3629 defines it: no overlong forms (C0 AF is an overlong '/'), no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF. `good` is set to the length of the
// longest valid prefix (whole characters only), so a caller can keep what comes before a bad byte
// or cut a string without splitting a character.
inline bool valid_utf8_prefix(std::string_view s, size_t& good) {
  size_t i = 0;
  good = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >> 4) == 14 ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    if (n > 1) {
      unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
      unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80, hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
      if (c1 < lo || c1 > hi) return false;
    }
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
    good = i;
  }
  return true;
}

inline bool valid_utf8(std::string_view s) {
  size_t good = 0;
  return valid_utf8_prefix(s, good);
}

}  // namespace laurel
