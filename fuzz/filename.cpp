// File names from browsers: laurel::safe_filename, and sizes from call files: parse_size /
// format_size (src/core/material.h).
//
// Invariants (the header's promise): the name is the last path component only (no '/' or '\\'),
// has no control characters (C0, DEL, C1) and no bidirectional overrides, no leading dot, is valid
// UTF-8 (RFC 3629: no overlong forms, no surrogates), at most 200 bytes, never empty; making a
// safe name safe again changes nothing. A parsed size is ≥ 0 and format_size → parse_size gives
// it back within the 0.1-unit rounding of the format.
#include <cmath>
#include <string>
#include <string_view>

#include "check.h"
#include "core/material.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  std::string name = laurel::safe_filename(in);
  FUZZ_CHECK(!name.empty() && name.size() <= 200);
  FUZZ_CHECK(name.front() != '.');
  FUZZ_CHECK(fuzz::strict_utf8(name));
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '/' && c != '\\');
    if (c == 0xC2) FUZZ_CHECK(static_cast<unsigned char>(name[i + 1]) >= 0xA0);  // no C1 control
    if (c == 0xE2 && name[i + 1] == '\x80') FUZZ_CHECK(!(name[i + 2] >= '\xAA' && name[i + 2] <= '\xAE'));
    if (c == 0xE2 && name[i + 1] == '\x81') FUZZ_CHECK(!(name[i + 2] >= '\xA6' && name[i + 2] <= '\xA9'));
  }
  FUZZ_CHECK(laurel::safe_filename(name) == name);

  if (auto n = laurel::parse_size(in)) {
    FUZZ_CHECK(*n >= 0);
    std::string text = laurel::format_size(*n);
    auto back = laurel::parse_size(text);
    FUZZ_CHECK(back.has_value());
    FUZZ_CHECK(std::fabs(double(*back) - double(*n)) <= 0.05 * double(*n) + 1);
  }
  return 0;
}
