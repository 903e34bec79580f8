#include "infra/totp.h"

#include <liboath/oath.h>
#include <sodium.h>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>


namespace laurel::totp {
namespace {
// Percent-encodes all but RFC 3986's unreserved characters.
std::string pct(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += char(c);
    else out += {'%', hex[c >> 4], hex[c & 15]};
  }
  return out;
}

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (oath_init() != OATH_OK) throw std::runtime_error("liboath failed to initialise");
  });
}
}  // namespace

std::string new_secret() {
  std::string s(20, '\0');
  randombytes_buf(s.data(), s.size());
  return s;
}

std::string base32(std::string_view bytes) {
  init_once();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(bytes.data(), bytes.size(), &out, &len) != OATH_OK) throw std::runtime_error("base32");
  std::string s(out, len);
  free(out);
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::optional<std::string> from_base32(std::string_view text) {
  init_once();
  std::string clean;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    clean += char(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  while (clean.size() % 8) clean += '=';
  char* out = nullptr;
  size_t len = 0;
  if (clean.empty() || oath_base32_decode(clean.data(), clean.size(), &out, &len) != OATH_OK) return std::nullopt;
  std::string s(out, len);
  free(out);
  return s;
}

std::string code_at(std::string_view secret, long long step, int digits) {
  init_once();
  char out[16] = {};
  if (oath_totp_generate(secret.data(), secret.size(), time_t(step * kStepSeconds), kStepSeconds, 0, unsigned(digits),
                         out) != OATH_OK)
    throw std::runtime_error("oath_totp_generate failed");
  return out;
}

std::optional<long long> match(std::string_view secret, std::string_view code, long long unix_seconds, int window) {
  if (code.size() != 6) return std::nullopt;
  long long now_step = unix_seconds / kStepSeconds;
  std::optional<long long> found;
  for (long long step = now_step - window; step <= now_step + window; ++step) {  // every step: no early exit
    std::string c = code_at(secret, step, 6);
    if (sodium_memcmp(c.data(), code.data(), 6) == 0 && !found) found = step;
  }
  return found;
}

std::string uri(std::string_view issuer, std::string_view account, std::string_view secret) {
  std::string label = pct(std::string(issuer) + ":" + std::string(account));
  return "otpauth://totp/" + label + "?secret=" + base32(secret) + "&issuer=" + pct(issuer) +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace laurel::totp
