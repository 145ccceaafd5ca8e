// The `loyalty` command line: a thin layer over the library's calls (DESIGN.md, "Command line").

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "loyalty/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"loyalty: an embeddable loyalty-rules engine", "loyalty"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loyalty 0.1.0");

  std::vector<std::pair<CLI::App*, loyalty::cli::Command>> commands;
  auto add = [&](loyalty::cli::Command (*make)(CLI::App&)) {
    auto command = make(app);
    commands.emplace_back(app.get_subcommands({}).back(), std::move(command));
  };
  add(loyalty::cli::add_check);
  add(loyalty::cli::add_run);
  add(loyalty::cli::add_tick);
  add(loyalty::cli::add_member);
  add(loyalty::cli::add_redeem);
  add(loyalty::cli::add_adjust);
  add(loyalty::cli::add_explain);
  add(loyalty::cli::add_simulate);
  add(loyalty::cli::add_stats);
  add(loyalty::cli::add_export);
  add(loyalty::cli::add_forget);
  add(loyalty::cli::add_backup);
  add(loyalty::cli::add_inspect);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? loyalty::cli::ok : loyalty::cli::usage;
  }
  try {
    for (auto& [sub, run] : commands) {
      if (sub->parsed()) return run();
    }
  } catch (const CLI::Error& e) {  // arguments a command found wrong after parsing
    fmt::print(stderr, "loyalty: {}\nRun with --help for more information.\n", e.what());
    return loyalty::cli::usage;
  } catch (const loyalty::Error& e) {
    fmt::print(stderr, "loyalty: {}\n", e.what());
    return loyalty::cli::invalid;
  } catch (const std::exception& e) {
    fmt::print(stderr, "loyalty: internal error: {}\n", e.what());
    return loyalty::cli::invalid;
  }
  return loyalty::cli::usage;
}
