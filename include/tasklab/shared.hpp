#pragma once
// Shared state is provided by the backend, not by the task (DESIGN.md): ordinary memory
// in-process, an anonymous MAP_SHARED mapping for fork, or copy-on-write memory when the
// user asks for private memory. Whatever lives there must work across processes: plain
// data, lock-free atomics, and tasklab::mutex.
#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tasklab {

/// How the fork backend gives children the shared state.
enum class sharing {
    shared,   // one MAP_SHARED mapping: every child sees every change
    private_copy  // copy-on-write: every child changes its own copy, the parent sees none
};
std::string_view to_string(sharing s) noexcept;

/// A mutex that works between threads and between processes: a process-shared, robust
/// pthread mutex. Place it in shared state; `context::lock` picks the mechanism that fits
/// the backend (an async lock on the coroutine backend, a blocking lock elsewhere).
class mutex {
public:
    mutex();
    ~mutex();
    mutex(const mutex&) = delete;
    mutex& operator=(const mutex&) = delete;

    /// Blocks. Returns true when the previous owner died holding it: the caller owns it
    /// now, should repair the data it guards, then call make_consistent() - until then a
    /// caller dying too leaves the next one the same repair to do.
    bool lock();
    /// Takes the mutex if it is free: nullopt when another owner holds it, otherwise
    /// whether the previous owner died holding it (as lock()).
    std::optional<bool> try_lock();
    /// As lock(), but gives up after about `wait_ns` nanoseconds: nullopt then. (Measured on
    /// the realtime clock, which pthread_mutex_timedlock takes; callers wait in short slices
    /// against the monotonic clock, so a clock step costs one slice at most.)
    std::optional<bool> try_lock_for(std::int64_t wait_ns);
    /// After a lock that returned true, once the guarded data is repaired. Unlocking without
    /// it would make the mutex unusable for good (ENOTRECOVERABLE), so held_lock calls it
    /// on unlock if the task did not.
    void make_consistent();
    void unlock() noexcept;

    /// How many times an owner died holding this mutex (counted in shared memory).
    unsigned recoveries() const noexcept { return recoveries_; }

private:
    pthread_mutex_t native_;
    unsigned recoveries_ = 0;
};

/// Memory for one run's shared state, mapped anonymously and unmapped on destruction.
class shared_region {
public:
    shared_region() = default;
    /// `process_shared` chooses MAP_SHARED (children see each other) over MAP_PRIVATE.
    shared_region(std::size_t bytes, bool process_shared);
    ~shared_region();
    shared_region(shared_region&& other) noexcept;
    shared_region& operator=(shared_region&& other) noexcept;

    void* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

private:
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace tasklab
