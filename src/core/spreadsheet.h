// Text going into a spreadsheet cell (CSV now, XLSX later): a cell that a spreadsheet program
// would read as a formula is made plain text. Pure.
#pragma once
#include <string>
#include <string_view>

namespace laurel {

// True when `s` begins with a character a spreadsheet takes as the start of a formula or of a
// field separator trick: = + - @ tab, carriage return (OWASP's CSV-injection list).
bool formula_like(std::string_view s);
// `s`, with a leading apostrophe when formula_like(s).
std::string formula_guarded(std::string_view s);
// One RFC 4180 CSV field: guarded, quoted, inner quotes doubled.
std::string csv_field(std::string_view s);

}  // namespace laurel
