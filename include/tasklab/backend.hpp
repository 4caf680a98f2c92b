#pragma once
// Where and how tasks run. A backend turns a scenario into a run report and knows nothing of
// task types, renderers or argv.
#include <cstddef>
#include <span>
#include <string_view>

#include "tasklab/report.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab {

inline constexpr std::size_t unbounded = static_cast<std::size_t>(-1);

class backend {
public:
    virtual ~backend() = default;

    virtual std::string_view name() const noexcept = 0;
    virtual std::string_view summary() const noexcept = 0;
    /// How many tasks it can have in flight at once (1 for sequential).
    virtual std::size_t concurrency_limit() const noexcept = 0;
    /// The most tasks one run may ask for; larger scenarios are refused before running.
    virtual std::size_t task_limit() const noexcept { return max_tasks; }
    /// Whether it can give tasks private (copy-on-write) memory: only separate processes can.
    virtual bool supports(sharing s) const noexcept { return s == sharing::shared; }

    /// Throws usage_error if this backend cannot run the scenario (too many tasks, private
    /// memory in one process). run() checks too; callers comparing several backends check
    /// them all first, so that nothing runs when one of them would refuse.
    void check(const scenario& s) const;

    /// Runs every task of the scenario and reports. Task failures become failed records;
    /// only a broken scenario (one the backend does not support) throws usage_error.
    run_report run(const scenario& s);

protected:
    /// A backend's own reasons to refuse a scenario (throw usage_error); called by check().
    virtual void check_backend(const scenario& /*s*/) const {}

    /// Runs the tasks; each fills records[i] (index preset). `origin_ns` is the run's start.
    virtual void execute(const scenario& s, void* shared_state, std::span<task_record> records,
                         std::int64_t origin_ns) = 0;
};

}  // namespace tasklab
