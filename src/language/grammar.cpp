// The one translation unit that compiles the X3 grammar (grammar_def.hpp).

#include "language/grammar_def.hpp"

namespace loyalty::language::parser {

BOOST_SPIRIT_INSTANTIATE(section_type, Iterator, context_type)

}  // namespace loyalty::language::parser
