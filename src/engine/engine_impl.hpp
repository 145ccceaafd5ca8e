#pragma once
// The engine's private parts, shared by the files that implement Engine (engine.cpp: events,
// ticks and host operations; member_view.cpp: the member view; program_versions.cpp: the
// programs a store has run).

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_program.hpp"
#include "engine/member.hpp"
#include "engine/outcome_codec.hpp"
#include "engine/value.hpp"
#include "loyalty/engine.hpp"
#include "loyalty/tally.hpp"
#include "store/store.hpp"

namespace loyalty::engine {

inline std::string tier_name(const CompiledProgram& p, std::optional<std::uint32_t> tier) {
  if (!tier || !p.checked->tree.tiers) return "";
  return p.checked->tree.tiers->tiers[*tier].name.name;
}

inline std::string stage_name(const CompiledProgram& p, std::optional<std::uint32_t> stage) {
  if (!stage || !p.checked->tree.lifecycle) return "";
  return p.checked->tree.lifecycle->stages[*stage].name.name;
}

// One action of a fired rule, its values computed against the member before the event.
struct PlannedAction {
  std::uint32_t rule = 0;
  std::uint32_t action = 0;
  std::int64_t points = 0;   // award (as given after a budget cut), deduct
  std::int64_t asked = 0;    // award: before the cut
  engine::Value value;       // set
  std::string data;          // emit: the JSON object
};

// The actions planned for one round of rules. Slots are reused from one event to the next,
// never destroyed: a Value and a string built and freed for every award cost more than the
// award's arithmetic. next() resets what every action sets; `value` and `data` are written
// before they are read (set and emit actions), so a slot's old ones may stay.
class PlannedActions {
 public:
  PlannedAction& next() {
    if (count_ == slots_.size()) slots_.emplace_back();
    PlannedAction& plan = slots_[count_++];
    plan.points = 0;
    plan.asked = 0;
    return plan;
  }
  void clear() noexcept { count_ = 0; }
  [[nodiscard]] const PlannedAction* begin() const noexcept { return slots_.data(); }
  [[nodiscard]] const PlannedAction* end() const noexcept { return slots_.data() + count_; }

 private:
  std::vector<PlannedAction> slots_;
  std::size_t count_ = 0;
};

// Buffers an event's processing works in, kept by the engine from one event to the next so
// that the hot path does not reallocate.
struct Scratch {
  std::vector<engine::Value> attributes;       // the event's bound attributes
  PlannedActions planned;
  std::vector<engine::EffectRecord> effects;   // the event's outcome, recorded (see
  std::vector<engine::TraceRecord> traces;     // OutcomeRecord; the rest is in `record`)
  engine::OutcomeRecord record;                // its effects and traces are the above
  std::string reason;                          // why the event was rejected
  std::vector<std::string_view> groups_taken;
  std::vector<std::uint32_t> chained;          // rules of a tier or stage change
  std::vector<std::uint64_t> own_lots;         // a refunded purchase's lots
  std::string encoded;                         // the outcome, encoded
  engine::DecodedOutcome decoded;              // a duplicate's first outcome, read back
  engine::Origin origin;                       // of the ledger entries being written
};

// Every program version the engine has run, so that a member last changed under an older one
// can be brought to the current layout (attributes, tier and stage are kept by position).
class ProgramHistory {
 public:
  void add(std::shared_ptr<const CompiledProgram> program) {
    std::lock_guard lock(mutex_);
    versions_[program->version] = std::move(program);
  }
  std::shared_ptr<const CompiledProgram> at(std::uint32_t version) const {
    std::lock_guard lock(mutex_);
    auto it = versions_.find(version);
    return it == versions_.end() ? nullptr : it->second;
  }

  /// bring_up_to_date() for a member that `tx` changes in place: the transaction is told
  /// first that its profile changes (only when the version differs: most events change none).
  void bring_up_to_date(store::Transaction& tx, MemberState& member,
                        const CompiledProgram& to) const {
    if (member.program_version == to.version) return;
    tx.will_change_profile(member);
    bring_up_to_date(member, to);
  }

  /// Moves `member` from the layout of its program version to `to`'s, matching attributes,
  /// tier and stage by name (an attribute whose type changed, or a tier or stage that is gone,
  /// becomes none).
  void bring_up_to_date(MemberState& member, const CompiledProgram& to) const {
    if (member.program_version == to.version) return;
    auto from = at(member.program_version);
    const auto& new_attributes = to.checked->tree.member_attributes;
    std::vector<engine::Value> values(new_attributes.size());
    if (from) {
      const auto& old_attributes = from->checked->tree.member_attributes;
      for (std::size_t i = 0; i < new_attributes.size(); ++i) {
        for (std::size_t j = 0; j < old_attributes.size() && j < member.attributes.size(); ++j) {
          if (old_attributes[j].name.name == new_attributes[i].name.name &&
              old_attributes[j].resolved == new_attributes[i].resolved) {
            values[i] = std::move(member.attributes[j]);
          }
        }
      }
      member.tier = index_by_name(tier_name(*from, member.tier), tier_names(to));
      member.stage = index_by_name(stage_name(*from, member.stage), stage_names(to));
      if (!member.tier) member.tier_kept_until.reset();
    } else {
      member.tier.reset();
      member.stage.reset();
    }
    member.attributes = std::move(values);
    member.program_version = to.version;
  }

 private:
  static std::vector<std::string> tier_names(const CompiledProgram& p) {
    return p.program->tier_names();
  }
  static std::vector<std::string> stage_names(const CompiledProgram& p) {
    return p.program->stage_names();
  }
  static std::optional<std::uint32_t> index_by_name(const std::string& name,
                                                    const std::vector<std::string>& names) {
    if (name.empty()) return std::nullopt;
    for (std::uint32_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return i;
    }
    return std::nullopt;
  }

  mutable std::mutex mutex_;
  std::map<std::uint32_t, std::shared_ptr<const CompiledProgram>> versions_;
};

}  // namespace loyalty::engine

namespace loyalty {

struct Engine::Impl {
  std::shared_ptr<store::Store> store;
  std::atomic<std::shared_ptr<const engine::CompiledProgram>> program;
  std::uint32_t last_version = 1;
  engine::ProgramHistory history;

  engine::Scratch scratch;

  // Compiles `text` as program `version` and adds it to the history.
  std::shared_ptr<const engine::CompiledProgram> add_version(std::shared_ptr<const Program> p,
                                                             std::uint32_t version);

  // The program version the last event ran on (what its recorded outcome's indices name).
  std::shared_ptr<const engine::CompiledProgram> running;

  // Processes `event`, applying its effects when `apply`, and leaves its outcome in scratch:
  // recorded (and, when applied, encoded in scratch.encoded); a duplicate's first outcome
  // encoded; a rejection's reason and the rules tried so far. `prefetched`: the caller has
  // taken the store through every prefetch step for this event already.
  Status run(const Event& event, bool apply, bool prefetched = false);
  // The outcome of the event run() last processed, with its names.
  void outcome(std::string_view event_id, Status status, Outcome& out);
  // Counts the event run() last processed into `tally`, naming nothing.
  void count(Status status, Tally& tally);
  // Starts scratch afresh for an event of `member` on `compiled`.
  void start(const engine::CompiledProgram& compiled, std::string_view member);
  // Turns what is recorded so far into a rejection for `reason`.
  Status refuse(std::string reason);
  // An outcome back from its encoding, with the names of the version that made it (with the
  // buffers of `work`, or its own).
  void recorded(std::string_view id, std::string_view bytes, Outcome& out) const;
  void recorded(std::string_view id, std::string_view bytes, Outcome& out,
                engine::DecodedOutcome& work) const;
  Outcome host_operation(std::string_view member, std::int64_t points, std::string_view key,
                         std::string_view label, Instant at, bool redeem);
};

}  // namespace loyalty
