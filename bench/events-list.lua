-- events-list.lua: wrk script. Each request lists one month of 2026 for a
-- random signed-in user (tokens from bench/events-tokens.py).
local tokens = {}
local months = { "01", "02", "03", "04", "05", "06", "07", "08", "09", "10",
    "11", "12" }

function init(args)
	for line in io.lines(args[1]) do
		if #line > 0 then tokens[#tokens + 1] = line end
	end
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
	local m = math.random(1, 11)
	local path = "/api/v1/events?from=2026-" .. months[m] ..
	    "-01T00:00:00Z&to=2026-" .. months[m + 1] .. "-01T00:00:00Z"
	return wrk.format("GET", path, {
		["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] })
end

function response(status, headers, body)
	if status ~= 200 then
		io.stderr:write("status " .. status .. ": " .. body .. "\n")
	end
end
