// Text going into a spreadsheet cell (CSV now, XLSX later): a cell that a spreadsheet program
// would read as a formula is made plain text. Pure.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace laurel {

// True when `s` begins with a character a spreadsheet takes as the start of a formula or of a
// field separator trick: = + - @ tab, carriage return (OWASP's CSV-injection list).
bool formula_like(std::string_view s);
// `s`, with a leading apostrophe when formula_like(s).
std::string formula_guarded(std::string_view s);
// One RFC 4180 CSV field: guarded, quoted, inner quotes doubled.
std::string csv_field(std::string_view s);

// Reading CSV (RFC 4180: comma-separated, fields in double quotes may hold commas, quotes doubled
// and line breaks; CRLF or LF; a UTF-8 byte-order mark is skipped; blank lines are left out).
// Each row keeps its line number (of its first line). Nullopt when a quoted field never ends,
// or when there are more than max_rows rows or a row has more than max_fields fields.
struct CsvRow {
  int line = 0;
  std::vector<std::string> fields;
};
std::optional<std::vector<CsvRow>> parse_csv(std::string_view text, size_t max_rows = 100000, size_t max_fields = 100);

}  // namespace laurel
