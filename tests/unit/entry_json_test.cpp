// to_json_text writes exactly what to_json(...).dump() writes, and it reads back the same.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/entry.h"

namespace laurel {
namespace {

TEST(EntryJsonText, MatchesTheLibrarySerialisationForEveryKindOfText) {
  std::vector<EntryFields> cases;
  cases.push_back(EntryFields{});
  EntryFields f;
  f.title_zh = "网络空间命运共同体 \"引号\" 与 \\ 反斜杠";
  f.title_en = "Tabs\tand\nnew lines\r, bell \x07, form feed \f, backspace \b, DEL \x7f";
  f.summary_zh = std::string("控制字符 \x01\x1f 结束");
  f.summary_en = "emoji 🌐 and é";
  f.criteria = {{"originality", "第一"}, {"scientific-value", ""}, {"a\"b", "x\\y"}};
  f.organizations = {"清华大学", "Tsinghua \"University\""};
  f.started_on = "2019-05-01";
  f.countries = {"CN", "KE"};
  f.form = "project";
  cases.push_back(f);
  for (const auto& c : cases) {
    EXPECT_EQ(to_json_text(c), to_json(c).dump());
    auto back = apply_fields(EntryFields{}, nlohmann::json::parse(to_json_text(c)));
    ASSERT_TRUE(back.ok());
    EntryFields expected = c;
    expected.criteria.erase("scientific-value");  // an empty statement is no statement
    EXPECT_EQ(*back, expected);
  }
}

}  // namespace
}  // namespace laurel
