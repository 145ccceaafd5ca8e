// Golden diagnostics: every tests/golden/NAME.rules must fail to load with exactly the text in
// tests/golden/NAME.expected (RuleError::what(), i.e. every diagnostic formatted with its
// source line and caret). Set LOYALTY_UPDATE_GOLDEN=1 to write the .expected files instead.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loyalty/program.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("every golden program fails with exactly its expected diagnostics") {
  std::vector<fs::path> programs;
  for (const auto& entry : fs::directory_iterator("golden")) {
    if (entry.path().extension() == ".rules") programs.push_back(entry.path());
  }
  std::sort(programs.begin(), programs.end());
  REQUIRE(programs.size() >= 30);
  const bool update = std::getenv("LOYALTY_UPDATE_GOLDEN") != nullptr;
  for (const fs::path& program : programs) {
    CAPTURE(program.string());
    std::string actual;
    try {
      loyalty::compile(read_text(program), program.filename().string());
    } catch (const loyalty::RuleError& e) {
      actual = std::string(e.what()) + "\n";
    }
    REQUIRE_MESSAGE(!actual.empty(), program.string() << " loaded without a diagnostic");
    fs::path expected_path = fs::path(program).replace_extension(".expected");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << actual;
      continue;
    }
    REQUIRE_MESSAGE(fs::exists(expected_path), "missing " << expected_path.string());
    CHECK(actual == read_text(expected_path));
  }
}
