// Who may see or change what: the actor and pure decisions of (actor, object, call, now).
// Services and page views ask these and nothing else decides (docs/architecture.md). A refusal
// is an Error whose code the web layer maps to a status; an object the actor may not see is
// "not_found", exactly as a missing one, so that refusals never reveal what exists.
// Thread-safe: no state.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/call.h"
#include "core/entry.h"
#include "core/result.h"
#include "core/time.h"

namespace laurel {

enum class Role { applicant, organiser, recommender, expert };

// Who is acting: a signed-in account with its roles, or nobody (empty id).
struct Actor {
  std::string id;  // empty: anonymous
  std::string email;
  std::vector<Role> roles;
  std::string org_type;             // an applicant organisation's type (who may apply where)
  std::vector<std::string> units;   // the recommending units it belongs to (recommenders)
  std::vector<std::string> rounds;  // the review rounds it serves in (experts)

  bool signed_in() const { return !id.empty(); }
  bool is(Role r) const;
  bool organiser() const { return is(Role::organiser); }
};

// The roles an account's stored role gives. The organiser's stored (and CLI) name is "admin";
// "organiser" is accepted too. Anything else is an applicant.
std::vector<Role> roles_of(std::string_view stored_role);
// The role's name where it is stored and in the API's contract ("admin" or "applicant").
std::string_view stored_role(const Actor& a);
Actor make_actor(std::string id, std::string email, std::string_view stored_role, std::string org_type);

// ---- entries ----
// What the rules look at of an entry.
struct EntryAccess {
  std::string owner_id;
  EntryStatus status = EntryStatus::draft;
  bool reviewer = false;  // the actor reviews it: assigned, no conflict declared (service/review.h)
};

// Read an entry (its texts, materials, versions): its owner, organisers, and an expert who
// reviews it (assigned, and has declared no conflict of interest).
bool can_read_entry(const Actor& a, const EntryAccess& e);
// Change an entry (fields, materials): its owner alone, while the call accepts changes
// (not_found / not_open / deadline_passed).
Status can_change_entry(const Actor& a, const EntryAccess& e, const Call& call, Instant now);
// The entry is the actor's own (its edit form is theirs to open, even after the deadline, to
// read what they wrote and see that it is closed).
bool owns_entry(const Actor& a, const EntryAccess& e);
// Withdraw: a change, of a submitted entry (not_submitted).
Status can_withdraw(const Actor& a, const EntryAccess& e, const Call& call, Instant now);
// Start an entry in a category of a call: a signed-in applicant (organisers do not apply) of a
// type the call accepts, while the call is open.
Status can_create_entry(const Actor& a, const Call& call, const Category* category, Instant now);
// The call accepts changes at `now` (not_open before it opens, deadline_passed after).
Status call_accepts_changes(const Call& call, Instant now);

// ---- materials and uploads ----
// A material is read by whoever may read its entry; an unfinished upload is its owner's alone.
bool can_read_material(const Actor& a, const EntryAccess& entry);
bool can_use_upload(const Actor& a, const std::string& upload_owner_id);

// ---- organisers' work ----
// Load call files, list and export every entry of a call (unauthenticated / forbidden).
Status can_manage_calls(const Actor& a);

}  // namespace laurel
