#pragma once
// Where and how tasks run. A backend turns a scenario into a run report and knows nothing of
// task types, renderers or argv. It is a driver (tasklab/driver.hpp) plus its execute(); one
// can be written outside the tree from the installed headers (docs/extending.md).
#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tasklab/context.hpp"
#include "tasklab/heartbeat.hpp"
#include "tasklab/report.hpp"
#include "tasklab/scenario.hpp"

namespace tasklab {

inline constexpr std::size_t unbounded = static_cast<std::size_t>(-1);

/// What a caller may ask of one run beyond the scenario.
struct run_options {
    /// Keep every task's wait spans (for timelines and traces); costs memory per wait.
    bool record_waits = false;
    /// Called with (tasks done, tasks) from the heartbeat, about once a millisecond and
    /// possibly from another thread: keep it short and rate-limit any drawing.
    std::function<void(std::size_t, std::size_t)> progress;
    /// Stops the run when requested (from another thread): running tasks are cancelled,
    /// tasks not yet started never start, and the report holds what was done.
    std::stop_token stop;
    /// The same for a signal handler, which may only store to a lock-free atomic: a non-zero
    /// value stops the run, and the report names it as a signal number (see tasklab_cli).
    const std::atomic<int>* stop_signal = nullptr;
    /// How long a task asked to stop (timed out, or the run stopped) has to end before the
    /// backend stops waiting for it: fork sends SIGKILL after SIGTERM, thread abandons the
    /// thread (it cannot be killed) and reports it as overrunning. Real time.
    std::chrono::nanoseconds grace = std::chrono::milliseconds(500);
    /// A test seam: creating the thread or process of this task index (and of every later
    /// one) fails with EAGAIN, as when a limit is reached (root ignores RLIMIT_NPROC). The
    /// CLI sets it from TASKLAB_TEST_FAIL_CREATION_AT.
    std::size_t fail_creation_at = unbounded;
};

/// Why `options` asks the run to stop - "SIGINT", "signal 40", "stop requested" - or "".
std::string stop_asked_by(const run_options& options);

/// settings.timeout (simulated seconds) in real nanoseconds; 0 when there is none.
std::int64_t real_timeout_ns(const scenario_settings& settings) noexcept;

/// Everything a backend's execute() works with during one run. Made by backend::run().
class run_state {
public:
    run_state(const scenario& s, void* shared_state, std::span<task_record> records, std::int64_t origin_ns,
              const run_options& options)
        : s(s), shared_state(shared_state), records(records), origin_ns(origin_ns), options(options),
          heartbeat(origin_ns), timeout_ns(real_timeout_ns(s.settings)) {}
    run_state(const run_state&) = delete;
    run_state& operator=(const run_state&) = delete;

    const scenario& s;
    void* const shared_state;
    const std::span<task_record> records;  // records[i].index == i, preset
    const std::int64_t origin_ns;          // the run's start, monotonic clock
    const run_options& options;
    heartbeat_recorder heartbeat;          // tick() it from one place at a time
    resource_usage children;               // fork: the children's peak memory
    /// The per-task timeout in real nanoseconds (0: none).
    const std::int64_t timeout_ns;

    /// Counts a task done (spawn_task and not_started call it). Safe from any thread.
    void task_done() noexcept;
    bool all_done() const noexcept { return done_.load(std::memory_order_acquire) >= records.size(); }
    /// Called, on the thread that ends it, once the last task is done: an event loop's
    /// backend ends its heartbeat with it, so that the run ends with its last task.
    std::function<void()> when_all_done;
    /// Task `index` will not run: cancelled (the run stopped first) or failed (its thread or
    /// process could not be made), saying why. Counts it done.
    void not_started(std::size_t index, std::string reason, task_status status = task_status::cancelled) noexcept;

    /// One heartbeat tick at `now_ns`; also reports progress, and polls the stop asked for in
    /// run_options (poll_stop), so a stop takes effect within a tick.
    void tick(std::int64_t now_ns);

    /// The run's own stop. Task contexts get its token, or one linked to it; it is requested
    /// when options.stop or options.stop_signal asks (poll_stop).
    std::stop_source stop;
    /// Turns options.stop / options.stop_signal into a request on `stop`; true once stopped.
    /// Safe from any thread.
    bool poll_stop() noexcept;

    /// A task's thread that ignored its stop request and was left running, with the record to
    /// report for it. run() then keeps every resource a task can reach alive for the rest of
    /// the process, since that thread may still use them. Called by execute()'s thread only.
    void abandon(task_record record);
    const std::vector<task_record>& abandoned() const noexcept { return abandoned_; }
    /// "" if the run was not stopped, else why: "SIGINT", "signal 40", "stop requested".
    /// Read it after execute() returns.
    const std::string& stopped_by() const noexcept { return stopped_by_; }

private:
    std::atomic<std::size_t> done_{0};
    std::atomic<bool> stopping_{false};
    std::string stopped_by_;
    std::vector<task_record> abandoned_;
};

/// Starts task ctx.index() of its run on `executor`. When it ends, its record holds its times,
/// worker, CPU time, waits, status and value, and the run has counted it done: whatever the
/// task threw is its failed (or cancelled) record, and a task that could not even be started
/// is a failed record too. `ctx` must outlive the task.
void spawn_task(const asio::any_io_executor& executor, context& ctx) noexcept;

/// spawn_task, then runs `loop` until the task has ended: for a loop that runs this one task
/// (sequential, thread, a fork child). Whatever happens, the task is counted done once.
void run_task(asio::io_context& loop, context& ctx) noexcept;

/// Task `index` on the calling thread, which it has to itself until the task ends (a thread of
/// the thread backend, a pool's worker): a context over `driver` with `stop`, run by an
/// io_context of its own - which, running only a coroutine whose waits block, makes no reactor
/// and opens no descriptor. Counted done whatever happens, a failed record if even the loop
/// cannot be made.
void run_task_on_this_thread(run_state& run, std::uint32_t index, driver& driver, std::stop_token stop) noexcept;

/// Runs every task of the run one after another on the calling thread, each through `driver`
/// with run_task, until a stop is noticed: the tasks not begun by then are recorded as not
/// started. The whole of a backend that runs one task at a time (sequential).
void run_one_after_another(run_state& run, driver& driver);

/// Ticks the run's heartbeat on a thread of its own, from construction until destruction: for
/// a backend whose tasks block the threads they run on (sequential, thread). Its lag is how
/// late the process let it run.
class heartbeat_thread {
public:
    explicit heartbeat_thread(run_state& run);
    ~heartbeat_thread();
    heartbeat_thread(const heartbeat_thread&) = delete;
    heartbeat_thread& operator=(const heartbeat_thread&) = delete;

private:
    std::jthread thread_;
};

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
    /// Whether a task that crashes takes only itself down (its own process).
    virtual bool isolates_tasks() const noexcept { return false; }
    /// Whether a task that never yields can be stopped or left behind while the run goes on.
    virtual bool preempts_tasks() const noexcept { return false; }
    /// What runs the tasks, and whether several tasks are in flight on one of them at once
    /// (coroutines on one thread): how a trace or a timeline lays out its lanes.
    virtual worker_kind workers() const noexcept { return worker_kind::thread; }
    virtual bool interleaves_tasks() const noexcept { return false; }

    /// Throws usage_error if this backend cannot run the scenario (too many tasks, private
    /// memory in one process). run() checks too; callers comparing several backends check
    /// them all first, so that nothing runs when one of them would refuse.
    void check(const scenario& s) const;

    /// Runs every task of the scenario and reports. Task failures become failed records;
    /// only a broken scenario (one the backend does not support) throws usage_error.
    run_report run(const scenario& s, const run_options& options = {}) const;

protected:
    /// A backend's own reasons to refuse a scenario (throw usage_error); called by check().
    virtual void check_backend(const scenario& /*s*/) const {}

    /// Runs the tasks: one context per task over the backend's driver, each task started with
    /// spawn_task or run_task (which fill its record and count it done) or counted with
    /// run.not_started; and run.tick() every heartbeat_period_ns beside the tasks until all
    /// are done.
    virtual void execute(run_state& run) const = 0;
};

}  // namespace tasklab
