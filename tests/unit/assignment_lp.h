// The reviewer-assignment problem as a plain linear programme solved by GLPK, independently of
// LEMON: one variable per candidate pair (not an existing pair), 0 ≤ x ≤ 1; per entry
// Σx ≤ wanted; per expert Σx ≤ capacity. First maximise Σx (the most reviews); then, with
// Σx ≥ that many, minimise Σ cost × x. The LP of a network flow with integral bounds has an
// integral optimum, so both optima are those of the integer problem. Shared by
// tests/unit/assignment_lp_test.cpp and bench/assignment.
#pragma once
#include <glpk.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <unordered_set>
#include <vector>

#include "core/assignment.h"

namespace laurel::lp {

struct LpOptimum {
  double reviews = 0;  // the first LP's optimum: the most reviews
  double cost = 0;     // the second LP's optimum: the least total cost with that many
  bool integral = true;  // every variable of the second LP's solution is 0 or 1
};

inline LpOptimum solve_assignment_lp(const AssignmentProblem& p) {
  std::unordered_set<std::uint64_t> existing;
  for (const auto& a : p.existing) existing.insert((std::uint64_t{a.entry} << 32) | a.expert);
  std::vector<const Candidate*> vars;
  for (const auto& c : p.candidates)
    if (!existing.count((std::uint64_t{c.entry} << 32) | c.expert)) vars.push_back(&c);

  glp_prob* lp = glp_create_prob();
  const int n_entries = static_cast<int>(p.entries.size()), n_experts = static_cast<int>(p.experts.size());
  const int total_row = n_entries + n_experts + 1;
  glp_add_rows(lp, total_row);
  for (int e = 0; e < n_entries; ++e) glp_set_row_bnds(lp, e + 1, GLP_UP, 0, p.entries[e].wanted);
  for (int x = 0; x < n_experts; ++x) glp_set_row_bnds(lp, n_entries + x + 1, GLP_UP, 0, p.experts[x].capacity);
  glp_set_row_bnds(lp, total_row, GLP_FR, 0, 0);  // Σx: free in the first LP
  const int n = static_cast<int>(vars.size());
  if (n > 0) glp_add_cols(lp, n);
  std::vector<int> ia{0}, ja{0};
  std::vector<double> ar{0};
  for (int j = 0; j < n; ++j) {
    glp_set_col_bnds(lp, j + 1, GLP_DB, 0, 1);
    for (int row : {static_cast<int>(vars[j]->entry) + 1, n_entries + static_cast<int>(vars[j]->expert) + 1, total_row}) {
      ia.push_back(row);
      ja.push_back(j + 1);
      ar.push_back(1);
    }
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());

  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_ON;
  auto solve = [&] {
    if (glp_simplex(lp, &parm) != 0 || glp_get_status(lp) != GLP_OPT) {
      glp_delete_prob(lp);
      throw std::runtime_error("GLPK found no optimum");
    }
  };

  LpOptimum out;
  glp_set_obj_dir(lp, GLP_MAX);
  for (int j = 0; j < n; ++j) glp_set_obj_coef(lp, j + 1, 1);
  solve();
  out.reviews = glp_get_obj_val(lp);

  glp_set_row_bnds(lp, total_row, GLP_LO, std::round(out.reviews), 0);
  glp_set_obj_dir(lp, GLP_MIN);
  for (int j = 0; j < n; ++j)
    glp_set_obj_coef(lp, j + 1, static_cast<double>(assignment_cost(vars[j]->affinity, vars[j]->bid)));
  solve();
  out.cost = glp_get_obj_val(lp);
  for (int j = 0; j < n; ++j) {
    double v = glp_get_col_prim(lp, j + 1);
    if (std::abs(v) > 1e-6 && std::abs(v - 1) > 1e-6) out.integral = false;
  }
  glp_delete_prob(lp);
  return out;
}

}  // namespace laurel::lp
