// Resumable uploads (docs/uploads.md) that bring an entry's materials. An upload is created for
// an entry and a kind (checked against the call's rules, the kind's largest file, the entry's
// and the account's quotas), receives its bytes in pieces at increasing offsets (durably: a
// checkpoint at least every 8 MiB records the offset and the running SHA-256 in the database),
// and on its last byte becomes a material: fsynced, typed by libmagic, moved into the
// content-addressed store and queued for processing (service/processing.h). Everything is in the
// database and the shared file store, so any server process can continue what another began.
// An unfinished upload is its owner's alone (core/policy.h can_use_upload).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "core/material.h"
#include "core/result.h"
#include "service/env.h"

namespace laurel::service {

struct NewUpload {
  std::string submission_id, kind, filename;
  long long length = 0;
};

Result<Upload> create_upload(Env& env, const Actor& actor, const NewUpload& request);
// The upload if it is the actor's ("not_found" otherwise; "gone" once expired).
Result<Upload> find_upload(Env& env, const Actor& actor, const std::string& id);
Status terminate_upload(Env& env, const Actor& actor, const std::string& id);

// Receives one request's bytes for an upload, from `offset` on. Not thread-safe; one per request.
class UploadWriter {
 public:
  // checkpoints: make what arrived durable as it goes (false when the request carries a checksum:
  // then nothing of it may be kept unless all of it matches).
  static Result<std::unique_ptr<UploadWriter>> open(Env& env, const Actor& actor, const std::string& id,
                                                    long long offset, bool checkpoints);
  virtual ~UploadWriter() = default;
  // Appends; an error ("too_large" past Upload-Length, "internal" on a disk failure) stops the request.
  virtual Status write(std::string_view data) = 0;
  // The request ended: keep what arrived (and, at the full length, make the material).
  virtual Result<Upload> commit() = 0;
  // Drop this request's bytes (a checksum mismatch): the upload stays where it was.
  virtual void rollback() = 0;
  virtual const Upload& upload() const = 0;
};

// Removes expired uploads and their part files; returns how many (the worker runs it).
int expire_uploads(Env& env);

}  // namespace laurel::service
