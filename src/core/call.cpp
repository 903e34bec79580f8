#include "core/call.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace laurel {

using nlohmann::json;

const Category* Call::category(std::string_view s) const {
  for (const auto& c : categories)
    if (c.slug == s) return &c;
  return nullptr;
}

bool Call::has_field(std::string_view f) const {
  return std::find(fields.begin(), fields.end(), f) != fields.end();
}

bool Call::allows_applicant_type(std::string_view t) const {
  return std::find(applicant_types.begin(), applicant_types.end(), t) != applicant_types.end();
}

const std::vector<std::string>& applicant_types() {
  static const std::vector<std::string> v{"government",          "international-organization",
                                          "social-organization", "research-institution",
                                          "university",          "technical-community",
                                          "enterprise",          "innovation-team",
                                          "think-tank"};
  return v;
}

const std::vector<std::string>& entry_field_names() {
  static const std::vector<std::string> v{"title",      "summary",   "criteria", "organizations",
                                          "started_on", "countries", "form"};
  return v;
}

const std::vector<std::string>& content_form_names() {
  static const std::vector<std::string> v{"project", "initiative",    "plan",    "action",  "conference",
                                          "training", "communication", "product", "service", "other"};
  return v;
}

CallStatus call_status(const Call& call, Instant now) {
  if (call.opens && now < *call.opens) return CallStatus::upcoming;
  if (now < call.deadline) return CallStatus::open;
  return CallStatus::closed;
}

std::string_view to_string(CallStatus s) {
  switch (s) {
    case CallStatus::upcoming: return "upcoming";
    case CallStatus::open: return "open";
    case CallStatus::closed: return "closed";
  }
  return "closed";
}

const Stage* current_stage(const Call& call, Instant now) {
  Days today = local_date(now, call.time_zone);
  const Stage* found = nullptr;
  for (const auto& s : call.stages)
    if (s.starts <= today && today <= s.ends) found = &s;  // the latest one that has begun
  return found;
}

Call shift_for_demo(Call call, Instant now, int days_ahead) {
  if (now < call.deadline) return call;
  // The deadline's local date and time of day stay the same, moved to today + days_ahead.
  Days deadline_day = local_date(call.deadline - std::chrono::seconds{1}, call.time_zone);
  Days target = local_date(now, call.time_zone) + std::chrono::days{days_ahead};
  auto shift = target - deadline_day;
  call.deadline = add_local_days(call.deadline, call.time_zone, shift);
  if (call.opens) *call.opens = add_local_days(*call.opens, call.time_zone, shift);
  for (auto& s : call.stages) {
    s.starts += shift;
    s.ends += shift;
  }
  call.demo_shifted = true;
  return call;
}

// ---- JSON (the stored form, also the base of the API's call object) ----

namespace {

json text_json(const Text& t) { return json{{"zh", t.zh}, {"en", t.en}}; }
Text text_of(const json& j) {
  Text t;
  if (j.is_object()) {
    t.zh = j.value("zh", "");
    t.en = j.value("en", "");
  }
  return t;
}

}  // namespace

json to_json(const Call& c) {
  json j{{"slug", c.slug},
         {"receipt_prefix", c.receipt_prefix},
         {"kind", c.kind},
         {"time_zone", c.time_zone},
         {"deadline", iso_local(c.deadline, c.time_zone)},
         {"website", c.website},
         {"title", text_json(c.title)},
         {"organiser", text_json(c.organiser)},
         {"summary", text_json(c.summary)},
         {"description", text_json(c.description)},
         {"applicant_types", c.applicant_types},
         {"fields", c.fields},
         {"content_forms", c.content_forms}};
  j["opens"] = c.opens ? json(iso_local(*c.opens, c.time_zone)) : json(nullptr);
  json elig = json::object();
  if (c.eligibility.min_start_date) elig["min_start_date"] = format_date(*c.eligibility.min_start_date);
  if (c.eligibility.min_countries) elig["min_countries"] = c.eligibility.min_countries;
  j["eligibility"] = elig;
  j["quotas"] = json::array();
  for (const auto& q : c.quotas) {
    json qj{{"slug", q.slug}, {"title", text_json(q.title)}};
    qj["min"] = q.min ? json(*q.min) : json(nullptr);
    qj["max"] = q.max ? json(*q.max) : json(nullptr);
    j["quotas"].push_back(qj);
  }
  j["stages"] = json::array();
  for (const auto& s : c.stages)
    j["stages"].push_back({{"slug", s.slug},
                           {"title", text_json(s.title)},
                           {"description", text_json(s.description)},
                           {"starts", format_date(s.starts)},
                           {"ends", format_date(s.ends)}});
  j["contacts"] = json::array();
  for (const auto& p : c.contacts)
    j["contacts"].push_back(
        {{"role", text_json(p.role)}, {"name", text_json(p.name)}, {"phone", p.phone}, {"email", p.email}});
  j["categories"] = json::array();
  for (const auto& cat : c.categories) {
    json cj{{"slug", cat.slug},
            {"code", cat.code},
            {"title", text_json(cat.title)},
            {"description", text_json(cat.description)},
            {"criteria", json::array()}};
    for (const auto& cr : cat.criteria)
      cj["criteria"].push_back({{"slug", cr.slug},
                                {"title", text_json(cr.title)},
                                {"description", text_json(cr.description)},
                                {"weight", cr.weight},
                                {"comment_required", cr.comment_required}});
    j["categories"].push_back(cj);
  }
  j["max_entry_bytes"] = c.max_entry_bytes;
  if (!c.reminders.empty()) j["reminders"] = c.reminders;
  j["materials"] = json::array();
  for (const auto& m : c.materials)
    j["materials"].push_back({{"kind", m.kind},
                              {"label", text_json(m.label)},
                              {"hint", text_json(m.hint)},
                              {"required", m.required},
                              {"min", m.min},
                              {"max", m.max},
                              {"max_size", m.max_size},
                              {"categories", m.categories},
                              {"formats", accepted_formats(m.kind)}});
  return j;
}

Result<Call> call_from_json(const json& j) {
  try {
    Call c;
    c.slug = j.at("slug").get<std::string>();
    c.receipt_prefix = j.at("receipt_prefix").get<std::string>();
    c.kind = j.at("kind").get<std::string>();
    c.time_zone = j.at("time_zone").get<std::string>();
    c.website = j.value("website", "");
    auto parse_iso = [&](const std::string& s) -> std::optional<Instant> {
      // stored as YYYY-MM-DDTHH:MM:SS+HH:MM in the call's own zone
      return parse_local_datetime(s.substr(0, 19), c.time_zone);
    };
    auto dl = parse_iso(j.at("deadline").get<std::string>());
    if (!dl) return Error::make(Code::invalid, "error.stored_call");
    c.deadline = *dl;
    if (j.contains("opens") && j["opens"].is_string()) c.opens = parse_iso(j["opens"].get<std::string>());
    c.title = text_of(j.at("title"));
    c.organiser = text_of(j.value("organiser", json::object()));
    c.summary = text_of(j.value("summary", json::object()));
    c.description = text_of(j.value("description", json::object()));
    c.applicant_types = j.value("applicant_types", std::vector<std::string>{});
    c.fields = j.value("fields", std::vector<std::string>{});
    c.content_forms = j.value("content_forms", std::vector<std::string>{});
    const auto& e = j.value("eligibility", json::object());
    if (e.contains("min_start_date")) c.eligibility.min_start_date = parse_date(e["min_start_date"].get<std::string>());
    c.eligibility.min_countries = e.value("min_countries", 0);
    for (const auto& q : j.value("quotas", json::array())) {
      Quota quota{q.at("slug"), text_of(q.at("title")), std::nullopt, std::nullopt};
      if (q.contains("min") && q["min"].is_number_integer()) quota.min = q["min"].get<int>();
      if (q.contains("max") && q["max"].is_number_integer()) quota.max = q["max"].get<int>();
      c.quotas.push_back(quota);
    }
    for (const auto& s : j.value("stages", json::array())) {
      auto a = parse_date(s.at("starts").get<std::string>()), b = parse_date(s.at("ends").get<std::string>());
      if (!a || !b) return Error::make(Code::invalid, "error.stored_call");
      c.stages.push_back({s.at("slug"), text_of(s.at("title")), text_of(s.value("description", json::object())), *a, *b});
    }
    for (const auto& p : j.value("contacts", json::array()))
      c.contacts.push_back({text_of(p.value("role", json::object())), text_of(p.at("name")), p.value("phone", ""),
                            p.value("email", "")});
    for (const auto& cj : j.at("categories")) {
      Category cat{cj.at("slug"), cj.at("code"), text_of(cj.at("title")),
                   text_of(cj.value("description", json::object())), {}};
      for (const auto& cr : cj.value("criteria", json::array()))
        cat.criteria.push_back({cr.at("slug"), text_of(cr.at("title")), text_of(cr.value("description", json::object())),
                                cr.value("weight", 1.0), cr.value("comment_required", false)});
      c.categories.push_back(std::move(cat));
    }
    c.max_entry_bytes = j.value("max_entry_bytes", c.max_entry_bytes);
    c.reminders = j.value("reminders", std::vector<long long>{});
    for (const auto& m : j.value("materials", json::array())) {
      MaterialRule r;
      r.kind = m.at("kind").get<std::string>();
      r.label = text_of(m.value("label", json::object()));
      r.hint = text_of(m.value("hint", json::object()));
      r.required = m.value("required", false);
      r.min = m.value("min", 0);
      r.max = m.value("max", 10);
      r.max_size = m.at("max_size").get<long long>();
      r.categories = m.value("categories", std::vector<std::string>{});
      c.materials.push_back(std::move(r));
    }
    return c;
  } catch (const json::exception&) {
    return Error::make(Code::invalid, "error.stored_call");
  }
}

}  // namespace laurel
