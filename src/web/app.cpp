#include "web/app.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <stdexcept>

#include "infra/crypto.h"
#include "infra/resources.h"
#include "service/account_mail.h"
#include "store/db.h"
#include "web/mail_pages.h"
#include "web/review.h"
#include "web/units.h"

namespace laurel::web {

using nlohmann::json;

bool is_api(const std::string& path) { return path.rfind("/api/", 0) == 0 || path.rfind("/uploads", 0) == 0; }

json error_body(Ctx& ctx, const Error& e) {
  json err{{"code", std::string(api_code(e.code))}, {"message", ctx.tr(e.message)}};
  if (!e.fields.empty()) {
    json f = json::object();
    for (const auto& [k, m] : e.fields) f[k] = ctx.tr(m);
    err["fields"] = f;
  }
  if (e.code == Code::internal) err["request_id"] = ctx.req.id;
  return json{{"error", err}};
}

http::Response answer_error(Ctx& ctx, const Error& e) {
  http::Response r = is_api(ctx.req.path) ? http::Response::json(error_body(ctx, e).dump(), http_status(e.code))
                                          : error_page(ctx, e);
  if ((e.code == Code::too_many_attempts || e.code == Code::unavailable) && e.message.params.count("seconds"))
    r.set("Retry-After", e.message.params.at("seconds"));
  return r;
}

Error error_of_exception(const http::Request& req, std::exception_ptr p) {
  try {
    std::rethrow_exception(p);
  } catch (const store::DbError& e) {  // busy or unreachable: the client may retry
    spdlog::error("req={} database error: {}", req.id, e.what());
    return Error::make(Code::unavailable, "error.unavailable", {{"seconds", "5"}});
  } catch (const std::exception& e) {
    spdlog::error("req={} {} {} failed: {}", req.id, req.method, req.path, e.what());
  } catch (...) {
    spdlog::error("req={} {} {} failed: an exception that is no std::exception", req.id, req.method, req.path);
  }
  return Error::make(Code::internal, "error.internal", {{"request_id", req.id}});
}

namespace {

// Test-only fault routes (docs/security.md): on when the server's environment has
// LAUREL_TEST_FAULTS=1, off (404) by default.
bool test_faults() {
  static const bool on = [] {
    const char* v = std::getenv("LAUREL_TEST_FAULTS");
    return v && std::string_view(v) == "1";
  }();
  return on;
}

// An exception's answer, built so that it cannot throw in turn: answer_error in a fresh context
// (the request's may be half made), or, should even that fail, a fixed body of the right kind.
http::Response answer_exception(Ctx& ctx, std::exception_ptr p) {
  Error e = error_of_exception(ctx.req, p);
  try {
    Ctx fallback{ctx.req, ctx.env, ctx.i18n, ctx.renderer};
    fallback.lang = ctx.lang;
    return answer_error(fallback, e);
  } catch (const std::exception& again) {
    spdlog::error("req={} error answer failed: {}", ctx.req.id, again.what());
  }
  std::string id = ctx.req.id;
  int status = http_status(e.code);
  if (is_api(ctx.req.path))
    return http::Response::json(
        json{{"error", {{"code", std::string(api_code(e.code))}, {"message", "error / 错误"}, {"request_id", id}}}}.dump(),
        status);
  return http::Response::html("<!doctype html><meta charset=utf-8><title>" + std::to_string(status) + "</title><p>" +
                                  std::to_string(status) + " · request " + id + "</p>",
                              status);
}

std::string content_type_of(const std::string& path) {
  auto ends = [&](const char* s) {
    std::string_view sv(s);
    return path.size() >= sv.size() && path.compare(path.size() - sv.size(), sv.size(), sv) == 0;
  };
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

http::Response static_file(Ctx& ctx, const std::string& folder) {
  const http::Request& req = ctx.req;
  std::string rel = folder + req.param("file");
  auto f = resources::find(rel);
  if (!f || req.param("file").find("..") != std::string::npos) return answer_error(ctx, Error::make(Code::not_found, "error.not_found"));
  std::string etag = "\"" + crypto::sha256_hex(*f).substr(0, 16) + "\"";
  if (req.header("if-none-match") == etag) return http::Response{304, {{"ETag", etag}}, {}};
  http::Response r{200, {}, std::string(*f)};
  r.set("Content-Type", content_type_of(rel));
  r.set("Cache-Control", "public, max-age=300");
  r.set("ETag", etag);
  return r;
}

void security_headers(http::Response& r) {
  r.set("X-Content-Type-Options", "nosniff");
  r.set("X-Frame-Options", "DENY");
  r.set("Referrer-Policy", "same-origin");
  bool has_cache = false, has_csp = false;
  for (auto& [k, v] : r.headers) {
    has_cache = has_cache || k == "Cache-Control";
    has_csp = has_csp || k == "Content-Security-Policy";
  }
  if (!has_csp)
    r.set("Content-Security-Policy",
          "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; script-src 'self'; "
          "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  if (!has_cache) r.set("Cache-Control", "no-store");
}

}  // namespace

std::string safe_next(const std::string& next, const std::string& fallback) {
  if (next.empty() || next[0] != '/' || (next.size() > 1 && (next[1] == '/' || next[1] == '\\'))) return fallback;
  for (char c : next)
    if (static_cast<unsigned char>(c) < 0x20) return fallback;
  return next;
}

void add_routes(Router& r) {
  add_api_routes(r);
  add_upload_routes(r);
  add_page_routes(r);
  add_account_routes(r);
  add_mail_routes(r);
  add_unit_api_routes(r);
  add_unit_page_routes(r);
  add_unit_export_routes(r);
  add_review_api_routes(r);
  add_review_export_routes(r);
  add_review_page_routes(r);
  constexpr Access everyone{.anonymous = 200, .owner = 200, .other = 200, .organiser = 200};
  r.add("GET", "/static/{file}", everyone, [](Ctx& ctx) { return static_file(ctx, "static/"); });
  r.add("GET", "/static/vendor/{file}", everyone, [](Ctx& ctx) { return static_file(ctx, "static/vendor/"); });
  r.add("GET", "/lang/{code}", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    std::string code = ctx.req.param("code") == "en" ? "en" : "zh";
    if (ctx.session) service::save_language(ctx.env, ctx.actor.id, code == "en" ? Lang::en : Lang::zh);  // mail follows it
    auto r = http::Response::redirect(safe_next(ctx.req.query_param("next"), "/"));
    r.set("Set-Cookie", http::cookie_header("laurel_lang", code, 365L * 24 * 3600));
    return r;
  });
  r.add("GET", "/healthz", everyone, [](Ctx& ctx) {
    auto c = ctx.env.db.acquire();
    c->query("SELECT 1");
    return http::Response::text("ok\n");
  });
  // Test-only (LAUREL_TEST_FAULTS=1, docs/security.md): a route that throws, so tests see what an
  // exception escaping a handler becomes (?kind=db: a database error). Off: 404, as for any
  // unknown path.
  constexpr Access fault{.anonymous = 404, .owner = 404, .other = 404, .organiser = 404};
  for (const char* path : {"/api/v1/test/fault", "/test/fault"})
    r.add("GET", path, fault, [](Ctx& ctx) -> http::Response {
      if (!test_faults()) return answer_error(ctx, Error::make(Code::not_found, "error.not_found"));
      if (ctx.req.query_param("kind") == "db") throw store::DbError(store::DbError::Kind::other, "test fault");
      throw std::runtime_error("test fault (LAUREL_TEST_FAULTS=1)");
    });
}

WebApp::WebApp(service::Env& env, WebOptions options)
    : env_(env), options_(options), i18n_(), renderer_(i18n_) {
  add_routes(router_);  // every route is registered there (`laurel routes` lists the same table)
  if (test_faults()) spdlog::warn("LAUREL_TEST_FAULTS=1: the test-only fault routes throw (never in production)");
}

void WebApp::begin(Ctx& ctx) {
  http::Request& req = ctx.req;
  ctx.lang = choose_lang(req);
  std::tie(ctx.client_address, ctx.client_is_remote) = client_address(req, options_.trusted_proxies);
  ctx.tls = forwarded_tls(req, options_.trusted_proxies);
  {
    std::string token = req.cookie("laurel_session");
    if (!token.empty()) ctx.session = service::find_session(env_, token);
    if (ctx.session) {
      ctx.actor = ctx.session->actor;
      ctx.csrf = ctx.session->csrf_token;
    } else {
      // Over TLS the cookie carries the __Host- prefix: the browser keeps it only if it is
      // Secure, for "/", from this very host — a sibling subdomain cannot plant a token.
      const char* csrf_cookie = ctx.tls ? "__Host-laurel_csrf" : "laurel_csrf";
      ctx.csrf = req.cookie(csrf_cookie);
      if (ctx.csrf.size() < 20 || ctx.csrf.size() > 100) {
        ctx.csrf = crypto::random_token();
        ctx.set_cookies.push_back(http::cookie_header(csrf_cookie, ctx.csrf, 24L * 3600) + (ctx.tls ? "; Secure" : ""));
      }
      if (!token.empty())  // an expired or unknown session: forget it
        ctx.set_cookies.push_back(http::cookie_header("laurel_session", "", 0));
    }
    ctx.flash = req.cookie("laurel_flash");
    if (!ctx.flash.empty()) ctx.set_cookies.push_back(http::cookie_header("laurel_flash", "", 0));
  }
}

void WebApp::finish(Ctx& ctx, http::Response& res) {
  for (auto& c : ctx.set_cookies) res.set("Set-Cookie", c);
  if (ctx.req.path.rfind("/uploads", 0) == 0) {  // every tus answer names the protocol version
    bool has = false;
    for (auto& [k, v] : res.headers) has = has || k == "Tus-Resumable";
    if (!has) res.set("Tus-Resumable", "1.0.0");
  }
  if (!is_api(ctx.req.path)) res.set("Content-Language", std::string(lang_tag(ctx.lang)));
  res.set("Vary", "Cookie, Accept-Language");
  security_headers(res);
}

http::StreamStart WebApp::stream(http::Request& req) {
  Ctx ctx{req, env_, i18n_, renderer_};
  http::StreamStart out;
  try {
    begin(ctx);
    auto m = router_.match(req.method, req.path);
    if (m.outcome != Router::Outcome::found) {
      out.answer = answer_error(ctx, Error::make(Code::not_found, "error.not_found"));
    } else if (ctx.session && !crypto::equal(req.header("x-csrf-token"), ctx.csrf)) {
      out.answer = answer_error(ctx, Error::make(Code::csrf, "error.csrf"));
    } else {
      req.params = m.params;
      out = upload_patch(ctx);
    }
  } catch (...) {  // a database error: 503 unavailable; anything else: 500 internal with the request id
    out.sink.reset();
    out.answer = answer_exception(ctx, std::current_exception());
  }
  if (!out.sink) finish(ctx, out.answer);
  return out;
}

http::Response WebApp::handle(http::Request& req) {
  Ctx ctx{req, env_, i18n_, renderer_};
  bool api = is_api(req.path);
  http::Response res;
  try {
    begin(ctx);
    auto m = router_.match(req.method, req.path);
    bool unsafe = req.method != "GET" && req.method != "HEAD" && req.method != "OPTIONS";
    if (m.outcome == Router::Outcome::not_found) {
      res = answer_error(ctx, Error::make(Code::not_found, "error.not_found"));
    } else if (m.outcome == Router::Outcome::wrong_method) {
      res = answer_error(ctx, Error::make(Code::method_not_allowed, "error.method_not_allowed"));
    } else {
      req.params = m.params;
      bool csrf_ok = true;
      if (unsafe && api) {
        bool exempt = req.method == "POST" && (req.path == "/api/v1/accounts" || req.path == "/api/v1/session" ||
                                               req.path == "/api/v1/session/two-factor");
        // With a session, every change carries the session's token in X-CSRF-Token.
        if (!exempt && ctx.session) csrf_ok = crypto::equal(req.header("x-csrf-token"), ctx.csrf);
      } else if (unsafe && req.method == "POST" && req.path.rfind("/unsubscribe/", 0) == 0) {
        // RFC 8058 one-click: a mail client posts with no cookie; the path's token is the credential
      } else if (unsafe) {
        std::string sent;
        if (req.header("content-type").rfind("application/x-www-form-urlencoded", 0) == 0) {
          if (auto form = http::parse_form(req.body)) {
            auto it = form->find("_csrf");
            if (it != form->end()) sent = it->second;
          }
        }
        csrf_ok = !sent.empty() && crypto::equal(sent, ctx.csrf);
      }
      if (!csrf_ok) res = answer_error(ctx, Error::make(Code::csrf, "error.csrf"));
      else if (auto gate = enrolment_gate(ctx)) res = std::move(*gate);
      else res = (*m.handler)(ctx);
    }
  } catch (...) {  // a database error: 503 unavailable; anything else: 500 internal with the request id
    res = answer_exception(ctx, std::current_exception());
  }
  finish(ctx, res);
  return res;
}

Form form_of(Ctx& ctx) {
  auto f = http::parse_form(ctx.req.body);
  return f ? *f : Form{};
}

std::string form_field(const Form& f, const std::string& key) {
  auto it = f.find(key);
  return it == f.end() ? std::string() : it->second;
}

std::string str_of(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

http::Response redirect_flash(const std::string& to, const std::string& flash_key) {
  auto r = http::Response::redirect(to);
  r.set("Set-Cookie", http::cookie_header("laurel_flash", flash_key, 60));
  return r;
}

http::Response to_login(Ctx& ctx) {
  return http::Response::redirect("/login?next=" + http::url_encode(ctx.req.target.empty() ? "/" : ctx.req.target));
}

}  // namespace laurel::web
