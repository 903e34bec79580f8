#include "infra/file_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "infra/crypto.h"

namespace laurel::infra {

namespace fs = std::filesystem;

namespace {

bool is_hex_id(std::string_view s) {
  if (s.size() < 8 || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  return true;
}

[[noreturn]] void fail(const std::string& what, const fs::path& p) {
  throw std::system_error(errno, std::generic_category(), what + " " + p.string());
}

// Writes all of `bytes` to a new file `tmp` (opened with `flags`) and fsyncs it.
void write_synced(const fs::path& tmp, std::string_view bytes, int flags) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0640);
  if (fd < 0) fail("create", tmp);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("write", tmp);
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync", tmp);
  }
  ::close(fd);
}

}  // namespace

void fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail("fsync directory", dir);
}

void write_file_durably(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  fs::path tmp = path;
  tmp += ".tmp";
  write_synced(tmp, bytes, O_TRUNC);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp);
  fsync_dir(path.parent_path());
}

FileStore::FileStore(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_ / "parts");
  fs::create_directories(root_ / "sha256");
  fs::create_directories(root_ / "tmp");
}

fs::path FileStore::part_path(std::string_view upload_id) const {
  if (!is_hex_id(upload_id)) throw std::invalid_argument("bad upload id");
  return root_ / "parts" / std::string(upload_id);
}

fs::path FileStore::blob_path(std::string_view h) const {
  if (h.size() != 64 || !is_hex_id(h)) throw std::invalid_argument("bad sha256");
  std::string s(h);
  return root_ / "sha256" / s.substr(0, 2) / s.substr(2, 2) / s;
}

bool FileStore::has_blob(std::string_view h) const {
  std::error_code ec;
  return fs::exists(blob_path(h), ec);
}

void FileStore::adopt(const fs::path& part, std::string_view h) {
  fs::path dest = blob_path(h);
  fs::create_directories(dest.parent_path());
  std::error_code ec;
  if (fs::exists(dest, ec)) {
    fs::remove(part, ec);
    return;
  }
  if (::rename(part.c_str(), dest.c_str()) != 0) fail("rename", part);
  fsync_dir(dest.parent_path());
  fsync_dir(part.parent_path());
}

fs::path FileStore::temp_path() const { return root_ / "tmp" / crypto::random_id(); }

std::string FileStore::put(std::string_view bytes) {
  std::string h = crypto::sha256_hex(bytes);
  if (has_blob(h)) return h;
  fs::path tmp = temp_path();
  write_synced(tmp, bytes, O_EXCL);
  adopt(tmp, h);
  return h;
}

void FileStore::remove_blob(std::string_view h) {
  std::error_code ec;
  fs::remove(blob_path(h), ec);
}

void FileStore::remove_part(std::string_view id) {
  std::error_code ec;
  fs::remove(part_path(id), ec);
}

}  // namespace laurel::infra
