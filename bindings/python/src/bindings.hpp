#pragma once
// What the parts of the module share: the records that have no C++ counterpart (a run's
// summary, a program or store handle) and the functions that bind each part.

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loyalty/engine.hpp"
#include "loyalty/program.hpp"
#include "loyalty/tally.hpp"

namespace loyalty::python {

namespace py = pybind11;

/// A compiled program. Programs are immutable and shared; pybind11 cannot hold a
/// shared_ptr<const T> directly, hence the handle.
struct ProgramHandle {
  std::shared_ptr<const Program> program;
};

/// An event that was not applied: it did not convert or parse, or the engine rejected it.
struct Reject {
  std::optional<std::uint64_t> index;  ///< process_many: its 0-based position in the iterable
  std::optional<std::uint64_t> line;   ///< process_file: its 1-based line number
  std::string event;                   ///< its id, when known
  std::string reason;
  std::string text;                    ///< process_file: the line (none for process_many)
};

/// What process_many and process_file did: the outcomes counted, and every reject.
struct RunSummary {
  Tally tally;
  std::vector<Reject> rejects;
  std::optional<Instant> latest_time;  ///< the latest time of the events read
  std::string reason;                  ///< the last rejected event's reason (a buffer)

  /// Processes `event` on `engine` and counts it, keeping it as a reject when it is one (at
  /// `where`'s index or line).
  void process(Engine& engine, const Event& event, Reject where);
  /// Counts an event that could not be read as a rejected outcome with the reason.
  void add_unreadable(Reject reject);
};

/// Binds Program, compile, compile_file and the records outcomes and views are made of.
void bind_values(py::module_& module);
/// Binds the stores and the Engine.
void bind_engine(py::module_& module);

}  // namespace loyalty::python
