#pragma once
// Children stay reapable while a fork backend (or the bench's raw fork baseline) runs.
#include <signal.h>

namespace tasklab::detail {

/// Children must be reapable for their status and CPU time: undo an inherited SIGCHLD
/// SIG_IGN or SA_NOCLDWAIT (with which the kernel reaps them itself, and wait4 fails with
/// ECHILD) for the object's lifetime. Programs that embed run_cli may have set either.
class reapable_children {
public:
    reapable_children() {
        struct sigaction current {};
        if (::sigaction(SIGCHLD, nullptr, &current) == 0 &&
            (current.sa_handler == SIG_IGN || (current.sa_flags & SA_NOCLDWAIT))) {
            saved_ = current;
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            ::sigemptyset(&dfl.sa_mask);
            restore_ = ::sigaction(SIGCHLD, &dfl, nullptr) == 0;
        }
    }
    ~reapable_children() {
        if (restore_) ::sigaction(SIGCHLD, &saved_, nullptr);
    }
    reapable_children(const reapable_children&) = delete;
    reapable_children& operator=(const reapable_children&) = delete;

private:
    struct sigaction saved_ {};
    bool restore_ = false;
};

}  // namespace tasklab::detail
