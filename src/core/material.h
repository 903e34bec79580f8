// Materials: the files an entry carries (documents, images, video, audio). The call says which
// kinds each category asks for, how many and how large (MaterialRule); this file holds those
// rules, the accepted content types per kind, file-name neutralising and the check that an
// entry has what it must have. Pure: no I/O.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/text.h"
#include "core/time.h"

namespace laurel {

struct Call;

// A file of an entry, as it crosses the layers (store returns it, services change it, views
// show it). status: processing | ready | rejected.
struct Material {
  std::string id, submission_id, owner_id, kind, filename, sha256, content_type, status;
  long long size = 0;
  std::optional<Message> error;  // why it was rejected
  Text caption;
  int position = 0;
  std::optional<int> width, height;
  std::optional<double> duration;
  std::string thumbnail;  // sha256 of the preview JPEG, if any
  Instant created_at;
};

// A resumable upload (tus) on its way to becoming a material.
struct Upload {
  std::string id, owner_id, submission_id, kind, filename;
  long long length = 0, received = 0;
  Instant created_at, expires_at;
  std::string material_id;  // once complete
};

struct MaterialRule {
  std::string kind;  // document | image | video | audio
  Text label;        // what to upload, e.g. "Supporting documents (papers, patents …)"
  Text hint;
  bool required = false;
  int min = 0;  // required ⇒ min ≥ 1
  int max = 10;
  long long max_size = 0;               // bytes, the largest file
  std::vector<std::string> categories;  // empty: every category of the call
};

const std::vector<std::string>& material_kind_names();  // document, image, video, audio
bool is_material_kind(std::string_view kind);
// MIME types accepted for a kind, as libmagic names them.
const std::vector<std::string>& accepted_types(std::string_view kind);
bool type_accepted(std::string_view kind, std::string_view content_type);
// Short names of the accepted formats ("PDF, DOCX, …") for forms and messages.
std::string accepted_formats(std::string_view kind);
// The `accept` attribute of a file input for the kind (extensions and MIME types; a hint only).
std::string accept_attribute(std::string_view kind);

// The rules that apply to entries of `category` (in the call's order).
std::vector<const MaterialRule*> material_rules(const Call& call, std::string_view category);
const MaterialRule* material_rule(const Call& call, std::string_view category, std::string_view kind);
long long largest_material(const Call& call);  // the largest max_size of any rule

// "50 MiB", "2 GiB", "1.5 MiB", "900 KiB", "12 B". parse_size accepts "20 MiB", "2GiB", "500 KB",
// "1048576" (bytes); nullopt if malformed.
std::string format_size(long long bytes);
std::optional<long long> parse_size(std::string_view s);

// A file name as given by a browser, made safe to store and show: the last path component only
// (no '/' or '\\'), no control characters, no leading dots, valid UTF-8, at most 200 bytes
// (keeping the extension); "file" if nothing is left.
std::string safe_filename(std::string_view name);

// Whether an entry of `category` with `counts` (kind -> materials that count) may be submitted:
// one problem per kind, keyed "materials.<kind>".
std::map<std::string, Message> material_problems(const Call& call, std::string_view category,
                                                 const std::map<std::string, int>& counts);

}  // namespace laurel
