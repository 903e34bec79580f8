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

Result<Account> register_account(Env& env, const Registration& r);
Result<Session> log_in(Env& env, const std::string& email, const std::string& password);
// The session of a cookie token, if it exists and has not expired.
std::optional<Session> find_session(Env& env, const std::string& token);
void log_out(Env& env, const std::string& token);
Result<Account> add_user(Env& env, const std::string& email, const std::string& password, const std::string& role);
std::optional<Account> find_account(Env& env, const std::string& user_id);

}  // namespace laurel::service
