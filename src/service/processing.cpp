#include "service/processing.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/material.h"
#include "infra/media.h"
#include "store/materials.h"
#include "store/uploads.h"

namespace laurel::service {

namespace materials = store::materials;

bool process_material(Env& env, const std::string& material_id, std::string& log_error) {
  Material m;
  std::string upload_id;
  {
    auto c = env.db.acquire();
    auto found = materials::find_any(*c, material_id);
    if (!found) return true;  // removed meanwhile
    m = std::move(*found);
    upload_id = store::uploads::of_material(*c, material_id).value_or("");
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
  std::string duration;
  if (info.duration) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", *info.duration);
    duration = buf;
  }
  env.db.write([&](store::Conn& c) {
    if (info.ok)
      materials::mark_ready(c, material_id, info.width, info.height, duration, thumb);
    else
      materials::mark_rejected(c, material_id,
                               nlohmann::json{{"key", "material.unreadable"},
                                              {"params", {{"kind", "@material.kind." + m.kind}}}}
                                   .dump());
    return true;
  });
  if (!info.ok) {
    spdlog::warn("material {} rejected: {}", material_id, info.error);
    // Rejected bytes are deleted at once (a rejected material counts toward no quota), unless the
    // same content is also another material that was not rejected.
    bool unreferenced = false;
    {
      auto c = env.db.acquire();
      unreferenced = materials::references(*c, m.sha256, false) == 0;
    }
    if (unreferenced) env.files->remove_blob(m.sha256);
  }
  return true;
}

}  // namespace laurel::service
