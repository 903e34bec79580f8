// Limits on what comes from outside (issue 9): JSON bounded while parsing (core/json_input.h),
// entry patches checked against the call on every save (check_patch, clean_text), spreadsheet
// cells never formulas (core/spreadsheet.h) and the bounded prepared-statement cache
// (store/statement_cache.h).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/call_file.h"
#include "core/entry.h"
#include "core/json_input.h"
#include "core/spreadsheet.h"
#include "store/statement_cache.h"

namespace laurel {
namespace {

using nlohmann::json;

std::string nested_objects(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s.append(depth, '}');
  return s;
}
std::string nested_arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseJsonBounded, AcceptsNestingAtTheLimit) {
  auto j = parse_json_bounded(nested_objects(16));
  ASSERT_TRUE(j) << j.error().message.key;
  auto a = parse_json_bounded(nested_arrays(16));
  ASSERT_TRUE(a);
}

TEST(ParseJsonBounded, RefusesNestingOnePastTheLimit) {
  auto j = parse_json_bounded(nested_objects(17));
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().code, Code::bad_request);
  EXPECT_EQ(j.error().message.key, "error.json_too_deep");
  EXPECT_EQ(j.error().message.params.at("max"), "16");
  EXPECT_FALSE(parse_json_bounded(nested_arrays(17)));
}

TEST(ParseJsonBounded, RefusesTheProbesHundredThousandLevelsWithoutRecursion) {
  // The probe's body: 100,000 nested objects under "organization" (≈600 KB) and 200,000 arrays.
  std::string body = "{\"organization\":" + nested_objects(100000) + "}";
  auto j = parse_json_bounded(body);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message.key, "error.json_too_deep");
  auto a = parse_json_bounded(nested_arrays(200000));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message.key, "error.json_too_deep");
}

TEST(ParseJsonBounded, CountsMembersPerObject) {
  JsonLimits l;
  l.max_members = 3;
  EXPECT_TRUE(parse_json_bounded(R"({"a":1,"b":2,"c":3})", l));
  auto j = parse_json_bounded(R"({"a":1,"b":2,"c":3,"d":4})", l);
  ASSERT_FALSE(j);
  EXPECT_EQ(j.error().message.key, "error.json_too_large");
  EXPECT_TRUE(parse_json_bounded(R"({"a":{"x":1,"y":2,"z":3},"b":2})", l)) << "each object counts its own members";
}

TEST(ParseJsonBounded, CountsItemsPerArrayAndValuesInAll) {
  JsonLimits l;
  l.max_items = 2;
  EXPECT_TRUE(parse_json_bounded("[1,2]", l));
  EXPECT_FALSE(parse_json_bounded("[1,2,3]", l));
  JsonLimits v;
  v.max_values = 4;  // the array itself and three numbers
  EXPECT_TRUE(parse_json_bounded("[1,2,3]", v));
  EXPECT_FALSE(parse_json_bounded("[1,2,3,4]", v));
}

TEST(ParseJsonBounded, ReportsMalformedDocuments) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"\\ud800\""}) {
    auto j = parse_json_bounded(bad);
    ASSERT_FALSE(j) << bad;
    EXPECT_EQ(j.error().message.key, "error.malformed_json") << bad;
  }
  auto ok = parse_json_bounded(R"({"title_zh":"标题","n":[1,2.5,true,null]})");
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)["title_zh"], "标题");
}

const Call& award_call() {
  static const std::vector<Call> calls = [] {
    std::ifstream in("calls/wic-2025.toml", std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return parse_call_file(s.str(), "calls/wic-2025.toml").calls;
  }();
  for (const auto& c : calls)
    if (c.slug == "leading-tech-2025") return c;
  throw std::runtime_error("no leading-tech-2025 in calls/wic-2025.toml");
}
const Category& basic_research() { return *award_call().category("basic-research"); }

Status check(const json& patch) { return check_patch(award_call(), basic_research(), patch); }

TEST(CheckPatch, AcceptsTextsAtTheirLimits) {
  EXPECT_TRUE(check({{"title_zh", std::string(kMaxTitle, 'x')}}));
  std::string zh;
  for (size_t i = 0; i < kMaxSummary; ++i) zh += "字";  // characters, not bytes
  EXPECT_TRUE(check({{"summary_zh", zh}}));
  EXPECT_TRUE(check({{"criteria", {{"originality", std::string(kMaxStatement, 'y')}}}}));
  EXPECT_TRUE(check({{"organizations", std::vector<std::string>(kMaxOrganizations, "Org")}}));
}

TEST(CheckPatch, RefusesTextsOnePastTheirLimits) {
  auto t = check({{"title_en", std::string(kMaxTitle + 1, 'x')}});
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Code::bad_request);
  EXPECT_EQ(t.error().message.key, "error.field_too_long");
  EXPECT_EQ(t.error().fields.count("title_en"), 1u);
  EXPECT_FALSE(check({{"summary_en", std::string(kMaxSummary + 1, 'x')}}));
  EXPECT_FALSE(check({{"criteria", {{"originality", std::string(kMaxStatement + 1, 'y')}}}}));
  auto orgs = check({{"organizations", std::vector<std::string>(kMaxOrganizations + 1, "Org")}});
  ASSERT_FALSE(orgs);
  EXPECT_EQ(orgs.error().message.key, "error.too_many_items");
  EXPECT_FALSE(check({{"organizations", {std::string(kMaxOrganization + 1, 'o')}}}));
}

TEST(CheckPatch, RefusesCriteriaTheCategoryDoesNotHave) {
  // The probe stored 900 invented slugs × 1,000 characters per save.
  auto r = check({{"criteria", {{"invented-slug", "text"}}}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.key, "error.unknown_field");
  EXPECT_EQ(r.error().message.params.at("field"), "criteria.invented-slug");
  EXPECT_FALSE(check({{"criteria", {{"technical-innovation", "a criterion of another category"}}}}));
}

TEST(CheckPatch, RefusesFieldsTheCallDoesNotHave) {
  // The award call has no started_on, countries or form (those are the cases').
  for (const char* key : {"started_on", "countries", "form", "nonsense"}) {
    auto r = check({{key, nullptr}});
    ASSERT_FALSE(r) << key;
    EXPECT_EQ(r.error().message.key, "error.unknown_field") << key;
  }
}

TEST(CheckPatch, RefusesControlCharactersButKeepsLineBreaksAndTabs) {
  auto nul = check({{"title_en", std::string("A\0B", 3)}});
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().message.key, "error.control_characters");
  EXPECT_FALSE(check({{"summary_en", "bell\a"}}));
  EXPECT_FALSE(check({{"summary_en", "escape\x1b[31m"}}));
  EXPECT_FALSE(check({{"summary_en", "lone\rCR"}}));
  EXPECT_FALSE(check({{"summary_en", "C1 \xc2\x85 NEL"}}));
  EXPECT_TRUE(check({{"summary_en", "line one\nline two\r\n\tindented"}}));
  EXPECT_TRUE(check({{"summary_zh", "中文，标点。😀"}}));
}

TEST(CheckPatch, RefusesWrongTypesAndNonObjects) {
  EXPECT_FALSE(check(json::array()));
  EXPECT_FALSE(check({{"title_zh", 5}}));
  EXPECT_FALSE(check({{"criteria", "text"}}));
  EXPECT_FALSE(check({{"organizations", {1, 2}}}));
  EXPECT_TRUE(check({{"criteria", nullptr}, {"title_zh", nullptr}}));
}

TEST(CleanText, AllowsTextTabsAndNewlinesOnly) {
  EXPECT_TRUE(clean_text(""));
  EXPECT_TRUE(clean_text("a\tb\nc\r\nd"));
  EXPECT_FALSE(clean_text(std::string(1, '\0')));
  EXPECT_FALSE(clean_text("\x7f"));
  EXPECT_FALSE(clean_text("\r"));
  EXPECT_FALSE(clean_text("\xff"));  // not UTF-8
  EXPECT_TRUE(clean_text("\xc2\xa0"));  // U+00A0 no-break space is text
}

TEST(Spreadsheet, GuardsEveryFormulaStart) {
  for (std::string s : {"=1+1", "+1", "-1", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=cmd"}) {
    EXPECT_TRUE(formula_like(s)) << s;
    EXPECT_EQ(formula_guarded(s), "'" + s);
    EXPECT_EQ(csv_field(s).substr(0, 2), "\"'") << s;
  }
  for (std::string s : {"", "plain", " =not first", "中文", "'quoted"}) {
    EXPECT_FALSE(formula_like(s)) << s;
    EXPECT_EQ(formula_guarded(s), s);
  }
}

TEST(Spreadsheet, QuotesCsvFields) {
  EXPECT_EQ(csv_field("a\"b,c\nd"), "\"a\"\"b,c\nd\"");
  EXPECT_EQ(csv_field(""), "\"\"");
  EXPECT_EQ(csv_field("=\"x\""), "\"'=\"\"x\"\"\"");
}

TEST(Spreadsheet, ReadsCsvWithQuotesLineBreaksAndABom) {
  auto rows = parse_csv("\xEF\xBB\xBF" "email,name\r\na@x.org,\"Li, Hua\"\r\n\r\nb@x.org,\"say \"\"hi\"\"\nthere\"\nc@x.org,");
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].fields, (std::vector<std::string>{"email", "name"}));
  EXPECT_EQ((*rows)[1].fields, (std::vector<std::string>{"a@x.org", "Li, Hua"}));
  EXPECT_EQ((*rows)[2].line, 4);  // the blank line 3 is left out
  EXPECT_EQ((*rows)[2].fields, (std::vector<std::string>{"b@x.org", "say \"hi\"\nthere"}));
  EXPECT_EQ((*rows)[3].line, 6);
  EXPECT_EQ((*rows)[3].fields, (std::vector<std::string>{"c@x.org", ""}));
}

TEST(Spreadsheet, RefusesUnendedQuotesAndTooMuch) {
  EXPECT_FALSE(parse_csv("a,\"b\nc"));
  EXPECT_FALSE(parse_csv("a\nb\nc\n", 2));
  EXPECT_FALSE(parse_csv("a,b,c\n", 100, 2));
  EXPECT_TRUE(parse_csv("a,b\n", 100, 2));
  EXPECT_TRUE(parse_csv("")->empty());
}

TEST(StatementCache, KeepsAtMostItsCapacityAndEvictsTheLeastRecentlyUsed) {
  std::vector<int> evicted;
  store::StatementCache<int> cache(3, [&](int& h) { evicted.push_back(h); });
  cache.put("a", 1);
  cache.put("b", 2);
  cache.put("c", 3);
  ASSERT_NE(cache.find("a"), nullptr);  // a is now the most recent; b the least
  cache.put("d", 4);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(evicted, std::vector<int>{2});
  EXPECT_EQ(cache.find("b"), nullptr);
  EXPECT_EQ(*cache.find("a"), 1);
  for (int i = 0; i < 1000; ++i) cache.put("q" + std::to_string(i), 100 + i);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(evicted.size(), 1001u);
  cache.clear();
  EXPECT_EQ(evicted.size(), 1004u) << "clearing releases every handle";
}

}  // namespace
}  // namespace laurel
