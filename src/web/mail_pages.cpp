// Mail pages and JSON routes: password reset (/reset, /api/v1/password-reset), address
// verification (/verify/{token}), the organiser's outbox (/admin/mail, /api/v1/admin/mail) and
// message to applicants (/admin/calls/{slug}/message, /api/v1/admin/calls/{slug}/messages).
#include "web/mail_pages.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "service/account_mail.h"
#include "service/calls.h"
#include "service/mail.h"
#include "service/notices.h"

namespace laurel::web {

using nlohmann::json;
using http::Response;

namespace {

std::string field(const Form& f, const std::string& k) { return form_field(f, k); }
std::string iso(long long t) { return iso_utc(from_unix_seconds(t)); }
std::string utc(long long t) { return utc_minute(from_unix_seconds(t)); }
json errors_view(Ctx& ctx, const Error& e) {
  json errors = json::object();
  for (const auto& [k, m] : e.fields) errors[k] = ctx.tr(m);
  return errors;
}
Response gone_api(Ctx& ctx) { return answer_error(ctx, Error::make(Code::token_expired, "error.token_expired")); }

// ---- pages ----
Response reset_form(Ctx& ctx, const std::string& token, const Error* err, int status) {
  json v{{"csrf", ctx.csrf}, {"token", token}, {"valid", true}, {"errors", err ? errors_view(ctx, *err) : json::object()}};
  if (err) v["error"] = ctx.tr(err->message);
  return page(ctx, "reset_password", v, status, ctx.tr("reset.new_title"));
}
Response reset_expired(Ctx& ctx) {
  return page(ctx, "reset_password", json{{"csrf", ctx.csrf}, {"valid", false}}, http_status(Code::token_expired),
              ctx.tr("reset.new_title"));
}
std::optional<Response> organiser_page_gate(Ctx& ctx) {
  if (!ctx.session) return to_login(ctx);
  if (!can_manage_calls(ctx.actor)) return answer_error(ctx, Error::make(Code::forbidden, "error.forbidden"));
  return std::nullopt;
}

json status_options(Ctx& ctx, const std::string& selected) {
  json out = json::array();
  for (const char* s : {"queued", "sending", "sent", "failed", "cancelled"})
    out.push_back({{"slug", s}, {"label", ctx.tr(std::string("mail.status.") + s)}, {"selected", selected == s}});
  return out;
}

Response message_page(Ctx& ctx, const Call& call, const service::ApplicantMessage& m,
                      std::optional<service::RecipientCount> count,
                      const Error* err, int status) {
  json cats = json::array();
  for (const auto& c : call.categories)
    cats.push_back({{"slug", c.slug}, {"title", c.title.in(ctx.lang)}, {"selected", c.slug == m.category}});
  json statuses = json::array();
  for (const char* s : {"draft", "submitted", "withdrawn"})
    statuses.push_back({{"slug", s}, {"label", ctx.tr(std::string("entry.status.") + s)}, {"selected", m.status == s}});
  json v{{"csrf", ctx.csrf},      {"slug", call.slug},         {"call_title", call.title.in(ctx.lang)},
         {"categories", cats},    {"statuses", statuses},      {"subject", m.subject},
         {"body", m.body},        {"errors", err ? errors_view(ctx, *err) : json::object()}};
  if (count) {
    v["recipients"] = ctx.tr("mail.recipients", {{"count", std::to_string(count->recipients)}});
    if (count->opted_out)
      v["opted_out"] = ctx.tr("mail.recipients_opted_out", {{"count", std::to_string(count->opted_out)}});
  }
  if (err) v["error"] = ctx.tr(err->message);
  return page(ctx, "admin_message", v, status, ctx.tr("mail.compose_title"));
}

json outbox_json(const service::OutboxRow& o) {
  return {{"id", o.id},
          {"to", o.to},
          {"subject", o.subject},
          {"kind", o.kind},
          {"status", o.status},
          {"attempts", o.attempts},
          {"last_error", o.last_error},
          {"last_answer", o.last_answer},
          {"created_at", iso(o.created_at)},
          {"sent_at", o.sent_at ? json(iso(*o.sent_at)) : json(nullptr)}};
}

}  // namespace

void add_mail_routes(Router& r) {
  constexpr Access everyone{.anonymous = 200, .owner = 200, .other = 200, .organiser = 200};
  constexpr Access organiser_page{.anonymous = 303, .owner = 403, .other = 403, .organiser = 200};
  constexpr Access organiser_api{.anonymous = 401, .owner = 403, .other = 403, .organiser = 200};

  // ---- password reset: pages ----
  r.add("GET", "/reset", everyone, [](Ctx& ctx) {
    json v{{"csrf", ctx.csrf}, {"sent", ctx.req.query_param("sent") == "1"}};
    return page(ctx, "reset", v, 200, ctx.tr("reset.title"));
  });
  r.add("POST", "/reset", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    service::request_password_reset(ctx.env, field(form_of(ctx), "email"));
    return Response::redirect("/reset?sent=1");
  });
  r.add("GET", "/reset/{token}", {.anonymous = 410, .owner = 410, .other = 410, .organiser = 410}, [](Ctx& ctx) {
    if (!service::reset_token_valid(ctx.env, ctx.req.param("token"))) return reset_expired(ctx);
    return reset_form(ctx, ctx.req.param("token"), nullptr, 200);
  });
  r.add("POST", "/reset/{token}", {.anonymous = 410, .owner = 410, .other = 410, .organiser = 410}, [](Ctx& ctx) {
    auto f = form_of(ctx);
    std::string token = ctx.req.param("token");
    if (!service::reset_token_valid(ctx.env, token)) return reset_expired(ctx);
    if (field(f, "password") != field(f, "password2")) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["password2"] = {"rule.password_mismatch", {}};
      return reset_form(ctx, token, &e, http_status(e.code));
    }
    auto st = service::reset_password(ctx.env, token, field(f, "password"), ctx.req.cookie("laurel_session"));
    if (!st) {
      if (st.error().code == Code::token_expired) return reset_expired(ctx);
      return reset_form(ctx, token, &st.error(), http_status(st.error().code));
    }
    return redirect_flash(ctx.session ? "/account" : "/login", "flash.password_reset");
  });

  // ---- address verification ----
  r.add("GET", "/verify/{token}", {.anonymous = 410, .owner = 410, .other = 410, .organiser = 410}, [](Ctx& ctx) {
    auto st = service::verify_email(ctx.env, ctx.req.param("token"));
    if (!st) return answer_error(ctx, Error::make(Code::token_expired, "verify.expired"));
    return redirect_flash(ctx.session ? "/account" : "/login", "flash.email_verified");
  });
  r.add("POST", "/account/verify-email", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303}, [](Ctx& ctx) {
    if (!ctx.session) return to_login(ctx);
    auto st = service::resend_verification(ctx.env, ctx.actor);
    if (!st) return answer_error(ctx, st.error());
    return redirect_flash("/account", "flash.verification_sent");
  });

  // ---- optional mail: the List-Unsubscribe link (one-click POST, RFC 8058: no session, no
  // CSRF token — the token in the path is the credential) and the account's preference ----
  constexpr Access unknown_token{.anonymous = 404, .owner = 404, .other = 404, .organiser = 404};
  r.add("GET", "/unsubscribe/{token}", unknown_token, [](Ctx& ctx) {
    std::string token = ctx.req.param("token");
    bool valid = service::unsubscribe_token_valid(ctx.env, token);
    json v{{"csrf", ctx.csrf}, {"token", token}, {"ask", valid}, {"unknown", !valid}};
    return page(ctx, "unsubscribe", v, valid ? 200 : 404, ctx.tr("unsubscribe.title"));
  });
  r.add("POST", "/unsubscribe/{token}", unknown_token, [](Ctx& ctx) {
    auto st = service::unsubscribe(ctx.env, ctx.req.param("token"));
    json v{{"done", bool(st)}, {"unknown", !st}};
    return page(ctx, "unsubscribe", v, st ? 200 : 404, ctx.tr("unsubscribe.title"));
  });
  r.add("POST", "/account/mail-preferences", {.anonymous = 303, .owner = 303, .other = 303, .organiser = 303},
        [](Ctx& ctx) {
          if (!ctx.session) return to_login(ctx);
          auto st = service::set_optional_mail(ctx.env, ctx.actor, field(form_of(ctx), "optional_mail") == "1");
          if (!st) return answer_error(ctx, st.error());
          return redirect_flash("/account#mail", "flash.mail_preferences");
        });
  r.add("PUT", "/api/v1/account/mail-preferences", {.anonymous = 401, .owner = 200, .other = 200, .organiser = 200},
        [](Ctx& ctx) {
          if (!ctx.session) return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          const json& j = std::get<json>(b);
          if (!j.is_object() || !j.contains("optional_mail") || !j["optional_mail"].is_boolean()) {
            Error e = Error::make(Code::invalid, "error.invalid");
            e.fields["optional_mail"] = {"rule.boolean", {}};
            return answer_error(ctx, e);
          }
          bool on = j["optional_mail"].get<bool>();
          auto st = service::set_optional_mail(ctx.env, ctx.actor, on);
          if (!st) return answer_error(ctx, st.error());
          return Response::json(json{{"optional_mail", on}}.dump());
        });

  // ---- organiser: outbox and message to applicants (pages) ----
  r.add("GET", "/admin/mail", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_page_gate(ctx)) return std::move(*gate);
    std::string status = ctx.req.query_param("status");
    auto rows = service::list_outbox(ctx.env, ctx.actor, status);
    if (!rows) return answer_error(ctx, rows.error());
    json list = json::array();
    for (const auto& o : *rows) {
      json j = outbox_json(o);
      j["kind_label"] = ctx.tr("mail.kind." + o.kind);
      j["status_label"] = ctx.tr("mail.status." + o.status);
      j["created"] = utc(o.created_at);
      j["sent"] = o.sent_at ? utc(*o.sent_at) : "";
      j["failed"] = o.status == "failed";
      j["attempts"] = std::to_string(o.attempts);
      j["id"] = std::to_string(o.id);
      list.push_back(j);
    }
    json v{{"csrf", ctx.csrf}, {"messages", list}, {"has_messages", !list.empty()}, {"statuses", status_options(ctx, status)}};
    return page(ctx, "admin_mail", v, 200, ctx.tr("mail.title"));
  });
  r.add("POST", "/admin/mail/{id}/retry", {.anonymous = 303, .owner = 403, .other = 403, .organiser = 303}, [](Ctx& ctx) {
    if (auto gate = organiser_page_gate(ctx)) return std::move(*gate);
    long long id = 0;
    try {
      id = std::stoll(ctx.req.param("id"));
    } catch (...) {
    }
    auto st = service::retry_mail(ctx.env, ctx.actor, id);
    return redirect_flash("/admin/mail", st ? "flash.mail_retried" : "flash.mail_not_retried");
  });
  r.add("GET", "/admin/calls/{slug}/message", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_page_gate(ctx)) return std::move(*gate);
    auto call = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!call) return answer_error(ctx, Error::make(Code::not_found, "error.not_found"));
    return message_page(ctx, *call, {}, std::nullopt, nullptr, 200);
  });
  r.add("POST", "/admin/calls/{slug}/message", organiser_page, [](Ctx& ctx) {
    if (auto gate = organiser_page_gate(ctx)) return std::move(*gate);
    auto call = service::find_call(ctx.env, ctx.req.param("slug"));
    if (!call) return answer_error(ctx, Error::make(Code::not_found, "error.not_found"));
    auto f = form_of(ctx);
    service::ApplicantMessage m{field(f, "category"), field(f, "status"), field(f, "subject"), field(f, "body")};
    if (field(f, "action") == "send") {
      auto n = service::send_applicant_message(ctx.env, ctx.actor, call->slug, m);
      if (n) return redirect_flash("/admin/mail", "flash.message_sent");
      return message_page(ctx, *call, m, std::nullopt, &n.error(), http_status(n.error().code));
    }
    auto n = service::count_message_recipients(ctx.env, ctx.actor, call->slug, m);
    if (!n) return message_page(ctx, *call, m, std::nullopt, &n.error(), http_status(n.error().code));
    return message_page(ctx, *call, m, *n, nullptr, 200);
  });

  // ---- JSON API ----
  r.add("POST", "/api/v1/password-reset", {.anonymous = 202, .owner = 202, .other = 202, .organiser = 202}, [](Ctx& ctx) {
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    service::request_password_reset(ctx.env, str_of(std::get<json>(b), "email"));
    return Response::json(json::object().dump(), 202);
  });
  r.add("POST", "/api/v1/password-reset/{token}", {.anonymous = 410, .owner = 410, .other = 410, .organiser = 410},
        [](Ctx& ctx) {
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto st = service::reset_password(ctx.env, ctx.req.param("token"), str_of(std::get<json>(b), "password"),
                                            ctx.req.cookie("laurel_session"));
          if (!st && st.error().code == Code::token_expired) return gone_api(ctx);
          if (!st) return answer_error(ctx, st.error());
          return Response{204, {}, {}};
        });
  r.add("GET", "/api/v1/account", {.anonymous = 401, .owner = 200, .other = 200, .organiser = 200}, [](Ctx& ctx) {
    if (!ctx.session) return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
    return Response::json(json{{"id", ctx.actor.id},
                               {"email", ctx.actor.email},
                               {"role", std::string(stored_role(ctx.actor))},
                               {"email_verified", service::email_verified(ctx.env, ctx.actor.id)},
                               {"optional_mail", service::optional_mail(ctx.env, ctx.actor.id)}}
                              .dump());
  });
  r.add("POST", "/api/v1/account/verify-email", {.anonymous = 401, .owner = 202, .other = 202, .organiser = 202},
        [](Ctx& ctx) {
          if (!ctx.session) return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
          auto st = service::resend_verification(ctx.env, ctx.actor);
          if (!st) return answer_error(ctx, st.error());
          return Response::json(json::object().dump(), 202);
        });
  r.add("GET", "/api/v1/admin/mail", organiser_api, [](Ctx& ctx) {
    auto rows = service::list_outbox(ctx.env, ctx.actor, ctx.req.query_param("status"));
    if (!rows) return answer_error(ctx, rows.error());
    json list = json::array();
    for (const auto& o : *rows) list.push_back(outbox_json(o));
    return Response::json(json{{"messages", list}}.dump());
  });
  r.add("POST", "/api/v1/admin/mail/{id}/retry", {.anonymous = 401, .owner = 403, .other = 403, .organiser = 409},
        [](Ctx& ctx) {
          long long id = 0;
          try {
            id = std::stoll(ctx.req.param("id"));
          } catch (...) {
          }
          auto st = service::retry_mail(ctx.env, ctx.actor, id);
          if (!st) return answer_error(ctx, st.error());
          return Response::json(json::object().dump(), 202);
        });
  auto message_of = [](const json& j) {
    return service::ApplicantMessage{str_of(j, "category"), str_of(j, "status"), str_of(j, "subject"), str_of(j, "body")};
  };
  r.add("POST", "/api/v1/admin/calls/{slug}/messages/preview", organiser_api, [message_of](Ctx& ctx) {
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    auto n = service::count_message_recipients(ctx.env, ctx.actor, ctx.req.param("slug"), message_of(std::get<json>(b)));
    if (!n) return answer_error(ctx, n.error());
    return Response::json(json{{"recipients", n->recipients}, {"opted_out", n->opted_out}}.dump());
  });
  r.add("POST", "/api/v1/admin/calls/{slug}/messages", {.anonymous = 401, .owner = 403, .other = 403, .organiser = 422},
        [message_of](Ctx& ctx) {
          auto b = body_json(ctx);
          if (auto* res = std::get_if<Response>(&b)) return *res;
          auto n = service::send_applicant_message(ctx.env, ctx.actor, ctx.req.param("slug"), message_of(std::get<json>(b)));
          if (!n) return answer_error(ctx, n.error());
          return Response::json(json{{"queued", *n}}.dump(), 202);
        });
}

}  // namespace laurel::web
