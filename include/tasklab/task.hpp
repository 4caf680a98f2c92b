#pragma once
// A task type is written once against this interface and every backend runs it unchanged.
#include <cstddef>
#include <new>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tasklab/context.hpp"
#include "tasklab/params.hpp"
#include "tasklab/report.hpp"

namespace tasklab {

struct scenario_settings;

/// What one task hands back. Small and trivially copyable, so it crosses a pipe as bytes.
struct task_result {
    std::int64_t value = 0;
};
static_assert(std::is_trivially_copyable_v<task_result>);

/// Size and alignment of a run's shared state; size 0 means the tasks share nothing.
struct shared_layout {
    std::size_t size = 0;
    std::size_t align = alignof(std::max_align_t);
};

/// One scenario's tasks, ready to run: made by a task_type from checked settings.
/// Const, because every task (and every fork child) runs the same object concurrently.
class workload {
public:
    virtual ~workload() = default;

    /// The body of task number ctx.index().
    virtual awaitable<task_result> run(context& ctx) const = 0;

    virtual shared_layout shared() const { return {}; }
    /// Constructs the shared state in memory the backend provides, before any task starts.
    virtual void init_shared(void* /*memory*/) const {}
    virtual void destroy_shared(void* /*memory*/) const noexcept {}

    /// After the last task: the reduced value, the shared state's expected vs actual, and a
    /// check of the answer. `shared` is the parent's view (for private memory: untouched).
    virtual outcome conclude(std::span<const task_record> records, const void* shared) const;
};

/// A workload that adds to another one (a fault, a probe) and otherwise is that one: its
/// shared state and its conclusion are the inner workload's. Override run() and call inner().
class workload_wrapper : public workload {
public:
    explicit workload_wrapper(std::shared_ptr<const workload> inner) : inner_(std::move(inner)) {}
    shared_layout shared() const override { return inner_->shared(); }
    void init_shared(void* memory) const override { inner_->init_shared(memory); }
    void destroy_shared(void* memory) const noexcept override { inner_->destroy_shared(memory); }
    outcome conclude(std::span<const task_record> records, const void* shared) const override {
        return inner_->conclude(records, shared);
    }

protected:
    const workload& inner() const noexcept { return *inner_; }

private:
    std::shared_ptr<const workload> inner_;
};

/// A kind of work, registered by name.
class task_type {
public:
    virtual ~task_type() = default;
    virtual std::string_view name() const = 0;
    virtual std::string_view summary() const = 0;
    virtual std::vector<param_spec> params() const { return {}; }
    /// How many tasks a run has when the user does not say.
    virtual std::size_t default_tasks() const { return 4; }
    /// Checks the settings that concern this type (throws usage_error) and builds the tasks.
    virtual std::unique_ptr<const workload> make(const scenario_settings& settings) const = 0;
};

/// Saves a task type the boilerplate of placing its shared state: `Shared` is constructed in
/// the backend's memory before the run and destroyed after it.
template <class Shared>
class workload_with_shared : public workload {
public:
    shared_layout shared() const override { return {sizeof(Shared), alignof(Shared)}; }
    void init_shared(void* memory) const override { new (memory) Shared{}; }
    void destroy_shared(void* memory) const noexcept override { static_cast<Shared*>(memory)->~Shared(); }
};

}  // namespace tasklab
