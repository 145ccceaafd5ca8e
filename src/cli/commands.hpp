#pragma once
// The subcommands of the `loyalty` command line. Each registers itself on the app and returns
// the exit code its run gives: 0 success, 1 invalid input or a refused operation, 2 usage.

#include <CLI/CLI.hpp>

#include <functional>

namespace loyalty::cli {

/// Exit codes of every command (DESIGN.md, "Command line").
enum Exit : int { ok = 0, invalid = 1, usage = 2 };

/// A registered command: what to run once the arguments are parsed.
using Command = std::function<int()>;

/// `loyalty check RULES`: loads a program, prints its diagnostics or a summary.
Command add_check(CLI::App& app);

/// `loyalty inspect EVENTS...`: reads event files and reports what they hold.
Command add_inspect(CLI::App& app);

}  // namespace loyalty::cli
