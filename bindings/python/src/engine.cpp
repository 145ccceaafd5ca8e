// The stores and the Engine. Every call into the engine runs with the GIL released and under
// the engine's own mutex: the C++ Engine is used from one thread at a time, and Python threads
// sharing one engine take turns instead of racing.

#include <pybind11/stl.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "convert.hpp"
#include "heap.hpp"
#include "loyalty/event.hpp"
#include "loyalty/event_reader.hpp"

#if __has_include("loyalty/store.hpp")
#include "loyalty/store.hpp"
#define LOYALTY_PYTHON_SQLITE 1
#else
#define LOYALTY_PYTHON_SQLITE 0
#endif

namespace loyalty::python {

namespace {

// process_many converts events with the GIL held and processes them with it released, a chunk
// at a time: large enough that handing a chunk over costs nothing measurable, small enough
// that other threads run often.
constexpr std::size_t chunk_events = 1024;

// process_file looks for Ctrl-C (which needs the GIL) every this many lines.
constexpr std::uint64_t signal_check_lines = 65'536;

/// A store for an Engine. The subclasses say which backend.
struct StoreHandle {
  std::shared_ptr<store::Store> store;
  std::string path;  // "" for memory
};
struct MemoryStoreHandle : StoreHandle {};
struct SqliteStoreHandle : StoreHandle {};

void check_signals() {
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

std::string path_text(const py::object& path) {
  return py::str(py::module_::import("os").attr("fspath")(path));
}

py::dict stats_dict(const Stats& stats) {
  py::dict out;
  out["events"] = stats.events;
  out["members"] = stats.members;
  out["points_total"] = stats.points_total;
  out["tiers"] = py::cast(stats.tiers);
  out["stages"] = py::cast(stats.stages);
  out["tags"] = py::cast(stats.tags);
  return out;
}

/// One thread running the jobs it is given, one at a time: start() one, wait() for it.
class Worker {
 public:
  Worker() : thread_([this] { loop(); }) {}
  ~Worker() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Runs `job` on the thread; the job before must have been waited for.
  void start(std::function<void()> job) {
    {
      std::lock_guard lock(mutex_);
      job_ = std::move(job);
      idle_ = false;
    }
    changed_.notify_all();
  }
  /// Waits for the job started last, if any, and throws what it threw.
  void wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return idle_; });
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return stopping_ || job_; });
      if (!job_) return;  // stopping, and nothing left to run
      std::function<void()> job = std::exchange(job_, nullptr);
      lock.unlock();
      std::exception_ptr failure;
      try {
        job();
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      failure_ = failure;
      idle_ = true;
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> job_;
  std::exception_ptr failure_;
  bool idle_ = true;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

/// The Python Engine: the C++ engine, the store object it writes to, and the lock that keeps
/// it to one thread at a time.
class PyEngine {
 public:
  PyEngine(const ProgramHandle& program, py::object store)
      : store_(store.is_none() ? py::cast(MemoryStoreHandle{{make_memory_store(), {}}})
                               : checked_store(std::move(store))) {
    engine_ = std::make_unique<Engine>(program.program, handle().store);
  }
  explicit PyEngine(py::object store) : store_(checked_store(std::move(store))) {
    engine_ = std::make_unique<Engine>(handle().store);
  }

  Outcome process(py::handle event) {
    std::string json;
    append_event_json(json, event);
    return run([&](Engine& engine) { return engine.process(parse_event(json)); });
  }

  Outcome dry_run(py::handle event) {
    std::string json;
    append_event_json(json, event);
    return run([&](Engine& engine) { return engine.dry_run(parse_event(json)); });
  }

  // Two chunks take turns: while a worker thread processes one (without the GIL), this thread
  // converts the next (with it), so the two costs overlap. The chunks are processed one after
  // another, in order, exactly as one thread would. The worker is one thread for the whole
  // call: the engine's allocations then come from one malloc arena, not from a new thread's
  // (one a chunk) spread over many.
  RunSummary process_many(const py::iterable& events) {
    RunSummary summary;
    Chunk chunks[2];
    std::size_t filling = 0;
    std::optional<Worker> worker;  // started with the first full chunk
    bool worker_failed = false;
    const auto wait = [&] {
      if (!worker) return;
      py::gil_scoped_release nogil;
      try {
        worker->wait();
      } catch (...) {  // the store failed (a StoreError): nothing more goes in
        worker_failed = true;
        throw;
      }
    };
    const auto hand_over = [&] {
      wait();
      Chunk& chunk = chunks[filling];
      if (!worker) worker.emplace();
      worker->start([this, &chunk, &summary] {
        std::lock_guard lock(mutex_);
        process_chunk(*engine_, chunk, summary);
      });
      filling = 1 - filling;
    };
    std::uint64_t index = 0;
    try {
      for (py::handle event : events) {
        chunks[filling].add(event, index++);
        if (chunks[filling].size() == chunk_events) {
          hand_over();
          check_signals();
        }
      }
    } catch (...) {
      // The iterable failed, an item is not a mapping, or Ctrl-C: the events before it still
      // go in, as they would have one by one. After a store failure nothing more does.
      if (!worker_failed) {
        wait();
        run([&](Engine& engine) { process_chunk(engine, chunks[filling], summary); });
      }
      throw;
    }
    wait();
    run([&](Engine& engine) { process_chunk(engine, chunks[filling], summary); });
    return summary;
  }

  RunSummary process_file(const py::object& path) {
    const std::string name = path_text(path);
    return run([&](Engine& engine) {
      RunSummary summary;
      EventBatch batch;
      EventReader reader(name);
      try {
        for (;;) {
          const EventReader::Status status = reader.next(batch.slot());
          if (status == EventReader::Status::end) break;
          if (reader.line() % signal_check_lines == 0) {
            py::gil_scoped_acquire gil;
            check_signals();
          }
          if (status == EventReader::Status::rejected) {
            batch.unreadable(engine, summary, Reject{{}, reader.line(), {}, reader.error(),
                                                     std::string(reader.text())});
            continue;
          }
          batch.hold(engine, summary, Reject{{}, reader.line(), {}, {}, {}});
        }
      } catch (...) {
        // Ctrl-C or a read error: the lines before it still go in, as they would have one by
        // one (after a store failure the batch is gone already, and this sends nothing).
        batch.send(engine, summary);
        throw;
      }
      batch.send(engine, summary);
      return summary;
    });
  }

  std::optional<Outcome> explain(const std::string& event_id) {
    return run([&](Engine& engine) { return engine.explain(event_id); });
  }

  TickSummary tick(py::handle time) {
    const Instant at = to_instant(time);
    return run([&](Engine& engine) { return engine.tick(at); });
  }

  Outcome redeem(const std::string& member, std::int64_t points, const std::string& reference,
                 py::handle at) {
    const Instant when = to_instant_or_now(at);
    return run([&](Engine& engine) { return engine.redeem(member, points, reference, when); });
  }

  Outcome adjust(const std::string& member, std::int64_t points, const std::string& reason,
                 py::handle at) {
    const Instant when = to_instant_or_now(at);
    return run([&](Engine& engine) { return engine.adjust(member, points, reason, when); });
  }

  std::optional<MemberView> member(const std::string& id, py::handle at,
                                   const std::string& expiring_window) {
    const Instant when = to_instant_or_now(at);
    const Duration window = Duration::parse(expiring_window);
    return run([&](Engine& engine) { return engine.member(id, when, window); });
  }

  py::dict stats(py::handle at) {
    const Instant when = to_instant_or_now(at);
    return stats_dict(run([&](Engine& engine) { return engine.stats(when); }));
  }

  bool forget(const std::string& id) {
    return run([&](Engine& engine) { return engine.forget(id); });
  }

  void flush() {
    run([](Engine& engine) { engine.flush(); });
  }

  void replace_program(const ProgramHandle& program) {
    run([&](Engine& engine) { engine.replace_program(program.program); });
  }

  std::uint32_t program_version() const { return engine_->program_version(); }
  ProgramHandle program() const { return ProgramHandle{engine_->program()}; }
  const py::object& store() const { return store_; }

 private:
  // Dicts converted to JSON lines, waiting to be parsed and processed together.
  // Events converted to JSON Lines, and those that could not be, for one worker's turn.
  class Chunk {
   public:
    void add(py::handle event, std::uint64_t index) {
      const std::size_t mark = text_.size();
      try {
        append_event_json(text_, event);
      } catch (const Error& e) {  // EventError, or TimeError for a datetime out of range
        text_.resize(mark);
        unreadable_.push_back(Reject{index, {}, event_id_of(event), e.what(), {}});
        return;
      }
      text_.push_back('\n');
      indices_.push_back(index);
    }
    /// The events converted, and those that could not be.
    [[nodiscard]] std::size_t size() const { return indices_.size() + unreadable_.size(); }
    [[nodiscard]] const std::string& text() const { return text_; }
    [[nodiscard]] const std::vector<Reject>& unreadable() const { return unreadable_; }
    // The iterable's index of the chunk's 1-based line.
    [[nodiscard]] std::uint64_t index(std::uint64_t line) const { return indices_[line - 1]; }
    void clear() {
      text_.clear();
      indices_.clear();
      unreadable_.clear();
    }

    EventBatch batch;  // its events, parsed, on their way in (kept for their buffers)

   private:
    std::string text_;
    std::vector<std::uint64_t> indices_;
    std::vector<Reject> unreadable_;
  };

  // Parses and processes a chunk on `engine`, which the caller has locked; touches nothing of
  // Python's, so it runs without the GIL. The reader validates each line exactly as it does a
  // file's.
  static void process_chunk(Engine& engine, Chunk& chunk, RunSummary& summary) {
    // Emptied however it ends: a chunk the store failed on is not tried again.
    struct Clear {
      Chunk& chunk;
      ~Clear() { chunk.clear(); }
    } clear{chunk};
    // The events that could not be converted go in among the others, by their index.
    const std::vector<Reject>& unreadable = chunk.unreadable();
    auto next_unreadable = unreadable.begin();
    EventBatch& batch = chunk.batch;
    EventReader reader = EventReader::from_string(chunk.text());
    for (;;) {
      const EventReader::Status status = reader.next(batch.slot());
      if (status == EventReader::Status::end) break;
      const std::uint64_t index = chunk.index(reader.line());
      for (; next_unreadable != unreadable.end() && *next_unreadable->index < index; ++next_unreadable) {
        batch.unreadable(engine, summary, *next_unreadable);
      }
      if (status == EventReader::Status::rejected) {
        batch.unreadable(engine, summary, Reject{index, {}, {}, reader.error(), {}});
        continue;
      }
      batch.hold(engine, summary, Reject{index, {}, {}, {}, {}});
    }
    for (; next_unreadable != unreadable.end(); ++next_unreadable) {
      batch.unreadable(engine, summary, *next_unreadable);
    }
    batch.send(engine, summary);
  }

  // Runs `work` on the engine with the GIL released and the engine locked. The lock is taken
  // after the GIL is let go, so a thread waiting for it never blocks one that needs the GIL.
  template <class Work>
  std::invoke_result_t<Work&, Engine&> run(Work&& work) {
    py::gil_scoped_release nogil;
    std::lock_guard lock(mutex_);
    return work(*engine_);
  }

  static py::object checked_store(py::object store) {
    if (!py::isinstance<StoreHandle>(store)) {
      throw py::type_error("the store is a loyalty.MemoryStore or loyalty.SqliteStore, not " +
                           py::str(py::type::of(store)).cast<std::string>());
    }
    return store;
  }
  [[nodiscard]] const StoreHandle& handle() const { return store_.cast<const StoreHandle&>(); }

  py::object store_;  // the Python store object: Engine.store gives it back
  std::unique_ptr<Engine> engine_;
  std::mutex mutex_;
};

void bind_stores(py::module_& m) {
  py::class_<StoreHandle>(m, "Store",
                          "Where an engine keeps members, ledgers and the programs it ran. "
                          "Make a MemoryStore or a SqliteStore.")
      .def_property_readonly(
          "path", [](const StoreHandle& s) { return str_or_none(s.path); },
          "The database file, or None for a memory store.");

  py::class_<MemoryStoreHandle, StoreHandle>(
      m, "MemoryStore", "A new, empty in-memory store: for tests, simulation and benchmarks.")
      .def(py::init([] { return MemoryStoreHandle{{make_memory_store(), {}}}; }))
      .def("__repr__", [](const MemoryStoreHandle&) { return "MemoryStore()"; });

  py::class_<SqliteStoreHandle, StoreHandle> sqlite(
      m, "SqliteStore",
      "The SQLite store, the reference backend: one database file, created with its schema when "
      "missing. Events share a database transaction of up to `commit_every_events` events or "
      "`commit_every_ms` milliseconds; Engine.flush() commits it.");
#if LOYALTY_PYTHON_SQLITE
  sqlite
      .def(py::init([](const py::object& path, std::uint32_t commit_every_events,
                       std::uint32_t commit_every_ms, std::uint32_t busy_timeout_ms) {
             const std::string name = path_text(path);
             SqliteOptions options{commit_every_events, commit_every_ms, busy_timeout_ms};
             py::gil_scoped_release nogil;
             return SqliteStoreHandle{{open_sqlite_store(name, options), name}};
           }),
           py::arg("path"), py::kw_only(),
           py::arg("commit_every_events") = SqliteOptions{}.commit_every_events,
           py::arg("commit_every_ms") = SqliteOptions{}.commit_every_ms,
           py::arg("busy_timeout_ms") = SqliteOptions{}.busy_timeout_ms,
           "Opens (or creates) the database at `path`. Raises StoreError when it is not a "
           "loyalty database, was written by a newer loyalty, or cannot be opened.")
      .def(
          "backup",
          [](const SqliteStoreHandle& s, const py::object& destination) {
            const std::string name = path_text(destination);
            py::gil_scoped_release nogil;
            backup_sqlite_store(*s.store, name);
          },
          py::arg("destination"),
          "Copies the database (first committing its batch) to `destination`, replacing that "
          "file: an online backup. Not while an engine on this store runs in another thread.");
#else
  sqlite.def(py::init([](const py::object&) -> SqliteStoreHandle {
    throw StoreError("this build of loyalty has no SQLite store");
  }));
#endif
  sqlite.def("__repr__", [](const SqliteStoreHandle& s) {
    return "SqliteStore(" + py::repr(py::str(s.path)).cast<std::string>() + ")";
  });
}

void bind_engine_class(py::module_& m) {
  py::class_<PyEngine>(m, "Engine",
                       "Processes events against a program, writing their effects through a "
                       "store. Calls release the GIL while the engine works; one engine serves "
                       "one thread at a time (others wait their turn).")
      .def(py::init<const ProgramHandle&, py::object>(), py::arg("program"),
           py::arg("store") = py::none(),
           "An engine running `program` on `store` (a new MemoryStore when None). The store "
           "keeps every program run on it: the same text as its latest goes on as that "
           "version; another becomes the next version.")
      .def(py::init<py::object>(), py::arg("store"),
           "An engine running the latest program stored in `store`; raises StoreError when it "
           "holds none.")
      .def("process", &PyEngine::process, py::arg("event"),
           "Processes one event (a dict as in the JSON Lines format) and returns its Outcome. "
           "A rejected event changes nothing: its outcome says why. Raises EventError when the "
           "dict is not a well-formed event.")
      .def("process_many", &PyEngine::process_many, py::arg("events"),
           "Processes an iterable of event dicts in order and returns a Summary. Events go in "
           "chunks: converted with the GIL held, then parsed and processed with it released "
           "(other threads' calls on this engine may run between chunks). An event that is "
           "malformed or rejected is counted and listed in Summary.rejects with its index, and "
           "the others go on; when the iterable raises or yields a non-mapping, the events "
           "before it are processed and the exception propagates.")
      .def("process_file", &PyEngine::process_file, py::arg("path"),
           "Processes a JSON Lines file (str or os.PathLike) in C++, the GIL released, and "
           "returns a Summary whose rejects carry line numbers, reasons and the lines. Raises "
           "IoError when the file cannot be read.")
      .def("dry_run", &PyEngine::dry_run, py::arg("event"),
           "The Outcome process() would give, applying nothing.")
      .def("explain", &PyEngine::explain, py::arg("event_id"),
           "The Outcome of an applied event, with every rule considered and why it fired or "
           "not; None when no event with that id was applied.")
      .def("tick", &PyEngine::tick, py::arg("time"),
           "The day's work at `time` (aware datetime or RFC 3339 str) for every member: "
           "expiries, tier changes, stage changes, daily rules. Raises EventError when `time` "
           "is before the last tick's.")
      .def("redeem", &PyEngine::redeem, py::arg("member"), py::arg("points"),
           py::arg("reference"), py::arg("at") = py::none(),
           "Spends `points` (> 0) of the member's balance at `at` (None: now) under a global "
           "reference; an identical repeat returns the first outcome as a duplicate. Raises "
           "InsufficientPoints when the balance is short (leaving no record), EventError for "
           "an unknown member, a reused reference with other content, or a time before the "
           "member's latest ledger entry.")
      .def("adjust", &PyEngine::adjust, py::arg("member"), py::arg("points"),
           py::arg("reason"), py::arg("at") = py::none(),
           "A manual correction with its reason: +N is a lot usable at once that never expires, "
           "-N takes points as `deduct` does. Raises EventError for an unknown member, zero "
           "points, or a time before the member's latest ledger entry.")
      .def("member", &PyEngine::member, py::arg("id"), py::arg("at") = py::none(),
           py::arg("expiring_window") = "30 days",
           "The member's view at `at` (None: now), or None for an unknown member. Raises "
           "EventError when `at` is before the member's latest ledger entry: a view is a "
           "projection forward, not a rewind.")
      .def("stats", &PyEngine::stats, py::arg("at") = py::none(),
           "Totals at `at` (None: now): {'events', 'members', 'points_total', 'tiers', "
           "'stages', 'tags'}.")
      .def("forget", &PyEngine::forget, py::arg("id"),
           "Erases the member's personal data, keeping its ledger and figures; False for an "
           "unknown member.")
      .def("flush", &PyEngine::flush, "Makes everything processed so far durable.")
      .def("replace_program", &PyEngine::replace_program, py::arg("program"),
           "Runs `program` from now on, as the next version.")
      .def_property_readonly("program_version", &PyEngine::program_version,
                             "The version of the running program (1 for the first).")
      .def_property_readonly("program", &PyEngine::program, "The running Program.")
      .def_property_readonly("store", &PyEngine::store, "The store the engine writes to.");
}

}  // namespace

void bind_engine(py::module_& module) {
  bind_stores(module);
  bind_engine_class(module);
  module.attr("HAVE_SQLITE") = py::bool_(LOYALTY_PYTHON_SQLITE != 0);
  heap::note_start();
  module.def(
      "set_huge_pages",
      [](bool enabled) {
        const bool before = heap::enabled();
        heap::set_enabled(enabled);
        return before;
      },
      py::arg("enabled"),
      "Whether process_many and process_file (and simulate) ask the kernel to back the C "
      "heap with transparent huge pages as it grows, and have malloc grow it 64 MiB at a time "
      "(both process-wide). On by default: a bulk run is about a third faster. Takes effect "
      "for heap grown after the call. Returns the setting before.");
}

}  // namespace loyalty::python
