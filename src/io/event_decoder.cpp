#include "io/event_decoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace loyalty::io {

namespace ondemand = simdjson::ondemand;
using simdjson::error_code;

namespace {

std::string_view type_name(ondemand::json_type type) {
  switch (type) {
    case ondemand::json_type::array: return "an array";
    case ondemand::json_type::object: return "an object";
    case ondemand::json_type::number: return "a number";
    case ondemand::json_type::string: return "a string";
    case ondemand::json_type::boolean: return "a boolean";
    case ondemand::json_type::null: return "null";
  }
  return "an unknown value";
}

EventKind kind_of(std::string_view type) {
  if (type == "purchase") return EventKind::purchase;
  if (type == "enroll") return EventKind::enroll;
  if (type == "refund") return EventKind::refund;
  if (type == "profile") return EventKind::profile;
  return EventKind::custom;
}

// Event types the engine makes itself; a host cannot send them.
bool is_internal_type(std::string_view type) {
  return type == "tier_changed" || type == "stage_changed" || type == "daily";
}

bool is_identifier(std::string_view text) {
  if (text.empty()) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(text.front())) return false;
  return std::all_of(text.begin(), text.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

void reset(Event& event) {
  event.id.clear();
  event.kind = EventKind::custom;
  event.type.clear();
  event.member.clear();
  event.time = Instant();
  event.amount = Decimal();
  event.channel.clear();
  event.items.clear();
  event.original.clear();
  event.profile.clear();
  event.attributes.clear();
}

// Bits of the fields seen, to reject a field sent twice.
enum Field : std::uint32_t {
  f_id = 1u << 0,
  f_type = 1u << 1,
  f_member = 1u << 2,
  f_time = 1u << 3,
  f_amount = 1u << 4,
  f_channel = 1u << 5,
  f_items = 1u << 6,
  f_original = 1u << 7,
  f_profile = 1u << 8,
};

}  // namespace

std::string FieldName::text() const {
  if (parent == "items") return fmt::format("items[{}].{}", index, key);
  if (!parent.empty()) return fmt::format("{}.{}", parent, key);
  return std::string(key);
}

bool EventDecoder::fail(std::string reason) {
  error_ = std::move(reason);
  return false;
}

bool EventDecoder::fail_json(error_code code) {
  switch (code) {
    case simdjson::TAPE_ERROR:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return fail("invalid JSON: unbalanced braces or brackets, or a missing comma or value");
    case simdjson::UNCLOSED_STRING: return fail("invalid JSON: a string is not closed");
    case simdjson::UTF8_ERROR: return fail("invalid JSON: the line is not valid UTF-8");
    case simdjson::STRING_ERROR:
      return fail("invalid JSON: a string has a bad escape or a control character");
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return fail("invalid JSON: a misspelled true, false or null");
    case simdjson::NUMBER_ERROR: return fail("invalid JSON: a malformed number");
    case simdjson::EMPTY: return fail("invalid JSON: the line is empty");
    default: return fail(fmt::format("invalid JSON: {}", simdjson::error_message(code)));
  }
}

bool EventDecoder::fail_root(ondemand::document& document, ondemand::json_type type) {
  // The first byte only suggests a type: "not json" starts like null. Say "invalid JSON"
  // unless the scalar really is one.
  bool valid = true;
  switch (type) {
    case ondemand::json_type::null: {
      bool is_null = false;
      valid = !document.is_null().get(is_null) && is_null;
      break;
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      valid = !document.get_bool().get(flag);
      break;
    }
    case ondemand::json_type::number: {
      std::string_view token;
      valid = !document.raw_json_token().get(token) &&
              Decimal::try_parse(trim_right(token)).has_value();
      break;
    }
    case ondemand::json_type::string: {
      std::string_view text;
      valid = !document.get_string().get(text);
      break;
    }
    default: break;
  }
  if (!valid) return fail("invalid JSON: not an object, array, string, number, true, false or null");
  return fail(fmt::format("expected a JSON object, got {}", type_name(type)));
}

bool EventDecoder::read_string(ondemand::value value, const FieldName& name, std::string& out) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::string) {
    return fail(fmt::format("field '{}': expected a string, got {}", name.text(), type_name(type)));
  }
  std::string_view text;
  if (auto code = value.get_string().get(text)) return fail_json(code);
  out.assign(text);
  return true;
}

bool EventDecoder::read_decimal(ondemand::value value, const FieldName& name, Decimal& out) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  std::string_view text;
  if (type == ondemand::json_type::string) {
    if (auto code = value.get_string().get(text)) return fail_json(code);
  } else if (type == ondemand::json_type::number) {
    text = trim_right(value.raw_json_token());
  } else {
    return fail(fmt::format("field '{}': expected a number or a decimal string, got {}", name.text(),
                            type_name(type)));
  }
  try {
    out = Decimal::parse(text);
  } catch (const NumberError& e) {
    return fail(fmt::format("field '{}': {}", name.text(), e.what()));
  }
  return true;
}

bool EventDecoder::read_time(ondemand::value value, Instant& out) {
  std::string text;
  if (!read_string(value, "time", text)) return false;
  try {
    out = Instant::parse(text);
  } catch (const TimeError& e) {
    return fail(fmt::format("field 'time': {}", e.what()));
  }
  return true;
}

bool EventDecoder::read_field(ondemand::value value, const FieldName& name, FieldValue& out) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  switch (type) {
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto code = value.is_null().get(is_null)) return fail_json(code);
      if (!is_null) return fail_json(simdjson::N_ATOM_ERROR);
      out = Null{};
      return true;
    }
    case ondemand::json_type::boolean: {
      bool flag = false;
      if (auto code = value.get_bool().get(flag)) return fail_json(code);
      out = flag;
      return true;
    }
    case ondemand::json_type::number: {
      Decimal number;
      if (!read_decimal(value, name, number)) return false;
      out = std::move(number);
      return true;
    }
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto code = value.get_string().get(text)) return fail_json(code);
      out = std::string(text);
      return true;
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      std::string_view text;
      if (auto code = value.get_array().get(array)) return fail_json(code);
      if (auto code = array.raw_json().get(text)) return fail_json(code);
      out = RawJson{std::string(trim_right(text))};
      return true;
    }
    case ondemand::json_type::object: {
      ondemand::object object;
      std::string_view text;
      if (auto code = value.get_object().get(object)) return fail_json(code);
      if (auto code = object.raw_json().get(text)) return fail_json(code);
      out = RawJson{std::string(trim_right(text))};
      return true;
    }
  }
  return fail(fmt::format("field '{}': unreadable value", name.text()));
}

bool EventDecoder::read_attribute(std::string_view name, ondemand::value value,
                                  std::vector<Attribute>& attributes) {
  Attribute& attribute = attributes.emplace_back();
  attribute.name.assign(name);
  return read_field(value, name, attribute.value);
}

bool EventDecoder::sort_attributes(std::vector<Attribute>& attributes, std::string_view where) {
  std::sort(attributes.begin(), attributes.end(),
            [](const Attribute& a, const Attribute& b) { return a.name < b.name; });
  auto twice = std::adjacent_find(attributes.begin(), attributes.end(),
                                  [](const Attribute& a, const Attribute& b) { return a.name == b.name; });
  if (twice != attributes.end()) {
    return fail(fmt::format("{}field '{}' appears twice", where, twice->name));
  }
  return true;
}

bool EventDecoder::read_profile(ondemand::value value, std::vector<Attribute>& profile) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::object) {
    return fail(fmt::format("field 'profile': expected an object, got {}", type_name(type)));
  }
  ondemand::object object;
  if (auto code = value.get_object().get(object)) return fail_json(code);
  for (auto entry : object) {
    ondemand::field field;
    if (auto code = std::move(entry).get(field)) return fail_json(code);
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) return fail_json(code);
    if (key.empty()) return fail("field 'profile': a field has an empty name");
    Attribute& attribute = profile.emplace_back();
    attribute.name.assign(key);
    if (!read_field(field.value(), FieldName::of_profile(key), attribute.value)) return false;
  }
  return sort_attributes(profile, "profile: ");
}

bool EventDecoder::read_item(ondemand::value value, std::size_t index, Item& item) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::object) {
    return fail(fmt::format("field 'items[{}]': expected an object, got {}", index, type_name(type)));
  }
  ondemand::object object;
  if (auto code = value.get_object().get(object)) return fail_json(code);
  enum : unsigned { sku = 1, category = 2, qty = 4, price = 8 };
  unsigned seen = 0;
  auto once = [&](unsigned bit, std::string_view key) {
    if (seen & bit) return fail(fmt::format("field 'items[{}].{}' appears twice", index, key));
    seen |= bit;
    return true;
  };
  for (auto entry : object) {
    ondemand::field field;
    if (auto code = std::move(entry).get(field)) return fail_json(code);
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) return fail_json(code);
    // Other keys (a product name, a discount) are the host's business: skipped.
    if (key == "sku") {
      if (!once(sku, key) ||
          !read_string(field.value(), FieldName::item(index, "sku"), item.sku)) {
        return false;
      }
    } else if (key == "category") {
      if (!once(category, key) ||
          !read_string(field.value(), FieldName::item(index, "category"), item.category)) {
        return false;
      }
    } else if (key == "qty") {
      if (!once(qty, key) ||
          !read_decimal(field.value(), FieldName::item(index, "qty"), item.qty)) {
        return false;
      }
    } else if (key == "price") {
      if (!once(price, key) ||
          !read_decimal(field.value(), FieldName::item(index, "price"), item.price)) {
        return false;
      }
    }
  }
  for (auto [bit, key] : {std::pair{sku, "sku"}, std::pair{qty, "qty"}, std::pair{price, "price"}}) {
    if (!(seen & bit)) return fail(fmt::format("missing field 'items[{}].{}'", index, key));
  }
  return true;
}

bool EventDecoder::read_items(ondemand::value value, std::vector<Item>& items) {
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::array) {
    return fail(fmt::format("field 'items': expected an array, got {}", type_name(type)));
  }
  ondemand::array array;
  if (auto code = value.get_array().get(array)) return fail_json(code);
  std::size_t index = 0;
  for (auto element : array) {
    ondemand::value item_value;
    if (auto code = std::move(element).get(item_value)) return fail_json(code);
    Item& item = items.emplace_back();
    if (!read_item(item_value, index, item)) return false;
    ++index;
  }
  return true;
}

bool EventDecoder::decode(const char* data, std::size_t length, std::size_t capacity,
                          Event& event) {
  reset(event);
  ondemand::document document;
  if (auto code = parser_.iterate(data, length, capacity).get(document)) return fail_json(code);
  ondemand::json_type root_type;
  if (auto code = document.type().get(root_type)) return fail_json(code);
  if (root_type != ondemand::json_type::object) return fail_root(document, root_type);
  ondemand::object object;
  if (auto code = document.get_object().get(object)) return fail_json(code);

  // The type decides what the other fields mean, and may come anywhere: look it up first
  // (it is usually the second field, so this is cheap), then walk the fields in one pass.
  {
    ondemand::value type_value;
    auto code = object.find_field_unordered("type").get(type_value);
    if (code == simdjson::NO_SUCH_FIELD) return fail("missing field 'type'");
    if (code) return fail_json(code);
    if (!read_string(type_value, "type", event.type)) return false;
    if (!is_identifier(event.type)) {
      return fail(fmt::format("field 'type': '{}' is not a valid event type name", event.type));
    }
    if (is_internal_type(event.type)) {
      return fail(fmt::format("field 'type': '{}' events are made by the engine and cannot be sent",
                              event.type));
    }
    event.kind = kind_of(event.type);
    bool rewound = false;
    if (auto reset_code = object.reset().get(rewound)) return fail_json(reset_code);
  }

  std::uint32_t seen = 0;
  auto once = [&](Field bit, std::string_view key) {
    if (seen & bit) return fail(fmt::format("field '{}' appears twice", key));
    seen |= bit;
    return true;
  };

  for (auto entry : object) {
    ondemand::field field;
    if (auto code = std::move(entry).get(field)) return fail_json(code);
    std::string_view key;
    if (auto code = field.unescaped_key().get(key)) return fail_json(code);
    ondemand::value value = field.value();

    if (key == "id") {
      if (!once(f_id, key) || !read_string(value, key, event.id)) return false;
    } else if (key == "type") {
      // Already read; consume it again only to notice a second "type".
      if (!once(f_type, key)) return false;
      std::string_view ignored;
      if (auto code = value.get_string().get(ignored)) return fail_json(code);
    } else if (key == "member") {
      if (!once(f_member, key) || !read_string(value, key, event.member)) return false;
    } else if (key == "time") {
      if (!once(f_time, key) || !read_time(value, event.time)) return false;
    } else if (key == "amount" &&
               (event.kind == EventKind::purchase || event.kind == EventKind::refund)) {
      if (!once(f_amount, key) || !read_decimal(value, key, event.amount)) return false;
    } else if (event.kind == EventKind::purchase && key == "channel") {
      if (!once(f_channel, key) || !read_string(value, key, event.channel)) return false;
    } else if (event.kind == EventKind::purchase && key == "items") {
      if (!once(f_items, key) || !read_items(value, event.items)) return false;
    } else if (event.kind == EventKind::refund && key == "original") {
      if (!once(f_original, key) || !read_string(value, key, event.original)) return false;
    } else if ((event.kind == EventKind::enroll || event.kind == EventKind::profile) &&
               key == "profile") {
      if (!once(f_profile, key) || !read_profile(value, event.profile)) return false;
    } else {
      if (key.empty()) return fail("a field has an empty name");
      if (!read_attribute(key, value, event.attributes)) return false;
    }
  }

  // A second value after the object ("{...} {...}") leaves the document unfinished.
  if (const char* rest = nullptr; !document.current_location().get(rest)) {
    return fail("unexpected text after the JSON object");
  }

  if (!(seen & f_id)) return fail("missing field 'id'");
  if (event.id.empty()) return fail("field 'id': must not be empty");
  if (!(seen & f_member)) return fail("missing field 'member'");
  if (event.member.empty()) return fail("field 'member': must not be empty");
  if (!(seen & f_time)) return fail("missing field 'time'");
  switch (event.kind) {
    case EventKind::purchase:
      if (!(seen & f_amount)) return fail("missing field 'amount'");
      break;
    case EventKind::refund:
      if (!(seen & f_original)) return fail("missing field 'original'");
      if (!(seen & f_amount)) return fail("missing field 'amount'");
      break;
    case EventKind::profile:
      if (!(seen & f_profile)) return fail("missing field 'profile'");
      break;
    case EventKind::enroll:
    case EventKind::custom: break;
  }
  return sort_attributes(event.attributes, "");
}

}  // namespace loyalty::io
