// TOTP (RFC 6238) through liboath: HMAC-SHA1, 30-second steps from the Unix epoch, 6 digits by
// default. Secrets are raw bytes here; base32 (RFC 4648, as authenticator apps show and read it)
// at the edges. Thread-safe (liboath is initialised once).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace laurel::totp {

constexpr long long kStepSeconds = 30;

std::string new_secret();                       // 20 random bytes
std::string base32(std::string_view bytes);     // upper case, no padding
std::optional<std::string> from_base32(std::string_view text);  // spaces and case ignored
// The code of time step `step` (= unix seconds / 30).
std::string code_at(std::string_view secret, long long step, int digits = 6);
// The step within `window` steps of `unix_seconds` whose code is `code` (constant-time compare),
// the earliest if several; nullopt if none.
std::optional<long long> match(std::string_view secret, std::string_view code, long long unix_seconds, int window = 1);
// otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
std::string uri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace laurel::totp
