#include "tasklab/format/csv.hpp"

#include <fmt/format.h>

#include <vector>

namespace tasklab::format {
namespace {

// RFC 4180: quote a field that holds a comma, a quote or a line break; double its quotes.
std::string field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

std::string number(double v) { return fmt::format("{:.9g}", v); }

}  // namespace

std::string csv(const comparison& c) {
    std::vector<std::string> header{"task", "tasks", "seed", "time_scale", "runs", "backend"};
    for (const auto& f : figures())
        for (auto stat : {"median", "mean", "stddev", "min", "max"})
            header.push_back(fmt::format("{}_{}", f.name, stat));
    for (auto h : {"max_in_flight", "tasks_ok", "tasks_failed", "tasks_cancelled", "value", "expected", "actual", "lost", "check",
                   "check_passed"})
        header.push_back(h);

    std::string out = fmt::format("{}\r\n", fmt::join(header, ","));
    for (const auto& r : c.results) {
        const auto& rep = r.representative();
        const auto& m = r.representative_metrics();
        std::vector<std::string> row{field(c.settings.task), fmt::format("{}", c.settings.tasks),
                                     fmt::format("{}", c.settings.seed), number(c.settings.time_scale),
                                     fmt::format("{}", c.runs), field(r.backend)};
        for (const auto& f : figures()) {
            const auto s = r.stats(f.member);
            for (double v : {s.median, s.mean, s.stddev, s.min, s.max}) row.push_back(s.n > 0 ? number(v) : "");
        }
        row.push_back(fmt::format("{}", m.max_in_flight));
        row.push_back(fmt::format("{}", m.tasks_ok));
        row.push_back(fmt::format("{}", m.tasks_failed));
        row.push_back(fmt::format("{}", m.tasks_cancelled));
        row.push_back(rep.result.value ? fmt::format("{}", *rep.result.value) : "");
        const auto& s = rep.result.shared;
        row.push_back(s ? fmt::format("{}", s->expected) : "");
        row.push_back(s ? fmt::format("{}", s->actual) : "");
        row.push_back(s ? fmt::format("{}", s->lost()) : "");
        row.push_back(field(rep.result.check));
        row.push_back(rep.result.check.empty() ? "" : (rep.result.check_passed ? "true" : "false"));
        out += fmt::format("{}\r\n", fmt::join(row, ","));
    }
    return out;
}

}  // namespace tasklab::format
