// The example programs (rules/*.rules) and the examples of the user's guide (docs/language.md)
// load without a diagnostic, and each example program declares exactly the rules, tiers and
// stages it is documented to have. The working directory is tests/, so paths are ../rules and
// ../docs.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/program.hpp"

namespace fs = std::filesystem;

namespace {

using Names = std::vector<std::string>;

/// What an example program declares, in the order Program's summary reports it.
struct Summary {
  Names rules;
  Names tiers;
  Names stages;
};

/// Every example program and its summary. A new file in rules/ must be added here.
const std::map<std::string, Summary>& expected_examples() {
  static const std::map<std::string, Summary> examples = {
      {"retail.rules",
       {{"base", "silver_bonus", "gold_bonus", "coffee", "weekend", "big_basket", "app",
         "first_purchase", "welcome", "review", "vip"},
        {"bronze", "silver", "gold"},
        {}}},
      {"coffee.rules",
       {{"welcome", "beans", "happy_hour", "breakfast_pairing", "five_a_week", "first_bag",
         "birthday", "beans_waiting", "winback", "welcome_back"},
        {},
        {"newcomer", "regular", "lapsing", "lapsed"}}},
      {"airline.rules",
       {{"welcome", "flight_miles", "minimum_miles", "cabin_bonus", "silver_bonus",
         "gold_bonus", "platinum_bonus", "hotel_nights", "partner_takeback", "autumn_double",
         "status_card", "gold_welcome", "platinum_welcome", "status_lost"},
        {"blue", "silver", "gold", "platinum"},
        {}}},
      {"marketplace.rules",
       {{"fraud_hold", "welcome", "base", "first_order", "electronics_back", "full_outfit",
         "pantry_stocker", "launch_elite", "launch_big_basket", "launch_everyone",
         "rating_points", "unhappy_buyer", "referral", "churn_rescue", "elite_reached"},
        {"insider", "plus", "elite"},
        {}}},
  };
  return examples;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Every `*.rules` file in `folder`, sorted.
std::vector<fs::path> rules_files(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && entry.path().extension() == ".rules") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// A fenced ```rules block of the guide: its text and the line its first line is on.
struct Block {
  std::size_t line = 0;
  std::string text;
};

/// The ```rules blocks of a markdown text, in order. Other fences (```text, ```cpp, ...) are
/// skipped whole, so a ```rules line quoted inside one is not taken for a block. Fences are
/// recognised at the start of a line only (the guide does not indent them).
std::vector<Block> rules_blocks(std::string_view markdown) {
  std::vector<Block> blocks;
  enum class State { prose, rules, other } state = State::prose;
  Block current;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start <= markdown.size()) {
    std::size_t end = markdown.find('\n', start);
    if (end == std::string_view::npos) end = markdown.size();
    std::string_view line = markdown.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    // An opening fence may carry an info string ("```rules"); a closing fence is bare.
    const bool fence = line.substr(0, 3) == "```";
    const bool closing = fence && line.find_first_not_of("` ") == std::string_view::npos;
    switch (state) {
      case State::prose:
        if (fence) {
          std::string_view info = line.substr(3);
          while (!info.empty() && info.back() == ' ') info.remove_suffix(1);
          if (info == "rules") {
            state = State::rules;
            current = Block{line_number + 1, {}};
          } else {
            state = State::other;
          }
        }
        break;
      case State::rules:
        if (closing) {
          blocks.push_back(current);
          state = State::prose;
        } else {
          current.text.append(line);
          current.text.push_back('\n');
        }
        break;
      case State::other:
        if (closing) state = State::prose;
        break;
    }
    start = end + 1;
  }
  REQUIRE_MESSAGE(state == State::prose, "a fenced block of the guide is never closed");
  return blocks;
}

/// The first line of `text` that is neither blank nor a comment.
std::string_view first_statement(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') return line.substr(first);
    start = end + 1;
  }
  return {};
}

}  // namespace

TEST_CASE("every example program loads without a diagnostic") {
  const std::vector<fs::path> files = rules_files("../rules");
  REQUIRE(files.size() >= 4);
  for (const fs::path& file : files) {
    CAPTURE(file.string());
    std::shared_ptr<const loyalty::Program> program;
    try {
      program = loyalty::compile_file(file.string());
    } catch (const loyalty::RuleError& e) {
      FAIL_CHECK(file.string() << " does not load:\n" << std::string(e.what()));
      continue;
    }
    REQUIRE(program != nullptr);
    CHECK(program->file() == file.string());
    CHECK(!program->name().empty());
  }
}

TEST_CASE("every example program declares exactly the rules, tiers and stages documented") {
  const auto& examples = expected_examples();
  // Every file in rules/ is listed, and every listed file exists.
  std::vector<std::string> found;
  for (const fs::path& file : rules_files("../rules")) found.push_back(file.filename().string());
  std::vector<std::string> listed;
  for (const auto& [name, summary] : examples) listed.push_back(name);
  std::sort(listed.begin(), listed.end());
  CHECK(found == listed);

  for (const auto& [name, summary] : examples) {
    const std::string path = "../rules/" + name;
    CAPTURE(path);
    std::shared_ptr<const loyalty::Program> program;
    try {
      program = loyalty::compile_file(path);
    } catch (const loyalty::RuleError& e) {
      FAIL_CHECK(path << " does not load:\n" << std::string(e.what()));
      continue;
    }
    CHECK(program->rule_names() == summary.rules);
    CHECK(program->tier_names() == summary.tiers);
    CHECK(program->stage_names() == summary.stages);
  }
}

TEST_CASE("the retail example is the retail-v1 program") {
  std::shared_ptr<const loyalty::Program> program;
  try {
    program = loyalty::compile_file("../rules/retail.rules");
  } catch (const loyalty::RuleError& e) {
    FAIL("../rules/retail.rules does not load:\n" << std::string(e.what()));
  }
  CHECK(program->name() == "Retail v1");
  // The text is kept exactly as given.
  CHECK(program->text() == read_text("../rules/retail.rules"));
}

TEST_CASE("every rules example of the user's guide loads without a diagnostic") {
  const std::string guide = read_text("../docs/language.md");
  const std::vector<Block> blocks = rules_blocks(guide);
  REQUIRE(blocks.size() >= 8);
  for (const Block& block : blocks) {
    const std::string where = "language.md:" + std::to_string(block.line);
    CAPTURE(where);
    // Blank lines in front, so that diagnostics give the line numbers of the guide itself.
    const std::string text = std::string(block.line - 1, '\n') + block.text;
    // A ```rules block is a whole program; fragments are marked ```text.
    CHECK_MESSAGE(first_statement(block.text).substr(0, 9) == "program \"",
                  where << ": a rules block must be a whole program, starting with program \"...\"");
    try {
      loyalty::compile(text, "language.md");
    } catch (const loyalty::RuleError& e) {
      FAIL_CHECK("the example at " << where << " does not load:\n" << std::string(e.what()));
    }
  }
}

TEST_CASE("the guide's block scanner") {
  const std::string markdown =
      "# Title\n"
      "```rules\n"
      "program \"A\"\n"
      "```\n"
      "text\n"
      "```text\n"
      "```rules\n"  // inside a text block: not a block of its own
      "```\n"
      "```rules \r\n"
      "program \"B\"\r\n"
      "rule r on enroll { }\r\n"
      "```\n";
  const std::vector<Block> blocks = rules_blocks(markdown);
  REQUIRE(blocks.size() == 2);
  CHECK(blocks[0].line == 3);
  CHECK(blocks[0].text == "program \"A\"\n");
  CHECK(blocks[1].line == 10);
  CHECK(blocks[1].text == "program \"B\"\nrule r on enroll { }\n");
  CHECK(first_statement("# comment\n\n  program \"X\"\n") == "program \"X\"");
}
