#include "core/units.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace laurel {

bool valid_unit_kind(std::string_view kind) {
  return std::find(std::begin(kUnitKinds), std::end(kUnitKinds), kind) != std::end(kUnitKinds);
}

std::vector<std::string> unit_chain(const UnitTree& tree, const std::string& id) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto it = tree.find(id);
  while (it != tree.end() && seen.insert(it->first).second) {
    out.push_back(it->first);
    if (!it->second.parent) break;
    it = tree.find(*it->second.parent);
  }
  return out;
}

std::vector<std::string> unit_subtree(const UnitTree& tree, const std::string& id) {
  if (!tree.count(id)) return {};
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& [uid, u] : tree)
    if (u.parent) children[*u.parent].push_back(uid);
  std::vector<std::string> out{id};
  std::set<std::string> seen{id};
  for (size_t i = 0; i < out.size(); ++i)
    for (const auto& c : children[out[i]])
      if (seen.insert(c).second) out.push_back(c);
  return out;
}

bool would_cycle(const UnitTree& tree, const std::string& id, const std::optional<std::string>& new_parent) {
  if (!new_parent) return false;
  auto chain = unit_chain(tree, *new_parent);
  return std::find(chain.begin(), chain.end(), id) != chain.end();
}

namespace {
const UnitRole* strongest(const std::vector<UnitRole>& mine, const std::vector<std::string>& chain) {
  const UnitRole* best = nullptr;
  for (const auto& r : mine)
    if (std::find(chain.begin(), chain.end(), r.unit_id) != chain.end())
      if (!best || (r.manager && !best->manager)) best = &r;
  return best;
}
Error unit_not_found() { return Error::make(Code::not_found, "error.unit_not_found"); }
}  // namespace

Status can_view_unit(const Actor& a, const std::vector<UnitRole>& mine, const std::vector<std::string>& chain) {
  if (!a.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (chain.empty()) return unit_not_found();
  if (a.organiser() || strongest(mine, chain)) return Ok{};
  return unit_not_found();
}

Status can_manage_unit(const Actor& a, const std::vector<UnitRole>& mine, const std::vector<std::string>& chain) {
  if (auto st = can_view_unit(a, mine, chain); !st) return st;
  if (a.organiser()) return Ok{};
  if (strongest(mine, chain)->manager) return Ok{};
  return Error::make(Code::forbidden, "error.unit_managers_only");
}

Status can_endorse_for_unit(const Actor& a, const std::vector<UnitRole>& mine, const std::vector<std::string>& chain) {
  if (auto st = can_manage_unit(a, mine, chain); !st) return st;
  for (const auto& r : mine)
    if (r.manager && std::find(chain.begin(), chain.end(), r.unit_id) != chain.end()) return Ok{};
  return Error::make(Code::forbidden, "error.unit_managers_only");
}

Status check_code(const RecommendationCode& code, const std::string& call, Instant now, bool unit_archived) {
  auto refuse = [](const char* key) {
    Error e = Error::make(Code::invalid, "error.invalid");
    e.fields["recommendation_code"] = {key, {}};
    return e;
  };
  if (code.call != call) return refuse("rule.code_other_call");
  if (unit_archived) return refuse("rule.code_unit_archived");
  if (code.expires_at && now >= *code.expires_at) return refuse("rule.code_expired");
  if (code.max_uses && code.uses >= *code.max_uses) return refuse("rule.code_exhausted");
  return Ok{};
}

std::string normalise_code(std::string_view typed) {
  std::string out;
  for (char ch : typed) {
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
    out += (ch >= 'a' && ch <= 'z') ? char(ch - 'a' + 'A') : ch;
  }
  return out;
}

double organisation_score(const RankingWeights& w, long long submitted, long long selected, long long winners) {
  return double(submitted) * w.submitted + double(selected) * w.selected + double(winners) * w.winners;
}

std::string ranking_formula(const RankingWeights& w) {
  auto num = [](double v) {
    std::ostringstream o;
    if (std::floor(v) == v && std::abs(v) < 1e9) o << (long long)v;
    else o << v;
    return o.str();
  };
  return "submitted × " + num(w.submitted) + " + selected × " + num(w.selected) + " + winners × " + num(w.winners);
}

}  // namespace laurel
