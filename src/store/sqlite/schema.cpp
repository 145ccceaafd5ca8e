// The schema, version 4.
//
//   members     key INTEGER PRIMARY KEY, id TEXT UNIQUE, state BLOB
//               One row a member. `state` is its whole state but the ledger entries, as of the
//               last merge of member_log (member_codec.hpp): every MemberFields field, the
//               ledger's lots with points left, its debt and next lot id, and the seq of the
//               member's latest entry.
//   member_log  seq INTEGER PRIMARY KEY, member (members.key), state BLOB
//               Change records, appended by every commit that changes a member: its fields
//               (its profile only when the event changed it: since version 4) and the lots
//               the event made or changed (member_codec.hpp). A write at the end of
//               the file, not one in the middle of members for each event. A member's state is
//               its row in members with its rows here applied in seq order. The log is merged
//               into members when it passes 64 MiB and when a store closes.
//   ledger      seq INTEGER PRIMARY KEY, member (members.key), previous, entries BLOB
//               The append-only ledger, in the order written: one row for the entries one
//               event made for one member (member_codec.hpp, encode_entries: each entry's kind,
//               points and asked (signed), time, event, note, program version, rule and
//               action). `previous` is the seq of the member's row before (NULL for its
//               first): a member's ledger is a walk back from the row its state names, with no
//               index to update per event.
//   events      id TEXT PRIMARY KEY, fingerprint, outcome BLOB,      (idempotency, explain)
//               member, amount, refunded, points, first_lot, lot_count
//   redemptions reference TEXT PRIMARY KEY, fingerprint, outcome BLOB
//               The engine's 64-bit fingerprint (stored signed) and its encoded outcome
//               (engine/outcome_codec.hpp), opaque to the store. A purchase's event holds what
//               a refund needs of it (member ... lot_count; NULL for other events): amounts are
//               exact decimal text. A refund changes `refunded`, nothing else.
//   purchases   id TEXT PRIMARY KEY, member, amount, refunded, points, first_lot, lot_count
//               A purchase saved without an event record of the same id (none today: kept so
//               that a store never loses one).
//   budgets     rule TEXT PRIMARY KEY, used               points a rule gave, over all members
//   outbox      sequence INTEGER PRIMARY KEY AUTOINCREMENT, member, event, rule, name, data,
//               time                                      data: a JSON object
//   meta        key TEXT PRIMARY KEY, value               'last_tick': the latest tick
//   programs    version INTEGER PRIMARY KEY, file, text, hash
//
// Version 1 had one row an entry (entries: seq, member, previous, kind, points, asked, time,
// event, note, program_version, rule, action) and every purchase in purchases; version 2
// rewrites each entry as a ledger row of its own (same seq, same previous: the members' states
// name them still) and moves purchases into their events. Version 3 keeps the same tables; its
// fingerprints are the engine's defined ones (XXH3 for texts), and those of older versions,
// made with std::hash, become 0: unknown (EventRecord::kUnknownFingerprint), so that a repeat
// of their ids is still a duplicate, not a conflict. Version 4 keeps the same tables; outcomes
// written from it on are in format 2 (engine/outcome_codec.hpp), which a build that reads only
// format 1 must not meet: it refuses the file for its version instead. Format 1 rows still
// read, so the migration changes no row.
//
// Times are INTEGER seconds since 1970-01-01T00:00:00Z. Tables keyed by the host's ids are
// WITHOUT ROWID (one b-tree, not a table and an index); the per-event tables grow at their end.
// Members' states are blobs because they are read and written whole: the store caches members
// and never queries their fields in SQL.

#include "store/sqlite/schema.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <exception>
#include <string>

#include "engine/ledger.hpp"
#include "loyalty/error.hpp"
#include "store/sqlite/member_codec.hpp"

namespace loyalty::store::sqlite {

namespace {

// PRAGMA application_id of a loyalty database: "LOYL".
constexpr std::int64_t kApplicationId = 0x4C4F594C;

constexpr const char* kVersion1 = R"(
CREATE TABLE members (
  key   INTEGER PRIMARY KEY,
  id    TEXT NOT NULL UNIQUE,
  state BLOB NOT NULL
);
CREATE TABLE member_log (
  seq    INTEGER PRIMARY KEY,
  member INTEGER NOT NULL,
  state  BLOB NOT NULL
);
CREATE TABLE entries (
  seq             INTEGER PRIMARY KEY,
  member          INTEGER NOT NULL,
  previous        INTEGER,
  kind            INTEGER NOT NULL,
  points          INTEGER NOT NULL,
  asked           INTEGER NOT NULL,
  time            INTEGER NOT NULL,
  event           TEXT NOT NULL,
  note            TEXT NOT NULL,
  program_version INTEGER NOT NULL,
  rule            INTEGER,
  action          INTEGER NOT NULL
);
CREATE TABLE events (
  id          TEXT PRIMARY KEY,
  fingerprint INTEGER NOT NULL,
  outcome     BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE redemptions (
  reference   TEXT PRIMARY KEY,
  fingerprint INTEGER NOT NULL,
  outcome     BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE purchases (
  id        TEXT PRIMARY KEY,
  member    TEXT NOT NULL,
  amount    TEXT NOT NULL,
  refunded  TEXT NOT NULL,
  points    INTEGER NOT NULL,
  first_lot INTEGER NOT NULL,
  lot_count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE budgets (
  rule TEXT PRIMARY KEY,
  used INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE outbox (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  member   TEXT NOT NULL,
  event    TEXT NOT NULL,
  rule     TEXT NOT NULL,
  name     TEXT NOT NULL,
  data     TEXT NOT NULL,
  time     INTEGER NOT NULL
);
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value
) WITHOUT ROWID;
CREATE TABLE programs (
  version INTEGER PRIMARY KEY,
  file    TEXT NOT NULL,
  text    TEXT NOT NULL,
  hash    TEXT NOT NULL
);
)";

// loyalty_entry() is a function of the migrating connection (register_functions()).
constexpr const char* kVersion2 = R"(
CREATE TABLE ledger (
  seq      INTEGER PRIMARY KEY,
  member   INTEGER NOT NULL,
  previous INTEGER,
  entries  BLOB NOT NULL
);
INSERT INTO ledger (seq, member, previous, entries)
  SELECT seq, member, previous,
         loyalty_entry(kind, points, asked, time, event, note, program_version, rule, action)
  FROM entries ORDER BY seq;
DROP TABLE entries;
ALTER TABLE events ADD COLUMN member TEXT;
ALTER TABLE events ADD COLUMN amount TEXT;
ALTER TABLE events ADD COLUMN refunded TEXT;
ALTER TABLE events ADD COLUMN points INTEGER;
ALTER TABLE events ADD COLUMN first_lot INTEGER;
ALTER TABLE events ADD COLUMN lot_count INTEGER;
UPDATE events SET (member, amount, refunded, points, first_lot, lot_count) =
  (SELECT member, amount, refunded, points, first_lot, lot_count FROM purchases
   WHERE purchases.id = events.id)
  WHERE id IN (SELECT id FROM purchases);
DELETE FROM purchases WHERE id IN (SELECT id FROM events);
)";

constexpr const char* kVersion3 = R"(
UPDATE events SET fingerprint = 0;
UPDATE redemptions SET fingerprint = 0;
)";

// Outcomes in format 2 from here on; the rows in format 1 stay as they are.
constexpr const char* kVersion4 = "SELECT 1";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
    {4, kVersion4},
};

// loyalty_entry(kind, points, asked, time, event, note, program_version, rule, action): one
// version 1 entries row as a version 2 ledger value.
void entry_function(sqlite3_context* context, int, sqlite3_value** args) {
  engine::LedgerEntry entry;
  const std::int64_t kind = sqlite3_value_int64(args[0]);
  if (kind < 0 || kind > static_cast<std::int64_t>(engine::EntryKind::expire)) {
    sqlite3_result_error(context, "a ledger entry has an unknown kind", -1);
    return;
  }
  const auto text = [&](int i) {
    const auto* data = reinterpret_cast<const char*>(sqlite3_value_text(args[i]));
    return data == nullptr
               ? std::string()
               : std::string(data, static_cast<std::size_t>(sqlite3_value_bytes(args[i])));
  };
  try {
    entry.kind = static_cast<engine::EntryKind>(kind);
    entry.points = sqlite3_value_int64(args[1]);
    entry.asked = sqlite3_value_int64(args[2]);
    entry.time = Instant::from_seconds(sqlite3_value_int64(args[3]));
    entry.origin.event = text(4);
    entry.origin.note = text(5);
    entry.origin.program_version = static_cast<std::uint32_t>(sqlite3_value_int64(args[6]));
    entry.origin.rule = sqlite3_value_type(args[7]) == SQLITE_NULL
                            ? engine::Origin::kNoRule
                            : static_cast<std::uint32_t>(sqlite3_value_int64(args[7]));
    entry.origin.action = static_cast<std::uint32_t>(sqlite3_value_int64(args[8]));
    std::string bytes;
    encode_entries(std::span(&entry, 1), bytes);
    sqlite3_result_blob(context, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  } catch (const std::exception& e) {
    sqlite3_result_error(context, e.what(), -1);
  }
}

// The functions the migrations call.
void register_functions(Database& db) {
  const int rc = sqlite3_create_function_v2(db.handle(), "loyalty_entry", 9,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                            entry_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, "loyalty_entry()");
}

std::int64_t read_integer(Database& db, const char* sql) {
  Statement statement(db, sql);
  Query query(statement);
  return query.next() ? query->integer(0) : 0;
}

// What the file holds: its schema version, or a refusal.
std::int64_t checked_version(Database& db, std::uint32_t latest) {
  const std::int64_t version = read_integer(db, "PRAGMA user_version");
  if (version > latest) {
    throw StoreError(fmt::format(
        "the database '{}' has schema version {}, newer than version {} that this build of "
        "loyalty reads",
        db.path(), version, latest));
  }
  if (version > 0 && read_integer(db, "PRAGMA application_id") != kApplicationId) {
    throw StoreError(fmt::format("'{}' is not a loyalty database", db.path()));
  }
  if (version == 0 && read_integer(db, "SELECT count(*) FROM sqlite_schema") > 0) {
    throw StoreError(
        fmt::format("'{}' is not a loyalty database: it holds other tables", db.path()));
  }
  return version;
}

void upgrade(Database& db, std::span<const Migration> list) {
  const std::int64_t version = checked_version(db, list.back().version);
  if (version == 0) db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId).c_str());
  for (const Migration& migration : list) {
    if (migration.version <= version) continue;
    db.exec(migration.sql);
    // The version is this table's constant, never data.
    db.exec(fmt::format("PRAGMA user_version = {}", migration.version).c_str());
  }
}

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

void migrate(Database& db, std::span<const Migration> list) {
  // Most opens find the file current: a read, without waiting for another writer's lock.
  if (checked_version(db, list.back().version) == list.back().version) return;
  register_functions(db);
  db.exec("BEGIN IMMEDIATE");
  try {
    upgrade(db, list);  // checks again: another process may have migrated meanwhile
    db.exec("COMMIT");
  } catch (...) {
    db.rollback();
    throw;
  }
}

}  // namespace loyalty::store::sqlite
