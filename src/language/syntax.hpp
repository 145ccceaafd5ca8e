#pragma once
// The syntax tree of a program (LANGUAGE.md). The parser (parser.hpp) builds it from text with
// a source span on every node; the checker (checker.hpp) resolves names and fills in the
// `type` and `ref` of every expression in place, which makes it the typed tree that the
// engine's compiler reads. Nothing here depends on Spirit X3.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/decimal.hpp"
#include "loyalty/time.hpp"

namespace loyalty::language {

/// Bytes [begin, end) of the source text.
struct Span {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  friend bool operator==(const Span&, const Span&) = default;
};

/// A word or quoted string naming something, with where it was written.
struct Identifier {
  std::string name;
  Span span;
};

// ---- types (filled by the checker) ------------------------------------------------------

enum class TypeKind : std::uint8_t {
  unknown,   // not checked yet, or an error already reported (suppresses follow-on errors)
  none,      // the literal `none`
  number,
  string,
  boolean,
  date,
  time,
  duration,
  tier,
  stage,
  weekday,
  list,      // `element` says of what
  item,      // an element of event.items
  tags,      // member.tags: a set of strings, usable with `in`
  event,     // the names `event` and `member` themselves, before a field is taken
  member,
};

struct Type {
  TypeKind kind = TypeKind::unknown;
  TypeKind element = TypeKind::unknown;  // for lists
  friend bool operator==(const Type&, const Type&) = default;
};

// ---- expressions ---------------------------------------------------------------------------

enum class ExprKind : std::uint8_t {
  number,    // text: the literal as written ("12.50")
  string,    // text: the unescaped value
  boolean,   // boolean
  none,
  date,      // text: "2026-12-01"
  time,      // text: "2026-12-01T10:00:00Z"
  duration,  // text: the count as written; unit: the unit word as written ("days")
  list,      // children: the elements
  name,      // text: a bare word (event, member, item, gold, sat, ...)
  field,     // children[0].text: the object; text: the field ("amount" in event.amount)
  call,      // text: the function; children: arguments; where: the `where` condition or null
  unary,     // op: neg or not_; children[0]
  binary,    // op; children[0], children[1]
};

enum class Op : std::uint8_t {
  none,
  or_, and_, not_,
  eq, ne, lt, le, gt, ge, in, not_in,
  add, sub, mul, div, mod,
  neg,
};

/// The operator as written: "or", "==", "not in", "-" (for both neg and sub); "?" for none.
constexpr std::string_view op_text(Op op) noexcept {
  switch (op) {
    case Op::or_: return "or";
    case Op::and_: return "and";
    case Op::not_: return "not";
    case Op::eq: return "==";
    case Op::ne: return "!=";
    case Op::lt: return "<";
    case Op::le: return "<=";
    case Op::gt: return ">";
    case Op::ge: return ">=";
    case Op::in: return "in";
    case Op::not_in: return "not in";
    case Op::add: return "+";
    case Op::sub: return "-";
    case Op::mul: return "*";
    case Op::div: return "/";
    case Op::mod: return "%";
    case Op::neg: return "-";
    case Op::none: break;
  }
  return "?";
}

/// What a name or field resolves to (filled by the checker).
enum class RefKind : std::uint8_t {
  none,
  event,             // the `event` name itself
  member,            // the `member` name itself
  item,              // the `item` name inside item functions
  event_builtin,     // index: which built-in field (see checker.hpp)
  event_attribute,   // index: position in the event type's declared attributes
  member_builtin,    // index: which built-in member field
  member_attribute,  // index: position in the `member` section
  item_field,        // index: 0 sku, 1 category, 2 qty, 3 price
  tier,              // index: position in `tiers`, lowest first
  stage,             // index: position in `lifecycle`
  weekday,           // index: 1 (mon) ..= 7 (sun)
  function,          // index: which built-in function
};

struct Ref {
  RefKind kind = RefKind::none;
  std::uint32_t index = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::none;
  Span span;
  std::string text;
  std::string unit;            // duration literals
  bool boolean = false;        // boolean literals
  Op op = Op::none;            // unary and binary
  std::vector<ExprPtr> children;
  ExprPtr where;               // calls: the `where` condition, or null

  // Filled by the checker.
  Type type;
  Ref ref;
  Decimal number;              // number literals, and duration counts
  Date date;                   // date literals
  Instant time;                // time literals
  Duration duration;           // duration literals
};

// ---- declarations --------------------------------------------------------------------------

/// `timezone = "+08:00"`: the value is a string, number, duration or bare-word expression.
struct Setting {
  Identifier key;
  ExprPtr value;
  Span span;
};

/// `birthday: date`, `email: string pii`, `home_store: string optional`.
struct AttributeDecl {
  Identifier name;
  Identifier type;                     // the type word as written: number, string, ...
  std::vector<Identifier> modifiers;   // pii, optional (as written; the checker validates)
  Span span;
  // Filled by the checker.
  Type resolved;
  bool pii = false;
  bool optional = false;
};

/// `event review_posted { stars: number }`.
struct EventDecl {
  Identifier name;
  std::vector<AttributeDecl> attributes;
  Span span;
};

/// `silver from 2000`.
struct TierDecl {
  Identifier name;
  ExprPtr from;
  Span span;
};

/// `tiers by member.earned { ... keep 12 months }`.
struct TiersDecl {
  ExprPtr metric;
  std::vector<TierDecl> tiers;
  ExprPtr keep;  // a duration expression, or null
  Span span;
};

/// `active when days_since(member.enrolled_at) < 30`, or `dormant otherwise` (when == null).
struct StageDecl {
  Identifier name;
  ExprPtr when;
  Span span;
};

struct LifecycleDecl {
  std::vector<StageDecl> stages;
  Span span;
};

/// `on purchase`, `on tier_changed to gold`.
struct Trigger {
  Identifier event;
  std::optional<Identifier> to;
  Span span;
};

enum class OptionKind : std::uint8_t { active, limit, budget, group, priority };

struct RuleOption {
  OptionKind kind = OptionKind::priority;
  Span span;
  ExprPtr first;   // active: from; limit: N; budget: N; priority: N
  ExprPtr second;  // active: to; limit: the `per DURATION` window, or null
  Identifier group;  // group: the group's name
};

enum class ActionKind : std::uint8_t { award, deduct, tag, untag, set, emit, stop };

enum class ExpiryKind : std::uint8_t { program_default, in, on, never };

/// One `key: value` of an emit.
struct EmitField {
  Identifier key;
  ExprPtr value;
};

struct Action {
  ActionKind kind = ActionKind::stop;
  Span span;
  ExprPtr amount;                        // award, deduct: X; set: the value
  ExprPtr pending;                       // award: `pending D`, or null
  ExpiryKind expiry = ExpiryKind::program_default;
  ExprPtr expiry_value;                  // award: D of `expiring in D`, DATE of `expiring on`
  std::optional<Identifier> label;       // award, deduct: `as "L"`
  Identifier name;                       // tag/untag: the tag; set: the attribute (A of
                                         // member.A); emit: the message name
  std::vector<EmitField> fields;         // emit
  std::vector<Span> repeated_clauses;    // award clauses given twice (reported by the checker)
};

struct RuleDecl {
  Identifier name;
  Trigger trigger;
  ExprPtr when;  // or null
  std::vector<RuleOption> options;
  std::vector<Action> actions;
  Span span;
};

/// The kinds of top-level section, in the order a program must give them.
enum class SectionKind : std::uint8_t { program, settings, member, event, tiers, lifecycle, rule };

struct SectionRef {
  SectionKind kind;
  Span span;  // the section's keyword
};

/// A whole program as written.
struct SyntaxTree {
  std::optional<Identifier> program_name;  // `program "Acme Rewards"`
  std::vector<Setting> settings;
  std::vector<AttributeDecl> member_attributes;
  std::vector<EventDecl> events;
  std::optional<TiersDecl> tiers;
  std::optional<LifecycleDecl> lifecycle;
  std::vector<RuleDecl> rules;
  /// Every section in the order written, to check order and repetition.
  std::vector<SectionRef> sections;
};

}  // namespace loyalty::language
