// Reading XLSX workbooks (an organiser's list of experts, say) through libzip (Debian's
// libzip-dev) and pugixml (libpugixml-dev): the text of the first sheet's cells, row by row.
//
// What is read: the workbook's first sheet, found as Excel finds it (_rels/.rels → the workbook,
// its first <sheet r:id> → xl/_rels/workbook.xml.rels → the worksheet; xl/workbook.xml and
// xl/worksheets/sheet1.xml when a part or relationship is missing). Cells become text:
//   - shared strings (t="s", xl/sharedStrings.xml, rich-text runs joined, phonetic runs left out),
//     inline strings (t="inlineStr"), formula strings (t="str"): the text, with OOXML's "_xHHHH_"
//     escapes decoded (so "_x005F_x0041_", which our writer makes of "_x0041_", reads "_x0041_");
//   - numbers (t="n" or no t): the <v> text as written, but a whole number without its ".0"
//     ("12.0" → "12"; "12.5" and "1.5E+20" stay);
//   - booleans (t="b"): "TRUE" / "FALSE"; errors (t="e") and dates (t="d"): the <v> text;
//   - a formula: its cached value as above, never evaluated ("" when the file has none).
// Nothing is un-guarded: text our writer wrote as "'=1+1" reads back as "'=1+1".
// Cell references (r="C5") place cells, so skipped cells and rows stay where they were. The
// result has one vector per row from row 1 to the last row with a non-empty cell (rows between
// may be empty vectors); each row ends at its last non-empty cell.
//
// Bounds (ReadLimits): a row or column past the limit counts only if it holds a non-empty cell
// (Excel writes formatted empty cells far out); a cell's length is counted in characters (code
// points). max_uncompressed bounds the sum of all the zip's entries' declared uncompressed sizes
// (checked before anything is inflated), the bytes actually inflated (counted while reading, so
// an entry lying about its size is stopped as soon as it goes past), and the returned text in
// total (a shared string may be referenced by many cells). An XML part is parsed into a document
// (pugixml's DOM) only if that document, estimated from its markup, is no larger than a full sheet
// of max_rows × max_columns cells needs (about 400 bytes a cell, 8 MiB besides: 103 MiB for the
// defaults): kilobytes of "<c/><c/>…" that deflate to nothing would otherwise take 16 times their
// inflated size. Peak memory is thus about max_uncompressed plus that bound.
//
// Errors: std::nullopt, with a sentence in `*error` (when given) for a non-zip, an encrypted or
// unreadable entry, a zip over max_uncompressed, malformed or missing XML, a cell reference or
// shared-string index that makes no sense, or a limit passed. Never throws for bad input (only
// std::bad_alloc). Thread-safe: no global state; each call has its own archive and documents.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace laurel::xlsx {

struct ReadLimits {
  size_t max_rows = 5000;                // the last non-empty row's number
  size_t max_columns = 50;               // the last non-empty column's number (50 = AX)
  size_t max_cell_chars = 10000;         // characters in one cell
  uint64_t max_uncompressed = 32 << 20;  // bytes: the zip's entries in total, and the result's text
};

// The first sheet of the .xlsx file `bytes`, as rows of cell text (see above).
std::optional<std::vector<std::vector<std::string>>> read_first_sheet(std::string_view bytes,
                                                                      const ReadLimits& limits = {},
                                                                      std::string* error = nullptr);

}  // namespace laurel::xlsx
