#include "store/audit.h"

namespace laurel::store {

void audit(Conn& c, long long at, const std::string& actor_id, const std::string& action,
           const std::string& object_type, const std::string& object_id, const std::string& detail_json) {
  c.exec("INSERT INTO audit_log (at, actor_id, action, object_type, object_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
         {at, actor_id.empty() ? Value(nullptr) : Value(actor_id), action, object_type, object_id, detail_json});
}

}  // namespace laurel::store
