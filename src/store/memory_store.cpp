#include "store/memory_store.hpp"

#include "core/bytes.hpp"
#include "core/decimal_wide.hpp"
#include "store/buffered_transaction.hpp"
#include "store/member_journal.hpp"

#include "loyalty/engine.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#define XXH_INLINE_ALL  // header-only: the hash inlines where it is used
#include <xxhash.h>

namespace loyalty {

std::shared_ptr<store::Store> make_memory_store() {
  return std::make_shared<store::MemoryStore>();
}

}  // namespace loyalty

namespace loyalty::store {

std::size_t hash_id(std::string_view id) noexcept {
  return static_cast<std::size_t>(XXH3_64bits(id.data(), id.size()));
}

Arena::Ref Arena::append(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (std::string_view part : parts) size += part.size();
  char* out = nullptr;
  const Ref ref = allocate(size, out);
  for (std::string_view part : parts) {
    if (!part.empty()) std::memcpy(out, part.data(), part.size());
    out += part.size();
  }
  return ref;
}

Arena::Ref Arena::allocate(std::size_t size, char*& out) {
  char prefix[10];
  const auto prefix_size = static_cast<std::size_t>(core::write_varint(prefix, size) - prefix);
  const std::size_t whole = prefix_size + size;
  if (blocks_.empty() || used_ + whole > blocks_.back().size) {
    const std::size_t block_size = std::max(kBlock, whole);
    blocks_.reserve(blocks_.size() + 1);  // so that the block cannot leak
    blocks_.push_back(Block{static_cast<char*>(core::allocate_block(block_size)), block_size});
    used_ = 0;
  }
  const Ref ref = (static_cast<Ref>(blocks_.size() - 1) << 32) | used_;
  char* at = blocks_.back().data + used_;
  std::memcpy(at, prefix, prefix_size);
  out = at + prefix_size;
  used_ += whole;
  return ref;
}

Arena::~Arena() {
  for (const Block& block : blocks_) core::free_block(block.data, block.size);
}

namespace {

enum : std::uint8_t { kEntryHasOutcome = 1 };
constexpr std::size_t kEntryPurchase = sizeof(Arena::Ref);  // the flags byte's offset

// Bytes of `v` as a varint.
std::size_t varint_size(std::uint64_t v) noexcept {
  std::size_t size = 1;
  for (; v >= 0x80; v >>= 7) ++size;
  return size;
}

// Writes an entry's head at `out`: the purchase record, the flags and the id's size (a
// varint); returns where the id goes.
char* write_entry_head(char* out, Arena::Ref purchase, std::uint8_t flags,
                       std::uint64_t id_size) noexcept {
  std::memcpy(out, &purchase, sizeof purchase);
  out[kEntryPurchase] = static_cast<char>(flags);
  return core::write_varint(out + kEntryPurchase + 1, id_size);
}

}  // namespace

MemoryStore::RecordEntry MemoryStore::entry_of(const Arena& arena, Arena::Ref ref) noexcept {
  const std::string_view all = arena.view(ref);
  RecordEntry entry{};
  entry.purchase = const_cast<char*>(all.data());
  entry.has_outcome = (static_cast<std::uint8_t>(all[kEntryPurchase]) & kEntryHasOutcome) != 0;
  const char* p = all.data() + kEntryPurchase + 1;
  const std::uint64_t id_size = core::read_varint_in_memory(p);
  entry.id = {p, id_size};
  if (entry.has_outcome) {
    const char* rest = entry.id.data() + entry.id.size();
    entry.outcome = {rest, static_cast<std::size_t>(all.data() + all.size() - rest)};
  }
  return entry;
}

std::string_view MemoryStore::entry_id(const Arena& arena, Arena::Ref ref) noexcept {
  const char* p = arena.view(ref).data() + kEntryPurchase + 1;
  const std::uint64_t id_size = core::read_varint_in_memory(p);
  return {p, id_size};
}

Arena::Ref MemoryStore::RecordEntry::purchase_ref() const noexcept {
  Arena::Ref ref = Arena::kNone;
  std::memcpy(&ref, purchase, sizeof ref);
  return ref;
}

void MemoryStore::RecordEntry::set_purchase_ref(Arena::Ref ref) const noexcept {
  std::memcpy(purchase, &ref, sizeof ref);
}

std::pair<const MemoryStore::StoredRecord*, bool> MemoryStore::record_outcome(
    Records& records, std::string_view id, std::uint64_t fingerprint, std::string_view outcome) {
  const std::size_t hash = Hash{}(id);
  auto it = records.find(id, hash);
  Arena::Ref purchase = Arena::kNone;
  bool had_outcome = false;
  if (it != records.end()) {
    const RecordEntry before = entry_of(arena_, it->entry);
    purchase = before.purchase_ref();
    had_outcome = before.has_outcome;
  }
  const std::size_t head = kEntryPurchase + 1 + varint_size(id.size());
  char* out = nullptr;
  const Arena::Ref entry =
      arena_.allocate(head + id.size() + sizeof fingerprint + outcome.size(), out);
  out = write_entry_head(out, purchase, kEntryHasOutcome, id.size());
  std::memcpy(out, id.data(), id.size());
  out += id.size();
  std::memcpy(out, &fingerprint, sizeof fingerprint);
  out += sizeof fingerprint;
  if (!outcome.empty()) std::memcpy(out, outcome.data(), outcome.size());
  if (it == records.end()) {
    it = records.insert(StoredRecord{entry, hash}).first;
  } else {
    it->entry = entry;
  }
  return {&*it, had_outcome};
}

void MemoryStore::record_purchase(Records& records, std::string_view id, Arena::Ref purchase,
                                  const StoredRecord* slot) {
  if (slot == nullptr) {
    const std::size_t hash = Hash{}(id);
    auto it = records.find(id, hash);
    if (it == records.end()) {
      char* out = nullptr;
      const Arena::Ref entry =
          arena_.allocate(kEntryPurchase + 1 + varint_size(id.size()) + id.size(), out);
      out = write_entry_head(out, purchase, 0, id.size());
      std::memcpy(out, id.data(), id.size());
      records.insert(StoredRecord{entry, hash});
      return;
    }
    slot = &*it;
  }
  entry_of(arena_, slot->entry).set_purchase_ref(purchase);
}

namespace {

// A member's ledger entries are kept encoded, one batch per commit: the batch's event id once,
// then each entry's kind, points, time (as a delta), rule and whatever differs from the usual.
enum : std::uint8_t { kOtherEvent = 0x10, kNote = 0x20, kAskedDiffers = 0x40 };

void append_entries(std::span<const engine::LedgerEntry> entries, std::string& out,
                    std::int64_t& last_time) {
  if (entries.empty()) return;
  core::ByteWriter w(out);
  w.varint(entries.size());
  const std::string& event = entries.front().origin.event;
  w.text(event);
  for (const engine::LedgerEntry& e : entries) {
    std::uint8_t head = static_cast<std::uint8_t>(e.kind);
    if (e.origin.event != event) head |= kOtherEvent;
    if (!e.origin.note.empty()) head |= kNote;
    if (e.asked != e.points) head |= kAskedDiffers;
    w.byte(head);
    w.signed_varint(e.points);
    if ((head & kAskedDiffers) != 0) w.signed_varint(e.asked);
    w.signed_varint(e.time.seconds() - last_time);
    last_time = e.time.seconds();
    if ((head & kOtherEvent) != 0) w.text(e.origin.event);
    if ((head & kNote) != 0) w.text(e.origin.note);
    w.varint(e.origin.program_version);
    w.varint(e.origin.rule == engine::Origin::kNoRule ? 0 : std::uint64_t{e.origin.rule} + 1);
    if (e.origin.rule != engine::Origin::kNoRule) w.varint(e.origin.action);
  }
}

std::vector<engine::LedgerEntry> read_entries(std::string_view bytes) {
  std::vector<engine::LedgerEntry> entries;
  core::ByteReader r(bytes);
  std::int64_t last_time = 0;
  while (!r.done()) {
    const std::uint64_t count = r.varint();
    const std::string_view event = r.text();
    for (std::uint64_t i = 0; i < count; ++i) {
      engine::LedgerEntry& e = entries.emplace_back();
      const std::uint8_t head = r.byte();
      if ((head & 0x0f) > static_cast<std::uint8_t>(engine::EntryKind::expire)) {
        core::ByteReader::corrupt();
      }
      e.kind = static_cast<engine::EntryKind>(head & 0x0f);
      e.points = r.signed_varint();
      e.asked = (head & kAskedDiffers) != 0 ? r.signed_varint() : e.points;
      last_time += r.signed_varint();
      e.time = Instant::from_seconds(last_time);
      e.origin.event = (head & kOtherEvent) != 0 ? r.text() : event;
      if ((head & kNote) != 0) e.origin.note = r.text();
      e.origin.program_version = r.index();
      const std::uint32_t rule = r.index();
      if (rule != 0) {
        e.origin.rule = rule - 1;
        e.origin.action = r.index();
      }
    }
  }
  return entries;
}

// An event's record as stored: its fingerprint, then the outcome.
EventRecord split_record(std::string_view stored) {
  EventRecord record;
  std::memcpy(&record.fingerprint, stored.data(), sizeof record.fingerprint);
  record.outcome = stored.substr(sizeof record.fingerprint);
  return record;
}

// A decimal as its scale and coefficient (as text when it is wider than 64 bits).
constexpr std::uint8_t kWideDecimal = 0xFF;
void write_decimal(core::ByteWriter& w, const Decimal& d) {
  if (!DecimalAccess::is_small(d)) {
    w.byte(kWideDecimal);
    w.text(d.to_string());
    return;
  }
  w.byte(static_cast<std::uint8_t>(d.scale()));
  w.signed_varint(DecimalAccess::small_coefficient(d));
}

Decimal read_decimal(core::ByteReader& r) {
  const std::uint8_t scale = r.byte();
  if (scale == kWideDecimal) return Decimal::parse(r.text());
  if (scale > Decimal::max_scale) core::ByteReader::corrupt();
  return DecimalAccess::small(r.signed_varint(), scale);
}

// A purchase's record, encoded.
void write_purchase(const PurchaseRecord& p, std::string& out) {
  core::ByteWriter w(out);
  w.text(p.member);
  write_decimal(w, p.amount);
  write_decimal(w, p.refunded);
  w.signed_varint(p.points);
  w.varint(p.first_lot);
  w.varint(p.lot_count);
}

PurchaseRecord read_purchase(std::string_view id, std::string_view bytes) {
  core::ByteReader r(bytes);
  PurchaseRecord p;
  p.id = id;
  p.member = r.text();
  try {
    p.amount = read_decimal(r);
    p.refunded = read_decimal(r);
  } catch (const NumberError&) {
    core::ByteReader::corrupt();
  }
  p.points = r.signed_varint();
  p.first_lot = r.varint();
  p.lot_count = r.index();
  return p;
}

}  // namespace

// Members are changed in place, so an event costs no copy of a member's lots: the transaction
// keeps each touched member's other fields as they were and journals its ledger, and puts both
// back if it ends without a commit. Other records are buffered and written at commit. The
// store reuses this object for every transaction, so its buffers (and the copies of the
// touched members' fields) keep their capacity from one event to the next.
class MemoryTransaction final : public BufferedTransaction {
 public:
  explicit MemoryTransaction(MemoryStore& store) : store_(store) {}
  ~MemoryTransaction() override { rollback(); }

  engine::MemberState* find_member(std::string_view id) override {
    if (engine::MemberState* state = journal_.find(id)) return state;
    MemoryStore::StoredMember* found = store_.recent(id);
    if (found == nullptr) {
      auto it = store_.members_.find(id);
      if (it == store_.members_.end()) return nullptr;
      found = it->second;
    }
    journal_.add(found->state).slot = found;
    return &found->state;
  }
  void will_change_profile(engine::MemberState& member) override {
    journal_.save_profile(member);
  }
  engine::MemberState& create_member(std::string_view id) override {
    auto [it, added] = store_.members_.try_emplace(std::string(id), nullptr);
    if (added) {
      try {
        it->second = store_.member_slots_.make();
      } catch (...) {
        store_.members_.erase(it);
        throw;
      }
    }
    MemoryStore::StoredMember& stored = *it->second;
    stored.state.id.assign(id);
    journal_.add_created(stored.state).slot = &stored;
    return stored.state;
  }

  void commit() override {
    for (auto& touched : journal_.entries()) {
      MemoryStore::StoredMember& stored = *touched.slot;
      append_entries(stored.state.ledger.entries(), stored.entries, stored.last_time);
    }
    journal_.keep();
    for (auto& [name, points] : budgets_) {
      auto it = store_.budgets_.find(std::string_view(name));
      if (it == store_.budgets_.end()) it = store_.budgets_.emplace(name, 0).first;
      it->second += points;
    }
    for (auto& message : outbox_) {
      message.sequence = store_.outbox_.size() + 1;
      store_.outbox_.push_back(std::move(message));
    }
    // The event's slot, kept for its purchase record (a purchase is its own event): one lookup.
    const MemoryStore::StoredRecord* event_slot = nullptr;
    std::string_view event_id;
    for (const Pending& record : records_) {
      auto& records = record.redemption ? store_.redemptions_ : store_.events_;
      const auto [slot, had_outcome] =
          store_.record_outcome(records, record.id, record.fingerprint, record.outcome(bytes_));
      if (!record.redemption) {
        if (!had_outcome) ++store_.event_count_;
        event_slot = slot;
        event_id = record.id;
      }
    }
    for (const PurchaseRecord& purchase : purchases_) {
      encoded_.clear();
      write_purchase(purchase, encoded_);
      const Arena::Ref ref = store_.arena_.append(encoded_);
      const bool same = event_slot != nullptr && event_id == purchase.id;
      store_.record_purchase(store_.events_, purchase.id, ref, same ? event_slot : nullptr);
      event_slot = nullptr;  // a new slot may have moved the others
    }
    if (last_tick_) store_.last_tick_ = last_tick_;
    for (auto& program : programs_) store_.programs_.push_back(std::move(program));
    clear();
  }

  void rollback() noexcept override {
    journal_.undo([this](const engine::MemberState& state) {
      store_.recent_.fill({});  // it may name the member erased
      const auto it = store_.members_.find(std::string_view(state.id));
      if (it == store_.members_.end()) return;
      store_.member_slots_.destroy(it->second);  // `state` with it
      store_.members_.erase(it);
    });
    clear();
  }

 private:
  std::optional<PurchaseRecord> committed_purchase(std::string_view id) override {
    auto it = store_.events_.find(id);
    if (it == store_.events_.end()) return std::nullopt;
    const Arena::Ref purchase = MemoryStore::entry_of(store_.arena_, it->entry).purchase_ref();
    if (purchase == Arena::kNone) return std::nullopt;
    return read_purchase(id, store_.arena_.view(purchase));
  }
  std::int64_t committed_budget(std::string_view rule) override {
    auto it = store_.budgets_.find(rule);
    return it == store_.budgets_.end() ? 0 : it->second;
  }


  std::optional<EventRecord> committed_record(std::string_view id, bool redemption) override {
    const auto& records = redemption ? store_.redemptions_ : store_.events_;
    auto it = records.find(id);
    if (it == records.end()) return std::nullopt;
    const MemoryStore::RecordEntry entry = MemoryStore::entry_of(store_.arena_, it->entry);
    if (!entry.has_outcome) return std::nullopt;
    return split_record(entry.outcome);
  }

  void clear() noexcept { clear_buffers(); }

  MemoryStore& store_;
  // The members changed, each with where it is stored (beside its encoded entries).
  MemberJournal<MemoryStore::StoredMember*> journal_;
  std::string encoded_;  // a purchase's record, being written
};

MemoryStore::MemoryStore() : transaction_(std::make_unique<MemoryTransaction>(*this)) {}
MemoryStore::~MemoryStore() {
  transaction_.reset();  // it points at members
  for (auto& [id, member] : members_) member_slots_.destroy(member);
}

Transaction& MemoryStore::begin() {
  transaction_->rollback();  // a transaction left open is forgotten
  return *transaction_;
}

std::vector<std::string> MemoryStore::member_ids() {
  std::vector<std::string> ids;
  ids.reserve(members_.size());
  for (const auto& [id, member] : members_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<std::string> MemoryStore::event_outcome(std::string_view id) {
  auto it = events_.find(id);
  if (it == events_.end()) return std::nullopt;
  const RecordEntry entry = entry_of(arena_, it->entry);
  if (!entry.has_outcome) return std::nullopt;
  return std::string(split_record(entry.outcome).outcome);
}

std::optional<engine::MemberState> MemoryStore::load_member(std::string_view id) {
  auto it = members_.find(id);
  if (it == members_.end()) return std::nullopt;
  engine::MemberState state = it->second->state;
  state.ledger.replace_entries(read_entries(it->second->entries));
  return state;
}

void MemoryStore::visit_members(const std::function<void(const engine::MemberState&)>& visit) {
  for (const auto& [id, member] : members_) visit(member->state);
}

void MemoryStore::prefetch(std::string_view member, std::string_view event,
                           int step) const noexcept {
  // Processing the event reads these one after another, each a likely cache miss (a member is
  // seldom in the cache when its next event comes). Asked for in steps, each step finds what
  // the one before brought in, and the event finds it all there.
  if (step >= 2) {  // where the member and the event id sit in their tables
    members_.prefetch(member);
    events_.prefetch(event);
    return;
  }
  const StoredMember* found = step == 0 ? recent(member) : nullptr;
  if (found == nullptr) {
    const auto it = members_.find(member);
    if (it == members_.end()) return;
    found = it->second;
    if (step == 1) recent_slot(member) = Recent{member.data(), it->second};
  }
  const StoredMember& stored = *found;
  if (step == 1) {  // the member itself
    engine::prefetch_fields(stored.state);
    const char* rest = reinterpret_cast<const char*>(&stored.entries);
    __builtin_prefetch(rest);
    __builtin_prefetch(rest + sizeof(stored.entries) + sizeof(stored.last_time) - 1);
    return;
  }
  engine::prefetch_contents(stored.state);  // the ends of its lots, its attributes and tags
  if (!stored.entries.empty()) __builtin_prefetch(&stored.entries.back(), 1);
}

MemoryStore::Recent& MemoryStore::recent_slot(std::string_view id) const noexcept {
  const auto at = reinterpret_cast<std::uintptr_t>(id.data());
  return recent_[((at >> 3) * 0x9E3779B97F4A7C15ull) >> 60];
}

MemoryStore::StoredMember* MemoryStore::recent(std::string_view id) const noexcept {
  const Recent& r = recent_slot(id);
  if (r.id != id.data() || r.member == nullptr || r.member->state.id != id) return nullptr;
  return r.member;
}

Totals MemoryStore::totals() {
  return Totals{event_count_, members_.size()};
}

std::vector<OutboxMessage> MemoryStore::outbox() { return outbox_; }

}  // namespace loyalty::store
