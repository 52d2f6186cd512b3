#!/usr/bin/env bash
# The fan-out benchmark, end to end: builds electd and fanout_bench (Release), installs the
# Node.js baseline's dependencies if they are missing, then for each subscriber count starts a
# fresh `electd serve` on port 0 with a temporary database, runs the rounds, stops it; then
# starts a fresh bench/node/broadcaster.mjs and sends it the very alert messages electd sent.
# Prints one summary table at the end. About two minutes once built.
#
# usage: bench/run_fanout.sh [BUILD_DIR]        (default: build-bench/, configured Release)
# environment: SUBSCRIBERS="1000 10000"  ROUNDS=50  INTERVAL_MS=200  THREADS=1 (client threads)
#              ELECTD_ARGS="--threads 1" (more `electd serve` options)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
subscribers=${SUBSCRIBERS:-1000 10000}
rounds=${ROUNDS:-50}
interval_ms=${INTERVAL_MS:-200}
threads=${THREADS:-1}
read -r -a electd_args <<<"${ELECTD_ARGS:-}"

# A directory given by the caller keeps its configuration; a new one is configured Release.
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DELECTD_TESTS=OFF -DELECTD_BENCH=ON \
    >"${TMPDIR:-/tmp}/electd-fanout-cmake.log" 2>&1 || { cat "${TMPDIR:-/tmp}/electd-fanout-cmake.log" >&2; exit 1; }
fi
echo "run_fanout: building electd and fanout_bench in $build"
ninja -C "$build" electd fanout_bench | { grep -Ev '^\[[0-9]+/[0-9]+\] |^ninja: (Entering|no work)' || true; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
electd=$build/cli/electd
bench=$build/bench/fanout_bench

# The baseline: node and the pinned `ws` from package-lock.json.
node_dir=$root/bench/node
if [[ ! -f $node_dir/node_modules/ws/package.json ]]; then
  echo "run_fanout: installing the baseline's dependencies (npm ci in bench/node)"
  (cd "$node_dir" && npm ci --no-audit --no-fund >/dev/null)
fi
node_version=$(node --version)
ws_version=$(node -p "require('$node_dir/node_modules/ws/package.json').version")

# Every subscriber is a descriptor in the client and one in the server (both raise their soft
# limit to the hard one too); the largest run needs a little more than that.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
most=0
for n in $subscribers; do ((n > most)) && most=$n; done
if (($(ulimit -n) < most + 64)); then
  echo "run_fanout: warning: ulimit -n is $(ulimit -n), below the $most subscribers asked for (+64);" \
    "some connections will fail (raise the hard limit as root: ulimit -Hn)" >&2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/electd-fanout.XXXXXX")
server_pid=""
cleanup() {
  [[ -n $server_pid ]] && kill -TERM "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_server NAME LOG COMMAND...: starts it, waits for "listening on http://...", sets
# server_pid and server_url.
start_server() {
  local name=$1 log=$2
  shift 2
  : >"$log" # exists before the first grep below, however late the server's shell opens it
  "$@" 2>"$log" &
  server_pid=$!
  server_url=""
  for _ in $(seq 100); do
    server_url=$(grep -o 'listening on http://[^ ]*' "$log" | head -1 | cut -d' ' -f3) || true
    [[ -n $server_url ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; echo "run_fanout: $name exited" >&2; exit 1; }
    sleep 0.1
  done
  cat "$log" >&2
  echo "run_fanout: $name did not report its port" >&2
  exit 1
}

stop_server() {
  local name=$1 log=$2
  kill -TERM "$server_pid"
  if wait "$server_pid"; then :; else
    echo "run_fanout: $name exited with status $? after SIGTERM; the end of its log:" >&2
    tail -n 5 "$log" >&2
  fi
  server_pid=""
}

# Other work on the machine shows up directly in these figures; say how busy it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for n in $subscribers; do
  # electd with room for n subscribers from one address (HTTP connections and subscribers are
  # limited per address separately, 512 and 2,000 by default); heartbeats and keep-alive pings are
  # pushed out of the window so every message in it is a round's alert (see bench/README.md).
  limit=$((n + 1000))
  log=$work/electd-$n.log
  start_server electd "$log" "$electd" serve --listen 127.0.0.1:0 --db "$work/electd-$n.db" \
    --max-connections "$limit" --max-connections-per-address "$limit" \
    --max-subscribers "$limit" --max-subscribers-per-address "$limit" \
    --heartbeat 3600 --ws-idle-timeout 3600 ${electd_args[@]+"${electd_args[@]}"}
  "$bench" --url "$server_url" --pid "$server_pid" --subscribers "$n" --rounds "$rounds" \
    --interval-ms "$interval_ms" --threads "$threads" --capture "$work/messages-$n.txt" --summary "$work/summary.tsv"
  stop_server electd "$log"
  rm -f "$work/electd-$n.db" "$work/electd-$n.db-wal" "$work/electd-$n.db-shm"

  log=$work/ws-$n.log
  start_server "the ws broadcaster" "$log" node "$node_dir/broadcaster.mjs" 127.0.0.1:0
  "$bench" --baseline-url "$server_url" --baseline-pid "$server_pid" --messages "$work/messages-$n.txt" \
    --subscribers "$n" --rounds "$rounds" --interval-ms "$interval_ms" --threads "$threads" --summary "$work/summary.tsv"
  stop_server "the ws broadcaster" "$log"
done

echo
echo "== electd fan-out benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $build_type build," \
  "load average before: $load_before =="
echo "Each round: one POST (electd: a first declaration to /v1/declarations; ws: its alert message to"
echo "/publish), its message timed from just before the POST is written to its arrival at every subscriber;"
echo "${rounds} rounds at least ${interval_ms} ms apart, ${threads} client thread(s), a fresh server per row."
echo "Baseline: Node.js ${node_version}, ws ${ws_version}. Latency in ms; last = each round's last subscriber;"
echo "CPU in us per delivered message over the rounds; memory: server RSS growth per idle subscriber."
printf '%-7s %11s %9s %7s %7s %7s %8s %8s %8s %8s %8s %8s %8s %8s\n' \
  server subscribers missing p50 p99 max "last p50" "last p99" "last max" "srv us" "cli us" "KiB/sub" "srv %cpu" "RSS MiB"
while IFS=$'\t' read -r kind name requested connected nrounds delivered expected p50 p99 max lp50 lp99 lmax \
  srv_us cli_us kib pct bytes rss; do
  [[ $kind == fanout ]] || continue
  printf '%-7s %11s %9s %7s %7s %7s %8s %8s %8s %8s %8s %8s %8s %8s\n' \
    "$name" "$requested" "$((expected - delivered))" "$p50" "$p99" "$max" "$lp50" "$lp99" "$lmax" "$srv_us" "$cli_us" \
    "$kib" "$pct" "$rss"
done <"$work/summary.tsv"
