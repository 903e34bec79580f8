#define OPENSSL_SUPPRESS_DEPRECATED  // SHA256_CTX: the one OpenSSL API whose state can be saved
#include "infra/sha256.h"

#include <openssl/sha.h>

#include <cstring>

namespace laurel::infra {

static_assert(sizeof(SHA256_CTX) <= 128, "SHA256_CTX grew");
namespace {
constexpr std::string_view kPrefix = "sha256-ossl1:";
SHA256_CTX* ctx(unsigned char* p) { return reinterpret_cast<SHA256_CTX*>(p); }
const SHA256_CTX* ctx(const unsigned char* p) { return reinterpret_cast<const SHA256_CTX*>(p); }
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

Sha256::Sha256() {
  std::memset(ctx_, 0, sizeof ctx_);
  SHA256_Init(ctx(ctx_));
}

void Sha256::update(std::string_view data) { SHA256_Update(ctx(ctx_), data.data(), data.size()); }

std::string Sha256::hex() const {
  SHA256_CTX copy = *ctx(ctx_);
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256_Final(d, &copy);
  std::string out;
  for (unsigned char c : d) out += kHex[c >> 4], out += kHex[c & 15];
  return out;
}

std::string Sha256::save() const {
  std::string out(kPrefix);
  const auto* p = reinterpret_cast<const unsigned char*>(ctx(ctx_));
  for (size_t i = 0; i < sizeof(SHA256_CTX); ++i) out += kHex[p[i] >> 4], out += kHex[p[i] & 15];
  return out;
}

std::optional<Sha256> Sha256::restore(std::string_view saved) {
  if (saved.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  saved.remove_prefix(kPrefix.size());
  if (saved.size() != 2 * sizeof(SHA256_CTX)) return std::nullopt;
  Sha256 s;
  auto* p = reinterpret_cast<unsigned char*>(ctx(s.ctx_));
  auto val = [](char c) -> int {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  for (size_t i = 0; i < sizeof(SHA256_CTX); ++i) {
    int hi = val(saved[2 * i]), lo = val(saved[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    p[i] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return s;
}

}  // namespace laurel::infra
