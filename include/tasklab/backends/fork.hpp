#pragma once
#include "tasklab/backend.hpp"

namespace tasklab {

/// One child process per task, each running its task on a fresh io_context and sending
/// the result back over a pipe. Shared state lives in an anonymous MAP_SHARED mapping
/// (or copy-on-write memory with sharing::private_copy), guarded by robust pthread mutexes.
/// The parent stays single-threaded, reads every pipe, and reaps every child.
class fork_backend final : public backend {
public:
    std::string_view name() const noexcept override { return "fork"; }
    std::string_view summary() const noexcept override;
    std::size_t concurrency_limit() const noexcept override { return unbounded; }
    std::size_t task_limit() const noexcept override { return 10'000; }
    bool supports(sharing) const noexcept override { return true; }
    bool isolates_tasks() const noexcept override { return true; }
    bool preempts_tasks() const noexcept override { return true; }
    worker_kind workers() const noexcept override { return worker_kind::process; }

protected:
    /// Refuses to fork from a process with more than one thread: the child runs the task's
    /// code, which is only safe when no other thread can hold a lock at the moment of fork.
    void check_backend(const scenario& s) const override;
    void execute(run_state& run) const override;
};

}  // namespace tasklab
