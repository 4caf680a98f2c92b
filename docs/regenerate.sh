#!/usr/bin/env bash
# Keeps the figures in the docs true: every block between
#   <!-- regenerate: COMMAND -->
#   <!-- /regenerate -->
# in README.md and docs/*.md is replaced by a fenced block with "$ COMMAND" and what COMMAND
# prints now (stdout and stderr), run by bash from the repository root with the built `tasklab`
# and example programs first on PATH, colours off and an 100-column terminal.
#
# After rewriting, the claims beside the blocks (<!-- claim: ... -->, tests/docs/claims.hpp) are
# checked against the new figures: a claim that no longer holds names the sentence to rewrite.
#
# and every block between
#   <!-- include: PATH -->
#   <!-- /include -->
# by a fenced block holding the file PATH (from the repository root), so that code a page
# shows is the code the tests build.
#
#   docs/regenerate.sh BUILD_DIR [FILE...]  rewrite the blocks (all files, or the ones named)
#   docs/regenerate.sh --check              check without running anything: markers pair up,
#                                           every included block equals its file, every docs
#                                           page is linked from README.md and docs/README.md,
#                                           every relative link resolves
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

open_marker='^<!-- regenerate: (.*) -->$'
close_marker='^<!-- /regenerate -->$'
include_marker='^<!-- include: (.*) -->$'
include_close='^<!-- /include -->$'

# The fenced block an include marker stands for: the file, in a fence named by its language.
fenced() {
    local path=$1 lang=cpp
    case $path in *.txt|*.cmake) lang=cmake ;; *.sh) lang=bash ;; esac
    echo '```'"$lang"
    cat "$path"
    echo '```'
}

# Each included block of FILE that differs from what its file would give.
check_includes() {
    local file=$1 line n=0 path= start=0 block problems=0
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        if [[ $line =~ $include_marker ]]; then
            path=${BASH_REMATCH[1]} start=$n block=""
        elif [[ $line =~ $include_close ]] && [ -n "$path" ]; then
            if [ ! -f "$path" ]; then
                echo "$file:$start: includes $path, which does not exist"; problems=$((problems + 1))
            elif [ "$block" != "$(fenced "$path")"$'\n' ]; then
                echo "$file:$start: the block differs from $path (docs/regenerate.sh BUILD_DIR $file)"; problems=$((problems + 1))
            fi
            path=""
        elif [ -n "$path" ]; then
            block+="$line"$'\n'
        fi
    done <"$file"
    return "$problems"
}

check() {
    local problems=0 file line n open target page
    for file in README.md docs/*.md docs/examples/README.md; do
        [ -f "$file" ] || continue
        n=0 open=0
        while IFS= read -r line || [ -n "$line" ]; do
            n=$((n + 1))
            if [[ $line =~ $open_marker ]]; then
                if [ "$open" -ne 0 ]; then echo "$file:$n: regenerate block opened inside another (opened at line $open)"; problems=$((problems + 1)); fi
                open=$n
            elif [[ $line =~ $close_marker ]]; then
                if [ "$open" -eq 0 ]; then echo "$file:$n: /regenerate without an opening marker"; problems=$((problems + 1)); fi
                open=0
            fi
        done <"$file"
        if [ "$open" -ne 0 ]; then echo "$file:$open: regenerate block never closed"; problems=$((problems + 1)); fi
        check_includes "$file" || problems=$((problems + $?))
        # Relative Markdown links, anchors stripped, must name files that exist.
        while IFS= read -r target; do
            target=${target%%#*}
            [ -n "$target" ] || continue
            if [ ! -e "$(dirname "$file")/$target" ]; then
                echo "$file: link to $target, which does not exist"; problems=$((problems + 1))
            fi
        done < <(grep -oE '\]\([^)[:space:]]+\)' "$file" | sed -E 's/^\]\((.*)\)$/\1/' | grep -vE '^(https?:|mailto:|#)' || true)
    done
    for page in docs/*.md; do
        [ "$page" = docs/README.md ] && continue
        grep -q "(${page})" README.md || { echo "README.md does not link $page"; problems=$((problems + 1)); }
        grep -q "(${page#docs/})" docs/README.md || { echo "docs/README.md does not link $page"; problems=$((problems + 1)); }
    done
    if [ "$problems" -ne 0 ]; then echo "$problems problem(s) in the docs"; return 1; fi
    echo "docs: markers pair up, every page is linked, every relative link resolves"
}

regenerate_file() {
    local file=$1 bin=$2 tmp line command in_block=0 status
    tmp=$(mktemp)
    while IFS= read -r line || [ -n "$line" ]; do
        if [ "$in_block" -eq 1 ]; then
            [[ $line =~ $close_marker || $line =~ $include_close ]] && { echo "$line" >>"$tmp"; in_block=0; }
            continue
        fi
        echo "$line" >>"$tmp"
        if [[ $line =~ $include_marker ]]; then
            fenced "${BASH_REMATCH[1]}" >>"$tmp"
            in_block=1
            continue
        fi
        if [[ $line =~ $open_marker ]]; then
            command=${BASH_REMATCH[1]}
            echo "  $file: $command" >&2
            {
                echo '```console'
                echo "\$ $command"
                status=0
                PATH="$bin:$bin/docs/examples:$PATH" NO_COLOR=1 COLUMNS=100 bash -c "$command" 2>&1 </dev/null || status=$?
                [ "$status" -eq 0 ] || echo "(exit code $status)"
                echo '```'
            } >>"$tmp"
            in_block=1
        fi
    done <"$file"
    if [ "$in_block" -eq 1 ]; then rm -f "$tmp"; echo "$file: regenerate block never closed" >&2; return 1; fi
    mv "$tmp" "$file"
}

if [ "${1:-}" = --check ]; then
    check
    exit
fi
if [ $# -lt 1 ] || [ ! -x "$1/tasklab" ]; then
    echo "usage: docs/regenerate.sh BUILD_DIR [FILE...]   (BUILD_DIR holds the built tasklab, e.g. build/release)" >&2
    echo "       docs/regenerate.sh --check" >&2
    exit 2
fi
bin=$(cd "$1" && pwd)
shift
files=("$@")
[ ${#files[@]} -gt 0 ] || mapfile -t files < <(grep -l -E '^<!-- (regenerate|include): ' README.md docs/*.md)
for file in "${files[@]}"; do regenerate_file "$file" "$bin"; done
check
# The prose beside the new figures: every <!-- claim: ... --> must hold for its block, or the
# sentence it backs has to change (tests/docs/claims.hpp).
if [ -x "$bin/tests/docs/check_claims" ]; then
    "$bin/tests/docs/check_claims" "${files[@]}"
else
    echo "docs: claims not checked ($bin/tests/docs/check_claims is not built)" >&2
fi
