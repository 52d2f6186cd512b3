#!/usr/bin/env bash
# The graphics pull benchmark: electd's hot read endpoints under wrk, beside nginx serving the
# very same bytes from static files. Builds electd (Release), starts `electd serve` on port 0
# with a temporary database, replays the whole 2024 night into it, saves its answers with
# curl; then, for each connection mode and endpoint, runs the same wrk command against electd
# (once per --threads setting) and against nginx (one worker), and prints one summary table.
# About 12 minutes with the defaults, once built (24 rows x 3 runs x 10 s).
#
# usage: bench/run_graphics.sh [BUILD_DIR]        (default: build-bench/, configured Release)
# environment: DURATION=10 (s per run)  REPEATS=3 (runs per row, median kept)  CONNECTIONS=50  WRK_THREADS=1
#              ELECTD_THREADS="1 2" (one electd per setting)  MODES="keep-alive close"
#              CASES="totals totals-304 totals-csv latest10 seat"  KEEP=1 (keep the work directory)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
duration=${DURATION:-10}
repeats=${REPEATS:-3}
connections=${CONNECTIONS:-50}
wrk_threads=${WRK_THREADS:-1}
electd_threads=${ELECTD_THREADS:-1 2}
modes=${MODES:-keep-alive close}
cases=${CASES:-totals totals-304 totals-csv latest10 seat}
nginx=${NGINX:-/usr/sbin/nginx}

die() { echo "run_graphics: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (scripts/install-deps installs it)"
[[ -x $nginx ]] || command -v nginx >/dev/null || die "nginx is not installed (scripts/install-deps installs it)"
[[ -x $nginx ]] || nginx=$(command -v nginx)
command -v curl >/dev/null || die "curl is not installed (scripts/install-deps installs it)"
command -v python3 >/dev/null || die "python3 is not installed (it finds a free port for nginx)"

# A directory given by the caller keeps its configuration; a new one is configured Release.
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DELECTD_TESTS=OFF -DELECTD_BENCH=ON \
    >"${TMPDIR:-/tmp}/electd-graphics-cmake.log" 2>&1 || { cat "${TMPDIR:-/tmp}/electd-graphics-cmake.log" >&2; exit 1; }
fi
echo "run_graphics: building electd in $build"
ninja -C "$build" electd | { grep -Ev '^\[[0-9]+/[0-9]+\] |^ninja: (Entering|no work)' || true; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
electd=$build/cli/electd
lua=$root/bench/graphics_report.lua
clk_tck=$(getconf CLK_TCK)

work=$(mktemp -d "${TMPDIR:-/tmp}/electd-graphics.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n ${KEEP:-} ]]; then echo "run_graphics: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# start_electd NAME DB [OPTIONS...]: starts `electd serve` on port 0, waits for its "listening
# on" line; sets started_pid and started_url.
start_electd() {
  local name=$1 db=$2 log=$work/$1.log
  shift 2
  : >"$log"
  "$electd" serve --listen 127.0.0.1:0 --db "$db" "$@" 2>"$log" &
  started_pid=$!
  pids+=("$started_pid")
  started_url=""
  for _ in $(seq 100); do
    started_url=$(grep -o 'listening on http://[^ ]*' "$log" | head -1 | cut -d' ' -f3) || true
    [[ -n $started_url ]] && return 0
    kill -0 "$started_pid" 2>/dev/null || { cat "$log" >&2; die "$name exited"; }
    sleep 0.1
  done
  cat "$log" >&2
  die "$name did not report its port"
}

stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# cpu_ticks PID...: utime + stime of the processes, in clock ticks (fields 14 and 15 of stat;
# the command name in field 2 has no spaces for electd or nginx).
cpu_ticks() {
  local pid total=0 fields
  for pid in "$@"; do
    read -r -a fields <"/proc/$pid/stat"
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}

# rss_kib PID...: VmRSS summed.
rss_kib() {
  local pid total=0
  for pid in "$@"; do total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"))); done
  echo "$total"
}

# Other work on the machine shows up directly in these figures; say how busy it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- electd with the whole night -------------------------------------------------------------
echo "run_graphics: loading the 2024 night into a fresh electd (electd replay --fast)"
start_electd electd-load "$work/night.db"
load_pid=$started_pid
"$electd" replay --url "$started_url" --fast --quiet >"$work/replay.log" 2>&1 ||
  { cat "$work/replay.log" >&2; die "electd replay failed"; }
tail -n 3 "$work/replay.log"
stop_pid "$load_pid"

# One copy of the database per electd: each server gets its own file, nothing shared.
declare -A url_of pids_of
servers=()
for t in $electd_threads; do
  cp "$work/night.db" "$work/night-t$t.db"
  # The default log level: answered GETs log at debug, so there is no access log, as for nginx.
  start_electd "electd-t$t" "$work/night-t$t.db" --threads "$t"
  url_of[electd/t$t]=$started_url
  pids_of[electd/t$t]=$started_pid
  servers+=("electd/t$t")
done
first=${servers[0]}

# --- the bytes nginx will serve, fetched from electd ------------------------------------------
www=$work/www
mkdir -p "$www"
# Run as root, nginx's worker drops to an unprivileged user: it must be able to read these.
chmod a+rx "$work" "$www"
fetch() { # fetch PATH FILE [CURL ARGS...]: body to FILE, headers to FILE.headers, fails on non-2xx
  local path=$1 file=$2
  shift 2
  curl -sS --fail -D "$file.headers" -o "$file" "$@" "${url_of[$first]}$path"
}
fetch /v1/graphics/totals "$www/totals.json"
fetch /v1/graphics/totals "$www/totals.csv" -H 'Accept: text/csv'
fetch '/v1/graphics/latest?n=10' "$www/latest10.json"
fetch /v1/graphics/seat/E14001193 "$www/seat.json" # Derby North
header() { sed -n "s/^$1: *//Ip" "$2" | tr -d '\r' | head -1; }
declared=$(grep -o '"declared":[0-9]*' "$www/totals.json" | head -1 | cut -d: -f2)
[[ $declared == 650 ]] || echo "run_graphics: warning: electd reports $declared declared seats, not 650" >&2
cache_control=$(header Cache-Control "$www/totals.json.headers")
seq_header=$(header X-Electd-Seq "$www/totals.json.headers")
json_type=$(header Content-Type "$www/totals.json.headers")
csv_type=$(header Content-Type "$www/totals.csv.headers")
declare -A etag_of
for s in "${servers[@]}"; do
  etag_of[$s]=$(curl -sS --fail -D - -o /dev/null "${url_of[$s]}/v1/graphics/totals" | sed -n 's/^etag: *//Ip' | tr -d '\r')
  [[ -n ${etag_of[$s]} ]] || die "$s sent no ETag"
done

# --- nginx: one worker, the same files, the same extra headers --------------------------------
nginx_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  types { ${json_type%%;*} json; ${csv_type%%;*} csv; }
  charset_types ${csv_type%%;*};
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  # electd keeps a connection for any number of requests; nginx would close every 1,000th.
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  # Accept: text/csv picks the CSV file, as electd picks its CSV rendering.
  map \$http_accept \$graphics_ext { default json; "~text/csv" csv; }
  server {
    listen 127.0.0.1:$nginx_port;
    root $www;
    add_header Cache-Control "$cache_control";
    add_header Vary Accept;
    add_header X-Electd-Seq $seq_header;
    location = /v1/graphics/totals { try_files /totals.\$graphics_ext =404; }
    location = /v1/graphics/latest { try_files /latest10.json =404; }
    location = /v1/graphics/seat/E14001193 { try_files /seat.json =404; }
    location / { return 404; }
  }
}
EOF
[[ $csv_type == *charset=utf-8* ]] && sed -i 's/^  charset_types/  charset utf-8; charset_types/' "$work/nginx/nginx.conf"
"$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" 2>>"$work/nginx/error.log" &
nginx_pid=$!
pids+=("$nginx_pid")
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$nginx_port/v1/graphics/totals" && break
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$work/nginx/error.log" >&2; die "nginx exited"; }
  sleep 0.1
done
nginx_worker=$(pgrep -P "$nginx_pid" | head -1) || true
[[ -n $nginx_worker ]] || { cat "$work/nginx/error.log" >&2; die "nginx has no worker"; }
url_of[nginx]=http://127.0.0.1:$nginx_port
pids_of[nginx]="$nginx_pid $nginx_worker"
servers+=(nginx)
etag_of[nginx]=$(curl -sS --fail -D - -o /dev/null "${url_of[nginx]}/v1/graphics/totals" | sed -n 's/^etag: *//Ip' | tr -d '\r')
[[ -n ${etag_of[nginx]} ]] || die "nginx sent no ETag"

# case_args CASE SERVER: the path and the headers of one case.
case_path() { case $1 in latest10) echo '/v1/graphics/latest?n=10' ;; seat) echo /v1/graphics/seat/E14001193 ;; *) echo /v1/graphics/totals ;; esac; }
case_headers() {
  case $1 in
    totals-304) echo "If-None-Match: ${etag_of[$2]}" ;;
    totals-csv) echo "Accept: text/csv" ;;
  esac
}
case_status() { [[ $1 == totals-304 ]] && echo 304 || echo 200; }
case_file() { case $1 in totals-csv) echo totals.csv ;; latest10) echo latest10.json ;; seat) echo seat.json ;; *) echo totals.json ;; esac; }

# Every server must answer every case with the same status and the same body before anything
# is timed; otherwise the comparison means nothing.
for c in $cases; do
  for s in "${servers[@]}"; do
    h=$(case_headers "$c" "$s")
    args=(-sS -o "$work/check" -w '%{http_code}')
    [[ -n $h ]] && args+=(-H "$h")
    code=$(curl "${args[@]}" "${url_of[$s]}$(case_path "$c")")
    [[ $code == "$(case_status "$c")" ]] || die "$s answered $c with $code, not $(case_status "$c")"
    if [[ $code == 200 ]] && ! cmp -s "$work/check" "$www/$(case_file "$c")"; then
      die "$s's body for $c differs from the saved one (did the state change?)"
    fi
  done
done
echo "run_graphics: every server answers every case alike; bodies: totals.json $(stat -c %s "$www/totals.json") B," \
  "totals.csv $(stat -c %s "$www/totals.csv") B, latest10.json $(stat -c %s "$www/latest10.json") B," \
  "seat.json $(stat -c %s "$www/seat.json") B"

# --- the runs ----------------------------------------------------------------------------------
# summary.tsv, one line per wrk run: mode case server requests duration_us bytes socket_errors
# bad_status p50_us p99_us max_us server_ticks server_rss_kib load1 wrk_cpu_s
: >"$work/summary.tsv"
TIMEFORMAT='%U %S' # bash's `time`: the user and system seconds of wrk itself
for mode in $modes; do
  for c in $cases; do
    # Every repeat lets each server take its turn on the case, so drift in the machine's load
    # (it is shared) hits them alike; the summary keeps each server's median run.
    for ((rep = 1; rep <= repeats; ++rep)); do
      for s in "${servers[@]}"; do
        read -r -a spids <<<"${pids_of[$s]}"
        args=(-t "$wrk_threads" -c "$connections" -d "${duration}s" --latency -s "$lua")
        h=$(case_headers "$c" "$s")
        [[ -n $h ]] && args+=(-H "$h")
        # close: a new TCP connection for every request (wrk reconnects when told to close).
        [[ $mode == close ]] && args+=(-H "Connection: close")
        out=$work/wrk-$mode-$c-${s//\//-}-$rep.txt
        ticks_before=$(cpu_ticks "${spids[@]}")
        { time wrk "${args[@]}" "${url_of[$s]}$(case_path "$c")" >"$out" 2>&1; } 2>"$out.time" ||
          { cat "$out" >&2; die "wrk failed"; }
        ticks_after=$(cpu_ticks "${spids[@]}")
        rss=$(rss_kib "${spids[@]}")
        for pid in "${spids[@]}"; do kill -0 "$pid" 2>/dev/null || die "$s died during $mode $c"; done
        read -r _ requests duration_us bytes e_connect e_read e_write e_status e_timeout p50 p99 max \
          < <(grep '^figures' "$out") || { cat "$out" >&2; die "no figures from wrk"; }
        wrk_cpu=$(awk '{print $1 + $2}' "$out.time")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$c" "$s" "$requests" \
          "$duration_us" "$bytes" "$((e_connect + e_read + e_write + e_timeout))" "$e_status" "$p50" "$p99" "$max" \
          "$((ticks_after - ticks_before))" "$rss" "$(cut -d' ' -f1 /proc/loadavg)" "$wrk_cpu" >>"$work/summary.tsv"
        awk -F'\t' -v tck="$clk_tck" -v rep="$rep/$repeats" 'END {
          printf "run_graphics: %-10s %-10s %-9s %-3s %8.0f req/s  p50 %5.2f ms  p99 %6.2f ms  CPU s: server %5.2f wrk %5.2f  load %s\n",
            $1, $2, $3, rep, $4 / ($5 / 1e6), $9 / 1000, $10 / 1000, $12 / tck, $15, $14 }' "$work/summary.tsv"
      done
    done
  done
done

# --- the summary --------------------------------------------------------------------------------
threads_note=""
for s in "${servers[@]}"; do [[ $s == electd/* ]] && threads_note+="${s#electd/t} "; done
echo
echo "== electd graphics pull benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $build_type build," \
  "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) =="
echo "wrk -t$wrk_threads -c$connections -d${duration}s on the same machine, $repeats run(s) per row, the servers taking"
echo "turns; each row is that server's median run by req/s (range: the slowest and fastest runs)."
echo "electd/tN = electd serve --threads N (${threads_note% }); nginx $("$nginx" -v 2>&1 | sed 's/.*nginx\///'), worker_processes 1,"
echo "serving electd's own answers as static files. keep-alive: wrk's default; close: 'Connection: close',"
echo "a new connection per request. Cases: totals = GET /v1/graphics/totals (200 JSON); totals-304 = the"
echo "same with If-None-Match: its server's ETag; totals-csv = Accept: text/csv; latest10 ="
echo "GET /v1/graphics/latest?n=10; seat = GET /v1/graphics/seat/E14001193 (Derby North). B/resp: bytes read per answer, headers included. err: socket errors"
echo "+ answers neither 2xx nor 3xx. RSS: server VmRSS after the run (nginx: master + worker)."
echo "srv CPU: server utime+stime during the run (10 ms ticks); us/req: that per answer; wrk CPU: wrk's own."
echo "load: 1-minute load average at the end of the run. x nginx: this row's req/s over nginx's median."
printf '%-10s %-10s %-9s %7s %13s %6s %6s %7s %6s %4s %6s %6s %6s %6s %5s %6s\n' \
  mode case server "req/s" "range" "p50 ms" "p99 ms" "max ms" "B/resp" err "RSS MB" "srv s" us/req "wrk s" load "x nginx"
awk -F'\t' -v tck="$clk_tck" '
  {
    key = $1 "\t" $2 "\t" $3
    if (!(key in count)) order[++keys] = key
    n = ++count[key]; rate[key, n] = $4 / ($5 / 1e6); row[key, n] = $0
  }
  END {
    for (k = 1; k <= keys; ++k) { # the median run of each server (insertion sort: a few runs)
      key = order[k]; n = count[key]
      for (i = 2; i <= n; ++i)
        for (j = i; j > 1 && rate[key, j - 1] > rate[key, j]; --j) {
          t = rate[key, j]; rate[key, j] = rate[key, j - 1]; rate[key, j - 1] = t
          t = row[key, j]; row[key, j] = row[key, j - 1]; row[key, j - 1] = t
        }
      m = int((n + 1) / 2); median[key] = rate[key, m]; pick[key] = row[key, m]
      range[key] = sprintf("%.0f-%.0f", rate[key, 1], rate[key, n])
      split(key, f, "\t"); if (f[3] == "nginx") base[f[1] "\t" f[2]] = median[key]
    }
    for (k = 1; k <= keys; ++k) {
      key = order[k]; split(pick[key], f, "\t"); b = f[1] "\t" f[2]
      ratio = (b in base) && base[b] > 0 ? sprintf("%.2f", median[key] / base[b]) : "-"
      # (parenthesised: a bare ">" in awk print arguments is a redirection)
      printf "%-10s %-10s %-9s %7.0f %13s %6.2f %6.2f %7.2f %6.0f %4d %6.1f %6.2f %6.1f %6.2f %5s %6s\n",
        f[1], f[2], f[3], median[key], range[key], f[9] / 1000, f[10] / 1000, f[11] / 1000,
        (f[4] > 0 ? f[6] / f[4] : 0), f[7] + f[8], f[13] / 1024, f[12] / tck,
        (f[4] > 0 ? f[12] / tck * 1e6 / f[4] : 0), f[15], f[14], ratio
    }
  }' "$work/summary.tsv"
