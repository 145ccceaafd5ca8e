// The streaming JSON Lines reader: a fixed buffer refilled from the file, lines cut with memchr,
// each line decoded in place (the buffer keeps simdjson's padding after its end).

#include "loyalty/event_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "io/event_decoder.hpp"

namespace loyalty {

namespace {
constexpr std::size_t initial_buffer_bytes = 4u << 20;
}  // namespace

struct EventReader::Impl {
  std::FILE* file = nullptr;
  bool owns_file = false;
  std::string name;           // for error messages
  std::string memory;         // from_string: the whole text
  bool from_memory = false;

  std::vector<char> buffer;   // capacity + SIMDJSON_PADDING bytes
  std::size_t capacity = 0;   // bytes usable for data
  std::size_t begin = 0;      // unread data is [begin, end)
  std::size_t end = 0;
  bool eof = false;

  std::uint64_t line = 0;
  std::string error;
  std::string_view text;
  std::string long_line_head;  // the start of a line over max_line_bytes
  io::EventDecoder decoder;

  ~Impl() {
    if (owns_file && file != nullptr) std::fclose(file);
  }

  void allocate(std::size_t bytes) {
    capacity = bytes;
    buffer.resize(capacity + simdjson::SIMDJSON_PADDING);
  }

  // Moves the unread data to the front and reads more after it. Returns false at the end of
  // the input.
  bool refill() {
    if (eof) return false;
    if (begin > 0) {
      std::memmove(buffer.data(), buffer.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }
    if (end == capacity) return true;  // full: the caller grows or gives up on the line
    std::size_t got = std::fread(buffer.data() + end, 1, capacity - end, file);
    if (got == 0) {
      if (std::ferror(file)) {
        throw IoError(fmt::format("cannot read {}: {}", name, std::strerror(errno)));
      }
      eof = true;
      return false;
    }
    end += got;
    return true;
  }

  // Finds the next line: [start, start + length). Returns false at the end of the input.
  // A line longer than max_line_bytes is returned cut short, with `too_long` set, and the rest
  // of it is skipped.
  bool next_line(const char*& start, std::size_t& length, bool& too_long) {
    too_long = false;
    std::size_t scanned = begin;
    for (;;) {
      const void* newline = std::memchr(buffer.data() + scanned, '\n', end - scanned);
      if (newline != nullptr) {
        std::size_t at = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer.data());
        start = buffer.data() + begin;
        length = at - begin;
        begin = at + 1;
        return true;
      }
      scanned = end - begin;  // offset of the unscanned part once refill moves data down
      if (!from_memory && end - begin == capacity) {
        if (capacity < EventReader::max_line_bytes) {
          allocate(std::min(capacity * 2, EventReader::max_line_bytes));
        } else {
          return skip_long_line(start, length, too_long);
        }
      }
      if (!refill()) {
        if (begin == end) return false;
        start = buffer.data() + begin;  // the last line has no line break
        length = end - begin;
        begin = end;
        return true;
      }
      scanned += begin;  // refill() moved the data to the front, so begin is 0 now
    }
  }

  // The buffer holds max_line_bytes of one line and no line break: keep the line's first
  // bytes for text(), then drop the rest of it up to and including its line break.
  bool skip_long_line(const char*& start, std::size_t& length, bool& too_long) {
    too_long = true;
    long_line_head.assign(buffer.data() + begin, std::min<std::size_t>(end - begin, 256));
    for (;;) {
      const void* newline = std::memchr(buffer.data() + begin, '\n', end - begin);
      if (newline != nullptr) {
        begin = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer.data()) + 1;
        break;
      }
      begin = end;
      if (!refill()) break;
    }
    start = long_line_head.data();
    length = long_line_head.size();
    return true;
  }
};

EventReader::EventReader(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}

EventReader::EventReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  if (path == "-") {
    impl_->file = stdin;
    impl_->name = "standard input";
  } else {
    impl_->file = std::fopen(path.c_str(), "rb");
    if (impl_->file == nullptr) {
      throw IoError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
    }
    impl_->owns_file = true;
    impl_->name = path;
  }
  impl_->allocate(initial_buffer_bytes);
}

EventReader::EventReader(std::FILE* stream) : impl_(std::make_unique<Impl>()) {
  impl_->file = stream;
  impl_->name = "stream";
  impl_->allocate(initial_buffer_bytes);
}

EventReader EventReader::from_string(std::string_view text) {
  auto impl = std::make_unique<Impl>();
  impl->from_memory = true;
  impl->eof = true;
  impl->name = "text";
  impl->allocate(text.size());
  std::memcpy(impl->buffer.data(), text.data(), text.size());
  impl->end = text.size();
  return EventReader(std::move(impl));
}

EventReader::EventReader(EventReader&&) noexcept = default;
EventReader& EventReader::operator=(EventReader&&) noexcept = default;
EventReader::~EventReader() = default;

EventReader::Status EventReader::next(Event& event) {
  Impl& in = *impl_;
  for (;;) {
    const char* start = nullptr;
    std::size_t length = 0;
    bool too_long = false;
    if (!in.next_line(start, length, too_long)) {
      in.text = {};
      return Status::end;
    }
    ++in.line;
    if (too_long) {
      in.text = std::string_view(start, length);
      in.error = fmt::format("line longer than {} bytes", max_line_bytes);
      return Status::rejected;
    }
    if (length > 0 && start[length - 1] == '\r') --length;
    in.text = std::string_view(start, length);
    if (in.text.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line

    // The padding after the line is the next lines' bytes (or the buffer's spare room):
    // readable, which is all simdjson asks of it.
    const std::size_t room =
        static_cast<std::size_t>(in.buffer.data() + in.buffer.size() - start);
    if (in.decoder.decode(start, length, room, event)) return Status::event;
    in.error = in.decoder.error();
    return Status::rejected;
  }
}

std::uint64_t EventReader::line() const noexcept { return impl_->line; }
const std::string& EventReader::error() const noexcept { return impl_->error; }
std::string_view EventReader::text() const noexcept { return impl_->text; }

}  // namespace loyalty
