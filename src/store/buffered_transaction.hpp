#pragma once
// What every backend's transaction buffers until commit, the same way: event and redemption
// records, purchases read or saved, budget usage added, outbox messages, the tick's time and
// programs. A backend derives from this, reads committed values its own way
// (committed_record, committed_purchase, committed_budget) and writes the buffers at commit.

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
  std::optional<EventRecord> find_event(std::string_view id) final {
    if (auto pending = pending_record(id, false)) return pending;
    return committed_record(id, false);
  }
  void record_event(std::string_view id, std::uint64_t fingerprint,
                    std::string_view outcome) final {
    add_record(id, fingerprint, outcome, false);
  }
  std::optional<EventRecord> find_redemption(std::string_view reference) final {
    if (auto pending = pending_record(reference, true)) return pending;
    return committed_record(reference, true);
  }
  void record_redemption(std::string_view reference, std::uint64_t fingerprint,
                         std::string_view outcome) final {
    add_record(reference, fingerprint, outcome, true);
  }

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
  /// An event's (or a redemption's) committed record, or nullopt; its view stays valid until
  /// the transaction's next call.
  virtual std::optional<EventRecord> committed_record(std::string_view id, bool redemption) = 0;
  /// The committed record of a purchase, or nullopt.
  virtual std::optional<PurchaseRecord> committed_purchase(std::string_view id) = 0;
  /// The committed budget usage of a rule.
  virtual std::int64_t committed_budget(std::string_view rule) = 0;

  /// Forgets the buffers (after a commit wrote them, or on rollback), keeping their capacity.
  void clear_buffers() noexcept {
    records_.clear();
    bytes_.clear();
    purchases_.clear();
    budgets_.clear();
    outbox_.clear();
    last_tick_.reset();
    programs_.clear();
  }

  /// An event or redemption recorded by this transaction; its outcome is in bytes_.
  struct Pending {
    std::string id;
    std::uint64_t fingerprint = 0;
    std::size_t begin = 0, size = 0;
    bool redemption = false;
    [[nodiscard]] std::string_view outcome(const std::string& bytes) const {
      return std::string_view(bytes).substr(begin, size);
    }
  };

  std::vector<Pending> records_;
  std::string bytes_;                      // the pending records' outcomes
  std::vector<PurchaseRecord> purchases_;  // read or saved by this transaction
  std::vector<std::pair<std::string, std::int64_t>> budgets_;  // usage added, by rule name
  std::vector<OutboxMessage> outbox_;
  std::optional<Instant> last_tick_;
  std::vector<StoredProgram> programs_;

 private:
  std::optional<EventRecord> pending_record(std::string_view id, bool redemption) const {
    for (const Pending& record : records_) {
      if (record.redemption == redemption && record.id == id) {
        return EventRecord{record.fingerprint, record.outcome(bytes_)};
      }
    }
    return std::nullopt;
  }
  void add_record(std::string_view id, std::uint64_t fingerprint, std::string_view outcome,
                  bool redemption) {
    Pending& record = records_.emplace_back();
    record.id.assign(id);
    record.fingerprint = fingerprint;
    record.begin = bytes_.size();
    record.size = outcome.size();
    record.redemption = redemption;
    bytes_.append(outcome);
  }
};

}  // namespace loyalty::store
