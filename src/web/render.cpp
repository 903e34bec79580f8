#include "web/render.h"

#include <kainjow/mustache.hpp>
#include <stdexcept>

#include "infra/resources.h"

namespace laurel::web {

namespace mu = kainjow::mustache;

namespace {

mu::data to_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mu::data d{mu::data::type::object};
      for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mu::data d{mu::data::type::list};
      for (const auto& v : j) d.push_back(to_data(v));
      return d;
    }
    case nlohmann::json::value_t::string: {
      // An empty string is false, so {{#x}}…{{/x}} hides and {{^x}}…{{/x}} shows for it.
      const auto& s = j.get_ref<const std::string&>();
      return s.empty() ? mu::data{false} : mu::data{s};
    }
    case nlohmann::json::value_t::boolean: return mu::data{j.get<bool>()};
    case nlohmann::json::value_t::null: return mu::data{false};
    default: return mu::data{j.dump()};
  }
}

}  // namespace

struct Renderer::Impl {
  std::map<std::string, std::unique_ptr<mu::mustache>> templates;
  mu::data root_zh, root_en;  // {"t": every string of the language}, shared by all renders
};

Renderer::Renderer(const I18n& i18n) : impl_(std::make_unique<Impl>()) {
  for (const auto& [path, text] : resources::all()) {
    if (path.rfind("templates/", 0) != 0) continue;
    std::string name = path.substr(10, path.size() - 10 - 5);  // strip templates/ and .html
    auto m = std::make_unique<mu::mustache>(std::string(text));
    if (!m->is_valid()) throw std::runtime_error("template " + path + ": " + m->error_message());
    impl_->templates.emplace(name, std::move(m));
  }
  impl_->root_zh.set("t", to_data(i18n.tree(Lang::zh)));
  impl_->root_en.set("t", to_data(i18n.tree(Lang::en)));
  // Templates named _something are partials: {{> _something}}.
  for (const auto& [path, text] : resources::all()) {
    if (path.rfind("templates/_", 0) != 0) continue;
    std::string name = path.substr(10, path.size() - 10 - 5);
    std::string body(text);
    for (auto* root : {&impl_->root_zh, &impl_->root_en})
      root->set(name, mu::data{mu::partial{[body] { return body; }}});
  }
}

Renderer::~Renderer() = default;

std::string Renderer::page(const std::string& name, const nlohmann::json& view, const nlohmann::json& layout_view,
                           Lang lang) const {
  return layout(body(name, view, lang), layout_view, lang);
}

std::string Renderer::body(const std::string& name, const nlohmann::json& view, Lang lang) const {
  auto it = impl_->templates.find(name);
  if (it == impl_->templates.end()) throw std::runtime_error("no template " + name);
  // The strings are looked up through a context stack (view over {"t": …}), never copied.
  const mu::data& root = lang == Lang::zh ? impl_->root_zh : impl_->root_en;
  mu::data d = to_data(view);
  mu::context<std::string> ctx(&root);
  ctx.push(&d);
  return it->second->render(ctx);
}

std::string Renderer::layout(std::string body, const nlohmann::json& layout_view, Lang lang) const {
  auto lt = impl_->templates.find("layout");
  if (lt == impl_->templates.end()) throw std::runtime_error("no template layout");
  const mu::data& root = lang == Lang::zh ? impl_->root_zh : impl_->root_en;
  mu::data l = to_data(layout_view);
  l.set("body", mu::data{std::move(body)});
  mu::context<std::string> ctx(&root);
  ctx.push(&l);
  return lt->second->render(ctx);
}

}  // namespace laurel::web
