#include "service/uploads.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "infra/crypto.h"
#include "infra/media.h"
#include "infra/part_file.h"
#include "infra/sha256.h"
#include "service/jobs.h"
#include "service/entries.h"
#include "service/write.h"
#include "store/materials.h"
#include "store/uploads.h"

namespace laurel::service {

using nlohmann::json;
namespace uploads = store::uploads;
namespace materials = store::materials;

namespace {

constexpr long long kCheckpointBytes = 8LL << 20;

Error too_large(const std::string& key, long long limit) {
  return Error::make(Code::too_large, key, {{"limit", format_size(limit)}, {"bytes", std::to_string(limit)}});
}
Error storage_error() { return Error::make(Code::internal, "error.storage"); }
std::string message_json(const Message& m) { return json{{"key", m.key}, {"params", m.params}}.dump(); }

Result<Upload> load_upload(store::Conn& c, const Actor& actor, const std::string& id, Instant now) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto u = uploads::find(c, id);
  if (!u || !can_use_upload(actor, u->owner_id)) return Error::make(Code::not_found, "error.upload_not_found");
  if (u->expires_at <= now) return Error::make(Code::gone, "error.upload_expired");
  return std::move(*u);
}

class Writer final : public UploadWriter {
 public:
  Writer(Env& env, Actor actor, Upload u, std::unique_ptr<infra::PartFile> file, bool checkpoints, infra::Sha256 st)
      : env_(env), actor_(std::move(actor)), u_(std::move(u)), file_(std::move(file)), checkpoints_(checkpoints),
        hash_(st), start_offset_(u_.received), start_hash_(st), durable_(u_.received) {}

  Status write(std::string_view data) override {
    if (!file_) return storage_error();  // complete: nothing more to write
    if (u_.received + (long long)data.size() > u_.length) return too_large("error.upload_past_length", u_.length);
    if (!file_->write_at(data, u_.received)) {
      spdlog::error("upload {}: write failed", u_.id);
      return storage_error();
    }
    hash_.update(data);
    u_.received += (long long)data.size();
    if (checkpoints_ && u_.received - durable_ >= kCheckpointBytes && u_.received < u_.length)
      if (!checkpoint()) return storage_error();
    return Ok{};
  }

  void rollback() override {
    if (file_ && !file_->truncate(start_offset_)) spdlog::warn("upload {}: truncate failed", u_.id);
    u_.received = start_offset_;
    hash_ = start_hash_;
  }

  Result<Upload> commit() override {
    if (u_.received < u_.length) {
      if (u_.received > durable_ && !checkpoint()) return storage_error();
      return u_;
    }
    if (!u_.material_id.empty()) return u_;  // already complete
    return finish();
  }

  const Upload& upload() const override { return u_; }

 private:
  // Makes the bytes so far durable, then records the offset and the hash state.
  bool checkpoint() {
    if (!file_ || !file_->datasync()) return false;
    long long from = durable_;
    std::string state = hash_.save();
    auto r = in_write(env_, [&](store::Conn& c) -> Status {
      if (!uploads::checkpoint(c, u_.id, from, u_.received, state)) return Error::make(Code::conflict, "error.upload_conflict");
      return Ok{};
    });
    if (!r) return false;
    durable_ = u_.received;
    return true;
  }

  Result<Upload> finish() {
    if (!file_ || !file_->sync()) return storage_error();
    std::string sha = hash_.hex();
    auto part = env_.files->part_path(u_.id);
    std::string type = infra::sniff_type(part);
    bool accepted = type_accepted(u_.kind, type);
    Instant now = env_.now();
    auto target = changeable_entry(env_, actor_, u_.submission_id);
    if (!target) return target.error();
    const Call& call = target->call;
    Material m;
    m.id = crypto::random_id();
    m.submission_id = u_.submission_id;
    m.owner_id = u_.owner_id;
    m.kind = u_.kind;
    m.filename = u_.filename;
    m.size = u_.length;
    m.sha256 = sha;
    m.content_type = type;
    m.created_at = now;
    std::string error =
        accepted ? std::string()
                 : message_json(Message{"material.wrong_type",
                                        {{"type", type}, {"kind", "@material.kind." + u_.kind}, {"formats", accepted_formats(u_.kind)}}});
    auto r = in_write(env_, [&](store::Conn& c) -> Result<Upload> {
      if (auto st = call_accepting(call, env_.now()); !st) return st.error();
      if (!uploads::complete(c, u_.id, durable_, u_.length, m.id)) return Error::make(Code::conflict, "error.upload_conflict");
      m.position = materials::next_position(c, u_.submission_id);
      materials::insert(c, m, error);
      if (accepted) {
        enqueue_job(c, "process_material", m.id, now);
        record_change(c, u_.submission_id, actor_.id, now, "material_add",
                      json{{"material", m.id}, {"kind", u_.kind}, {"sha256", sha}}.dump());
      }
      return u_;
    });
    if (!r) return r;
    u_.material_id = m.id;
    u_.received = u_.length;
    durable_ = u_.length;
    file_.reset();  // closed (and unlocked) before it moves
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
  std::unique_ptr<infra::PartFile> file_;  // null once complete
  bool checkpoints_;
  infra::Sha256 hash_;
  long long start_offset_;
  infra::Sha256 start_hash_;
  long long durable_;
};

}  // namespace

Result<Upload> create_upload(Env& env, const Actor& actor, const NewUpload& rq) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto target = changeable_entry(env, actor, rq.submission_id);
  if (!target) return target.error();
  const Call& call = target->call;
  const Entry& s = target->entry;
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
    long long t = unix_seconds(now);
    uploads::lock_for_quota(c, actor.id, s.id);  // PostgreSQL: one account's creations queue here
    if (materials::count_of_kind(c, s.id, rq.kind) + uploads::pending_of_kind(c, s.id, rq.kind, t) >= rule->max)
      return Error::make(Code::invalid, "error.material_too_many",
                         {{"max", std::to_string(rule->max)}, {"kind", "@material.kind." + rq.kind}});
    if (materials::entry_bytes(c, s.id) + uploads::pending_entry_bytes(c, s.id, t) + rq.length > call.max_entry_bytes)
      return too_large("error.entry_quota", call.max_entry_bytes);
    // Every byte kept on disk counts: materials removed from a submitted entry stay (its
    // versions name them) and so stay in the quota; rejected files' bytes are deleted at once.
    if (materials::account_bytes(c, actor.id) + uploads::pending_account_bytes(c, actor.id, t) + rq.length >
        env.account_quota)
      return too_large("error.account_quota", env.account_quota);
    uploads::insert(c, u, infra::Sha256().save());
    return u;
  });
  if (!r) return r;
  infra::PartFile::create_empty(env.files->part_path(u.id));
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
    if (!uploads::erase(c, id, actor.id)) return Error::make(Code::not_found, "error.upload_not_found");
    return Ok{};
  });
  if (r) env.files->remove_part(id);
  return r;
}

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
  auto mismatch = [&](long long at) {
    return Error::make(Code::offset_mismatch, "error.upload_offset", {{"offset", std::to_string(at)}});
  };
  std::unique_ptr<infra::PartFile> file;
  auto opened = infra::PartFile::open(env.files->part_path(u.id), false, file);
  if (opened == infra::PartFile::Opened::missing) {
    if (!u.material_id.empty() || u.received > 0) {
      // Complete (the part became a material), or the part was lost: nothing to append to.
      if (offset != u.received) return mismatch(u.received);
      if (!u.material_id.empty())
        return std::unique_ptr<UploadWriter>(new Writer(env, actor, u, nullptr, false, infra::Sha256()));
      return storage_error();
    }
    opened = infra::PartFile::open(env.files->part_path(u.id), true, file);
  }
  // One request at a time per upload, across processes sharing the store.
  if (opened == infra::PartFile::Opened::busy) return Error::make(Code::upload_busy, "error.upload_busy");
  if (opened != infra::PartFile::Opened::ok) return storage_error();
  // Read again under the lock: another request may have moved it on.
  auto c = env.db.acquire();
  auto loaded = load_upload(*c, actor, id, env.now());
  if (!loaded) return loaded.error();
  u = std::move(*loaded);
  auto st = infra::Sha256::restore(uploads::hash_state(*c, id));
  if (u.material_id.empty() && !st) return storage_error();
  if (offset != u.received) return mismatch(u.received);
  // Bytes past the durable offset (from a request cut short, or a crash) are not trusted.
  if (u.material_id.empty()) {
    long long size = file->size();
    if (size >= 0 && size < u.received) {
      spdlog::error("upload {}: part file shorter than its recorded offset", id);
      return storage_error();
    }
    if (!file->truncate(u.received)) return storage_error();
  }
  return std::unique_ptr<UploadWriter>(new Writer(env, actor, u, std::move(file), checkpoints, st.value_or(infra::Sha256())));
}

int expire_uploads(Env& env) {
  long long now = unix_seconds(env.now());
  std::vector<std::string> ids;
  {
    auto c = env.db.acquire();
    ids = uploads::expired(*c, now, 1000);
  }
  int n = 0;
  for (const auto& id : ids) {
    bool gone = false;
    env.db.write([&](store::Conn& c) {
      gone = uploads::erase_expired(c, id, now);
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
