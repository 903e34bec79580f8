// A part file: the bytes of one unfinished upload (infra::FileStore::part_path). Opened by one
// request at a time — an exclusive lock held while it is open, across every process sharing the
// store — written at given offsets, made durable on demand. RAII: closing releases the lock.
// Thread safety: one thread at a time per PartFile.
#pragma once
#include <filesystem>
#include <memory>
#include <string_view>

namespace laurel::infra {

class PartFile {
 public:
  enum class Opened { ok, missing, busy, failed };
  // Opens (creating it when `create`) and locks the part file. `missing`: it does not exist and
  // was not to be created; `busy`: another request holds it; `failed`: the system refused.
  static Opened open(const std::filesystem::path& path, bool create, std::unique_ptr<PartFile>& out);
  // An empty part file, so that a resumed upload can tell "nothing yet" from "lost".
  static void create_empty(const std::filesystem::path& path);

  PartFile(const PartFile&) = delete;
  PartFile& operator=(const PartFile&) = delete;
  ~PartFile();

  bool write_at(std::string_view data, long long offset);  // all of it, or false
  bool datasync();                                         // the bytes written so far are on disk
  bool sync();                                             // the bytes and the file's size
  bool truncate(long long size);
  long long size() const;  // -1 when it cannot be told

 private:
  explicit PartFile(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace laurel::infra
