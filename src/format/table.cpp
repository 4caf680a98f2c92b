#include "tasklab/format/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tasklab/format/conclusions.hpp"
#include "tasklab/metrics.hpp"

namespace tasklab::format {
namespace {

std::string param_text(const param_values& params) {
    std::vector<std::string> parts;
    for (const auto& [name, value] : params.all())
        std::visit([&](const auto& v) { parts.push_back(fmt::format("{}={}", name, v)); }, value);
    return fmt::format("{}", fmt::join(parts, " "));
}

struct column {
    std::string title;
    std::vector<std::string> cells;
    bool left = false;
};

}  // namespace

std::string table(const scenario_settings& settings, std::span<const run_report> reports, table_style style) {
    const bool any_shared = std::any_of(reports.begin(), reports.end(), [](auto& r) { return r.result.shared; });
    const bool any_check = std::any_of(reports.begin(), reports.end(), [](auto& r) { return !r.result.check.empty(); });

    std::vector<column> cols{{"backend", {}, true}, {"wall", {}},      {"cpu", {}},    {"concurrency", {}},
                             {"parallelism", {}},   {"in flight", {}}, {"ok", {}},     {"failed", {}},
                             {"value", {}}};
    if (any_shared) {
        cols.push_back({"expected", {}});
        cols.push_back({"actual", {}});
        cols.push_back({"lost", {}});
    }
    if (any_check) cols.push_back({"check", {}, true});

    for (const auto& r : reports) {
        const auto m = measure(r);
        std::size_t c = 0;
        cols[c++].cells.push_back(r.backend);
        cols[c++].cells.push_back(fmt::format("{:.3f} s", m.wall_s));
        cols[c++].cells.push_back(fmt::format("{:.3f} s", m.cpu_s));
        cols[c++].cells.push_back(fmt::format("{:.2f}", m.concurrency));
        cols[c++].cells.push_back(fmt::format("{:.2f}", m.parallelism));
        cols[c++].cells.push_back(fmt::format("{}", m.max_in_flight));
        cols[c++].cells.push_back(fmt::format("{}", m.tasks_ok));
        cols[c++].cells.push_back(fmt::format("{}", m.tasks_failed));
        cols[c++].cells.push_back(r.result.value ? fmt::format("{}", *r.result.value) : "-");
        if (any_shared) {
            const auto& s = r.result.shared;
            cols[c++].cells.push_back(s ? fmt::format("{}", s->expected) : "-");
            cols[c++].cells.push_back(s ? fmt::format("{}", s->actual) : "-");
            cols[c++].cells.push_back(s ? fmt::format("{}", s->lost()) : "-");
        }
        if (any_check) cols[c++].cells.push_back(r.result.check.empty() ? "-" : r.result.check);
    }

    const char* bold = style.colour ? "\x1b[1m" : "";
    const char* reset = style.colour ? "\x1b[0m" : "";
    std::string out = fmt::format("{}{} x {} tasks{}  seed {}  time scale {} (1 simulated s = {} s)", bold,
                                  settings.task, settings.tasks, reset, settings.seed, settings.time_scale,
                                  settings.time_scale);
    if (!settings.params.all().empty()) out += "  " + param_text(settings.params);
    if (settings.memory != sharing::shared) out += fmt::format("  memory {}", to_string(settings.memory));
    out += "\n\n";

    std::vector<std::size_t> widths;
    for (const auto& c : cols) {
        std::size_t w = c.title.size();
        for (const auto& cell : c.cells) w = std::max(w, cell.size());
        widths.push_back(w);
    }
    const auto row = [&](auto cell_of) {
        std::string line;
        for (std::size_t c = 0; c < cols.size(); ++c) {
            if (c) line += "  ";
            const std::string& text = cell_of(c);
            line += cols[c].left ? fmt::format("{:<{}}", text, widths[c]) : fmt::format("{:>{}}", text, widths[c]);
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        return line + "\n";
    };
    out += bold + row([&](std::size_t c) -> const std::string& { return cols[c].title; }) + reset;
    for (std::size_t r = 0; r < reports.size(); ++r)
        out += row([&](std::size_t c) -> const std::string& { return cols[c].cells[r]; });

    out += "\n";
    std::size_t name_width = 0;
    for (const auto& r : reports) name_width = std::max(name_width, r.backend.size());
    for (const auto& r : reports) {
        out += fmt::format("  {:<{}}  {}\n", r.backend, name_width, verdict_line(r));
        if (r.result.shared && !r.result.shared->note.empty())
            out += fmt::format("  {:<{}}  {}\n", "", name_width, r.result.shared->note);
        constexpr std::size_t failures_shown = 5;
        std::size_t failures = 0;
        for (const auto& rec : r.records) {
            if (rec.status != task_status::failed) continue;
            if (++failures <= failures_shown)
                out += fmt::format("  {:<{}}  task {} failed: {}\n", "", name_width, rec.index, rec.error);
        }
        if (failures > failures_shown)
            out += fmt::format("  {:<{}}  ... and {} more failed tasks (--format json lists all)\n", "", name_width,
                               failures - failures_shown);
    }
    if (const auto line = comparison_line(reports); !line.empty()) out += "\n  " + line + "\n";
    return out;
}

}  // namespace tasklab::format
