#pragma once
// The in-memory store: for tests, simulation and benchmarks. Everything lives in hash maps;
// a transaction works on copies of the members it touches and swaps them in at commit.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace loyalty::store {

class MemoryStore final : public Store {
 public:
  std::unique_ptr<Transaction> begin() override;
  std::vector<std::string> member_ids() override;
  std::optional<engine::MemberState> load_member(std::string_view id) override;
  void visit_members(const std::function<void(const engine::MemberState&)>& visit) override;
  Totals totals() override;
  std::vector<OutboxMessage> outbox() override;
  std::optional<Instant> last_tick() override { return last_tick_; }

 private:
  friend class MemoryTransaction;

  // Heterogeneous lookup by string_view, so a find never builds a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  template <typename T>
  using Map = std::unordered_map<std::string, T, Hash, std::equal_to<>>;

  struct StoredMember {
    engine::MemberState state;                  // its ledger holds lots and debt, no entries
    std::vector<engine::LedgerEntry> entries;   // the whole ledger, oldest first
  };

  Map<EventRecord> events_;
  Map<EventRecord> redemptions_;
  Map<StoredMember> members_;
  Map<PurchaseRecord> purchases_;
  Map<std::int64_t> budgets_;
  std::vector<OutboxMessage> outbox_;
  std::optional<Instant> last_tick_;
};

}  // namespace loyalty::store
