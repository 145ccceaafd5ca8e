#pragma once
// What every backend's transaction buffers until commit, the same way: purchases read or
// saved, budget usage added, outbox messages, the tick's time and programs. A backend derives
// from this, reads committed values its own way (committed_purchase, committed_budget) and
// writes the buffers at commit.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace loyalty::store {

class BufferedTransaction : public Transaction {
 public:
  PurchaseRecord* find_purchase(std::string_view id) final {
    for (auto& purchase : purchases_) {
      if (purchase.id == id) return &purchase;
    }
    std::optional<PurchaseRecord> committed = committed_purchase(id);
    if (!committed) return nullptr;
    purchases_.push_back(std::move(*committed));
    return &purchases_.back();
  }
  void save_purchase(const PurchaseRecord& record) final {
    for (auto& purchase : purchases_) {
      if (purchase.id == record.id) {
        if (&purchase != &record) purchase = record;
        return;
      }
    }
    purchases_.push_back(record);
  }

  std::int64_t budget_used(std::string_view rule) final {
    std::int64_t used = committed_budget(rule);
    for (const auto& [name, points] : budgets_) {
      if (name == rule) used += points;
    }
    return used;
  }
  void add_budget_used(std::string_view rule, std::int64_t points) final {
    budgets_.emplace_back(std::string(rule), points);
  }

  void append_outbox(OutboxMessage message) final { outbox_.push_back(std::move(message)); }
  void set_last_tick(Instant time) final { last_tick_ = time; }
  void save_program(const StoredProgram& program) final { programs_.push_back(program); }

 protected:
  /// The committed record of a purchase, or nullopt.
  virtual std::optional<PurchaseRecord> committed_purchase(std::string_view id) = 0;
  /// The committed budget usage of a rule.
  virtual std::int64_t committed_budget(std::string_view rule) = 0;

  /// Forgets the buffers (after a commit wrote them, or on rollback), keeping their capacity.
  void clear_buffers() noexcept {
    purchases_.clear();
    budgets_.clear();
    outbox_.clear();
    last_tick_.reset();
    programs_.clear();
  }

  std::vector<PurchaseRecord> purchases_;  // read or saved by this transaction
  std::vector<std::pair<std::string, std::int64_t>> budgets_;  // usage added, by rule name
  std::vector<OutboxMessage> outbox_;
  std::optional<Instant> last_tick_;
  std::vector<StoredProgram> programs_;
};

}  // namespace loyalty::store
