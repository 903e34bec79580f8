// Serving stored files: byte ranges (RFC 9110 §14), Content-Disposition with a UTF-8 file name
// (RFC 6266 / RFC 5987) and HTTP dates. Pure.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace laurel::http {

struct ByteRange {
  long long first = 0, last = 0;  // inclusive
  long long length() const { return last - first + 1; }
};
enum class RangeKind { whole, partial, unsatisfiable };
// One range of `size` bytes from a Range header; several ranges or a malformed header: whole.
RangeKind parse_range(std::string_view header, long long size, ByteRange& out);

// `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (or inline).
std::string content_disposition(bool inline_, std::string_view filename);

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::string http_date(std::chrono::sys_seconds t);

}  // namespace laurel::http
