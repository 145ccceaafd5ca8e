#pragma once
// The parser's configuration: the iterator, what the characters of the language are, the
// skipper (white space and `#` comments), the state every parser reaches through the context,
// and the context type the grammar is instantiated with (grammar.cpp).

#include <algorithm>
#include <boost/spirit/home/x3/core/parser.hpp>
#include <boost/spirit/home/x3/support/context.hpp>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "language/diagnostics.hpp"

namespace loyalty::language::parser {

namespace x3 = boost::spirit::x3;

/// The grammar reads the source text in place.
using Iterator = const char*;

// ---- characters ----------------------------------------------------------------------------

namespace lex {

constexpr bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool is_ident_char(char c) {
  return is_ident_start(c) || is_digit(c);
}
/// White space within a line.
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/// The end of the line that `p` is on (its '\n', or `end`).
inline Iterator line_end(Iterator p, Iterator end) {
  if (p == end) return end;
  const void* newline = std::memchr(p, '\n', static_cast<std::size_t>(end - p));
  return newline != nullptr ? static_cast<Iterator>(newline) : end;
}

/// Past white space, line breaks and `#` comments.
inline Iterator skip(Iterator p, Iterator end) {
  while (p != end) {
    if (is_blank(*p) || *p == '\n') {
      ++p;
    } else if (*p == '#') {
      p = line_end(p, end);
    } else {
      break;
    }
  }
  return p;
}

/// Past the identifier characters at `p`.
inline Iterator word_end(Iterator p, Iterator end) {
  while (p != end && is_ident_char(*p)) ++p;
  return p;
}

/// True when the text at `p` is the whole word `word` (not the start of a longer identifier).
inline bool starts_word(Iterator p, Iterator end, std::string_view word) {
  const auto size = static_cast<std::ptrdiff_t>(word.size());
  return end - p >= size && std::equal(word.begin(), word.end(), p) &&
         (end - p == size || !is_ident_char(p[size]));
}

/// True when only blanks come before `p` on its line.
inline bool first_on_line(Iterator begin, Iterator p) {
  while (p != begin) {
    --p;
    if (*p == '\n') return true;
    if (!is_blank(*p)) return false;
  }
  return true;
}

/// True when `p` starts a well-formed section header: `program "`, `settings {`, `member {`,
/// `event NAME`, `tiers by`, `lifecycle {`, `rule NAME` or `rule "`. Error recovery resumes
/// only at such a header at the start of a line, so that a line like `event.amount > 5` in a
/// condition is not taken for one.
inline bool at_section_start(Iterator p, Iterator end) {
  if (p == end || !is_ident_start(*p)) return false;
  const Iterator w = word_end(p, end);
  const std::string_view word(p, static_cast<std::size_t>(w - p));
  const Iterator next = skip(w, end);
  if (next == end) return false;
  if (word == "program") return *next == '"';
  if (word == "settings" || word == "member" || word == "lifecycle") return *next == '{';
  if (word == "tiers") return starts_word(next, end, "by");
  if (word == "event") return next != w && is_ident_start(*next);
  if (word == "rule") return next != w && (is_ident_start(*next) || *next == '"');
  return false;
}

}  // namespace lex

// ---- state and context ---------------------------------------------------------------------

/// What every parser of one parse can reach through the context (x3::get<state_tag>).
struct ParseState {
  const SourceFile* source = nullptr;
  Diagnostics* diagnostics = nullptr;
  /// CompileLimits::max_expression_depth.
  std::uint32_t max_depth = 64;
  /// Brackets, calls and unary operators open now (the nest() directive counts them).
  std::uint32_t depth = 0;
  /// Where the section being parsed starts.
  Iterator section_start = nullptr;

  [[nodiscard]] Iterator begin() const { return source->text().data(); }
  [[nodiscard]] Iterator end() const { return begin() + source->text().size(); }
  [[nodiscard]] std::uint32_t offset(Iterator p) const {
    return static_cast<std::uint32_t>(p - begin());
  }
};

struct state_tag;

/// Skips white space, line breaks and `#` comments.
struct Skipper : x3::parser<Skipper> {
  using attribute_type = x3::unused_type;
  static bool const has_attribute = false;

  template <typename It, typename Context, typename RContext, typename Attribute>
  bool parse(It& first, It const& last, Context const&, RContext&, Attribute&) const {
    const Iterator next = lex::skip(first, last);
    if (next == first) return false;
    first = next;
    return true;
  }
};

using phrase_context_type = x3::context<x3::skipper_tag, const Skipper>;
using context_type = x3::context<state_tag, ParseState, phrase_context_type>;

}  // namespace loyalty::language::parser
