// The text helpers of core/text.h: trim and the one UTF-8 validator every layer uses.
#include <gtest/gtest.h>

#include "core/text.h"

namespace laurel {
namespace {

TEST(Trim, RemovesSpacesTabsAndLineEndsAtBothEndsOnly) {
  EXPECT_EQ(trim("  a b\t\r\n"), "a b");
  EXPECT_EQ(trim("\t中文 "), "中文");
  EXPECT_EQ(trim(" \r\n\t "), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(ValidUtf8, AcceptsRfc3629AndRefusesOverlongSurrogatesAndOutOfRange) {
  struct Case {
    const char* bytes;
    bool valid;
  };
  const Case cases[] = {
      {"plain ascii", true},
      {"\xE4\xB8\xAD\xE6\x96\x87", true},    // 中文
      {"\xF0\x9F\x8C\xBF", true},            // U+1F33F
      {"\xF4\x8F\xBF\xBF", true},            // U+10FFFF, the last code point
      {"\xC0\xAF", false},                   // overlong '/'
      {"\xC1\xBF", false},                   // overlong
      {"\xE0\x80\xAF", false},               // overlong '/' in three bytes
      {"\xF0\x80\x80\xAF", false},           // overlong '/' in four bytes
      {"\xED\xA0\x80", false},               // U+D800, a surrogate
      {"\xF4\x90\x80\x80", false},           // above U+10FFFF
      {"\xF5\x80\x80\x80", false},           // no such lead byte
      {"\xE4\xB8", false},                   // cut short
      {"a\x80", false},                      // a continuation byte alone
      {"\xFF", false},
  };
  for (const auto& c : cases) EXPECT_EQ(valid_utf8(c.bytes), c.valid) << testing::PrintToString(std::string(c.bytes));
}

TEST(ValidUtf8, ReportsTheLongestValidPrefixInWholeCharacters) {
  size_t good = 99;
  EXPECT_FALSE(valid_utf8_prefix("ab\xE4\xB8\xAD\xE4\xB8", good));
  EXPECT_EQ(good, 5u);  // "ab中", not the half of the next character
  EXPECT_TRUE(valid_utf8_prefix("ab", good));
  EXPECT_EQ(good, 2u);
}

}  // namespace
}  // namespace laurel
