#include "claims.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <limits>

namespace tasklab::docs {
namespace {

// ---- text

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_char(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

/// Ends trimmed and runs of spaces made one, so that `{none  coroutine |wall}` names the row
/// `none coroutine` however the claim's writer spaced it.
std::string squeeze(std::string_view s) {
    std::string out;
    for (const char c : trim(s)) {
        if (!is_space(c))
            out += c;
        else if (!out.empty() && out.back() != ' ')
            out += ' ';
    }
    return out;
}

/// A UTF-8 byte that continues a character. Tables are aligned in characters, not bytes: `µs`,
/// `±`, `…` and `σ` take two or three bytes and one column.
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t characters(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation(c); }));
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        lines.emplace_back(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

/// A fenced code block's opening or closing line.
bool is_fence(std::string_view line) {
    const auto t = trim(line);
    return t.starts_with("```") || t.starts_with("~~~");
}

// ---- values

std::size_t digits_at(std::string_view s, std::size_t pos) {
    std::size_t n = 0;
    while (pos + n < s.size() && is_digit(s[pos + n])) ++n;
    return n;
}

/// The unsigned number at s[pos] - digits, thousands grouped by commas as the bench prints them
/// (`20,000`), a fraction, an exponent (`1e+03`, which `{:.3g}` can print) - with pos moved past
/// it; nullopt and pos unmoved if there is none. The sign is the caller's: a claim's minus is an
/// operator.
std::optional<double> scan_number(std::string_view s, std::size_t& pos) {
    std::string digits;
    std::size_t i = pos;
    const std::size_t whole = digits_at(s, i);
    digits.append(s.substr(i, whole));
    i += whole;
    // A comma is a thousands separator only before exactly three digits: `1,5` is not 15.
    while (whole > 0 && i < s.size() && s[i] == ',' && digits_at(s, i + 1) == 3) {
        digits.append(s.substr(i + 1, 3));
        i += 4;
    }
    const std::size_t fraction = i < s.size() && s[i] == '.' ? digits_at(s, i + 1) : 0;
    if (whole == 0 && fraction == 0) return std::nullopt;
    if (fraction > 0) {
        digits.append(whole == 0 ? "0" : "").append(s.substr(i, fraction + 1));
        i += fraction + 1;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        if (const auto n = digits_at(s, j); n > 0) {
            digits.append(s.substr(i, j + n - i));
            i = j + n;
        }
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    pos = i;
    return value;
}

struct unit {
    std::string_view name;
    double factor;
};
/// The units tasklab prints (src/text.cpp, src/bench/render.cpp), to seconds and MiB, so that
/// `196 ms` and `1.357 s` compare as they read. `x` is the bench's ratio (`1.64x`).
constexpr unit units[] = {
    {"s", 1},  {"ms", 1e-3}, {"µs", 1e-6}, {"us", 1e-6}, {"ns", 1e-9},  // to seconds
    {"B", 1.0 / (1024 * 1024)}, {"KiB", 1.0 / 1024}, {"MiB", 1}, {"GiB", 1024},  // to MiB
    {"x", 1},
};

/// The factor of the unit after a number ending at s[pos] (spaces between allowed), pos moved
/// past it; 1 and pos unmoved if no unit follows.
double scan_unit(std::string_view s, std::size_t& pos) {
    std::size_t i = pos;
    while (i < s.size() && s[i] == ' ') ++i;
    for (const auto& u : units) {
        const std::size_t end = i + u.name.size();
        // A whole word only: `2 switches` is not 2 seconds.
        if (s.substr(i).starts_with(u.name) && (end == s.size() || !is_word_char(s[end]))) {
            pos = end;
            return u.factor;
        }
    }
    return 1;
}

}  // namespace

std::optional<double> parse_value(std::string_view cell) {
    cell = trim(cell);
    const bool negative = cell.starts_with('-');
    std::size_t pos = negative ? 1 : 0;
    const auto number = scan_number(cell, pos);
    if (!number) return std::nullopt;
    const double factor = scan_unit(cell, pos);
    // A second figure after the first (a share, a spread, a range) leaves the first as the
    // cell's figure; anything else after it makes the cell text (`1,000,000 waiting`).
    const auto rest = cell.substr(pos);
    if (!rest.empty() && !rest.starts_with(" / ") && !rest.starts_with(" ± ") && !rest.starts_with(" … "))
        return std::nullopt;
    return (negative ? -*number : *number) * factor;
}

// ---- tables

namespace {

/// A cell of a printed line: where it is in bytes, to cut it out, and in characters, to align it
/// with the header.
struct piece {
    std::size_t first_byte = 0, end_byte = 0;
    std::size_t first_column = 0, end_column = 0;
};

std::string_view text_of(std::string_view line, const piece& p) {
    return line.substr(p.first_byte, p.end_byte - p.first_byte);
}

/// The line's cells: the text between runs of two or more spaces. One space stays inside a cell
/// (`in flight`, `5.0 MiB`, `passed: no deposit lost`).
std::vector<piece> split_pieces(std::string_view line) {
    std::vector<piece> pieces;
    const auto ends_cell = [&](std::size_t i) {
        return line[i] == ' ' && (i + 1 == line.size() || line[i + 1] == ' ');
    };
    std::size_t i = 0, column = 0;
    while (i < line.size()) {
        if (line[i] == ' ') {
            ++i, ++column;
            continue;
        }
        piece p{i, i, column, column};
        for (; i < line.size() && !ends_cell(i); ++i)
            if (!is_continuation(line[i])) ++column;
        p.end_byte = i;
        p.end_column = column;
        pieces.push_back(p);
    }
    return pieces;
}

/// Where the cell `backend` is on a header line; nullopt on any other line.
std::optional<std::size_t> backend_cell(std::string_view line, const std::vector<piece>& pieces) {
    for (std::size_t i = 0; i < pieces.size(); ++i)
        if (text_of(line, pieces[i]) == "backend") return i;
    return std::nullopt;
}

/// Where a table stops: a blank line or the fence.
bool ends_table(std::string_view line) { return trim(line).empty() || is_fence(line); }

/// The header cell that a row's cell stands under. Figures are right-aligned and names and the
/// trailing check text left-aligned, so a cell shares its column's right or left edge and
/// overlaps its header's text. The cell that overlaps most wins; one that overlaps none (text
/// run past the last header) goes to the nearest: a gap counts as a negative overlap.
std::size_t column_of(const std::vector<piece>& header, const piece& cell) {
    std::size_t best = 0;
    auto best_overlap = std::numeric_limits<long>::min();
    for (std::size_t i = 0; i < header.size(); ++i) {
        const auto overlap = static_cast<long>(std::min(cell.end_column, header[i].end_column)) -
                             static_cast<long>(std::max(cell.first_column, header[i].first_column));
        if (overlap > best_overlap) best = i, best_overlap = overlap;
    }
    return best;
}

/// A row's cells, one per header cell. As many cells as the header: they pair up in order.
/// Otherwise a cell was left empty (the bench's continuation rows, a row without a check) or
/// holds two spaces, and each goes under the header it is aligned with.
std::vector<std::string> place_cells(std::string_view line, const std::vector<piece>& header,
                                     const std::vector<piece>& pieces) {
    std::vector<std::string> cells(header.size());
    if (pieces.size() == header.size()) {
        for (std::size_t i = 0; i < pieces.size(); ++i) cells[i] = text_of(line, pieces[i]);
        return cells;
    }
    std::vector<std::optional<piece>> spans(header.size());
    for (const auto& p : pieces) {
        auto& span = spans[column_of(header, p)];
        if (span)
            span->end_byte = p.end_byte;  // a cell with two spaces inside: one cell again
        else
            span = p;
    }
    for (std::size_t i = 0; i < spans.size(); ++i)
        if (spans[i]) cells[i] = text_of(line, *spans[i]);
    return cells;
}

table start_table(std::string_view line, const std::vector<piece>& pieces, std::size_t backend,
                  std::size_t line_number) {
    table t;
    t.line = line_number;
    t.key_cells = backend + 1;
    for (const auto& p : pieces) t.header.emplace_back(text_of(line, p));
    return t;
}

void add_row(table& t, const std::vector<piece>& header, std::string_view line, std::size_t line_number) {
    row r;
    r.line = line_number;
    r.cells = place_cells(line, header, split_pieces(line));
    // A blank key cell repeats the one above, as the bench prints a backend's second and third
    // run under its first; without this those rows could not be named.
    std::vector<std::string> key;
    for (std::size_t i = 0; i < t.key_cells; ++i) {
        if (r.cells[i].empty() && !t.rows.empty()) r.cells[i] = t.rows.back().cells[i];
        key.push_back(squeeze(r.cells[i]));
    }
    r.key = squeeze(fmt::format("{}", fmt::join(key, " ")));
    t.rows.push_back(std::move(r));
}

}  // namespace

std::optional<std::size_t> table::column(std::string_view name) const {
    const auto wanted = squeeze(name);
    for (std::size_t i = key_cells; i < header.size(); ++i)
        if (squeeze(header[i]) == wanted) return i;
    return std::nullopt;
}

std::vector<table> parse_tables(const std::vector<std::string>& lines, std::size_t first_line) {
    std::vector<table> tables;
    std::vector<piece> header;  // the current table's header, to align its rows with
    bool in_table = false;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        const auto pieces = split_pieces(line);
        if (const auto backend = backend_cell(line, pieces)) {
            tables.push_back(start_table(line, pieces, *backend, first_line + i));
            header = pieces;
            in_table = true;
        } else if (ends_table(line)) {
            in_table = false;
        } else if (in_table) {
            add_row(tables.back(), header, line, first_line + i);
        }
    }
    return tables;
}

// ---- references

const std::string* find_cell(const block& b, std::string_view row, std::size_t occurrence, std::string_view column) {
    const auto key = squeeze(row);
    std::size_t seen = 0;
    for (const auto& t : b.tables) {
        const auto c = t.column(column);
        if (!c) continue;
        for (const auto& r : t.rows)
            if (r.key == key && ++seen == occurrence) return &r.cells[*c];
    }
    return nullptr;
}

std::string describe_block(const block& b) {
    if (b.tables.empty()) return "no table: no line has a cell `backend`";
    std::vector<std::string> rows, columns;
    const auto add = [](std::vector<std::string>& to, const std::string& name) {
        if (!name.empty() && std::find(to.begin(), to.end(), name) == to.end()) to.push_back(name);
    };
    for (const auto& t : b.tables) {
        for (const auto& r : t.rows) add(rows, r.key);
        for (std::size_t i = t.key_cells; i < t.header.size(); ++i) add(columns, t.header[i]);
    }
    return fmt::format("rows: {}; columns: {}", fmt::join(rows, ", "), fmt::join(columns, ", "));
}

claim_error::claim_error(std::size_t offset, const std::string& message)
    : std::runtime_error(message), offset_(offset) {}

// ---- claims

namespace {

/// `{ROW#K|COLUMN}` as written, and where in the claim.
struct reference {
    std::string row;
    std::size_t occurrence = 1;
    std::string column;
    std::size_t at = 0;
    std::string_view source;
};

/// Why a reference names no cell: nothing by that row and column, or fewer than K of them.
std::string missing_cell(const block& b, const reference& ref) {
    std::size_t found = 0;
    while (find_cell(b, ref.row, found + 1, ref.column)) ++found;
    if (found == 0)
        return fmt::format("no row \"{}\" with a column \"{}\" in the block at line {} ({})", ref.row, ref.column,
                           b.line, describe_block(b));
    return fmt::format("{} asks for occurrence {}, but the block at line {} has {} row(s) \"{}\" with a column \"{}\"",
                       ref.source, ref.occurrence, b.line, found, ref.row, ref.column);
}

bool compare(double left, std::string_view op, double right) {
    if (op == "<") return left < right;
    if (op == "<=") return left <= right;
    if (op == ">") return left > right;
    if (op == ">=") return left >= right;
    return left == right;  // "==": exact, the printed figures are what is compared
}

/// Reads a claim and evaluates it on the way (recursive descent):
///   claim     := reference "has" QUOTED | sum COMPARISON sum
///   sum       := product (("+" | "-") product)*
///   product   := factor (("*" | "/") factor)*
///   factor    := NUMBER [UNIT] | reference | "(" sum ")" | "-" factor
///   reference := "{" ROW ["#" K] "|" COLUMN "}"
/// Every mistake is a claim_error at the offset where reading stopped.
class claim_reader {
public:
    claim_reader(std::string_view text, const block& b) : text_(text), block_(b) {}

    verdict read() {
        if (auto has = has_claim()) return *has;
        const double left = sum();
        const auto op = comparison();
        const double right = sum();
        expect_end();
        return {compare(left, op, right), fmt::format("left {:.6g}, right {:.6g}", left, right)};
    }

private:
    /// `{ROW|COLUMN} has "text"`; nullopt, with nothing read, if the claim is a comparison.
    std::optional<verdict> has_claim() {
        skip_spaces();
        if (!next_is('{')) return std::nullopt;
        const auto start = pos_;
        const auto ref = read_reference();
        skip_spaces();
        if (!take_word("has")) {
            pos_ = start;
            return std::nullopt;
        }
        const auto needle = quoted();
        expect_end();
        const auto& c = cell(ref);
        return verdict{c.find(needle) != std::string::npos, fmt::format("cell \"{}\"", c)};
    }

    std::string_view comparison() {
        skip_spaces();
        // Two-character operators first: `<=` is not `<` followed by `=`.
        for (const std::string_view op : {"<=", ">=", "==", "<", ">"}) {
            if (text_.substr(pos_).starts_with(op)) {
                pos_ += op.size();
                return op;
            }
        }
        fail("expected a comparison (<, <=, >, >=, ==), or `has` after a lone reference");
    }

    double sum() {
        double value = product();
        for (;;) {
            skip_spaces();
            if (take('+'))
                value += product();
            else if (take('-'))
                value -= product();
            else
                return value;
        }
    }

    double product() {
        double value = factor();
        for (;;) {
            skip_spaces();
            const auto at = pos_;
            if (take('*')) {
                value *= factor();
            } else if (take('/')) {
                const double divisor = factor();
                if (divisor == 0) throw claim_error(at, "division by zero");
                value /= divisor;
            } else {
                return value;
            }
        }
    }

    double factor() {
        skip_spaces();
        if (take('(')) {
            const double value = sum();
            skip_spaces();
            if (!take(')')) fail("expected )");
            return value;
        }
        if (take('-')) return -factor();
        if (next_is('{')) return number_in(read_reference());
        if (const auto number = scan_number(text_, pos_)) return *number * scan_unit(text_, pos_);
        fail("expected a number, a {ROW|COLUMN} reference or (");
    }

    reference read_reference() {
        reference ref;
        ref.at = pos_;
        const auto close = text_.find('}', pos_);
        if (close == std::string_view::npos) fail("a reference without its closing }");
        const auto inside = text_.substr(pos_ + 1, close - pos_ - 1);
        const auto bar = inside.find('|');
        if (bar == std::string_view::npos) fail("a reference is {ROW|COLUMN}, and this one has no |");
        ref.source = text_.substr(pos_, close + 1 - pos_);
        ref.row = squeeze(inside.substr(0, bar));
        ref.column = squeeze(inside.substr(bar + 1));
        if (const auto hash = ref.row.rfind('#'); hash != std::string::npos) {
            ref.occurrence = occurrence(squeeze(std::string_view(ref.row).substr(hash + 1)));
            ref.row = squeeze(std::string_view(ref.row).substr(0, hash));
        }
        if (ref.row.empty() || ref.column.empty()) fail("a reference names a row and a column: {ROW|COLUMN}");
        pos_ = close + 1;
        return ref;
    }

    /// K in `{ROW#K|COLUMN}`: a whole number from 1.
    std::size_t occurrence(std::string_view k) const {
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), n);
        if (k.empty() || ec != std::errc{} || end != k.data() + k.size() || n == 0)
            fail("after # comes which occurrence, counted from 1: {ROW#2|COLUMN}");
        return n;
    }

    const std::string& cell(const reference& ref) const {
        if (const auto* c = find_cell(block_, ref.row, ref.occurrence, ref.column)) return *c;
        throw claim_error(ref.at, missing_cell(block_, ref));
    }

    double number_in(const reference& ref) const {
        const auto& c = cell(ref);
        if (const auto value = parse_value(c)) return *value;
        throw claim_error(ref.at, fmt::format("{} is \"{}\", not a number", ref.source, c));
    }

    std::string quoted() {
        skip_spaces();
        if (!take('"')) fail("expected \"text\" after has");
        const auto close = text_.find('"', pos_);
        if (close == std::string_view::npos) fail("a quoted text without its closing \"");
        std::string s(text_.substr(pos_, close - pos_));
        pos_ = close + 1;
        return s;
    }

    void expect_end() {
        skip_spaces();
        if (pos_ != text_.size()) fail("expected the end of the claim");
    }

    void skip_spaces() {
        while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    }
    bool next_is(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
    bool take(char c) {
        if (!next_is(c)) return false;
        ++pos_;
        return true;
    }
    bool take_word(std::string_view word) {
        const auto end = pos_ + word.size();
        if (!text_.substr(pos_).starts_with(word) || (end < text_.size() && is_word_char(text_[end]))) return false;
        pos_ = end;
        return true;
    }

    /// What stands where reading stopped, for the message: the next word, or the end.
    std::string found() const {
        const auto rest = text_.substr(pos_);
        if (rest.empty()) return "the end";
        std::size_t n = std::min<std::size_t>(rest.find(' '), 20);
        while (n < rest.size() && is_continuation(rest[n])) ++n;  // never cut a character in two
        return fmt::format("\"{}\"", rest.substr(0, n));
    }

    [[noreturn]] void fail(std::string_view expected) const {
        throw claim_error(pos_, fmt::format("{}, found {}", expected, found()));
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    const block& block_;
};

}  // namespace

verdict evaluate_claim(std::string_view claim, const block& b) { return claim_reader(claim, b).read(); }

// ---- documents

namespace {

constexpr std::string_view open_prefix = "<!-- regenerate: ";
constexpr std::string_view open_suffix = " -->";
constexpr std::string_view close_marker = "<!-- /regenerate -->";
constexpr std::string_view claim_prefix = "<!-- claim:";
constexpr std::string_view comment_end = "-->";

/// The command of an opening marker. The markers are whole lines, as docs/regenerate.sh matches
/// them, so that both agree on where the blocks are.
std::optional<std::string_view> opening_marker(std::string_view line) {
    if (line.size() < open_prefix.size() + open_suffix.size() || !line.starts_with(open_prefix) ||
        !line.ends_with(open_suffix))
        return std::nullopt;
    return line.substr(open_prefix.size(), line.size() - open_prefix.size() - open_suffix.size());
}

/// A claim is a line of its own (indenting allowed), so that prose quoting the syntax in
/// backticks is not taken for one.
bool is_claim_line(std::string_view line) { return trim(line).starts_with(claim_prefix); }

claim read_claim_line(std::string_view line, std::size_t line_number) {
    claim c;
    c.line = line_number;
    auto start = line.find(claim_prefix) + claim_prefix.size();
    while (start < line.size() && is_space(line[start])) ++start;
    c.column = characters(line.substr(0, start)) + 1;
    const auto body = trim(line.substr(start));
    if (!body.ends_with(comment_end)) {
        c.text = body;
        c.problem = "a claim is one line, `<!-- claim: EXPRESSION -->`, and this one has no closing -->";
        return c;
    }
    c.text = trim(body.substr(0, body.size() - comment_end.size()));
    return c;
}

}  // namespace

document parse_document(std::string_view text) {
    document doc;
    const auto lines = split_lines(text);
    bool open = false;  // reading the last block of doc.blocks
    std::vector<std::string> block_lines;
    bool in_fence = false;  // outside the blocks: inside a fenced example, where claims are quoted
    const auto close_block = [&] {
        doc.blocks.back().tables = parse_tables(block_lines, doc.blocks.back().line + 1);
        open = false;
        block_lines.clear();
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        const std::size_t line_number = i + 1;
        if (const auto command = opening_marker(line)) {
            if (open) close_block();  // docs/regenerate.sh --check reports the unclosed one
            doc.blocks.push_back(block{line_number, std::string(*command), {}});
            open = true;
        } else if (line == close_marker) {
            if (open) close_block();
        } else if (open) {
            block_lines.emplace_back(line);
            if (is_claim_line(line)) {
                auto c = read_claim_line(line, line_number);
                c.problem = fmt::format("inside the block opened at line {}, where `make docs-results` would erase "
                                        "it: claims go after <!-- /regenerate -->",
                                        doc.blocks.back().line);
                doc.claims.push_back(std::move(c));
            }
        } else if (is_fence(line)) {
            in_fence = !in_fence;
        } else if (!in_fence && is_claim_line(line)) {
            auto c = read_claim_line(line, line_number);
            if (doc.blocks.empty())
                c.problem = "no <!-- regenerate: ... --> block above this claim";
            else if (c.problem.empty())
                c.block = doc.blocks.size() - 1;
            doc.claims.push_back(std::move(c));
        }
    }
    if (open) close_block();
    return doc;
}

check_result check_document(std::string_view file_name, std::string_view text) {
    check_result result;
    const auto doc = parse_document(text);
    for (const auto& c : doc.claims) {
        ++result.claims;
        if (!c.block) {
            ++result.errors;
            result.messages.push_back(
                fmt::format("{}:{}:{}: claim error: {}: {}", file_name, c.line, c.column, c.text, c.problem));
            continue;
        }
        try {
            const auto v = evaluate_claim(c.text, doc.blocks[*c.block]);
            if (!v.holds) {
                ++result.failed;
                result.messages.push_back(
                    fmt::format("{}:{}: claim failed: {} ({})", file_name, c.line, c.text, v.values));
            }
        } catch (const claim_error& e) {
            ++result.errors;
            const auto column = c.column + characters(std::string_view(c.text).substr(0, e.offset()));
            result.messages.push_back(
                fmt::format("{}:{}:{}: claim error: {}: {}", file_name, c.line, column, c.text, e.what()));
        }
    }
    return result;
}

}  // namespace tasklab::docs
