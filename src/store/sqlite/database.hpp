#pragma once
// A thin layer over the SQLite C API: a connection and its prepared statements, every failure
// turned into a StoreError that names the database file and SQLite's own message. Values only
// ever reach SQL through bind(): no SQL text is built from data.

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace loyalty::store::sqlite {

/// One connection to a database file.
class Database {
 public:
  /// Opens (creating when `create`) the file at `path`; waits up to `busy_timeout_ms` for a
  /// lock another connection holds.
  Database(const std::string& path, bool create, std::uint32_t busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::uint32_t busy_timeout_ms() const noexcept { return busy_timeout_ms_; }

  /// Runs constant SQL (pragmas, schema), which may hold several statements.
  void exec(const char* sql);
  /// Rolls back the open transaction, if any (for cleaning up after a failure).
  void rollback() noexcept;

  /// Throws the StoreError for SQLite result `code` while doing `what`.
  [[noreturn]] void fail(int code, std::string_view what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::uint32_t busy_timeout_ms_ = 0;
};

/// A prepared statement, kept for the connection's life. Bind every parameter before each
/// step(): text and blobs are bound without a copy, so they must outlive the step.
class Statement {
 public:
  Statement(Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQL.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  /// Steps once: true when a row is ready to read. On an error the statement is reset and
  /// the StoreError thrown.
  bool step();
  /// Steps a statement that returns no rows to completion, then resets it.
  void run();
  /// Makes the statement ready for the next use (and ends its read of the database).
  void reset() noexcept;

  // The columns of the current row, numbered from 0. Views are valid until the next step.
  [[nodiscard]] std::int64_t integer(int column) const noexcept;
  [[nodiscard]] std::string_view text(int column) const noexcept;
  [[nodiscard]] std::string_view blob(int column) const noexcept;
  [[nodiscard]] bool is_null(int column) const noexcept;

 private:
  Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
  const char* sql_;
};

/// Resets a statement when a query over it ends, however it ends.
class Query {
 public:
  explicit Query(Statement& statement) noexcept : statement_(statement) {}
  ~Query() { statement_.reset(); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  /// The next row, or false when there is none.
  bool next() { return statement_.step(); }
  Statement* operator->() const noexcept { return &statement_; }

 private:
  Statement& statement_;
};

}  // namespace loyalty::store::sqlite
