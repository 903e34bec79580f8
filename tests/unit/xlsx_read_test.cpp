// infra/xlsx_read: workbooks from our own writer read back as written; hand-made workbooks (built
// here with libzip from XML strings) with shared strings, rich text, skipped rows and columns,
// formulas and a first sheet that is not sheet1.xml; and what must be refused: zip bombs (quickly,
// without inflating them), garbage, malformed XML, too many rows or columns, too long a cell.
#include <gtest/gtest.h>

#include <zip.h>

#include <sys/resource.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "infra/xlsx.h"
#include "infra/xlsx_read.h"

namespace {

using laurel::xlsx::Cell;
using laurel::xlsx::ReadLimits;
using laurel::xlsx::read_first_sheet;
using laurel::xlsx::Sheet;
using Rows = std::vector<std::vector<std::string>>;

struct Entry {
  std::string name;
  std::string data;
};

// The bytes of the zip written by zip_close into an in-memory source.
std::string zip_bytes(zip_t* z, zip_source_t* out) {
  if (zip_close(z) != 0) {
    std::string m = zip_strerror(z);
    zip_discard(z);
    throw std::runtime_error("zip_close: " + m);
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(out, &st) != 0 || zip_source_open(out) != 0) throw std::runtime_error("zip_source_open");
  std::string bytes(static_cast<size_t>(st.size), '\0');
  zip_int64_t n = zip_source_read(out, bytes.data(), bytes.size());
  zip_source_close(out);
  zip_source_free(out);
  if (n != static_cast<zip_int64_t>(bytes.size())) throw std::runtime_error("zip_source_read");
  return bytes;
}

// An empty in-memory zip to add entries to; `out` receives the bytes on zip_close.
zip_t* new_zip(zip_source_t*& out) {
  zip_error_t ze;
  zip_error_init(&ze);
  out = zip_source_buffer_create(nullptr, 0, 0, &ze);
  if (!out) throw std::runtime_error("zip_source_buffer_create");
  zip_source_keep(out);  // still ours after zip_close
  zip_t* z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
  zip_error_fini(&ze);
  if (!z) throw std::runtime_error("zip_open_from_source");
  return z;
}

void add(zip_t* z, const std::string& name, const void* data, size_t size) {
  zip_source_t* s = zip_source_buffer(z, data, size, 0);
  zip_int64_t i = s ? zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8) : -1;
  if (i < 0) {
    if (s) zip_source_free(s);
    throw std::runtime_error("zip_file_add " + name);
  }
  zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_DEFLATE, 0);
}

std::string make_zip(const std::vector<Entry>& entries) {
  zip_source_t* out = nullptr;
  zip_t* z = new_zip(out);
  for (const Entry& e : entries) add(z, e.name, e.data.data(), e.data.size());  // entries outlive zip_close
  return zip_bytes(z, out);
}

const char* kContentTypes =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>)";
const char* kRootRels =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)";
const char* kWorkbook =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>)";
const char* kWorkbookRels =
    R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>)";

std::string sheet_xml(const std::string& sheet_data) {
  return R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)" +
         sheet_data + "</sheetData></worksheet>";
}

// A minimal workbook of one sheet with `sheet_data` (and shared strings when given).
std::string one_sheet(const std::string& sheet_data, const std::string& shared_strings = {}) {
  std::vector<Entry> e = {{"[Content_Types].xml", kContentTypes},
                          {"_rels/.rels", kRootRels},
                          {"xl/workbook.xml", kWorkbook},
                          {"xl/_rels/workbook.xml.rels", kWorkbookRels},
                          {"xl/worksheets/sheet1.xml", sheet_xml(sheet_data)}};
  if (!shared_strings.empty()) e.push_back({"xl/sharedStrings.xml", shared_strings});
  return make_zip(e);
}

Rows read_ok(const std::string& bytes, const ReadLimits& limits = {}) {
  std::string error;
  auto rows = read_first_sheet(bytes, limits, &error);
  EXPECT_TRUE(rows.has_value()) << error;
  return rows.value_or(Rows{});
}

std::string refusal(const std::string& bytes, const ReadLimits& limits = {}) {
  std::string error;
  auto rows = read_first_sheet(bytes, limits, &error);
  EXPECT_FALSE(rows.has_value());
  EXPECT_FALSE(error.empty());
  return error;
}

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(XlsxRead, ReadsBackWhatOurWriterWrote) {
  Sheet experts;
  experts.name = "专家";
  experts.header = {"姓名", "单位", "邮箱", "年龄"};
  experts.rows = {{std::string("张三"), std::string("清华大学"), std::string("zhang@example.cn"), 42.0},
                  {std::string("李四"), std::string(""), std::string("li@example.cn"), 37.5},  // empty in the middle
                  {},                                                                           // an empty row
                  {std::string("=1+1"), std::string("_x0041_"), std::string(" 前后空格 "), -3.0},
                  {std::string("王五"), 1e20, 0.25}};
  Sheet other;
  other.name = "其他";
  other.rows = {{std::string("not the first sheet")}};
  std::string bytes = laurel::xlsx::workbook({experts, other});

  Rows rows = read_ok(bytes);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"姓名", "单位", "邮箱", "年龄"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"张三", "清华大学", "zhang@example.cn", "42"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"李四", "", "li@example.cn", "37.5"}));
  EXPECT_TRUE(rows[3].empty());
  // The writer's formula guard is kept: text that starts with '=' comes back with its apostrophe.
  EXPECT_EQ(rows[4], (std::vector<std::string>{"'=1+1", "_x0041_", " 前后空格 ", "-3"}));
  EXPECT_EQ(rows[5], (std::vector<std::string>{"王五", "1E+20", "0.25"}));
}

TEST(XlsxRead, HandMadeWorkbookWithSharedStringsRichTextAndGaps) {
  // The first <sheet> is rId7 → /xl/worksheets/experts.xml; sheet1.xml is a decoy (the second sheet).
  const std::string workbook =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
  <sheets><sheet name="专家" sheetId="2" rel:id="rId7"/><sheet name="Other" sheetId="1" rel:id="rId1"/></sheets>
</workbook>)";
  const std::string rels =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
  <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings/../sharedStrings.xml"/>
  <Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/experts.xml"/>
</Relationships>)";
  const std::string sst =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
  <si><t>姓名</t></si>
  <si><r><rPr><b/></rPr><t>王</t></r><r><t xml:space="preserve"> 五</t></r><rPh sb="0" eb="1"><t>wang</t></rPh></si>
  <si><t xml:space="preserve"> </t></si>
  <si><t>a &amp; b_x000D__x000A_c</t></si>
</sst>)";
  const std::string experts = sheet_xml(R"(
    <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><t>Email</t></is></c></row>
    <row r="3" spans="1:80">
      <c r="A3" t="s"><v>1</v></c>
      <c r="B3"><v>3.0</v></c>
      <c r="C3" t="inlineStr"><is><r><t>wang</t></r><r><t>@x.cn</t></r></is></c>
      <c r="D3" t="b"><v>1</v></c>
      <c r="F3" t="s"><v>3</v></c>
      <c r="G3" t="s"><v>2</v></c>
      <c r="CB3" s="4"/>
    </row>
    <row><c t="inlineStr"><is><t>row 4</t></is></c><c t="b"><v>0</v></c><c><v>007</v></c></row>
    <row r="6" customHeight="1" ht="30"/>
  )");
  std::string bytes = make_zip({{"[Content_Types].xml", kContentTypes},
                                {"_rels/.rels", kRootRels},
                                {"xl/workbook.xml", workbook},
                                {"xl/_rels/workbook.xml.rels", rels},
                                {"xl/sharedStrings.xml", sst},
                                {"xl/worksheets/sheet1.xml", sheet_xml(R"(<row r="1"><c r="A1"><v>1</v></c></row>)")},
                                {"xl/worksheets/experts.xml", experts}});
  Rows rows = read_ok(bytes);
  ASSERT_EQ(rows.size(), 4u);  // the empty row 6 and the formatted empty cell CB3 add nothing
  EXPECT_EQ(rows[0], (std::vector<std::string>{"姓名", "", "Email"}));
  EXPECT_TRUE(rows[1].empty());  // row 2 skipped
  EXPECT_EQ(rows[2], (std::vector<std::string>{"王 五", "3", "wang@x.cn", "TRUE", "", "a & b\r\nc", " "}));
  EXPECT_EQ(rows[3], (std::vector<std::string>{"row 4", "FALSE", "007"}));
}

TEST(XlsxRead, FallsBackToSheet1WithoutRelationshipsAndReadsPrefixedElements) {
  // No _rels at all, and elements written with a namespace prefix (as some generators do).
  const std::string workbook =
      R"(<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheets><x:sheet name="S" sheetId="1"/></x:sheets></x:workbook>)";
  const std::string sheet =
      R"(<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
         <x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>b2</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>)";
  Rows rows = read_ok(make_zip({{"xl/workbook.xml", workbook}, {"xl/worksheets/sheet1.xml", sheet}}));
  EXPECT_EQ(rows, (Rows{{}, {"", "b2"}}));
}

TEST(XlsxRead, FormulaCellsGiveTheirCachedValueNeverEvaluated) {
  Rows rows = read_ok(one_sheet(R"(
    <row r="1">
      <c r="A1"><v>2</v></c>
      <c r="B1"><f>A1*21</f><v>42</v></c>
      <c r="C1" t="str"><f>"=x"&amp;A1</f><v>=x2</v></c>
      <c r="D1" t="b"><f>A1&gt;1</f><v>1</v></c>
      <c r="E1" t="e"><f>1/0</f><v>#DIV/0!</v></c>
      <c r="F1"><f>A1/4</f><v>0.5</v></c>
      <c r="G1"><f>A1+1</f></c>
      <c r="H1"><f>A1*2</f><v>4.000</v></c>
    </row>)"));
  // A formula without a cached value reads empty (G1), never the formula nor a computed value.
  EXPECT_EQ(rows, (Rows{{"2", "42", "=x2", "TRUE", "#DIV/0!", "0.5", "", "4"}}));
}

TEST(XlsxRead, RefusesZipBombsQuicklyWithoutInflatingThem) {
  // 100 MiB of zeros, deflated to ~100 KB, made from one 1 MiB buffer given 100 times.
  const size_t kMiB = 1 << 20;
  std::vector<zip_uint8_t> zeros(kMiB, 0);
  std::vector<zip_buffer_fragment_t> fragments(100, zip_buffer_fragment_t{zeros.data(), kMiB});
  zip_source_t* out = nullptr;
  zip_t* z = new_zip(out);
  add(z, "_rels/.rels", kRootRels, std::strlen(kRootRels));  // string literals: alive at zip_close
  add(z, "xl/workbook.xml", kWorkbook, std::strlen(kWorkbook));
  add(z, "xl/_rels/workbook.xml.rels", kWorkbookRels, std::strlen(kWorkbookRels));
  zip_source_t* big = zip_source_buffer_fragment(z, fragments.data(), fragments.size(), 0);
  ASSERT_NE(big, nullptr);
  zip_int64_t idx = zip_file_add(z, "xl/worksheets/sheet1.xml", big, 0);
  ASSERT_GE(idx, 0);
  zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 9);
  std::string bomb = zip_bytes(z, out);
  ASSERT_LT(bomb.size(), 2 * kMiB);

  // Honest sizes: refused from the declared sizes, before anything is inflated.
  long rss_before = peak_rss_kib();
  auto t0 = std::chrono::steady_clock::now();
  std::string error = refusal(bomb);
  EXPECT_NE(error.find("32 MiB"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));

  // Lying sizes: the sheet's entry claims `size` bytes, in the central directory and the local
  // header alike.
  const std::string sheet_name = "xl/worksheets/sheet1.xml";
  auto lying = [&](uint32_t size) {
    std::string liar = bomb;
    auto set32 = [&](size_t at, uint32_t v) {
      for (int k = 0; k < 4; ++k) liar[at + k] = static_cast<char>((v >> (8 * k)) & 0xFF);
    };
    int patched = 0;
    for (size_t i = 0; i + 46 + sheet_name.size() <= liar.size(); ++i) {
      if (liar.compare(i, 4, "PK\x01\x02", 4) == 0 && liar.compare(i + 46, sheet_name.size(), sheet_name) == 0)
        set32(i + 24, size), ++patched;  // central directory: uncompressed size
      if (liar.compare(i, 4, "PK\x03\x04", 4) == 0 && liar.compare(i + 30, sheet_name.size(), sheet_name) == 0)
        set32(i + 22, size), ++patched;  // local header: uncompressed size
    }
    EXPECT_EQ(patched, 2);
    return liar;
  };
  // It claims 1,000 bytes: the reader stops as soon as it has inflated more than that.
  t0 = std::chrono::steady_clock::now();
  error = refusal(lying(1000));
  EXPECT_NE(error.find("larger than it declares"), std::string::npos) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  // It claims 60,000 bytes, within a 64 KiB budget: stopped by counting, at the budget.
  ReadLimits tight;
  tight.max_uncompressed = 64 << 10;
  error = refusal(lying(60000), tight);
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
  EXPECT_LT(peak_rss_kib() - rss_before, 16 * 1024) << "KiB of peak RSS while refusing the bombs";
}

TEST(XlsxRead, RefusesMarkupBombsButNotAFullSheet) {
  // 3 million empty cells: 12 MiB of XML that deflates to ~12 KB, and would make a 190 MB document.
  std::string cells;
  cells.reserve(12 << 20);
  for (int i = 0; i < 3000000; ++i) cells += "<c/>";
  std::string bomb = one_sheet("<row>" + cells + "</row>");
  cells = std::string();
  ASSERT_LT(bomb.size(), 1u << 20);
  long rss_before = peak_rss_kib();
  std::string error = refusal(bomb);
  EXPECT_NE(error.find("too complex"), std::string::npos) << error;
  EXPECT_LT(peak_rss_kib() - rss_before, 48 * 1024) << "KiB of peak RSS while refusing the bomb";

  // A sheet as full as the default limits allow, as our writer writes it, is read.
  Sheet full;
  full.name = "full";
  for (int r = 0; r < 5000; ++r) {
    std::vector<Cell> row;
    for (int c = 0; c < 50; ++c) row.push_back(c % 2 ? Cell(double(r * 50 + c)) : Cell("专家" + std::to_string(r)));
    full.rows.push_back(std::move(row));
  }
  Rows rows = read_ok(laurel::xlsx::workbook({full}));
  ASSERT_EQ(rows.size(), 5000u);
  EXPECT_EQ(rows[4999].size(), 50u);
  EXPECT_EQ(rows[4999][48], "专家4999");
  EXPECT_EQ(rows[4999][49], "249999");
}

TEST(XlsxRead, RefusesGarbageAndMalformedXml) {
  EXPECT_NE(refusal("").find("empty"), std::string::npos);
  std::string error = refusal("this is not a spreadsheet at all, just some text");
  EXPECT_NE(error.find("not an XLSX file"), std::string::npos) << error;
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919 + 13) & 0xFF);
  refusal(junk);
  refusal(std::string("PK\x03\x04", 4) + junk);

  // A zip, but no workbook in it.
  error = refusal(make_zip({{"hello.txt", "hello"}}));
  EXPECT_NE(error.find("no workbook"), std::string::npos) << error;
  // Malformed XML in the sheet, in the shared strings, in the workbook.
  error = refusal(one_sheet(R"(<row r="1"><c r="A1"><v>1</v></row>)"));
  EXPECT_NE(error.find("malformed XML"), std::string::npos) << error;
  refusal(one_sheet(R"(<row r="1"><c r="A1" t="s"><v>0</v></c></row>)", "<sst><si><t>x</si></sst>"));
  refusal(make_zip({{"xl/workbook.xml", "<workbook><sheets>"}, {"xl/worksheets/sheet1.xml", sheet_xml("")}}));
  // Well-formed, but not what it should be.
  refusal(make_zip({{"xl/workbook.xml", kWorkbook}, {"xl/worksheets/sheet1.xml", "<html/>"}}));
  refusal(one_sheet(R"(<row r="1"><c r="A1" t="s"><v>5</v></c></row>)", "<sst><si><t>x</t></si></sst>"));
  refusal(one_sheet(R"(<row r="1"><c r="1A"><v>1</v></c></row>)"));
  refusal(one_sheet(R"(<row r="1"><c r="XFE1"><v>1</v></c></row>)"));
  refusal(one_sheet(R"(<row r="0"><c><v>1</v></c></row>)"));
  refusal(one_sheet(R"(<row r="1"><c t="b"><v>maybe</v></c></row>)"));
  // An external entity is never fetched nor expanded: the text stays as it is, or the XML is refused.
  auto rows = read_first_sheet(make_zip(
      {{"xl/workbook.xml", kWorkbook},
       {"xl/worksheets/sheet1.xml",
        R"(<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>)"}}));
  if (rows) {
    EXPECT_EQ(rows->at(0).at(0).find("root:"), std::string::npos);
  }
  // An empty sheet is no error.
  EXPECT_TRUE(read_ok(one_sheet("")).empty());
}

TEST(XlsxRead, RefusesTooManyRowsColumnsOrTooLongACell) {
  Sheet s;
  s.name = "s";
  for (int i = 0; i < 6; ++i) s.rows.push_back({std::string("r") + std::to_string(i + 1), double(i)});
  std::string bytes = laurel::xlsx::workbook({s});
  ReadLimits limits;
  limits.max_rows = 6;
  EXPECT_EQ(read_ok(bytes, limits).size(), 6u);
  limits.max_rows = 5;
  std::string error = refusal(bytes, limits);
  EXPECT_NE(error.find("more than 5 rows"), std::string::npos) << error;

  limits = {};
  limits.max_columns = 2;
  EXPECT_EQ(read_ok(bytes, limits).size(), 6u);
  limits.max_columns = 1;
  error = refusal(bytes, limits);
  EXPECT_NE(error.find("more than 1 columns"), std::string::npos) << error;

  // Default limits: 5000 rows, 50 columns (AX).
  refusal(one_sheet(R"(<row r="5001"><c r="A5001"><v>1</v></c></row>)"));
  refusal(one_sheet(R"(<row r="1"><c r="AY1"><v>1</v></c></row>)"));
  EXPECT_EQ(read_ok(one_sheet(R"(<row r="1"><c r="AX1"><v>1</v></c></row>)"))[0].size(), 50u);

  // Characters, not bytes: three Chinese characters are 9 bytes.
  limits = {};
  limits.max_cell_chars = 3;
  EXPECT_EQ(read_ok(one_sheet(R"(<row><c t="inlineStr"><is><t>三个字</t></is></c></row>)"), limits)[0][0], "三个字");
  error = refusal(one_sheet(R"(<row><c t="inlineStr"><is><t>四个汉字</t></is></c></row>)"), limits);
  EXPECT_NE(error.find("A1"), std::string::npos) << error;

  // One long shared string in many cells: the result's text is bounded too.
  limits = {};
  limits.max_uncompressed = 64 << 10;
  std::string many;
  for (int r = 1; r <= 20; ++r) many += "<row><c t=\"s\"><v>0</v></c></row>";
  error = refusal(one_sheet(many, "<sst><si><t>" + std::string(5000, 'x') + "</t></si></sst>"), limits);
  EXPECT_NE(error.find("text is larger"), std::string::npos) << error;
}

TEST(XlsxRead, ReadsConcurrently) {
  Sheet s;
  s.name = "s";
  for (int i = 0; i < 200; ++i) s.rows.push_back({std::string("专家 ") + std::to_string(i), double(i)});
  const std::string bytes = laurel::xlsx::workbook({s});
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20; ++k) {
        auto rows = read_first_sheet(bytes);
        ok[t] += rows && rows->size() == 200 && (*rows)[199] == std::vector<std::string>{"专家 199", "199"};
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, (std::vector<int>{20, 20, 20, 20}));
}

}  // namespace
