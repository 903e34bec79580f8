#include "core/entry.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace laurel {

using nlohmann::json;

std::string_view to_string(EntryStatus s) {
  switch (s) {
    case EntryStatus::draft: return "draft";
    case EntryStatus::submitted: return "submitted";
    case EntryStatus::withdrawn: return "withdrawn";
  }
  return "draft";
}

std::optional<EntryStatus> entry_status_from(std::string_view s) {
  if (s == "draft") return EntryStatus::draft;
  if (s == "submitted") return EntryStatus::submitted;
  if (s == "withdrawn") return EntryStatus::withdrawn;
  return std::nullopt;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c >> 6) != 2;
  return n;
}

namespace {

bool blank(const std::string& s) { return trim(s).empty(); }

std::optional<std::string> get_string(const json& v) {
  if (v.is_null()) return std::string();
  if (!v.is_string()) return std::nullopt;
  return v.get<std::string>();
}

std::optional<std::vector<std::string>> get_strings(const json& v) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return std::nullopt;
  for (const auto& e : v) {
    if (!e.is_string()) return std::nullopt;
    out.push_back(e.get<std::string>());
  }
  return out;
}

Error type_error(const std::string& field, const char* expected) {
  return Error::make(Code::bad_request, "error.field_type", {{"field", field}, {"expected", expected}});
}

}  // namespace

json to_json(const EntryFields& f) {
  json crit = json::object();
  for (const auto& [k, v] : f.criteria) crit[k] = v;
  return json{{"title_zh", f.title_zh},         {"title_en", f.title_en},   {"summary_zh", f.summary_zh},
              {"summary_en", f.summary_en},     {"criteria", crit},         {"organizations", f.organizations},
              {"started_on", f.started_on},     {"countries", f.countries}, {"form", f.form}};
}

json to_json(const Entry& s) {
  json j{{"id", s.id},
         {"call", s.call},
         {"category", s.category},
         {"status", to_string(s.status)},
         {"fields", to_json(s.fields)},
         {"version", s.version},
         {"created_at", iso_utc(s.created_at)},
         {"updated_at", iso_utc(s.updated_at)}};
  j["receipt"] = s.receipt ? json(*s.receipt) : json(nullptr);
  j["submitted_at"] = s.submitted_at ? json(iso_utc(*s.submitted_at)) : json(nullptr);
  return j;
}

namespace {

void put_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    out.append(s, start, i - start);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += "\\u00"; out += hex[ch >> 4]; out += hex[ch & 15];
    }
    start = i + 1;
  }
  out.append(s, start, s.size() - start);
  out += '"';
}

void put_list(std::string& out, const std::vector<std::string>& l) {
  out += '[';
  for (size_t i = 0; i < l.size(); ++i) {
    if (i) out += ',';
    put_string(out, l[i]);
  }
  out += ']';
}

}  // namespace

std::map<std::string, std::string> to_json_parts(const EntryFields& f) {
  std::map<std::string, std::string> parts;
  auto text = [&](const char* key, const std::string& v) {
    if (v.empty()) return;
    std::string out;
    out.reserve(v.size() + v.size() / 16 + 2);
    put_string(out, v);
    parts.emplace(key, std::move(out));
  };
  auto list = [&](const char* key, const std::vector<std::string>& v) {
    if (v.empty()) return;
    std::string out;
    put_list(out, v);
    parts.emplace(key, std::move(out));
  };
  text("title_zh", f.title_zh);
  text("title_en", f.title_en);
  text("summary_zh", f.summary_zh);
  text("summary_en", f.summary_en);
  for (const auto& [slug, statement] : f.criteria) {
    if (statement.empty()) continue;
    std::string out;
    put_string(out, statement);
    parts.emplace("criteria." + slug, std::move(out));
  }
  list("organizations", f.organizations);
  text("started_on", f.started_on);
  list("countries", f.countries);
  text("form", f.form);
  return parts;
}

std::map<std::string, std::optional<std::string>> changed_parts(const EntryFields& a, const EntryFields& b) {
  std::map<std::string, std::optional<std::string>> out;
  auto text = [&](const char* key, const std::string& x, const std::string& y) {
    if (x == y) return;
    if (y.empty()) {
      out.emplace(key, std::nullopt);
      return;
    }
    std::string s;
    s.reserve(y.size() + y.size() / 16 + 2);
    put_string(s, y);
    out.emplace(key, std::move(s));
  };
  auto list = [&](const char* key, const std::vector<std::string>& x, const std::vector<std::string>& y) {
    if (x == y) return;
    if (y.empty()) {
      out.emplace(key, std::nullopt);
      return;
    }
    std::string s;
    put_list(s, y);
    out.emplace(key, std::move(s));
  };
  text("title_zh", a.title_zh, b.title_zh);
  text("title_en", a.title_en, b.title_en);
  text("summary_zh", a.summary_zh, b.summary_zh);
  text("summary_en", a.summary_en, b.summary_en);
  std::set<std::string> slugs;
  for (const auto& [k, v] : a.criteria) slugs.insert(k);
  for (const auto& [k, v] : b.criteria) slugs.insert(k);
  for (const auto& slug : slugs) {
    auto x = a.criteria.find(slug), y = b.criteria.find(slug);
    static const std::string none;
    text(("criteria." + slug).c_str(), x == a.criteria.end() ? none : x->second,
         y == b.criteria.end() ? none : y->second);
  }
  list("organizations", a.organizations, b.organizations);
  text("started_on", a.started_on, b.started_on);
  list("countries", a.countries, b.countries);
  text("form", a.form, b.form);
  return out;
}

EntryFields from_json_parts(const json& parts) {
  EntryFields f;
  if (!parts.is_object()) return f;
  auto str = [](const json& v) { return v.is_string() ? v.get<std::string>() : std::string(); };
  auto strs = [](const json& v) {
    std::vector<std::string> out;
    if (v.is_array())
      for (const auto& e : v)
        if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
  };
  for (const auto& [key, v] : parts.items()) {
    if (key == "title_zh") f.title_zh = str(v);
    else if (key == "title_en") f.title_en = str(v);
    else if (key == "summary_zh") f.summary_zh = str(v);
    else if (key == "summary_en") f.summary_en = str(v);
    else if (key == "started_on") f.started_on = str(v);
    else if (key == "form") f.form = str(v);
    else if (key == "organizations") f.organizations = strs(v);
    else if (key == "countries") f.countries = strs(v);
    else if (key.rfind("criteria.", 0) == 0 && !str(v).empty()) f.criteria[key.substr(9)] = str(v);
  }
  return f;
}

Result<EntryFields> apply_fields(const EntryFields& base, const json& patch) {
  if (!patch.is_object()) return Error::make(Code::bad_request, "error.fields_object");
  EntryFields f = base;
  for (const auto& [key, v] : patch.items()) {
    std::string* target = key == "title_zh"     ? &f.title_zh
                          : key == "title_en"   ? &f.title_en
                          : key == "summary_zh" ? &f.summary_zh
                          : key == "summary_en" ? &f.summary_en
                          : key == "started_on" ? &f.started_on
                          : key == "form"       ? &f.form
                                                : nullptr;
    if (target) {
      auto s = get_string(v);
      if (!s) return type_error(key, "string");
      if (!valid_utf8(*s)) return Error::make(Code::bad_request, "error.utf8", {{"field", key}});
      *target = *s;
    } else if (key == "organizations" || key == "countries") {
      auto l = get_strings(v);
      if (!l) return type_error(key, "list of strings");
      for (const auto& s : *l)
        if (!valid_utf8(s)) return Error::make(Code::bad_request, "error.utf8", {{"field", key}});
      (key == "organizations" ? f.organizations : f.countries) = *l;
    } else if (key == "criteria") {
      if (v.is_null()) {
        f.criteria.clear();
        continue;
      }
      if (!v.is_object()) return type_error(key, "object");
      for (const auto& [slug, statement] : v.items()) {
        auto s = get_string(statement);
        if (!s) return type_error("criteria." + slug, "string");
        if (!valid_utf8(*s)) return Error::make(Code::bad_request, "error.utf8", {{"field", "criteria." + slug}});
        if (s->empty()) f.criteria.erase(slug);
        else f.criteria[slug] = *s;
      }
    } else {
      return Error::make(Code::bad_request, "error.unknown_field", {{"field", key}});
    }
  }
  return f;
}

bool clean_text(std::string_view s) {
  if (!valid_utf8(s)) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\t' || c == '\n') continue;
    if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0) return false;  // U+0080–U+009F
  }
  return true;
}

Status check_patch(const Call& call, const Category& category, const json& patch) {
  if (!patch.is_object()) return Error::make(Code::bad_request, "error.fields_object");
  auto bad = [](const std::string& field, const char* key, std::map<std::string, std::string> params = {}) {
    params["field"] = field;
    Error e = Error::make(Code::bad_request, key, params);
    e.fields[field] = Message{key, params};
    return e;
  };
  auto text = [&](const std::string& field, const json& v, size_t max) -> Status {
    if (v.is_null()) return Ok{};
    if (!v.is_string()) return type_error(field, "string");
    const auto& s = v.get_ref<const std::string&>();
    if (!valid_utf8(s)) return Error::make(Code::bad_request, "error.utf8", {{"field", field}});
    if (!clean_text(s)) return bad(field, "error.control_characters");
    if (utf8_length(s) > max) return bad(field, "error.field_too_long", {{"max", std::to_string(max)}});
    return Ok{};
  };
  auto list = [&](const std::string& field, const json& v, size_t max_items, size_t max_each) -> Status {
    if (v.is_null()) return Ok{};
    if (!v.is_array()) return type_error(field, "list of strings");
    if (v.size() > max_items) return bad(field, "error.too_many_items", {{"max", std::to_string(max_items)}});
    for (const auto& e : v) {
      if (!e.is_string()) return type_error(field, "list of strings");
      if (auto st = text(field, e, max_each); !st) return st;
    }
    return Ok{};
  };
  for (const auto& [key, v] : patch.items()) {
    auto field_of_call = [&](const char* f) { return call.has_field(f); };
    Status st = Ok{};
    if ((key == "title_zh" || key == "title_en") && field_of_call("title")) st = text(key, v, kMaxTitle);
    else if ((key == "summary_zh" || key == "summary_en") && field_of_call("summary")) st = text(key, v, kMaxSummary);
    else if (key == "organizations" && field_of_call("organizations"))
      st = list(key, v, kMaxOrganizations, kMaxOrganization);
    else if (key == "started_on" && field_of_call("started_on")) st = text(key, v, kMaxDateText);
    else if (key == "countries" && field_of_call("countries")) st = list(key, v, kMaxCountries, kMaxCountryCode);
    else if (key == "form" && field_of_call("form")) st = text(key, v, kMaxChoice);
    else if (key == "criteria" && field_of_call("criteria")) {
      if (v.is_null()) continue;
      if (!v.is_object()) return type_error(key, "object");
      for (const auto& [slug, statement] : v.items()) {
        bool known = std::any_of(category.criteria.begin(), category.criteria.end(),
                                 [&](const Criterion& c) { return c.slug == slug; });
        if (!known) return Error::make(Code::bad_request, "error.unknown_field", {{"field", "criteria." + slug}});
        if (auto r = text("criteria." + slug, statement, kMaxStatement); !r) return r;
      }
    } else
      return Error::make(Code::bad_request, "error.unknown_field", {{"field", key}});
    if (!st) return st;
  }
  return Ok{};
}

std::map<std::string, Message> validate_entry(const Call& call, const Category& category, const EntryFields& f,
                                              const CountryCheck& is_country, Days today) {
  std::map<std::string, Message> e;
  auto too_long = [](const std::string& s, size_t max) { return utf8_length(s) > max; };
  if (blank(f.title_zh) && blank(f.title_en)) e["title"] = {"rule.title_required", {}};
  else if (too_long(f.title_zh, kMaxTitle) || too_long(f.title_en, kMaxTitle))
    e["title"] = {"rule.too_long", {{"max", std::to_string(kMaxTitle)}}};
  if (blank(f.summary_zh) && blank(f.summary_en)) e["summary"] = {"rule.summary_required", {}};
  else if (too_long(f.summary_zh, kMaxSummary) || too_long(f.summary_en, kMaxSummary))
    e["summary"] = {"rule.too_long", {{"max", std::to_string(kMaxSummary)}}};
  for (const auto& c : category.criteria) {
    auto it = f.criteria.find(c.slug);
    if (it == f.criteria.end() || blank(it->second)) e["criteria." + c.slug] = {"rule.statement_required", {}};
    else if (too_long(it->second, kMaxStatement))
      e["criteria." + c.slug] = {"rule.too_long", {{"max", std::to_string(kMaxStatement)}}};
  }
  for (const auto& [slug, text] : f.criteria)
    if (std::none_of(category.criteria.begin(), category.criteria.end(), [&](const Criterion& c) { return c.slug == slug; }))
      e["criteria." + slug] = {"rule.unknown_criterion", {}};
  size_t orgs = std::count_if(f.organizations.begin(), f.organizations.end(), [](const std::string& s) { return !blank(s); });
  if (orgs == 0) e["organizations"] = {"rule.organizations_required", {}};
  else if (f.organizations.size() > kMaxOrganizations)
    e["organizations"] = {"rule.too_many", {{"max", std::to_string(kMaxOrganizations)}}};
  else
    for (const auto& o : f.organizations)
      if (too_long(o, kMaxOrganization)) e["organizations"] = {"rule.too_long", {{"max", std::to_string(kMaxOrganization)}}};

  if (call.has_field("started_on")) {
    auto d = parse_date(trim(f.started_on));
    if (blank(f.started_on)) e["started_on"] = {"rule.started_on_required", {}};
    else if (!d) e["started_on"] = {"rule.date_format", {}};
    else if (call.eligibility.min_start_date && *d < *call.eligibility.min_start_date)
      e["started_on"] = {"rule.started_too_early", {{"date", format_date(*call.eligibility.min_start_date)}}};
    else if (*d > today) e["started_on"] = {"rule.started_in_future", {}};
  }
  if (call.has_field("countries")) {
    std::set<std::string> distinct;
    std::string bad;
    for (const auto& c : f.countries) {
      if (is_country(c)) distinct.insert(c);
      else if (bad.empty()) bad = c;
    }
    if (!bad.empty()) e["countries"] = {"rule.unknown_country", {{"code", bad}}};
    else if (f.countries.size() > kMaxCountries) e["countries"] = {"rule.too_many", {{"max", std::to_string(kMaxCountries)}}};
    else if (int(distinct.size()) < std::max(call.eligibility.min_countries, 1))
      e["countries"] = {"rule.min_countries", {{"min", std::to_string(std::max(call.eligibility.min_countries, 1))}}};
  }
  if (call.has_field("form")) {
    if (blank(f.form)) e["form"] = {"rule.form_required", {}};
    else if (std::find(call.content_forms.begin(), call.content_forms.end(), f.form) == call.content_forms.end())
      e["form"] = {"rule.form_unknown", {}};
  }
  return e;
}

json field_descriptors(const Call& call, const Category& category) {
  json out = json::array();
  auto add = [&](std::string key, std::string type, std::string required, json extra = json::object()) {
    json d{{"key", key}, {"type", type}, {"required", required}};
    d.update(extra);
    out.push_back(d);
  };
  for (const auto& f : call.fields) {
    if (f == "title") {
      add("title_zh", "text", "one_of:title", {{"max_length", kMaxTitle}});
      add("title_en", "text", "one_of:title", {{"max_length", kMaxTitle}});
    } else if (f == "summary") {
      add("summary_zh", "long_text", "one_of:summary", {{"max_length", kMaxSummary}});
      add("summary_en", "long_text", "one_of:summary", {{"max_length", kMaxSummary}});
    } else if (f == "criteria") {
      json slugs = json::array();
      for (const auto& c : category.criteria) slugs.push_back(c.slug);
      add("criteria", "statements", "all", {{"keys", slugs}, {"max_length", kMaxStatement}});
    } else if (f == "organizations") {
      add("organizations", "list", "at_least_one", {{"max_items", kMaxOrganizations}});
    } else if (f == "started_on") {
      json x{{"format", "YYYY-MM-DD"}};
      if (call.eligibility.min_start_date) x["min"] = format_date(*call.eligibility.min_start_date);
      add("started_on", "date", "yes", x);
    } else if (f == "countries") {
      add("countries", "country_list", "yes", {{"min_distinct", std::max(call.eligibility.min_countries, 1)}});
    } else if (f == "form") {
      add("form", "choice", "yes", {{"choices", call.content_forms}});
    }
  }
  return out;
}

std::string format_receipt(std::string_view prefix, std::string_view code, long long number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld", number);
  return std::string(prefix) + "-" + std::string(code) + "-" + buf;
}

std::optional<Message> check_password(std::string_view pw, const std::vector<std::string>& common) {
  if (utf8_length(pw) < 10) return Message{"rule.password_short", {{"min", "10"}}};
  if (pw.size() > 1024) return Message{"rule.too_long", {{"max", "1024"}}};
  std::string lower(pw);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(common.begin(), common.end(), lower) != common.end()) return Message{"rule.password_common", {}};
  return std::nullopt;
}

}  // namespace laurel
