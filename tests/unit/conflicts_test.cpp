// Conflicts of interest detected automatically (core/conflicts.h).
#include <gtest/gtest.h>

#include "core/conflicts.h"

namespace laurel {
namespace {

TEST(OrgNames, CaseWidthSpacesAndPunctuationDoNotMatter) {
  EXPECT_EQ(normalise_org_name("Tsinghua  University"), normalise_org_name("tsinghua university"));
  EXPECT_EQ(normalise_org_name("ＴＳＩＮＧＨＵＡ　University"), "tsinghuauniversity");
  EXPECT_EQ(normalise_org_name("清华大学（深圳）"), normalise_org_name("清华大学(深圳)"));
  EXPECT_EQ(normalise_org_name("清华大学 · 深圳研究生院"), "清华大学深圳研究生院");
  EXPECT_EQ(normalise_org_name("“China Mobile”, Ltd."), "chinamobileltd");
  EXPECT_EQ(normalise_org_name("北京大学、"), "北京大学");
  EXPECT_EQ(normalise_org_name(" \t"), "");
}

TEST(OrgNames, DifferentNamesStayDifferent) {
  EXPECT_NE(normalise_org_name("Peking University"), normalise_org_name("Tsinghua University"));
  EXPECT_NE(normalise_org_name("清华大学"), normalise_org_name("Tsinghua University"));  // not a translation
}

TEST(EmailDomains, LowerCasedAfterTheLastAt) {
  EXPECT_EQ(email_domain("Li.Hua@Tsinghua.EDU.cn"), "tsinghua.edu.cn");
  EXPECT_EQ(email_domain("no-at-sign"), "");
  EXPECT_TRUE(public_mail_domain("qq.com"));
  EXPECT_TRUE(public_mail_domain("gmail.com"));
  EXPECT_FALSE(public_mail_domain("tsinghua.edu.cn"));
}

ExpertFacts expert() { return {{"Peking University", "北京大学"}, "wang@pku.edu.cn", {"u-pku"}}; }

TEST(DetectConflicts, TheSameOrganisationInEitherLanguage) {
  EntryFacts e{{"北京大学", "华为技术有限公司"}, "li@huawei.com", {}};
  EXPECT_EQ(detect_conflicts(expert(), e, {}), (std::vector<std::string>{"organisation"}));
  EntryFacts en{{"Huawei", "peking  university"}, "li@huawei.com", {}};
  EXPECT_EQ(detect_conflicts(expert(), en, {}), (std::vector<std::string>{"organisation"}));
}

TEST(DetectConflicts, TheSameMailDomainButNotAPublicProvider) {
  EntryFacts e{{"Other Org"}, "zhang@PKU.edu.cn", {}};
  EXPECT_EQ(detect_conflicts(expert(), e, {}), (std::vector<std::string>{"email-domain"}));
  ExpertFacts gmail{{"A"}, "someone@gmail.com", {}};
  EXPECT_TRUE(detect_conflicts(gmail, EntryFacts{{"B"}, "other@gmail.com", {}}, {}).empty());
}

TEST(DetectConflicts, TheSameUnitChainWhenTheRuleIsOn) {
  EntryFacts e{{"Other Org"}, "x@other.org.cn", {"u-pku", "u-moe"}};
  EXPECT_EQ(detect_conflicts(expert(), e, {}), (std::vector<std::string>{"unit"}));
  EXPECT_TRUE(detect_conflicts(expert(), e, ConflictRules{false}).empty());
}

TEST(DetectConflicts, NoneForStrangersAndAllThreeInOrder) {
  EXPECT_TRUE(detect_conflicts(expert(), EntryFacts{{"Fudan University"}, "a@fudan.edu.cn", {"u-sh"}}, {}).empty());
  EntryFacts all{{"北京大学"}, "a@pku.edu.cn", {"u-pku"}};
  EXPECT_EQ(detect_conflicts(expert(), all, {}), (std::vector<std::string>{"organisation", "email-domain", "unit"}));
}

}  // namespace
}  // namespace laurel
