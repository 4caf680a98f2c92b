// The project's own test, through the library alone: its task type runs on its backend and on
// every built-in one, and its backend runs a built-in task type - each complete and checked.
#include <tasklab/tasklab.hpp>

#include <cstdio>
#include <memory>
#include <vector>

#include "busy_wait.hpp"
#include "checksum.hpp"

namespace {

int failures = 0;

void expect(bool ok, const char* what, std::string_view backend, const tasklab::run_metrics& m) {
    if (ok) return;
    std::printf("FAILED on %.*s: %s (ok %zu, in flight %zu, wall %.3f s, cpu %.3f s)\n",
                static_cast<int>(backend.size()), backend.data(), what, m.tasks_ok, m.max_in_flight, m.wall_s, m.cpu_s);
    ++failures;
}

}  // namespace

int main() {
    tasklab::registry registry;
    tasklab::add_builtin_backends(registry);
    registry.add(std::make_unique<busy_wait_backend>());

    tasklab::scenario_settings settings;
    settings.tasks = 8;
    const auto checksums = tasklab::make_scenario(checksum_task{}, settings);
    for (const auto& backend : registry.backends()) {
        const auto report = backend->run(checksums);
        const auto m = tasklab::measure(report);
        expect(m.tasks_ok == 8, "every checksum task ends ok", backend->name(), m);
        expect(report.result.check_passed, "the checksums add up", backend->name(), m);
    }

    // A built-in task type on the project's backend: ten downloads of 20 ms, one after another,
    // each spinning through its wait. Beside sequential, which sleeps through the same waits,
    // the spinning run burns many times the CPU (a ratio in one run: a loaded machine slows
    // both, and a sleeping wait burns next to nothing however busy the machine is).
    settings.tasks = 10;
    settings.time_scale = 0.01;
    tasklab::download_task downloads;
    const auto s = tasklab::make_scenario(downloads, settings, {{"min", "2"}, {"max", "2"}});
    const auto spinning = tasklab::measure(registry.find_backend("busy-wait")->run(s));
    const auto sleeping = tasklab::measure(registry.find_backend("sequential")->run(s));
    expect(spinning.tasks_ok == 10, "every download ends ok", "busy-wait", spinning);
    expect(spinning.max_in_flight == 1, "one task at a time", "busy-wait", spinning);
    expect(sleeping.tasks_ok == 10, "every download ends ok", "sequential", sleeping);
    expect(spinning.cpu_s > 5 * sleeping.cpu_s, "a spinning wait burns CPU that a sleeping one does not",
           "busy-wait", spinning);

    if (failures == 0) std::printf("outside: checksum on %zu backends, downloads on busy-wait: all as expected\n",
                                   registry.backends().size());
    return failures == 0 ? 0 : 1;
}
