#include "engine/evaluator.hpp"

#include <algorithm>
#include <compare>
#include <stdexcept>
#include <string>
#include <string_view>

#include "language/builtins.hpp"

namespace loyalty::engine {

namespace {

using language::EventField;
using language::Function;
using language::ItemField;
using language::MemberField;
using language::TypeKind;

// The evaluator's hot paths (loads, comparisons with a constant) inline into their callers;
// the rest stays out of line, so that the recursive functions keep small frames.
#define NOINLINE [[gnu::noinline]]

enum class Truth : std::uint8_t { no, yes, none };

Truth truth_of(bool flag) {
  return flag ? Truth::yes : Truth::no;
}

[[noreturn]] void bad_node() {
  throw std::logic_error("loyalty: malformed compiled expression");
}

bool ordered(Comparison cmp, std::strong_ordering order) {
  switch (cmp) {
    case Comparison::eq: return order == 0;
    case Comparison::ne: return order != 0;
    case Comparison::lt: return order < 0;
    case Comparison::le: return order <= 0;
    case Comparison::gt: return order > 0;
    case Comparison::ge: return order >= 0;
  }
  return false;
}


char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// One evaluation: the pool, the context and the item bound by an item function.
class Run {
 public:
  Run(const ExpressionPool& pool, const EvalContext& context) : pool_(pool), ctx_(context) {}

  Value value(std::uint32_t i) {
    const Node& n = pool_.node(i);
    switch (n.type) {
      case TypeKind::number: {
        Decimal d;
        return number(i, d) ? Value::of(std::move(d)) : Value();
      }
      case TypeKind::string: {
        std::string scratch;
        std::string_view view;
        if (!text(i, scratch, view)) return {};
        return Value::of(view);
      }
      case TypeKind::boolean: {
        const Truth t = truth(i);
        return t == Truth::none ? Value() : Value::of(t == Truth::yes);
      }
      case TypeKind::date:
      case TypeKind::time:
      case TypeKind::tier:
      case TypeKind::stage:
      case TypeKind::weekday: {
        std::int64_t raw = 0;
        if (!scalar(i, raw)) return {};
        return make_scalar(n.type, raw);
      }
      case TypeKind::duration: {
        Duration d;
        return duration(i, d) ? Value::of(d) : Value();
      }
      default: return {};  // none; lists, items and tags have no Value
    }
  }

  Truth truth(std::uint32_t i) {
    const Node& n = pool_.node(i);
    switch (n.op) {
      case OpCode::constant:
      case OpCode::event_attribute:
      case OpCode::member_attribute: {
        const Value* v = stored(n);
        if (v == nullptr || v->kind() != ValueKind::boolean) return Truth::none;
        return truth_of(v->boolean());
      }
      case OpCode::logical_and:
        return truth_of(truth(n.a) == Truth::yes && truth(n.b) == Truth::yes);
      case OpCode::logical_or:
        return truth_of(truth(n.a) == Truth::yes || truth(n.b) == Truth::yes);
      case OpCode::logical_not: return truth_of(truth(n.a) != Truth::yes);
      case OpCode::compare: return truth_of(compare(n));
      case OpCode::compare_constant: return truth_of(compare_constant(n));
      case OpCode::in_list: return in_list(n);
      case OpCode::in_set: {
        std::int64_t needle = 0;
        if (!scalar(n.a, needle)) return Truth::no;
        const bool found = needle >= 0 && needle < 64 && ((n.set >> needle) & 1U) != 0;
        return truth_of(found != n.negated);
      }
      case OpCode::in_tags: return in_tags(n);
      case OpCode::call: return truth_call(n);
      default: bad_node();
    }
  }

  bool number(std::uint32_t i, Decimal& out) {
    const Decimal* d = num(i, out);
    if (d == nullptr) return false;
    if (d != &out) out = *d;
    return true;
  }

  // The number node `i` yields, or null for none: where the number is stored (a constant, an
  // event, item or member field, an attribute) a pointer to it, so that loads copy nothing;
  // otherwise `scratch`, holding the result.
  const Decimal* num(std::uint32_t i, Decimal& scratch) {
    const Node& n = pool_.node(i);
    switch (n.op) {
      case OpCode::constant:
      case OpCode::event_attribute:
      case OpCode::member_attribute: {
        const Value* v = stored(n);
        if (v == nullptr || v->kind() != ValueKind::number) return nullptr;
        return &v->number();
      }
      case OpCode::event_field:
        if (ctx_.event == nullptr || static_cast<EventField>(n.a) != EventField::amount) {
          return nullptr;
        }
        return &ctx_.event->amount;
      case OpCode::member_field: return member_number(static_cast<MemberField>(n.a), scratch);
      case OpCode::item_field:
        if (item_ == nullptr) return nullptr;
        return static_cast<ItemField>(n.a) == ItemField::qty ? &item_->qty : &item_->price;
      case OpCode::negate: {
        const Decimal* operand = num(n.a, scratch);
        if (operand == nullptr) return nullptr;
        scratch = -*operand;
        return &scratch;
      }
      case OpCode::add:
      case OpCode::subtract:
      case OpCode::multiply:
      case OpCode::divide:
      case OpCode::remainder: return arithmetic(n, scratch);
      case OpCode::call: return number_call(n, scratch) ? &scratch : nullptr;
      default: bad_node();
    }
  }

  NOINLINE const Decimal* arithmetic(const Node& n, Decimal& scratch) {
    const Decimal* left = num(n.a, scratch);
    if (left == nullptr) return nullptr;
    Decimal right_scratch;
    const Decimal* right = num(n.b, right_scratch);
    if (right == nullptr) return nullptr;
    switch (n.op) {
      case OpCode::add: scratch = *left + *right; break;
      case OpCode::subtract: scratch = *left - *right; break;
      case OpCode::multiply: scratch = *left * *right; break;
      case OpCode::divide: scratch = *left / *right; break;
      default: scratch = *left % *right; break;
    }
    return &scratch;
  }

  // The string node `i` yields (false: none): a view of the event, the member, the pool, or
  // of `scratch` for a string computed here (lower, upper).
  [[gnu::always_inline]] bool text(std::uint32_t i, std::string& scratch, std::string_view& out) {
    const Node& n = pool_.node(i);
    switch (n.op) {
      case OpCode::constant:
      case OpCode::event_attribute:
      case OpCode::member_attribute: {
        const Value* v = stored(n);
        if (v == nullptr || v->kind() != ValueKind::string) return false;
        out = v->text();
        return true;
      }
      case OpCode::event_field: {
        const Event* e = ctx_.event;
        if (e == nullptr) return false;
        switch (static_cast<EventField>(n.a)) {
          case EventField::id: out = e->id; return true;
          case EventField::type: out = e->type; return true;
          case EventField::channel: out = e->channel; return true;
          case EventField::original: out = e->original; return true;
          default: return false;
        }
      }
      case OpCode::member_field:
        if (ctx_.member == nullptr || static_cast<MemberField>(n.a) != MemberField::id) {
          return false;
        }
        out = ctx_.member->id;
        return true;
      case OpCode::item_field:
        if (item_ == nullptr) return false;
        out = static_cast<ItemField>(n.a) == ItemField::sku ? item_->sku : item_->category;
        return true;
      case OpCode::call: return text_call(n, scratch, out);
      default: bad_node();
    }
  }

  // lower(), upper(): the result in `scratch`.
  NOINLINE bool text_call(const Node& n, std::string& scratch, std::string_view& out) {
    if (n.function != Function::lower && n.function != Function::upper) bad_node();
    std::string_view argument;
    if (!text(arg(n, 0), scratch, argument)) return false;
    if (argument.data() != scratch.data()) scratch.assign(argument);
    if (n.function == Function::lower) {
      std::transform(scratch.begin(), scratch.end(), scratch.begin(), to_lower);
    } else {
      std::transform(scratch.begin(), scratch.end(), scratch.begin(), to_upper);
    }
    out = scratch;
    return true;
  }

  // Dates (days), times (seconds), tiers, stages, weekdays and booleans (0 or 1).
  bool scalar(std::uint32_t i, std::int64_t& out) {
    const Node& n = pool_.node(i);
    if (n.type == TypeKind::boolean) {
      const Truth t = truth(i);
      out = t == Truth::yes ? 1 : 0;
      return t != Truth::none;
    }
    switch (n.op) {
      case OpCode::constant:
      case OpCode::event_attribute:
      case OpCode::member_attribute: {
        const Value* v = stored(n);
        if (v == nullptr || v->kind() != value_kind(n.type)) return false;
        out = v->raw();
        return true;
      }
      case OpCode::event_field:
        switch (static_cast<EventField>(n.a)) {
          case EventField::time:
            if (ctx_.event == nullptr) return false;
            out = ctx_.event->time.seconds();
            return true;
          case EventField::from: return index(ctx_.from, out);
          case EventField::to: return index(ctx_.to, out);
          default: return false;
        }
      case OpCode::member_field: {
        const MemberState* m = ctx_.member;
        if (m == nullptr) return false;
        switch (static_cast<MemberField>(n.a)) {
          case MemberField::enrolled_at: out = m->enrolled_at.seconds(); return true;
          case MemberField::tier: return index(m->tier, out);
          case MemberField::stage: return index(m->stage, out);
          case MemberField::last_purchase_at:
            if (!m->last_purchase_at) return false;
            out = m->last_purchase_at->seconds();
            return true;
          default: return false;
        }
      }
      case OpCode::shift_later:
      case OpCode::shift_earlier: return shift(n, out);
      case OpCode::call: return scalar_call(n, out);
      default: bad_node();
    }
  }

  // date(t), weekday(t).
  NOINLINE bool scalar_call(const Node& n, std::int64_t& out) {
    Date local;
    if (!local_date(arg(n, 0), local)) return false;
    if (n.function == Function::date) {
      out = local.days();
    } else if (n.function == Function::weekday) {
      out = static_cast<std::int64_t>(local.weekday());
    } else {
      bad_node();
    }
    return true;
  }

  bool duration(std::uint32_t i, Duration& out) {
    const Node& n = pool_.node(i);
    if (n.op != OpCode::constant) bad_node();
    const Value& v = pool_.constant(n.a);
    if (v.kind() != ValueKind::duration) return false;
    out = v.duration();
    return true;
  }

  // has(x): whether x is not none.
  bool present(std::uint32_t i) {
    const Node& n = pool_.node(i);
    switch (n.type) {
      case TypeKind::number: {
        Decimal d;
        return number(i, d);
      }
      case TypeKind::string: {
        std::string scratch;
        std::string_view view;
        return text(i, scratch, view);
      }
      case TypeKind::boolean: return truth(i) != Truth::none;
      case TypeKind::date:
      case TypeKind::time:
      case TypeKind::tier:
      case TypeKind::stage:
      case TypeKind::weekday: {
        std::int64_t raw = 0;
        return scalar(i, raw);
      }
      case TypeKind::duration: {
        Duration d;
        return duration(i, d);
      }
      case TypeKind::none: return false;
      default: return true;  // lists, tags
    }
  }

 private:
  std::uint32_t arg(const Node& n, std::uint32_t k) const { return pool_.arg(n.first + k); }

  static Value make_scalar(TypeKind type, std::int64_t raw) {
    switch (type) {
      case TypeKind::date: return Value::of(Date::from_days(raw));
      case TypeKind::time: return Value::of(Instant::from_seconds(raw));
      case TypeKind::tier: return Value::tier(static_cast<std::uint32_t>(raw));
      case TypeKind::stage: return Value::stage(static_cast<std::uint32_t>(raw));
      default: return Value::of(static_cast<Weekday>(raw));
    }
  }

  static bool index(const std::optional<std::uint32_t>& slot, std::int64_t& out) {
    if (!slot) return false;
    out = *slot;
    return true;
  }

  // The Value a constant or attribute node reads, or null.
  const Value* stored(const Node& n) const {
    switch (n.op) {
      case OpCode::constant: return &pool_.constant(n.a);
      case OpCode::event_attribute:
        if (ctx_.attributes == nullptr || n.a >= ctx_.attributes->size()) return nullptr;
        return &(*ctx_.attributes)[n.a];
      case OpCode::member_attribute:
        if (ctx_.member == nullptr || n.a >= ctx_.member->attributes.size()) return nullptr;
        return &ctx_.member->attributes[n.a];
      default: return nullptr;
    }
  }

  // A member's number field: a pointer to it where it is a Decimal, else `scratch` holding it
  // (null: none).
  const Decimal* member_number(MemberField field, Decimal& scratch) const {
    const MemberState* m = ctx_.member;
    if (m == nullptr) return nullptr;
    switch (field) {
      case MemberField::points: scratch = Decimal(m->ledger.available(ctx_.now)); break;
      case MemberField::pending_points: scratch = Decimal(m->ledger.pending(ctx_.now)); break;
      case MemberField::earned: scratch = Decimal(m->earned); break;
      case MemberField::purchases: scratch = Decimal(m->purchases); break;
      case MemberField::spend: return &m->spend;
      default: return nullptr;
    }
    return &scratch;
  }

  // A time or date argument as an instant (a date stands for its local midnight).
  bool instant(std::uint32_t i, Instant& out) {
    std::int64_t raw = 0;
    if (!scalar(i, raw)) return false;
    if (pool_.node(i).type == TypeKind::date) {
      out = Instant::start_of(Date::from_days(raw), ctx_.timezone);
    } else {
      out = Instant::from_seconds(raw);
    }
    return true;
  }

  // A time or date argument as a date in the program's time zone.
  bool local_date(std::uint32_t i, Date& out) {
    std::int64_t raw = 0;
    if (!scalar(i, raw)) return false;
    if (pool_.node(i).type == TypeKind::date) {
      out = Date::from_days(raw);
    } else {
      out = Instant::from_seconds(raw).date(ctx_.timezone);
    }
    return true;
  }

  NOINLINE bool shift(const Node& n, std::int64_t& out) {
    std::int64_t raw = 0;
    Duration length;
    if (!scalar(n.a, raw) || !duration(n.b, length)) return false;
    const bool later = n.op == OpCode::shift_later;
    if (n.type == TypeKind::time) {
      const Instant start = Instant::from_seconds(raw);
      out = (later ? add(start, length, ctx_.timezone) : subtract(start, length, ctx_.timezone))
                .seconds();
      return true;
    }
    const Date start = Date::from_days(raw);
    const std::int64_t count = later ? length.count() : -length.count();
    switch (length.unit()) {
      case Duration::Unit::days: out = start.add_days(count).days(); return true;
      case Duration::Unit::months: out = start.add_months(count).days(); return true;
      case Duration::Unit::years: out = start.add_months(count * 12).days(); return true;
      default: throw EvalError(ErrorCode::invalid_time, "cannot shift a date by hours or minutes");
    }
  }

  NOINLINE bool compare(const Node& n) {
    std::strong_ordering order = std::strong_ordering::equal;
    switch (n.operand) {
      case TypeKind::number: {
        Decimal left_scratch;
        const Decimal* left = num(n.a, left_scratch);
        if (left == nullptr) return false;
        Decimal right_scratch;
        const Decimal* right = num(n.b, right_scratch);
        if (right == nullptr) return false;
        order = *left <=> *right;
        break;
      }
      case TypeKind::string: {
        std::string left_scratch;
        std::string right_scratch;
        std::string_view left;
        std::string_view right;
        if (!text(n.a, left_scratch, left) || !text(n.b, right_scratch, right)) return false;
        return text_ordered(n.cmp, left, right);
      }
      case TypeKind::duration: {
        Duration left;
        Duration right;
        if (!duration(n.a, left) || !duration(n.b, right)) return false;
        if (n.cmp != Comparison::eq && n.cmp != Comparison::ne) bad_node();
        return (left == right) == (n.cmp == Comparison::eq);
      }
      default: {
        std::int64_t left = 0;
        std::int64_t right = 0;
        if (!scalar(n.a, left) || !scalar(n.b, right)) return false;
        order = left <=> right;
        break;
      }
    }
    return ordered(n.cmp, order);
  }

  // compare with the right side a constant of the operand's kind (expression.cpp made sure).
  bool compare_constant(const Node& n) {
    const Value& right = pool_.constant(n.b);
    switch (n.operand) {
      case TypeKind::number: {
        Decimal scratch;
        const Decimal* left = num(n.a, scratch);
        return left != nullptr && ordered(n.cmp, *left <=> right.number());
      }
      case TypeKind::string: {
        std::string scratch;
        std::string_view left;
        return text(n.a, scratch, left) && text_ordered(n.cmp, left, right.text());
      }
      default: {
        std::int64_t left = 0;
        return scalar(n.a, left) && ordered(n.cmp, left <=> right.raw());
      }
    }
  }

  // Strings order by bytes (char_traits<char> compares as unsigned char).
  [[gnu::always_inline]] static bool text_ordered(Comparison cmp, std::string_view left,
                                                  std::string_view right) {
    switch (cmp) {
      case Comparison::eq: return left == right;
      case Comparison::ne: return left != right;
      default: return ordered(cmp, left.compare(right) <=> 0);
    }
  }

  NOINLINE Truth in_list(const Node& n) {
    const Node& list = pool_.node(n.b);
    bool found = false;
    switch (n.operand) {
      case TypeKind::number: {
        Decimal needle_scratch;
        const Decimal* needle = num(n.a, needle_scratch);
        if (needle == nullptr) return Truth::no;
        for (std::uint32_t k = 0; k < list.count && !found; ++k) {
          Decimal scratch;
          const Decimal* element = num(arg(list, k), scratch);
          found = element != nullptr && *element == *needle;
        }
        break;
      }
      case TypeKind::string: {
        std::string needle_scratch;
        std::string_view needle;
        if (!text(n.a, needle_scratch, needle)) return Truth::no;
        for (std::uint32_t k = 0; k < list.count && !found; ++k) {
          std::string scratch;
          std::string_view element;
          found = text(arg(list, k), scratch, element) && element == needle;
        }
        break;
      }
      default: {
        std::int64_t needle = 0;
        if (!scalar(n.a, needle)) return Truth::no;
        for (std::uint32_t k = 0; k < list.count && !found; ++k) {
          std::int64_t element = 0;
          found = scalar(arg(list, k), element) && element == needle;
        }
        break;
      }
    }
    return truth_of(found != n.negated);
  }

  NOINLINE Truth in_tags(const Node& n) {
    std::string scratch;
    std::string_view tag;
    if (!text(n.a, scratch, tag)) return Truth::no;
    bool found = false;
    if (ctx_.member != nullptr) {
      const std::vector<std::string>& tags = ctx_.member->tags;  // sorted
      auto at = std::lower_bound(tags.begin(), tags.end(), tag,
                                 [](const std::string& s, std::string_view t) { return s < t; });
      found = at != tags.end() && *at == tag;
    }
    return truth_of(found != n.negated);
  }

  // Whether the `where` of an item function holds for the bound item (no `where`: true).
  bool selected(const Node& n) {
    return n.where == ExprId::kInvalid || truth(n.where) == Truth::yes;
  }

  const std::vector<Item>* items() const {
    return ctx_.event == nullptr ? nullptr : &ctx_.event->items;
  }

  NOINLINE Truth truth_call(const Node& n) {
    switch (n.function) {
      case Function::has: return truth_of(present(arg(n, 0)));
      case Function::is_birthday: {
        std::int64_t raw = 0;
        if (!scalar(arg(n, 0), raw)) return Truth::none;
        return truth_of(loyalty::is_birthday(Date::from_days(raw), ctx_.now.date(ctx_.timezone)));
      }
      case Function::contains:
      case Function::starts_with: {
        std::string s_scratch;
        std::string part_scratch;
        std::string_view s;
        std::string_view part;
        if (!text(arg(n, 0), s_scratch, s) || !text(arg(n, 1), part_scratch, part)) {
          return Truth::none;
        }
        return truth_of(n.function == Function::contains ? s.find(part) != std::string_view::npos
                                                         : s.starts_with(part));
      }
      case Function::any:
      case Function::all: {
        const bool want_any = n.function == Function::any;
        const std::vector<Item>* list = items();
        if (list == nullptr) return truth_of(!want_any);
        const Item* saved = item_;
        bool result = !want_any;
        for (const Item& it : *list) {
          item_ = &it;
          if (selected(n) == want_any) {
            result = want_any;
            break;
          }
        }
        item_ = saved;
        return truth_of(result);
      }
      default: bad_node();
    }
  }

  NOINLINE bool number_call(const Node& n, Decimal& out) {
    switch (n.function) {
      case Function::floor:
      case Function::ceil:
        if (!number(arg(n, 0), out)) return false;
        out = out.round(n.function == Function::floor ? Rounding::floor : Rounding::ceil, 0);
        return true;
      case Function::round: {
        if (!number(arg(n, 0), out)) return false;
        int digits = 0;
        if (n.count == 2) {
          Decimal d;
          if (!number(arg(n, 1), d)) return false;
          if (!d.is_integer()) {
            throw EvalError(ErrorCode::invalid_number,
                            "round's digits must be a whole number, not " + d.to_string());
          }
          // Beyond these bounds the result no longer changes: keep the cast exact.
          const Decimal low(-(Decimal::max_integer_digits + 1));
          const Decimal high(Decimal::max_scale);
          digits = static_cast<int>((d < low    ? low
                                     : d > high ? high
                                                : d)
                                        .to_int64(Rounding::floor));
        }
        out = out.round(Rounding::half_up, digits);
        return true;
      }
      case Function::min:
      case Function::max: {
        Decimal other;
        if (!number(arg(n, 0), out) || !number(arg(n, 1), other)) return false;
        if (n.function == Function::min ? other < out : other > out) out = other;
        return true;
      }
      case Function::abs:
        if (!number(arg(n, 0), out)) return false;
        out = out.abs();
        return true;
      case Function::days_since:
      case Function::hours_since: {
        Instant since;
        if (!instant(arg(n, 0), since)) return false;
        out = Decimal(n.function == Function::days_since ? days_between(since, ctx_.now)
                                                         : hours_between(since, ctx_.now));
        return true;
      }
      case Function::hour: {
        std::int64_t raw = 0;
        if (!scalar(arg(n, 0), raw)) return false;
        out = Decimal(Instant::from_seconds(raw).hour(ctx_.timezone));
        return true;
      }
      case Function::day:
      case Function::month:
      case Function::year: {
        Date local;
        if (!local_date(arg(n, 0), local)) return false;
        out = Decimal(n.function == Function::day     ? local.day()
                      : n.function == Function::month ? local.month()
                                                      : local.year());
        return true;
      }
      case Function::count:
      case Function::sum: return over_items(n, out);
      case Function::spend:
      case Function::purchases:
      case Function::earned: return window(n, out);
      default: bad_node();
    }
  }

  bool over_items(const Node& n, Decimal& out) {
    out = Decimal();
    const std::vector<Item>* list = items();
    if (list == nullptr) return true;
    const Item* saved = item_;
    bool present_all = true;
    std::int64_t counted = 0;
    for (const Item& it : *list) {
      item_ = &it;
      if (!selected(n)) continue;
      if (n.function == Function::count) {
        ++counted;
        continue;
      }
      Decimal scratch;
      const Decimal* term = num(arg(n, 0), scratch);
      if (term == nullptr) {
        present_all = false;  // arithmetic with none is none
        break;
      }
      out = out + *term;
    }
    item_ = saved;
    if (n.function == Function::count) out = Decimal(counted);
    return present_all;
  }

  // spend(D), purchases(D), earned(D): the member's history in (now - D, now].
  NOINLINE bool window(const Node& n, Decimal& out) {
    Duration length;
    if (!duration(arg(n, 0), length)) return false;
    out = Decimal();
    const MemberState* m = ctx_.member;
    if (m == nullptr) return true;
    bool unbounded = false;
    Instant start;
    try {
      start = subtract(ctx_.now, length, ctx_.timezone);
    } catch (const TimeError&) {
      unbounded = true;  // the window reaches before the year 1: it holds all history
    }
    std::int64_t whole = 0;
    for (auto it = m->history.rbegin(); it != m->history.rend(); ++it) {
      if (!unbounded && it->time <= start) break;
      if (it->time > ctx_.now) continue;
      switch (n.function) {
        case Function::spend: out = out + it->spend; break;
        case Function::purchases:
          if (__builtin_add_overflow(whole, it->purchases, &whole)) overflow();
          break;
        default:
          if (__builtin_add_overflow(whole, it->earned, &whole)) overflow();
          break;
      }
    }
    if (n.function != Function::spend) out = Decimal(whole);
    return true;
  }

  [[noreturn]] static void overflow() {
    throw EvalError(ErrorCode::number_overflow, "a window's total is out of range");
  }

  const ExpressionPool& pool_;
  const EvalContext& ctx_;
  const Item* item_ = nullptr;
};

// Runs `f`, turning the number and time errors of the values into EvalError.
template <class F>
auto guarded(F f) {
  try {
    return f();
  } catch (const NumberError& failure) {
    throw EvalError(failure.code(), failure.what());
  } catch (const TimeError& failure) {
    throw EvalError(failure.code(), failure.what());
  }
}

}  // namespace

Value evaluate(const ExpressionPool& pool, ExprId id, const EvalContext& context) {
  return guarded([&] { return Run(pool, context).value(id.index); });
}

bool holds(const ExpressionPool& pool, ExprId id, const EvalContext& context) {
  return guarded([&] { return Run(pool, context).truth(id.index) == Truth::yes; });
}

std::optional<Decimal> evaluate_number(const ExpressionPool& pool, ExprId id,
                                       const EvalContext& context) {
  return guarded([&]() -> std::optional<Decimal> {
    Decimal out;
    if (!Run(pool, context).number(id.index, out)) return std::nullopt;
    return out;
  });
}

}  // namespace loyalty::engine
