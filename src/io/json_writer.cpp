#include "io/json_writer.hpp"

#include <simdjson.h>

namespace loyalty::io {

namespace {

// The length of the UTF-8 sequence starting at `text[at]` if it is a valid one, else 0.
std::size_t valid_sequence(std::string_view text, std::size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const std::size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  if (at + length > text.size()) return 0;
  return simdjson::validate_utf8(text.data() + at, length) ? length : 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  // Text that is not UTF-8 (a rejected line may be anything) gets U+FFFD for each bad byte,
  // so that what is written is JSON whatever it was given.
  const bool utf8 = simdjson::validate_utf8(text.data(), text.size());
  out.push_back('"');
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out.push_back(hex[(c >> 4) & 0xf]);
          out.push_back(hex[c & 0xf]);
        } else if (utf8 || static_cast<unsigned char>(c) < 0x80) {
          out.push_back(c);
        } else if (const std::size_t length = valid_sequence(text, i); length > 0) {
          out.append(text.substr(i, length));
          i += length - 1;
        } else {
          out += "\\ufffd";
        }
    }
  }
  out.push_back('"');
}

}  // namespace loyalty::io
