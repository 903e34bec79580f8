// XLSX import (src/infra/xlsx_read.h): read_first_sheet on what an organiser uploads. The first
// byte picks what the rest is:
//   even: the .xlsx file itself (seeds: workbooks from our writer);
//   odd:  the XML of a worksheet, then after a NUL byte the XML of its shared strings, packed here
//         by libzip (stored, not deflated) into a minimal workbook, so the mutations reach the
//         cell logic instead of stopping at the zip's CRC.
// libzip and pugixml are Debian's (not instrumented): the fuzzer sees the reader's branches only.
//
// Invariants: a refusal has a reason; an accepted sheet is within the limits (rows, columns,
// characters in a cell, text in total), has no trailing empty cell in a row and no trailing empty
// row; what tight limits accept, the default limits accept as the same rows (limits only refuse).
#include <zip.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "infra/xlsx_read.h"

namespace {

using Rows = std::vector<std::vector<std::string>>;

const char kRootRels[] =
    R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)";
const char kWorkbook[] =
    R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>)";
const char kWorkbookRels[] =
    R"(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>)";

bool add(zip_t* z, const char* name, const void* data, size_t size) {
  zip_source_t* s = zip_source_buffer(z, data, size, 0);
  if (!s) return false;
  zip_int64_t i = zip_file_add(z, name, s, 0);
  if (i < 0) {
    zip_source_free(s);
    return false;
  }
  return zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0) == 0;
}

// A workbook of the sheet XML and shared-strings XML, as zip bytes.
std::string pack(std::string_view sheet, std::string_view shared) {
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t* out = zip_source_buffer_create(nullptr, 0, 0, &ze);
  FUZZ_CHECK(out != nullptr);
  zip_source_keep(out);
  zip_t* z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
  zip_error_fini(&ze);
  FUZZ_CHECK(z != nullptr);
  bool ok = add(z, "_rels/.rels", kRootRels, sizeof kRootRels - 1) && add(z, "xl/workbook.xml", kWorkbook, sizeof kWorkbook - 1) &&
            add(z, "xl/_rels/workbook.xml.rels", kWorkbookRels, sizeof kWorkbookRels - 1) &&
            add(z, "xl/worksheets/sheet1.xml", sheet.data(), sheet.size()) &&
            add(z, "xl/sharedStrings.xml", shared.data(), shared.size());
  FUZZ_CHECK(ok);
  FUZZ_CHECK(zip_close(z) == 0);
  zip_stat_t st;
  zip_stat_init(&st);
  FUZZ_CHECK(zip_source_stat(out, &st) == 0 && zip_source_open(out) == 0);
  std::string bytes(static_cast<size_t>(st.size), '\0');
  zip_int64_t n = zip_source_read(out, bytes.data(), bytes.size());
  zip_source_close(out);
  zip_source_free(out);
  FUZZ_CHECK(n == static_cast<zip_int64_t>(bytes.size()));
  return bytes;
}

size_t characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void check(const std::optional<Rows>& rows, const std::string& error, const laurel::xlsx::ReadLimits& limits) {
  if (!rows) {
    FUZZ_CHECK(!error.empty());
    return;
  }
  FUZZ_CHECK(rows->size() <= limits.max_rows);
  FUZZ_CHECK(rows->empty() || !rows->back().empty());
  uint64_t bytes = 0;
  for (const auto& row : *rows) {
    FUZZ_CHECK(row.size() <= limits.max_columns);
    FUZZ_CHECK(row.empty() || !row.back().empty());
    for (const auto& cell : row) {
      FUZZ_CHECK(characters(cell) <= limits.max_cell_chars);
      bytes += cell.size();
    }
  }
  FUZZ_CHECK(bytes <= limits.max_uncompressed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string bytes;
  if (data[0] & 1) {
    size_t nul = in.find('\0');
    bytes = pack(in.substr(0, nul), nul == std::string_view::npos ? std::string_view{} : in.substr(nul + 1));
  } else {
    bytes = std::string(in);
  }

  laurel::xlsx::ReadLimits tight;
  tight.max_rows = 20;
  tight.max_columns = 6;
  tight.max_cell_chars = 40;
  tight.max_uncompressed = 64 << 10;
  std::string error;
  auto small = laurel::xlsx::read_first_sheet(bytes, tight, &error);
  check(small, error, tight);

  const laurel::xlsx::ReadLimits defaults;
  error.clear();
  auto rows = laurel::xlsx::read_first_sheet(bytes, defaults, &error);
  check(rows, error, defaults);
  if (small) FUZZ_CHECK(rows && *rows == *small);
  return 0;
}
