// The terminal timeline, from hand-made run reports: shapes (staircase, overlap, groups),
// widths, and no escape codes unless asked for.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "tasklab/comparison.hpp"
#include "tasklab/format/timeline.hpp"
#include "tasklab/metrics.hpp"

using namespace tasklab;

namespace {

constexpr std::int64_t ms = 1'000'000;

task_record record(std::uint32_t index, std::int64_t start_ns, std::int64_t end_ns,
                   std::vector<wait_span> waits = {}, task_status status = task_status::ok) {
    task_record r;
    r.index = index;
    r.start_ns = start_ns;
    r.end_ns = end_ns;
    r.worker = 4242;
    r.status = status;
    r.started = true;
    r.waits = std::move(waits);
    return r;
}

backend_runs runs_of(std::string backend, std::vector<task_record> records) {
    run_report report;
    report.backend = backend;
    report.origin_ns = 1'000'000'000;
    for (const auto& r : records) report.wall_ns = std::max(report.wall_ns, r.end_ns);
    report.records = std::move(records);
    backend_runs out;
    out.backend = std::move(backend);
    out.metrics.push_back(measure(report));
    out.runs.push_back(std::move(report));
    return out;
}

comparison comparison_of(std::vector<backend_runs> results) {
    comparison c;
    c.settings.task = "download";
    c.settings.tasks = results.empty() ? 0 : results.front().runs.front().records.size();
    c.results = std::move(results);
    return c;
}

/// A line as display cells: one string per UTF-8 code point.
std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80 && !out.empty())
            out.back() += line[i];
        else
            out.emplace_back(1, line[i]);
    }
    return out;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool is_chart_glyph(const std::string& cell) { return cell == "█" || cell == "▒" || cell == "░" || cell == "✗"; }

/// Column of the first and last chart glyph of a row (-1 when the row is empty).
std::pair<long, long> extent(const std::string& line) {
    const auto c = cells(line);
    long first = -1, last = -1;
    for (std::size_t i = 0; i < c.size(); ++i)
        if (is_chart_glyph(c[i])) {
            if (first < 0) first = static_cast<long>(i);
            last = static_cast<long>(i);
        }
    return {first, last};
}

/// The rows of one task each ("task 3 ..."), in order.
std::vector<std::string> task_rows(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& l : lines(text))
        if (starts_with(l, "task ")) out.push_back(l);
    return out;
}

/// Where the chart starts: the column of the time axis's "0".
long chart_start(const std::string& text) {
    for (const auto& l : lines(text)) {
        const auto c = cells(l);
        const auto first = std::find_if(c.begin(), c.end(), [](auto& s) { return s != " "; });
        if (first != c.end() && *first == "0" && first != c.begin()) return static_cast<long>(first - c.begin());
    }
    return -1;
}

void require_fits(const std::string& text, std::size_t width) {
    for (const auto& l : lines(text)) {
        INFO(l);
        REQUIRE(cells(l).size() <= width);
    }
}

comparison ten_downloads() {
    // Ten waits of 100..190 ms that begin together, as a coroutine run has them.
    std::vector<task_record> recs;
    for (std::uint32_t i = 0; i < 10; ++i) {
        const std::int64_t end = (100 + 10 * i) * ms;
        recs.push_back(record(i, 20'000, end, {{30'000, end - 10'000, wait_kind::sleep}}));
    }
    return comparison_of({runs_of("coroutine", std::move(recs))});
}

}  // namespace

TEST_CASE("timeline: back-to-back tasks are a staircase", "[timeline]") {
    const auto c = comparison_of({runs_of("sequential", {record(0, 0, 100 * ms, {{1000, 100 * ms - 1000, wait_kind::sleep}}),
                                                          record(1, 100 * ms, 200 * ms),
                                                          record(2, 200 * ms, 300 * ms)})});
    for (std::size_t width : {40, 80, 120}) {
        const auto text = format::timeline(c, {width, 20, false});
        INFO(text);
        const auto rows = task_rows(text);
        REQUIRE(rows.size() == 3);
        std::vector<std::pair<long, long>> spans;
        for (const auto& r : rows) spans.push_back(extent(r));
        CHECK(spans[0].first == chart_start(text));
        for (std::size_t i = 1; i < spans.size(); ++i) {
            REQUIRE(spans[i].first >= 0);
            CHECK(spans[i].first > spans[i - 1].second);
            CHECK(spans[i].first == spans[i - 1].second + 1);  // no gap either: they ran back to back
        }
        CHECK(cells(rows[0])[static_cast<std::size_t>(spans[0].first)] == "░");  // task 0 slept
        CHECK(cells(rows[1])[static_cast<std::size_t>(spans[1].first)] == "█");  // the others ran
        CHECK(text.find("in flight") != std::string::npos);
        if (width >= 61)
            CHECK(text.find("\n█ running  ▒ interleaved (yielding)  ░ waiting (sleep, lock, blocked)\n") != std::string::npos);
        else  // narrower: the legend wraps rather than losing a key
            for (auto key : {"█ running", "▒ interleaved (yielding)", "░ waiting (sleep, lock, blocked)"})
                CHECK(text.find(key) != std::string::npos);
        require_fits(text, width);
    }
}

TEST_CASE("timeline: ten overlapping waits start together", "[timeline]") {
    const auto c = ten_downloads();
    const auto text = format::timeline(c, {80, 20, false});
    INFO(text);
    const auto rows = task_rows(text);
    REQUIRE(rows.size() == 10);
    const long start = chart_start(text);
    REQUIRE(start > 0);
    std::vector<long> ends;
    for (const auto& r : rows) {
        const auto [first, last] = extent(r);
        CHECK(first == start);
        CHECK(cells(r)[static_cast<std::size_t>(start)] == "░");
        CHECK(r.find("█") == std::string::npos);
        ends.push_back(last);
    }
    CHECK(std::is_sorted(ends.begin(), ends.end()));
    CHECK(ends.back() == static_cast<long>(cells(rows.back()).size()) - 1);
    CHECK(ends.back() == 79);  // the longest fills the chart to the last column
    // The in-flight sparkline peaks (all ten) at the start.
    for (const auto& l : lines(text))
        if (starts_with(l, "in flight")) CHECK(cells(l)[static_cast<std::size_t>(start)] == "█");
    require_fits(text, 80);
}

TEST_CASE("timeline: a thousand tasks are grouped", "[timeline]") {
    std::vector<task_record> recs;
    for (std::uint32_t i = 0; i < 1000; ++i) {
        const std::int64_t start = i * 100'000;  // a new task every 0.1 ms, each 5 ms long
        recs.push_back(record(i, start, start + 5 * ms, {{start + 1000, start + 4 * ms, wait_kind::lock}},
                              i == 500 ? task_status::failed : task_status::ok));
    }
    const auto c = comparison_of({runs_of("thread", std::move(recs))});
    for (std::size_t max_rows : {1, 7, 20, 50}) {
        for (std::size_t width : {30, 60, 100}) {
            const auto text = format::timeline(c, {width, max_rows, false});
            INFO(text);
            std::size_t rows = 0;
            for (const auto& l : lines(text))
                if (starts_with(l, "tasks ") || starts_with(l, "task ")) ++rows;
            CHECK(rows <= max_rows);
            CHECK(rows >= std::min<std::size_t>(max_rows, 1));
            CHECK(task_rows(text).empty());  // every row is a group
            require_fits(text, width);
            CHECK(text.find("\x1b") == std::string::npos);
            CHECK(text.find("✗") != std::string::npos);
        }
    }
    const auto text = format::timeline(c, {100, 20, false});
    CHECK(text.find("tasks 0-49 ") != std::string::npos);
    CHECK(text.find("tasks 950-999 ") != std::string::npos);
}

TEST_CASE("timeline: stays within the width, and plain without colour", "[timeline]") {
    std::vector<backend_runs> results;
    results.push_back(runs_of("sequential", {record(0, 0, 3 * ms), record(1, 3 * ms, 9 * ms)}));
    results.push_back(runs_of("coroutine", {record(0, 0, 3 * ms, {{0, 2 * ms, wait_kind::interleaved}}),
                                            record(1, 0, 4 * ms, {{1 * ms, 3 * ms, wait_kind::interleaved}},
                                                   task_status::failed)}));
    const auto c = comparison_of(std::move(results));
    for (std::size_t width : {2, 10, 20, 40, 61, 80, 200}) {
        const auto plain = format::timeline(c, {width, 20, false});
        INFO(plain);
        require_fits(plain, width);
        CHECK(plain.find("\x1b") == std::string::npos);
    }
    const auto plain = format::timeline(c, {80, 20, false});
    CHECK(plain.find("sequential") != std::string::npos);
    CHECK(plain.find("coroutine") != std::string::npos);
    CHECK(plain.find("▒") != std::string::npos);
    CHECK(plain.find("✗") != std::string::npos);
    const auto coloured = format::timeline(c, {80, 20, true});
    CHECK(coloured.find("\x1b[") != std::string::npos);
}

TEST_CASE("timeline: a task much shorter than a cell still shows", "[timeline]") {
    // A 2 µs task beside a 1 s one: integrated over its cell it is far from half of it,
    // yet it must not vanish.
    const auto c = comparison_of({runs_of("thread", {record(0, 0, 1000 * ms), record(1, 500 * ms, 500 * ms + 2000)})});
    const auto text = format::timeline(c, {60, 20, false});
    INFO(text);
    const auto rows = task_rows(text);
    REQUIRE(rows.size() == 2);
    const auto [first, last] = extent(rows[1]);
    CHECK(first >= 0);
    CHECK(first == last);
}
