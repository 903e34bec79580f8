#include "infra/xlsx.h"

#include <xlsxwriter.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <unistd.h>

#include "core/spreadsheet.h"

namespace laurel::xlsx {

namespace {

constexpr size_t kMaxCellUnits = 32767;  // Excel's longest cell text, in UTF-16 code units
constexpr size_t kMaxSheetName = 31;     // in characters

// The code point at s[i] (advancing i), or nothing for an invalid sequence (i advances one byte).
bool next_code_point(const std::string& s, size_t& i, char32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return ++i, false;
  char32_t v = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return ++i, false;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return ++i, false;  // overlong, surrogate
  cp = v;
  i += n;
  return true;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }

// Cell text as written: guarded against formulas, valid UTF-8, literal "_xHHHH_" escaped, at most
// kMaxCellUnits long.
std::string cell_text(const std::string& in) {
  const std::string s = formula_guarded(in);
  std::string out;
  out.reserve(s.size() + 8);
  size_t units = 0, i = 0;
  while (i < s.size()) {
    size_t start = i;
    char32_t cp = 0;
    std::string piece;
    if (!next_code_point(s, i, cp)) piece = "\xEF\xBF\xBD", cp = 0xFFFD;
    else piece = s.substr(start, i - start);
    if (cp == '_' && s.size() - start >= 7 && s[start + 1] == 'x' && is_hex(s[start + 2]) && is_hex(s[start + 3]) &&
        is_hex(s[start + 4]) && is_hex(s[start + 5]) && s[start + 6] == '_')
      piece = "_x005F_";  // an escaped '_': "x0041_" after it stays literal text
    size_t u = cp == '_' && piece.size() > 1 ? 1 : cp > 0xFFFF ? 2 : 1;
    if (units + u > kMaxCellUnits) break;
    units += u;
    out += piece;
  }
  return out;
}

// A sheet name Excel takes: no []:*?/\, no apostrophe at either end, not empty, ≤ 31 characters.
std::string sheet_name(const std::string& in, size_t index) {
  std::string out;
  size_t chars = 0, i = 0;
  while (i < in.size() && chars < kMaxSheetName) {
    size_t start = i;
    char32_t cp = 0;
    if (!next_code_point(in, i, cp) || cp < 0x20) {
      out += '_';
    } else if (cp < 0x80 && std::string_view("[]:*?/\\").find(static_cast<char>(cp)) != std::string_view::npos) {
      out += '_';
    } else {
      out += in.substr(start, i - start);
    }
    ++chars;
  }
  while (!out.empty() && out.front() == '\'') out.erase(0, 1);
  while (!out.empty() && out.back() == '\'') out.pop_back();
  if (out.empty()) out = "Sheet" + std::to_string(index + 1);
  return out;
}

std::string lxw_message(lxw_error e) { return std::string("XLSX: ") + lxw_strerror(e); }

// A temporary file name of our own (mkstemp), removed when this goes.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::filesystem::path& dir) {
    std::string tmpl = (dir / "laurel-xlsx-XXXXXX").string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "XLSX: cannot create a temporary file in " + dir.string());
    ::close(fd);
    path = tmpl;
  }
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

}  // namespace

std::string workbook(const std::vector<Sheet>& sheets, const std::filesystem::path& tmpdir) {
  if (sheets.empty()) throw std::invalid_argument("XLSX: a workbook needs a sheet");
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t k = 0; k < sheets.size(); ++k) {
    const Sheet& sh = sheets[k];
    names.push_back(sheet_name(sh.name, k));
    if (!seen.insert(names.back()).second) throw std::invalid_argument("XLSX: two sheets named " + names.back());
    if (sh.rows.size() + (sh.header.empty() ? 0 : 1) > LXW_ROW_MAX)
      throw std::invalid_argument("XLSX: more rows than a sheet takes");
  }

  const std::filesystem::path dir = tmpdir.empty() ? std::filesystem::temp_directory_path() : tmpdir;
  TempFile file(dir);
  const std::string dir_name = dir.string();
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;  // rows go to disk as they are written; strings inline
  options.tmpdir = const_cast<char*>(dir_name.c_str());
  options.use_zip64 = LXW_FALSE;
  lxw_workbook* wb = workbook_new_opt(file.path.c_str(), &options);
  if (!wb) throw std::runtime_error("XLSX: cannot start a workbook");

  // The first error (write errors leave the workbook usable); the workbook is always closed,
  // which frees it and its temporary files.
  lxw_error first = LXW_NO_ERROR;
  auto check = [&](lxw_error e) {
    if (e != LXW_NO_ERROR && first == LXW_NO_ERROR) first = e;
  };
  lxw_format* bold = workbook_add_format(wb);
  if (bold) format_set_bold(bold);
  for (size_t k = 0; k < sheets.size() && first == LXW_NO_ERROR; ++k) {
    const Sheet& sh = sheets[k];
    lxw_worksheet* ws = workbook_add_worksheet(wb, names[k].c_str());
    if (!ws) {
      first = LXW_ERROR_PARAMETER_VALIDATION;
      break;
    }
    // Column widths and the frozen header before any cell (constant-memory mode writes as it goes).
    for (size_t c = 0; c < sh.widths.size() && c < LXW_COL_MAX; ++c)
      if (sh.widths[c] > 0) check(worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), sh.widths[c], nullptr));
    lxw_row_t row = 0;
    if (!sh.header.empty()) {
      worksheet_freeze_panes(ws, 1, 0);
      for (size_t c = 0; c < sh.header.size() && c < LXW_COL_MAX; ++c)
        check(worksheet_write_string(ws, row, lxw_col_t(c), cell_text(sh.header[c]).c_str(), bold));
      ++row;
    }
    for (const auto& cells : sh.rows) {
      for (size_t c = 0; c < cells.size() && c < LXW_COL_MAX; ++c) {
        if (const auto* text = std::get_if<std::string>(&cells[c])) {
          if (!text->empty()) check(worksheet_write_string(ws, row, lxw_col_t(c), cell_text(*text).c_str(), nullptr));
        } else {
          check(worksheet_write_number(ws, row, lxw_col_t(c), std::get<double>(cells[c]), nullptr));
        }
      }
      ++row;
    }
  }
  lxw_error closed = workbook_close(wb);
  if (first != LXW_NO_ERROR) throw std::runtime_error(lxw_message(first));
  if (closed != LXW_NO_ERROR) throw std::runtime_error(lxw_message(closed));

  std::ifstream in(file.path, std::ios::binary);
  if (!in) throw std::runtime_error("XLSX: cannot read the written file back");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 4 || bytes.compare(0, 2, "PK") != 0) throw std::runtime_error("XLSX: the written file is no zip");
  return bytes;
}

}  // namespace laurel::xlsx
