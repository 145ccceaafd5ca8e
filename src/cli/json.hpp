#pragma once
// A small JSON writer for the commands' --json output: it places the commas and escapes the
// strings, so that no command builds JSON by string concatenation.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loyalty/member.hpp"
#include "loyalty/outcome.hpp"
#include "loyalty/time.hpp"

namespace loyalty::cli {

class Json {
 public:
  Json& begin_object();
  Json& end_object();
  Json& begin_array();
  Json& end_array();
  /// The key of the next value in an object.
  Json& key(std::string_view name);
  Json& string(std::string_view text);
  Json& number(std::int64_t value);
  Json& unsigned_number(std::uint64_t value);
  Json& boolean(bool value);
  Json& null();
  /// A value that is JSON text already.
  Json& raw(std::string_view json);
  /// An instant as an RFC 3339 string, or null.
  Json& time(const std::optional<Instant>& value);

  [[nodiscard]] const std::string& text() const noexcept { return out_; }

 private:
  void before_value();

  std::string out_;
  std::vector<bool> first_;  // per open container: no value written in it yet
  bool after_key_ = false;
};

/// Counts by name as a JSON object: {"bronze":3,"gold":1}.
void write_counts(Json& json, const std::map<std::string, std::uint64_t>& counts);

/// An outcome as JSON: status, event, member, reason, effects, rules, points, tier, stage.
void write_outcome(Json& json, const Outcome& outcome);

/// A member view as JSON (DESIGN.md's keys), pii masked unless `show_pii`, with the last
/// `ledger_lines` entries of the ledger (all when nullopt).
void write_member(Json& json, const MemberView& view, bool show_pii,
                  std::optional<std::size_t> ledger_lines);

/// "***" in place of a pii value.
inline constexpr std::string_view kMasked = "\"***\"";

}  // namespace loyalty::cli
