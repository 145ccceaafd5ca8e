#pragma once
/// \file
/// Compiling a program of rules (LANGUAGE.md) once, into an immutable Program.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/error.hpp"

namespace loyalty {

/// One problem found while loading a program, with where it is.
struct Diagnostic {
  std::string file;          ///< the file name given to compile()
  std::uint32_t line = 0;    ///< 1-based
  std::uint32_t column = 0;  ///< 1-based, in bytes
  std::uint32_t length = 0;  ///< bytes the problem spans on that line (at least 1)
  std::string message;       ///< "unknown attribute 'amout' of event purchase"
  std::string hint;          ///< "did you mean 'amount'?", or empty

  /// `file:line:col: error: message; hint`, then the source line and a caret under the span:
  ///
  ///     retail.rules:14:22: error: unknown attribute 'amout' of event purchase; did you mean 'amount'?
  ///         award event.amout points
  ///                     ^~~~~
  [[nodiscard]] std::string to_string(std::string_view source) const;

  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

/// A program failed to load. what() is every diagnostic, formatted, one after another.
class RuleError : public Error {
 public:
  /// The diagnostics (at least one) and the program's text, to quote its lines.
  RuleError(std::vector<Diagnostic> diagnostics, std::string_view source);
  /// Every problem found, in source order.
  [[nodiscard]] const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

namespace language {
struct CheckedProgram;  // the checked syntax tree, defined in src/language
}

/// A loaded program: checked, immutable, safe to share between threads.
class Program {
 public:
  /// The name given by `program "..."`.
  [[nodiscard]] const std::string& name() const noexcept;
  /// The file name it was compiled from.
  [[nodiscard]] const std::string& file() const noexcept;
  /// Its source text, exactly as given.
  [[nodiscard]] const std::string& text() const noexcept;
  /// Rule names in file order.
  [[nodiscard]] std::vector<std::string> rule_names() const;
  /// Tier names, lowest first (empty without a `tiers` section).
  [[nodiscard]] std::vector<std::string> tier_names() const;
  /// Lifecycle stage names in declaration order (empty without a `lifecycle` section).
  [[nodiscard]] std::vector<std::string> stage_names() const;

  /// The checked tree (for the engine's compiler).
  [[nodiscard]] const language::CheckedProgram& checked() const noexcept { return *checked_; }

  explicit Program(std::shared_ptr<const language::CheckedProgram> checked) noexcept;

 private:
  std::shared_ptr<const language::CheckedProgram> checked_;
};

/// Limits that keep the compiler safe on any input; exceeding one is a diagnostic.
struct CompileLimits {
  /// Deepest nesting of parentheses, operators and calls in one expression.
  std::uint32_t max_expression_depth = 64;
  /// Most diagnostics reported; the rest are summarised in one last diagnostic.
  std::uint32_t max_diagnostics = 100;
};

/// Loads a program from its text. `file` names it in diagnostics. Throws RuleError with every
/// diagnostic found.
std::shared_ptr<const Program> compile(std::string_view text, std::string_view file = "<rules>",
                                       const CompileLimits& limits = {});

/// Loads the program in the file at `path`. Throws IoError when it cannot be read, RuleError
/// when it does not load.
std::shared_ptr<const Program> compile_file(const std::string& path,
                                            const CompileLimits& limits = {});

}  // namespace loyalty
