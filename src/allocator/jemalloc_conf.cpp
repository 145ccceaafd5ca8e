// jemalloc's settings for the programs that link it (the command line and the benchmarks; the
// library itself leaves the allocator to its host). jemalloc reads this symbol once, when it
// starts, before the first allocation.
//
// thp:always lets the heap use transparent huge pages: an engine holding 100,000 members takes
// hundreds of megabytes in small blocks, and with 4 KiB pages a first run spends about a third
// of its time in page faults and the rest waiting on the TLB (README, "Performance").
// metadata_thp:auto does the same for jemalloc's own tables once they are large.

extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's interface
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:auto";
}
