#include "engine/binding.hpp"

#include <string>
#include <string_view>
#include <variant>

#include "loyalty/error.hpp"

namespace loyalty::engine {

namespace {

using language::AttributeDecl;
using language::TypeKind;

const char* expected_phrase(TypeKind type) {
  switch (type) {
    case TypeKind::number: return "a number";
    case TypeKind::string: return "a string";
    case TypeKind::boolean: return "true or false";
    case TypeKind::date: return "a date (\"YYYY-MM-DD\")";
    case TypeKind::time: return "a time (RFC 3339, such as \"2026-12-01T10:00:00Z\")";
    default: return "a value";
  }
}

// What the host sent, for a message: "a string 'five'", "the number 5", "true", "null".
std::string got_phrase(const FieldValue& raw) {
  constexpr std::size_t kQuoteAtMost = 40;
  if (std::holds_alternative<Null>(raw)) return "null";
  if (const bool* flag = std::get_if<bool>(&raw)) return *flag ? "true" : "false";
  if (const Decimal* number = std::get_if<Decimal>(&raw))
    return "the number " + number->to_string();
  if (const std::string* text = std::get_if<std::string>(&raw)) {
    if (text->size() > kQuoteAtMost) return "a string '" + text->substr(0, kQuoteAtMost) + "...'";
    return "a string '" + *text + "'";
  }
  return "an object or array";
}

[[noreturn]] void wrong_type(const AttributeDecl& decl, const FieldValue& raw) {
  throw EventError("field '" + decl.name.name + "': expected " +
                   expected_phrase(decl.resolved.kind) + ", got " + got_phrase(raw));
}

// The attribute called `name` in a list sorted by name, or null.
const Attribute* find(const std::vector<Attribute>& attributes, std::string_view name) {
  for (const Attribute& attribute : attributes) {
    if (attribute.name == name) return &attribute;
  }
  return nullptr;
}

void bind_list(const std::vector<AttributeDecl>& decls, const std::vector<Attribute>& given,
               bool absent_is_error, std::vector<Value>& out) {
  out.clear();
  out.reserve(decls.size());
  for (const AttributeDecl& decl : decls) {
    const Attribute* attribute = find(given, decl.name.name);
    if (attribute == nullptr) {
      if (absent_is_error && !decl.optional) {
        throw EventError("field '" + decl.name.name + "' is missing: it is not optional");
      }
      out.emplace_back();
      continue;
    }
    out.push_back(bind_attribute(decl, attribute->value));
  }
}

}  // namespace

Value bind_attribute(const AttributeDecl& decl, const FieldValue& raw) {
  if (std::holds_alternative<Null>(raw)) {
    if (decl.optional) return {};
    throw EventError("field '" + decl.name.name + "': expected " +
                     expected_phrase(decl.resolved.kind) + ", got null (it is not optional)");
  }
  const std::string* text = std::get_if<std::string>(&raw);
  switch (decl.resolved.kind) {
    case TypeKind::number:
      if (const Decimal* number = std::get_if<Decimal>(&raw)) return Value::of(*number);
      if (text != nullptr) {
        if (auto parsed = Decimal::try_parse(*text)) return Value::of(*parsed);
      }
      break;
    case TypeKind::string:
      if (text != nullptr) return Value::of(std::string_view(*text));
      break;
    case TypeKind::boolean:
      if (const bool* flag = std::get_if<bool>(&raw)) return Value::of(*flag);
      break;
    case TypeKind::date:
      if (text != nullptr) {
        if (auto parsed = Date::try_parse(*text)) return Value::of(*parsed);
      }
      break;
    case TypeKind::time:
      if (text != nullptr) {
        if (auto parsed = Instant::try_parse(*text)) return Value::of(*parsed);
      }
      break;
    default: throw EventError("field '" + decl.name.name + "': its declared type cannot be bound");
  }
  wrong_type(decl, raw);
}

void bind_event_attributes(const language::CheckedProgram& program, const Event& event,
                           std::vector<Value>& out) {
  const language::SyntaxTree& tree = program.tree;
  switch (event.kind) {
    case EventKind::enroll:
      bind_list(tree.member_attributes, event.profile, /*absent_is_error=*/true, out);
      return;
    case EventKind::profile:
      bind_list(tree.member_attributes, event.profile, /*absent_is_error=*/false, out);
      return;
    case EventKind::custom:
      for (const language::EventDecl& decl : tree.events) {
        if (decl.name.name == event.type) {
          bind_list(decl.attributes, event.attributes, /*absent_is_error=*/false, out);
          return;
        }
      }
      out.clear();  // a type the program does not declare carries nothing rules can read
      return;
    default: out.clear(); return;
  }
}

std::vector<Value> bind_event_attributes(const language::CheckedProgram& program,
                                         const Event& event) {
  std::vector<Value> out;
  bind_event_attributes(program, event, out);
  return out;
}

Value bind_member_attribute(const language::CheckedProgram& program, std::uint32_t index,
                            const FieldValue& raw) {
  const std::vector<AttributeDecl>& decls = program.tree.member_attributes;
  if (index >= decls.size())
    throw EventError("no member attribute at index " + std::to_string(index));
  return bind_attribute(decls[index], raw);
}

}  // namespace loyalty::engine
