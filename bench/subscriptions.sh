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
# BENCH_CONNS (8), BENCH_CONCURRENCY (100), BENCH_WINDOW (5, seconds of
# each listing window during the round), BENCH_FETCH_WRAP (a command
# prefix for aurora-fetch, e.g. "perf record -g -o /tmp/f.data"),
# BENCH_FETCH_CONF (lines added to its configuration), BENCH_PG_STATS=1
# (the first and the 10% rounds' statements by time, from
# pg_stat_statements),
# BENCH_KEEP=1.
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
PGDATA_DIR=$(cat "$AURORA_VAR/pg-location" 2>/dev/null || echo "$AURORA_VAR/pg")/data
# BENCH_PG_STATS=1: PostgreSQL restarted with pg_stat_statements, and the
# statements of the first and the 10% rounds listed by their time.
if [[ ${BENCH_PG_STATS:-0} == 1 ]]; then
	printf '%s\n' "shared_preload_libraries = 'pg_stat_statements'" "pg_stat_statements.track = all" >>"$PGDATA_DIR/postgresql.conf"
	"$TOP/tools/stack" pg-stop >/dev/null 2>&1 && "$TOP/tools/stack" pg-start >/dev/null 2>&1 ||
		die "postgres did not restart with pg_stat_statements"
	psql_super -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
fi
pg_stats_reset() { [[ ${BENCH_PG_STATS:-0} != 1 ]] || psql_super -c "SELECT pg_stat_statements_reset()" >/dev/null; }
pg_stats_show() {
	[[ ${BENCH_PG_STATS:-0} == 1 ]] || return 0
	psql_super -F ' | ' -c "SELECT round(total_exec_time)::text || ' ms', calls, round((total_exec_time / calls)::numeric, 3)::text || ' ms/call', left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20" | tee -a "$RESULTS"
}
FETCH=$BUILD/src/aurora-fetch
FCONF=$WORK/fetch.conf
{ cat "$CONF"; printf '%s\n' "subscription_allow_loopback = on" \
	"subscription_concurrency = $CONC" "log_level = warn"; } >"$FCONF.base"
# The first round is the set-up of the stored events, not a target: it
# runs unpaced. The measured rounds run with the configured pace.
{ cat "$FCONF.base"; echo "subscription_pace_percent = 100"; } >"$WORK/fetch-first.conf"
{ cat "$FCONF.base"
	if [[ -n ${BENCH_FETCH_CONF:-} ]]; then printf '%s\n' "$BENCH_FETCH_CONF"; fi; } >"$FCONF"
result "aurora-fetch: $("$FETCH" -V); $(grep -h '^subscription_pace_percent' "$FCONF" | tail -n 1 | grep . || echo 'subscription_pace_percent: the default')${BENCH_FETCH_CONF:+ (BENCH_FETCH_CONF)}; $SUBS feeds, $(nproc) cores"

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

# The CPU a step cost, by part: aurora-fetch itself, PostgreSQL (every
# backend, the fetcher's included), the feed server (which in use is
# somebody else's machine).
PG_PID=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
cpu_mark() { CPU_PG0=$(bench_tree_cpu "$PG_PID"); CPU_NGX0=$(bench_tree_cpu "$(cat "$NGX/nginx.pid")"); }
cpu_split() { # FETCH_SECONDS: "CPU s: fetch F, postgres P, feed server N"
	python3 -c 'import sys; f, p0, p1, n0, n1 = map(float, sys.argv[1:]); print("CPU s: aurora-fetch %.1f, postgres %.1f, feed server %.1f" % (f, p1 - p0, n1 - n0))' \
		"$1" "$CPU_PG0" "$(bench_tree_cpu "$PG_PID")" "$CPU_NGX0" "$(bench_tree_cpu "$(cat "$NGX/nginx.pid")")"
}
# fetch_once [CONF]: one `aurora-fetch --once`; its CPU seconds in $FETCH_CPU.
fetch_once() {
	local TIMEFORMAT='%U %S' t
	# shellcheck disable=SC2086 # BENCH_FETCH_WRAP is words: a command prefix
	t=$( { time ${BENCH_FETCH_WRAP:-} "$FETCH" -c "${1:-$FCONF}" --once 2>"$WORK/fetch.err" >/dev/null; } 2>&1 ) ||
		{ cat "$WORK/fetch.err" >&2; return 1; }
	FETCH_CPU=$(awk '{ print $1 + $2 }' <<<"$t")
}
# round NAME [CONF]: all due, one --once, its wall time in $ROUND_MS and
# its CPU by part in $ROUND_CPU.
round() {
	local t0
	psql_super -c "UPDATE subscriptions SET next_fetch_at = now()" >/dev/null
	cpu_mark
	t0=$(ms_now)
	fetch_once "${2:-}" || die "aurora-fetch --once ($1) failed"
	ROUND_MS=$(( $(ms_now) - t0 ))
	ROUND_CPU=$(cpu_split "$FETCH_CPU")
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
pg_stats_reset
round first "$WORK/fetch-first.conf"
result "first fetch of $SUBS feeds ($EVENTS events each, all new; unpaced, the set-up): $ROUND_MS ms; $ROUND_CPU; $(counts); events stored: $(psql_super -c "SELECT count(*) FROM events e JOIN subscriptions s ON s.calendar_id = e.calendar_id"); load $(load)"
pg_stats_show
say "round: nothing changed"
round 304
result "all 304: $SUBS feeds in $ROUND_MS ms (target < 60000 ms); $ROUND_CPU; $(counts); load $(load)"
change_tenth v1
say "round: 10% changed"
pg_stats_reset
round tenth
result "10% changed: $SUBS feeds ($((SUBS / 10)) applied, the rest 304) in $ROUND_MS ms (target < 120000 ms); $ROUND_CPU; $(counts); load $(load)"
pg_stats_show

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
# One wrk window of WINDOW seconds: "requests seconds" on stdout.
WINDOW=${BENCH_WINDOW:-5}
list_window() {
	wrk -t2 -c"$CONNS" -d"${WINDOW}s" -s "$WORK/list.lua" "http://127.0.0.1:$HTTP_PORT" -- "$WORK/tokens.txt" 2>>"$WORK/wrk-$1.err" |
		awk '/requests in/ { sub(/s,?$/, "", $4); print $1, $4 }'
}
# list_alone NAME: the listing alone for DURATION seconds in windows; its
# rate in $ALONE_RPS.
list_alone() {
	local reqs=0 secs=0 n t
	while awk -v s="$secs" -v d="$DURATION" 'BEGIN { exit !(s < d) }'; do
		read -r n t < <(list_window "$1")
		reqs=$((reqs + n))
		secs=$(awk -v a="$secs" -v b="$t" 'BEGIN { print a + b }')
	done
	ALONE_RPS=$(awk -v r="$reqs" -v s="$secs" 'BEGIN { printf "%d", r / s }')
}
# The listing alone just before the round and just after it, in the same
# windows as during it: the machine's other work drifts (a shared host),
# and the mean of the two brackets the round.
: >"$WORK/wrk-alone.err"
say "listing alone before the round (${DURATION}s)"
list_alone alone
BEFORE=$ALONE_RPS
result "month listing alone, before: $BEFORE req/s ($items items a month, $CONNS connections, ${DURATION}s in ${WINDOW}s windows); load $(load)"
# During a round: every feed due, a tenth changed again. wrk runs in
# windows for as long as the round does; only windows that ended with the
# round still running count, so the figure is the listing while fetches
# and applies run, never the quiet after them.
change_tenth v2
psql_super -c "UPDATE subscriptions SET next_fetch_at = now()" >/dev/null
cpu_mark
t0=$(ms_now)
{ fetch_once; echo "$FETCH_CPU" >"$WORK/fetch-cpu"; } &
ROUND_PID=$!
: >"$WORK/wrk-during.err"
reqs=0 secs=0 windows=0
while kill -0 "$ROUND_PID" 2>/dev/null; do
	read -r n t < <(list_window during)
	kill -0 "$ROUND_PID" 2>/dev/null || break
	reqs=$((reqs + n)) windows=$((windows + 1))
	secs=$(awk -v a="$secs" -v b="$t" 'BEGIN { print a + b }')
done
wait "$ROUND_PID" || die "aurora-fetch --once during the listing failed"
ROUND_PID=
ms=$(( $(ms_now) - t0 ))
ROUND_CPU=$(cpu_split "$(cat "$WORK/fetch-cpu")")
say "listing alone after the round (${DURATION}s)"
list_alone alone
AFTER=$ALONE_RPS
ALONE=$(( (BEFORE + AFTER) / 2 ))
result "month listing alone, after: $AFTER req/s; the mean of before and after: $ALONE req/s; load $(load)"
if (( windows > 0 )); then
	DURING=$(awk -v r="$reqs" -v s="$secs" 'BEGIN { printf "%d", r / s }')
	result "month listing during a 10% round: $DURING req/s = $(python3 -c "print('%.2f' % ($DURING / max($ALONE, 1)))")x of alone (target >= 0.9), over $windows windows of ${WINDOW}s inside the round; the round took $ms ms with the listing running (alone: $ROUND_MS ms above); $ROUND_CPU; load $(load)"
else
	result "month listing during a 10% round: the round ($ms ms) ended before a ${WINDOW}s window did; no figure"
fi
{ grep -c status "$WORK/wrk-alone.err" "$WORK/wrk-during.err" || true; } | sed 's/^/non-200 answers: /' | tee -a "$RESULTS"
say "results in $RESULTS"
cat "$RESULTS"
