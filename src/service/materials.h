// Materials of entries: the files an entry carries once their upload is complete
// (service/uploads.h brings them; service/processing.h makes their previews). Whoever may read
// the entry reads its materials; its owner changes them (caption, order, removal) while the call
// accepts changes (core/policy.h); anyone else gets "not_found". A submitted entry keeps meeting
// its rules: a removal that would break them is refused, checked inside the write.
#pragma once
#include <string>
#include <vector>

#include "core/material.h"
#include "core/result.h"
#include "core/text.h"
#include "service/env.h"

namespace laurel::service {

Result<std::vector<Material>> entry_materials(Env& env, const Actor& actor, const std::string& submission_id);
Result<Material> get_material(Env& env, const Actor& actor, const std::string& id);
struct MaterialFile {
  Material material;
  std::string path;  // in the file store
};
Result<MaterialFile> material_content(Env& env, const Actor& actor, const std::string& id);
Result<MaterialFile> material_thumbnail(Env& env, const Actor& actor, const std::string& id);
Result<Material> set_caption(Env& env, const Actor& actor, const std::string& id, const Text& caption);
Result<std::vector<Material>> reorder_materials(Env& env, const Actor& actor, const std::string& submission_id,
                                                const std::vector<std::string>& order);
Status remove_material(Env& env, const Actor& actor, const std::string& id);

}  // namespace laurel::service
