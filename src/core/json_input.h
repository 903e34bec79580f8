// JSON from outside (request bodies): parsed with limits on nesting depth, members per object,
// items per array and values in all, checked while parsing — a hostile document is refused
// before it is built, never copied recursively. Pure; thread-safe.
#pragma once
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/result.h"

namespace laurel {

struct JsonLimits {
  size_t max_depth = 16;          // containers inside containers ({"a":{"b":1}} is depth 2)
  size_t max_members = 1000;      // keys in one object
  size_t max_items = 10000;       // values in one array
  size_t max_values = 100000;     // values in the whole document
};

// The document, or "bad_request" with error.malformed_json, error.json_too_deep or
// error.json_too_large (params: "max").
Result<nlohmann::json> parse_json_bounded(std::string_view text, const JsonLimits& limits = {});

}  // namespace laurel
