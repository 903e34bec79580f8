// Automatic reviewer assignment (issue 13, point 3): which expert reviews which entry, as a
// minimum-cost flow solved by LEMON's NetworkSimplex. Pure: the service gathers the round's
// entries, the experts' remaining loads and the candidate pairs (conflicts, category and
// committee restrictions already removed, affinities already computed) and asks for a proposal;
// nothing here reads or writes the database.
//
// The model: source → entry (capacity: the reviews the entry still wants), entry → expert (one
// arc per candidate pair, capacity 1, cost below), expert → sink (capacity: the expert's remaining
// load). First the most reviews that can be assigned at all (a maximum flow, LEMON's Preflow),
// then, among the assignments with that many reviews, the one of least total cost (NetworkSimplex
// with exactly that flow from source to sink). So an entry is left short only when no other
// choice would assign more reviews in total; a better affinity never costs a review.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace laurel {

// An expert's bid on an entry.
enum class Bid : std::uint8_t { none, eager, willing, not_willing };

// The cost of a pair: round(kAffinityScale × (1 − affinity)), plus kEagerBonus (negative) for an
// eager bid or kNotWillingPenalty for a not-willing one; no bid and willing add nothing.
// Affinity 0.9 with no bid costs 100; eager, -150; not willing, 5100. The bonus is worth 0.25 of
// affinity; the penalty costs as much as five pairs of affinity 0, so a not-willing expert is used
// only when the same number of reviews cannot be reached otherwise or only at a cost as high as
// five pairs of no affinity. Reviews still come first: a not-willing pair is used rather than
// leave a review out.
inline constexpr long long kAffinityScale = 1000;
inline constexpr long long kEagerBonus = -250;
inline constexpr long long kNotWillingPenalty = 5000;
long long assignment_cost(double affinity, Bid bid);

// An entry to review: its id and how many more reviews it should get (the round's k minus the
// reviews it already has).
struct AssignmentEntry {
  std::string id;
  int wanted = 0;
};

// An expert: their id and how many more reviews they may take in the round (their maximum load
// minus the reviews they already have).
struct AssignmentExpert {
  std::string id;
  int capacity = 0;
};

// A pair the expert may review: indexes into AssignmentProblem::entries and ::experts (not ids,
// so four million pairs take 24 bytes each), the affinity in [0, 1], the expert's bid.
struct Candidate {
  std::uint32_t entry = 0, expert = 0;
  double affinity = 0;
  Bid bid = Bid::none;
};

// A pair already assigned (indexes as in Candidate): never proposed again.
struct ExistingAssignment {
  std::uint32_t entry = 0, expert = 0;
};

struct AssignmentProblem {
  std::vector<AssignmentEntry> entries;
  std::vector<AssignmentExpert> experts;
  std::vector<Candidate> candidates;     // each (entry, expert) at most once
  std::vector<ExistingAssignment> existing;
};

// Why an entry gets fewer reviews than it wants, checked in this order:
//   no_candidates            — no candidate expert at all (after removing existing pairs);
//   fewer_candidates         — fewer candidate experts than the reviews it wants;
//   candidates_at_full_load  — enough candidates, but every one it did not get is at full load
//                              (a maximum flow guarantees it: a candidate with load to spare
//                              would have given it one more review).
enum class ShortReason { no_candidates, fewer_candidates, candidates_at_full_load };
// "no-candidates", "fewer-candidates-than-k", "candidates-at-full-load" (the API's `reason`).
std::string_view short_reason_code(ShortReason r);

struct ProposedAssignment {
  std::uint32_t entry = 0, expert = 0;  // indexes into the problem's entries and experts
  double affinity = 0;
  Bid bid = Bid::none;
};

struct ShortEntry {
  std::uint32_t entry = 0;  // index into the problem's entries
  int wanted = 0, assigned = 0;
  ShortReason reason = ShortReason::no_candidates;
};

struct AssignmentProposal {
  std::vector<ProposedAssignment> assignments;  // by entry, then expert (indexes)
  double total_affinity = 0;                    // Σ affinity over the assignments
  long long total_cost = 0;                     // Σ assignment_cost over the assignments
  std::vector<int> loads;                       // per expert (index), reviews proposed
  std::vector<ShortEntry> short_entries;        // entries given fewer than `wanted`, by index
};

// The optimal proposal: the most reviews possible, then the least total cost. Every proposed pair
// is a candidate and not an existing pair; no entry gets an expert twice nor more than `wanted`;
// no expert more than `capacity`. Refuses (Code::internal, "error.internal" with {detail}) a
// problem it cannot trust: an index out of range, an affinity outside [0, 1] or NaN, a negative
// `wanted` or `capacity`, the same pair twice among the candidates, more than 2^31 arcs.
// 20,000 entries × 20,000 experts, 200 candidates each (4 million pairs): 2.6–3.6 s on this
// 2-core machine, up to 13 s while other builds run, 385 MiB peak for the whole process
// (bench/assignment, docs/performance.md).
Result<AssignmentProposal> propose_assignment(const AssignmentProblem& problem);

}  // namespace laurel
