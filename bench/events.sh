#!/usr/bin/env bash
# bench/events.sh — the events API benchmark (issue 4). Not part of the test
# suite. On a throwaway stack it seeds 10,000 users with 1,000,000 events
# (some recurring), signs in random users, and drives the API through nginx
# with wrk from a second process, printing each figure beside its baseline
# measured in the same run:
#   list   GET a month for random users    vs  a bare FastCGI {} endpoint
#          (bench/empty-fcgi.c) behind the same nginx; p99 at 32 connections
#   create POST events with 2 reminders    vs  pgbench running the same
#          INSERT statement (printed by bench/events-sql.c) directly
#   memory RSS of each worker after warm-up and after the measured runs
#   leaks  aurora-api under valgrind through a mixed workload
# Environment: AURORA_BUILD (default var/build-bench, configured with
# -O2 when missing), BENCH_DURATION (seconds per run, 30),
# BENCH_CONNECTIONS (32), BENCH_WORKERS (aurora-api workers, 4), BENCH_USERS
# (10000), BENCH_PER_USER (100), BENCH_TOKENS (1000), BENCH_VALGRIND (1),
# BENCH_SHARED_BUFFERS (PostgreSQL's, 1GB),
# BENCH_KEEP=1 keeps the stack directory. Results also go to
# $WORK/results.txt.
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
	src/libdb.a src/libcore.a

bench_workdir aurora-bench
# libfcgi as aurora-api uses it; the SQL printer from the events sources.
cc -O2 -Wall -o "$WORK/empty-fcgi" "$TOP/bench/empty-fcgi.c" -lfcgi
# shellcheck disable=SC2046
cc -O2 -I"$BUILD" -I"$TOP/src" -o "$WORK/events-sql" "$TOP/bench/events-sql.c" \
	"$BUILD/src/libevents.a" "$BUILD/src/libdb.a" "$BUILD/src/libcore.a" \
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
psql_super -v users="$USERS" -v per_user="$PER_USER" -v hash="$HASH" -f "$TOP/bench/events-seed.sql" >/dev/null
say "seeded in $(($(date +%s) - t0)) s: $(psql_super -c 'SELECT count(*) FROM events') events"
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
say "warm-up (10 s of listing)"
wrk -t2 -c"$CONNS" -d10s -s "$TOP/bench/events-list.lua" "$BASE" -- "$WORK/tokens.txt" >/dev/null 2>&1
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
read -r MEMO_H0 MEMO_M0 < <(memo_counts)
say "list a month (random users)"
read -r LIST_RPS LIST_P99 LIST_BAD LIST_REQ < <(wrk_run list -s "$TOP/bench/events-list.lua" "$BASE" -- "$WORK/tokens.txt")
read -r MEMO_H1 MEMO_M1 < <(memo_counts)
# Ceilings, same nginx, same workers: one database round trip and nothing
# else (health: SELECT 1), and authentication plus one small read (/me:
# token, session check, user row) -- what every listing pays before its
# own statement.
say "ceilings: GET /api/v1/health, GET /api/v1/me"
read -r HEALTH_RPS HEALTH_P99 _ _ < <(wrk_run health "$BASE/api/v1/health")
read -r ME_RPS ME_P99 _ _ < <(wrk_run me -s "$TOP/bench/token-get.lua" "$BASE" -- "$WORK/tokens.txt")

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
    12: "'infinity'", 13: "'{10,60}'", 14: "'{}'", 15: "'{}'", 16: "'{}'"}
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
empty, lst, pg, create = $EMPTY_RPS, $LIST_RPS, $PG_TPS, $CREATE_RPS
print("machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), "
      "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)")
print("setup: $USERS users, $((USERS * PER_USER)) events, $NTOKENS signed-in users, $WORKERS API workers, "
      "wrk -t2 -c$CONNS -d${DURATION}s; a month lists $items items on average")
print("%-34s %10s %10s %8s %s" % ("figure", "value", "baseline", "ratio", "target"))
print("%-34s %10.0f %10.0f %7.0f%% %s" % ("list a month, requests/s", lst, empty, 100 * lst / empty,
      ">= 60%% of {} -> %s" % ("met" if lst >= 0.6 * empty else "MISSED")))
print("%-34s %10.2f %10.2f %8s %s" % ("list a month, p99 ms", $LIST_P99, $EMPTY_P99, "",
      "< 10 ms -> %s" % ("met" if $LIST_P99 < 10 else "MISSED")))
print("%-34s %10.0f %10.0f %7.0f%% %s" % ("ceiling: health (SELECT 1), req/s", $HEALTH_RPS, empty,
      100.0 * $HEALTH_RPS / empty, "p99 %.2f ms" % $HEALTH_P99))
print("%-34s %10.0f %10.0f %7.0f%% %s" % ("ceiling: GET /me (auth + 1 read)", $ME_RPS, empty,
      100.0 * $ME_RPS / empty, "p99 %.2f ms" % $ME_P99))
hits, misses = $MEMO_H1 - $MEMO_H0, $MEMO_M1 - $MEMO_M0
print("recurrence memo during the list run: %d hits, %d misses (%.1f%% hits)"
      % (hits, misses, 100.0 * hits / max(1, hits + misses)))
print("%-34s %10.0f %10.0f %7.0f%% %s" % ("create (2 reminders), requests/s", create, pg, 100 * create / pg,
      ">= 50%% of pgbench -> %s" % ("met" if create >= 0.5 * pg else "MISSED")))
print("%-34s %10.2f" % ("create, p99 ms", $CREATE_P99))
print("non-2xx answers: list $LIST_BAD of $LIST_REQ, create $CREATE_BAD of $CREATE_REQ")
print("list statement via pgbench: %.0f tps; with a set_config round trip first (RLS): %.0f tps (%.0f%%)"
      % ($LIST_SQL_TPS, $LIST_RLS_TPS, 100.0 * $LIST_RLS_TPS / $LIST_SQL_TPS))
print("list plan: $PLAN")
print("database: $DB_BYTES_PER_EVENT bytes per event (events + event_reminders, indexes included) after seeding")
print("worker RSS kB after warm-up:     $RSS_BEFORE")
print("worker RSS kB after %d requests: $RSS_AFTER" % ($LIST_REQ + $CREATE_REQ + $EMPTY_REQ * 0))
print("valgrind: $LEAKS")
EOF
cat "$RESULTS"
if [[ ${BENCH_KEEP:-0} == 1 ]]; then cp "$RESULTS" "$TOP/var/bench-events-results.txt" 2>/dev/null || true; fi
