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

std::string format_all(const std::vector<Diagnostic>& diagnostics, std::string_view source) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += d.to_string(source);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

std::string Diagnostic::to_string(std::string_view source) const {
  std::string out = fmt::format("{}:{}:{}: error: {}", file, line, column, message);
  if (!hint.empty()) out += fmt::format("; {}", hint);
  out.push_back('\n');
  // Quote the line, indented, with a caret under the span (tabs kept so the caret lines up).
  language::SourceFile file_view(source, file);
  std::string_view text = file_view.line_text(line);
  if (text.empty() && source.empty()) return out;
  out += fmt::format("    {}\n    ", text);
  std::uint32_t character = 1;
  for (std::size_t i = 0; i < text.size() && character < column; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    out.push_back(text[i] == '\t' ? '\t' : ' ');
    ++character;
  }
  out.push_back('^');
  for (std::uint32_t i = 1; i < length; ++i) out.push_back('~');
  out.push_back('\n');
  return out;
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
