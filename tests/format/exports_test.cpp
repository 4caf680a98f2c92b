// The exports of one comparison - JSON, CSV and Markdown - read back: they agree.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fmt/format.h>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"
#include "tasklab/comparison.hpp"
#include "tasklab/format/csv.hpp"
#include "tasklab/format/json.hpp"
#include "tasklab/format/markdown.hpp"
#include "tasklab/format/table.hpp"

using namespace tasklab;
using tasklab::test::compare_on;

namespace {

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
    CHECK(doc["scenario"]["workers"].get<std::size_t>() == workers_of(c.settings));
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

TEST_CASE("exports: a run a stop cut short is reported apart from the complete runs", "[exports]") {
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

TEST_CASE("exports: the machine's load is printed, and a busy machine makes parallelism a lower bound",
          "[exports]") {
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
