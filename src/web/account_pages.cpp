// Account security: who the client is (address behind a trusted proxy, known-device cookie),
// and the pages and JSON routes of an account's own security — password, sessions, two-factor.
#include <arpa/inet.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "service/accounts.h"
#include "web/app.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

namespace {

// An IPv4 or IPv6 address as 16 bytes (IPv4 as ::ffff:a.b.c.d); nullopt if it is not one.
std::optional<std::array<unsigned char, 16>> ip_bytes(const std::string& s) {
  std::array<unsigned char, 16> b{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    b[10] = b[11] = 0xff;
    std::memcpy(b.data() + 12, &v4, 4);
    return b;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(b.data(), &v6, 16);
    return b;
  }
  return std::nullopt;
}

// "10.0.0.0/8", "fd00::/8" or a single address.
bool in_block(const std::array<unsigned char, 16>& addr, const std::string& block) {
  auto slash = block.find('/');
  std::string base = block.substr(0, slash);
  auto b = ip_bytes(base);
  if (!b) return false;
  bool v4 = base.find(':') == std::string::npos;
  int bits = 128;
  if (slash != std::string::npos) {
    try {
      bits = std::stoi(block.substr(slash + 1)) + (v4 ? 96 : 0);
    } catch (...) {
      return false;
    }
  }
  bits = std::clamp(bits, 0, 128);
  for (int i = 0; i < bits; ++i) {
    int byte = i / 8, bit = 7 - i % 8;
    if (((addr[byte] >> bit) & 1) != (((*b)[byte] >> bit) & 1)) return false;
  }
  return true;
}

bool trusted(const std::string& address, const std::vector<std::string>& proxies) {
  auto a = ip_bytes(address);
  if (!a) return false;
  for (const auto& p : proxies)
    if (in_block(*a, p)) return true;
  return false;
}

bool loopback(const std::string& address) {
  auto a = ip_bytes(address);
  return !a || in_block(*a, "127.0.0.0/8") || in_block(*a, "::1");
}

std::string trim_space(std::string s) {
  auto a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

}  // namespace

std::pair<std::string, bool> client_address(const http::Request& req, const std::vector<std::string>& proxies) {
  std::string addr = req.remote;
  if (addr.rfind("::ffff:", 0) == 0 && addr.find('.') != std::string::npos) addr = addr.substr(7);
  if (!proxies.empty() && trusted(addr, proxies)) {
    // X-Forwarded-For lists the hops, each proxy appending the address it saw: from the right,
    // the first address that is not one of our proxies is the client (what a client wrote
    // itself, further left, is not believed).
    std::string xff = req.header("x-forwarded-for");
    std::vector<std::string> hops;
    size_t i = 0;
    while (i <= xff.size() && !xff.empty()) {
      size_t j = xff.find(',', i);
      if (j == std::string::npos) j = xff.size();
      std::string h = trim_space(xff.substr(i, j - i));
      if (!h.empty()) hops.push_back(h);
      i = j + 1;
    }
    if (hops.empty() && !req.header("x-real-ip").empty()) hops.push_back(trim_space(req.header("x-real-ip")));
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      if (!ip_bytes(*it)) break;  // garbage: keep the last good hop
      addr = *it;
      if (!trusted(*it, proxies)) break;
    }
  }
  return {addr.substr(0, 64), !loopback(addr)};
}

service::ClientInfo client_info(const Ctx& ctx) {
  return service::ClientInfo{ctx.client_address, ctx.client_is_remote, ctx.req.cookie("laurel_device"),
                             ctx.req.header("user-agent").substr(0, 300)};
}

void set_login_cookies(Ctx& ctx, http::Response& res, const service::LoginOutcome& login) {
  res.set("Set-Cookie", http::cookie_header("laurel_session", login.session.token, long(ctx.env.session_ttl.count())));
  if (!login.device_token.empty())
    res.set("Set-Cookie", http::cookie_header("laurel_device", login.device_token, long(service::kDeviceCookieSeconds)));
}

void add_account_routes(Router&) {}

}  // namespace laurel::web
