#include "tasklab/format/table.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "format/cells.hpp"
#include "tasklab/format/conclusions.hpp"

namespace tasklab::format {

std::string table(const comparison& c, table_style style) {
    const std::string bold = style.colour ? "\x1b[1m" : "";
    const std::string dim = style.colour ? "\x1b[2m" : "";
    const std::string reset = style.colour ? "\x1b[0m" : "";

    std::string out = fmt::format("{}{}{}\n\n", bold, detail::scenario_line(c), reset);
    out += detail::aligned(detail::main_table(c), bold, reset);
    if (style.resources) out += fmt::format("\n{}", detail::aligned(detail::resources_table(c), bold, reset));
    out += "\n";

    std::size_t name_width = 0;
    for (const auto& r : c.results) name_width = std::max(name_width, r.backend.size());
    for (const auto& r : c.results) {
        const auto& rep = r.representative();
        out += fmt::format("  {:<{}}  {}\n", r.backend, name_width, verdict_line(r.medians(), rep));
        if (rep.result.shared && !rep.result.shared->note.empty())
            out += fmt::format("  {:<{}}  {}{}{}\n", "", name_width, dim, rep.result.shared->note, reset);
        // With several runs the row shows the median one: say which others did not end clean.
        if (detail::several_runs(c))
            for (const auto& line : detail::unclean_runs(r))
                out += fmt::format("  {:<{}}  {}\n", "", name_width, line);
        for (const auto& line : detail::cut_short_lines(r)) out += fmt::format("  {:<{}}  {}\n", "", name_width, line);
        constexpr std::size_t failures_shown = 5;
        std::size_t failures = 0;
        for (const auto& rec : rep.records) {
            if (rec.status == task_status::ok) continue;
            if (++failures <= failures_shown)
                out += fmt::format("  {:<{}}  task {} {}: {}\n", "", name_width, rec.index, to_string(rec.status),
                                   rec.error);
        }
        if (failures > failures_shown)
            out += fmt::format("  {:<{}}  ... and {} more (the JSON report lists every record)\n", "", name_width,
                               failures - failures_shown);
    }
    const auto ranking = detail::ranking_lines(c);
    if (!ranking.empty()) {
        out += "\n";
        for (const auto& line : ranking) out += "  " + line + "\n";
    }
    const auto load = style.load ? detail::load_lines(c) : std::vector<std::string>{};
    if (!load.empty()) {
        out += "\n";
        for (const auto& line : load) out += fmt::format("  {}{}{}\n", dim, line, reset);
    }
    return out;
}

}  // namespace tasklab::format
