#pragma once
/// \file
/// The SQLite store: the reference backend, a single database file (DESIGN.md, "Storage
/// semantics"). Pass it to loyalty::Engine as make_memory_store() is passed.

#include <cstdint>
#include <memory>
#include <string>

namespace loyalty {

namespace store {
class Store;  // the storage interface (src/store/store.hpp)
}

/// How a SQLite store commits. Events share a database transaction, committed when either
/// limit is reached and on Store::flush(): an event is durable once its batch is. An event
/// whose write fails rolls back alone; the batch's other events stay.
struct SqliteOptions {
  /// Events a database transaction holds at most; 1 makes every event durable at once (and
  /// syncs each commit to disk). 0 is taken as 1.
  std::uint32_t commit_every_events = 1000;
  /// Milliseconds a database transaction stays open at most, checked when an event commits.
  std::uint32_t commit_every_ms = 200;
  /// How long to wait for another process's write lock before failing with StoreError.
  std::uint32_t busy_timeout_ms = 5000;
};

/// Opens the SQLite database at `path` as a store, creating it (and its schema) when it does
/// not exist, and upgrading the schema of an older file in place. Throws StoreError when the
/// file is not a loyalty database, was written by a newer loyalty, or cannot be opened.
///
/// While the store has a batch open it holds the database's write lock: other processes can
/// read, and their writes wait (up to their busy_timeout_ms) for the batch to commit.
std::shared_ptr<store::Store> open_sqlite_store(const std::string& path,
                                                const SqliteOptions& options = {});

/// Copies the database of `store` (first committing its batch) to `destination`, replacing
/// that file: an online backup, taken in steps while other processes go on writing. Throws
/// StoreError when `store` is not a SQLite store or the copy fails.
void backup_sqlite_store(store::Store& store, const std::string& destination);

}  // namespace loyalty
