// The two migration trees, migrations/sqlite/ and migrations/postgres/, describe one schema: every
// migration exists in both under the same name, and a pair of files differs only where the two SQL
// dialects must (the substitutions listed below). A new difference anywhere else fails here, naming
// the file and the first token that differs: change both trees, or list the substitution with its
// reason. Comments and layout are not compared. Runs from the repository root (ctest sets it).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Token {
  std::string text;
  int line = 0;
};

// SQL tokens: words, numbers, quoted strings and identifiers (quotes kept), and punctuation
// ("::", "<=", ">=", "<>", "!=", "||" as one). `--` and `/* */` comments are dropped.
std::vector<Token> tokenise(const std::string& sql) {
  std::vector<Token> out;
  int line = 1;
  size_t i = 0, n = sql.size();
  auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < n) {
    char c = sql[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      while (i < n && sql[i] != '\n') ++i;
    } else if (sql.compare(i, 2, "/*") == 0) {
      size_t end = sql.find("*/", i + 2);
      end = end == std::string::npos ? n : end + 2;
      for (size_t k = i; k < end; ++k) line += sql[k] == '\n';
      i = end;
    } else if (c == '\'' || c == '"') {
      size_t start = i++;
      int start_line = line;
      while (i < n) {
        if (sql[i] == '\n') ++line;
        if (sql[i] == c) {
          if (i + 1 < n && sql[i + 1] == c) {  // '' inside a string
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        ++i;
      }
      out.push_back({sql.substr(start, i - start), start_line});
    } else if (word_char(c)) {
      size_t start = i;
      while (i < n && word_char(sql[i])) ++i;
      out.push_back({sql.substr(start, i - start), line});
    } else {
      static const char* const pairs[] = {"::", "<=", ">=", "<>", "!=", "||"};
      size_t len = 1;
      for (const char* p : pairs)
        if (sql.compare(i, 2, p) == 0) len = 2;
      out.push_back({sql.substr(i, len), line});
      i += len;
    }
  }
  return out;
}

// The only places where the two trees may differ: a run of SQLite tokens that the PostgreSQL file
// spells as another run. Tried in order, before tokens are compared, so a longer run that starts
// like a shorter one comes first. Add a row only with its reason; every row must be in use (a
// test below checks), so the list says exactly where the dialects part.
struct Substitution {
  std::vector<std::string> sqlite, postgres;
};
const std::vector<Substitution>& dialect_substitutions() {
  static const std::vector<Substitution> list{
      // An auto-numbered 64-bit key whose numbers are never reused, even after the last row is
      // deleted (audit_log: ids keep increasing). SQLite needs AUTOINCREMENT for that; a
      // PostgreSQL sequence never goes back.
      {{"INTEGER", "PRIMARY", "KEY", "AUTOINCREMENT"}, {"BIGSERIAL", "PRIMARY", "KEY"}},
      // An auto-numbered 64-bit key (jobs): in SQLite, INTEGER PRIMARY KEY is the rowid.
      {{"INTEGER", "PRIMARY", "KEY"}, {"BIGSERIAL", "PRIMARY", "KEY"}},
  };
  return list;
}

bool run_at(const std::vector<Token>& t, size_t at, const std::vector<std::string>& run) {
  if (at + run.size() > t.size()) return false;
  for (size_t k = 0; k < run.size(); ++k)
    if (t[at + k].text != run[k]) return false;
  return true;
}

// nullopt when the two files differ only by listed substitutions; otherwise where they first part.
// `used` collects the indexes of the substitutions applied.
std::optional<std::string> first_difference(const std::string& name, const std::string& sqlite_sql,
                                            const std::string& postgres_sql, std::set<size_t>* used = nullptr) {
  auto a = tokenise(sqlite_sql), b = tokenise(postgres_sql);
  const auto& subs = dialect_substitutions();
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool substituted = false;
    for (size_t s = 0; s < subs.size() && !substituted; ++s)
      if (run_at(a, i, subs[s].sqlite) && run_at(b, j, subs[s].postgres)) {
        i += subs[s].sqlite.size();
        j += subs[s].postgres.size();
        if (used) used->insert(s);
        substituted = true;
      }
    if (substituted) continue;
    if (a[i].text != b[j].text) {
      std::ostringstream m;
      m << name << ": first differing token: `" << a[i].text << "` (migrations/sqlite/" << name << " line "
        << a[i].line << ") against `" << b[j].text << "` (migrations/postgres/" << name << " line " << b[j].line
        << "), not a listed dialect substitution";
      return m.str();
    }
    ++i;
    ++j;
  }
  if (i < a.size() || j < b.size()) {
    bool sqlite_longer = i < a.size();
    const Token& t = sqlite_longer ? a[i] : b[j];
    std::ostringstream m;
    m << name << ": first differing token: `" << t.text << "` (migrations/" << (sqlite_longer ? "sqlite/" : "postgres/")
      << name << " line " << t.line << ") where the " << (sqlite_longer ? "postgres" : "sqlite") << " file has ended";
    return m.str();
  }
  return std::nullopt;
}

std::set<std::string> sql_files(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".sql") out.insert(e.path().filename().string());
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kSqlite = "migrations/sqlite", kPostgres = "migrations/postgres";

TEST(Migrations, EveryMigrationExistsInBothTrees) {
  ASSERT_TRUE(fs::is_directory(kSqlite) && fs::is_directory(kPostgres))
      << "run from the repository root (cwd " << fs::current_path() << ")";
  auto sqlite = sql_files(kSqlite), postgres = sql_files(kPostgres);
  EXPECT_FALSE(sqlite.empty());
  for (const auto& f : sqlite) EXPECT_TRUE(postgres.count(f)) << "migrations/postgres/" << f << " is missing";
  for (const auto& f : postgres) EXPECT_TRUE(sqlite.count(f)) << "migrations/sqlite/" << f << " is missing";
}

TEST(Migrations, TheTreesDifferOnlyInListedDialectSubstitutions) {
  ASSERT_TRUE(fs::is_directory(kSqlite) && fs::is_directory(kPostgres))
      << "run from the repository root (cwd " << fs::current_path() << ")";
  std::set<size_t> used;
  int pairs = 0;
  for (const auto& f : sql_files(kSqlite)) {
    if (!fs::exists(kPostgres / f)) continue;  // reported by EveryMigrationExistsInBothTrees
    ++pairs;
    auto diff = first_difference(f, read_file(kSqlite / f), read_file(kPostgres / f), &used);
    EXPECT_FALSE(diff) << *diff;
  }
  EXPECT_GT(pairs, 0);
  const auto& subs = dialect_substitutions();
  for (size_t s = 0; s < subs.size(); ++s)
    EXPECT_TRUE(used.count(s)) << "dialect substitution #" << s << " (" << subs[s].sqlite.front() << " … → "
                               << subs[s].postgres.front() << " …) is used by no migration: remove it";
}

// The checker itself: a listed substitution passes, comments and layout do not count, and any
// other difference is reported with the file and the first differing token.
TEST(Migrations, CheckerAcceptsListedSubstitutionsAndNamesAnyOtherDifference) {
  EXPECT_FALSE(first_difference("x.sql", "CREATE TABLE t (\n  id INTEGER PRIMARY KEY AUTOINCREMENT, at BIGINT);",
                                "-- PostgreSQL\nCREATE TABLE t (id BIGSERIAL PRIMARY KEY,\n at BIGINT);"));
  EXPECT_FALSE(first_difference("x.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT DEFAULT 'a''b');",
                                "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, s TEXT DEFAULT 'a''b'); /* note */"));

  auto blob = first_difference("0009_x.sql", "CREATE TABLE t (\n  data BLOB\n);", "CREATE TABLE t (\n  data BYTEA\n);");
  ASSERT_TRUE(blob);
  EXPECT_NE(blob->find("0009_x.sql"), std::string::npos) << *blob;
  EXPECT_NE(blob->find("`BLOB`"), std::string::npos) << *blob;
  EXPECT_NE(blob->find("`BYTEA`"), std::string::npos) << *blob;
  EXPECT_NE(blob->find("line 2"), std::string::npos) << *blob;

  auto times = first_difference("x.sql", "CREATE TABLE t (at BIGINT);", "CREATE TABLE t (at INTEGER);");
  ASSERT_TRUE(times);
  EXPECT_NE(times->find("`BIGINT`"), std::string::npos) << *times;

  auto literal = first_difference("x.sql", "SELECT 'queued';", "SELECT 'Queued';");
  ASSERT_TRUE(literal);
  EXPECT_NE(literal->find("`'queued'`"), std::string::npos) << *literal;

  auto longer = first_difference("x.sql", "CREATE TABLE t (a TEXT);", "CREATE TABLE t (a TEXT);\nCREATE INDEX i ON t (a);");
  ASSERT_TRUE(longer);
  EXPECT_NE(longer->find("`CREATE` (migrations/postgres/x.sql line 2)"), std::string::npos) << *longer;
}

}  // namespace
