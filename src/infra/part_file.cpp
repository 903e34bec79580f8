#include "infra/part_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace laurel::infra {

PartFile::Opened PartFile::open(const std::filesystem::path& path, bool create, std::unique_ptr<PartFile>& out) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0640);
  if (fd < 0) return errno == ENOENT ? Opened::missing : Opened::failed;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd);
    return e == EWOULDBLOCK ? Opened::busy : Opened::failed;
  }
  out.reset(new PartFile(fd));
  return Opened::ok;
}

void PartFile::create_empty(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
  if (fd >= 0) ::close(fd);
}

PartFile::~PartFile() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

bool PartFile::write_at(std::string_view data, long long offset) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, offset + (long long)done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

bool PartFile::datasync() { return ::fdatasync(fd_) == 0; }
bool PartFile::sync() { return ::fsync(fd_) == 0; }
bool PartFile::truncate(long long size) { return ::ftruncate(fd_, size) == 0; }

long long PartFile::size() const {
  struct stat sb;
  return ::fstat(fd_, &sb) == 0 ? (long long)sb.st_size : -1;
}

}  // namespace laurel::infra
