#include "language/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace loyalty::language {

namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::uint32_t count_characters(std::string_view text) {
  return static_cast<std::uint32_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

}  // namespace

SourceFile::SourceFile(std::string_view text, std::string name)
    : text_(text), name_(std::move(name)) {
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

SourceFile::Location SourceFile::locate(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto next = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  auto line = static_cast<std::uint32_t>(next - line_starts_.begin());  // 1-based
  std::uint32_t start = line_starts_[line - 1];
  return {line, count_characters(text_.substr(start, offset - start)) + 1};
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  std::uint32_t start = line_starts_[line - 1];
  std::uint32_t end = line < line_starts_.size() ? line_starts_[line] - 1
                                                 : static_cast<std::uint32_t>(text_.size());
  std::string_view text = text_.substr(start, end - start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

Diagnostics::Diagnostics(const SourceFile& source, std::uint32_t limit)
    : source_(source), limit_(std::max<std::uint32_t>(limit, 1)) {}

void Diagnostics::error(Span span, std::string message, std::string hint) {
  if (full()) {
    ++dropped_;
    return;
  }
  diagnostics_.push_back({span, std::move(message), std::move(hint)});
}

std::vector<Diagnostic> Diagnostics::sorted() const {
  std::vector<std::size_t> order(diagnostics_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return diagnostics_[a].span.begin < diagnostics_[b].span.begin;
  });
  std::vector<Diagnostic> out;
  out.reserve(order.size() + 1);
  for (std::size_t i : order) {
    const Entry& entry = diagnostics_[i];
    auto at = source_.locate(entry.span.begin);
    // The span's length on its first line, in characters, at least 1.
    std::string_view line = source_.line_text(at.line);
    std::uint32_t line_start = static_cast<std::uint32_t>(line.data() - source_.text().data());
    std::uint32_t end = std::min<std::uint32_t>(entry.span.end,
                                                line_start + static_cast<std::uint32_t>(line.size()));
    std::uint32_t length =
        end > entry.span.begin
            ? count_characters(source_.text().substr(entry.span.begin, end - entry.span.begin))
            : 1;
    out.push_back(Diagnostic{source_.name(), at.line, at.column, std::max<std::uint32_t>(length, 1),
                             entry.message, entry.hint});
  }
  if (dropped_ > 0 && !out.empty()) {
    Diagnostic last = out.back();
    last.message = fmt::format("{} more error{} not shown", dropped_, dropped_ == 1 ? "" : "s");
    last.hint.clear();
    out.push_back(std::move(last));
  }
  return out;
}

namespace {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  std::iota(prev.begin(), prev.end(), 0);
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

}  // namespace

std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string_view>& candidates) {
  const std::size_t allowed = std::clamp<std::size_t>(name.size() / 3, 1, 3);
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (std::string_view candidate : candidates) {
    if (candidate == name) continue;
    std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(candidate);
    }
  }
  return best;
}

std::string did_you_mean(std::string_view name, const std::vector<std::string_view>& candidates) {
  auto best = closest_name(name, candidates);
  return best ? fmt::format("did you mean '{}'?", *best) : std::string();
}

}  // namespace loyalty::language
