#pragma once
/// \file
/// Counting outcomes: what `loyalty run` and `loyalty simulate` summarise, and what a campaign
/// costs.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/outcome.hpp"

namespace loyalty {

class Program;

/// One rule's share of a run.
struct RuleTally {
  std::uint64_t fired = 0;     ///< events it fired for (chained firings included)
  std::int64_t awarded = 0;    ///< points its awards gave
  std::int64_t deducted = 0;   ///< points its deductions took (positive)
};

/// Outcomes counted as they come.
class Tally {
 public:
  /// Counts one outcome.
  void add(const Outcome& outcome);

  std::uint64_t events = 0;       ///< outcomes counted
  std::uint64_t applied = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t rejected = 0;
  /// Rejections by reason, with the quoted ids and values in each reason left out, so that
  /// "unknown member 'm1'" and "unknown member 'm2'" count together.
  std::map<std::string, std::uint64_t> rejected_by_reason;
  std::int64_t points_awarded = 0;  ///< by awards and positive adjustments
  std::int64_t points_taken = 0;    ///< by deductions, reversals, redemptions, expiry (positive)
  /// The rules that fired, by name.
  [[nodiscard]] const std::map<std::string, RuleTally>& rules() const;

  /// The reason's group: `reason` with every '...'-quoted part replaced by '…'.
  static std::string reason_group(std::string_view reason);

 private:
  friend class Engine;  // Engine::process(event, tally) counts by rule index
  // Moves the counts by index into rules_, by name.
  void fold() const;

  mutable std::map<std::string, RuleTally> rules_;
  // Counts the engine adds by rule index, for the program whose rule names are
  // indexed_names_ (held, so that its address names no other program while counted here);
  // folded into rules_ when read, or when events of another program come.
  mutable std::vector<RuleTally> indexed_;
  std::vector<std::string> indexed_names_;
  std::shared_ptr<const Program> indexed_program_;
};

}  // namespace loyalty
