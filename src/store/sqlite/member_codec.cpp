#include "store/sqlite/member_codec.hpp"

#include <utility>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "loyalty/error.hpp"

namespace loyalty::store::sqlite {

namespace {

using core::ByteReader;
using core::ByteWriter;
using engine::Value;
using engine::ValueKind;

// The first byte: which form, in version 1 of its format.
constexpr std::uint8_t kState = 1;
constexpr std::uint8_t kChanges = 2;
constexpr std::uint8_t kEntries = 3;

// What follows an entry's first byte, whose low 3 bits are its kind.
enum : std::uint8_t {
  kAsked = 8,      // asked != points (else not written)
  kNewEvent = 16,  // its origin's event differs from the entry before's (else not written)
  kNote = 32,      // a note ("" is not written)
  kHasRule = 64,   // a rule made it
};

// Which optional fields of a member follow.
enum : std::uint8_t {
  kTier = 1,
  kTierKeptUntil = 2,
  kStage = 4,
  kLastPurchaseAt = 8,
  kLastDaily = 16,
  kLastEntryAt = 32,
  kSameProfile = 64,  // change records only: the profile is the state's before (not written)
};

// How a lot differs from the plainest one: what follows, and what is implied.
enum : std::uint8_t {
  kSameEvent = 1,  // its origin's event is the lot before's (not written)
  kRule = 2,
  kExpires = 4,
  kPaidDebt = 8,
  kUntouched = 16,        // remaining == points (not written)
  kAvailableAtOnce = 32,  // available_at == created_at (not written)
};

void write_decimal(ByteWriter& w, const Decimal& d) {
  w.text(d.to_string());
}

Decimal read_decimal(ByteReader& r) {
  return Decimal::parse(r.text());
}

void write_value(ByteWriter& w, const Value& v) {
  w.byte(static_cast<std::uint8_t>(v.kind()));
  switch (v.kind()) {
    case ValueKind::none: return;
    case ValueKind::number: return write_decimal(w, v.number());
    case ValueKind::string: return w.text(v.text());
    case ValueKind::duration:
      w.signed_varint(v.duration().count());
      return w.byte(static_cast<std::uint8_t>(v.duration().unit()));
    default:  // boolean, date, time, tier, stage, weekday: an integer
      return w.signed_varint(v.raw());
  }
}

Value read_value(ByteReader& r) {
  const auto kind = static_cast<ValueKind>(r.byte());
  switch (kind) {
    case ValueKind::none: return Value();
    case ValueKind::number: return Value::of(read_decimal(r));
    case ValueKind::string: return Value::of(r.text());
    case ValueKind::boolean: return Value::of(r.signed_varint() != 0);
    case ValueKind::date: return Value::of(Date::from_days(r.signed_varint()));
    case ValueKind::time: return Value::of(Instant::from_seconds(r.signed_varint()));
    case ValueKind::duration: {
      const std::int64_t count = r.signed_varint();
      const std::uint8_t unit = r.byte();
      if (unit > static_cast<std::uint8_t>(Duration::Unit::years)) ByteReader::corrupt();
      return Value::of(Duration(count, static_cast<Duration::Unit>(unit)));
    }
    case ValueKind::tier: return Value::tier(r.index());
    case ValueKind::stage: return Value::stage(r.index());
    case ValueKind::weekday: {
      const std::int64_t day = r.signed_varint();
      if (day < 1 || day > 7) ByteReader::corrupt();
      return Value::of(static_cast<Weekday>(day));
    }
  }
  ByteReader::corrupt();
}

void write_field(ByteWriter& w, const FieldValue& value) {
  w.byte(static_cast<std::uint8_t>(value.index()));
  if (const bool* flag = std::get_if<bool>(&value)) w.byte(*flag ? 1 : 0);
  if (const Decimal* number = std::get_if<Decimal>(&value)) write_decimal(w, *number);
  if (const std::string* text = std::get_if<std::string>(&value)) w.text(*text);
  if (const RawJson* json = std::get_if<RawJson>(&value)) w.text(json->text);
}

FieldValue read_field(ByteReader& r) {
  switch (r.byte()) {
    case 0: return Null{};
    case 1: return r.byte() != 0;
    case 2: return read_decimal(r);
    case 3: return std::string(r.text());
    case 4: return RawJson{std::string(r.text())};
    default: ByteReader::corrupt();
  }
}

void write_time(ByteWriter& w, Instant t) {
  w.signed_varint(t.seconds());
}

Instant read_time(ByteReader& r) {
  return Instant::from_seconds(r.signed_varint());
}

// `profile`: whether the attributes and extra profile keys are written (else the record says
// they are the ones before).
void write_fields(ByteWriter& w, const engine::MemberFields& m, bool profile) {
  const std::uint8_t present = (m.tier ? kTier : 0) | (m.tier_kept_until ? kTierKeptUntil : 0) |
                               (m.stage ? kStage : 0) | (m.last_purchase_at ? kLastPurchaseAt : 0) |
                               (m.last_daily ? kLastDaily : 0) |
                               (m.last_entry_at ? kLastEntryAt : 0) |
                               (profile ? 0 : kSameProfile);
  w.byte(present);
  write_time(w, m.enrolled_at);
  w.varint(m.program_version);
  if (m.tier) w.varint(*m.tier);
  write_time(w, m.tier_since);
  if (m.tier_kept_until) write_time(w, *m.tier_kept_until);
  if (m.stage) w.varint(*m.stage);
  write_time(w, m.stage_since);
  if (profile) {
    w.varint(m.attributes.size());
    for (const Value& value : m.attributes) write_value(w, value);
    w.varint(m.extra_profile.size());
    for (const Attribute& attribute : m.extra_profile) {
      w.text(attribute.name);
      write_field(w, attribute.value);
    }
  }
  w.varint(m.tags.size());
  for (const std::string& tag : m.tags) w.text(tag);
  write_decimal(w, m.spend);
  w.signed_varint(m.purchases);
  w.signed_varint(m.earned);
  if (m.last_purchase_at) write_time(w, *m.last_purchase_at);
  if (m.last_daily) w.signed_varint(m.last_daily->days());
  if (m.last_entry_at) write_time(w, *m.last_entry_at);
  w.varint(m.history.size());
  for (const engine::HistoryPoint& point : m.history) {
    write_time(w, point.time);
    write_decimal(w, point.spend);
    w.signed_varint(point.purchases);
    w.signed_varint(point.earned);
  }
  w.varint(m.rule_uses.size());
  for (const engine::RuleUse& use : m.rule_uses) {
    w.text(use.rule);
    w.varint(use.fired_at.size());
    for (Instant t : use.fired_at) write_time(w, t);
  }
}

// `changes`: reading a change record, onto the state before it (which may keep its profile).
void read_fields(ByteReader& r, engine::MemberFields& m, bool changes) {
  const std::uint8_t present = r.byte();
  if ((present & kSameProfile) != 0 && !changes) ByteReader::corrupt();
  m.enrolled_at = read_time(r);
  m.program_version = r.index();
  m.tier = (present & kTier) != 0 ? std::optional(r.index()) : std::nullopt;
  m.tier_since = read_time(r);
  m.tier_kept_until = (present & kTierKeptUntil) != 0 ? std::optional(read_time(r)) : std::nullopt;
  m.stage = (present & kStage) != 0 ? std::optional(r.index()) : std::nullopt;
  m.stage_since = read_time(r);
  if ((present & kSameProfile) == 0) {
    m.attributes.resize(r.varint());
    for (Value& value : m.attributes) value = read_value(r);
    m.extra_profile.resize(r.varint());
    for (Attribute& attribute : m.extra_profile) {
      attribute.name = r.text();
      attribute.value = read_field(r);
    }
  }
  m.tags.resize(r.varint());
  for (std::string& tag : m.tags) tag = r.text();
  m.spend = read_decimal(r);
  m.purchases = r.signed_varint();
  m.earned = r.signed_varint();
  m.last_purchase_at =
      (present & kLastPurchaseAt) != 0 ? std::optional(read_time(r)) : std::nullopt;
  m.last_daily = (present & kLastDaily) != 0 ? std::optional(Date::from_days(r.signed_varint()))
                                             : std::nullopt;
  m.last_entry_at = (present & kLastEntryAt) != 0 ? std::optional(read_time(r)) : std::nullopt;
  m.history.resize(r.varint());
  for (engine::HistoryPoint& point : m.history) {
    point.time = read_time(r);
    point.spend = read_decimal(r);
    point.purchases = r.signed_varint();
    point.earned = r.signed_varint();
  }
  m.rule_uses.resize(r.varint());
  for (engine::RuleUse& use : m.rule_uses) {
    use.rule = r.text();
    use.fired_at.resize(r.varint());
    for (Instant& t : use.fired_at) t = read_time(r);
  }
}

// Writes `lots` (in increasing id), each relative to the one before.
void write_lots(ByteWriter& w, const engine::Ledger& ledger,
                std::span<const engine::Lot* const> lots) {
  w.varint(lots.size());
  const engine::Lot* before = nullptr;
  for (const engine::Lot* written : lots) {
    const engine::Lot& lot = *written;
    const engine::LotOrigin& origin = lot.origin;
    const std::string_view event = ledger.lot_event(lot);
    const bool same_event = before != nullptr && ledger.lot_event(*before) == event;
    const std::uint8_t flags = (same_event ? kSameEvent : 0) |
                               (origin.rule != engine::Origin::kNoRule ? kRule : 0) |
                               (lot.expires_at ? kExpires : 0) | (lot.paid_debt ? kPaidDebt : 0) |
                               (lot.remaining == lot.points ? kUntouched : 0) |
                               (lot.available_at == lot.created_at ? kAvailableAtOnce : 0);
    w.byte(flags);
    w.varint(lot.id - (before != nullptr ? before->id : 0));
    if (!same_event) w.text(event);
    w.varint(origin.program_version);
    if (origin.rule != engine::Origin::kNoRule) w.varint(origin.rule);
    w.varint(origin.action);
    w.signed_varint(lot.points);
    if (lot.remaining != lot.points) w.signed_varint(lot.remaining);
    w.signed_varint(lot.created_at.seconds() -
                    (before != nullptr ? before->created_at.seconds() : 0));
    if (lot.available_at != lot.created_at) {
      w.signed_varint(lot.available_at.seconds() - lot.created_at.seconds());
    }
    if (lot.expires_at) w.signed_varint(lot.expires_at->seconds() - lot.available_at.seconds());
    before = &lot;
  }
}

// Lots as read, their events handles into `events`.
struct ReadLots {
  std::vector<engine::Lot> lots;
  engine::LotEvents events;
};

ReadLots read_lots(ByteReader& r) {
  ReadLots read;
  std::vector<engine::Lot>& lots = read.lots;
  lots.resize(r.varint());
  const engine::Lot* before = nullptr;
  for (engine::Lot& lot : lots) {
    const std::uint8_t flags = r.byte();
    lot.id = r.varint() + (before != nullptr ? before->id : 0);
    if ((flags & kSameEvent) != 0) {
      if (before == nullptr) ByteReader::corrupt();
      lot.origin.event = before->origin.event;
    } else {
      lot.origin.event = read.events.add(r.text());
    }
    lot.origin.program_version = r.index();
    lot.origin.rule = (flags & kRule) != 0 ? r.index() : engine::Origin::kNoRule;
    const std::uint32_t action = r.index();
    if (action > engine::LotOrigin::kMaxActions) ByteReader::corrupt();
    lot.origin.action = static_cast<std::uint16_t>(action);
    lot.points = r.signed_varint();
    lot.remaining = (flags & kUntouched) != 0 ? lot.points : r.signed_varint();
    lot.created_at = Instant::from_seconds(r.signed_varint() +
                                           (before != nullptr ? before->created_at.seconds() : 0));
    lot.available_at = (flags & kAvailableAtOnce) != 0
                           ? lot.created_at
                           : Instant::from_seconds(lot.created_at.seconds() + r.signed_varint());
    if ((flags & kExpires) != 0) {
      lot.expires_at = Instant::from_seconds(lot.available_at.seconds() + r.signed_varint());
    }
    lot.paid_debt = (flags & kPaidDebt) != 0;
    before = &lot;
  }
  return read;
}

// The parts of both forms: the form, the latest entry, the fields, debt and next lot id, then
// `lots` (in increasing id).
void encode(std::uint8_t form, const engine::MemberState& member, std::int64_t last_entry,
            std::span<const engine::Lot* const> lots, bool profile, std::string& out) {
  const engine::Ledger& ledger = member.ledger;
  ByteWriter w(out);
  w.byte(form);
  w.signed_varint(last_entry);
  write_fields(w, member, profile);
  w.signed_varint(ledger.debt());
  w.varint(ledger.next_lot_id());
  write_lots(w, ledger, lots);
}

// Reads what encode() wrote into `member`, its ledger's lots made by `lots` from those read;
// returns the latest entry.
template <class Lots>
std::int64_t decode(std::uint8_t form, std::string_view bytes, engine::MemberState& member,
                    Lots lots) {
  ByteReader r(bytes);
  try {
    if (r.byte() != form) ByteReader::corrupt();
    const std::int64_t last_entry = r.signed_varint();
    read_fields(r, member, form == kChanges);
    const std::int64_t debt = r.signed_varint();
    const std::uint64_t next_lot_id = r.varint();
    ReadLots read = lots(read_lots(r));
    if (!r.done()) ByteReader::corrupt();
    member.ledger = engine::Ledger::restore(std::move(read.lots), std::move(read.events), debt, {},
                                            next_lot_id);
    return last_entry;
  } catch (const NumberError&) {  // a decimal, or a sum of lots, no valid state holds
    ByteReader::corrupt();
  } catch (const TimeError&) {  // a time or duration out of range
    ByteReader::corrupt();
  }
}

// The lots of `current` updated by `changed` (both in increasing id): changed lots replace
// theirs, new ones join, and those with nothing left go.
ReadLots updated(const std::vector<engine::Lot>& current, const engine::LotEvents& current_events,
                 const ReadLots& changed) {
  ReadLots out;
  out.lots.reserve(current.size() + changed.lots.size());
  const auto keep = [&](const engine::Lot& lot, const engine::LotEvents& events) {
    if (lot.remaining == 0) return;
    engine::Lot& kept = out.lots.emplace_back(lot);
    kept.origin.event = out.events.add(events.get(lot.origin.event));
  };
  auto next = changed.lots.begin();
  for (const engine::Lot& lot : current) {
    for (; next != changed.lots.end() && next->id < lot.id; ++next) keep(*next, changed.events);
    if (next != changed.lots.end() && next->id == lot.id) {
      keep(*next++, changed.events);
    } else {
      keep(lot, current_events);
    }
  }
  for (; next != changed.lots.end(); ++next) keep(*next, changed.events);
  return out;
}

}  // namespace

void encode_member(const engine::MemberState& member, std::int64_t last_entry, std::string& out) {
  std::vector<const engine::Lot*> lots;
  for (const engine::Lot& lot : member.ledger.lots()) {
    if (lot.remaining != 0) lots.push_back(&lot);
  }
  encode(kState, member, last_entry, lots, true, out);
}

void encode_changes(const engine::MemberState& member, std::int64_t last_entry, bool profile,
                    std::vector<const engine::Lot*>& lots, std::string& out) {
  member.ledger.changed_lots(lots);
  encode(kChanges, member, last_entry, lots, profile, out);
}

std::int64_t decode_member(std::string_view bytes, engine::MemberState& member) {
  return decode(kState, bytes, member, [](ReadLots lots) { return lots; });
}

std::int64_t apply_changes(std::string_view bytes, engine::MemberState& member) {
  const std::vector<engine::Lot> current = member.ledger.lots();
  const engine::LotEvents current_events = member.ledger.lot_events();
  return decode(kChanges, bytes, member, [&](const ReadLots& changed) {
    return updated(current, current_events, changed);
  });
}

void encode_entries(std::span<const engine::LedgerEntry> entries, std::string& out) {
  ByteWriter w(out);
  w.byte(kEntries);
  const engine::LedgerEntry* before = nullptr;
  for (const engine::LedgerEntry& entry : entries) {
    const engine::Origin& origin = entry.origin;
    const bool new_event = before == nullptr || before->origin.event != origin.event;
    const std::uint8_t flags = static_cast<std::uint8_t>(
        static_cast<std::uint8_t>(entry.kind) | (entry.asked != entry.points ? kAsked : 0) |
        (new_event ? kNewEvent : 0) | (origin.note.empty() ? 0 : kNote) |
        (origin.rule != engine::Origin::kNoRule ? kHasRule : 0));
    w.byte(flags);
    w.signed_varint(entry.points);
    if ((flags & kAsked) != 0) w.signed_varint(entry.asked);
    // The first entry's time as it is, the others' after the entry before.
    w.signed_varint(entry.time.seconds() - (before != nullptr ? before->time.seconds() : 0));
    if (new_event) w.text(origin.event);
    if ((flags & kNote) != 0) w.text(origin.note);
    w.varint(origin.program_version);
    if ((flags & kHasRule) != 0) w.varint(origin.rule);
    w.varint(origin.action);
    before = &entry;
  }
}

void decode_entries(std::string_view bytes, std::vector<engine::LedgerEntry>& into) {
  ByteReader r(bytes);
  if (r.byte() != kEntries) ByteReader::corrupt();
  const std::size_t first = into.size();
  try {
    while (!r.done()) {
      const std::uint8_t flags = r.byte();
      if ((flags & 7) > static_cast<std::uint8_t>(engine::EntryKind::expire) || flags >= 128 ||
          (into.size() == first && (flags & kNewEvent) == 0)) {
        ByteReader::corrupt();
      }
      engine::LedgerEntry& entry = into.emplace_back();
      const engine::LedgerEntry* before = into.size() - 1 > first ? &into[into.size() - 2] : nullptr;
      entry.kind = static_cast<engine::EntryKind>(flags & 7);
      entry.points = r.signed_varint();
      entry.asked = (flags & kAsked) != 0 ? r.signed_varint() : entry.points;
      std::int64_t time = r.signed_varint();
      if (before != nullptr && __builtin_add_overflow(before->time.seconds(), time, &time)) {
        ByteReader::corrupt();
      }
      entry.time = Instant::from_seconds(time);
      engine::Origin& origin = entry.origin;
      if ((flags & kNewEvent) != 0) {
        origin.event.assign(r.text());
      } else {
        origin.event = before->origin.event;
      }
      if ((flags & kNote) != 0) origin.note.assign(r.text());
      origin.program_version = r.index();
      origin.rule = (flags & kHasRule) != 0 ? r.index() : engine::Origin::kNoRule;
      origin.action = r.index();
    }
  } catch (const TimeError&) {  // a time out of range
    ByteReader::corrupt();
  }
}

}  // namespace loyalty::store::sqlite
