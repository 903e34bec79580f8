// Background processing of materials, run by the worker (service/jobs.h): previews, posters and
// durations from the media tools (infra/media.h, child processes with time limits). A file the
// tools cannot read is rejected and its bytes deleted at once (unless other materials share them).
#pragma once
#include <string>

#include "service/env.h"

namespace laurel::service {

// Processes one material; true when done (also when it ended rejected), false to retry later.
bool process_material(Env& env, const std::string& material_id, std::string& log_error);

}  // namespace laurel::service
