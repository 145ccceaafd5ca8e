#pragma once
// Small helpers for writing JSON text by hand where a document model would only add cost.

#include <string>
#include <string_view>

namespace loyalty::io {

/// Appends `text` as a JSON string literal, quotes included, escaping what JSON requires.
void append_json_string(std::string& out, std::string_view text);

}  // namespace loyalty::io
