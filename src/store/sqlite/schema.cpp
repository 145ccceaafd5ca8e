// The schema, version 1.
//
//   members     key INTEGER PRIMARY KEY, id TEXT UNIQUE, state BLOB
//               One row a member. `state` is its whole state but the ledger entries, as of the
//               last merge of member_log (member_codec.hpp): every MemberFields field, the
//               ledger's lots with points left, its debt and next lot id, and the seq of the
//               member's latest entry.
//   member_log  seq INTEGER PRIMARY KEY, member (members.key), state BLOB
//               Change records, appended by every commit that changes a member: its fields and
//               the lots the event made or changed (member_codec.hpp). A write at the end of
//               the file, not one in the middle of members for each event. A member's state is
//               its row in members with its rows here applied in seq order. The log is merged
//               into members when it passes 64 MiB and when a store closes.
//   entries     seq INTEGER PRIMARY KEY, member (members.key), previous, kind, points, asked,
//               time, event, note, program_version, rule, action
//               The append-only ledger, in the order written. `previous` is the seq of the
//               member's entry before (NULL for its first): a member's ledger is a walk back
//               from the entry its state names, with no index to update per event. kind:
//               0 award, 1 deduct, 2 reverse, 3 redeem, 4 adjust, 5 expire; points and asked
//               signed; rule NULL when no rule made it.
//   events      id TEXT PRIMARY KEY, fingerprint, outcome BLOB       (idempotency, explain)
//   redemptions reference TEXT PRIMARY KEY, fingerprint, outcome BLOB
//               The engine's 64-bit fingerprint (stored signed) and its encoded outcome
//               (engine/outcome_codec.hpp), opaque to the store.
//   purchases   id TEXT PRIMARY KEY, member, amount, refunded, points, first_lot, lot_count
//               What a refund needs; amounts are exact decimal text.
//   budgets     rule TEXT PRIMARY KEY, used               points a rule gave, over all members
//   outbox      sequence INTEGER PRIMARY KEY AUTOINCREMENT, member, event, rule, name, data,
//               time                                      data: a JSON object
//   meta        key TEXT PRIMARY KEY, value               'last_tick': the latest tick
//   programs    version INTEGER PRIMARY KEY, file, text, hash
//
// Times are INTEGER seconds since 1970-01-01T00:00:00Z. Tables keyed by the host's ids are
// WITHOUT ROWID (one b-tree, not a table and an index); the per-event tables grow at their end.
// Members' states are blobs because they are read and written whole: the store caches members
// and never queries their fields in SQL.

#include "store/sqlite/schema.hpp"

#include <fmt/format.h>

#include <string>

#include "loyalty/error.hpp"

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

constexpr Migration kMigrations[] = {
    {1, kVersion1},
};

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
