#pragma once
// Text to syntax tree, on Boost.Spirit X3 (grammar.hpp, grammar_def.hpp, grammar.cpp keep X3
// out of every other file).

#include "language/diagnostics.hpp"
#include "language/syntax.hpp"
#include "loyalty/program.hpp"

namespace loyalty::language {

/// Parses `source` into a syntax tree, reporting every syntax error to `diagnostics`. After an
/// error it recovers at the next section or rule, so one mistake gives one diagnostic and the
/// rest of the program is still read; the tree holds whatever parsed.
SyntaxTree parse(const SourceFile& source, Diagnostics& diagnostics, const CompileLimits& limits);

}  // namespace loyalty::language
