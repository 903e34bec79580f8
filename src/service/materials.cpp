#include "service/materials.h"

#include <nlohmann/json.hpp>
#include <set>

#include "core/entry.h"
#include "core/material.h"
#include "service/entries.h"
#include "service/review.h"
#include "service/write.h"
#include "store/entries.h"
#include "store/materials.h"

namespace laurel::service {

using nlohmann::json;
namespace materials = store::materials;

namespace {

Error material_not_found() { return Error::make(Code::not_found, "error.material_not_found"); }

// Whoever may read the entry (core/policy.h) sees its materials; "not_found" for anyone else.
Status may_read_entry(store::Conn& c, const Actor& actor, const std::string& entry_id) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto e = store::entries::owner_and_status(c, entry_id);
  if (!e) return Error::make(Code::not_found, "error.submission_not_found");
  EntryAccess access{e->first, e->second};
  access.reviewer = e->first != actor.id && !actor.organiser() && reviews_entry(c, actor.id, entry_id);
  if (!can_read_entry(actor, access))
    return Error::make(Code::not_found, "error.submission_not_found");
  return Ok{};
}

Result<Material> load_material(store::Conn& c, const Actor& actor, const std::string& id) {
  if (!actor.signed_in()) return Error::make(Code::unauthenticated, "error.unauthenticated");
  auto m = materials::find(c, id);  // a material's owner is its entry's
  if (!m) return material_not_found();
  EntryAccess access{m->owner_id, EntryStatus::draft};
  access.reviewer = m->owner_id != actor.id && !actor.organiser() && reviews_entry(c, actor.id, m->submission_id);
  if (!can_read_material(actor, access)) return material_not_found();
  return std::move(*m);
}

// The material if the actor may change it now (owner, call accepting changes), with its entry.
struct Changeable {
  Material material;
  ChangeTarget target;
};
Result<Changeable> changeable_material(Env& env, const Actor& actor, const std::string& id) {
  auto m = get_material(env, actor, id);
  if (!m) return m.error();
  auto t = changeable_entry(env, actor, m->submission_id);  // the policy's can_change_entry
  if (!t) return t.error().code == Code::not_found ? material_not_found() : t.error();
  return Changeable{std::move(*m), std::move(*t)};
}

}  // namespace

Result<std::vector<Material>> entry_materials(Env& env, const Actor& actor, const std::string& entry_id) {
  auto c = env.db.acquire();
  if (auto st = may_read_entry(*c, actor, entry_id); !st) return st.error();
  return materials::of_entry(*c, entry_id);
}

Result<Material> get_material(Env& env, const Actor& actor, const std::string& id) {
  auto c = env.db.acquire();
  return load_material(*c, actor, id);
}

Result<MaterialFile> material_content(Env& env, const Actor& actor, const std::string& id) {
  auto m = get_material(env, actor, id);
  if (!m) return m.error();
  if (m->status == "rejected" || !env.files->has_blob(m->sha256)) return material_not_found();
  return MaterialFile{*m, env.files->blob_path(m->sha256).string()};
}

Result<MaterialFile> material_thumbnail(Env& env, const Actor& actor, const std::string& id) {
  auto m = get_material(env, actor, id);
  if (!m) return m.error();
  if (m->thumbnail.empty() || !env.files->has_blob(m->thumbnail)) return material_not_found();
  return MaterialFile{*m, env.files->blob_path(m->thumbnail).string()};
}

Result<Material> set_caption(Env& env, const Actor& actor, const std::string& id, const Text& caption) {
  auto ch = changeable_material(env, actor, id);
  if (!ch) return ch.error();
  const Material& m = ch->material;
  for (const auto* s : {&caption.zh, &caption.en})
    if (s->size() > 1000) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["caption"] = Message{"error.caption_too_long", {{"max", "1000"}}};
      return e;
    } else if (!clean_text(*s)) {
      return Error::make(Code::bad_request, "error.control_characters", {{"field", "caption"}});
    }
  return in_write(env, [&](store::Conn& c) -> Result<Material> {
    if (!materials::set_caption(c, id, caption)) return material_not_found();
    record_change(c, m.submission_id, actor.id, env.now(), "material_caption", json{{"material", id}}.dump());
    Material out = m;
    out.caption = caption;
    return out;
  });
}

Result<std::vector<Material>> reorder_materials(Env& env, const Actor& actor, const std::string& entry_id,
                                                const std::vector<std::string>& order) {
  auto t = changeable_entry(env, actor, entry_id);
  if (!t) return t.error();
  return in_write(env, [&](store::Conn& c) -> Result<std::vector<Material>> {
    auto now_list = materials::of_entry(c, entry_id);
    std::set<std::string> have, given(order.begin(), order.end());
    for (const auto& m : now_list) have.insert(m.id);
    if (have != given || given.size() != order.size()) {
      Error e = Error::make(Code::invalid, "error.invalid");
      e.fields["order"] = Message{"error.order_must_list_all", {}};
      return e;
    }
    for (size_t i = 0; i < order.size(); ++i) materials::set_position(c, entry_id, order[i], int(i) + 1);
    record_change(c, entry_id, actor.id, env.now(), "material_order", json{{"order", order}}.dump());
    return materials::of_entry(c, entry_id);
  });
}

Status remove_material(Env& env, const Actor& actor, const std::string& id) {
  auto ch = changeable_material(env, actor, id);
  if (!ch) return ch.error();
  const Material& m = ch->material;
  const ChangeTarget& t = ch->target;
  bool keep_bytes = t.entry.submitted_at.has_value() && m.status != "rejected";  // earlier versions name it
  bool last_reference = false;
  auto r = in_write(env, [&](store::Conn& c) -> Status {
    // Checked inside the write, on the entry as it now is: two removals racing for the last
    // required items cannot both pass (PostgreSQL: the entry's row is locked; SQLite: one writer).
    store::entries::lock(c, m.submission_id);
    auto entry = store::entries::owner_and_status(c, m.submission_id);
    if (!entry) return material_not_found();
    if (entry->second == EntryStatus::submitted && m.status != "rejected") {
      // A submitted entry must still meet its rules without this material.
      auto counts = store::entries::material_counts(c, m.submission_id);
      counts[m.kind] -= 1;
      auto problems = material_problems(t.call, t.entry.category, counts);
      if (!problems.empty()) {
        Error e = Error::make(Code::invalid, "error.material_still_needed");
        e.fields = std::move(problems);
        return e;
      }
    }
    bool removed = keep_bytes ? materials::mark_removed(c, id, unix_seconds(env.now())) : materials::erase(c, id);
    if (!removed) return material_not_found();
    if (m.status != "rejected")
      record_change(c, m.submission_id, actor.id, env.now(), "material_remove", json{{"material", id}}.dump());
    if (!keep_bytes) last_reference = materials::references(c, m.sha256) == 0;
    return Ok{};
  });
  if (r && last_reference) {
    env.files->remove_blob(m.sha256);
    if (!m.thumbnail.empty()) {
      auto c = env.db.acquire();
      if (materials::references(*c, m.thumbnail) == 0) env.files->remove_blob(m.thumbnail);
    }
  }
  return r;
}

}  // namespace laurel::service
