// Conflicts of interest between an expert and an entry (issue 13), detected automatically:
//   organisation  one of the expert's organisations is among the entry's organisations, names
//                 compared after normalising case, width, spaces and punctuation (zh or en);
//   email-domain  the expert's e-mail domain is the entry owner's (public mail providers excluded);
//   unit          the expert belongs to a recommending unit in the entry's chain (configurable).
// Declared conflicts (by the expert) and the organiser's are stored, not detected. Pure.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace laurel {

// "Tsinghua  University" == "tsinghua university" == "ＴＳＩＮＧＨＵＡ　University"; "清华大学（深圳）"
// == "清华大学深圳": fullwidth forms folded to ASCII, ASCII lower-cased, white space and punctuation
// (ASCII and CJK) dropped. Not a translation: a Chinese name never equals its English one.
std::string normalise_org_name(std::string_view name);
// The lower-cased part after the last '@' ("" when there is none).
std::string email_domain(std::string_view email);
// gmail.com, qq.com, 163.com, outlook.com …: a shared domain says nothing about a tie.
bool public_mail_domain(std::string_view domain);

struct ExpertFacts {
  std::vector<std::string> organizations;  // the expert's organisation (and former ones, if given)
  std::string email;
  std::vector<std::string> units;          // recommending units the expert's account belongs to
};
struct EntryFacts {
  std::vector<std::string> organizations;  // the entry's organisations (owner first)
  std::string owner_email;
  std::vector<std::string> units;          // every unit of the entry's recommendation chains
};
struct ConflictRules {
  bool units = true;  // the same recommending unit chain counts as a conflict
};
// The sources that apply, in this order: "organisation", "email-domain", "unit" (empty: none).
std::vector<std::string> detect_conflicts(const ExpertFacts& expert, const EntryFacts& entry, const ConflictRules& rules);

}  // namespace laurel
