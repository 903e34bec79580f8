#include "core/material.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/call.h"
#include "core/text.h"

namespace laurel {
namespace {

struct Format {
  const char* name;       // shown to people
  const char* mime;       // as libmagic reports it
  const char* extension;  // for the file picker's accept attribute
};

const std::map<std::string, std::vector<Format>, std::less<>>& formats() {
  static const std::map<std::string, std::vector<Format>, std::less<>> f{
      {"document",
       {{"PDF", "application/pdf", ".pdf"},
        {"DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
        {"DOC", "application/msword", ".doc"},
        {"PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"},
        {"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
        {"ODT", "application/vnd.oasis.opendocument.text", ".odt"}}},
      {"image",
       {{"JPEG", "image/jpeg", ".jpg"}, {"PNG", "image/png", ".png"}, {"WebP", "image/webp", ".webp"},
        {"GIF", "image/gif", ".gif"}}},
      {"video",
       {{"MP4", "video/mp4", ".mp4"}, {"WebM", "video/webm", ".webm"}, {"MOV", "video/quicktime", ".mov"},
        {"", "video/x-m4v", ".m4v"}}},
      {"audio",
       {{"MP3", "audio/mpeg", ".mp3"}, {"M4A", "audio/x-m4a", ".m4a"}, {"", "audio/mp4", ""},
        {"WAV", "audio/x-wav", ".wav"}, {"", "audio/wav", ""}, {"Ogg", "audio/ogg", ".ogg"}}},
  };
  return f;
}

}  // namespace

const std::vector<std::string>& material_kind_names() {
  static const std::vector<std::string> k{"document", "image", "video", "audio"};
  return k;
}

bool is_material_kind(std::string_view kind) {
  const auto& k = material_kind_names();
  return std::find(k.begin(), k.end(), kind) != k.end();
}

const std::vector<std::string>& accepted_types(std::string_view kind) {
  static const std::map<std::string, std::vector<std::string>, std::less<>> m = [] {
    std::map<std::string, std::vector<std::string>, std::less<>> out;
    for (const auto& [k, list] : formats())
      for (const auto& f : list) out[k].push_back(f.mime);
    return out;
  }();
  static const std::vector<std::string> none;
  auto it = m.find(kind);
  return it == m.end() ? none : it->second;
}

bool type_accepted(std::string_view kind, std::string_view content_type) {
  const auto& t = accepted_types(kind);
  return std::find(t.begin(), t.end(), content_type) != t.end();
}

std::string accepted_formats(std::string_view kind) {
  std::string out;
  auto it = formats().find(kind);
  if (it == formats().end()) return out;
  for (const auto& f : it->second) {
    if (!*f.name) continue;
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

std::string accept_attribute(std::string_view kind) {
  std::string out;
  auto it = formats().find(kind);
  if (it == formats().end()) return out;
  for (const auto& f : it->second) {
    if (*f.extension) out += std::string(out.empty() ? "" : ",") + f.extension;
    out += std::string(out.empty() ? "" : ",") + f.mime;
  }
  return out;
}

std::vector<const MaterialRule*> material_rules(const Call& call, std::string_view category) {
  std::vector<const MaterialRule*> out;
  for (const auto& r : call.materials)
    if (r.categories.empty() || std::find(r.categories.begin(), r.categories.end(), category) != r.categories.end())
      out.push_back(&r);
  return out;
}

const MaterialRule* material_rule(const Call& call, std::string_view category, std::string_view kind) {
  for (const auto* r : material_rules(call, category))
    if (r->kind == kind) return r;
  return nullptr;
}

long long largest_material(const Call& call) {
  long long m = 0;
  for (const auto& r : call.materials) m = std::max(m, r.max_size);
  return m;
}

std::string format_size(long long bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = double(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  if (u == 0 || std::fabs(v - std::round(v)) < 0.05) std::snprintf(buf, sizeof buf, "%.0f %s", std::round(v), units[u]);
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::optional<long long> parse_size(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  size_t start = i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == start) return std::nullopt;
  std::string num(s.substr(start, i - start));
  if (std::count(num.begin(), num.end(), '.') > 1) return std::nullopt;
  while (i < s.size() && s[i] == ' ') ++i;
  std::string unit(s.substr(i));
  while (!unit.empty() && unit.back() == ' ') unit.pop_back();
  for (auto& c : unit) c = char(std::tolower(static_cast<unsigned char>(c)));
  static const std::map<std::string, long long> mult{{"", 1},           {"b", 1},
                                                     {"kib", 1LL << 10}, {"mib", 1LL << 20},
                                                     {"gib", 1LL << 30}, {"tib", 1LL << 40},
                                                     {"kb", 1000},       {"mb", 1000000},
                                                     {"gb", 1000000000}, {"tb", 1000000000000LL}};
  auto m = mult.find(unit);
  if (m == mult.end()) return std::nullopt;
  // strtod, not stod: "." and a thousand digits are malformed or too large, not exceptions.
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return std::nullopt;
  double bytes = v * double(m->second);
  if (bytes < 0 || bytes > 9.0e18) return std::nullopt;
  return (long long)std::llround(bytes);
}

std::string safe_filename(std::string_view name) {
  // The last path component, whichever separator the sender's system uses.
  size_t cut = name.find_last_of("/\\");
  if (cut != std::string_view::npos) name = name.substr(cut + 1);
  std::string out;
  size_t good = 0;
  std::string_view valid = name;
  if (!valid_utf8_prefix(name, good)) valid = name.substr(0, good);
  for (size_t i = 0; i < valid.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(valid[i]);
    if (c < 0x20 || c == 0x7f) {
      out += ' ';
      continue;
    }
    // C1 controls (U+0080..U+009F) and bidirectional overrides (U+202A..U+202E, U+2066..U+2069).
    if (c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xA0) {
      ++i;
      continue;
    }
    if (c == 0xE2 && i + 2 < valid.size() && static_cast<unsigned char>(valid[i + 1]) == 0x80 &&
        static_cast<unsigned char>(valid[i + 2]) >= 0xAA && static_cast<unsigned char>(valid[i + 2]) <= 0xAE) {
      i += 2;
      continue;
    }
    if (c == 0xE2 && i + 2 < valid.size() && static_cast<unsigned char>(valid[i + 1]) == 0x81 &&
        static_cast<unsigned char>(valid[i + 2]) >= 0xA6 && static_cast<unsigned char>(valid[i + 2]) <= 0xA9) {
      i += 2;
      continue;
    }
    if (c == '"' || c == '<' || c == '>' || c == ':' || c == '*' || c == '?' || c == '|') {
      out += '_';
      continue;
    }
    out += char(c);
  }
  // Collapse runs of spaces; no leading dots or spaces, no trailing dots or spaces.
  std::string squeezed;
  for (char c : out)
    if (!(c == ' ' && !squeezed.empty() && squeezed.back() == ' ')) squeezed += c;
  size_t b = 0;
  while (b < squeezed.size() && (squeezed[b] == '.' || squeezed[b] == ' ')) ++b;
  size_t e = squeezed.size();
  while (e > b && (squeezed[e - 1] == '.' || squeezed[e - 1] == ' ')) --e;
  std::string r = squeezed.substr(b, e - b);
  constexpr size_t limit = 200;
  if (r.size() > limit) {
    size_t dot = r.rfind('.');
    std::string ext = (dot != std::string::npos && r.size() - dot <= 16) ? r.substr(dot) : "";
    std::string stem = r.substr(0, limit - ext.size());
    size_t ok = 0;
    valid_utf8_prefix(stem, ok);  // do not cut a character in half
    stem.resize(ok);
    while (!stem.empty() && (stem.back() == '.' || stem.back() == ' ')) stem.pop_back();  // the cut may end on one
    r = stem + ext;
  }
  return r.empty() ? "file" : r;
}

std::map<std::string, Message> material_problems(const Call& call, std::string_view category,
                                                 const std::map<std::string, int>& counts) {
  std::map<std::string, Message> out;
  for (const auto* r : material_rules(call, category)) {
    auto it = counts.find(r->kind);
    int n = it == counts.end() ? 0 : it->second;
    int min = r->required ? std::max(1, r->min) : r->min;
    if (n < min)
      out["materials." + r->kind] = Message{"material.too_few", {{"min", std::to_string(min)}, {"kind", "@material.kind." + r->kind}}};
    else if (n > r->max)
      out["materials." + r->kind] = Message{"material.too_many", {{"max", std::to_string(r->max)}, {"kind", "@material.kind." + r->kind}}};
  }
  for (const auto& [kind, n] : counts)
    if (n > 0 && !material_rule(call, category, kind))
      out["materials." + kind] = Message{"material.kind_not_asked", {{"kind", "@material.kind." + kind}}};
  return out;
}

}  // namespace laurel
