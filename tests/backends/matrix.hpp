#pragma once
// Every backend x every task type, asserting the outcomes the lesson is about. Behaviour
// only: overlap, lost updates, correct values, failures recorded - never a speed. Each
// backend's test file runs the matrix on it: TASKLAB_BACKEND_TESTS(fork_backend, "fork").
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "support.hpp"

namespace tasklab::test::matrix {

/// What the models promise, per backend: this is what the tests hold them to.
template <class Backend>
struct promises;
template <>
struct promises<sequential_backend> {
    static constexpr bool overlaps = false, parallel = false, blocking_freezes_others = false;
    static constexpr std::size_t workers = 0;  // 0: a backend that has no fixed number of workers
};
template <>
struct promises<coroutine_backend> {
    // Every task and the heartbeat share the loop's thread: a task that blocks it stops them all.
    static constexpr bool overlaps = true, parallel = false, blocking_freezes_others = true;
    static constexpr std::size_t workers = 0;
};
template <>
struct promises<thread_backend> {
    static constexpr bool overlaps = true, parallel = true, blocking_freezes_others = false;
    static constexpr std::size_t workers = 0;
};
template <>
struct promises<fork_backend> {
    static constexpr bool overlaps = true, parallel = true, blocking_freezes_others = false;
    static constexpr std::size_t workers = 0;
};
template <>
struct promises<pool_backend> {
    // Four worker threads (the scenario's workers): a task at a time on each, in parallel.
    static constexpr bool overlaps = true, parallel = true, blocking_freezes_others = false;
    static constexpr std::size_t workers = 4;
};

/// The scenario as the matrix runs it on Backend: with the promised number of workers.
template <class Backend>
scenario on(scenario s) {
    if (promises<Backend>::workers != 0) s.settings.workers = promises<Backend>::workers;
    return s;
}

/// How many of n tasks that all wait can be in flight at once on Backend.
template <class Backend>
std::size_t in_flight_of(std::size_t n) {
    return promises<Backend>::workers != 0 ? std::min(n, promises<Backend>::workers) : n;
}

/// The shortest a run can take: tasks of these durations taken in order, each by the first of
/// `workers` to be free (a pool's queue).
inline double makespan(const std::vector<double>& durations, std::size_t workers) {
    std::vector<double> free_at(std::max<std::size_t>(1, workers), 0.0);
    for (const double d : durations) *std::min_element(free_at.begin(), free_at.end()) += d;
    return *std::max_element(free_at.begin(), free_at.end());
}

inline void require_all_ok(const run_report& r) {
    for (const auto& rec : r.records) {
        INFO("task " << rec.index << ": " << rec.error);
        REQUIRE(rec.status == task_status::ok);
        REQUIRE(rec.started);
        REQUIRE(rec.end_ns >= rec.start_ns);
    }
}

template <class Backend>
void check_download() {
    // 6 downloads of 1..10 simulated s at 1 simulated s = 40 ms: waits of 40..400 ms.
    const auto s = on<Backend>(make("download", 6, {}, 0.04));
    const auto r = run<Backend>(s);
    require_all_ok(r);
    const auto m = measure(r);

    double sum_s = 0, longest_s = 0;
    std::vector<double> durations;
    for (const auto& rec : r.records) {
        const double want = download_duration(s.settings.seed, rec.index, 1, 10) * 0.04;
        durations.push_back(want);
        CHECK(rec.value == static_cast<std::int64_t>(std::llround(want / 0.04 * 1000)));
        // A task cannot end before its wait is over.
        CHECK(static_cast<double>(rec.end_ns - rec.start_ns) / 1e9 >= want * 0.999);
        sum_s += want;
        longest_s = std::max(longest_s, want);
    }
    CHECK(*r.result.value == std::accumulate(r.records.begin(), r.records.end(), std::int64_t{0},
                                             [](auto a, const auto& rec) { return a + rec.value; }));
    // Waiting uses no CPU worth the name, whichever the model.
    CHECK(m.cpu_s < 0.5 * sum_s);
    if constexpr (promises<Backend>::overlaps) {
        CHECK(m.max_in_flight == in_flight_of<Backend>(6));
        CHECK(m.wall_s < (promises<Backend>::workers != 0 ? 0.7 : 0.5) * sum_s);  // the waits overlapped
        CHECK(m.wall_s >= makespan(durations, in_flight_of<Backend>(6)) * 0.999);
        CHECK(m.concurrency > 2.0);
    } else {
        CHECK(m.max_in_flight == 1);
        CHECK(m.wall_s >= sum_s);  // one after another: at least the sum
        CHECK(m.concurrency == Approx(1.0).margin(0.05));
    }
}

template <class Backend>
void check_fetch() {
    // The downloads of check_download, made real: 6 bodies from the embedded server, each paced
    // to last download task i's time. (The scenario owns the server: it stops with it.)
    const auto s = on<Backend>(make("fetch", 6, {{"size", "3000"}}, 0.04));
    run_options options;
    options.record_waits = true;
    const auto r = Backend{}.run(s, options);
    require_all_ok(r);
    const auto m = measure(r);
    double sum_s = 0, longest_s = 0;
    for (const auto& rec : r.records) {
        CHECK(rec.value == 3000);  // every byte, its checksum checked by the task
        const double want = download_duration(s.settings.seed, rec.index, 1, 10) * 0.04;
        CHECK(static_cast<double>(rec.end_ns - rec.start_ns) / 1e9 >= want * 0.95);
        CHECK(std::any_of(rec.waits.begin(), rec.waits.end(), [](const wait_span& w) { return w.kind == wait_kind::io; }));
        sum_s += want;
        longest_s = std::max(longest_s, want);
    }
    CHECK(r.result.check_passed);
    CHECK(r.result.check == "6 of 6 bodies complete, checksums match");
    if constexpr (promises<Backend>::overlaps) {
        CHECK(m.max_in_flight == in_flight_of<Backend>(6));
        CHECK(m.wall_s < (promises<Backend>::workers != 0 ? 0.7 : 0.5) * sum_s);  // the sockets waited side by side
    } else {
        CHECK(m.max_in_flight == 1);
        CHECK(m.wall_s >= 0.95 * sum_s);
    }
}

template <class Backend>
void check_blocking_download() {
    // The same downloads, each blocking its thread (context::block_for) instead of awaiting.
    const auto s = on<Backend>(make("download", 4, {{"wait", "block"}}, 0.02));
    run_options options;
    options.record_waits = true;
    const auto r = Backend{}.run(s, options);
    require_all_ok(r);
    const auto m = measure(r);
    double sum_s = 0, longest_s = 0;
    for (const auto& rec : r.records) {
        const double want = download_duration(s.settings.seed, rec.index, 1, 10) * 0.02;
        CHECK(static_cast<double>(rec.end_ns - rec.start_ns) / 1e9 >= want * 0.999);
        REQUIRE(rec.waits.size() == 1);
        CHECK(rec.waits.front().kind == wait_kind::blocked);
        sum_s += want;
        longest_s = std::max(longest_s, want);
    }
    if constexpr (promises<Backend>::overlaps && !promises<Backend>::blocking_freezes_others) {
        CHECK(m.max_in_flight == 4);  // a thread (or process) each: one blocked thread stops nobody
        CHECK(m.wall_s < 0.8 * sum_s);
    } else {
        CHECK(m.max_in_flight == 1);  // one thread, blocked by each task in turn: the sum
        CHECK(m.wall_s >= sum_s * 0.999);
    }
    // The loop's heartbeat waited too. (Elsewhere its lag says how busy the machine was - a
    // fork under a sanitizer, say - not what the tasks did: the overlap above is the proof.)
    if constexpr (promises<Backend>::blocking_freezes_others) CHECK(m.heartbeat_max_lag_s >= 0.8 * longest_s);
}

template <class Backend>
void check_deposit(const char* sync, std::size_t tasks) {
    // Hold 50 ms real: long enough that a child or thread started later still finds the
    // others inside their critical section.
    const auto s = on<Backend>(make("deposit", tasks, {{"sync", sync}, {"hold", "0.05"}}, 1.0));
    const auto r = run<Backend>(s);
    require_all_ok(r);
    REQUIRE(r.result.shared);
    const auto& shared = *r.result.shared;
    CHECK(shared.expected == static_cast<std::int64_t>(tasks));
    if (std::string_view(sync) == "none" && promises<Backend>::overlaps) {
        CHECK(shared.lost() > 0);
        CHECK(shared.actual < shared.expected);
    } else {
        CHECK(shared.actual == shared.expected);
        CHECK(shared.lost() == 0);
    }
    if (std::string_view(sync) == "lock") {
        // The critical sections never overlapped: sorted by when each task wrote, the values
        // are 1, 2, ..., n.
        std::set<std::int64_t> values;
        for (const auto& rec : r.records) values.insert(rec.value);
        CHECK(values.size() == tasks);
        CHECK(*values.rbegin() == static_cast<std::int64_t>(tasks));
    }
}

template <class Backend>
void check_compute() {
    const std::int64_t n = 200'000'000;
    const auto s = on<Backend>(make("compute", 2, {{"n", std::to_string(n)}}));
    const auto r = run<Backend>(s);
    require_all_ok(r);
    REQUIRE(r.result.value);
    CHECK(*r.result.value == n * (n + 1) / 2);
    CHECK(r.result.check_passed);
    CHECK(r.result.check.find("n(n+1)/2") != std::string::npos);
    const auto m = measure(r);
    // CPU-bound with no yield: on one thread the two parts cannot interleave.
    if constexpr (promises<Backend>::parallel)
        CHECK(m.max_in_flight == 2);
    else
        CHECK(m.max_in_flight == 1);
}

template <class Backend>
void check_failing_task() {
    const auto s = on<Backend>(make("fail", 4, {{"at", "1"}}));
    const auto r = run<Backend>(s);
    REQUIRE(r.records.size() == 4);
    for (const auto& rec : r.records) {
        if (rec.index == 1) {
            CHECK(rec.status == task_status::failed);
            CHECK(rec.error == "task 1 failed on purpose");
        } else {
            CHECK(rec.status == task_status::ok);
            CHECK(rec.value == rec.index);
        }
    }
    const auto m = measure(r);
    CHECK(m.tasks_ok == 3);
    CHECK(m.tasks_failed == 1);
    CHECK(*r.result.value == 0 + 2 + 3);  // the failed task adds nothing
}

template <class Backend>
void check_records_identify_workers() {
    // 100 ms each: long enough that a pool's three tasks are all taken before one ends.
    const auto s = on<Backend>(make("download", 3, {{"min", "1"}, {"max", "1"}}, 0.1));
    const auto r = run<Backend>(s);
    require_all_ok(r);
    std::set<std::int64_t> workers;
    for (const auto& rec : r.records) {
        CHECK(rec.worker > 0);
        workers.insert(rec.worker);
    }
    // One worker for the single-threaded models, one per task for threads, processes and a pool
    // with workers to spare.
    CHECK(workers.size() == (promises<Backend>::parallel ? 3u : 1u));
}

template <class Backend>
void check_no_leaks() {
    const auto fds_before = test::open_fds();
    const auto s = on<Backend>(make("deposit", 8, {{"sync", "lock"}, {"hold", "0.001"}}));
    (void)run<Backend>(s);
    CHECK(test::open_fds() == fds_before);
    CHECK(test::no_children_left());
}

}  // namespace tasklab::test::matrix

/// The matrix on one backend; `label` is its name, the tests' tag.
#define TASKLAB_BACKEND_TESTS(Backend, label)                                                          \
    TEST_CASE(label " backend: download waits overlap exactly when the model is concurrent",           \
              "[" label "][download]") {                                                               \
        tasklab::test::matrix::check_download<Backend>();                                              \
    }                                                                                                  \
    TEST_CASE(label " backend: fetch reads real sockets, paced like download", "[" label "][fetch]") { \
        tasklab::test::matrix::check_fetch<Backend>();                                                 \
    }                                                                                                  \
    TEST_CASE(label " backend: downloads that block their thread", "[" label "][download]") {          \
        tasklab::test::matrix::check_blocking_download<Backend>();                                     \
    }                                                                                                  \
    TEST_CASE(label " backend: deposit without a lock", "[" label "][deposit]") {                      \
        tasklab::test::matrix::check_deposit<Backend>("none", 20);                                     \
    }                                                                                                  \
    TEST_CASE(label " backend: deposit with a lock keeps every deposit", "[" label "][deposit]") {     \
        tasklab::test::matrix::check_deposit<Backend>("lock", 20);                                     \
    }                                                                                                  \
    TEST_CASE(label " backend: deposit with compare-and-swap keeps every deposit", "[" label "][deposit]") { \
        tasklab::test::matrix::check_deposit<Backend>("atomic", 20);                                   \
    }                                                                                                  \
    TEST_CASE(label " backend: compute gets the closed form", "[" label "][compute]") {                \
        tasklab::test::matrix::check_compute<Backend>();                                               \
    }                                                                                                  \
    TEST_CASE(label " backend: a task that throws is a failed record, the others finish", "[" label "][faults]") { \
        tasklab::test::matrix::check_failing_task<Backend>();                                          \
    }                                                                                                  \
    TEST_CASE(label " backend: records name their worker", "[" label "]") {                            \
        tasklab::test::matrix::check_records_identify_workers<Backend>();                              \
    }                                                                                                  \
    TEST_CASE(label " backend: a run leaves no fd and no child behind", "[" label "]") {               \
        tasklab::test::matrix::check_no_leaks<Backend>();                                              \
    }
