// Receipt numbers: their format, and that the service issues them consecutively per call and
// category, once per entry, never for a refused submit, and without gaps or duplicates when
// many threads submit at once.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <latch>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/entry.h"
#include "core/time.h"
#include "infra/countries.h"
#include "infra/crypto.h"
#include "service/accounts.h"
#include "service/calls.h"
#include "service/env.h"
#include "service/entries.h"
#include "store/db.h"
#include "support.h"

namespace laurel {
namespace {

using nlohmann::json;

// ---- format ----

TEST(FormatReceipt, PadsTheNumberToFourDigits) {
  struct {
    const char* prefix;
    const char* code;
    long long number;
    const char* expected;
  } cases[] = {
      {"LT25", "BR", 7, "LT25-BR-0007"},     {"LT25", "BR", 1, "LT25-BR-0001"},
      {"LT25", "KT", 42, "LT25-KT-0042"},    {"PC25", "NI", 999, "PC25-NI-0999"},
      {"LT25", "BR", 9999, "LT25-BR-9999"},  {"LT25", "BR", 10000, "LT25-BR-10000"},
      {"LT25", "BR", 123456, "LT25-BR-123456"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    EXPECT_EQ(format_receipt(c.prefix, c.code, c.number), c.expected);
  }
}

// ---- through the service ----

json award_fields(const std::string& category) {
  json criteria;
  if (category == "basic-research")
    criteria = {{"originality", "a"}, {"scientific-value", "b"}, {"international-recognition", "c"}};
  else if (category == "key-technology")
    criteria = {{"technical-innovation", "a"}, {"application-benefits", "b"}, {"industry-progress", "c"}};
  else
    criteria = {{"first-of-its-kind", "a"}, {"advancement", "b"}, {"application-benefits", "c"}};
  return json{{"title_en", "Achievement in " + category},
              {"summary_en", "What it is."},
              {"criteria", criteria},
              {"organizations", {"Tsinghua University"}}};
}

json case_fields() {
  return json{{"title_en", "Cross-border cable"},
              {"summary_en", "Connects two countries."},
              {"criteria",
               {{"concept-fit", "a"}, {"international-impact", "b"}, {"inclusiveness", "c"}, {"presentation", "d"}}},
              {"organizations", {"China Telecom"}},
              {"started_on", "2018-05-01"},
              {"countries", {"CN", "KE"}},
              {"form", "project"}};
}

class ReceiptServiceTest : public ServiceTest {
 protected:

  std::string draft(const std::string& call, const std::string& category, const json& fields) {
    auto s = service::create_entry(*env_, actor_, call, category, fields);
    if (!s) throw std::runtime_error("create_entry: " + describe(s.error()));
    attach_required(s->id);
    return s->id;
  }

  // Creates a complete entry and submits it; the receipt it got.
  std::string submit_new(const std::string& call, const std::string& category) {
    std::string id = draft(call, category, call == "practice-cases-2025" ? case_fields() : award_fields(category));
    return submit(id);
  }

  std::string submit(const std::string& id) {
    auto s = service::submit_entry(*env_, actor_, id);
    if (!s) throw std::runtime_error("submit_entry: " + describe(s.error()));
    if (!s->receipt) throw std::runtime_error("submitted without a receipt");
    return *s->receipt;
  }

  long long scalar(const std::string& sql, const store::Params& params = {}) {
    auto c = db_->acquire();
    auto row = c->query_one(sql, params);
    return row ? row->num(0) : -1;
  }

};

TEST_F(ReceiptServiceTest, AreConsecutiveWithinACategory) {
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0001");
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0002");
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0003");
}

TEST_F(ReceiptServiceTest, EachCategoryAndCallCountsOnItsOwn) {
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0001");
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0002");
  EXPECT_EQ(submit_new("leading-tech-2025", "key-technology"), "LT25-KT-0001");
  EXPECT_EQ(submit_new("leading-tech-2025", "engineering-rd"), "LT25-ER-0001");
  EXPECT_EQ(submit_new("practice-cases-2025", "network-infrastructure"), "PC25-NI-0001");
  EXPECT_EQ(submit_new("leading-tech-2025", "key-technology"), "LT25-KT-0002");
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0003");
}

TEST_F(ReceiptServiceTest, SubmittingTwiceKeepsTheReceipt) {
  std::string id = draft("leading-tech-2025", "basic-research", award_fields("basic-research"));
  EXPECT_EQ(submit(id), "LT25-BR-0001");
  EXPECT_EQ(submit(id), "LT25-BR-0001");
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0002");
}

TEST_F(ReceiptServiceTest, AWithdrawnEntryKeepsItsReceiptWhenSubmittedAgain) {
  std::string id = draft("leading-tech-2025", "basic-research", award_fields("basic-research"));
  EXPECT_EQ(submit(id), "LT25-BR-0001");
  auto w = service::withdraw_entry(*env_, actor_, id);
  ASSERT_TRUE(w.ok()) << describe(w.error());
  EXPECT_EQ(w->status, EntryStatus::withdrawn);
  EXPECT_EQ(w->receipt.value_or(""), "LT25-BR-0001");

  EXPECT_EQ(submit(id), "LT25-BR-0001");
  auto again = service::get_entry(*env_, actor_, id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, EntryStatus::submitted);
  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0002");
  EXPECT_EQ(scalar("SELECT last FROM receipt_counters WHERE prefix = ? AND code = ?",
                   {std::string("LT25"), std::string("BR")}),
            2);
}

TEST_F(ReceiptServiceTest, ARefusedSubmitDoesNotUseANumber) {
  json incomplete = award_fields("basic-research");
  incomplete["criteria"].erase("originality");
  std::string bad = draft("leading-tech-2025", "basic-research", incomplete);
  auto refused = service::submit_entry(*env_, actor_, bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Code::invalid);
  EXPECT_EQ(refused.error().fields.count("criteria.originality"), 1u) << describe(refused.error());
  EXPECT_EQ(scalar("SELECT count(*) FROM receipt_counters"), 0);

  EXPECT_EQ(submit_new("leading-tech-2025", "basic-research"), "LT25-BR-0001");

  auto fixed = service::save_entry(*env_, actor_, bad, json{{"criteria", {{"originality", "Now stated."}}}});
  ASSERT_TRUE(fixed.ok()) << describe(fixed.error());
  EXPECT_EQ(submit(bad), "LT25-BR-0002");
}

TEST_F(ReceiptServiceTest, ASubmittedEntryCannotBeEditedIntoAnInvalidOne) {
  std::string id = draft("leading-tech-2025", "basic-research", award_fields("basic-research"));
  EXPECT_EQ(submit(id), "LT25-BR-0001");
  auto r = service::save_entry(*env_, actor_, id, json{{"title_en", ""}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::invalid);
  auto stored = service::get_entry(*env_, actor_, id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->fields.title_en, "Achievement in basic-research");
  EXPECT_EQ(stored->receipt.value_or(""), "LT25-BR-0001");
}

// Two calls with the same receipt prefix and category code could issue the same receipt
// (SAME25-BR-0001 twice). Such a file is accepted: receipt counters are keyed by what the receipt
// shows (prefix and category code), not by call, so the two calls share one sequence.
TEST_F(ReceiptServiceTest, CallsSharingAReceiptPrefixNeverShareAReceipt) {
  std::string one_call = R"toml(
[[call]]
slug = "SLUG"
receipt_prefix = "SAME25"
kind = "award"
time_zone = "Asia/Shanghai"
deadline = "2025-06-18 24:00"
title = { zh = "奖", en = "Award" }
applicant_types = ["university"]
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
  std::string text;
  for (const char* slug : {"alpha-2025", "beta-2025"}) {
    std::string c = one_call;
    c.replace(c.find("SLUG"), 4, slug);
    text += c;
  }
  auto loaded = service::load_calls(*env_, text, "");
  ASSERT_TRUE(loaded.ok()) << describe(loaded.error());
  json fields{{"title_en", "T"}, {"summary_en", "S"}, {"criteria", {{"originality", "O"}}}, {"organizations", {"U"}}};
  std::string a, b;
  EXPECT_NO_THROW(a = submit(draft("alpha-2025", "basic-research", fields)));
  EXPECT_NO_THROW(b = submit(draft("beta-2025", "basic-research", fields)));
  EXPECT_EQ(a, "SAME25-BR-0001");
  EXPECT_EQ(b, "SAME25-BR-0002");  // the next number of the shared sequence, not 0001 again
}

TEST_F(ReceiptServiceTest, ConcurrentSubmitsGetEveryNumberExactlyOnce) {
  constexpr int kThreads = 8, kPerThread = 10;
  std::mutex mu;
  std::vector<std::string> receipts, failures;
  std::vector<std::thread> threads;
  std::latch start(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      std::vector<std::string> ids, mine;
      try {
        for (int i = 0; i < kPerThread; ++i)
          ids.push_back(draft("leading-tech-2025", "basic-research", award_fields("basic-research")));
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        failures.push_back(e.what());
      }
      start.arrive_and_wait();  // every thread submits at the same time
      try {
        for (const auto& id : ids) mine.push_back(submit(id));
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        failures.push_back(e.what());
      }
      std::lock_guard lock(mu);
      receipts.insert(receipts.end(), mine.begin(), mine.end());
    });
  for (auto& th : threads) th.join();

  ASSERT_TRUE(failures.empty()) << failures.size() << " thread(s) failed, first: " << failures.front();
  std::vector<std::string> expected;
  for (int n = 1; n <= kThreads * kPerThread; ++n) expected.push_back(format_receipt("LT25", "BR", n));
  std::sort(receipts.begin(), receipts.end());
  EXPECT_EQ(receipts, expected);
  EXPECT_EQ(scalar("SELECT count(DISTINCT receipt) FROM submissions WHERE status = 'submitted'"),
            kThreads * kPerThread);
  EXPECT_EQ(scalar("SELECT last FROM receipt_counters WHERE prefix = ? AND code = ?",
                   {std::string("LT25"), std::string("BR")}),
            kThreads * kPerThread);
}

}  // namespace
}  // namespace laurel
