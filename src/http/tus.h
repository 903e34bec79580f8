// The tus 1.0.0 request headers (https://tus.io/protocols/resumable-upload): Upload-Metadata
// and Upload-Checksum parsing, and the digests a checksum names. Pure; the routes are in
// web/uploads.cpp.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace laurel::http::tus {

inline constexpr std::string_view version = "1.0.0";
inline constexpr std::string_view extensions = "creation,termination,checksum,expiration";
inline constexpr std::string_view checksum_algorithms = "sha1,sha256";

// "key base64,key2 base64,flag" → {key: decoded, key2: decoded, flag: ""}; nullopt if a key is
// repeated, empty or not ASCII, or a value is not base64.
std::optional<std::map<std::string, std::string>> parse_metadata(std::string_view header);
std::string encode_metadata(const std::map<std::string, std::string>& m);

struct Checksum {
  std::string algorithm;  // "sha1" or "sha256" (lower case)
  std::string digest;     // raw bytes
};
enum class ChecksumParse { ok, malformed, unsupported };
ChecksumParse parse_checksum(std::string_view header, Checksum& out);

// Incremental digest of one PATCH body, for Upload-Checksum (OpenSSL EVP).
class Digest {
 public:
  explicit Digest(const std::string& algorithm);  // sha1 or sha256
  ~Digest();
  Digest(const Digest&) = delete;
  Digest& operator=(const Digest&) = delete;
  void update(std::string_view data);
  std::string final();  // raw bytes

 private:
  void* ctx_;
};

// A non-negative decimal header value (Upload-Offset, Upload-Length); nullopt otherwise.
std::optional<long long> parse_offset(std::string_view s);

}  // namespace laurel::http::tus
