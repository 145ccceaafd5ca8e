#pragma once
// One member's points: lots, debt and the ledger entries that move them (LANGUAGE.md, "The fine
// print": Lots, Debt, Awards; DESIGN.md, "Storage semantics"). Pure in-memory logic with no
// I/O: the engine applies an event's effects here, then the store persists what changed.
//
// Invariant, after every operation: sum of the entries' points == sum of the lots' remainders
// - debt. The available balance at t is the remainders of the lots usable at t, less debt.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/time.hpp"

namespace loyalty::engine {

/// The kinds of ledger entry (DESIGN.md). Awards are positive; everything that takes points is
/// negative; an adjustment may be either.
enum class EntryKind : std::uint8_t { award, deduct, reverse, redeem, adjust, expire };

/// "award", "deduct", "reverse", "redeem", "adjust", "expire".
const char* entry_kind_name(EntryKind kind) noexcept;

/// Where an entry or lot came from. A rule is named by its index in the program version that
/// made the entry (the engine keeps every version it ran), so an entry holds no rule text; its
/// label is that rule's action's `as "L"`.
struct Origin {
  static constexpr std::uint32_t kNoRule = 0xFFFFFFFFu;
  std::string event;             // the event's id (for redeem: the reference; adjust: "")
  std::string note;              // the adjust reason, or "" (a rule's label is the program's)
  std::uint32_t program_version = 0;
  std::uint32_t rule = kNoRule;  // the rule's index in that version, or kNoRule
  std::uint32_t action = 0;      // the action's index in that rule

  friend bool operator==(const Origin&, const Origin&) = default;
};

/// A lot's origin: an Origin without the note (a lot is an award's; its entry has the note),
/// and with the event's id held by the ledger (Ledger::lot_event). Lots are most of a member's
/// live state, so they stay small and trivially copyable.
struct LotOrigin {
  /// The most actions a rule may have (the checker refuses more): a lot keeps the index in 16
  /// bits.
  static constexpr std::uint32_t kMaxActions = 0xFFFFu;
  std::uint32_t event = 0;  // a handle into the ledger's LotEvents
  std::uint32_t program_version = 0;
  std::uint32_t rule = Origin::kNoRule;
  std::uint16_t action = 0;
  // No operator==: `event` is a handle into one ledger's text, so two lots' events compare
  // through Ledger::lot_event.
};

/// An optional Instant in the width of one, for what millions of lots keep: "none" is a time
/// outside the years an Instant can hold. It reads like std::optional<Instant>, and converts
/// to and from it.
class LotExpiry {
 public:
  constexpr LotExpiry() noexcept = default;
  constexpr LotExpiry(std::nullopt_t) noexcept {}  // NOLINT: as std::optional
  constexpr LotExpiry(Instant t) noexcept : value_(t) {}  // NOLINT
  constexpr LotExpiry(const std::optional<Instant>& t) noexcept  // NOLINT
      : value_(t ? *t : kNone) {}

  [[nodiscard]] constexpr bool has_value() const noexcept { return value_ != kNone; }
  constexpr explicit operator bool() const noexcept { return has_value(); }
  /// The instant (only when has_value()).
  [[nodiscard]] constexpr const Instant& operator*() const noexcept { return value_; }
  [[nodiscard]] constexpr const Instant* operator->() const noexcept { return &value_; }
  constexpr operator std::optional<Instant>() const noexcept {  // NOLINT
    return has_value() ? std::optional<Instant>(value_) : std::nullopt;
  }
  constexpr void reset() noexcept { value_ = kNone; }

  friend constexpr bool operator==(const LotExpiry&, const LotExpiry&) noexcept = default;
  friend constexpr bool operator==(const LotExpiry& a, std::nullopt_t) noexcept {
    return !a.has_value();
  }
  friend constexpr bool operator==(const LotExpiry& a, const std::optional<Instant>& b) noexcept {
    return a == LotExpiry(b);
  }

 private:
  static constexpr Instant kNone = std::bit_cast<Instant>(std::numeric_limits<std::int64_t>::min());
  Instant value_ = kNone;
};

/// Points awarded together: usable from available_at until just before expires_at. A member
/// keeps every lot with points left, so a lot is one cache line (a test pins its size).
struct Lot {
  std::uint64_t id = 0;  // increasing in creation order: "oldest" means lowest id
  std::int64_t points = 0;     // as awarded
  std::int64_t remaining = 0;  // what is left of it
  Instant created_at;
  Instant available_at;        // created_at + pending
  LotExpiry expires_at;        // none: never expires
  [[no_unique_address]] LotOrigin origin;  // (what follows may sit in its padding)
  bool paid_debt = false;      // whether it was offered to the debt when it became usable
                               // (also set, paying nothing, for a lot never usable: one
                               // whose expires_at is not after its available_at)

  /// Usable at t: available_at <= t < expires_at.
  [[nodiscard]] bool usable_at(Instant t) const noexcept;
  /// Expired at t: expires_at <= t.
  [[nodiscard]] bool expired_at(Instant t) const noexcept;
};

/// The event ids of a member's lots, each written once for a run of lots that share it (an
/// event's awards are consecutive lots): a lot names its event by a handle into this text.
class LotEvents {
 public:
  /// The handle of `event`: the last one added when it is the same id, else a new one.
  std::uint32_t add(std::string_view event);
  /// The event id of a handle add() returned.
  [[nodiscard]] std::string_view get(std::uint32_t handle) const noexcept;
  /// Whether `handle` can name an id here (for stored lots, read back).
  [[nodiscard]] bool valid(std::uint32_t handle) const noexcept;
  /// The text's size, to truncate() back to (handles added since become invalid).
  [[nodiscard]] std::size_t size() const noexcept { return text_.size(); }
  void truncate(std::size_t size) noexcept;
  /// Asks the CPU to bring in the end of the text (see Ledger::prefetch).
  void prefetch() const noexcept {
    if (!text_.empty()) __builtin_prefetch(text_.data() + text_.size() - 1);
  }

 private:
  std::string text_;  // each id as a 4-byte length, then its bytes
  std::uint32_t last_ = kNone;
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;
};

/// One line of the append-only ledger.
struct LedgerEntry {
  EntryKind kind = EntryKind::award;
  std::int64_t points = 0;  // signed: what was given or taken
  std::int64_t asked = 0;   // signed: what was asked (differs when clamp or a budget cut it)
  Instant time;
  Origin origin;
};

/// What to do with the part of a deduction or reversal that the lots cannot cover.
enum class Shortfall : std::uint8_t {
  debt,  // negative_balance = allow: the balance goes negative; later lots pay it off
  drop,  // negative_balance = clamp: it is dropped, and the entry shows asked vs taken
};

/// A member's lots, debt and ledger.
///
/// Every operation at t (award, take, reverse, expire) first settles at t itself, so a caller
/// need not call settle() first (doing so changes nothing). The views (available, pending,
/// expiring_within) are projections: they report what the ledger would hold right after
/// settle(t), without changing it. Errors (a negative amount: EventError; a sum beyond 64
/// bits: NumberError, conservatively: when debt + points might overflow under Shortfall::debt)
/// are thrown before anything changes.
class Ledger {
 public:
  /// Points usable at t, less the debt (negative when the debt is larger).
  [[nodiscard]] std::int64_t available(Instant t) const noexcept;
  /// Points in lots not yet usable at t (pending), not counting expired ones.
  [[nodiscard]] std::int64_t pending(Instant t) const noexcept;
  /// Points in lots usable at t that are no longer usable at `until` (expires_at <= until):
  /// the soon-expiring points, with until = t + the window.
  [[nodiscard]] std::int64_t expiring_within(Instant t, Instant until) const noexcept;
  [[nodiscard]] std::int64_t debt() const noexcept { return debt_; }
  /// The lots, in increasing id.
  [[nodiscard]] const std::vector<Lot>& lots() const noexcept { return lots_; }
  /// The id of the event whose award made `lot` (one of lots()).
  [[nodiscard]] std::string_view lot_event(const Lot& lot) const noexcept {
    return lot_events_.get(lot.origin.event);
  }
  /// The event ids lots() name (for a store writing the lots as they are).
  [[nodiscard]] const LotEvents& lot_events() const noexcept { return lot_events_; }
  /// Asks the CPU to bring in what an award reads and writes (the ends of the lots and of
  /// their event ids): a hint for a store that knows the member's next event is coming.
  void prefetch() const noexcept {
    if (!lots_.empty()) {
      __builtin_prefetch(&lots_.back());
      __builtin_prefetch(lots_.data() + lots_.size(), 1);
    }
    lot_events_.prefetch();
  }
  [[nodiscard]] const std::vector<LedgerEntry>& entries() const noexcept { return work_.entries; }
  /// The entries appended since entries().size() was `mark` (for a store writing what is new).
  [[nodiscard]] std::span<const LedgerEntry> entries_since(std::size_t mark) const noexcept;
  /// The lot with this id, or nullptr (unknown, or dropped by compact()).
  [[nodiscard]] const Lot* find_lot(std::uint64_t id) const noexcept;
  /// The id the next award will get (persist it beside the lots: see restore()).
  [[nodiscard]] std::uint64_t next_lot_id() const noexcept { return next_lot_id_; }
  /// Sum of the lots' remainders less the debt, which is also the sum of the entries' points.
  [[nodiscard]] std::int64_t total() const noexcept { return remaining_ - debt_; }

  /// Counts the entries written so far as committed and forgets them, keeping the buffer: for
  /// a store that has persisted entries() its own way.
  void forget_entries() noexcept;
  /// The sum of the entries forgotten so far.
  [[nodiscard]] std::int64_t committed() const noexcept { return committed_; }
  /// Puts back the whole ledger, oldest first, in place of the entries held now (for a view
  /// of a member whose entries a store keeps): nothing counts as committed any more.
  void replace_entries(std::vector<LedgerEntry> all) noexcept;

  /// The buffers a ledger needs only while a transaction changes it: the entries not yet
  /// committed, the journal and scratch space. A store swaps its own in while a member takes
  /// part in a transaction and out again at its end, so that members at rest hold none and the
  /// store's buffers keep their capacity from one event to the next.
  struct Workspace {
    std::vector<LedgerEntry> entries;
    std::vector<std::uint32_t> scratch;
    struct Saved {
      std::uint32_t index;
      std::int64_t remaining;
      bool paid_debt;
    };
    std::vector<Saved> lots_changed;
  };
  /// Exchanges this ledger's buffers with `workspace`'s. Swap in a workspace whose vectors are
  /// empty, and swap out after the entries are forgotten: what the ledger then holds is what
  /// it held before.
  void swap_workspace(Workspace& workspace) noexcept;

  /// Starts recording what the following operations change, so that rollback_journal() can
  /// undo them (a store's transaction over a member kept in place). Cheap: only the lots an
  /// operation touches are recorded, and only the first time.
  void begin_journal() noexcept;
  /// Undoes every change since begin_journal() and stops recording.
  void rollback_journal();
  /// Keeps the changes since begin_journal() and stops recording.
  void end_journal() noexcept { journaling_ = false; }
  /// While recording: sets `out` to the lots changed since begin_journal(), in increasing id:
  /// those whose remaining or paid_debt differ from what they were, then the lots created since
  /// with points left. Costs what changed, not what the ledger holds (for a store writing the
  /// change).
  void changed_lots(std::vector<const Lot*>& out) const;

  /// Lets every lot that became usable by t, and has not yet done so, pay off the debt
  /// (in order of availability, then id), before it adds to the balance; marks it paid_debt.
  /// A lot that became usable and has expired again by t still pays (what it has left), so
  /// a payoff does not depend on whether any operation happened while the lot was usable; a
  /// lot never usable (expires_at <= available_at) pays nothing. A lot is offered once: a
  /// debt made after it was offered (by an operation judged at an earlier time) is paid by
  /// lots offered later. Writes no entry: paying debt leaves total() as it is.
  void settle(Instant t);

  /// A new lot of `points` (>= 0; zero awards nothing and returns nullopt) usable from
  /// t + pending (a zero pending makes it usable at once, paying debt first), expiring at
  /// `expires_at` (nullopt: never). Appends an entry of `kind` (award, or adjust for a
  /// positive adjustment); returns the lot's id.
  std::optional<std::uint64_t> award(Instant t, std::int64_t points, Instant available_at,
                                     std::optional<Instant> expires_at, const Origin& origin,
                                     EntryKind kind = EntryKind::award);

  /// Takes `points` (>= 0) from the lots usable at t, soonest expiry first (never-expiring
  /// last), then oldest; the rest is debt or dropped per `shortfall`. Appends one entry of
  /// `kind` (deduct or redeem or adjust) with points = -taken (and -asked). Returns what was
  /// taken, debt included. Taking 0 appends nothing and returns 0.
  std::int64_t take(Instant t, EntryKind kind, std::int64_t points, Shortfall shortfall,
                    const Origin& origin);

  /// A refund's reversal of `points` (>= 0): first from the unexpired lots whose ids are in
  /// `own_lots` (pending or not; soonest expiry first, then oldest), then from the lots usable
  /// at t as take() does, then debt or dropped. Appends one `reverse` entry (none for 0).
  /// Ids that name no lot (or appear twice) are ignored. Returns what was taken, as take().
  std::int64_t reverse(Instant t, std::int64_t points, const std::vector<std::uint64_t>& own_lots,
                       Shortfall shortfall, const Origin& origin);

  /// True when `points` (> 0) can be redeemed at t without debt: available(t) >= points.
  [[nodiscard]] bool can_redeem(Instant t, std::int64_t points) const noexcept;

  /// Writes an `expire` entry at t for each lot expired by t with points left (none for an
  /// empty lot), zeroing it. Returns the points expired.
  std::int64_t expire(Instant t, const Origin& origin);

  /// Checks the invariant; returns an explanation of the first violation, or "".
  [[nodiscard]] std::string check_invariant() const;

  /// Drops the lots with nothing left (remaining == 0): they can neither give points nor pay
  /// debt any more. Ids are kept: next_lot_id() does not go back. Returns how many it dropped.
  std::size_t compact();

  /// Restores a ledger from stored parts (for stores), lots in any order, their events handles
  /// into `events`; the next lot id is
  /// the larger of `next_lot_id` and one past the largest lot id (pass next_lot_id() as it was
  /// when the lots were saved, so ids of compacted lots are never reused). Throws NumberError
  /// when the remainders do not sum within 64 bits; check_invariant() tells the rest.
  static Ledger restore(std::vector<Lot> lots, LotEvents events, std::int64_t debt,
                        std::vector<LedgerEntry> entries, std::uint64_t next_lot_id = 0);

 private:
  // Takes up to `want` from the lots of `order` (indices into lots_) that `eligible` accepts,
  // in that order; returns what it took.
  template <class Eligible>
  std::int64_t draw(const std::vector<std::uint32_t>& order, std::int64_t want, Eligible eligible);
  // Takes up to `want` from lot `i` when `eligible` accepts it (journaled); returns what it
  // took. The caller lowers remaining_.
  template <class Eligible>
  std::int64_t take_from(std::uint32_t i, std::int64_t want, Eligible eligible);
  // Offers a lot that became usable to the debt (what it pays leaves it), and marks it so.
  void offer(Lot& lot) noexcept;
  // draw() over the lots in expiry order.
  template <class Eligible>
  std::int64_t draw_by_expiry(std::int64_t want, Eligible eligible);
  // Calls f(index) for each lot in expiry order until it returns false.
  template <class F>
  void for_each_by_expiry(F f) const;
  // Finishes a take or reverse that drew `taken` of `points`: debt or drop, and the entry.
  std::int64_t finish_take(Instant t, EntryKind kind, std::int64_t points, std::int64_t taken,
                           Shortfall shortfall, const Origin& origin);
  // Calls f(lot, pay) for each unoffered lot that settle(t) would offer, in its order, with
  // what it would pay; returns the debt left after.
  template <class F>
  std::int64_t simulate_settle(Instant t, F f) const;
  void rebuild_indexes();

  std::vector<Lot> lots_;  // increasing id
  LotEvents lot_events_;
  Workspace work_;  // the entries not yet forgotten, the journal's saved lots, scratch
  std::int64_t debt_ = 0;
  std::int64_t committed_ = 0;  // sum of the entries forgotten

  // What begin_journal() saw (the old state of every lot changed since is in
  // work_.lots_changed).
  struct Journal {
    std::size_t lots = 0;
    std::size_t lot_events = 0;
    std::size_t entries = 0;
    std::int64_t debt = 0;
    std::int64_t remaining = 0;
    std::uint64_t next_lot_id = 1;
  };
  Journal journal_;
  bool journaling_ = false;
  bool emptied_ = false;  // a lot may have reached 0 since compact() last looked
  void touch(std::uint32_t index);  // records lot `index` before it changes
  std::int64_t remaining_ = 0;  // sum of the lots' remainders
  std::uint64_t next_lot_id_ = 1;
  // Bounds over the lots (kept conservative as lots go): when no lot becomes usable after t
  // and none expires by t, every lot is usable at t, and the balance is remaining_ - debt_
  // without a look at any lot (what paying the debt moves cancels out).
  Instant latest_available_;
  std::optional<Instant> earliest_expiry_;  // nullopt: no lot expires
  [[nodiscard]] bool all_usable_at(Instant t) const noexcept {
    return latest_available_ <= t && (!earliest_expiry_ || t < *earliest_expiry_);
  }
  // Every lot, soonest expiry (never last), then id. Usually that is the lots' own order (as
  // when no lot expires): then by_expiry_ stays empty, and expiry_in_id_order_ says so.
  std::vector<std::uint32_t> by_expiry_;
  bool expiry_in_id_order_ = true;
  std::vector<std::uint32_t> unoffered_;  // lots with paid_debt false: by available_at, then id
};

}  // namespace loyalty::engine
