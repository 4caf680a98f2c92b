#include "support.hpp"

#include <atomic>
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

#include "wire.hpp"
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace tasklab::test {

std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

cli_outcome run_command(const std::string& exe, const std::string& args, const std::string& prefix) {
    char out_path[] = "/tmp/tasklab-test-out-XXXXXX";
    char err_path[] = "/tmp/tasklab-test-err-XXXXXX";
    ::close(::mkstemp(out_path));
    ::close(::mkstemp(err_path));
    const std::string cmd = prefix + exe + " " + args + " >" + out_path + " 2>" + err_path + " </dev/null";
    const int status = std::system(cmd.c_str());
    cli_outcome o;
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.out = slurp(out_path);
    o.err = slurp(err_path);
    ::unlink(out_path);
    ::unlink(err_path);
    return o;
}
namespace {

class fail_task final : public task_type {
public:
    std::string_view name() const override { return "fail"; }
    std::string_view summary() const override { return "test: task --at throws"; }
    std::vector<param_spec> params() const override {
        return {{"at", "index of the task that throws", param_kind::integer, "1", 0, 1e6, {}}};
    }
    std::unique_ptr<const workload> make(const scenario_settings& s) const override {
        struct w final : workload {
            std::int64_t at;
            explicit w(std::int64_t a) : at(a) {}
            awaitable<task_result> run(context& ctx) const override {
                co_await ctx.yield();
                if (static_cast<std::int64_t>(ctx.index()) == at)
                    throw std::runtime_error("task " + std::to_string(at) + " failed on purpose");
                co_return task_result{static_cast<std::int64_t>(ctx.index())};
            }
        };
        return std::make_unique<w>(s.params.integer("at"));
    }
};

// Its check fails on every second run of a scenario: the run shown can be clean while another
// run failed.
class flaky_check_task final : public task_type {
public:
    std::string_view name() const override { return "flaky_check"; }
    std::string_view summary() const override { return "test: the check fails on every second run"; }
    std::vector<param_spec> params() const override { return {}; }
    std::unique_ptr<const workload> make(const scenario_settings&) const override {
        struct w final : workload {
            mutable std::atomic<int> runs{0};
            awaitable<task_result> run(context& ctx) const override {
                co_await ctx.yield();
                co_return task_result{1};
            }
            outcome conclude(std::span<const task_record> records, const void* shared) const override {
                auto out = workload::conclude(records, shared);
                out.check = "every second run fails";
                out.check_passed = ++runs % 2 == 1;
                return out;
            }
        };
        return std::make_unique<w>();
    }
};

class die_task final : public task_type {
public:
    std::string_view name() const override { return "die"; }
    std::string_view summary() const override { return "test: task --at kills its process"; }
    std::vector<param_spec> params() const override {
        return {{"at", "index of the task that dies", param_kind::integer, "0", 0, 1e6, {}},
                {"signal", "signal it sends itself", param_kind::integer, "9", 1, 64, {}},
                {"exit", "exit code instead of a signal (0: use the signal)", param_kind::integer, "0", 0, 255, {}}};
    }
    std::unique_ptr<const workload> make(const scenario_settings& s) const override {
        struct w final : workload {
            std::int64_t at, sig, code;
            w(std::int64_t a, std::int64_t s, std::int64_t c) : at(a), sig(s), code(c) {}
            awaitable<task_result> run(context& ctx) const override {
                co_await ctx.sleep_for(sim_seconds{0.01});
                if (static_cast<std::int64_t>(ctx.index()) == at) {
                    if (code > 0) ::_exit(static_cast<int>(code));
                    ::raise(static_cast<int>(sig));
                }
                co_return task_result{1};
            }
        };
        return std::make_unique<w>(s.params.integer("at"), s.params.integer("signal"), s.params.integer("exit"));
    }
};

// The only pipe a fork child holds open besides 0-2 is its result pipe (it closed the rest).
int result_pipe_of_this_child() {
    int found = -1;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d)) {
            const int fd = std::atoi(e->d_name);
            if (fd <= 2) continue;
            char target[64] = {};
            const std::string link = "/proc/self/fd/" + std::string(e->d_name);
            if (::readlink(link.c_str(), target, sizeof target - 1) > 0 && std::string_view(target).starts_with("pipe:"))
                found = fd;
        }
        ::closedir(d);
    }
    return found;
}

void write_all(int fd, const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ::_exit(5);
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

class bad_result_task final : public task_type {
public:
    std::string_view name() const override { return "bad_result"; }
    std::string_view summary() const override {
        return "test (fork only): task --at sends a bad result: half a frame, a 256 KiB flood, or a 256 KiB error";
    }
    std::vector<param_spec> params() const override {
        return {{"at", "index of the task that misbehaves", param_kind::integer, "0", 0, 1e6, {}},
                {"how", "half: half a valid frame, then exit 0; flood: 256 KiB of junk, then exit 0; "
                        "big_error: throw with a 256 KiB message",
                 param_kind::choice, "half", 0, 0, {"half", "flood", "big_error"}}};
    }
    std::unique_ptr<const workload> make(const scenario_settings& s) const override {
        struct w final : workload {
            std::int64_t at;
            std::string how;
            w(std::int64_t a, std::string h) : at(a), how(std::move(h)) {}
            awaitable<task_result> run(context& ctx) const override {
                co_await ctx.sleep_for(sim_seconds{0.01});
                if (static_cast<std::int64_t>(ctx.index()) != at) co_return task_result{1};
                if (how == "big_error") throw std::runtime_error(std::string(256 * 1024, 'e'));
                const int fd = result_pipe_of_this_child();
                if (fd < 0) ::_exit(6);
                if (how == "half") {
                    task_record r;
                    r.status = task_status::ok;
                    const auto frame = wire::encode(r);
                    write_all(fd, frame.data(), frame.size() / 2);
                } else {
                    const std::string junk(256 * 1024, 'j');  // more than a pipe buffer holds
                    write_all(fd, junk.data(), junk.size());
                }
                ::_exit(0);
            }
        };
        return std::make_unique<w>(s.params.integer("at"), s.params.choice("how"));
    }
};

// Ordinary in-process synchronisation: "gather" runs on the thread backend only, where a
// task may block its own thread.
struct gather_state {
    std::mutex m;
    std::condition_variable all_arrived;
    std::int64_t arrived = 0;
};

class gather_task final : public task_type {
public:
    std::string_view name() const override { return "gather"; }
    std::string_view summary() const override { return "test (thread backend): every task waits until all started"; }
    std::unique_ptr<const workload> make(const scenario_settings&) const override {
        struct w final : workload_with_shared<gather_state> {
            awaitable<task_result> run(context& ctx) const override {
                auto& state = ctx.shared<gather_state>();
                const auto count = static_cast<std::int64_t>(ctx.identity().count);
                std::unique_lock lock(state.m);
                if (++state.arrived == count) state.all_arrived.notify_all();
                // Bounded, so a task that never starts fails the test instead of hanging it.
                if (!state.all_arrived.wait_for(lock, std::chrono::seconds(60), [&] { return state.arrived == count; }))
                    throw std::runtime_error("not every task started within 60 s");
                co_return task_result{1};
            }
        };
        return std::make_unique<w>();
    }
};

}  // namespace

void add_test_tasks(registry& r) {
    r.add(std::make_unique<fail_task>());
    r.add(std::make_unique<die_task>());
    r.add(std::make_unique<gather_task>());
    r.add(std::make_unique<bad_result_task>());
    r.add(std::make_unique<flaky_check_task>());
}

const registry& all_task_types() {
    static const registry r = [] {
        registry reg;
        add_builtin_tasks(reg);
        add_test_tasks(reg);
        return reg;
    }();
    return r;
}

std::vector<const backend*> builtin_backends(std::initializer_list<std::string_view> names) {
    static const registry builtins = [] {
        registry r;
        add_builtin_backends(r);
        return r;
    }();
    std::vector<const backend*> out;
    if (names.size() == 0)
        for (const auto& b : builtins.backends()) out.push_back(b.get());
    for (const auto name : names)
        if (const auto* b = builtins.find_backend(name)) out.push_back(b);
    return out;
}

scenario make_with(std::string_view task, std::size_t tasks, param_list params, double time_scale,
                   const std::function<void(scenario_settings&)>& adjust) {
    const auto* type = all_task_types().find(task);
    if (!type) throw std::invalid_argument("no task type " + std::string(task));
    scenario_settings settings;
    settings.tasks = tasks;
    settings.time_scale = time_scale;
    adjust(settings);
    return make_scenario(*type, std::move(settings), params);
}

scenario make(std::string_view task, std::size_t tasks, param_list params, double time_scale, sharing memory) {
    return make_with(task, tasks, std::move(params), time_scale, [memory](scenario_settings& s) { s.memory = memory; });
}

run_report run_on(std::string_view backend, const scenario& s, const run_options& options) {
    const auto b = make_backend(backend);
    if (!b) throw std::invalid_argument("no backend " + std::string(backend));
    return b->run(s, options);
}

comparison compare_on(std::initializer_list<std::string_view> names, const scenario& s, std::size_t runs,
                      std::size_t warmup) {
    compare_options options;
    options.runs = runs;
    options.warmup = warmup;
    return compare(s, builtin_backends(names), options);
}

std::size_t open_fds() {
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
        --n;  // the directory stream's own descriptor
    }
    return n;
}

std::size_t threads_alive() {
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/task")) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++n;
        ::closedir(d);
    }
    return n;
}

bool no_children_left() {
    int status = 0;
    return ::waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD;
}

}  // namespace tasklab::test
