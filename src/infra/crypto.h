// Secrets through libsodium: random tokens, argon2id password hashes, SHA-256.
#pragma once
#include <string>
#include <string_view>

namespace laurel::crypto {

void init();                                  // once, before any other call (sodium_init)
std::string random_token(size_t bytes = 32);  // URL-safe base64, no padding
std::string random_id();                      // 20 lower-case base32 chars (100 bits), for URLs
std::string hash_password(std::string_view password);  // argon2id, libsodium's encoded string
bool verify_password(std::string_view hash, std::string_view password);
std::string sha256_hex(std::string_view data);
bool equal(std::string_view a, std::string_view b);  // constant time

}  // namespace laurel::crypto
