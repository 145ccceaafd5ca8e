// `loyalty run [RULES] EVENTS...` and `loyalty simulate RULES EVENTS...`: JSON Lines files through
// the engine, into the database or into memory, with a progress line on a terminal and a
// summary at the end.

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/json.hpp"
#include "cli/session.hpp"
#include "io/json_writer.hpp"
#include "loyalty/event_reader.hpp"
#include "loyalty/tally.hpp"

namespace loyalty::cli {

namespace {

constexpr std::size_t kRejectionsShown = 20;  // on stderr; the rest go to --rejects

struct Options {
  Session session;
  std::vector<std::string> inputs;  // [RULES] EVENTS...
  std::string rejects_path;
  bool json = false;
  std::uint32_t commit_every = 1000;
};

using Clock = std::chrono::steady_clock;

// The progress line, drawn on stderr when it is a terminal and only then.
class Progress {
 public:
  explicit Progress(std::uint64_t total_bytes)
      : shown_(isatty(fileno(stderr)) != 0), total_(total_bytes), started_(Clock::now()) {}

  // `bytes_done()` says how far the input is read; asked only when the line is redrawn.
  template <class BytesDone>
  void update(std::uint64_t events, BytesDone bytes_done_of) {
    if (!shown_) return;  // called once a batch: a clock read is nothing beside it
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const std::uint64_t bytes_done = bytes_done_of();
    const auto elapsed = now - started_;
    std::string left = "";
    if (total_ > 0 && bytes_done > 0 && bytes_done <= total_) {
      // Milliseconds times bytes stays within 64 bits for runs of days over terabytes.
      const auto ms = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count());
      left = fmt::format("  {} s left", ms * (total_ - bytes_done) / bytes_done / 1000);
    }
    fmt::print(stderr, "\r{} events  {} events/s{}   ", grouped(static_cast<std::int64_t>(events)),
               per_second(events, elapsed), left);
    std::fflush(stderr);
    drawn_ = true;
  }

  void done() {
    if (drawn_) fmt::print(stderr, "\r{:60}\r", "");
  }

 private:
  bool shown_;
  bool drawn_ = false;
  std::uint64_t total_;
  Clock::time_point started_;
  Clock::time_point last_;
};

// Writes rejected lines as JSON Lines: {"file":…,"line":…,"reason":…,"text":…}.
class Rejects {
 public:
  explicit Rejects(const std::string& path) : file_(nullptr, &std::fclose) {
    if (path.empty()) return;
    file_.reset(std::fopen(path.c_str(), "wb"));
    if (!file_) throw IoError(fmt::format("cannot write '{}'", path));
  }

  void add(std::string_view file, std::uint64_t line, std::string_view reason,
           std::string_view text) {
    if (shown_ < kRejectionsShown) fmt::print(stderr, "{}:{}: {}\n", file, line, reason);
    ++shown_;
    if (!file_) return;
    Json json;
    json.begin_object();
    json.key("file").string(file).key("line").unsigned_number(line);
    json.key("reason").string(reason).key("text").string(text);
    json.end_object();
    std::string out = json.text();
    out += '\n';
    std::fwrite(out.data(), 1, out.size(), file_.get());
  }

  void finish(bool have_file) const {
    if (shown_ > kRejectionsShown) {
      fmt::print(stderr, "... and {} more rejected lines{}\n", shown_ - kRejectionsShown,
                 have_file ? " (all of them are in the --rejects file)" : " (see --rejects FILE)");
    }
  }

 private:
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::size_t shown_ = 0;
};

struct RunResult {
  Tally tally;
  std::uint64_t unreadable = 0;  // lines the reader rejected
  std::optional<Instant> last;   // the latest event time
  Clock::duration elapsed{};
};

// Every event of every file through `engine`, in order.
RunResult feed(Engine& engine, const std::vector<std::string>& files, Rejects& rejects) {
  std::uint64_t total = 0;
  for (const std::string& file : files) {
    std::error_code error;
    if (file != "-") total += std::filesystem::file_size(file, error);
  }
  RunResult result;
  Progress progress(total);
  const auto started = Clock::now();
  // Events are read a batch at a time and processed together (Engine::process(events,
  // tally)), each with its line for the rejects file. An unreadable line first sends the
  // events read before it, so the rejects file stays in the order of the lines.
  constexpr std::size_t kBatch = 256;
  std::vector<Event> batch(kBatch);
  std::vector<std::uint64_t> lines(kBatch);
  std::size_t held = 0;
  std::uint64_t done_bytes = 0;
  for (const std::string& file : files) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream(
        file == "-" ? nullptr : std::fopen(file.c_str(), "rb"), &std::fclose);
    if (file != "-" && !stream) throw IoError(fmt::format("cannot open '{}'", file));
    EventReader reader(file == "-" ? stdin : stream.get());
    auto send = [&] {
      const std::span<const Event> events(batch.data(), held);
      engine.process(events, result.tally, [&](std::size_t i, const std::string& reason) {
        rejects.add(file, lines[i], reason, to_json(events[i]));
      });
      for (const Event& event : events) {
        if (!result.last || *result.last < event.time) result.last = event.time;
      }
      held = 0;
      progress.update(result.tally.events, [&]() -> std::uint64_t {
        // ftell asks the kernel: only when the line is redrawn. The reader reads ahead of
        // the event, which is near enough for a time left.
        const long at = stream ? std::ftell(stream.get()) : 0;
        return done_bytes + (at > 0 ? static_cast<std::uint64_t>(at) : 0);
      });
    };
    for (;;) {
      const auto status = reader.next(batch[held]);
      if (status == EventReader::Status::end) break;
      if (status == EventReader::Status::rejected) {
        send();
        ++result.unreadable;
        ++result.tally.events;
        ++result.tally.rejected;
        ++result.tally.rejected_by_reason[Tally::reason_group(reader.error())];
        rejects.add(file, reader.line(), reader.error(), reader.text());
        continue;
      }
      lines[held++] = reader.line();
      if (held == kBatch) send();
    }
    send();
    if (stream) {
      const long at = std::ftell(stream.get());
      done_bytes += at > 0 ? static_cast<std::uint64_t>(at) : 0;
    }
  }
  progress.done();
  result.elapsed = Clock::now() - started;
  return result;
}

void print_counts(const char* title, const std::map<std::string, std::uint64_t>& counts) {
  if (counts.empty()) return;
  fmt::print("{}\n", title);
  for (const auto& [name, count] : counts) {
    fmt::print("  {:<32}{:>12}\n", name, grouped(static_cast<std::int64_t>(count)));
  }
}

// The summary of a run or a simulation; `per_rule` adds each rule's firings and points.
void summarise(const RunResult& r, const Stats& stats, bool json_output, bool per_rule) {
  const Tally& t = r.tally;
  if (json_output) {
    Json json;
    json.begin_object();
    json.key("events").unsigned_number(t.events);
    json.key("applied").unsigned_number(t.applied);
    json.key("duplicates").unsigned_number(t.duplicates);
    json.key("rejected").unsigned_number(t.rejected);
    json.key("rejected_by_reason");
    write_counts(json, t.rejected_by_reason);
    json.key("points_awarded").number(t.points_awarded);
    json.key("points_taken").number(t.points_taken);
    if (per_rule) {
      json.key("cost").number(t.points_awarded - t.points_taken);
      json.key("rules").begin_object();
      for (const auto& [name, rule] : t.rules()) {
        json.key(name).begin_object();
        json.key("fired").unsigned_number(rule.fired);
        json.key("awarded").number(rule.awarded);
        json.key("deducted").number(rule.deducted);
        json.end_object();
      }
      json.end_object();
    }
    json.key("members").unsigned_number(stats.members);
    json.key("tiers");
    write_counts(json, stats.tiers);
    json.key("stages");
    write_counts(json, stats.stages);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.elapsed).count();
    json.key("seconds").raw(fmt::format("{}.{:03}", ms / 1000, ms % 1000));
    json.end_object();
    fmt::print("{}\n", json.text());
    return;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(r.elapsed);
  fmt::print("events      {:>14}  in {} ({} events/s)\n", grouped(static_cast<std::int64_t>(t.events)),
             seconds_text(elapsed), per_second(t.events, elapsed));
  fmt::print("applied     {:>14}\n", grouped(static_cast<std::int64_t>(t.applied)));
  fmt::print("duplicates  {:>14}\n", grouped(static_cast<std::int64_t>(t.duplicates)));
  fmt::print("rejected    {:>14}\n", grouped(static_cast<std::int64_t>(t.rejected)));
  for (const auto& [reason, count] : t.rejected_by_reason) {
    fmt::print("  {:<50}{:>10}\n", reason, grouped(static_cast<std::int64_t>(count)));
  }
  fmt::print("points awarded {:>11}\n", grouped(t.points_awarded));
  fmt::print("points taken   {:>11}\n", grouped(t.points_taken));
  if (per_rule) {
    fmt::print("cost (net points) {:>8}\n", grouped(t.points_awarded - t.points_taken));
    fmt::print("{:<32}{:>12}{:>14}{:>14}\n", "rule", "fired", "awarded", "deducted");
    for (const auto& [name, rule] : t.rules()) {
      fmt::print("{:<32}{:>12}{:>14}{:>14}\n", name, grouped(static_cast<std::int64_t>(rule.fired)),
                 grouped(rule.awarded), grouped(rule.deducted));
    }
  }
  fmt::print("members     {:>14}\n", grouped(static_cast<std::int64_t>(stats.members)));
  print_counts("by tier", stats.tiers);
  print_counts("by stage", stats.stages);
}

// Splits `inputs` into the program (a first .rules file, or --rules) and the event files.
std::vector<std::string> event_files(Options& o) {
  std::vector<std::string> files = o.inputs;
  if (!files.empty() && files.front().ends_with(".rules")) {
    if (!o.session.rules.empty()) {
      throw CLI::ValidationError("give the program once: as RULES or as --rules");
    }
    o.session.rules = files.front();
    files.erase(files.begin());
  }
  if (files.empty()) throw CLI::ValidationError("no event files given");
  return files;
}

int run(Options& o) {
  const std::vector<std::string> files = event_files(o);
  SqliteOptions sqlite;
  sqlite.commit_every_events = o.commit_every;
  auto store = o.session.open_or_create(sqlite);
  auto engine = o.session.engine(store);
  Rejects rejects(o.rejects_path);
  RunResult result = feed(*engine, files, rejects);
  engine->flush();
  rejects.finish(!o.rejects_path.empty());
  summarise(result, engine->stats(result.last.value_or(Instant())), o.json, false);
  return result.tally.rejected == 0 ? ok : invalid;
}

int simulate(Options& o) {
  const std::vector<std::string> files = event_files(o);
  if (o.session.rules.empty()) throw CLI::ValidationError("simulate needs RULES");
  Engine engine(compile_file(o.session.rules), make_memory_store());
  Rejects rejects(o.rejects_path);
  RunResult result = feed(engine, files, rejects);
  rejects.finish(!o.rejects_path.empty());
  summarise(result, engine.stats(result.last.value_or(Instant())), o.json, true);
  return ok;  // a simulation refuses nothing: its rejections are part of its report
}

CLI::App* add_common(CLI::App& app, const char* name, const char* about, Options& o) {
  CLI::App* sub = app.add_subcommand(name, about);
  sub->add_option("inputs", o.inputs, "RULES (a .rules file) then JSON Lines event files ('-': stdin)")
      ->required()
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  sub->add_option("--rejects", o.rejects_path,
                  "Write each rejected line, with its file, line number and reason, to this file");
  sub->add_flag("--json", o.json, "Print the summary as one JSON document");
  return sub;
}

}  // namespace

Command add_run(CLI::App& app) {
  auto o = std::make_shared<Options>();
  CLI::App* sub = add_common(app, "run", "Process JSON Lines event files into the database", *o);
  o->session.add_options(sub, true);
  sub->add_option("--commit-every", o->commit_every,
                  "Events per database transaction (1: every event durable at once)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  return [o] { return run(*o); };
}

Command add_simulate(CLI::App& app) {
  auto o = std::make_shared<Options>();
  add_common(app, "simulate",
             "Run a program over event files in memory: per-rule firings and points, cost, "
             "tier and stage mix; changes no database",
             *o);
  return [o] { return simulate(*o); };
}

}  // namespace loyalty::cli
