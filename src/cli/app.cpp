#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>

#include "bench/bench.hpp"
#include "bench/c10k.hpp"
#include "cli/demo.hpp"
#include "tasklab/backends/catalog.hpp"
#include "tasklab/cli.hpp"
#include "tasklab/errors.hpp"
#include "cli/terminal.hpp"
#include "tasklab/comparison.hpp"
#include "tasklab/format/csv.hpp"
#include "tasklab/format/json.hpp"
#include "tasklab/format/markdown.hpp"
#include "tasklab/format/table.hpp"
#include "tasklab/format/timeline.hpp"
#include "tasklab/format/trace.hpp"
#include "tasklab/http_server.hpp"
#include "tasklab/metrics.hpp"
#include "tasklab/version.hpp"

namespace tasklab {
namespace {

/// What `tasklab run <task>` collects; every value stays text until checked, so each
/// mistake gets a message naming its option.
struct run_request {
    const task_type* type = nullptr;
    CLI::App* command = nullptr;
    std::string backends = "all";
    std::string tasks;
    std::string seed = "1";
    std::string time_scale = "0.1";
    std::string memory = "shared";
    std::string format = "table";
    std::string runs = "3";
    std::string warmup = "0";
    std::string timeout = "0";
    std::string workers = "0";
    std::string fail, fail_rate = "0", crash, crash_signal = "SEGV", hang, spin;  // faults on purpose
    std::string export_json, export_csv, export_markdown, trace_file;
    bool timeline = false;
    bool quiet = false;
    std::map<std::string, std::string> params;  // only those given
};

/// Where one rendering goes: stdout ("-") or a file opened before anything runs, so that an
/// unwritable path is bad usage, not a run thrown away at the end.
class output {
public:
    output(const std::string& option, const std::string& path) : option_(option), path_(path) {
        if (path.empty() || path == "-") return;
        file_.open(path, std::ios::out | std::ios::trunc);
        if (!file_) throw usage_error(fmt::format("{} {}: cannot write there: {}", option, path, std::strerror(errno)));
    }
    bool wanted() const { return !path_.empty(); }
    /// Renders the document only when this output was asked for: a trace or a JSON report of
    /// a million tasks costs more than the run itself.
    template <class Render>
    void write(Render&& render) {
        if (wanted()) put(render());
    }

private:
    void put(const std::string& text) {
        std::ostream& out = file_.is_open() ? static_cast<std::ostream&>(file_) : std::cout;
        errno = 0;  // a stream keeps no error code: errno after the failed write is the only one
        out << text;
        out.flush();
        if (!out)
            throw std::runtime_error(fmt::format("{}: write failed: {}",
                                                 path_ == "-" ? "standard output" : option_ + " " + path_,
                                                 errno != 0 ? std::strerror(errno) : "unknown error"));
    }

    std::string option_;
    std::string path_;
    std::ofstream file_;
};

/// The library names a setting in backquotes, as `tasks`; the command line shows its option.
std::string with_options(std::string_view message) {
    std::string out;
    while (true) {
        const auto open = message.find('`');
        const auto close = open == std::string_view::npos ? open : message.find('`', open + 1);
        if (close == std::string_view::npos) break;
        out.append(message.substr(0, open)).append("--").append(message.substr(open + 1, close - open - 1));
        message.remove_prefix(close + 1);
    }
    return out.append(message);
}

template <class T>
T parse_number(const std::string& option, const std::string& text, std::string_view expected) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
        throw usage_error(fmt::format("{}: expected {}, got '{}'", option, expected, text));
    return value;
}

/// "3,7" -> {3, 7}; "" -> {}.
std::vector<std::size_t> parse_indices(const std::string& option, const std::string& text) {
    std::vector<std::size_t> out;
    std::string_view rest = text;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        out.push_back(parse_number<std::size_t>(option, std::string(rest.substr(0, comma)),
                                                "task numbers separated by commas, e.g. 3 or 0,5"));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    return out;
}

fault_plan parse_faults(const run_request& req) {
    fault_plan f;
    f.fail = parse_indices("--fail", req.fail);
    f.fail_rate = parse_number<double>("--fail-rate", req.fail_rate, "a probability from 0 to 1");
    f.crash = parse_indices("--crash", req.crash);
    f.crash_signal = crash_signal_by_name(req.crash_signal);
    f.hang = parse_indices("--hang", req.hang);
    f.spin = parse_indices("--spin", req.spin);
    return f;
}

/// "thread,all" -> the registry's backends that the list names, each once, in registry order.
std::vector<const backend*> parse_backends(const registry& reg, const std::string& text) {
    std::vector<std::string_view> known;
    for (const auto& b : reg.backends()) known.push_back(b->name());
    std::vector<std::string_view> names;
    std::string_view rest = text;
    while (true) {
        const auto comma = rest.find(',');
        const auto name = rest.substr(0, comma);
        if (name == "all")
            names.insert(names.end(), known.begin(), known.end());
        else if (std::find(known.begin(), known.end(), name) != known.end())
            names.push_back(name);
        else
            throw usage_error(fmt::format("--backend: unknown backend '{}' (known: {}, or all)", name, fmt::join(known, ", ")));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
    }
    std::vector<const backend*> out;
    for (const auto& b : reg.backends())  // report order, each once
        if (std::find(names.begin(), names.end(), b->name()) != names.end()) out.push_back(b.get());
    return out;
}

scenario build_scenario(const run_request& req) {
    scenario_settings settings;
    settings.task = std::string(req.type->name());
    settings.tasks = req.tasks.empty() ? req.type->default_tasks()
                                       : parse_number<std::size_t>("--tasks", req.tasks, "a whole number above 0");
    settings.seed = parse_number<std::uint64_t>("--seed", req.seed, "a whole number from 0 to 2^64-1");
    settings.time_scale = parse_number<double>("--time-scale", req.time_scale, "a number above 0");
    settings.memory = req.memory == "private" ? sharing::private_copy : sharing::shared;
    settings.timeout = parse_number<double>("--timeout", req.timeout, "simulated seconds, 0 for none");
    settings.workers = parse_number<std::size_t>("--workers", req.workers, "a whole number, 0 for one per core");
    settings.faults = parse_faults(req);
    return make_scenario(*req.type, std::move(settings), param_texts(req.params.begin(), req.params.end()));
}

constexpr std::size_t max_runs = 1000;

// The signal that stopped the run; 0 while none has. Lock-free, so a handler may store to it.
std::atomic<int> stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
    int none = 0;
    if (!stop_signal.compare_exchange_strong(none, sig)) {
        // A second signal: the user means it. Die of it; the children die with us
        // (PR_SET_PDEATHSIG).
        ::signal(sig, SIG_DFL);
        ::raise(sig);
    }
}

/// SIGINT and SIGTERM stop the run instead of killing tasklab, while a comparison runs: the
/// backends see stop_signal at their next heartbeat tick, cancel what runs, and report.
class stop_on_signals {
public:
    stop_on_signals() {
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        ::sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &action, &saved_int_);
        ::sigaction(SIGTERM, &action, &saved_term_);
    }
    ~stop_on_signals() {
        ::sigaction(SIGINT, &saved_int_, nullptr);
        ::sigaction(SIGTERM, &saved_term_, nullptr);
    }
    stop_on_signals(const stop_on_signals&) = delete;
    stop_on_signals& operator=(const stop_on_signals&) = delete;

private:
    struct sigaction saved_int_ {};
    struct sigaction saved_term_ {};
};

int run_command(const registry& reg, const run_request& req) {
    // Every connection is a descriptor, and so is each fork child's pipe: a run of thousands
    // needs more than the usual soft limit of 1024; the hard limit is what the administrator
    // allows. Raised before the scenario is built (the embedded server inherits it).
    raise_open_files_limit();
    // Everything is checked, and every output opened, before the first task runs.
    const auto s = build_scenario(req);
    const auto backends = parse_backends(reg, req.backends);
    for (const auto& b : backends) b->check(s);
    compare_options options;
    options.runs = parse_number<std::size_t>("--runs", req.runs, "a whole number from 1 to 1000");
    options.warmup = parse_number<std::size_t>("--warmup", req.warmup, "a whole number from 0 to 1000");
    if (options.runs == 0 || options.runs > max_runs) throw usage_error(fmt::format("--runs: expected 1 to {}, got {}", max_runs, options.runs));
    if (options.warmup > max_runs) throw usage_error(fmt::format("--warmup: expected 0 to {}, got {}", max_runs, options.warmup));
    if (req.timeline && (req.format == "json" || req.format == "csv"))
        throw usage_error(fmt::format("--timeline draws for a person and would break --format {}: use --export-{} "
                                      "FILE for the {} and keep the table on stdout",
                                      req.format, req.format, req.format));
    // One document per stream: stdout carries the report, so no export may go there too.
    for (const auto& [option, path] : {std::pair{"--export-json", &req.export_json}, std::pair{"--export-csv", &req.export_csv},
                                       std::pair{"--export-markdown", &req.export_markdown}, std::pair{"--trace", &req.trace_file}})
        if (*path == "-")
            throw usage_error(fmt::format("{} -: standard output already carries the report (--format {}), and two "
                                          "documents on one stream can be read as neither: write it to a file",
                                          option, req.format));
    output stdout_out("--format", "-");
    output json_out("--export-json", req.export_json);
    output csv_out("--export-csv", req.export_csv);
    output markdown_out("--export-markdown", req.export_markdown);
    output trace_out("--trace", req.trace_file);

    cli::progress_line progress(req.quiet);
    options.run.record_waits = req.timeline || trace_out.wanted();
    if (progress.active()) {
        options.run.progress = [&progress](std::size_t done, std::size_t total) { progress.update(done, total); };
        options.on_run = [&progress](std::string_view backend, std::size_t run, std::size_t runs, bool warmup) {
            progress.start_run(backend, run, runs, warmup);
        };
    }
    options.run.stop_signal = &stop_signal;
    // The test seam of docs/failures.md: creation fails from this task on, as at a limit.
    if (const char* at = std::getenv("TASKLAB_TEST_FAIL_CREATION_AT"); at && *at)
        options.run.fail_creation_at =
            parse_number<std::size_t>("TASKLAB_TEST_FAIL_CREATION_AT", at, "a task number");
    const auto result = [&] {
        const stop_on_signals stopper;
        return compare(s, backends, options);
    }();
    progress.clear();
    if (!result.stopped_by.empty())
        std::cerr << fmt::format("tasklab: stopped by {}: the report holds what ran until then; tasks cut short or "
                                 "never started are counted as cancelled\n",
                                 result.stopped_by);
    if (result.results.empty()) return exit_signal_base + stop_signal.load();

    const bool colour = cli::stdout_wants_colour();
    stdout_out.write([&] {
        if (req.format == "json") return format::json(result);
        if (req.format == "csv") return format::csv(result);
        if (req.format == "markdown") return format::markdown(result);
        return format::table(result, {colour});
    });
    if (req.timeline)
        stdout_out.write([&] { return "\n" + format::timeline(result, {cli::terminal_width(), 20, colour}); });
    json_out.write([&] { return format::json(result); });
    csv_out.write([&] { return format::csv(result); });
    markdown_out.write([&] { return format::markdown(result); });
    trace_out.write([&] { return format::trace(result); });

    const bool all_ok = std::all_of(result.results.begin(), result.results.end(), [](const backend_runs& r) {
        return std::all_of(r.runs.begin(), r.runs.end(), [](const run_report& rep) {
            const auto m = measure(rep);
            return m.tasks_failed == 0 && m.tasks_cancelled == 0 && rep.result.check_passed;
        });
    });
    if (const int sig = stop_signal.load(); sig != 0) return exit_signal_base + sig;
    return all_ok ? exit_ok : exit_failure;
}

/// What `tasklab bench` collects, as text until checked.
struct bench_request {
    std::string format = "table";
    std::string backends = "all";
    bool scale = false;
    std::string rounds;  // empty: the bench's default
    std::string tasks;   // empty: each probe's own
    bool quiet = false;
};

int bench_command(const bench_request& req) {
    // Everything is checked before the first probe runs. The bench measures the built-in
    // backends, each against the bare mechanism it is built on.
    bench::options options;
    options.scale = req.scale;
    registry builtin;
    add_builtin_backends(builtin);
    for (const auto* b : parse_backends(builtin, req.backends)) options.backends.emplace_back(b->name());
    if (!req.rounds.empty()) {
        options.rounds = parse_number<std::size_t>("--rounds", req.rounds, "a whole number from 1 to 1000");
        if (options.rounds == 0 || options.rounds > max_runs)
            throw usage_error(fmt::format("--rounds: expected 1 to {}, got {}", max_runs, options.rounds));
    }
    if (!req.tasks.empty()) {
        options.tasks = parse_number<std::size_t>("--tasks", req.tasks, "a whole number above 0");
        if (options.tasks == 0) throw usage_error("--tasks: expected a whole number above 0, got 0");
    }
    bench::check(options);
    output stdout_out("--format", "-");

    // The progress line is drawn between probes, never while one is measured.
    cli::progress_line progress(req.quiet);
    if (progress.active())
        options.progress = [&](const std::string& what, std::size_t step, std::size_t steps) {
            progress.step("bench", step, steps, what);
        };
    const auto result = bench::run(options);
    progress.clear();
    stdout_out.write([&] { return req.format == "json" ? bench::json(result) : bench::table(result, cli::stdout_wants_colour()); });

    // A task that failed in the bench is a broken backend (exit 1); at --scale the thread
    // sweep is expected to meet the machine's ceiling, and says so.
    if (req.scale) return exit_ok;
    for (const auto& c : result.cases) {
        if (c.tasklab.failed) return exit_failure;
        for (const auto& s : c.raw)
            if (s.failed) return exit_failure;
    }
    return exit_ok;
}

/// What `tasklab c10k` collects, as text until checked.
struct c10k_request {
    std::string format = "table";
    std::string backends = "coroutine,thread,fork";
    std::string connections;  // empty: the experiment's default
    std::string hold;
    std::string size;
    bool quiet = false;
};

int c10k_command(const c10k_request& req) {
    bench::c10k_options options;
    registry builtin;
    add_builtin_backends(builtin);
    for (const auto* b : parse_backends(builtin, req.backends)) options.backends.emplace_back(b->name());
    if (!req.connections.empty())
        options.largest = parse_number<std::size_t>("--connections", req.connections, "a whole number above 0");
    if (!req.hold.empty()) options.hold_s = parse_number<double>("--hold", req.hold, "seconds, e.g. 3 or 0.5");
    if (!req.size.empty()) options.size = parse_number<std::uint64_t>("--size", req.size, "a number of bytes");
    bench::check(options);
    output stdout_out("--format", "-");

    cli::progress_line progress(req.quiet);
    if (progress.active())
        options.progress = [&](const std::string& what, std::size_t step, std::size_t steps) {
            progress.step("c10k", step, steps, what);
        };
    const auto result = bench::run_c10k(options);
    progress.clear();
    stdout_out.write([&] {
        return req.format == "json" ? bench::c10k_json(result) : bench::c10k_table(result, cli::stdout_wants_colour());
    });
    // Every backend is expected to stop somewhere: that is the experiment's finding, not a
    // failure. A backend that could not serve its smallest size, though, is broken (exit 1).
    for (const auto& s : result.series)
        if (!s.points.empty() && s.points.front().failed > 0) return exit_failure;
    return exit_ok;
}

int list_command(const registry& registry) {
    std::size_t width = 0;
    for (const auto& t : registry.all()) width = std::max(width, t->name().size());
    for (const auto& b : registry.backends()) width = std::max(width, b->name().size());
    std::cout << "task types (tasklab run <task> --help shows their options):\n";
    for (const auto& t : registry.all()) std::cout << fmt::format("  {:<{}}  {}\n", t->name(), width, t->summary());
    std::cout << "\nbackends (--backend name,name or all):\n";
    for (const auto& b : registry.backends())
        std::cout << fmt::format("  {:<{}}  {}\n", b->name(), width, b->summary());
    return exit_ok;
}

void add_run_options(CLI::App& cmd, run_request& req) {
    cmd.add_option("-b,--backend", req.backends, "backends to compare: name,name,... or all")
        ->type_name("LIST")
        ->capture_default_str();
    cmd.add_option("--tasks", req.tasks,
                   fmt::format("number of tasks (default {})", req.type->default_tasks()))
        ->type_name("N");
    cmd.add_option("--seed", req.seed, "seed of the random durations; the same seed, the same run")
        ->type_name("S")
        ->capture_default_str();
    cmd.add_option("--time-scale", req.time_scale, "real seconds per simulated second (the lesson's: 1)")
        ->type_name("X")
        ->capture_default_str();
    cmd.add_option("--sharing", req.memory, "fork: shared memory, or a private copy per child")
        ->type_name("MODE")
        ->check(CLI::IsMember({"shared", "private"}))
        ->capture_default_str();
    cmd.add_option("--format", req.format, "what stdout gets: table, json, csv or markdown")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"table", "json", "csv", "markdown"}))
        ->capture_default_str();
    cmd.add_option("--timeout", req.timeout,
                   "per task, in simulated seconds (scaled like every wait); a task still running then is "
                   "cancelled - fork: SIGTERM, then SIGKILL; 0: none")
        ->type_name("D")
        ->capture_default_str();
    cmd.add_option("--workers", req.workers,
                   "pool: how many worker threads run the tasks; 0: one per core")
        ->type_name("N")
        ->capture_default_str();
    cmd.add_option("--runs", req.runs, "measured runs per backend (statistics over them)")->type_name("R")->capture_default_str();
    cmd.add_option("--warmup", req.warmup, "unmeasured runs per backend before them")->type_name("W")->capture_default_str();
    cmd.add_option("--export-json", req.export_json, "also write the JSON report to FILE")
        ->type_name("FILE");
    cmd.add_option("--export-csv", req.export_csv, "also write the CSV report to FILE")
        ->type_name("FILE");
    cmd.add_option("--export-markdown", req.export_markdown, "also write the Markdown report to FILE")
        ->type_name("FILE");
    cmd.add_flag("--timeline", req.timeline, "draw each backend's tasks over time after the report");
    cmd.add_option("--trace", req.trace_file, "write a Chrome trace (Perfetto, chrome://tracing) to FILE")
        ->type_name("FILE");
    cmd.add_flag("-q,--quiet", req.quiet, "no progress line on stderr");
    const auto* faults = "Faults on purpose (docs/failures.md)";
    cmd.add_option("--fail", req.fail, "these tasks throw at their start")->type_name("I,J")->group(faults);
    cmd.add_option("--fail-rate", req.fail_rate, "each task not named by another fault option throws with this probability (seeded)")
        ->type_name("P")
        ->group(faults);
    cmd.add_option("--crash", req.crash, "these tasks' processes die at their first wait (fork only)")
        ->type_name("I,J")
        ->group(faults);
    cmd.add_option("--crash-signal", req.crash_signal, "what --crash dies of: SEGV, KILL, ABRT, BUS, FPE, ILL, TERM")
        ->type_name("SIG")
        ->check(CLI::IsMember({"SEGV", "KILL", "ABRT", "BUS", "FPE", "ILL", "TERM"}))
        ->capture_default_str()
        ->group(faults);
    cmd.add_option("--hang", req.hang, "these tasks wait forever (needs --timeout)")->type_name("I,J")->group(faults);
    cmd.add_option("--spin", req.spin, "these tasks compute forever, ignoring stop requests (needs --timeout; thread, fork)")
        ->type_name("I,J")
        ->group(faults);
    for (const auto& spec : req.type->params()) {
        auto* opt = cmd.add_option_function<std::string>(
            "--" + spec.name, [&req, name = spec.name](const std::string& v) { req.params[name] = v; },
            spec.default_value.empty() ? spec.help : fmt::format("{} (default {})", spec.help, spec.default_value));
        if (spec.kind == param_kind::choice)
            opt->check(CLI::IsMember(spec.choices))->type_name("CHOICE");
        else if (spec.kind == param_kind::text)
            opt->type_name("TEXT");
        else
            opt->type_name(spec.kind == param_kind::integer ? "N" : "X");
    }
}

}  // namespace

/// Every option that takes a value refuses an empty one (`--tasks ''`, `--tasks=`,
/// `--export-json ''`): it would otherwise mean "the default" or "nothing", silently.
void refuse_empty_values(CLI::App& app) {
    const CLI::Validator non_empty(
        [](std::string& value) { return value.empty() ? std::string("an empty value; give one or leave the option out") : std::string(); },
        "", "non-empty");
    for (auto* opt : app.get_options([](CLI::Option* o) { return o->get_type_size_min() > 0; })) opt->check(non_empty);
    for (auto* sub : app.get_subcommands([](CLI::App*) { return true; })) refuse_empty_values(*sub);
}

/// A standard stream closed at start (`>&-`) would be taken by the first file opened, and an
/// export would receive the report meant for stdout. Each closed one is opened on /dev/null:
/// what was closed stays unwritten, and every file gets only its own document.
void open_closed_standard_streams() noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        // The lowest free descriptor: fd itself, since the ones below it are open by now.
        const int null = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (null >= 0 && null != fd) {
            ::dup2(null, fd);
            ::close(null);
        }
    }
}

int run_cli(const registry& registry, int argc, char** argv) {
    open_closed_standard_streams();
    CLI::App app{"tasklab runs the same tasks under different concurrency models and measures the difference."};
    app.set_version_flag("--version", std::string("tasklab ") + version);
    app.require_subcommand(0, 1);

    auto* run = app.add_subcommand("run", "run one task type on one or more backends and compare them");
    run->require_subcommand(0, 1);
    run->allow_extras();  // so an unknown task name gets our own message below
    std::deque<run_request> requests;
    for (const auto& type : registry.all()) {
        auto& req = requests.emplace_back();
        req.type = type.get();
        req.command = run->add_subcommand(std::string(type->name()), std::string(type->summary()));
        add_run_options(*req.command, req);
    }
    auto* list = app.add_subcommand("list", "list the task types and the backends");
    auto* demo = app.add_subcommand("demo", "the lesson's tour: downloads, deposits, a frozen loop and a sum on every backend, then many connections");
    bool demo_quiet = false;
    demo->add_flag("-q,--quiet", demo_quiet, "no progress line on stderr");
    auto* bench_cmd = app.add_subcommand(
        "bench", "what each backend costs per task, against the same mechanism without tasklab; --scale: how it grows");
    bench_request bench_req;
    bench_cmd->add_option("--format", bench_req.format, "what stdout gets: table or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
    bench_cmd->add_option("-b,--backend", bench_req.backends, "backends to measure: name,name,... or all")
        ->type_name("LIST")
        ->capture_default_str();
    bench_cmd->add_flag("--scale", bench_req.scale,
                    "sweep N of tasks waiting at once (coroutine to 1e6, thread to 1e4 or the machine's ceiling, "
                    "fork to 1e3)");
    bench_cmd
        ->add_option("--rounds", bench_req.rounds, "measured rounds, alternating raw and tasklab (default 7; --scale: 3)")
        ->type_name("R");
    bench_cmd
        ->add_option("--tasks", bench_req.tasks, "N of every probe (default: each its own; --scale: the largest N)")
        ->type_name("N");
    bench_cmd->add_flag("-q,--quiet", bench_req.quiet, "no progress line on stderr");
    auto* c10k = app.add_subcommand(
        "c10k", "hold N slow connections open at once, N = 10 ... 10,000, on each backend: what each costs, where "
                "each stops and why");
    c10k_request c10k_req;
    c10k->add_option("--format", c10k_req.format, "what stdout gets: table or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
    c10k->add_option("-b,--backend", c10k_req.backends, "backends to sweep: name,name,... (not sequential)")
        ->type_name("LIST")
        ->capture_default_str();
    c10k->add_option("--connections", c10k_req.connections, "the sweep's largest N (default 10000)")->type_name("N");
    c10k->add_option("--hold", c10k_req.hold, "seconds each connection lasts (default 5)")->type_name("SECONDS");
    c10k->add_option("--size", c10k_req.size, "bytes of each response body, 1 or more (default 1024)")
        ->type_name("BYTES");
    c10k->add_flag("-q,--quiet", c10k_req.quiet, "no progress line on stderr");
    auto* serve = app.add_subcommand(
        "serve", "run tasklab's HTTP server alone (what `run fetch` starts for itself), until Ctrl-C");
    endpoint serve_at{"127.0.0.1", 8080};
    serve->add_option("--port", serve_at.port, "the port on 127.0.0.1 (0: any free one)")
        ->type_name("PORT")
        ->capture_default_str();


    // After the subcommands, which would otherwise inherit it: "with no command" is the top
    // level's alone.
    app.footer(
        "With no command, tasklab runs the demo.\n"
        "Exit codes: 0 ok; 1 a task failed, was cancelled or a result check failed; 2 bad usage (nothing ran);\n"
        "130/143 stopped by SIGINT/SIGTERM (the partial report is printed).\n"
        "Examples:\n"
        "  tasklab run download --tasks 10 --backend all\n"
        "  tasklab run deposit --tasks 100 --sync none --backend coroutine,thread --format json\n"
        "  tasklab run compute --tasks 2 --backend sequential,thread\n"
        "  tasklab bench --format json\n"
        "  tasklab c10k --connections 1000");
    refuse_empty_values(app);

    try {
        // CLI11 reads `--tasks=` as `--tasks` and takes the next argument for its value.
        for (int i = 1; i < argc; ++i)
            if (const std::string_view arg = argv[i]; arg.starts_with("--") && arg.ends_with("="))
                throw usage_error(fmt::format("{}: an empty value; give one or leave the option out", arg));
        app.parse(argc, argv);
        if (*run) {
            const auto extras = app.remaining(true);  // from every level: run and its task
            for (const auto& req : requests) {
                if (!*req.command) continue;
                if (!extras.empty())
                    throw usage_error(fmt::format("run {}: unknown argument(s): {} (see tasklab run {} --help)",
                                                  req.type->name(), fmt::join(extras, " "), req.type->name()));
                return run_command(registry, req);
            }
            std::vector<std::string_view> names;
            for (const auto& t : registry.all()) names.push_back(t->name());
            if (!extras.empty())
                throw usage_error(fmt::format("unknown task type '{}' (known: {})", extras.front(), fmt::join(names, ", ")));
            throw usage_error(fmt::format("run needs a task type: {}", fmt::join(names, ", ")));
        }
        if (*list) return list_command(registry);
        if (*bench_cmd) return bench_command(bench_req);
        if (*c10k) return c10k_command(c10k_req);
        if (*serve) return http::serve_until_signalled(serve_at, std::cout);
        (void)demo;
        return cli::run_demo(registry, {cli::stdout_wants_colour(), cli::terminal_width(), demo_quiet}, std::cout);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e) == 0 ? exit_ok : exit_usage;  // --help, --version
        // Worded like every other usage error; CLI11's own words after the prefix.
        std::cerr << "tasklab: " << e.what() << " (see tasklab --help)\n";
        return exit_usage;
    } catch (const usage_error& e) {
        std::cerr << "tasklab: " << with_options(e.what()) << "\n";
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "tasklab: " << e.what() << "\n";
        return exit_failure;
    }
}

}  // namespace tasklab
