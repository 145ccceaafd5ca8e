#include "loyalty/outcome.hpp"

namespace loyalty {

std::string_view effect_kind_name(EffectKind kind) noexcept {
  switch (kind) {
    case EffectKind::award: return "award";
    case EffectKind::deduct: return "deduct";
    case EffectKind::reverse: return "reverse";
    case EffectKind::redeem: return "redeem";
    case EffectKind::adjust: return "adjust";
    case EffectKind::expire: return "expire";
    case EffectKind::tag: return "tag";
    case EffectKind::untag: return "untag";
    case EffectKind::set: return "set";
    case EffectKind::emit: return "emit";
    case EffectKind::tier_change: return "tier_change";
    case EffectKind::stage_change: return "stage_change";
    case EffectKind::enroll: return "enroll";
  }
  return "award";
}

std::string_view verdict_text(Verdict verdict) noexcept {
  switch (verdict) {
    case Verdict::fired: return "fired";
    case Verdict::condition_false: return "condition false";
    case Verdict::inactive: return "outside active";
    case Verdict::limit_reached: return "limit reached";
    case Verdict::budget_spent: return "budget spent";
    case Verdict::group_taken: return "group taken";
    case Verdict::after_stop: return "after stop";
  }
  return "fired";
}

}  // namespace loyalty
