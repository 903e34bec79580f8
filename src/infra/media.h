// What a file is and what it looks like: its type sniffed from the bytes (libmagic — never the
// name), and for images and video their size, duration and a JPEG preview (libvips'
// vipsthumbnail, ffprobe and ffmpeg from Debian, run as separate processes with a time limit
// so that a hostile or broken file can hurt only that process).
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace laurel::infra {

// The MIME type libmagic finds in the file ("application/octet-stream" when unsure).
std::string sniff_type(const std::filesystem::path& file);

struct MediaInfo {
  bool ok = false;
  std::string error;  // why not ok (for the log)
  std::optional<int> width, height;
  std::optional<double> duration;  // seconds
  std::string preview_jpeg;        // thumbnail or poster frame; empty if none
};

// kind: image, video, audio (anything else: ok with nothing).
MediaInfo probe_media(const std::string& kind, const std::filesystem::path& file,
                      const std::filesystem::path& scratch_dir);

struct ProgramResult {
  int status = -1;  // exit status; -1 when it could not run or was killed
  std::string out;  // standard output (up to 1 MiB)
  bool timed_out = false;
};
// Runs argv[0] (looked up in PATH) with a time limit; standard error is discarded.
ProgramResult run_program(const std::vector<std::string>& argv, int timeout_seconds);

}  // namespace laurel::infra
