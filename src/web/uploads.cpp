// Resumable uploads (tus 1.0.0 at /uploads/) and the materials API (docs/uploads.md).
#include <nlohmann/json.hpp>

#include "core/material.h"
#include "http/content.h"
#include "http/tus.h"
#include "service/calls.h"
#include "service/materials.h"
#include "service/processing.h"
#include "service/uploads.h"
#include "web/app.h"

namespace laurel::web {

using http::Response;
using nlohmann::json;
namespace tus = http::tus;

namespace {

Response& tus_headers(Response& r) {
  r.set("Tus-Resumable", std::string(tus::version));
  return r;
}

Response tus_error(Ctx& ctx, const Error& e) {
  Response r = answer_error(ctx, e);
  if (e.code == Code::offset_mismatch && e.message.params.count("offset")) r.set("Upload-Offset", e.message.params.at("offset"));
  if (e.code == Code::too_large && e.message.params.count("bytes")) r.set("Tus-Max-Size", e.message.params.at("bytes"));
  return tus_headers(r);
}

// tus requests name the protocol version they speak; we speak 1.0.0 only.
std::optional<Response> version_check(Ctx& ctx) {
  if (ctx.req.header("tus-resumable") == tus::version) return std::nullopt;
  Response r = answer_error(ctx, Error::make(Code::precondition_failed, "error.tus_version"));
  r.set("Tus-Version", std::string(tus::version));
  return tus_headers(r);
}

std::string expires(Instant t) { return http::http_date(std::chrono::time_point_cast<std::chrono::seconds>(t)); }

long long largest_file(Ctx& ctx) {
  long long m = 0;
  for (const auto& c : service::list_calls(ctx.env)) m = std::max(m, largest_material(c));
  return m;
}

Response options(Ctx& ctx) {
  Response r{204, {}, {}};
  r.set("Tus-Version", std::string(tus::version));
  r.set("Tus-Extension", std::string(tus::extensions));
  r.set("Tus-Checksum-Algorithm", std::string(tus::checksum_algorithms));
  r.set("Tus-Max-Size", std::to_string(largest_file(ctx)));
  return tus_headers(r);
}

Response create(Ctx& ctx) {
  if (auto r = version_check(ctx)) return *r;
  if (!ctx.session) return tus_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
  if (!ctx.req.header("upload-defer-length").empty())
    return tus_error(ctx, Error::make(Code::bad_request, "error.upload_length_needed"));
  auto length = tus::parse_offset(ctx.req.header("upload-length"));
  if (!length) return tus_error(ctx, Error::make(Code::bad_request, "error.upload_length_needed"));
  auto meta = tus::parse_metadata(ctx.req.header("upload-metadata"));
  if (!meta) return tus_error(ctx, Error::make(Code::bad_request, "error.upload_metadata"));
  for (const char* k : {"submission", "kind", "filename"})
    if (!meta->count(k) || meta->at(k).empty()) return tus_error(ctx, Error::make(Code::bad_request, "error.upload_metadata"));
  if (!is_material_kind(meta->at("kind"))) return tus_error(ctx, Error::make(Code::bad_request, "error.upload_kind"));
  auto u = service::create_upload(ctx.env, ctx.actor,
                                  {meta->at("submission"), meta->at("kind"), meta->at("filename"), *length});
  if (!u) return tus_error(ctx, u.error());
  Response r{201, {}, {}};
  r.set("Location", "/uploads/" + u->id);
  r.set("Upload-Expires", expires(u->expires_at));
  r.set("Upload-Offset", "0");
  return tus_headers(r);
}

Response head(Ctx& ctx) {
  if (auto r = version_check(ctx)) return *r;
  auto u = service::find_upload(ctx.env, ctx.actor, ctx.req.param("id"));
  if (!u) return tus_error(ctx, u.error());
  Response r{200, {}, {}};
  r.set("Upload-Offset", std::to_string(u->received));
  r.set("Upload-Length", std::to_string(u->length));
  r.set("Upload-Expires", expires(u->expires_at));
  r.set("Upload-Metadata", tus::encode_metadata({{"submission", u->submission_id}, {"kind", u->kind}, {"filename", u->filename}}));
  if (!u->material_id.empty()) r.set("Laurel-Material", u->material_id);
  r.set("Cache-Control", "no-store");
  return tus_headers(r);
}

Response terminate(Ctx& ctx) {
  if (auto r = version_check(ctx)) return *r;
  if (!ctx.session) return tus_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
  auto st = service::terminate_upload(ctx.env, ctx.actor, ctx.req.param("id"));
  if (!st) return tus_error(ctx, st.error());
  Response r{204, {}, {}};
  return tus_headers(r);
}

// Receives a PATCH body into the upload, checking its checksum when one is given.
class PatchSink final : public http::BodySink {
 public:
  PatchSink(Ctx ctx, std::unique_ptr<service::UploadWriter> w, std::optional<tus::Checksum> sum)
      : ctx_(std::move(ctx)), writer_(std::move(w)), sum_(std::move(sum)) {
    if (sum_) digest_.emplace(sum_->algorithm);
  }
  bool write(std::string_view data) override {
    try {
      if (digest_) digest_->update(data);
      auto st = writer_->write(data);
      if (!st) {
        error_ = st.error();
        return false;
      }
      return true;
    } catch (...) {  // answered by finish, as an exception escaping a handler is
      error_ = error_of_exception(ctx_.req, std::current_exception());
      return false;
    }
  }
  Response finish(bool complete) override {
    Response r;
    try {
      r = answer(complete);
    } catch (...) {
      r = tus_error(ctx_, error_of_exception(ctx_.req, std::current_exception()));
    }
    writer_.reset();  // closes the part file and releases its lock before the answer goes out
    for (auto& c : ctx_.set_cookies) r.set("Set-Cookie", c);
    r.set("X-Content-Type-Options", "nosniff");
    r.set("Cache-Control", "no-store");
    return r;
  }

 private:
  Response answer(bool complete) {
    Response r;
    if (error_) {
      writer_->rollback();
      r = tus_error(ctx_, *error_);
    } else if (sum_ && (!complete || digest_->final() != sum_->digest)) {
      writer_->rollback();  // nothing of a request whose checksum fails is kept
      r = tus_error(ctx_, Error::make(Code::checksum_mismatch, "error.checksum_mismatch"));
    } else {
      auto u = writer_->commit();
      if (!u) {
        r = tus_error(ctx_, u.error());
      } else {
        r = Response{204, {}, {}};
        r.set("Upload-Offset", std::to_string(u->received));
        r.set("Upload-Expires", expires(u->expires_at));
        if (!u->material_id.empty()) r.set("Laurel-Material", u->material_id);
        tus_headers(r);
      }
    }
    return r;
  }

  Ctx ctx_;
  std::unique_ptr<service::UploadWriter> writer_;
  std::optional<tus::Checksum> sum_;
  std::optional<tus::Digest> digest_;
  std::optional<Error> error_;
};

}  // namespace

http::StreamStart upload_patch(Ctx& ctx) {
  http::StreamStart out;
  if (auto r = version_check(ctx)) {
    out.answer = *r;
    return out;
  }
  if (!ctx.session) {
    out.answer = tus_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
    return out;
  }
  if (ctx.req.header("content-type") != "application/offset+octet-stream") {
    out.answer = tus_error(ctx, Error::make(Code::unsupported_media_type, "error.upload_content_type"));
    return out;
  }
  auto offset = tus::parse_offset(ctx.req.header("upload-offset"));
  if (!offset) {
    out.answer = tus_error(ctx, Error::make(Code::bad_request, "error.upload_offset_needed"));
    return out;
  }
  std::optional<tus::Checksum> sum;
  if (std::string h = ctx.req.header("upload-checksum"); !h.empty()) {
    tus::Checksum c;
    switch (tus::parse_checksum(h, c)) {
      case tus::ChecksumParse::ok: sum = c; break;
      case tus::ChecksumParse::unsupported:
        out.answer = tus_error(ctx, Error::make(Code::bad_request, "error.checksum_algorithm"));
        return out;
      case tus::ChecksumParse::malformed:
        out.answer = tus_error(ctx, Error::make(Code::bad_request, "error.checksum_malformed"));
        return out;
    }
  }
  auto w = service::UploadWriter::open(ctx.env, ctx.actor, ctx.req.param("id"), *offset, !sum);
  if (!w) {
    out.answer = tus_error(ctx, w.error());
    return out;
  }
  if (auto cl = tus::parse_offset(ctx.req.header("content-length"));
      cl && *offset + *cl > (*w)->upload().length) {
    out.answer = tus_error(ctx, Error::make(Code::too_large, "error.upload_past_length",
                                            {{"limit", format_size((*w)->upload().length)},
                                             {"bytes", std::to_string((*w)->upload().length)}}));
    return out;
  }
  out.sink = std::make_unique<PatchSink>(ctx, std::move(*w), sum);
  return out;
}

json material_json(Ctx& ctx, const Material& m) {
  json j{{"id", m.id},
         {"kind", m.kind},
         {"filename", m.filename},
         {"size", m.size},
         {"sha256", m.sha256},
         {"content_type", m.content_type},
         {"status", m.status},
         {"caption", {{"zh", m.caption.zh}, {"en", m.caption.en}}},
         {"position", m.position},
         {"created_at", iso_utc(m.created_at)}};
  j["error"] = m.error ? json(ctx.tr(*m.error)) : json(nullptr);
  j["width"] = m.width ? json(*m.width) : json(nullptr);
  j["height"] = m.height ? json(*m.height) : json(nullptr);
  j["duration"] = m.duration ? json(*m.duration) : json(nullptr);
  j["thumbnail"] = m.thumbnail.empty() ? json(nullptr) : json("/api/v1/materials/" + m.id + "/thumbnail");
  j["content"] = m.status == "rejected" ? json(nullptr) : json("/api/v1/materials/" + m.id + "/content");
  return j;
}

namespace {

// The bytes of a stored file, whole or one range, with the headers that keep a browser from
// treating them as anything but what they are.
Response file_answer(Ctx& ctx, const service::MaterialFile& f, const std::string& content_type, bool inline_,
                     const std::string& filename) {
  long long size = 0;
  std::error_code ec;
  size = (long long)std::filesystem::file_size(f.path, ec);
  if (ec) return answer_error(ctx, Error::make(Code::not_found, "error.material_not_found"));
  http::ByteRange range;
  auto kind = http::parse_range(ctx.req.header("range"), size, range);
  if (!ctx.req.header("if-range").empty() && ctx.req.header("if-range") != "\"" + f.material.sha256 + "\"")
    kind = http::RangeKind::whole;
  Response r;
  if (kind == http::RangeKind::unsatisfiable) {
    r = answer_error(ctx, Error::make(Code::range_not_satisfiable, "error.range"));
    r.set("Content-Range", "bytes */" + std::to_string(size));
    return r;
  }
  r.status = kind == http::RangeKind::partial ? 206 : 200;
  if (kind != http::RangeKind::partial) range = {0, size - 1};
  r.file = http::FileSlice{f.path, range.first, size == 0 ? 0 : range.length()};
  if (kind == http::RangeKind::partial)
    r.set("Content-Range", "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" + std::to_string(size));
  r.set("Content-Type", content_type);
  r.set("Content-Disposition", http::content_disposition(inline_, filename));
  r.set("Accept-Ranges", "bytes");
  r.set("ETag", "\"" + f.material.sha256 + "\"");
  r.set("Cache-Control", "private, max-age=3600");
  // Served bytes never run as a page of this site.
  r.set("Content-Security-Policy", "default-src 'none'; img-src 'self'; media-src 'self'; sandbox");
  return r;
}

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

}  // namespace

void add_upload_routes(Router& r) {
  r.add("OPTIONS", "/uploads/", {.anonymous = 204, .owner = 204, .other = 204, .organiser = 204}, options);
  r.add("OPTIONS", "/uploads/{id}", {.anonymous = 204, .owner = 204, .other = 204, .organiser = 204}, options);
  r.add("POST", "/uploads/", {.anonymous = 401, .owner = 201, .other = 404, .organiser = 404}, create);
  r.add("GET", "/uploads/{id}", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 404}, head);  // HEAD (the router answers HEAD with GET's route)
  r.add("DELETE", "/uploads/{id}", {.anonymous = 401, .owner = 204, .other = 404, .organiser = 404}, terminate);
  r.add("PATCH", "/uploads/{id}", {.anonymous = 401, .owner = 204, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    // Only reached when a PATCH did not stream (it always should); answer plainly.
    return tus_error(ctx, Error::make(Code::bad_request, "error.not_found"));
  });

  r.add("GET", "/api/v1/materials/{id}", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 200}, [](Ctx& ctx) {
    auto m = service::get_material(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!m) return answer_error(ctx, m.error());
    return Response::json(material_json(ctx, *m).dump());
  });
  r.add("GET", "/api/v1/materials/{id}/content", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 200}, [](Ctx& ctx) {
    auto f = service::material_content(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!f) return answer_error(ctx, f.error());
    const auto& m = f->material;
    bool inline_ = m.kind == "image" || m.kind == "video" || m.kind == "audio";
    if (ctx.req.query_param("download") == "1") inline_ = false;
    return file_answer(ctx, *f, m.content_type, inline_, m.filename);
  });
  r.add("GET", "/api/v1/materials/{id}/thumbnail", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 200}, [](Ctx& ctx) {
    auto f = service::material_thumbnail(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!f) return answer_error(ctx, f.error());
    std::string name = f->material.filename;
    auto dot = name.rfind('.');
    return file_answer(ctx, *f, "image/jpeg", true, (dot == std::string::npos ? name : name.substr(0, dot)) + ".jpg");
  });
  r.add("PATCH", "/api/v1/materials/{id}", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.session) return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    const json& j = std::get<json>(b);
    static const json none = json::object();
    auto found = j.find("caption");
    const json& cap = found == j.end() ? none : *found;  // a reference: the parsed document is never copied
    if (!cap.is_object() || (cap.contains("zh") && !cap["zh"].is_string()) || (cap.contains("en") && !cap["en"].is_string()))
      return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
    auto current = service::get_material(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!current) return answer_error(ctx, current.error());
    Text caption{cap.contains("zh") ? cap["zh"].get<std::string>() : current->caption.zh,
                 cap.contains("en") ? cap["en"].get<std::string>() : current->caption.en};
    auto m = service::set_caption(ctx.env, ctx.actor, ctx.req.param("id"), caption);
    if (!m) return answer_error(ctx, m.error());
    return Response::json(material_json(ctx, *m).dump());
  });
  r.add("DELETE", "/api/v1/materials/{id}", {.anonymous = 401, .owner = 204, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.session) return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
    auto st = service::remove_material(ctx.env, ctx.actor, ctx.req.param("id"));
    if (!st) return answer_error(ctx, st.error());
    return Response{204, {}, {}};
  });
  r.add("PUT", "/api/v1/submissions/{id}/materials/order", {.anonymous = 401, .owner = 200, .other = 404, .organiser = 404}, [](Ctx& ctx) {
    if (!ctx.session) return answer_error(ctx, Error::make(Code::unauthenticated, "error.unauthenticated"));
    auto b = body_json(ctx);
    if (auto* res = std::get_if<Response>(&b)) return *res;
    const json& j = std::get<json>(b);
    if (!j.contains("order") || !j["order"].is_array()) return answer_error(ctx, Error::make(Code::bad_request, "error.malformed_json"));
    auto list = service::reorder_materials(ctx.env, ctx.actor, ctx.req.param("id"), string_list(j["order"]));
    if (!list) return answer_error(ctx, list.error());
    json out{{"materials", json::array()}};
    for (const auto& m : *list) out["materials"].push_back(material_json(ctx, m));
    return Response::json(out.dump());
  });
}

}  // namespace laurel::web
