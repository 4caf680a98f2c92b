#!/usr/bin/env bash
# The [faults] suite, REPEAT times in a row (default 50), each time in a random order and with
# TASKLAB_TEST_JITTER_SEED set, which varies the tests' delays (when a stop arrives, say).
# Stops at the first failure and names the repetition, so it can be replayed:
#   TASKLAB_TEST_JITTER_SEED=<n> BUILD_DIR/tests/tasklab_tests "[faults]" --order rand --rng-seed <n>
#   tests/stress.sh BUILD_DIR [REPEAT]
set -euo pipefail
build=${1:?usage: tests/stress.sh BUILD_DIR [REPEAT]}
repeat=${2:-50}
tests="$build/tests/tasklab_tests"
[ -x "$tests" ] || { echo "no $tests: build first (make build)" >&2; exit 2; }
start=$(date +%s)
for i in $(seq 1 "$repeat"); do
    if ! TASKLAB_TEST_JITTER_SEED=$i "$tests" "[faults]" --order rand --rng-seed "$i" >"$build/stress-last.log" 2>&1; then
        cat "$build/stress-last.log"
        echo "stress: repetition $i of $repeat failed (TASKLAB_TEST_JITTER_SEED=$i, --rng-seed $i)" >&2
        exit 1
    fi
    echo "stress: $i/$repeat passed ($(( $(date +%s) - start )) s)"
done
echo "stress: all $repeat repetitions of [faults] passed in $(( $(date +%s) - start )) s"
