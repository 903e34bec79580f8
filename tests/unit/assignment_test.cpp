// Reviewer assignment (core/assignment.h): the cost of a pair, small instances worked out by
// hand (more reviews beat better affinity; then the cheapest), bids, existing pairs, the reasons
// an entry is short, refused input, the constraints on many random instances, and optimality
// against brute-force enumeration on small random ones.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <unordered_set>

#include "core/assignment.h"

namespace laurel {
namespace {

AssignmentProblem problem(std::vector<int> wanted, std::vector<int> capacity, std::vector<Candidate> candidates,
                          std::vector<ExistingAssignment> existing = {}) {
  AssignmentProblem p;
  for (size_t e = 0; e < wanted.size(); ++e) p.entries.push_back({"e" + std::to_string(e), wanted[e]});
  for (size_t x = 0; x < capacity.size(); ++x) p.experts.push_back({"x" + std::to_string(x), capacity[x]});
  p.candidates = std::move(candidates);
  p.existing = std::move(existing);
  return p;
}

std::set<std::pair<std::uint32_t, std::uint32_t>> pairs_of(const AssignmentProposal& a) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& x : a.assignments) out.emplace(x.entry, x.expert);
  return out;
}

using Pairs = std::set<std::pair<std::uint32_t, std::uint32_t>>;

// Every rule a proposal must keep; fails the test with the first one broken.
void expect_constraints(const AssignmentProblem& p, const AssignmentProposal& a) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> cand, exist, seen;
  std::map<std::pair<std::uint32_t, std::uint32_t>, const Candidate*> by_pair;
  for (const auto& c : p.candidates) {
    cand.emplace(c.entry, c.expert);
    by_pair[{c.entry, c.expert}] = &c;
  }
  for (const auto& x : p.existing) exist.emplace(x.entry, x.expert);
  std::vector<int> per_entry(p.entries.size()), per_expert(p.experts.size());
  double affinity = 0;
  long long cost = 0;
  for (const auto& x : a.assignments) {
    ASSERT_TRUE(cand.count({x.entry, x.expert})) << "not a candidate: " << x.entry << "," << x.expert;
    ASSERT_FALSE(exist.count({x.entry, x.expert})) << "already assigned: " << x.entry << "," << x.expert;
    ASSERT_TRUE(seen.emplace(x.entry, x.expert).second) << "twice: " << x.entry << "," << x.expert;
    EXPECT_EQ(x.affinity, (by_pair[{x.entry, x.expert}]->affinity));
    ++per_entry[x.entry];
    ++per_expert[x.expert];
    affinity += x.affinity;
    cost += assignment_cost(x.affinity, x.bid);
  }
  for (size_t e = 0; e < p.entries.size(); ++e) ASSERT_LE(per_entry[e], p.entries[e].wanted) << "entry " << e;
  ASSERT_EQ(a.loads.size(), p.experts.size());
  for (size_t x = 0; x < p.experts.size(); ++x) {
    ASSERT_LE(per_expert[x], p.experts[x].capacity) << "expert " << x;
    ASSERT_EQ(a.loads[x], per_expert[x]);
  }
  EXPECT_NEAR(a.total_affinity, affinity, 1e-9);
  EXPECT_EQ(a.total_cost, cost);
  // The short entries: exactly those given fewer than wanted, each with a true reason.
  std::set<std::uint32_t> short_ones;
  for (const auto& s : a.short_entries) {
    short_ones.insert(s.entry);
    EXPECT_EQ(s.wanted, p.entries[s.entry].wanted);
    EXPECT_EQ(s.assigned, per_entry[s.entry]);
    EXPECT_LT(s.assigned, s.wanted);
    int n = 0;
    for (const auto& c : p.candidates) n += c.entry == s.entry && !exist.count({c.entry, c.expert});
    switch (s.reason) {
      case ShortReason::no_candidates: EXPECT_EQ(n, 0); break;
      case ShortReason::fewer_candidates: EXPECT_GT(n, 0); EXPECT_LT(n, s.wanted); break;
      case ShortReason::candidates_at_full_load: EXPECT_GE(n, s.wanted); break;
    }
    // Maximum flow: every candidate expert the short entry did not get is at full load.
    for (const auto& c : p.candidates) {
      if (c.entry == s.entry && !exist.count({c.entry, c.expert}) && !seen.count({c.entry, c.expert})) {
        EXPECT_EQ(per_expert[c.expert], p.experts[c.expert].capacity) << "entry " << s.entry << " expert " << c.expert;
      }
    }
  }
  for (size_t e = 0; e < p.entries.size(); ++e)
    EXPECT_EQ(short_ones.count(static_cast<std::uint32_t>(e)) == 1, per_entry[e] < p.entries[e].wanted) << "entry " << e;
}

AssignmentProposal solve(const AssignmentProblem& p) {
  auto r = propose_assignment(p);
  EXPECT_TRUE(r) << (r ? "" : r.error().message.params.at("detail"));
  if (!r) return {};
  expect_constraints(p, *r);
  return *r;
}

// ---- the cost ----

TEST(AssignmentCost, IsScaledOneMinusAffinityAdjustedByTheBid) {
  EXPECT_EQ(assignment_cost(1.0, Bid::none), 0);
  EXPECT_EQ(assignment_cost(0.0, Bid::none), 1000);
  EXPECT_EQ(assignment_cost(0.9, Bid::none), 100);
  EXPECT_EQ(assignment_cost(0.9, Bid::willing), 100);
  EXPECT_EQ(assignment_cost(0.9, Bid::eager), -150);
  EXPECT_EQ(assignment_cost(0.9, Bid::not_willing), 5100);
  EXPECT_EQ(assignment_cost(0.1234, Bid::none), 877);  // round(876.6)
  // Not willing weighs more than any five pairs without bids.
  EXPECT_GE(assignment_cost(1.0, Bid::not_willing), 5 * assignment_cost(0.0, Bid::none));
}

TEST(AssignmentCost, ReasonCodes) {
  EXPECT_EQ(short_reason_code(ShortReason::no_candidates), "no-candidates");
  EXPECT_EQ(short_reason_code(ShortReason::fewer_candidates), "fewer-candidates-than-k");
  EXPECT_EQ(short_reason_code(ShortReason::candidates_at_full_load), "candidates-at-full-load");
}

// ---- small instances by hand ----

TEST(AssignmentSmall, MoreReviewsBeatBetterAffinity) {
  // e0 may have x0 (0.9) or x1 (0.1); e1 only x0 (0.5); each wants 1, each expert takes 1.
  // Greedy by affinity would give e0 x0 and leave e1 without a review; the optimum gives both.
  auto a = solve(problem({1, 1}, {1, 1}, {{0, 0, 0.9}, {0, 1, 0.1}, {1, 0, 0.5}}));
  EXPECT_EQ(pairs_of(a), (Pairs{{0, 1}, {1, 0}}));
  EXPECT_TRUE(a.short_entries.empty());
  EXPECT_NEAR(a.total_affinity, 0.6, 1e-12);
  EXPECT_EQ(a.total_cost, 900 + 500);
}

TEST(AssignmentSmall, ThenTheLeastCost) {
  // e0–x0 0.9, e0–x1 0.8, e1–x0 0.8, e1–x1 0.1. Both ways assign two reviews:
  // {e0x0, e1x1} costs 100 + 900 = 1000; {e0x1, e1x0} costs 200 + 200 = 400 — the second.
  auto a = solve(problem({1, 1}, {1, 1}, {{0, 0, 0.9}, {0, 1, 0.8}, {1, 0, 0.8}, {1, 1, 0.1}}));
  EXPECT_EQ(pairs_of(a), (Pairs{{0, 1}, {1, 0}}));
  EXPECT_EQ(a.total_cost, 400);
  EXPECT_NEAR(a.total_affinity, 1.6, 1e-12);
  EXPECT_EQ(a.loads, (std::vector<int>{1, 1}));
  // Sorted by entry, then expert; ids are the problem's.
  ASSERT_EQ(a.assignments.size(), 2u);
  EXPECT_EQ(a.assignments[0].entry, 0u);
  EXPECT_EQ(a.assignments[1].entry, 1u);
}

TEST(AssignmentSmall, AnEagerBidTipsTheBalanceAndNotWillingIsAvoided) {
  // One entry, one review; x0 affinity 0.8, x1 affinity 0.6.
  EXPECT_EQ(pairs_of(solve(problem({1}, {1, 1}, {{0, 0, 0.8}, {0, 1, 0.6}}))), (Pairs{{0, 0}}));
  // x1 eager: 400 − 250 = 150 < 200.
  EXPECT_EQ(pairs_of(solve(problem({1}, {1, 1}, {{0, 0, 0.8}, {0, 1, 0.6, Bid::eager}}))), (Pairs{{0, 1}}));
  // x0 not willing even at affinity 1: 5000 > 1000 (x1 at affinity 0).
  EXPECT_EQ(pairs_of(solve(problem({1}, {1, 1}, {{0, 0, 1.0, Bid::not_willing}, {0, 1, 0.0}}))), (Pairs{{0, 1}}));
  // But a not-willing expert is still used rather than leave a review out.
  auto a = solve(problem({2}, {1, 1}, {{0, 0, 1.0, Bid::not_willing}, {0, 1, 0.0}}));
  EXPECT_EQ(pairs_of(a), (Pairs{{0, 0}, {0, 1}}));
  EXPECT_EQ(a.assignments[0].bid, Bid::not_willing);
}

TEST(AssignmentSmall, LoadsAndWantedAreRespected) {
  // Three entries want 2 each; two experts of load 2 (4 reviews at most); all pairs candidates.
  std::vector<Candidate> c;
  for (std::uint32_t e = 0; e < 3; ++e)
    for (std::uint32_t x = 0; x < 2; ++x) c.push_back({e, x, 0.5 + 0.1 * e});
  auto a = solve(problem({2, 2, 2}, {2, 2}, c));
  EXPECT_EQ(a.assignments.size(), 4u);
  EXPECT_EQ(a.loads, (std::vector<int>{2, 2}));
  // The cheapest four: e2 (0.7) and e1 (0.6) get both experts; e0 (0.5) none.
  EXPECT_EQ(pairs_of(a), (Pairs{{1, 0}, {1, 1}, {2, 0}, {2, 1}}));
  ASSERT_EQ(a.short_entries.size(), 1u);
  EXPECT_EQ(a.short_entries[0].entry, 0u);
  EXPECT_EQ(a.short_entries[0].assigned, 0);
  EXPECT_EQ(a.short_entries[0].reason, ShortReason::candidates_at_full_load);
}

TEST(AssignmentSmall, ExistingPairsAreNotProposedAgain) {
  // e0 already has x0; it wants one more (k − 1). x0 is the best candidate but already there.
  auto a = solve(problem({1}, {3, 3}, {{0, 0, 0.99}, {0, 1, 0.2}}, {{0, 0}}));
  EXPECT_EQ(pairs_of(a), (Pairs{{0, 1}}));
  // With only the existing pair as a candidate, the entry has no candidate left.
  auto b = solve(problem({1}, {3}, {{0, 0, 0.99}}, {{0, 0}}));
  EXPECT_TRUE(b.assignments.empty());
  ASSERT_EQ(b.short_entries.size(), 1u);
  EXPECT_EQ(b.short_entries[0].reason, ShortReason::no_candidates);
}

TEST(AssignmentSmall, NothingToDo) {
  auto a = solve(problem({}, {}, {}));
  EXPECT_TRUE(a.assignments.empty());
  EXPECT_TRUE(a.short_entries.empty());
  auto b = solve(problem({0, 0}, {2}, {{0, 0, 0.5}}));  // nobody wants a review: nobody is short
  EXPECT_TRUE(b.assignments.empty());
  EXPECT_TRUE(b.short_entries.empty());
  EXPECT_EQ(b.loads, (std::vector<int>{0}));
}

// ---- why an entry is short ----

TEST(AssignmentShort, EachReason) {
  // e0: no candidate. e1: wants 3, two candidates (x0, x1): gets 2, fewer than k.
  // e2: wants 2, candidates x2, x3 but both have no load left: at full load.
  // e3: wants 2, candidates x0, x4; x0 is taken by e1 (its load is 1), x4 free: gets x4 only,
  //     and x0 is at full load.
  auto p = problem({3, 3, 2, 2}, {1, 1, 0, 0, 1},
                   {{1, 0, 0.5}, {1, 1, 0.5}, {2, 2, 0.9}, {2, 3, 0.9}, {3, 0, 0.1}, {3, 4, 0.7}});
  auto a = solve(p);
  ASSERT_EQ(a.short_entries.size(), 4u);
  EXPECT_EQ(a.short_entries[0].entry, 0u);
  EXPECT_EQ(a.short_entries[0].reason, ShortReason::no_candidates);
  EXPECT_EQ(a.short_entries[0].assigned, 0);
  EXPECT_EQ(a.short_entries[1].reason, ShortReason::fewer_candidates);
  EXPECT_EQ(a.short_entries[2].reason, ShortReason::candidates_at_full_load);
  EXPECT_EQ(a.short_entries[2].assigned, 0);
  EXPECT_EQ(a.short_entries[3].reason, ShortReason::candidates_at_full_load);
  EXPECT_EQ(a.short_entries[3].wanted, 2);
  EXPECT_EQ(a.short_entries[3].assigned, 1);
  // e1 and e3 both want x0; either way three reviews in all, and x0 with e1 costs 500 against
  // 900 with e3.
  EXPECT_EQ(pairs_of(a), (Pairs{{1, 0}, {1, 1}, {3, 4}}));
}

// ---- refused input ----

TEST(AssignmentInput, RefusesWhatItCannotTrust) {
  auto refused = [](const AssignmentProblem& p) {
    auto r = propose_assignment(p);
    if (r) return std::string("accepted");
    EXPECT_EQ(r.error().code, Code::internal);
    return r.error().message.params.at("detail");
  };
  EXPECT_NE(refused(problem({1}, {1}, {{1, 0, 0.5}})), "accepted");                   // entry index
  EXPECT_NE(refused(problem({1}, {1}, {{0, 1, 0.5}})), "accepted");                   // expert index
  EXPECT_NE(refused(problem({1}, {1}, {{0, 0, 1.5}})), "accepted");                   // affinity > 1
  EXPECT_NE(refused(problem({1}, {1}, {{0, 0, -0.1}})), "accepted");                  // affinity < 0
  EXPECT_NE(refused(problem({1}, {1}, {{0, 0, std::nan("")}})), "accepted");         // NaN
  EXPECT_NE(refused(problem({-1}, {1}, {{0, 0, 0.5}})), "accepted");                  // negative wanted
  EXPECT_NE(refused(problem({1}, {-1}, {{0, 0, 0.5}})), "accepted");                  // negative load
  EXPECT_NE(refused(problem({1}, {1}, {{0, 0, 0.5}}, {{0, 3}})), "accepted");         // existing index
  EXPECT_EQ(refused(problem({1}, {2, 2}, {{0, 1, 0.5}, {0, 0, 0.1}, {0, 1, 0.7}})),   // a pair twice
            "the pair (e0, x1) is a candidate twice");
  // A duplicate of an existing pair is dropped with it, not refused.
  EXPECT_EQ(refused(problem({1}, {2, 2}, {{0, 1, 0.5}, {0, 1, 0.7}, {0, 0, 0.1}}, {{0, 1}})), "accepted");
}

// ---- random instances ----

AssignmentProblem random_problem(std::mt19937_64& rng, int entries, int experts, double density, int max_k,
                                 int max_load, double existing_share = 0.1) {
  std::uniform_int_distribution<int> k(0, max_k), load(0, max_load);
  std::uniform_real_distribution<double> unit(0, 1);
  AssignmentProblem p;
  for (int e = 0; e < entries; ++e) p.entries.push_back({"e" + std::to_string(e), k(rng)});
  for (int x = 0; x < experts; ++x) p.experts.push_back({"x" + std::to_string(x), load(rng)});
  for (int e = 0; e < entries; ++e)
    for (int x = 0; x < experts; ++x) {
      if (unit(rng) >= density) continue;
      double b = unit(rng);
      Bid bid = b < 0.1 ? Bid::eager : b < 0.2 ? Bid::not_willing : b < 0.4 ? Bid::willing : Bid::none;
      double aff = std::round(unit(rng) * 100) / 100;
      p.candidates.push_back({static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(x), aff, bid});
      if (unit(rng) < existing_share) p.existing.push_back({static_cast<std::uint32_t>(e), static_cast<std::uint32_t>(x)});
    }
  std::shuffle(p.candidates.begin(), p.candidates.end(), rng);  // the solver must not rely on the order
  return p;
}

TEST(AssignmentRandom, ConstraintsAlwaysHold) {
  std::mt19937_64 rng(20261130);
  for (int round = 0; round < 300; ++round) {
    std::uniform_int_distribution<int> size(1, 40);
    std::uniform_real_distribution<double> density(0.02, 0.9);
    auto p = random_problem(rng, size(rng), size(rng), density(rng), 4, 6);
    SCOPED_TRACE("round " + std::to_string(round));
    solve(p);
    if (HasFatalFailure()) return;
  }
}

TEST(AssignmentRandom, ConstraintsHoldOnALargerInstance) {
  std::mt19937_64 rng(7);
  auto p = random_problem(rng, 600, 300, 0.05, 3, 6, 0.02);
  auto a = solve(p);
  // About 900 reviews wanted (k 0–3) and 900 places (loads 0–6): most are filled.
  EXPECT_GT(a.assignments.size(), 700u);
}

// The best (most reviews, then least cost) by trying every subset of the usable candidates.
std::pair<int, long long> brute_force(const AssignmentProblem& p) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> exist;
  for (const auto& x : p.existing) exist.emplace(x.entry, x.expert);
  std::vector<const Candidate*> usable;
  for (const auto& c : p.candidates)
    if (!exist.count({c.entry, c.expert})) usable.push_back(&c);
  const size_t n = usable.size();
  std::pair<int, long long> best{0, 0};
  std::vector<int> per_entry(p.entries.size()), per_expert(p.experts.size());
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    std::fill(per_entry.begin(), per_entry.end(), 0);
    std::fill(per_expert.begin(), per_expert.end(), 0);
    int count = 0;
    long long cost = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; ++i) {
      if (!(mask >> i & 1)) continue;
      const auto& c = *usable[i];
      ok = ++per_entry[c.entry] <= p.entries[c.entry].wanted && ++per_expert[c.expert] <= p.experts[c.expert].capacity;
      ++count;
      cost += assignment_cost(c.affinity, c.bid);
    }
    if (!ok) continue;
    if (count > best.first || (count == best.first && cost < best.second)) best = {count, cost};
  }
  return best;
}

TEST(AssignmentRandom, OptimalAgainstBruteForce) {
  std::mt19937_64 rng(42);
  int checked = 0;
  for (int round = 0; checked < 400; ++round) {
    std::uniform_int_distribution<int> size(1, 5);
    auto p = random_problem(rng, size(rng), size(rng), 0.6, 3, 2, 0.15);
    size_t usable = p.candidates.size() - p.existing.size();
    if (usable > 14) continue;  // 2^14 subsets at most
    ++checked;
    SCOPED_TRACE("round " + std::to_string(round));
    auto a = solve(p);
    auto [count, cost] = brute_force(p);
    ASSERT_EQ(static_cast<int>(a.assignments.size()), count);
    ASSERT_EQ(a.total_cost, cost);
  }
}

}  // namespace
}  // namespace laurel
