#pragma once
/// \file
/// The events that go into the engine, as the host system sends them (DESIGN.md, "Events").

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "loyalty/decimal.hpp"
#include "loyalty/time.hpp"

namespace loyalty {

/// The kinds of event a host sends. Every type name other than the four built-in ones is a
/// custom event (`review_posted`), declared in the program with its attributes.
enum class EventKind : std::uint8_t { enroll, purchase, refund, profile, custom };

/// "enroll", "purchase", "refund", "profile", "custom".
std::string_view event_kind_name(EventKind kind) noexcept;

/// JSON `null`: an attribute sent without a value.
struct Null {
  friend constexpr bool operator==(Null, Null) noexcept = default;
};

/// A JSON object or array kept as its compact text, for profile keys the program does not
/// declare (shown in views and exports as given).
struct RawJson {
  std::string text;
  friend bool operator==(const RawJson&, const RawJson&) = default;
};

/// The value of an attribute as the host sent it, before a program gives it a type. JSON
/// numbers are read as exact decimals; strings stay strings (the program's declarations decide
/// later whether "0.83" is a number, "1990-03-02" a date).
using FieldValue = std::variant<Null, bool, Decimal, std::string, RawJson>;

/// One named attribute of an event or of a member's profile.
struct Attribute {
  std::string name;
  FieldValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

/// One line of a purchase.
struct Item {
  std::string sku;
  std::string category;  ///< empty when the host sent none
  Decimal qty;
  Decimal price;         ///< the unit price
  friend bool operator==(const Item&, const Item&) = default;
};

/// One event. Fields that do not belong to its kind stay empty.
struct Event {
  std::string id;                      ///< globally unique, chosen by the host
  EventKind kind = EventKind::custom;
  std::string type;                    ///< the type as sent: "purchase", "review_posted"
  std::string member;                  ///< the member's id, chosen by the host
  Instant time;

  Decimal amount;                      ///< purchase: its total; refund: the amount refunded
  std::string channel;                 ///< purchase: "store", "app", ... (empty when not sent)
  std::vector<Item> items;             ///< purchase
  std::string original;                ///< refund: the id of the purchase refunded

  /// enroll and profile: the profile's fields, sorted by name.
  std::vector<Attribute> profile;
  /// Custom events: their attributes (every top-level key but id, type, member, time); for
  /// the built-in kinds, any top-level key they do not define. Sorted by name.
  std::vector<Attribute> attributes;

  /// The attribute called `name`, or null.
  [[nodiscard]] const Attribute* attribute(std::string_view name) const noexcept;
  /// The profile field called `name`, or null.
  [[nodiscard]] const Attribute* profile_field(std::string_view name) const noexcept;

  /// Events are equal when their parsed values are (an event id sent twice is a duplicate only
  /// if this holds).
  friend bool operator==(const Event&, const Event&) = default;
};

/// Reads one event from one JSON object; throws EventError with the reason when it is
/// malformed. See EventReader for files.
Event parse_event(std::string_view json);

/// The event as one line of compact JSON, in the format parse_event reads: money as decimal
/// strings, so that parse_event(to_json(e)) == e.
std::string to_json(const Event& event);

}  // namespace loyalty
