#include "engine/expression.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "engine/evaluator.hpp"
#include "language/builtins.hpp"

namespace loyalty::engine {

namespace {

using language::ExprKind;
using language::Function;
using language::Op;
using language::RefKind;
using language::TypeKind;

[[noreturn]] void malformed(const language::Expr& expr, const char* what) {
  throw std::invalid_argument(std::string("loyalty: cannot compile an unchecked expression (") +
                              what + ") at byte " + std::to_string(expr.span.begin));
}

Comparison comparison_of(Op op) {
  switch (op) {
    case Op::eq: return Comparison::eq;
    case Op::ne: return Comparison::ne;
    case Op::lt: return Comparison::lt;
    case Op::le: return Comparison::le;
    case Op::gt: return Comparison::gt;
    default: return Comparison::ge;
  }
}

// Functions whose result depends only on their arguments (not on the event, the member, the
// clock or the time zone): these fold when their arguments are literals.
bool pure(Function function) {
  switch (function) {
    case Function::floor:
    case Function::ceil:
    case Function::round:
    case Function::min:
    case Function::max:
    case Function::abs:
    case Function::lower:
    case Function::upper:
    case Function::contains:
    case Function::starts_with:
    case Function::has: return true;
    default: return false;
  }
}

// `x cmp y` as `y mirrored(cmp) x`.
Comparison mirrored(Comparison cmp) {
  switch (cmp) {
    case Comparison::lt: return Comparison::gt;
    case Comparison::le: return Comparison::ge;
    case Comparison::gt: return Comparison::lt;
    case Comparison::ge: return Comparison::le;
    default: return cmp;  // eq, ne
  }
}

// The Value kind the evaluator accepts for a stored value of `type` (none: not a type that a
// specialised node handles: durations keep the general path).
ValueKind stored_kind(TypeKind type) {
  return type == TypeKind::duration ? ValueKind::none : value_kind(type);
}

// Whether values of `type` are compared as raw integers (the evaluator's `scalar`).
bool is_scalar(TypeKind type) {
  switch (type) {
    case TypeKind::boolean:
    case TypeKind::date:
    case TypeKind::time:
    case TypeKind::tier:
    case TypeKind::stage:
    case TypeKind::weekday: return true;
    default: return false;
  }
}

const language::Expr& child(const language::Expr& expr, std::size_t i) {
  if (i >= expr.children.size() || !expr.children[i]) malformed(expr, "missing operand");
  return *expr.children[i];
}

}  // namespace

std::uint32_t ExpressionPool::push(Node node) {
  nodes_.push_back(node);
  return static_cast<std::uint32_t>(nodes_.size() - 1);
}

std::uint32_t ExpressionPool::add_constant(TypeKind type, Value value) {
  constants_.push_back(std::move(value));
  Node node;
  node.op = OpCode::constant;
  node.type = type;
  node.a = static_cast<std::uint32_t>(constants_.size() - 1);
  return push(node);
}

ExprId ExpressionPool::compile(const language::Expr& expr) {
  return ExprId{emit(expr)};
}

std::uint32_t ExpressionPool::emit(const language::Expr& expr) {
  const TypeKind type = expr.type.kind;
  if (type == TypeKind::unknown) malformed(expr, "unknown type");
  switch (expr.kind) {
    case ExprKind::number: return add_constant(type, Value::of(expr.number));
    case ExprKind::string: return add_constant(type, Value::of(std::string_view(expr.text)));
    case ExprKind::boolean: return add_constant(type, Value::of(expr.boolean));
    case ExprKind::none: return add_constant(TypeKind::none, Value());
    case ExprKind::date: return add_constant(type, Value::of(expr.date));
    case ExprKind::time: return add_constant(type, Value::of(expr.time));
    case ExprKind::duration: return add_constant(type, Value::of(expr.duration));
    case ExprKind::list: {
      std::vector<std::uint32_t> elements;
      elements.reserve(expr.children.size());
      for (std::size_t i = 0; i < expr.children.size(); ++i) {
        elements.push_back(emit(child(expr, i)));
      }
      Node node;
      node.op = OpCode::list;
      node.type = type;
      node.operand = expr.type.element;
      node.first = static_cast<std::uint32_t>(args_.size());
      node.count = static_cast<std::uint32_t>(elements.size());
      args_.insert(args_.end(), elements.begin(), elements.end());
      return push(node);
    }
    case ExprKind::name:
      switch (expr.ref.kind) {
        case RefKind::weekday:
          return add_constant(type, Value::of(static_cast<Weekday>(expr.ref.index)));
        case RefKind::tier: return add_constant(type, Value::tier(expr.ref.index));
        case RefKind::stage: return add_constant(type, Value::stage(expr.ref.index));
        default: break;
      }
      if (type == TypeKind::boolean) return add_constant(type, Value::of(expr.boolean));
      if (type == TypeKind::none) return add_constant(type, Value());
      malformed(expr, "unresolved name");
    case ExprKind::field: {
      Node node;
      node.type = type;
      node.a = expr.ref.index;
      switch (expr.ref.kind) {
        case RefKind::event_builtin: node.op = OpCode::event_field; break;
        case RefKind::event_attribute: node.op = OpCode::event_attribute; break;
        case RefKind::member_builtin: node.op = OpCode::member_field; break;
        case RefKind::member_attribute: node.op = OpCode::member_attribute; break;
        case RefKind::item_field: node.op = OpCode::item_field; break;
        default: malformed(expr, "unresolved field");
      }
      return push(node);
    }
    case ExprKind::call: return emit_call(expr);
    case ExprKind::unary: {
      Node node;
      node.type = type;
      node.op = expr.op == Op::not_ ? OpCode::logical_not : OpCode::negate;
      node.a = emit(child(expr, 0));
      return fold(push(node));
    }
    case ExprKind::binary: return emit_binary(expr);
  }
  malformed(expr, "unknown kind");
}

std::uint32_t ExpressionPool::emit_binary(const language::Expr& expr) {
  const language::Expr& left = child(expr, 0);
  const language::Expr& right = child(expr, 1);
  Node node;
  node.type = expr.type.kind;
  switch (expr.op) {
    case Op::or_:
    case Op::and_:
      node.op = expr.op == Op::or_ ? OpCode::logical_or : OpCode::logical_and;
      node.a = emit(left);
      node.b = emit(right);
      return fold(push(node));
    case Op::add:
    case Op::sub:
    case Op::mul:
    case Op::div:
    case Op::mod: {
      const TypeKind l = left.type.kind;
      const TypeKind r = right.type.kind;
      if (l == TypeKind::number && r == TypeKind::number) {
        node.op = expr.op == Op::add   ? OpCode::add
                  : expr.op == Op::sub ? OpCode::subtract
                  : expr.op == Op::mul ? OpCode::multiply
                  : expr.op == Op::div ? OpCode::divide
                                       : OpCode::remainder;
        node.a = emit(left);
        node.b = emit(right);
        return fold(push(node));
      }
      node.op = expr.op == Op::sub ? OpCode::shift_earlier : OpCode::shift_later;
      if (l == TypeKind::duration && expr.op == Op::add) {  // D + t: t + D
        node.a = emit(right);
        node.b = emit(left);
      } else if (r == TypeKind::duration && (expr.op == Op::add || expr.op == Op::sub)) {
        node.a = emit(left);
        node.b = emit(right);
      } else {
        malformed(expr, "arithmetic on these types");
      }
      return push(node);
    }
    case Op::eq:
    case Op::ne:
    case Op::lt:
    case Op::le:
    case Op::gt:
    case Op::ge:
      // A comparison with the literal `none` is never true (docs/language.md section 20).
      if (left.type.kind == TypeKind::none || right.type.kind == TypeKind::none) {
        return add_constant(TypeKind::boolean, Value::of(false));
      }
      node.op = OpCode::compare;
      node.cmp = comparison_of(expr.op);
      node.operand = left.type.kind;
      node.a = emit(left);
      node.b = emit(right);
      return specialise(fold(push(node)));
    case Op::in:
    case Op::not_in:
      if (left.type.kind == TypeKind::none) {
        return add_constant(TypeKind::boolean, Value::of(false));
      }
      node.negated = expr.op == Op::not_in;
      node.operand = left.type.kind;
      node.a = emit(left);
      if (right.type.kind == TypeKind::tags) {
        node.op = OpCode::in_tags;
        return push(node);
      }
      node.op = OpCode::in_list;
      node.b = emit(right);
      if (nodes_[node.b].op != OpCode::list) malformed(expr, "'in' needs a list");
      return specialise(fold(push(node)));
    default: break;
  }
  malformed(expr, "unknown operator");
}

std::uint32_t ExpressionPool::emit_call(const language::Expr& expr) {
  if (expr.ref.kind != RefKind::function) malformed(expr, "unresolved function");
  Node node;
  node.op = OpCode::call;
  node.type = expr.type.kind;
  node.function = static_cast<Function>(expr.ref.index);
  std::vector<std::uint32_t> arguments;
  switch (node.function) {
    case Function::count:
    case Function::any:
    case Function::all: break;  // children[0] is event.items, read directly
    case Function::sum: arguments.push_back(emit(child(expr, 1))); break;
    default:
      for (std::size_t i = 0; i < expr.children.size(); ++i) {
        arguments.push_back(emit(child(expr, i)));
      }
      break;
  }
  if (expr.where) node.where = emit(*expr.where);
  node.first = static_cast<std::uint32_t>(args_.size());
  node.count = static_cast<std::uint32_t>(arguments.size());
  args_.insert(args_.end(), arguments.begin(), arguments.end());
  const std::uint32_t index = push(node);
  return pure(node.function) ? fold(index) : index;
}

std::uint32_t ExpressionPool::specialise(std::uint32_t index) {
  Node& node = nodes_[index];
  // The constant a constant node holds, when it is one the evaluator would read as a value of
  // the node's type (a constant of another kind, say a folded none, reads as none).
  const auto usable_constant = [this](std::uint32_t i) -> const Value* {
    const Node& n = nodes_[i];
    if (n.op != OpCode::constant) return nullptr;
    const Value& v = constants_[n.a];
    const ValueKind kind = stored_kind(n.type);
    return kind != ValueKind::none && v.kind() == kind ? &v : nullptr;
  };
  if (node.op == OpCode::compare) {
    if (node.operand != TypeKind::number && node.operand != TypeKind::string &&
        !is_scalar(node.operand)) {
      return index;  // durations (always folded) and anything else stay general
    }
    // Constants never fail and have no effects, so which side is read first does not matter.
    if (usable_constant(node.b) != nullptr && nodes_[node.a].op != OpCode::constant) {
      node.b = nodes_[node.b].a;
    } else if (usable_constant(node.a) != nullptr && nodes_[node.b].op != OpCode::constant) {
      node.a = std::exchange(node.b, nodes_[node.a].a);
      node.cmp = mirrored(node.cmp);
    } else {
      return index;
    }
    node.op = OpCode::compare_constant;
    return index;
  }
  if (node.op == OpCode::in_list) {
    if (!is_scalar(node.operand) || nodes_[node.a].op == OpCode::constant) return index;
    const Node& list = nodes_[node.b];
    std::uint64_t set = 0;
    for (std::uint32_t k = 0; k < list.count; ++k) {
      const std::uint32_t element = args_[list.first + k];
      if (nodes_[element].op != OpCode::constant) return index;
      const Value* v = usable_constant(element);
      if (v == nullptr) continue;  // a none element matches nothing
      if (v->raw() < 0 || v->raw() >= 64) return index;
      set |= std::uint64_t{1} << v->raw();
    }
    node.op = OpCode::in_set;
    node.set = set;
  }
  return index;
}

std::uint32_t ExpressionPool::fold(std::uint32_t index) {
  const Node node = nodes_[index];
  const auto constant_at = [this](std::uint32_t i) { return nodes_[i].op == OpCode::constant; };
  switch (node.op) {
    case OpCode::logical_not:
    case OpCode::negate:
      if (!constant_at(node.a)) return index;
      break;
    case OpCode::in_list: {
      if (!constant_at(node.a)) return index;
      const Node& list = nodes_[node.b];
      for (std::uint32_t i = 0; i < list.count; ++i) {
        if (!constant_at(args_[list.first + i])) return index;
      }
      break;
    }
    case OpCode::call:
      for (std::uint32_t i = 0; i < node.count; ++i) {
        if (!constant_at(args_[node.first + i])) return index;
      }
      break;
    default:
      if (!constant_at(node.a) || !constant_at(node.b)) return index;
      break;
  }
  Value value;
  try {
    value = evaluate(*this, ExprId{index}, EvalContext{});
  } catch (const Error&) {
    return index;  // raised at run time, where the engine names the rule
  }
  constants_.push_back(std::move(value));
  Node folded;
  folded.op = OpCode::constant;
  folded.type = node.type;
  folded.a = static_cast<std::uint32_t>(constants_.size() - 1);
  nodes_[index] = folded;
  return index;
}

CompiledExpressions compile_expressions(const language::CheckedProgram& program) {
  CompiledExpressions out;
  const language::SyntaxTree& tree = program.tree;
  out.rules.reserve(tree.rules.size());
  for (const language::RuleDecl& rule : tree.rules) {
    CompiledRule compiled;
    if (rule.when) compiled.when = out.pool.compile(*rule.when);
    compiled.actions.reserve(rule.actions.size());
    for (const language::Action& action : rule.actions) {
      CompiledAction done;
      if (action.amount) done.amount = out.pool.compile(*action.amount);
      done.fields.reserve(action.fields.size());
      for (const language::EmitField& field : action.fields) {
        done.fields.push_back(field.value ? out.pool.compile(*field.value) : ExprId{});
      }
      compiled.actions.push_back(std::move(done));
    }
    out.rules.push_back(std::move(compiled));
  }
  if (tree.tiers && tree.tiers->metric) out.tier_metric = out.pool.compile(*tree.tiers->metric);
  if (tree.lifecycle) {
    for (const language::StageDecl& stage : tree.lifecycle->stages) {
      out.stage_conditions.push_back(stage.when ? out.pool.compile(*stage.when) : ExprId{});
    }
  }
  return out;
}

ValueKind value_kind(TypeKind type) noexcept {
  switch (type) {
    case TypeKind::number: return ValueKind::number;
    case TypeKind::string: return ValueKind::string;
    case TypeKind::boolean: return ValueKind::boolean;
    case TypeKind::date: return ValueKind::date;
    case TypeKind::time: return ValueKind::time;
    case TypeKind::duration: return ValueKind::duration;
    case TypeKind::tier: return ValueKind::tier;
    case TypeKind::stage: return ValueKind::stage;
    case TypeKind::weekday: return ValueKind::weekday;
    default: return ValueKind::none;
  }
}

}  // namespace loyalty::engine
