#include "tasklab/format/trace.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <variant>

#include "tasklab/version.hpp"

namespace tasklab::format {

namespace {

using nlohmann::json;

/// Where a run's tasks go in the trace, from what its backend said of itself (run_report::
/// workers, ::interleaved): a backend this file has never heard of is placed by the same rule.
enum class layout {
    threads,      // one synthetic process; tasks on the OS thread that ran them
    interleaved,  // one synthetic process; one synthetic track per task (they share threads)
    processes,    // each task in its own real process (pid = tid = the child's pid)
};

layout layout_of(const run_report& run) {
    if (run.workers == worker_kind::process) return layout::processes;
    return run.interleaved ? layout::interleaved : layout::threads;
}

/// Synthetic tracks of interleaved tasks: far above any real thread id the kernel hands out by default.
constexpr std::int64_t interleaved_tid_base = 1'000'000;

json metadata(std::string_view what, std::int64_t pid, std::int64_t tid, json args) {
    return json{{"ph", "M"}, {"name", what}, {"pid", pid}, {"tid", tid}, {"args", std::move(args)}};
}

json parameters(const comparison& c) {
    json out = json::object();
    for (const auto& [name, value] : c.settings.params.all())
        std::visit([&, &name = name](const auto& v) { out[name] = v; }, value);
    return out;
}

}  // namespace

std::string trace(const comparison& c) {
    // One time axis for all: microseconds since the first backend's run began.
    std::int64_t earliest = std::numeric_limits<std::int64_t>::max();
    for (const auto& r : c.results)
        if (!r.runs.empty()) earliest = std::min(earliest, r.representative().origin_ns);
    const auto micros = [&](const run_report& run, std::int64_t at_ns) {
        return static_cast<double>(run.origin_ns - earliest + at_ns) / 1000.0;
    };

    // Synthetic pids 1, 2, 3... in report order, skipping any pid a fork child really had.
    std::set<std::int64_t> real_pids;
    for (const auto& r : c.results)
        if (!r.runs.empty() && layout_of(r.representative()) == layout::processes)
            for (const auto& rec : r.representative().records)
                if (rec.started) real_pids.insert(rec.worker);
    std::int64_t next_pid = 1;
    const auto synthetic_pid = [&] {
        while (real_pids.count(next_pid) > 0) ++next_pid;
        return next_pid++;
    };

    const json params = parameters(c);
    json events = json::array();
    std::int64_t sort_index = 0;
    for (const auto& r : c.results) {
        if (r.runs.empty()) continue;
        const auto& run = r.representative();
        const layout how = layout_of(run);
        std::int64_t pid = 0;
        if (how != layout::processes) {
            pid = synthetic_pid();
            events.push_back(metadata("process_name", pid, 0, {{"name", fmt::format("{} backend", run.backend)}}));
            events.push_back(metadata("process_sort_index", pid, 0, {{"sort_index", sort_index++}}));
        }
        std::set<std::int64_t> named_threads;
        for (const auto& rec : run.records) {
            if (!rec.started) continue;
            std::int64_t tid = rec.worker;
            switch (how) {
            case layout::threads:
                if (named_threads.insert(tid).second)
                    events.push_back(metadata("thread_name", pid, tid,
                                              {{"name", fmt::format("{} thread {}", run.backend, tid)}}));
                break;
            case layout::interleaved:
                tid = interleaved_tid_base + static_cast<std::int64_t>(rec.index);
                events.push_back(metadata("thread_name", pid, tid,
                                          {{"name", fmt::format("task {}", rec.index)}, {"os_tid", rec.worker}}));
                events.push_back(metadata("thread_sort_index", pid, tid, {{"sort_index", rec.index}}));
                break;
            case layout::processes:
                pid = rec.worker;
                events.push_back(
                    metadata("process_name", pid, tid, {{"name", fmt::format("fork child task {}", rec.index)}}));
                events.push_back(metadata("process_sort_index", pid, tid, {{"sort_index", sort_index++}}));
                events.push_back(metadata("thread_name", pid, tid, {{"name", fmt::format("task {}", rec.index)}}));
                break;
            }

            const std::int64_t end_ns = std::max(rec.end_ns, rec.start_ns);
            json args{{"index", rec.index},
                      {"status", to_string(rec.status)},
                      {"value", rec.value},
                      {"params", params},
                      {"worker", rec.worker}};
            if (!rec.error.empty()) args["error"] = rec.error;
            if (rec.cpu_ns >= 0) args["cpu_ms"] = static_cast<double>(rec.cpu_ns) / 1e6;
            if (how == layout::interleaved) args["os_tid"] = rec.worker;
            if (rec.waits_truncated) args["waits_truncated"] = true;
            events.push_back(json{{"ph", "X"},
                                  {"name", fmt::format("task {}", rec.index)},
                                  {"cat", run.backend},
                                  {"ts", micros(run, rec.start_ns)},
                                  {"dur", static_cast<double>(end_ns - rec.start_ns) / 1000.0},
                                  {"pid", pid},
                                  {"tid", tid},
                                  {"args", std::move(args)}});

            // Waits nest inside their task: clipped to it, so viewers stack them under it.
            for (const auto& w : rec.waits) {
                const std::int64_t a = std::clamp(w.start_ns, rec.start_ns, end_ns);
                const std::int64_t b = std::clamp(w.end_ns, a, end_ns);
                events.push_back(json{{"ph", "X"},
                                      {"name", to_string(w.kind)},
                                      {"cat", "wait"},
                                      {"ts", micros(run, a)},
                                      {"dur", static_cast<double>(b - a) / 1000.0},
                                      {"pid", pid},
                                      {"tid", tid},
                                      {"args", {{"task", rec.index}}}});
            }
        }
    }

    std::vector<std::string> backends;
    for (const auto& r : c.results) backends.push_back(r.backend);
    json doc{{"traceEvents", std::move(events)},
             {"displayTimeUnit", "ms"},
             {"otherData",
              {{"tool", "tasklab"},
               {"version", tasklab::version},
               {"task", c.settings.task},
               {"tasks", c.settings.tasks},
               {"seed", c.settings.seed},
               {"time_scale", c.settings.time_scale},
               {"params", params},
               {"backends", backends}}}};
    return doc.dump();
}

}  // namespace tasklab::format
