#pragma once
// Faults on purpose, for learners and for the tests: chosen tasks throw, crash, hang or spin,
// so that what each backend does with them can be watched (docs/failures.md). Any task type
// takes them; the scenario wraps its workload.
#include <csignal>
#include <cstddef>
#include <string>
#include <vector>

namespace tasklab {

struct fault_plan {
    std::vector<std::size_t> fail;   // these tasks throw at their start
    double fail_rate = 0;            // and each task no list names throws with this probability (seeded)
    std::vector<std::size_t> crash;  // these tasks' processes die of crash_signal at their
                                     // first wait (inside the lock, for deposit --sync lock)
    int crash_signal = SIGSEGV;
    std::vector<std::size_t> hang;   // these tasks wait forever: a timeout or a stop ends them
    std::vector<std::size_t> spin;   // these tasks compute forever and ignore every stop

    bool empty() const noexcept {
        return fail.empty() && fail_rate == 0 && crash.empty() && hang.empty() && spin.empty();
    }
};

/// "SEGV" -> SIGSEGV for the signals a crash may be asked to die of (SEGV, KILL, ABRT, BUS, FPE,
/// ILL, TERM); 0 for anything else.
int crash_signal_by_name(const std::string& name) noexcept;

}  // namespace tasklab
