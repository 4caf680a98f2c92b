#include "backends/cpu_clock.hpp"

#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "tasklab/clock.hpp"

namespace tasklab::detail {

namespace {

// The anchor is renewed at least this often, so that the two clocks cannot drift apart.
constexpr std::int64_t anchor_lifetime_ns = 1'000'000;

struct watched_event {
    int fd = -1;
    void* page = nullptr;
};

watched_event watch_this_thread() noexcept {
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_DUMMY;  // counts nothing, samples nothing: only the page matters
    attr.exclude_kernel = 1;            // what perf_event_paranoid 2 allows
    attr.exclude_hv = 1;
    const long fd = ::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) return {};
    void* page = ::mmap(nullptr, static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)), PROT_READ, MAP_SHARED,
                        static_cast<int>(fd), 0);
    if (page == MAP_FAILED) {
        ::close(static_cast<int>(fd));
        return {};
    }
    return {static_cast<int>(fd), page};
}

void unwatch(int fd, const void* page) noexcept {
    if (page) ::munmap(const_cast<void*>(page), static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
    if (fd >= 0) ::close(fd);
}

std::uint32_t sequence_of(const perf_event_mmap_page* page) noexcept {
    return __atomic_load_n(&page->lock, __ATOMIC_ACQUIRE);
}

/// Whether this kernel bumps the page's seqlock when it schedules the thread back in: checked
/// once per process, by a sleep that must switch the thread out.
bool kernel_marks_switches(const perf_event_mmap_page* page) noexcept {
    static const bool marks = [page] {
        const auto before = sequence_of(page);
        const timespec nap{0, 1};
        ::nanosleep(&nap, nullptr);
        return sequence_of(page) != before;
    }();
    return marks;
}

}  // namespace

cpu_clock cpu_clock::watching_this_thread() noexcept {
    cpu_clock clock;
    const auto event = watch_this_thread();
    if (!event.page) return clock;
    const auto* page = static_cast<const perf_event_mmap_page*>(event.page);
    if (!kernel_marks_switches(page)) {
        unwatch(event.fd, page);
        return clock;
    }
    clock.fd_ = event.fd;
    clock.page_ = page;
    clock.anchor();
    return clock;
}

cpu_clock::~cpu_clock() { unwatch(fd_, page_); }

cpu_clock::cpu_clock(cpu_clock&& other) noexcept
    : page_(std::exchange(other.page_, nullptr)), fd_(std::exchange(other.fd_, -1)), sequence_(other.sequence_),
      cpu_anchor_(other.cpu_anchor_), mono_anchor_(other.mono_anchor_) {}

std::uint32_t cpu_clock::sequence() const noexcept { return sequence_of(page_); }

void cpu_clock::anchor() noexcept {
    // A kernel reading of the CPU clock with the monotonic time it was taken at: between two
    // monotonic readings, with the seqlock unchanged around all three (no switch in between).
    // The middle of the two is the CPU reading's time to within half the call.
    for (int attempt = 0;; ++attempt) {
        const auto seq = sequence();
        const auto before = monotonic_ns();
        const auto cpu = thread_cpu_ns();
        const auto after = monotonic_ns();
        const bool unswitched = (seq & 1) == 0 && sequence() == seq;
        if ((unswitched && after - before < 20'000) || attempt == 8) {
            // After eight tries the reading stands; a switch it missed forces a new anchor next time.
            sequence_ = unswitched ? seq : seq - 2;
            cpu_anchor_ = cpu;
            mono_anchor_ = before + (after - before) / 2;
            return;
        }
    }
}

std::int64_t cpu_clock::now(std::int64_t mono_now) noexcept {
    if (!page_) return thread_cpu_ns();
    const auto since = mono_now - mono_anchor_;
    if (sequence() == sequence_ && since >= 0 && since < anchor_lifetime_ns) return cpu_anchor_ + since;
    anchor();
    return cpu_anchor_ + std::max<std::int64_t>(0, monotonic_ns() - mono_anchor_);
}

std::int64_t cpu_clock::now() noexcept { return page_ ? now(monotonic_ns()) : thread_cpu_ns(); }

}  // namespace tasklab::detail
