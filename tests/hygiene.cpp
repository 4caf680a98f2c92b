#include "hygiene.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <thread>

#include "support.hpp"

namespace tasklab::test {
namespace {

extern "C" void watchdog_fired(int) {
    static const char message[] = "\nwatchdog: a test case did not finish in time - a hang, failing the run\n";
    (void)!::write(STDERR_FILENO, message, sizeof message - 1);
    ::_exit(70);
}

// ThreadSanitizer starts a thread of its own when the process first creates one: let that
// happen before counting.
std::size_t warm_up() {
    static const bool once = [] {
        std::thread([] {}).join();
        return true;
    }();
    (void)once;
    return 0;
}

}  // namespace

watchdog::watchdog(unsigned seconds) {
    struct sigaction action {};
    action.sa_handler = watchdog_fired;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(SIGALRM, &action, &saved_);
    ::alarm(seconds);
}

watchdog::~watchdog() {
    ::alarm(0);
    ::sigaction(SIGALRM, &saved_, nullptr);
}

hygiene::hygiene() : fds_((warm_up(), open_fds())), threads_(threads_alive()) {}

void hygiene::check() const {
    CHECK(no_children_left());
    CHECK(open_fds() == fds_);
    // Not more: a thread that was ending when the case began (a sanitizer's, a previous
    // section's) may be gone by now, and that leaks nothing.
    CHECK(threads_alive() <= threads_);
}

}  // namespace tasklab::test
