#include "service/calls.h"

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/call_file.h"
#include "service/write.h"
#include "store/audit.h"

namespace laurel::service {

Result<std::vector<std::string>> load_calls_as(Env& env, const Actor& actor, const std::string& text,
                                               const std::string& source_name) {
  if (auto st = can_manage_calls(actor); !st) return st.error();
  return load_calls(env, text, actor.id, source_name);
}

Result<std::vector<std::string>> load_calls(Env& env, const std::string& text, const std::string& actor_id,
                                            const std::string& source_name) {
  auto parsed = parse_call_file(text, source_name);
  if (!parsed.errors.empty()) {
    std::string detail;
    for (size_t i = 0; i < parsed.errors.size() && i < 10; ++i)
      detail += (i ? "; " : "") + parsed.errors[i].to_string();
    if (parsed.errors.size() > 10) detail += "; …";
    return Error::make(Code::invalid_call_file, "error.invalid_call_file", {{"detail", detail}});
  }
  return in_write(env, [&](store::Conn& conn) -> Result<std::vector<std::string>> {
    store::Conn* c = &conn;
    long long now = env.now().time_since_epoch().count();
    std::vector<std::string> slugs;
    for (const auto& call : parsed.calls) {
      std::string def = to_json(call).dump();
      bool existed = c->query_one("SELECT 1 FROM calls WHERE slug = ?", {call.slug}).has_value();
      c->exec(
          "INSERT INTO calls (slug, definition, updated_at) VALUES (?, ?, ?) "
          "ON CONFLICT (slug) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at",
          {call.slug, def, now});
      store::audit(*c, now, actor_id, existed ? "call_update" : "call_create", "call", call.slug);
      slugs.push_back(call.slug);
    }
    return slugs;
  });
}

namespace {

// Decoded calls by their stored definition (and demo start): parsing a definition costs far
// more than reading it, and the same few calls are read on every page. Keyed by content, so a
// reloaded call (or another database) can never be served stale.
std::mutex cache_mu;
std::unordered_map<std::string, std::shared_ptr<const Call>> cache;

std::optional<Call> decode(Env& env, const std::string& definition) {
  std::string key = definition;
  key += '|';
  key += env.demo_since ? std::to_string(env.demo_since->time_since_epoch().count()) : "-";
  {
    std::lock_guard lock(cache_mu);
    auto it = cache.find(key);
    if (it != cache.end()) return *it->second;
  }
  auto j = nlohmann::json::parse(definition, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  auto call = call_from_json(j);
  if (!call) return std::nullopt;
  Call shown = env.demo_since ? shift_for_demo(std::move(*call), *env.demo_since) : std::move(*call);
  shown.revision = std::to_string(std::hash<std::string>{}(key));
  auto decoded = std::make_shared<const Call>(std::move(shown));
  std::lock_guard lock(cache_mu);
  if (cache.size() > 256) cache.clear();
  cache.emplace(std::move(key), decoded);
  return *decoded;
}

}  // namespace

std::vector<Call> list_calls(Env& env) {
  auto c = env.db.acquire();
  std::vector<Call> out;
  for (const auto& row : c->query("SELECT definition FROM calls ORDER BY slug"))
    if (auto call = decode(env, row.str(0))) out.push_back(std::move(*call));
  std::stable_sort(out.begin(), out.end(), [](const Call& a, const Call& b) { return a.deadline < b.deadline; });
  return out;
}

Result<Call> find_call(Env& env, const std::string& slug) {
  auto c = env.db.acquire();
  auto row = c->query_one("SELECT definition FROM calls WHERE slug = ?", {slug});
  if (!row) return Error::make(Code::not_found, "error.call_not_found");
  auto call = decode(env, row->str(0));
  if (!call) return Error::make(Code::internal, "error.stored_call");
  return std::move(*call);
}

}  // namespace laurel::service
