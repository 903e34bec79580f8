// Incremental SHA-256 whose state can be saved and restored: a resumable upload keeps it in the
// database with the offset, so a resumed upload hashes only the bytes it has not seen. OpenSSL's
// implementation (SHA-NI where the CPU has it; about 8× libsodium's portable code here).
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace laurel::infra {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::string hex() const;   // of what was fed so far; the state is not changed
  std::string save() const;  // "sha256-ossl1:<hex of the state>"
  static std::optional<Sha256> restore(std::string_view saved);

 private:
  alignas(8) unsigned char ctx_[128];
};

}  // namespace laurel::infra
