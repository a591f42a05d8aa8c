-- Prints one JSON line when wrk finishes: requests, duration and latency percentiles (in
-- microseconds), so the web benchmark can read p50 and p95 (wrk --latency stops at p99 and
-- does not show p95).
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '\nBENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "socket_errors": %d, "http_errors": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
