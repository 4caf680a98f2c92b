// The docs' claims checker (docs/claims.hpp): figures read from the tables a block prints, and
// claims evaluated against the block above them. The pages here are inline, not the real docs,
// so that these tests hold whatever the docs come to say.
#include <catch2/catch.hpp>

#include <string>

#include "docs/claims.hpp"

using namespace tasklab::docs;

namespace {

// A block as `tasklab run` prints one: the run table and, after a blank line, the resources
// table (docs/models.md, section 7).
const std::string two_tables = R"md(# A page

Many downloads:

<!-- regenerate: tasklab run download --tasks 300 --backend coroutine,thread,fork --runs 1 --quiet -->
```console
$ tasklab run download --tasks 300 --backend coroutine,thread,fork --runs 1 --quiet
download x 300 tasks  seed 1  time scale 0.01 (1 simulated s = 0.01 s)  max=10 min=1  1 run

backend      wall      cpu  concurrency  parallelism  in flight   ok  failed    value
coroutine  101 ms  9.92 ms       158.24         0.10        300  300       0  1594047
thread     151 ms   121 ms       105.71         0.74        239  300       0  1594047
fork       783 ms  1.329 s        22.77         1.70         36  300       0  1594047

backend    heartbeat lag max  lag p99  task cpu  peak memory   children max / sum  switches vol / invol
coroutine            1.52 ms   224 µs    456 µs      5.7 MiB                    -               341 / 0
thread               1.57 ms  1.18 ms   7.14 ms      8.4 MiB                    -              482 / 67
fork                 8.71 ms  7.89 ms    140 ms      5.1 MiB  2.2 MiB / 656.9 MiB             713 / 595

```
<!-- /regenerate -->
)md";

// A shell loop labelling each run's lines (`sed "s/^/$(printf '%-8s' $s)/"`), header included;
// the second run has a left-aligned check column whose text holds spaces.
const std::string loop = R"md(
<!-- regenerate: for s in none lock; do tasklab run deposit --sync $s | sed -n '3,5p' | sed "s/^/$(printf '%-8s' $s)/"; done -->
```console
$ for s in none lock; do tasklab run deposit --sync $s | sed -n '3,5p' | sed "s/^/$(printf '%-8s' $s)/"; done
none    backend       wall      cpu  concurrency  parallelism  in flight   ok  failed  value  expected  actual  lost
none    coroutine  2.23 ms  2.22 ms        47.12         0.88        100  100       0      1       100       1    99
none    thread     22.8 ms  40.5 ms         5.47         1.45         10  100       0     14       100      14    86
lock    backend      wall      cpu  concurrency  parallelism  in flight   ok  failed  value  expected  actual  lost  check
lock    coroutine  109 ms   6.2 ms        48.84         0.06        100  100       0    100       100     100     0  passed: no deposit lost
lock    thread     143 ms  70.7 ms        38.76         0.47         83  100       0    100       100     100     0  passed: no deposit lost
```
<!-- /regenerate -->
)md";

// Two runs printing the same backends, one after the other.
const std::string two_runs = R"md(
<!-- regenerate: for w in await block; do tasklab run download --wait $w | sed -n '3,5p'; done -->
```console
$ for w in await block; do tasklab run download --wait $w | sed -n '3,5p'; done
backend      wall  ok
coroutine  101 ms   2
thread     102 ms   2
backend      wall  ok
coroutine  205 ms   2
thread     103 ms   2
```
<!-- /regenerate -->
)md";

// Rows with fewer or more cells than the header: an empty check, a check with two spaces in its
// text, and a continuation row whose blank backend repeats the one above.
const std::string ragged = R"md(
<!-- regenerate: ragged -->
```console
backend     wall  ok  check
sequential  1 ms   1  passed: no deposit lost
coroutine   2 ms   2
thread      3 ms   3  failed:  99 lost  (twice)
            4 ms   4  passed
```
<!-- /regenerate -->
)md";

block only_block(const std::string& page) {
    const auto doc = parse_document(page);
    REQUIRE(doc.blocks.size() == 1);
    return doc.blocks.front();
}

std::string cell(const std::string& page, std::string_view row, std::string_view column, std::size_t occurrence = 1) {
    const auto b = only_block(page);
    const auto* c = find_cell(b, row, occurrence, column);
    REQUIRE(c != nullptr);
    return *c;
}

bool holds(const std::string& page, std::string_view claim) { return evaluate_claim(claim, only_block(page)).holds; }

/// The claim_error's message, or "" if the claim evaluated.
std::string error_of(const std::string& page, std::string_view claim) {
    try {
        evaluate_claim(claim, only_block(page));
    } catch (const claim_error& e) {
        return e.what();
    }
    return "";
}

std::size_t error_offset(const std::string& page, std::string_view claim) {
    try {
        evaluate_claim(claim, only_block(page));
    } catch (const claim_error& e) {
        return e.offset();
    }
    FAIL("the claim evaluated: " << claim);
    return 0;
}

}  // namespace

TEST_CASE("docs claims: durations read in seconds, sizes in MiB, plain numbers as they are", "[docs]") {
    CHECK(parse_value("1.357 s") == Approx(1.357));
    CHECK(parse_value("196 ms") == Approx(0.196));
    CHECK(parse_value("4.89 µs") == Approx(4.89e-6));
    CHECK(parse_value("4.89 us") == Approx(4.89e-6));
    CHECK(parse_value("12 ns") == Approx(12e-9));
    CHECK(parse_value("1e+03 µs") == Approx(1e-3));
    CHECK(parse_value("5.0 MiB") == Approx(5.0));
    CHECK(parse_value("512 KiB") == Approx(0.5));
    CHECK(parse_value("2 GiB") == Approx(2048));
    CHECK(parse_value("1048576 B") == Approx(1));
    CHECK(parse_value("6.93") == Approx(6.93));
    CHECK(parse_value("67733") == Approx(67733));
    CHECK(parse_value("-1") == Approx(-1));
    CHECK(parse_value("20,000") == Approx(20000));
    CHECK(parse_value("1.64x") == Approx(1.64));
}

TEST_CASE("docs claims: a cell with two figures gives the first", "[docs]") {
    CHECK(parse_value("2.2 MiB / 222.8 MiB") == Approx(2.2));
    CHECK(parse_value("713 / 595") == Approx(713));
    CHECK(parse_value("679 ms ± 220 µs") == Approx(0.679));
    CHECK(parse_value("3 ms … 4.05 ms") == Approx(0.003));
}

TEST_CASE("docs claims: a dash and text are not numbers", "[docs]") {
    CHECK_FALSE(parse_value("-"));
    CHECK_FALSE(parse_value(""));
    CHECK_FALSE(parse_value("passed: no deposit lost"));
    CHECK_FALSE(parse_value("1,000,000 waiting"));
    CHECK_FALSE(parse_value("compute 1..2.4e+09"));
    CHECK_FALSE(parse_value("2 switches"));
}

TEST_CASE("docs claims: a block's two tables, each with its own columns", "[docs]") {
    const auto b = only_block(two_tables);
    REQUIRE(b.tables.size() == 2);
    CHECK(b.tables[0].rows.size() == 3);
    CHECK(b.tables[1].rows.size() == 3);
    CHECK(cell(two_tables, "fork", "wall") == "783 ms");
    CHECK(cell(two_tables, "thread", "in flight") == "239");
    CHECK(cell(two_tables, "coroutine", "heartbeat lag max") == "1.52 ms");
    CHECK(cell(two_tables, "fork", "children max / sum") == "2.2 MiB / 656.9 MiB");
    CHECK(cell(two_tables, "thread", "switches vol / invol") == "482 / 67");
    CHECK(describe_block(b).starts_with("rows: coroutine, thread, fork; columns: wall, cpu, "));
}

TEST_CASE("docs claims: a loop's label cells before backend are part of the row's key", "[docs]") {
    const auto b = only_block(loop);
    REQUIRE(b.tables.size() == 2);
    CHECK(b.tables[0].key_cells == 2);
    CHECK(b.tables[0].rows[0].key == "none coroutine");
    CHECK(cell(loop, "none coroutine", "lost") == "99");
    CHECK(cell(loop, "none  thread", "wall") == "22.8 ms");  // the reference's spacing does not matter
    CHECK(cell(loop, "lock thread", "in flight") == "83");
    CHECK(find_cell(b, "coroutine", 1, "lost") == nullptr);  // the label is part of the key
}

TEST_CASE("docs claims: a left-aligned trailing check column keeps the spaces of its text", "[docs]") {
    CHECK(cell(loop, "lock coroutine", "check") == "passed: no deposit lost");
    CHECK(cell(loop, "lock coroutine", "lost") == "0");
    CHECK(cell(ragged, "sequential", "check") == "passed: no deposit lost");
}

TEST_CASE("docs claims: rows with a cell more or less than the header are read by position", "[docs]") {
    CHECK(cell(ragged, "coroutine", "check").empty());
    CHECK(cell(ragged, "coroutine", "ok") == "2");
    CHECK(cell(ragged, "thread", "check") == "failed:  99 lost  (twice)");
    CHECK(cell(ragged, "thread", "ok") == "3");
    // The continuation row: its blank backend repeats the row above.
    CHECK(cell(ragged, "thread", "wall", 2) == "4 ms");
    CHECK(cell(ragged, "thread", "check", 2) == "passed");
}

TEST_CASE("docs claims: lines that are no table's are left out", "[docs]") {
    const std::string page = R"md(
<!-- regenerate: tasklab list -->
```console
backends (--backend name,name or all):
  sequential  one task after another on one thread: the baseline
```
<!-- /regenerate -->
)md";
    const auto b = only_block(page);
    CHECK(b.tables.empty());
    CHECK(b.command == "tasklab list");
    CHECK(describe_block(b).starts_with("no table"));
}

TEST_CASE("docs claims: {ROW#k|COLUMN} is the k-th such row in the block", "[docs]") {
    CHECK(cell(two_runs, "coroutine", "wall") == "101 ms");
    CHECK(cell(two_runs, "coroutine", "wall", 2) == "205 ms");
    CHECK(holds(two_runs, "{coroutine#2|wall} >= 1.9 * {coroutine#1|wall}"));
    CHECK(holds(two_runs, "{coroutine|wall} == {coroutine#1|wall}"));
    CHECK_FALSE(holds(two_runs, "{thread#2|wall} >= 1.9 * {thread#1|wall}"));
}

TEST_CASE("docs claims: each comparison operator", "[docs]") {
    CHECK(holds(two_tables, "{coroutine|wall} < {thread|wall}"));
    CHECK_FALSE(holds(two_tables, "{thread|wall} < {coroutine|wall}"));
    CHECK(holds(two_tables, "{coroutine|ok} <= {thread|ok}"));
    CHECK_FALSE(holds(two_tables, "{thread|in flight} <= 200"));
    CHECK(holds(two_tables, "{fork|wall} > 5 * {coroutine|wall}"));
    CHECK_FALSE(holds(two_tables, "{fork|wall} > 10 * {coroutine|wall}"));
    CHECK(holds(two_tables, "{fork|ok} >= 300"));
    CHECK_FALSE(holds(two_tables, "{fork|ok} >= 301"));
    CHECK(holds(two_tables, "{coroutine|value} == {fork|value}"));
    CHECK_FALSE(holds(two_tables, "{coroutine|in flight} == 299"));
}

TEST_CASE("docs claims: arithmetic with the usual precedence, parentheses and units", "[docs]") {
    CHECK(holds(two_tables, "{fork|in flight} + 2 * {thread|in flight} == 514"));
    CHECK(holds(two_tables, "({fork|in flight} + 2) * 2 == 76"));
    CHECK(holds(two_tables, "{fork|in flight} - 6 - 10 == 20"));
    CHECK(holds(two_tables, "{fork|in flight} / 4 / 3 == 3"));
    CHECK(holds(two_tables, "-{fork|ok} < 0"));
    CHECK(holds(two_tables, "{coroutine|wall} < 0.2 s"));
    CHECK(holds(two_tables, "{coroutine|heartbeat lag max} > 1500 µs"));
    CHECK(holds(two_tables, "{thread|peak memory} > 8 MiB"));
    const auto v = evaluate_claim("{thread|wall} < 0.5 * {coroutine|wall}", only_block(two_tables));
    CHECK_FALSE(v.holds);
    CHECK(v.values == "left 0.151, right 0.0505");
}

TEST_CASE("docs claims: has tests the raw cell for a text", "[docs]") {
    CHECK(holds(loop, "{lock coroutine|check} has \"passed\""));
    CHECK(holds(loop, "{lock thread|check} has \"no deposit lost\""));
    CHECK_FALSE(holds(loop, "{lock thread|check} has \"failed\""));
    CHECK(holds(two_tables, "{fork|children max / sum} has \"/ 656.9 MiB\""));
    CHECK(evaluate_claim("{lock thread|check} has \"failed\"", only_block(loop)).values ==
          "cell \"passed: no deposit lost\"");
}

TEST_CASE("docs claims: a reference to nothing names what the block has", "[docs]") {
    const auto row = error_of(two_tables, "{corutine|wall} < 1");
    CHECK(row.starts_with("no row \"corutine\" with a column \"wall\" in the block at line 5"));
    CHECK(row.find("rows: coroutine, thread, fork;") != std::string::npos);
    const auto column = error_of(two_tables, "{coroutine|walls} < 1");
    CHECK(column.starts_with("no row \"coroutine\" with a column \"walls\""));
    CHECK(column.find("columns: wall, cpu, concurrency") != std::string::npos);
    CHECK(error_of(two_runs, "{coroutine#3|wall} > 0").find("asks for occurrence 3, but the block at line 2 has 2") !=
          std::string::npos);
    CHECK(error_offset(two_tables, "1 < {corutine|wall}") == 4);
}

TEST_CASE("docs claims: a cell that is not a number cannot be compared", "[docs]") {
    CHECK(error_of(two_tables, "{coroutine|children max / sum} > 0") ==
          "{coroutine|children max / sum} is \"-\", not a number");
    CHECK(error_of(loop, "{lock thread|check} > 1") ==
          "{lock thread|check} is \"passed: no deposit lost\", not a number");
}

TEST_CASE("docs claims: bad syntax is an error where reading stopped", "[docs]") {
    const std::string claim_text = "{thread|wall} =< 1";
    CHECK(error_offset(two_tables, claim_text) == 14);
    CHECK(error_of(two_tables, claim_text) ==
          "expected a comparison (<, <=, >, >=, ==), or `has` after a lone reference, found \"=<\"");
    CHECK(error_of(two_tables, "{thread|wall} <").ends_with("found the end"));
    CHECK(error_of(two_tables, "{thread|wall < 1").starts_with("a reference without its closing }"));
    CHECK(error_of(two_tables, "{thread wall} < 1").starts_with("a reference is {ROW|COLUMN}"));
    CHECK(error_of(two_tables, "{thread#0|wall} < 1").starts_with("after # comes which occurrence"));
    CHECK(error_of(two_tables, "({thread|wall} < 1").starts_with("expected )"));
    CHECK(error_offset(two_tables, "{thread|wall} < 1 2") == 18);
    CHECK(error_of(two_tables, "{fork|check} has passed").starts_with("expected \"text\" after has"));
    CHECK(error_of(two_tables, "1 / {fork|failed} > 0") == "division by zero");
    CHECK(error_of(two_tables, "").starts_with("expected a number"));
}

TEST_CASE("docs claims: a file's report names each failed claim with the values it used", "[docs]") {
    const auto page = two_tables +
                      "\nThe coroutines finish first.\n\n"
                      "<!-- claim: {coroutine|wall} < {thread|wall} -->\n"
                      "<!-- claim: {thread|wall} < 0.5 * {coroutine|wall} -->\n"
                      "<!-- claim: {thread|wall} =< 1 -->\n";
    const auto r = check_document("page.md", page);
    CHECK(r.claims == 3);
    CHECK(r.failed == 1);
    CHECK(r.errors == 1);
    REQUIRE(r.messages.size() == 2);
    CHECK(r.messages[0] == "page.md:26: claim failed: {thread|wall} < 0.5 * {coroutine|wall} (left 0.151, right 0.0505)");
    CHECK(r.messages[1] ==
          "page.md:27:27: claim error: {thread|wall} =< 1: expected a comparison (<, <=, >, >=, ==), or `has` after "
          "a lone reference, found \"=<\"");
}

TEST_CASE("docs claims: a claim is about the nearest block above it", "[docs]") {
    const auto page = two_tables + "\n<!-- claim: {fork|ok} == 300 -->\n" + loop + "\nProse.\n\n<!-- claim: {lock thread|lost} == 0 -->\n";
    const auto doc = parse_document(page);
    REQUIRE(doc.claims.size() == 2);
    CHECK(doc.claims[0].block == 0u);
    CHECK(doc.claims[1].block == 1u);
    CHECK(check_document("page.md", page).messages.empty());
}

TEST_CASE("docs claims: a claim with no block above, or inside one, is an error", "[docs]") {
    const auto above = check_document("page.md", "# Title\n\n<!-- claim: {fork|ok} == 300 -->\n" + two_tables);
    CHECK(above.errors == 1);
    REQUIRE(above.messages.size() == 1);
    CHECK(above.messages[0] == "page.md:3:13: claim error: {fork|ok} == 300: no <!-- regenerate: ... --> block above "
                               "this claim");

    auto inside = two_tables;
    inside.insert(inside.find("<!-- /regenerate -->"), "<!-- claim: {fork|ok} == 300 -->\n");
    const auto r = check_document("page.md", inside);
    CHECK(r.errors == 1);
    REQUIRE(r.messages.size() == 1);
    CHECK(r.messages[0].find("inside the block opened at line 5") != std::string::npos);

    const auto open = check_document("page.md", two_tables + "<!-- claim: {fork|ok} == 300\n");
    REQUIRE(open.messages.size() == 1);
    CHECK(open.messages[0].find("has no closing -->") != std::string::npos);
}

TEST_CASE("docs claims: claims quoted in a fenced example or in backticks are not claims", "[docs]") {
    const auto page = two_tables +
                      "\nWrite `<!-- claim: {fork|wall} < 0 -->` after a block, for instance:\n\n"
                      "```markdown\n<!-- claim: {nothing|here} < 1 -->\n```\n";
    const auto r = check_document("page.md", page);
    CHECK(r.claims == 0);
    CHECK(r.messages.empty());
}
