// The uploads repository: every SQL statement about resumable uploads (table uploads). Rows are
// decoded by column name into core's Upload. No permission is decided here.
// Thread safety: as the Conn given.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/material.h"
#include "store/db.h"

namespace laurel::store::uploads {

std::optional<Upload> find(Conn& c, const std::string& id);
// The saved SHA-256 state of the bytes received so far ("" once complete).
std::string hash_state(Conn& c, const std::string& id);
// Unfinished, unexpired uploads of an entry (of one kind), and their bytes, and an account's bytes.
long long pending_of_kind(Conn& c, const std::string& entry_id, const std::string& kind, long long now);
long long pending_entry_bytes(Conn& c, const std::string& entry_id, long long now);
long long pending_account_bytes(Conn& c, const std::string& owner_id, long long now);
// The upload that became a material.
std::optional<std::string> of_material(Conn& c, const std::string& material_id);

void insert(Conn& c, const Upload& u, const std::string& hash_state);
// Records `received` bytes and their hash state if the upload is still at `from` (false: another
// request moved it).
bool checkpoint(Conn& c, const std::string& id, long long from, long long received, const std::string& hash_state);
// The last byte arrived: the upload now names its material (false if another request did it).
bool complete(Conn& c, const std::string& id, long long from, long long length, const std::string& material_id);
bool erase(Conn& c, const std::string& id, const std::string& owner_id);
std::vector<std::string> expired(Conn& c, long long now, int limit);
bool erase_expired(Conn& c, const std::string& id, long long now);
// Locks the owner's account row and the entry's row until the transaction ends (PostgreSQL):
// concurrent creations for one account queue, so quotas hold.
void lock_for_quota(Conn& c, const std::string& owner_id, const std::string& entry_id);

}  // namespace laurel::store::uploads
