#include "store/memory_store.hpp"

#include "loyalty/engine.hpp"

#include <algorithm>

namespace loyalty {

std::shared_ptr<store::Store> make_memory_store() {
  return std::make_shared<store::MemoryStore>();
}

}  // namespace loyalty

namespace loyalty::store {

// Members are changed in place, so an event costs no copy of a member's lots: the transaction
// keeps each touched member's other fields as they were and journals its ledger, and puts both
// back if it ends without a commit. Other records are buffered and written at commit.
class MemoryTransaction final : public Transaction {
 public:
  explicit MemoryTransaction(MemoryStore& store) : store_(store) {}
  ~MemoryTransaction() override { rollback(); }

  const EventRecord* find_event(std::string_view id) override {
    auto it = store_.events_.find(id);
    return it == store_.events_.end() ? nullptr : &it->second;
  }
  void record_event(EventRecord record) override { events_.push_back(std::move(record)); }

  const EventRecord* find_redemption(std::string_view reference) override {
    auto it = store_.redemptions_.find(reference);
    return it == store_.redemptions_.end() ? nullptr : &it->second;
  }
  void record_redemption(EventRecord record) override {
    redemptions_.push_back(std::move(record));
  }

  engine::MemberState* find_member(std::string_view id) override {
    for (auto& touched : touched_) {
      if (touched.state->id == id) return touched.state;
    }
    auto it = store_.members_.find(id);
    if (it == store_.members_.end()) return nullptr;
    engine::MemberState& state = it->second.state;
    // Everything but the ledger, as it was: the ledger journals its own changes.
    engine::Ledger ledger = std::move(state.ledger);
    Touched touched{&state, &it->second.entries, state, false};
    state.ledger = std::move(ledger);
    state.ledger.begin_journal();
    touched_.push_back(std::move(touched));
    return &state;
  }
  engine::MemberState& create_member(std::string_view id) override {
    auto [it, added] = store_.members_.try_emplace(std::string(id));
    it->second.state.id.assign(id);
    touched_.push_back(Touched{&it->second.state, &it->second.entries, {}, true});
    return it->second.state;
  }

  PurchaseRecord* find_purchase(std::string_view id) override {
    for (auto& purchase : purchases_) {
      if (purchase.id == id) return &purchase;
    }
    auto it = store_.purchases_.find(id);
    if (it == store_.purchases_.end()) return nullptr;
    purchases_.push_back(it->second);
    return &purchases_.back();
  }
  void save_purchase(const PurchaseRecord& record) override {
    for (auto& purchase : purchases_) {
      if (purchase.id == record.id) {
        if (&purchase != &record) purchase = record;
        return;
      }
    }
    purchases_.push_back(record);
  }

  std::int64_t budget_used(std::string_view rule) override {
    std::int64_t used = 0;
    if (auto it = store_.budgets_.find(rule); it != store_.budgets_.end()) used = it->second;
    for (const auto& [name, points] : budgets_) {
      if (name == rule) used += points;
    }
    return used;
  }
  void add_budget_used(std::string_view rule, std::int64_t points) override {
    budgets_.emplace_back(std::string(rule), points);
  }

  void append_outbox(OutboxMessage message) override { outbox_.push_back(std::move(message)); }

  void set_last_tick(Instant time) override { last_tick_ = time; }

  void commit() override {
    for (auto& touched : touched_) {
      engine::MemberState& state = *touched.state;
      state.ledger.end_journal();
      state.ledger.drain_entries(*touched.log);
      state.ledger.compact();  // lots with nothing left are history now: the entries keep it
    }
    touched_.clear();
    for (auto& purchase : purchases_) {
      std::string id = purchase.id;
      store_.purchases_.insert_or_assign(std::move(id), std::move(purchase));
    }
    for (auto& [name, points] : budgets_) store_.budgets_[name] += points;
    for (auto& message : outbox_) {
      message.sequence = store_.outbox_.size() + 1;
      store_.outbox_.push_back(std::move(message));
    }
    for (auto& record : events_) {
      std::string id = record.id;
      store_.events_.insert_or_assign(std::move(id), std::move(record));
    }
    for (auto& record : redemptions_) {
      std::string id = record.id;
      store_.redemptions_.insert_or_assign(std::move(id), std::move(record));
    }
    redemptions_.clear();
    if (last_tick_) store_.last_tick_ = last_tick_;
    last_tick_.reset();
    purchases_.clear();
    budgets_.clear();
    outbox_.clear();
    events_.clear();
  }

 private:
  void rollback() noexcept {
    for (auto it = touched_.rbegin(); it != touched_.rend(); ++it) {
      engine::MemberState& state = *it->state;
      if (it->created) {
        store_.members_.erase(state.id);
        continue;
      }
      engine::Ledger ledger = std::move(state.ledger);
      ledger.rollback_journal();
      state = std::move(it->before);
      state.ledger = std::move(ledger);
    }
    touched_.clear();
  }

  struct Touched {
    engine::MemberState* state;   // in the store's map
    std::vector<engine::LedgerEntry>* log;  // its ledger entries, in the store's map
    engine::MemberState before;   // its fields before the transaction, without the ledger
    bool created;
  };

  MemoryStore& store_;
  std::vector<Touched> touched_;
  std::vector<PurchaseRecord> purchases_;
  std::vector<std::pair<std::string, std::int64_t>> budgets_;
  std::vector<OutboxMessage> outbox_;
  std::vector<EventRecord> events_;
  std::vector<EventRecord> redemptions_;
  std::optional<Instant> last_tick_;
};

std::unique_ptr<Transaction> MemoryStore::begin() {
  return std::make_unique<MemoryTransaction>(*this);
}

std::vector<std::string> MemoryStore::member_ids() {
  std::vector<std::string> ids;
  ids.reserve(members_.size());
  for (const auto& [id, member] : members_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<engine::MemberState> MemoryStore::load_member(std::string_view id) {
  auto it = members_.find(id);
  if (it == members_.end()) return std::nullopt;
  engine::MemberState state = it->second.state;
  const auto& ledger = state.ledger;
  std::vector<engine::Lot> lots = ledger.lots();
  state.ledger = engine::Ledger::restore(std::move(lots), ledger.debt(), it->second.entries,
                                         ledger.next_lot_id());
  return state;
}

void MemoryStore::visit_members(const std::function<void(const engine::MemberState&)>& visit) {
  for (const auto& [id, member] : members_) visit(member.state);
}

Totals MemoryStore::totals() {
  return Totals{events_.size(), members_.size()};
}

std::vector<OutboxMessage> MemoryStore::outbox() { return outbox_; }

}  // namespace loyalty::store
