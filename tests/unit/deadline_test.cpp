// The deadline: where a call stands at an instant, demo mode's shift, and the service refusing
// changes from the first instant of the deadline on (core/call.h, service/entries.h).
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

#include "core/call.h"
#include "core/call_file.h"
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

using namespace std::chrono;
using nlohmann::json;

Instant utc(int y, unsigned m, unsigned d, int h = 0, int mi = 0, int s = 0) {
  return sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

Days civil(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }

Instant local(const char* text, const char* zone = "Asia/Shanghai") {
  auto t = parse_local_datetime(text, zone);
  if (!t) throw std::invalid_argument(std::string("bad local time in test: ") + text);
  return *t;
}

// A call like the WIC ones: deadline 2025-06-18 24:00 Beijing time, opens 2025-03-04.
Call wic_like_call() {
  Call c;
  c.slug = "demo-2025";
  c.receipt_prefix = "DM25";
  c.kind = "award";
  c.time_zone = "Asia/Shanghai";
  c.deadline = local("2025-06-18 24:00");
  c.opens = local("2025-03-04 00:00");
  c.title = {"演示", "Demo"};
  c.applicant_types = {"university"};
  c.fields = {"title", "summary", "criteria", "organizations"};
  c.stages = {Stage{"application", {"申报", "Application"}, {}, civil(2025, 3, 1), civil(2025, 6, 18)},
              Stage{"review", {"评审", "Review"}, {}, civil(2025, 7, 1), civil(2025, 8, 31)}};
  c.categories = {Category{"basic-research", "BR", {"基础研究", "Basic research"}, {}, {}}};
  return c;
}

// ---- call_status ----

TEST(CallStatus, ChangesAtOpensAndAtTheDeadline) {
  const Call call = wic_like_call();
  struct {
    Instant now;
    CallStatus expected;
  } cases[] = {
      {utc(2025, 1, 1), CallStatus::upcoming},
      {local("2025-03-03 23:59:59"), CallStatus::upcoming},
      {local("2025-03-04 00:00"), CallStatus::open},
      {local("2025-06-18 12:00"), CallStatus::open},
      {local("2025-06-18 23:59:59"), CallStatus::open},
      {utc(2025, 6, 18, 15, 59, 59), CallStatus::open},
      {local("2025-06-19 00:00"), CallStatus::closed},
      {utc(2025, 6, 18, 16), CallStatus::closed},
      {utc(2025, 6, 18, 16, 0, 1), CallStatus::closed},
      {utc(2026, 1, 1), CallStatus::closed},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(iso_local(c.now, call.time_zone));
    EXPECT_EQ(to_string(call_status(call, c.now)), to_string(c.expected));
  }
}

TEST(CallStatus, WithoutOpensIsOpenUntilTheDeadline) {
  Call call = wic_like_call();
  call.opens.reset();
  EXPECT_EQ(call_status(call, utc(2000, 1, 1)), CallStatus::open);
  EXPECT_EQ(call_status(call, call.deadline - seconds{1}), CallStatus::open);
  EXPECT_EQ(call_status(call, call.deadline), CallStatus::closed);
}

TEST(CurrentStage, IsTheStageContainingTodayInTheCallsZone) {
  const Call call = wic_like_call();
  const Stage* s = current_stage(call, local("2025-06-18 23:59:59"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->slug, "application");
  EXPECT_EQ(current_stage(call, local("2025-06-19 00:00")), nullptr);  // between stages
  s = current_stage(call, local("2025-07-01 00:00"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->slug, "review");
}

// ---- shift_for_demo ----

TEST(ShiftForDemo, MovesAPassedDeadlineTo30DaysAfterTodaysLocalDate) {
  const Call call = wic_like_call();
  // 2025-09-10 20:00 in Shanghai: the deadline (end of 2025-06-18) moves to the end of 2025-10-10.
  const Instant now = utc(2025, 9, 10, 12);
  Call shifted = shift_for_demo(call, now);
  EXPECT_TRUE(shifted.demo_shifted);
  EXPECT_EQ(iso_local(shifted.deadline, "Asia/Shanghai"), "2025-10-11T00:00:00+08:00");
  EXPECT_EQ(human_datetime(shifted.deadline, "Asia/Shanghai", Lang::en), "10 October 2025, 24:00");
  EXPECT_EQ(call_status(shifted, now), CallStatus::open);
}

TEST(ShiftForDemo, MovesOpensAndStagesByTheSameWholeDays) {
  const Call call = wic_like_call();
  Call shifted = shift_for_demo(call, utc(2025, 9, 10, 12));
  const auto shift = shifted.deadline - call.deadline;
  EXPECT_EQ(shift, days{114});  // 2025-06-18 -> 2025-10-10
  ASSERT_TRUE(shifted.opens.has_value());
  EXPECT_EQ(*shifted.opens - *call.opens, shift);
  EXPECT_EQ(iso_local(*shifted.opens, "Asia/Shanghai"), "2025-06-26T00:00:00+08:00");
  ASSERT_EQ(shifted.stages.size(), call.stages.size());
  for (size_t i = 0; i < call.stages.size(); ++i) {
    SCOPED_TRACE(call.stages[i].slug);
    EXPECT_EQ(shifted.stages[i].starts - call.stages[i].starts, days{114});
    EXPECT_EQ(shifted.stages[i].ends - call.stages[i].ends, days{114});
  }
  EXPECT_EQ(format_date(shifted.stages[0].ends), "2025-10-10");  // the application stage ends on deadline day
}

TEST(ShiftForDemo, UsesTheLocalDateOfNowNotTheUtcDate) {
  const Call call = wic_like_call();
  // 2025-09-10T17:00Z is already 2025-09-11 01:00 in Shanghai.
  Call shifted = shift_for_demo(call, utc(2025, 9, 10, 17));
  EXPECT_EQ(iso_local(shifted.deadline, "Asia/Shanghai"), "2025-10-12T00:00:00+08:00");
}

TEST(ShiftForDemo, KeepsTheLocalTimeOfADeadlineThatIsNotMidnight) {
  Call call = wic_like_call();
  call.deadline = local("2025-06-18 17:30");
  Call shifted = shift_for_demo(call, utc(2025, 9, 10, 12));
  EXPECT_EQ(iso_local(shifted.deadline, "Asia/Shanghai"), "2025-10-10T17:30:00+08:00");
}

TEST(ShiftForDemo, ShiftsAtTheDeadlineInstantItself) {
  const Call call = wic_like_call();
  Call shifted = shift_for_demo(call, call.deadline);
  EXPECT_TRUE(shifted.demo_shifted);
  // now is 2025-06-19 00:00 local: the new deadline is the end of 2025-07-19.
  EXPECT_EQ(iso_local(shifted.deadline, "Asia/Shanghai"), "2025-07-20T00:00:00+08:00");
}

TEST(ShiftForDemo, HonoursDaysAhead) {
  const Call call = wic_like_call();
  Call shifted = shift_for_demo(call, utc(2025, 9, 10, 12), 7);
  EXPECT_EQ(iso_local(shifted.deadline, "Asia/Shanghai"), "2025-09-18T00:00:00+08:00");
}

TEST(ShiftForDemo, LeavesACallThatIsStillOpenUnchanged) {
  const Call call = wic_like_call();
  for (Instant now : {call.deadline - seconds{1}, local("2025-03-01 00:00"), utc(2020, 1, 1)}) {
    SCOPED_TRACE(iso_utc(now));
    Call same = shift_for_demo(call, now);
    EXPECT_FALSE(same.demo_shifted);
    EXPECT_EQ(same.deadline, call.deadline);
    EXPECT_EQ(same.opens, call.opens);
    EXPECT_EQ(to_json(same), to_json(call));
  }
}

TEST(ShiftForDemo, KeepsTheLocalTimeAcrossADaylightSavingChange) {
  // A winter deadline (CET, UTC+1) moved into summer (CEST, UTC+2) keeps 12:00 local.
  Call call = wic_like_call();
  call.time_zone = "Europe/Berlin";
  call.deadline = local("2025-01-15 12:00", "Europe/Berlin");
  call.opens = local("2025-01-01 00:00", "Europe/Berlin");
  Call shifted = shift_for_demo(call, utc(2025, 7, 1, 10));
  EXPECT_TRUE(shifted.demo_shifted);
  EXPECT_EQ(iso_local(shifted.deadline, "Europe/Berlin"), "2025-07-31T12:00:00+02:00");
}

// ---- through the service, against a real (temporary) database ----

json valid_award_fields() {
  return json{{"title_zh", "一种新的路由算法"},
              {"title_en", "A new routing algorithm"},
              {"summary_en", "It routes packets faster."},
              {"criteria",
               {{"originality", "First of its kind."},
                {"scientific-value", "Explains congestion."},
                {"international-recognition", "Cited widely."}}},
              {"organizations", {"Tsinghua University"}}};
}

class DeadlineServiceTest : public ServiceTest {
 protected:

  // A complete draft of basic research, saved while the call is open.
  std::string complete_draft() {
    auto s = service::create_entry(*env_, actor_, "leading-tech-2025", "basic-research", json::object());
    EXPECT_TRUE(s.ok()) << describe(s.error());
    if (!s) return {};
    auto saved = service::save_entry(*env_, actor_, s->id, valid_award_fields());
    EXPECT_TRUE(saved.ok()) << describe(saved.error());
    attach_required(s->id);
    return s->id;
  }

};

TEST_F(DeadlineServiceTest, SubmitSucceedsInTheLastSecondBeforeTheDeadline) {
  now_ = local("2025-06-18 22:00");
  std::string id = complete_draft();
  now_ = local("2025-06-18 23:59:59");
  auto s = service::submit_entry(*env_, actor_, id);
  ASSERT_TRUE(s.ok()) << describe(s.error());
  EXPECT_EQ(s->status, EntryStatus::submitted);
  EXPECT_EQ(s->receipt.value_or(""), "LT25-BR-0001");
  ASSERT_TRUE(s->submitted_at.has_value());
  EXPECT_EQ(*s->submitted_at, utc(2025, 6, 18, 15, 59, 59));
}

TEST_F(DeadlineServiceTest, SubmitIsRefusedFromTheDeadlineInstantOn) {
  now_ = local("2025-06-18 22:00");
  std::string first = complete_draft();
  std::string second = complete_draft();
  now_ = local("2025-06-18 23:59:59");
  auto ok = service::submit_entry(*env_, actor_, first);
  ASSERT_TRUE(ok.ok()) << describe(ok.error());
  EXPECT_EQ(ok->receipt.value_or(""), "LT25-BR-0001");

  now_ = local("2025-06-19 00:00:00");
  auto late = service::submit_entry(*env_, actor_, second);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Code::deadline_passed);
  EXPECT_EQ(late.error().message.key, "error.deadline_passed");

  auto stored = service::get_entry(*env_, actor_, second);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->status, EntryStatus::draft);
  EXPECT_FALSE(stored->receipt.has_value());
}

TEST_F(DeadlineServiceTest, SaveIsRefusedAfterTheDeadline) {
  now_ = local("2025-06-18 22:00");
  std::string draft = complete_draft();
  std::string submitted = complete_draft();
  auto in = service::submit_entry(*env_, actor_, submitted);
  ASSERT_TRUE(in.ok()) << describe(in.error());

  now_ = local("2025-06-18 23:59:59");
  auto last = service::save_entry(*env_, actor_, draft, json{{"title_en", "Still in time"}});
  ASSERT_TRUE(last.ok()) << describe(last.error());

  now_ = local("2025-06-19 00:00");
  for (const std::string& id : {draft, submitted}) {
    SCOPED_TRACE(id == draft ? "draft" : "submitted");
    auto late = service::save_entry(*env_, actor_, id, json{{"title_en", "Too late"}});
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, Code::deadline_passed);
    auto stored = service::get_entry(*env_, actor_, id);
    ASSERT_TRUE(stored.ok());
    EXPECT_NE(stored->fields.title_en, "Too late");
  }
}

TEST_F(DeadlineServiceTest, CreateAndWithdrawAreRefusedAfterTheDeadline) {
  now_ = local("2025-06-18 22:00");
  std::string id = complete_draft();
  auto in = service::submit_entry(*env_, actor_, id);
  ASSERT_TRUE(in.ok()) << describe(in.error());

  now_ = local("2025-06-19 00:00");
  auto created = service::create_entry(*env_, actor_, "leading-tech-2025", "basic-research", json::object());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Code::deadline_passed);
  auto withdrawn = service::withdraw_entry(*env_, actor_, id);
  ASSERT_FALSE(withdrawn.ok());
  EXPECT_EQ(withdrawn.error().code, Code::deadline_passed);
}

TEST_F(DeadlineServiceTest, NothingCanBeStartedBeforeTheCallOpens) {
  now_ = local("2025-03-03 23:59:59");
  auto early = service::create_entry(*env_, actor_, "leading-tech-2025", "basic-research", json::object());
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, Code::not_open);
  now_ = local("2025-03-04 00:00");
  auto open = service::create_entry(*env_, actor_, "leading-tech-2025", "basic-research", json::object());
  EXPECT_TRUE(open.ok()) << describe(open.error());
}

TEST_F(DeadlineServiceTest, DemoModeAcceptsEntriesForACallThatEndedBeforeTheServerStarted) {
  env_->demo_since = local("2025-09-10 20:00");
  now_ = local("2025-09-11 10:00");
  auto call = service::find_call(*env_, "leading-tech-2025");
  ASSERT_TRUE(call.ok());
  EXPECT_TRUE(call->demo_shifted);
  EXPECT_EQ(iso_local(call->deadline, "Asia/Shanghai"), "2025-10-11T00:00:00+08:00");
  std::string id = complete_draft();
  auto s = service::submit_entry(*env_, actor_, id);
  ASSERT_TRUE(s.ok()) << describe(s.error());
  EXPECT_EQ(s->receipt.value_or(""), "LT25-BR-0001");
  now_ = local("2025-10-11 00:00");
  auto late = service::save_entry(*env_, actor_, id, json{{"title_en", "Too late"}});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, Code::deadline_passed);
}

}  // namespace
}  // namespace laurel
