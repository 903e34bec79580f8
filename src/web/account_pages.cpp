// Account security: who the client is (address behind a trusted proxy, known-device cookie),
// and the pages and JSON routes of an account's own security — password, sessions, two-factor.
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "infra/qr.h"
#include "service/account_mail.h"
#include "service/accounts.h"
#include "service/two_factor.h"
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
      std::string h = trim(xff.substr(i, j - i));
      if (!h.empty()) hops.push_back(h);
      i = j + 1;
    }
    if (hops.empty() && !req.header("x-real-ip").empty()) hops.push_back(trim(req.header("x-real-ip")));
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      if (!ip_bytes(*it)) break;  // garbage: keep the last good hop
      addr = *it;
      if (!trusted(*it, proxies)) break;
    }
  }
  return {addr.substr(0, 64), !loopback(addr)};
}

bool forwarded_tls(const http::Request& req, const std::vector<std::string>& proxies) {
  std::string addr = req.remote;
  if (addr.rfind("::ffff:", 0) == 0 && addr.find('.') != std::string::npos) addr = addr.substr(7);
  if (proxies.empty() || !trusted(addr, proxies)) return false;
  std::string proto = req.header("x-forwarded-proto");
  auto comma = proto.rfind(',');  // several proxies: the one nearest us speaks last
  proto = trim(comma == std::string::npos ? proto : proto.substr(comma + 1));
  return proto == "https";
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

namespace {

constexpr const char* kChallengeCookie = "laurel_challenge";

std::string field(const Form& f, const std::string& k) { return form_field(f, k); }

Response need_login_api(Ctx& ctx) { return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated")); }
Response no_content() { return Response{204, {}, {}}; }
Response with_retry(Response r, const Error& e) {
  if (e.message.params.count("seconds")) r.set("Retry-After", e.message.params.at("seconds"));
  return r;
}

// "2025-06-18 15:59 UTC" — record times are UTC (DESIGN.md); the list shows them as such.
std::string utc(long long t) { return utc_minute(from_unix_seconds(t)); }
std::string iso(long long t) { return iso_utc(from_unix_seconds(t)); }

// A short, readable name for a browser from its User-Agent.
std::string device_name(const std::string& ua) {
  auto has = [&](const char* s) { return ua.find(s) != std::string::npos; };
  std::string browser = has("Edg/") ? "Edge" : has("Firefox/") ? "Firefox" : has("Chrome/") ? "Chrome"
                        : has("Safari/") ? "Safari" : has("curl/") ? "curl" : has("node") ? "Node.js" : "";
  std::string os = has("Android") ? "Android" : has("iPhone") || has("iPad") ? "iOS" : has("Windows") ? "Windows"
                   : has("Mac OS") ? "macOS" : has("Linux") ? "Linux" : "";
  if (browser.empty() && os.empty()) return ua.substr(0, 60);
  return browser + (browser.empty() || os.empty() ? "" : " · ") + os;
}

json errors_view(Ctx& ctx, const Error& e) {
  json errors = json::object();
  for (const auto& [k, m] : e.fields) errors[k] = ctx.tr(m);
  return errors;
}

// The account security page: password, sessions, two-factor; with err, its problems and status.
Response account_page(Ctx& ctx, const Error* err = nullptr) {
  json sessions = json::array();
  for (const auto& s : service::list_sessions(ctx.env, *ctx.session))
    sessions.push_back({{"id", s.id},
                        {"device", s.user_agent.empty() ? ctx.tr("security.unknown_device") : device_name(s.user_agent)},
                        {"user_agent", s.user_agent},
                        {"address", s.address},
                        {"created", utc(s.created_at)},
                        {"last_seen", utc(s.last_seen_at)},
                        {"current", s.current}});
  auto tf = service::two_factor_status(ctx.env, ctx.actor);
  json v{{"sessions", sessions},
         {"email", ctx.actor.email},
         {"email_verified", service::email_verified(ctx.env, ctx.actor.id)},
         {"optional_mail", service::optional_mail(ctx.env, ctx.actor.id)},
         {"two_factor", tf.enabled},
         {"recovery_left", tf.recovery_codes_left},
         {"recovery_left_text", ctx.tr("security.recovery_left", {{"count", std::to_string(tf.recovery_codes_left)}})},
         {"required", ctx.env.require_organiser_2fa && ctx.actor.organiser()},
         {"errors", err ? errors_view(ctx, *err) : json::object()}};
  if (err) v["error"] = ctx.tr(err->message);
  return page(ctx, "account", v, err ? http_status(err->code) : 200, ctx.tr("security.title"));
}

Response enrol_page(Ctx& ctx, const service::Enrolment& e, const std::string& error, int status = 200) {
  json v{{"secret", e.secret},
         {"secret_grouped", [&] {
            std::string g;
            for (size_t i = 0; i < e.secret.size(); i += 4) g += (i ? " " : "") + e.secret.substr(i, 4);
            return g;
          }()},
         {"qr_svg", qr::svg(e.uri, ctx.tr("security.qr_label"))},
         {"required", ctx.env.require_organiser_2fa && ctx.actor.organiser()}};
  if (!error.empty()) v["error"] = error;
  return page(ctx, "two_factor_enrol", v, status, ctx.tr("security.enrol_title"));
}

Response code_page(Ctx& ctx, const std::string& next, const std::string& error, int status = 200) {
  json v{{"next", next}};
  if (!error.empty()) v["error"] = error;
  return page(ctx, "login_two_factor", v, status, ctx.tr("security.code_title"));
}

json login_json(const service::LoginOutcome& s) {
  const auto& a = s.session.actor;
  return {{"csrf_token", s.session.csrf_token}, {"user", {{"id", a.id}, {"email", a.email}, {"role", stored_role(a)}}}};
}

}  // namespace

std::optional<Response> two_factor_challenge(Ctx& ctx, const service::LoginOutcome& s, bool api, const std::string& next) {
  if (s.challenge.empty()) return std::nullopt;
  Response r = Response::redirect("/login/two-factor" + (next.empty() ? "" : "?next=" + http::url_encode(next)));
  if (api) {  // the error answer, with the challenge beside it
    Error e = Error::make(Code::two_factor_required, "error.two_factor_required");
    json body = error_body(ctx, e);
    body["challenge"] = s.challenge;
    r = Response::json(body.dump(), http_status(e.code));
  }
  r.set("Set-Cookie", http::cookie_header(kChallengeCookie, s.challenge, service::kChallengeSeconds));
  return r;
}

std::optional<Response> enrolment_gate(Ctx& ctx) {
  if (!ctx.env.require_organiser_2fa || !ctx.session || !ctx.actor.organiser() || ctx.session->two_factor) return std::nullopt;
  const std::string& p = ctx.req.path;
  for (const char* allowed : {"/account/two-factor", "/api/v1/account/two-factor", "/logout", "/static/", "/lang/",
                              "/healthz", "/api/v1/session"})
    if (p.rfind(allowed, 0) == 0) return std::nullopt;
  if (is_api(p)) return answer_error(ctx, Error::make(Code::two_factor_enrolment_required, "error.two_factor_enrolment_required"));
  return Response::redirect("/account/two-factor");
}

void add_account_routes(Router& r) {
  // Everyone signed in acts on their own account; nobody on another's.
  constexpr Access own_page{.anonymous = 303, .owner = 200, .other = 200, .organiser = 200};

  // ---- pages ----
  r.add("GET", "/account", own_page, [](Ctx& ctx) {
    if (!ctx.session) return to_login(ctx);
    return account_page(ctx);
  });
  r.add("POST", "/account/password", {.anonymous = 303, .owner = 303, .other = 422, .organiser = 422}, [](Ctx& ctx) {
    if (!ctx.session) return to_login(ctx);
    auto f = form_of(ctx);
    if (field(f, "new_password") != field(f, "new_password2")) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["new_password2"] = {"rule.password_mismatch", {}};
      return account_page(ctx, &e);
    }
    auto st = service::change_password(ctx.env, *ctx.session, field(f, "old_password"), field(f, "new_password"));
    if (!st) return with_retry(account_page(ctx, &st.error()), st.error());
    return redirect_flash("/account", "flash.password_changed");
  });
  r.add("POST", "/account/sessions/{id}/revoke", {.anonymous = 303, .owner = 303, .other = 404, .organiser = 404},
        [](Ctx& ctx) {
          if (!ctx.session) return to_login(ctx);
          auto sessions = service::list_sessions(ctx.env, *ctx.session);
          bool current = std::any_of(sessions.begin(), sessions.end(),
                                     [&](const auto& s) { return s.current && s.id == ctx.req.param("id"); });
          auto st = service::revoke_session(ctx.env, *ctx.session, ctx.req.param("id"));
          if (!st) return answer_error(ctx, st.error());
          if (current) {
            auto res = redirect_flash("/", "flash.logged_out");
            res.set("Set-Cookie", http::cookie_header("laurel_session", "", 0));
            return res;
          }
          return redirect_flash("/account", "flash.session_revoked");
        });
  r.add("POST", "/account/sessions/revoke-all", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303},
        [](Ctx& ctx) {
          if (!ctx.session) return to_login(ctx);
          service::log_out_everywhere(ctx.env, ctx.actor);
          auto res = redirect_flash("/login", "flash.logged_out_everywhere");
          res.set("Set-Cookie", http::cookie_header("laurel_session", "", 0));
          return res;
        });
  r.add("GET", "/account/two-factor", {.anonymous = 303, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.session) return to_login(ctx);
    auto e = service::begin_enrolment(ctx.env, ctx.actor);
    if (!e) return Response::redirect("/account");  // already enabled
    return enrol_page(ctx, *e, "");
  });
  r.add("POST", "/account/two-factor", {.anonymous = 303, .owner = 422, .other = 422, .organiser = 422}, [](Ctx& ctx) {
    if (!ctx.session) return to_login(ctx);
    auto f = form_of(ctx);
    auto codes = service::confirm_enrolment(ctx.env, ctx.actor, field(f, "code"));
    if (!codes) {
      auto e = service::begin_enrolment(ctx.env, ctx.actor);
      if (!e) return Response::redirect("/account");
      const Error& err = codes.error();
      std::string msg = err.fields.count("code") ? ctx.tr(err.fields.at("code")) : ctx.tr(err.message);
      return with_retry(enrol_page(ctx, *e, msg, http_status(err.code)), err);
    }
    json list = json::array();
    for (const auto& c : *codes) list.push_back(c);
    return page(ctx, "recovery_codes", {{"codes", list}}, 200, ctx.tr("security.recovery_title"));
  });
  r.add("POST", "/account/two-factor/disable", {.anonymous = 303, .owner = 409, .other = 409, .organiser = 409},
        [](Ctx& ctx) {
          if (!ctx.session) return to_login(ctx);
          auto f = form_of(ctx);
          auto st = service::disable_two_factor(ctx.env, ctx.actor, field(f, "password"), field(f, "code"));
          if (!st) return with_retry(account_page(ctx, &st.error()), st.error());
          return redirect_flash("/account", "flash.two_factor_disabled");
        });
  r.add("GET", "/login/two-factor", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    if (ctx.req.cookie(kChallengeCookie).empty()) return Response::redirect("/login");
    return code_page(ctx, safe_next(ctx.req.query_param("next"), ""), "");
  });
  r.add("POST", "/login/two-factor", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    auto f = form_of(ctx);
    std::string challenge = ctx.req.cookie(kChallengeCookie);
    if (challenge.empty()) return Response::redirect("/login");
    auto s = service::complete_login(ctx.env, challenge, field(f, "code"), client_info(ctx));
    if (!s) {
      if (s.error().code == Code::unauthenticated) {
        auto res = redirect_flash("/login", "flash.login_expired");
        res.set("Set-Cookie", http::cookie_header(kChallengeCookie, "", 0));
        return res;
      }
      return with_retry(code_page(ctx, safe_next(field(f, "next"), ""), ctx.tr(s.error().message), http_status(s.error().code)),
                        s.error());
    }
    std::string next = safe_next(field(f, "next"), "");
    if (next.empty()) next = s->session.actor.organiser() ? "/admin" : "/entries";
    auto res = Response::redirect(next);
    set_login_cookies(ctx, res, *s);
    res.set("Set-Cookie", http::cookie_header(kChallengeCookie, "", 0));
    return res;
  });

  // ---- JSON API ----
  r.add("POST", "/api/v1/session/two-factor", {.anonymous = 401, .owner = 401, .other = 401, .organiser = 401},
        [](Ctx& ctx) {
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          std::string challenge = str_of(j, "challenge");
          if (challenge.empty()) challenge = ctx.req.cookie(kChallengeCookie);
          std::string code = str_of(j, "code");
          if (code.empty()) code = str_of(j, "recovery_code");
          auto s = service::complete_login(ctx.env, challenge, code, client_info(ctx));
          if (!s) return answer_error(ctx, s.error());
          auto res = Response::json(login_json(*s).dump());
          set_login_cookies(ctx, res, *s);
          res.set("Set-Cookie", http::cookie_header(kChallengeCookie, "", 0));
          return res;
        });
  constexpr Access own_api{.anonymous = 401, .owner = 200, .other = 200, .organiser = 200};
  r.add("GET", "/api/v1/account/sessions", own_api, [](Ctx& ctx) {
    if (!ctx.session) return need_login_api(ctx);
    json list = json::array();
    for (const auto& s : service::list_sessions(ctx.env, *ctx.session))
      list.push_back({{"id", s.id},
                      {"user_agent", s.user_agent},
                      {"address", s.address},
                      {"created_at", iso(s.created_at)},
                      {"last_seen_at", iso(s.last_seen_at)},
                      {"current", s.current}});
    return Response::json(json{{"sessions", list}}.dump());
  });
  r.add("DELETE", "/api/v1/account/sessions/{id}", {.anonymous = 401, .owner = 204, .other = 404, .organiser = 404},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login_api(ctx);
          auto st = service::revoke_session(ctx.env, *ctx.session, ctx.req.param("id"));
          if (!st) return answer_error(ctx, st.error());
          return no_content();
        });
  r.add("DELETE", "/api/v1/account/sessions", {.anonymous = 401, .owner = 204, .other = 204, .organiser = 204},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login_api(ctx);
          service::log_out_everywhere(ctx.env, ctx.actor);
          auto res = no_content();
          res.set("Set-Cookie", http::cookie_header("laurel_session", "", 0));
          return res;
        });
  r.add("POST", "/api/v1/account/password", {.anonymous = 401, .owner = 204, .other = 422, .organiser = 422},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login_api(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          auto st = service::change_password(ctx.env, *ctx.session, str_of(j, "old_password"), str_of(j, "new_password"));
          if (!st) return answer_error(ctx, st.error());
          return no_content();
        });
  r.add("GET", "/api/v1/account/two-factor", own_api, [](Ctx& ctx) {
    if (!ctx.session) return need_login_api(ctx);
    auto s = service::two_factor_status(ctx.env, ctx.actor);
    return Response::json(json{{"enabled", s.enabled}, {"recovery_codes_left", s.recovery_codes_left},
                               {"required", ctx.env.require_organiser_2fa && ctx.actor.organiser()}}
                              .dump());
  });
  r.add("POST", "/api/v1/account/two-factor/enrolment", own_api, [](Ctx& ctx) {
    if (!ctx.session) return need_login_api(ctx);
    auto e = service::begin_enrolment(ctx.env, ctx.actor);
    if (!e) return answer_error(ctx, e.error());
    return Response::json(
        json{{"secret", e->secret}, {"uri", e->uri}, {"qr_svg", qr::svg(e->uri, ctx.tr("security.qr_label"))}}.dump());
  });
  r.add("POST", "/api/v1/account/two-factor/confirm", {.anonymous = 401, .owner = 422, .other = 422, .organiser = 422},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login_api(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto codes = service::confirm_enrolment(ctx.env, ctx.actor, str_of(std::get<json>(b), "code"));
          if (!codes) return answer_error(ctx, codes.error());
          return Response::json(json{{"recovery_codes", *codes}}.dump());
        });
  r.add("POST", "/api/v1/account/two-factor/disable", {.anonymous = 401, .owner = 409, .other = 409, .organiser = 409},
        [](Ctx& ctx) {
          if (!ctx.session) return need_login_api(ctx);
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          auto st = service::disable_two_factor(ctx.env, ctx.actor, str_of(j, "password"), str_of(j, "code"));
          if (!st) return answer_error(ctx, st.error());
          return no_content();
        });
}

}  // namespace laurel::web
