#pragma once
// What the store tests share: a scratch directory for database files, JSON event builders,
// and a field-by-field comparison of members.

#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "engine/member.hpp"
#include "loyalty/decimal.hpp"

namespace store_testing {

/// A fresh directory under /tmp, removed with what it holds.
class TempDir {
 public:
  explicit TempDir(std::string parent = "/tmp") {
    std::string pattern = parent + "/loyalty-test-XXXXXX";
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string event(const std::string& id, const std::string& type, const std::string& time,
                         const std::string& rest = "", const std::string& member = "m1") {
  return R"({"id":")" + id + R"(","type":")" + type + R"(","member":")" + member + R"(","time":")" +
         time + "\"" + (rest.empty() ? "" : "," + rest) + "}";
}

inline std::string purchase(const std::string& id, const std::string& time,
                            const std::string& amount, const std::string& member = "m1") {
  return event(id, "purchase", time, R"("amount":")" + amount + "\"", member);
}

/// Checks that two members are the same, field by field, ledger included.
inline void check_same(const loyalty::engine::MemberState& a,
                       const loyalty::engine::MemberState& b) {
  CAPTURE(a.id);
  CHECK(a.id == b.id);
  CHECK(a.enrolled_at == b.enrolled_at);
  CHECK(a.program_version == b.program_version);
  CHECK(a.tier == b.tier);
  CHECK(a.tier_since == b.tier_since);
  CHECK(a.tier_kept_until == b.tier_kept_until);
  CHECK(a.stage == b.stage);
  CHECK(a.stage_since == b.stage_since);
  CHECK(a.attributes == b.attributes);
  CHECK(a.extra_profile == b.extra_profile);
  CHECK(a.tags == b.tags);
  CHECK(a.spend.to_string() == b.spend.to_string());  // the same scale too
  CHECK(a.purchases == b.purchases);
  CHECK(a.earned == b.earned);
  CHECK(a.last_purchase_at == b.last_purchase_at);
  CHECK(a.last_daily == b.last_daily);
  CHECK(a.last_entry_at == b.last_entry_at);
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    CHECK(a.history[i].time == b.history[i].time);
    CHECK(a.history[i].spend.to_string() == b.history[i].spend.to_string());
    CHECK(a.history[i].purchases == b.history[i].purchases);
    CHECK(a.history[i].earned == b.history[i].earned);
  }
  REQUIRE(a.rule_uses.size() == b.rule_uses.size());
  for (std::size_t i = 0; i < a.rule_uses.size(); ++i) {
    CHECK(a.rule_uses[i].rule == b.rule_uses[i].rule);
    CHECK(a.rule_uses[i].fired_at == b.rule_uses[i].fired_at);
  }
  const auto& la = a.ledger;
  const auto& lb = b.ledger;
  CHECK(la.debt() == lb.debt());
  CHECK(la.next_lot_id() == lb.next_lot_id());
  REQUIRE(la.lots().size() == lb.lots().size());
  for (std::size_t i = 0; i < la.lots().size(); ++i) {
    const auto& x = la.lots()[i];
    const auto& y = lb.lots()[i];
    CAPTURE(x.id);
    CHECK(x.id == y.id);
    CHECK(la.lot_event(x) == lb.lot_event(y));
    CHECK(x.origin.program_version == y.origin.program_version);
    CHECK(x.origin.rule == y.origin.rule);
    CHECK(x.origin.action == y.origin.action);
    CHECK(x.points == y.points);
    CHECK(x.remaining == y.remaining);
    CHECK(x.created_at == y.created_at);
    CHECK(x.available_at == y.available_at);
    CHECK(x.expires_at == y.expires_at);
    CHECK(x.paid_debt == y.paid_debt);
  }
  REQUIRE(la.entries().size() == lb.entries().size());
  for (std::size_t i = 0; i < la.entries().size(); ++i) {
    const auto& x = la.entries()[i];
    const auto& y = lb.entries()[i];
    CAPTURE(i);
    CHECK(x.kind == y.kind);
    CHECK(x.points == y.points);
    CHECK(x.asked == y.asked);
    CHECK(x.time == y.time);
    CHECK(x.origin == y.origin);
  }
}

}  // namespace store_testing
