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

std::optional<std::vector<CsvRow>> parse_csv(std::string_view text, size_t max_rows, size_t max_fields) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  int line = 1;
  row.line = 1;
  bool quoted = false, was_quoted = false;
  auto end_field = [&] {
    row.fields.push_back(std::move(field));
    field.clear();
    was_quoted = false;
    return row.fields.size() <= max_fields;
  };
  auto end_row = [&] {
    bool blank = row.fields.size() == 1 && row.fields[0].empty() && !was_quoted;
    if (!blank) rows.push_back(std::move(row));
    was_quoted = false;
    row = CsvRow{};
    row.line = line;
    return rows.size() <= max_rows;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (ch == '\n') ++line;
        field += ch;
      }
      continue;
    }
    if (ch == '"' && field.empty()) {
      quoted = was_quoted = true;
    } else if (ch == ',') {
      if (!end_field()) return std::nullopt;
    } else if (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    } else if (ch == '\n' || ch == '\r') {
      bool q = was_quoted;
      if (!end_field()) return std::nullopt;
      was_quoted = q;
      ++line;
      if (!end_row()) return std::nullopt;
    } else {
      field += ch;
    }
  }
  if (quoted) return std::nullopt;
  if (!field.empty() || !row.fields.empty() || was_quoted) {
    bool q = was_quoted;
    if (!end_field()) return std::nullopt;
    was_quoted = q;
    if (!end_row()) return std::nullopt;
  }
  return rows;
}

}  // namespace laurel
