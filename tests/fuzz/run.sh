#!/usr/bin/env bash
# Fuzzes the fork backend's result wire format (src/wire.cpp) with libFuzzer for a bounded
# time. Usage: tests/fuzz/run.sh SECONDS [BUILD_DIR]   (BUILD_DIR defaults to build/fuzz)
# Installs clang-14 and libclang-rt-14-dev (Debian) if missing, builds the target with
# ASan + UBSan, writes a seed corpus with wire::encode, and fuzzes. Exits non-zero on any
# finding; the crashing input is left in BUILD_DIR/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:?usage: tests/fuzz/run.sh SECONDS [BUILD_DIR]}
build=${2:-build/fuzz}
# (0 would mean no limit to libFuzzer: refuse it.)
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: SECONDS must be a positive whole number: $seconds" >&2; exit 2; }

# The toolchain, only what is missing (the pattern of .ci/install-deps).
packages=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cxx=clang++-14
flags=(-std=c++20 -O1 -g -I include -I src)
sanitize=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
mkdir -p "$build/artifacts"

# wire.cpp needs nothing else from the library (task_record is plain data).
echo "== building $build/wire_fuzz =="
$cxx "${flags[@]}" "${sanitize[@]}" tests/fuzz/wire_fuzz.cpp src/wire.cpp -o "$build/wire_fuzz"
$cxx "${flags[@]}" tests/fuzz/make_seeds.cpp src/wire.cpp -o "$build/make_seeds"

# A fresh corpus each run, seeded with frames from the current encoder; libFuzzer adds the
# inputs it finds to it (kept in the build dir for a look afterwards).
corpus="$build/corpus"
rm -rf "$corpus"
mkdir -p "$corpus"
"$build/make_seeds" "$corpus"

# -max_len: room for the largest valid frame (21562 bytes) and some.
# -malloc_limit_mb: no single allocation anywhere near it is plausible (decode allocates at
# most max_error_bytes and max_wait_spans spans).
symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
if [ -x "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$symbolizer"; fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== fuzzing for ${seconds} s =="
"$build/wire_fuzz" "$corpus" \
  -dict=tests/fuzz/wire.dict \
  -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -malloc_limit_mb=64 \
  -max_len=24576 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/"
echo "== fuzz: no finding in ${seconds} s =="
