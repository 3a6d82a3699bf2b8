#!/usr/bin/env bash
# bench/subscriptions.sh — the aurora-fetch benchmark (issue 18). Not part of
# the test suite. On a throwaway stack, BENCH_SUBS subscriptions (10,000)
# spread over BENCH_USERS accounts, each a feed of BENCH_EVENTS events served
# by a local nginx as static files (nginx's own ETags):
#   first   every feed new: `aurora-fetch --once` fetches and stores all
#   304     nothing changed: every answer is 304 (target < 60 s)
#   10%     a tenth of the files changed (one event renamed, one added):
#           those are applied, the rest 304 (target < 120 s)
#   list    the API's month listing (wrk, BENCH_DURATION s, BENCH_CONNS
#           connections, signed-in accounts with subscriptions) alone, then
#           while a 10% round runs: the ratio (target >= 0.9)
# All requests go to one host, so politeness (one connection per host)
# makes every round one keep-alive connection in a row: the worst case.
# Environment: AURORA_BUILD (default var/build-bench, -O2), BENCH_SUBS
# (10000), BENCH_USERS (200), BENCH_EVENTS (5), BENCH_DURATION (15),
# BENCH_CONNS (8), BENCH_CONCURRENCY (100), BENCH_KEEP=1.
# Results are printed and saved to $WORK/results.txt.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AURORA_BUILD:-$TOP/var/build-bench}
SUBS=${BENCH_SUBS:-10000}
USERS=${BENCH_USERS:-200}
EVENTS=${BENCH_EVENTS:-5}
DURATION=${BENCH_DURATION:-15}
CONNS=${BENCH_CONNS:-8}
CONC=${BENCH_CONCURRENCY:-100}
PGBIN=${AURORA_PGBIN:-/usr/lib/postgresql/15/bin}

# shellcheck source=bench/lib.sh
. "$TOP/bench/lib.sh"
bench_need wrk nginx curl python3 "$PGBIN/psql"

bench_build src/aurora-api src/aurora-admin src/aurora-remind src/aurora-fetch

bench_workdir aurora-bench-subs
bench_ports 2
FEED_PORT=$BENCH_PORT
NGX=$WORK/nginx
FEEDS=$WORK/feeds
# The benchmark runs aurora-fetch itself (--once), not the stack's watcher.
export AURORA_FETCH=0
bench_stop() {
	[[ -f $NGX/nginx.pid ]] && nginx -p "$NGX/" -c "$NGX/nginx.conf" -s stop 2>/dev/null
	[[ -n ${ROUND_PID:-} ]] && kill "$ROUND_PID" 2>/dev/null
	return 0
}
trap bench_cleanup EXIT
result() { printf '%s\n' "$*" | tee -a "$RESULTS"; }
ms_now() { date +%s%N | cut -c1-13; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

bench_stack_start
FETCH=$BUILD/src/aurora-fetch
FCONF=$WORK/fetch.conf
{ cat "$CONF"; printf '%s\n' "subscription_allow_loopback = on" \
	"subscription_concurrency = $CONC" "log_level = warn"; } >"$FCONF"

# ---------------------------------------------------------------- feeds
# feed_file I VERSION: feed I's text; VERSION 1 renames its first event and
# adds one.
say "writing $SUBS feeds of $EVENTS events"
mkdir -p "$FEEDS" "$NGX/tmp"
python3 - "$FEEDS" "$SUBS" "$EVENTS" <<'PY'
import os, sys
d, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    ev = []
    for j in range(k):
        ev.append("BEGIN:VEVENT\r\nUID:bench-%d-%d@feeds.test\r\nDTSTAMP:20261201T000000Z\r\n"
                  "DTSTART:202612%02dT%02d0000Z\r\nDTEND:202612%02dT%02d3000Z\r\n"
                  "SUMMARY:Fixture %d of feed %d\r\nLOCATION:Ground %d\r\nEND:VEVENT\r\n"
                  % (i, j, 1 + (i + j) % 28, 8 + j % 10, 1 + (i + j) % 28, 8 + j % 10, j, i, j))
    with open(os.path.join(d, "f%d.ics" % i), "w") as f:
        f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//feeds//EN\r\n"
                + "".join(ev) + "END:VCALENDAR\r\n")
PY
cat >"$NGX/nginx.conf" <<NGINX
$([[ $(id -u) -eq 0 ]] && echo "user root;")
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $NGX/tmp/body;
    proxy_temp_path $NGX/tmp/proxy;
    fastcgi_temp_path $NGX/tmp/fastcgi;
    uwsgi_temp_path $NGX/tmp/uwsgi;
    scgi_temp_path $NGX/tmp/scgi;
    keepalive_requests 1000000;
    types { text/calendar ics; }
    server {
        listen 127.0.0.1:$FEED_PORT;
        root $FEEDS;
        etag on;
    }
}
NGINX
nginx -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/error.log"
curl -fsS -o /dev/null "http://127.0.0.1:$FEED_PORT/f0.ics" || die "nginx does not serve the feeds"

# ---------------------------------------------------------------- accounts
say "seeding $USERS accounts with $SUBS subscriptions"
psql_super >/dev/null <<SQL
INSERT INTO users (email, email_verified, time_zone)
SELECT format('sub-%s@bench.test', i), true, 'UTC' FROM generate_series(1, $USERS) i;
WITH n AS (
  SELECT i, u.id AS user_id
    FROM generate_series(0, $SUBS - 1) i
    JOIN (SELECT id, row_number() OVER (ORDER BY email) - 1 AS k FROM users
           WHERE email LIKE 'sub-%@bench.test') u ON u.k = i % $USERS
), c AS (
  INSERT INTO calendars (user_id, dav_name, name, read_only)
  SELECT user_id, 'feed-' || i, 'Feed ' || i, true FROM n
  RETURNING id, user_id, dav_name
)
INSERT INTO subscriptions (user_id, calendar_id, url)
SELECT c.user_id, c.id, format('http://127.0.0.1:$FEED_PORT/f%s.ics', substr(c.dav_name, 6))
  FROM c;
ANALYZE subscriptions;
SQL

# round NAME: all due, one --once, its wall time in $ROUND_MS.
round() {
	local t0
	psql_super -c "UPDATE subscriptions SET next_fetch_at = now()" >/dev/null
	t0=$(ms_now)
	"$FETCH" -c "$FCONF" --once || die "aurora-fetch --once ($1) failed"
	ROUND_MS=$(( $(ms_now) - t0 ))
}
counts() {
	psql_super -c "SELECT status || ':' || count(*) FROM subscriptions GROUP BY status ORDER BY 1" | tr '\n' ' '
}
change_tenth() { # the first SUBS/10 feeds: a renamed event and a new one
	python3 - "$FEEDS" "$SUBS" "$1" <<'PY'
import os, sys
d, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(0, n, 10):
    p = os.path.join(d, "f%d.ics" % i)
    t = open(p).read().replace("SUMMARY:Fixture 0 of", "SUMMARY:Fixture 0 (%s) of" % tag, 1)
    t = t.replace("END:VCALENDAR", "BEGIN:VEVENT\r\nUID:bench-%d-%s@feeds.test\r\n"
                  "DTSTAMP:20261201T000000Z\r\nDTSTART:20261215T180000Z\r\n"
                  "DTEND:20261215T190000Z\r\nSUMMARY:Added %s\r\nEND:VEVENT\r\nEND:VCALENDAR" % (i, tag, tag))
    open(p, "w").write(t)
PY
}

say "round: first fetch of $SUBS feeds"
round first
result "first fetch of $SUBS feeds ($EVENTS events each, all new): $ROUND_MS ms; $(counts); events stored: $(psql_super -c "SELECT count(*) FROM events e JOIN subscriptions s ON s.calendar_id = e.calendar_id"); load $(load)"
say "round: nothing changed"
round 304
result "all 304: $SUBS feeds in $ROUND_MS ms (target < 60000 ms); $(counts); load $(load)"
change_tenth v1
say "round: 10% changed"
round tenth
result "10% changed: $SUBS feeds ($((SUBS / 10)) applied, the rest 304) in $ROUND_MS ms (target < 120000 ms); $(counts); load $(load)"

# ---------------------------------------------------------------- listing
say "signing in 4 accounts for the listing"
LIST_PW=bench-password-1
HASH=$(bench_template_hash "http://127.0.0.1:$HTTP_PORT" "$LIST_PW")
psql_super -v hash="$HASH" >/dev/null <<'SQL'
INSERT INTO users (email, email_verified, password_hash, time_zone)
SELECT format('lister-%s@bench.test', i), true, :'hash', 'UTC' FROM generate_series(1, 4) i;
SQL
python3 - "$HTTP_PORT" "$LIST_PW" "$WORK/tokens.txt" <<'PY'
import json, sys, urllib.request
port, pw, out = sys.argv[1:4]
toks = []
for i in range(1, 5):
    req = urllib.request.Request("http://127.0.0.1:%s/api/v1/auth/login" % port,
                                 json.dumps({"email": "lister-%d@bench.test" % i, "password": pw}).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        toks.append(json.load(r)["access_token"])
open(out, "w").write("\n".join(toks) + "\n")
PY
# Their accounts get the subscriptions of the first four bench accounts
# (25 calendars each at the default sizes): a month lists their events.
psql_super >/dev/null <<SQL
UPDATE calendars c SET user_id = l.id FROM
  (SELECT id, row_number() OVER (ORDER BY email) AS k FROM users WHERE email LIKE 'lister-%@bench.test') l,
  (SELECT id, row_number() OVER (ORDER BY email) AS k FROM users WHERE email LIKE 'sub-%@bench.test') b
 WHERE c.user_id = b.id AND b.k = l.k AND c.read_only;
UPDATE events e SET user_id = c.user_id FROM calendars c WHERE e.calendar_id = c.id AND e.user_id <> c.user_id;
UPDATE subscriptions s SET user_id = c.user_id FROM calendars c WHERE s.calendar_id = c.id AND s.user_id <> c.user_id;
SQL
cat >"$WORK/list.lua" <<'LUA'
local tokens = {}
function init(args)
	for line in io.lines(args[1]) do
		if #line > 0 then tokens[#tokens + 1] = line end
	end
end
function request()
	return wrk.format("GET", "/api/v1/events?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z",
	    { ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] })
end
function response(status, headers, body)
	if status ~= 200 then io.stderr:write("status " .. status .. "\n") end
end
LUA
items=$(curl -fsS -H "Authorization: Bearer $(head -n 1 "$WORK/tokens.txt")" \
	"http://127.0.0.1:$HTTP_PORT/api/v1/events?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z&limit=500" |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
list_rps() {
	wrk -t2 -c"$CONNS" -d"${DURATION}s" -s "$WORK/list.lua" "http://127.0.0.1:$HTTP_PORT" -- "$WORK/tokens.txt" 2>"$WORK/wrk-$1.err" |
		awk '/Requests\/sec/ { printf "%d", $2 }'
}
say "listing alone (${DURATION}s)"
ALONE=$(list_rps alone)
result "month listing alone: $ALONE req/s ($items items a month, $CONNS connections, ${DURATION}s); load $(load)"
# During a round: every feed due, a tenth changed again; wrk starts as the
# round does and lasts DURATION seconds (the round is longer or shorter;
# what counts is the listing while fetches and applies run).
change_tenth v2
psql_super -c "UPDATE subscriptions SET next_fetch_at = now()" >/dev/null
t0=$(ms_now)
"$FETCH" -c "$FCONF" --once &
ROUND_PID=$!
DURING=$(list_rps during)
round_alive=$(kill -0 "$ROUND_PID" 2>/dev/null && echo "still running" || echo "finished")
wait "$ROUND_PID" || die "aurora-fetch --once during the listing failed"
ROUND_PID=
ms=$(( $(ms_now) - t0 ))
result "month listing during a 10% round: $DURING req/s = $(python3 -c "print('%.2f' % ($DURING / max($ALONE, 1)))")x of alone (target >= 0.9); the round took $ms ms and was $round_alive when wrk ended; load $(load)"
{ grep -c status "$WORK/wrk-alone.err" "$WORK/wrk-during.err" || true; } | sed 's/^/non-200 answers: /' | tee -a "$RESULTS"
say "results in $RESULTS"
cat "$RESULTS"
