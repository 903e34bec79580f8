// Entries (submissions): start, save (drafts may be partial), submit (every rule checked,
// a receipt number issued), edit after submitting (kept as a version), withdraw — each
// until the call's deadline, enforced here against the server's clock in the call's zone.
// The owner sees their own entries; organisers see all; anyone else gets "not_found".
#pragma once
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/call.h"
#include "core/entry.h"
#include "core/result.h"
#include "service/env.h"

namespace laurel::service {



Result<Entry> create_entry(Env& env, const Actor& actor, const std::string& call_slug,
                                     const std::string& category, const nlohmann::json& fields);
// titles_only: fields hold only title_zh and title_en (for lists; much less to read and decode).
Result<std::vector<Entry>> my_entries(Env& env, const Actor& actor, bool titles_only = false);
Result<Entry> get_entry(Env& env, const Actor& actor, const std::string& id);
// Applies `patch` (field key -> value). A submitted entry stays submitted, so the result must
// still meet every rule (else "invalid"); a draft may be anything of the right types.
// The entry returned has its state (status, receipt, version, times) and, for a draft, only the
// fields the patch named and the titles: get_entry() gives all of it.
Result<Entry> save_entry(Env& env, const Actor& actor, const std::string& id, const nlohmann::json& patch);
Result<Entry> submit_entry(Env& env, const Actor& actor, const std::string& id);
// The entry form's POST as one use case: the entry and its call read once; `patch_of` turns the
// posted form into a patch for that call and category; the patch is saved and, with `submit`,
// the entry submitted. A refusal comes back in `error` with the entry as it would have been
// (nothing typed is lost), so the form can be shown again. Errors outside the form (not found,
// no session) are the Result's.
using PatchOf = std::function<nlohmann::json(const Call&, const Category&)>;
struct EntryForm {
  Entry entry;
  Call call;
  std::optional<Error> error;
  bool submitted = false;
};
Result<EntryForm> save_entry_form(Env& env, const Actor& actor, const std::string& id, const PatchOf& patch_of,
                                  bool submit);
Result<Entry> withdraw_entry(Env& env, const Actor& actor, const std::string& id);

struct EntryFilter {
  std::string category;  // empty: all
  std::string status;    // empty: all
};
Result<std::vector<Entry>> call_entries(Env& env, const Actor& actor, const std::string& call_slug,
                                                 const EntryFilter& filter);
// The organiser's overview: per call, how many entries there are and how many are submitted —
// counted by the database (GROUP BY), never by loading the entries.
struct EntryCounts {
  long long total = 0, submitted = 0;
};
Result<std::map<std::string, EntryCounts>> entry_counts(Env& env, const Actor& actor);

// Problems that would stop this entry from being submitted (for showing beside the fields),
// its materials included.
std::map<std::string, Message> entry_problems(Env& env, const Call& call, const Entry& s);

// For other services that change an entry (materials): the entry if `actor` may change it now
// (owner, call accepting changes), with only its titles; and, inside a write, a new version of
// a submitted entry (version + 1, a copy in submission_versions, an audit line).
struct ChangeTarget {
  Entry entry;
  Call call;
};
Result<ChangeTarget> changeable_entry(Env& env, const Actor& actor, const std::string& id);
Status call_accepting(const Call& call, Instant now);
void record_change(store::Conn& c, const std::string& id, const std::string& author, Instant now,
                   const std::string& action, const std::string& detail_json);
// Counts of an entry's materials that count for its rules, by kind.
std::map<std::string, int> material_counts(store::Conn& c, const std::string& submission_id);

}  // namespace laurel::service
