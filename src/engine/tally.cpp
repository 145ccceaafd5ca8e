#include "loyalty/tally.hpp"

namespace loyalty {

std::string Tally::reason_group(std::string_view reason) {
  std::string group;
  group.reserve(reason.size());
  bool quoted = false;
  for (char c : reason) {
    if (c == '\'') {
      group += quoted ? "…'" : "'";
      quoted = !quoted;
    } else if (!quoted) {
      group += c;
    }
  }
  if (quoted) group += "…";  // an unclosed quote: the rest is the value
  return group;
}

void Tally::add(const Outcome& outcome) {
  ++events;
  switch (outcome.status) {
    case Status::duplicate: ++duplicates; return;
    case Status::rejected:
      ++rejected;
      ++rejected_by_reason[reason_group(outcome.reason)];
      return;
    case Status::applied: ++applied; break;
  }
  for (const RuleTrace& trace : outcome.rules) {
    if (trace.verdict == Verdict::fired) ++rules_[trace.rule].fired;
  }
  for (const Effect& effect : outcome.effects) {
    switch (effect.kind) {
      case EffectKind::award:
        points_awarded += effect.points;
        rules_[effect.rule].awarded += effect.points;
        break;
      case EffectKind::adjust:
        if (effect.points > 0) points_awarded += effect.points;
        else points_taken -= effect.points;
        break;
      case EffectKind::deduct:
        points_taken -= effect.points;
        rules_[effect.rule].deducted -= effect.points;
        break;
      case EffectKind::reverse:
      case EffectKind::redeem:
      case EffectKind::expire: points_taken -= effect.points; break;
      default: break;
    }
  }
}

const std::map<std::string, RuleTally>& Tally::rules() const {
  fold();
  return rules_;
}

void Tally::fold() const {
  for (std::size_t i = 0; i < indexed_.size(); ++i) {
    RuleTally& counts = indexed_[i];
    if (counts.fired == 0 && counts.awarded == 0 && counts.deducted == 0) continue;
    RuleTally& named = rules_[indexed_names_[i]];
    named.fired += counts.fired;
    named.awarded += counts.awarded;
    named.deducted += counts.deducted;
    counts = RuleTally{};
  }
}

}  // namespace loyalty
