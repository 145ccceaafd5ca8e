#include "cli/session.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "loyalty/program.hpp"

namespace loyalty::cli {

void Session::add_options(CLI::App* sub, bool with_rules) {
  sub->add_option("--db", db, "The SQLite database")->capture_default_str();
  if (with_rules) {
    sub->add_option("--rules", rules,
                    "A program to run instead of the one stored in the database (it becomes "
                    "the database's next program version)")
        ->check(CLI::ExistingFile);
  }
}

void Session::add_at(CLI::App* sub) {
  sub->add_option("--at", at, "The time to judge balances and expiry at (RFC 3339; default now)");
}

std::shared_ptr<store::Store> Session::open_existing(const SqliteOptions& options) const {
  if (!std::filesystem::exists(db)) {
    throw IoError(fmt::format("no database at '{}' (create one with `loyalty run RULES EVENTS`)",
                              db));
  }
  return open_sqlite_store(db, options);
}

std::shared_ptr<store::Store> Session::open_or_create(const SqliteOptions& options) const {
  return open_sqlite_store(db, options);
}

std::unique_ptr<Engine> Session::engine(std::shared_ptr<store::Store> store) const {
  if (rules.empty()) return std::make_unique<Engine>(std::move(store));
  return std::make_unique<Engine>(compile_file(rules), std::move(store));
}

Instant Session::when() const {
  if (!at.empty()) return Instant::parse(at);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return Instant::from_seconds(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

}  // namespace loyalty::cli
