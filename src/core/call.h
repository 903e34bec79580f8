// Call: what an organiser runs — one award call or case collection, with its categories
// (achievement types or case domains), criteria, stages, quotas, contacts and rules.
// Pure data; loaded from a call file (call_file.h), stored as JSON (to_json/call_from_json).
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/material.h"
#include "core/result.h"
#include "core/text.h"
#include "core/time.h"

namespace laurel {

struct Criterion {
  std::string slug;
  Text title, description;
  double weight = 1;              // in a review's weighted total (call file: weight = 2)
  bool comment_required = false;  // a reviewer must comment on it to submit (comment_required = true)
};

struct Category {
  std::string slug;
  std::string code;  // in receipts: LT25-<code>-0007
  Text title, description;
  std::vector<Criterion> criteria;
};

struct Stage {
  std::string slug;
  Text title, description;
  Days starts, ends;  // civil dates in the call's zone, inclusive
};

struct Quota {
  std::string slug;
  Text title;
  std::optional<int> min, max;
};

struct Contact {
  Text role, name;
  std::string phone, email;
};

struct Eligibility {
  std::optional<Days> min_start_date;  // started_on must be on or after
  int min_countries = 0;               // distinct countries/regions involved
};

struct Call {
  std::string slug;
  std::string receipt_prefix;
  std::string kind;  // "award" or "case"
  std::string time_zone;
  std::optional<Instant> opens;
  Instant deadline;  // the first instant at which submitting is refused
  std::string website;
  Text title, organiser, summary, description;
  std::vector<std::string> applicant_types;
  std::vector<std::string> fields;         // title, summary, criteria, organizations, started_on, countries, form
  std::vector<std::string> content_forms;  // allowed values of `form`
  Eligibility eligibility;
  std::vector<Quota> quotas;
  std::vector<Stage> stages;
  std::vector<Contact> contacts;
  std::vector<Category> categories;
  std::vector<MaterialRule> materials;      // which files entries carry (core/material.h)
  long long max_entry_bytes = 4LL << 30;    // all of one entry's materials together
  std::vector<long long> reminders;         // seconds before the deadline a reminder goes out (call file "7d", "3h")
  bool demo_shifted = false;  // dates moved by demo mode (never stored)
  std::string revision;       // changes whenever the stored definition changes (never stored)

  const Category* category(std::string_view slug) const;
  bool has_field(std::string_view field) const;
  bool allows_applicant_type(std::string_view type) const;
};

// The fixed vocabularies of the platform.
const std::vector<std::string>& applicant_types();  // government, …, think-tank
const std::vector<std::string>& entry_field_names();  // title, summary, …, form
const std::vector<std::string>& content_form_names();  // project, …, other

// Where a call stands at `now`.
enum class CallStatus { upcoming, open, closed };
CallStatus call_status(const Call& call, Instant now);
std::string_view to_string(CallStatus s);
// The stage whose dates contain today (in the call's zone), if any.
const Stage* current_stage(const Call& call, Instant now);

// Demo mode: when the call's deadline had passed at `now`, move every date of the call by whole
// days so that the deadline falls at the same local time `days_ahead` days after that day.
Call shift_for_demo(Call call, Instant now, int days_ahead = 30);

nlohmann::json to_json(const Call& call);
Result<Call> call_from_json(const nlohmann::json& j);

}  // namespace laurel
