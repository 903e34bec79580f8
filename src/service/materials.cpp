#include "service/materials.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "core/entry.h"
#include "core/material.h"
#include "infra/crypto.h"
#include "infra/media.h"
#include "infra/sha256.h"
#include "service/calls.h"
#include "service/jobs.h"
#include "service/submissions.h"
#include "service/write.h"
#include "store/audit.h"
#include "store/dialect.h"

namespace laurel::service {

using nlohmann::json;

namespace {

constexpr long long kCheckpointBytes = 8LL << 20;

long long secs(Instant t) { return t.time_since_epoch().count(); }
Instant at(long long s) { return Instant{std::chrono::seconds{s}}; }

constexpr const char* kUploadCols =
    "id, owner_id, submission_id, kind, filename, length, received, hash_state, created_at, expires_at, material_id";

Upload decode_upload(const store::Row& r) {
  Upload u;
  u.id = r.str(0);
  u.owner_id = r.str(1);
  u.submission_id = r.str(2);
  u.kind = r.str(3);
  u.filename = r.str(4);
  u.length = r.num(5);
  u.received = r.num(6);
  u.created_at = at(r.num(8));
  u.expires_at = at(r.num(9));
  u.material_id = r.str(10);
  return u;
}

constexpr const char* kMaterialCols =
    "id, submission_id, owner_id, kind, filename, size, sha256, content_type, status, error, caption_zh, caption_en, "
    "position, width, height, duration, thumbnail, created_at";

Material decode_material(const store::Row& r) {
  Material m;
  m.id = r.str(0);
  m.submission_id = r.str(1);
  m.owner_id = r.str(2);
  m.kind = r.str(3);
  m.filename = r.str(4);
  m.size = r.num(5);
  m.sha256 = r.str(6);
  m.content_type = r.str(7);
  m.status = r.str(8);
  if (!r.str(9).empty()) {
    auto j = json::parse(r.str(9), nullptr, false);
    if (j.is_object()) {
      Message msg{j.value("key", "material.rejected"), {}};
      const json params = j.value("params", json::object());  // kept alive while iterated
      for (const auto& [k, v] : params.items())
        if (v.is_string()) msg.params[k] = v.get<std::string>();
      m.error = msg;
    }
  }
  m.caption = {r.str(10), r.str(11)};
  m.position = int(r.num(12));
  if (!r.null(13)) m.width = int(r.num(13));
  if (!r.null(14)) m.height = int(r.num(14));
  if (!r.null(15)) try {
      m.duration = std::stod(r.str(15));
    } catch (...) {
    }
  m.thumbnail = r.str(16);
  m.created_at = at(r.num(17));
  return m;
}

std::string message_json(const Message& m) { return json{{"key", m.key}, {"params", m.params}}.dump(); }

// Whoever may read the entry (core/policy.h) sees its materials; "not_found" for anyone else.
Status may_read_entry(store::Conn& c, const Actor& actor, const std::string& submission_id) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto row = c.query_one("SELECT owner_id, status FROM submissions WHERE id = ?", {submission_id});
  if (!row || !can_read_entry(actor, EntryAccess{row->str(0), submission_status_from(row->str(1)).value_or(SubmissionStatus::draft)}))
    return Error::make(Code::not_found, "error.submission_not_found");
  return Ok{};
}

Result<Material> load_material(store::Conn& c, const Actor& actor, const std::string& id) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto row = c.query_one(std::string("SELECT ") + kMaterialCols + " FROM materials WHERE id = ? AND removed_at IS NULL", {id});
  if (!row) return Error::make(Code::not_found, "error.material_not_found");
  Material m = decode_material(*row);
  if (!can_read_material(actor, EntryAccess{m.owner_id, SubmissionStatus::draft}))
    return Error::make(Code::not_found, "error.material_not_found");
  return m;
}

std::vector<Material> list(store::Conn& c, const std::string& submission_id) {
  std::vector<Material> out;
  for (const auto& r : c.query(std::string("SELECT ") + kMaterialCols +
                                   " FROM materials WHERE submission_id = ? AND removed_at IS NULL ORDER BY position, created_at",
                               {submission_id}))
    out.push_back(decode_material(r));
  return out;
}

Error too_large(const std::string& key, long long limit) {
  return Error::make(Code::too_large, key, {{"limit", format_size(limit)}, {"bytes", std::to_string(limit)}});
}

Result<Upload> load_upload(store::Conn& c, const Actor& actor, const std::string& id, Instant now) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto row = c.query_one(std::string("SELECT ") + kUploadCols + " FROM uploads WHERE id = ?", {id});
  if (!row) return Error::make(Code::not_found, "error.upload_not_found");
  Upload u = decode_upload(*row);
  if (!can_use_upload(actor, u.owner_id)) return Error::make(Code::not_found, "error.upload_not_found");
  if (u.expires_at <= now) return Error::make(Code::gone, "error.upload_expired");
  return u;
}

}  // namespace

Result<Upload> create_upload(Env& env, const Actor& actor, const NewUpload& rq) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto target = changeable_entry(env, actor, rq.submission_id);
  if (!target) return target.error();
  const Call& call = target->call;
  const Submission& s = target->entry;
  const MaterialRule* rule = material_rule(call, s.category, rq.kind);
  if (!rule)
    return Error::make(Code::invalid, "error.material_kind_not_asked",
                       {{"kind", "@material.kind." + (is_material_kind(rq.kind) ? rq.kind : std::string("document"))}});
  if (rq.length > rule->max_size) return too_large("error.material_too_large", rule->max_size);
  Instant now = env.now();
  Upload u;
  u.id = crypto::random_id();
  u.owner_id = actor.id;
  u.submission_id = s.id;
  u.kind = rq.kind;
  u.filename = safe_filename(rq.filename);
  u.length = rq.length;
  u.created_at = now;
  u.expires_at = now + env.upload_expiry;
  // Counts and quotas are checked inside the write, so that concurrent uploads cannot pass them together.
  auto r = in_write(env, [&](store::Conn& c) -> Result<Upload> {
    long long t = secs(now);
    // PostgreSQL: concurrent creations for the same account queue here (SQLite's writer is one).
    auto lock = store::sql::for_update(c.backend());
    c.query("SELECT id FROM users WHERE id = ?" + std::string(lock), {actor.id});
    c.query("SELECT id FROM submissions WHERE id = ?" + std::string(lock), {s.id});
    auto count = c.query_one(
        "SELECT (SELECT COUNT(*) FROM materials WHERE submission_id = ? AND kind = ? AND removed_at IS NULL AND status <> 'rejected') + "
        "(SELECT COUNT(*) FROM uploads WHERE submission_id = ? AND kind = ? AND material_id IS NULL AND expires_at > ?)",
        {s.id, rq.kind, s.id, rq.kind, t});
    if (count && count->num(0) >= rule->max)
      return Error::make(Code::invalid, "error.material_too_many",
                         {{"max", std::to_string(rule->max)}, {"kind", "@material.kind." + rq.kind}});
    auto entry_bytes = c.query_one(
        "SELECT (SELECT COALESCE(SUM(size), 0) FROM materials WHERE submission_id = ? AND removed_at IS NULL AND status <> 'rejected') + "
        "(SELECT COALESCE(SUM(length), 0) FROM uploads WHERE submission_id = ? AND material_id IS NULL AND expires_at > ?)",
        {s.id, s.id, t});
    if (entry_bytes && entry_bytes->num(0) + rq.length > call.max_entry_bytes)
      return too_large("error.entry_quota", call.max_entry_bytes);
    auto account_bytes = c.query_one(
        // Every byte kept on disk counts: materials removed from a submitted entry stay (its
        // versions name them) and so stay in the quota; rejected files' bytes are deleted at once.
        "SELECT (SELECT COALESCE(SUM(size), 0) FROM materials WHERE owner_id = ? AND status <> 'rejected') + "
        "(SELECT COALESCE(SUM(length), 0) FROM uploads WHERE owner_id = ? AND material_id IS NULL AND expires_at > ?)",
        {actor.id, actor.id, t});
    if (account_bytes && account_bytes->num(0) + rq.length > env.account_quota)
      return too_large("error.account_quota", env.account_quota);
    c.exec("INSERT INTO uploads (id, owner_id, submission_id, kind, filename, length, received, hash_state, created_at, "
           "expires_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
           {u.id, u.owner_id, u.submission_id, u.kind, u.filename, u.length, infra::Sha256().save(), t,
            secs(u.expires_at)});
    return u;
  });
  if (!r) return r;
  // An empty part file now, so that a resumed upload can tell "nothing yet" from "lost".
  int fd = ::open(env.files->part_path(u.id).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd >= 0) ::close(fd);
  return r;
}

Result<Upload> find_upload(Env& env, const Actor& actor, const std::string& id) {
  auto c = env.db.acquire();
  return load_upload(*c, actor, id, env.now());
}

Status terminate_upload(Env& env, const Actor& actor, const std::string& id) {
  {
    auto c = env.db.acquire();
    auto u = load_upload(*c, actor, id, env.now());
    if (!u && u.error().code != Code::gone) return u.error();
  }
  auto r = in_write(env, [&](store::Conn& c) -> Status {
    c.exec("DELETE FROM uploads WHERE id = ? AND owner_id = ?", {id, actor.id});
    if (c.changes() == 0) return Error::make(Code::not_found, "error.upload_not_found");
    return Ok{};
  });
  if (r) env.files->remove_part(id);
  return r;
}

namespace {

class Writer final : public UploadWriter {
 public:
  Writer(Env& env, Actor actor, Upload u, int fd, bool checkpoints, infra::Sha256 st)
      : env_(env), actor_(std::move(actor)), u_(std::move(u)), fd_(fd), checkpoints_(checkpoints), hash_(st),
        start_offset_(u_.received), start_hash_(st), durable_(u_.received) {}
  ~Writer() override {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

  Status write(std::string_view data) override {
    if (u_.received + (long long)data.size() > u_.length)
      return too_large("error.upload_past_length", u_.length);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, u_.received + (long long)done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        spdlog::error("upload {}: write failed: {}", u_.id, std::strerror(errno));
        return Error::make(Code::internal, "error.storage");
      }
      done += size_t(n);
    }
    hash_.update(data);
    u_.received += (long long)data.size();
    if (checkpoints_ && u_.received - durable_ >= kCheckpointBytes && u_.received < u_.length) {
      if (!checkpoint()) return Error::make(Code::internal, "error.storage");
    }
    return Ok{};
  }

  void rollback() override {
    if (::ftruncate(fd_, start_offset_) != 0) spdlog::warn("upload {}: truncate failed", u_.id);
    u_.received = start_offset_;
    hash_ = start_hash_;
  }

  Result<Upload> commit() override {
    if (u_.received < u_.length) {
      if (u_.received > durable_ && !checkpoint()) return Error::make(Code::internal, "error.storage");
      return u_;
    }
    if (!u_.material_id.empty()) return u_;  // already complete
    return finish();
  }

  const Upload& upload() const override { return u_; }

 private:
  // Makes the bytes so far durable, then records the offset and the hash state.
  bool checkpoint() {
    if (::fdatasync(fd_) != 0) return false;
    long long from = durable_;
    std::string state = hash_.save();
    auto r = in_write(env_, [&](store::Conn& c) -> Status {
      c.exec("UPDATE uploads SET received = ?, hash_state = ? WHERE id = ? AND received = ?",
             {u_.received, state, u_.id, from});
      if (c.changes() == 0) return Error::make(Code::conflict, "error.upload_conflict");
      return Ok{};
    });
    if (!r) return false;
    durable_ = u_.received;
    return true;
  }

  Result<Upload> finish() {
    if (::fsync(fd_) != 0) return Error::make(Code::internal, "error.storage");
    std::string sha = hash_.hex();
    auto part = env_.files->part_path(u_.id);
    std::string type = infra::sniff_type(part);
    bool accepted = type_accepted(u_.kind, type);
    Instant now = env_.now();
    std::string material_id = crypto::random_id();
    auto call_and_entry = [&]() -> Result<ChangeTarget> { return changeable_entry(env_, actor_, u_.submission_id); }();
    if (!call_and_entry) return call_and_entry.error();
    const Call& call = call_and_entry->call;
    auto r = in_write(env_, [&](store::Conn& c) -> Result<Upload> {
      if (auto st = call_accepting(call, env_.now()); !st) return st.error();
      c.exec("UPDATE uploads SET received = ?, hash_state = '', material_id = ? WHERE id = ? AND received = ? "
             "AND material_id IS NULL",
             {u_.length, material_id, u_.id, durable_});
      if (c.changes() == 0) return Error::make(Code::conflict, "error.upload_conflict");
      auto pos = c.query_one("SELECT COALESCE(MAX(position), 0) + 1 FROM materials WHERE submission_id = ?",
                             {u_.submission_id});
      std::string error;
      if (!accepted)
        error = message_json(Message{"material.wrong_type",
                                     {{"type", type},
                                      {"kind", "@material.kind." + u_.kind},
                                      {"formats", accepted_formats(u_.kind)}}});
      c.exec("INSERT INTO materials (id, submission_id, owner_id, kind, filename, size, sha256, content_type, status, "
             "error, position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             {material_id, u_.submission_id, u_.owner_id, u_.kind, u_.filename, u_.length, sha, type,
              std::string(accepted ? "processing" : "rejected"), error, pos ? pos->num(0) : 1LL, secs(now)});
      if (accepted) {
        enqueue_job(c, "process_material", material_id, now);
        record_change(c, u_.submission_id, actor_.id, now, "material_add",
                      json{{"material", material_id}, {"kind", u_.kind}, {"sha256", sha}}.dump());
      }
      return u_;
    });
    if (!r) return r;
    u_.material_id = material_id;
    u_.received = u_.length;
    durable_ = u_.length;
    if (accepted) {
      env_.files->adopt(part, sha);
      env_.wake_worker();
    } else {
      env_.files->remove_part(u_.id);  // never kept: the type is not one the kind accepts
    }
    return u_;
  }

  Env& env_;
  Actor actor_;
  Upload u_;
  int fd_;
  bool checkpoints_;
  infra::Sha256 hash_;
  long long start_offset_;
  infra::Sha256 start_hash_;
  long long durable_;
};

}  // namespace

Result<std::unique_ptr<UploadWriter>> UploadWriter::open(Env& env, const Actor& actor, const std::string& id,
                                                         long long offset, bool checkpoints) {
  Upload u;
  {
    auto c = env.db.acquire();
    auto loaded = load_upload(*c, actor, id, env.now());
    if (!loaded) return loaded.error();
    u = std::move(*loaded);
  }
  auto target = changeable_entry(env, actor, u.submission_id);
  if (!target) return target.error();
  auto part = env.files->part_path(u.id);
  int fd = ::open(part.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (!u.material_id.empty() || u.received > 0) {
      // Complete (the part became a material), or the part was lost: nothing to append to.
      if (offset != u.received)
        return Error::make(Code::offset_mismatch, "error.upload_offset", {{"offset", std::to_string(u.received)}});
      if (!u.material_id.empty()) return std::unique_ptr<UploadWriter>(new Writer(env, actor, u, -1, false, infra::Sha256()));
      return Error::make(Code::internal, "error.storage");
    }
    fd = ::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return Error::make(Code::internal, "error.storage");
  }
  // One request at a time per upload, across processes sharing the store.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Error::make(Code::upload_busy, "error.upload_busy");
  }
  // Read again under the lock: another request may have moved it on.
  {
    auto c = env.db.acquire();
    auto loaded = load_upload(*c, actor, id, env.now());
    if (!loaded) {
      ::close(fd);
      return loaded.error();
    }
    u = std::move(*loaded);
    auto row = c->query_one("SELECT hash_state FROM uploads WHERE id = ?", {id});
    auto st = row ? infra::Sha256::restore(row->str(0)) : std::nullopt;
    if (u.material_id.empty() && !st) {
      ::close(fd);
      return Error::make(Code::internal, "error.storage");
    }
    if (offset != u.received) {
      ::close(fd);
      return Error::make(Code::offset_mismatch, "error.upload_offset", {{"offset", std::to_string(u.received)}});
    }
    // Bytes past the durable offset (from a request cut short, or a crash) are not trusted.
    struct stat sb;
    if (::fstat(fd, &sb) == 0 && sb.st_size < u.received && u.material_id.empty()) {
      ::close(fd);
      spdlog::error("upload {}: part file shorter than its recorded offset", id);
      return Error::make(Code::internal, "error.storage");
    }
    if (u.material_id.empty() && ::ftruncate(fd, u.received) != 0) {
      ::close(fd);
      return Error::make(Code::internal, "error.storage");
    }
    return std::unique_ptr<UploadWriter>(new Writer(env, actor, u, fd, checkpoints, st.value_or(infra::Sha256())));
  }
}

Result<std::vector<Material>> entry_materials(Env& env, const Actor& actor, const std::string& submission_id) {
  auto c = env.db.acquire();
  if (auto st = may_read_entry(*c, actor, submission_id); !st) return st.error();
  return list(*c, submission_id);
}

Result<Material> get_material(Env& env, const Actor& actor, const std::string& id) {
  auto c = env.db.acquire();
  return load_material(*c, actor, id);
}

Result<MaterialFile> material_content(Env& env, const Actor& actor, const std::string& id) {
  auto m = get_material(env, actor, id);
  if (!m) return m.error();
  if (m->status == "rejected" || !env.files->has_blob(m->sha256))
    return Error::make(Code::not_found, "error.material_not_found");
  return MaterialFile{*m, env.files->blob_path(m->sha256).string()};
}

Result<MaterialFile> material_thumbnail(Env& env, const Actor& actor, const std::string& id) {
  auto m = get_material(env, actor, id);
  if (!m) return m.error();
  if (m->thumbnail.empty() || !env.files->has_blob(m->thumbnail)) return Error::make(Code::not_found, "error.material_not_found");
  return MaterialFile{*m, env.files->blob_path(m->thumbnail).string()};
}

namespace {

// The material if the actor may change it now (owner, call accepting changes).
Result<Material> changeable_material(Env& env, const Actor& actor, const std::string& id) {
  auto m = get_material(env, actor, id);
  if (!m) return m.error();
  auto t = changeable_entry(env, actor, m->submission_id);  // the policy's can_change_entry
  if (!t) return t.error().code == Code::not_found ? Error::make(Code::not_found, "error.material_not_found") : t.error();
  return m;
}

}  // namespace

Result<Material> set_caption(Env& env, const Actor& actor, const std::string& id, const Text& caption) {
  auto m = changeable_material(env, actor, id);
  if (!m) return m.error();
  for (const auto* s : {&caption.zh, &caption.en})
    if (s->size() > 1000) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["caption"] = Message{"error.caption_too_long", {{"max", "1000"}}};
      return e;
    } else if (!clean_text(*s)) {
      return Error::make(Code::bad_request, "error.control_characters", {{"field", "caption"}});
    }
  return in_write(env, [&](store::Conn& c) -> Result<Material> {
    c.exec("UPDATE materials SET caption_zh = ?, caption_en = ? WHERE id = ? AND removed_at IS NULL",
           {caption.zh, caption.en, id});
    if (c.changes() == 0) return Error::make(Code::not_found, "error.material_not_found");
    record_change(c, m->submission_id, actor.id, env.now(), "material_caption", json{{"material", id}}.dump());
    Material out = *m;
    out.caption = caption;
    return out;
  });
}

Result<std::vector<Material>> reorder_materials(Env& env, const Actor& actor, const std::string& submission_id,
                                                const std::vector<std::string>& order) {
  auto t = changeable_entry(env, actor, submission_id);
  if (!t) return t.error();
  return in_write(env, [&](store::Conn& c) -> Result<std::vector<Material>> {
    auto now_list = list(c, submission_id);
    std::set<std::string> have, given(order.begin(), order.end());
    for (const auto& m : now_list) have.insert(m.id);
    if (have != given || given.size() != order.size()) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["order"] = Message{"error.order_must_list_all", {}};
      return e;
    }
    for (size_t i = 0; i < order.size(); ++i)
      c.exec("UPDATE materials SET position = ? WHERE id = ? AND submission_id = ?",
             {(long long)i + 1, order[i], submission_id});
    record_change(c, submission_id, actor.id, env.now(), "material_order", json{{"order", order}}.dump());
    return list(c, submission_id);
  });
}

Status remove_material(Env& env, const Actor& actor, const std::string& id) {
  auto m = changeable_material(env, actor, id);
  if (!m) return m.error();
  auto t = changeable_entry(env, actor, m->submission_id);
  if (!t) return t.error();
  bool keep_bytes = t->entry.submitted_at.has_value() && m->status != "rejected";  // earlier versions name it
  bool last_reference = false;
  auto r = in_write(env, [&](store::Conn& c) -> Status {
    // Checked inside the write, on the entry as it now is: two removals racing for the last
    // required items cannot both pass (PostgreSQL: the entry's row is locked; SQLite: one writer).
    auto entry = c.query_one("SELECT status FROM submissions WHERE id = ?" + std::string(store::sql::for_update(c.backend())),
                             {m->submission_id});
    if (!entry) return Error::make(Code::not_found, "error.material_not_found");
    if (entry->str(0) == "submitted" && m->status != "rejected") {
      // A submitted entry must still meet its rules without this material.
      auto counts = material_counts(c, m->submission_id);
      counts[m->kind] -= 1;
      auto problems = material_problems(t->call, t->entry.category, counts);
      if (!problems.empty()) {
        Error e = Error::make(Code::invalid, "error.material_still_needed");
        e.fields = std::move(problems);
        return e;
      }
    }
    if (keep_bytes)
      c.exec("UPDATE materials SET removed_at = ? WHERE id = ? AND removed_at IS NULL", {secs(env.now()), id});
    else
      c.exec("DELETE FROM materials WHERE id = ?", {id});
    if (c.changes() == 0) return Error::make(Code::not_found, "error.material_not_found");
    if (m->status != "rejected")
      record_change(c, m->submission_id, actor.id, env.now(), "material_remove", json{{"material", id}}.dump());
    if (!keep_bytes) {
      auto n = c.query_one("SELECT COUNT(*) FROM materials WHERE sha256 = ? OR thumbnail = ?", {m->sha256, m->sha256});
      last_reference = n && n->num(0) == 0;
    }
    return Ok{};
  });
  if (r && last_reference) {
    env.files->remove_blob(m->sha256);
    if (!m->thumbnail.empty()) {
      auto c = env.db.acquire();
      auto n = c->query_one("SELECT COUNT(*) FROM materials WHERE thumbnail = ? OR sha256 = ?", {m->thumbnail, m->thumbnail});
      if (n && n->num(0) == 0) env.files->remove_blob(m->thumbnail);
    }
  }
  return r;
}

bool process_material(Env& env, const std::string& material_id, std::string& log_error) {
  Material m;
  std::string upload_id;
  {
    auto c = env.db.acquire();
    auto row = c->query_one(std::string("SELECT ") + kMaterialCols + " FROM materials WHERE id = ?", {material_id});
    if (!row) return true;  // removed meanwhile
    m = decode_material(*row);
    auto u = c->query_one("SELECT id FROM uploads WHERE material_id = ?", {material_id});
    if (u) upload_id = u->str(0);
  }
  if (m.status != "processing") return true;
  if (!env.files->has_blob(m.sha256)) {
    // The process that received it stopped between recording the material and moving its file.
    std::error_code ec;
    if (!upload_id.empty() && std::filesystem::exists(env.files->part_path(upload_id), ec))
      env.files->adopt(env.files->part_path(upload_id), m.sha256);
    if (!env.files->has_blob(m.sha256)) {
      log_error = "file missing from the store";
      return false;
    }
  }
  auto info = infra::probe_media(m.kind, env.files->blob_path(m.sha256), env.files->root() / "tmp");
  std::string thumb;
  if (info.ok && !info.preview_jpeg.empty()) thumb = env.files->put(info.preview_jpeg);
  auto opt_int = [](const std::optional<int>& v) { return v ? store::Value((long long)*v) : store::Value(nullptr); };
  std::string duration;
  if (info.duration) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *info.duration);
    duration = buf;
  }
  env.db.write([&](store::Conn& c) {
    if (info.ok)
      c.exec("UPDATE materials SET status = 'ready', width = ?, height = ?, duration = ?, thumbnail = ? "
             "WHERE id = ? AND status = 'processing'",
             {opt_int(info.width), opt_int(info.height), duration.empty() ? store::Value(nullptr) : store::Value(duration),
              thumb.empty() ? store::Value(nullptr) : store::Value(thumb), material_id});
    else
      c.exec("UPDATE materials SET status = 'rejected', error = ? WHERE id = ? AND status = 'processing'",
             {message_json(Message{"material.unreadable", {{"kind", "@material.kind." + m.kind}}}), material_id});
    return true;
  });
  if (!info.ok) {
    spdlog::warn("material {} rejected: {}", material_id, info.error);
    // Rejected bytes are deleted at once (a rejected material counts toward no quota), unless the
    // same content is also another material that was not rejected.
    bool unreferenced = false;
    {
      auto c = env.db.acquire();
      auto n = c->query_one("SELECT COUNT(*) FROM materials WHERE (sha256 = ? AND status <> 'rejected') OR thumbnail = ?",
                            {m.sha256, m.sha256});
      unreferenced = n && n->num(0) == 0;
    }
    if (unreferenced) env.files->remove_blob(m.sha256);
  }
  return true;
}

int expire_uploads(Env& env) {
  long long now = secs(env.now());
  std::vector<std::string> ids;
  {
    auto c = env.db.acquire();
    for (const auto& r : c->query("SELECT id FROM uploads WHERE expires_at <= ? LIMIT 1000", {now})) ids.push_back(r.str(0));
  }
  int n = 0;
  for (const auto& id : ids) {
    bool gone = false;
    env.db.write([&](store::Conn& c) {
      c.exec("DELETE FROM uploads WHERE id = ? AND expires_at <= ?", {id, now});
      gone = c.changes() > 0;
      return true;
    });
    if (gone) {
      env.files->remove_part(id);
      ++n;
    }
  }
  return n;
}

}  // namespace laurel::service
