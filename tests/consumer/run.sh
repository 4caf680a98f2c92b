#!/usr/bin/env bash
# Installs tasklab from BUILD_DIR into a temporary prefix, builds tests/consumer against it
# as an outside project would, and runs the user's own task type on every backend.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/tasklab"
test -f "$work/prefix/include/tasklab/tasklab.hpp"
cmake -S "$source_dir/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" -j2 > "$work/build.log"

"$work/build/consumer" list | grep -q "checksum"
"$work/build/consumer" list | grep -q "download"
out=$("$work/build/consumer" run checksum --backend all --runs 1 --format json --quiet)
for backend in sequential coroutine thread fork; do
  grep -q "\"backend\": \"$backend\"" <<<"$out"
done
grep -q '"tasks_ok": 8' <<<"$out"
! grep -q '"tasks_failed": [1-9]' <<<"$out"
echo "consumer: installed, found, built, and ran its own task type on every backend"
