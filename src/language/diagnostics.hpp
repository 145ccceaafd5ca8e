#pragma once
// Where a program's text is, and the problems found in it: shared by the parser and checker.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "language/syntax.hpp"
#include "loyalty/program.hpp"

namespace loyalty::language {

/// A program's text and name, with a table of where its lines start.
class SourceFile {
 public:
  SourceFile(std::string_view text, std::string name);

  [[nodiscard]] std::string_view text() const noexcept { return text_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  struct Location {
    std::uint32_t line = 1;    // 1-based
    std::uint32_t column = 1;  // 1-based, in characters (UTF-8 code points)
  };
  /// The line and column of byte `offset`.
  [[nodiscard]] Location locate(std::uint32_t offset) const;
  /// The text of 1-based `line`, without its line break.
  [[nodiscard]] std::string_view line_text(std::uint32_t line) const;

 private:
  std::string_view text_;
  std::string name_;
  std::vector<std::uint32_t> line_starts_;
};

/// Collects diagnostics for one program, at most `limit` of them.
class Diagnostics {
 public:
  Diagnostics(const SourceFile& source, std::uint32_t limit);

  /// Reports an error over `span`, with an optional hint ("did you mean 'amount'?").
  void error(Span span, std::string message, std::string hint = {});

  [[nodiscard]] bool empty() const noexcept { return diagnostics_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return diagnostics_.size(); }
  /// True once `limit` diagnostics were reported: the caller may stop looking.
  [[nodiscard]] bool full() const noexcept { return diagnostics_.size() >= limit_; }

  /// The diagnostics in source order (a stable sort: equal positions keep report order),
  /// with one last note when more were found than the limit allows.
  [[nodiscard]] std::vector<Diagnostic> sorted() const;

 private:
  struct Entry {
    Span span;
    std::string message;
    std::string hint;
  };
  const SourceFile& source_;
  std::uint32_t limit_;
  std::vector<Entry> diagnostics_;
  std::uint32_t dropped_ = 0;
};

/// The candidate closest to `name` by edit distance, if one is close enough to be a likely
/// typo (at most a third of the name's length, at least 1, at most 3 edits; a transposition
/// counts as one).
std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string_view>& candidates);

/// "did you mean 'x'?" for the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates);

}  // namespace loyalty::language
