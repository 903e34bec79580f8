// The tus request headers (src/http/tus.h): Upload-Metadata, Upload-Checksum, Upload-Offset /
// Upload-Length. The input is one header value, given to each parser.
//
// Invariants: metadata keys are non-empty printable ASCII without spaces or commas, and
// encode_metadata → parse_metadata gives the same map back; a parsed checksum names sha1 or
// sha256 with a digest of 20 or 32 bytes; a parsed offset is the decimal number the header spells.
#include <charconv>
#include <string>
#include <string_view>

#include "check.h"
#include "http/tus.h"

namespace tus = laurel::http::tus;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);

  if (auto m = tus::parse_metadata(in)) {
    for (const auto& [k, v] : *m) {
      FUZZ_CHECK(!k.empty());
      for (unsigned char c : k) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != ',');
    }
    auto again = tus::parse_metadata(tus::encode_metadata(*m));
    FUZZ_CHECK(again && *again == *m);
  }

  tus::Checksum sum;
  auto r = tus::parse_checksum(in, sum);
  if (r == tus::ChecksumParse::ok) {
    FUZZ_CHECK(sum.algorithm == "sha1" || sum.algorithm == "sha256");
    FUZZ_CHECK(sum.digest.size() == (sum.algorithm == "sha1" ? 20u : 32u));
    // The digest re-encoded (base64 through encode_metadata) parses back to itself.
    std::string encoded = tus::encode_metadata({{"k", sum.digest}}).substr(2);
    tus::Checksum back;
    FUZZ_CHECK(tus::parse_checksum(sum.algorithm + " " + encoded, back) == tus::ChecksumParse::ok);
    FUZZ_CHECK(back.algorithm == sum.algorithm && back.digest == sum.digest);
    // And the digest a PATCH body is checked against has that length.
    tus::Digest d(sum.algorithm);
    d.update(in);
    FUZZ_CHECK(d.final().size() == sum.digest.size());
  }

  if (auto off = tus::parse_offset(in)) {
    FUZZ_CHECK(*off >= 0);
    std::string_view t = trim(in);
    long long v = -1;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    FUZZ_CHECK(ec == std::errc() && p == t.data() + t.size() && v == *off);
  }
  return 0;
}
