-- token-warm.lua: wrk script for the warm-up of bench/events.sh: GET
-- /api/v1/me with the signed-in users' tokens in turn, from a random one
-- on, so that the runs of bench/events.sh's warm_tokens together send each
-- token to the workers about as often as it asks (20 times: every one of
-- 4 workers' token caches, src/auth/verify.c, then holds it with a chance
-- of 1 - 0.75^20, 99.7 %). The measured runs see the steady state rather
-- than the signature checks of a cold cache, however slow the host: a
-- warm-up by time alone did not reach it on a loaded machine.
local tokens = {}
local i = 0

function init(args)
	for line in io.lines(args[1]) do
		if #line > 0 then tokens[#tokens + 1] = line end
	end
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
	i = math.random(#tokens)
end

function request()
	i = i % #tokens + 1
	return wrk.format("GET", "/api/v1/me", {
		["Authorization"] = "Bearer " .. tokens[i] })
end
