#include "io/event_decoder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <variant>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
  // As read_string, but parsed from simdjson's buffer: a time is too long for a string's
  // inline storage.
  ondemand::json_type type;
  if (auto code = value.type().get(type)) return fail_json(code);
  if (type != ondemand::json_type::string) {
    return fail(fmt::format("field 'time': expected a string, got {}", type_name(type)));
  }
  std::string_view text;
  if (auto code = value.get_string().get(text)) return fail_json(code);
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
  // The fast path (below) takes nearly every line; the general one decides the rest, errors too.
  return decode_plain(data, length, event) || decode_general(data, length, capacity, event);
}

bool EventDecoder::decode_general(const char* data, std::size_t length, std::size_t capacity,
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

// The fast path.
//
// Nearly every line of a real file is plain: strings without escapes, numbers, true, false and
// null, the known fields and flat attributes, with "type" before the fields it gives a meaning
// to. PlainReader decodes such a line in one pass over its bytes, without On-Demand's index and
// bookkeeping. It accepts strictly less than the general path (valid JSON only, whatever
// simdjson might let through unread) and fills the Event exactly as that path would. On anything
// else (an escape, an object or array as a value, "type" after other fields, any error at all)
// it gives up, and the general path decodes the line again from the start, so every message
// comes from one place.

// The fast path's small steps run dozens of times a line: inlined, they cost a few instructions
// each rather than a call.
#if defined(__GNUC__) || defined(__clang__)
#define LOYALTY_INLINE inline __attribute__((always_inline))
#else
#define LOYALTY_INLINE inline
#endif

namespace loyalty::io {

// load_window reads up to 63 bytes past the end of a line, eat() a few.
static_assert(simdjson::SIMDJSON_PADDING >= 64);

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int two_digits(const char* p) {
  return (p[0] - '0') * 10 + (p[1] - '0');
}

// A member's key, with its first eight bytes as one integer (zero beyond the key's end; zero for
// keys longer than eight bytes, as no known name is): a key is compared with a known name in one
// instruction.
struct Key {
  std::string_view text;
  std::uint64_t word;
};

// The integer for a known name, as Key holds it.
consteval std::uint64_t name(std::string_view text) {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::uint64_t byte = static_cast<unsigned char>(text[i]);
    word |= std::endian::native == std::endian::little ? byte << (8 * i) : byte << (56 - 8 * i);
  }
  return word;
}

// Reads eight bytes at the key's start: its text is followed by at least the padding.
LOYALTY_INLINE Key make_key(std::string_view text) {
  // keep[n]: the bytes of a word that hold its first n bytes of text.
  static constexpr std::array<std::uint64_t, 9> keep = [] {
    std::array<std::uint64_t, 9> masks{};
    for (std::size_t n = 0; n <= 8; ++n) {
      for (std::size_t i = 0; i < n; ++i) {
        masks[n] |= std::endian::native == std::endian::little
                        ? std::uint64_t{0xFF} << (8 * i)
                        : std::uint64_t{0xFF} << (56 - 8 * i);
      }
    }
    return masks;
  }();
  if (text.size() > 8) return {text, 0};
  std::uint64_t word = 0;
  std::memcpy(&word, text.data(), sizeof word);
  return {text, word & keep[text.size()]};
}

// to_decimal's general case, out of line so that the plain one needs few registers.
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
bool to_decimal_general(std::string_view text, Decimal& out) {
  std::optional<Decimal> parsed = Decimal::try_parse(text);
  if (!parsed) return false;
  out = *std::move(parsed);
  return true;
}

// Decimal::parse's result for the plain form digits[.digits] of at most eight bytes (most
// amounts, prices and quantities), read as one word without a branch per digit: the exits of
// digit loops are hard to predict. False, with `out` untouched, for any other text. Eight bytes
// from text.data() must be readable (the line's padding). Little-endian only.
bool short_decimal(std::string_view text, Decimal& out) {
  const std::size_t size = text.size();
  if (size == 0 || size > 8) return false;
  constexpr std::uint64_t ones = 0x0101010101010101;
  std::uint64_t word = 0;
  std::memcpy(&word, text.data(), sizeof word);  // the first character in the lowest byte
  // The point: the lowest zero byte of word ^ "........" (bytes beyond the text made non-zero).
  const std::uint64_t beyond = size == 8 ? 0 : ~std::uint64_t{0} << (8 * size);
  const std::uint64_t x = (word ^ (ones * '.')) | beyond;
  const std::uint64_t points = (x - ones) & ~x & (ones * 0x80);
  std::size_t digits = size;
  std::size_t scale = 0;
  if (points != 0) {
    const auto point = static_cast<std::size_t>(std::countr_zero(points) / 8);
    if (point == 0 || point == size - 1) return false;
    const std::uint64_t before = (std::uint64_t{1} << (8 * point)) - 1;
    word = (word & before) | ((word >> 8) & ~before);  // the digits after it move down one byte
    digits = size - 1;
    scale = size - point - 1;
  }
  // The digits to the top of the word, led by '0's: eight digits, checked and summed at once.
  word <<= 8 * (8 - digits);
  if (digits < 8) word |= (ones * '0') >> (8 * digits);
  if ((((word & 0xF0F0F0F0F0F0F0F0) | (((word + ones * 6) & 0xF0F0F0F0F0F0F0F0) >> 4))) !=
      ones * 0x33) {
    return false;
  }
  word = ((word & 0x0F0F0F0F0F0F0F0F) * 2561) >> 8;
  word = ((word & 0x00FF00FF00FF00FF) * 6553601) >> 16;
  word = ((word & 0x0000FFFF0000FFFF) * 42949672960001) >> 32;
  const auto value = static_cast<std::int64_t>(word);
  out = scale == 0 ? Decimal(value) : Decimal::from_parts(value, static_cast<int>(scale));
  return true;
}

// Decimal::parse's result for `text`, or false where parse would throw. The plain form
// [-]digits[.digits] of at most 18 digits (a 64-bit coefficient) is read here; any other goes to
// try_parse.
bool to_decimal(std::string_view text, Decimal& out) {
  if (std::endian::native == std::endian::little && short_decimal(text, out)) return true;
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  const char* const integer = p;
  std::uint64_t magnitude = 0;  // wraps beyond 19 digits, which then go to try_parse
  for (; p < end && is_digit(*p); ++p) {
    magnitude = magnitude * 10 + static_cast<unsigned>(*p - '0');
  }
  std::ptrdiff_t digits = p - integer;
  std::ptrdiff_t scale = 0;
  if (p < end && *p == '.' && digits > 0) {
    const char* const fraction = ++p;
    for (; p < end && is_digit(*p); ++p) {
      magnitude = magnitude * 10 + static_cast<unsigned>(*p - '0');
    }
    scale = p - fraction;
    digits = scale > 0 ? digits + scale : 0;
  }
  if (p == end && digits > 0 && digits <= 18) {
    const auto coefficient = static_cast<std::int64_t>(magnitude);
    const std::int64_t value = negative ? -coefficient : coefficient;
    out = scale == 0 ? Decimal(value) : Decimal::from_parts(value, static_cast<int>(scale));
    return true;
  }
  return to_decimal_general(text, out);
}

// Instant::parse's result for `text`, or false where parse would throw. The UTC form
// YYYY-MM-DDThh:mm:ssZ on the day of `day` needs only its time of day read.
bool to_instant(std::string_view text, DayCache& day, Instant& out) {
  const char* t = text.data();
  bool utc_form = text.size() == 20 && (t[19] == 'Z' || t[19] == 'z') && t[13] == ':' &&
                  t[16] == ':' && is_digit(t[11]) && is_digit(t[12]) && is_digit(t[14]) &&
                  is_digit(t[15]) && is_digit(t[17]) && is_digit(t[18]);
  std::int64_t time_of_day = 0;
  if (utc_form) {
    const int hour = two_digits(t + 11);
    const int minute = two_digits(t + 14);
    const int second = two_digits(t + 17);
    utc_form = hour <= 23 && minute <= 59 && second <= 59;
    time_of_day = hour * 3600 + minute * 60 + second;
    if (utc_form && day.valid && std::memcmp(day.prefix.data(), t, day.prefix.size()) == 0) {
      out = Instant::from_seconds(day.start + time_of_day);
      return true;
    }
  }
  std::optional<Instant> parsed = Instant::try_parse(text);
  if (!parsed) return false;
  out = *parsed;
  if (utc_form) {  // a valid date: remember it for the next lines
    std::memcpy(day.prefix.data(), t, day.prefix.size());
    day.start = parsed->seconds() - time_of_day;
    day.valid = true;
  }
  return true;
}

// The next entry of `entries`, of which `used` are filled: an old one, whose strings keep their
// capacity, while there are any.
template <typename T>
T& next_entry(std::vector<T>& entries, std::size_t& used) {
  if (used == entries.size()) entries.emplace_back();
  return entries[used++];
}

// out = text. A string is often no longer than in the last event (ids, SKUs, channels): then a
// copy and a cut do, without std::string's general (and out-of-line) assignment; short strings
// are copied with two overlapping moves of fixed size rather than a call to memcpy.
LOYALTY_INLINE void assign(std::string& out, std::string_view text) {
  const std::size_t size = text.size();
  if (size > out.size()) {
    out.assign(text);
    return;
  }
  char* const to = out.data();
  const char* const from = text.data();
  if (size > 16) {
    std::memcpy(to, from, size);
  } else if (size >= 8) {
    std::memcpy(to, from, 8);
    std::memcpy(to + size - 8, from + size - 8, 8);
  } else if (size >= 4) {
    std::memcpy(to, from, 4);
    std::memcpy(to + size - 4, from + size - 4, 4);
  } else {
    for (std::size_t i = 0; i < size; ++i) to[i] = from[i];
  }
  if (size != out.size()) out.resize(size);
}

void assign_string(FieldValue& out, std::string_view text) {
  if (auto* string = std::get_if<std::string>(&out)) {
    assign(*string, text);
  } else {
    out.emplace<std::string>(text);
  }
}

// Sorts attributes by name (they usually come sorted); false when a name appears twice.
bool sort_unique(std::vector<Attribute>& attributes) {
  auto by_name = [](const Attribute& a, const Attribute& b) { return a.name < b.name; };
  if (!std::is_sorted(attributes.begin(), attributes.end(), by_name)) {
    std::sort(attributes.begin(), attributes.end(), by_name);
  }
  return std::adjacent_find(attributes.begin(), attributes.end(),
                            [](const Attribute& a, const Attribute& b) {
                              return a.name == b.name;
                            }) == attributes.end();
}

// One plain line, read left to right. Each step takes the position of the next byte and returns
// the position after what it read, or null when the line is not plain: passing the position
// rather than keeping it in a member keeps it in a register.
//
// The bytes are classified 64 at a time (a window): their quotes, kept as bits, give the end of
// most strings with a shift and a count of zeros, rather than a search of their own, each
// waiting on the one before. The same pass makes sure that the line is plain: no backslash
// (escapes go the general way) and no control character (an error inside a string; as
// whitespace, tabs and line breaks are rare enough to go the general way too), so that a string
// ends at the next quote and spaces are the only whitespace; bytes beyond ASCII are checked as
// UTF-8 once the line is read. Every byte of a string falls in a window; the others must fit the
// grammar, which allows no such byte.
class PlainReader {
 public:
  PlainReader(const char* line, std::size_t length, DayCache& day)
      : line_(line), end_(line + length), day_(day) {}

  bool read(Event& event);

 private:
  using Position = const char*;

  // Spaces are the only whitespace of a plain line.
  LOYALTY_INLINE Position skip_space(Position p) const {
    while (p < end_ && *p == ' ') ++p;
    return p;
  }

  // The character `c`, after any spaces. Compact JSON has none, so `c` is tried first, without
  // a bounds check: the bytes after the text are readable (the padding), and a match there puts
  // the position past the end, which every later step refuses (the loops stop at end_, and the
  // line must end exactly there). Only a few such steps can follow each other (closing brackets),
  // so the position never leaves the padding.
  LOYALTY_INLINE Position eat(Position p, char c) const {
    if (*p == c) return p + 1;
    p = skip_space(p);
    return p < end_ && *p == c ? p + 1 : nullptr;
  }

  // After a member or an element: past the comma when another follows, past `close` (with
  // `done` set) when the object or array ends there, null otherwise.
  LOYALTY_INLINE Position next(Position p, char close, bool& done) const {
    done = false;
    if (*p == ',') return p + 1;
    if (*p == close) {
      done = true;
      return p + 1;
    }
    p = skip_space(p);
    if (p < end_ && *p == ',') return p + 1;
    done = true;
    return p < end_ && *p == close ? p + 1 : nullptr;
  }

  // Classifies the 64 bytes from `offset` (those past the end of the text, within the padding
  // the caller guarantees, are dropped); false when one is a backslash or a control character.
  bool load_window(std::size_t offset) {
    const char* const at = line_ + offset;
    std::uint64_t quotes = 0;
    std::uint64_t special = 0;
    std::uint64_t high = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i last_control = _mm_set1_epi8(0x1F);
    const auto bits = [](__m128i mask) {
      return std::uint64_t{static_cast<unsigned>(_mm_movemask_epi8(mask))};
    };
    for (int k = 0; k < 4; ++k) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + 16 * k));
      const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, last_control), bytes);
      quotes |= bits(_mm_cmpeq_epi8(bytes, quote)) << (16 * k);
      special |= bits(_mm_or_si128(control, _mm_cmpeq_epi8(bytes, backslash))) << (16 * k);
      high |= bits(bytes) << (16 * k);
    }
#else
    for (int k = 0; k < 64; ++k) {
      const auto c = static_cast<unsigned char>(at[k]);
      quotes |= std::uint64_t{c == '"'} << k;
      special |= std::uint64_t{c == '\\' || c < 0x20} << k;
      high |= std::uint64_t{c >= 0x80} << k;
    }
#endif
    const auto left = static_cast<std::size_t>(end_ - at);
    const std::uint64_t in_line = left >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << left) - 1;
    window_ = offset;
    window_quotes_ = quotes & in_line;
    beyond_ascii_ |= (high & in_line) != 0;
    return (special & in_line) == 0;
  }

  // The first quote at or after `p`, or null when there is none before the end.
  LOYALTY_INLINE Position find_quote(Position p) {
    auto offset = static_cast<std::size_t>(p - line_);
    for (;;) {
      if (const std::size_t shift = offset - window_; shift < 64) {
        if (const std::uint64_t rest = window_quotes_ >> shift; rest != 0) {
          const char* const quote = p + std::countr_zero(rest);
          return quote < end_ ? quote : nullptr;
        }
        offset = window_ + 64;  // the next window follows: every byte of a string is checked
        p = line_ + offset;
      }
      if (p >= end_ || !load_window(offset)) return nullptr;
    }
  }

  // A string: it ends at the next quote.
  LOYALTY_INLINE Position read_string(Position p, std::string_view& out) {
    p = eat(p, '"');
    if (p == nullptr) return nullptr;
    const char* const close = find_quote(p);
    if (close == nullptr) return nullptr;
    out = std::string_view(p, static_cast<std::size_t>(close - p));
    return close + 1;
  }

  LOYALTY_INLINE Position read_string(Position p, std::string& out) {
    std::string_view text;
    p = read_string(p, text);
    if (p != nullptr) assign(out, text);
    return p;
  }

  // A number as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  LOYALTY_INLINE Position read_number(Position p, std::string_view& out) {
    p = skip_space(p);
    const char* const begin = p;
    auto digits = [this](Position& at) {
      const char* const first = at;
      while (at < end_ && is_digit(*at)) ++at;
      return at != first;
    };
    if (p < end_ && *p == '-') ++p;
    if (p < end_ && *p == '0') {
      ++p;
    } else if (!digits(p)) {
      return nullptr;
    }
    if (p < end_ && *p == '.') {
      ++p;
      if (!digits(p)) return nullptr;
    }
    if (p < end_ && (*p == 'e' || *p == 'E')) {
      ++p;
      if (p < end_ && (*p == '+' || *p == '-')) ++p;
      if (!digits(p)) return nullptr;
    }
    out = std::string_view(begin, static_cast<std::size_t>(p - begin));
    return p;
  }

  // Money and quantities: a number or a decimal string.
  LOYALTY_INLINE Position read_decimal(Position p, Decimal& out) {
    p = skip_space(p);
    std::string_view text;
    p = p < end_ && *p == '"' ? read_string(p, text) : read_number(p, text);
    return p != nullptr && to_decimal(text, out) ? p : nullptr;
  }

  LOYALTY_INLINE Position read_time(Position p, Instant& out) {
    std::string_view text;
    p = read_string(p, text);
    return p != nullptr && to_instant(text, day_, out) ? p : nullptr;
  }

  // An attribute's value; objects and arrays (kept as raw JSON) go the general way.
  LOYALTY_INLINE Position read_value(Position p, FieldValue& out) {
    p = skip_space(p);
    if (p >= end_) return nullptr;
    auto word = [this, &p](std::string_view text) {
      if (static_cast<std::size_t>(end_ - p) < text.size() ||
          std::memcmp(p, text.data(), text.size()) != 0) {
        return false;
      }
      p += text.size();
      return true;
    };
    switch (*p) {
      case '"': {
        std::string_view text;
        p = read_string(p, text);
        if (p != nullptr) assign_string(out, text);
        return p;
      }
      case 't':
        if (!word("true")) return nullptr;
        out = true;
        return p;
      case 'f':
        if (!word("false")) return nullptr;
        out = false;
        return p;
      case 'n':
        if (!word("null")) return nullptr;
        out = Null{};
        return p;
      default: {
        std::string_view text;
        Decimal number;
        p = read_number(p, text);
        if (p == nullptr || !to_decimal(text, number)) return nullptr;
        out = std::move(number);
        return p;
      }
    }
  }

  // An object, calling member(p, key) to read each value.
  template <typename Member>
  LOYALTY_INLINE Position read_object(Position p, Member&& member) {
    p = eat(p, '{');
    if (p == nullptr) return nullptr;
    if (Position close = skip_space(p); close < end_ && *close == '}') return close + 1;
    for (bool done = false; !done;) {
      std::string_view key;
      p = read_string(p, key);
      if (p != nullptr) p = eat(p, ':');
      if (p != nullptr) p = member(p, make_key(key));
      if (p != nullptr) p = next(p, '}', done);
      if (p == nullptr) return nullptr;
    }
    return p;
  }

  LOYALTY_INLINE Position read_items(Position p, std::vector<Item>& items, std::size_t& used) {
    p = eat(p, '[');
    if (p == nullptr) return nullptr;
    if (Position close = skip_space(p); close < end_ && *close == ']') return close + 1;
    for (bool done = false; !done;) {
      p = read_item(p, next_entry(items, used));
      if (p != nullptr) p = next(p, ']', done);
      if (p == nullptr) return nullptr;
    }
    return p;
  }

  LOYALTY_INLINE Position read_item(Position p, Item& item) {
    enum : unsigned { sku = 1, category = 2, qty = 4, price = 8 };
    unsigned seen = 0;
    auto once = [&seen](unsigned bit) {
      if (seen & bit) return false;
      seen |= bit;
      return true;
    };
    p = read_object(p, [&](Position at, const Key& key) -> Position {
      if (key.word == name("sku")) return once(sku) ? read_string(at, item.sku) : nullptr;
      if (key.word == name("category")) {
        return once(category) ? read_string(at, item.category) : nullptr;
      }
      if (key.word == name("qty")) return once(qty) ? read_decimal(at, item.qty) : nullptr;
      if (key.word == name("price")) return once(price) ? read_decimal(at, item.price) : nullptr;
      FieldValue ignored;  // other keys are the host's business: skipped
      return read_value(at, ignored);
    });
    if (p == nullptr || (seen & (sku | qty | price)) != (sku | qty | price)) return nullptr;
    if (!(seen & category)) item.category.clear();
    return p;
  }

  LOYALTY_INLINE Position read_profile(Position p, std::vector<Attribute>& profile,
                                       std::size_t& used) {
    return read_object(p, [&](Position at, const Key& key) -> Position {
      if (key.text.empty()) return nullptr;
      Attribute& attribute = next_entry(profile, used);
      attribute.name.assign(key.text);
      return read_value(at, attribute.value);
    });
  }

  const char* const line_;
  const char* const end_;
  DayCache& day_;
  std::size_t window_ = 0;           // the offset of the window's first byte
  std::uint64_t window_quotes_ = 0;  // its quotes
  bool beyond_ascii_ = false;        // some window has bytes beyond ASCII
};

bool PlainReader::read(Event& event) {
  if (!load_window(0)) return false;
  Position p = line_;
  std::uint32_t seen = 0;
  auto once = [&seen](Field bit) {
    if (seen & bit) return false;
    seen |= bit;
    return true;
  };
  // Entries filled so far; the old ones beyond are dropped at the end.
  std::size_t items_used = 0, profile_used = 0, attributes_used = 0;

  p = read_object(p, [&](Position at, const Key& key) -> Position {
    if (key.word == name("id")) return once(f_id) ? read_string(at, event.id) : nullptr;
    if (key.word == name("member")) return once(f_member) ? read_string(at, event.member) : nullptr;
    if (key.word == name("time")) return once(f_time) ? read_time(at, event.time) : nullptr;
    if (key.word == name("type")) {
      if (!once(f_type)) return nullptr;
      at = read_string(at, event.type);
      if (at == nullptr) return nullptr;
      event.kind = kind_of(event.type);
      // The built-in names pass both checks.
      const bool valid = event.kind != EventKind::custom ||
                         (is_identifier(event.type) && !is_internal_type(event.type));
      return valid ? at : nullptr;
    }
    if (!(seen & f_type)) return nullptr;  // what the key means depends on the type

    const EventKind kind = event.kind;
    if (key.word == name("amount") && (kind == EventKind::purchase || kind == EventKind::refund)) {
      return once(f_amount) ? read_decimal(at, event.amount) : nullptr;
    }
    if (kind == EventKind::purchase && key.word == name("channel")) {
      return once(f_channel) ? read_string(at, event.channel) : nullptr;
    }
    if (kind == EventKind::purchase && key.word == name("items")) {
      return once(f_items) ? read_items(at, event.items, items_used) : nullptr;
    }
    if (kind == EventKind::refund && key.word == name("original")) {
      return once(f_original) ? read_string(at, event.original) : nullptr;
    }
    if ((kind == EventKind::enroll || kind == EventKind::profile) && key.word == name("profile")) {
      return once(f_profile) ? read_profile(at, event.profile, profile_used) : nullptr;
    }
    if (key.text.empty()) return nullptr;
    Attribute& attribute = next_entry(event.attributes, attributes_used);
    attribute.name.assign(key.text);
    return read_value(at, attribute.value);
  });
  if (p == nullptr || skip_space(p) != end_) return false;
  if (beyond_ascii_ && !simdjson::validate_utf8(line_, static_cast<std::size_t>(end_ - line_))) {
    return false;
  }

  constexpr std::uint32_t always = f_id | f_type | f_member | f_time;
  std::uint32_t required = always;
  switch (event.kind) {
    case EventKind::purchase: required |= f_amount; break;
    case EventKind::refund: required |= f_amount | f_original; break;
    case EventKind::profile: required |= f_profile; break;
    case EventKind::enroll:
    case EventKind::custom: break;
  }
  if ((seen & required) != required || event.id.empty() || event.member.empty()) return false;

  if (!(seen & f_amount)) event.amount = Decimal();
  if (!(seen & f_channel)) event.channel.clear();
  if (!(seen & f_original)) event.original.clear();
  // Drops the entries of the last event beyond this one's.
  if (event.items.size() != items_used) event.items.resize(items_used);
  if (event.profile.size() != profile_used) event.profile.resize(profile_used);
  if (event.attributes.size() != attributes_used) event.attributes.resize(attributes_used);
  return sort_unique(event.profile) && sort_unique(event.attributes);
}

}  // namespace

bool EventDecoder::decode_plain(const char* data, std::size_t length, Event& event) {
  return PlainReader(data, length, day_).read(event);
}

}  // namespace loyalty::io

#undef LOYALTY_INLINE
