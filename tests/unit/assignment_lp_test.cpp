// Reviewer assignment against an independent solver: on random 200-entry × 100-expert instances
// the proposal's number of reviews and total cost equal the optima of the same problem written as
// a linear programme and solved by GLPK's simplex (tests/unit/assignment_lp.h).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <unordered_set>

#include "assignment_lp.h"
#include "core/assignment.h"

namespace laurel {
namespace {

// 200 entries wanting k = 3, 100 experts of load 3–6 (so about 450 places for 600 reviews: some
// entries must be short), `per_entry` distinct random candidates each, random bids, and a share
// of the candidate pairs already assigned.
AssignmentProblem lp_instance(std::uint64_t seed, int per_entry, double existing_share) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> load(3, 6), expert(0, 99);
  std::uniform_real_distribution<double> unit(0, 1);
  AssignmentProblem p;
  for (int e = 0; e < 200; ++e) p.entries.push_back({"e" + std::to_string(e), 3});
  for (int x = 0; x < 100; ++x) p.experts.push_back({"x" + std::to_string(x), load(rng)});
  for (int e = 0; e < 200; ++e) {
    std::unordered_set<int> seen;
    while (static_cast<int>(seen.size()) < per_entry) {
      int x = expert(rng);
      if (!seen.insert(x).second) continue;
      double b = unit(rng);
      Bid bid = b < 0.05 ? Bid::eager : b < 0.25 ? Bid::willing : b < 0.28 ? Bid::not_willing : Bid::none;
      p.candidates.push_back({static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(x), unit(rng), bid});
      if (unit(rng) < existing_share) p.existing.push_back({static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(x)});
    }
  }
  return p;
}

void expect_lp_optimum(const AssignmentProblem& p) {
  auto a = propose_assignment(p);
  ASSERT_TRUE(a);
  lp::LpOptimum lp = lp::solve_assignment_lp(p);
  EXPECT_TRUE(lp.integral);
  EXPECT_NEAR(lp.reviews, std::round(lp.reviews), 1e-6);
  EXPECT_NEAR(lp.cost, std::round(lp.cost), 1e-6);
  EXPECT_EQ(static_cast<long long>(a->assignments.size()), std::llround(lp.reviews));
  EXPECT_EQ(a->total_cost, std::llround(lp.cost));
}

TEST(AssignmentLp, EqualsTheGlpkOptimum) {
  for (std::uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_lp_optimum(lp_instance(seed, 20, 0));
  }
}

TEST(AssignmentLp, EqualsTheGlpkOptimumWithExistingPairsAndFewCandidates) {
  // Few candidates per entry: many entries short for lack of candidates, not of load.
  for (std::uint64_t seed : {4, 5}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto p = lp_instance(seed, 4, 0.2);
    expect_lp_optimum(p);
    auto a = propose_assignment(p);
    ASSERT_TRUE(a);
    EXPECT_FALSE(a->short_entries.empty());
  }
}

}  // namespace
}  // namespace laurel
