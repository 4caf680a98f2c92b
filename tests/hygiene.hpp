#pragma once
// For cases that make processes, threads or descriptors (Catch2 assertions inside, so only the
// test runner links this): a watchdog that bounds the case, and a check that it left the
// process as it found it.
#include <signal.h>

#include <cstddef>

namespace tasklab::test {

/// Kills the test binary if the case outlives `seconds`; a signal, not a thread, because
/// the fork backend refuses to run in a multi-threaded process.
class watchdog {
public:
    explicit watchdog(unsigned seconds);
    ~watchdog();
    watchdog(const watchdog&) = delete;
    watchdog& operator=(const watchdog&) = delete;

private:
    struct sigaction saved_ {};
};

/// Descriptors and threads before a case, checked after it, with the zombies.
class hygiene {
public:
    hygiene();
    /// CHECKs: no child left (not even a zombie), no descriptor and no thread more than before.
    void check() const;

private:
    std::size_t fds_, threads_;
};

}  // namespace tasklab::test
