// Recommending units (core/units.h): the chain up to the top, sub-trees, moves that would make a
// cycle, who may see and manage a unit, recommendation codes, the excellent-organisation score.
#include <gtest/gtest.h>

#include <chrono>

#include "core/units.h"

namespace laurel {
namespace {

using namespace std::chrono;

// national → province → {education department → {univ A, univ B}, city bureau}; and a second
// top-level unit with no children.
UnitTree tree() {
  UnitTree t;
  auto add = [&](std::string id, std::optional<std::string> parent, std::string kind) {
    t[id] = Unit{id, id + "-zh", id + "-en", kind, parent, false};
  };
  add("national", std::nullopt, "national-office");
  add("province", "national", "provincial-office");
  add("edu", "province", "department");
  add("univ-a", "edu", "university");
  add("univ-b", "edu", "university");
  add("city", "province", "city-bureau");
  add("other-top", std::nullopt, "enterprise-group");
  return t;
}

Actor person(std::string id) { return make_actor(std::move(id), "", "applicant", ""); }
Actor organiser() { return make_actor("org", "", "admin", ""); }

TEST(UnitTreeChain, GoesFromTheUnitUpToTheTop) {
  auto t = tree();
  EXPECT_EQ(unit_chain(t, "univ-a"), (std::vector<std::string>{"univ-a", "edu", "province", "national"}));
  EXPECT_EQ(unit_chain(t, "national"), (std::vector<std::string>{"national"}));
  EXPECT_TRUE(unit_chain(t, "missing").empty());
}

TEST(UnitTreeChain, AStoredCycleEndsTheWalkInsteadOfLooping) {
  auto t = tree();
  t["national"].parent = "univ-a";  // never written by the service; stored data must still not hang us
  auto c = unit_chain(t, "univ-a");
  EXPECT_EQ(c.size(), 4u);
}

TEST(UnitTreeSubtree, HoldsTheUnitAndEveryUnitBelowIt) {
  auto t = tree();
  auto s = unit_subtree(t, "province");
  std::sort(s.begin(), s.end());
  EXPECT_EQ(s, (std::vector<std::string>{"city", "edu", "province", "univ-a", "univ-b"}));
  EXPECT_EQ(unit_subtree(t, "univ-b"), (std::vector<std::string>{"univ-b"}));
  EXPECT_TRUE(unit_subtree(t, "missing").empty());
}

TEST(UnitTreeMove, UnderItselfOrADescendantIsACycleAnywhereElseIsNot) {
  auto t = tree();
  EXPECT_TRUE(would_cycle(t, "province", std::string("province")));
  EXPECT_TRUE(would_cycle(t, "province", std::string("univ-a")));
  EXPECT_TRUE(would_cycle(t, "national", std::string("city")));
  EXPECT_FALSE(would_cycle(t, "univ-a", std::string("city")));
  EXPECT_FALSE(would_cycle(t, "edu", std::string("other-top")));
  EXPECT_FALSE(would_cycle(t, "province", std::nullopt));  // to the top level
}

TEST(UnitKinds, TheEightKindsOfTheIssueAndNothingElse) {
  for (auto k : kUnitKinds) EXPECT_TRUE(valid_unit_kind(k)) << k;
  EXPECT_FALSE(valid_unit_kind("University"));
  EXPECT_FALSE(valid_unit_kind(""));
}

TEST(UnitPolicy, MembersOfTheUnitOrAnyUnitAboveSeeItOthersGetNotFound) {
  auto t = tree();
  auto chain = unit_chain(t, "univ-a");
  std::vector<UnitRole> province_member{{"province", false}};
  std::vector<UnitRole> sibling_manager{{"univ-b", true}};
  std::vector<UnitRole> child_manager{{"univ-a", true}};
  EXPECT_TRUE(can_view_unit(person("p"), province_member, chain));
  EXPECT_TRUE(can_view_unit(person("u"), child_manager, chain));
  EXPECT_TRUE(can_view_unit(organiser(), {}, chain));
  EXPECT_EQ(can_view_unit(person("s"), sibling_manager, chain).error().code, Code::not_found);
  EXPECT_EQ(can_view_unit(person("x"), {}, chain).error().code, Code::not_found);
  EXPECT_EQ(can_view_unit(Actor{}, {}, chain).error().code, Code::unauthenticated);
  // A unit below never sees the one above it.
  EXPECT_EQ(can_view_unit(person("u"), child_manager, unit_chain(t, "edu")).error().code, Code::not_found);
  // An unknown unit is not found, even for organisers.
  EXPECT_EQ(can_view_unit(organiser(), {}, {}).error().code, Code::not_found);
}

TEST(UnitPolicy, ManagersOfTheUnitOrAnyUnitAboveManageItAPlainMemberIsForbidden) {
  auto t = tree();
  auto chain = unit_chain(t, "univ-a");
  EXPECT_TRUE(can_manage_unit(person("m"), {{"province", true}}, chain));
  EXPECT_TRUE(can_manage_unit(person("m"), {{"univ-a", true}}, chain));
  EXPECT_TRUE(can_manage_unit(organiser(), {}, chain));
  EXPECT_EQ(can_manage_unit(person("p"), {{"province", false}}, chain).error().code, Code::forbidden);
  // A manager somewhere else and a plain member here: the membership here decides (forbidden, not hidden).
  EXPECT_EQ(can_manage_unit(person("p"), {{"univ-b", true}, {"edu", false}}, chain).error().code, Code::forbidden);
  EXPECT_EQ(can_manage_unit(person("s"), {{"univ-b", true}}, chain).error().code, Code::not_found);
}

const Instant kNow = Instant{sys_days{year{2025} / 5 / 1}.time_since_epoch()};

TEST(RecommendationCodes, AGoodCodeForItsCallPasses) {
  RecommendationCode k{"R-AAAA-BBBB", "univ-a", "call", std::nullopt, std::nullopt, 0};
  EXPECT_TRUE(check_code(k, "call", kNow, false));
}

TEST(RecommendationCodes, OtherCallExpiredExhaustedOrArchivedUnitEachSaySo) {
  RecommendationCode k{"R-AAAA-BBBB", "univ-a", "call", kNow + seconds(60), 2LL, 0};
  auto reason = [&](const RecommendationCode& code, const std::string& call, Instant now, bool archived) {
    auto st = check_code(code, call, now, archived);
    EXPECT_FALSE(st);
    if (st) return std::string();
    EXPECT_EQ(st.error().code, Code::invalid);
    return st.error().fields.at("recommendation_code").key;
  };
  EXPECT_EQ(reason(k, "another-call", kNow, false), "rule.code_other_call");
  EXPECT_EQ(reason(k, "call", kNow, true), "rule.code_unit_archived");
  EXPECT_EQ(reason(k, "call", kNow + seconds(60), false), "rule.code_expired");  // the expiry instant itself: expired
  EXPECT_TRUE(check_code(k, "call", kNow + seconds(59), false));
  k.uses = 2;
  EXPECT_EQ(reason(k, "call", kNow, false), "rule.code_exhausted");
  k.uses = 1;
  EXPECT_TRUE(check_code(k, "call", kNow, false));
}

TEST(RecommendationCodes, TypedCodesAreUpperCasedAndLoseWhiteSpace) {
  EXPECT_EQ(normalise_code(" r-7k3m q9xd\n"), "R-7K3MQ9XD");
  EXPECT_EQ(normalise_code("R-ABCD-EFGH"), "R-ABCD-EFGH");
  EXPECT_EQ(normalise_code("  "), "");
}

TEST(OrganisationRanking, TheDefaultFormulaWeighsSelectedFiveAndWinnersTen) {
  RankingWeights w;
  EXPECT_DOUBLE_EQ(organisation_score(w, 12, 3, 1), 12 + 15 + 10);
  EXPECT_DOUBLE_EQ(organisation_score(w, 0, 0, 0), 0);
  EXPECT_EQ(ranking_formula(w), "submitted × 1 + selected × 5 + winners × 10");
}

TEST(OrganisationRanking, WeightsAreConfigurableAndShownAsGiven) {
  RankingWeights w{2, 0.5, 0};
  EXPECT_DOUBLE_EQ(organisation_score(w, 10, 4, 7), 20 + 2);
  EXPECT_EQ(ranking_formula(w), "submitted × 2 + selected × 0.5 + winners × 0");
}

}  // namespace
}  // namespace laurel
