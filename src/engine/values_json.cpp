#include "engine/values_json.hpp"

#include "io/json_writer.hpp"

namespace loyalty::engine {

std::string value_json(const CompiledProgram& program, const Value& value) {
  std::string out;
  const auto& tree = program.checked->tree;
  switch (value.kind()) {
    case ValueKind::none: return "null";
    case ValueKind::number: return value.number().to_string();
    case ValueKind::boolean: return value.boolean() ? "true" : "false";
    case ValueKind::string: io::append_json_string(out, value.text()); return out;
    case ValueKind::date: io::append_json_string(out, value.date().to_string()); return out;
    case ValueKind::time: io::append_json_string(out, value.time().to_string()); return out;
    case ValueKind::duration:
      io::append_json_string(out, value.duration().to_string());
      return out;
    case ValueKind::tier:
      io::append_json_string(out, tree.tiers ? tree.tiers->tiers[value.index()].name.name : "");
      return out;
    case ValueKind::stage:
      io::append_json_string(
          out, tree.lifecycle ? tree.lifecycle->stages[value.index()].name.name : "");
      return out;
    case ValueKind::weekday:
      io::append_json_string(out, weekday_name(value.weekday()));
      return out;
  }
  return "null";
}

std::string emit_data(const CompiledProgram& program, const language::Action& action,
                      const CompiledAction& compiled, const EvalContext& context) {
  std::string out = "{";
  for (std::size_t i = 0; i < action.fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    io::append_json_string(out, action.fields[i].key.name);
    out.push_back(':');
    out += value_json(program,
                      evaluate(program.expressions.pool, compiled.fields[i], context));
  }
  out.push_back('}');
  return out;
}

}  // namespace loyalty::engine
