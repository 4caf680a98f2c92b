#pragma once
// Cells shared by the text renderers: the same figure reads the same in the table, the
// Markdown and the demo.
#include <string>
#include <vector>

#include "tasklab/comparison.hpp"
#include "tasklab/text.hpp"

namespace tasklab::format::detail {

std::string scenario_line(const comparison& c);  // "download x 10 tasks  seed 1  ..."

/// One row per backend: the figures people compare, as text (medians over runs; wall also as
/// mean ± σ and min … max when there is more than one run).
struct table_text {
    std::vector<std::string> headers;
    std::vector<std::vector<std::string>> rows;
    std::vector<bool> left;  // per column: left-aligned
};
table_text main_table(const comparison& c);
table_text resources_table(const comparison& c);

/// Columns padded to their widest cell, two spaces apart.
std::string aligned(const table_text& t, const std::string& header_on = {}, const std::string& header_off = {});

/// "coroutine ran 7.02 ± 0.10 times faster than sequential".
std::vector<std::string> ranking_lines(const comparison& c);
/// One line per measured run that did not end clean - a task failed or was cancelled, or the
/// check failed - naming the run and how: the table shows one run, and a clean one can hide
/// the others.
std::vector<std::string> unclean_runs(const backend_runs& r);
/// The check column's cell: the check, and whether the run shown passed it.
std::string check_cell(const outcome& result);
/// Whether any backend has several runs summarised (mean ± σ, min … max).
bool several_runs(const comparison& c);
/// The machine's load around the comparison, and what it means for the figures when others
/// kept the cores busy (none if the load could not be read).
std::vector<std::string> load_lines(const comparison& c);
/// What a stop cut short for this backend, for a line under its verdict (none: empty).
std::vector<std::string> cut_short_lines(const backend_runs& r);

}  // namespace tasklab::format::detail
