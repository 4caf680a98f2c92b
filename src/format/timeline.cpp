#include "tasklab/format/timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/cells.hpp"

namespace tasklab::format {

namespace {

// What a cell shows. The order of the in-flight states is also the order that wins a tie.
enum class glyph : std::uint8_t { idle, running, interleaved, waiting, failed };

constexpr std::string_view text_of(glyph g) noexcept {
    switch (g) {
    case glyph::idle: return " ";
    case glyph::running: return "█";
    case glyph::interleaved: return "▒";
    case glyph::waiting: return "░";
    case glyph::failed: return "✗";
    }
    return " ";
}

constexpr std::string_view colour_of(glyph g) noexcept {
    switch (g) {
    case glyph::idle: return "";
    case glyph::running: return "\x1b[32m";      // green
    case glyph::interleaved: return "\x1b[33m";  // yellow
    case glyph::waiting: return "\x1b[36m";      // cyan
    case glyph::failed: return "\x1b[1;31m";     // bold red
    }
    return "";
}

constexpr std::array<std::string_view, 8> spark{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

struct palette {
    bool on = false;
    std::string_view bold() const { return on ? "\x1b[1m" : ""; }
    std::string_view dim() const { return on ? "\x1b[2m" : ""; }
    std::string_view magenta() const { return on ? "\x1b[35m" : ""; }
    std::string_view reset() const { return on ? "\x1b[0m" : ""; }
};

/// Display columns of UTF-8 text: one per code point (every glyph used here is one column wide).
std::size_t columns(std::string_view s) noexcept {
    std::size_t n = 0;
    for (const char ch : s)
        if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
    return n;
}

/// The first `width` display columns of `s`.
std::string fit(std::string_view s, std::size_t width) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && n++ == width) return std::string(s.substr(0, i));
    }
    return std::string(s);
}

/// The time axis 0..wall cut into `cols` equal cells; cell c covers [edge(c), edge(c + 1)).
struct axis {
    std::int64_t wall = 1;
    std::size_t cols = 1;

    double edge(std::size_t c) const noexcept {
        return static_cast<double>(wall) * static_cast<double>(c) / static_cast<double>(cols);
    }
    std::size_t cell_at(double t) const noexcept {
        const double c = std::floor(t * static_cast<double>(cols) / static_cast<double>(wall));
        return c <= 0 ? 0 : std::min(cols - 1, static_cast<std::size_t>(c));
    }
    /// The cell holding the instant just before t: where something ending at t is last seen.
    std::size_t cell_ending_at(double t) const noexcept {
        const double c = std::ceil(t * static_cast<double>(cols) / static_cast<double>(wall)) - 1;
        return c <= 0 ? 0 : std::min(cols - 1, static_cast<std::size_t>(c));
    }
    /// Adds to acc[c] the length of [a, b) that falls in cell c, for every cell: the
    /// integral over time, so that an interval shorter than a cell still counts.
    void add(std::vector<double>& acc, double a, double b) const {
        a = std::max(a, 0.0);
        b = std::min(b, static_cast<double>(wall));
        if (b <= a) return;
        std::size_t c = cell_at(a);
        if (c > 0 && edge(c) > a) --c;  // rounding at a cell edge
        for (; c < cols && edge(c) < b; ++c) {
            const double overlap = std::min(b, edge(c + 1)) - std::max(a, edge(c));
            if (overlap > 0) acc[c] += overlap;
        }
    }
};

/// Time spent in each state per cell, summed over the tasks of one row (ns).
struct row_time {
    std::vector<double> in_flight, interleaved, waiting;
    explicit row_time(std::size_t cols) : in_flight(cols, 0.0), interleaved(cols, 0.0), waiting(cols, 0.0) {}
    double running(std::size_t c) const { return std::max(0.0, in_flight[c] - interleaved[c] - waiting[c]); }

    /// The in-flight state with the most time in cell c (ties: running, interleaved, waiting).
    glyph busiest(std::size_t c) const {
        glyph g = glyph::running;
        double most = running(c);
        if (interleaved[c] > most) g = glyph::interleaved, most = interleaved[c];
        if (waiting[c] > most) g = glyph::waiting;
        return g;
    }
};

/// Adds one task's time to its row (and to the run's in-flight total): in flight from start
/// to end, minus its wait spans - clipped to the task and to each other, so every instant
/// counts once.
void add_task(const axis& ax, const task_record& rec, row_time& row, std::vector<double>& total) {
    const auto start = static_cast<double>(rec.start_ns);
    const auto end = static_cast<double>(std::max(rec.end_ns, rec.start_ns));
    ax.add(row.in_flight, start, end);
    ax.add(total, start, end);
    std::vector<wait_span> waits = rec.waits;
    std::sort(waits.begin(), waits.end(), [](const auto& a, const auto& b) { return a.start_ns < b.start_ns; });
    double cursor = start;
    for (const auto& w : waits) {
        const double a = std::max(static_cast<double>(w.start_ns), cursor);
        const double b = std::min(static_cast<double>(w.end_ns), end);
        if (b <= a) continue;
        ax.add(w.kind == wait_kind::interleaved ? row.interleaved : row.waiting, a, b);
        cursor = b;
    }
}

struct row {
    std::string label;
    std::vector<const task_record*> tasks;
};

/// A row of cells, coloured in runs, without trailing blanks.
std::string draw(const std::vector<glyph>& cells, const palette& p) {
    std::size_t used = cells.size();
    while (used > 0 && cells[used - 1] == glyph::idle) --used;
    std::string out;
    for (std::size_t c = 0; c < used;) {
        std::size_t e = c;
        while (e < used && cells[e] == cells[c]) ++e;
        const bool coloured = p.on && cells[c] != glyph::idle;
        if (coloured) out += colour_of(cells[c]);
        for (std::size_t i = c; i < e; ++i) out += text_of(cells[c]);
        if (coloured) out += p.reset();
        c = e;
    }
    return out;
}

/// "0", the middle and the wall time, spread over `cols` columns.
std::string time_axis(std::int64_t wall_ns, std::size_t cols) {
    const std::string left = "0";
    const std::string right = duration_text(static_cast<double>(wall_ns) / 1e9);
    const std::string mid = duration_text(static_cast<double>(wall_ns) / 2e9);
    const std::size_t lw = columns(left), rw = columns(right), mw = columns(mid);
    if (cols < lw + 1 + rw) return fit(left, cols);
    std::string out = left;
    std::size_t at = lw;
    const std::size_t mid_at = cols / 2 >= mw / 2 ? cols / 2 - mw / 2 : 0;
    if (mid_at >= lw + 2 && mid_at + mw + 2 <= cols - rw) {
        out.append(mid_at - at, ' ');
        out += mid;
        at = mid_at + mw;
    }
    out.append(cols - rw - at, ' ');
    out += right;
    return out;
}

std::string pad(std::string_view label, std::size_t width) {
    std::string out = fit(label, width == 0 ? 0 : width - 1);
    out.append(width - columns(out), ' ');
    return out;
}

void render_backend(std::string& out, const backend_runs& result, std::size_t runs, const timeline_style& style,
                    const palette& p, bool& any_failed) {
    const auto& rep = result.representative();
    const std::size_t width = std::max<std::size_t>(style.width, 2);

    std::vector<const task_record*> started;
    std::int64_t wall = rep.wall_ns;
    std::size_t never_started = 0;
    for (const auto& rec : rep.records) {
        if (!rec.started) {
            ++never_started;
            continue;
        }
        started.push_back(&rec);
        wall = std::max(wall, rec.end_ns);
    }
    std::sort(started.begin(), started.end(), [](auto* a, auto* b) { return a->index < b->index; });
    std::size_t peak = 0;
    if (!result.metrics.empty()) peak = result.representative_metrics().max_in_flight;

    // The title: as many of its parts as the width takes, the backend always.
    std::vector<std::string> parts{rep.backend,
                                   fmt::format("wall {}", duration_text(static_cast<double>(rep.wall_ns) / 1e9)),
                                   fmt::format("{} task{}", rep.records.size(), rep.records.size() == 1 ? "" : "s"),
                                   fmt::format("at most {} in flight", peak)};
    if (runs > 1) parts.push_back(fmt::format("(median of {} runs)", runs));
    if (never_started > 0) parts.push_back(fmt::format("{} never started", never_started));
    std::string title = fit(parts.front(), width);
    for (std::size_t i = 1; i < parts.size() && columns(title) + 2 + columns(parts[i]) <= width; ++i)
        title += "  " + parts[i];
    out += fmt::format("{}{}{}\n", p.bold(), title, p.reset());
    if (started.empty()) {
        out += fit("  (no task started)", width) + "\n";
        return;
    }
    wall = std::max<std::int64_t>(wall, 1);

    // Rows: one per task, or consecutive tasks grouped so that at most max_rows remain.
    const std::size_t max_rows = std::max<std::size_t>(style.max_rows, 1);
    const std::size_t per_row = (started.size() + max_rows - 1) / max_rows;
    std::vector<row> rows;
    for (std::size_t i = 0; i < started.size(); i += per_row) {
        row r;
        r.tasks.assign(started.begin() + static_cast<std::ptrdiff_t>(i),
                       started.begin() + static_cast<std::ptrdiff_t>(std::min(started.size(), i + per_row)));
        r.label = r.tasks.size() == 1
                      ? fmt::format("task {}", r.tasks.front()->index)
                      : fmt::format("tasks {}-{}", r.tasks.front()->index, r.tasks.back()->index);
        rows.push_back(std::move(r));
    }

    // The label column, then as many cells as the width leaves.
    std::size_t label_w = std::string_view("in flight").size();
    for (const auto& r : rows) label_w = std::max(label_w, r.label.size());
    label_w += 1;
    const std::size_t min_cols = std::min<std::size_t>(width / 2, 10);
    std::size_t cols = width > label_w ? width - label_w : 0;
    if (cols < min_cols) {
        cols = min_cols;
        label_w = width - cols;
    }
    const axis ax{wall, cols};

    std::vector<double> total(cols, 0.0);
    for (const auto& r : rows) {
        row_time time(cols);
        for (const auto* rec : r.tasks) add_task(ax, *rec, time, total);

        std::vector<glyph> cells(cols, glyph::idle);
        if (r.tasks.size() == 1) {
            // One task: the state that covers most of the cell, not being in flight included.
            for (std::size_t c = 0; c < cols; ++c) {
                const double idle = (ax.edge(c + 1) - ax.edge(c)) - time.in_flight[c];
                const glyph g = time.busiest(c);
                const double busy = g == glyph::running       ? time.running(c)
                                    : g == glyph::interleaved ? time.interleaved[c]
                                                              : time.waiting[c];
                if (busy > idle) cells[c] = g;
            }
            // A task shorter than half a cell still shows, in the cell it covers most.
            if (std::all_of(cells.begin(), cells.end(), [](glyph g) { return g == glyph::idle; })) {
                const auto most = std::max_element(time.in_flight.begin(), time.in_flight.end());
                if (*most > 0) {
                    const auto c = static_cast<std::size_t>(most - time.in_flight.begin());
                    cells[c] = time.busiest(c);
                }
            }
        } else {
            // A group: the state with the most task-time in the cell, blank when none is in flight.
            for (std::size_t c = 0; c < cols; ++c)
                if (time.in_flight[c] > 0) cells[c] = time.busiest(c);
        }
        for (const auto* rec : r.tasks)
            if (rec->status != task_status::ok) {
                cells[ax.cell_ending_at(static_cast<double>(std::max(rec->end_ns, rec->start_ns)))] = glyph::failed;
                any_failed = true;
            }
        out += pad(r.label, label_w) + draw(cells, p) + "\n";
    }

    // Tasks in flight per cell (time-averaged), scaled to the run's peak.
    double top = static_cast<double>(peak);
    for (std::size_t c = 0; c < cols; ++c) top = std::max(top, total[c] / (ax.edge(c + 1) - ax.edge(c)));
    std::string line;
    for (std::size_t c = 0; c < cols; ++c) {
        const double avg = total[c] / (ax.edge(c + 1) - ax.edge(c));
        if (avg <= 0 || top <= 0) {
            line += ' ';
            continue;
        }
        const double level = std::ceil(avg / top * static_cast<double>(spark.size()) - 1e-9);
        line += spark[static_cast<std::size_t>(std::clamp(level, 1.0, static_cast<double>(spark.size()))) - 1];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += fmt::format("{}{}{}{}\n", pad("in flight", label_w), p.magenta(), line, p.reset());
    out += fmt::format("{}{}{}{}\n", std::string(label_w, ' '), p.dim(), time_axis(wall, cols), p.reset());
}

}  // namespace

std::string timeline(const comparison& c, timeline_style style) {
    const palette p{style.colour};
    std::string out;
    bool any_failed = false;
    for (std::size_t i = 0; i < c.results.size(); ++i) {
        if (i > 0) out += "\n";
        if (c.results[i].runs.empty()) continue;
        render_backend(out, c.results[i], c.results[i].runs.size(), style, p, any_failed);
    }
    // The legend on one line, or on as many as the width needs.
    std::vector<std::pair<glyph, std::string_view>> keys{
        {glyph::running, "running"}, {glyph::interleaved, "interleaved (yielding)"}, {glyph::waiting, "waiting (sleep, lock, blocked)"}};
    if (any_failed) keys.emplace_back(glyph::failed, "failed");
    const std::size_t width = std::max<std::size_t>(style.width, 2);
    if (!out.empty()) out += "\n";
    std::size_t used = 0;
    for (const auto& [g, what] : keys) {
        const std::string plain = fit(fmt::format("{} {}", text_of(g), what), width);
        if (used > 0 && used + 2 + columns(plain) > width) {
            out += "\n";
            used = 0;
        }
        if (used > 0) {
            out += "  ";
            used += 2;
        }
        out += p.on ? fmt::format("{}{}{}{}", colour_of(g), text_of(g), p.reset(), plain.substr(text_of(g).size()))
                    : plain;
        used += columns(plain);
    }
    out += "\n";
    return out;
}

}  // namespace tasklab::format
