// bench/assignment's program (built by CMake as `bench_assignment`, not part of ctest): the
// reviewer assignment of issue 13 on a random instance of ENTRIES entries × EXPERTS experts,
// CANDIDATES random candidate experts per entry (affinity uniform in [0, 1]; 5 % eager, 20 %
// willing, 3 % not-willing bids), k = K reviews per entry, loads uniform in LOAD_MIN–LOAD_MAX.
// Prints the solve time, the peak RSS of the process (getrusage ru_maxrss), the constraints
// checked on the answer, then the same problem at 200 × 100 against the LP optimum from GLPK.
// Arguments: key=value pairs (ENTRIES=20000 EXPERTS=20000 CANDIDATES=200 K=3 LOAD_MIN=3 LOAD_MAX=6
// SEED=1 LP_ENTRIES=200 LP_EXPERTS=100 LP_CANDIDATES=20 JSON=path).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <unordered_set>

#include "../../tests/unit/assignment_lp.h"
#include "core/assignment.h"

using namespace laurel;

namespace {

struct Params {
  long entries = 20000, experts = 20000, candidates = 200, k = 3, load_min = 3, load_max = 6, seed = 1;
  long lp_entries = 200, lp_experts = 100, lp_candidates = 20;
  std::string json;
};

AssignmentProblem random_problem(long entries, long experts, long per_entry, long k, long load_min, long load_max,
                                 std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  AssignmentProblem p;
  p.entries.reserve(entries);
  for (long e = 0; e < entries; ++e) p.entries.push_back({"E" + std::to_string(e), static_cast<int>(k)});
  std::uniform_int_distribution<int> load(static_cast<int>(load_min), static_cast<int>(load_max));
  for (long x = 0; x < experts; ++x) p.experts.push_back({"X" + std::to_string(x), load(rng)});
  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(experts - 1));
  std::uniform_real_distribution<double> unit(0, 1);
  p.candidates.reserve(static_cast<size_t>(entries * std::min(per_entry, experts)));
  std::unordered_set<std::uint32_t> seen;
  for (long e = 0; e < entries; ++e) {
    seen.clear();
    while (static_cast<long>(seen.size()) < std::min(per_entry, experts)) {
      std::uint32_t x = pick(rng);
      if (!seen.insert(x).second) continue;
      double b = unit(rng);
      Bid bid = b < 0.05 ? Bid::eager : b < 0.25 ? Bid::willing : b < 0.28 ? Bid::not_willing : Bid::none;
      p.candidates.push_back({static_cast<std::uint32_t>(e), x, std::round(unit(rng) * 1000) / 1000, bid});
    }
  }
  return p;
}

// The constraints every proposal must meet; the number broken (0 expected).
long broken(const AssignmentProblem& p, const AssignmentProposal& a) {
  long bad = 0;
  std::unordered_set<std::uint64_t> cand, seen;
  for (const auto& c : p.candidates) cand.insert((std::uint64_t{c.entry} << 32) | c.expert);
  std::vector<int> per_entry(p.entries.size()), per_expert(p.experts.size());
  for (const auto& x : a.assignments) {
    std::uint64_t key = (std::uint64_t{x.entry} << 32) | x.expert;
    bad += !cand.count(key) + !seen.insert(key).second;
    ++per_entry[x.entry];
    ++per_expert[x.expert];
  }
  for (size_t e = 0; e < p.entries.size(); ++e) bad += per_entry[e] > p.entries[e].wanted;
  for (size_t x = 0; x < p.experts.size(); ++x) bad += per_expert[x] > p.experts[x].capacity;
  return bad;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The machine's load averages (1, 5, 15 min) from /proc/loadavg: other work shares the CPUs.
std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace

int main(int argc, char** argv) {
  Params P;
  std::map<std::string, long*> nums{{"ENTRIES", &P.entries},       {"EXPERTS", &P.experts},   {"CANDIDATES", &P.candidates},
                                    {"K", &P.k},                   {"LOAD_MIN", &P.load_min}, {"LOAD_MAX", &P.load_max},
                                    {"SEED", &P.seed},             {"LP_ENTRIES", &P.lp_entries},
                                    {"LP_EXPERTS", &P.lp_experts}, {"LP_CANDIDATES", &P.lp_candidates}};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "bench_assignment: expected KEY=value, got %s\n", a.c_str());
      return 2;
    }
    std::string key = a.substr(0, eq), value = a.substr(eq + 1);
    if (key == "JSON") P.json = value;
    else if (nums.count(key)) *nums[key] = std::stol(value);
    else {
      std::fprintf(stderr, "bench_assignment: unknown key %s\n", key.c_str());
      return 2;
    }
  }

  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  AssignmentProblem big = random_problem(P.entries, P.experts, P.candidates, P.k, P.load_min, P.load_max, P.seed);
  auto t1 = clock::now();
  double rss_input = peak_rss_mib();
  auto proposal = propose_assignment(big);
  auto t2 = clock::now();
  if (!proposal) {
    std::fprintf(stderr, "bench_assignment: refused: %s\n", proposal.error().message.params.at("detail").c_str());
    return 1;
  }
  double gen_s = std::chrono::duration<double>(t1 - t0).count(), solve_s = std::chrono::duration<double>(t2 - t1).count();
  double rss = peak_rss_mib();
  long bad = broken(big, *proposal);
  long wanted = 0;
  for (const auto& e : big.entries) wanted += e.wanted;
  std::printf("instance: %ld entries x %ld experts, %zu candidate pairs, k=%ld, loads %ld-%ld, seed %ld (generated in %.2f s)\n",
              P.entries, P.experts, big.candidates.size(), P.k, P.load_min, P.load_max, P.seed, gen_s);
  std::printf("solve: %.2f s; peak RSS %.0f MiB (%.0f MiB after generating the input); load average %s\n", solve_s, rss,
              rss_input, loadavg().c_str());
  std::printf("answer: %zu of %ld reviews assigned, %zu entries short, total affinity %.3f, total cost %lld, constraints broken: %ld\n",
              proposal->assignments.size(), wanted, proposal->short_entries.size(), proposal->total_affinity,
              proposal->total_cost, bad);

  AssignmentProblem small =
      random_problem(P.lp_entries, P.lp_experts, P.lp_candidates, P.k, P.load_min, P.load_max, P.seed + 1);
  auto t3 = clock::now();
  auto small_answer = propose_assignment(small);
  auto t4 = clock::now();
  lp::LpOptimum lp = lp::solve_assignment_lp(small);
  auto t5 = clock::now();
  if (!small_answer) return 1;
  bool same = std::llround(lp.reviews) == static_cast<long long>(small_answer->assignments.size()) &&
              std::llround(lp.cost) == small_answer->total_cost && std::abs(lp.cost - std::round(lp.cost)) < 1e-6;
  std::printf("LP check (%ld x %ld, %ld candidates each): flow %zu reviews, cost %lld (%.3f s); GLPK %.0f reviews, cost %.3f "
              "(%.3f s, %s): %s\n",
              P.lp_entries, P.lp_experts, P.lp_candidates, small_answer->assignments.size(), small_answer->total_cost,
              std::chrono::duration<double>(t4 - t3).count(), lp.reviews, lp.cost,
              std::chrono::duration<double>(t5 - t4).count(), lp.integral ? "integral" : "fractional",
              same ? "equal" : "DIFFERENT");

  if (!P.json.empty()) {
    std::ofstream j(P.json);
    j.precision(12);
    j << "{\"loadavg\":\"" << loadavg() << "\",\"entries\":" << P.entries << ",\"experts\":" << P.experts << ",\"candidate_pairs\":" << big.candidates.size()
      << ",\"k\":" << P.k << ",\"load_min\":" << P.load_min << ",\"load_max\":" << P.load_max << ",\"seed\":" << P.seed
      << ",\"solve_s\":" << solve_s << ",\"peak_rss_mib\":" << rss << ",\"input_rss_mib\":" << rss_input
      << ",\"assigned\":" << proposal->assignments.size() << ",\"wanted\":" << wanted
      << ",\"short_entries\":" << proposal->short_entries.size() << ",\"total_affinity\":" << proposal->total_affinity
      << ",\"total_cost\":" << proposal->total_cost << ",\"constraints_broken\":" << bad
      << ",\"lp\":{\"entries\":" << P.lp_entries << ",\"experts\":" << P.lp_experts
      << ",\"flow_reviews\":" << small_answer->assignments.size() << ",\"flow_cost\":" << small_answer->total_cost
      << ",\"glpk_reviews\":" << lp.reviews << ",\"glpk_cost\":" << lp.cost << ",\"equal\":" << (same ? "true" : "false")
      << "}}\n";
  }
  return bad == 0 && same ? 0 : 1;
}
