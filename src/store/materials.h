// The materials repository: every SQL statement about an entry's files (table materials).
// Rows are decoded by column name into core's Material. No permission is decided here.
// Thread safety: as the Conn given.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/material.h"
#include "store/db.h"

namespace laurel::store::materials {

// A material not removed from its entry.
std::optional<Material> find(Conn& c, const std::string& id);
// Any material, removed or not (the worker's view).
std::optional<Material> find_any(Conn& c, const std::string& id);
// An entry's materials (not removed), in their order.
std::vector<Material> of_entry(Conn& c, const std::string& entry_id);
// Materials of an entry of one kind that count for its rules (not removed, not rejected).
long long count_of_kind(Conn& c, const std::string& entry_id, const std::string& kind);
// Bytes of an entry's materials that count for its rules.
long long entry_bytes(Conn& c, const std::string& entry_id);
// Bytes an account keeps on disk: every material not rejected, removed ones included (the
// versions of a submitted entry name them).
long long account_bytes(Conn& c, const std::string& owner_id);
int next_position(Conn& c, const std::string& entry_id);

// `error_json` empty for an accepted file (status processing), else the rejection (status rejected).
void insert(Conn& c, const Material& m, const std::string& error_json);
bool set_caption(Conn& c, const std::string& id, const Text& caption);
void set_position(Conn& c, const std::string& entry_id, const std::string& id, int position);
// Marks removed (its bytes stay: versions name it) or deletes the row; false if nothing was there.
bool mark_removed(Conn& c, const std::string& id, long long now);
bool erase(Conn& c, const std::string& id);
// Materials whose content or preview is the blob `sha256` (all: with rejected ones; else only
// those not rejected, and previews).
long long references(Conn& c, const std::string& sha256, bool count_rejected = true);
void mark_ready(Conn& c, const std::string& id, std::optional<int> width, std::optional<int> height,
                const std::string& duration, const std::string& thumbnail);
void mark_rejected(Conn& c, const std::string& id, const std::string& error_json);

}  // namespace laurel::store::materials
