#include "tasklab/backends/thread.hpp"


#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <system_error>
#include <thread>
#include <vector>

#include "backends/creation.hpp"
#include "tasklab/clock.hpp"
#include "tasklab/driver.hpp"
#include "tasklab/text.hpp"

namespace tasklab {

std::string_view thread_backend::summary() const noexcept {
    return "one std::jthread per task; waits block that thread: preemptive";
}

namespace {

enum : std::uint8_t { running, finished, abandoned };

/// What the task threads share with the thread that watches them. The task threads own it
/// too (shared_ptr), so a thread left running after its run ended never touches freed memory.
struct watch_board {
    explicit watch_board(std::size_t n)
        : state(new std::atomic<std::uint8_t>[n]()), start_ns(new std::atomic<std::int64_t>[n]()),
          worker(new std::atomic<std::int64_t>[n]()) {}

    void task_finished(std::size_t i) {
        std::uint8_t expected = running;
        // Abandoned already: the watch counted it then, and may be gone.
        if (!state[i].compare_exchange_strong(expected, finished, std::memory_order_acq_rel)) return;
        bool last = false;
        {
            const std::lock_guard lock(m);
            last = ++ended + given_up >= total;
        }
        // Only the last one wakes the watch: ten thousand threads ending together would
        // otherwise wake it ten thousand times, each a switch away from a thread that has work.
        if (last) cv.notify_one();
    }

    /// Every thread is past its task (ended or abandoned); call with `m` held.
    bool all_ended() const noexcept { return ended + given_up >= total; }

    std::unique_ptr<std::atomic<std::uint8_t>[]> state;
    std::unique_ptr<std::atomic<std::int64_t>[]> start_ns;  // monotonic; 0 until the task starts
    std::unique_ptr<std::atomic<std::int64_t>[]> worker;
    blocking_driver driver;  // no state of its own: every thread's task uses this one
    std::mutex m;
    std::condition_variable cv;
    // Under m:
    std::size_t ended = 0;      // threads past their task (finished ones; abandoned ones later, if ever)
    std::size_t given_up = 0;   // threads the watch abandoned
    std::size_t total = SIZE_MAX;  // threads made, once the watch knows
};

/// Watches the running threads until each has finished or been given up on: asks a thread to
/// stop at its deadline or when the run stops, and abandons one that is still running a grace
/// period after that - a thread cannot be killed safely, so it is left to run, and reported.
class thread_watch {
public:
    thread_watch(run_state& run, std::vector<std::jthread>& threads, watch_board& board)
        : run_(run), threads_(threads), board_(board), asked_at_(threads.size(), 0) {}

    void until_all_ended() {
        const std::int64_t grace = run_.options.grace.count();
        const std::int64_t timeout = run_.timeout_ns;
        // Woken by the last thread to end and by the run's stop; the period only paces the
        // deadline checks.
        const auto period = std::chrono::nanoseconds(
            std::clamp<std::int64_t>(std::min(timeout > 0 ? timeout : grace, grace) / 4, 1'000'000, 50'000'000));
        const std::stop_callback wake_on_stop(run_.stop.get_token(), [this] {
            { const std::lock_guard lock(board_.m); }
            board_.cv.notify_one();
        });
        std::unique_lock lock(board_.m);
        board_.total = threads_.size();
        while (!board_.all_ended()) {
            board_.cv.wait_for(lock, period);
            if (timeout == 0 && !run_.stop.stop_requested()) continue;
            lock.unlock();
            check(monotonic_ns(), timeout, grace);
            lock.lock();
        }
    }

private:
    void check(std::int64_t now, std::int64_t timeout, std::int64_t grace) {
        const bool stopping = run_.stop.stop_requested();
        for (std::size_t i = 0; i < threads_.size(); ++i) {
            if (board_.state[i].load(std::memory_order_acquire) != running) continue;
            const std::int64_t started = board_.start_ns[i].load(std::memory_order_acquire);
            if (asked_at_[i] == 0 && (stopping || (timeout > 0 && started != 0 && now >= started + timeout))) {
                // Its own stop while the run goes on: the task reads it as its timeout.
                threads_[i].request_stop();
                asked_at_[i] = now;
            }
            if (asked_at_[i] != 0 && now >= asked_at_[i] + grace) abandon(i, now, started, stopping);
        }
    }

    void abandon(std::size_t i, std::int64_t now, std::int64_t started, bool stopping) {
        std::uint8_t expected = running;
        if (!board_.state[i].compare_exchange_strong(expected, abandoned, std::memory_order_acq_rel)) return;
        {
            const std::lock_guard lock(board_.m);
            ++board_.given_up;
        }
        task_record r;
        r.index = static_cast<std::uint32_t>(i);
        r.started = started != 0;
        r.start_ns = (started != 0 ? started : asked_at_[i]) - run_.origin_ns;
        r.end_ns = now - run_.origin_ns;
        r.worker = board_.worker[i].load(std::memory_order_relaxed);
        r.status = task_status::failed;
        r.error = fmt::format(
            "overran: still running {} after it was asked to stop ({}); its thread was left running, since a "
            "thread cannot be killed safely",
            duration_text(static_cast<double>(now - asked_at_[i]) / 1e9),
            stopping ? "the run was stopped" : "its timeout, " + duration_text(static_cast<double>(run_.timeout_ns) / 1e9));
        run_.abandon(std::move(r));
        threads_[i].detach();
    }

    run_state& run_;
    std::vector<std::jthread>& threads_;
    watch_board& board_;
    std::vector<std::int64_t> asked_at_;  // when thread i was asked to stop; 0: not yet
};

}  // namespace

void thread_backend::execute(run_state& run) const {
    const heartbeat_thread heartbeat(run);
    const std::size_t n = run.records.size();
    auto board = std::make_shared<watch_board>(n);
    std::vector<std::jthread> threads;
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (run.poll_stop()) {
            run.not_started(i, "not started: the run was stopped first");
            continue;
        }
        try {
            if (i >= run.options.fail_creation_at) throw std::system_error(EAGAIN, std::generic_category(), "test seam");
            threads.emplace_back([&run, board, i](std::stop_token stop) {
                board->start_ns[i].store(monotonic_ns(), std::memory_order_release);
                board->worker[i].store(current_thread_id(), std::memory_order_relaxed);
                // The thread's own stop token: the watch asks this one task to stop at its
                // deadline, and every task when the run stops.
                run_task_on_this_thread(run, static_cast<std::uint32_t>(i), board->driver, std::move(stop));
                board->task_finished(i);
            });
        } catch (const std::system_error& e) {
            // Out of threads (EAGAIN): more attempts would fail the same way, so the rest of the
            // tasks are not started either, and the message names the limits to look at.
            const auto why = detail::creation_failure("thread", i, n, e.code().value());
            for (std::size_t j = i; j < n; ++j) run.not_started(j, why, task_status::failed);
            break;
        }
    }
    // The board's slots follow the threads that exist; if creation stopped early, the ones
    // after it were never in use.
    thread_watch watch(run, threads, *board);
    watch.until_all_ended();
    // Join explicitly: a jthread's destructor would first request stop and cut waits short.
    for (auto& t : threads)
        if (t.joinable()) t.join();
}

}  // namespace tasklab
