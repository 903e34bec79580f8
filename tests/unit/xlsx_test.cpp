// infra/xlsx: a workbook of Chinese text, a number, and text that looks like a formula, read
// back with `unzip -p` — the text is there as text, guarded, and no cell is a formula.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "infra/xlsx.h"

namespace {

using laurel::xlsx::Cell;
using laurel::xlsx::Sheet;

// The workbook written to a temporary file, and `unzip -p` of its members.
struct Unzipped {
  std::filesystem::path file;
  explicit Unzipped(const std::string& bytes) {
    file = std::filesystem::temp_directory_path() / ("laurel-xlsx-test-" + std::to_string(::getpid()) + ".xlsx");
    std::ofstream(file, std::ios::binary) << bytes;
  }
  ~Unzipped() { std::filesystem::remove(file); }
  std::string member(const std::string& name) const {
    std::string cmd = "unzip -p '" + file.string() + "' '" + name + "' 2>/dev/null";
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), &::pclose);
    if (!p) throw std::runtime_error("popen failed");
    std::string out;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
    return out;
  }
  static std::string run(const std::string& cmd) {
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), &::pclose);
    std::string out;
    std::array<char, 4096> buf;
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p.get())) > 0) out.append(buf.data(), n);
    return out;
  }
};

bool have_unzip() { return std::system("command -v unzip >/dev/null 2>&1") == 0; }

Sheet entries_sheet() {
  Sheet s;
  s.name = "申报作品";
  s.header = {"受理编号", "中文名称", "English title", "得分"};
  s.widths = {18, 40, 40, 8};
  s.rows = {{std::string("LT25-AI-0001"), std::string("面向大规模网络的新型路由理论"),
             std::string("=1+1"), 12.5},
            {std::string("LT25-AI-0002"), std::string("@SUM(A1:A2)"), std::string("-2+3"), 0.0},
            {std::string(""), std::string("a < b & c"), std::string("_x0041_"), 3.0}};
  return s;
}

TEST(Xlsx, WritesAZipWithTheSheetsText) {
  std::string bytes = laurel::xlsx::workbook({entries_sheet()});
  ASSERT_GT(bytes.size(), 100u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("PK\x03\x04", 4));
  ASSERT_TRUE(have_unzip()) << "unzip is not installed (laurel.sh test installs it)";
  Unzipped z(bytes);
  std::string list = Unzipped::run("unzip -Z1 '" + z.file.string() + "'");
  EXPECT_NE(list.find("xl/workbook.xml"), std::string::npos) << list;
  EXPECT_NE(list.find("xl/worksheets/sheet1.xml"), std::string::npos) << list;
  // Constant-memory mode: strings inline in the sheet, no shared-string table.
  std::string xml = z.member("xl/worksheets/sheet1.xml") + z.member("xl/sharedStrings.xml");
  EXPECT_NE(xml.find("面向大规模网络的新型路由理论"), std::string::npos) << xml;
  EXPECT_NE(xml.find("受理编号"), std::string::npos);
  EXPECT_NE(xml.find("LT25-AI-0001"), std::string::npos);
  EXPECT_NE(xml.find("<v>12.5</v>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("a &lt; b &amp; c"), std::string::npos) << xml;
  EXPECT_NE(xml.find("_x005F_x0041_"), std::string::npos) << xml;  // kept literal, not read as 'A'
  std::string wb = z.member("xl/workbook.xml");
  EXPECT_NE(wb.find("name=\"申报作品\""), std::string::npos) << wb;
}

TEST(Xlsx, FormulaLikeTextStaysTextAndIsGuarded) {
  ASSERT_TRUE(have_unzip()) << "unzip is not installed (laurel.sh test installs it)";
  Unzipped z(laurel::xlsx::workbook({entries_sheet()}));
  std::string xml = z.member("xl/worksheets/sheet1.xml");
  ASSERT_FALSE(xml.empty());
  EXPECT_EQ(xml.find("<f>"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<f "), std::string::npos) << xml;
  EXPECT_NE(xml.find("<t>'=1+1</t>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("'@SUM(A1:A2)"), std::string::npos) << xml;
  EXPECT_NE(xml.find("'-2+3"), std::string::npos) << xml;
  EXPECT_EQ(xml.find(">=1+1<"), std::string::npos) << xml;
}

TEST(Xlsx, HeaderIsBoldAndFrozen) {
  ASSERT_TRUE(have_unzip()) << "unzip is not installed (laurel.sh test installs it)";
  Unzipped z(laurel::xlsx::workbook({entries_sheet()}));
  std::string xml = z.member("xl/worksheets/sheet1.xml");
  EXPECT_NE(xml.find("state=\"frozen\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("customWidth=\"1\""), std::string::npos) << xml;
  EXPECT_NE(z.member("xl/styles.xml").find("<b/>"), std::string::npos);
}

TEST(Xlsx, SeveralSheetsAndAwkwardNames) {
  Sheet a = entries_sheet();
  Sheet b;
  b.name = "Formula: a/b [x]?*'";  // characters Excel refuses in a sheet name
  b.rows = {{std::string("score = submitted × 1 + selected × 5 + winners × 10")}};
  std::string bytes = laurel::xlsx::workbook({a, b});
  ASSERT_TRUE(have_unzip()) << "unzip is not installed (laurel.sh test installs it)";
  Unzipped z(bytes);
  std::string wb = z.member("xl/workbook.xml");
  EXPECT_NE(wb.find("name=\"Formula_ a_b _x___\""), std::string::npos) << wb;
  EXPECT_NE(z.member("xl/worksheets/sheet2.xml").find("winners × 10"), std::string::npos);
}

TEST(Xlsx, InvalidUtf8AndOverlongTextAreMadeSafe) {
  Sheet s;
  s.name = "x";
  s.rows = {{std::string("ok\xC3(bad"), std::string(40000, 'a')}};
  std::string bytes = laurel::xlsx::workbook({s});
  ASSERT_TRUE(have_unzip()) << "unzip is not installed (laurel.sh test installs it)";
  Unzipped z(bytes);
  std::string xml = z.member("xl/worksheets/sheet1.xml");
  EXPECT_NE(xml.find("ok\xEF\xBF\xBD(bad"), std::string::npos) << xml;
  EXPECT_NE(xml.find(std::string(32767, 'a') + "<"), std::string::npos);
  EXPECT_EQ(xml.find(std::string(32768, 'a')), std::string::npos);
}

TEST(Xlsx, RefusesNoSheetsAndDuplicateNames) {
  EXPECT_THROW(laurel::xlsx::workbook({}), std::invalid_argument);
  Sheet a;
  a.name = "same";
  EXPECT_THROW(laurel::xlsx::workbook({a, a}), std::invalid_argument);
  EXPECT_THROW(laurel::xlsx::workbook({a}, "/nonexistent-laurel-dir"), std::exception);
}

}  // namespace
