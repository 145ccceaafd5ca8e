// compile(): parse, check, and wrap the result in an immutable Program.

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "language/checker.hpp"
#include "language/diagnostics.hpp"
#include "language/parser.hpp"
#include "loyalty/program.hpp"

namespace loyalty {

namespace {

// The diagnostic's text, quoting `line` (its source line) with a caret under its span; an empty
// source has no line to quote.
std::string format_diagnostic(const Diagnostic& d, std::string_view line, bool quote) {
  std::string out = fmt::format("{}:{}:{}: error: {}", d.file, d.line, d.column, d.message);
  if (!d.hint.empty()) out += fmt::format("; {}", d.hint);
  out.push_back('\n');
  if (!quote) return out;
  out += fmt::format("    {}\n    ", line);
  // Tabs are kept so that the caret lines up under them.
  std::uint32_t character = 1;
  for (std::size_t i = 0; i < line.size() && character < d.column; ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
    out.push_back(line[i] == '\t' ? '\t' : ' ');
    ++character;
  }
  out.push_back('^');
  for (std::uint32_t i = 1; i < d.length; ++i) out.push_back('~');
  out.push_back('\n');
  return out;
}

// Every diagnostic, with one line table for the whole source.
std::string format_all(const std::vector<Diagnostic>& diagnostics, std::string_view source) {
  language::SourceFile file(source, "");
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    out += format_diagnostic(d, file.line_text(d.line), !source.empty());
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::string Diagnostic::to_string(std::string_view source) const {
  language::SourceFile file_view(source, file);
  return format_diagnostic(*this, file_view.line_text(line), !source.empty());
}

RuleError::RuleError(std::vector<Diagnostic> diagnostics, std::string_view source)
    : Error(ErrorCode::invalid_rules, format_all(diagnostics, source)),
      diagnostics_(std::move(diagnostics)) {}

Program::Program(std::shared_ptr<const language::CheckedProgram> checked) noexcept
    : checked_(std::move(checked)) {}

const std::string& Program::name() const noexcept { return checked_->name; }
const std::string& Program::file() const noexcept { return checked_->file; }
const std::string& Program::text() const noexcept { return checked_->text; }

std::vector<std::string> Program::rule_names() const {
  std::vector<std::string> names;
  for (const auto& rule : checked_->tree.rules) names.push_back(rule.name.name);
  return names;
}

std::vector<std::string> Program::tier_names() const {
  std::vector<std::string> names;
  if (checked_->tree.tiers) {
    for (const auto& tier : checked_->tree.tiers->tiers) names.push_back(tier.name.name);
  }
  return names;
}

std::vector<std::string> Program::stage_names() const {
  std::vector<std::string> names;
  if (checked_->tree.lifecycle) {
    for (const auto& stage : checked_->tree.lifecycle->stages) names.push_back(stage.name.name);
  }
  return names;
}

std::shared_ptr<const Program> compile(std::string_view text, std::string_view file,
                                       const CompileLimits& limits) {
  auto checked = std::make_shared<language::CheckedProgram>();
  checked->file = std::string(file);
  checked->text = std::string(text);
  // The source view points into the checked program's own copy, which outlives the tree.
  language::SourceFile source(checked->text, checked->file);
  language::Diagnostics diagnostics(source, limits.max_diagnostics);
  language::SyntaxTree tree = language::parse(source, diagnostics, limits);
  language::CheckedProgram result = language::check(std::move(tree), source, diagnostics);
  if (!diagnostics.empty()) throw RuleError(diagnostics.sorted(), checked->text);
  result.file = std::move(checked->file);
  result.text = std::move(checked->text);
  return std::make_shared<Program>(
      std::make_shared<const language::CheckedProgram>(std::move(result)));
}

std::shared_ptr<const Program> compile_file(const std::string& path, const CompileLimits& limits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open {}", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("cannot read {}", path));
  return compile(text.str(), path, limits);
}

}  // namespace loyalty
