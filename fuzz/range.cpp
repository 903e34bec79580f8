// Serving stored files (src/http/content.h): parse_range on a Range header and
// content_disposition on a stored file name. Input: 8 bytes of file size, then the header; the
// same header bytes are also used as the file name.
//
// Invariants: a partial range lies within [0, size) and is not empty; an unsatisfiable one only
// answers "bytes=…"; Content-Disposition holds no control character (no header injection), its
// quoted fallback no '"' or '\\', and its filename* decodes back to the exact name.
#include <cstring>
#include <string>
#include <string_view>

#include "check.h"
#include "http/content.h"

namespace {

int hex(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

void check_disposition(bool inline_, std::string_view name) {
  std::string h = laurel::http::content_disposition(inline_, name);
  for (unsigned char c : h) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
  std::string_view head = inline_ ? "inline; filename=\"" : "attachment; filename=\"";
  FUZZ_CHECK(h.rfind(head, 0) == 0);
  size_t q = h.find('"', head.size());
  FUZZ_CHECK(q != std::string::npos && q > head.size());  // a non-empty fallback
  std::string_view star = "\"; filename*=UTF-8''";
  FUZZ_CHECK(h.compare(q, star.size(), star) == 0);
  std::string_view fallback(h.data() + head.size(), q - head.size());
  for (unsigned char c : fallback) FUZZ_CHECK(c < 0x80 && c != '"' && c != '\\');
  std::string_view enc(h.data() + q + star.size(), h.size() - q - star.size());
  std::string decoded;
  for (size_t i = 0; i < enc.size(); ++i) {
    if (enc[i] == '%') {
      FUZZ_CHECK(i + 2 < enc.size() && hex(enc[i + 1]) >= 0 && hex(enc[i + 2]) >= 0);
      decoded += char(hex(enc[i + 1]) * 16 + hex(enc[i + 2]));
      i += 2;
    } else {
      FUZZ_CHECK(std::string_view(";, \"'\\").find(enc[i]) == std::string_view::npos);
      decoded += enc[i];
    }
  }
  FUZZ_CHECK(decoded == name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  unsigned long long raw;
  std::memcpy(&raw, data, 8);
  // File sizes: mostly small (the low bytes), up to 2^62.
  long long file_size = (long long)(raw >> 2);
  if (data[7] < 0x80) file_size = (long long)(raw & 0xFFFFFF);
  std::string_view header(reinterpret_cast<const char*>(data + 8), size - 8);

  laurel::http::ByteRange r{-7, -7};
  auto kind = laurel::http::parse_range(header, file_size, r);
  if (kind == laurel::http::RangeKind::partial) {
    FUZZ_CHECK(0 <= r.first && r.first <= r.last && r.last < file_size);
    FUZZ_CHECK(r.length() >= 1 && r.length() <= file_size);
  } else {
    FUZZ_CHECK(r.first == -7 && r.last == -7);  // untouched
  }
  if (kind == laurel::http::RangeKind::unsatisfiable) {
    std::string_view t = header;
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    FUZZ_CHECK(t.rfind("bytes=", 0) == 0);
  }

  check_disposition(data[0] & 1, header);
  return 0;
}
