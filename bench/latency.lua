-- bench/latency.lua — wrk script: prints one line "LAT requests p50 p95 p99 errors" (ms) at the
-- end, since wrk's own --latency report has no 95th percentile.
function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("LAT %d %.3f %.3f %.3f %d\n", summary.requests,
		latency:percentile(50) / 1000, latency:percentile(95) / 1000,
		latency:percentile(99) / 1000,
		e.connect + e.read + e.write + e.status + e.timeout))
end
