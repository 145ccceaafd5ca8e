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

  /// Counts an event that could not be read as a rejected outcome with the reason.
  void add_unreadable(Reject reject);
};

/// Events read and not yet processed, each with where it was found: sent through the engine a
/// batch at a time (Engine::process(events, tally)), counted into a summary, the rejected kept
/// in order with those that could not be read.
class EventBatch {
 public:
  static constexpr std::size_t size = 256;
  /// The event to read the next one into (what was read into it stays there until hold(),
  /// whatever is sent meanwhile).
  Event& slot() { return events_[held_]; }
  /// Keeps the event read into slot(), found at `where`'s index or line; sends the batch once
  /// it is full.
  void hold(Engine& engine, RunSummary& summary, Reject where);
  /// Counts an event that could not be read, after sending the events held before it.
  void unreadable(Engine& engine, RunSummary& summary, Reject reject);
  /// Processes the events held, in order, and counts them into `summary`.
  void send(Engine& engine, RunSummary& summary);

 private:
  std::vector<Event> events_ = std::vector<Event>(size);
  std::vector<Reject> where_ = std::vector<Reject>(size);
  std::size_t held_ = 0;
};

/// Binds Program, compile, compile_file and the records outcomes and views are made of.
void bind_values(py::module_& module);
/// Binds the stores and the Engine.
void bind_engine(py::module_& module);

}  // namespace loyalty::python
