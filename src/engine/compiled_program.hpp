#pragma once
// A Program made ready to run: every expression compiled, rules indexed by trigger, and the
// facts the engine needs per event precomputed, so that an event costs the rules that can
// fire for it and no lookup by name. Immutable once built; shared between threads.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/expression.hpp"
#include "language/checker.hpp"
#include "loyalty/program.hpp"

namespace loyalty::engine {

struct CompiledProgram {
  std::shared_ptr<const Program> program;
  const language::CheckedProgram* checked = nullptr;  // program->checked()
  std::uint32_t version = 1;
  CompiledExpressions expressions;

  /// Rules to try for each built-in trigger, in rule order (priority, then file order).
  std::array<std::vector<std::uint32_t>, 7> by_trigger;
  /// Rules to try for each custom event type (parallel to tree.events), in rule order.
  std::vector<std::vector<std::uint32_t>> by_custom_event;
  /// The 1-based source line where each rule starts (parallel to rules).
  std::vector<std::uint32_t> rule_lines;
  /// Whether any expression reads spend(D), purchases(D) or earned(D): only then does the
  /// engine keep the member history those windows sum.
  bool uses_windows = false;
  /// When tiers go by member.earned or member.purchases (whole numbers): that field, and each
  /// tier's threshold rounded up (for a whole number n, t <= n exactly when ceil(t) <= n). A
  /// tier is then found by comparing integers, not by evaluating the metric as a decimal: the
  /// engine recomputes the tier twice an event.
  std::optional<language::MemberField> tier_field;
  std::vector<std::int64_t> tier_thresholds;

  /// The rules to try for an event of `kind` (custom: its type's index).
  [[nodiscard]] const std::vector<std::uint32_t>& rules_for(language::TriggerKind kind,
                                                            std::uint32_t custom_event) const;
  /// The index of the custom event type named `type`, if the program declares it.
  [[nodiscard]] std::optional<std::uint32_t> custom_event(std::string_view type) const;
};

/// Compiles `program` as version `version`.
std::shared_ptr<const CompiledProgram> compile_program(std::shared_ptr<const Program> program,
                                                       std::uint32_t version);

}  // namespace loyalty::engine
