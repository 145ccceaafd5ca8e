// `loyalty inspect EVENTS...`: reads JSON Lines event files with the engine's own reader and
// reports what they hold and which lines it would reject, without touching any database.

#include <fmt/format.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "io/json_writer.hpp"
#include "loyalty/event_reader.hpp"

namespace loyalty::cli {

namespace {

struct Options {
  std::vector<std::string> files;
  bool json = false;
  std::string rejects_path;
};

struct Summary {
  std::uint64_t lines = 0;
  std::uint64_t events = 0;
  std::uint64_t rejected = 0;
  std::map<std::string, std::uint64_t> by_type;
  std::map<std::string, std::uint64_t> rejected_by_reason;
  std::unordered_set<std::string> members;
  std::optional<Instant> first, last;
  Decimal purchased, refunded;
  std::uint64_t items = 0;
};

// The reason without the specifics after a colon, to group rejections: "invalid JSON".
std::string reason_group(const std::string& reason) {
  auto field_end = reason.find("': ");
  if (reason.rfind("field '", 0) == 0 && field_end != std::string::npos) {
    return reason.substr(0, field_end + 1);
  }
  return reason.substr(0, reason.find(':'));
}

void add_event(Summary& s, const Event& e) {
  ++s.events;
  ++s.by_type[e.type];
  s.members.insert(e.member);
  if (!s.first || e.time < *s.first) s.first = e.time;
  if (!s.last || e.time > *s.last) s.last = e.time;
  if (e.kind == EventKind::purchase) {
    s.purchased += e.amount;
    s.items += e.items.size();
  } else if (e.kind == EventKind::refund) {
    s.refunded += e.amount;
  }
}

void print_text(const Summary& s, std::chrono::nanoseconds elapsed) {
  fmt::print("lines     {:>12}\n", grouped(static_cast<std::int64_t>(s.lines)));
  fmt::print("events    {:>12}\n", grouped(static_cast<std::int64_t>(s.events)));
  for (const auto& [type, count] : s.by_type) {
    fmt::print("  {:<16}{:>10}\n", type, grouped(static_cast<std::int64_t>(count)));
  }
  fmt::print("rejected  {:>12}\n", grouped(static_cast<std::int64_t>(s.rejected)));
  for (const auto& [reason, count] : s.rejected_by_reason) {
    fmt::print("  {:<40}{:>10}\n", reason, grouped(static_cast<std::int64_t>(count)));
  }
  fmt::print("members   {:>12}\n", grouped(static_cast<std::int64_t>(s.members.size())));
  if (s.first) fmt::print("from      {}\nto        {}\n", s.first->to_string(), s.last->to_string());
  fmt::print("purchased {:>12}  in {} items\n", s.purchased.to_string(),
             grouped(static_cast<std::int64_t>(s.items)));
  fmt::print("refunded  {:>12}\n", s.refunded.to_string());
  fmt::print("read in {} ({} events/s)\n", seconds_text(elapsed), per_second(s.lines, elapsed));
}

void print_json(const Summary& s) {
  std::string out = fmt::format(R"({{"lines":{},"events":{},"rejected":{},"members":{},"types":{{)",
                                s.lines, s.events, s.rejected, s.members.size());
  bool first = true;
  for (const auto& [type, count] : s.by_type) {
    if (!first) out.push_back(',');
    first = false;
    io::append_json_string(out, type);
    out += fmt::format(":{}", count);
  }
  out += "},\"reasons\":{";
  first = true;
  for (const auto& [reason, count] : s.rejected_by_reason) {
    if (!first) out.push_back(',');
    first = false;
    io::append_json_string(out, reason);
    out += fmt::format(":{}", count);
  }
  out += fmt::format(R"(}},"from":{},"to":{},"purchased":"{}","refunded":"{}","items":{}}})",
                     s.first ? "\"" + s.first->to_string() + "\"" : "null",
                     s.last ? "\"" + s.last->to_string() + "\"" : "null", s.purchased.to_string(),
                     s.refunded.to_string(), s.items);
  fmt::print("{}\n", out);
}

int run(const Options& options) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> rejects(nullptr, &std::fclose);
  if (!options.rejects_path.empty()) {
    rejects.reset(std::fopen(options.rejects_path.c_str(), "wb"));
    if (!rejects) throw IoError(fmt::format("cannot write {}", options.rejects_path));
  }
  Summary summary;
  Event event;
  auto started = std::chrono::steady_clock::now();
  for (const std::string& file : options.files) {
    EventReader reader(file);
    for (;;) {
      auto status = reader.next(event);
      if (status == EventReader::Status::end) break;
      ++summary.lines;
      if (status == EventReader::Status::event) {
        add_event(summary, event);
        continue;
      }
      ++summary.rejected;
      ++summary.rejected_by_reason[reason_group(reader.error())];
      fmt::print(stderr, "{}:{}: {}\n", file, reader.line(), reader.error());
      if (rejects) {
        std::string line = fmt::format(R"({{"file":)");
        io::append_json_string(line, file);
        line += fmt::format(R"(,"line":{},"reason":)", reader.line());
        io::append_json_string(line, reader.error());
        line += R"(,"text":)";
        io::append_json_string(line, reader.text());
        line += "}\n";
        std::fputs(line.c_str(), rejects.get());
      }
    }
  }
  auto elapsed = std::chrono::steady_clock::now() - started;
  if (options.json) {
    print_json(summary);
  } else {
    print_text(summary, elapsed);
  }
  return summary.rejected == 0 ? ok : invalid;
}

}  // namespace

Command add_inspect(CLI::App& app) {
  auto options = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "inspect", "Read JSON Lines event files and report what they hold and what is rejected");
  sub->add_option("events", options->files, "Event files ('-' for standard input)")
      ->required()
      ->check(CLI::ExistingFile | CLI::IsMember({"-"}));
  sub->add_flag("--json", options->json, "Print one JSON document");
  sub->add_option("--rejects", options->rejects_path,
                  "Write each rejected line, with its line number and reason, to this file");
  return [options] { return run(*options); };
}

}  // namespace loyalty::cli
