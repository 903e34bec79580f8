// Accounts and sessions: register an applicant organisation, sign in and out, resolve a
// session token to the acting user, and the operator's `user add`.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "service/env.h"

namespace laurel::service {

struct Registration {
  std::string email, password, contact_name, phone;
  std::string org_name_zh, org_name_en, org_type, country;
  bool overseas = false;
  std::string lang;  // "zh" or "en": the language the account was created in (mail uses it)
};

struct Account {
  std::string id, email, role, contact_name, phone, org_name_zh, org_name_en, org_type, country;
  bool overseas = false;
};

struct Session {
  std::string token;  // the cookie value (only its hash is stored)
  std::string csrf_token;
  Actor actor;
  bool two_factor = false;  // the account has two-factor sign-in enabled
};

// A session as its owner sees it in the list of their sessions.
struct SessionInfo {
  std::string id;  // opaque handle (not the token)
  std::string user_agent, address;
  long long created_at = 0, last_seen_at = 0;
  bool current = false;
};

// What the web layer knows of the client making a login or registration.
struct ClientInfo {
  std::string address;          // the client's address, as well as it is known (shown in session lists)
  bool limit_by_address = true;  // false when `address` is not the client's own (web/app.cpp client_info)
  std::string device_token;  // cookie laurel_device, if any
  std::string user_agent;
};

// How long the known-device cookie (laurel_device) lives.
constexpr long long kDeviceCookieSeconds = 400LL * 24 * 3600;

// A login that got past the password: a session, or — when the account has two-factor sign-in —
// a challenge (a short-lived half-login, answered with complete_login) and no session yet.
struct LoginOutcome {
  Session session;
  std::string device_token;  // set as the cookie laurel_device when not empty (a newly known device)
  std::string challenge;     // not empty: the second factor is still to come (session is empty)
};
constexpr long long kChallengeSeconds = 300;

// Limits (each a fixed window; docs/api.md `too_many_attempts`):
// - from a device not known to the account: 10 attempts for the account in 15 minutes, and 30 from
//   one client address in 15 minutes (every account together);
// - from a known device (it signed in to this account before): 20 in 15 minutes for that device,
//   whatever strangers did to the account or from their addresses;
// - registrations: 20 an hour from one client address.
// Attempts are counted before the password is checked (a success gives its count back), and at
// most env.password_hashes hashes run at once; a login that finds none free within 2 s is
// refused with too_many_attempts.
Result<Account> register_account(Env& env, const Registration& r, const ClientInfo& client = {});
Result<LoginOutcome> log_in(Env& env, const std::string& email, const std::string& password,
                            const ClientInfo& client = {});
// The second step of a login with two-factor sign-in: a TOTP code or a recovery code for the
// challenge log_in gave. At most 5 tries per challenge (and 10 codes per account in 15 minutes).
Result<LoginOutcome> complete_login(Env& env, const std::string& challenge, const std::string& code,
                                    const ClientInfo& client);

// The session of a cookie token, if it exists and has not expired.
std::optional<Session> find_session(Env& env, const std::string& token);
void log_out(Env& env, const std::string& token);
// The account's sessions, the newest first; revoke one of them (not_found if it is not theirs);
// end all of them (the current one too).
std::vector<SessionInfo> list_sessions(Env& env, const Session& current);
Status revoke_session(Env& env, const Session& current, const std::string& id);
void log_out_everywhere(Env& env, const Actor& actor);
// Needs the old password (limited like logins: 10 wrong in 15 minutes); ends every other session
// of the account, keeps the current one.
Status change_password(Env& env, const Session& current, const std::string& old_password,
                       const std::string& new_password);
Result<Account> add_user(Env& env, const std::string& email, const std::string& password, const std::string& role);

// What else an account is, for the header's links: a member of a recommending unit, an expert of
// the pool (accepted). One small query.
struct AccountPlaces {
  bool units = false, expert = false;
};
AccountPlaces account_places(Env& env, const std::string& user_id);

}  // namespace laurel::service
