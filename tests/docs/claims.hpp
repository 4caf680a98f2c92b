#pragma once
// The claims beside the docs' output blocks. A sentence such as "thread finishes in about half
// the sequential time" is backed by an HTML comment after the block it is about,
//
//   <!-- claim: {thread|wall} < 0.75 * {sequential|wall} -->
//
// so that the prose stays true when `make docs-results` rewrites the figures. This library finds
// the blocks, reads the tables printed inside them and evaluates the claims; check_claims runs it
// over README.md and docs/*.md. It knows nothing of tasklab itself: it reads text.
//
// A claim is about the nearest block above it, and is one of
//   SIDE OP SIDE          OP one of < <= > >= == ; SIDE numbers, references, + - * / and ( )
//   REFERENCE has "text"  the cell's printed text contains text
// where a reference {ROW|COLUMN} (or {ROW#K|COLUMN}, the K-th such row) is a cell of a table in
// the block: ROW the row's key, COLUMN a header cell. Numbers may carry a unit: `0.2 s`, `8 MiB`.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tasklab::docs {

/// A printed figure as a number: durations in seconds (`1.357 s`, `196 ms`, `4.89 µs`, `12 ns`),
/// sizes in MiB (`B`, `KiB`, `MiB`, `GiB`), ratios (`1.64x`) and plain numbers (`67733`, `20,000`,
/// `-1`) as they are. A cell holding two figures (`2.2 MiB / 222.8 MiB`, `679 ms ± 220 µs`,
/// `3 ms … 4 ms`) gives the first. `-` and text are not numbers: nullopt.
std::optional<double> parse_value(std::string_view cell);

/// One row of a table: its key (the backend, after the label cells if any: `coroutine`,
/// `none coroutine`) and its cells, one per header cell, key cells included ("" where none).
struct row {
    std::size_t line = 0;
    std::string key;
    std::vector<std::string> cells;
};

/// A table printed inside a block: a header line with a cell `backend`, and the rows under it.
struct table {
    std::size_t line = 0;             // the header's line in the file
    std::size_t key_cells = 1;        // the label cells before `backend`, and `backend`
    std::vector<std::string> header;  // every header cell, the key cells first
    std::vector<row> rows;

    /// The column's index in header and in each row's cells; nullopt if the table has none.
    /// Key cells are not columns.
    std::optional<std::size_t> column(std::string_view name) const;
};

/// Every table in `lines`, the first of which is line `first_line` of its file. Never fails: a
/// line that fits no table is left out.
std::vector<table> parse_tables(const std::vector<std::string>& lines, std::size_t first_line);

/// A `<!-- regenerate: COMMAND -->` ... `<!-- /regenerate -->` block.
struct block {
    std::size_t line = 0;  // the opening marker's
    std::string command;
    std::vector<table> tables;
};

/// The cell `{row#occurrence|column}` names: the occurrence-th row (from 1) with that key, in a
/// table with that column, counting the block's tables top to bottom. nullptr if there is none.
const std::string* find_cell(const block& b, std::string_view row, std::size_t occurrence, std::string_view column);

/// What a block offers to refer to: "rows: a, b; columns: wall, cpu" (for messages and --tables).
std::string describe_block(const block& b);

/// A claim that cannot be evaluated: bad syntax, a reference to nothing, text used as a number.
/// `offset` is where in the claim's text the problem is (bytes from its start).
class claim_error : public std::runtime_error {
public:
    claim_error(std::size_t offset, const std::string& message);
    std::size_t offset() const { return offset_; }

private:
    std::size_t offset_;
};

/// What a claim came to, and the values it compared ("left 0.306, right 0.229").
struct verdict {
    bool holds = false;
    std::string values;
};

/// Evaluates a claim's text (what stands between `<!-- claim:` and `-->`) against its block.
/// Throws claim_error.
verdict evaluate_claim(std::string_view claim, const block& b);

/// A `<!-- claim: ... -->` line and the block it is about.
struct claim {
    std::size_t line = 0;
    std::size_t column = 1;            // where `text` begins on its line, from 1, in characters
    std::string text;                  // the claim without its comment markers
    std::optional<std::size_t> block;  // index in document::blocks; none if it cannot be checked
    std::string problem;               // why it cannot be checked (empty if it can)
};

/// The blocks and the claims of a Markdown file.
struct document {
    std::vector<block> blocks;
    std::vector<claim> claims;
};
document parse_document(std::string_view text);

/// Every claim of a file checked: one message per claim that failed or could not be evaluated,
/// each starting with "FILE:LINE:".
struct check_result {
    std::size_t claims = 0;
    std::size_t failed = 0;
    std::size_t errors = 0;
    std::vector<std::string> messages;
};
check_result check_document(std::string_view file_name, std::string_view text);

}  // namespace tasklab::docs
