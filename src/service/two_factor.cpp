#include "service/two_factor.h"

#include <algorithm>
#include <cctype>

#include "infra/crypto.h"
#include "infra/totp.h"
#include "service/rate_limits.h"
#include "service/write.h"
#include "store/audit.h"

namespace laurel::service {
namespace {

using namespace std::chrono_literals;
const RateLimit kCodeLimit{10, 15min};
constexpr int kRecoveryCodes = 10;

long long now_secs(Env& env) { return env.now().time_since_epoch().count(); }

Error invalid_code() {
  Error e = Error::make(Code::invalid, "error.invalid");
  e.fields["code"] = {"rule.two_factor_code", {}};
  return e;
}

// Digits only (spaces ignored) → a TOTP code; otherwise a recovery code, lower case, no spaces.
std::string normalise(const std::string& code) {
  std::string out;
  for (unsigned char c : code)
    if (!std::isspace(c)) out += char(std::tolower(c));
  return out;
}
bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// A recovery code: 10 characters of crypto::random_id's alphabet as "xxxxx-xxxxx"; the first five
// find its row, the whole code is checked against its argon2id hash.
std::string new_recovery_code() {
  std::string id = crypto::random_id().substr(0, 10);
  return id.substr(0, 5) + "-" + id.substr(5);
}

}  // namespace

bool has_two_factor(store::Conn& c, const std::string& user_id) {
  return c.query_one("SELECT 1 FROM two_factor WHERE user_id = ? AND enabled_at IS NOT NULL", {user_id}).has_value();
}

TwoFactorStatus two_factor_status(Env& env, const Actor& actor) {
  auto c = env.db.acquire();
  TwoFactorStatus s;
  s.enabled = has_two_factor(*c, actor.id);
  if (s.enabled)
    s.recovery_codes_left =
        int(c->query_one("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", {actor.id})->num(0));
  return s;
}

Result<Enrolment> begin_enrolment(Env& env, const Actor& actor) {
  return in_write(env, [&](store::Conn& c) -> Result<Enrolment> {
    auto row = c.query_one("SELECT secret, enabled_at FROM two_factor WHERE user_id = ?", {actor.id});
    if (row && !row->null(1)) return Error::make(Code::conflict, "error.two_factor_enabled");
    std::string secret;
    if (row) {
      secret = row->str(0);
    } else {
      secret = totp::base32(totp::new_secret());
      c.exec("INSERT INTO two_factor (user_id, secret, created_at) VALUES (?, ?, ?)", {actor.id, secret, now_secs(env)});
    }
    return Enrolment{secret, totp::uri("Laurel", actor.email, *totp::from_base32(secret))};
  });
}

Result<std::vector<std::string>> confirm_enrolment(Env& env, const Actor& actor, const std::string& code_in) {
  std::string code = normalise(code_in);
  std::optional<store::Row> row;
  {
    auto c = env.db.acquire();
    row = c->query_one("SELECT secret, enabled_at FROM two_factor WHERE user_id = ?", {actor.id});
  }
  if (!row || !row->null(1)) return Error::make(Code::conflict, "error.two_factor_no_enrolment");
  if (auto wait = reserve(env, {{"2fa:" + actor.id, kCodeLimit}}))
    return Error::make(Code::too_many_attempts, "error.too_many_codes",
                       {{"minutes", std::to_string((*wait + 59) / 60)}, {"seconds", std::to_string(*wait)}});
  auto secret = totp::from_base32(row->str(0));
  auto step = secret && all_digits(code) ? totp::match(*secret, code, now_secs(env)) : std::nullopt;
  if (!step) return invalid_code();
  // Ten recovery codes, hashed (argon2id) outside the transaction, one hash slot at a time.
  std::vector<std::string> codes;
  std::vector<std::string> hashes;
  for (int i = 0; i < kRecoveryCodes; ++i) {
    codes.push_back(new_recovery_code());
    auto slot = password_hash_gate(env).acquire(std::chrono::milliseconds(10000));
    if (!slot.ok()) return Error::make(Code::too_many_attempts, "error.busy", {{"seconds", "2"}});
    hashes.push_back(crypto::hash_password(codes.back()));
  }
  return in_write(env, [&](store::Conn& c) -> Result<std::vector<std::string>> {
    c.exec("UPDATE two_factor SET enabled_at = ?, last_step = ? WHERE user_id = ? AND enabled_at IS NULL",
           {now_secs(env), *step, actor.id});
    if (c.changes() != 1) return Error::make(Code::conflict, "error.two_factor_no_enrolment");
    c.exec("DELETE FROM recovery_codes WHERE user_id = ?", {actor.id});
    for (size_t i = 0; i < codes.size(); ++i)
      c.exec("INSERT INTO recovery_codes (user_id, lookup, code_hash) VALUES (?, ?, ?)",
             {actor.id, codes[i].substr(0, 5), hashes[i]});
    c.exec("DELETE FROM rate_limits WHERE key = ?", {"2fa:" + actor.id});
    store::audit(c, now_secs(env), actor.id, "two_factor_enable", "user", actor.id);
    return codes;
  });
}

Status use_second_factor(Env& env, const std::string& user_id, const std::string& code_in) {
  std::string code = normalise(code_in);
  if (code.empty() || code.size() > 20) return invalid_code();
  if (auto wait = reserve(env, {{"2fa:" + user_id, kCodeLimit}}))
    return Error::make(Code::too_many_attempts, "error.too_many_codes",
                       {{"minutes", std::to_string((*wait + 59) / 60)}, {"seconds", std::to_string(*wait)}});
  long long now = now_secs(env);
  bool ok = false;
  if (all_digits(code)) {
    std::optional<store::Row> row;
    {
      auto c = env.db.acquire();
      row = c->query_one("SELECT secret FROM two_factor WHERE user_id = ? AND enabled_at IS NOT NULL", {user_id});
    }
    auto secret = row ? totp::from_base32(row->str(0)) : std::nullopt;
    auto step = secret ? totp::match(*secret, code, now) : std::nullopt;
    if (step) {
      // Use the step up: only one request can move last_step past it.
      env.db.write([&](store::Conn& c) {
        c.exec("UPDATE two_factor SET last_step = ? WHERE user_id = ? AND last_step < ?", {*step, user_id, *step});
        ok = c.changes() == 1;
        return true;
      });
    }
  } else {
    std::string dashed = code.find('-') == std::string::npos && code.size() == 10 ? code.substr(0, 5) + "-" + code.substr(5)
                                                                                     : code;
    std::optional<store::Row> row;
    {
      auto c = env.db.acquire();
      row = c->query_one("SELECT code_hash FROM recovery_codes WHERE user_id = ? AND lookup = ? AND used_at IS NULL",
                         {user_id, dashed.substr(0, 5)});
    }
    bool right = false;
    if (row) {
      auto slot = password_hash_gate(env).acquire(std::chrono::milliseconds(2000));
      if (!slot.ok()) return Error::make(Code::too_many_attempts, "error.busy", {{"seconds", "2"}});
      right = crypto::verify_password(row->str(0), dashed);
    }
    if (right) {
      env.db.write([&](store::Conn& c) {
        c.exec("UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND lookup = ? AND used_at IS NULL",
               {now, user_id, dashed.substr(0, 5)});
        ok = c.changes() == 1;
        if (ok) store::audit(c, now, user_id, "recovery_code_used", "user", user_id);
        return true;
      });
    }
  }
  if (!ok) return invalid_code();
  clear_events(env, "2fa:" + user_id);
  return Ok{};
}

Status disable_two_factor(Env& env, const Actor& actor, const std::string& password, const std::string& code) {
  std::string hash;
  {
    auto c = env.db.acquire();
    if (!has_two_factor(*c, actor.id)) return Error::make(Code::conflict, "error.two_factor_not_enabled");
    hash = c->query_one("SELECT password_hash FROM users WHERE id = ?", {actor.id})->str(0);
  }
  if (auto wait = reserve(env, {{"password-check:" + actor.id, RateLimit{10, 15min}}}))
    return Error::make(Code::too_many_attempts, "error.too_many_logins",
                       {{"minutes", std::to_string((*wait + 59) / 60)}, {"seconds", std::to_string(*wait)}});
  {
    auto slot = password_hash_gate(env).acquire(std::chrono::milliseconds(2000));
    if (!slot.ok()) return Error::make(Code::too_many_attempts, "error.busy", {{"seconds", "2"}});
    if (!crypto::verify_password(hash, password)) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["password"] = {"rule.wrong_password", {}};
      return e;
    }
  }
  if (auto s = use_second_factor(env, actor.id, code); !s) return s;
  return in_write(env, [&](store::Conn& c) -> Status {
    c.exec("DELETE FROM two_factor WHERE user_id = ?", {actor.id});
    c.exec("DELETE FROM recovery_codes WHERE user_id = ?", {actor.id});
    c.exec("DELETE FROM rate_limits WHERE key = ?", {"password-check:" + actor.id});
    store::audit(c, now_secs(env), actor.id, "two_factor_disable", "user", actor.id);
    return Ok{};
  });
}

}  // namespace laurel::service
