// JSON entry bodies and patches: laurel::parse_json_bounded (src/core/json_input.h), then
// apply_fields(EntryFields{}, j) and from_json_parts(j) (src/core/entry.h), as the API and the
// store do with a request body and with stored parts.
//
// Invariants: the bounded parser accepts exactly the documents nlohmann accepts that are within
// its limits, and builds the same document; a well-formed document it refuses is beyond a limit; with tight limits, an accepted document is within
// them; fields that apply_fields accepts are valid UTF-8 and survive the stored form
// (to_json_parts → from_json_parts) unchanged.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "check.h"
#include "core/entry.h"
#include "core/json_input.h"

using nlohmann::json;

namespace {

struct Shape {
  size_t depth = 0, members = 0, items = 0, values = 0;
};

void measure(const json& j, size_t depth, Shape& s) {
  ++s.values;
  if (j.is_object() || j.is_array()) {
    s.depth = std::max(s.depth, depth + 1);
    if (j.is_object()) s.members = std::max(s.members, j.size());
    else s.items = std::max(s.items, j.size());
    for (const auto& e : j) measure(e, depth + 1, s);
  }
}

void check_entry(const json& patch) {
  laurel::EntryFields base = laurel::from_json_parts(patch);  // stored parts: never fails
  (void)laurel::apply_fields(base, patch);
  auto f = laurel::apply_fields(laurel::EntryFields{}, patch);
  if (!f) {
    FUZZ_CHECK(f.error().code == laurel::Code::bad_request);
    return;
  }
  for (const auto* s : {&f->title_zh, &f->title_en, &f->summary_zh, &f->summary_en, &f->started_on, &f->form})
    FUZZ_CHECK(laurel::valid_utf8(*s));
  for (const auto& s : f->organizations) FUZZ_CHECK(laurel::valid_utf8(s));
  for (const auto& s : f->countries) FUZZ_CHECK(laurel::valid_utf8(s));
  for (const auto& [k, v] : f->criteria) FUZZ_CHECK(!v.empty() && laurel::valid_utf8(v));
  // The stored form: each part is JSON text; read back, it is the same entry.
  json parts = json::object();
  for (const auto& [key, text] : laurel::to_json_parts(*f)) {
    json v = json::parse(text, nullptr, false);
    FUZZ_CHECK(!v.is_discarded());
    parts[key] = v;
  }
  FUZZ_CHECK(laurel::from_json_parts(parts) == *f);
  FUZZ_CHECK(laurel::changed_parts(*f, *f).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto j = laurel::parse_json_bounded(in);
  json plain = json::parse(in.begin(), in.end(), nullptr, false);
  if (j) {
    FUZZ_CHECK(!plain.is_discarded());
    FUZZ_CHECK(*j == plain);
  } else {
    FUZZ_CHECK(j.error().code == laurel::Code::bad_request);
    const auto& key = j.error().message.key;
    if (key == "error.malformed_json") {
      FUZZ_CHECK(plain.is_discarded());
    } else if (!plain.is_discarded()) {
      // Refused for a limit (it stops reading there, so a document malformed further on may be
      // refused for the limit too): a well-formed document refused so is beyond that limit.
      laurel::JsonLimits d;
      Shape s;
      measure(plain, 0, s);
      if (key == "error.json_too_deep") FUZZ_CHECK(s.depth > d.max_depth);
      else FUZZ_CHECK(key == "error.json_too_large" && (s.members > d.max_members || s.items > d.max_items || s.values > d.max_values));
    }
  }

  laurel::JsonLimits tight{3, 4, 4, 24};
  if (auto t = laurel::parse_json_bounded(in, tight)) {
    FUZZ_CHECK(j && *t == *j);
    Shape s;
    measure(*t, 0, s);
    FUZZ_CHECK(s.depth <= tight.max_depth && s.members <= tight.max_members && s.items <= tight.max_items &&
               s.values <= tight.max_values);
  }

  if (!j) return 0;
  check_entry(*j);
  // The API's create body carries the fields in a member: {"category": …, "fields": {…}}.
  if (j->is_object())
    if (auto it = j->find("fields"); it != j->end()) check_entry(*it);
  return 0;
}
