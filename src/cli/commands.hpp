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

// run.cpp
Command add_run(CLI::App& app);       ///< `loyalty run [RULES] EVENTS...`
Command add_simulate(CLI::App& app);  ///< `loyalty simulate RULES EVENTS...`

// member.cpp
Command add_member(CLI::App& app);    ///< `loyalty member ID`
Command add_export(CLI::App& app);    ///< `loyalty export ID`
Command add_forget(CLI::App& app);    ///< `loyalty forget ID`

// operations.cpp
Command add_redeem(CLI::App& app);    ///< `loyalty redeem ID POINTS --ref REF`
Command add_adjust(CLI::App& app);    ///< `loyalty adjust ID POINTS --reason TEXT`
Command add_tick(CLI::App& app);      ///< `loyalty tick TIME`
Command add_explain(CLI::App& app);   ///< `loyalty explain EVENT_ID`
Command add_stats(CLI::App& app);     ///< `loyalty stats`
Command add_backup(CLI::App& app);    ///< `loyalty backup DEST`

}  // namespace loyalty::cli
