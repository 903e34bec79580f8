// The call-file loader: laurel::parse_call_file (src/core/call_file.h), the TOML an organiser
// writes (docs/call-file.md; calls/wic-2025.toml is the real one, and the seed).
//
// Invariants: all or nothing — either calls and no errors, or errors and no calls; every error
// has a reason and a line within the file; a loaded call holds what the loader promises (a slug,
// categories with criteria, material rules with 1 ≤ max, min ≤ max and a positive size,
// opens before the deadline).
#include <algorithm>
#include <string>
#include <string_view>

#include "check.h"
#include "core/call_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = laurel::parse_call_file(in, "fuzz.toml");
  FUZZ_CHECK(r.calls.empty() != r.errors.empty());
  long lines = long(std::count(in.begin(), in.end(), '\n')) + 1;
  for (const auto& e : r.errors) {
    FUZZ_CHECK(!e.reason.empty());
    FUZZ_CHECK(e.line >= 0 && e.line <= lines);
    (void)e.to_string();
  }
  for (const auto& c : r.calls) {
    FUZZ_CHECK(!c.slug.empty() && c.slug.size() <= 64);
    FUZZ_CHECK(c.kind == "award" || c.kind == "case");
    FUZZ_CHECK(!c.categories.empty());
    for (const auto& cat : c.categories) FUZZ_CHECK(!cat.slug.empty() && !cat.criteria.empty());
    FUZZ_CHECK(!c.opens || *c.opens < c.deadline);
    for (const auto& m : c.materials) {
      FUZZ_CHECK(laurel::is_material_kind(m.kind));
      FUZZ_CHECK(m.max >= 1 && m.min <= m.max && m.min >= 0 && (!m.required || m.min >= 1));
      FUZZ_CHECK(m.max_size > 0);
    }
    FUZZ_CHECK(c.max_entry_bytes >= 0);
  }
  return 0;
}
