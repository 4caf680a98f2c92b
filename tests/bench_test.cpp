// `tasklab bench` as a user runs it, at a tiny size: it works, refuses bad input before
// running anything, and its JSON and table hold every figure and ratio, with no verdict on
// them: a ratio is information, and only failed tasks change the exit code. No timing is
// asserted: the figures depend on the machine (docs/bench.md).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "support.hpp"

namespace {

using json = nlohmann::json;

/// `prefix` runs in the shell before tasklab starts (e.g. a trap that tasklab inherits).
tasklab::test::cli_outcome bench(const std::string& args, const std::string& prefix = "") {
    return tasklab::test::run_command(TASKLAB_EXE, "bench " + args, prefix);
}

void require_stats(const json& stats) {
    REQUIRE(stats.is_object());
    for (auto key : {"n", "median", "mean", "stddev", "min", "max"}) {
        INFO(key);
        REQUIRE(stats.contains(key));
        CHECK(stats.at(key).is_number());
    }
    CHECK(stats.at("n").get<int>() >= 1);
    CHECK(stats.at("min").get<double>() <= stats.at("median").get<double>());
    CHECK(stats.at("median").get<double>() <= stats.at("max").get<double>());
}

void require_side(const json& side, std::size_t rounds) {
    REQUIRE(side.contains("name"));
    require_stats(side.at("time_per_task_ns"));
    require_stats(side.at("memory_per_task_bytes"));
    CHECK(side.at("failed") == 0);
    CHECK(side.at("error").is_null());
    REQUIRE(side.at("rounds").is_array());
    CHECK(side.at("rounds").size() == rounds);
    for (const auto& r : side.at("rounds")) {
        CHECK(r.at("wall_ns").get<std::int64_t>() > 0);
        CHECK(r.at("failed") == 0);
    }
}

/// Every key of `j`, at any depth.
void collect_keys(const json& j, std::set<std::string>& keys) {
    if (j.is_object())
        for (const auto& [key, value] : j.items()) {
            keys.insert(key);
            collect_keys(value, keys);
        }
    else if (j.is_array())
        for (const auto& value : j) collect_keys(value, keys);
}

/// The words of a pass/fail verdict, which the bench no longer gives.
void require_no_verdict(const std::string& text) {
    for (auto word : {"target", "NOT MET", "met ", "limit", "within", "verdict"}) {
        INFO(word);
        CHECK(text.find(word) == std::string::npos);
    }
}

bool mentions(const json& notes, const std::string& text) {
    for (const auto& n : notes)
        if (n.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("bench: bad input is refused before anything runs", "[bench][cli]") {
    for (const auto& [args, message] : std::initializer_list<std::pair<std::string, std::string>>{
             {"--rounds 0", "--rounds: expected 1 to 1000"},
             {"--rounds 1001", "--rounds: expected 1 to 1000"},
             {"--rounds many", "--rounds: expected a whole number"},
             {"--tasks 0", "--tasks"},
             {"--tasks -3", "--tasks"},
             {"--tasks 10001", "fork runs at most 10000"},
             {"--scale --tasks 1000001", "--tasks: expected 1 to 1000000"},
             {"--format csv", "--format"},
             {"--no-such-option", "no-such-option"},
             {"--backend nope", "--backend: unknown backend 'nope'"},
             {"--backend coroutine,", "--backend: unknown backend ''"},
         }) {
        INFO("tasklab bench " << args);
        const auto o = bench(args);
        INFO("stderr: " << o.err);
        CHECK(o.code == 2);
        CHECK(o.out.empty());
        CHECK(o.err.find(message) != std::string::npos);
    }
    const auto help = bench("--help");
    CHECK(help.code == 0);
    for (auto option : {"--format", "--backend", "--scale", "--rounds", "--tasks", "--quiet"})
        CHECK(help.out.find(option) != std::string::npos);
}

TEST_CASE("fork: bench at a tiny size: JSON with every case, ratio, speed-up and note, no verdict",
          "[bench][fork]") {
    const auto o = bench("--tasks 6 --rounds 2 --format json --quiet");
    INFO("stderr: " << o.err);
    CHECK(o.err.empty());  // --quiet, and stderr is not a terminal anyway
    const json doc = json::parse(o.out);
    CHECK(doc.at("mode") == "bench");
    CHECK(doc.at("rounds") == 2);
    CHECK(doc.at("tasks_override") == 6);
    CHECK(doc.at("cores").get<int>() >= 1);
    CHECK(doc.at("elapsed_s").get<double>() > 0);

    // Every backend with each kind of task, the compute split, and the waiting coroutines.
    std::set<std::pair<std::string, std::string>> seen;
    std::size_t ratios_above_1_3 = 0;
    const json& cases = doc.at("cases");
    REQUIRE(cases.is_array());
    for (const auto& c : cases) {
        INFO(c.at("backend") << " " << c.at("label"));
        seen.insert({c.at("backend").get<std::string>(), c.at("task").get<std::string>()});
        REQUIRE(c.contains("memory_scope"));
        REQUIRE(c.at("notes").is_array());
        const std::size_t tasks = c.at("tasks");
        const bool waiting = c.at("subtracted_wait_ns").get<std::int64_t>() > 0;
        CHECK(tasks == (c.at("task") == "compute" ? std::size_t(doc.at("cores")) : 6u));
        // The million waiting tasks run at most 3 rounds; here every case runs both.
        const std::size_t rounds = 2;
        if (waiting) {
            CHECK(c.at("wait_ns").get<std::int64_t>() == c.at("subtracted_wait_ns").get<std::int64_t>());
            CHECK(mentions(c.at("notes"), "not 1,000,000"));  // 6 tasks: the size is said, not hidden
        }
        require_side(c.at("tasklab"), rounds);
        REQUIRE(c.at("baselines").is_array());
        REQUIRE(!c.at("baselines").empty());
        REQUIRE(c.at("ratios").size() == c.at("baselines").size());
        for (std::size_t k = 0; k < c.at("baselines").size(); ++k) {
            require_side(c.at("baselines")[k], rounds);
            const auto& ratio = c.at("ratios")[k];
            CHECK(ratio.at("baseline") == c.at("baselines")[k].at("name"));
            CHECK(ratio.at("time_median").is_number());
            CHECK(ratio.at("time_median").get<double>() > 0);
            CHECK(ratio.at("time_mean").is_number());
            CHECK(ratio.at("time_mean_stddev").is_number());
            if (ratio.at("time_median").get<double>() > 1.3) ++ratios_above_1_3;
        }
    }
    for (auto backend : {"sequential", "coroutine", "thread", "fork", "pool"})
        for (auto task : {"empty", "sleep", "yield"}) {
            INFO(backend << " " << task);
            CHECK(seen.count({backend, task}) == 1);
        }
    for (auto backend : {"sequential", "thread", "fork", "pool"}) CHECK(seen.count({backend, "compute"}) == 1);
    CHECK(cases.size() == 5 * 3 + 4 + 1);
    // The raw baselines by name: the coroutine backend's two, and one for each other backend.
    std::set<std::string> baselines;
    for (const auto& c : cases)
        for (const auto& b : c.at("baselines")) baselines.insert(b.at("name").get<std::string>());
    for (auto name : {"plain loop", "asio awaitable", "asio callback", "std::thread", "fork+pipe+wait4", "asio::thread_pool"})
        CHECK(baselines.count(name) == 1);

    // The compute split of thread and fork over one core: tasklab's, and each bare mechanism's
    // beside it (alone and with a bare 1 ms ticker).
    const json& speedups = doc.at("speedups");
    REQUIRE(speedups.is_array());
    std::set<std::string> split_backends;
    for (const auto& x : speedups) {
        INFO(x.dump());
        split_backends.insert(x.at("backend").get<std::string>());
        CHECK(x.at("parts") == doc.at("cores"));
        REQUIRE(x.at("sides").size() == 3);
        CHECK(x.at("sides")[0].at("name") == "tasklab");
        CHECK(x.at("sides")[2].at("name").get<std::string>().find("1 ms ticker") != std::string::npos);
        for (const auto& side : x.at("sides")) {
            CHECK(side.at("speedup").is_number());
            CHECK(side.contains("cpu_per_wall"));
        }
        CHECK((x.at("note").is_null() || x.at("note").is_string()));
    }
    CHECK(split_backends == std::set<std::string>{"thread", "fork", "pool"});

    // Two rounds are too few to trust, and the bench says so.
    REQUIRE(doc.at("notes").is_array());
    CHECK(mentions(doc.at("notes"), "2 rounds only"));

    // A ratio is information: no target, limit or verdict anywhere, and with every task
    // succeeding the exit code is 0, however large a ratio came out.
    std::set<std::string> keys;
    collect_keys(doc, keys);
    for (auto key : {"targets", "met", "limit", "applicable", "comparison"}) {
        INFO(key);
        CHECK(keys.count(key) == 0);
    }
    INFO(ratios_above_1_3 << " time ratios above 1.3");
    CHECK(o.code == 0);

    // What a record costs on its own.
    CHECK(doc.at("records").at("record_bytes").get<int>() > 0);
    require_stats(doc.at("records").at("ns_per_record"));
}

TEST_CASE("bench --backend measures only the backends chosen", "[bench]") {
    const auto o = bench("--backend coroutine --tasks 5 --rounds 1 --format json --quiet");
    INFO("stderr: " << o.err);
    REQUIRE(o.code == 0);
    const json doc = json::parse(o.out);
    std::set<std::string> tasks;
    for (const auto& c : doc.at("cases")) {
        CHECK(c.at("backend") == "coroutine");
        tasks.insert(c.at("task").get<std::string>());
    }
    CHECK(tasks == std::set<std::string>{"empty", "sleep", "yield"});  // the waiting case is a sleep
    CHECK(doc.at("cases").size() == 3 + 1);
    CHECK(doc.at("speedups").empty());  // no split without thread or fork
}

TEST_CASE("fork: bench with SIGCHLD ignored still reaps and counts its children", "[bench][fork]") {
    // An ignored SIGCHLD survives exec: the kernel would reap the children itself, and both the
    // backend and the raw baseline would lose every child's status.
    const auto o = bench("--backend fork --tasks 3 --rounds 1 --format json --quiet", "trap '' CHLD; exec ");
    INFO("stderr: " << o.err);
    REQUIRE(o.code == 0);
    const json doc = json::parse(o.out);
    for (const auto& c : doc.at("cases")) {
        INFO(c.at("backend") << " " << c.at("label"));
        require_side(c.at("tasklab"), 1);
        for (const auto& b : c.at("baselines")) require_side(b, 1);
    }
}

TEST_CASE("fork: bench table at a tiny size shows every figure beside its baseline, with its ratio",
          "[bench][fork]") {
    const auto o = bench("--tasks 4 --rounds 1");
    INFO("stderr: " << o.err);
    CHECK(o.code == 0);
    CHECK(o.out.find("\x1b[") == std::string::npos);  // not a terminal: no colour
    for (auto text : {"tasklab bench", "tasklab ÷", "asio awaitable", "asio callback", "std::thread",
                      "fork+pipe+wait4", "asio::thread_pool", "plain loop", "beyond their", "speed-up", "records: a task_record is",
                      "notes", "1 round only", "not 1,000,000"})
        CHECK(o.out.find(text) != std::string::npos);
    require_no_verdict(o.out);

    // In the main table, every baseline's row carries tasklab's time ratio to it.
    const std::regex ratio(R"(\d+\.\d\dx)");
    const std::set<std::string> baselines = {"plain loop", "asio awaitable", "asio callback", "std::thread",
                                             "std::thread + 1 ms ticker", "fork+pipe+wait4",
                                             "fork+pipe+wait4 + 1 ms ticker", "asio::thread_pool",
                                             "asio::thread_pool + 1 ms ticker"};
    std::istringstream lines(o.out);
    std::string line;
    std::size_t rows = 0;
    bool in_table = false;
    while (std::getline(lines, line)) {
        if (line.rfind("backend", 0) == 0 && line.find("tasklab ÷ time") != std::string::npos) {
            in_table = true;
            continue;
        }
        if (!in_table) continue;
        if (line.empty()) break;
        const auto first = line.find_first_not_of(' ');
        if (first == std::string::npos || first == 0) continue;  // a case's first row starts at column 0
        const auto name_end = line.find("  ", first);
        const auto name = line.substr(first, name_end - first);
        INFO(line);
        CHECK(baselines.count(name) == 1);
        CHECK(std::regex_search(line, ratio));
        ++rows;
    }
    // sequential 3 + coroutine 2 × 3 + thread 3 + fork 3 + pool 3, the compute split's 1 + 2 + 2 + 2,
    // the waiting 1.
    CHECK(rows == 3 + 6 + 3 + 3 + 3 + 7 + 1);
}

TEST_CASE("fork: bench --scale at a tiny size: a series per backend and where it stopped", "[bench][fork]") {
    const auto o = bench("--scale --tasks 20 --rounds 1 --format json --quiet");
    INFO("stderr: " << o.err);
    REQUIRE(o.code == 0);
    const json doc = json::parse(o.out);
    CHECK(doc.at("mode") == "scale");
    REQUIRE(doc.at("notes").is_array());
    CHECK(mentions(doc.at("notes"), "1 round only"));
    CHECK((doc.at("thread_ceiling").at("threads").is_number() || doc.at("thread_ceiling").at("threads").is_null()));
    CHECK(doc.at("thread_ceiling").at("binding").is_string());
    const json& series = doc.at("series");
    REQUIRE(series.size() == 3);
    std::set<std::string> backends;
    for (const auto& s : series) {
        INFO(s.at("backend"));
        backends.insert(s.at("backend").get<std::string>());
        CHECK(s.at("stop").get<std::string>().find("stopped") != std::string::npos);
        REQUIRE(!s.at("points").empty());
        std::size_t previous = 0;
        for (const auto& p : s.at("points")) {
            const std::size_t tasks = p.at("tasks");
            CHECK(tasks > previous);
            CHECK(tasks <= 20u);
            previous = tasks;
            CHECK(p.at("wait_ns").get<std::int64_t>() > 0);
            require_side(p.at("tasklab"), 1);
            require_side(p.at("baseline"), 1);
            CHECK(p.at("ratio").at("time_median").is_number());
            CHECK(p.at("max_in_flight").get<std::size_t>() <= tasks);
        }
        CHECK(previous == 20u);  // --tasks is the largest size
    }
    CHECK(backends == std::set<std::string>{"coroutine", "thread", "fork"});
}
