// to_json_parts writes each field as the library would (same bytes), leaves empty fields out,
// and from_json_parts reads the parts back to the same entry.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/entry.h"

namespace laurel {
namespace {

EntryFields awkward_entry() {
  EntryFields f;
  f.title_zh = "网络空间命运共同体 \"引号\" 与 \\ 反斜杠";
  f.title_en = "Tabs\tand\nnew lines\r, bell \x07, form feed \f, backspace \b, DEL \x7f";
  f.summary_zh = std::string("控制字符 \x01\x1f 结束");
  f.summary_en = "emoji 🌐 and é";
  f.criteria = {{"originality", "第一"}, {"a\"b", "x\\y"}};
  f.organizations = {"清华大学", "Tsinghua \"University\""};
  f.started_on = "2019-05-01";
  f.countries = {"CN", "KE"};
  f.form = "project";
  return f;
}

TEST(EntryJsonParts, EachPartIsTheLibrarysSerialisationOfThatField) {
  EntryFields f = awkward_entry();
  auto parts = to_json_parts(f);
  nlohmann::json whole = to_json(f);
  EXPECT_EQ(parts.at("title_zh"), whole["title_zh"].dump());
  EXPECT_EQ(parts.at("title_en"), whole["title_en"].dump());
  EXPECT_EQ(parts.at("summary_zh"), whole["summary_zh"].dump());
  EXPECT_EQ(parts.at("summary_en"), whole["summary_en"].dump());
  EXPECT_EQ(parts.at("criteria.originality"), whole["criteria"]["originality"].dump());
  EXPECT_EQ(parts.at("criteria.a\"b"), whole["criteria"]["a\"b"].dump());
  EXPECT_EQ(parts.at("organizations"), whole["organizations"].dump());
  EXPECT_EQ(parts.at("countries"), whole["countries"].dump());
  EXPECT_EQ(parts.size(), 10u);  // 4 texts, 2 criteria, organisations, started_on, countries, form
}

TEST(EntryJsonParts, EmptyFieldsHaveNoPart) {
  EntryFields f;
  f.title_en = "Only a title";
  f.criteria = {{"originality", ""}};
  auto parts = to_json_parts(f);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts.begin()->first, "title_en");
}

TEST(EntryJsonParts, ReadBackGivesTheSameEntry) {
  for (const EntryFields& f : {EntryFields{}, awkward_entry()}) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [k, v] : to_json_parts(f)) object[k] = nlohmann::json::parse(v);
    EXPECT_EQ(from_json_parts(object), f);
  }
}

TEST(EntryJsonParts, ChangedPartsNamesExactlyWhatDiffersAndNothingElse) {
  EntryFields a = awkward_entry();
  EntryFields b = a;
  EXPECT_TRUE(changed_parts(a, b).empty());
  b.title_en = "New";
  b.criteria["originality"] = "";  // emptied: its part goes
  b.criteria["new-one"] = "added";
  b.countries = {"CN", "KE", "BR"};
  auto changes = changed_parts(a, b);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes.at("title_en"), std::optional<std::string>("\"New\""));
  EXPECT_EQ(changes.at("criteria.originality"), std::nullopt);
  EXPECT_EQ(changes.at("criteria.new-one"), std::optional<std::string>("\"added\""));
  EXPECT_EQ(changes.at("countries"), std::optional<std::string>(nlohmann::json(b.countries).dump()));
}

}  // namespace
}  // namespace laurel
