#include "core/json_input.h"

#include <vector>

namespace laurel {
namespace {

using nlohmann::json;

// A SAX handler that builds the DOM through nlohmann's own builder and stops (returns false)
// the moment a limit is passed: the parser aborts, nothing deeper is read or built.
class BoundedSax {
 public:
  BoundedSax(json& out, const JsonLimits& l) : dom_(out, false), limits_(l) {}

  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return value() && dom_.number_float(v, s); }
  bool string(json::string_t& v) { return value() && dom_.string(v); }
  bool binary(json::binary_t& v) { return value() && dom_.binary(v); }
  bool start_object(std::size_t n) { return open(false) && dom_.start_object(n); }
  bool key(json::string_t& k) {
    if (++counts_.back() > limits_.max_members) return fail(Problem::too_large, limits_.max_members);
    return dom_.key(k);
  }
  bool end_object() { return close() && dom_.end_object(); }
  bool start_array(std::size_t n) { return open(true) && dom_.start_array(n); }
  bool end_array() { return close() && dom_.end_array(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    if (problem_ == Problem::none) problem_ = Problem::malformed;
    return false;
  }

  enum class Problem { none, malformed, too_deep, too_large };
  Problem problem() const { return problem_; }
  size_t limit() const { return limit_; }

 private:
  // Every value counts toward the document's total and, inside an array, toward its items.
  bool value() {
    if (++values_ > limits_.max_values) return fail(Problem::too_large, limits_.max_values);
    if (!arrays_.empty() && arrays_.back() && ++counts_.back() > limits_.max_items)
      return fail(Problem::too_large, limits_.max_items);
    return true;
  }
  bool open(bool array) {
    if (!value()) return false;
    if (arrays_.size() >= limits_.max_depth) return fail(Problem::too_deep, limits_.max_depth);
    arrays_.push_back(array);
    counts_.push_back(0);
    return true;
  }
  bool close() {
    arrays_.pop_back();
    counts_.pop_back();
    return true;
  }
  bool fail(Problem p, size_t limit) {
    problem_ = p;
    limit_ = limit;
    return false;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const JsonLimits& limits_;
  std::vector<bool> arrays_;    // the open containers, innermost last: array or object
  std::vector<size_t> counts_;  // members or items so far in each open container
  size_t values_ = 0;
  Problem problem_ = Problem::none;
  size_t limit_ = 0;
};

}  // namespace

Result<json> parse_json_bounded(std::string_view text, const JsonLimits& limits) {
  json out;
  BoundedSax sax(out, limits);
  bool ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json, true);
  using P = BoundedSax::Problem;
  if (ok && sax.problem() == P::none) return out;
  switch (sax.problem()) {
    case P::too_deep:
      return Error::make(Code::bad_request, "error.json_too_deep", {{"max", std::to_string(sax.limit())}});
    case P::too_large:
      return Error::make(Code::bad_request, "error.json_too_large", {{"max", std::to_string(sax.limit())}});
    default: return Error::make(Code::bad_request, "error.malformed_json");
  }
}

}  // namespace laurel
