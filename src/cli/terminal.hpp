#pragma once
// What the CLI asks of the terminal: whether to colour, how wide it is, and a progress line
// on stderr that is drawn only on a terminal and removed at the end. Only the CLI reads the
// environment or asks whether it writes to a terminal.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace tasklab::cli {

/// Colour on stdout: only on a terminal, and never when NO_COLOR is set (no-color.org).
bool stdout_wants_colour();
/// Columns of the terminal on stdout, else $COLUMNS, else 100.
std::size_t terminal_width();

/// "coroutine run 2/3: 37/100 tasks  1.2 s", redrawn in place on stderr at most ten times a
/// second. Inert unless stderr is a terminal and the user did not ask for --quiet.
class progress_line {
public:
    explicit progress_line(bool quiet);
    ~progress_line();
    progress_line(const progress_line&) = delete;
    progress_line& operator=(const progress_line&) = delete;

    bool active() const noexcept { return active_; }
    void start_run(std::string_view backend, std::size_t run, std::size_t runs, bool warmup);
    /// From the heartbeat, maybe on another thread.
    void update(std::size_t done, std::size_t total);
    /// "bench 3/12: thread 1,000 waiting" - between the steps of a measurement, never during one.
    void step(std::string_view command, std::size_t step, std::size_t steps, std::string_view what);
    void clear();

private:
    bool active_;
    std::mutex mutex_;
    std::string label_;
    std::chrono::steady_clock::time_point run_start_{};
    std::chrono::steady_clock::time_point last_draw_{};
    bool drawn_ = false;
};

}  // namespace tasklab::cli
