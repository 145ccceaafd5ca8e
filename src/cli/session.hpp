#pragma once
// What the commands that work on a database share: the --db, --rules and --at options, opening
// the database, and an engine on it with the program it keeps.

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "loyalty/engine.hpp"
#include "loyalty/store.hpp"

namespace loyalty::cli {

/// Where a command's database is and which program it runs.
struct Session {
  std::string db = "loyalty.db";
  std::string rules;  // empty: the program stored in the database
  std::string at;     // empty: now

  /// Adds --db (and --rules when `with_rules`) to `sub`.
  void add_options(CLI::App* sub, bool with_rules);
  /// Adds --at TIME to `sub`.
  void add_at(CLI::App* sub);

  /// The database, which must exist (a command reading it): IoError otherwise.
  [[nodiscard]] std::shared_ptr<store::Store> open_existing(const SqliteOptions& options = {}) const;
  /// The database, created when missing (`run`).
  [[nodiscard]] std::shared_ptr<store::Store> open_or_create(const SqliteOptions& options = {}) const;
  /// An engine on `store` running --rules when given (a new program version when it differs
  /// from the stored one), else the stored program.
  [[nodiscard]] std::unique_ptr<Engine> engine(std::shared_ptr<store::Store> store) const;
  /// --at, or now (whole seconds, UTC).
  [[nodiscard]] Instant when() const;
};

}  // namespace loyalty::cli
