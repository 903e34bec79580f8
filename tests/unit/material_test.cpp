// Materials: the call's rules (core/material.h, call files), file names, sizes, the tus headers
// and byte ranges (http/tus.h, http/content.h), and uploads through the service against a real
// SQLite database and file store (service/materials.h).
#include <gtest/gtest.h>
#include <sodium.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/call_file.h"
#include "core/material.h"
#include "http/content.h"
#include "http/tus.h"
#include "service/jobs.h"
#include "service/materials.h"
#include "service/processing.h"
#include "service/uploads.h"
#include "service/entries.h"
#include "support.h"

namespace laurel {
namespace {

const std::string kCall = R"toml([[call]]
slug = "mini-2025"
receipt_prefix = "MN25"
kind = "award"
time_zone = "Asia/Shanghai"
deadline = "2025-06-18 24:00"
opens = "2025-03-04 00:00"
title = { zh = "小奖", en = "Mini award" }
applicant_types = ["university", "enterprise"]
fields = ["title", "summary", "criteria", "organizations"]
max_entry_size = "100 MiB"

[[call.stage]]
slug = "application"
title = { zh = "申报", en = "Application" }
starts = "2025-03-01"
ends = "2025-06-18"

[[call.category]]
slug = "basic-research"
code = "BR"
title = { zh = "基础研究", en = "Basic research" }

[[call.category.criterion]]
slug = "originality"
title = { zh = "原创", en = "Originality" }

[[call.category]]
slug = "key-tech"
code = "KT"
title = { zh = "关键技术", en = "Key technology" }

[[call.category.criterion]]
slug = "originality"
title = { zh = "原创", en = "Originality" }

[[call.material]]
kind = "document"
label = { zh = "证明材料", en = "Supporting documents" }
required = true
min = 1
max = 2
max_size = "50 MiB"

[[call.material]]
kind = "video"
label = { zh = "视频", en = "Video" }
max = 1
max_size = "2 GiB"
categories = ["key-tech"]
)toml";

std::string errors_of(const CallFileResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += "\n  " + e.to_string();
  return out.empty() ? "(no errors)" : out;
}

TEST(MaterialRules, AreReadFromTheCallFileWithSizesAndCategories) {
  auto r = parse_call_file(kCall);
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  const Call& c = r.calls.at(0);
  EXPECT_EQ(c.max_entry_bytes, 100LL << 20);
  ASSERT_EQ(c.materials.size(), 2u);
  EXPECT_EQ(c.materials[0].max_size, 50LL << 20);
  EXPECT_TRUE(c.materials[0].required);
  EXPECT_EQ(c.materials[1].max_size, 2LL << 30);
  EXPECT_EQ(material_rules(c, "basic-research").size(), 1u);
  EXPECT_EQ(material_rules(c, "key-tech").size(), 2u);
  EXPECT_EQ(material_rule(c, "basic-research", "video"), nullptr);
  EXPECT_EQ(largest_material(c), 2LL << 30);
}

TEST(MaterialRules, SurviveTheStoredJsonRoundTrip) {
  auto r = parse_call_file(kCall);
  ASSERT_TRUE(r.errors.empty());
  auto back = call_from_json(to_json(r.calls[0]));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->materials.size(), 2u);
  EXPECT_EQ(back->materials[1].categories, std::vector<std::string>{"key-tech"});
  EXPECT_EQ(back->materials[0].label.en, "Supporting documents");
  EXPECT_EQ(back->max_entry_bytes, 100LL << 20);
}

TEST(MaterialRules, BrokenRulesAreRejectedWithTheirLine) {
  struct Case {
    std::string add, mention;
  } cases[] = {
      {"[[call.material]]\nkind = \"hologram\"\nlabel = { zh = \"x\", en = \"x\" }\nmax_size = \"1 MiB\"\n", "kind must be one of"},
      {"[[call.material]]\nkind = \"audio\"\nlabel = { zh = \"x\", en = \"x\" }\nmax_size = \"lots\"\n", "max_size"},
      {"[[call.material]]\nkind = \"audio\"\nlabel = { zh = \"x\", en = \"x\" }\nmax_size = \"1 MiB\"\ncategories = [\"nope\"]\n", "unknown category"},
      {"[[call.material]]\nkind = \"document\"\nlabel = { zh = \"x\", en = \"x\" }\nmax_size = \"1 MiB\"\n", "two rules for document"},
      {"[[call.material]]\nkind = \"audio\"\nlabel = { zh = \"x\", en = \"x\" }\nmax_size = \"1 MiB\"\nmin = 2\n", "min > 0 means required"},
      {"[[call.material]]\nkind = \"audio\"\nlabel = { zh = \"x\", en = \"x\" }\nmax_size = \"1 MiB\"\nrequired = true\nmin = 3\nmax = 2\n", "max must be"},
  };
  for (const auto& k : cases) {
    auto r = parse_call_file(kCall + "\n" + k.add);
    ASSERT_FALSE(r.errors.empty()) << k.add;
    EXPECT_NE(errors_of(r).find(k.mention), std::string::npos) << errors_of(r);
    EXPECT_GT(r.errors[0].line, 50) << errors_of(r);
    EXPECT_TRUE(r.calls.empty());
  }
}

TEST(MaterialRules, TheWicCallsAskForDocumentsAndForImagesAndVideo) {
  auto r = parse_call_file(read_text("calls/wic-2025.toml"));
  ASSERT_TRUE(r.errors.empty()) << errors_of(r);
  for (const auto& c : r.calls) {
    std::map<std::string, int> none;
    auto p = material_problems(c, c.categories[0].slug, none);
    if (c.slug == "leading-tech-2025") {
      EXPECT_EQ(p.size(), 1u);
      EXPECT_TRUE(p.count("materials.document"));
    } else {
      EXPECT_EQ(p.size(), 2u);
      EXPECT_TRUE(p.count("materials.image"));
      EXPECT_TRUE(p.count("materials.video"));
    }
  }
}

TEST(MaterialProblems, NameEachKindThatIsShortOverOrNotAsked) {
  auto r = parse_call_file(kCall);
  const Call& c = r.calls.at(0);
  EXPECT_TRUE(material_problems(c, "key-tech", {{"document", 1}}).empty());
  auto p = material_problems(c, "basic-research", {{"document", 3}, {"video", 1}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.at("materials.document").key, "material.too_many");
  EXPECT_EQ(p.at("materials.video").key, "material.kind_not_asked");
  EXPECT_EQ(material_problems(c, "key-tech", {}).at("materials.document").params.at("min"), "1");
}

TEST(Sizes, AreParsedAndFormattedInBinaryUnits) {
  EXPECT_EQ(parse_size("20 MiB"), 20LL << 20);
  EXPECT_EQ(parse_size("2GiB"), 2LL << 30);
  EXPECT_EQ(parse_size("1.5 MiB"), 3LL << 19);
  EXPECT_EQ(parse_size("500 KB"), 500000);
  EXPECT_EQ(parse_size("1048576"), 1048576);
  EXPECT_FALSE(parse_size("MiB"));
  EXPECT_FALSE(parse_size("5 parsecs"));
  EXPECT_FALSE(parse_size("1.2.3 MiB"));
  EXPECT_EQ(format_size(50LL << 20), "50 MiB");
  EXPECT_EQ(format_size(2LL << 30), "2 GiB");
  EXPECT_EQ(format_size(1536 << 10), "1.5 MiB");
  EXPECT_EQ(format_size(12), "12 B");
}

TEST(FileNames, KeepOnlyTheLastComponentWithoutControlCharacters) {
  EXPECT_EQ(safe_filename("../../etc/passwd"), "passwd");
  EXPECT_EQ(safe_filename("C:\\Users\\li\\报告.pdf"), "报告.pdf");
  EXPECT_EQ(safe_filename("a\nb\r\tc.png"), "a b c.png");
  EXPECT_EQ(safe_filename("..."), "file");
  EXPECT_EQ(safe_filename(""), "file");
  EXPECT_EQ(safe_filename(".hidden"), "hidden");
  EXPECT_EQ(safe_filename("say \"hi\".txt"), "say _hi_.txt");
  EXPECT_EQ(safe_filename("evil\xE2\x80\xAEgpj.exe"), "evilgpj.exe");  // no right-to-left override
  EXPECT_EQ(safe_filename("bad\xFFutf8.pdf"), "bad");                   // cut at the invalid byte
  std::string long_name(300, 'x');
  auto s = safe_filename(long_name + ".pdf");
  EXPECT_LE(s.size(), 200u);
  EXPECT_EQ(s.substr(s.size() - 4), ".pdf");
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "案";
  auto c = safe_filename(cjk + ".png");
  EXPECT_LE(c.size(), 200u);
  EXPECT_EQ((c.size() - 4) % 3, 0u);  // never half a character
}

TEST(Types, AreAcceptedPerKindOnly) {
  EXPECT_TRUE(type_accepted("document", "application/pdf"));
  EXPECT_TRUE(type_accepted("image", "image/webp"));
  EXPECT_TRUE(type_accepted("video", "video/quicktime"));
  EXPECT_FALSE(type_accepted("image", "application/pdf"));
  EXPECT_FALSE(type_accepted("document", "text/html"));
  EXPECT_FALSE(type_accepted("video", "image/png"));
  EXPECT_EQ(accepted_formats("image"), "JPEG, PNG, WebP, GIF");
}

// ---- tus headers ----

TEST(TusMetadata, DecodesBase64ValuesAndRefusesMalformedOnes) {
  auto m = http::tus::parse_metadata("submission YWJj,kind dmlkZW8=,filename 5qGI5L6LLm1wNA==,flag");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("submission"), "abc");
  EXPECT_EQ(m->at("kind"), "video");
  EXPECT_EQ(m->at("filename"), "案例.mp4");
  EXPECT_EQ(m->at("flag"), "");
  EXPECT_FALSE(http::tus::parse_metadata("a YWJj,a YWJj"));  // repeated key
  EXPECT_FALSE(http::tus::parse_metadata("a !!!"));          // not base64
  EXPECT_FALSE(http::tus::parse_metadata("a YWJj,,b YWJj"));
  EXPECT_TRUE(http::tus::parse_metadata("")->empty());
  auto round = http::tus::parse_metadata(http::tus::encode_metadata({{"filename", "报告 v2.pdf"}, {"kind", "document"}}));
  ASSERT_TRUE(round);
  EXPECT_EQ(round->at("filename"), "报告 v2.pdf");
}

TEST(TusChecksum, ParsesSha1AndSha256AndKnowsTheOthersAreUnsupported) {
  http::tus::Checksum c;
  // sha256("hello") and sha1("hello"), base64
  EXPECT_EQ(http::tus::parse_checksum("sha256 LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", c), http::tus::ChecksumParse::ok);
  EXPECT_EQ(c.algorithm, "sha256");
  http::tus::Digest d("sha256");
  d.update("hel");
  d.update("lo");
  EXPECT_EQ(d.final(), c.digest);
  EXPECT_EQ(http::tus::parse_checksum("sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00=", c), http::tus::ChecksumParse::ok);
  http::tus::Digest d1("sha1");
  d1.update("hello");
  EXPECT_EQ(d1.final(), c.digest);
  EXPECT_EQ(http::tus::parse_checksum("md5 XUFAKrxLKna5cZ2REBfFkg==", c), http::tus::ChecksumParse::unsupported);
  EXPECT_EQ(http::tus::parse_checksum("sha256", c), http::tus::ChecksumParse::malformed);
  EXPECT_EQ(http::tus::parse_checksum("sha256 qvTGHdzF6KLavt4PO0gs2a6pQ00=", c), http::tus::ChecksumParse::malformed);
}

TEST(TusOffsets, AreNonNegativeDecimalNumbers) {
  EXPECT_EQ(http::tus::parse_offset("0"), 0);
  EXPECT_EQ(http::tus::parse_offset(" 1048576 "), 1048576);
  EXPECT_FALSE(http::tus::parse_offset("-1"));
  EXPECT_FALSE(http::tus::parse_offset("1e6"));
  EXPECT_FALSE(http::tus::parse_offset(""));
  EXPECT_FALSE(http::tus::parse_offset("99999999999999999999"));
}

TEST(Ranges, ServeOneRangeOrTheWholeFile) {
  http::ByteRange r;
  EXPECT_EQ(http::parse_range("bytes=0-9", 100, r), http::RangeKind::partial);
  EXPECT_EQ(r.first, 0);
  EXPECT_EQ(r.last, 9);
  EXPECT_EQ(http::parse_range("bytes=90-", 100, r), http::RangeKind::partial);
  EXPECT_EQ(r.length(), 10);
  EXPECT_EQ(http::parse_range("bytes=-5", 100, r), http::RangeKind::partial);
  EXPECT_EQ(r.first, 95);
  EXPECT_EQ(http::parse_range("bytes=50-500", 100, r), http::RangeKind::partial);
  EXPECT_EQ(r.last, 99);
  EXPECT_EQ(http::parse_range("bytes=100-", 100, r), http::RangeKind::unsatisfiable);
  EXPECT_EQ(http::parse_range("bytes=-0", 100, r), http::RangeKind::unsatisfiable);
  EXPECT_EQ(http::parse_range("", 100, r), http::RangeKind::whole);
  EXPECT_EQ(http::parse_range("bytes=0-1,5-6", 100, r), http::RangeKind::whole);
  EXPECT_EQ(http::parse_range("bytes=9-3", 100, r), http::RangeKind::whole);
  EXPECT_EQ(http::parse_range("lines=1-2", 100, r), http::RangeKind::whole);
}

TEST(ContentDisposition, CarriesAnAsciiFallbackAndTheUtf8Name) {
  EXPECT_EQ(http::content_disposition(true, "a b.png"), "inline; filename=\"a b.png\"; filename*=UTF-8''a%20b.png");
  EXPECT_EQ(http::content_disposition(false, "报告.pdf"),
            "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf");
  auto q = http::content_disposition(false, "x\"y\\z.pdf");
  EXPECT_EQ(q.find("\"x\"y"), std::string::npos);
}

// ---- uploads through the service ----

class UploadServiceTest : public ServiceTest {
 protected:
  std::string case_entry() {
    auto s = service::create_entry(*env_, actor_, "practice-cases-2025", "network-infrastructure", nlohmann::json::object());
    if (!s) throw std::runtime_error(describe(s.error()));
    return s->id;
  }
  Upload create(const std::string& entry, const std::string& kind, long long length) {
    auto u = service::create_upload(*env_, actor_, {entry, kind, "x.bin", length});
    if (!u) throw std::runtime_error(describe(u.error()));
    return *u;
  }
  static std::string sha256_hex(const std::string& s) { return crypto::sha256_hex(s); }
};

TEST_F(UploadServiceTest, BytesSentInPiecesBecomeOneMaterialWithTheirSha256) {
  std::string entry = case_entry();
  std::string png = sample_file("image") + std::string(5000, 'x');
  auto u = create(entry, "image", (long long)png.size());
  size_t at = 0;
  for (size_t piece : {100u, 2000u, 9999u}) {
    auto w = service::UploadWriter::open(*env_, actor_, u.id, (long long)at, true);
    ASSERT_TRUE(w.ok()) << describe(w.error());
    std::string part = png.substr(at, piece);
    ASSERT_TRUE((*w)->write(part).ok());
    auto c = (*w)->commit();
    ASSERT_TRUE(c.ok()) << describe(c.error());
    at += part.size();
    EXPECT_EQ(c->received, (long long)at);
  }
  auto list = service::entry_materials(*env_, actor_, entry);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].sha256, sha256_hex(png));
  EXPECT_EQ((*list)[0].content_type, "image/png");
  EXPECT_EQ((*list)[0].status, "processing");
  EXPECT_TRUE(files_->has_blob(sha256_hex(png)));
  EXPECT_FALSE(std::filesystem::exists(files_->part_path(u.id)));
}

TEST_F(UploadServiceTest, AWrongOffsetIsRefusedAndAFailedChecksumKeepsNothing) {
  std::string entry = case_entry();
  auto u = create(entry, "video", 1000);
  auto wrong = service::UploadWriter::open(*env_, actor_, u.id, 10, true);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Code::offset_mismatch);
  auto w = service::UploadWriter::open(*env_, actor_, u.id, 0, false);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write(std::string(400, 'a')).ok());
  (*w)->rollback();
  w->reset();
  auto again = service::find_upload(*env_, actor_, u.id);
  EXPECT_EQ(again->received, 0);
  EXPECT_EQ(std::filesystem::file_size(files_->part_path(u.id)), 0u);
}

TEST_F(UploadServiceTest, ACutRequestKeepsWhatArrivedAndTheHashResumesFromTheCheckpoint) {
  std::string entry = case_entry();
  std::string video = sample_file("video") + std::string(20 << 20, 'v');  // past the 8 MiB checkpoints
  auto u = create(entry, "video", (long long)video.size());
  {
    auto w = service::UploadWriter::open(*env_, actor_, u.id, 0, true);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(video.substr(0, 9 << 20)).ok());  // one checkpoint at 8 MiB+
    // the writer is dropped without commit: as when the process is killed
  }
  auto head = service::find_upload(*env_, actor_, u.id);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->received, 9 << 20);  // the checkpoint came when 8 MiB were passed
  auto w = service::UploadWriter::open(*env_, actor_, u.id, head->received, true);
  ASSERT_TRUE(w.ok()) << describe(w.error());
  ASSERT_TRUE((*w)->write(video.substr(size_t(head->received))).ok());
  auto done = (*w)->commit();
  ASSERT_TRUE(done.ok()) << describe(done.error());
  auto m = service::get_material(*env_, actor_, done->material_id);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->sha256, sha256_hex(video));
  EXPECT_EQ(m->size, (long long)video.size());
}

TEST_F(UploadServiceTest, MoreBytesThanDeclaredAreRefused) {
  std::string entry = case_entry();
  auto u = create(entry, "image", 10);
  auto w = service::UploadWriter::open(*env_, actor_, u.id, 0, true);
  ASSERT_TRUE(w.ok());
  auto st = (*w)->write(std::string(11, 'x'));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::too_large);
}

TEST_F(UploadServiceTest, LimitsAreCheckedWhenTheUploadIsCreated) {
  std::string entry = case_entry();
  auto big = service::create_upload(*env_, actor_, {entry, "image", "a.png", (20LL << 20) + 1});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, Code::too_large);
  EXPECT_EQ(big.error().message.params.at("limit"), "20 MiB");
  auto audio = service::create_upload(*env_, actor_, {entry, "audio", "a.mp3", 10});
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.error().code, Code::invalid);
  create(entry, "video", 2LL << 30);
  create(entry, "video", 2LL << 30);
  auto third = service::create_upload(*env_, actor_, {entry, "video", "c.mp4", 1});
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Code::too_large);  // the entry's 4 GiB are reserved
  EXPECT_EQ(third.error().message.key, "error.entry_quota");
  env_->account_quota = 1000;
  auto other = case_entry();
  auto over = service::create_upload(*env_, actor_, {other, "image", "a.png", 1001});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message.key, "error.account_quota");
}

TEST_F(UploadServiceTest, TheCountLimitIncludesUploadsInProgress) {
  std::string entry = case_entry();
  for (int i = 0; i < 3; ++i) create(entry, "video", 10);
  auto fourth = service::create_upload(*env_, actor_, {entry, "video", "d.mp4", 10});
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().code, Code::invalid);
  EXPECT_EQ(fourth.error().message.key, "error.material_too_many");
}

TEST_F(UploadServiceTest, AnotherApplicantSeesNeitherTheUploadNorTheMaterial) {
  std::string entry = case_entry();
  std::string id = attach(entry, "image", sample_file("image"), "a.png");
  service::Registration r{"other@example.edu", "Correct-Horse-43", "Han Meimei", "+86 10 6278 5002",
                          "北京大学", "Peking University", "university", "CN", false};
  auto other = service::register_account(*env_, r);
  ASSERT_TRUE(other.ok());
  Actor them = make_actor(other->id, other->email, "applicant", "university");
  EXPECT_EQ(service::get_material(*env_, them, id).error().code, Code::not_found);
  EXPECT_EQ(service::material_content(*env_, them, id).error().code, Code::not_found);
  EXPECT_EQ(service::remove_material(*env_, them, id).error().code, Code::not_found);
  EXPECT_EQ(service::entry_materials(*env_, them, entry).error().code, Code::not_found);
  auto theirs = service::create_upload(*env_, them, {entry, "image", "x.png", 10});
  EXPECT_EQ(theirs.error().code, Code::not_found);
}

TEST_F(UploadServiceTest, AFileOfAnotherTypeIsRejectedAndItsBytesAreNotKept) {
  std::string entry = case_entry();
  std::string text = "this is not a video at all\n";
  std::string id = attach(entry, "video", text, "movie.mp4");
  auto m = service::get_material(*env_, actor_, id);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, "rejected");
  ASSERT_TRUE(m->error.has_value());
  EXPECT_EQ(m->error->key, "material.wrong_type");
  EXPECT_FALSE(files_->has_blob(sha256_hex(text)));
  auto counts = [&] {
    auto c = db_->acquire();
    return service::material_counts(*c, entry);
  }();
  EXPECT_EQ(counts.count("video"), 0u);  // a rejected file does not count
}

TEST_F(UploadServiceTest, ExpiredUploadsAreGoneAndCleanedWithTheirParts) {
  std::string entry = case_entry();
  auto u = create(entry, "image", 100);
  EXPECT_TRUE(std::filesystem::exists(files_->part_path(u.id)));
  now_ += env_->upload_expiry;
  EXPECT_EQ(service::find_upload(*env_, actor_, u.id).error().code, Code::gone);
  EXPECT_EQ(service::expire_uploads(*env_), 1);
  EXPECT_EQ(service::find_upload(*env_, actor_, u.id).error().code, Code::not_found);
  EXPECT_FALSE(std::filesystem::exists(files_->part_path(u.id)));
}

TEST_F(UploadServiceTest, ASubmittedEntryKeepsItsMaterialsInItsVersions) {
  std::string entry = case_entry();
  auto saved = service::save_entry(*env_, actor_, entry,
                                        {{"title_zh", "跨境光缆"},
                                         {"summary_zh", "连接两国的海底光缆。"},
                                         {"criteria", {{"concept-fit", "a"}, {"international-impact", "b"}, {"inclusiveness", "c"}, {"presentation", "d"}}},
                                         {"organizations", {"China Telecom"}},
                                         {"started_on", "2018-05-01"},
                                         {"countries", {"CN", "KE"}},
                                         {"form", "project"}});
  ASSERT_TRUE(saved.ok()) << describe(saved.error());
  auto refused = service::submit_entry(*env_, actor_, entry);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().fields.count("materials.image"));
  EXPECT_TRUE(refused.error().fields.count("materials.video"));
  std::string image = attach(entry, "image", sample_file("image"), "a.png");
  attach(entry, "video", sample_file("video"), "v.mp4");
  auto s = service::submit_entry(*env_, actor_, entry);
  ASSERT_TRUE(s.ok()) << describe(s.error());
  // The only image of a submitted entry cannot be removed (it would break the rules) ...
  auto st = service::remove_material(*env_, actor_, image);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::invalid);
  // ... a second one can, and the version written then no longer lists it.
  std::string second = attach(entry, "image", sample_file("image") + "2", "b.png");
  ASSERT_TRUE(service::remove_material(*env_, actor_, second).ok());
  auto c = db_->acquire();
  auto rows = c->query("SELECT version, materials FROM submission_versions WHERE submission_id = ? ORDER BY version", {entry});
  ASSERT_GE(rows.size(), 3u);
  auto first = nlohmann::json::parse(rows.front().str(1));
  EXPECT_EQ(first.size(), 2u);  // the image and the video at submit
  auto with_second = nlohmann::json::parse(rows[rows.size() - 2].str(1));
  EXPECT_EQ(with_second.size(), 3u);
  auto last = nlohmann::json::parse(rows.back().str(1));
  EXPECT_EQ(last.size(), 2u);
  // the removed file's bytes stay: an earlier version names them
  EXPECT_TRUE(files_->has_blob(sha256_hex(sample_file("image") + "2")));
}

TEST_F(UploadServiceTest, TheWorkerMakesAThumbnailOfARealImage) {
  if (std::system("command -v vipsthumbnail >/dev/null 2>&1") != 0) GTEST_SKIP() << "vipsthumbnail not installed";
  std::string entry = case_entry();
  std::string png_path = dir_ + "/red.png";
  ASSERT_EQ(std::system(("ffmpeg -v error -f lavfi -i color=c=red:s=320x200 -frames:v 1 -y " + png_path).c_str()), 0);
  std::string png = read_text(png_path);
  std::string id = attach(entry, "image", png, "red.png");
  service::Worker worker(*env_);
  worker.drain();  // the worker's own thread may take the job first, so drain()'s count proves nothing
  auto job_state = [&] {
    auto c = db_->acquire();
    return c->query_one("SELECT state, attempts FROM jobs WHERE kind = 'process_material' AND subject = ?", {id});
  };
  for (int i = 0; i < 100; ++i) {
    auto job = job_state();
    if (job && job->str(0) != "queued" && job->str(0) != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto job = job_state();
  ASSERT_TRUE(job) << "no process_material job for the image";
  EXPECT_EQ(job->str(0), "done");
  EXPECT_EQ(job->num(1), 1);  // done at the first attempt, by drain() or by the worker's thread
  auto m = service::get_material(*env_, actor_, id);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->status, "ready");
  EXPECT_EQ(m->width.value_or(0), 320);
  EXPECT_EQ(m->height.value_or(0), 200);
  ASSERT_FALSE(m->thumbnail.empty());
  auto thumb = service::material_thumbnail(*env_, actor_, id);
  ASSERT_TRUE(thumb.ok());
  auto bytes = read_text(thumb->path);
  ASSERT_GT(bytes.size(), 3u);
  EXPECT_EQ(bytes.substr(0, 3), std::string("\xFF\xD8\xFF"));  // a JPEG
}

}  // namespace
}  // namespace laurel
