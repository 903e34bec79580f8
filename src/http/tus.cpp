#include "http/tus.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <stdexcept>

namespace laurel::http::tus {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::string> base64_decode(std::string_view in) {
  std::string out(in.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(), nullptr, &len,
                        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != in.data() + in.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out(sodium_base64_ENCODED_LEN(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace

std::optional<std::map<std::string, std::string>> parse_metadata(std::string_view header) {
  std::map<std::string, std::string> out;
  header = trim(header);
  if (header.empty()) return out;
  size_t i = 0;
  while (i <= header.size()) {
    size_t comma = header.find(',', i);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view pair = trim(header.substr(i, comma - i));
    if (pair.empty()) return std::nullopt;
    size_t sp = pair.find(' ');
    std::string_view key = sp == std::string_view::npos ? pair : pair.substr(0, sp);
    std::string_view value = sp == std::string_view::npos ? std::string_view{} : trim(pair.substr(sp + 1));
    if (key.empty()) return std::nullopt;
    for (char c : key)
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == ',') return std::nullopt;
    auto decoded = value.empty() ? std::optional<std::string>("") : base64_decode(value);
    if (!decoded) return std::nullopt;
    if (!out.emplace(std::string(key), std::move(*decoded)).second) return std::nullopt;
    i = comma + 1;
  }
  return out;
}

std::string encode_metadata(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += ',';
    out += k;
    if (!v.empty()) out += ' ' + base64_encode(v);
  }
  return out;
}

ChecksumParse parse_checksum(std::string_view header, Checksum& out) {
  header = trim(header);
  size_t sp = header.find(' ');
  if (sp == std::string_view::npos) return ChecksumParse::malformed;
  std::string algo(header.substr(0, sp));
  for (auto& c : algo) c = char(std::tolower(static_cast<unsigned char>(c)));
  auto digest = base64_decode(trim(header.substr(sp + 1)));
  if (!digest) return ChecksumParse::malformed;
  if (algo != "sha1" && algo != "sha256") return ChecksumParse::unsupported;
  if (digest->size() != (algo == "sha1" ? 20u : 32u)) return ChecksumParse::malformed;
  out = {algo, *digest};
  return ChecksumParse::ok;
}

Digest::Digest(const std::string& algorithm) : ctx_(EVP_MD_CTX_new()) {
  const EVP_MD* md = algorithm == "sha1" ? EVP_sha1() : algorithm == "sha256" ? EVP_sha256() : nullptr;
  if (!ctx_ || !md || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), md, nullptr) != 1) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    throw std::runtime_error("digest " + algorithm + " unavailable");
  }
}

Digest::~Digest() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Digest::update(std::string_view data) { EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size()); }

std::string Digest::final() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

std::optional<long long> parse_offset(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 18) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace laurel::http::tus
