#!/usr/bin/env bash
# bench/events.sh — the events API benchmark (issues 4 and 15). Not part of
# the test suite. On a throwaway stack it seeds 10,000 users with 1,000,000
# events (some recurring), signs in random users, and drives the API through
# nginx with wrk from a second process, printing each figure beside its
# baseline measured in the same run:
#   health GET /api/v1/health (one SELECT 1 round trip, no authentication),
#          before and after the runs below: the baseline of issue 15
#   {}     a bare FastCGI {} endpoint (bench/empty-fcgi.c) behind the same
#          nginx: issue 4's baseline, still printed
#   /me    authentication and one row               vs  health (>= 0.9)
#   list   GET a month for random users             vs  health (>= 0.7),
#          p99 at 32 connections (< 5 ms)
#   create POST events with 2 reminders    vs  pgbench running the same
#          INSERT statement (printed by bench/events-sql.c) directly (>= 0.5)
#   scale  with BENCH_SCALE_USERS (100000 for 10,000,000 events), the table
#          grows in the same run and list and health are measured again
#          (the listing within 1.25 times its cost at 1,000,000)
#   memory RSS of each worker after warm-up and after the measured runs
#   leaks  aurora-api under valgrind through a mixed workload
# Environment: AURORA_BUILD (default var/build-bench, configured with
# -O2 when missing), BENCH_DURATION (seconds per run, 30),
# BENCH_CONNECTIONS (32), BENCH_WORKERS (aurora-api workers, 4), BENCH_USERS
# (10000), BENCH_PER_USER (100), BENCH_TOKENS (1000), BENCH_SCALE_USERS
# (unset: no scale phase), BENCH_VALGRIND (1), BENCH_SHARED_BUFFERS
# (PostgreSQL's, 1GB), BENCH_KEEP=1 keeps the stack directory. Results also
# go to $WORK/results.txt. The machine's load average is printed with them:
# on a shared host compare only figures of one run.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AURORA_BUILD:-$TOP/var/build-bench}
DURATION=${BENCH_DURATION:-30}
CONNS=${BENCH_CONNECTIONS:-32}
WORKERS=${BENCH_WORKERS:-4}
USERS=${BENCH_USERS:-10000}
PER_USER=${BENCH_PER_USER:-100}
NTOKENS=${BENCH_TOKENS:-1000}
VALGRIND=${BENCH_VALGRIND:-1}
PGBIN=${AURORA_PGBIN:-/usr/lib/postgresql/15/bin}
PASSWORD=bench-password-1

# shellcheck source=bench/lib.sh
. "$TOP/bench/lib.sh"

bench_need wrk nginx curl cc "$PGBIN/pgbench" "$PGBIN/psql"

# ---------------------------------------------------------------- build
bench_build src/aurora-api src/aurora-admin src/libevents.a \
	src/libmail.a src/libdb.a src/libcore.a

bench_workdir aurora-bench
# libfcgi as aurora-api uses it; the SQL printer from the events sources.
cc -O2 -Wall -o "$WORK/empty-fcgi" "$TOP/bench/empty-fcgi.c" -lfcgi
# shellcheck disable=SC2046
cc -O2 -I"$BUILD" -I"$TOP/src" -o "$WORK/events-sql" "$TOP/bench/events-sql.c" \
	"$BUILD/src/libevents.a" "$BUILD/src/libmail.a" "$BUILD/src/libdb.a" \
	"$BUILD/src/libcore.a" \
	$(pkg-config --cflags --libs libical libpq json-c openssl)

bench_ports "$WORKERS"

EMPTY_PID="" NGINX_CONF=$WORK/nginx/nginx.conf
bench_stop() {
	[[ -n $EMPTY_PID ]] && kill -- -"$EMPTY_PID" 2>/dev/null
	[[ -f $WORK/nginx/nginx.pid ]] && nginx -p "$WORK/nginx/" -c "$NGINX_CONF" -s stop 2>/dev/null
}
trap bench_cleanup EXIT

bench_stack_start
# The dev stack's 64 MB of shared buffers hold a fraction of 1,000,000
# events; give the database the memory a host serving them would.
psql_super -c "ALTER SYSTEM SET shared_buffers = '${BENCH_SHARED_BUFFERS:-1GB}'" >/dev/null
"$TOP/tools/stack" pg-stop >/dev/null && "$TOP/tools/stack" pg-start >/dev/null
API_SOCK=$AURORA_VAR/run/aurora-api.sock

# ---------------------------------------------------------------- nginx
# One nginx in front of both the API and the {} program, same settings
# for both locations, no access log, no rate limit.
mkdir -p "$WORK/nginx/tmp"
# Its own session, so that one signal to the group stops every worker.
setsid "$WORK/empty-fcgi" "$WORK/empty.sock" "$WORKERS" </dev/null >/dev/null 2>&1 &
EMPTY_PID=$!
cat >"$NGINX_CONF" <<EOF
$([[ $(id -u) -eq 0 ]] && echo "user root;")
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    client_max_body_size 6m;
    keepalive_requests 100000;
    upstream api { server unix:$API_SOCK; }
    upstream empty { server unix:$WORK/empty.sock; }
    server {
        listen 127.0.0.1:$BENCH_PORT;
        fastcgi_param QUERY_STRING \$query_string;
        fastcgi_param REQUEST_METHOD \$request_method;
        fastcgi_param CONTENT_TYPE \$content_type;
        fastcgi_param CONTENT_LENGTH \$content_length;
        fastcgi_param REQUEST_URI \$request_uri;
        fastcgi_param DOCUMENT_URI \$document_uri;
        fastcgi_param SERVER_PROTOCOL \$server_protocol;
        fastcgi_param REMOTE_ADDR \$remote_addr;
        fastcgi_param REQUEST_ID \$request_id;
        fastcgi_param HTTP_PROXY "";
        location /api/ { fastcgi_pass api; }
        location /feeds/ { fastcgi_pass api; }
        location = /metrics { fastcgi_pass api; }
        location = /bench/empty { fastcgi_pass empty; }
    }
}
EOF
nginx -p "$WORK/nginx/" -c "$NGINX_CONF" -e "$WORK/nginx/error.log"
BASE=http://127.0.0.1:$BENCH_PORT
for _ in $(seq 50); do curl -fsS -o /dev/null "$BASE/bench/empty" 2>/dev/null && break; sleep 0.1; done
[[ $(curl -fsS "$BASE/bench/empty") == "{}" ]] || die "the {} endpoint does not answer"

# ---------------------------------------------------------------- data
say "seeding $USERS users with $((USERS * PER_USER)) events"
HASH=$(bench_template_hash "$BASE" "$PASSWORD")
t0=$(date +%s)
psql_super -v first=1 -v users="$USERS" -v per_user="$PER_USER" -v hash="$HASH" \
	-f "$TOP/bench/events-seed.sql" >/dev/null
SEED_SECONDS=$(($(date +%s) - t0))
say "seeded in $SEED_SECONDS s: $(psql_super -c 'SELECT count(*) FROM events') events"
# Bytes per event on disk (table, TOAST and indexes of events and
# event_reminders), for docs/cost.md's storage line.
psql_super -c "VACUUM ANALYZE events" -c "VACUUM ANALYZE event_reminders" >/dev/null
DB_BYTES_PER_EVENT=$(psql_super -c "SELECT round((pg_total_relation_size('events') +
	pg_total_relation_size('event_reminders'))::numeric / greatest(count(*), 1))
	FROM events")

say "signing in $NTOKENS random users"
python3 "$TOP/bench/events-tokens.py" "$BENCH_PORT" "$USERS" "$NTOKENS" "$PASSWORD" "$WORK/tokens.txt"
TOKEN=$(head -n 1 "$WORK/tokens.txt")
items=$(python3 - "$BASE" "$WORK/tokens.txt" <<'EOF'
import json, random, sys, urllib.request
base, toks = sys.argv[1], [t.strip() for t in open(sys.argv[2]) if t.strip()]
n = []
for i in range(200):
    m = random.randint(1, 11)
    req = urllib.request.Request("%s/api/v1/events?from=2026-%02d-01T00:00:00Z&to=2026-%02d-01T00:00:00Z"
                                 % (base, m, m + 1), headers={"Authorization": "Bearer " + random.choice(toks)})
    n.append(len(json.load(urllib.request.urlopen(req))["items"]))
print("%.1f" % (sum(n) / len(n)))
EOF
)
say "a month lists $items items on average"

# ---------------------------------------------------------------- helpers
# wrk_run NAME ARGS...: runs wrk, keeps its output, prints "rps p99_ms".
wrk_run() {
	local name=$1
	shift
	wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" >"$WORK/wrk-$name.txt" 2>"$WORK/wrk-$name.err"
	python3 - "$WORK/wrk-$name.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
req = re.search(r"(\d+) requests in", t).group(1)
print("%.0f %.2f %s %s" % (rps, p99, non2xx.group(1) if non2xx else 0, req))
EOF
}

worker_rss() {
	local master pid
	master=$("$TOP/tools/stack" api-pid | tail -n 1)
	for pid in $(pgrep -P "$master"); do
		awk -v p="$pid" '/^VmRSS/ { printf "%s:%s ", p, $2 }' "/proc/$pid/status"
	done
}

# ---------------------------------------------------------------- runs
# warm TOKENS: each worker's token cache holds every token and the
# recurrence memo the series (bench/token-warm.lua), then 5 s of listing.
warm() {
	local total=0 need n tries=0
	need=$((20 * $(grep -c . "$1")))
	while ((total < need && tries++ < 60)); do
		n=$(wrk -t2 -c"$CONNS" -d5s -s "$TOP/bench/token-warm.lua" "$BASE" -- "$1" 2>/dev/null |
			sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
		total=$((total + ${n:-0}))
	done
	wrk -t2 -c"$CONNS" -d5s -s "$TOP/bench/events-list.lua" "$BASE" -- "$1" >/dev/null 2>&1
}

LOAD_BEFORE=$(cut -d ' ' -f 1-3 /proc/loadavg)
say "warm-up (every token on every worker, 5 s of listing)"
warm "$WORK/tokens.txt"
RSS_BEFORE=$(worker_rss)

# The recurrence memo's counters (src/events/occache.c) from /metrics.
memo_counts() {
	curl -fsS "$BASE/metrics" | awk '
		/^aurora_recurrence_cache_total\{result="hit"\}/ { h = $2 }
		/^aurora_recurrence_cache_total\{result="miss"\}/ { m = $2 }
		END { print h + 0, m + 0 }'
}

say "baseline: {} through nginx"
read -r EMPTY_RPS EMPTY_P99 _ EMPTY_REQ < <(wrk_run empty "$BASE/bench/empty")
# The baseline of issue 15: GET /api/v1/health, one SELECT 1 round trip
# through the same nginx and workers and a small JSON answer, no
# authentication -- what any endpoint that reads the database per request
# pays. Measured before and after /me and the listing; their mean is the
# baseline, so that a change of the machine's load during the runs
# weighs on both sides.
say "baseline: GET /api/v1/health (before)"
read -r HEALTH1_RPS HEALTH1_P99 _ _ < <(wrk_run health1 "$BASE/api/v1/health")
say "GET /api/v1/me (token, session check, user row)"
read -r ME_RPS ME_P99 ME_BAD _ < <(wrk_run me -s "$TOP/bench/token-get.lua" "$BASE" -- "$WORK/tokens.txt")
read -r MEMO_H0 MEMO_M0 < <(memo_counts)
say "list a month (random users)"
read -r LIST_RPS LIST_P99 LIST_BAD LIST_REQ < <(wrk_run list -s "$TOP/bench/events-list.lua" "$BASE" -- "$WORK/tokens.txt")
read -r MEMO_H1 MEMO_M1 < <(memo_counts)
say "baseline: GET /api/v1/health (after)"
read -r HEALTH2_RPS HEALTH2_P99 _ _ < <(wrk_run health2 "$BASE/api/v1/health")
HEALTH_RPS=$(((${HEALTH1_RPS%.*} + ${HEALTH2_RPS%.*}) / 2))
HEALTH_P99=$(python3 -c "print('%.2f' % max($HEALTH1_P99, $HEALTH2_P99))")

say "baseline: pgbench with the create statement"
python3 - "$WORK/events-sql" "$USERS" >"$WORK/insert.pgbench" <<'EOF'
import re, subprocess, sys
sql = subprocess.run([sys.argv[1], "insert"], stdout=subprocess.PIPE, check=True,
                     universal_newlines=True).stdout.strip()
values = {
    1: "md5('bench-user-' || :u)", 2: "NULL", 3: "'Bench 1'", 4: "'created by pgbench'",
    5: "'Room 7'", 6: "(timestamptz '2027-01-01 07:00Z' + :h * interval '1 hour')",
    7: "(timestamptz '2027-01-01 07:30Z' + :h * interval '1 hour')", 8: "'Europe/Berlin'",
    9: "'false'", 10: "'[]'", 11: "(timestamptz '2027-01-01 07:30Z' + :h * interval '1 hour')",
    12: "'infinity'", 13: "'{10,60}'", 14: "'{}'", 15: "'{}'", 16: "'{}'",
    17: "NULL", 18: "NULL", 19: "NULL"}
sql = re.sub(r"\$(\d+)", lambda m: values[int(m.group(1))], sql)
# pgbench reads ":MI" as a variable: quote the colons of to_char's format
# (same output, same plan).
sql = sql.replace("HH24:MI:SS", 'HH24":"MI":"SS')
print("\\set u random(1, %s)" % sys.argv[2])
print("\\set h random(0, 8000)")
print(sql + ";")
EOF
API_CONNINFO=$(sed -n 's/^db_conninfo = //p' "$CONF")
"$PGBIN/pgbench" -n -M prepared -c "$WORKERS" -j 2 -T "$DURATION" -f "$WORK/insert.pgbench" \
	"$API_CONNINFO" >"$WORK/pgbench-insert.txt" 2>&1 || { cat "$WORK/pgbench-insert.txt"; die pgbench; }
PG_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench-insert.txt" | head -n 1)

say "create events with 2 reminders"
read -r CREATE_RPS CREATE_P99 CREATE_BAD CREATE_REQ < <(wrk_run create -s "$TOP/bench/events-create.lua" "$BASE" -- "$WORK/tokens.txt")
RSS_AFTER=$(worker_rss)

# The cost a row-level-security wall would add: one more round trip to set
# the user before the same listing statement.
say "row-level security estimate: list statement alone vs after set_config"
python3 - "$WORK/events-sql" "$USERS" "$WORK" <<'EOF'
import re, subprocess, sys
sql = subprocess.run([sys.argv[1], "list"], stdout=subprocess.PIPE, check=True,
                     universal_newlines=True).stdout.strip()
values = {1: "md5('bench-user-' || :u)", 2: "(timestamptz '2026-01-01Z' + :m * interval '1 month')",
          3: "(timestamptz '2026-02-01Z' + :m * interval '1 month')", 4: "'-infinity'",
          5: "'00000000-0000-0000-0000-000000000000'", 6: "101"}
sql = re.sub(r"\$(\d+)", lambda m: values[int(m.group(1))], sql)
sql = sql.replace("HH24:MI:SS", 'HH24":"MI":"SS')
head = "\\set u random(1, %s)\n\\set m random(0, 10)\n" % sys.argv[2]
open(sys.argv[3] + "/list.pgbench", "w").write(head + sql + ";\n")
open(sys.argv[3] + "/list-rls.pgbench", "w").write(
    head + "SELECT set_config('aurora.user_id', md5('bench-user-' || :u), false);\n" + sql + ";\n")
EOF
"$PGBIN/pgbench" -n -M prepared -c "$WORKERS" -j 2 -T 10 -f "$WORK/list.pgbench" "$API_CONNINFO" >"$WORK/pgbench-list.txt" 2>&1
"$PGBIN/pgbench" -n -M prepared -c "$WORKERS" -j 2 -T 10 -f "$WORK/list-rls.pgbench" "$API_CONNINFO" >"$WORK/pgbench-list-rls.txt" 2>&1
LIST_SQL_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench-list.txt" | head -n 1)
LIST_RLS_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench-list-rls.txt" | head -n 1)
PLAN=$(psql_super -c "EXPLAIN $(python3 - "$WORK/events-sql" <<'EOF'
import re, subprocess, sys
sql = subprocess.run([sys.argv[1], "list"], stdout=subprocess.PIPE, check=True, universal_newlines=True).stdout
v = {1: "md5('bench-user-7')", 2: "'2026-03-01Z'", 3: "'2026-04-01Z'", 4: "'-infinity'",
     5: "'00000000-0000-0000-0000-000000000000'", 6: "101"}
print(re.sub(r"\$(\d+)", lambda m: v[int(m.group(1))], sql.strip()))
EOF
)" | { grep -oE '(Index|Seq|Bitmap)[A-Za-z ]*( using [a-z_]+)? on [a-z_]+' || true; } | sort -u | tr '\n' ';')

# ---------------------------------------------------------------- scale
# BENCH_SCALE_USERS (e.g. 100000): the same listing again after the table
# has grown to that many users with the same history each (10,000,000
# events at 100 per user), same stack and nginx, fresh tokens drawn from
# every user, health measured beside it again: a listing should cost what
# its window holds, not what the table holds.
SCALE_LINE=""
if [[ -n ${BENCH_SCALE_USERS:-} ]]; then
	say "scale: growing to $BENCH_SCALE_USERS users, $((BENCH_SCALE_USERS * PER_USER)) events ($(df -h --output=avail "$WORK" | tail -n 1 | tr -d ' ') free)"
	t0=$(date +%s)
	psql_super -v first=$((USERS + 1)) -v users="$BENCH_SCALE_USERS" -v per_user="$PER_USER" \
		-v hash="$HASH" -f "$TOP/bench/events-seed.sql" >/dev/null
	SCALE_SEED=$(($(date +%s) - t0))
	psql_super -c "VACUUM ANALYZE events" -c "VACUUM ANALYZE event_reminders" >/dev/null
	SCALE_EVENTS=$(psql_super -c "SELECT count(*) FROM events")
	SCALE_DB=$(psql_super -c "SELECT pg_size_pretty(pg_database_size('aurora'))")
	say "seeded in $SCALE_SEED s: $SCALE_EVENTS events, database $SCALE_DB"
	python3 "$TOP/bench/events-tokens.py" "$BENCH_PORT" "$BENCH_SCALE_USERS" "$NTOKENS" "$PASSWORD" \
		"$WORK/tokens-scale.txt"
	warm "$WORK/tokens-scale.txt"
	say "scale: health, list, health"
	read -r SH1_RPS _ _ _ < <(wrk_run scale-health1 "$BASE/api/v1/health")
	read -r SLIST_RPS SLIST_P99 SLIST_BAD SLIST_REQ < <(wrk_run scale-list -s "$TOP/bench/events-list.lua" "$BASE" -- "$WORK/tokens-scale.txt")
	read -r SH2_RPS _ _ _ < <(wrk_run scale-health2 "$BASE/api/v1/health")
	sed -i "s/random(1, $USERS)/random(1, $BENCH_SCALE_USERS)/" "$WORK/list.pgbench"
	"$PGBIN/pgbench" -n -M prepared -c "$WORKERS" -j 2 -T 10 -f "$WORK/list.pgbench" "$API_CONNINFO" \
		>"$WORK/pgbench-list-scale.txt" 2>&1
	SLIST_SQL_TPS=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench-list-scale.txt" | head -n 1)
	SCALE_LINE=$(python3 - <<EOF
h0, l0 = $HEALTH_RPS, $LIST_RPS
h1 = ($SH1_RPS + $SH2_RPS) / 2.0
r0, r1 = l0 / h0, $SLIST_RPS / h1
print("scale: %s events (seeded in %s s, database %s): list %.0f/s vs health %.0f/s (%.0f%%), p99 %.2f ms, "
      "non-2xx %s of %s; at %d events it was %.0f%% of health: cost per listing x%.2f (target <= 1.25 -> %s); "
      "list statement via pgbench %.0f tps (was %.0f)"
      % ("$SCALE_EVENTS", "$SCALE_SEED", "$SCALE_DB", $SLIST_RPS, h1, 100 * r1, $SLIST_P99, "$SLIST_BAD",
         "$SLIST_REQ", $((USERS * PER_USER)), 100 * r0, r0 / r1, "met" if r0 / r1 <= 1.25 else "MISSED",
         $SLIST_SQL_TPS, $LIST_SQL_TPS))
EOF
)
fi

# ---------------------------------------------------------------- leaks
LEAKS="not run"
if [[ $VALGRIND == 1 ]] && command -v valgrind >/dev/null; then
	say "valgrind: aurora-api with 1 worker through a mixed workload"
	master=$("$TOP/tools/stack" api-pid | tail -n 1)
	kill -TERM "$master"
	for _ in $(seq 100); do kill -0 "$master" 2>/dev/null || break; sleep 0.2; done
	sed 's/^workers = .*/workers = 1/' "$CONF" >"$WORK/valgrind.conf"
	rm -f "$API_SOCK"
	setsid valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --track-origins=no \
		--log-file="$WORK/valgrind.%p.log" "$BUILD/src/aurora-api" -c "$WORK/valgrind.conf" \
		</dev/null >>"$WORK/valgrind-api.log" 2>&1 &
	VG_PID=$!
	for _ in $(seq 300); do [[ -S $API_SOCK ]] && break; sleep 0.2; done
	sleep 2
	python3 "$TOP/bench/events-drive.py" "$BENCH_PORT" "$WORK/tokens.txt" 30 ||
		say "the drive saw 5xx answers (see above)"
	kill -TERM "$VG_PID"
	wait "$VG_PID" 2>/dev/null || true
	sleep 1
	LEAKS=$(python3 - "$WORK" <<'EOF'
import glob, re, sys
out = []
for f in sorted(glob.glob(sys.argv[1] + "/valgrind.*.log")):
    t = open(f).read()
    d = re.search(r"definitely lost: ([\d,]+) bytes", t)
    i = re.search(r"indirectly lost: ([\d,]+) bytes", t)
    e = re.search(r"ERROR SUMMARY: (\d+) errors", t)
    out.append("pid %s: definitely %s, indirectly %s, errors %s" % (
        re.search(r"valgrind\.(\d+)\.log", f).group(1), d.group(1) if d else "0",
        i.group(1) if i else "0", e.group(1) if e else "?"))
print("; ".join(out) or "no valgrind logs")
EOF
)
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then say "valgrind logs: $WORK/valgrind.*.log"; fi
fi

# ---------------------------------------------------------------- report
python3 - >"$RESULTS" <<EOF
empty, health, lst, pg, create = $EMPTY_RPS, $HEALTH_RPS, $LIST_RPS, $PG_TPS, $CREATE_RPS
def verdict(ok):
    return "met" if ok else "MISSED"
print("machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), "
      "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)")
print("load average: before the runs $LOAD_BEFORE; after $(cut -d ' ' -f 1-3 /proc/loadavg)")
print("setup: $USERS users, $((USERS * PER_USER)) events, $NTOKENS signed-in users, $WORKERS API workers, "
      "wrk -t2 -c$CONNS -d${DURATION}s; a month lists $items items on average")
print("%-36s %10s %10s %8s %s" % ("figure", "result", "baseline", "ratio", "target"))
print("%-36s %10.0f %10.0f %7.0f%% %s" % ("health (SELECT 1), req/s", health, empty, 100.0 * health / empty,
      "the baseline below: mean of %.0f before and %.0f after; p99 %.2f ms" % ($HEALTH1_RPS, $HEALTH2_RPS, $HEALTH_P99)))
print("%-36s %10.0f %10.0f %7.0f%% %s" % ("GET /me, req/s", $ME_RPS, health, 100.0 * $ME_RPS / health,
      ">= 90%% of health -> %s; p99 %.2f ms" % (verdict($ME_RPS >= 0.9 * health), $ME_P99)))
print("%-36s %10.0f %10.0f %7.0f%% %s" % ("list a month, req/s", lst, health, 100.0 * lst / health,
      ">= 70%% of health -> %s" % verdict(lst >= 0.7 * health)))
print("%-36s %10.2f %10.2f %8s %s" % ("list a month, p99 ms", $LIST_P99, $HEALTH_P99, "",
      "< 5 ms at $CONNS connections -> %s" % verdict($LIST_P99 < 5)))
print("%-36s %10.0f %10.0f %7.0f%% %s" % ("list a month vs {}, req/s", lst, empty, 100.0 * lst / empty,
      "(issue 4's baseline)"))
hits, misses = $MEMO_H1 - $MEMO_H0, $MEMO_M1 - $MEMO_M0
print("recurrence memo during the list run: %d hits, %d misses (%.1f%% hits)"
      % (hits, misses, 100.0 * hits / max(1, hits + misses)))
print("%-36s %10.0f %10.0f %7.0f%% %s" % ("create (2 reminders), req/s", create, pg, 100.0 * create / pg,
      ">= 50%% of pgbench -> %s" % verdict(create >= 0.5 * pg)))
print("%-36s %10.2f" % ("create, p99 ms", $CREATE_P99))
print("non-2xx answers: /me $ME_BAD, list $LIST_BAD of $LIST_REQ, create $CREATE_BAD of $CREATE_REQ")
print("list statement via pgbench: %.0f tps; with a set_config round trip first (RLS): %.0f tps (%.0f%%)"
      % ($LIST_SQL_TPS, $LIST_RLS_TPS, 100.0 * $LIST_RLS_TPS / $LIST_SQL_TPS))
print("list plan: $PLAN")
print("seeding: $SEED_SECONDS s")
if "$SCALE_LINE":
    print("$SCALE_LINE")
print("database: $DB_BYTES_PER_EVENT bytes per event (events + event_reminders, indexes included) after seeding")
print("worker RSS kB after warm-up:     $RSS_BEFORE")
print("worker RSS kB after %d requests: $RSS_AFTER" % ($LIST_REQ + $CREATE_REQ + $EMPTY_REQ * 0))
print("valgrind: $LEAKS")
EOF
cat "$RESULTS"
if [[ ${BENCH_KEEP:-0} == 1 ]]; then cp "$RESULTS" "$TOP/var/bench-events-results.txt" 2>/dev/null || true; fi
