#pragma once
// Runs the real `loyalty` binary (LOYALTY_BINARY) for the command line's tests.

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cli_test {

struct Run {
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs `loyalty ARGS` through the shell, capturing both streams.
inline Run cli(const std::string& args) {
  static int counter = 0;
  auto err_path = std::filesystem::temp_directory_path() /
                  ("loyalty_cli_err_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  std::string command = std::string(LOYALTY_BINARY) + " " + args + " 2>" + err_path.string();
  Run run;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> chunk{};
  std::size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) run.out.append(chunk.data(), got);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  std::stringstream buffer;
  buffer << err.rdbuf();
  run.err = buffer.str();
  std::filesystem::remove(err_path);
  return run;
}

inline std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("loyalty_cli_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

}  // namespace cli_test

using cli_test::cli;
using cli_test::Run;
using cli_test::write_temp;
