// Runs the real `loyalty` binary: its output, its JSON, its exit codes.

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cli_runner.hpp"

TEST_CASE("inspect --json summarises the retail-v1 sample") {
  Run run = cli("inspect --json data/retail_300.jsonl");
  CHECK(run.exit_code == 0);
  CHECK(run.err.empty());
  CHECK(run.out ==
        R"({"lines":300,"events":300,"rejected":0,"members":25,"types":{"enroll":25,"purchase":224,"refund":23,"review_posted":28},"reasons":{},"from":"2026-01-01T00:00:00Z","to":"2026-12-30T18:48:00Z","purchased":"57400.96","refunded":"3474.44","items":543})"
        "\n");
}

TEST_CASE("inspect prints a summary for people") {
  Run run = cli("inspect data/retail_300.jsonl");
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("events             300\n  enroll                  25\n  purchase               224\n") !=
        std::string::npos);
  CHECK(run.out.find("purchased     57400.96  in 543 items\n") != std::string::npos);
}

TEST_CASE("inspect rejects bad lines with their numbers, writes them out, and exits 1") {
  auto events = write_temp("bad.jsonl",
                           R"({"id":"e1","type":"enroll","member":"m1","time":"2026-01-01T00:00:00Z"})"
                           "\n{oops\n"
                           R"({"id":"e2","type":"purchase","member":"m1","time":"2026-01-01T00:00:00Z"})"
                           "\n");
  auto rejects = std::filesystem::temp_directory_path() /
                 ("loyalty_cli_rejects_" + std::to_string(::getpid()) + ".jsonl");
  Run run = cli("inspect --json --rejects " + rejects.string() + " " + events.string());
  CHECK(run.exit_code == 1);
  CHECK(run.out.find(R"("lines":3,"events":1,"rejected":2)") != std::string::npos);
  CHECK(run.out.find(R"("reasons":{"invalid JSON":1,"missing field 'amount'":1})") != std::string::npos);
  CHECK(run.err == events.string() + ":2: invalid JSON: unbalanced braces or brackets, or a missing comma or value\n" +
                       events.string() + ":3: missing field 'amount'\n");
  std::ifstream in(rejects);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  CHECK(first == R"({"file":")" + events.string() +
                     R"(","line":2,"reason":"invalid JSON: unbalanced braces or brackets, or a missing comma or value","text":"{oops"})");
  CHECK(second.find(R"("line":3,"reason":"missing field 'amount'","text":"{\"id\":\"e2\")") != std::string::npos);
  std::filesystem::remove(events);
  std::filesystem::remove(rejects);
}

TEST_CASE("inspect reads standard input") {
  Run run = cli("inspect --json - < data/retail_300.jsonl");
  CHECK(run.exit_code == 0);
  CHECK(run.out.find(R"("lines":300,"events":300)") != std::string::npos);
}

TEST_CASE("usage errors exit 2") {
  CHECK(cli("").exit_code == 2);
  CHECK(cli("inspect").exit_code == 2);
  CHECK(cli("inspect /nonexistent/file.jsonl").exit_code == 2);
  CHECK(cli("frobnicate").exit_code == 2);
  Run help = cli("inspect --help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--rejects") != std::string::npos);
}

TEST_CASE("check prints a one-line summary of a program that loads") {
  Run run = cli("check ../rules/retail.rules");
  CHECK(run.exit_code == 0);
  CHECK(run.out == "../rules/retail.rules: ok: program \"Retail v1\", 11 rules, 3 tiers, 0 stages\n");
  CHECK(run.err.empty());
  Run json = cli("check --json ../rules/retail.rules");
  CHECK(json.exit_code == 0);
  CHECK(json.out ==
        R"({"ok":true,"program":"Retail v1","rules":["base","silver_bonus","gold_bonus","coffee","weekend","big_basket","app","first_purchase","welcome","review","vip"],"tiers":["bronze","silver","gold"],"stages":[]})"
        "\n");
}

TEST_CASE("check prints every diagnostic with its line and caret, and exits 1") {
  auto rules = write_temp("bad.rules",
                          "program \"Bad\"\n"
                          "rule a on purchase {\n"
                          "  award event.amout points\n"
                          "}\n"
                          "rule b on purchse {\n"
                          "  award 1 points\n"
                          "}\n");
  Run run = cli("check " + rules.string());
  CHECK(run.exit_code == 1);
  CHECK(run.out.empty());
  const std::string file = rules.string();
  CHECK(run.err == file + ":3:15: error: unknown attribute 'amout' of event purchase; did you mean 'amount'?\n"
                          "      award event.amout points\n"
                          "                  ^~~~~\n" +
                       file + ":5:11: error: unknown trigger 'purchse'; did you mean 'purchase'?\n"
                              "    rule b on purchse {\n"
                              "              ^~~~~~~\n" +
                       file + ": 2 errors\n");
  Run json = cli("check --json " + rules.string());
  CHECK(json.exit_code == 1);
  CHECK(json.out.find(R"({"ok":false,"diagnostics":[{"file":")") == 0);
  CHECK(json.out.find(R"("line":3,"column":15,"length":5,"message":"unknown attribute 'amout' of event purchase","hint":"did you mean 'amount'?"})") !=
        std::string::npos);
  std::filesystem::remove(rules);
}

TEST_CASE("check of a missing file is an error, exit 1") {
  Run run = cli("check /nonexistent/x.rules");
  CHECK(run.exit_code == 1);
  CHECK(run.err == "loyalty: cannot open /nonexistent/x.rules\n");
}
