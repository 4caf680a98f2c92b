#include "tasklab/shared.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <system_error>
#include <utility>

namespace tasklab {

std::string_view to_string(sharing s) noexcept { return s == sharing::shared ? "shared" : "private"; }

mutex::mutex() {
    pthread_mutexattr_t attr;
    int rc = ::pthread_mutexattr_init(&attr);
    if (rc == 0) rc = ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (rc == 0) rc = ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (rc == 0) rc = ::pthread_mutex_init(&native_, &attr);
    ::pthread_mutexattr_destroy(&attr);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "a process-shared robust mutex");
}

mutex::~mutex() {
    // Destroying a mutex a dead child still holds is undefined: take it over first.
    const int rc = ::pthread_mutex_trylock(&native_);
    if (rc == EOWNERDEAD) ::pthread_mutex_consistent(&native_);
    if (rc == 0 || rc == EOWNERDEAD) ::pthread_mutex_unlock(&native_);
    ::pthread_mutex_destroy(&native_);
}

namespace {

// After pthread_mutex_lock or _trylock returned rc == 0 or EOWNERDEAD (the caller owns the
// mutex now): whether the previous owner died inside its critical section. The mutex stays
// inconsistent until the caller has repaired what it guards (make_consistent).
bool owner_died(int rc, unsigned& recoveries, const char* what) {
    if (rc == 0) return false;
    if (rc != EOWNERDEAD) throw std::system_error(rc, std::generic_category(), what);
    ++recoveries;  // written only by the lock's owner
    return true;
}

}  // namespace

bool mutex::lock() { return owner_died(::pthread_mutex_lock(&native_), recoveries_, "pthread_mutex_lock"); }

std::optional<bool> mutex::try_lock() {
    const int rc = ::pthread_mutex_trylock(&native_);
    if (rc == EBUSY) return std::nullopt;
    return owner_died(rc, recoveries_, "pthread_mutex_trylock");
}

std::optional<bool> mutex::try_lock_for(std::int64_t wait_ns) {
    // pthread_mutex_timedlock rather than _clocklock (monotonic): ThreadSanitizer knows the
    // former only, and would see every lock taken with the latter as never taken.
    timespec at{};
    ::clock_gettime(CLOCK_REALTIME, &at);
    const std::int64_t ns = at.tv_nsec + std::max<std::int64_t>(0, wait_ns);
    at.tv_sec += static_cast<time_t>(ns / 1'000'000'000);
    at.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    const int rc = ::pthread_mutex_timedlock(&native_, &at);
    if (rc == ETIMEDOUT) return std::nullopt;
    return owner_died(rc, recoveries_, "pthread_mutex_timedlock");
}

void mutex::make_consistent() {
    const int rc = ::pthread_mutex_consistent(&native_);
    if (rc != 0 && rc != EINVAL) throw std::system_error(rc, std::generic_category(), "pthread_mutex_consistent");
}

void mutex::unlock() noexcept { ::pthread_mutex_unlock(&native_); }

shared_region::shared_region(std::size_t bytes, bool process_shared) : size_(bytes) {
    if (bytes == 0) return;
    const int flags = MAP_ANONYMOUS | (process_shared ? MAP_SHARED : MAP_PRIVATE);
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap shared state");
    data_ = p;
}

shared_region::~shared_region() {
    if (data_) ::munmap(data_, size_);
}

shared_region::shared_region(shared_region&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

shared_region& shared_region::operator=(shared_region&& other) noexcept {
    if (this != &other) {
        if (data_) ::munmap(data_, size_);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

}  // namespace tasklab
