#include "tasklab/format/markdown.hpp"

#include <fmt/format.h>

#include "format/cells.hpp"
#include "tasklab/format/conclusions.hpp"

namespace tasklab::format {
namespace {

std::string escaped(const std::string& cell) {
    std::string out;
    for (char ch : cell) {
        if (ch == '|') out += '\\';
        out += ch;
    }
    return out;
}

std::string pipe_table(const detail::table_text& t) {
    std::string out = "|";
    for (const auto& h : t.headers) out += fmt::format(" {} |", escaped(h));
    out += "\n|";
    for (bool left : t.left) out += left ? " :--- |" : " ---: |";
    out += "\n";
    for (const auto& row : t.rows) {
        out += "|";
        for (const auto& cell : row) out += fmt::format(" {} |", escaped(cell));
        out += "\n";
    }
    return out;
}

}  // namespace

std::string markdown(const comparison& c) {
    std::string out = fmt::format("**{}**\n\n", detail::scenario_line(c));
    out += pipe_table(detail::main_table(c)) + "\n";
    out += pipe_table(detail::resources_table(c)) + "\n";
    for (const auto& r : c.results) {
        out += fmt::format("- **{}**: {}\n", r.backend, verdict_line(r.medians(), r.representative()));
        if (detail::several_runs(c))
            for (const auto& line : detail::unclean_runs(r)) out += fmt::format("  - {}\n", line);
        for (const auto& line : detail::cut_short_lines(r)) out += fmt::format("  - {}\n", line);
    }
    const auto ranking = detail::ranking_lines(c);
    if (!ranking.empty()) {
        out += "\n";
        for (const auto& line : ranking) out += "- " + line + "\n";
    }
    const auto load = detail::load_lines(c);
    if (!load.empty()) {
        out += "\n";
        for (const auto& line : load) out += "- " + line + "\n";
    }
    return out;
}

}  // namespace tasklab::format
