#include "engine/ledger.hpp"

#include <algorithm>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loyalty/error.hpp"

namespace loyalty::engine {

namespace {

constexpr std::int64_t kMaxPoints = std::numeric_limits<std::int64_t>::max();

// Soonest expiry first, never-expiring last, then oldest: the order points leave lots in.
bool expiry_before(const Lot& a, const Lot& b) noexcept {
  if (a.expires_at.has_value() != b.expires_at.has_value()) return a.expires_at.has_value();
  if (a.expires_at && *a.expires_at != *b.expires_at) return *a.expires_at < *b.expires_at;
  return a.id < b.id;
}

// Earliest availability first, then oldest: the order lots pay debt in.
bool availability_before(const Lot& a, const Lot& b) noexcept {
  if (a.available_at != b.available_at) return a.available_at < b.available_at;
  return a.id < b.id;
}

// Whether the lot is usable at some instant at all.
bool ever_usable(const Lot& lot) noexcept {
  return !lot.expires_at || lot.available_at < *lot.expires_at;
}

void require_non_negative(std::int64_t points, const char* what) {
  if (points < 0) {
    throw EventError(std::string(what) + " of " + std::to_string(points) +
                     " points: the ledger takes no negative amount");
  }
}

void require_debt_room(std::int64_t debt, std::int64_t points) {
  if (debt > kMaxPoints - points) {
    throw NumberError(ErrorCode::number_overflow, "a debt of " + std::to_string(debt) + " and " +
                                                      std::to_string(points) +
                                                      " more points would overflow 64 bits");
  }
}

std::uint32_t index_of(std::size_t i) {
  if (i >= std::numeric_limits<std::uint32_t>::max()) {
    throw NumberError(ErrorCode::number_overflow, "too many lots for one member");
  }
  return static_cast<std::uint32_t>(i);
}

}  // namespace

const char* entry_kind_name(EntryKind kind) noexcept {
  switch (kind) {
    case EntryKind::award: return "award";
    case EntryKind::deduct: return "deduct";
    case EntryKind::reverse: return "reverse";
    case EntryKind::redeem: return "redeem";
    case EntryKind::adjust: return "adjust";
    case EntryKind::expire: return "expire";
  }
  return "unknown";
}

bool Lot::usable_at(Instant t) const noexcept {
  return available_at <= t && !expired_at(t);
}

bool Lot::expired_at(Instant t) const noexcept {
  return expires_at && *expires_at <= t;
}

template <class F>
std::int64_t Ledger::simulate_settle(Instant t, F f) const {
  std::int64_t debt = debt_;
  for (const std::uint32_t i : unoffered_) {
    if (debt == 0) break;
    const Lot& lot = lots_[i];
    if (lot.available_at > t) break;
    if (!ever_usable(lot)) continue;
    const std::int64_t pay = std::min(debt, lot.remaining);
    debt -= pay;
    f(lot, pay);
  }
  return debt;
}

std::int64_t Ledger::available(Instant t) const noexcept {
  if (all_usable_at(t)) return remaining_ - debt_;
  std::int64_t usable = 0;  // never overflows: at most remaining_
  for (const Lot& lot : lots_) {
    if (lot.remaining > 0 && lot.usable_at(t)) usable += lot.remaining;
  }
  const std::int64_t debt = simulate_settle(t, [&](const Lot& lot, std::int64_t pay) {
    if (lot.usable_at(t)) usable -= pay;
  });
  return usable - debt;
}

std::int64_t Ledger::pending(Instant t) const noexcept {
  if (all_usable_at(t)) return 0;
  std::int64_t sum = 0;
  for (const Lot& lot : lots_) {
    if (lot.available_at > t && !lot.expired_at(t)) sum += lot.remaining;
  }
  return sum;
}

std::int64_t Ledger::expiring_within(Instant t, Instant until) const noexcept {
  const auto counts = [&](const Lot& lot) {
    return lot.usable_at(t) && lot.expires_at && *lot.expires_at <= until;
  };
  std::int64_t sum = 0;
  for (const Lot& lot : lots_) {
    if (lot.remaining > 0 && counts(lot)) sum += lot.remaining;
  }
  simulate_settle(t, [&](const Lot& lot, std::int64_t pay) {
    if (counts(lot)) sum -= pay;
  });
  return sum;
}

std::span<const LedgerEntry> Ledger::entries_since(std::size_t mark) const noexcept {
  if (mark >= work_.entries.size()) return {};
  return std::span<const LedgerEntry>(work_.entries).subspan(mark);
}

const Lot* Ledger::find_lot(std::uint64_t id) const noexcept {
  const auto it = std::lower_bound(lots_.begin(), lots_.end(), id,
                                   [](const Lot& lot, std::uint64_t v) { return lot.id < v; });
  return it != lots_.end() && it->id == id ? &*it : nullptr;
}

void Ledger::settle(Instant t) {
  std::size_t done = 0;
  while (done < unoffered_.size()) {
    Lot& lot = lots_[unoffered_[done]];
    if (lot.available_at > t) break;
    touch(unoffered_[done]);
    offer(lot);
    ++done;
  }
  unoffered_.erase(unoffered_.begin(), unoffered_.begin() + static_cast<std::ptrdiff_t>(done));
}

std::optional<std::uint64_t> Ledger::award(Instant t, std::int64_t points, Instant available_at,
                                           std::optional<Instant> expires_at, const Origin& origin,
                                           EntryKind kind) {
  if (points < 0) require_non_negative(points, entry_kind_name(kind));
  if (points == 0) return std::nullopt;
  if (remaining_ > kMaxPoints - points) {
    throw NumberError(ErrorCode::number_overflow,
                      "an award of " + std::to_string(points) + " points would overflow 64 bits");
  }
  if (origin.action > LotOrigin::kMaxActions) {  // the checker refuses such a rule
    throw NumberError(ErrorCode::number_overflow, "an action index beyond a lot's 16 bits");
  }
  const std::uint32_t index = index_of(lots_.size());
  settle(t);

  Lot lot;
  lot.id = next_lot_id_;
  lot.origin = LotOrigin{lot_events_.add(origin.event), origin.program_version, origin.rule,
                         static_cast<std::uint16_t>(origin.action)};
  lot.points = points;
  lot.remaining = points;
  lot.created_at = t;
  lot.available_at = available_at;
  lot.expires_at = expires_at;
  latest_available_ = std::max(latest_available_, available_at);
  if (expires_at && (!earliest_expiry_ || *expires_at < *earliest_expiry_)) {
    earliest_expiry_ = expires_at;
  }
  // A member keeps its lots while they have points: the vector grows by half, not double, so
  // that less of it is room not yet used.
  if (lots_.size() == lots_.capacity()) lots_.reserve(lots_.size() + lots_.size() / 2 + 2);
  lots_.push_back(lot);
  ++next_lot_id_;
  remaining_ += points;
  work_.entries.emplace_back(kind, points, points, t, origin);  // built in place: one copy

  Lot& added = lots_.back();
  if (expiry_in_id_order_) {
    if (index > 0 && !expiry_before(lots_[index - 1], added)) {
      // It expires before an older lot: the order is no longer the lots' own.
      expiry_in_id_order_ = false;
      by_expiry_.resize(index);
      std::iota(by_expiry_.begin(), by_expiry_.end(), std::uint32_t{0});
      by_expiry_.insert(std::upper_bound(by_expiry_.begin(), by_expiry_.end(), index,
                                         [&](std::uint32_t a, std::uint32_t b) {
                                           return expiry_before(lots_[a], lots_[b]);
                                         }),
                        index);
    }
  } else if (expiry_before(lots_[by_expiry_.back()], added)) {
    by_expiry_.push_back(index);  // it goes last
  } else {
    by_expiry_.insert(std::upper_bound(by_expiry_.begin(), by_expiry_.end(), index,
                                       [&](std::uint32_t a, std::uint32_t b) {
                                         return expiry_before(lots_[a], lots_[b]);
                                       }),
                      index);
  }
  if (available_at <= t) {
    // Usable at once: settle(t) above left only lots available after t unoffered, so this
    // one is offered now, first, and pays the debt before it adds to the balance.
    offer(added);
  } else {
    unoffered_.insert(std::upper_bound(unoffered_.begin(), unoffered_.end(), index,
                                       [&](std::uint32_t a, std::uint32_t b) {
                                         return availability_before(lots_[a], lots_[b]);
                                       }),
                      index);
  }
  return added.id;
}

void Ledger::offer(Lot& lot) noexcept {
  if (ever_usable(lot)) {
    const std::int64_t pay = std::min(debt_, lot.remaining);
    lot.remaining -= pay;
    remaining_ -= pay;
    debt_ -= pay;
    if (lot.remaining == 0) emptied_ = true;
  }
  lot.paid_debt = true;
}

template <class Eligible>
std::int64_t Ledger::take_from(std::uint32_t i, std::int64_t want, Eligible eligible) {
  Lot& lot = lots_[i];
  if (lot.remaining == 0 || !eligible(lot)) return 0;
  touch(i);
  const std::int64_t part = std::min(want, lot.remaining);
  lot.remaining -= part;
  if (lot.remaining == 0) emptied_ = true;
  return part;
}

template <class Eligible>
std::int64_t Ledger::draw(const std::vector<std::uint32_t>& order, std::int64_t want,
                          Eligible eligible) {
  std::int64_t taken = 0;
  for (const std::uint32_t i : order) {
    if (taken == want) break;
    taken += take_from(i, want - taken, eligible);
  }
  remaining_ -= taken;
  return taken;
}

template <class F>
void Ledger::for_each_by_expiry(F f) const {
  if (!expiry_in_id_order_) {
    for (const std::uint32_t i : by_expiry_) {
      if (!f(i)) return;
    }
    return;
  }
  const auto count = static_cast<std::uint32_t>(lots_.size());
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!f(i)) return;
  }
}

template <class Eligible>
std::int64_t Ledger::draw_by_expiry(std::int64_t want, Eligible eligible) {
  std::int64_t taken = 0;
  for_each_by_expiry([&](std::uint32_t i) {
    if (taken == want) return false;
    taken += take_from(i, want - taken, eligible);
    return true;
  });
  remaining_ -= taken;
  return taken;
}

std::int64_t Ledger::finish_take(Instant t, EntryKind kind, std::int64_t points, std::int64_t taken,
                                 Shortfall shortfall, const Origin& origin) {
  if (taken < points && shortfall == Shortfall::debt) {
    debt_ += points - taken;
    taken = points;
  }
  work_.entries.emplace_back(kind, -taken, -points, t, origin);
  return taken;
}

std::int64_t Ledger::take(Instant t, EntryKind kind, std::int64_t points, Shortfall shortfall,
                          const Origin& origin) {
  if (points < 0) require_non_negative(points, entry_kind_name(kind));
  if (points == 0) return 0;
  if (shortfall == Shortfall::debt) require_debt_room(debt_, points);
  settle(t);
  const std::int64_t taken =
      draw_by_expiry(points, [t](const Lot& lot) { return lot.usable_at(t); });
  return finish_take(t, kind, points, taken, shortfall, origin);
}

std::int64_t Ledger::reverse(Instant t, std::int64_t points,
                             const std::vector<std::uint64_t>& own_lots, Shortfall shortfall,
                             const Origin& origin) {
  require_non_negative(points, "a reversal");
  if (points == 0) return 0;
  if (shortfall == Shortfall::debt) require_debt_room(debt_, points);
  settle(t);

  work_.scratch.clear();
  for (const std::uint64_t id : own_lots) {
    const Lot* lot = find_lot(id);
    if (lot != nullptr && lot->remaining > 0 && !lot->expired_at(t)) {
      work_.scratch.push_back(static_cast<std::uint32_t>(lot - lots_.data()));
    }
  }
  const auto before = [&](std::uint32_t a, std::uint32_t b) {
    return expiry_before(lots_[a], lots_[b]);
  };
  std::sort(work_.scratch.begin(), work_.scratch.end(), before);
  work_.scratch.erase(std::unique(work_.scratch.begin(), work_.scratch.end()), work_.scratch.end());

  std::int64_t taken = draw(work_.scratch, points, [](const Lot&) { return true; });
  if (taken < points) {
    taken += draw_by_expiry(points - taken, [t](const Lot& lot) { return lot.usable_at(t); });
  }
  return finish_take(t, EntryKind::reverse, points, taken, shortfall, origin);
}

bool Ledger::can_redeem(Instant t, std::int64_t points) const noexcept {
  return available(t) >= points;
}

std::int64_t Ledger::expire(Instant t, const Origin& origin) {
  settle(t);
  std::int64_t expired = 0;
  for_each_by_expiry([&](std::uint32_t i) {
    Lot& lot = lots_[i];
    if (!lot.expired_at(t)) return false;  // the expiry order puts every lot expired at t first
    if (lot.remaining == 0) return true;
    touch(i);
    work_.entries.push_back(LedgerEntry{EntryKind::expire, -lot.remaining, -lot.remaining, t, origin});
    expired += lot.remaining;
    lot.remaining = 0;
    emptied_ = true;
    return true;
  });
  remaining_ -= expired;
  return expired;
}

void Ledger::touch(std::uint32_t index) {
  if (journaling_ && index < journal_.lots) {
    work_.lots_changed.push_back({index, lots_[index].remaining, lots_[index].paid_debt});
  }
}

void Ledger::begin_journal() noexcept {
  journaling_ = true;
  journal_.lots = lots_.size();
  journal_.lot_events = lot_events_.size();
  journal_.entries = work_.entries.size();
  journal_.debt = debt_;
  journal_.remaining = remaining_;
  journal_.next_lot_id = next_lot_id_;
  work_.lots_changed.clear();
}

void Ledger::changed_lots(std::vector<const Lot*>& out) const {
  out.clear();
  if (!journaling_) return;
  // A lot is saved each time it is touched; its first save holds what it was.
  const auto& saved = work_.lots_changed;
  const auto changed = [&](const Workspace::Saved& first) {
    const Lot& lot = lots_[first.index];
    return lot.remaining != first.remaining || lot.paid_debt != first.paid_debt;
  };
  if (saved.size() <= 32) {
    // Few lots change in one transaction: a look back for an earlier save of the same lot
    // costs less than a sort.
    for (auto it = saved.begin(); it != saved.end(); ++it) {
      const bool first = std::none_of(saved.begin(), it, [&](const Workspace::Saved& s) {
        return s.index == it->index;
      });
      if (first && changed(*it)) out.push_back(&lots_[it->index]);
    }
    std::sort(out.begin(), out.end(), [](const Lot* a, const Lot* b) { return a->id < b->id; });
  } else {
    std::vector<Workspace::Saved> firsts(saved.begin(), saved.end());
    std::stable_sort(firsts.begin(), firsts.end(),
                     [](const auto& a, const auto& b) { return a.index < b.index; });
    for (std::size_t i = 0; i < firsts.size(); ++i) {
      if (i > 0 && firsts[i].index == firsts[i - 1].index) continue;
      if (changed(firsts[i])) out.push_back(&lots_[firsts[i].index]);
    }
  }
  for (std::size_t i = journal_.lots; i < lots_.size(); ++i) {
    if (lots_[i].remaining != 0) out.push_back(&lots_[i]);
  }
}

void Ledger::rollback_journal() {
  if (!journaling_) return;
  Journal& j = journal_;
  lots_.resize(j.lots);
  lot_events_.truncate(j.lot_events);
  for (auto it = work_.lots_changed.rbegin(); it != work_.lots_changed.rend(); ++it) {
    lots_[it->index].remaining = it->remaining;
    lots_[it->index].paid_debt = it->paid_debt;
  }
  work_.entries.resize(j.entries);
  debt_ = j.debt;
  remaining_ = j.remaining;
  next_lot_id_ = j.next_lot_id;
  journaling_ = false;
  rebuild_indexes();
}

std::size_t Ledger::compact() {
  if (!emptied_) return 0;  // no lot has been emptied since the last look
  const auto empty = [](const Lot& lot) { return lot.remaining == 0; };
  const auto dropped = static_cast<std::size_t>(std::count_if(lots_.begin(), lots_.end(), empty));
  if (dropped == 0) {
    emptied_ = false;
    return 0;
  }
  // Everything that may throw comes first, so that a failure leaves the ledger as it was: the
  // lots kept, with their event ids written again (so the text does not grow without end).
  std::vector<Lot> kept;
  kept.reserve(lots_.size() - dropped);
  std::remove_copy_if(lots_.begin(), lots_.end(), std::back_inserter(kept), empty);
  LotEvents events;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    Lot& lot = kept[i];
    if (i == 0 || lot.origin.event != from) {
      from = lot.origin.event;
      to = events.add(lot_events_.get(from));
    }
    lot.origin.event = to;
  }
  by_expiry_.reserve(kept.size());  // so that rebuild_indexes() allocates nothing
  unoffered_.reserve(kept.size());
  lots_.swap(kept);
  lot_events_ = std::move(events);
  rebuild_indexes();
  emptied_ = false;
  return dropped;
}

void Ledger::rebuild_indexes() {
  latest_available_ = Instant();
  earliest_expiry_.reset();
  for (const Lot& lot : lots_) {
    latest_available_ = std::max(latest_available_, lot.available_at);
    if (lot.expires_at && (!earliest_expiry_ || *lot.expires_at < *earliest_expiry_)) {
      earliest_expiry_ = lot.expires_at;
    }
  }
  expiry_in_id_order_ = true;
  for (std::size_t i = 1; i < lots_.size() && expiry_in_id_order_; ++i) {
    expiry_in_id_order_ = expiry_before(lots_[i - 1], lots_[i]);
  }
  by_expiry_.clear();
  if (!expiry_in_id_order_) {
    by_expiry_.resize(lots_.size());
    std::iota(by_expiry_.begin(), by_expiry_.end(), std::uint32_t{0});
    std::sort(by_expiry_.begin(), by_expiry_.end(),
              [&](std::uint32_t a, std::uint32_t b) { return expiry_before(lots_[a], lots_[b]); });
  }
  unoffered_.clear();
  for (std::size_t i = 0; i < lots_.size(); ++i) {
    if (!lots_[i].paid_debt) unoffered_.push_back(static_cast<std::uint32_t>(i));
  }
  std::sort(unoffered_.begin(), unoffered_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return availability_before(lots_[a], lots_[b]);
  });
}

void Ledger::forget_entries() noexcept {
  for (const LedgerEntry& entry : work_.entries) committed_ += entry.points;
  work_.entries.clear();
}

void Ledger::replace_entries(std::vector<LedgerEntry> all) noexcept {
  work_.entries = std::move(all);
  committed_ = 0;
}

void Ledger::swap_workspace(Workspace& workspace) noexcept {
  work_.entries.swap(workspace.entries);
  work_.scratch.swap(workspace.scratch);
  work_.lots_changed.swap(workspace.lots_changed);
}

std::uint32_t LotEvents::add(std::string_view event) {
  if (last_ != kNone && get(last_) == event) return last_;
  if (text_.size() + sizeof(std::uint32_t) + event.size() >= kNone) {
    throw NumberError(ErrorCode::number_overflow, "too many lots' event ids for one member");
  }
  const auto size = static_cast<std::uint32_t>(event.size());
  const std::size_t at = text_.size();
  text_.resize(at + sizeof size + event.size());  // one growth for the length and the id
  std::memcpy(text_.data() + at, &size, sizeof size);
  std::memcpy(text_.data() + at + sizeof size, event.data(), event.size());
  last_ = static_cast<std::uint32_t>(at);
  return last_;
}

std::string_view LotEvents::get(std::uint32_t handle) const noexcept {
  std::uint32_t size = 0;
  std::memcpy(&size, text_.data() + handle, sizeof size);
  return {text_.data() + handle + sizeof size, size};
}

bool LotEvents::valid(std::uint32_t handle) const noexcept {
  if (text_.size() < sizeof(std::uint32_t) || handle > text_.size() - sizeof(std::uint32_t)) {
    return false;
  }
  std::uint32_t size = 0;
  std::memcpy(&size, text_.data() + handle, sizeof size);
  return size <= text_.size() - handle - sizeof size;
}

void LotEvents::truncate(std::size_t size) noexcept {
  if (size >= text_.size()) return;
  text_.resize(size);
  if (last_ != kNone && last_ >= size) last_ = kNone;
}

Ledger Ledger::restore(std::vector<Lot> lots, LotEvents events, std::int64_t debt,
                       std::vector<LedgerEntry> entries, std::uint64_t next_lot_id) {
  Ledger ledger;
  index_of(lots.size());
  std::sort(lots.begin(), lots.end(), [](const Lot& a, const Lot& b) { return a.id < b.id; });
  std::int64_t remaining = 0;
  for (const Lot& lot : lots) {
    if (__builtin_add_overflow(remaining, lot.remaining, &remaining)) {
      throw NumberError(ErrorCode::number_overflow, "the lots' remainders overflow 64 bits");
    }
  }
  ledger.next_lot_id_ = std::max<std::uint64_t>(next_lot_id, 1);
  if (!lots.empty()) ledger.next_lot_id_ = std::max(ledger.next_lot_id_, lots.back().id + 1);
  for (const Lot& lot : lots) {
    if (!events.valid(lot.origin.event)) {
      throw NumberError(ErrorCode::number_overflow,
                        "lot " + std::to_string(lot.id) + " names no stored event id");
    }
  }
  ledger.lots_ = std::move(lots);
  ledger.lot_events_ = std::move(events);
  ledger.emptied_ = true;  // the lots may hold empty ones
  ledger.work_.entries = std::move(entries);
  ledger.debt_ = debt;
  ledger.remaining_ = remaining;
  ledger.rebuild_indexes();
  return ledger;
}

std::string Ledger::check_invariant() const {
  const auto lot_name = [](const Lot& lot) { return "lot " + std::to_string(lot.id); };
  if (debt_ < 0) return "negative debt " + std::to_string(debt_);
  std::int64_t remaining = 0;
  for (std::size_t i = 0; i < lots_.size(); ++i) {
    const Lot& lot = lots_[i];
    if (lot.id == 0 || lot.id >= next_lot_id_) {
      return lot_name(lot) + " is not below the next lot id " + std::to_string(next_lot_id_);
    }
    if (i > 0 && lots_[i - 1].id >= lot.id) return lot_name(lot) + " is out of id order";
    if (lot.remaining < 0 || lot.remaining > lot.points) {
      return lot_name(lot) + " has " + std::to_string(lot.remaining) + " left of " +
             std::to_string(lot.points);
    }
    if (__builtin_add_overflow(remaining, lot.remaining, &remaining)) {
      return "the lots' remainders overflow";
    }
  }
  if (remaining != remaining_) {
    return "the lots hold " + std::to_string(remaining) + " but the ledger counts " +
           std::to_string(remaining_);
  }
  std::int64_t sum = committed_;
  for (std::size_t i = 0; i < work_.entries.size(); ++i) {
    const LedgerEntry& entry = work_.entries[i];
    const bool gives =
        entry.kind == EntryKind::award || (entry.kind == EntryKind::adjust && entry.points > 0);
    const bool well_formed =
        gives || entry.kind == EntryKind::expire
            ? entry.asked == entry.points && entry.points != 0 && gives == (entry.points > 0)
            : entry.points <= 0 && entry.asked <= entry.points;
    if (!well_formed) {
      return "entry " + std::to_string(i) + " (" + entry_kind_name(entry.kind) + " " +
             std::to_string(entry.points) + ", asked " + std::to_string(entry.asked) +
             ") has the wrong sign, or took more than it asked";
    }
    if (__builtin_add_overflow(sum, entry.points, &sum)) return "the entries' sum overflows";
  }
  if (sum != remaining - debt_) {
    return "the entries sum to " + std::to_string(sum) + " but the lots hold " +
           std::to_string(remaining) + " less a debt of " + std::to_string(debt_);
  }

  std::vector<std::uint32_t> order = by_expiry_;
  if (expiry_in_id_order_) {
    if (!by_expiry_.empty()) return "the expiry order is the lots' own, but listed";
    order.resize(lots_.size());
    std::iota(order.begin(), order.end(), std::uint32_t{0});
  }
  if (order.size() != lots_.size()) return "the expiry order misses lots";
  std::vector<bool> seen(lots_.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::uint32_t i = order[k];
    if (i >= lots_.size() || seen[i]) return "the expiry order is not a permutation";
    seen[i] = true;
    if (k > 0 && !expiry_before(lots_[order[k - 1]], lots_[i])) {
      return "the expiry order is out of order at " + lot_name(lots_[i]);
    }
  }
  std::size_t unoffered = 0;
  for (const Lot& lot : lots_) unoffered += lot.paid_debt ? 0 : 1;
  if (unoffered != unoffered_.size()) return "the settle order misses lots";
  for (std::size_t k = 0; k < unoffered_.size(); ++k) {
    const std::uint32_t i = unoffered_[k];
    if (i >= lots_.size() || lots_[i].paid_debt) return "the settle order holds an offered lot";
    if (k > 0 && !availability_before(lots_[unoffered_[k - 1]], lots_[i])) {
      return "the settle order is out of order at " + lot_name(lots_[i]);
    }
  }
  return "";
}

}  // namespace loyalty::engine
