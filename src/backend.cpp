#include "tasklab/backend.hpp"

#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cmath>
#include <memory>
#include <mutex>
#include <vector>
#include <signal.h>
#include <string.h>

#include "backends/creation.hpp"

#include "tasklab/clock.hpp"
#include "tasklab/errors.hpp"
#include "tasklab/task.hpp"

namespace tasklab {

void backend::check(const scenario& s) const {
    const auto& settings = s.settings;
    if (!s.work) throw usage_error("scenario has no tasks: build it with make_scenario");
    if (!supports(settings.memory))
        throw usage_error(fmt::format("`sharing` {}: the {} backend runs its tasks in one process, whose memory "
                                      "they all share; only fork can give each task its own copy",
                                      to_string(settings.memory), name()));
    if (settings.tasks > task_limit())
        throw usage_error(fmt::format("`tasks` {}: the {} backend runs at most {} tasks", settings.tasks, name(),
                                      task_limit()));
    if (!settings.faults.crash.empty() && !isolates_tasks())
        throw usage_error(fmt::format("`crash` {}: on the {} backend a crash takes the whole tasklab process down, "
                                      "and every other task with it; only fork runs each task in a process of its "
                                      "own (the fork backend)",
                                      settings.faults.crash[0], name()));
    if (!settings.faults.spin.empty() && !preempts_tasks())
        throw usage_error(fmt::format("`spin` {}: on the {} backend a task that never yields keeps the thread it "
                                      "runs on, which nothing - not even a `timeout` - can take back or leave "
                                      "behind (thread and fork can)",
                                      settings.faults.spin[0], name()));
    check_backend(s);
}

std::int64_t real_timeout_ns(const scenario_settings& settings) noexcept {
    const double ns = settings.timeout * settings.time_scale * 1e9;
    if (!(ns > 0)) return 0;
    return ns > 1e18 ? static_cast<std::int64_t>(1e18) : std::max<std::int64_t>(1, std::llround(ns));
}

void run_state::task_done() noexcept {
    const auto done = done_.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (done != records.size() || !when_all_done) return;
    try {
        when_all_done();
    } catch (...) {  // the heartbeat then ends at its next tick instead
    }
}

void run_state::not_started(std::size_t index, std::string reason, task_status status) noexcept {
    auto& record = records[index];
    record.status = status;
    record.started = false;
    record.error = std::move(reason);
    record.start_ns = record.end_ns = monotonic_ns() - origin_ns;
    task_done();
}

std::string_view to_string(worker_kind k) noexcept { return k == worker_kind::process ? "process" : "thread"; }

void run_state::tick(std::int64_t now_ns) {
    heartbeat.tick(now_ns);
    poll_stop();
    if (options.progress) options.progress(done_.load(std::memory_order_relaxed), records.size());
}

std::string stop_asked_by(const run_options& options) {
    const int signal = options.stop_signal ? options.stop_signal->load(std::memory_order_relaxed) : 0;
    if (signal != 0) {
        const char* abbrev = ::sigabbrev_np(signal);
        return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
    }
    return options.stop.stop_requested() ? "stop requested" : "";
}

bool run_state::poll_stop() noexcept {
    if (stopping_.load(std::memory_order_acquire)) return true;
    const bool asked = (options.stop_signal && options.stop_signal->load(std::memory_order_relaxed) != 0) ||
                       options.stop.stop_requested();
    if (!asked) return false;
    if (stopping_.exchange(true, std::memory_order_acq_rel)) return true;  // another thread won
    try {
        stopped_by_ = stop_asked_by(options);
    } catch (...) {  // out of memory: the stop still happens, unnamed
    }
    stop.request_stop();
    return true;
}

heartbeat_thread::heartbeat_thread(run_state& run)
    : thread_([&run](std::stop_token stop) {
          // A condition variable with the stop token, not clock_nanosleep: the run's end wakes
          // it at once, instead of costing every run up to a tick more.
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          while (!stop.stop_requested()) {
              const std::int64_t due = run.heartbeat.next_due();
              cv.wait_until(lock, stop, clock::time_point(std::chrono::nanoseconds(due)), [] { return false; });
              // Stopped before the tick was due: no tick. A tick already due is taken, late
              // as it is: its lag is what the heartbeat is for.
              const auto now = monotonic_ns();
              if (stop.stop_requested() && now < due) break;
              run.tick(now);
          }
      }) {}

heartbeat_thread::~heartbeat_thread() {
    thread_.request_stop();
    thread_.join();
}

void run_state::abandon(task_record record) { abandoned_.push_back(std::move(record)); }

namespace {

/// What a run's tasks can reach: kept in one place so that a run whose thread had to be
/// abandoned can leave all of it alive (see run_state::abandon) - the copies of the scenario
/// and options included, since the task may still read them.
struct run_resources {
    run_resources(const scenario& s, const run_options& o)
        : s(s), options(o), region(s.work->shared().size, s.settings.memory == sharing::shared),
          records(s.settings.tasks) {
        for (std::size_t i = 0; i < records.size(); ++i) records[i].index = static_cast<std::uint32_t>(i);
        if (region.data()) s.work->init_shared(region.data());
    }
    ~run_resources() {
        if (region.data()) s.work->destroy_shared(region.data());
    }
    run_resources(const run_resources&) = delete;
    run_resources& operator=(const run_resources&) = delete;

    const scenario s;
    const run_options options;
    shared_region region;
    std::vector<task_record> records;
};

/// Keeps what a run's abandoned threads may still use alive, and reachable, until the process
/// exits: never destroyed, so no thread can outlive it.
void keep_for_abandoned_threads(std::shared_ptr<void> resources) {
    static std::mutex m;
    static auto* kept = new std::vector<std::shared_ptr<void>>;
    const std::lock_guard lock(m);
    kept->push_back(std::move(resources));
}

}  // namespace

run_report backend::run(const scenario& s, const run_options& options) const {
    check(s);
    auto res = std::make_unique<run_resources>(s, options);

    run_report report;
    report.backend = std::string(name());
    report.workers = workers();
    report.interleaved = interleaves_tasks();
    report.memory = s.settings.memory;

    const bool peak_is_this_runs = reset_peak_rss();
    const auto cpu_before = process_cpu_times();
    const auto origin = monotonic_ns();
    auto state = std::make_unique<run_state>(res->s, res->region.data(), res->records, origin, res->options);
    try {
        execute(*state);
    } catch (const std::system_error& e) {
        // Out of descriptors or memory before or between tasks (an event loop's eventfd, say):
        // name the limit, not only the call that hit it.
        // errno values, in the standard categories or Asio's own ("asio.system").
        const std::string_view category = e.code().category().name();
        const int error = category == "system" || category == "generic" || category == "asio.system" ? e.code().value() : 0;
        if (error != EMFILE && error != ENFILE && error != ENOMEM) throw;
        throw std::runtime_error(fmt::format("the {} backend could not set up its run ({}); {}", name(), e.what(),
                                             detail::limit_that_bit(error)));
    }
    const auto finished = monotonic_ns() - origin;
    const auto cpu_after = process_cpu_times();
    report.origin_ns = origin;
    report.heartbeat = state->heartbeat.summary();
    report.usage = state->children;
    report.usage.peak_rss_kib = peak_rss_kib();
    report.usage.peak_rss_scope = peak_is_this_runs ? "run" : "process lifetime";
    report.usage.voluntary_switches = cpu_after.voluntary_switches - cpu_before.voluntary_switches;
    report.usage.involuntary_switches = cpu_after.involuntary_switches - cpu_before.involuntary_switches;
    report.stopped_by = state->stopped_by();
    const void* const shared_state = res->region.data();  // valid even if leaked below

    if (state->abandoned().empty()) {
        report.records = std::move(res->records);
    } else {
        // A thread still runs a task and may write its record and use the shared state: the
        // report gets a copy, and everything the thread can reach stays alive for the rest of
        // the process (once per such run) - the alternative is a use after free.
        report.records.reserve(res->records.size());
        for (std::size_t i = 0; i < res->records.size(); ++i) {
            const auto& abandoned = state->abandoned();
            const auto it = std::find_if(abandoned.begin(), abandoned.end(),
                                         [i](const task_record& r) { return r.index == i; });
            report.records.push_back(it != abandoned.end() ? *it : res->records[i]);
        }
        keep_for_abandoned_threads(std::shared_ptr<run_state>(std::move(state)));
        keep_for_abandoned_threads(std::shared_ptr<run_resources>(std::move(res)));
    }

    // Wall time ends with the last task, as docs/measurements.md defines it; a run whose
    // tasks never started ends when the backend gave up on them.
    std::int64_t last_end = 0;
    bool any_started = false;
    for (const auto& r : report.records)
        if (r.started) {
            last_end = std::max(last_end, r.end_ns);
            any_started = true;
        }
    report.wall_ns = any_started ? last_end : finished;
    report.cpu_s = cpu_after.total() - cpu_before.total();
    report.window_ns = finished;
    report.result = s.work->conclude(report.records, shared_state);
    return report;
}

}  // namespace tasklab
