#include "cli/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tasklab::cli {

bool stdout_wants_colour() { return ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr; }

std::size_t terminal_width() {
    winsize ws{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40) return ws.ws_col;
    if (const char* columns = std::getenv("COLUMNS")) {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(columns, columns + std::strlen(columns), n);
        if (ec == std::errc{} && n >= 40 && n <= 1000) return n;
    }
    return 100;
}

progress_line::progress_line(bool quiet) : active_(!quiet && ::isatty(STDERR_FILENO)) {}

progress_line::~progress_line() { clear(); }

void progress_line::start_run(std::string_view backend, std::size_t run, std::size_t runs, bool warmup) {
    if (!active_) return;
    const std::lock_guard lock(mutex_);
    label_ = fmt::format("{} {} {}/{}", backend, warmup ? "warm-up" : "run", run, runs);
    run_start_ = std::chrono::steady_clock::now();
    last_draw_ = {};
}

void progress_line::update(std::size_t done, std::size_t total) {
    if (!active_) return;
    const auto now = std::chrono::steady_clock::now();
    const std::lock_guard lock(mutex_);
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double elapsed = std::chrono::duration<double>(now - run_start_).count();
    // \r and erase-line: the line is redrawn in place, never scrolled.
    const auto line = fmt::format("\r\x1b[K{}: {}/{} tasks  {:.1f} s", label_, done, total, elapsed);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void progress_line::step(std::string_view command, std::size_t step, std::size_t steps, std::string_view what) {
    if (!active_) return;
    const std::lock_guard lock(mutex_);
    const auto line = fmt::format("\r\x1b[K{} {}/{}: {}", command, step + 1, steps, what);
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
    drawn_ = true;
}

void progress_line::clear() {
    if (!active_) return;
    const std::lock_guard lock(mutex_);
    if (!drawn_) return;
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace tasklab::cli
