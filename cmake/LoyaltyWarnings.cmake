# Warnings live in a private interface target so that they apply to loyalty's own code and
# never leak into a consumer's build.
add_library(loyalty_warnings INTERFACE)
target_compile_options(loyalty_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough>
  $<$<AND:$<CXX_COMPILER_ID:GNU,Clang>,$<BOOL:${LOYALTY_WERROR}>>:-Werror>)
# GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string concatenation
# (GCC bug 105329); the warning says nothing about our code there.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(loyalty_warnings INTERFACE -Wno-restrict)
endif()
