#pragma once
// The parse tree that the Spirit X3 grammar (grammar_def.hpp) synthesizes, close to the text:
// copyable values that X3's attribute machinery can build. parser.cpp lowers it into
// syntax.hpp's tree. Only the parser's own files include this header.

#include <boost/optional.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "language/syntax.hpp"

namespace loyalty::language::ast {

namespace x3 = boost::spirit::x3;

/// Bytes [begin, end) a node was parsed from: set by the token parsers and by the rules'
/// on_success handler (grammar_def.hpp). `broken` marks an entry that failed to parse and was
/// skipped by error recovery (its diagnostic is already reported).
struct Tagged {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  bool broken = false;
};

/// An identifier, a keyword, or a quoted string (unescaped) naming something.
struct Word : Tagged {
  std::string text;
};

// ---- expressions ---------------------------------------------------------------------------

/// An expression node: its span, and the height of the tree below it (0 for a leaf), which
/// the grammar keeps within CompileLimits::max_expression_depth.
struct Node : Tagged {
  std::uint32_t height = 0;
};

/// A literal or a bare name: kind, text, unit and boolean as in syntax.hpp's Expr.
struct Token : Node {
  ExprKind kind = ExprKind::none;
  std::string text;
  std::string unit;
  bool boolean = false;
};

struct Binary;
struct Unary;
struct Field;
struct Call;
struct List;

/// Any expression. Operators are folded into Binary nodes as they are parsed (left to right),
/// so the tree is built once, and a parenthesized expression is its inner node with the span
/// widened over the parentheses.
struct Expression
    : x3::variant<Token, x3::forward_ast<Binary>, x3::forward_ast<Unary>, x3::forward_ast<Field>,
                  x3::forward_ast<Call>, x3::forward_ast<List>> {
  using base_type::base_type;
  using base_type::operator=;
};

/// An operator and its right operand, as parsed (`+ b` in `a + b`), before it is folded.
struct Operation : Tagged {
  Op op = Op::none;
  Expression operand;
};

struct Binary : Node {
  Op op = Op::none;
  Expression left;
  Expression right;
};

/// `-x`, `not x`.
struct Unary : Node {
  Op op = Op::none;
  Expression operand;
};

/// `object.name`.
struct Field : Node {
  Expression object;
  Word name;
};

/// What is between a call's parentheses: `args [where C]`.
struct Arguments : Tagged {
  std::vector<Expression> args;
  boost::optional<Expression> where;
};

struct Call : Node {
  Token name;
  Arguments arguments;
};

struct List : Node {
  std::vector<Expression> elements;
};

/// The node an expression holds.
inline Node& node(Expression& expression) {
  return boost::apply_visitor(
      [](auto& alternative) -> Node& {
        if constexpr (std::is_same_v<std::decay_t<decltype(alternative)>, Token>) {
          return alternative;
        } else {
          return alternative.get();
        }
      },
      expression.get());
}

inline const Node& node(const Expression& expression) {
  return boost::apply_visitor(
      [](const auto& alternative) -> const Node& {
        if constexpr (std::is_same_v<std::decay_t<decltype(alternative)>, Token>) {
          return alternative;
        } else {
          return alternative.get();
        }
      },
      expression.get());
}

// ---- declarations --------------------------------------------------------------------------

struct ProgramDecl : Tagged {
  Word keyword;
  Word name;
};

struct Setting : Tagged {
  Word key;
  Expression value;
};

struct SettingsDecl : Tagged {
  Word keyword;
  std::vector<Setting> settings;
};

/// `email: string pii`.
struct Attribute : Tagged {
  Word name;
  Word type;
  std::vector<Word> modifiers;
};

struct MemberDecl : Tagged {
  Word keyword;
  std::vector<Attribute> attributes;
};

struct EventDecl : Tagged {
  Word keyword;
  Word name;
  std::vector<Attribute> attributes;
};

/// `silver from 2000` (keep == false), or `keep 12 months` (keep == true, name is `keep`).
struct TierEntry : Tagged {
  bool keep = false;
  Word name;
  Expression value;
};

struct TiersDecl : Tagged {
  Word keyword;
  Expression metric;
  std::vector<TierEntry> entries;
};

/// `active when C`, or `dormant otherwise` (no condition).
struct Stage : Tagged {
  Word name;
  boost::optional<Expression> when;
};

struct LifecycleDecl : Tagged {
  Word keyword;
  std::vector<Stage> stages;
};

struct Trigger : Tagged {
  Word event;
  boost::optional<Word> to;
};

struct ActiveOption : Tagged {
  Expression from;
  Expression to;
};

struct LimitOption : Tagged {
  Expression count;
  boost::optional<Expression> window;
};

struct BudgetOption : Tagged {
  Expression amount;
};

struct GroupOption : Tagged {
  Word name;
};

struct PriorityOption : Tagged {
  Expression value;
};

using Option = x3::variant<ActiveOption, LimitOption, BudgetOption, GroupOption, PriorityOption>;

enum class ClauseKind : std::uint8_t { pending, expiring_in, expiring_on, never_expiring, label };

/// One clause after `award X points`.
struct AwardClause : Tagged {
  ClauseKind kind = ClauseKind::pending;
  boost::optional<Expression> value;  // pending, expiring in/on
  boost::optional<Word> label;        // as
};

struct Award : Tagged {
  Expression amount;
  std::vector<AwardClause> clauses;
};

struct Deduct : Tagged {
  Expression amount;
  boost::optional<Word> label;
};

struct TagAction : Tagged {
  bool untag = false;
  Word tag;
};

struct SetAction : Tagged {
  Word attribute;
  Expression value;
};

struct EmitField : Tagged {
  Word key;
  Expression value;
};

struct Emit : Tagged {
  Word name;
  std::vector<EmitField> fields;
};

struct Stop : Tagged {};

/// An action that failed to parse; its diagnostic is reported and it is left out of the tree.
struct BrokenAction : Tagged {};

using Action = x3::variant<Award, Deduct, TagAction, SetAction, Emit, Stop, BrokenAction>;

struct RuleDecl : Tagged {
  Word keyword;
  Word name;
  Trigger trigger;
  boost::optional<Expression> when;
  std::vector<Option> options;
  std::vector<Action> actions;
};

using Section = x3::variant<ProgramDecl, SettingsDecl, MemberDecl, EventDecl, TiersDecl,
                            LifecycleDecl, RuleDecl>;

}  // namespace loyalty::language::ast
