// Shared by the unit tests: reference data, files, and readable errors.
#pragma once
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.h"
#include "infra/countries.h"
#include "infra/crypto.h"
#include "infra/resources.h"
#include "service/accounts.h"
#include "service/calls.h"
#include "service/env.h"
#include "service/materials.h"
#include "service/processing.h"
#include "service/uploads.h"
#include "service/entries.h"
#include "core/material.h"
#include "infra/file_store.h"
#include "store/db.h"

namespace laurel {

inline const Countries& countries() {
  static const Countries c = Countries::load();
  return c;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string describe(const Error& e) {
  std::string out = std::string(api_code(e.code)) + " (" + e.message.key + ")";
  for (const auto& [k, v] : e.message.params) out += " " + k + "=" + v;
  for (const auto& [k, m] : e.fields) out += " [" + k + ": " + m.key + "]";
  return out;
}

inline std::vector<std::string> common_passwords() { return resources::common_passwords(); }

// A temporary SQLite database with the WIC 2025 calls loaded, one university applicant
// (actor_) and a clock the test sets (now_, at first 2025-05-01 09:00 Beijing time).
class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::init();
    spdlog::set_level(spdlog::level::warn);
    char tmpl[] = "/tmp/laurel-unit-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    db_ = store::open_database("sqlite:" + dir_ + "/t.db");
    store::migrate(*db_);
    env_ = std::make_unique<service::Env>(service::Env{*db_, countries(), {"password123"}});
    files_ = std::make_unique<infra::FileStore>(dir_ + "/files");
    env_->files = files_.get();
    env_->clock = [this] { return now_; };
    now_ = *parse_local_datetime("2025-05-01 09:00", "Asia/Shanghai");
    auto loaded = service::load_calls(*env_, read_text("calls/wic-2025.toml"), "", "calls/wic-2025.toml");
    ASSERT_TRUE(loaded.ok()) << describe(loaded.error());
    service::Registration r{"applicant@example.edu", "Correct-Horse-42", "Li Lei", "+86 10 6278 5001",
                            "清华大学", "Tsinghua University", "university", "CN", false};
    auto account = service::register_account(*env_, r);
    ASSERT_TRUE(account.ok()) << describe(account.error());
    actor_ = make_actor(account->id, account->email, "applicant", "university");
  }
  // Uploads `bytes` as a material of the entry through the service (create, write, commit); the
  // material's id. Throws on any refusal.
  std::string attach(const std::string& submission_id, const std::string& kind, const std::string& bytes,
                     const std::string& filename) {
    auto u = service::create_upload(*env_, actor_, {submission_id, kind, filename, (long long)bytes.size()});
    if (!u) throw std::runtime_error("create_upload: " + describe(u.error()));
    auto w = service::UploadWriter::open(*env_, actor_, u->id, 0, true);
    if (!w) throw std::runtime_error("open: " + describe(w.error()));
    if (auto st = (*w)->write(bytes); !st) throw std::runtime_error("write: " + describe(st.error()));
    auto done = (*w)->commit();
    if (!done) throw std::runtime_error("commit: " + describe(done.error()));
    return done->material_id;
  }
  // One file of each kind the entry's call requires for its category.
  void attach_required(const std::string& submission_id) {
    auto s = service::get_entry(*env_, actor_, submission_id);
    if (!s) throw std::runtime_error("get_entry: " + describe(s.error()));
    auto call = service::find_call(*env_, s->call);
    if (!call) throw std::runtime_error("find_call: " + describe(call.error()));
    for (const auto* rule : material_rules(*call, s->category))
      for (int i = 0; i < rule->min; ++i) attach(submission_id, rule->kind, sample_file(rule->kind), "sample");
  }
  // Bytes libmagic takes for the kind (a minimal PDF, PNG, MP4 or MP3 header).
  static std::string sample_file(const std::string& kind) {
    if (kind == "image")
      return std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90\x77\x53\xde", 33);
    if (kind == "video") return std::string("\0\0\0\x18" "ftypmp42\0\0\0\0mp42isom\0\0\0\x08free", 32);
    if (kind == "audio") return std::string("ID3\x03\0\0\0\0\0\0", 10) + std::string(64, '\0');
    return "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
  }

  void TearDown() override {
    env_.reset();
    db_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<infra::FileStore> files_;
  std::unique_ptr<service::Env> env_;
  Instant now_{};
  Actor actor_;
};

}  // namespace laurel
