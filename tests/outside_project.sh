#!/usr/bin/env bash
# Installs tasklab from BUILD_DIR into a temporary prefix, then builds and tests
# docs/examples/outside - a task type and a backend of its own - against it, as an outside
# project would. Also checks the package's layers: the core library holds no bench or command
# line code, and finding the package needs no CLI11.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
test -x "$work/prefix/bin/tasklab"
test -f "$work/prefix/include/tasklab/tasklab.hpp"

core=$(find "$work/prefix" -name libtasklab.a)
if nm -C "$core" | grep -E ' (tasklab::bench::|CLI::)' | head -5 | grep .; then
  echo "libtasklab.a holds bench or CLI11 symbols (above)" >&2
  exit 1
fi
if grep -rlE 'CLI11::|find_dependency\(CLI11' "$work/prefix/lib"*/cmake/tasklab/; then
  echo "the installed package names CLI11 (files above)" >&2
  exit 1
fi

cmake -S "$source_dir/docs/examples/outside" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$work/configure.log"
cmake --build "$work/build" -j2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
ctest --test-dir "$work/build" --output-on-failure
echo "outside project: installed, found, built and tested its own task type and backend"
