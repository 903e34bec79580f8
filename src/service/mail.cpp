#include "service/mail.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <kainjow/mustache.hpp>

#include "infra/crypto.h"
#include "infra/file_store.h"
#include "infra/mail_message.h"
#include "infra/resources.h"
#include "infra/smtp.h"
#include "service/reminders.h"
#include "store/audit.h"

namespace laurel::service {

using nlohmann::json;
namespace mu = kainjow::mustache;

namespace {


mu::data to_data(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      mu::data d{mu::data::type::object};
      for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
      return d;
    }
    case json::value_t::array: {
      mu::data d{mu::data::type::list};
      for (const auto& v : j) d.push_back(to_data(v));
      return d;
    }
    case json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      return s.empty() ? mu::data{false} : mu::data{s};
    }
    case json::value_t::boolean: return mu::data{j.get<bool>()};
    case json::value_t::null: return mu::data{false};
    default: return mu::data{j.dump()};
  }
}

void flatten(const json& j, const std::string& prefix, std::map<std::string, std::string, std::less<>>& out) {
  for (const auto& [k, v] : j.items()) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object()) flatten(v, key, out);
    else if (v.is_string()) out[key] = v.get<std::string>();
  }
}

// The catalogues and the mail templates, parsed once, on first use (never during static
// initialisation: kainjow's delimiters are statics).
struct Catalogue {
  json tree[2];
  std::map<std::string, std::string, std::less<>> flat[2];
  std::map<std::string, std::unique_ptr<mu::mustache>, std::less<>> templates;
  Catalogue() {
    const char* files[2] = {"i18n/zh-CN.json", "i18n/en.json"};
    for (int i = 0; i < 2; ++i) {
      auto text = resources::find(files[i]);
      if (!text) throw std::runtime_error(std::string("missing ") + files[i]);
      tree[i] = json::parse(*text);
      flatten(tree[i], "", flat[i]);
    }
    for (const auto& [path, text] : resources::all()) {
      if (path.rfind("templates/mail/", 0) != 0) continue;
      auto m = std::make_unique<mu::mustache>(std::string(text));
      if (!m->is_valid()) throw std::runtime_error("template " + path + ": " + m->error_message());
      templates.emplace(path.substr(15), std::move(m));  // "verify.txt"
    }
  }
  std::string render(const std::string& name, const json& view, Lang lang) const {
    auto it = templates.find(name);
    if (it == templates.end()) throw std::runtime_error("no mail template " + name);
    mu::data root{mu::data::type::object};
    root.set("t", to_data(tree[lang == Lang::zh ? 0 : 1]));
    mu::data d = to_data(view);
    mu::context<std::string> ctx(&root);
    ctx.push(&d);
    return it->second->render(ctx);
  }
};

const Catalogue& catalogue() {
  static const Catalogue c;
  return c;
}

std::string domain_of(const std::string& email) {
  auto at = email.rfind('@');
  return at == std::string::npos ? "laurel.invalid" : email.substr(at + 1);
}

struct Claimed {
  long long id = 0;
  std::string kind, to, message, entry_id;
  int attempts = 0;
  long long queued_at = 0;
  std::optional<long long> not_after;
};

// A reminder whose entry was submitted (or whose deadline passed) is not sent.
std::string reminder_obsolete(store::Conn& c, const Claimed& m, long long now) {
  if (m.kind != "reminder") return {};
  if (m.not_after && now >= *m.not_after) return "not sent: the deadline has passed";
  if (!m.entry_id.empty()) {
    auto r = c.query_one("SELECT status FROM submissions WHERE id = ?", {m.entry_id});
    if (!r || r->str(0) != "draft") return "not sent: the entry is no longer a draft";
  }
  return {};
}

smtp::Outcome save_eml(const MailSettings& s, const Claimed& m) {
  smtp::Outcome out;
  try {
    auto path = std::filesystem::path(s.mail_dir) / (std::to_string(m.id) + ".eml");
    infra::write_file_durably(path, m.message);  // services never write files themselves
    out.ok = true;
    out.answer = "saved as " + path.string() + " (no SMTP relay configured)";
  } catch (const std::exception& e) {
    out.answer = e.what();
  }
  return out;
}

}  // namespace

const MailSettings& mail_settings(const Env& env) {
  static const MailSettings defaults;
  return env.mail ? *env.mail : defaults;
}

RetryPlan next_retry(int attempts, std::chrono::milliseconds since_queued, double base_seconds) {
  double base_ms = std::max(1.0, base_seconds * 1000.0);
  double d = base_ms * std::pow(2.0, std::max(0, attempts - 1));
  d = std::min(d, 360.0 * base_ms);
  RetryPlan p;
  p.delay = std::chrono::milliseconds(static_cast<long long>(d));
  p.give_up = double(since_queued.count()) + d > 1440.0 * base_ms;
  return p;
}

Lang lang_from(std::string_view code) { return code == "en" ? Lang::en : Lang::zh; }

Lang recipient_lang(store::Conn& c, const std::string& user_id) {
  auto r = c.query_one("SELECT lang, registered_lang FROM users WHERE id = ?", {user_id});
  if (!r) return Lang::zh;
  return lang_from(r->str(0).empty() ? r->str(1) : r->str(0));
}

std::string mail_text(Lang lang, std::string_view key, const std::map<std::string, std::string>& params) {
  const auto& flat = catalogue().flat[lang == Lang::zh ? 0 : 1];
  auto it = flat.find(key);
  std::string s = it == flat.end() ? std::string(key) : it->second;
  for (const auto& [k, v] : params) {
    std::string pat = "{" + k + "}";
    for (size_t pos = s.find(pat); pos != std::string::npos; pos = s.find(pat, pos + v.size())) s.replace(pos, pat.size(), v);
  }
  return s;
}

MailContent compose(const std::string& kind, Lang lang, const json& view_in) {
  const auto& cat = catalogue();
  json view = view_in;
  std::map<std::string, std::string> params;
  for (const auto& [k, v] : view.items())
    if (v.is_string()) params[k] = v.get<std::string>();
  MailContent m;
  m.subject = mail::sanitize_header(mail_text(lang, "mail." + kind + ".subject", params));
  view["subject"] = m.subject;
  std::string name = view.value("name", "");
  view["greeting"] = name.empty() ? mail_text(lang, "mail.greeting_plain") : mail_text(lang, "mail.greeting", {{"name", name}});
  view["lang"] = std::string(lang_tag(lang));
  json text_view = view, html_view = view;
  text_view["body"] = cat.render(kind + ".txt", view, lang);
  html_view["body"] = cat.render(kind + ".html", view, lang);
  m.text = cat.render("layout.txt", text_view, lang);
  m.html = cat.render("layout.html", html_view, lang);
  return m;
}

long long enqueue_mail(store::Conn& c, const Env& env, const std::string& kind, const std::string& to, Lang lang,
                       json view, const EnqueueOptions& opts) {
  const auto& s = mail_settings(env);
  if (!mail::valid_address(to)) return 0;
  if (!opts.dedup_key.empty() && c.query_one("SELECT 1 FROM outbox WHERE dedup_key = ?", {opts.dedup_key})) return 0;
  view["site_url"] = s.site_url;
  std::string unsubscribe_url;
  if (!opts.optional_for.empty()) {
    auto u = c.query_one("SELECT optional_mail, unsubscribe_token FROM users WHERE id = ?", {opts.optional_for});
    if (!u || u->num(0) == 0) return 0;
    std::string token = u->null(1) ? std::string() : u->str(1);
    if (token.empty()) {
      token = crypto::random_token();
      c.exec("UPDATE users SET unsubscribe_token = ? WHERE id = ?", {token, opts.optional_for});
    }
    unsubscribe_url = s.site_url + "/unsubscribe/" + token;
    view["unsubscribe_url"] = unsubscribe_url;
  }
  auto content = compose(kind, lang, view);
  auto from = mail::parse_address(s.from).value_or(mail::Address{"Laurel", "noreply@laurel.invalid"});
  Instant now = env.now();
  mail::Message msg;
  msg.from = from;
  msg.to = mail::Address{"", to};
  msg.subject = content.subject;
  msg.text = content.text;
  msg.html = content.html;
  msg.date = now;
  msg.message_id = mail::make_message_id(domain_of(from.email), now);
  msg.extra_headers.push_back({"Auto-Submitted", "auto-generated"});
  msg.extra_headers.push_back({"Content-Language", std::string(lang_tag(lang))});
  if (!unsubscribe_url.empty()) {
    msg.extra_headers.push_back({"List-Unsubscribe", "<" + unsubscribe_url + ">"});
    msg.extra_headers.push_back({"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"});
  }
  std::string text = mail::render(msg);
  auto rows = c.query(
      "INSERT INTO outbox (kind, to_address, subject, message, status, run_after, dedup_key, entry_id, not_after, "
      "created_at, queued_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
      {kind, to, content.subject, text, unix_seconds(now),
       opts.dedup_key.empty() ? store::Value(nullptr) : store::Value(opts.dedup_key),
       opts.entry_id.empty() ? store::Value(nullptr) : store::Value(opts.entry_id),
       opts.not_after ? store::Value(unix_seconds(*opts.not_after)) : store::Value(nullptr), unix_seconds(now), unix_seconds(now)});
  return rows.empty() ? 0 : rows[0].num(0);
}

bool deliver_one(Env& env, const std::string& worker, std::optional<long long> id) {
  const auto& s = mail_settings(env);
  long long now = unix_seconds(env.now());
  long long stale = now - s.lease.count();
  if (!id) {  // a read first: an idle outbox costs no write
    auto c = env.db.acquire();
    if (!c->query_one("SELECT 1 FROM outbox WHERE (status = 'queued' AND run_after <= ?) OR "
                      "(status = 'sending' AND claimed_at < ?) LIMIT 1",
                      {now, stale}))
      return false;
  }
  std::string pick = id ? "SELECT id FROM outbox WHERE id = ? AND status IN ('queued', 'failed')"
                        : "SELECT id FROM outbox WHERE ((status = 'queued' AND run_after <= ?) OR "
                          "(status = 'sending' AND claimed_at < ?)) AND "
                          "(SELECT COUNT(*) FROM outbox WHERE claimed_at > ?) < ? ORDER BY id LIMIT 1";
  if (env.db.backend() == "postgresql") pick += " FOR UPDATE SKIP LOCKED";
  store::Params p{worker, now};
  if (id) p.push_back(*id);
  else p.insert(p.end(), {now, stale, now - 60, (long long)std::max(1, s.per_minute)});
  std::optional<Claimed> m;
  std::string obsolete;
  env.db.write([&](store::Conn& c) {
    auto rows = c.query("UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1 "
                        "WHERE id = (" + pick + ") RETURNING id, kind, to_address, message, attempts, queued_at, "
                        "entry_id, not_after",
                        p);
    if (rows.empty()) return true;
    const auto& r = rows[0];
    m = Claimed{r.num(0), r.str(1), r.str(2), r.str(3), r.str(6), int(r.num(4)), r.num(5), std::nullopt};
    if (!r.null(7)) m->not_after = r.num(7);
    obsolete = reminder_obsolete(c, *m, now);
    if (!obsolete.empty())
      c.exec("UPDATE outbox SET status = 'cancelled', attempts = attempts - 1, last_error = ? WHERE id = ?",
             {obsolete, m->id});
    return true;
  });
  if (!m) return false;
  if (!obsolete.empty()) return true;
  smtp::Outcome out;
  if (s.smtp_url.empty()) {
    out = save_eml(s, *m);
  } else {
    auto from = mail::parse_address(s.from);
    out = smtp::send(s.smtp_url, from ? from->email : "noreply@laurel.invalid", m->to, m->message,
                     smtp::Options{.ca_file = s.smtp_ca});
  }
  long long done = unix_seconds(env.now());
  env.db.write([&](store::Conn& c) {
    if (out.ok) {
      c.exec("UPDATE outbox SET status = 'sent', sent_at = ?, last_answer = ?, last_error = '' "
             "WHERE id = ? AND claimed_by = ?",
             {done, out.answer, m->id, worker});
      return true;
    }
    auto plan = next_retry(m->attempts, std::chrono::seconds(done - m->queued_at), s.retry_base_seconds);
    if (out.permanent || plan.give_up) {
      c.exec("UPDATE outbox SET status = 'failed', last_answer = ?, last_error = ? WHERE id = ? AND claimed_by = ?",
             {out.answer, out.answer, m->id, worker});
    } else {
      long long wait = (plan.delay.count() + 999) / 1000;
      c.exec("UPDATE outbox SET status = 'queued', run_after = ?, last_answer = ?, last_error = ? "
             "WHERE id = ? AND claimed_by = ?",
             {done + wait, out.answer, out.answer, m->id, worker});
    }
    return true;
  });
  if (!out.ok)  // the answer, not the recipient: logs do not list who gets mail
    spdlog::warn("mail {} ({}) not delivered, attempt {}: {}", m->id, m->kind, m->attempts, out.answer);
  return true;
}

TestOutcome send_test_mail(Env& env, const std::string& to) {
  if (!mail::valid_address(to)) return {false, "not an e-mail address: " + mail::sanitize_header(to)};
  long long id = 0;
  env.db.write([&](store::Conn& c) {
    id = enqueue_mail(c, env, "test", to, Lang::en, json::object());
    return id != 0;
  });
  if (!id) return {false, "not queued"};
  deliver_one(env, "laurel-mail-test:" + std::to_string(::getpid()), id);
  auto c = env.db.acquire();
  auto r = c->query_one("SELECT status, last_answer FROM outbox WHERE id = ?", {id});
  if (!r) return {false, "lost"};
  return {r->str(0) == "sent", r->str(1) + (r->str(0) == "sent" ? "" : " (message " + std::to_string(id) + ": " + r->str(0) + ")")};
}

Result<std::vector<OutboxRow>> list_outbox(Env& env, const Actor& actor, const std::string& status, int limit) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  static const std::vector<std::string> states{"", "queued", "sending", "sent", "failed", "cancelled"};
  if (std::find(states.begin(), states.end(), status) == states.end())
    return Error::make(Code::bad_request, "error.bad_status");
  auto c = env.db.acquire();
  std::vector<OutboxRow> out;
  for (const auto& r : c->query("SELECT id, to_address, subject, kind, status, last_error, last_answer, attempts, "
                                "created_at, sent_at FROM outbox WHERE (CAST(? AS TEXT) = '' OR status = ?) ORDER BY id DESC LIMIT ?",
                                {status, status, (long long)limit})) {
    OutboxRow o{r.num(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), int(r.num(7)), r.num(8), {}};
    if (!r.null(9)) o.sent_at = r.num(9);
    out.push_back(std::move(o));
  }
  return out;
}

Status retry_mail(Env& env, const Actor& actor, long long id) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  Status result = Ok{};
  long long now = unix_seconds(env.now());
  env.db.write([&](store::Conn& c) {
    auto r = c.query_one("SELECT status FROM outbox WHERE id = ?", {id});
    if (!r) result = Error::make(Code::not_found, "error.not_found");
    else if (r->str(0) != "failed") result = Error::make(Code::conflict, "error.mail_not_failed");
    else {
      c.exec("UPDATE outbox SET status = 'queued', run_after = ?, queued_at = ?, claimed_by = NULL WHERE id = ?",
             {now, now, id});
      store::audit(c, now, actor.id, "mail_retry", "outbox", std::to_string(id));
    }
    return result.ok();
  });
  return result;
}

MailSender::MailSender(Env& env) : env_(env) {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  name_ = std::string(host) + ":" + std::to_string(::getpid()) + ":mail:" + crypto::random_id().substr(0, 6);
  catalogue();  // parse the templates now: a broken one stops the start, not a send
  thread_ = std::thread([this] { run(); });
}

MailSender::~MailSender() {
  stop_ = true;
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MailSender::run() {
  auto next_scan = std::chrono::steady_clock::now();
  while (!stop_) {
    try {
      while (!stop_ && deliver_one(env_, name_)) {
      }
      if (!stop_ && std::chrono::steady_clock::now() >= next_scan) {
        int n = queue_due_reminders(env_);
        if (n) spdlog::info("queued {} deadline reminders", n);
        int r = queue_due_review_reminders(env_);
        if (r) spdlog::info("queued {} review reminders", r);
        next_scan = std::chrono::steady_clock::now() + mail_settings(env_).reminder_every;
      }
    } catch (const std::exception& e) {
      spdlog::error("mail sender: {}", e.what());
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_.load(); });
  }
}

}  // namespace laurel::service
