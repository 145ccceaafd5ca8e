#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "loyalty/error.hpp"
#include "store/sqlite/member_codec.hpp"
#include "store/buffered_transaction.hpp"
#include "store/member_journal.hpp"
#include "store/sqlite/schema.hpp"

namespace loyalty {

std::shared_ptr<store::Store> open_sqlite_store(const std::string& path,
                                                const SqliteOptions& options) {
  return std::make_shared<store::SqliteStore>(path, options);
}

void backup_sqlite_store(store::Store& store, const std::string& destination) {
  auto* sqlite = dynamic_cast<store::SqliteStore*>(&store);
  if (sqlite == nullptr) {
    throw StoreError("backup_sqlite_store: the store is not a SQLite store");
  }
  sqlite->backup(destination);
}

}  // namespace loyalty

namespace loyalty::store {

namespace {

using sqlite::Query;
using sqlite::Statement;

// Bytes of member_log that make the next batch commit merge it into members: the most a reader
// without the cache scans to find a member's state.
constexpr std::uint64_t kMergeBytes = std::uint64_t{64} << 20;
// What a member_log row costs beyond its record in the file (its seq, member key, record
// header and cell pointer), counted towards kMergeBytes: with records of 30 to 60 bytes, the
// rows' own bytes decide how large the log grows.
constexpr std::uint64_t kLogRowBytes = 16;
// Bytes the batch's Redo keeps at most: past them, the batch's savepoint moves on.
constexpr std::size_t kRedoBytes = std::size_t{8} << 20;
// Pages a backup step copies; between steps other connections write freely.
constexpr int kBackupStep = 1024;
// Restarts (another connection wrote between steps) before a backup copies the rest at once.
constexpr int kBackupRestarts = 3;

Decimal stored_decimal(std::string_view text, const sqlite::Database& db) {
  if (auto value = Decimal::try_parse(text)) return *value;
  throw StoreError(
      fmt::format("the database '{}' holds '{}' where a number belongs", db.path(), text));
}

std::int64_t as_signed(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v);
}
std::uint64_t as_unsigned(std::int64_t v) noexcept {
  return static_cast<std::uint64_t>(v);
}

}  // namespace

// Every statement the store runs, prepared once.
struct SqliteStore::Statements {
  explicit Statements(sqlite::Database& db)
      : begin_write(db, "BEGIN IMMEDIATE"),
        begin_read(db, "BEGIN"),
        commit(db, "COMMIT"),
        savepoint(db, "SAVEPOINT batch"),
        release(db, "RELEASE batch"),
        merge(db, "SAVEPOINT merge"),
        release_merge(db, "RELEASE merge"),
        data_version(db, "PRAGMA data_version"),
        find_event(db, "SELECT fingerprint, outcome FROM events WHERE id = ?"),
        insert_event(db, "INSERT INTO events (id, fingerprint, outcome) VALUES (?, ?, ?)"),
        insert_purchase_event(db,
                              "INSERT INTO events (id, fingerprint, outcome, member, amount, "
                              "refunded, points, first_lot, lot_count) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        find_redemption(db, "SELECT fingerprint, outcome FROM redemptions WHERE reference = ?"),
        insert_redemption(
            db, "INSERT INTO redemptions (reference, fingerprint, outcome) VALUES (?, ?, ?)"),
        find_member(db, "SELECT key, state FROM members WHERE id = ?"),
        member_by_key(db, "SELECT id, state FROM members WHERE key = ?"),
        member_changes(db, "SELECT state FROM member_log WHERE member = ? ORDER BY seq"),
        insert_member(db, "INSERT INTO members (key, id, state) VALUES (?, ?, ?)"),
        update_member(db, "UPDATE members SET state = ? WHERE key = ?"),
        log_member(db, "INSERT INTO member_log (member, state) VALUES (?, ?)"),
        all_members(db, "SELECT key, id, state FROM members"),
        all_logged(db, "SELECT member, state FROM member_log ORDER BY seq"),
        member_ids(db, "SELECT id FROM members ORDER BY id"),
        any_logged(db, "SELECT EXISTS (SELECT 1 FROM member_log)"),
        any_member(db, "SELECT EXISTS (SELECT 1 FROM members)"),
        clear_log(db, "DELETE FROM member_log"),
        next_member_key(db, "SELECT coalesce(max(key), 0) + 1 FROM members"),
        next_entry_seq(db, "SELECT coalesce(max(seq), 0) + 1 FROM ledger"),
        insert_entries(db, "INSERT INTO ledger (seq, member, previous, entries) VALUES (?, ?, ?, ?)"),
        // A member's ledger: the walk back from its latest row, put in order.
        member_entries(db,
                       "WITH RECURSIVE chain (seq, previous, entries) AS ("
                       " SELECT seq, previous, entries FROM ledger WHERE seq = ?"
                       " UNION ALL"
                       " SELECT l.seq, l.previous, l.entries"
                       " FROM ledger AS l JOIN chain ON l.seq = chain.previous) "
                       "SELECT entries FROM chain ORDER BY seq"),
        find_purchase_event(db,
                            "SELECT member, amount, refunded, points, first_lot, lot_count "
                            "FROM events WHERE id = ? AND amount IS NOT NULL"),
        find_purchase(db,
                      "SELECT member, amount, refunded, points, first_lot, lot_count "
                      "FROM purchases WHERE id = ?"),
        // A refund changes a purchase's refunded amount, nothing else.
        refund_purchase_event(db, "UPDATE events SET refunded = ? WHERE id = ?"),
        save_purchase(db,
                      "INSERT INTO purchases (id, member, amount, refunded, points, first_lot, "
                      "lot_count) VALUES (?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (id) DO UPDATE SET refunded = excluded.refunded"),
        find_budget(db, "SELECT used FROM budgets WHERE rule = ?"),
        add_budget(db,
                   "INSERT INTO budgets (rule, used) VALUES (?, ?) "
                   "ON CONFLICT (rule) DO UPDATE SET used = used + excluded.used"),
        append_outbox(db,
                      "INSERT INTO outbox (member, event, rule, name, data, time) "
                      "VALUES (?, ?, ?, ?, ?, ?)"),
        outbox(db,
               "SELECT sequence, member, event, rule, name, data, time FROM outbox "
               "ORDER BY sequence"),
        find_meta(db, "SELECT value FROM meta WHERE key = ?"),
        set_meta(db,
                 "INSERT INTO meta (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
        insert_program(db, "INSERT INTO programs (version, file, text, hash) VALUES (?, ?, ?, ?)"),
        programs(db, "SELECT version, file, text, hash FROM programs ORDER BY version"),
        count_events(db, "SELECT count(*) FROM events"),
        count_members(db, "SELECT count(*) FROM members") {}

  Statement begin_write, begin_read, commit, savepoint, release, merge, release_merge, data_version;
  Statement find_event, insert_event, insert_purchase_event, find_redemption, insert_redemption;
  Statement find_member, member_by_key, member_changes, insert_member, update_member, log_member,
      all_members, all_logged, member_ids, any_logged, any_member, clear_log, next_member_key;
  Statement next_entry_seq, insert_entries, member_entries;
  Statement find_purchase_event, find_purchase, refund_purchase_event, save_purchase, find_budget, add_budget, append_outbox, outbox;
  Statement find_meta, set_meta, insert_program, programs, count_events, count_members;
};

// The statements of one read outside a batch see one snapshot: a read transaction of their
// own (inside a batch, the batch's).
class SqliteStore::ReadScope {
 public:
  explicit ReadScope(SqliteStore& store) : store_(store), own_(!store.in_batch_) {
    if (!own_) return;
    store_.sql_->begin_read.run();
    try {
      store_.check_cache();
    } catch (...) {
      store_.db_.rollback();
      throw;
    }
  }
  ~ReadScope() {
    if (own_) store_.db_.rollback();  // nothing was written: ending it is all
  }
  ReadScope(const ReadScope&) = delete;
  ReadScope& operator=(const ReadScope&) = delete;

 private:
  SqliteStore& store_;
  bool own_;
};

void SqliteStore::Redo::truncate(Mark mark) noexcept {
  ops_.resize(mark.ops);
  values_.resize(mark.values);
  bytes_.resize(mark.bytes);
}

SqliteStore::Redo::Row::Row(Redo& redo, Statement& statement)
    : redo_(redo), statement_(statement) {
  redo_.ops_.push_back({&statement, redo_.values_.size()});
}

SqliteStore::Redo::Row& SqliteStore::Redo::Row::integer(std::int64_t value) {
  statement_.bind(++index_, value);
  redo_.values_.push_back({value, 0, Kind::integer});
  return *this;
}

SqliteStore::Redo::Row& SqliteStore::Redo::Row::text(std::string_view value) {
  statement_.bind(++index_, value);
  return keep(value, Kind::text);
}

SqliteStore::Redo::Row& SqliteStore::Redo::Row::blob(std::string_view value) {
  statement_.bind_blob(++index_, value);
  return keep(value, Kind::blob);
}

SqliteStore::Redo::Row& SqliteStore::Redo::Row::keep(std::string_view value, Kind kind) {
  redo_.values_.push_back({static_cast<std::int64_t>(redo_.bytes_.size()),
                           static_cast<std::uint32_t>(value.size()), kind});
  redo_.bytes_.append(value);
  return *this;
}

SqliteStore::Redo::Row& SqliteStore::Redo::Row::null() {
  statement_.bind_null(++index_);
  redo_.values_.push_back({0, 0, Kind::null});
  return *this;
}

void SqliteStore::Redo::Row::run() {
  statement_.run();
}

void SqliteStore::Redo::replay() {
  const std::string_view bytes(bytes_);
  for (std::size_t op = 0; op < ops_.size(); ++op) {
    Statement& statement = *ops_[op].statement;
    const std::size_t end = op + 1 < ops_.size() ? ops_[op + 1].first : values_.size();
    int index = 0;
    for (std::size_t i = ops_[op].first; i < end; ++i) {
      const Value& value = values_[i];
      const auto at = static_cast<std::size_t>(value.value);
      switch (value.kind) {
        case Kind::integer: statement.bind(++index, value.value); break;
        case Kind::text: statement.bind(++index, bytes.substr(at, value.size)); break;
        case Kind::blob: statement.bind_blob(++index, bytes.substr(at, value.size)); break;
        case Kind::null: statement.bind_null(++index); break;
      }
    }
    statement.run();
  }
}

// One event's reads and writes. Cached members are changed in place: the transaction keeps
// each touched member's fields as they were and journals its ledger (as the memory store
// does), to put them back on rollback. Everything else is buffered, and commit() writes it all,
// each row kept in the batch's Redo too. The object is reused, so its buffers keep their
// capacity.
class SqliteTransaction final : public BufferedTransaction {
 public:
  explicit SqliteTransaction(SqliteStore& store) : store_(store) {}
  ~SqliteTransaction() override { rollback(); }

  void open() noexcept { open_ = true; }

  engine::MemberState* find_member(std::string_view id) override {
    if (engine::MemberState* state = journal_.find(id)) return state;
    auto it = store_.members_.find(id);
    if (it == store_.members_.end()) {
      if (store_.members_complete_) return nullptr;
      SqliteStore::Cached loaded;
      if (!store_.read_member(id, loaded)) return nullptr;
      it = store_.members_.emplace(std::string(id), std::move(loaded)).first;
    }
    SqliteStore::Cached& member = it->second;
    Touched& touched = journal_.add(member.state).slot;
    touched.member = &member;
    return &member.state;
  }
  void will_change_profile(engine::MemberState& member) override {
    journal_.save_profile(member);
  }
  engine::MemberState& create_member(std::string_view id) override {
    auto [it, added] = store_.members_.try_emplace(std::string(id));
    it->second.state.id.assign(id);
    journal_.add_created(it->second.state).slot.member = &it->second;
    return it->second.state;
  }

  std::optional<PurchaseRecord> committed_purchase(std::string_view id) override {
    // In its event's row; or, saved without one, in purchases.
    bool in_event = true;
    Statement* find = &store_.sql_->find_purchase_event;
    std::optional<PurchaseRecord> record = read_purchase(*find, id);
    if (!record) {
      in_event = false;
      find = &store_.sql_->find_purchase;
      record = read_purchase(*find, id);
    }
    if (record) found_purchases_.emplace_back(std::string(id), in_event);
    return record;
  }
  std::optional<PurchaseRecord> read_purchase(Statement& find, std::string_view id) {
    Query query(find);
    find.bind(1, id);
    if (!query.next()) return std::nullopt;
    PurchaseRecord record;
    record.id.assign(id);
    record.member.assign(find.text(0));
    record.amount = stored_decimal(find.text(1), store_.db_);
    record.refunded = stored_decimal(find.text(2), store_.db_);
    record.points = find.integer(3);
    record.first_lot = as_unsigned(find.integer(4));
    record.lot_count = static_cast<std::uint32_t>(find.integer(5));
    return record;
  }
  std::int64_t committed_budget(std::string_view rule) override { return store_.budget(rule); }

  void commit() override {
    const SqliteStore::Counters before = store_.counters_;
    const SqliteStore::Redo::Mark mark = store_.redo_.mark();
    try {
      write_members();
      write_records();
      write_rest();
    } catch (const std::exception& e) {
      store_.counters_ = before;
      store_.redo_.truncate(mark);
      // The batch goes back to its savepoint and writes the events before this one again:
      // this event's rows alone are undone. The caller's rollback() puts its members back.
      if (store_.undo_event()) throw;
      // The failure took the batch's whole transaction with it, and the cache with it.
      journal_.forget();
      clear();
      open_ = false;
      store_.lose_batch(e.what());
    }
    keep_members();
    for (const auto& [name, points] : budgets_) {
      auto it = store_.budgets_.find(std::string_view(name));
      if (it != store_.budgets_.end()) it->second += points;
    }
    clear();
    open_ = false;
    store_.committed();
  }

  void rollback() noexcept override {
    journal_.undo([this](const engine::MemberState& state) {
      const std::string id = state.id;  // not a reference into the node it erases
      store_.members_.erase(id);
    });
    clear();
    if (open_) {
      open_ = false;
      store_.rolled_back();
    }
  }

 private:
  // What the store keeps beside each member the transaction changes.
  struct Touched {
    SqliteStore::Cached* member = nullptr;  // in the store's cache
    std::int64_t key = 0;                   // members.key, once written
    std::int64_t last_entry = 0;            // its latest entry, once written
  };

  std::optional<EventRecord> committed_record(std::string_view id, bool redemption) override {
    Statement& find = redemption ? store_.sql_->find_redemption : store_.sql_->find_event;
    Query query(find);
    find.bind(1, id);
    if (!query.next()) return std::nullopt;
    found_.assign(find.blob(1));  // the view outlives the statement's row
    return EventRecord{as_unsigned(find.integer(0)), found_};
  }

  // Each touched member's new entries (one ledger row), then its state: a new member's row, or
  // a change record.
  void write_members() {
    auto& sql = *store_.sql_;
    auto& counters = store_.counters_;
    for (auto& entry : journal_.entries()) {
      Touched& touched = entry.slot;
      const SqliteStore::Cached& member = *touched.member;
      touched.key = entry.created ? counters.next_member_key++ : member.key;
      std::int64_t previous = member.last_entry;
      const auto& entries = member.state.ledger.entries();
      if (!entries.empty()) {
        const std::int64_t seq = counters.next_entry_seq++;
        encoded_.clear();
        sqlite::encode_entries(entries, encoded_);
        auto insert = row(sql.insert_entries);
        insert.integer(seq).integer(touched.key);
        if (previous != 0) {
          insert.integer(previous);
        } else {
          insert.null();
        }
        insert.blob(encoded_).run();
        previous = seq;
      }
      touched.last_entry = previous;
      encoded_.clear();
      if (entry.created) {
        sqlite::encode_member(member.state, previous, encoded_);
        row(sql.insert_member).integer(touched.key).text(member.state.id).blob(encoded_).run();
      } else {
        sqlite::encode_changes(member.state, previous, entry.profile_kept, changed_lots_,
                               encoded_);
        row(sql.log_member).integer(touched.key).blob(encoded_).run();
        counters.log_bytes += encoded_.size() + kLogRowBytes;
      }
    }
  }

  SqliteStore::Redo::Row row(Statement& statement) { return {store_.redo_, statement}; }

  // Event and redemption records; a new purchase goes into its event's row.
  void write_records() {
    auto& sql = *store_.sql_;
    for (const Pending& record : records_) {
      const PurchaseRecord* purchase = record.redemption ? nullptr : new_purchase(record.id);
      auto insert = row(record.redemption ? sql.insert_redemption
                        : purchase != nullptr ? sql.insert_purchase_event
                                              : sql.insert_event);
      insert.text(record.id).integer(as_signed(record.fingerprint)).blob(record.outcome(bytes_));
      if (purchase != nullptr) {
        amount_ = purchase->amount.to_string();
        refunded_ = purchase->refunded.to_string();
        insert.text(purchase->member)
            .text(amount_)
            .text(refunded_)
            .integer(purchase->points)
            .integer(as_signed(purchase->first_lot))
            .integer(std::int64_t{purchase->lot_count});
      }
      insert.run();
    }
  }

  // A purchase this transaction made (none read from the file), or null.
  const PurchaseRecord* new_purchase(std::string_view id) const {
    for (const auto& [found, in_event] : found_purchases_) {
      if (found == id) return nullptr;
    }
    for (const PurchaseRecord& purchase : purchases_) {
      if (purchase.id == id) return &purchase;
    }
    return nullptr;
  }
  bool has_event_record(std::string_view id) const {
    for (const Pending& record : records_) {
      if (!record.redemption && record.id == id) return true;
    }
    return false;
  }

  void write_rest() {
    auto& sql = *store_.sql_;
    for (const PurchaseRecord& purchase : purchases_) {
      const auto found =
          std::find_if(found_purchases_.begin(), found_purchases_.end(),
                       [&](const auto& f) { return f.first == purchase.id; });
      if (found == found_purchases_.end() && has_event_record(purchase.id)) continue;  // written
      refunded_ = purchase.refunded.to_string();
      if (found != found_purchases_.end() && found->second) {
        row(sql.refund_purchase_event).text(refunded_).text(purchase.id).run();
        continue;
      }
      amount_ = purchase.amount.to_string();
      row(sql.save_purchase)
          .text(purchase.id)
          .text(purchase.member)
          .text(amount_)
          .text(refunded_)
          .integer(purchase.points)
          .integer(as_signed(purchase.first_lot))
          .integer(std::int64_t{purchase.lot_count})
          .run();
    }
    for (const auto& [rule, points] : budgets_) {
      row(sql.add_budget).text(rule).integer(points).run();
    }
    for (const OutboxMessage& message : outbox_) {
      row(sql.append_outbox)
          .text(message.member)
          .text(message.event)
          .text(message.rule)
          .text(message.name)
          .text(message.data)
          .integer(message.time.seconds())
          .run();
    }
    if (last_tick_) {
      row(sql.set_meta).text("last_tick").integer(last_tick_->seconds()).run();
    }
    for (const StoredProgram& program : programs_) {
      row(sql.insert_program)
          .integer(std::int64_t{program.version})
          .text(program.file)
          .text(program.text)
          .text(program.hash)
          .run();
    }
  }

  // The rows are written: the cache keeps the members as committed.
  void keep_members() {
    for (auto& entry : journal_.entries()) {
      Touched& touched = entry.slot;
      SqliteStore::Cached& member = *touched.member;
      member.key = touched.key;
      member.last_entry = touched.last_entry;
      if (!entry.created && !member.logged) {
        member.logged = true;
        store_.logged_.push_back(&member);
      }
    }
    journal_.keep();  // the entries are rows now
  }

  void clear() noexcept {
    clear_buffers();
    found_purchases_.clear();
  }

  SqliteStore& store_;
  bool open_ = false;             // begun, and neither committed nor rolled back
  MemberJournal<Touched> journal_;  // the members changed
  std::string found_;    // the outcome find_event() or find_redemption() returned last
  std::string encoded_;  // a member's state, being written
  std::vector<const engine::Lot*> changed_lots_;  // a member's, for its change record
  std::string amount_, refunded_;  // a purchase's amounts, being written
  // The purchases read from the file, and whether in their event's row.
  std::vector<std::pair<std::string, bool>> found_purchases_;
};

SqliteStore::SqliteStore(const std::string& path, const SqliteOptions& options)
    : options_(options), db_(path, true, options.busy_timeout_ms) {
  options_.commit_every_events = std::max<std::uint32_t>(options_.commit_every_events, 1);
  // Checked before anything is changed: a file that is no loyalty database stays as it was.
  sqlite::migrate(db_, sqlite::migrations());
  db_.exec("PRAGMA journal_mode = WAL");
  // Batched commits need not reach the disk one by one: flush() syncs (WAL keeps them atomic).
  db_.exec(options_.commit_every_events == 1 ? "PRAGMA synchronous = FULL"
                                             : "PRAGMA synchronous = NORMAL");
  db_.exec("PRAGMA cache_size = -65536");  // KiB: the tables' hot pages, and reads of members
  // Checkpoints every 10,000 pages of log, not 1,000: each syncs the log and the file, and
  // batches write about 200 pages each (retail-v1, 1,000 events). Measured over retail-v1's
  // 1,000,000 events: 53 syncs instead of 386, their total time down by a third.
  if (options_.commit_every_events > 1) db_.exec("PRAGMA wal_autocheckpoint = 10000");
  sql_ = std::make_unique<Statements>(db_);
  transaction_ = std::make_unique<SqliteTransaction>(*this);
}

SqliteStore::~SqliteStore() {
  transaction_->rollback();
  // Destructors do not throw: what fails is left as it is (the log stays, readers apply it;
  // what was committed before is in the file).
  try {
    if (!in_batch_ && counters_.log_bytes > 0) {
      sqlite3_busy_timeout(db_.handle(), 0);  // tidying is not worth waiting for another writer
      start_batch();
    }
    if (in_batch_) merge_log();
  } catch (const Error&) {
  }
  try {
    flush();
  } catch (const Error&) {
  }
}

Transaction& SqliteStore::begin() {
  transaction_->rollback();  // a transaction left open is forgotten
  // A batch whose time ran out while events were refused or repeated commits now.
  if (in_batch_ && batch_commits_ > 0 && batch_is_old()) end_batch();
  if (!in_batch_) start_batch();
  transaction_->open();
  return *transaction_;
}

void SqliteStore::start_batch() {
  sql_->begin_write.run();  // BEGIN IMMEDIATE: the write lock now, or StoreError when busy
  in_batch_ = true;
  batch_commits_ = 0;
  batch_started_ = std::chrono::steady_clock::now();
  try {
    check_cache();
    if (!log_covered_) take_over();
    sql_->savepoint.run();  // where a failed event takes the batch back to (undo_event)
  } catch (...) {
    db_.rollback();
    in_batch_ = false;
    forget_cache();
    throw;
  }
  redo_.clear();
}

void SqliteStore::end_batch() {
  try {
    if (counters_.log_bytes >= kMergeBytes) merge_log();
    sql_->commit.run();
  } catch (const StoreError& e) {
    lose_batch(e.what());
  }
  in_batch_ = false;
  redo_.clear();
  if (options_.commit_every_events > 1) unsynced_ = true;
}

// After an event's write failed (its values are no longer in redo_): back to the batch's
// savepoint, then the events before it written again. False when the batch cannot go on: the
// failure ended the database transaction, or writing again failed.
bool SqliteStore::undo_event() noexcept {
  sqlite3* db = db_.handle();
  if (sqlite3_get_autocommit(db) != 0) return false;
  if (sqlite3_exec(db, "ROLLBACK TO batch", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
  try {
    redo_.replay();
  } catch (const std::exception&) {
    return false;
  }
  return sqlite3_get_autocommit(db) == 0;
}

void SqliteStore::lose_batch(std::string_view why) {
  db_.rollback();
  in_batch_ = false;
  redo_.clear();
  forget_cache();  // it holds what the file does not
  throw StoreError(
      fmt::format("{}; the {} events committed since the database's last commit "
                  "were lost",
                  why, batch_commits_));
}

// This connection is about to write after another one did (or for the first time): members
// whose state is in member_log may not be cached, so merge the log, and learn where the next
// keys go.
void SqliteStore::take_over() {
  {
    Query query(sql_->any_logged);
    if (query.next() && query->integer(0) != 0) merge_log();
  }
  counters_.log_bytes = 0;
  {
    Query query(sql_->next_member_key);
    query.next();
    counters_.next_member_key = query->integer(0);
  }
  {
    Query query(sql_->next_entry_seq);
    query.next();
    counters_.next_entry_seq = query->integer(0);
  }
  if (!members_complete_) {
    Query query(sql_->any_member);
    members_complete_ = query.next() && query->integer(0) == 0;
  }
  log_covered_ = true;
}

// Inside a transaction: drops the cache when another connection committed since it was built.
void SqliteStore::check_cache() {
  Query query(sql_->data_version);
  query.next();
  const std::int64_t version = query->integer(0);
  if (data_version_ == version) return;
  forget_cache();
  data_version_ = version;
}

void SqliteStore::forget_cache() noexcept {
  members_.clear();
  logged_.clear();
  budgets_.clear();
  members_complete_ = false;
  log_covered_ = false;
  data_version_.reset();
}

// Writes the states of the members member_log has changes of into members, and empties it:
// all of it or none (half a merge would apply old changes over newer states).
void SqliteStore::merge_log() {
  sql_->merge.run();
  try {
    if (log_covered_) {
      for (const Cached* member : logged_) {
        encoded_.clear();
        sqlite::encode_member(member->state, member->last_entry, encoded_);
        sql_->update_member.bind_blob(1, encoded_).bind(2, member->key);
        sql_->update_member.run();
      }
    } else {
      merge_from_log();
    }
    sql_->clear_log.run();
    sql_->release_merge.run();
  } catch (...) {
    sqlite3_exec(db_.handle(), "ROLLBACK TO merge; RELEASE merge", nullptr, nullptr, nullptr);
    throw;
  }
  for (Cached* member : logged_) member->logged = false;
  logged_.clear();
  counters_.log_bytes = 0;
}

// merge_log() without the cache: each member's state from members, with its changes applied in
// order.
void SqliteStore::merge_from_log() {
  absl::flat_hash_map<std::int64_t, Cached> merged;
  Query log(sql_->all_logged);
  while (log.next()) {
    auto [it, added] = merged.try_emplace(log->integer(0));
    Cached& member = it->second;
    if (added) {
      Query base(sql_->member_by_key);
      base->bind(1, it->first);
      if (!base.next()) {
        throw StoreError(fmt::format("the database '{}' holds changes of an unknown member {}",
                                     db_.path(), it->first));
      }
      member.state.id.assign(base->text(0));
      member.last_entry = decode(member.state.id, base->blob(1), member.state);
    }
    member.last_entry = apply(member.state.id, log->blob(1), member.state);
  }
  for (auto& [key, member] : merged) {
    encoded_.clear();
    sqlite::encode_member(member.state, member.last_entry, encoded_);
    sql_->update_member.bind_blob(1, encoded_).bind(2, key);
    sql_->update_member.run();
  }
}

// Syncs the write-ahead log, which batched commits (synchronous = NORMAL) leave to the next
// checkpoint: then everything committed survives a power loss.
void SqliteStore::sync_log() {
  sqlite3_file* log = nullptr;
  const int rc = sqlite3_file_control(db_.handle(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &log);
  if (rc == SQLITE_OK && log != nullptr && log->pMethods != nullptr) {
    const int synced = log->pMethods->xSync(log, SQLITE_SYNC_NORMAL);
    if (synced != SQLITE_OK) db_.fail(synced, "sync of the write-ahead log");
  }
  unsynced_ = false;
}

void SqliteStore::flush() {
  transaction_->rollback();
  if (in_batch_) end_batch();
  if (unsynced_) sync_log();
}

// An event's transaction committed into the batch: the batch commits when full or old.
void SqliteStore::committed() {
  ++batch_commits_;
  if (batch_commits_ >= options_.commit_every_events || batch_is_old()) {
    end_batch();
  } else if (redo_.bytes() >= kRedoBytes) {
    // A long batch: its savepoint moves here, and what it kept so far is forgotten.
    try {
      sql_->release.run();
      sql_->savepoint.run();
    } catch (const StoreError& e) {
      lose_batch(e.what());
    }
    redo_.clear();
  }
}

// A batch that holds no event yet is ended, so as not to keep other writers waiting.
void SqliteStore::rolled_back() noexcept {
  if (!in_batch_ || batch_commits_ > 0) return;
  try {
    end_batch();
  } catch (const Error&) {
    // Nothing was lost: the batch held no event.
  }
}

bool SqliteStore::batch_is_old() const noexcept {
  return std::chrono::steady_clock::now() - batch_started_ >=
         std::chrono::milliseconds(options_.commit_every_ms);
}

// A member's committed state from the file; false when there is none.
bool SqliteStore::read_member(std::string_view id, Cached& into) {
  Query query(sql_->find_member);
  query->bind(1, id);
  if (!query.next()) return false;
  into.key = query->integer(0);
  into.last_entry = decode(id, query->blob(1), into.state);
  into.state.id.assign(id);
  if (!log_covered_) {  // another connection may have left changes of it
    Query log(sql_->member_changes);
    log->bind(1, into.key);
    while (log.next()) into.last_entry = apply(id, log->blob(0), into.state);
  }
  return true;
}

std::int64_t SqliteStore::decode(std::string_view id, std::string_view state,
                                 engine::MemberState& into) const {
  try {
    return sqlite::decode_member(state, into);
  } catch (const StoreError& e) {
    throw StoreError(fmt::format("member '{}' in the database '{}': {}", id, db_.path(), e.what()));
  }
}

std::int64_t SqliteStore::apply(std::string_view id, std::string_view changes,
                                engine::MemberState& into) const {
  try {
    return sqlite::apply_changes(changes, into);
  } catch (const StoreError& e) {
    throw StoreError(fmt::format("member '{}' in the database '{}': {}", id, db_.path(), e.what()));
  }
}

void SqliteStore::load_all_members() {
  absl::flat_hash_map<std::int64_t, Cached*> by_key;
  {
    Query query(sql_->all_members);
    while (query.next()) {
      const std::string_view id = query->text(1);
      auto [it, added] = members_.try_emplace(id);
      if (!added) continue;  // cached: as it is now
      it->second.key = query->integer(0);
      it->second.last_entry = decode(id, query->blob(2), it->second.state);
      it->second.state.id.assign(id);
      by_key.emplace(it->second.key, &it->second);
    }
  }
  if (!log_covered_) {  // changes another connection left, in order, to the members just read
    Query query(sql_->all_logged);
    while (query.next()) {
      auto it = by_key.find(query->integer(0));
      if (it == by_key.end()) continue;
      Cached& member = *it->second;
      member.last_entry = apply(member.state.id, query->blob(1), member.state);
    }
  }
  members_complete_ = true;
}

std::vector<engine::LedgerEntry> SqliteStore::read_entries(std::int64_t last_entry) {
  std::vector<engine::LedgerEntry> entries;
  if (last_entry == 0) return entries;
  Query query(sql_->member_entries);
  query->bind(1, last_entry);
  while (query.next()) {
    try {
      sqlite::decode_entries(query->blob(0), entries);
    } catch (const StoreError& e) {
      throw StoreError(fmt::format("a ledger row in the database '{}': {}", db_.path(), e.what()));
    }
  }
  return entries;
}

std::int64_t SqliteStore::budget(std::string_view rule) {
  auto it = budgets_.find(rule);
  if (it != budgets_.end()) return it->second;
  std::int64_t used = 0;
  {
    Query query(sql_->find_budget);
    query->bind(1, rule);
    if (query.next()) used = query->integer(0);
  }
  budgets_.emplace(std::string(rule), used);
  return used;
}

std::vector<std::string> SqliteStore::member_ids() {
  ReadScope scope(*this);
  std::vector<std::string> ids;
  Query query(sql_->member_ids);
  while (query.next()) ids.emplace_back(query->text(0));
  return ids;
}

std::optional<std::string> SqliteStore::event_outcome(std::string_view id) {
  ReadScope scope(*this);
  Statement& find = sql_->find_event;
  Query query(find);
  find.bind(1, id);
  if (!query.next()) return std::nullopt;
  return std::string(find.blob(1));
}

std::optional<engine::MemberState> SqliteStore::load_member(std::string_view id) {
  ReadScope scope(*this);
  Cached member;
  if (auto it = members_.find(id); it != members_.end()) {
    member = it->second;
  } else if (!read_member(id, member)) {
    return std::nullopt;
  }
  engine::MemberState state = std::move(member.state);
  state.ledger.replace_entries(read_entries(member.last_entry));
  return state;
}

void SqliteStore::visit_members(const std::function<void(const engine::MemberState&)>& visit) {
  ReadScope scope(*this);
  if (!members_complete_) load_all_members();
  for (const auto& [id, member] : members_) visit(member.state);
}

Totals SqliteStore::totals() {
  ReadScope scope(*this);
  Totals totals;
  {
    Query query(sql_->count_events);
    if (query.next()) totals.events = as_unsigned(query->integer(0));
  }
  Query query(sql_->count_members);
  if (query.next()) totals.members = as_unsigned(query->integer(0));
  return totals;
}

std::vector<OutboxMessage> SqliteStore::outbox() {
  ReadScope scope(*this);
  std::vector<OutboxMessage> messages;
  Query query(sql_->outbox);
  while (query.next()) {
    OutboxMessage& message = messages.emplace_back();
    message.sequence = as_unsigned(query->integer(0));
    message.member.assign(query->text(1));
    message.event.assign(query->text(2));
    message.rule.assign(query->text(3));
    message.name.assign(query->text(4));
    message.data.assign(query->text(5));
    message.time = Instant::from_seconds(query->integer(6));
  }
  return messages;
}

std::optional<Instant> SqliteStore::last_tick() {
  ReadScope scope(*this);
  Query query(sql_->find_meta);
  query->bind(1, std::string_view("last_tick"));
  if (!query.next()) return std::nullopt;
  return Instant::from_seconds(query->integer(0));
}

void SqliteStore::prefetch(std::string_view member, std::string_view, int step) const noexcept {
  // The cached member, in steps as the memory store does (the event's records are in the
  // database, which a prefetch cannot reach).
  if (step >= 2) {
    members_.prefetch(member);
    return;
  }
  const auto it = members_.find(member);
  if (it == members_.end()) return;
  if (step == 1) {
    engine::prefetch_fields(it->second.state);
  } else {
    engine::prefetch_contents(it->second.state);
  }
}

std::vector<StoredProgram> SqliteStore::programs() {
  ReadScope scope(*this);
  std::vector<StoredProgram> programs;
  Query query(sql_->programs);
  while (query.next()) {
    StoredProgram& program = programs.emplace_back();
    program.version = static_cast<std::uint32_t>(query->integer(0));
    program.file.assign(query->text(1));
    program.text.assign(query->text(2));
    program.hash.assign(query->text(3));
  }
  return programs;
}

void SqliteStore::backup(const std::string& destination) {
  flush();  // everything committed so far is in the file
  sqlite::Database source(db_.path(), false, options_.busy_timeout_ms);
  sqlite::Database target(destination, true, options_.busy_timeout_ms);
  sqlite3_backup* backup = sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
  if (backup == nullptr) target.fail(sqlite3_extended_errcode(target.handle()), "backup");
  int rc = SQLITE_OK;
  int restarts = 0;
  int remaining = INT_MAX;
  std::uint32_t waited_ms = 0;
  do {
    // Steps let others write in between; a copy restarted too often is finished in one.
    rc = sqlite3_backup_step(backup, restarts < kBackupRestarts ? kBackupStep : -1);
    if (sqlite3_backup_remaining(backup) > remaining) ++restarts;
    remaining = sqlite3_backup_remaining(backup);
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited_ms < options_.busy_timeout_ms) {
      sqlite3_sleep(10);
      waited_ms += 10;
      rc = SQLITE_OK;
    }
  } while (rc == SQLITE_OK);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) target.fail(rc, fmt::format("backup of '{}'", db_.path()));
}

}  // namespace loyalty::store
