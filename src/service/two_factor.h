// Two-factor sign-in: TOTP (RFC 6238, infra/totp.h) with ten one-time recovery codes. The secret
// is kept server-side; a time step, once used, is never accepted again for the account (no
// replay). Enrolment shows the secret and is confirmed by a first code; disabling needs the
// password and a code. Recovery codes are stored as argon2id hashes.
#pragma once
#include <string>
#include <vector>

#include "core/result.h"
#include "service/env.h"

namespace laurel::service {

struct TwoFactorStatus {
  bool enabled = false;
  int recovery_codes_left = 0;
};

struct Enrolment {
  std::string secret;  // base32, for typing into an authenticator app
  std::string uri;     // otpauth://… (the QR code's content)
};

TwoFactorStatus two_factor_status(Env& env, const Actor& actor);
// Starts (or shows again) an enrolment not yet confirmed; `conflict` if already enabled.
Result<Enrolment> begin_enrolment(Env& env, const Actor& actor);
// Confirms the enrolment with a first code; returns the ten recovery codes (shown once).
// `invalid` (fields.code) for a wrong code, `conflict` when there is no enrolment to confirm.
Result<std::vector<std::string>> confirm_enrolment(Env& env, const Actor& actor, const std::string& code);
// Needs the password and a code (TOTP or recovery). `invalid` with fields.password / fields.code.
Status disable_two_factor(Env& env, const Actor& actor, const std::string& password, const std::string& code);

// Whether the account has two-factor sign-in enabled.
bool has_two_factor(store::Conn& c, const std::string& user_id);
// Checks a TOTP code or a recovery code of an enabled account and, if right, uses it up (the
// step or the recovery code). Counted per account: `too_many_attempts` after 10 wrong in 15
// minutes; `invalid` for a wrong code.
Status use_second_factor(Env& env, const std::string& user_id, const std::string& code);

}  // namespace laurel::service
