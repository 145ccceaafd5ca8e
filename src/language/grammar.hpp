#pragma once
// The grammar's interface: the top-level `section` rule (defined in grammar_def.hpp, compiled
// once in grammar.cpp), how a syntax error travels out of it, and the error-recovery helpers
// that parser.cpp defines and the grammar calls.

// Boost 1.74's rule.hpp needs these traits declared first.
#include <boost/spirit/home/x3/support/traits/is_variant.hpp>
#include <boost/spirit/home/x3/support/traits/tuple_traits.hpp>

#include <boost/spirit/home/x3/nonterminal/rule.hpp>
#include <cstdint>
#include <string>

#include "language/ast.hpp"
#include "language/config.hpp"

namespace loyalty::language::parser {

/// How to sharpen a failure's message from the text where it happened.
enum class Refine : std::uint8_t {
  none,
  section,    // a section was expected: "unknown section 'rul'; did you mean 'rule'?"
  action,     // an action was expected: "unknown action 'awrd'; did you mean 'award'?"
  rule_body,  // the '{' of a rule was expected: "unknown rule option 'limt'; ..."
};

/// A syntax error, thrown by the grammar where it happened.
struct SyntaxFailure {
  Iterator where = nullptr;  // the offending text
  Iterator until = nullptr;  // its end, or null for "the token at `where`"
  std::string message;       // the full message ("expected '{' to start the rule's actions")
  std::string hint;
  Refine refine = Refine::none;
  /// Something was expected before `where`: when `where` starts a line, the diagnostic points
  /// just past the code before it (where the missing thing belongs).
  bool expected_before = false;
};

/// A section given up after its error was reported (inside it): parsing resumes at `resume`.
struct Abandon {
  Iterator resume = nullptr;
};

/// Thrown once the diagnostics are full: the parse stops.
struct StopParsing {};

/// How a block's entries are laid out, to find where the next one starts after an error.
enum class Block : std::uint8_t {
  actions,  // a rule's actions: the next line that starts with an action keyword
  lines,    // settings, attributes, tiers, stages: the next line
};

/// Reports `failure` as a diagnostic (message sharpened by its Refine). Throws StopParsing
/// when the diagnostics are full. Defined in parser.cpp.
void report(ParseState& state, const SyntaxFailure& failure);

/// Where to go on in a block after the entry that started at `entry` failed at `where`: the
/// next entry's line, or the block's closing '}'. Sets `abandon` (and returns where the next
/// section starts, or the end) when the block ends without its '}'. Defined in parser.cpp.
Iterator resume_in_block(const ParseState& state, Block block, Iterator entry, Iterator where,
                         bool& abandon);

/// One top-level section: program, settings, member, event, tiers, lifecycle or rule.
using section_type = x3::rule<struct section_class, ast::Section>;
BOOST_SPIRIT_DECLARE(section_type)

/// The grammar's top-level rule.
const section_type& section();

}  // namespace loyalty::language::parser
