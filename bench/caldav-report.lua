-- caldav-report.lua: wrk script for bench/caldav.sh. Every request is a
-- REPORT on the URL's path (a calendar) with HTTP Basic auth:
--   wrk ... -s caldav-report.lua URL -- month "Basic ..."
--       a calendar-query (Depth 1) of a random month of 2026, with
--       getetag and calendar-data, as python3-caldav and Thunderbird ask
--   wrk ... -s caldav-report.lua URL -- sync "Basic ..." TOKEN
--       a sync-collection from TOKEN (Depth 1, getetag, getcontenttype)
local mode, auth, token
local months = { "01", "02", "03", "04", "05", "06", "07", "08", "09", "10",
    "11", "12" }

function init(args)
	mode, auth, token = args[1], args[2], args[3] or ""
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

local function month_body()
	local m = math.random(1, 11)
	return '<?xml version="1.0" encoding="utf-8"?>' ..
	    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">' ..
	    '<D:prop><D:getetag/><C:calendar-data/></D:prop>' ..
	    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">' ..
	    '<C:time-range start="2026' .. months[m] .. '01T000000Z" end="2026' ..
	    months[m + 1] .. '01T000000Z"/>' ..
	    '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>'
end

local function sync_body()
	return '<?xml version="1.0" encoding="utf-8"?>' ..
	    '<D:sync-collection xmlns:D="DAV:"><D:sync-token>' .. token ..
	    '</D:sync-token><D:sync-level>1</D:sync-level>' ..
	    '<D:prop><D:getetag/><D:getcontenttype/></D:prop></D:sync-collection>'
end

function request()
	local body = mode == "sync" and sync_body() or month_body()
	return wrk.format("REPORT", nil, {
		["Authorization"] = auth,
		["Depth"] = "1",
		["Content-Type"] = "application/xml; charset=utf-8" }, body)
end

function response(status, headers, body)
	if status ~= 207 then
		io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n")
	end
end
