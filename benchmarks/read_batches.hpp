#pragma once
// Reading a JSON Lines file a batch at a time, as `loyalty run` does, for the benchmarks.

#include <cstddef>
#include <span>
#include <vector>

#include "loyalty/event.hpp"
#include "loyalty/event_reader.hpp"

namespace loyalty::bench {

constexpr std::size_t kBatch = 256;  // events read before they are processed (as loyalty run)

/// Calls `send(events)` with each batch of events read from `reader`, up to kBatch at a time,
/// until the first line that is not an event; returns how many events it sent.
template <class Send>
std::size_t read_batches(EventReader& reader, Send send) {
  std::vector<Event> batch(kBatch);
  std::size_t count = 0;
  for (bool more = true; more;) {
    std::size_t n = 0;
    while (n < batch.size()) {
      if (reader.next(batch[n]) != EventReader::Status::event) {
        more = false;
        break;
      }
      ++n;
    }
    if (n == 0) break;
    send(std::span<const Event>(batch.data(), n));
    count += n;
  }
  return count;
}

}  // namespace loyalty::bench
