// Recommending units (issue 12): the tree of offices that recommend entries, and the pure rules
// over it — a unit's chain up to the top, its descendants, whether a move would make a cycle,
// who may see or manage a unit, what a recommendation code must meet, and the
// excellent-organisation score. The services read the units and memberships and ask these.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"
#include "core/result.h"
#include "core/time.h"

namespace laurel {

inline constexpr std::string_view kUnitKinds[] = {"national-office", "provincial-office", "department", "city-bureau",
                                                  "university",      "enterprise-group",  "research-institution",
                                                  "other"};
bool valid_unit_kind(std::string_view kind);

struct Unit {
  std::string id, name_zh, name_en, kind;
  std::optional<std::string> parent;  // none: top-level
  bool archived = false;
};

// The units by id (a whole tree: units are few, a few thousand at most).
using UnitTree = std::map<std::string, Unit>;

// The unit and its ancestors, the unit first and the top-level unit last (empty: unknown id).
// A cycle in stored data (never written) ends the walk instead of looping.
std::vector<std::string> unit_chain(const UnitTree& tree, const std::string& id);
// The unit and every unit below it.
std::vector<std::string> unit_subtree(const UnitTree& tree, const std::string& id);
// Moving `id` under `new_parent` would put it inside itself (the parent is the unit or one of
// its descendants).
bool would_cycle(const UnitTree& tree, const std::string& id, const std::optional<std::string>& new_parent);

// An account's place in a unit.
struct UnitRole {
  std::string unit_id;
  bool manager = false;
};

// See a unit (its dashboard, its entries): organisers, and members of the unit or of any unit
// above it. Anyone else gets not_found (the unit's existence is not revealed).
Status can_view_unit(const Actor& a, const std::vector<UnitRole>& mine, const std::vector<std::string>& chain);
// Manage a unit (sub-units, invitations, codes, endorsements): organisers, and managers of the
// unit or of a unit above it. A member who may only view: forbidden; others: not_found.
Status can_manage_unit(const Actor& a, const std::vector<UnitRole>& mine, const std::vector<std::string>& chain);
// Endorse an entry in the unit's name: managers of the unit or of a unit above it. An organiser
// who manages none of them is not the unit: forbidden (a member: forbidden; others: not_found).
Status can_endorse_for_unit(const Actor& a, const std::vector<UnitRole>& mine, const std::vector<std::string>& chain);

// A recommendation code as stored, and whether an entry of `call` may use it at `now`.
struct RecommendationCode {
  std::string code, unit_id, call;
  std::optional<Instant> expires_at;
  std::optional<long long> max_uses;
  long long uses = 0;
};
// Ok, or invalid with the message key for fields.recommendation_code (the unit archived: pass
// archived = true).
Status check_code(const RecommendationCode& code, const std::string& call, Instant now, bool unit_archived);
// A code as typed, as stored: upper case, without white space ("r25-7k3m q9xd" → "R25-7K3MQ9XD").
std::string normalise_code(std::string_view typed);

// The excellent-organisation score: submitted × w_submitted + selected × w_selected + winners × w_winners.
struct RankingWeights {
  double submitted = 1, selected = 5, winners = 10;
};
double organisation_score(const RankingWeights& w, long long submitted, long long selected, long long winners);
// The formula as shown: "submitted × 1 + selected × 5 + winners × 10".
std::string ranking_formula(const RankingWeights& w);

}  // namespace laurel
