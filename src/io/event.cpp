// The event model's helpers: names, lookups, and one-shot JSON in and out.

#include <simdjson.h>

#include <algorithm>
#include <type_traits>

#include "io/event_decoder.hpp"
#include "io/event_decoder_testing.hpp"
#include "io/json_writer.hpp"
#include "loyalty/event.hpp"

namespace loyalty {

std::string_view event_kind_name(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::enroll: return "enroll";
    case EventKind::purchase: return "purchase";
    case EventKind::refund: return "refund";
    case EventKind::profile: return "profile";
    case EventKind::custom: return "custom";
  }
  return "custom";
}

namespace {

// Attributes are kept sorted by name, so a lookup is a binary search.
const Attribute* find_attribute(const std::vector<Attribute>& attributes, std::string_view name) {
  auto it = std::lower_bound(attributes.begin(), attributes.end(), name,
                             [](const Attribute& a, std::string_view n) { return a.name < n; });
  return it != attributes.end() && it->name == name ? &*it : nullptr;
}

void append_value(std::string& out, const FieldValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, Decimal>) {
          out += v.to_string();
        } else if constexpr (std::is_same_v<T, std::string>) {
          io::append_json_string(out, v);
        } else {
          out += v.text;
        }
      },
      value);
}

void append_key(std::string& out, std::string_view key) {
  out.push_back(',');
  io::append_json_string(out, key);
  out.push_back(':');
}

void append_attributes(std::string& out, const std::vector<Attribute>& attributes) {
  for (const Attribute& attribute : attributes) {
    append_key(out, attribute.name);
    append_value(out, attribute.value);
  }
}

}  // namespace

const Attribute* Event::attribute(std::string_view name) const noexcept {
  return find_attribute(attributes, name);
}

const Attribute* Event::profile_field(std::string_view name) const noexcept {
  return find_attribute(profile, name);
}

Event parse_event(std::string_view json) {
  simdjson::padded_string padded(json);
  io::EventDecoder decoder;
  Event event;
  if (!decoder.decode(padded.data(), padded.size(), padded.size() + simdjson::SIMDJSON_PADDING,
                      event)) {
    throw EventError(decoder.error());
  }
  return event;
}

namespace io::testing {

bool decode_plain(std::string_view json, Event& event) {
  simdjson::padded_string padded(json);
  return EventDecoder().decode_plain(padded.data(), padded.size(), event);
}

Event parse_general(std::string_view json) {
  simdjson::padded_string padded(json);
  EventDecoder decoder;
  Event event;
  if (!decoder.decode_general(padded.data(), padded.size(),
                              padded.size() + simdjson::SIMDJSON_PADDING, event)) {
    throw EventError(decoder.error());
  }
  return event;
}

}  // namespace io::testing

std::string to_json(const Event& event) {
  std::string out = "{\"id\":";
  io::append_json_string(out, event.id);
  append_key(out, "type");
  io::append_json_string(out, event.type);
  append_key(out, "member");
  io::append_json_string(out, event.member);
  append_key(out, "time");
  io::append_json_string(out, event.time.to_string());
  switch (event.kind) {
    case EventKind::purchase:
      append_key(out, "amount");
      io::append_json_string(out, event.amount.to_string());
      append_key(out, "channel");
      io::append_json_string(out, event.channel);
      append_key(out, "items");
      out.push_back('[');
      for (std::size_t i = 0; i < event.items.size(); ++i) {
        const Item& item = event.items[i];
        out += i == 0 ? "{\"sku\":" : ",{\"sku\":";
        io::append_json_string(out, item.sku);
        append_key(out, "category");
        io::append_json_string(out, item.category);
        append_key(out, "qty");
        out += item.qty.to_string();
        append_key(out, "price");
        io::append_json_string(out, item.price.to_string());
        out.push_back('}');
      }
      out.push_back(']');
      break;
    case EventKind::refund:
      append_key(out, "original");
      io::append_json_string(out, event.original);
      append_key(out, "amount");
      io::append_json_string(out, event.amount.to_string());
      break;
    case EventKind::enroll:
    case EventKind::profile:
      append_key(out, "profile");
      out.push_back('{');
      for (std::size_t i = 0; i < event.profile.size(); ++i) {
        if (i > 0) out.push_back(',');
        io::append_json_string(out, event.profile[i].name);
        out.push_back(':');
        append_value(out, event.profile[i].value);
      }
      out.push_back('}');
      break;
    case EventKind::custom: break;
  }
  append_attributes(out, event.attributes);
  out.push_back('}');
  return out;
}

}  // namespace loyalty
