// check_claims FILE...: checks every `<!-- claim: ... -->` in the Markdown files named against
// the output block above it (claims.hpp). Prints each claim that fails or cannot be evaluated,
// then a summary. Exit code 0 if every claim holds, 1 if not, 2 on bad usage or a file that
// cannot be read.
//
// check_claims --tables FILE... prints instead what each block's claims can refer to: the rows
// and columns of its tables, as the checker reads them.
#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "claims.hpp"

namespace {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int usage() {
    fmt::print(stderr,
               "usage: check_claims FILE...           check the claims beside the output blocks\n"
               "       check_claims --tables FILE...  list the rows and columns each block offers\n");
    return 2;
}

std::string counted(std::size_t n, std::string_view thing) { return fmt::format("{} {}{}", n, thing, n == 1 ? "" : "s"); }

void print_tables(const std::string& path, const std::string& text) {
    for (const auto& b : tasklab::docs::parse_document(text).blocks)
        fmt::print("{}:{}: {}\n    {}\n", path, b.line, b.command, tasklab::docs::describe_block(b));
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> paths(argv + 1, argv + argc);
    const bool tables = !paths.empty() && paths.front() == "--tables";
    if (tables) paths.erase(paths.begin());
    if (paths.empty()) return usage();
    for (const auto& path : paths)
        if (path.starts_with("-")) return usage();

    // Every file read before any is checked: a wrong path is a usage mistake, not a failed claim.
    std::vector<std::string> texts;
    for (const auto& path : paths) {
        auto text = read_file(path);
        if (!text) {
            fmt::print(stderr, "check_claims: cannot read {}\n", path);
            return 2;
        }
        texts.push_back(std::move(*text));
    }

    if (tables) {
        for (std::size_t i = 0; i < paths.size(); ++i) print_tables(paths[i], texts[i]);
        return 0;
    }

    std::size_t claims = 0, failed = 0, errors = 0;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const auto result = tasklab::docs::check_document(paths[i], texts[i]);
        for (const auto& message : result.messages) fmt::print("{}\n", message);
        claims += result.claims;
        failed += result.failed;
        errors += result.errors;
    }
    fmt::print("{} in {}: {} failed{}\n", counted(claims, "claim"), counted(paths.size(), "file"), failed,
               errors == 0 ? "" : fmt::format(", {} could not be evaluated", errors));
    return failed == 0 && errors == 0 ? 0 : 1;
}
