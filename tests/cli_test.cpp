// The tasklab executable as a user runs it: exit codes, messages, and what reaches stdout.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pty.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <filesystem>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support.hpp"
#include "tasklab/version.hpp"

namespace {

using outcome = tasklab::test::cli_outcome;
using tasklab::test::slurp;

outcome tasklab_cli(const std::string& args, const char* exe = TASKLAB_EXE) { return tasklab::test::run_command(exe, args); }

void require_usage_error(const std::string& args, const std::string& message_part) {
    INFO("tasklab " << args);
    const auto o = tasklab_cli(args);
    INFO("stderr: " << o.err);
    CHECK(o.code == 2);
    CHECK(o.out.empty());  // nothing ran, nothing printed
    CHECK(o.err.find(message_part) != std::string::npos);
}

}  // namespace

TEST_CASE("cli: --help, --version and list", "[cli]") {
    auto o = tasklab_cli("--help");
    CHECK(o.code == 0);
    CHECK(o.out.find("run") != std::string::npos);
    CHECK(o.out.find("Exit codes") != std::string::npos);

    o = tasklab_cli("--version");
    CHECK(o.code == 0);
    CHECK(o.out.find(tasklab::version) != std::string::npos);

    o = tasklab_cli("list");
    CHECK(o.code == 0);
    for (auto name : {"download", "deposit", "compute", "sequential", "coroutine", "thread", "fork"})
        CHECK(o.out.find(name) != std::string::npos);

    o = tasklab_cli("run deposit --help");
    CHECK(o.code == 0);
    for (auto option : {"--sync", "--amount", "--hold", "--backend", "--tasks", "--time-scale", "--format"})
        CHECK(o.out.find(option) != std::string::npos);
}

TEST_CASE("cli: bad input is refused with exit 2 before anything runs", "[cli][usage]") {
    require_usage_error("run upload", "unknown task type 'upload'");
    require_usage_error("run", "run needs a task type");
    require_usage_error("run download --backend threads", "unknown backend 'threads'");
    require_usage_error("run download --backend sequential,", "unknown backend ''");
    require_usage_error("run download --tasks 0", "--tasks");
    require_usage_error("run download --tasks -3", "--tasks");
    require_usage_error("run download --tasks abc", "--tasks");
    require_usage_error("run download --tasks 99999999999", "--tasks");
    require_usage_error("run download --seed -1", "--seed");
    require_usage_error("run download --seed x", "--seed");
    require_usage_error("run download --time-scale 0", "--time-scale");
    require_usage_error("run download --time-scale nan", "--time-scale");
    require_usage_error("run download --min 5 --max 1", "--min");
    require_usage_error("run download --min -1", "--min");
    require_usage_error("run deposit --amount 0", "positive");
    require_usage_error("run deposit --amount -1", "positive");
    require_usage_error("run deposit --amount 1.5", "--amount");
    require_usage_error("run deposit --sync maybe", "--sync");
    require_usage_error("run deposit --sharing private --backend thread", "only fork");
    require_usage_error("run deposit --sharing private --backend all", "only fork");
    require_usage_error("run download --format yaml", "--format");
    require_usage_error("run download --bogus", "bogus");
    require_usage_error("frobnicate", "frobnicate");
    require_usage_error("run download --backend thread --tasks 50000", "at most");
    require_usage_error("run download --timeout -1", "--timeout");
    require_usage_error("run download --timeout nan", "--timeout");
    require_usage_error("run download --timeout soon", "--timeout");
    require_usage_error("run download --tasks 4 --fail 4", "numbered 0 to 3");
    require_usage_error("run download --fail x", "--fail");
    require_usage_error("run download --fail-rate 1.5", "--fail-rate");
    require_usage_error("run download --crash 1 --backend thread", "only fork");
    require_usage_error("run download --crash 1 --backend all", "only fork");
    require_usage_error("run download --crash 1 --crash-signal HUP --backend fork", "--crash-signal");
    require_usage_error("run download --hang 1", "--timeout");
    require_usage_error("run download --spin 1 --timeout 1 --backend coroutine", "nothing");
}

namespace {

/// Starts tasklab with stdout to a file, sends it `sig` after `delay_ms`, waits (bounded).
outcome interrupted_cli(const std::vector<std::string>& args, int sig, int delay_ms, const char* exe = TASKLAB_EXE) {
    char out_path[] = "/tmp/tasklab-cli-out-XXXXXX";
    const int out_fd = ::mkstemp(out_path);
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out_fd, 1);
        const int null_fd = ::open("/dev/null", O_RDWR);
        ::dup2(null_fd, 0);
        ::dup2(null_fd, 2);
        std::vector<char*> argv{const_cast<char*>(exe)};
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execv(exe, argv.data());
        ::_exit(127);
    }
    ::close(out_fd);
    ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
    ::kill(pid, sig);
    int status = 0;
    // Bounded: a tasklab that ignores the signal fails the test after 20 s instead of hanging it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            FAIL("tasklab did not stop within 20 s of the signal");
        }
        ::usleep(10'000);
    }
    outcome o;
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.out = slurp(out_path);
    ::unlink(out_path);
    return o;
}

}  // namespace

TEST_CASE("cli: SIGINT and SIGTERM stop the run: partial report, 130 or 143, no child left", "[cli][faults][fork]") {
    for (const auto& [sig, code] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
        DYNAMIC_SECTION("signal " << sig) {
            // Eight downloads of 2 s on fork, then on thread: the signal comes during fork's run.
            const auto o = interrupted_cli({"run", "download", "--tasks", "8", "--min", "20", "--max", "20",
                                            "--backend", "thread,fork", "--runs", "1", "--format", "json"},
                                           sig, 500);
            CHECK(o.code == code);
            const auto doc = nlohmann::json::parse(o.out);
            CHECK(doc["stopped_by"] == (sig == SIGINT ? "SIGINT" : "SIGTERM"));
            REQUIRE(doc["results"].size() == 1);  // thread never ran: the stop came first
            const auto& r = doc["results"][0];
            CHECK(r["backend"] == "fork");
            CHECK(r["tasks_ok"].get<int>() + r["tasks_failed"].get<int>() + r["tasks_cancelled"].get<int>() == 8);
            CHECK(r["tasks_cancelled"] == 8);
            ::usleep(100'000);
            for (const auto& rec : r["records"]) {
                const auto child = rec["worker"].get<pid_t>();
                if (child > 0) CHECK((::kill(child, 0) == -1 && errno == ESRCH));  // killed, and reaped by tasklab
            }
        }
    }
}

namespace {

std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> out;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        const auto close = line.rfind(')');  // the command may contain spaces and parentheses
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        char state = 0;
        pid_t ppid = 0;
        rest >> state >> ppid;
        if (ppid == parent) out.push_back(static_cast<pid_t>(std::stoi(name)));
    }
    return out;
}

/// Running or sleeping: not gone, and not a zombie waiting for whoever reaps orphans here.
bool alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return false;
    const auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z' && line[close + 2] != 'X';
}

}  // namespace

TEST_CASE("cli: children die with tasklab when it is killed outright (PR_SET_PDEATHSIG)", "[cli][faults][fork]") {
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDWR);
        for (int fd = 0; fd <= 2; ++fd) ::dup2(null_fd, fd);
        ::execl(TASKLAB_EXE, TASKLAB_EXE, "run", "download", "--tasks", "6", "--min", "100", "--max", "100",
                "--backend", "fork", "--runs", "1", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    // Bounded wait for the children to appear.
    std::vector<pid_t> children;
    for (int i = 0; i < 500 && children.size() < 6; ++i) {
        ::usleep(10'000);
        children = children_of(pid);
    }
    CHECK(children.size() == 6);
    ::kill(pid, SIGKILL);  // no handler runs: only the kernel can take the children down now
    int status = 0;
    ::waitpid(pid, &status, 0);
    for (int i = 0; i < 200; ++i) {
        if (std::none_of(children.begin(), children.end(), alive)) break;
        ::usleep(10'000);
    }
    for (const pid_t c : children) CHECK_FALSE(alive(c));
}

TEST_CASE("cli: a thread that ignores its timeout is reported as overrunning, and the run ends", "[cli][faults]") {
    // In a process of its own: the spinning thread is left behind until that process exits.
    // The others wait 50 ms, a tenth of the timeout: even a loaded machine (one core is spun)
    // finishes them in time.
    const auto o = tasklab_cli("run download --tasks 3 --min 1 --max 1 --spin 1 --timeout 10 --time-scale 0.05 "
                               "--backend thread --runs 1 --format json");
    CHECK(o.code == 1);
    const auto doc = nlohmann::json::parse(o.out);
    const auto& r = doc["results"][0];
    CHECK(r["tasks_ok"] == 2);
    CHECK(r["tasks_failed"] == 1);
    CHECK(r["records"][1]["error"].get<std::string>().find("overran") != std::string::npos);
}

TEST_CASE("cli: --format json writes only JSON with the documented keys", "[cli]") {
    const auto o = tasklab_cli("run deposit --tasks 5 --sync lock --backend sequential,coroutine,thread --format json");
    REQUIRE(o.code == 0);
    const auto doc = nlohmann::json::parse(o.out);  // throws if anything else reached stdout
    CHECK(doc["tool"] == "tasklab");
    CHECK(doc["version"] == tasklab::version);
    CHECK(doc["scenario"]["task"] == "deposit");
    CHECK(doc["scenario"]["tasks"] == 5);
    CHECK(doc["scenario"]["seed"] == 1);
    CHECK(doc["scenario"]["params"]["sync"] == "lock");
    REQUIRE(doc["results"].size() == 3);
    for (const auto& r : doc["results"]) {
        for (auto key : {"backend", "wall_s", "cpu_s", "concurrency", "parallelism", "max_in_flight", "tasks_ok",
                         "tasks_failed", "value", "shared", "records"})
            CHECK(r.contains(key));
        CHECK(r["shared"]["expected"] == 5);
        CHECK(r["shared"]["actual"] == 5);
        CHECK(r["shared"]["lost"] == 0);
        REQUIRE(r["records"].size() == 5);
        for (const auto& rec : r["records"]) {
            for (auto key : {"index", "start_s", "end_s", "worker", "status", "value"}) CHECK(rec.contains(key));
            CHECK(rec["status"] == "ok");
        }
    }
    CHECK(doc["results"][0]["backend"] == "sequential");
    CHECK(doc["results"][2]["backend"] == "thread");
}

TEST_CASE("cli: a good run exits 0 with its table on stdout and nothing on stderr", "[cli]") {
    const auto o = tasklab_cli("run compute --tasks 2 --n 1000000 --backend sequential,coroutine");
    CHECK(o.code == 0);
    CHECK(o.out.find("= n(n+1)/2 = 500000500000") != std::string::npos);
    CHECK(o.err.empty());
}

TEST_CASE("cli: a run with a failed task still prints its report and exits 1", "[cli]") {
    // The same CLI, from a user's own executable that adds the test task types.
    const auto o = tasklab_cli("run fail --tasks 3 --at 2 --backend sequential,coroutine,thread", TASKLAB_TEST_EXE);
    CHECK(o.code == 1);
    CHECK(o.out.find("task 2 failed: task 2 failed on purpose") != std::string::npos);
    const auto l = tasklab_cli("list", TASKLAB_TEST_EXE);
    CHECK(l.out.find("fail") != std::string::npos);
    CHECK(l.out.find("download") != std::string::npos);
}

TEST_CASE("cli: acceptance - lost deposits without a lock and none with one", "[cli][fork]") {
    const auto none = tasklab_cli("run deposit --tasks 100 --sync none --backend all --time-scale 1 --format json --runs 1");
    REQUIRE(none.code == 0);
    const auto doc = nlohmann::json::parse(none.out);
    for (const auto& r : doc["results"]) {
        INFO(r["backend"]);
        if (r["backend"] == "sequential")
            CHECK(r["shared"]["lost"] == 0);
        else
            CHECK(r["shared"]["lost"].get<int>() > 0);
    }
    for (auto sync : {"lock", "atomic"}) {
        const auto o = tasklab_cli(std::string("run deposit --tasks 100 --backend all --format json --runs 1 --sync ") + sync);
        REQUIRE(o.code == 0);
        const auto synced = nlohmann::json::parse(o.out);  // kept: the loop below refers into it
        for (const auto& r : synced["results"]) CHECK(r["shared"]["actual"] == 100);
    }
    const auto priv = tasklab_cli("run deposit --tasks 100 --backend fork --sharing private --format json --runs 1");
    REQUIRE(priv.code == 0);
    const auto p = nlohmann::json::parse(priv.out)["results"][0];
    CHECK(p["shared"]["actual"] == 0);
    CHECK(p["shared"]["note"].get<std::string>().find("own copy") != std::string::npos);
}

namespace {

/// Runs tasklab with stdout and stderr on a pseudo-terminal, as a person at a terminal would;
/// returns everything it wrote there. Bounded: a hang fails the test instead of blocking it.
std::string on_terminal(const std::string& args, bool no_color) {
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (no_color)
            ::setenv("NO_COLOR", "1", 1);
        else
            ::unsetenv("NO_COLOR");
        const std::string cmd = std::string("exec ") + TASKLAB_EXE + " " + args;
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    std::string seen;
    char buffer[4096];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        const ssize_t n = ::read(master, buffer, sizeof buffer);
        if (n <= 0) break;  // EIO once the child has exited and closed the terminal
        seen.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(master);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return seen;
}

bool has_colour(const std::string& text) {
    // SGR sequences: ESC [ digits/semicolons m
    for (std::size_t at = text.find("\x1b["); at != std::string::npos; at = text.find("\x1b[", at + 1)) {
        std::size_t end = at + 2;
        while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == ';')) ++end;
        if (end < text.size() && text[end] == 'm') return true;
    }
    return false;
}

}  // namespace

TEST_CASE("cli: on a terminal there is colour, unless NO_COLOR is set", "[cli]") {
    const std::string args = "run download --tasks 3 --min 1 --max 1 --time-scale 0.01 --backend sequential,coroutine --runs 1";
    CHECK(has_colour(on_terminal(args, false)));
    const auto plain = on_terminal(args, true);
    CHECK(plain.find("coroutine") != std::string::npos);
    CHECK_FALSE(has_colour(plain));
}

TEST_CASE("cli: output piped to files has no escape codes and no progress lines", "[cli]") {
    const auto o = tasklab_cli("run download --tasks 4 --min 1 --max 3 --time-scale 0.05 --backend sequential,thread "
                               "--runs 2 --timeline");
    CHECK(o.code == 0);
    CHECK(o.out.find('\x1b') == std::string::npos);
    CHECK(o.out.find('\r') == std::string::npos);
    CHECK(o.err.empty());
    CHECK(o.out.find("thread ran") != std::string::npos);
}

TEST_CASE("cli: exports go to files beside the report on stdout, from one run", "[cli]") {
    char dir_template[] = "/tmp/tasklab-export-XXXXXX";
    const std::string dir = ::mkdtemp(dir_template);
    const auto o = tasklab_cli("run deposit --tasks 5 --sync none --backend sequential,coroutine --runs 2 --quiet"
                               " --export-json " + dir + "/r.json --export-csv " + dir + "/r.csv"
                               " --export-markdown " + dir + "/r.md --trace " + dir + "/t.json");
    CHECK(o.code == 0);
    CHECK(o.out.find("coroutine ran") != std::string::npos);  // the table, on stdout
    CHECK(o.out.find("| backend |") == std::string::npos);    // and nothing else
    CHECK(slurp(dir + "/r.md").find("| backend |") != std::string::npos);
    const auto doc = nlohmann::json::parse(slurp(dir + "/r.json"));
    CHECK(doc["results"].size() == 2);
    CHECK(slurp(dir + "/r.csv").find("wall_s_median") != std::string::npos);
    const auto trace = nlohmann::json::parse(slurp(dir + "/t.json"));
    CHECK(trace["traceEvents"].size() > 10);
    for (auto f : {"/r.json", "/r.csv", "/r.md", "/t.json"}) ::unlink((dir + f).c_str());
    ::rmdir(dir.c_str());

    require_usage_error("run download --export-json /nonexistent-dir/r.json", "--export-json");
    require_usage_error("run download --trace /proc/nope/t.json", "--trace");
    require_usage_error("run download --runs 0", "--runs");
    require_usage_error("run download --runs x", "--runs");
    require_usage_error("run download --warmup -1", "--warmup");
    require_usage_error("run download --format yaml", "--format");
    require_usage_error("run download --format json --timeline", "--timeline");
    require_usage_error("run download --format csv --timeline", "--timeline");
}

TEST_CASE("cli: one document per stream - an export to stdout is refused", "[cli]") {
    for (const auto* args : {"--format json --export-csv -", "--format json --export-json -", "--trace -",
                             "--export-markdown -", "--format csv --export-json -"})
        require_usage_error(std::string("run download --tasks 2 --runs 1 ") + args, "standard output already carries");
}

TEST_CASE("cli: an empty value is refused, never taken for the default", "[cli]") {
    require_usage_error("run download --tasks ''", "--tasks: an empty value");
    require_usage_error("run download --tasks= --runs 1", "--tasks=: an empty value");
    require_usage_error("run download --fail ''", "--fail: an empty value");
    require_usage_error("run download --export-json ''", "--export-json: an empty value");
    require_usage_error("run deposit --hold ''", "--hold: an empty value");
    require_usage_error("bench --rounds ''", "--rounds: an empty value");
}

TEST_CASE("cli: CLI11's own errors read like tasklab's, and sub-help has no top-level footer", "[cli]") {
    require_usage_error("run download --tasks 3 --tasks 4", "tasklab: --tasks");
    const auto help = tasklab_cli("run download --help");
    CHECK(help.code == 0);
    CHECK(help.out.find("With no command") == std::string::npos);
    CHECK(tasklab_cli("--help").out.find("With no command, tasklab runs the demo.") != std::string::npos);
}

TEST_CASE("cli: a run too short to judge says so instead of a verdict", "[cli]") {
    for (const auto* args : {"run compute --n 1000 --tasks 2 --backend sequential,coroutine --runs 1 --quiet",
                             "run deposit --tasks 1 --time-scale 0.01 --backend coroutine,sequential --runs 1 --quiet"}) {
        INFO("tasklab " << args);
        const auto o = tasklab_cli(args);
        CHECK(o.code == 0);
        CHECK(o.out.find("sequential  too short to judge") != std::string::npos);
        CHECK(o.out.find("coroutine   too short to judge") != std::string::npos);
        for (const auto* verdict : {": concurrent", ": neither", ": parallel"})  // no verdict line
            CHECK(o.out.find(verdict) == std::string::npos);
        CHECK(o.out.find("(too short to judge)") != std::string::npos);  // nor ranking
    }
}

TEST_CASE("cli: with stdout or stderr closed, an export gets its own document only", "[cli][fork]") {
    char dir_template[] = "/tmp/tasklab-closed-XXXXXX";
    const std::string dir = ::mkdtemp(dir_template);
    for (const auto* closed : {">&-", "2>&- >/dev/null", ">&- 2>&-"}) {
        INFO("closed: " << closed);
        for (const auto& [option, file] : {std::pair{"--export-json", "/r.json"}, std::pair{"--trace", "/t.json"}}) {
            const std::string path = dir + file;
            const std::string cmd = std::string(TASKLAB_EXE) + " run download --tasks 2 --runs 1 --time-scale 0.001 " +
                                    option + " " + path + " " + closed + " </dev/null";
            const int status = std::system(cmd.c_str());
            CHECK(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 0);
            const auto text = slurp(path);
            CHECK_NOTHROW(nlohmann::json::parse(text));  // JSON alone: no table in it
            CHECK(text.find("backend      wall") == std::string::npos);
            ::unlink(path.c_str());
        }
    }
    ::rmdir(dir.c_str());
}

TEST_CASE("cli: small things a newcomer reads", "[cli][fork]") {
    // A write error says why.
    auto o = tasklab_cli("run download --tasks 1 --runs 1 --time-scale 0.001 --quiet --export-json /dev/full");
    CHECK(o.code == 1);
    CHECK(o.err.find("--export-json /dev/full: write failed: No space left on device") != std::string::npos);
    const std::string err_file = "/tmp/tasklab-full-" + std::to_string(::getpid());
    const int status = std::system((std::string(TASKLAB_EXE) +
                                    " run download --tasks 1 --runs 1 --time-scale 0.001 --quiet >/dev/full 2>" + err_file)
                                       .c_str());
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(slurp(err_file).find("standard output: write failed: No space left on device") != std::string::npos);
    ::unlink(err_file.c_str());
    // One task is a task; and -n is not --tasks, since compute has --n.
    o = tasklab_cli("run download --tasks 1 --runs 1 --time-scale 0.001 --quiet --backend coroutine");
    CHECK(o.out.find("download x 1 task  seed") != std::string::npos);
    require_usage_error("run compute -n 4", "unknown argument(s): -n 4");
}

TEST_CASE("cli: a failed check shows in the table, with every run that did not end clean", "[cli]") {
    const auto o = tasklab_cli("run flaky_check --tasks 2 --runs 4 --backend sequential --quiet", TASKLAB_TEST_EXE);
    INFO(o.out);
    CHECK(o.code == 1);
    // The row shows one run's check, passed or FAILED; the lines below it name the others.
    CHECK((o.out.find("passed: every second run fails") != std::string::npos ||
           o.out.find("FAILED: every second run fails") != std::string::npos));
    CHECK(o.out.find("run 2 of 4: check failed: every second run fails") != std::string::npos);
    CHECK(o.out.find("run 4 of 4: check failed: every second run fails") != std::string::npos);
    CHECK(o.out.find("run 1 of 4:") == std::string::npos);
    CHECK(o.out.find("run 3 of 4:") == std::string::npos);
    const auto md = tasklab_cli("run flaky_check --tasks 2 --runs 2 --backend sequential --quiet --format markdown",
                                TASKLAB_TEST_EXE);
    CHECK(md.out.find("  - run 2 of 2: check failed") != std::string::npos);
}

namespace {
/// tasklab under a soft limit of 4 open files: stdin, stdout, stderr and one more.
tasklab::test::cli_outcome with_four_files(const std::string& args) {
    // The outer shell opens the output files; the inner one closes what it inherited beyond
    // them (a test runner's pipes), lowers the limit and becomes tasklab. Both limits: tasklab
    // raises its soft limit to the hard one at start.
    return tasklab::test::run_command(TASKLAB_EXE, args + "'",
                                      "sh -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n 4; exec ");
}

// A sanitizer's runtime opens files of its own at start (maps, symbolizer, logs), so under
// four descriptors a sanitized tasklab fails before it runs anything of ours.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif
}  // namespace

TEST_CASE("cli: out of descriptors, the message names ulimit -n and its value", "[cli]") {
    if (sanitized) return;  // see `sanitized`
    const auto o = with_four_files("run download --tasks 3 --backend coroutine --runs 1 --quiet --time-scale 0.01");
    CHECK(o.code == 1);
    CHECK(o.err.find("the coroutine backend could not set up its run") != std::string::npos);
    CHECK(o.err.find("the limit: ulimit -n 4 (open files of this process)") != std::string::npos);
}

TEST_CASE("cli: fork out of descriptors names ulimit -n, not ulimit -u", "[cli][fork]") {
    if (sanitized) return;  // see `sanitized`
    const auto o = with_four_files("run download --tasks 3 --backend fork --runs 1 --quiet --time-scale 0.01");
    CHECK(o.code == 1);
    CHECK(o.out.find("Too many open files; the limit: ulimit -n 4 (open files of this process)") != std::string::npos);
    CHECK(o.out.find("ulimit -u") == std::string::npos);
}

TEST_CASE("cli: a million-task run builds nothing it was not asked for: its peak is the process's", "[cli]") {
    // Sanitizers keep freed memory in quarantine and shadow all of it: the peak they show is theirs.
    if (sanitized) return;
    const auto o = tasklab_cli("run download --tasks 1000000 --min 0 --max 0 --backend coroutine --runs 1 --quiet");
    REQUIRE(o.code == 0);
    // Each test case runs in a process of its own, so the largest child waited for is tasklab.
    rusage children{};
    REQUIRE(::getrusage(RUSAGE_CHILDREN, &children) == 0);
    const double process_mib = static_cast<double>(children.ru_maxrss) / 1024.0;

    // The resources row: "coroutine  <lag max>  <p99>  <task cpu>  <peak memory>  -  <switches>".
    std::smatch peak;
    const std::regex row(R"(\ncoroutine +[^\n]*? ([0-9.]+) MiB)");
    REQUIRE(std::regex_search(o.out, peak, row));
    const double report_mib = std::stod(peak[1].str());
    INFO("report's peak " << report_mib << " MiB, the process's " << process_mib << " MiB");
    CHECK(report_mib > 100);  // a million waiting tasks do take memory: the figure is the run's
    // What is left after the run (the table, the load line) is small next to the run itself.
    CHECK(process_mib <= report_mib * 1.1 + 16);
}

TEST_CASE("cli: fetch refuses a URL it cannot use before anything runs, and serve listens until Ctrl-C", "[cli][fetch]") {
    auto o = tasklab_cli("run fetch --url http://localhost:80 --tasks 1 --backend coroutine");
    CHECK(o.code == 2);
    CHECK(o.err.find("--url 'http://localhost:80'") != std::string::npos);
    CHECK(o.err.find("numeric") != std::string::npos);
    CHECK(o.out.empty());
    o = tasklab_cli("run fetch --url '' --tasks 1");
    CHECK(o.code == 2);

    o = tasklab::test::run_command(TASKLAB_EXE, "serve --port 0", "exec timeout --preserve-status -s INT 1 ");
    CHECK(o.code == 0);
    CHECK(o.out.find("tasklab serve: listening on http://127.0.0.1:") != std::string::npos);
}
