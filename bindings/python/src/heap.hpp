#pragma once
// The C library's heap in transparent huge pages while the engine works in bulk.
//
// An engine's members and their lots are hundreds of megabytes of small blocks from malloc.
// The command line links jemalloc, set to back them with 2 MiB pages; a Python process has the
// C library's malloc, which uses 4 KiB pages unless GLIBC_TUNABLES=glibc.malloc.hugetlb=1 was
// set before the interpreter started. With 4 KiB pages a first bulk run spends about a third
// of its time in page faults and TLB misses.
//
// So, as that tunable would, process_many and process_file mark the heap MADV_HUGEPAGE as it
// grows (the kernel backs it with huge pages where transparent huge pages are "always" or
// "madvise"), after asking malloc to grow it in steps of kGrowth, so that most of each step
// is advised before it is first touched. Both are process-wide settings of the C library:
// loyalty.set_huge_pages(False) turns this off before the first bulk run.

namespace loyalty::python::heap {

/// Whether bulk runs advise the heap (true unless set_enabled(false)).
[[nodiscard]] bool enabled() noexcept;
void set_enabled(bool on) noexcept;

/// Notes where the heap ends now (at import): advise() marks it from there.
void note_start() noexcept;

/// Marks the heap grown since the last call MADV_HUGEPAGE; on the first call, sets malloc's
/// growth step. Cheap when the heap has not grown. Does nothing when disabled, or on a system
/// other than Linux with the GNU C library. Thread-safe.
void advise() noexcept;

}  // namespace loyalty::python::heap
