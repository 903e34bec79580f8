// The web application: pages and the JSON API over the service layer. Resolves the language
// and the session, checks CSRF on every change, dispatches to a route, and adds the security
// headers. Handlers are thin: parse, call one service function, render.
#pragma once
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <variant>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/message.h"
#include "http/router.h"
#include "http/server.h"
#include "service/materials.h"
#include "service/accounts.h"
#include "service/env.h"
#include "web/access.h"
#include "web/i18n.h"
#include "web/render.h"

namespace laurel::web {

struct Ctx {
  Ctx(http::Request& r, service::Env& e, const I18n& i, const Renderer& rd) : req(r), env(e), i18n(i), renderer(rd) {}
  http::Request& req;
  service::Env& env;
  const I18n& i18n;
  const Renderer& renderer;
  Lang lang = Lang::zh;
  std::optional<service::Session> session;
  Actor actor;
  std::string csrf;  // the token forms and the X-CSRF-Token header must carry
  std::vector<std::string> set_cookies;
  std::string flash;  // a one-time notice for the next page (cookie laurel_flash)
  // The client's address: the peer's, or from X-Forwarded-For when the peer is a trusted proxy.
  // client_is_remote is false for a loopback address (a proxy not declared trusted, or a local
  // tool): per-address limits do not apply to it.
  std::string client_address;
  bool client_is_remote = true;
  // The browser reached us over TLS (a trusted proxy said X-Forwarded-Proto: https): cookies are
  // Secure, and the anonymous CSRF cookie is __Host-laurel_csrf (no subdomain can set it).
  bool tls = false;

  std::string tr(std::string_view key, const std::map<std::string, std::string>& params = {}) const {
    return i18n.t(lang, key, params);
  }
  std::string tr(const Message& m) const { return i18n.t(lang, m); }
};

using Route = std::function<http::Response(Ctx&)>;
using Router = http::Router<Route, Access>;

// Errors (web/app.cpp). answer_error is the one way a route answers with an error: the status is
// the error table's (core/errors.h); on API routes (is_api: /api/…, /uploads…) the body is
// {"error":{"code","message"[,"fields"][,"request_id"]}} in the caller's language, elsewhere an
// error page. A 500 internal carries the request id (http::Request::id, also in the log).
bool is_api(const std::string& path);
http::Response answer_error(Ctx& ctx, const Error& e);
nlohmann::json error_body(Ctx& ctx, const Error& e);  // the JSON answer's body, for answers that add to it
// An exception that escaped a route, logged with the request id: a database error (store::DbError)
// is 503 unavailable (Retry-After), anything else 500 internal.
Error error_of_exception(const http::Request& req, std::exception_ptr e);

// `next` when it is a path of our own to go back to after a language switch or a login (never
// another site: no "//host", no "/\\host", no control characters), otherwise `fallback`.
std::string safe_next(const std::string& next, const std::string& fallback);

// API side (web/api.cpp)
void add_api_routes(Router& r);
std::variant<nlohmann::json, http::Response> body_json(Ctx& ctx);  // the body as an object, or the 400/415 answer

// Uploads (tus) and materials (web/uploads.cpp)
void add_upload_routes(Router& r);
http::StreamStart upload_patch(Ctx& ctx);  // PATCH /uploads/{id}, the body streaming to disk
nlohmann::json material_json(Ctx& ctx, const Material& m);

// The client's address (see Ctx::client_address) and whether it is a remote one.
std::pair<std::string, bool> client_address(const http::Request& req, const std::vector<std::string>& trusted_proxies);
// Whether the request reached the proxy over TLS: the peer is a trusted proxy and says
// X-Forwarded-Proto: https (a client's own header is never believed).
bool forwarded_tls(const http::Request& req, const std::vector<std::string>& trusted_proxies);
// What the account services need to know of the client (address, known-device cookie, browser).
service::ClientInfo client_info(const Ctx& ctx);
// Sets the session cookie and, after a login, the known-device cookie.
void set_login_cookies(Ctx& ctx, http::Response& res, const service::LoginOutcome& login);

// Account security pages and API: password, sessions, two-factor (web/account_pages.cpp)
void add_account_routes(Router& r);
// After a right password on an account with two-factor sign-in: the answer that asks for the
// code (API: 401 two_factor_required with the challenge; page: to /login/two-factor), with the
// challenge cookie. nullopt when the login is complete.
std::optional<http::Response> two_factor_challenge(Ctx& ctx, const service::LoginOutcome& login, bool api,
                                                   const std::string& next);
// When organisers must use two-factor sign-in: an organiser's session without it may only enrol
// (pages redirect to /account/two-factor, the API answers 403 two_factor_enrolment_required).
std::optional<http::Response> enrolment_gate(Ctx& ctx);

// Page side (web/pages.cpp)
void add_page_routes(Router& r);
http::Response page(Ctx& ctx, const std::string& name, const nlohmann::json& view, int status = 200,
                    const std::string& title = "");
http::Response error_page(Ctx& ctx, const Error& e);  // answer_error's page (routes call answer_error)

// Every route the server answers, each with its Access declaration (web/access.h): the API,
// uploads, pages, static files. Registers closures only (no database needed): `laurel routes`
// prints the same table the server uses.
void add_routes(Router& r);

struct WebOptions {
  // Peers whose X-Forwarded-For is believed (addresses or CIDR blocks, e.g. "127.0.0.1",
  // "10.0.0.0/8"); none by default.
  std::vector<std::string> trusted_proxies;
};

class WebApp {
 public:
  WebApp(service::Env& env, WebOptions options);
  http::Response handle(http::Request& req);
  http::StreamStart stream(http::Request& head);  // requests whose body streams (tus PATCH)

 private:
  // Language, session, CSRF cookie; false if the CSRF token of a change is missing or wrong.
  void begin(Ctx& ctx);
  void finish(Ctx& ctx, http::Response& res);
  service::Env& env_;
  WebOptions options_;
  I18n i18n_;
  Renderer renderer_;
  Router router_;
};

// Small helpers every handler file uses (web/app.cpp).
using Form = std::multimap<std::string, std::string>;
Form form_of(Ctx& ctx);                                     // the urlencoded body; empty if malformed
std::string form_field(const Form& f, const std::string& key);  // "" when absent
std::string str_of(const nlohmann::json& j, const char* key);  // a string member, "" when absent or not a string
http::Response redirect_flash(const std::string& to, const std::string& flash_key);  // 303 with a one-time notice
http::Response to_login(Ctx& ctx);                          // 303 to /login?next=<this page>

}  // namespace laurel::web
