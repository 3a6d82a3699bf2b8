-- token-get.lua: wrk script. Each request GETs one path (the second
-- argument, default /api/v1/me) as a random signed-in user: the cost of
-- authentication and one small read, for the ceiling figures of
-- bench/events.sh.
local tokens = {}
local path = "/api/v1/me"

function init(args)
	for line in io.lines(args[1]) do
		if #line > 0 then tokens[#tokens + 1] = line end
	end
	if args[2] then path = args[2] end
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
	return wrk.format("GET", path, {
		["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] })
end

function response(status, headers, body)
	if status ~= 200 then
		io.stderr:write("status " .. status .. ": " .. body .. "\n")
	end
end
