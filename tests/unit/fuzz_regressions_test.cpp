// Bugs the fuzz harnesses found (fuzz/README.md), one test each, so they stay fixed without
// clang or libFuzzer.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/call_file.h"
#include "core/material.h"
#include "http/message.h"

namespace laurel {
namespace {

// fuzz_call_file: std::stod threw on "." and on numbers too large for a double, out of
// parse_call_file (which promises errors, not exceptions).
TEST(FuzzRegressions, ParseSizeRefusesADotAndHugeNumbersWithoutThrowing) {
  EXPECT_EQ(parse_size("."), std::nullopt);
  EXPECT_EQ(parse_size(". MiB"), std::nullopt);
  EXPECT_EQ(parse_size(std::string(400, '9')), std::nullopt);
  EXPECT_EQ(parse_size("1.5 KiB"), 1536);
  EXPECT_EQ(parse_size(".5 KiB"), 512);
}

TEST(FuzzRegressions, CallFileWithMalformedMaxSizeIsAnErrorNotAnException) {
  auto r = parse_call_file("[[call]]\nslug = \"x\"\n[[call.material]]\nmax_size = \".\"\n");
  EXPECT_TRUE(r.calls.empty());
  EXPECT_FALSE(r.errors.empty());
}

// fuzz_filename: overlong forms (C0 AF is an overlong '/'), surrogates and code points above
// U+10FFFF passed as "valid UTF-8".
TEST(FuzzRegressions, SafeFilenameCutsAtOverlongsSurrogatesAndOutOfRangeBytes) {
  EXPECT_EQ(safe_filename("report\xC0\xAF.pdf"), "report");
  EXPECT_EQ(safe_filename("a\xC1\x81"), "a");
  EXPECT_EQ(safe_filename("b\xE0\x80\xAF"), "b");
  EXPECT_EQ(safe_filename("c\xED\xA0\x80"), "c");
  EXPECT_EQ(safe_filename("d\xF4\x90\x80\x80"), "d");
  EXPECT_EQ(safe_filename("e\xF5\x80\x80\x80"), "e");
  EXPECT_EQ(safe_filename("\xC0\xAF" "etc"), "file");
  EXPECT_EQ(safe_filename("申报书\xF0\x9F\x93\x84.pdf"), "申报书\xF0\x9F\x93\x84.pdf");  // 4 bytes, in range
}

// fuzz_filename: a name cut to 200 bytes could end its stem with a space or a dot, so it was not
// what safe_filename makes of itself.
TEST(FuzzRegressions, SafeFilenameCutDoesNotLeaveASpaceBeforeTheExtension) {
  std::string name = std::string(195, 'a') + " " + std::string(10, 'b') + ".pdf";
  std::string safe = safe_filename(name);
  EXPECT_EQ(safe, std::string(195, 'a') + ".pdf");
  EXPECT_EQ(safe_filename(safe), safe);
  std::string dots = std::string(194, 'a') + ". " + std::string(10, 'b') + ".pdf";
  EXPECT_EQ(safe_filename(dots), std::string(194, 'a') + ".pdf");
}

// fuzz_form: Boost 1.81's parse_query measures its input again with strlen, so a view that is not
// NUL-terminated was read past its end (here, into the bytes after it).
TEST(FuzzRegressions, ParseFormReadsOnlyTheViewItIsGiven) {
  std::string buffer = "a=1&b=2XYZ";
  auto form = http::parse_form(std::string_view(buffer).substr(0, 7));
  ASSERT_TRUE(form.has_value());
  EXPECT_EQ(form->size(), 2u);
  EXPECT_EQ(form->find("b")->second, "2");
  auto empty = http::parse_form(std::string_view(buffer).substr(0, 0));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace laurel
