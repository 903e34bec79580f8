// The append-only audit log. Written inside the transaction of the change it records.
#pragma once
#include <string>

#include "store/db.h"

namespace laurel::store {

void audit(Conn& c, long long at, const std::string& actor_id, const std::string& action,
           const std::string& object_type, const std::string& object_id, const std::string& detail_json = "{}");

}  // namespace laurel::store
