// The Chrome trace: ten downloads on every backend, rendered and parsed back. Tagged [fork]
// because it runs the fork backend (the tsan run leaves those out).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "support.hpp"
#include "tasklab/comparison.hpp"
#include "tasklab/format/trace.hpp"

using namespace tasklab;
using nlohmann::json;

TEST_CASE("trace: ten downloads on every backend", "[trace][fork]") {
    const auto s = test::make_with("download", 10, {{"min", "1"}, {"max", "1"}}, 0.05,
                                   [](scenario_settings& st) { st.workers = 3; });
    const auto backends = test::builtin_backends();
    compare_options options;
    options.run.record_waits = true;
    const comparison c = compare(s, backends, options);
    REQUIRE(c.results.size() == backend_names().size());

    const json doc = json::parse(format::trace(c));
    REQUIRE(doc.is_object());
    CHECK(doc.at("displayTimeUnit") == "ms");
    CHECK(doc.at("otherData").at("tool") == "tasklab");
    CHECK(doc.at("otherData").at("task") == "download");
    CHECK(doc.at("otherData").at("tasks") == 10);
    const json& events = doc.at("traceEvents");
    REQUIRE(events.is_array());

    std::map<std::string, std::vector<json>> tasks;  // by backend (cat)
    std::vector<json> waits;
    std::set<std::string> process_names;
    for (const auto& e : events) {
        INFO(e.dump());
        REQUIRE(e.contains("ph"));
        REQUIRE(e.contains("name"));
        REQUIRE(e.contains("pid"));
        REQUIRE(e.contains("tid"));
        REQUIRE(e.at("pid").is_number_integer());
        REQUIRE(e.at("tid").is_number_integer());
        if (e.at("ph") == "M") {
            if (e.at("name") == "process_name") process_names.insert(e.at("args").at("name").get<std::string>());
            continue;
        }
        REQUIRE(e.at("ph") == "X");
        REQUIRE(e.at("ts").is_number());
        REQUIRE(e.at("dur").is_number());
        CHECK(e.at("ts").get<double>() >= 0);
        CHECK(e.at("dur").get<double>() >= 0);
        if (e.at("cat") == "wait")
            waits.push_back(e);
        else
            tasks[e.at("cat").get<std::string>()].push_back(e);
    }
    for (auto name : {"sequential backend", "coroutine backend", "thread backend", "pool backend"})
        CHECK(process_names.count(name) == 1);
    for (int i = 0; i < 10; ++i) CHECK(process_names.count("fork child task " + std::to_string(i)) == 1);

    REQUIRE(tasks.size() == backend_names().size());
    for (auto name : backend_names()) {
        INFO(name);
        REQUIRE(tasks[std::string(name)].size() == 10);
        for (const auto& t : tasks[std::string(name)]) {
            CHECK(t.at("args").at("status") == "ok");
            CHECK(t.at("args").at("params").at("min") == 1.0);
            CHECK(t.at("args").contains("index"));
            CHECK(t.at("args").contains("worker"));
        }
    }

    const auto start = [](const json& e) { return e.at("ts").get<double>(); };
    const auto end = [](const json& e) { return e.at("ts").get<double>() + e.at("dur").get<double>(); };

    {
        INFO("coroutine tasks: one track each, one OS thread, overlapping");
        const auto& co = tasks["coroutine"];
        std::set<std::int64_t> tids, os_tids, pids;
        double max_start = 0, min_end = 1e300;
        for (const auto& t : co) {
            tids.insert(t.at("tid").get<std::int64_t>());
            pids.insert(t.at("pid").get<std::int64_t>());
            os_tids.insert(t.at("args").at("os_tid").get<std::int64_t>());
            max_start = std::max(max_start, start(t));
            min_end = std::min(min_end, end(t));
        }
        CHECK(tids.size() == 10);
        CHECK(os_tids.size() == 1);
        CHECK(pids.size() == 1);
        CHECK(max_start < min_end);
    }

    {
        INFO("fork tasks: each in its own real process");
        std::set<std::int64_t> pids;
        for (const auto& t : tasks["fork"]) {
            CHECK(t.at("pid") == t.at("tid"));
            CHECK(t.at("pid") == t.at("args").at("worker"));
            pids.insert(t.at("pid").get<std::int64_t>());
        }
        CHECK(pids.size() == 10);
    }

    {
        INFO("sequential and thread tasks: on their real OS threads");
        for (auto name : {"sequential", "thread"}) {
            std::set<std::int64_t> pids;
            for (const auto& t : tasks[name]) {
                CHECK(t.at("tid") == t.at("args").at("worker"));
                pids.insert(t.at("pid").get<std::int64_t>());
            }
            CHECK(pids.size() == 1);
        }
        // Sequential: one after another on one thread.
        auto seq = tasks["sequential"];
        std::sort(seq.begin(), seq.end(), [&](auto& a, auto& b) { return start(a) < start(b); });
        for (std::size_t i = 1; i < seq.size(); ++i) CHECK(start(seq[i]) >= end(seq[i - 1]) - 1e-3);
    }

    {
        INFO("pool tasks: one track per worker thread, three workers, never more than three at once");
        std::set<std::int64_t> tids;
        for (const auto& t : tasks["pool"]) {
            CHECK(t.at("tid") == t.at("args").at("worker"));
            tids.insert(t.at("tid").get<std::int64_t>());
        }
        CHECK(tids.size() == 3);
        for (const auto& t : tasks["pool"]) {
            std::size_t overlapping = 0;
            for (const auto& u : tasks["pool"]) overlapping += start(u) <= start(t) + 1e-3 && end(u) > start(t) + 1e-3;
            CHECK(overlapping <= 3);
        }
    }

    {
        INFO("sleep waits lie within their task");
        std::size_t sleeps = 0;
        for (const auto& w : waits) {
            if (w.at("name") != "sleep") continue;
            ++sleeps;
            const auto index = w.at("args").at("task").get<int>();
            const auto owner = std::find_if(events.begin(), events.end(), [&](const json& e) {
                return e.at("ph") == "X" && e.at("cat") != "wait" && e.at("pid") == w.at("pid") &&
                       e.at("tid") == w.at("tid") && e.at("args").at("index") == index;
            });
            INFO(w.dump());
            REQUIRE(owner != events.end());
            CHECK(start(w) >= start(*owner) - 1e-3);
            CHECK(end(w) <= end(*owner) + 1e-3);
            CHECK(w.at("dur").get<double>() >= 0.9 * 50'000);  // the 1 simulated s at 0.05: 50 ms
        }
        CHECK(sleeps >= 40);  // every task of every backend slept
    }

    {
        INFO("backends follow one another on one time axis (fork ran first, see compare())");
        std::vector<std::pair<double, double>> spans;  // each backend's first start and last end
        for (auto name : backend_names()) {
            double first = 1e300, last = 0;
            for (const auto& t : tasks[std::string(name)]) {
                first = std::min(first, start(t));
                last = std::max(last, end(t));
            }
            spans.emplace_back(first, last);
        }
        std::sort(spans.begin(), spans.end());
        for (std::size_t k = 1; k < spans.size(); ++k) CHECK(spans[k].first >= spans[k - 1].second);
    }
}
