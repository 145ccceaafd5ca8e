#include "engine/compiled_program.hpp"

#include "language/diagnostics.hpp"
#include "loyalty/error.hpp"

namespace loyalty::engine {

const std::vector<std::uint32_t>& CompiledProgram::rules_for(language::TriggerKind kind,
                                                             std::uint32_t custom) const {
  static const std::vector<std::uint32_t> none;
  if (kind == language::TriggerKind::custom) {
    return custom < by_custom_event.size() ? by_custom_event[custom] : none;
  }
  return by_trigger[static_cast<std::size_t>(kind)];
}

std::optional<std::uint32_t> CompiledProgram::custom_event(std::string_view type) const {
  const auto& events = checked->tree.events;
  for (std::uint32_t i = 0; i < events.size(); ++i) {
    if (events[i].name.name == type) return i;
  }
  return std::nullopt;
}

std::shared_ptr<const CompiledProgram> compile_program(std::shared_ptr<const Program> program,
                                                       std::uint32_t version) {
  auto compiled = std::make_shared<CompiledProgram>();
  compiled->checked = &program->checked();
  compiled->version = version;
  const language::CheckedProgram& checked = *compiled->checked;
  compiled->expressions = compile_expressions(checked);
  compiled->by_custom_event.resize(checked.tree.events.size());
  for (std::uint32_t index : checked.rule_order) {
    const language::CheckedTrigger& trigger = checked.rules[index].trigger;
    if (trigger.kind == language::TriggerKind::custom) {
      compiled->by_custom_event[trigger.custom_event].push_back(index);
    } else {
      compiled->by_trigger[static_cast<std::size_t>(trigger.kind)].push_back(index);
    }
  }
  language::SourceFile source(checked.text, checked.file);
  for (const auto& rule : checked.tree.rules) {
    compiled->rule_lines.push_back(source.locate(rule.span.begin).line);
  }
  const ExpressionPool& pool = compiled->expressions.pool;
  for (std::uint32_t i = 0; i < pool.size(); ++i) {
    const Node& node = pool.node(i);
    if (node.op == OpCode::call && (node.function == language::Function::spend ||
                                    node.function == language::Function::purchases ||
                                    node.function == language::Function::earned)) {
      compiled->uses_windows = true;
    }
  }
  if (const ExprId metric = compiled->expressions.tier_metric; metric.valid()) {
    const Node& node = pool.node(metric);
    const auto field = static_cast<language::MemberField>(node.a);
    if (node.op == OpCode::member_field &&
        (field == language::MemberField::earned || field == language::MemberField::purchases)) {
      try {
        for (const Decimal& threshold : checked.tier_thresholds) {
          compiled->tier_thresholds.push_back(threshold.to_int64(Rounding::ceil));
        }
        compiled->tier_field = field;
      } catch (const NumberError&) {  // a threshold beyond 64 bits: the general way
        compiled->tier_thresholds.clear();
      }
    }
  }
  compiled->program = std::move(program);
  return compiled;
}

}  // namespace loyalty::engine
