#include "core/assignment.h"

#include <lemon/network_simplex.h>
#include <lemon/preflow.h>
#include <lemon/static_graph.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <unordered_set>
#include <utility>

namespace laurel {

namespace {

Error refuse(std::string detail) { return Error::make(Code::internal, "error.internal", {{"detail", std::move(detail)}}); }

std::uint64_t pair_key(std::uint32_t entry, std::uint32_t expert) {
  return (static_cast<std::uint64_t>(entry) << 32) | expert;
}

}  // namespace

long long assignment_cost(double affinity, Bid bid) {
  long long c = std::llround(static_cast<double>(kAffinityScale) * (1.0 - affinity));
  if (bid == Bid::eager) c += kEagerBonus;
  if (bid == Bid::not_willing) c += kNotWillingPenalty;
  return c;
}

std::string_view short_reason_code(ShortReason r) {
  switch (r) {
    case ShortReason::no_candidates: return "no-candidates";
    case ShortReason::fewer_candidates: return "fewer-candidates-than-k";
    case ShortReason::candidates_at_full_load: return "candidates-at-full-load";
  }
  return "no-candidates";
}

Result<AssignmentProposal> propose_assignment(const AssignmentProblem& p) {
  const size_t n_entries = p.entries.size(), n_experts = p.experts.size();
  if (n_entries + n_experts + 2 > static_cast<size_t>(INT_MAX)) return refuse("too many entries and experts");
  for (const auto& e : p.entries)
    if (e.wanted < 0) return refuse("entry " + e.id + " wants a negative number of reviews");
  for (const auto& x : p.experts)
    if (x.capacity < 0) return refuse("expert " + x.id + " has a negative capacity");

  std::unordered_set<std::uint64_t> existing;
  existing.reserve(p.existing.size());
  for (const auto& a : p.existing) {
    if (a.entry >= n_entries || a.expert >= n_experts) return refuse("an existing assignment's index is out of range");
    existing.insert(pair_key(a.entry, a.expert));
  }

  // The candidates kept (not an existing pair), grouped by entry (a counting sort: the static
  // graph wants its arcs by source), then by expert within an entry, which also finds duplicates.
  std::vector<std::uint32_t> per_entry(n_entries + 1, 0);
  for (const auto& c : p.candidates) {
    if (c.entry >= n_entries || c.expert >= n_experts) return refuse("a candidate's index is out of range");
    if (!(c.affinity >= 0.0 && c.affinity <= 1.0)) return refuse("a candidate's affinity is not in [0, 1]");
    if (!existing.empty() && existing.count(pair_key(c.entry, c.expert))) continue;
    ++per_entry[c.entry + 1];
  }
  for (size_t e = 0; e < n_entries; ++e) per_entry[e + 1] += per_entry[e];
  const size_t kept = per_entry[n_entries];
  std::vector<std::uint32_t> order(kept);
  {
    std::vector<std::uint32_t> next(per_entry.begin(), per_entry.end() - 1);
    for (std::uint32_t i = 0; i < p.candidates.size(); ++i) {
      const auto& c = p.candidates[i];
      if (!existing.empty() && existing.count(pair_key(c.entry, c.expert))) continue;
      order[next[c.entry]++] = i;
    }
  }
  for (size_t e = 0; e < n_entries; ++e) {
    auto first = order.begin() + per_entry[e], last = order.begin() + per_entry[e + 1];
    std::sort(first, last, [&](std::uint32_t a, std::uint32_t b) { return p.candidates[a].expert < p.candidates[b].expert; });
    auto dup = std::adjacent_find(first, last, [&](std::uint32_t a, std::uint32_t b) {
      return p.candidates[a].expert == p.candidates[b].expert;
    });
    if (dup != last)
      return refuse("the pair (" + p.entries[e].id + ", " + p.experts[p.candidates[*dup].expert].id +
                    ") is a candidate twice");
  }

  // Arcs with nothing to carry (an entry wanting none, an expert with no load left) are left out
  // of the graph; they still count as candidates for the short entries' reasons.
  std::vector<std::uint32_t> arcs_of;  // the candidates that become entry → expert arcs
  arcs_of.reserve(kept);
  for (std::uint32_t i : order) {
    const auto& c = p.candidates[i];
    if (p.entries[c.entry].wanted > 0 && p.experts[c.expert].capacity > 0) arcs_of.push_back(i);
  }
  const size_t n_arcs = n_entries + arcs_of.size() + n_experts;
  if (n_arcs > static_cast<size_t>(INT_MAX)) return refuse("more than 2^31 arcs");

  // Nodes: 0 the source, 1…E the entries, E+1…E+X the experts, E+X+1 the sink. Arcs in order of
  // their source, so arc i of the graph is arc i of this list.
  const int source = 0, sink = static_cast<int>(n_entries + n_experts + 1);
  auto entry_node = [](size_t e) { return static_cast<int>(e + 1); };
  auto expert_node = [&](size_t x) { return static_cast<int>(n_entries + 1 + x); };
  lemon::StaticDigraph g;
  {
    std::vector<std::pair<int, int>> list;
    list.reserve(n_arcs);
    for (size_t e = 0; e < n_entries; ++e) list.emplace_back(source, entry_node(e));
    for (std::uint32_t i : arcs_of) list.emplace_back(entry_node(p.candidates[i].entry), expert_node(p.candidates[i].expert));
    for (size_t x = 0; x < n_experts; ++x) list.emplace_back(expert_node(x), sink);
    g.build(sink + 1, list.begin(), list.end());
  }
  const size_t first_pair_arc = n_entries, first_sink_arc = n_entries + arcs_of.size();

  lemon::StaticDigraph::ArcMap<int> capacity(g, 1);
  lemon::StaticDigraph::ArcMap<long long> cost(g, 0);
  for (size_t e = 0; e < n_entries; ++e) capacity[g.arc(static_cast<int>(e))] = p.entries[e].wanted;
  for (size_t a = 0; a < arcs_of.size(); ++a) {
    const auto& c = p.candidates[arcs_of[a]];
    cost[g.arc(static_cast<int>(first_pair_arc + a))] = assignment_cost(c.affinity, c.bid);
  }
  for (size_t x = 0; x < n_experts; ++x) capacity[g.arc(static_cast<int>(first_sink_arc + x))] = p.experts[x].capacity;

  // 1. How many reviews can be assigned at all: the maximum flow's value (the first phase of the
  //    push-relabel algorithm gives it; the flow itself is not needed).
  int most = 0;
  {
    lemon::Preflow<lemon::StaticDigraph, lemon::StaticDigraph::ArcMap<int>> preflow(g, capacity, g.node(source),
                                                                                   g.node(sink));
    preflow.runMinCut();
    most = preflow.flowValue();
  }

  // 2. The cheapest way to send exactly that many: a minimum-cost flow of `most` units from the
  //    source to the sink. Integral capacities give an integral optimum (each pair 0 or 1).
  std::vector<char> used(arcs_of.size(), 0);
  if (most > 0) {
    lemon::NetworkSimplex<lemon::StaticDigraph, int, long long> simplex(g);
    simplex.upperMap(capacity).costMap(cost).stSupply(g.node(source), g.node(sink), most);
    if (simplex.run() != decltype(simplex)::OPTIMAL) return refuse("the minimum-cost flow found no optimum");
    for (size_t a = 0; a < arcs_of.size(); ++a) used[a] = simplex.flow(g.arc(static_cast<int>(first_pair_arc + a))) > 0;
  }

  AssignmentProposal out;
  out.loads.assign(n_experts, 0);
  std::vector<int> got(n_entries, 0);
  out.assignments.reserve(static_cast<size_t>(most));
  for (size_t a = 0; a < arcs_of.size(); ++a) {
    if (!used[a]) continue;
    const auto& c = p.candidates[arcs_of[a]];
    out.assignments.push_back({c.entry, c.expert, c.affinity, c.bid});
    out.total_affinity += c.affinity;
    out.total_cost += assignment_cost(c.affinity, c.bid);
    ++out.loads[c.expert];
    ++got[c.entry];
  }
  for (size_t e = 0; e < n_entries; ++e) {
    const int wanted = p.entries[e].wanted;
    if (got[e] >= wanted) continue;
    const auto candidates = static_cast<int>(per_entry[e + 1] - per_entry[e]);
    ShortReason why = candidates == 0        ? ShortReason::no_candidates
                      : candidates < wanted ? ShortReason::fewer_candidates
                                            : ShortReason::candidates_at_full_load;
    out.short_entries.push_back({static_cast<std::uint32_t>(e), wanted, got[e], why});
  }
  return out;
}

}  // namespace laurel
