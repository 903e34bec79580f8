#include "service/notices.h"

#include <nlohmann/json.hpp>

#include "infra/mail_message.h"
#include "service/calls.h"
#include "service/mail.h"
#include "service/write.h"
#include "store/audit.h"

namespace laurel::service {

using nlohmann::json;

namespace {

std::string human_size(long long b) {
  char buf[32];
  if (b >= (1LL << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", double(b) / (1LL << 30));
  else if (b >= (1LL << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1LL << 20));
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", double(b) / 1024);
  else std::snprintf(buf, sizeof buf, "%lld B", b);
  return buf;
}

constexpr const char* kRecipients =
    "SELECT DISTINCT u.id, u.email, u.contact_name, u.optional_mail FROM submissions s JOIN users u ON u.id = s.owner_id "
    "WHERE s.call_slug = ? AND (CAST(? AS TEXT) = '' OR s.category = ?) AND (CAST(? AS TEXT) = '' OR s.status = ?) "
    "ORDER BY u.id";

Status check_message(const Call& call, const ApplicantMessage& m, bool sending) {
  Error e = Error::make(Code::invalid, "error.invalid");
  if (!m.category.empty() && !call.category(m.category)) e.fields["category"] = {"rule.unknown_category", {}};
  if (!m.status.empty() && m.status != "draft" && m.status != "submitted" && m.status != "withdrawn")
    e.fields["status"] = {"rule.unknown_status", {}};
  if (sending) {
    std::string subject = mail::sanitize_header(m.subject);
    if (subject.empty()) e.fields["subject"] = {"rule.required", {}};
    else if (utf8_length(subject) > 200) e.fields["subject"] = {"rule.too_long", {{"max", "200"}}};
    if (m.body.find_first_not_of(" \t\r\n") == std::string::npos) e.fields["body"] = {"rule.required", {}};
    else if (utf8_length(m.body) > 20000) e.fields["body"] = {"rule.too_long", {{"max", "20000"}}};
    else if (!valid_utf8(m.body) || !clean_text(m.body)) e.fields["body"] = {"rule.control_characters", {}};
  }
  if (!e.fields.empty()) return e;
  return Ok{};
}

}  // namespace

void queue_receipt_mail(store::Conn& c, const Env& env, const Call& call, const Entry& s) {
  auto owner = c.query_one("SELECT email, contact_name FROM users WHERE id = ?", {s.owner_id});
  if (!owner || !s.receipt) return;
  Lang lang = recipient_lang(c, s.owner_id);
  json materials = json::array();
  for (const auto& r : c.query("SELECT filename, kind, size, sha256 FROM materials WHERE submission_id = ? AND "
                               "removed_at IS NULL AND status <> 'rejected' ORDER BY kind, position",
                               {s.id}))
    materials.push_back({{"filename", r.str(0)}, {"kind", mail_text(lang, "material.kind." + r.str(1))},
                         {"size", human_size(r.num(2))}, {"sha256", r.str(3)}});
  const Category* cat = call.category(s.category);
  Instant at = s.submitted_at.value_or(env.now());
  Text title{s.fields.title_zh, s.fields.title_en};
  json view{{"name", owner->str(1)},
            {"receipt", *s.receipt},
            {"entry_title", title.in(lang).empty() ? mail_text(lang, "mail.untitled") : title.in(lang)},
            {"call_title", call.title.in(lang)},
            {"category", cat ? cat->title.in(lang) : s.category},
            {"submitted_at", human_datetime(at, call.time_zone, lang) + " (" + utc_offset_label(at, call.time_zone) + ", " +
                                 call.time_zone + ")"},
            {"version", std::to_string(s.version)},
            {"materials", materials},
            {"has_materials", !materials.empty()},
            {"entry_path", "/entries/" + s.id}};
  enqueue_mail(c, env, "receipt", owner->str(0), lang, view);
}

Result<RecipientCount> count_message_recipients(Env& env, const Actor& actor, const std::string& call_slug,
                                                const ApplicantMessage& m) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  if (auto st = check_message(*call, m, false); !st) return st.error();
  auto c = env.db.acquire();
  RecipientCount n;
  for (const auto& r : c->query(kRecipients, {call_slug, m.category, m.category, m.status, m.status}))
    ++(r.num(3) ? n.recipients : n.opted_out);
  return n;
}

Result<int> send_applicant_message(Env& env, const Actor& actor, const std::string& call_slug,
                                   const ApplicantMessage& m) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  auto call = find_call(env, call_slug);
  if (!call) return call.error();
  if (auto st = check_message(*call, m, true); !st) return st.error();
  std::string subject = mail::sanitize_header(m.subject);
  return in_write(env, [&](store::Conn& c) -> Result<int> {
    int n = 0;
    for (const auto& r : c.query(kRecipients, {call_slug, m.category, m.category, m.status, m.status})) {
      if (!r.num(3)) continue;  // optional mail turned off
      Lang lang = recipient_lang(c, r.str(0));
      json paragraphs = json::array();
      std::string body = m.body, para;
      size_t i = 0;
      while (i <= body.size()) {
        size_t j = body.find('\n', i);
        if (j == std::string::npos) j = body.size();
        std::string line = body.substr(i, j - i);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        paragraphs.push_back({{"line", line}});
        i = j + 1;
      }
      json view{{"name", r.str(2)},       {"message_subject", subject}, {"body", m.body},
                {"lines", paragraphs},    {"call_title", call->title.in(lang)},
                {"intro", mail_text(lang, "mail.message.intro", {{"call_title", call->title.in(lang)}})}};
      EnqueueOptions o;
      o.optional_for = r.str(0);
      if (enqueue_mail(c, env, "message", r.str(1), lang, view, o)) ++n;
    }
    store::audit(c, unix_seconds(env.now()), actor.id, "mail_applicants", "call", call_slug,
                 json{{"category", m.category}, {"status", m.status}, {"recipients", n}, {"subject", subject}}.dump());
    return n;
  });
}

}  // namespace laurel::service
