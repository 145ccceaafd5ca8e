#pragma once
// The SQLite store's schema and its migrations. Each migration upgrades a file in place to
// its version (PRAGMA user_version); a file newer than the last migration is refused.

#include <cstdint>
#include <span>

#include "store/sqlite/database.hpp"

namespace loyalty::store::sqlite {

/// One step of the schema's history: constant SQL that upgrades version - 1 to `version`.
struct Migration {
  std::uint32_t version = 0;
  const char* sql = nullptr;
};

/// The migrations this build ships, oldest first (version 1 creates the schema).
std::span<const Migration> migrations();

/// Brings the file to the last version of `list` (ascending from 1), in one transaction.
/// Throws StoreError for a file of a newer version, or one that is not a loyalty database.
void migrate(Database& db, std::span<const Migration> list);

}  // namespace loyalty::store::sqlite
