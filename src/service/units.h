// Recommending units (issue 12): the tree of offices (organisers make top-level units and move
// or archive any; a unit's managers make sub-units and invite members), recommendation codes an
// applicant puts on an entry (the entry then records the unit and its whole chain), endorsements
// of submitted entries, each unit's dashboard of the entries that came through it and its
// sub-units, a reminder to their draft owners, and the organiser's excellent-organisation
// ranking with its honours. Who may do what: core/units.h. Every change is audited.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/entry.h"
#include "core/result.h"
#include "core/units.h"
#include "service/env.h"

namespace laurel::service {

inline constexpr long long kInvitationSeconds = 14 * 86400;

// The whole tree (units are few).
UnitTree load_units(store::Conn& c);
UnitTree all_units(Env& env);  // the same, on a connection of its own (what the pages and API list)
// The actor's memberships.
std::vector<UnitRole> unit_roles(store::Conn& c, const std::string& user_id);

struct NewUnit {
  std::string name_zh, name_en, kind;
};
// The organiser: a unit anywhere (parent none: top-level). A manager: a sub-unit of a unit they
// manage (create_sub_unit).
Result<Unit> create_unit(Env& env, const Actor& actor, const NewUnit& u, const std::optional<std::string>& parent);
Result<Unit> create_sub_unit(Env& env, const Actor& actor, const std::string& parent_id, const NewUnit& u);

// The organiser's change of a unit: any of parent (null: top-level), names, archived.
struct UnitPatch {
  std::optional<std::optional<std::string>> parent;
  std::optional<std::string> name_zh, name_en;
  std::optional<bool> archived;
};
Result<Unit> update_unit(Env& env, const Actor& actor, const std::string& id, const UnitPatch& p);

struct MyUnit {
  Unit unit;
  std::string role;  // manager | member
  std::vector<Unit> chain;  // the unit first, then the units above it
};
Result<std::vector<MyUnit>> my_units(Env& env, const Actor& actor);

// What a unit's page shows: the unit, its chain, its sub-units, and for those who manage it its
// members, open invitations and codes.
struct UnitMember {
  std::string user_id, email, name, role;
};
struct UnitInvitation {
  std::string id, email, role;
  long long created_at = 0, expires_at = 0;
  std::optional<long long> accepted_at;
};
struct UnitDetail {
  Unit unit;
  std::vector<Unit> chain, children;
  bool manage = false;
  std::vector<UnitMember> members;
  std::vector<UnitInvitation> invitations;
  std::vector<RecommendationCode> codes;
};
Result<UnitDetail> unit_detail(Env& env, const Actor& actor, const std::string& id);

// An invitation by mail (the link /invitations/{token}, 14 days, single-use).
struct Invited {
  std::string id, token;
};
Result<Invited> invite_to_unit(Env& env, const Actor& actor, const std::string& unit_id, const std::string& email,
                               const std::string& role);
struct InvitationInfo {
  Unit unit;
  std::string email, role;
};
// The invitation behind a token, if it can still be accepted (token_expired otherwise).
Result<InvitationInfo> invitation_info(Env& env, const std::string& token);
// The signed-in actor joins the unit (a member already: takes the invitation's role if higher).
Result<Unit> accept_invitation(Env& env, const Actor& actor, const std::string& token);

// A code for a call (expires_at, max_uses optional).
Result<RecommendationCode> create_code(Env& env, const Actor& actor, const std::string& unit_id,
                                       const std::string& call_slug, std::optional<Instant> expires_at,
                                       std::optional<long long> max_uses);

// Whether an entry of `call_slug` may use `code` now (invalid with fields.recommendation_code).
Status check_recommendation_code(Env& env, const std::string& call_slug, const std::string& code);
// Puts `code` on the actor's entry (empty: none — the entry is then a direct application),
// recording the unit's chain; the same rules as any change of the entry (owner, call open).
Status set_recommendation_code(Env& env, const Actor& actor, const std::string& entry_id, const std::string& code);

// The units an entry was recommended by (the code's unit first, up to the top), and who endorsed it.
std::vector<Unit> recommended_by(Env& env, const std::string& entry_id);
struct Endorsement {
  Unit unit;
  std::string text;
  long long created_at = 0;
};
std::vector<Endorsement> endorsements_of(Env& env, const std::string& entry_id);
std::optional<std::string> recommendation_code_of(Env& env, const std::string& entry_id);
// A unit endorses a submitted entry by its receipt number (not_found: no such submitted entry;
// conflict: the unit endorsed it already).
Result<std::string> endorse_entry(Env& env, const Actor& actor, const std::string& unit_id, const std::string& receipt,
                                  const std::string& text);

// The dashboard: entries that came through the unit or any unit below it.
struct UnitEntry {
  Entry entry;  // id, call, category, status, receipt, titles, owner_email
  std::string owner_name;
  Unit via;         // the unit whose code it used, or that endorsed it
  std::string how;  // code | endorsement
};
struct UnitEntryFilter {
  std::string call, status;
};
Result<std::vector<UnitEntry>> unit_entries(Env& env, const Actor& actor, const std::string& unit_id,
                                            const UnitEntryFilter& f);
// A reminder to the owners of the unit's drafts in a call, before its deadline: how many
// accounts it would reach (preview), then queue it (one message an account, optional mail).
Result<int> count_draft_owners(Env& env, const Actor& actor, const std::string& unit_id, const std::string& call_slug);
Result<int> remind_draft_owners(Env& env, const Actor& actor, const std::string& unit_id, const std::string& call_slug);

// The excellent-organisation ranking of a call (organisers).
struct RankingRow {
  Unit unit;
  long long submitted = 0, selected = 0, winners = 0;
  double score = 0;
  bool honoured = false;
};
struct Ranking {
  std::string formula;
  std::vector<RankingRow> rows;  // by score, highest first
};
Result<Ranking> organisation_ranking(Env& env, const Actor& actor, const std::string& call_slug,
                                     bool include_subunits, const RankingWeights& w);
Status set_honour(Env& env, const Actor& actor, const std::string& call_slug, const std::string& unit_id, bool honoured);
// Honoured units of a call (for the public results page after the release).
std::vector<Unit> honoured_units(Env& env, const std::string& call_slug);

}  // namespace laurel::service
