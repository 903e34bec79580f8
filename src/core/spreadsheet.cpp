#include "core/spreadsheet.h"

namespace laurel {

bool formula_like(std::string_view s) {
  if (s.empty()) return false;
  switch (s.front()) {
    case '=': case '+': case '-': case '@': case '\t': case '\r': return true;
    default: return false;
  }
}

std::string formula_guarded(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 1);
  if (formula_like(s)) out += '\'';
  out += s;
  return out;
}

std::string csv_field(std::string_view s) {
  std::string out = "\"";
  out.reserve(s.size() + 4);
  if (formula_like(s)) out += '\'';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace laurel
