#include "service/accounts.h"

#include <algorithm>
#include <chrono>
#include <regex>

#include "core/call.h"
#include "core/entry.h"
#include "core/text.h"
#include "infra/crypto.h"
#include "service/account_mail.h"
#include "service/mail.h"
#include "service/rate_limits.h"
#include "service/two_factor.h"
#include "service/write.h"
#include "store/audit.h"

namespace laurel::service {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool valid_email(const std::string& e) {
  static const std::regex re(R"re(^[^\s@<>()",;:]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$)re");
  return e.size() <= 254 && std::regex_match(e, re);
}

using namespace std::chrono_literals;
// See accounts.h for what each limit is for.
const RateLimit kAccountLimit{10, 15min};   // strangers' attempts on one account
const RateLimit kAddressLimit{30, 15min};   // attempts from one client address (unknown devices)
const RateLimit kDeviceLimit{20, 15min};    // attempts from one known device
const RateLimit kRegisterLimit{20, 1h};     // registrations from one client address
constexpr std::chrono::milliseconds kHashWait{2000};
constexpr long long kLastSeenEvery = 300;  // a session's last_seen_at is written at most this often

Error too_many(long long wait) {
  return Error::make(Code::too_many_attempts, "error.too_many_logins",
                     {{"minutes", std::to_string((wait + 59) / 60)}, {"seconds", std::to_string(wait)}});
}

// Every password-hash slot is taken and the queue for them is full or did not move in time.
Error busy() { return Error::make(Code::too_many_attempts, "error.busy", {{"seconds", "2"}}); }

long long secs_now(Env& env) { return env.now().time_since_epoch().count(); }

// Opens a session (and remembers the device) in a write already begun.
Session open_session(store::Conn& w, Env& env, const Actor& actor, const ClientInfo& client) {
  Session s{crypto::random_token(), crypto::random_token(), actor};
  long long now = secs_now(env);
  w.exec("DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?", {actor.id, now});
  w.exec("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, user_agent, address, "
         "last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
         {crypto::sha256_hex(s.token), actor.id, s.csrf_token, now, now + (long long)env.session_ttl.count(),
          client.user_agent.substr(0, 300), client.address.substr(0, 100), now});
  return s;
}

// The device cookie to set after a full login: the known one again, or a new one.
std::string remember_device(store::Conn& w, Env& env, const std::string& user_id, const ClientInfo& client,
                            bool known) {
  long long now = secs_now(env);
  if (known) {
    w.exec("UPDATE known_devices SET last_seen_at = ? WHERE token_hash = ?", {now, crypto::sha256_hex(client.device_token)});
    return client.device_token;
  }
  std::string token = crypto::random_token();
  w.exec("INSERT INTO known_devices (token_hash, user_id, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
         {crypto::sha256_hex(token), user_id, now, now});
  return token;
}


}  // namespace

Result<Account> register_account(Env& env, const Registration& in, const ClientInfo& client) {
  Registration r = in;
  r.email = lower(trim(r.email));
  r.contact_name = trim(r.contact_name);
  r.phone = trim(r.phone);
  r.org_name_zh = trim(r.org_name_zh);
  r.org_name_en = trim(r.org_name_en);
  Error e = Error::make(Code::invalid, "error.invalid");
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
  for (const auto* s : {&r.contact_name, &r.phone, &r.org_name_zh, &r.org_name_en}) {
    if (!valid_utf8(*s)) return Error::make(Code::bad_request, "error.utf8", {{"field", "organization"}});
    if (!clean_text(*s)) return Error::make(Code::bad_request, "error.control_characters", {{"field", "organization"}});
  }
  if (!e.fields.empty()) return e;

  // Registrations from one address are limited, and counted before the (slow, 64 MiB) hash.
  std::string rkey = "register-addr:" + client.address;
  if (client.limit_by_address && !client.address.empty())
    if (auto wait = reserve(env, {{rkey, kRegisterLimit}}))
      return Error::make(Code::too_many_attempts, "error.too_many_registrations",
                         {{"minutes", std::to_string((*wait + 59) / 60)}, {"seconds", std::to_string(*wait)}});
  std::string hash;
  {
    auto slot = password_hash_gate(env).acquire(kHashWait);
    if (!slot.ok()) {
      if (client.limit_by_address && !client.address.empty()) refund(env, rkey);
      return busy();
    }
    hash = crypto::hash_password(r.password);  // slow: outside the transaction
  }
  return in_write(env, [&](store::Conn& conn) -> Result<Account> {
    store::Conn* c = &conn;
    if (c->query_one("SELECT 1 FROM users WHERE email = ?", {r.email}))
      return Error::make(Code::email_taken, "error.email_taken");
    Account a{crypto::random_id(), r.email, "applicant", r.contact_name, r.phone, r.org_name_zh,
              r.org_name_en, r.org_type, r.country, r.overseas};
    long long now = env.now().time_since_epoch().count();
    c->exec(
        "INSERT INTO users (id, email, password_hash, role, contact_name, phone, org_name_zh, org_name_en, org_type, "
        "country, overseas, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {a.id, a.email, hash, a.role, a.contact_name, a.phone, a.org_name_zh, a.org_name_en, a.org_type, a.country,
         (long long)a.overseas, now});
    store::audit(*c, now, a.id, "register", "user", a.id);
    queue_verification(*c, env, a.id, lang_from(r.lang));  // the link, in this transaction
    return a;
  });
}

Result<LoginOutcome> log_in(Env& env, const std::string& email_in, const std::string& password,
                            const ClientInfo& client) {
  std::string email = lower(trim(email_in));
  if (email.size() > 254 || password.size() > 4096) return Error::make(Code::invalid_credentials, "error.invalid_credentials");
  std::optional<store::Row> row;
  bool known = false;
  {
    auto c = env.db.acquire();  // returned before the slow hash below: a pool is never held by argon2
    row = c->query_one("SELECT id, password_hash, role, org_type, email FROM users WHERE email = ?", {email});
    if (row && !client.device_token.empty() && client.device_token.size() <= 100)
      known = c->query_one("SELECT 1 FROM known_devices WHERE token_hash = ? AND user_id = ?",
                           {crypto::sha256_hex(client.device_token), row->str(0)})
                  .has_value();
  }
  // Reserve the attempt before the hash runs (atomically: parallel attempts cannot all pass). A
  // known device has its own allowance, so strangers cannot lock the owner out.
  std::vector<Reservation> keys;
  std::string account_key;
  if (known) {
    account_key = "login-device:" + crypto::sha256_hex(client.device_token).substr(0, 32);
    keys.push_back({account_key, kDeviceLimit});
  } else {
    account_key = "login:" + email;
    keys.push_back({account_key, kAccountLimit});
    if (client.limit_by_address && !client.address.empty())
      keys.push_back({"login-addr:" + client.address, kAddressLimit});
  }
  if (auto wait = reserve(env, keys)) return too_many(*wait);
  bool ok = false;
  {
    auto slot = password_hash_gate(env).acquire(kHashWait);
    if (!slot.ok()) {
      for (const auto& k : keys) refund(env, k.key);  // nothing was checked
      return busy();
    }
    // Hash even for an unknown e-mail, so the answer's timing does not tell which exist.
    static const std::string dummy = crypto::hash_password("not a password of anyone");
    ok = crypto::verify_password(row ? row->str(1) : dummy, password) && row;
  }
  if (!ok) return Error::make(Code::invalid_credentials, "error.invalid_credentials");
  Actor actor = make_actor(row->str(0), row->str(4), row->str(2), row->str(3));
  return in_write(env, [&](store::Conn& w) -> Result<LoginOutcome> {
    // A success forgets the failures of the allowance it used, and gives back its address count.
    w.exec("DELETE FROM rate_limits WHERE key = ?", {account_key});
    for (size_t i = 1; i < keys.size(); ++i)
      w.exec("UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0", {keys[i].key});
    LoginOutcome out;
    if (has_two_factor(w, actor.id)) {
      // Half a login: a short-lived challenge, not a session. The device is remembered only
      // once the second factor is given.
      out.challenge = crypto::random_token();
      long long now = secs_now(env);
      w.exec("DELETE FROM login_challenges WHERE expires_at <= ?", {now});
      w.exec("INSERT INTO login_challenges (token_hash, user_id, known_device, created_at, expires_at) "
             "VALUES (?, ?, ?, ?, ?)",
             {crypto::sha256_hex(out.challenge), actor.id, (long long)known, now, now + kChallengeSeconds});
      return out;
    }
    out.session = open_session(w, env, actor, client);
    out.device_token = remember_device(w, env, actor.id, client, known);
    return out;
  });
}

Result<LoginOutcome> complete_login(Env& env, const std::string& challenge, const std::string& code,
                                    const ClientInfo& client) {
  if (challenge.empty() || challenge.size() > 100) return Error::make(Code::unauthenticated, "error.login_expired");
  long long now = secs_now(env);
  std::string hash = crypto::sha256_hex(challenge);
  // Count the try before the code is checked: 5 per challenge.
  std::optional<store::Row> ch;
  env.db.write([&](store::Conn& w) {
    ch = w.query_one("UPDATE login_challenges SET attempts = attempts + 1 WHERE token_hash = ? AND expires_at > ? "
                     "AND attempts < 5 RETURNING user_id, known_device",
                     {hash, now});
    return true;
  });
  if (!ch) return Error::make(Code::unauthenticated, "error.login_expired");
  if (auto st = use_second_factor(env, ch->str(0), code); !st) {
    if (st.error().code == Code::invalid) return Error::make(Code::invalid_credentials, "error.invalid_code");
    return st.error();
  }
  bool known = ch->num(1) != 0;
  return in_write(env, [&](store::Conn& w) -> Result<LoginOutcome> {
    w.exec("DELETE FROM login_challenges WHERE token_hash = ?", {hash});
    if (w.changes() != 1) return Error::make(Code::unauthenticated, "error.login_expired");  // used by a parallel request
    auto u = w.query_one("SELECT id, email, role, org_type FROM users WHERE id = ?", {ch->str(0)});
    if (!u) return Error::make(Code::unauthenticated, "error.login_expired");
    Actor actor = make_actor(u->str(0), u->str(1), u->str(2), u->str(3));
    LoginOutcome out;
    out.session = open_session(w, env, actor, client);
    out.session.two_factor = true;
    // A known device stays known only if the cookie still names this account.
    bool still_known = known && !client.device_token.empty() &&
                       w.query_one("SELECT 1 FROM known_devices WHERE token_hash = ? AND user_id = ?",
                                   {crypto::sha256_hex(client.device_token), actor.id});
    out.device_token = remember_device(w, env, actor.id, client, still_known);
    return out;
  });
}

std::optional<Session> find_session(Env& env, const std::string& token) {
  if (token.empty() || token.size() > 100) return std::nullopt;
  long long now = secs_now(env);
  std::string hash = crypto::sha256_hex(token);
  std::optional<store::Row> row;
  {
    auto c = env.db.acquire();
    row = c->query_one(
        "SELECT s.csrf_token, u.id, u.email, u.role, u.org_type, s.last_seen_at, "
        "(SELECT COUNT(*) FROM two_factor t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL) "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?",
        {hash, now});
  }
  if (!row) return std::nullopt;
  if (row->null(5) || row->num(5) + kLastSeenEvery <= now)  // the session list's "last seen", a write every 5 minutes at most
    env.db.write([&](store::Conn& w) {
      w.exec("UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", {now, hash});
      return true;
    });
  Session s{token, row->str(0), make_actor(row->str(1), row->str(2), row->str(3), row->str(4))};
  s.two_factor = row->num(6) > 0;
  return s;
}

void log_out(Env& env, const std::string& token) {
  env.db.write([&](store::Conn& c) {
    c.exec("DELETE FROM sessions WHERE token_hash = ?", {crypto::sha256_hex(token)});
    return true;
  });
}

std::vector<SessionInfo> list_sessions(Env& env, const Session& current) {
  auto c = env.db.acquire();
  std::string mine = crypto::sha256_hex(current.token);
  std::vector<SessionInfo> out;
  for (const auto& r : c->query("SELECT token_hash, user_agent, address, created_at, COALESCE(last_seen_at, created_at) "
                                "FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at DESC",
                                {current.actor.id, secs_now(env)}))
    out.push_back(SessionInfo{r.str(0).substr(0, 16), r.str(1), r.str(2), r.num(3), r.num(4), r.str(0) == mine});
  return out;
}

Status revoke_session(Env& env, const Session& current, const std::string& id) {
  if (id.size() != 16) return Error::make(Code::not_found, "error.not_found");
  return in_write(env, [&](store::Conn& w) -> Status {
    w.exec("DELETE FROM sessions WHERE user_id = ? AND substr(token_hash, 1, 16) = ?", {current.actor.id, id});
    if (w.changes() == 0) return Error::make(Code::not_found, "error.not_found");
    store::audit(w, secs_now(env), current.actor.id, "session_revoke", "user", current.actor.id);
    return Ok{};
  });
}

void log_out_everywhere(Env& env, const Actor& actor) {
  env.db.write([&](store::Conn& w) {
    w.exec("DELETE FROM sessions WHERE user_id = ?", {actor.id});
    w.exec("DELETE FROM login_challenges WHERE user_id = ?", {actor.id});
    store::audit(w, secs_now(env), actor.id, "log_out_everywhere", "user", actor.id);
    return true;
  });
}

Status change_password(Env& env, const Session& current, const std::string& old_password,
                       const std::string& new_password) {
  const std::string& uid = current.actor.id;
  if (auto m = check_password(new_password, env.common_passwords)) {
    Error e = Error::make(Code::invalid, "error.invalid");
    e.fields["new_password"] = *m;
    return e;
  }
  std::string key = "password-check:" + uid;
  if (auto wait = reserve(env, {{key, kAccountLimit}})) return too_many(*wait);
  std::string stored;
  {
    auto c = env.db.acquire();
    auto row = c->query_one("SELECT password_hash FROM users WHERE id = ?", {uid});
    if (!row) return Error::make(Code::unauthenticated, "error.unauthenticated");
    stored = row->str(0);
  }
  std::string hash;
  {
    auto slot = password_hash_gate(env).acquire(kHashWait);
    if (!slot.ok()) {
      refund(env, key);
      return busy();
    }
    if (!crypto::verify_password(stored, old_password)) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["old_password"] = {"rule.wrong_password", {}};
      return e;
    }
    hash = crypto::hash_password(new_password);
  }
  return in_write(env, [&](store::Conn& w) -> Status {
    w.exec("UPDATE users SET password_hash = ? WHERE id = ?", {hash, uid});
    w.exec("DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", {uid, crypto::sha256_hex(current.token)});
    w.exec("DELETE FROM login_challenges WHERE user_id = ?", {uid});
    w.exec("DELETE FROM rate_limits WHERE key = ?", {key});
    store::audit(w, secs_now(env), uid, "password_change", "user", uid);
    return Ok{};
  });
}

Result<Account> add_user(Env& env, const std::string& email_in, const std::string& password, const std::string& role) {
  std::string email = lower(trim(email_in));
  Error e = Error::make(Code::invalid, "error.invalid");
  if (!valid_email(email)) e.fields["email"] = {"rule.email", {}};
  if (auto m = check_password(password, env.common_passwords)) e.fields["password"] = *m;
  if (role != "admin" && role != "applicant") e.fields["role"] = {"rule.role", {}};
  if (!e.fields.empty()) return e;
  std::string hash = crypto::hash_password(password);
  return in_write(env, [&](store::Conn& conn) -> Result<Account> {
    store::Conn* c = &conn;
    if (c->query_one("SELECT 1 FROM users WHERE email = ?", {email})) return Error::make(Code::email_taken, "error.email_taken");
    Account a{crypto::random_id(), email, role, "", "", "", "", "", "", false};
    long long now = env.now().time_since_epoch().count();
    c->exec("INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
            {a.id, email, hash, role, now});
    store::audit(*c, now, "", "user_add", "user", a.id, "{\"role\":\"" + role + "\"}");
    return a;
  });
}

AccountPlaces account_places(Env& env, const std::string& user_id) {
  auto c = env.db.acquire();
  auto r = c->query_one("SELECT (SELECT COUNT(*) FROM unit_members WHERE user_id = ?), "
                        "(SELECT COUNT(*) FROM experts WHERE user_id = ? AND accepted_at IS NOT NULL)",
                        {user_id, user_id});
  if (!r) return {};
  return {r->num(0) > 0, r->num(1) > 0};
}

}  // namespace laurel::service
