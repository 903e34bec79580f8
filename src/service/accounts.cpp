#include "service/accounts.h"

#include <algorithm>
#include <regex>

#include "core/call.h"
#include "core/entry.h"
#include "infra/crypto.h"
#include "service/rate_limits.h"
#include "service/write.h"
#include "store/audit.h"

namespace laurel::service {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string trim(const std::string& s) {
  auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

bool valid_email(const std::string& e) {
  static const std::regex re(R"re(^[^\s@<>()",;:]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$)re");
  return e.size() <= 254 && std::regex_match(e, re);
}

Account account_of(const store::Row& r) {
  return Account{r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.str(8), r.num(9) != 0};
}

constexpr const char* kAccountCols =
    "id, email, role, contact_name, phone, org_name_zh, org_name_en, org_type, country, overseas";

}  // namespace

Result<Account> register_account(Env& env, const Registration& in) {
  Registration r = in;
  r.email = lower(trim(r.email));
  r.contact_name = trim(r.contact_name);
  r.phone = trim(r.phone);
  r.org_name_zh = trim(r.org_name_zh);
  r.org_name_en = trim(r.org_name_en);
  Error e = Error::make("invalid", "error.invalid");
  if (!valid_email(r.email)) e.fields["email"] = {"rule.email", {}};
  if (auto m = check_password(r.password, env.common_passwords)) e.fields["password"] = *m;
  if (r.contact_name.empty()) e.fields["contact_name"] = {"rule.required", {}};
  else if (utf8_length(r.contact_name) > 100) e.fields["contact_name"] = {"rule.too_long", {{"max", "100"}}};
  static const std::regex phone_re(R"(^\+?[0-9][0-9 ()-]{4,30}$)");
  if (r.phone.empty()) e.fields["phone"] = {"rule.required", {}};
  else if (!std::regex_match(r.phone, phone_re)) e.fields["phone"] = {"rule.phone", {}};
  if (r.org_name_zh.empty() && r.org_name_en.empty()) e.fields["organization.name"] = {"rule.org_name_required", {}};
  else if (utf8_length(r.org_name_zh) > 300 || utf8_length(r.org_name_en) > 300)
    e.fields["organization.name"] = {"rule.too_long", {{"max", "300"}}};
  const auto& types = applicant_types();
  if (std::find(types.begin(), types.end(), r.org_type) == types.end()) e.fields["organization.type"] = {"rule.org_type", {}};
  if (!env.countries.valid(r.country)) e.fields["organization.country"] = {"rule.country", {}};
  for (const auto* s : {&r.contact_name, &r.phone, &r.org_name_zh, &r.org_name_en})
    if (!valid_utf8(*s)) return Error::make("bad_request", "error.utf8", {{"field", "organization"}});
  if (!e.fields.empty()) return e;

  std::string hash = crypto::hash_password(r.password);  // slow: outside the transaction
  return in_write(env, [&](store::Conn& conn) -> Result<Account> {
    store::Conn* c = &conn;
    if (c->query_one("SELECT 1 FROM users WHERE email = ?", {r.email}))
      return Error::make("email_taken", "error.email_taken");
    Account a{crypto::random_id(), r.email, "applicant", r.contact_name, r.phone, r.org_name_zh,
              r.org_name_en, r.org_type, r.country, r.overseas};
    long long now = env.now().time_since_epoch().count();
    c->exec(
        "INSERT INTO users (id, email, password_hash, role, contact_name, phone, org_name_zh, org_name_en, org_type, "
        "country, overseas, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {a.id, a.email, hash, a.role, a.contact_name, a.phone, a.org_name_zh, a.org_name_en, a.org_type, a.country,
         (long long)a.overseas, now});
    store::audit(*c, now, a.id, "register", "user", a.id);
    return a;
  });
}

Result<Session> log_in(Env& env, const std::string& email_in, const std::string& password) {
  std::string email = lower(trim(email_in));
  // Guessing one account's password: 10 failures in 15 minutes, then it waits out the window.
  const RateLimit limit{10, std::chrono::minutes(15)};
  std::string key = "login:" + email;
  if (auto wait = rate_limited(env, key, limit))
    return Error::make("too_many_attempts", "error.too_many_logins",
                       {{"minutes", std::to_string((*wait + 59) / 60)}, {"seconds", std::to_string(*wait)}});
  std::optional<store::Row> row;
  {
    auto c = env.db.acquire();  // returned before the slow hash below: a pool is never held by argon2
    row = c->query_one("SELECT id, password_hash, role, org_type, email FROM users WHERE email = ?", {email});
  }
  // Hash even for an unknown e-mail, so the answer's timing does not tell which exist.
  static const std::string dummy = crypto::hash_password("not a password of anyone");
  bool ok = crypto::verify_password(row ? row->str(1) : dummy, password) && row;
  if (!ok) {
    count_event(env, key, limit);
    return Error::make("invalid_credentials", "error.invalid_credentials");
  }
  if (rate_limited(env, key, RateLimit{1, limit.window})) clear_events(env, key);  // a success forgets failures
  Session s{crypto::random_token(), crypto::random_token(), Actor{row->str(0), row->str(4), row->str(2), row->str(3)}};
  long long now = env.now().time_since_epoch().count();
  return in_write(env, [&](store::Conn& w) -> Result<Session> {
    w.exec("DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?", {s.actor.id, now});
    w.exec("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
           {crypto::sha256_hex(s.token), s.actor.id, s.csrf_token, now, now + (long long)env.session_ttl.count()});
    return s;
  });
}

std::optional<Session> find_session(Env& env, const std::string& token) {
  if (token.empty() || token.size() > 100) return std::nullopt;
  auto c = env.db.acquire();
  auto row = c->query_one(
      "SELECT s.csrf_token, u.id, u.email, u.role, u.org_type FROM sessions s JOIN users u ON u.id = s.user_id "
      "WHERE s.token_hash = ? AND s.expires_at > ?",
      {crypto::sha256_hex(token), (long long)env.now().time_since_epoch().count()});
  if (!row) return std::nullopt;
  return Session{token, row->str(0), Actor{row->str(1), row->str(2), row->str(3), row->str(4)}};
}

void log_out(Env& env, const std::string& token) {
  env.db.write([&](store::Conn& c) {
    c.exec("DELETE FROM sessions WHERE token_hash = ?", {crypto::sha256_hex(token)});
    return true;
  });
}

Result<Account> add_user(Env& env, const std::string& email_in, const std::string& password, const std::string& role) {
  std::string email = lower(trim(email_in));
  Error e = Error::make("invalid", "error.invalid");
  if (!valid_email(email)) e.fields["email"] = {"rule.email", {}};
  if (auto m = check_password(password, env.common_passwords)) e.fields["password"] = *m;
  if (role != "admin" && role != "applicant") e.fields["role"] = {"rule.role", {}};
  if (!e.fields.empty()) return e;
  std::string hash = crypto::hash_password(password);
  return in_write(env, [&](store::Conn& conn) -> Result<Account> {
    store::Conn* c = &conn;
    if (c->query_one("SELECT 1 FROM users WHERE email = ?", {email})) return Error::make("email_taken", "error.email_taken");
    Account a{crypto::random_id(), email, role, "", "", "", "", "", "", false};
    long long now = env.now().time_since_epoch().count();
    c->exec("INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
            {a.id, email, hash, role, now});
    store::audit(*c, now, "", "user_add", "user", a.id, "{\"role\":\"" + role + "\"}");
    return a;
  });
}

std::optional<Account> find_account(Env& env, const std::string& user_id) {
  auto c = env.db.acquire();
  auto row = c->query_one(std::string("SELECT ") + kAccountCols + " FROM users WHERE id = ?", {user_id});
  if (!row) return std::nullopt;
  return account_of(*row);
}

}  // namespace laurel::service
