// Accounts and sessions: register an applicant organisation, sign in and out, resolve a
// session token to the acting user, and the operator's `user add`.
#pragma once
#include <optional>
#include <string>

#include "core/result.h"
#include "service/env.h"

namespace laurel::service {

struct Registration {
  std::string email, password, contact_name, phone;
  std::string org_name_zh, org_name_en, org_type, country;
  bool overseas = false;
};

struct Account {
  std::string id, email, role, contact_name, phone, org_name_zh, org_name_en, org_type, country;
  bool overseas = false;
};

struct Session {
  std::string token;  // the cookie value (only its hash is stored)
  std::string csrf_token;
  Actor actor;
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

// A login that got past the password.
struct LoginOutcome {
  Session session;
  std::string device_token;  // set as the cookie laurel_device when not empty (a newly known device)
};

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
// The session of a cookie token, if it exists and has not expired.
std::optional<Session> find_session(Env& env, const std::string& token);
void log_out(Env& env, const std::string& token);
Result<Account> add_user(Env& env, const std::string& email, const std::string& password, const std::string& role);
std::optional<Account> find_account(Env& env, const std::string& user_id);

}  // namespace laurel::service
