#include "service/account_mail.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/entry.h"
#include "infra/crypto.h"
#include "service/mail.h"
#include "service/rate_limits.h"
#include "service/write.h"
#include "store/audit.h"
#include "store/dialect.h"

namespace laurel::service {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const RateLimit kMailLimit{5, 1h};

Error expired() { return Error::make(Code::token_expired, "error.token_expired"); }

std::string lower_trim(const std::string& in) {
  auto a = in.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return {};
  std::string s = in.substr(a, in.find_last_not_of(" \t\r\n") - a + 1);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A new token for `purpose`; earlier unused ones of the same purpose stop working.
std::string new_token(store::Conn& c, long long now, const std::string& user_id, const std::string& purpose,
                      long long ttl) {
  std::string token = crypto::random_token();
  c.exec("DELETE FROM email_tokens WHERE user_id = ? AND purpose = ?", {user_id, purpose});
  c.exec("INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
         {crypto::sha256_hex(token), user_id, purpose, now, now + ttl});
  return token;
}

void queue_verify_mail(store::Conn& c, const Env& env, const std::string& user_id, Lang lang) {
  auto u = c.query_one("SELECT email, contact_name FROM users WHERE id = ?", {user_id});
  if (!u) return;
  long long now = unix_seconds(env.now());
  std::string token = new_token(c, now, user_id, "verify", kVerifyTokenSeconds);
  enqueue_mail(c, env, "verify", u->str(0), lang, json{{"name", u->str(1)}, {"email", u->str(0)}, {"path", "/verify/" + token}});
}

}  // namespace

void queue_verification(store::Conn& c, const Env& env, const std::string& user_id, Lang lang) {
  c.exec("UPDATE users SET registered_lang = ? WHERE id = ?", {std::string(lang_code(lang)), user_id});
  queue_verify_mail(c, env, user_id, lang);
}

Status verify_email(Env& env, const std::string& token) {
  if (token.empty() || token.size() > 100) return expired();
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    auto r = c.query_one("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND purpose = 'verify' AND "
                         "used_at IS NULL AND expires_at > ? RETURNING user_id",
                         {now, crypto::sha256_hex(token), now});
    if (!r) return expired();
    c.exec("UPDATE users SET email_verified_at = ? WHERE id = ? AND email_verified_at IS NULL", {now, r->str(0)});
    store::audit(c, now, r->str(0), "email_verified", "user", r->str(0));
    return Ok{};
  });
}

Status resend_verification(Env& env, const Actor& actor) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  if (email_verified(env, actor.id)) return Ok{};
  if (auto wait = reserve(env, {{"verify-mail:" + actor.id, kMailLimit}}))
    return Error::make(Code::too_many_attempts, "error.too_many_mails",
                       {{"minutes", std::to_string((*wait + 59) / 60)}, {"seconds", std::to_string(*wait)}});
  env.db.write([&](store::Conn& c) {
    queue_verify_mail(c, env, actor.id, recipient_lang(c, actor.id));
    return true;
  });
  return Ok{};
}

bool email_verified(Env& env, const std::string& user_id) {
  auto c = env.db.acquire();
  auto r = c->query_one("SELECT email_verified_at FROM users WHERE id = ?", {user_id});
  return r && !r->null(0);
}

std::set<std::string> verified_accounts(Env& env, const std::vector<std::string>& ids) {
  std::set<std::string> out;
  if (ids.empty()) return out;
  auto c = env.db.acquire();
  for (const auto& r : c->query("SELECT id FROM users WHERE email_verified_at IS NOT NULL AND " +
                                    store::sql::in_json_array(env.db.backend(), "id"),
                                {json(ids).dump()}))
    out.insert(r.str(0));
  return out;
}

void save_language(Env& env, const std::string& user_id, Lang lang) {
  env.db.write([&](store::Conn& c) {
    c.exec("UPDATE users SET lang = ? WHERE id = ? AND lang <> ?",
           {std::string(lang_code(lang)), user_id, std::string(lang_code(lang))});
    return true;
  });
}

bool optional_mail(Env& env, const std::string& user_id) {
  auto c = env.db.acquire();
  auto r = c->query_one("SELECT optional_mail FROM users WHERE id = ?", {user_id});
  return r && r->num(0) != 0;
}

Status set_optional_mail(Env& env, const Actor& actor, bool on) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  return in_write(env, [&](store::Conn& c) -> Status {
    c.exec("UPDATE users SET optional_mail = ? WHERE id = ?", {on ? 1LL : 0LL, actor.id});
    store::audit(c, unix_seconds(env.now()), actor.id, on ? "optional_mail_on" : "optional_mail_off", "user", actor.id);
    return Ok{};
  });
}

bool unsubscribe_token_valid(Env& env, const std::string& token) {
  if (token.size() < 20 || token.size() > 100) return false;
  auto c = env.db.acquire();
  return c->query_one("SELECT 1 FROM users WHERE unsubscribe_token = ?", {token}).has_value();
}

Status unsubscribe(Env& env, const std::string& token) {
  if (token.size() < 20 || token.size() > 100) return Error::make(Code::not_found, "unsubscribe.unknown");
  return in_write(env, [&](store::Conn& c) -> Status {
    auto u = c.query_one("SELECT id FROM users WHERE unsubscribe_token = ?", {token});
    if (!u) return Error::make(Code::not_found, "unsubscribe.unknown");
    c.exec("UPDATE users SET optional_mail = 0 WHERE id = ?", {u->str(0)});
    store::audit(c, unix_seconds(env.now()), u->str(0), "unsubscribe", "user", u->str(0));
    return Ok{};
  });
}

void request_password_reset(Env& env, const std::string& email_in) {
  std::string email = lower_trim(email_in);
  if (email.empty() || email.size() > 254) return;
  std::optional<store::Row> u;
  {
    auto c = env.db.acquire();
    u = c->query_one("SELECT id FROM users WHERE email = ?", {email});
  }
  if (!u) return;  // the same answer, and nothing logged
  if (reserve(env, {{"reset-mail:" + u->str(0), kMailLimit}})) return;
  long long now = unix_seconds(env.now());
  env.db.write([&](store::Conn& c) {
    std::string token = new_token(c, now, u->str(0), "reset", kResetTokenSeconds);
    auto who = c.query_one("SELECT contact_name FROM users WHERE id = ?", {u->str(0)});
    Lang lang = recipient_lang(c, u->str(0));
    enqueue_mail(c, env, "password_reset", email, lang,
                 json{{"name", who ? who->str(0) : ""}, {"email", email}, {"path", "/reset/" + token},
                      {"minutes", std::to_string(kResetTokenSeconds / 60)}});
    store::audit(c, now, u->str(0), "password_reset_requested", "user", u->str(0));
    return true;
  });
}

bool reset_token_valid(Env& env, const std::string& token) {
  if (token.empty() || token.size() > 100) return false;
  auto c = env.db.acquire();
  return c->query_one("SELECT 1 FROM email_tokens WHERE token_hash = ? AND purpose = 'reset' AND used_at IS NULL AND "
                      "expires_at > ?",
                      {crypto::sha256_hex(token), unix_seconds(env.now())})
      .has_value();
}

Status reset_password(Env& env, const std::string& token, const std::string& password, const std::string& keep_session) {
  if (!reset_token_valid(env, token)) return expired();
  if (auto m = check_password(password, env.common_passwords)) {
    Error e = Error::make(Code::invalid, "error.invalid");
    e.fields["password"] = *m;
    return e;
  }
  std::string hash;
  {
    auto slot = password_hash_gate(env).acquire(std::chrono::milliseconds(2000));
    if (!slot.ok()) return Error::make(Code::too_many_attempts, "error.busy", {{"seconds", "2"}});
    hash = crypto::hash_password(password);  // slow: outside the transaction
  }
  long long now = unix_seconds(env.now());
  return in_write(env, [&](store::Conn& c) -> Status {
    auto r = c.query_one("UPDATE email_tokens SET used_at = ? WHERE token_hash = ? AND purpose = 'reset' AND "
                         "used_at IS NULL AND expires_at > ? RETURNING user_id",
                         {now, crypto::sha256_hex(token), now});
    if (!r) return expired();  // used by a parallel request
    std::string uid = r->str(0);
    c.exec("UPDATE users SET password_hash = ?, email_verified_at = COALESCE(email_verified_at, ?) WHERE id = ?",
           {hash, now, uid});
    c.exec("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", {uid, crypto::sha256_hex(keep_session)});
    c.exec("DELETE FROM login_challenges WHERE user_id = ?", {uid});
    c.exec("DELETE FROM email_tokens WHERE user_id = ? AND purpose = 'reset' AND used_at IS NULL", {uid});
    store::audit(c, now, uid, "password_reset", "user", uid);
    return Ok{};
  });
}

}  // namespace laurel::service
