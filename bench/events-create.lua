-- events-create.lua: wrk script. Each request creates an event with two
-- reminders in 2027 for a random signed-in user.
local tokens = {}

function init(args)
	for line in io.lines(args[1]) do
		if #line > 0 then tokens[#tokens + 1] = line end
	end
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
	local d = math.random(0, 27)
	local mo = math.random(1, 12)
	local h = math.random(7, 18)
	local day = string.format("2027-%02d-%02d", mo, d + 1)
	local body = string.format('{"title":"Bench %d","description":"created by wrk",' ..
	    '"location":"Room %d","start":"%sT%02d:00:00Z","end":"%sT%02d:30:00Z",' ..
	    '"time_zone":"Europe/Berlin","reminders":[{"method":"email",' ..
	    '"minutes_before":10},{"method":"email","minutes_before":60}]}',
	    math.random(1000000), math.random(99), day, h, day, h)
	return wrk.format("POST", "/api/v1/events", {
		["Authorization"] = "Bearer " .. tokens[math.random(#tokens)],
		["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
	if status ~= 201 then
		io.stderr:write("status " .. status .. ": " .. body .. "\n")
	end
end
