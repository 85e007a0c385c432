-- bench/ingest.lua — wrk script of bench/ingest.sh: POSTs the pre-signed workflow_job deliveries
-- of a file made by ingest_gen.py (delivery-id TAB signature TAB body per line), each one once.
-- Thread t of T sends lines t, t+T, t+2T...; a thread that has sent all of its lines stops, so a
-- run never repeats a delivery (repeats would be cheap duplicates and flatter the figure).
-- Usage: wrk ... -s bench/ingest.lua URL -- FILE THREADS
local counter = 0

function setup(thread)
	thread:set("tid", counter)
	counter = counter + 1
end

function init(args)
	local file, nthreads = args[1], tonumber(args[2])
	reqs = {}
	local i = 0
	for line in io.lines(file) do
		if i % nthreads == tid then
			local id, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
			reqs[#reqs + 1] = wrk.format("POST", "/webhooks/github", {
				["Content-Type"] = "application/json",
				["User-Agent"] = "GitHub-Hookshot/bench",
				["X-GitHub-Event"] = "workflow_job",
				["X-GitHub-Delivery"] = id,
				["X-GitHub-Hook-ID"] = "4242",
				["X-Hub-Signature-256"] = sig,
			}, body)
		end
		i = i + 1
	end
	pos = 0
	exhausted = false
end

function request()
	pos = pos + 1
	local r = reqs[pos]
	if r == nil then
		exhausted = true
		return wrk.format("GET", "/healthz")
	end
	return r
end

function response(status, headers, body)
	if exhausted then
		wrk.thread:stop()
	end
end
