// Entry fields and the rules an entry must meet to be submitted. Pure: the list of valid
// country codes is passed in.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/call.h"
#include "core/result.h"
#include "core/text.h"  // valid_utf8, trim
#include "core/time.h"

namespace laurel {

struct EntryFields {
  std::string title_zh, title_en, summary_zh, summary_en;
  std::map<std::string, std::string> criteria;  // criterion slug -> statement
  std::vector<std::string> organizations;       // owning first, then partners
  std::string started_on;                       // YYYY-MM-DD (cases)
  std::vector<std::string> countries;           // ISO 3166-1 alpha-2 (cases)
  std::string form;                             // content form (cases)
  bool operator==(const EntryFields&) const = default;
};

enum class EntryStatus { draft, submitted, withdrawn };
std::string_view to_string(EntryStatus s);
std::optional<EntryStatus> entry_status_from(std::string_view s);

// An entry as it crosses the layers (store returns it, services change it, views show it).
struct Entry {
  std::string id, call, category, owner_id;
  EntryStatus status = EntryStatus::draft;
  std::optional<std::string> receipt;
  EntryFields fields;  // all of them, or for lists only the titles and organisations
  long long version = 0;
  Instant created_at, updated_at;
  std::optional<Instant> submitted_at;
  // for organisers' lists
  std::string owner_email, owner_org_zh, owner_org_en, owner_country;
};

// Limits on lengths, in characters (code points).
inline constexpr size_t kMaxTitle = 300;
inline constexpr size_t kMaxSummary = 10000;
inline constexpr size_t kMaxStatement = 10000;
inline constexpr size_t kMaxOrganizations = 20;
inline constexpr size_t kMaxOrganization = 300;
inline constexpr size_t kMaxCountries = 250;
inline constexpr size_t kMaxDateText = 32;     // started_on as typed (a date is 10)
inline constexpr size_t kMaxCountryCode = 8;   // an ISO 3166-1 alpha-2 code is 2
inline constexpr size_t kMaxChoice = 100;      // a content form's name

size_t utf8_length(std::string_view s);

nlohmann::json to_json(const EntryFields& f);
// The API's form of an entry (docs/api.md "A submission").
nlohmann::json to_json(const Entry& e);
// The stored form: one part per field ("title_zh", …, "criteria.<slug>", …), each its JSON
// text, empty fields left out. A save rewrites only the parts that changed, so typing in one
// field does not rewrite the others. Written directly (the same bytes as the library's dump):
// entries carry tens of kilobytes of text. Strings must be valid UTF-8 (apply_fields checks).
std::map<std::string, std::string> to_json_parts(const EntryFields& f);
// The parts that differ between two versions of an entry: key -> new JSON text, or nullopt
// for a part that is now empty. Only the changed fields are serialised.
std::map<std::string, std::optional<std::string>> changed_parts(const EntryFields& before, const EntryFields& after);
// Back from an object of parts (unknown keys and wrong types are ignored: stored data).
EntryFields from_json_parts(const nlohmann::json& parts);
// Applies the keys present in `patch` over `base`. Unknown keys and values of the wrong JSON
// type are errors ("bad_request"): the content itself may be partial or invalid (drafts).
Result<EntryFields> apply_fields(const EntryFields& base, const nlohmann::json& patch);

// What every save must meet, draft or not, before anything is read or stored: the patch names
// only fields of the call and criteria of the category, each value of the right type, valid
// UTF-8 without control characters (newline and tab are text; "\r\n" counts as a newline), and
// within the call's limits (lengths, list sizes). "bad_request" naming the field otherwise.
// A draft may be incomplete; it may never be larger than a finished entry may be.
Status check_patch(const Call& call, const Category& category, const nlohmann::json& patch);
// Text a person typed: valid UTF-8, and no C0/C1 control character except tab and newline
// ("\r\n" included).
bool clean_text(std::string_view s);

using CountryCheck = std::function<bool(std::string_view code)>;
// Every rule of submission; field key -> problem. Empty when the entry may be submitted.
std::map<std::string, Message> validate_entry(const Call& call, const Category& category, const EntryFields& f,
                                              const CountryCheck& is_country, Days today);

// The descriptors of a category's fields (for the API and forms).
nlohmann::json field_descriptors(const Call& call, const Category& category);

// "LT25-BR-0007"
std::string format_receipt(std::string_view prefix, std::string_view code, long long number);

// Password rule: at least 10 characters, at most 1024 bytes, not in `common`.
std::optional<Message> check_password(std::string_view password, const std::vector<std::string>& common);

}  // namespace laurel
