// Issue 3's reports: statistics over runs, the heartbeat, resources, and exports that agree.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"
#include "tasklab/comparison.hpp"
#include "tasklab/heartbeat.hpp"
#include "tasklab/format/csv.hpp"
#include "tasklab/format/json.hpp"
#include "tasklab/format/markdown.hpp"
#include "tasklab/format/table.hpp"

using namespace tasklab;

namespace {

comparison compare_on(std::initializer_list<std::string_view> names, const scenario& s, std::size_t runs = 1,
                      std::size_t warmup = 0) {
    compare_options options;
    options.runs = runs;
    options.warmup = warmup;
    return compare(s, test::builtin_backends(names), options);
}

/// RFC 4180 without quoted line breaks: enough for the CSV tasklab writes.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> row;
        std::string cell;
        bool quoted = false;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const char ch = line[i];
            if (quoted) {
                if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                    cell += '"';
                    ++i;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    cell += ch;
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                row.push_back(cell);
                cell.clear();
            } else {
                cell += ch;
            }
        }
        row.push_back(cell);
        rows.push_back(row);
    }
    return rows;
}

bool row_value_empty(const std::vector<std::string>& row, std::size_t column) { return row.at(column).empty(); }

}  // namespace

TEST_CASE("statistics: mean, sample deviation, median and the propagated ratio", "[stats]") {
    const std::vector<double> v{1, 2, 3, 4};
    const auto s = summarize(v);
    CHECK(s.n == 4);
    CHECK(s.mean == Approx(2.5));
    CHECK(s.median == Approx(2.5));
    CHECK(s.stddev == Approx(1.2909944));
    CHECK(s.min == 1);
    CHECK(s.max == 4);
    const std::vector<double> one{7};
    CHECK(summarize(one).stddev == 0);
    summary_stats slow{3, 10, 1, 10, 9, 11}, fast{3, 2, 0.1, 2, 1.9, 2.1};
    const auto r = ratio_of(slow, fast);
    CHECK(r.ratio == Approx(5));
    CHECK(r.stddev == Approx(5 * std::sqrt(0.01 + 0.0025)));
}

TEST_CASE("comparison: runs, warm-ups, the representative run and the ranking", "[stats]") {
    const auto s = test::make("download", 3, {{"min", "1"}, {"max", "2"}}, 0.01);
    const auto c = compare_on({"sequential", "coroutine"}, s, 3, 1);
    REQUIRE(c.results.size() == 2);
    for (const auto& r : c.results) {
        CHECK(r.runs.size() == 3);  // the warm-up is not kept
        const auto wall = r.stats(&run_metrics::wall_s);
        CHECK(wall.n == 3);
        CHECK(wall.min <= wall.median);
        CHECK(wall.median <= wall.max);
        CHECK(r.representative_metrics().wall_s == Approx(wall.median));
    }
    const auto ranking = rank_by_wall(c);
    REQUIRE(ranking.size() == 1);
    CHECK(ranking[0].faster == "coroutine");
    CHECK(ranking[0].slower == "sequential");
    CHECK(ranking[0].ratio.ratio > 1.5);
    CHECK(ranking[0].ratio.stddev >= 0);
    CHECK(format::table(c).find("coroutine ran") != std::string::npos);
}

TEST_CASE("heartbeat: a late tick moves the next one to the first period boundary after it", "[heartbeat]") {
    heartbeat_recorder h(0);
    CHECK(h.next_due() == heartbeat_period_ns);
    h.tick(3 * heartbeat_period_ns + heartbeat_period_ns / 2);  // 2.5 periods late
    CHECK(h.next_due() == 4 * heartbeat_period_ns);              // not 2: no catch-up burst
    CHECK(heartbeat_recorder::due_after(4 * heartbeat_period_ns, 4 * heartbeat_period_ns) == 5 * heartbeat_period_ns);
    CHECK(heartbeat_recorder::due_after(4 * heartbeat_period_ns, 0) == 5 * heartbeat_period_ns);  // early: the next period
    h.tick(h.next_due());
    const auto s = h.summary();
    CHECK(s.ticks == 2);
    CHECK(s.max_lag_ns == 2 * heartbeat_period_ns + heartbeat_period_ns / 2);
}

TEST_CASE("heartbeat: a coroutine task that never yields freezes the loop", "[coroutine][heartbeat]") {
    const auto s = test::make("compute", 2, {{"n", "400000000"}});
    const auto r = test::run<coroutine_backend>(s);
    const auto m = measure(r);
    REQUIRE(m.tasks_ok == 2);
    CHECK(r.heartbeat.ticks > 0);
    // The ticker shares the loop: it waited at least as long as one task ran.
    CHECK(m.heartbeat_max_lag_s >= 0.8 * m.longest_task_s);
}

TEST_CASE("heartbeat: yields and threads keep it far below a task's length", "[coroutine][thread][heartbeat]") {
    const auto yielding = test::make("compute", 2, {{"n", "400000000"}, {"yield-every", "100000"}});
    const auto plain = test::make("compute", 2, {{"n", "400000000"}});
    for (const auto& r : {test::run<coroutine_backend>(yielding), test::run<thread_backend>(plain)}) {
        INFO(r.backend);
        const auto m = measure(r);
        REQUIRE(m.tasks_ok == 2);
        CHECK(r.heartbeat.ticks > 10);
        CHECK(m.heartbeat_max_lag_s < 0.5 * m.longest_task_s);
    }
}

TEST_CASE("records: CPU time per task where the backend can measure it", "[metrics]") {
    const auto s = test::make("compute", 2, {{"n", "100000000"}});
    for (const auto& r : {test::run<sequential_backend>(s), test::run<thread_backend>(s)}) {
        INFO(r.backend);
        for (const auto& rec : r.records) {
            CHECK(rec.cpu_ns > 0);
            CHECK(rec.cpu_ns <= rec.end_ns - rec.start_ns + 5'000'000);  // a CPU-bound task: about its span
        }
    }
    const auto waiting = test::make("download", 2, {{"min", "1"}, {"max", "1"}}, 0.05);
    const auto r = test::run<coroutine_backend>(waiting);
    for (const auto& rec : r.records) {
        CHECK(rec.cpu_ns >= 0);
        CHECK(rec.cpu_ns < (rec.end_ns - rec.start_ns) / 2);  // it waited, it did not compute
    }
    CHECK(r.usage.peak_rss_kib > 0);
}

TEST_CASE("records: wait spans show sleeping, locking and interleaving", "[coroutine][metrics]") {
    run_options options;
    options.record_waits = true;
    coroutine_backend b;
    const auto d = b.run(test::make("download", 2, {{"min", "1"}, {"max", "1"}}, 0.02), options);
    for (const auto& rec : d.records) {
        REQUIRE(rec.waits.size() == 1);
        CHECK(rec.waits[0].kind == wait_kind::sleep);
        CHECK(rec.waits[0].end_ns - rec.waits[0].start_ns >= 20'000'000 * 0.999);
    }
    const auto l = b.run(test::make("deposit", 3, {{"sync", "lock"}, {"hold", "0.01"}}), options);
    std::size_t lock_waits = 0;
    for (const auto& rec : l.records)
        for (const auto& w : rec.waits) lock_waits += w.kind == wait_kind::lock;
    CHECK(lock_waits == 2);  // the first takes the free lock, the other two wait for it
    const auto y = b.run(test::make("compute", 2, {{"n", "20000000"}, {"yield-every", "100000"}}), options);
    for (const auto& rec : y.records) {
        CHECK_FALSE(rec.waits.empty());
        CHECK(rec.waits.size() < 100);  // 100 yields each, merged into interleaved spans
        for (const auto& w : rec.waits) CHECK(w.kind == wait_kind::interleaved);
    }
}

TEST_CASE("exports: JSON, CSV and Markdown of one comparison agree", "[exports]") {
    const auto s = test::make("deposit", 6, {{"sync", "none"}, {"hold", "0.005"}});
    const auto c = compare_on({"sequential", "coroutine", "thread"}, s, 2);
    const auto doc = nlohmann::json::parse(format::json(c));
    const auto rows = parse_csv(format::csv(c));
    const auto md = format::markdown(c);

    REQUIRE(rows.size() == 1 + c.results.size());
    const auto& header = rows[0];
    const auto col = [&](std::string_view name) {
        const auto it = std::find(header.begin(), header.end(), name);
        REQUIRE(it != header.end());
        return static_cast<std::size_t>(it - header.begin());
    };
    REQUIRE(doc["results"].size() == c.results.size());
    CHECK(doc["scenario"]["runs"] == 2);
    for (std::size_t i = 0; i < c.results.size(); ++i) {
        const auto& j = doc["results"][i];
        const auto& row = rows[i + 1];
        INFO(j["backend"]);
        CHECK(row[col("backend")] == j["backend"].get<std::string>());
        CHECK(std::stod(row[col("wall_s_median")]) == Approx(j["wall_s"].get<double>()));
        CHECK(std::stod(row[col("wall_s_mean")]) == Approx(j["statistics"]["wall_s"]["mean"].get<double>()));
        CHECK(std::stod(row[col("wall_s_stddev")]) ==
              Approx(j["statistics"]["wall_s"]["stddev"].get<double>()).margin(1e-12));
        CHECK(std::stod(row[col("concurrency_median")]) == Approx(j["concurrency"].get<double>()));
        CHECK(std::stod(row[col("parallelism_median")]) == Approx(j["parallelism"].get<double>()));
        CHECK(std::stoll(row[col("tasks_ok")]) == j["tasks_ok"].get<long long>());
        CHECK(std::stoll(row[col("actual")]) == j["shared"]["actual"].get<long long>());
        CHECK(std::stoll(row[col("lost")]) == j["shared"]["lost"].get<long long>());
        CHECK(j["runs"].size() == 2);
        // The Markdown row of this backend carries the same lost count and ok count.
        const auto line_start = md.find("| " + j["backend"].get<std::string>() + " |");
        REQUIRE(line_start != std::string::npos);
        const auto line = md.substr(line_start, md.find('\n', line_start) - line_start);
        CHECK(line.find(fmt::format("| {} |", j["shared"]["lost"].get<long long>())) != std::string::npos);
        CHECK(line.find(fmt::format("| {} |", j["tasks_ok"].get<long long>())) != std::string::npos);
    }
    // What no run could measure is absent, not a number: fork alone has children.
    CHECK(doc["results"][0]["statistics"]["children_max_rss_mib"].is_null());
    CHECK(doc["results"][0]["resources"]["children_max_rss_mib"].is_null());
    CHECK(row_value_empty(rows[1], col("children_max_rss_mib_median")));
    CHECK(doc["results"][0]["statistics"]["wall_s"]["n"] == 2);
    CHECK(md.find("| :--- |") != std::string::npos);
    CHECK(md.find("\x1b") == std::string::npos);
}

TEST_CASE("reports: a run a stop cut short is reported apart from the complete runs", "[reports]") {
    const auto s = test::make("download", 4, {{"min", "1"}, {"max", "1"}}, 0.01);
    std::stop_source stop;
    compare_options options;
    options.runs = 3;
    options.run.stop = stop.get_token();
    // The stop comes as run 2 begins: run 1 is complete, run 2 is cut short, run 3 never runs.
    options.on_run = [&](std::string_view, std::size_t run, std::size_t, bool) {
        if (run == 2) stop.request_stop();
    };
    const auto c = compare(s, test::builtin_backends({"coroutine"}), options);
    REQUIRE(c.results.size() == 1);
    const auto& r = c.results[0];
    CHECK(r.runs.size() == 1);  // the figures: the complete run alone
    CHECK(r.metrics[0].tasks_ok == 4);
    REQUIRE(r.stopped.size() == 1);
    CHECK(r.stopped_metrics[0].tasks_ok < 4);
    CHECK(c.complete_runs() == 1);
    CHECK(r.stats(&run_metrics::wall_s).n == 1);

    const auto table = format::table(c, {});
    CHECK_THAT(table, Catch::Contains("1 of 3 runs complete (stopped by stop requested)"));
    CHECK_THAT(table, Catch::Contains("run 2 cut short by stop requested"));
    CHECK_THAT(table, Catch::Contains("left out of the figures above"));
    CHECK_THAT(table, !Catch::Contains("±"));  // one complete run: no spread to show
    const auto doc = nlohmann::json::parse(format::json(c));
    CHECK(doc["results"][0]["runs"].size() == 1);
    CHECK(doc["results"][0]["stopped_run"]["tasks_ok"].get<int>() < 4);
    CHECK_THAT(format::markdown(c), Catch::Contains("run 2 cut short"));
}

TEST_CASE("reports: the machine's load is printed, and a busy machine makes parallelism a lower bound",
          "[reports]") {
    auto c = compare_on({"coroutine"}, test::make("download", 2, {{"min", "1"}, {"max", "1"}}, 0.01));
    CHECK(c.load.before >= 0);  // read from /proc/loadavg around the comparison
    CHECK(c.load.after >= 0);
    CHECK(c.load.cores >= 1);

    c.load = {0.10, 0.90, 2};  // idle before; the run's own load after
    auto text = format::table(c, {});
    CHECK_THAT(text, Catch::Contains("1-minute load average: 0.10 before, 0.90 after (2 cores usable)"));
    CHECK_THAT(text, !Catch::Contains("lower bounds"));
    CHECK_THAT(format::table(c, {false, true, false}), !Catch::Contains("load average"));

    for (const machine_load busy : {machine_load{1.5, 1.0, 2}, machine_load{0.2, 2.7, 2}}) {
        c.load = busy;
        CHECK_THAT(format::table(c, {}), Catch::Contains("the parallelism figures are lower bounds"));
        CHECK_THAT(format::markdown(c), Catch::Contains("the parallelism figures are lower bounds"));
        const auto doc = nlohmann::json::parse(format::json(c));
        CHECK(doc["machine"]["busy"] == true);
        CHECK(doc["machine"]["cores"] == 2);
    }
}
