// Pages from mustache templates (templates/*.html, compiled in, parsed once at start-up).
// A page is rendered into templates/layout.html. Views are JSON; `t` holds every string of
// the page's language. Mustache escapes {{…}} for HTML: use {{{…}}} only for our own HTML.
#pragma once
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text.h"
#include "web/i18n.h"

namespace laurel::web {

class Renderer {
 public:
  explicit Renderer(const I18n& i18n);
  ~Renderer();
  // Renders templates/<name>.html with `view` (plus `t`) into the layout with `layout`.
  std::string page(const std::string& name, const nlohmann::json& view, const nlohmann::json& layout, Lang lang) const;
  // The two halves of page(): the page's own template, then the layout around a body.
  std::string body(const std::string& name, const nlohmann::json& view, Lang lang) const;
  std::string layout(std::string body, const nlohmann::json& layout, Lang lang) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace laurel::web
