// What a fork costs grows with the parent: fork() copies the parent's page tables, so a parent
// that has touched more memory pays more for every child, even though no page is copied until
// someone writes to it. This program runs the same 100 empty tasks on the fork backend with the
// parent holding 0, 256 MiB and 1 GiB of touched memory, and prints the time per child.
//
//   example_fork_cost [max MiB]   (default 1024; the test runs it with a smaller parent)
#include <tasklab/tasklab.hpp>

#include <fmt/core.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace {

// A task that does nothing: whatever the run costs is the backend's own cost per task.
class empty_task final : public tasklab::task_type {
public:
    std::string_view name() const override { return "empty"; }
    std::string_view summary() const override { return "returns at once"; }
    std::unique_ptr<const tasklab::workload> make(const tasklab::scenario_settings&) const override {
        struct work final : tasklab::workload {
            tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
                co_return tasklab::task_result{static_cast<std::int64_t>(ctx.index())};
            }
        };
        return std::make_unique<work>();
    }
};

// Anonymous memory with every page written, in 4 KiB pages (huge pages would need 512 times
// fewer page-table entries and hide the effect this program is about).
struct touched_memory {
    explicit touched_memory(std::size_t mib) : bytes(mib << 20) {
        if (bytes == 0) return;
        data = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (data == MAP_FAILED) throw std::runtime_error("mmap failed");
        ::madvise(data, bytes, MADV_NOHUGEPAGE);
        std::memset(data, 1, bytes);
    }
    ~touched_memory() { if (bytes != 0) ::munmap(data, bytes); }
    std::size_t bytes;
    void* data = nullptr;
};

}  // namespace

int main(int argc, char** argv) {
    const std::size_t max_mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
    const std::size_t tasks = 100, runs = 5;
    const empty_task type;
    tasklab::scenario_settings settings;
    settings.tasks = tasks;
    const auto s = tasklab::make_scenario(type, settings);
    tasklab::fork_backend fork;

    fmt::print("{} empty tasks on the fork backend, median of {} runs\n\n", tasks, runs);
    fmt::print("{:>16}  {:>14}  {:>12}\n", "parent touched", "per child", "vs 0 MiB");
    double base_us = 0;
    for (std::size_t mib : {std::size_t{0}, max_mib / 4, max_mib}) {
        const touched_memory ballast(mib);
        std::vector<double> per_child_us;
        for (std::size_t r = 0; r < runs; ++r) {
            const auto report = fork.run(s);
            const auto m = tasklab::measure(report);
            if (m.tasks_ok != tasks) {
                fmt::print("expected {} tasks to succeed, {} did\n", tasks, m.tasks_ok);
                return 1;
            }
            per_child_us.push_back(m.wall_s / tasks * 1e6);
        }
        std::sort(per_child_us.begin(), per_child_us.end());
        const double median = per_child_us[runs / 2];
        if (mib == 0) base_us = median;
        fmt::print("{:>12} MiB  {:>11.0f} µs  {:>11.2f}x\n", mib, median, median / base_us);
    }
    fmt::print("\nThe pages are shared copy-on-write; the page tables that map them are not.\n");
    return 0;
}
