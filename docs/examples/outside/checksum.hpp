// A task type of the project's own: each task folds its index into a small hash, yielding
// between rounds, and the run checks the total against the same hash computed here.
#pragma once
#include <tasklab/tasklab.hpp>

#include <cstdint>
#include <memory>
#include <span>

inline std::int64_t checksum_of(std::size_t index) {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (std::uint64_t round = 0; round < 4; ++round) h = (h ^ (index + round)) * 1099511628211ull;
    return static_cast<std::int64_t>(h % 1000003);
}

class checksum_task final : public tasklab::task_type {
public:
    std::string_view name() const override { return "checksum"; }
    std::string_view summary() const override { return "hash each task's index in four rounds, yielding between them"; }
    std::size_t default_tasks() const override { return 8; }

    std::unique_ptr<const tasklab::workload> make(const tasklab::scenario_settings&) const override {
        return std::make_unique<work>();
    }

private:
    struct work final : tasklab::workload {
        tasklab::awaitable<tasklab::task_result> run(tasklab::context& ctx) const override {
            for (int round = 0; round < 4; ++round) co_await ctx.yield();  // other tasks may run here
            co_return tasklab::task_result{checksum_of(ctx.index())};
        }

        tasklab::outcome conclude(std::span<const tasklab::task_record> records, const void* shared) const override {
            auto o = workload::conclude(records, shared);  // value: the sum of what the tasks returned
            std::int64_t expected = 0;
            for (std::size_t i = 0; i < records.size(); ++i) expected += checksum_of(i);
            o.check_passed = o.value == expected;
            o.check = o.check_passed ? "every task's checksum" : "a checksum is missing or wrong";
            return o;
        }
    };
};
