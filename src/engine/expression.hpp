#pragma once
// The compiled form of the rule language's expressions (STYLE.md, "Evaluation": parse, check,
// compile once; evaluate many times).
//
// An ExpressionPool holds every compiled expression of a program as one flat vector of nodes,
// children before parents, with a pool of constants built once (numbers, strings, dates,
// times, durations, tiers, stages, weekdays). Attributes are resolved to slots through
// Expr::ref when compiling: nothing is looked up by name at run time. Sub-expressions whose
// operands are all literals are folded into constants (unless folding fails, say a division
// by zero, which is then raised at run time as it would have been). Common shapes are then
// specialised: a comparison with a constant reads the constant directly (compare_constant),
// and `x in [sat, sun]` on small scalars tests a bit mask (in_set). Once compiled the pool is
// immutable, and safe to share between threads; evaluator.hpp evaluates it.

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "engine/value.hpp"
#include "language/checker.hpp"
#include "language/syntax.hpp"

namespace loyalty::engine {

/// The Value kind that holds a value of a language type (none for the types no Value holds).
ValueKind value_kind(language::TypeKind type) noexcept;

/// A compiled expression: the index of its root node in an ExpressionPool.
struct ExprId {
  static constexpr std::uint32_t kInvalid = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t index = kInvalid;
  /// False for the default, "no expression" (a rule without `when`).
  [[nodiscard]] constexpr bool valid() const noexcept { return index != kInvalid; }
  friend constexpr bool operator==(ExprId, ExprId) noexcept = default;
};

/// What a node does. Each node yields a value of its `type`; the evaluator has one typed path
/// per kind of value (number, text, scalar, truth), so that loads and comparisons build no
/// Value on the way.
enum class OpCode : std::uint8_t {
  constant,          // a: index into constants()
  list,              // args: the elements (only as the right side of in / not in)
  event_field,       // a: language::EventField
  event_attribute,   // a: index into EvalContext::attributes
  member_field,      // a: language::MemberField
  member_attribute,  // a: index into MemberState::attributes
  item_field,        // a: language::ItemField, of the item bound by the item function
  logical_and,       // a, b
  logical_or,        // a, b
  logical_not,       // a
  negate,            // a
  add,               // a, b: numbers
  subtract,          // a, b: numbers
  multiply,          // a, b
  divide,            // a, b
  remainder,         // a, b
  shift_later,       // a: time or date, b: duration (`t + D`, and `D + t` with the operands
                     //    swapped at compile time)
  shift_earlier,     // a: time or date, b: duration (`t - D`)
  compare,           // a, b; cmp: which comparison; operand: the operands' type
  in_list,           // a; b: a list node; negated: `not in`
  in_tags,           // a: a string; negated: `not in`
  call,              // function; args: the arguments; where: the condition (item functions)
  // Specialised at compile time (the general forms above give the same results):
  compare_constant,  // a `compare` of a against a constant: b: index into constants(), of the
                     //   operand's kind; cmp: as if a were on the left; operand: a's type.
                     //   Never for durations.
  in_set,            // an `in_list` of a scalar operand (date, time, tier, stage, weekday,
                     //   boolean) in a list of constants whose raw values are all in [0, 64):
                     //   a: the operand; set: bit k set when k is in the list; negated
};

/// The comparison of a `compare` node.
enum class Comparison : std::uint8_t { eq, ne, lt, le, gt, ge };

/// One node of the flat program.
struct Node {
  OpCode op = OpCode::constant;
  language::TypeKind type = language::TypeKind::none;     // what it yields
  language::TypeKind operand = language::TypeKind::none;  // compare, in_list: operand type
  Comparison cmp = Comparison::eq;
  bool negated = false;                                     // in_list, in_tags: `not in`
  language::Function function = language::Function::floor;  // call
  std::uint32_t a = 0;                     // first child, or the slot/field/constant index
  std::uint32_t b = 0;                     // second child
  std::uint32_t where = ExprId::kInvalid;  // call: the `where` condition, if any
  std::uint32_t first = 0;                 // call, list: args()[first, first + count)
  std::uint32_t count = 0;
  std::uint64_t set = 0;                   // in_set: the raw values of the list, as bits
};

/// Every compiled expression of a program (or of a test), flat.
class ExpressionPool {
 public:
  /// Compiles one checked expression (its `type` and `ref` filled by the checker). Throws
  /// std::invalid_argument for a tree the checker did not accept (a type left unknown).
  ExprId compile(const language::Expr& expr);

  [[nodiscard]] const Node& node(ExprId id) const noexcept { return nodes_[id.index]; }
  [[nodiscard]] const Node& node(std::uint32_t index) const noexcept { return nodes_[index]; }
  [[nodiscard]] const Value& constant(std::uint32_t index) const noexcept {
    return constants_[index];
  }
  /// The child indices of calls and lists.
  [[nodiscard]] std::uint32_t arg(std::uint32_t at) const noexcept { return args_[at]; }
  /// The number of nodes (for tests and diagnostics).
  [[nodiscard]] std::size_t size() const noexcept { return nodes_.size(); }
  /// True when the expression folded into one constant.
  [[nodiscard]] bool is_constant(ExprId id) const noexcept {
    return nodes_[id.index].op == OpCode::constant;
  }

 private:
  std::uint32_t emit(const language::Expr& expr);
  std::uint32_t emit_binary(const language::Expr& expr);
  std::uint32_t emit_call(const language::Expr& expr);
  std::uint32_t add_constant(language::TypeKind type, Value value);
  std::uint32_t push(Node node);
  // Turns the compare or in_list node `index` (already folded, if it could be) into
  // compare_constant or in_set where its operands allow; returns `index`.
  std::uint32_t specialise(std::uint32_t index);
  // Replaces node `index` by a constant when its operands are all constants and it needs no
  // context; returns the index of the result.
  std::uint32_t fold(std::uint32_t index);

  std::vector<Node> nodes_;
  std::vector<Value> constants_;
  std::vector<std::uint32_t> args_;
};

/// The compiled expressions of one action, parallel to RuleDecl::actions.
struct CompiledAction {
  ExprId amount;               // award, deduct: X; set: the value
  std::vector<ExprId> fields;  // emit: the field values, parallel to Action::fields
};

/// The compiled expressions of one rule, parallel to CheckedProgram::rules.
struct CompiledRule {
  ExprId when;  // invalid: no `when`
  std::vector<CompiledAction> actions;
};

/// Every expression of a program, compiled once into one pool.
struct CompiledExpressions {
  ExpressionPool pool;
  std::vector<CompiledRule> rules;       // parallel to CheckedProgram::rules
  ExprId tier_metric;                    // invalid without tiers
  std::vector<ExprId> stage_conditions;  // parallel to the lifecycle; invalid: otherwise
};

/// Compiles every expression of a checked program (one that loaded without diagnostics).
CompiledExpressions compile_expressions(const language::CheckedProgram& program);

}  // namespace loyalty::engine
