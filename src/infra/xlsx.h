// XLSX workbooks through libxlsxwriter (Debian's libxlsxwriter-dev): sheets of a bold, frozen
// header row and rows of text or number cells, returned as the file's bytes.
//
// Safety: every text cell is written as a string (never a formula), and text that a spreadsheet
// would read as a formula when the file is re-saved as CSV and opened again (a leading = + - @,
// tab or CR) gets the same leading apostrophe as our CSV exports (core/spreadsheet.h,
// formula_guarded); header cells too. Invalid UTF-8 becomes U+FFFD; a literal "_xHHHH_" is kept
// literal (OOXML would otherwise read it as an escaped character); a cell longer than Excel's
// 32,767 characters is cut at a character boundary.
//
// Memory: the workbook is written in libxlsxwriter's constant-memory mode (one row held at a
// time, strings inline rather than in a shared-string table, so there is no
// xl/sharedStrings.xml), into a temporary file that is read back and removed; only the rows
// given and the compressed result are in memory.
#pragma once
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace laurel::xlsx {

using Cell = std::variant<std::string, double>;

struct Sheet {
  std::string name;                     // ≤ 31 characters, none of []:*?/\ (others are replaced by _)
  std::vector<std::string> header;      // the first row, bold, frozen; none: no header row
  std::vector<std::vector<Cell>> rows;  // below it
  std::vector<double> widths;           // column widths in characters, from column A; empty: defaults
};

// The .xlsx file of `sheets` (at least one). Temporary files go to `tmpdir` (empty: the system's
// temporary directory). Throws std::runtime_error when libxlsxwriter fails (with its message),
// and std::invalid_argument for no sheets, two sheets of one name, or more rows than Excel takes.
std::string workbook(const std::vector<Sheet>& sheets, const std::filesystem::path& tmpdir = {});

inline constexpr const char* kContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

}  // namespace laurel::xlsx
