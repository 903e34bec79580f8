#include "infra/xlsx_read.h"

#include <zip.h>

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

namespace laurel::xlsx {

namespace {

using Rows = std::vector<std::vector<std::string>>;

constexpr size_t kExcelRows = 1048576;
constexpr size_t kExcelColumns = 16384;  // XFD

// A refusal: read_first_sheet turns it into nullopt and its sentence.
struct Refused {
  std::string why;
};

std::string size_text(uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// ---- the zip ----------------------------------------------------------------------------------

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFclose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// The archive over `bytes` (not copied: they outlive it), and a budget of inflated bytes.
class Archive {
 public:
  Archive(std::string_view bytes, uint64_t budget) : budget_(budget) {
    if (bytes.empty()) throw Refused{"the file is empty"};
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &ze);
    if (!src) {
      std::string m = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      throw Refused{"cannot read the file: " + m};
    }
    zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (!z) {
      zip_source_free(src);  // not taken over when the open fails
      std::string m = zip_error_strerror(&ze);
      zip_error_fini(&ze);
      throw Refused{"not an XLSX file (not a zip archive: " + m + ")"};
    }
    zip_error_fini(&ze);
    zip_.reset(z);

    // What the entries declare, before anything is inflated.
    zip_int64_t n = zip_get_num_entries(z, 0);
    uint64_t total = 0;
    for (zip_int64_t i = 0; i < n; ++i) {
      zip_stat_t st;
      zip_stat_init(&st);
      if (zip_stat_index(z, static_cast<zip_uint64_t>(i), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        throw Refused{"not an XLSX file (a zip entry without a size)"};
      if (st.size > budget_ - total)
        throw Refused{"the file is too large: its contents would take more than " + size_text(budget_)};
      total += st.size;
    }
  }

  // The entry `name` inflated, or nothing when there is no such entry. Counts what it inflates
  // against the budget as it goes, so an entry lying about its size stops at the budget.
  std::optional<std::string> read(const std::string& name) {
    zip_int64_t index = zip_name_locate(zip_.get(), name.c_str(), 0);
    if (index < 0) return std::nullopt;
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_.get(), static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw Refused{"cannot read " + name + " in the file"};
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      throw Refused{"the file is encrypted (" + name + ")"};
    std::unique_ptr<zip_file_t, ZipFclose> f(zip_fopen_index(zip_.get(), static_cast<zip_uint64_t>(index), 0));
    if (!f) throw Refused{"cannot read " + name + " in the file: " + zip_strerror(zip_.get())};
    std::string out;
    out.reserve(static_cast<size_t>(std::min<uint64_t>(st.size, budget_ - used_)));
    std::array<char, 65536> buf;
    for (;;) {
      zip_int64_t got = zip_fread(f.get(), buf.data(), buf.size());
      if (got < 0) throw Refused{"cannot read " + name + " in the file: " + zip_file_strerror(f.get())};
      if (got == 0) break;
      const auto g = static_cast<uint64_t>(got);
      if (g > budget_ - used_)
        throw Refused{"the file is too large: its contents would take more than " + size_text(budget_)};
      if (out.size() + g > st.size) throw Refused{"not an XLSX file (" + name + " is larger than it declares)"};
      used_ += g;
      out.append(buf.data(), static_cast<size_t>(got));
    }
    return out;
  }

  bool has(const std::string& name) { return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0; }

 private:
  std::unique_ptr<zip_t, ZipDiscard> zip_;
  uint64_t budget_;
  uint64_t used_ = 0;
};

// ---- XML helpers --------------------------------------------------------------------------------

// What pugixml's document of `text` will take, estimated from above: 64 bytes a node (an element,
// or a text after a '>'), 40 an attribute (a '='). A few kilobytes of "<c/><c/>…" deflate to a
// few bytes and would make a document of 16 times their size.
uint64_t document_bytes(std::string_view text) {
  uint64_t nodes = 0, attributes = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i], next = text[i + 1];
    nodes += (c == '<' && next != '/') || (c == '>' && next != '<');
    attributes += c == '=';
  }
  return nodes * 64 + attributes * 40;
}

// The most a part's document may take: what a full sheet of the limits' rows and columns takes
// (a cell as our writer or Excel writes it, <c r="AX5000" s="1" t="s"><v>12</v></c> or an inline
// string, is about 340 bytes of document; 400 allowed), and 8 MiB besides.
uint64_t max_document_bytes(const ReadLimits& limits) {
  constexpr uint64_t kPerCell = 400, kBesides = 8 << 20;
  uint64_t cells = 0, bytes = 0;
  if (__builtin_mul_overflow(uint64_t{limits.max_rows}, uint64_t{limits.max_columns}, &cells) ||
      __builtin_mul_overflow(cells, kPerCell, &bytes) || bytes > UINT64_MAX - kBesides)
    return UINT64_MAX;
  return bytes + kBesides;
}

// `text` parsed in place (the document points into it: keep it alive as long as the document).
void parse(pugi::xml_document& doc, std::string& text, const std::string& name, std::string_view root,
           uint64_t max_document) {
  if (document_bytes(text) > max_document)
    throw Refused{"the file is too complex: " + name +
                  " has more XML elements than a sheet of the allowed rows and columns needs"};
  // Default options (no DTD entities are ever expanded by pugixml), plus a whitespace-only text
  // that is an element's only child, so <t xml:space="preserve"> </t> keeps its space.
  pugi::xml_parse_result r =
      doc.load_buffer_inplace(text.data(), text.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!r)
    throw Refused{"not an XLSX file (" + name + " is malformed XML: " + r.description() + " at byte " +
                  std::to_string(r.offset) + ")"};
  std::string_view got = doc.document_element().name();
  if (auto p = got.rfind(':'); p != std::string_view::npos) got.remove_prefix(p + 1);
  if (got != root) throw Refused{"not an XLSX file (" + name + " is no <" + std::string(root) + ">)"};
}

// An element's name without its namespace prefix (writers differ: <sheet>, <x:sheet>).
std::string_view local(const pugi::xml_node& n) {
  std::string_view s = n.name();
  if (auto p = s.rfind(':'); p != std::string_view::npos) s.remove_prefix(p + 1);
  return s;
}

pugi::xml_node child(const pugi::xml_node& n, std::string_view name) {
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_element && local(c) == name) return c;
  return {};
}

// The element's text: all its text and CDATA children.
std::string text_of(const pugi::xml_node& n) {
  std::string out;
  for (pugi::xml_node c : n.children())
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) out += c.value();
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The UTF-16 code unit of an "_xHHHH_" escape at s[i], if there is one.
std::optional<char32_t> escape_at(std::string_view s, size_t i) {
  if (i + 7 > s.size() || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_') return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data() + i + 2, s.data() + i + 6, v, 16);
  if (ec != std::errc() || end != s.data() + i + 6) return std::nullopt;
  return static_cast<char32_t>(v);
}

// OOXML's ST_Xstring escapes decoded: "_x000D_" is a CR, "_x005F_" a literal '_', a surrogate
// pair of escapes one character; a lone surrogate or U+0000 becomes U+FFFD.
std::string decode_escapes(std::string_view s) {
  if (s.find("_x") == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto u = escape_at(s, i);
    if (!u) {
      out += s[i++];
      continue;
    }
    i += 7;
    char32_t cp = *u;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      auto lo = escape_at(s, i);
      if (lo && *lo >= 0xDC00 && *lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (*lo - 0xDC00);
        i += 7;
      } else {
        cp = 0xFFFD;
      }
    } else if ((cp >= 0xDC00 && cp <= 0xDFFF) || cp == 0) {
      cp = 0xFFFD;
    }
    append_utf8(out, cp);
  }
  return out;
}

// A string item (<si> of the shared strings, <is> of an inline string): its <t>, or its rich-text
// runs' <r><t> joined; phonetic runs (<rPh>) are not part of the text.
std::string string_item(const pugi::xml_node& item) {
  std::string raw;
  for (pugi::xml_node c : item.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = local(c);
    if (name == "t") {
      raw += text_of(c);
    } else if (name == "r") {
      for (pugi::xml_node t : c.children())
        if (t.type() == pugi::node_element && local(t) == "t") raw += text_of(t);
    }
  }
  return decode_escapes(raw);
}

// ---- package parts ------------------------------------------------------------------------------

// `target` (a relationship's) as a path in the zip: relative to `dir` ("xl/"), or from the root
// when it starts with '/'; "." and ".." resolved.
std::string resolve(std::string_view dir, std::string_view target) {
  std::string joined = !target.empty() && target.front() == '/' ? std::string(target.substr(1))
                                                                  : std::string(dir) + std::string(target);
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

struct Relationship {
  std::string id, type, target;  // target resolved to a path in the zip
};

// The relationships of the part `part` (from its _rels/<name>.rels), none if it has no such file.
std::vector<Relationship> relationships(Archive& zip, const std::string& part, uint64_t max_document) {
  std::string dir = dir_of(part);
  std::string rels_name = dir + "_rels/" + part.substr(dir.size()) + ".rels";
  std::optional<std::string> text = zip.read(rels_name);
  if (!text) return {};
  pugi::xml_document doc;
  parse(doc, *text, rels_name, "Relationships", max_document);
  std::vector<Relationship> out;
  for (pugi::xml_node r : doc.document_element().children()) {
    if (r.type() != pugi::node_element || local(r) != "Relationship") continue;
    if (std::string_view(r.attribute("TargetMode").value()) == "External") continue;
    out.push_back({r.attribute("Id").value(), r.attribute("Type").value(), resolve(dir, r.attribute("Target").value())});
  }
  return out;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The r:id of a <sheet> (whatever the prefix of the relationships namespace is called).
std::string_view relationship_id(const pugi::xml_node& sheet) {
  for (pugi::xml_attribute a : sheet.attributes()) {
    std::string_view name = a.name();
    if (auto p = name.rfind(':'); p != std::string_view::npos && name.substr(p + 1) == "id" &&
                                  name.substr(0, p) != "xmlns")
      return a.value();
  }
  return {};
}

struct Parts {
  std::string sheet;           // the first worksheet
  std::string shared_strings;  // empty: none
};

Parts find_parts(Archive& zip, uint64_t max_document) {
  std::string workbook = "xl/workbook.xml";
  for (const Relationship& r : relationships(zip, "", max_document)) {  // _rels/.rels
    if (ends_with(r.type, "/officeDocument") && zip.has(r.target)) {
      workbook = r.target;
      break;
    }
  }
  std::optional<std::string> text = zip.read(workbook);
  if (!text) throw Refused{"not an XLSX file (no workbook in it)"};
  std::string first_id;
  {
    pugi::xml_document doc;
    parse(doc, *text, workbook, "workbook", max_document);
    pugi::xml_node sheet = child(child(doc.document_element(), "sheets"), "sheet");
    if (!sheet) throw Refused{"the workbook has no sheet"};
    first_id = relationship_id(sheet);
  }
  Parts parts;
  for (const Relationship& r : relationships(zip, workbook, max_document)) {
    if (!first_id.empty() && r.id == first_id && parts.sheet.empty() && zip.has(r.target)) parts.sheet = r.target;
    if (ends_with(r.type, "/sharedStrings") && parts.shared_strings.empty() && zip.has(r.target))
      parts.shared_strings = r.target;
  }
  if (parts.sheet.empty()) parts.sheet = "xl/worksheets/sheet1.xml";
  if (parts.shared_strings.empty() && zip.has("xl/sharedStrings.xml")) parts.shared_strings = "xl/sharedStrings.xml";
  return parts;
}

std::vector<std::string> shared_strings(Archive& zip, const std::string& name, uint64_t max_document) {
  std::vector<std::string> out;
  if (name.empty()) return out;
  std::optional<std::string> text = zip.read(name);
  if (!text) return out;
  pugi::xml_document doc;
  parse(doc, *text, name, "sst", max_document);
  for (pugi::xml_node si : doc.document_element().children())
    if (si.type() == pugi::node_element && local(si) == "si") out.push_back(string_item(si));
  return out;
}

// ---- cells --------------------------------------------------------------------------------------

std::string column_name(size_t col) {  // 0 → "A"
  std::string s;
  for (size_t n = col + 1; n > 0; n = (n - 1) / 26) s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  return s;
}

std::string cell_name(size_t row, size_t col) { return column_name(col) + std::to_string(row + 1); }

// "C5" → column 2, row 4 (0-based); nothing for what is not a cell reference inside Excel's grid.
std::optional<std::pair<size_t, size_t>> parse_ref(std::string_view ref) {
  size_t i = 0, col = 0;
  while (i < ref.size() && i < 3 && ((ref[i] >= 'A' && ref[i] <= 'Z') || (ref[i] >= 'a' && ref[i] <= 'z'))) {
    char c = ref[i] >= 'a' ? static_cast<char>(ref[i] - 'a' + 'A') : ref[i];
    col = col * 26 + static_cast<size_t>(c - 'A' + 1);
    ++i;
  }
  if (i == 0 || col > kExcelColumns) return std::nullopt;
  size_t row = 0;
  std::string_view digits = ref.substr(i);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), row);
  if (digits.empty() || digits.front() == '+' || ec != std::errc() || end != digits.data() + digits.size() ||
      row == 0 || row > kExcelRows)
    return std::nullopt;
  return std::pair{row - 1, col - 1};
}

// A number as written, but a whole one without its ".0" ("12.0" → "12").
std::string number_text(std::string_view v) {
  v = trim(v);
  size_t dot = v.find('.');
  if (dot != std::string_view::npos && dot + 1 < v.size() &&
      v.find_first_not_of('0', dot + 1) == std::string_view::npos) {
    std::string_view whole = v.substr(0, dot);
    std::string_view digits = !whole.empty() && (whole.front() == '-' || whole.front() == '+') ? whole.substr(1) : whole;
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos) return std::string(whole);
  }
  return std::string(v);
}

size_t characters(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // not a continuation byte
  return n;
}

class SheetReader {
 public:
  SheetReader(const ReadLimits& limits, const std::vector<std::string>& shared) : limits_(limits), shared_(shared) {}

  Rows read(const pugi::xml_node& worksheet) {
    size_t next_row = 0;
    for (pugi::xml_node row : child(worksheet, "sheetData").children()) {
      if (row.type() != pugi::node_element || local(row) != "row") continue;
      size_t r = next_row;
      if (pugi::xml_attribute a = row.attribute("r")) {
        std::string_view v = trim(a.value());
        size_t n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n == 0 || n > kExcelRows)
          throw Refused{"not an XLSX file (a row numbered \"" + std::string(a.value()) + "\")"};
        r = n - 1;
      }
      size_t last_row = r, next_col = 0;
      for (pugi::xml_node c : row.children()) {
        if (c.type() != pugi::node_element || local(c) != "c") continue;
        size_t cr = r, cc = next_col;
        if (pugi::xml_attribute a = c.attribute("r")) {
          auto ref = parse_ref(trim(a.value()));
          if (!ref) throw Refused{"not an XLSX file (a cell named \"" + std::string(a.value()) + "\")"};
          std::tie(cr, cc) = *ref;
        }
        next_col = cc + 1;
        last_row = std::max(last_row, cr);
        place(cr, cc, value(c, cr, cc));
      }
      next_row = last_row + 1;
    }
    return std::move(rows_);
  }

 private:
  std::string value(const pugi::xml_node& c, size_t row, size_t col) {
    std::string_view t = trim(c.attribute("t").value());
    pugi::xml_node v = child(c, "v");
    if (t == "s") {
      if (!v) return {};
      const std::string raw = text_of(v);
      const std::string_view digits = trim(raw);
      size_t index = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || index >= shared_.size())
        throw Refused{"not an XLSX file (cell " + cell_name(row, col) + " refers to a shared string that is not there)"};
      return shared_[index];
    }
    if (t == "inlineStr") {
      if (pugi::xml_node is = child(c, "is")) return string_item(is);
      return decode_escapes(text_of(v));
    }
    if (t == "str") return decode_escapes(text_of(v));
    if (t == "b") {
      std::string b(trim(text_of(v)));
      if (b.empty()) return {};
      if (b == "1" || b == "true") return "TRUE";
      if (b == "0" || b == "false") return "FALSE";
      throw Refused{"not an XLSX file (cell " + cell_name(row, col) + " is a boolean of \"" + b + "\")"};
    }
    if (t.empty() || t == "n") return number_text(text_of(v));
    return std::string(trim(text_of(v)));  // "e" (#N/A…), "d" (an ISO 8601 date), or unknown: as written
  }

  void place(size_t row, size_t col, std::string text) {
    if (text.empty()) return;  // formatted empty cells, far out as they may be, count for nothing
    if (row >= limits_.max_rows)
      throw Refused{"the sheet has more than " + std::to_string(limits_.max_rows) + " rows (a value in cell " +
                    cell_name(row, col) + ")"};
    if (col >= limits_.max_columns)
      throw Refused{"the sheet has more than " + std::to_string(limits_.max_columns) + " columns (a value in cell " +
                    cell_name(row, col) + ")"};
    if (characters(text) > limits_.max_cell_chars)
      throw Refused{"cell " + cell_name(row, col) + " is longer than " + std::to_string(limits_.max_cell_chars) +
                    " characters"};
    if (text.size() > limits_.max_uncompressed - text_bytes_)
      throw Refused{"the sheet's text is larger than " + size_text(limits_.max_uncompressed)};
    text_bytes_ += text.size();
    if (rows_.size() <= row) rows_.resize(row + 1);
    std::vector<std::string>& cells = rows_[row];
    if (cells.size() <= col) cells.resize(col + 1);
    text_bytes_ -= std::min<uint64_t>(text_bytes_, cells[col].size());  // a cell given twice counts once
    cells[col] = std::move(text);
  }

  const ReadLimits& limits_;
  const std::vector<std::string>& shared_;
  Rows rows_;
  uint64_t text_bytes_ = 0;
};

Rows read(std::string_view bytes, const ReadLimits& limits) {
  Archive zip(bytes, limits.max_uncompressed);
  const uint64_t max_document = max_document_bytes(limits);
  Parts parts = find_parts(zip, max_document);
  const std::vector<std::string> shared = shared_strings(zip, parts.shared_strings, max_document);  // document freed
  std::optional<std::string> text = zip.read(parts.sheet);
  if (!text) throw Refused{"not an XLSX file (no worksheet " + parts.sheet + ")"};
  pugi::xml_document doc;
  parse(doc, *text, parts.sheet, "worksheet", max_document);
  return SheetReader(limits, shared).read(doc.document_element());
}

}  // namespace

std::optional<std::vector<std::vector<std::string>>> read_first_sheet(std::string_view bytes, const ReadLimits& limits,
                                                                      std::string* error) {
  try {
    return read(bytes, limits);
  } catch (Refused& r) {
    if (error) *error = std::move(r.why);
    return std::nullopt;
  }
}

}  // namespace laurel::xlsx
