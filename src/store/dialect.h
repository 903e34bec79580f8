// The few SQL spellings that differ between the back ends (SQLite's JSON1 functions against
// PostgreSQL's json_* ones, row locks). Everything else is the SQL both speak.
#pragma once
#include <string>
#include <string_view>

namespace laurel::store::sql {

inline bool postgres(std::string_view backend) { return backend == "postgresql"; }

// An object from rows of (key, value-as-JSON-text); '{}' when there are none.
inline std::string object_agg(std::string_view backend, std::string_view key, std::string_view json_value) {
  if (postgres(backend))
    return "COALESCE(json_object_agg(" + std::string(key) + ", (" + std::string(json_value) + ")::json), '{}')";
  return "json_group_object(" + std::string(key) + ", json(" + std::string(json_value) + "))";
}
// An array of one JSON value per row, in `order_by`; '[]' when there are none.
inline std::string array_agg(std::string_view backend, std::string_view expr, std::string_view order_by) {
  if (postgres(backend))
    return "COALESCE(json_agg(" + std::string(expr) + " ORDER BY " + std::string(order_by) + "), '[]')";
  return "json_group_array(" + std::string(expr) + ")";  // the subquery's ORDER BY orders it
}
// json_object('k', v, …) / json_build_object('k', v, …)
inline std::string object_fn(std::string_view backend) { return postgres(backend) ? "json_build_object" : "json_object"; }
// `column IN` the strings of one parameter holding a JSON array: one SQL text for any number of
// values (SQL whose shape depends on request data would fill the prepared-statement cache).
inline std::string in_json_array(std::string_view backend, std::string_view column) {
  if (postgres(backend)) return std::string(column) + " IN (SELECT json_array_elements_text(?::json))";
  return std::string(column) + " IN (SELECT value FROM json_each(?))";
}
// Locks the rows a SELECT reads until the transaction ends (SQLite: the write lock already does).
inline std::string_view for_update(std::string_view backend) { return postgres(backend) ? " FOR UPDATE" : ""; }

}  // namespace laurel::store::sql
