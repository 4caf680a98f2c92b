// A user's own task type, outside the tasklab tree: "checksum" - each task folds its index
// into a small hash, yielding now and then, and the run checks the total.
#include <tasklab/tasklab.hpp>

#include <memory>

namespace {

class checksum_task final : public tasklab::task_type {
public:
    std::string_view name() const override { return "checksum"; }
    std::string_view summary() const override { return "a user's own task type: hash the task's index"; }
    std::size_t default_tasks() const override { return 8; }
    std::unique_ptr<const tasklab::workload> make(const tasklab::scenario_settings&) const override {
        struct work final : tasklab::workload {
            tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
                std::uint64_t h = 14695981039346656037ull;
                for (int round = 0; round < 4; ++round) {
                    h = (h ^ (ctx.index() + round)) * 1099511628211ull;
                    co_await ctx.yield();
                }
                co_return tasklab::task_result{static_cast<std::int64_t>(h % 1000003)};
            }
        };
        return std::make_unique<work>();
    }
};

}  // namespace

int main(int argc, char** argv) {
    tasklab::task_registry registry;
    tasklab::add_builtin_tasks(registry);
    registry.add(std::make_unique<checksum_task>());
    return tasklab::run_cli(registry, argc, argv);
}
