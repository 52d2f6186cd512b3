#!/usr/bin/env bash
# Builds electd's libFuzzer targets with clang in build-fuzz/ and runs each for SECONDS
# (default 30). Inputs that crash, leak or hang are kept under fuzz/crashes/<target>/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]      (targets: pa_xml native_json)
# Exit status: 0 when every target ran clean, 1 when one found a problem, 2 when the build failed.
set -uo pipefail

seconds=${1:-30}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
((${#targets[@]})) || targets=(pa_xml native_json)

root=$(cd "$(dirname "$0")/.." && pwd)
build=${ELECTD_FUZZ_BUILD:-$root/build-fuzz}
cxx=${ELECTD_FUZZ_CXX:-$(command -v clang++ || command -v clang++-14 || true)}
[ -n "$cxx" ] || { echo "run.sh: clang++ not found (Debian: apt-get install clang)" >&2; exit 2; }

mkdir -p "$build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DELECTD_FUZZ=ON -DELECTD_TESTS=OFF -DELECTD_BENCH=OFF >"$build/configure.log" 2>&1 \
  || { cat "$build/configure.log" >&2; echo "run.sh: configure failed" >&2; exit 2; }
ninja -C "$build" "${targets[@]/#/fuzz_}" || { echo "run.sh: build failed" >&2; exit 2; }

summary=()
failed=0
for t in "${targets[@]}"; do
  # New inputs go to a working corpus in the build tree; the committed seeds are only read.
  work="$build/corpus/$t"
  crashes="$root/fuzz/crashes/$t"
  log="$build/fuzz_$t.log"
  mkdir -p "$work" "$crashes"
  before=$(find "$crashes" -type f | wc -l)
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  echo "== fuzz_$t for ${seconds}s (log: $log)"
  start=$(date +%s)
  "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "${dict[@]}" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1
  status=$?
  elapsed=$(($(date +%s) - start))
  after=$(find "$crashes" -type f | wc -l)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corpus=$(find "$work" -type f | wc -l)
  line="fuzz_$t: ${elapsed}s, ${runs:-?} executions (${rate:-?}/s), coverage ${cov:-?} edges, corpus $corpus"
  if ((status != 0 || after > before)); then
    failed=1
    line+=", FAILED (exit $status, $((after - before)) new input(s) in fuzz/crashes/$t/)"
    grep -m1 -E 'ERROR: (AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|libFuzzer)|runtime error|broke a promise' "$log" >&2
  else
    line+=", no crash"
  fi
  summary+=("$line")
done

find "$root/fuzz/crashes" -type d -empty -delete 2>/dev/null

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "A target failed: reproduce with build-fuzz/fuzz/fuzz_<target> <input>, fix it, and keep the input"
  echo "as a regression test (tests/feeds/) or in fuzz/corpus/<target>/."
fi
exit $failed
