#include "core/call_file.h"

#include <algorithm>
#include <regex>
#include <set>
#include <toml++/toml.h>

namespace laurel {
namespace {

class Reader {
 public:
  std::vector<CallFileError> errors;

  int line_of(const toml::node* n) const { return n ? int(n->source().begin.line) : 0; }
  void fail(const toml::node* at, std::string reason) { errors.push_back({line_of(at), std::move(reason)}); }

  std::string str(const toml::table& t, std::string_view key, std::string_view where, bool required = true) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(&t, std::string(where) + ": missing \"" + std::string(key) + "\"");
      return {};
    }
    auto v = n->value<std::string>();
    if (!v) {
      fail(n, std::string(where) + ": \"" + std::string(key) + "\" must be a string");
      return {};
    }
    return *v;
  }

  Text text(const toml::table& t, std::string_view key, std::string_view where, bool required = true) {
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(&t, std::string(where) + ": missing \"" + std::string(key) + "\" (a table with zh and en)");
      return {};
    }
    const toml::table* tt = n->as_table();
    if (!tt) {
      fail(n, std::string(where) + ": \"" + std::string(key) + "\" must be a table { zh = \"…\", en = \"…\" }");
      return {};
    }
    std::string w = std::string(where) + "." + std::string(key);
    Text out{str(*tt, "zh", w, false), str(*tt, "en", w, false)};
    for (auto&& [k, v] : *tt)
      if (k != "zh" && k != "en") fail(&v, w + ": unknown language \"" + std::string(k.str()) + "\" (only zh and en)");
    if (out.zh.empty() || out.en.empty()) fail(n, w + ": both zh and en must be given, non-empty");
    return out;
  }

  std::vector<std::string> strings(const toml::table& t, std::string_view key, std::string_view where,
                                   bool required = true) {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(&t, std::string(where) + ": missing \"" + std::string(key) + "\"");
      return out;
    }
    const toml::array* a = n->as_array();
    if (!a) {
      fail(n, std::string(where) + ": \"" + std::string(key) + "\" must be a list of strings");
      return out;
    }
    for (const auto& e : *a) {
      auto v = e.value<std::string>();
      if (!v) fail(&e, std::string(where) + ": \"" + std::string(key) + "\" must hold only strings");
      else out.push_back(*v);
    }
    return out;
  }

  std::optional<int> integer(const toml::table& t, std::string_view key, std::string_view where) {
    const toml::node* n = t.get(key);
    if (!n) return std::nullopt;
    auto v = n->value<int64_t>();
    if (!v || *v < 0 || *v > 1000000) {
      fail(n, std::string(where) + ": \"" + std::string(key) + "\" must be a whole number ≥ 0");
      return std::nullopt;
    }
    return int(*v);
  }

  std::vector<const toml::table*> tables(const toml::table& t, std::string_view key, std::string_view where,
                                         bool required) {
    std::vector<const toml::table*> out;
    const toml::node* n = t.get(key);
    if (!n) {
      if (required) fail(&t, std::string(where) + ": needs at least one [[" + std::string(key) + "]]");
      return out;
    }
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) {
      fail(n, std::string(where) + ": \"" + std::string(key) + "\" must be an array of tables [[…]]");
      return out;
    }
    for (const auto& e : *a) out.push_back(e.as_table());
    if (required && out.empty()) fail(n, std::string(where) + ": needs at least one " + std::string(key));
    return out;
  }

  void known_keys(const toml::table& t, std::initializer_list<std::string_view> keys, std::string_view where) {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (auto key : keys) ok = ok || k.str() == key;
      if (!ok) fail(&v, std::string(where) + ": unknown key \"" + std::string(k.str()) + "\"");
    }
  }
};

bool is_slug(const std::string& s) {
  static const std::regex re("^[a-z0-9]+(-[a-z0-9]+)*$");
  return s.size() <= 64 && std::regex_match(s, re);
}

bool is_code(const std::string& s) {
  static const std::regex re("^[A-Z][A-Z0-9]{1,3}$");
  return std::regex_match(s, re);
}

bool is_prefix(const std::string& s) {
  static const std::regex re("^[A-Z][A-Z0-9]{1,7}$");
  return std::regex_match(s, re);
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Call read_call(Reader& r, const toml::table& t, int index) {
  Call c;
  std::string where = "call #" + std::to_string(index + 1);
  r.known_keys(t, {"slug", "receipt_prefix", "kind", "time_zone", "deadline", "opens", "website", "title", "organiser",
                   "summary", "description", "applicant_types", "fields", "content_forms", "eligibility", "quota",
                   "stage", "contact", "category", "material", "max_entry_size", "reminders"},
               where);
  c.slug = r.str(t, "slug", where);
  if (!c.slug.empty() && !is_slug(c.slug)) r.fail(t.get("slug"), where + ": slug must be lower-case letters, digits and dashes");
  if (!c.slug.empty()) where = "call " + c.slug;
  c.receipt_prefix = r.str(t, "receipt_prefix", where);
  if (!c.receipt_prefix.empty() && !is_prefix(c.receipt_prefix))
    r.fail(t.get("receipt_prefix"), where + ": receipt_prefix must be 2–8 capital letters or digits, e.g. LT25");
  c.kind = r.str(t, "kind", where);
  if (!c.kind.empty() && c.kind != "award" && c.kind != "case")
    r.fail(t.get("kind"), where + ": kind must be \"award\" or \"case\"");
  c.time_zone = r.str(t, "time_zone", where);
  if (!c.time_zone.empty() && !is_time_zone(c.time_zone))
    r.fail(t.get("time_zone"), where + ": unknown time zone \"" + c.time_zone + "\" (use an IANA name like Asia/Shanghai)");
  bool zone_ok = !c.time_zone.empty() && is_time_zone(c.time_zone);
  std::string dl = r.str(t, "deadline", where);
  bool deadline_ok = false;
  if (!dl.empty() && zone_ok) {
    auto d = parse_local_datetime(dl, c.time_zone);
    if (!d) r.fail(t.get("deadline"), where + ": deadline must be \"YYYY-MM-DD HH:MM[:SS]\" (24:00 allowed)");
    else c.deadline = *d, deadline_ok = true;
  }
  std::string op = r.str(t, "opens", where, false);
  if (!op.empty() && zone_ok) {
    auto d = parse_local_datetime(op, c.time_zone);
    if (!d) r.fail(t.get("opens"), where + ": opens must be \"YYYY-MM-DD HH:MM[:SS]\"");
    else if (deadline_ok && *d >= c.deadline) r.fail(t.get("opens"), where + ": opens must be before the deadline");
    else c.opens = *d;
  }
  c.website = r.str(t, "website", where, false);
  c.title = r.text(t, "title", where);
  c.organiser = r.text(t, "organiser", where, false);
  c.summary = r.text(t, "summary", where, false);
  c.description = r.text(t, "description", where, false);
  c.applicant_types = r.strings(t, "applicant_types", where);
  for (const auto& a : c.applicant_types)
    if (!contains(applicant_types(), a)) r.fail(t.get("applicant_types"), where + ": unknown applicant type \"" + a + "\"");
  c.fields = r.strings(t, "fields", where);
  for (const auto& f : c.fields)
    if (!contains(entry_field_names(), f)) r.fail(t.get("fields"), where + ": unknown field \"" + f + "\"");
  for (const char* f : {"title", "summary", "criteria", "organizations"})
    if (t.get("fields") && !contains(c.fields, f)) r.fail(t.get("fields"), where + ": fields must include \"" + std::string(f) + "\"");
  c.content_forms = r.strings(t, "content_forms", where, contains(c.fields, "form"));
  for (const auto& f : c.content_forms)
    if (!contains(content_form_names(), f)) r.fail(t.get("content_forms"), where + ": unknown content form \"" + f + "\"");
  if (const toml::node* e = t.get("eligibility")) {
    if (const toml::table* et = e->as_table()) {
      r.known_keys(*et, {"min_start_date", "min_countries"}, where + ".eligibility");
      std::string d = r.str(*et, "min_start_date", where + ".eligibility", false);
      if (!d.empty()) {
        c.eligibility.min_start_date = parse_date(d);
        if (!c.eligibility.min_start_date) r.fail(et->get("min_start_date"), where + ": min_start_date must be YYYY-MM-DD");
      }
      c.eligibility.min_countries = r.integer(*et, "min_countries", where + ".eligibility").value_or(0);
    } else {
      r.fail(e, where + ": eligibility must be a table");
    }
  }
  for (const auto* q : r.tables(t, "quota", where, false)) {
    std::string w = where + ".quota";
    r.known_keys(*q, {"slug", "title", "min", "max"}, w);
    Quota quota{r.str(*q, "slug", w), r.text(*q, "title", w), r.integer(*q, "min", w), r.integer(*q, "max", w)};
    if (quota.min && quota.max && *quota.min > *quota.max) r.fail(q, w + ": min is greater than max");
    c.quotas.push_back(quota);
  }
  for (const auto* s : r.tables(t, "stage", where, true)) {
    std::string w = where + ".stage";
    r.known_keys(*s, {"slug", "title", "description", "starts", "ends"}, w);
    Stage st;
    st.slug = r.str(*s, "slug", w);
    st.title = r.text(*s, "title", w);
    st.description = r.text(*s, "description", w, false);
    auto a = parse_date(r.str(*s, "starts", w)), b = parse_date(r.str(*s, "ends", w));
    if (!a || !b) r.fail(s, w + ": starts and ends must be dates YYYY-MM-DD");
    else if (*b < *a) r.fail(s, w + ": ends before it starts");
    else st.starts = *a, st.ends = *b;
    c.stages.push_back(st);
  }
  for (const auto* p : r.tables(t, "contact", where, false)) {
    std::string w = where + ".contact";
    r.known_keys(*p, {"role", "name", "phone", "email"}, w);
    c.contacts.push_back({r.text(*p, "role", w, false), r.text(*p, "name", w), r.str(*p, "phone", w, false),
                          r.str(*p, "email", w, false)});
  }
  std::set<std::string> slugs, codes;
  for (const auto* ct : r.tables(t, "category", where, true)) {
    std::string w = where + ".category";
    r.known_keys(*ct, {"slug", "code", "title", "description", "criterion"}, w);
    Category cat;
    cat.slug = r.str(*ct, "slug", w);
    if (!cat.slug.empty() && !is_slug(cat.slug)) r.fail(ct->get("slug"), w + ": slug must be lower-case letters, digits and dashes");
    if (!cat.slug.empty() && !slugs.insert(cat.slug).second) r.fail(ct->get("slug"), w + ": duplicate category \"" + cat.slug + "\"");
    if (!cat.slug.empty()) w = where + " category " + cat.slug;
    cat.code = r.str(*ct, "code", w);
    if (!cat.code.empty() && !is_code(cat.code)) r.fail(ct->get("code"), w + ": code must be 2–4 capital letters or digits");
    if (!cat.code.empty() && !codes.insert(cat.code).second) r.fail(ct->get("code"), w + ": duplicate code \"" + cat.code + "\"");
    cat.title = r.text(*ct, "title", w);
    cat.description = r.text(*ct, "description", w, false);
    std::set<std::string> crit;
    for (const auto* cr : r.tables(*ct, "criterion", w, true)) {
      std::string cw = w + ".criterion";
      r.known_keys(*cr, {"slug", "title", "description", "weight", "comment_required"}, cw);
      Criterion criterion{r.str(*cr, "slug", cw), r.text(*cr, "title", cw), r.text(*cr, "description", cw, false)};
      if (const toml::node* wn = cr->get("weight")) {
        auto wv = wn->value<double>();
        if (!wv || !(*wv > 0) || *wv > 1000) r.fail(wn, cw + ": \"weight\" must be a number above 0 and at most 1000");
        else criterion.weight = *wv;
      }
      if (const toml::node* cn = cr->get("comment_required")) {
        auto cv = cn->value<bool>();
        if (!cv) r.fail(cn, cw + ": \"comment_required\" must be true or false");
        else criterion.comment_required = *cv;
      }
      if (!criterion.slug.empty() && !is_slug(criterion.slug)) r.fail(cr->get("slug"), cw + ": slug must be lower-case letters, digits and dashes");
      if (!crit.insert(criterion.slug).second) r.fail(cr->get("slug"), cw + ": duplicate criterion \"" + criterion.slug + "\"");
      cat.criteria.push_back(criterion);
    }
    c.categories.push_back(std::move(cat));
  }
  for (const auto& text : r.strings(t, "reminders", where, false)) {
    auto offset = parse_reminder_offset(text);
    if (!offset) r.fail(t.get("reminders"), where + ": reminders must be offsets before the deadline such as \"7d\", \"3h\" or \"30m\"");
    else if (std::find(c.reminders.begin(), c.reminders.end(), *offset) == c.reminders.end()) c.reminders.push_back(*offset);
  }
  std::sort(c.reminders.begin(), c.reminders.end(), std::greater<>());
  if (const toml::node* n = t.get("max_entry_size")) {
    auto v = n->value<std::string>();
    auto size = v ? parse_size(*v) : std::nullopt;
    if (!size || *size <= 0) r.fail(n, where + ": max_entry_size must be a size such as \"4 GiB\"");
    else c.max_entry_bytes = *size;
  }
  std::set<std::string> kinds;
  for (const auto* m : r.tables(t, "material", where, false)) {
    std::string w = where + ".material";
    r.known_keys(*m, {"kind", "label", "hint", "required", "min", "max", "max_size", "categories"}, w);
    MaterialRule rule;
    rule.kind = r.str(*m, "kind", w);
    if (!rule.kind.empty() && !is_material_kind(rule.kind))
      r.fail(m->get("kind"), w + ": kind must be one of document, image, video, audio");
    if (!rule.kind.empty()) w = where + " material " + rule.kind;
    rule.label = r.text(*m, "label", w);
    rule.hint = r.text(*m, "hint", w, false);
    if (const toml::node* req = m->get("required")) {
      auto b = req->value<bool>();
      if (!b) r.fail(req, w + ": required must be true or false");
      else rule.required = *b;
    }
    rule.min = r.integer(*m, "min", w).value_or(rule.required ? 1 : 0);
    rule.max = r.integer(*m, "max", w).value_or(10);
    if (rule.required && rule.min < 1) r.fail(m, w + ": a required material needs min ≥ 1");
    if (rule.min > 0 && !rule.required) r.fail(m, w + ": min > 0 means required = true");
    if (rule.max < 1 || rule.min > rule.max) r.fail(m, w + ": max must be ≥ 1 and ≥ min");
    std::string size = r.str(*m, "max_size", w);
    if (!size.empty()) {
      auto bytes = parse_size(size);
      if (!bytes || *bytes <= 0) r.fail(m->get("max_size"), w + ": max_size must be a size such as \"50 MiB\" or \"2 GiB\"");
      else rule.max_size = *bytes;
    }
    rule.categories = r.strings(*m, "categories", w, false);
    for (const auto& cs : rule.categories)
      if (!slugs.count(cs)) r.fail(m->get("categories"), w + ": unknown category \"" + cs + "\"");
    // One rule per kind for any category.
    std::vector<std::string> scope = rule.categories.empty() ? std::vector<std::string>(slugs.begin(), slugs.end()) : rule.categories;
    for (const auto& cs : scope)
      if (!rule.kind.empty() && !kinds.insert(cs + "/" + rule.kind).second)
        r.fail(m, w + ": two rules for " + rule.kind + " in category \"" + cs + "\"");
    c.materials.push_back(std::move(rule));
  }
  return c;
}

}  // namespace

std::optional<long long> parse_reminder_offset(std::string_view text) {
  if (text.size() < 2 || text.size() > 6) return std::nullopt;
  long long n = 0;
  for (char ch : text.substr(0, text.size() - 1)) {
    if (ch < '0' || ch > '9') return std::nullopt;
    n = n * 10 + (ch - '0');
  }
  long long unit = text.back() == 'd' ? 86400 : text.back() == 'h' ? 3600 : text.back() == 'm' ? 60 : 0;
  if (unit == 0 || n <= 0 || n * unit > 366LL * 86400) return std::nullopt;
  return n * unit;
}

CallFileResult parse_call_file(std::string_view text, std::string_view source_name) {
  CallFileResult out;
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    out.errors.push_back({int(e.source().begin.line), std::string(e.description())});
    return out;
  }
  Reader r;
  r.known_keys(root, {"call"}, "file");
  auto calls = r.tables(root, "call", "file", true);
  std::set<std::string> seen;
  for (size_t i = 0; i < calls.size(); ++i) {
    Call c = read_call(r, *calls[i], int(i));
    if (!c.slug.empty() && !seen.insert(c.slug).second) r.fail(calls[i], "duplicate call \"" + c.slug + "\"");
    out.calls.push_back(std::move(c));
  }
  if (!r.errors.empty()) {
    out.calls.clear();
    out.errors = std::move(r.errors);
  }
  return out;
}

}  // namespace laurel
