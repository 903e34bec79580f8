// Who may see or change what (core/policy.h): every decision for every role, on one applicant's
// entry, before, during and after its call.
#include <gtest/gtest.h>

#include <chrono>

#include "core/call.h"
#include "core/policy.h"

namespace laurel {
namespace {

using namespace std::chrono;

Call open_call() {
  Call c;
  c.slug = "c";
  c.time_zone = "Asia/Shanghai";
  c.opens = Instant{sys_days{year{2025} / 1 / 1}.time_since_epoch()};
  c.deadline = Instant{sys_days{year{2025} / 7 / 1}.time_since_epoch()};
  c.applicant_types = {"university", "enterprise"};
  Category cat;
  cat.slug = "cat";
  c.categories.push_back(cat);
  return c;
}
const Instant kBefore = Instant{sys_days{year{2024} / 12 / 31}.time_since_epoch()};
const Instant kDuring = Instant{sys_days{year{2025} / 3 / 1}.time_since_epoch()};
const Instant kAfter = Instant{sys_days{year{2025} / 7 / 1}.time_since_epoch()};  // the deadline itself: closed

Actor owner() { return make_actor("u-a", "a@example.org", "applicant", "university"); }
Actor other() { return make_actor("u-b", "b@example.org", "applicant", "university"); }
Actor organiser() { return make_actor("u-o", "o@example.org", "admin", ""); }
Actor anonymous() { return Actor{}; }
const EntryAccess kDraft{"u-a", EntryStatus::draft};
const EntryAccess kSubmitted{"u-a", EntryStatus::submitted};

TEST(PolicyActor, AdminAndOrganiserAreTheOrganiserRoleAndEverythingElseAnApplicant) {
  EXPECT_TRUE(make_actor("x", "", "admin", "").organiser());
  EXPECT_TRUE(make_actor("x", "", "organiser", "").organiser());
  EXPECT_FALSE(make_actor("x", "", "applicant", "").organiser());
  EXPECT_TRUE(make_actor("x", "", "applicant", "").is(Role::applicant));
  EXPECT_FALSE(make_actor("x", "", "", "").organiser());
  EXPECT_EQ(stored_role(organiser()), "admin");
  EXPECT_EQ(stored_role(owner()), "applicant");
  EXPECT_FALSE(anonymous().signed_in());
}

TEST(PolicyEntries, OwnerAndOrganisersReadAnEntryNobodyElse) {
  EXPECT_TRUE(can_read_entry(owner(), kDraft));
  EXPECT_TRUE(can_read_entry(organiser(), kDraft));
  EXPECT_FALSE(can_read_entry(other(), kDraft));
  EXPECT_FALSE(can_read_entry(anonymous(), kDraft));
  EXPECT_FALSE(can_read_entry(anonymous(), EntryAccess{"", EntryStatus::draft})) << "an empty owner is nobody's";
  EXPECT_TRUE(can_read_material(organiser(), kSubmitted));
  EXPECT_FALSE(can_read_material(other(), kSubmitted));
}

TEST(PolicyEntries, OnlyTheOwnerChangesAndOnlyWhileTheCallIsOpen) {
  Call c = open_call();
  EXPECT_TRUE(can_change_entry(owner(), kDraft, c, kDuring));
  EXPECT_EQ(can_change_entry(owner(), kDraft, c, kBefore).error().code, Code::not_open);
  EXPECT_EQ(can_change_entry(owner(), kDraft, c, kAfter).error().code, Code::deadline_passed);
  EXPECT_EQ(can_change_entry(owner(), kDraft, c, kAfter - seconds(1)).ok(), true) << "to the second";
  EXPECT_EQ(can_change_entry(other(), kDraft, c, kDuring).error().code, Code::not_found);
  EXPECT_EQ(can_change_entry(organiser(), kDraft, c, kDuring).error().code, Code::not_found) << "organisers read, never change";
  EXPECT_EQ(can_change_entry(anonymous(), kDraft, c, kDuring).error().code, Code::unauthenticated);
  EXPECT_EQ(can_change_entry(other(), kDraft, c, kAfter).error().code, Code::not_found) << "who before when: no hint of the entry";
}

TEST(PolicyEntries, WithdrawingNeedsASubmittedEntryOfOnesOwnBeforeTheDeadline) {
  Call c = open_call();
  EXPECT_TRUE(can_withdraw(owner(), kSubmitted, c, kDuring));
  EXPECT_EQ(can_withdraw(owner(), kDraft, c, kDuring).error().code, Code::not_submitted);
  EXPECT_EQ(can_withdraw(owner(), kSubmitted, c, kAfter).error().code, Code::deadline_passed);
  EXPECT_EQ(can_withdraw(other(), kSubmitted, c, kDuring).error().code, Code::not_found);
}

TEST(PolicyEntries, ApplicantsOfAnAcceptedTypeStartEntriesWhileTheCallIsOpen) {
  Call c = open_call();
  const Category* cat = c.category("cat");
  EXPECT_TRUE(can_create_entry(owner(), c, cat, kDuring));
  EXPECT_EQ(can_create_entry(owner(), c, nullptr, kDuring).error().code, Code::not_found);
  EXPECT_EQ(can_create_entry(organiser(), c, cat, kDuring).error().code, Code::forbidden);
  EXPECT_EQ(can_create_entry(make_actor("g", "", "applicant", "government"), c, cat, kDuring).error().code, Code::not_eligible);
  EXPECT_EQ(can_create_entry(anonymous(), c, cat, kDuring).error().code, Code::unauthenticated);
  EXPECT_EQ(can_create_entry(owner(), c, cat, kAfter).error().code, Code::deadline_passed);
  EXPECT_EQ(can_create_entry(owner(), c, cat, kBefore).error().code, Code::not_open);
}

TEST(PolicyEntries, OwnsEntryIsTheOwnerAlone) {
  EXPECT_TRUE(owns_entry(owner(), kDraft));
  EXPECT_FALSE(owns_entry(organiser(), kDraft));
  EXPECT_FALSE(owns_entry(other(), kDraft));
}

TEST(PolicyUploads, AnUnfinishedUploadIsItsOwnersAlone) {
  EXPECT_TRUE(can_use_upload(owner(), "u-a"));
  EXPECT_FALSE(can_use_upload(organiser(), "u-a"));
  EXPECT_FALSE(can_use_upload(other(), "u-a"));
  EXPECT_FALSE(can_use_upload(anonymous(), ""));
}

TEST(PolicyOrganisers, OnlyOrganisersManageCalls) {
  EXPECT_TRUE(can_manage_calls(organiser()));
  EXPECT_EQ(can_manage_calls(owner()).error().code, Code::forbidden);
  EXPECT_EQ(can_manage_calls(anonymous()).error().code, Code::unauthenticated);
}

}  // namespace
}  // namespace laurel
