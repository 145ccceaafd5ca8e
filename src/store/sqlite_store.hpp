#pragma once
// The SQLite store: the reference backend, one file (schema in sqlite/schema.cpp).
//
// Speed comes from these choices:
// - Members are cached in the process, write-through: an event reads its member from memory
//   and writes it back once, as one blob. The cache is valid while this connection is the only
//   writer; PRAGMA data_version tells when another connection committed, and drops it.
// - One database transaction holds many events (SqliteOptions): each event's writes are
//   buffered in its Transaction and written at commit(), so a rejected event never reaches the
//   file. The batch commits every commit_every_events events or commit_every_ms milliseconds,
//   and on flush().
// - No savepoint per event: the batch opens one savepoint, and keeps what its events wrote (the
//   statements and their values, Redo) in memory. When an event's write fails, the batch goes
//   back to its savepoint and writes the events before it again: the failed event rolls back
//   alone, and the common case pays for a copy of its values, not for SQLite journaling the
//   pages each event touches.
// - Every per-event write lands at the end of a table: what an event changed of a member goes
//   to member_log as a small change record (its fields and the lots it made or changed),
//   merged into members now and then; the entries an event made for a member are one ledger
//   row, chained to the member's row before instead of an index. A batch then writes a few
//   pages, not one per member.
// - Few rows an event: its record (with, for a purchase, what a refund needs of it), one
//   change record and one ledger row a member it changed.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/node_hash_map.h>

#include "loyalty/store.hpp"
#include "store/sqlite/database.hpp"
#include "store/store.hpp"

namespace loyalty::store {

class SqliteTransaction;

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const SqliteOptions& options);
  /// Merges member_log (when no other process is writing) and flushes; errors are swallowed:
  /// call flush() first to see them.
  ~SqliteStore() override;

  /// Starts the batch's database transaction if none is open (waiting up to busy_timeout_ms
  /// for another writer, then throwing StoreError).
  Transaction& begin() override;
  std::vector<std::string> member_ids() override;
  std::optional<std::string> event_outcome(std::string_view id) override;
  std::optional<engine::MemberState> load_member(std::string_view id) override;
  void visit_members(const std::function<void(const engine::MemberState&)>& visit) override;
  Totals totals() override;
  std::vector<OutboxMessage> outbox() override;
  std::optional<Instant> last_tick() override;
  std::vector<StoredProgram> programs() override;
  /// Asks the CPU for the member's cached state, when the cache holds it.
  void prefetch(std::string_view member, std::string_view event, int step) const noexcept override;
  /// Commits the open batch and syncs the write-ahead log: everything committed is durable.
  void flush() override;

  /// Copies the database to `destination` online (backup_sqlite_store()).
  void backup(const std::string& destination);

 private:
  friend class SqliteTransaction;
  struct Statements;
  class ReadScope;

  // What the open batch wrote since its savepoint: each statement run with its values, to run
  // again after the batch goes back to its savepoint.
  class Redo {
   public:
    struct Mark {
      std::size_t ops = 0, values = 0, bytes = 0;
    };
    [[nodiscard]] Mark mark() const noexcept { return {ops_.size(), values_.size(), bytes_.size()}; }
    void truncate(Mark mark) noexcept;
    void clear() noexcept { truncate({}); }
    [[nodiscard]] std::size_t bytes() const noexcept {
      return bytes_.size() + values_.size() * sizeof(Value) + ops_.size() * sizeof(Op);
    }

    enum class Kind : std::uint8_t { integer, text, blob, null };  // of a kept value

    // Binds `statement`'s parameters 1, 2, ... in order, keeping their values, then runs it.
    class Row {
     public:
      Row(Redo& redo, sqlite::Statement& statement);
      Row& integer(std::int64_t value);
      Row& text(std::string_view value);
      Row& blob(std::string_view value);
      Row& null();
      void run();

     private:
      // Keeps the bytes just bound, of `kind` (text or blob), for a replay.
      Row& keep(std::string_view value, Kind kind);
      Redo& redo_;
      sqlite::Statement& statement_;
      int index_ = 0;
    };

    /// Runs every kept statement again, in order.
    void replay();

   private:
    struct Value {
      std::int64_t value = 0;  // the integer, or where the bytes start in bytes_
      std::uint32_t size = 0;
      Kind kind = Kind::null;
    };
    struct Op {
      sqlite::Statement* statement = nullptr;
      std::size_t first = 0;  // its values: values_[first] ..
    };
    std::vector<Op> ops_;
    std::vector<Value> values_;
    std::string bytes_;
  };

  // Lookup by string_view without building a std::string (as the memory store's maps).
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
  };

  // A member as committed, with where it lives in the file.
  struct Cached {
    engine::MemberState state;    // its ledger holds lots and debt, no entries
    std::int64_t key = 0;         // members.key
    std::int64_t last_entry = 0;  // ledger.seq of its latest entries; 0: none
    bool logged = false;          // member_log holds changes of it, not yet merged
  };

  // Where the next rows go; put back when a commit fails halfway.
  struct Counters {
    std::int64_t next_member_key = 1;
    std::int64_t next_entry_seq = 1;
    std::uint64_t log_bytes = 0;  // of the change records in member_log
  };

  void start_batch();
  void end_batch();
  bool undo_event() noexcept;
  [[noreturn]] void lose_batch(std::string_view why);
  void take_over();
  void check_cache();
  void forget_cache() noexcept;
  void merge_log();
  void merge_from_log();
  void sync_log();
  void committed();
  void rolled_back() noexcept;
  [[nodiscard]] bool batch_is_old() const noexcept;
  bool read_member(std::string_view id, Cached& into);
  std::int64_t decode(std::string_view id, std::string_view state, engine::MemberState& into) const;
  std::int64_t apply(std::string_view id, std::string_view changes,
                     engine::MemberState& into) const;
  void load_all_members();
  std::vector<engine::LedgerEntry> read_entries(std::int64_t last_entry);
  std::int64_t budget(std::string_view rule);

  SqliteOptions options_;
  sqlite::Database db_;
  std::unique_ptr<Statements> sql_;

  absl::node_hash_map<std::string, Cached, Hash, Equal> members_;  // stable: transactions point in
  absl::flat_hash_map<std::string, std::int64_t, Hash, Equal> budgets_;
  bool members_complete_ = false;             // members_ holds every member in the file
  bool log_covered_ = false;                  // every member with rows in member_log is in members_
  std::vector<Cached*> logged_;               // the members marked logged
  std::string encoded_;                       // a member's state, being merged
  std::optional<std::int64_t> data_version_;  // PRAGMA data_version the cache was built at
  Counters counters_;

  Redo redo_;
  bool in_batch_ = false;  // the batch's database transaction is open
  std::uint32_t batch_commits_ = 0;
  std::chrono::steady_clock::time_point batch_started_;
  bool unsynced_ = false;  // committed under synchronous = NORMAL since the last sync

  std::unique_ptr<SqliteTransaction> transaction_;  // reused by every begin()
};

}  // namespace loyalty::store
