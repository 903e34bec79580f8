// View models shared by pages and the API: a call and an entry as JSON, in one language.
#pragma once
#include <nlohmann/json.hpp>

#include "core/call.h"
#include "service/entries.h"
#include "web/app.h"

namespace laurel::web {

// The API's call object: the stored definition plus status, current stage and fields per category.
nlohmann::json api_call(const Call& call, Instant now);
// A call for pages, every text in ctx.lang.
nlohmann::json call_view(Ctx& ctx, const Call& call);
// An entry for pages.
nlohmann::json entry_view(Ctx& ctx, const Entry& s, const Call* call);
std::string zone_label(Ctx& ctx, const Call& call);
// An entry's materials for pages: one block per kind its call asks for (label, limits, the
// problem if any, the files in order), plus files of kinds no longer asked for.
nlohmann::json materials_view(Ctx& ctx, const Call& call, const Entry& s,
                              const std::map<std::string, Message>& problems);
std::string deadline_text(Ctx& ctx, const Call& call);

}  // namespace laurel::web
