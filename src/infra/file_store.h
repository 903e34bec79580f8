// The file store: where materials' bytes live, on a local or shared disk (one directory that
// every server process sees). Finished files are content-addressed (sha256/ab/cd/<hex>); an
// upload in progress is a part file (parts/<upload id>). A file enters the store by fsync and
// rename, so a crash never leaves a half file under a name that looks whole.
// Thread safety: all members may be called from any thread.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace laurel::infra {

class FileStore {
 public:
  explicit FileStore(std::filesystem::path root);  // creates the directories; throws if it cannot
  const std::filesystem::path& root() const { return root_; }

  std::filesystem::path part_path(std::string_view upload_id) const;
  std::filesystem::path blob_path(std::string_view sha256_hex) const;
  bool has_blob(std::string_view sha256_hex) const;

  // Moves a complete, fsynced part file into the store as the blob `sha256_hex` (if that blob is
  // already there, the part is simply removed) and makes the rename durable.
  void adopt(const std::filesystem::path& part, std::string_view sha256_hex);
  // Stores bytes (a thumbnail) durably; returns their sha256.
  std::string put(std::string_view bytes);
  void remove_blob(std::string_view sha256_hex);
  void remove_part(std::string_view upload_id);
  // A fresh path for a temporary file inside the store (same file system, for rename).
  std::filesystem::path temp_path() const;

 private:
  std::filesystem::path root_;
};

void fsync_dir(const std::filesystem::path& dir);
// Writes `bytes` as the file `path` durably and atomically (a temporary beside it, fsync, rename,
// fsync of the directory; the directory is created if needed). Throws std::system_error.
void write_file_durably(const std::filesystem::path& path, std::string_view bytes);

}  // namespace laurel::infra
