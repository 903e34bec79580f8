// Call files (core/call_file.h, docs/call-file.md): the real WIC 2025 file, broken files
// rejected with the line and a reason, all-or-nothing parsing and loading.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/call.h"
#include "core/call_file.h"
#include "core/time.h"
#include "infra/countries.h"
#include "infra/crypto.h"
#include "service/calls.h"
#include "service/env.h"
#include "store/db.h"
#include "support.h"

namespace laurel {
namespace {

using namespace std::chrono;

std::string errors_of(const CallFileResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += "\n  " + e.to_string();
  return out.empty() ? "(no errors)" : out;
}

std::vector<std::string> slugs_of(const std::vector<Category>& cats) {
  std::vector<std::string> out;
  for (const auto& c : cats) out.push_back(c.slug);
  return out;
}

// ---- the real file ----

class WicCallFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    result_ = parse_call_file(read_text("calls/wic-2025.toml"), "calls/wic-2025.toml");
    ASSERT_TRUE(result_.errors.empty()) << errors_of(result_);
    ASSERT_EQ(result_.calls.size(), 2u);
  }
  const Call& call(const std::string& slug) {
    for (const auto& c : result_.calls)
      if (c.slug == slug) return c;
    throw std::runtime_error("no call " + slug);
  }
  CallFileResult result_;
};

TEST_F(WicCallFileTest, HasTheTwoCallsOfTheNotice) {
  EXPECT_EQ(result_.calls[0].slug, "leading-tech-2025");
  EXPECT_EQ(result_.calls[1].slug, "practice-cases-2025");
  EXPECT_EQ(call("leading-tech-2025").kind, "award");
  EXPECT_EQ(call("practice-cases-2025").kind, "case");
  EXPECT_EQ(call("leading-tech-2025").receipt_prefix, "LT25");
  EXPECT_EQ(call("practice-cases-2025").receipt_prefix, "PC25");
}

TEST_F(WicCallFileTest, LeadingTechHasThreeCategoriesOfThreeCriteria) {
  const Call& c = call("leading-tech-2025");
  EXPECT_EQ(slugs_of(c.categories), (std::vector<std::string>{"basic-research", "key-technology", "engineering-rd"}));
  std::vector<std::string> codes;
  for (const auto& cat : c.categories) {
    SCOPED_TRACE(cat.slug);
    codes.push_back(cat.code);
    EXPECT_EQ(cat.criteria.size(), 3u);
  }
  EXPECT_EQ(codes, (std::vector<std::string>{"BR", "KT", "ER"}));
  ASSERT_NE(c.category("basic-research"), nullptr);
  std::vector<std::string> crit;
  for (const auto& cr : c.category("basic-research")->criteria) crit.push_back(cr.slug);
  EXPECT_EQ(crit, (std::vector<std::string>{"originality", "scientific-value", "international-recognition"}));
}

TEST_F(WicCallFileTest, PracticeCasesHasTheFiveDomains) {
  const Call& c = call("practice-cases-2025");
  EXPECT_EQ(slugs_of(c.categories),
            (std::vector<std::string>{"network-infrastructure", "cultural-exchange", "digital-economy", "cybersecurity",
                                      "cyberspace-governance"}));
  for (const auto& cat : c.categories) {
    SCOPED_TRACE(cat.slug);
    EXPECT_EQ(cat.criteria.size(), 4u);
  }
}

TEST_F(WicCallFileTest, BothDeadlinesAreTheEndOf18JuneBeijingTime) {
  for (const auto& c : result_.calls) {
    SCOPED_TRACE(c.slug);
    EXPECT_EQ(c.time_zone, "Asia/Shanghai");
    EXPECT_EQ(iso_utc(c.deadline), "2025-06-18T16:00:00Z");
    EXPECT_EQ(iso_local(c.deadline, c.time_zone), "2025-06-19T00:00:00+08:00");
    ASSERT_TRUE(c.opens.has_value());
    EXPECT_LT(*c.opens, c.deadline);
  }
  EXPECT_EQ(iso_local(*call("leading-tech-2025").opens, "Asia/Shanghai"), "2025-03-04T00:00:00+08:00");
}

TEST_F(WicCallFileTest, PracticeCasesEligibility) {
  const Call& c = call("practice-cases-2025");
  ASSERT_TRUE(c.eligibility.min_start_date.has_value());
  EXPECT_EQ(format_date(*c.eligibility.min_start_date), "2015-01-01");
  EXPECT_EQ(c.eligibility.min_countries, 2);
  EXPECT_TRUE(c.has_field("started_on"));
  EXPECT_TRUE(c.has_field("countries"));
  EXPECT_TRUE(c.has_field("form"));
  EXPECT_FALSE(call("leading-tech-2025").has_field("countries"));
  EXPECT_FALSE(call("leading-tech-2025").eligibility.min_start_date.has_value());
}

TEST_F(WicCallFileTest, EveryTitleIsGivenInBothLanguages) {
  for (const auto& c : result_.calls) {
    SCOPED_TRACE(c.slug);
    EXPECT_FALSE(c.title.zh.empty());
    EXPECT_FALSE(c.title.en.empty());
    EXPECT_FALSE(c.summary.zh.empty());
    EXPECT_FALSE(c.summary.en.empty());
    for (const auto& cat : c.categories) {
      SCOPED_TRACE(cat.slug);
      EXPECT_FALSE(cat.title.zh.empty());
      EXPECT_FALSE(cat.title.en.empty());
      for (const auto& cr : cat.criteria) {
        SCOPED_TRACE(cr.slug);
        EXPECT_FALSE(cr.title.zh.empty());
        EXPECT_FALSE(cr.title.en.empty());
      }
    }
    for (const auto& s : c.stages) {
      SCOPED_TRACE(s.slug);
      EXPECT_FALSE(s.title.zh.empty());
      EXPECT_FALSE(s.title.en.empty());
      EXPECT_LE(s.starts, s.ends);
    }
  }
}

TEST_F(WicCallFileTest, SurvivesTheStoredJsonForm) {
  for (const auto& c : result_.calls) {
    SCOPED_TRACE(c.slug);
    auto back = call_from_json(to_json(c));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(to_json(*back), to_json(c));
    EXPECT_EQ(back->deadline, c.deadline);
  }
}

// ---- broken files ----

// A minimal good call. Each broken case replaces one line (found by its text) or appends lines.
const std::string kMinimal = R"toml([[call]]
slug = "mini-2025"
receipt_prefix = "MN25"
kind = "award"
time_zone = "Asia/Shanghai"
deadline = "2025-06-18 24:00"
opens = "2025-03-04 00:00"
title = { zh = "小奖", en = "Mini award" }
applicant_types = ["university", "enterprise"]
fields = ["title", "summary", "criteria", "organizations"]

[[call.stage]]
slug = "application"
title = { zh = "申报", en = "Application" }
starts = "2025-03-01"
ends = "2025-06-18"

[[call.category]]
slug = "basic-research"
code = "BR"
title = { zh = "基础研究", en = "Basic research" }

[[call.category.criterion]]
slug = "originality"
title = { zh = "原创", en = "Originality" }
)toml";

// kMinimal with the line that starts with `line_start` replaced by `replacement` ("" deletes it).
std::string with_line(const std::string& line_start, const std::string& replacement) {
  std::istringstream in(kMinimal);
  std::string out;
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    if (!found && line.rfind(line_start, 0) == 0) {
      found = true;
      if (!replacement.empty()) out += replacement + "\n";
    } else {
      out += line + "\n";
    }
  }
  if (!found) throw std::invalid_argument("no line starting with " + line_start);
  return out;
}

// kMinimal without the lines from the one starting with `from` to the end.
std::string cut_from(const std::string& from) {
  auto at = kMinimal.find(from);
  if (at == std::string::npos) throw std::invalid_argument("no " + from);
  return kMinimal.substr(0, at);
}

// 1-based number of the first line of `text` containing `needle`.
int line_of(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  int n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.find(needle) != std::string::npos) return n;
  }
  throw std::invalid_argument("no line contains " + needle);
}

TEST(CallFile, TheMinimalCallIsGood) {
  auto r = parse_call_file(kMinimal);
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].slug, "mini-2025");
  EXPECT_EQ(iso_utc(r.calls[0].deadline), "2025-06-18T16:00:00Z");
}

struct BrokenCase {
  const char* name;
  std::string text;
  std::string line_needle;  // the first line containing this is where the error is
  std::vector<std::string> reason_mentions;
};

TEST(CallFile, BrokenFilesAreRejectedWithLineAndReason) {
  const std::string two_categories = kMinimal +
                                     "\n[[call.category]]\n"
                                     "slug = \"basic-research\"  # again\n"
                                     "code = \"KT\"\n"
                                     "title = { zh = \"关键技术\", en = \"Key technology\" }\n\n"
                                     "[[call.category.criterion]]\n"
                                     "slug = \"innovation\"\n"
                                     "title = { zh = \"创新\", en = \"Innovation\" }\n";
  const BrokenCase cases[] = {
      {"TOML syntax error", with_line("kind =", "kind = \"award"), "kind =", {}},
      {"TOML value without a key", with_line("kind =", "= \"award\""), "= \"award\"", {}},
      {"unknown time zone", with_line("time_zone =", "time_zone = \"Asia/Beijing\""), "time_zone =",
       {"time zone", "Asia/Beijing"}},
      {"deadline in month 13", with_line("deadline =", "deadline = \"2025-13-01 10:00\""), "deadline =",
       {"deadline"}},
      {"deadline at 24:30", with_line("deadline =", "deadline = \"2025-06-18 24:30\""), "deadline =", {"deadline"}},
      {"deadline as a TOML date", with_line("deadline =", "deadline = 2025-06-18T24:00:00"), "deadline =", {}},
      {"deadline as a TOML datetime", with_line("deadline =", "deadline = 2025-06-18T23:00:00"), "deadline =",
       {"deadline"}},
      {"opens after the deadline", with_line("opens =", "opens = \"2025-07-01 00:00\""), "opens =", {"opens"}},
      {"kind lottery", with_line("kind =", "kind = \"lottery\""), "kind =", {"kind"}},
      {"duplicate category slug", two_categories, "# again", {"duplicate", "basic-research"}},
      {"title only in zh", with_line("title = { zh = \"小奖\"", "title = { zh = \"小奖\" }"), "title = { zh = \"小奖\"",
       {"title", "en"}},
      {"title only in en", with_line("title = { zh = \"小奖\"", "title = { en = \"Mini award\" }"),
       "title = { en = \"Mini award\"", {"title", "zh"}},
      {"title with an empty en", with_line("title = { zh = \"小奖\"", "title = { zh = \"小奖\", en = \"\" }"),
       "title = { zh = \"小奖\"", {"title"}},
      {"title in a third language", with_line("title = { zh = \"小奖\"", "title = { zh = \"小奖\", en = \"Mini\", fr = \"Mini\" }"),
       "title = { zh = \"小奖\"", {"fr"}},
      {"title as a plain string", with_line("title = { zh = \"小奖\"", "title = \"Mini award\""), "title = \"Mini award\"",
       {"title"}},
      {"unknown applicant type", with_line("applicant_types =", "applicant_types = [\"university\", \"alien\"]"),
       "applicant_types =", {"applicant type", "alien"}},
      {"unknown field", with_line("fields =", "fields = [\"title\", \"summary\", \"criteria\", \"organizations\", \"photo\"]"),
       "fields =", {"photo"}},
      {"fields without summary", with_line("fields =", "fields = [\"title\", \"criteria\", \"organizations\"]"),
       "fields =", {"summary"}},
      {"missing [[call.category]]", cut_from("[[call.category]]"), "[[call]]", {"category"}},
      {"category without criteria", cut_from("[[call.category.criterion]]"), "[[call.category]]", {"criterion"}},
      {"bad category code", with_line("code =", "code = \"br\""), "code =", {"code"}},
      {"bad call slug", with_line("slug = \"mini-2025\"", "slug = \"Mini 2025\""), "slug = \"Mini 2025\"", {"slug"}},
      {"stage ending before it starts", with_line("ends =", "ends = \"2025-02-01\""), "[[call.stage]]", {"ends"}},
      {"missing deadline", with_line("deadline =", ""), "[[call]]", {"deadline"}},
      {"missing time zone", with_line("time_zone =", ""), "[[call]]", {"time_zone"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_call_file(c.text, "test.toml");
    EXPECT_TRUE(r.calls.empty());
    ASSERT_FALSE(r.errors.empty());
    const CallFileError& e = r.errors.front();
    EXPECT_EQ(e.line, line_of(c.text, c.line_needle)) << errors_of(r);
    EXPECT_FALSE(e.reason.empty());
    for (const auto& word : c.reason_mentions) EXPECT_NE(e.reason.find(word), std::string::npos) << errors_of(r);
  }
}

TEST(CallFile, CriteriaMayCarryAWeightAndARequiredComment) {
  std::string text = kMinimal;
  auto at = text.find("[[call.category.criterion]]");
  ASSERT_NE(at, std::string::npos);
  auto next = text.find("\n\n", at);
  std::string extra = "\nweight = 2.5\ncomment_required = true";
  text.insert(next == std::string::npos ? text.size() : next, extra);
  auto r = parse_call_file(text);
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  const Criterion& c = r.calls[0].categories[0].criteria[0];
  EXPECT_DOUBLE_EQ(c.weight, 2.5);
  EXPECT_TRUE(c.comment_required);
  // Stored and read back (calls are kept as JSON).
  auto back = call_from_json(to_json(r.calls[0]));
  ASSERT_TRUE(back);
  EXPECT_DOUBLE_EQ(back->categories[0].criteria[0].weight, 2.5);
  EXPECT_TRUE(back->categories[0].criteria[0].comment_required);
  // The default: weight 1, no comment required.
  auto plain = parse_call_file(kMinimal);
  EXPECT_DOUBLE_EQ(plain.calls[0].categories[0].criteria[0].weight, 1);
  EXPECT_FALSE(plain.calls[0].categories[0].criteria[0].comment_required);
  for (const char* bad : {"weight = 0", "weight = -1", "weight = \"heavy\"", "comment_required = \"yes\""}) {
    std::string t = kMinimal;
    auto end = t.find("\n\n", t.find("[[call.category.criterion]]"));
    t.insert(end == std::string::npos ? t.size() : end, std::string("\n") + bad);
    auto rb = parse_call_file(t);
    EXPECT_FALSE(rb.errors.empty()) << bad;
  }
}

TEST(CallFile, AnInvalidDeadlineIsReportedOnce) {
  // The organiser should see the one mistake, not a second error about `opens` (which is
  // before the deadline they meant) caused by the deadline that could not be read.
  const std::pair<const char*, std::string> cases[] = {
      {"deadline in month 13", with_line("deadline =", "deadline = \"2025-13-01 10:00\"")},
      {"deadline not a string", with_line("deadline =", "deadline = 2025-06-18T23:00:00")},
      {"deadline missing", with_line("deadline =", "")},
  };
  for (const auto& [name, text] : cases) {
    SCOPED_TRACE(name);
    auto r = parse_call_file(text);
    EXPECT_TRUE(r.calls.empty());
    ASSERT_FALSE(r.errors.empty());
    EXPECT_NE(r.errors[0].reason.find("deadline"), std::string::npos) << errors_of(r);
    EXPECT_EQ(r.errors.size(), 1u) << errors_of(r);
  }
}

TEST(CallFile, AnUnknownKeyIsNamedWithItsLine) {
  std::string text = with_line("opens =", "opens = \"2025-03-04 00:00\"\ndeadlline = \"2025-06-18 24:00\"");
  auto r = parse_call_file(text);
  EXPECT_TRUE(r.calls.empty());
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, line_of(text, "deadlline"));
  EXPECT_NE(r.errors[0].reason.find("deadlline"), std::string::npos);
}

TEST(CallFile, ErrorsCarryTheLineInTheirText) {
  auto r = parse_call_file(with_line("kind =", "kind = \"lottery\""));
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].to_string().rfind("line 4: ", 0), 0u) << r.errors[0].to_string();
}

TEST(CallFile, AnEmptyFileHasNoCalls) {
  auto r = parse_call_file("");
  EXPECT_TRUE(r.calls.empty());
  ASSERT_FALSE(r.errors.empty());
}

TEST(CallFile, OneBadCallRejectsTheWholeFile) {
  std::string bad = with_line("slug = \"mini-2025\"", "slug = \"bad-2025\"");
  bad = bad.replace(bad.find("kind = \"award\""), 14, "kind = \"lottery\"");
  std::string text = kMinimal + "\n" + bad;
  auto r = parse_call_file(text);
  EXPECT_TRUE(r.calls.empty());
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, line_of(text, "kind = \"lottery\""));
}

TEST(CallFile, TwoCallsWithTheSameSlugAreRejected) {
  auto r = parse_call_file(kMinimal + "\n" + kMinimal);
  EXPECT_TRUE(r.calls.empty());
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(errors_of(r).find("duplicate call"), std::string::npos) << errors_of(r);
}

// ---- loading into the database is all or nothing ----

class LoadCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    spdlog::set_level(spdlog::level::warn);
    char tmpl[] = "/tmp/laurel-unit-callfile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = store::open_database("sqlite:" + dir_ + "/t.db");
    store::migrate(*db_);
    env_ = std::make_unique<service::Env>(service::Env{*db_, countries(), {}});
    env_->clock = [] { return Instant{seconds{1746061200}}; };  // 2025-05-01T01:00:00Z
  }
  void TearDown() override {
    env_.reset();
    db_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  long long count(const std::string& table) {
    auto c = db_->acquire();
    return c->query_one("SELECT count(*) FROM " + table)->num(0);
  }
  std::string definition(const std::string& slug) {
    auto c = db_->acquire();
    auto row = c->query_one("SELECT definition FROM calls WHERE slug = ?", {slug});
    return row ? row->str(0) : "";
  }

  std::string dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<service::Env> env_;
};

TEST_F(LoadCallsTest, LoadsEveryCallOfTheRealFile) {
  auto r = service::load_calls(*env_, read_text("calls/wic-2025.toml"), "");
  ASSERT_TRUE(r.ok()) << r.error().code;
  EXPECT_EQ(*r, (std::vector<std::string>{"leading-tech-2025", "practice-cases-2025"}));
  EXPECT_EQ(count("calls"), 2);
  auto call = service::find_call(*env_, "practice-cases-2025");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(iso_utc(call->deadline), "2025-06-18T16:00:00Z");
  EXPECT_EQ(call->categories.size(), 5u);
}

TEST_F(LoadCallsTest, ABadFileLeavesTheCallsTableUnchanged) {
  auto first = service::load_calls(*env_, read_text("calls/wic-2025.toml"), "");
  ASSERT_TRUE(first.ok());
  const long long calls_before = count("calls"), audit_before = count("audit_log");
  const std::string def_before = definition("leading-tech-2025");
  ASSERT_EQ(calls_before, 2);

  // One file: a good update of leading-tech-2025 (new title), a new good call, a bad call.
  std::string text = read_text("calls/wic-2025.toml");
  const std::string old_title = "2025年世界互联网大会领先科技奖";
  ASSERT_NE(text.find(old_title), std::string::npos);
  text.replace(text.find(old_title), old_title.size(), "已改名");
  std::string late = kMinimal;
  late.replace(late.find("mini-2025"), 9, "late-2025");
  late.replace(late.find("Asia/Shanghai"), 13, "Asia/Beijing");
  text += "\n" + kMinimal + "\n" + late;
  auto r = service::load_calls(*env_, text, "", "broken.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::invalid_call_file);
  EXPECT_NE(r.error().message.params.at("detail").find("Asia/Beijing"), std::string::npos)
      << r.error().message.params.at("detail");

  EXPECT_EQ(count("calls"), calls_before);
  EXPECT_EQ(count("audit_log"), audit_before);
  EXPECT_EQ(definition("leading-tech-2025"), def_before);
  EXPECT_EQ(definition("mini-2025"), "");
}

TEST_F(LoadCallsTest, ABadFileLoadsNothingIntoAnEmptyDatabase) {
  auto r = service::load_calls(*env_, with_line("kind =", "kind = \"lottery\""), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::invalid_call_file);
  EXPECT_EQ(count("calls"), 0);
}

TEST_F(LoadCallsTest, LoadingAgainUpdatesInPlace) {
  ASSERT_TRUE(service::load_calls(*env_, kMinimal, "").ok());
  std::string renamed = with_line("title = { zh = \"小奖\"", "title = { zh = \"小奖\", en = \"Renamed award\" }");
  ASSERT_TRUE(service::load_calls(*env_, renamed, "").ok());
  EXPECT_EQ(count("calls"), 1);
  auto call = service::find_call(*env_, "mini-2025");
  ASSERT_TRUE(call.ok());
  EXPECT_EQ(call->title.en, "Renamed award");
}

}  // namespace
}  // namespace laurel
