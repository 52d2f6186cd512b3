#!/usr/bin/env bash
# The ingest benchmark, end to end: builds electd and ingest_bench (Release), then for each
# connection count starts a fresh `electd serve` on port 0 with a temporary database, loads it
# over HTTP keep-alive, stops it with SIGTERM; then measures SQLite inserting the same rows.
# Prints one summary table at the end. Takes about a minute once built.
#
# usage: bench/run_ingest.sh [BUILD_DIR]        (default: build-bench/, configured Release)
# environment: CONNECTIONS="16 64 256"  RUN_SECONDS=10  WARMUP=1  BASELINE_SECONDS=2
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
connections=${CONNECTIONS:-16 64 256}
run_seconds=${RUN_SECONDS:-10}
warmup=${WARMUP:-1}
baseline_seconds=${BASELINE_SECONDS:-2}

# A directory given by the caller keeps its configuration; a new one is configured Release.
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DELECTD_TESTS=OFF -DELECTD_BENCH=ON \
    >"${TMPDIR:-/tmp}/electd-bench-cmake.log" 2>&1 || { cat "${TMPDIR:-/tmp}/electd-bench-cmake.log" >&2; exit 1; }
fi
echo "run_ingest: building electd and ingest_bench in $build"
ninja -C "$build" electd ingest_bench | { grep -Ev '^\[[0-9]+/[0-9]+\] |^ninja: (Entering|no work)' || true; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
electd=$build/cli/electd
bench=$build/bench/ingest_bench

work=$(mktemp -d "${TMPDIR:-/tmp}/electd-bench.XXXXXX")
daemon_pid=""
cleanup() {
  [[ -n $daemon_pid ]] && kill -TERM "$daemon_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Other work on the machine shows up directly in these figures; say how busy it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A avg_batch
for c in $connections; do
  log=$work/serve-$c.log
  "$electd" serve --listen 127.0.0.1:0 --db "$work/electd-$c.db" 2>"$log" &
  daemon_pid=$!
  url=""
  for _ in $(seq 100); do
    url=$(grep -o 'listening on http://[^ ]*' "$log" | head -1 | cut -d' ' -f3) || true
    [[ -n $url ]] && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$log" >&2; echo "run_ingest: electd serve exited" >&2; exit 1; }
    sleep 0.1
  done
  [[ -n $url ]] || { cat "$log" >&2; echo "run_ingest: electd serve did not report its port" >&2; exit 1; }

  "$bench" --url "$url" --connections "$c" --seconds "$run_seconds" --warmup "$warmup" --pid "$daemon_pid" \
    --no-baseline --summary "$work/load.tsv"
  avg_batch[$c]=$(awk -F'\t' -v c="$c" '$1 == "load" && $2 == c {print $13}' "$work/load.tsv")

  kill -TERM "$daemon_pid"
  if wait "$daemon_pid"; then :; else
    echo "run_ingest: electd serve exited with status $? after SIGTERM; the end of its log:" >&2
    tail -n 5 "$log" >&2
  fi
  daemon_pid=""
  rm -f "$work/electd-$c.db" "$work/electd-$c.db-wal" "$work/electd-$c.db-shm"
done

# The baseline: one declaration per transaction, a fixed 64, and the batches the tracker reached
# over HTTP (ingest_bench adds the batch its in-process tracker reaches).
batches="1,64"
for c in $connections; do
  b=${avg_batch[$c]:--}
  [[ $b != - ]] && batches+=",$(awk -v b="$b" 'BEGIN {n = int(b + 0.5); print n < 1 ? 1 : n}')"
done
batches=$(tr ',' '\n' <<<"$batches" | sort -n -u | paste -sd,)
"$bench" --baseline-only --batch "$batches" --window 64 --baseline-seconds "$baseline_seconds" \
  --baseline-dir "$work" --summary "$work/baseline.tsv"

echo
echo "== electd ingest benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $build_type build," \
  "load average before: $load_before =="
echo "HTTP POST /v1/declarations, keep-alive, one request in flight per connection, ${run_seconds} s after" \
  "${warmup} s warm-up, a fresh daemon per row."
echo "srv, tracker, cli: CPU in % of one core (the daemon, its busiest thread, ingest_bench)."
echo "avg batch, busy, commit: from the daemon's /metrics; declarations per commit, and the % of the window"
echo "the tracker spent processing batches and in COMMIT."
printf '%11s %7s %7s %7s %7s %7s %7s %5s %7s %5s %9s %5s %6s\n' \
  connections decl/s "p50 ms" "p99 ms" "max ms" non-201 "RSS MiB" srv tracker cli "avg batch" busy commit
while IFS=$'\t' read -r kind c rate p50 p99 max bad rss scpu ccpu total busiest batch busy commit; do
  [[ $kind == load ]] || continue
  printf '%11s %7s %7s %7s %7s %7s %7s %5s %7s %5s %9s %5s %6s\n' \
    "$c" "$rate" "$p50" "$p99" "$max" "$bad" "$rss" "$scpu" "$busiest" "$ccpu" "$batch" "$busy" "$commit"
done <"$work/load.tsv"
echo
echo "Baselines, ${baseline_seconds} s each: the daemon's tracker without HTTP, then SQLite alone inserting"
echo "the rows that tracker stored (same schema, WAL + synchronous=FULL)."
printf '%-38s %-26s %9s %10s\n' mode batching decl/s "avg batch"
while IFS=$'\t' read -r kind mode batching rate avg; do
  [[ $kind == baseline ]] || continue
  printf '%-38s %-26s %9s %10s\n' "$mode" "$batching" "$rate" "$avg"
done <"$work/baseline.tsv"
