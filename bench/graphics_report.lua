-- wrk script for bench/run_graphics.sh: only a done() hook (a response() hook would make wrk
-- parse every answer in Lua and slow the client), printing one tab-separated line that the
-- runner reads, after wrk's own report:
--   figures  requests  duration_us  bytes  connect  read  write  status  timeout  p50_us  p99_us  max_us
-- "status" counts answers that were neither 2xx nor 3xx (a 304 is a success here).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("figures\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
