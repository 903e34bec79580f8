// The rules an entry must meet (core/entry.h validate_entry), how fields are patched
// (apply_fields), who may apply (Call::allows_applicant_type) and the password rule.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/call.h"
#include "core/call_file.h"
#include "core/entry.h"
#include "core/time.h"
#include "infra/countries.h"
#include "infra/resources.h"
#include "support.h"

namespace laurel {
namespace {

using namespace std::chrono;
using nlohmann::json;

Days civil(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }

const std::vector<Call>& wic_calls() {
  static const std::vector<Call> calls = [] {
    std::ifstream in("calls/wic-2025.toml", std::ios::binary);
    if (!in) throw std::runtime_error("cannot read calls/wic-2025.toml (run from the repository root)");
    std::ostringstream s;
    s << in.rdbuf();
    auto parsed = parse_call_file(s.str(), "calls/wic-2025.toml");
    if (!parsed.errors.empty()) throw std::runtime_error("calls/wic-2025.toml: " + parsed.errors[0].to_string());
    return parsed.calls;
  }();
  return calls;
}

const Call& wic_call(const std::string& slug) {
  for (const auto& c : wic_calls())
    if (c.slug == slug) return c;
  throw std::runtime_error("no call " + slug + " in calls/wic-2025.toml");
}

bool is_country(std::string_view code) { return countries().valid(code); }

const Days kToday = civil(2025, 6, 1);

// A practice case that meets every rule of practice-cases-2025 / network-infrastructure.
EntryFields valid_case() {
  EntryFields f;
  f.title_zh = "跨境海缆合作";
  f.title_en = "Cross-border submarine cable";
  f.summary_en = "Connects two countries.";
  f.criteria = {{"concept-fit", "Fits."},
                {"international-impact", "Two countries."},
                {"inclusiveness", "Cheaper access."},
                {"presentation", "Video and photos."}};
  f.organizations = {"China Telecom", "Safaricom"};
  f.started_on = "2018-05-01";
  f.countries = {"CN", "KE"};
  f.form = "project";
  return f;
}

std::string keys_of(const std::map<std::string, Message>& problems) {
  std::string out;
  for (const auto& [k, m] : problems) out += (out.empty() ? "" : ", ") + k + "=" + m.key;
  return out.empty() ? "(none)" : out;
}

class EntryRulesTest : public ::testing::Test {
 protected:
  const Call& call_ = wic_call("practice-cases-2025");
  const Category& category_ = *call_.category("network-infrastructure");

  std::map<std::string, Message> validate(const EntryFields& f, Days today = kToday) const {
    return validate_entry(call_, category_, f, is_country, today);
  }
};

TEST_F(EntryRulesTest, AValidCaseHasNoProblems) {
  auto problems = validate(valid_case());
  EXPECT_TRUE(problems.empty()) << keys_of(problems);
}

struct RuleCase {
  const char* name;
  std::function<void(EntryFields&)> change;
  const char* field;    // "" when the entry stays valid
  const char* message;  // the rule's i18n key
};

TEST_F(EntryRulesTest, EachRuleReportsItsFieldAndOnlyIt) {
  const RuleCase cases[] = {
      {"started the day before min_start_date", [](EntryFields& f) { f.started_on = "2014-12-31"; }, "started_on",
       "rule.started_too_early"},
      {"started on min_start_date", [](EntryFields& f) { f.started_on = "2015-01-01"; }, "", ""},
      {"started today", [](EntryFields& f) { f.started_on = "2025-06-01"; }, "", ""},
      {"started tomorrow", [](EntryFields& f) { f.started_on = "2025-06-02"; }, "started_on", "rule.started_in_future"},
      {"started in a future year", [](EntryFields& f) { f.started_on = "2030-01-01"; }, "started_on",
       "rule.started_in_future"},
      {"no start date", [](EntryFields& f) { f.started_on = ""; }, "started_on", "rule.started_on_required"},
      {"blank start date", [](EntryFields& f) { f.started_on = "   "; }, "started_on", "rule.started_on_required"},
      {"start date not YYYY-MM-DD", [](EntryFields& f) { f.started_on = "2018-5-1"; }, "started_on",
       "rule.date_format"},
      {"start date that does not exist", [](EntryFields& f) { f.started_on = "2019-02-29"; }, "started_on",
       "rule.date_format"},
      {"one country", [](EntryFields& f) { f.countries = {"CN"}; }, "countries", "rule.min_countries"},
      {"one country twice", [](EntryFields& f) { f.countries = {"CN", "CN"}; }, "countries", "rule.min_countries"},
      {"no country", [](EntryFields& f) { f.countries = {}; }, "countries", "rule.min_countries"},
      {"an unknown country code", [](EntryFields& f) { f.countries = {"CN", "XX"}; }, "countries",
       "rule.unknown_country"},
      {"two countries", [](EntryFields& f) { f.countries = {"CN", "KE"}; }, "", ""},
      {"three countries, one repeated", [](EntryFields& f) { f.countries = {"CN", "KE", "CN"}; }, "", ""},
      {"no title in either language",
       [](EntryFields& f) {
         f.title_zh = "";
         f.title_en = "";
       },
       "title", "rule.title_required"},
      {"titles of blanks only",
       [](EntryFields& f) {
         f.title_zh = " \t";
         f.title_en = "\n";
       },
       "title", "rule.title_required"},
      {"title only in en", [](EntryFields& f) { f.title_zh = ""; }, "", ""},
      {"title only in zh", [](EntryFields& f) { f.title_en = ""; }, "", ""},
      {"title of 301 characters", [](EntryFields& f) { f.title_en = std::string(301, 'a'); }, "title",
       "rule.too_long"},
      {"title of 300 Chinese characters (900 bytes)",
       [](EntryFields& f) {
         f.title_zh.clear();
         for (int i = 0; i < 300; ++i) f.title_zh += "网";
       },
       "", ""},
      {"no summary",
       [](EntryFields& f) {
         f.summary_zh = "";
         f.summary_en = "";
       },
       "summary", "rule.summary_required"},
      {"summary only in zh",
       [](EntryFields& f) {
         f.summary_en = "";
         f.summary_zh = "连接两国。";
       },
       "", ""},
      {"blank criterion statement", [](EntryFields& f) { f.criteria["inclusiveness"] = "  "; },
       "criteria.inclusiveness", "rule.statement_required"},
      {"statement for a criterion the category does not have",
       [](EntryFields& f) { f.criteria["originality"] = "New."; }, "criteria.originality", "rule.unknown_criterion"},
      {"form not in the call's list", [](EntryFields& f) { f.form = "lottery"; }, "form", "rule.form_unknown"},
      {"form in the wrong case", [](EntryFields& f) { f.form = "Project"; }, "form", "rule.form_unknown"},
      {"no form", [](EntryFields& f) { f.form = ""; }, "form", "rule.form_required"},
      {"another listed form", [](EntryFields& f) { f.form = "conference"; }, "", ""},
      {"no organization", [](EntryFields& f) { f.organizations = {}; }, "organizations",
       "rule.organizations_required"},
      {"only blank organizations", [](EntryFields& f) { f.organizations = {" ", ""}; }, "organizations",
       "rule.organizations_required"},
      {"21 organizations", [](EntryFields& f) { f.organizations = std::vector<std::string>(21, "Org"); },
       "organizations", "rule.too_many"},
      {"20 organizations", [](EntryFields& f) { f.organizations = std::vector<std::string>(20, "Org"); }, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EntryFields f = valid_case();
    c.change(f);
    auto problems = validate(f);
    if (std::string(c.field).empty()) {
      EXPECT_TRUE(problems.empty()) << keys_of(problems);
      continue;
    }
    ASSERT_EQ(problems.size(), 1u) << keys_of(problems);
    ASSERT_EQ(problems.count(c.field), 1u) << keys_of(problems);
    EXPECT_EQ(problems.at(c.field).key, c.message);
  }
}

TEST_F(EntryRulesTest, StartedTooEarlyNamesTheEarliestDate) {
  EntryFields f = valid_case();
  f.started_on = "2014-12-31";
  auto problems = validate(f);
  ASSERT_EQ(problems.count("started_on"), 1u) << keys_of(problems);
  EXPECT_EQ(problems.at("started_on").params.at("date"), "2015-01-01");
}

TEST_F(EntryRulesTest, UnknownCountryNamesTheCode) {
  EntryFields f = valid_case();
  f.countries = {"CN", "XX"};
  auto problems = validate(f);
  ASSERT_EQ(problems.count("countries"), 1u) << keys_of(problems);
  EXPECT_EQ(problems.at("countries").params.at("code"), "XX");
}

TEST_F(EntryRulesTest, MinCountriesNamesTheMinimum) {
  EntryFields f = valid_case();
  f.countries = {"CN", "CN"};
  auto problems = validate(f);
  ASSERT_EQ(problems.count("countries"), 1u) << keys_of(problems);
  EXPECT_EQ(problems.at("countries").params.at("min"), "2");
}

TEST_F(EntryRulesTest, EachMissingCriterionStatementIsReportedUnderItsSlug) {
  ASSERT_EQ(category_.criteria.size(), 4u);
  for (const auto& criterion : category_.criteria) {
    SCOPED_TRACE(criterion.slug);
    EntryFields f = valid_case();
    ASSERT_EQ(f.criteria.erase(criterion.slug), 1u);
    auto problems = validate(f);
    ASSERT_EQ(problems.size(), 1u) << keys_of(problems);
    ASSERT_EQ(problems.count("criteria." + criterion.slug), 1u) << keys_of(problems);
    EXPECT_EQ(problems.at("criteria." + criterion.slug).key, "rule.statement_required");
  }
}

TEST_F(EntryRulesTest, AnEmptyEntryReportsEveryRequiredField) {
  auto problems = validate(EntryFields{});
  for (const char* key : {"title", "summary", "organizations", "started_on", "countries", "form",
                          "criteria.concept-fit", "criteria.international-impact", "criteria.inclusiveness",
                          "criteria.presentation"})
    EXPECT_EQ(problems.count(key), 1u) << key << " missing from " << keys_of(problems);
  EXPECT_EQ(problems.size(), 10u) << keys_of(problems);
}

TEST_F(EntryRulesTest, TheFutureIsJudgedAgainstTheGivenToday) {
  EntryFields f = valid_case();
  f.started_on = "2025-06-19";
  EXPECT_EQ(validate(f, civil(2025, 6, 18)).count("started_on"), 1u);
  EXPECT_TRUE(validate(f, civil(2025, 6, 19)).empty());
}

TEST(AwardEntryRules, CaseOnlyFieldsAreNotRequiredForAnAward) {
  const Call& call = wic_call("leading-tech-2025");
  const Category* cat = call.category("basic-research");
  ASSERT_NE(cat, nullptr);
  EntryFields f;
  f.title_en = "A new routing algorithm";
  f.summary_en = "Faster.";
  f.criteria = {{"originality", "a"}, {"scientific-value", "b"}, {"international-recognition", "c"}};
  f.organizations = {"Tsinghua University"};
  auto problems = validate_entry(call, *cat, f, is_country, kToday);
  EXPECT_TRUE(problems.empty()) << keys_of(problems);
}

// ---- apply_fields ----

TEST(ApplyFields, RejectsValuesOfTheWrongJsonType) {
  const json bad[] = {
      json{{"title_en", 5}},
      json{{"title_zh", true}},
      json{{"summary_en", json::array({"a"})}},
      json{{"started_on", 20150101}},
      json{{"form", json::object()}},
      json{{"organizations", "Tsinghua"}},
      json{{"organizations", json::array({1, 2})}},
      json{{"organizations", json::array({"a", nullptr})}},
      json{{"countries", "CN"}},
      json{{"countries", json{{"CN", true}}}},
      json{{"criteria", json::array({"a"})}},
      json{{"criteria", "text"}},
      json{{"criteria", json{{"originality", 1}}}},
      json{{"criteria", json{{"originality", json::array()}}}},
      json::array(),
      json("title"),
      json(42),
  };
  for (const auto& patch : bad) {
    SCOPED_TRACE(patch.dump());
    auto r = apply_fields(EntryFields{}, patch);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::bad_request);
  }
}

TEST(ApplyFields, RejectsUnknownKeys) {
  for (const char* key : {"title", "Title_en", "summary", "criterion", "organisations", "country", "owner_id", ""}) {
    SCOPED_TRACE(key);
    auto r = apply_fields(EntryFields{}, json{{key, "x"}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::bad_request);
    EXPECT_EQ(r.error().message.params.at("field"), key);
  }
}

TEST(ApplyFields, RejectsInvalidUtf8) {
  auto r = apply_fields(EntryFields{}, json{{"title_en", std::string("bad \xff byte")}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::bad_request);
}

TEST(ApplyFields, KeepsTheKeysThatAreNotGiven) {
  EntryFields base;
  base.title_zh = "标题";
  base.summary_en = "Summary";
  base.criteria = {{"originality", "New."}, {"scientific-value", "Deep."}};
  base.organizations = {"A", "B"};
  base.countries = {"CN", "KE"};
  base.form = "project";
  auto r = apply_fields(base, json{{"title_en", "Title"}, {"criteria", {{"originality", "Newer."}}}});
  ASSERT_TRUE(r.ok());
  EntryFields expected = base;
  expected.title_en = "Title";
  expected.criteria["originality"] = "Newer.";
  EXPECT_EQ(r->title_zh, "标题");
  EXPECT_EQ(r->criteria.at("scientific-value"), "Deep.");
  EXPECT_TRUE(*r == expected);
}

TEST(ApplyFields, AnEmptyPatchChangesNothing) {
  EntryFields base = valid_case();
  auto r = apply_fields(base, json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r == base);
}

TEST(ApplyFields, NullAndEmptyValuesClear) {
  EntryFields base = valid_case();
  auto r = apply_fields(base, json{{"title_zh", nullptr},
                                   {"countries", nullptr},
                                   {"criteria", {{"presentation", ""}, {"inclusiveness", nullptr}}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->title_zh, "");
  EXPECT_TRUE(r->countries.empty());
  EXPECT_EQ(r->criteria.count("presentation"), 0u);
  EXPECT_EQ(r->criteria.count("inclusiveness"), 0u);
  EXPECT_EQ(r->criteria.count("concept-fit"), 1u);
  auto cleared = apply_fields(base, json{{"criteria", nullptr}});
  ASSERT_TRUE(cleared.ok());
  EXPECT_TRUE(cleared->criteria.empty());
}

TEST(ApplyFields, RoundTripsThroughToJson) {
  EntryFields f = valid_case();
  auto r = apply_fields(EntryFields{}, to_json(f));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r == f);
}

// ---- who may apply ----

TEST(ApplicantTypes, ThinkTanksMayEnterCasesButNotTheAward) {
  struct {
    const char* call;
    const char* type;
    bool allowed;
  } cases[] = {
      {"leading-tech-2025", "think-tank", false},      {"practice-cases-2025", "think-tank", true},
      {"leading-tech-2025", "university", true},       {"practice-cases-2025", "university", true},
      {"leading-tech-2025", "innovation-team", true},  {"practice-cases-2025", "innovation-team", false},
      {"leading-tech-2025", "", false},                {"practice-cases-2025", "alien", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.call) + " / " + c.type);
    EXPECT_EQ(wic_call(c.call).allows_applicant_type(c.type), c.allowed);
  }
}

// ---- password rule ----

TEST(CheckPassword, RefusesShortAndCommonPasswords) {
  const auto common = common_passwords();
  ASSERT_FALSE(common.empty());
  std::string nine_han, ten_han;
  for (int i = 0; i < 9; ++i) nine_han += "密";
  ten_han = nine_han + "码";
  struct {
    std::string password;
    const char* expected;  // "" when accepted
  } cases[] = {
      {"", "rule.password_short"},
      {"short", "rule.password_short"},
      {"123456789", "rule.password_short"},
      {nine_han, "rule.password_short"},  // 27 bytes, 9 characters
      {"password123", "rule.password_common"},
      {"PASSWORD123", "rule.password_common"},
      {"Password123", "rule.password_common"},
      {std::string(1025, 'x'), "rule.too_long"},
      {"Correct-Horse-42", ""},
      {"1234567890x", ""},
      {ten_han, ""},
      {std::string(1024, 'x'), ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.password.substr(0, 40));
    auto m = check_password(c.password, common);
    if (std::string(c.expected).empty()) {
      EXPECT_FALSE(m.has_value()) << m->key;
    } else {
      ASSERT_TRUE(m.has_value());
      EXPECT_EQ(m->key, c.expected);
    }
  }
}

TEST(CheckPassword, ShortNamesTheMinimumLength) {
  auto m = check_password("short", {});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->params.at("min"), "10");
}

}  // namespace
}  // namespace laurel
