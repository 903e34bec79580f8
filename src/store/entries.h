// The entries repository: every SQL statement about entries (tables submissions,
// submission_fields, submission_versions, receipt_counters). Rows are decoded by column name into
// core's Entry. No permission is decided here: callers (services) ask core/policy.h first.
// Thread safety: as the Conn given (one thread at a time).
#pragma once
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/entry.h"
#include "store/db.h"

namespace laurel::store::entries {

// whole = false: the fields hold only the titles and the organisations (for lists).
std::optional<Entry> find(Conn& c, const std::string& id, bool whole);
std::vector<Entry> of_owner(Conn& c, const std::string& owner_id, bool whole);
// A call's entries for an organiser's list (titles and organisations only), filtered when the
// category or status is not empty.
std::vector<Entry> of_call(Conn& c, const std::string& call, const std::string& category, const std::string& status);
// Per call: (entries, submitted entries), counted by the database.
std::map<std::string, std::pair<long long, long long>> counts_by_call(Conn& c);
// The owner and status of an entry (what the policy needs), without its fields.
std::optional<std::pair<std::string, EntryStatus>> owner_and_status(Conn& c, const std::string& id);
std::optional<long long> version(Conn& c, const std::string& id);

// The stored parts named by `keys` (a JSON array of part keys) and, with all_criteria, every
// "criteria.*" part: one object of parts. One SQL text whatever the keys.
nlohmann::json parts(Conn& c, const std::string& id, const nlohmann::json& keys, bool all_criteria);

void insert(Conn& c, const Entry& e, const std::map<std::string, std::string>& parts);
// The row's titles, version and time if it is still at `from_version` (false: someone else
// changed it), then the changed parts (nullopt: delete the part).
bool update(Conn& c, const Entry& next, long long from_version,
            const std::map<std::string, std::optional<std::string>>& changes);
// Status, receipt, version and times if still at `from_version`; the fields stay as stored.
bool change_status(Conn& c, const Entry& next, long long from_version);
// A version bump for a change made elsewhere (materials); returns the status after it.
std::string touch(Conn& c, const std::string& id, long long now);
// Keeps the entry as it now stands as a version (copied row to row, never serialised again).
void write_version(Conn& c, const std::string& id, const std::string& author, long long now);
// The next receipt number of a prefix and category code (counted in the same transaction).
long long next_receipt_number(Conn& c, const std::string& prefix, const std::string& code);
// Counts of an entry's materials that count for its rules (not removed, not rejected), by kind.
std::map<std::string, int> material_counts(Conn& c, const std::string& id);
// Locks the entry's row until the transaction ends (PostgreSQL; SQLite's writer is one).
void lock(Conn& c, const std::string& id);

}  // namespace laurel::store::entries
