#!/usr/bin/env bash
# bench/replica.sh — reads on a streaming replica (issue 15) beside the
# primary alone. Not part of the test suite. On a throwaway stack it seeds
# BENCH_USERS users with BENCH_PER_USER events each (bench/events-seed.sql),
# makes a hot standby with pg_basebackup -R on its own port, signs in random
# users, and drives two read workloads through the stack's nginx with wrk,
# each twice in the same run: aurora-api with the primary alone, then with
# db_read_conninfo naming the replica:
#   list    GET a month for random users (bench/events-list.lua)
#   export  GET /api/v1/calendar.ics of random users (bench/token-get.lua)
# Printed per run: requests/s, p99, non-2xx answers, the share of requests
# /metrics counts as read on the replica, and the CPU time each PostgreSQL
# cluster's processes spent per request (from /proc): what the replica takes
# off the primary. Everything shares one machine, so the replica's CPU is
# taken from the same cores: compare within one run.
# Environment: AURORA_BUILD (default var/build-bench, -O2), BENCH_DURATION
# (seconds per run, 15), BENCH_CONNECTIONS (32), BENCH_WORKERS (4),
# BENCH_USERS (2000), BENCH_PER_USER (100), BENCH_TOKENS (200),
# BENCH_KEEP=1 keeps the work directory. Results also go to
# $WORK/results.txt.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AURORA_BUILD:-$TOP/var/build-bench}
DURATION=${BENCH_DURATION:-15}
CONNS=${BENCH_CONNECTIONS:-32}
WORKERS=${BENCH_WORKERS:-4}
USERS=${BENCH_USERS:-2000}
PER_USER=${BENCH_PER_USER:-100}
NTOKENS=${BENCH_TOKENS:-200}
PGBIN=${AURORA_PGBIN:-/usr/lib/postgresql/15/bin}
PASSWORD=bench-password-1

# shellcheck source=bench/lib.sh
. "$TOP/bench/lib.sh"

bench_need wrk curl "$PGBIN/pg_basebackup" "$PGBIN/pg_ctl" "$PGBIN/psql"
bench_build src/aurora-api src/aurora-admin
bench_workdir aurora-bench-replica
bench_ports "$WORKERS"
REPLICA_PORT=$BENCH_PORT
REPLICA=$WORK/replica

# The PostgreSQL files belong to the postgres OS user when we are root.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}
bench_stop() {
	[[ -f $REPLICA/data/postmaster.pid ]] &&
		as_pg "$PGBIN/pg_ctl" -D "$REPLICA/data" -m fast -w stop >/dev/null 2>&1
}
trap bench_cleanup EXIT

bench_stack_start
BASE=http://127.0.0.1:$HTTP_PORT

# ---------------------------------------------------------------- data
say "seeding $USERS users with $((USERS * PER_USER)) events"
HASH=$(bench_template_hash "$BASE" "$PASSWORD")
psql_super -v users="$USERS" -v per_user="$PER_USER" -v hash="$HASH" \
	-f "$TOP/bench/events-seed.sql" >/dev/null
psql_super -c "VACUUM ANALYZE" >/dev/null

# ---------------------------------------------------------------- replica
say "pg_basebackup -R to a standby on port $REPLICA_PORT"
mkdir -p "$REPLICA/run"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$REPLICA"
as_pg "$PGBIN/pg_basebackup" -D "$REPLICA/data" -R -X stream -c fast -h "$PGHOST" \
	-p "$PG_PORT" -U postgres
# postgresql.conf includes aurora-stack.conf (tools/stack): the replica's own
# (max_connections left at its default: a hot standby needs at least the
# primary's).
as_pg tee "$REPLICA/data/aurora-stack.conf" >/dev/null <<EOF
listen_addresses = ''
port = $REPLICA_PORT
unix_socket_directories = '$REPLICA/run'
unix_socket_permissions = 0700
shared_buffers = 128MB
hot_standby = on
timezone = 'UTC'
EOF
as_pg "$PGBIN/pg_ctl" -D "$REPLICA/data" -l "$REPLICA/postgres.log" -w -t 120 start >/dev/null
READ_CONNINFO="host=$REPLICA/run port=$REPLICA_PORT dbname=aurora user=aurora_api"

say "signing in $NTOKENS random users"
# From many loopback addresses: nginx limits sign-ins per client address.
python3 - "$HTTP_PORT" "$USERS" "$NTOKENS" "$PASSWORD" >"$WORK/tokens.txt" <<'EOF'
import http.client, json, random, sys, time
port, users, n, password = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for k, i in enumerate(random.Random(4).sample(range(1, users + 1), n)):
    body = json.dumps({"email": "bench-%d@bench.test" % i, "password": password})
    for attempt in range(20):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                       source_address=("127.0.%d.%d" % (1 + k // 200, 2 + k % 200), 0))
        c.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status == 200:
            print(json.loads(data)["access_token"])
            break
        time.sleep(0.5)
    else:
        sys.exit("sign-in of bench-%d: HTTP %d" % (i, r.status))
EOF

# ---------------------------------------------------------------- helpers
# api_restart [CONNINFO]: aurora-api again, reading on the replica when
# CONNINFO is given.
api_restart() {
	local master
	master=$("$TOP/tools/stack" api-pid | tail -n 1)
	kill -TERM "$master"
	for _ in $(seq 200); do kill -0 "$master" 2>/dev/null || break; sleep 0.1; done
	AURORA_DB_READ_CONNINFO=${1:-} "$TOP/tools/stack" start >"$WORK/stack-restart.log" 2>&1 ||
		{ cat "$WORK/stack-restart.log"; die "aurora-api restart"; }
}

# cluster_cpu DATADIR: CPU seconds of the cluster's postmaster and its
# children (backends, WAL sender or receiver, startup process) so far.
cluster_cpu() {
	local pm
	pm=$(head -n 1 "$1/postmaster.pid")
	python3 - "$pm" <<'EOF'
import os, sys
pm, tick, total = sys.argv[1], os.sysconf("SC_CLK_TCK"), 0
for d in os.listdir("/proc"):
    try:
        f = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        continue
    if d == pm or f[1] == pm:
        total += int(f[11]) + int(f[12])
print("%.2f" % (total / tick))
EOF
}

metric() {
	curl -fsS "$BASE/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'
}

PRIMARY_DATA=$(<"$AURORA_VAR/pg-location")/data

# run NAME SCRIPT [PATH]: wrk for DURATION, printing "rps p99 non2xx requests
# replica_reads" and each cluster's CPU seconds before and after.
run() {
	local name=$1 script=$2 p0 r0 m0 p1 r1 m1 out
	shift 2
	wrk -t2 -c"$CONNS" -d5s -s "$TOP/bench/$script" "$BASE" -- "$WORK/tokens.txt" "$@" \
		>/dev/null 2>&1
	p0=$(cluster_cpu "$PRIMARY_DATA") r0=$(cluster_cpu "$REPLICA/data")
	m0=$(metric aurora_replica_reads_total)
	wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s "$TOP/bench/$script" "$BASE" -- \
		"$WORK/tokens.txt" "$@" >"$WORK/wrk-$name.txt" 2>"$WORK/wrk-$name.err"
	p1=$(cluster_cpu "$PRIMARY_DATA") r1=$(cluster_cpu "$REPLICA/data")
	m1=$(metric aurora_replica_reads_total)
	out=$(python3 - "$WORK/wrk-$name.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("%.0f %.2f %s %s" % (rps, p99, bad.group(1) if bad else 0, re.search(r"(\d+) requests in", t).group(1)))
EOF
)
	echo "$out $((${m1%.*} - ${m0%.*})) $p0 $p1 $r0 $r1"
}

# ---------------------------------------------------------------- runs
declare -A R
for mode in primary replica; do
	if [[ $mode == replica ]]; then api_restart "$READ_CONNINFO"; else api_restart; fi
	sleep 2
	say "$mode: list a month"
	R[$mode-list]=$(run "$mode-list" events-list.lua)
	say "$mode: export calendar.ics"
	R[$mode-export]=$(run "$mode-export" token-get.lua /api/v1/calendar.ics)
done
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - >"$RESULTS" <<EOF
rows = {"primary-list": "${R[primary-list]}", "replica-list": "${R[replica-list]}",
        "primary-export": "${R[primary-export]}", "replica-export": "${R[replica-export]}"}
print("machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1); "
      "load average after the runs: $LOAD")
print("setup: $USERS users, $((USERS * PER_USER)) events, $NTOKENS signed-in users, $WORKERS API "
      "workers, wrk -t2 -c$CONNS -d${DURATION}s through the stack's nginx; primary and replica on "
      "the same machine")
print("%-16s %9s %8s %7s %9s %14s %14s" % ("run", "req/s", "p99 ms", "non2xx", "replica",
                                          "primary CPU", "replica CPU"))
for wl in ("list", "export"):
    base = None
    for mode in ("primary", "replica"):
        rps, p99, bad, req, on_rep, p0, p1, r0, r1 = rows["%s-%s" % (mode, wl)].split()
        rps, req = float(rps), int(req)
        pcpu, rcpu = float(p1) - float(p0), float(r1) - float(r0)
        base = base or rps
        # The counter also takes the requests in flight when wrk stops.
        print("%-16s %9.0f %8.2f %7s %8.0f%% %11.3f ms %11.3f ms   (%.2fx)" % (
            "%s %s" % (wl, mode), rps, float(p99), bad, min(100.0, 100.0 * int(on_rep) / max(req, 1)),
            1000 * pcpu / max(req, 1), 1000 * rcpu / max(req, 1), rps / base))
print("CPU columns: PostgreSQL CPU per request on each cluster; replica = share of requests "
      "whose reads /metrics counts on the replica")
EOF
cat "$RESULTS"
