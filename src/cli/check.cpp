// `loyalty check RULES`: loads a program and prints its diagnostics, or a one-line summary.

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "io/json_writer.hpp"
#include "loyalty/program.hpp"

namespace loyalty::cli {

namespace {

struct Options {
  std::string rules;
  bool json = false;
};

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string diagnostics_json(const std::vector<Diagnostic>& diagnostics) {
  std::string out = "[";
  for (std::size_t i = 0; i < diagnostics.size(); ++i) {
    const Diagnostic& d = diagnostics[i];
    if (i > 0) out.push_back(',');
    out += "{\"file\":";
    io::append_json_string(out, d.file);
    out += fmt::format(",\"line\":{},\"column\":{},\"length\":{},\"message\":", d.line, d.column,
                       d.length);
    io::append_json_string(out, d.message);
    out += ",\"hint\":";
    io::append_json_string(out, d.hint);
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

std::string names_json(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out.push_back(',');
    io::append_json_string(out, names[i]);
  }
  out.push_back(']');
  return out;
}

int run(const Options& options) {
  std::shared_ptr<const Program> program;
  try {
    program = compile_file(options.rules);
  } catch (const RuleError& e) {
    if (options.json) {
      fmt::print("{{\"ok\":false,\"diagnostics\":{}}}\n", diagnostics_json(e.diagnostics()));
    }
    fmt::print(stderr, "{}\n", e.what());
    fmt::print(stderr, "{}: {}\n", options.rules, plural(e.diagnostics().size(), "error"));
    return invalid;
  }
  auto rules = program->rule_names();
  auto tiers = program->tier_names();
  auto stages = program->stage_names();
  if (options.json) {
    std::string name;
    io::append_json_string(name, program->name());
    fmt::print("{{\"ok\":true,\"program\":{},\"rules\":{},\"tiers\":{},\"stages\":{}}}\n", name,
               names_json(rules), names_json(tiers), names_json(stages));
  } else {
    fmt::print("{}: ok: program \"{}\", {}, {}, {}\n", options.rules, program->name(),
               plural(rules.size(), "rule"), plural(tiers.size(), "tier"),
               plural(stages.size(), "stage"));
  }
  return ok;
}

}  // namespace

Command add_check(CLI::App& app) {
  auto options = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("check", "Load a program of rules and report every error in it");
  sub->add_option("rules", options->rules, "The program (.rules file)")->required();
  sub->add_flag("--json", options->json, "Print one JSON document (diagnostics as data)");
  return [options] { return run(*options); };
}

}  // namespace loyalty::cli
