#pragma once
// The grammar of the rule language (LANGUAGE.md) on Boost.Spirit X3. Included by grammar.cpp
// only, which instantiates it once.
//
// Tokens are read by small hand-written X3 parsers (identifiers, keywords, literals), so that
// keywords match whole words only (`in` never matches the start of `income`), dates and times
// are tried before numbers, and string errors point at the string. Everything above tokens is
// X3 composition. Directives of our own:
//   expect(message)[p]   p must match here; else a SyntaxFailure with that message
//   nest(lead)[p]        where `lead` opens a bracket, call or unary operator, p is one level
//                        of nesting deeper; past CompileLimits::max_expression_depth, an error
//   recover(entry)[p]    one entry of a block: on a syntax error, report it, skip to the next
//                        entry and go on (so one mistake gives one diagnostic, and the rest of
//                        the block is still read)
//   on_this_line[p]      p starts on the current line (a declaration's value)
// Binary operators and field accesses are folded into the tree by semantic actions as they
// are read, which also bounds the height of the tree: a chain of 100,000 `+` stops at the
// operator that makes it too deep, without building the rest.
//
// Operators, lowest precedence first: or, and, not, comparisons (== != < <= > >= in, not in),
// + -, * / %, unary -, field access and calls. Binary operators are left-associative.
// Comparisons do not chain (they are non-associative): `a < b < c` is an error that asks for
// `and`, as is `a = b` (for '==') and `a not b`.

#include <array>
#include <boost/spirit/home/x3.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "language/ast.hpp"
#include "language/ast_adapted.hpp"
#include "language/config.hpp"
#include "language/grammar.hpp"

namespace loyalty::language::parser {

// ---- the text of tokens --------------------------------------------------------------------

namespace lex {

/// Words that are never a name in an expression.
constexpr std::array<std::string_view, 7> kReservedInExpressions = {"and",  "or",    "not", "in",
                                                                    "true", "false", "none"};

/// Words that make a number a duration (`90 days`). Weeks and seconds are read too, so that
/// the checker can say what to write instead.
constexpr std::array<std::string_view, 14> kUnitWords = {
    "minute", "minutes", "hour",   "hours", "day",   "days",   "week",
    "weeks",  "month",   "months", "year",  "years", "second", "seconds"};

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

inline bool digits_at(Iterator p, Iterator end, std::ptrdiff_t count) {
  if (end - p < count) return false;
  return std::all_of(p, p + count, is_digit);
}

/// The end of the UTF-8 code point that starts at `p`.
inline Iterator code_point_end(Iterator p, Iterator end) {
  if (p == end) return end;
  ++p;
  while (p != end && (static_cast<unsigned char>(*p) & 0xC0) == 0x80) ++p;
  return p;
}

/// The end of a number-like run at `p` (to quote a malformed date or time whole).
inline Iterator run_end(Iterator p, Iterator end) {
  while (p != end && (is_ident_char(*p) || *p == ':' || *p == '-' || *p == '+' || *p == '.')) ++p;
  return p;
}

/// Reads the string literal at `p` (a '"') into `out`, unescaped; returns its end.
inline Iterator read_string(Iterator p, Iterator end, std::string& out) {
  const auto unterminated = [&](Iterator at) {
    return SyntaxFailure{
        p, at, "unterminated string", "close it with '\"' on the same line", Refine::none, false};
  };
  Iterator q = p + 1;
  for (;;) {
    if (q == end || *q == '\n' || *q == '\r') throw unterminated(q);
    if (*q == '"') return q + 1;
    if (*q == '\\') {
      const Iterator escaped = q + 1;
      if (escaped == end || *escaped == '\n' || *escaped == '\r') throw unterminated(escaped);
      if (*escaped == '"' || *escaped == '\\') {
        out.push_back(*escaped);
        q = escaped + 1;
        continue;
      }
      const Iterator escape_end = code_point_end(escaped, end);
      throw SyntaxFailure{q,
                          escape_end,
                          "unknown escape '\\" + std::string(escaped, escape_end) + "' in a string",
                          "only \\\" and \\\\ can be escaped",
                          Refine::none,
                          false};
    }
    out.push_back(*q++);
  }
}

/// The end of `hh:mm:ss` and a zone (`Z` or `+hh:mm`) at `p`, or null.
inline Iterator time_of_day_end(Iterator p, Iterator end) {
  if (!(end - p >= 8 && digits_at(p, end, 2) && p[2] == ':' && digits_at(p + 3, end, 2) &&
        p[5] == ':' && digits_at(p + 6, end, 2))) {
    return nullptr;
  }
  const Iterator q = p + 8;
  if (q != end && *q == 'Z') return q + 1;
  if (end - q >= 6 && (*q == '+' || *q == '-') && digits_at(q + 1, end, 2) && q[3] == ':' &&
      digits_at(q + 4, end, 2)) {
    return q + 6;
  }
  return nullptr;
}

/// True when the word after `p` starts the next entry of a tiers or lifecycle block (so that
/// `0` before a tier named `days` is not read as `0 days`).
inline bool before_entry_keyword(Iterator p, Iterator end) {
  const Iterator next = skip(p, end);
  return starts_word(next, end, "from") || starts_word(next, end, "when") ||
         starts_word(next, end, "otherwise");
}

/// Reads the literal at `p` into `token` and returns its end, or returns `p` when there is
/// none: a time, a date, a duration, a number, a string, true, false or none.
inline Iterator read_literal(Iterator p, Iterator end, ast::Token& token) {
  if (p == end) return p;
  if (*p == '"') {
    token.kind = ExprKind::string;
    return read_string(p, end, token.text);
  }
  if (is_digit(*p)) {
    // Dates and times first, so that 2026-12-01 is a date and not 2026 - 12 - 01.
    if (digits_at(p, end, 4) && end - p >= 10 && p[4] == '-' && digits_at(p + 5, end, 2) &&
        p[7] == '-' && digits_at(p + 8, end, 2)) {
      const Iterator date_end = p + 10;
      if (date_end != end && *date_end == 'T') {
        const Iterator time_end = time_of_day_end(date_end + 1, end);
        if (time_end == nullptr || (time_end != end && is_ident_char(*time_end))) {
          throw SyntaxFailure{p,
                              run_end(p, end),
                              "malformed time",
                              "write a time as 2026-12-01T10:00:00Z or 2026-12-01T10:00:00+08:00",
                              Refine::none,
                              false};
        }
        token.kind = ExprKind::time;
        token.text.assign(p, time_end);
        return time_end;
      }
      token.kind = ExprKind::date;
      token.text.assign(p, date_end);
      return date_end;
    }
    Iterator q = p;
    while (q != end && is_digit(*q)) ++q;
    if (q != end && *q == '.' && q + 1 != end && is_digit(q[1])) {
      q += 2;
      while (q != end && is_digit(*q)) ++q;
    }
    token.text.assign(p, q);
    const Iterator unit = skip(q, end);
    if (unit != end && is_ident_start(*unit)) {
      const Iterator unit_end = word_end(unit, end);
      const std::string_view word(unit, static_cast<std::size_t>(unit_end - unit));
      if (is_one_of(word, kUnitWords) && !before_entry_keyword(unit_end, end)) {
        token.kind = ExprKind::duration;
        token.unit = std::string(word);
        return unit_end;
      }
    }
    token.kind = ExprKind::number;
    return q;
  }
  for (std::string_view word : {"true", "false", "none"}) {
    if (starts_word(p, end, word)) {
      token.kind = word == "none" ? ExprKind::none : ExprKind::boolean;
      token.boolean = word == "true";
      token.text = std::string(word);
      return p + word.size();
    }
  }
  return p;
}

/// The end of a comparison operator at `p`, or null.
inline Iterator comparison_operator_end(Iterator p, Iterator end) {
  if (end - p >= 2 && (p[1] == '=') && (*p == '=' || *p == '!' || *p == '<' || *p == '>')) {
    return p + 2;
  }
  if (p != end && (*p == '<' || *p == '>')) return p + 1;
  if (starts_word(p, end, "in")) return p + 2;
  if (starts_word(p, end, "not")) {
    const Iterator in = skip(p + 3, end);
    if (starts_word(in, end, "in")) return in + 2;
  }
  return nullptr;
}

}  // namespace lex

template <typename Context>
ParseState& state_of(const Context& context) {
  return x3::get<state_tag>(context);
}

/// The error for an expression nested deeper than the limit, at `where`.
inline SyntaxFailure too_deep(const ParseState& state, Iterator where) {
  return SyntaxFailure{
      where,
      nullptr,
      "expression nested deeper than " + std::to_string(state.max_depth) + " levels",
      "split it into simpler conditions or rules",
      Refine::none,
      false};
}

// ---- token parsers -------------------------------------------------------------------------

/// A keyword, as a whole word: `kw("in")` does not match the start of `income`.
struct keyword_parser : x3::parser<keyword_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  std::string_view word;
  constexpr explicit keyword_parser(std::string_view keyword) : word(keyword) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute&) const {
    x3::skip_over(first, last, context);
    if (!lex::starts_word(first, last, word)) return false;
    first += word.size();
    return true;
  }
};

/// A keyword, as a whole word, with where it is (section keywords).
struct keyword_word_parser : x3::parser<keyword_word_parser> {
  using attribute_type = ast::Word;

  std::string_view word;
  constexpr explicit keyword_word_parser(std::string_view keyword) : word(keyword) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute& attribute) const {
    x3::skip_over(first, last, context);
    if (!lex::starts_word(first, last, word)) return false;
    const ParseState& state = state_of(context);
    ast::Word result;
    result.text = std::string(word);
    result.begin = state.offset(first);
    first += word.size();
    result.end = state.offset(first);
    x3::traits::move_to(std::move(result), attribute);
    return true;
  }
};

/// Any identifier: [A-Za-z_][A-Za-z0-9_]*. With `same_line`, only one on the current line.
struct word_parser : x3::parser<word_parser> {
  using attribute_type = ast::Word;

  bool same_line = false;
  constexpr explicit word_parser(bool on_same_line) : same_line(on_same_line) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute& attribute) const {
    Iterator p = first;
    if (same_line) {
      while (p != last && lex::is_blank(*p)) ++p;
    } else {
      x3::skip_over(p, last, context);
    }
    if (p == last || !lex::is_ident_start(*p)) return false;
    const ParseState& state = state_of(context);
    const Iterator end = lex::word_end(p, last);
    ast::Word result;
    result.text.assign(p, end);
    result.begin = state.offset(p);
    result.end = state.offset(end);
    x3::traits::move_to(std::move(result), attribute);
    first = end;
    return true;
  }
};

/// A string literal naming something (`"welcome gift"`): the word is its unescaped text, the
/// span covers the quotes.
struct quoted_parser : x3::parser<quoted_parser> {
  using attribute_type = ast::Word;

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute& attribute) const {
    x3::skip_over(first, last, context);
    if (first == last || *first != '"') return false;
    const ParseState& state = state_of(context);
    ast::Word result;
    const Iterator end = lex::read_string(first, last, result.text);
    result.begin = state.offset(first);
    result.end = state.offset(end);
    x3::traits::move_to(std::move(result), attribute);
    first = end;
    return true;
  }
};

/// A literal: time, date, duration, number, string, true, false, none.
struct literal_parser : x3::parser<literal_parser> {
  using attribute_type = ast::Token;

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute& attribute) const {
    x3::skip_over(first, last, context);
    ast::Token token;
    const Iterator end = lex::read_literal(first, last, token);
    if (end == first) return false;
    const ParseState& state = state_of(context);
    token.begin = state.offset(first);
    token.end = state.offset(end);
    x3::traits::move_to(std::move(token), attribute);
    first = end;
    return true;
  }
};

/// A bare name in an expression: any identifier but the reserved words.
struct name_parser : x3::parser<name_parser> {
  using attribute_type = ast::Token;

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute& attribute) const {
    x3::skip_over(first, last, context);
    if (first == last || !lex::is_ident_start(*first)) return false;
    const Iterator end = lex::word_end(first, last);
    const std::string_view word(first, static_cast<std::size_t>(end - first));
    if (lex::is_one_of(word, lex::kReservedInExpressions)) return false;
    const ParseState& state = state_of(context);
    ast::Token token;
    token.kind = ExprKind::name;
    token.text = std::string(word);
    token.begin = state.offset(first);
    token.end = state.offset(end);
    x3::traits::move_to(std::move(token), attribute);
    first = end;
    return true;
  }
};

/// Matches nothing and consumes nothing, unless a comparison follows a comparison (`a < b <
/// c`), or a lone '=' or a `not` follows an expression: errors with a message of their own.
struct comparison_end_parser : x3::parser<comparison_end_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute&) const {
    Iterator p = first;
    x3::skip_over(p, last, context);
    if (p == last) return true;
    if (const Iterator end = lex::comparison_operator_end(p, last)) {
      throw SyntaxFailure{p,
                          end,
                          "comparisons cannot be chained",
                          "join them with 'and', as in a < b and b < c",
                          Refine::none,
                          false};
    }
    if (lex::starts_word(p, last, "not")) {
      throw SyntaxFailure{p,
                          p + 3,
                          "unexpected 'not' after an expression",
                          "write 'not' before a condition to negate it, or 'not in' to test a list",
                          Refine::none,
                          false};
    }
    if (*p == '=') {
      throw SyntaxFailure{
          p, p + 1, "unexpected '='", "write '==' to compare two values", Refine::none, false};
    }
    return true;
  }
};

/// Always fails with `message` where it is.
struct fail_parser : x3::parser<fail_parser> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  const char* message;
  constexpr explicit fail_parser(const char* text) : message(text) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext&,
             Attribute&) const {
    Iterator where = first;
    x3::skip_over(where, last, context);
    throw SyntaxFailure{where, nullptr, message, {}, Refine::none, true};
  }
};

constexpr keyword_parser kw(std::string_view word) {
  return keyword_parser(word);
}
constexpr keyword_word_parser kw_word(std::string_view word) {
  return keyword_word_parser(word);
}
constexpr word_parser word(false);
constexpr word_parser word_on_same_line(true);
constexpr quoted_parser quoted{};
constexpr literal_parser literal{};
constexpr name_parser name_token{};
constexpr comparison_end_parser comparison_end{};
constexpr fail_parser fail_with(const char* message) {
  return fail_parser(message);
}

// ---- directives ----------------------------------------------------------------------------

struct Expectation {
  const char* message;
  Refine refine = Refine::none;
};

/// expect(message)[p]: p must match here.
template <typename Subject>
struct expect_directive : x3::unary_parser<Subject, expect_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, expect_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;

  Expectation expectation;
  constexpr expect_directive(const Subject& wrapped, Expectation what)
      : base_type(wrapped), expectation(what) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext& rcontext,
             Attribute& attribute) const {
    if (this->subject.parse(first, last, context, rcontext, attribute)) return true;
    Iterator where = first;
    x3::skip_over(where, last, context);
    throw SyntaxFailure{where, nullptr, expectation.message, {}, expectation.refine, true};
  }
};

struct expect_gen {
  Expectation expectation;
  template <typename Subject>
  constexpr expect_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      const Subject& subject) const {
    return {x3::as_parser(subject), expectation};
  }
};

constexpr expect_gen expect(const char* message, Refine refine = Refine::none) {
  return {{message, refine}};
}

/// nest(lead)[p]: where `lead` starts (a '(', '[', '-', `not`, or a name and '('), p is one
/// level of nesting deeper. X3 recursion is unbounded: this bound is what keeps the stack safe
/// on any input. The error points at the bracket, operator or call that goes too deep.
template <typename Lead, typename Subject>
struct nest_directive : x3::unary_parser<Subject, nest_directive<Lead, Subject>> {
  using base_type = x3::unary_parser<Subject, nest_directive<Lead, Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;

  Lead lead;
  constexpr nest_directive(const Lead& opener, const Subject& wrapped)
      : base_type(wrapped), lead(opener) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext& rcontext,
             Attribute& attribute) const {
    Iterator where = first;
    x3::skip_over(where, last, context);
    Iterator probe = where;
    x3::unused_type no_attribute;
    if (!lead.parse(probe, last, context, rcontext, no_attribute)) return false;
    ParseState& state = state_of(context);
    if (state.depth >= state.max_depth) throw too_deep(state, where);
    struct Level {
      ParseState& state;
      explicit Level(ParseState& s) : state(s) { ++state.depth; }
      ~Level() { --state.depth; }
      Level(const Level&) = delete;
      Level& operator=(const Level&) = delete;
    } level(state);
    return this->subject.parse(first, last, context, rcontext, attribute);
  }
};

template <typename Lead>
struct nest_gen {
  Lead lead;
  template <typename Subject>
  constexpr nest_directive<Lead, typename x3::extension::as_parser<Subject>::value_type> operator[](
      const Subject& subject) const {
    return {lead, x3::as_parser(subject)};
  }
};

template <typename Lead>
constexpr auto nest(const Lead& lead) {
  using Parser = typename x3::extension::as_parser<Lead>::value_type;
  return nest_gen<Parser>{x3::as_parser(lead)};
}

/// on_this_line[p]: p, starting on the current line. Used where a declaration's value
/// belongs to its line (`rounding = floor`), so that a missing value is reported where it is
/// missing instead of taking the next line's name for it.
template <typename Subject>
struct on_this_line_directive : x3::unary_parser<Subject, on_this_line_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, on_this_line_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;

  constexpr explicit on_this_line_directive(const Subject& wrapped) : base_type(wrapped) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext& rcontext,
             Attribute& attribute) const {
    Iterator next = first;
    x3::skip_over(next, last, context);
    if (std::find(first, next, '\n') != next) return false;
    return this->subject.parse(first, last, context, rcontext, attribute);
  }
};

struct on_this_line_gen {
  template <typename Subject>
  constexpr on_this_line_directive<typename x3::extension::as_parser<Subject>::value_type>
  operator[](const Subject& subject) const {
    return on_this_line_directive<typename x3::extension::as_parser<Subject>::value_type>(
        x3::as_parser(subject));
  }
};

constexpr on_this_line_gen on_this_line{};

/// One kind of block entry: what to say when none starts where one should, and how entries
/// are laid out (to find the next one after an error).
struct Entry {
  const char* expected;
  Block block;
  Refine refine = Refine::none;
};

/// Marks an entry that failed to parse, so that lowering leaves it out.
template <typename Attribute>
void mark_broken(Attribute& entry) {
  if constexpr (std::is_same_v<Attribute, ast::Action>) {
    entry = ast::BrokenAction{};
  } else if constexpr (std::is_base_of_v<ast::Tagged, Attribute>) {
    entry.broken = true;
  }
}

/// recover(entry)[p]: one entry of a block. Fails (ending the block) at its '}', at the end of
/// the text, or at a section header at the start of a line; there the block's own expect('}')
/// reports the missing '}'. Otherwise a syntax error is reported, the entry is marked broken,
/// and parsing goes on at the next entry.
template <typename Subject>
struct recover_directive : x3::unary_parser<Subject, recover_directive<Subject>> {
  using base_type = x3::unary_parser<Subject, recover_directive<Subject>>;
  static bool const is_pass_through_unary = true;
  static bool const handles_container = Subject::handles_container;

  Entry entry;
  constexpr recover_directive(const Subject& wrapped, Entry kind)
      : base_type(wrapped), entry(kind) {}

  template <typename Context, typename RContext, typename Attribute>
  bool parse(Iterator& first, const Iterator& last, const Context& context, RContext& rcontext,
             Attribute& attribute) const {
    ParseState& state = state_of(context);
    Iterator start = first;
    x3::skip_over(start, last, context);
    if (start == last || *start == '}' ||
        (lex::first_on_line(state.begin(), start) && lex::at_section_start(start, last))) {
      return false;
    }
    SyntaxFailure failure;
    try {
      Iterator next = first;
      if (this->subject.parse(next, last, context, rcontext, attribute)) {
        first = next;
        return true;
      }
      failure = SyntaxFailure{start, nullptr, entry.expected, {}, entry.refine, false};
    } catch (SyntaxFailure& thrown) {
      failure = std::move(thrown);
    }
    state.depth = 0;
    report(state, failure);
    bool abandon = false;
    const Iterator resume = resume_in_block(state, entry.block, start, failure.where, abandon);
    if (abandon) throw Abandon{resume};
    first = resume;
    mark_broken(attribute);
    return true;
  }
};

struct recover_gen {
  Entry entry;
  template <typename Subject>
  constexpr recover_directive<typename x3::extension::as_parser<Subject>::value_type> operator[](
      const Subject& subject) const {
    return {x3::as_parser(subject), entry};
  }
};

constexpr recover_gen recover(Entry entry) {
  return {entry};
}

// ---- rules ---------------------------------------------------------------------------------

/// Sets an expression node's height, or throws when it is over the limit.
inline void set_height(const ParseState& state, ast::Node& node, std::uint32_t height,
                       std::uint32_t at) {
  if (height > state.max_depth) throw too_deep(state, state.begin() + at);
  node.height = height;
}

template <typename Range>
std::uint32_t tallest(const Range& expressions) {
  std::uint32_t height = 0;
  for (const ast::Expression& expression : expressions) {
    height = std::max(height, ast::node(expression).height);
  }
  return height;
}

/// Gives every node its span, from its first token (after white space) to the end of its last,
/// and every unary, call and list node its height.
struct annotate {
  template <typename Attribute, typename Context>
  void on_success(const Iterator& first, const Iterator& last, Attribute& attribute,
                  const Context& context) const {
    const ParseState& state = state_of(context);
    if constexpr (std::is_base_of_v<ast::Tagged, Attribute>) {
      attribute.begin = state.offset(first);
      attribute.end = state.offset(last);
    }
    if constexpr (std::is_same_v<Attribute, ast::Unary>) {
      set_height(state, attribute, ast::node(attribute.operand).height + 1, attribute.begin);
    } else if constexpr (std::is_same_v<Attribute, ast::Call>) {
      std::uint32_t height = tallest(attribute.arguments.args);
      if (attribute.arguments.where) {
        height = std::max(height, ast::node(*attribute.arguments.where).height);
      }
      set_height(state, attribute, height + 1, attribute.begin);
    } else if constexpr (std::is_same_v<Attribute, ast::List>) {
      set_height(state, attribute, tallest(attribute.elements) + 1, attribute.begin);
    }
  }
};

/// A parenthesized expression is its inner node, with the span widened over the parentheses.
struct paren_class {
  template <typename Context>
  void on_success(const Iterator& first, const Iterator& last, ast::Expression& expression,
                  const Context& context) const {
    const ParseState& state = state_of(context);
    ast::Node& inner = ast::node(expression);
    inner.begin = std::min(inner.begin, state.offset(first));
    inner.end = std::max(inner.end, state.offset(last));
  }
};

// ---- semantic actions of operator chains ---------------------------------------------------

/// The first operand of a chain is the rule's value so far.
struct first_operand_action {
  template <typename Context>
  void operator()(const Context& context) const {
    x3::_val(context) = std::move(x3::_attr(context));
  }
};

/// `value op operand` becomes the value: chains fold left-associatively as they are read, so
/// an over-long chain stops at the operator that makes it too deep.
struct fold_operation_action {
  template <typename Context>
  void operator()(const Context& context) const {
    ast::Expression& value = x3::_val(context);
    ast::Operation& operation = x3::_attr(context);
    const ast::Node& left = ast::node(value);
    const ast::Node& right = ast::node(operation.operand);
    ast::Binary binary;
    binary.op = operation.op;
    binary.begin = left.begin;
    binary.end = right.end;
    set_height(state_of(context), binary, std::max(left.height, right.height) + 1, operation.begin);
    binary.left = std::move(value);
    binary.right = std::move(operation.operand);
    // Assigned whole: `value` was moved from and must not be assigned into in place.
    value = ast::Expression(std::move(binary));
  }
};

/// `value.name` becomes the value.
struct fold_field_action {
  template <typename Context>
  void operator()(const Context& context) const {
    ast::Expression& value = x3::_val(context);
    ast::Word& field_name = x3::_attr(context);
    const ast::Node& object = ast::node(value);
    ast::Field field;
    field.begin = object.begin;
    field.end = field_name.end;
    set_height(state_of(context), field, object.height + 1, field_name.begin);
    field.object = std::move(value);
    field.name = std::move(field_name);
    value = ast::Expression(std::move(field));
  }
};

constexpr first_operand_action first_operand{};
constexpr fold_operation_action fold_operation{};
constexpr fold_field_action fold_field{};

#define LOYALTY_RULE(rule_name, attribute) \
  struct rule_name##_class : annotate {};  \
  const x3::rule<rule_name##_class, attribute> rule_name = #rule_name

// Expressions.
LOYALTY_RULE(expr, ast::Expression);
LOYALTY_RULE(or_expr, ast::Expression);
LOYALTY_RULE(or_tail, ast::Operation);
LOYALTY_RULE(and_expr, ast::Expression);
LOYALTY_RULE(and_tail, ast::Operation);
LOYALTY_RULE(not_expr, ast::Expression);
LOYALTY_RULE(negation, ast::Unary);
LOYALTY_RULE(comparison, ast::Expression);
LOYALTY_RULE(comparison_tail, ast::Operation);
LOYALTY_RULE(additive, ast::Expression);
LOYALTY_RULE(additive_tail, ast::Operation);
LOYALTY_RULE(multiplicative, ast::Expression);
LOYALTY_RULE(multiplicative_tail, ast::Operation);
LOYALTY_RULE(unary, ast::Expression);
LOYALTY_RULE(negative, ast::Unary);
LOYALTY_RULE(postfix, ast::Expression);
LOYALTY_RULE(primary, ast::Expression);
LOYALTY_RULE(list, ast::List);
LOYALTY_RULE(list_elements, std::vector<ast::Expression>);
LOYALTY_RULE(call, ast::Call);
LOYALTY_RULE(arguments, ast::Arguments);
LOYALTY_RULE(argument_list, std::vector<ast::Expression>);
const x3::rule<paren_class, ast::Expression> paren = "paren";

// Declarations.
LOYALTY_RULE(program_decl, ast::ProgramDecl);
LOYALTY_RULE(settings_decl, ast::SettingsDecl);
LOYALTY_RULE(setting, ast::Setting);
LOYALTY_RULE(member_decl, ast::MemberDecl);
LOYALTY_RULE(attribute_decl, ast::Attribute);
LOYALTY_RULE(event_decl, ast::EventDecl);
LOYALTY_RULE(tiers_decl, ast::TiersDecl);
LOYALTY_RULE(tier_entry, ast::TierEntry);
LOYALTY_RULE(keep_entry, ast::TierEntry);
LOYALTY_RULE(tier_line, ast::TierEntry);
LOYALTY_RULE(lifecycle_decl, ast::LifecycleDecl);
LOYALTY_RULE(stage, ast::Stage);
LOYALTY_RULE(stage_condition, boost::optional<ast::Expression>);

// Rules.
LOYALTY_RULE(rule_decl, ast::RuleDecl);
LOYALTY_RULE(rule_name, ast::Word);
LOYALTY_RULE(trigger, ast::Trigger);
LOYALTY_RULE(option, ast::Option);
LOYALTY_RULE(active_option, ast::ActiveOption);
LOYALTY_RULE(limit_option, ast::LimitOption);
LOYALTY_RULE(budget_option, ast::BudgetOption);
LOYALTY_RULE(group_option, ast::GroupOption);
LOYALTY_RULE(priority_option, ast::PriorityOption);
LOYALTY_RULE(action, ast::Action);
LOYALTY_RULE(award, ast::Award);
LOYALTY_RULE(award_clause, ast::AwardClause);
LOYALTY_RULE(pending_clause, ast::AwardClause);
LOYALTY_RULE(expiring_in_clause, ast::AwardClause);
LOYALTY_RULE(expiring_on_clause, ast::AwardClause);
LOYALTY_RULE(never_clause, ast::AwardClause);
LOYALTY_RULE(label_clause, ast::AwardClause);
LOYALTY_RULE(deduct, ast::Deduct);
LOYALTY_RULE(tag_action, ast::TagAction);
LOYALTY_RULE(untag_action, ast::TagAction);
LOYALTY_RULE(set_action, ast::SetAction);
LOYALTY_RULE(emit_action, ast::Emit);
LOYALTY_RULE(emit_body, std::vector<ast::EmitField>);
LOYALTY_RULE(emit_field, ast::EmitField);
LOYALTY_RULE(stop_action, ast::Stop);

#undef LOYALTY_RULE

struct section_class : annotate {};
const section_type section_rule = "section";

using x3::attr;
using x3::lit;

/// A binary operator and the operand it needs after it.
template <typename Operator, typename Operand>
constexpr auto operation(Operator op, Op kind, const char* message, Operand next) {
  return op >> attr(kind) >> expect(message)[next];
}

// ---- expressions ---------------------------------------------------------------------------

const auto expr_def = or_expr;

const auto or_expr_def = and_expr[first_operand] >> *or_tail[fold_operation];
const auto or_tail_def =
    operation(kw("or"), Op::or_, "expected an expression after 'or'", and_expr);

const auto and_expr_def = not_expr[first_operand] >> *and_tail[fold_operation];
const auto and_tail_def =
    operation(kw("and"), Op::and_, "expected an expression after 'and'", not_expr);

const auto not_expr_def = negation | comparison;
constexpr keyword_parser not_keyword = kw("not");
const auto negation_def = nest(not_keyword)[not_keyword >> attr(Op::not_) >>
                                            expect("expected an expression after 'not'")[not_expr]];

const auto comparison_def =
    additive[first_operand] >> -comparison_tail[fold_operation] >> comparison_end;
const auto comparison_tail_def =
    operation(lit("=="), Op::eq, "expected an expression after '=='", additive) |
    operation(lit("!="), Op::ne, "expected an expression after '!='", additive) |
    operation(lit("<="), Op::le, "expected an expression after '<='", additive) |
    operation(lit(">="), Op::ge, "expected an expression after '>='", additive) |
    operation(lit('<'), Op::lt, "expected an expression after '<'", additive) |
    operation(lit('>'), Op::gt, "expected an expression after '>'", additive) |
    operation(kw("in"), Op::in, "expected a list after 'in'", additive) |
    operation(kw("not") >> kw("in"), Op::not_in, "expected a list after 'not in'", additive);

const auto additive_def = multiplicative[first_operand] >> *additive_tail[fold_operation];
const auto additive_tail_def =
    operation(lit('+'), Op::add, "expected an expression after '+'", multiplicative) |
    operation(lit('-'), Op::sub, "expected an expression after '-'", multiplicative);

const auto multiplicative_def = unary[first_operand] >> *multiplicative_tail[fold_operation];
const auto multiplicative_tail_def =
    operation(lit('*'), Op::mul, "expected an expression after '*'", unary) |
    operation(lit('/'), Op::div, "expected an expression after '/'", unary) |
    operation(lit('%'), Op::mod, "expected an expression after '%'", unary);

const auto unary_def = negative | postfix;
const auto negative_def =
    nest(lit('-'))[lit('-') >> attr(Op::neg) >> expect("expected an expression after '-'")[unary]];

const auto postfix_def = primary[first_operand] >>
                         *(lit('.') >> expect("expected a field name after '.'")[word])[fold_field];

const auto primary_def = literal | nest(lit('['))[list] | nest(lit('('))[paren] |
                         nest(name_token >> lit('('))[call] | name_token;

const auto paren_def = lit('(') >> expect("expected an expression after '('")[expr] >>
                       expect("expected ')' to close '('")[lit(')')];

const auto list_def = lit('[') >> -list_elements >>
                      expect("expected ',' or ']' to close the list")[lit(']')];
const auto list_elements_def = expr >>
                               *(lit(',') >> expect("expected a list element after ','")[expr]);

const auto call_def = name_token >> lit('(') >> arguments >>
                      expect("expected ',' or ')' to close the call")[lit(')')];
const auto arguments_def = -argument_list >>
                           -(kw("where") >> expect("expected a condition after 'where'")[expr]);
const auto argument_list_def = expr >>
                               *(lit(',') >> expect("expected an argument after ','")[expr]);

// ---- declarations --------------------------------------------------------------------------

const auto program_decl_def =
    kw_word("program") >> expect("expected the program's name in quotes after 'program'")[quoted];

const auto settings_decl_def = kw_word("settings") >>
                               expect("expected '{' after 'settings'")[lit('{')] >>
                               *recover({"expected a setting (name = value) or '}'",
                                         Block::lines})[setting] >>
                               expect("expected '}' to end the settings")[lit('}')];
const auto setting_def = word >> expect("expected '=' after the setting's name")[lit('=')] >>
                         expect("expected a value after '='")[on_this_line[expr]];

const Entry attribute_entry{"expected an attribute (name: type) or '}'", Block::lines};

const auto member_decl_def = kw_word("member") >> expect("expected '{' after 'member'")[lit('{')] >>
                             *recover(attribute_entry)[attribute_decl] >>
                             expect("expected '}' to end the member section")[lit('}')];
const auto attribute_decl_def =
    word >> expect("expected ':' and a type after the attribute's name")[lit(':')] >>
    expect("expected a type after ':' (number, string, bool, date or time)")[on_this_line[word]] >>
    *(word_on_same_line >> !lit(':'));

const auto event_decl_def = kw_word("event") >>
                            expect("expected the event type's name after 'event'")[word] >>
                            expect("expected '{' after the event type's name")[lit('{')] >>
                            *recover(attribute_entry)[attribute_decl] >>
                            expect("expected '}' to end the event type")[lit('}')];

const auto tiers_decl_def =
    kw_word("tiers") >>
    expect("expected 'by' and what tiers are measured by after 'tiers'")[kw("by")] >>
    expect("expected an expression after 'by'")[expr] >>
    expect("expected '{' to start the tiers")[lit('{')] >>
    *recover({"expected a tier (name from number), 'keep' or '}'", Block::lines})[tier_entry] >>
    expect("expected '}' to end the tiers")[lit('}')];
const auto tier_entry_def = keep_entry | tier_line;
const auto keep_entry_def = attr(true) >> kw_word("keep") >> !kw("from") >>
                            expect("expected a duration after 'keep'")[on_this_line[expr]];
const auto tier_line_def =
    attr(false) >> word >>
    expect("expected 'from' and a number after the tier's name")[kw("from")] >>
    expect("expected a number after 'from'")[on_this_line[expr]];

const auto lifecycle_decl_def =
    kw_word("lifecycle") >> expect("expected '{' after 'lifecycle'")[lit('{')] >>
    *recover({"expected a stage (name when condition, or name otherwise) or '}'",
              Block::lines})[stage] >>
    expect("expected '}' to end the lifecycle")[lit('}')];
const auto stage_def =
    word >>
    expect(
        "expected 'when' and a condition, or 'otherwise', after the stage's name")[stage_condition];
const auto stage_condition_def =
    (kw("when") >> expect("expected a condition after 'when'")[on_this_line[expr]]) |
    kw("otherwise");

// ---- rules ---------------------------------------------------------------------------------

const auto rule_decl_def =
    kw_word("rule") >> expect("expected the rule's name after 'rule'")[rule_name] >>
    expect("expected 'on' and a trigger after the rule's name")[kw("on")] >>
    expect("expected a trigger after 'on', such as purchase")[trigger] >>
    -(kw("when") >> expect("expected a condition after 'when'")[expr]) >> *option >>
    expect("expected '{' to start the rule's actions", Refine::rule_body)[lit('{')] >>
    *recover({"expected an action or '}'", Block::actions, Refine::action})[action] >>
    expect("expected '}' to end the rule's actions")[lit('}')];
const auto rule_name_def = quoted | word;
const auto trigger_def = word >>
                         -(kw("to") >> expect("expected a tier or stage name after 'to'")[word]);

const auto option_def =
    active_option | limit_option | budget_option | group_option | priority_option;
const auto active_option_def = kw("active") >>
                               expect("expected 'from' and a date after 'active'")[kw("from")] >>
                               expect("expected a date after 'from'")[expr] >>
                               expect("expected 'to' and a date after the start date")[kw("to")] >>
                               expect("expected a date after 'to'")[expr];
const auto limit_option_def = kw("limit") >> expect("expected a number after 'limit'")[expr] >>
                              expect("expected 'per member' after the limit")[kw("per")] >>
                              expect("expected 'member' after 'per'")[kw("member")] >>
                              -(kw("per") >>
                                expect("expected a duration after 'per', such as 30 days")[expr]);
const auto budget_option_def = kw("budget") >>
                               expect("expected a number of points after 'budget'")[expr] >>
                               expect("expected 'points' after the budget")[kw("points")];
const auto group_option_def = kw("group") >>
                              expect("expected the group's name in quotes after 'group'")[quoted];
const auto priority_option_def = kw("priority") >>
                                 expect("expected a number after 'priority'")[expr];

// ---- actions -------------------------------------------------------------------------------

const auto action_def =
    award | deduct | tag_action | untag_action | set_action | emit_action | stop_action;

const auto award_def = kw("award") >> expect("expected the points to award after 'award'")[expr] >>
                       expect("expected 'points' after the amount to award")[kw("points")] >>
                       *award_clause;
const auto award_clause_def = pending_clause | expiring_in_clause | expiring_on_clause |
                              never_clause | label_clause |
                              (kw("expiring") >> fail_with("expected 'in' and a duration, or "
                                                           "'on' and a date, after 'expiring'"));
const auto pending_clause_def =
    kw("pending") >> attr(ast::ClauseKind::pending) >>
    expect("expected a duration after 'pending', such as 14 days")[expr] >>
    attr(boost::optional<ast::Word>());
const auto expiring_in_clause_def =
    kw("expiring") >> kw("in") >> attr(ast::ClauseKind::expiring_in) >>
    expect("expected a duration after 'expiring in', such as 90 days")[expr] >>
    attr(boost::optional<ast::Word>());
const auto expiring_on_clause_def = kw("expiring") >> kw("on") >>
                                    attr(ast::ClauseKind::expiring_on) >>
                                    expect("expected a date after 'expiring on'")[expr] >>
                                    attr(boost::optional<ast::Word>());
const auto never_clause_def = kw("never") >>
                              expect("expected 'expiring' after 'never'")[kw("expiring")] >>
                              attr(ast::ClauseKind::never_expiring) >>
                              attr(boost::optional<ast::Expression>()) >>
                              attr(boost::optional<ast::Word>());
const auto label_clause_def = kw("as") >> attr(ast::ClauseKind::label) >>
                              attr(boost::optional<ast::Expression>()) >>
                              expect("expected the label in quotes after 'as'")[quoted];

const auto deduct_def = kw("deduct") >>
                        expect("expected the points to deduct after 'deduct'")[expr] >>
                        expect("expected 'points' after the amount to deduct")[kw("points")] >>
                        -(kw("as") >> expect("expected the label in quotes after 'as'")[quoted]);

const auto tag_action_def = kw("tag") >> attr(false) >>
                            expect("expected the tag in quotes after 'tag'")[quoted];
const auto untag_action_def = kw("untag") >> attr(true) >>
                              expect("expected the tag in quotes after 'untag'")[quoted];

const auto set_action_def =
    kw("set") >> expect("expected 'member.' and an attribute after 'set'")[kw("member")] >>
    expect("expected '.' and an attribute after 'member'")[lit('.')] >>
    expect("expected an attribute's name after 'member.'")[word] >>
    expect("expected '=' and a value after the attribute")[lit('=') >> !lit('=')] >>
    expect("expected a value after '='")[expr];

const auto emit_action_def = kw("emit") >>
                             expect("expected the message's name in quotes after 'emit'")[quoted] >>
                             -emit_body;
const auto emit_body_def = lit('{') >> -(emit_field % lit(',')) >> -lit(',') >>
                           expect("expected ',' or '}' after the field")[lit('}')];
const auto emit_field_def = word >> expect("expected ':' after the field's name")[lit(':')] >>
                            expect("expected a value after ':'")[expr];

const auto stop_action_def = kw("stop");

// ---- sections ------------------------------------------------------------------------------

const auto section_rule_def = program_decl | settings_decl | member_decl | event_decl | tiers_decl |
                              lifecycle_decl | rule_decl;

BOOST_SPIRIT_DEFINE(expr, or_expr, or_tail, and_expr, and_tail, not_expr, negation, comparison,
                    comparison_tail, additive, additive_tail, multiplicative, multiplicative_tail,
                    unary, negative, postfix, primary, paren, list, list_elements, call, arguments,
                    argument_list)
BOOST_SPIRIT_DEFINE(program_decl, settings_decl, setting, member_decl, attribute_decl, event_decl,
                    tiers_decl, tier_entry, keep_entry, tier_line, lifecycle_decl, stage,
                    stage_condition)
BOOST_SPIRIT_DEFINE(rule_decl, rule_name, trigger, option, active_option, limit_option,
                    budget_option, group_option, priority_option, action, award, award_clause,
                    pending_clause, expiring_in_clause, expiring_on_clause, never_clause,
                    label_clause, deduct, tag_action, untag_action, set_action, emit_action,
                    emit_body, emit_field, stop_action)
BOOST_SPIRIT_DEFINE(section_rule)

const section_type& section() {
  return section_rule;
}

}  // namespace loyalty::language::parser
