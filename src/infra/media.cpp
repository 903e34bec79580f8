#include "infra/media.h"

#include <fcntl.h>
#include <magic.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "infra/crypto.h"

extern char** environ;

namespace laurel::infra {

namespace fs = std::filesystem;

std::string sniff_type(const fs::path& file) {
  // A magic cookie is not thread-safe: one per thread, loaded once.
  thread_local struct Cookie {
    magic_t m = nullptr;
    Cookie() {
      m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
      if (m && magic_load(m, nullptr) != 0) {
        magic_close(m);
        m = nullptr;
      }
    }
    ~Cookie() {
      if (m) magic_close(m);
    }
  } cookie;
  if (!cookie.m) return "application/octet-stream";
  const char* t = magic_file(cookie.m, file.c_str());
  return t ? std::string(t) : "application/octet-stream";
}

ProgramResult run_program(const std::vector<std::string>& argv, int timeout_seconds) {
  ProgramResult r;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return r;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[65536];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p{out[0], POLLIN, 0};
    int n = ::poll(&p, 1, int(std::min<long long>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(out[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    if (r.out.size() < (1 << 20)) r.out.append(buf, size_t(got));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = (!r.timed_out && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return r;
}

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Probe {
  std::optional<int> width, height;
  std::optional<double> duration;
  bool has_video = false;
};

std::optional<Probe> ffprobe(const fs::path& file) {
  auto r = run_program({"ffprobe", "-v", "error", "-print_format", "json", "-show_entries",
                        "stream=codec_type,width,height,duration:format=duration", file.string()},
                       60);
  if (r.status != 0) return std::nullopt;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  Probe p;
  auto num = [](const nlohmann::json& v) -> std::optional<double> {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) try {
        return std::stod(v.get<std::string>());
      } catch (...) {
      }
    return std::nullopt;
  };
  for (const auto& s : j.value("streams", nlohmann::json::array())) {
    if (s.value("codec_type", "") == "video" && !p.has_video) {
      p.has_video = true;
      if (s.contains("width")) p.width = s["width"].get<int>();
      if (s.contains("height")) p.height = s["height"].get<int>();
      if (!p.duration && s.contains("duration")) p.duration = num(s["duration"]);
    }
  }
  if (j.contains("format") && j["format"].contains("duration")) p.duration = num(j["format"]["duration"]);
  return p;
}

}  // namespace

MediaInfo probe_media(const std::string& kind, const fs::path& file, const fs::path& scratch) {
  MediaInfo info;
  fs::path out = scratch / (crypto::random_id() + ".jpg");
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove(p, ec);
    }
  } cleanup{out};
  if (kind == "image") {
    auto w = run_program({"vipsheader", "-f", "width", file.string()}, 60);
    auto h = run_program({"vipsheader", "-f", "height", file.string()}, 60);
    if (w.status != 0 || h.status != 0) {
      info.error = "vipsheader could not read the image";
      return info;
    }
    try {
      info.width = std::stoi(w.out);
      info.height = std::stoi(h.out);
    } catch (...) {
      info.error = "vipsheader gave no size";
      return info;
    }
    // [0]: the first page/frame only (GIF, multi-page files).
    auto t = run_program({"vipsthumbnail", file.string() + "[0]", "--size", "640x640>", "-o",
                          out.string() + "[Q=82,strip]"},
                         120);
    if (t.status != 0 || !fs::exists(out)) {
      info.error = "vipsthumbnail failed";
      return info;
    }
    info.preview_jpeg = slurp(out);
  } else if (kind == "video") {
    auto p = ffprobe(file);
    if (!p || !p->has_video) {
      info.error = "ffprobe found no video stream";
      return info;
    }
    info.width = p->width;
    info.height = p->height;
    info.duration = p->duration;
    double at = p->duration ? std::min(1.0, *p->duration / 2) : 0.0;
    char ss[32];
    std::snprintf(ss, sizeof ss, "%.3f", at);
    auto t = run_program({"ffmpeg", "-nostdin", "-v", "error", "-ss", ss, "-i", file.string(), "-frames:v", "1",
                          "-vf", "scale='min(640,iw)':-2", "-q:v", "4", "-y", out.string()},
                         120);
    if (t.status != 0 || !fs::exists(out)) {
      info.error = "ffmpeg could not take a poster frame";
      return info;
    }
    info.preview_jpeg = slurp(out);
  } else if (kind == "audio") {
    auto p = ffprobe(file);
    if (!p) {
      info.error = "ffprobe could not read the audio";
      return info;
    }
    info.duration = p->duration;
  }
  info.ok = true;
  return info;
}

}  // namespace laurel::infra
