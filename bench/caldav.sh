#!/usr/bin/env bash
# bench/caldav.sh — the CalDAV benchmark (issue 14). Not part of the test
# suite. One account with 5,000 objects (single events and weekly series,
# bench/caldav-load.py gen) PUT into Aurora over CalDAV on a throwaway
# stack, and the same files into Radicale 3 (Debian's, under
# /usr/bin/python3) on the same machine; then, each figure beside
# Radicale's from the same run:
#   month   calendar-query REPORT (Depth 1, getetag + calendar-data) of a
#           random month of 2026, wrk -s bench/caldav-report.lua;
#           target >= 100x Radicale's requests/s
#   full    the first full sync-collection (empty token) of the 5,000
#           objects, BENCH_SYNC_RUNS runs each, median; target >= 10x faster
#   nochg   sync-collection from the newest token (no changes), wrk -c1,
#           median latency; target < 2 ms on Aurora
# Aurora is measured through the stack's own nginx (tools/stack); Radicale
# through its own server (no proxy). The files are placed in Radicale's
# storage directly (PUTting 5,000 objects one by one takes it minutes
# here), then one full sync builds its item cache before any measurement;
# that cold first sync is reported too.
# Environment: AURORA_BUILD (default var/build-bench, configured with -O2
# when missing), BENCH_OBJECTS (5000), BENCH_DURATION (seconds per wrk
# run, 30), BENCH_CONNECTIONS (Aurora, 32), BENCH_RADICALE_CONNECTIONS (2),
# BENCH_WORKERS (aurora-api workers, 4), BENCH_SYNC_RUNS (5),
# BENCH_KEEP=1 keeps the work directory. Results also go to
# $WORK/results.txt.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AURORA_BUILD:-$TOP/var/build-bench}
OBJECTS=${BENCH_OBJECTS:-5000}
DURATION=${BENCH_DURATION:-30}
CONNS=${BENCH_CONNECTIONS:-32}
RAD_CONNS=${BENCH_RADICALE_CONNECTIONS:-2}
WORKERS=${BENCH_WORKERS:-4}
SYNC_RUNS=${BENCH_SYNC_RUNS:-5}
PGBIN=${AURORA_PGBIN:-/usr/lib/postgresql/15/bin}
PY=/usr/bin/python3
EMAIL=caldav@bench.test
PASSWORD=bench-password-1
RAD_USER=bench RAD_PASSWORD=radicale-bench-pw

# shellcheck source=bench/lib.sh
. "$TOP/bench/lib.sh"

bench_need wrk curl "$PY" "$PGBIN/psql"
"$PY" -c 'import radicale' 2>/dev/null || die "radicale is missing (apt-get install radicale)"
RAD_VERSION=$("$PY" -c 'import radicale; print(radicale.VERSION)')
START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- build
bench_build

bench_workdir aurora-bench-caldav

bench_ports "$WORKERS"
RAD_PORT=$BENCH_PORT

RAD_PID=""
bench_stop() {
	[[ -n $RAD_PID ]] && kill "$RAD_PID" 2>/dev/null && wait "$RAD_PID" 2>/dev/null
}
trap bench_cleanup EXIT

bench_stack_start
BASE=http://127.0.0.1:$HTTP_PORT

# ---------------------------------------------------------------- data
say "generating $OBJECTS objects"
"$PY" "$TOP/bench/caldav-load.py" gen "$WORK/objects" "$OBJECTS"
SERIES=$(grep -l '^RRULE' "$WORK"/objects/*.ics | wc -l)

say "the Aurora account and its app password"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/signup")
[[ $code == 201 ]] || die "signup answered $code"
# The benchmark has no mailbox: the address is confirmed in SQL.
psql_super -c "UPDATE users SET email_verified = true WHERE email = '$EMAIL'" >/dev/null
# Without a working DAV layer (BENCH_RADICALE_ONLY=1, or discovery
# failing) only Radicale is measured and Aurora's figures read n/a.
AURORA=1 APP_PW="" CAL="" AURORA_LOAD_S=nan STORED=0
if [[ ${BENCH_RADICALE_ONLY:-0} == 1 ]] ||
	! "$PY" "$TOP/bench/caldav-load.py" account "$HTTP_PORT" "$EMAIL" "$PASSWORD" >"$WORK/account.txt" 2>&1; then
	say "Aurora not measured: $(tail -n 1 "$WORK/account.txt" 2>/dev/null || echo BENCH_RADICALE_ONLY=1)"
	AURORA=0
else
	read -r APP_PW CAL <"$WORK/account.txt"
fi
AUTH="Basic $(printf '%s:%s' "$EMAIL" "$APP_PW" | base64 -w0)"

if ((AURORA)); then
	say "PUT $OBJECTS objects into Aurora ($CAL)"
	"$PY" "$TOP/bench/caldav-load.py" put "$HTTP_PORT" "$CAL" "$EMAIL" "$APP_PW" "$WORK/objects" 4 \
		>"$WORK/put.txt" || die "PUT into Aurora failed"
	read -r _ AURORA_LOAD_S <"$WORK/put.txt"
	psql_super -c "VACUUM ANALYZE events" >/dev/null
	STORED=$(psql_super -c "SELECT count(*) FROM events e JOIN users u ON u.id = e.user_id
		WHERE u.email = '$EMAIL'")
	say "Aurora stored $STORED events in $AURORA_LOAD_S s"
fi

say "Radicale $RAD_VERSION on port $RAD_PORT"
mkdir -p "$WORK/radicale/store"
printf '%s:%s\n' "$RAD_USER" "$RAD_PASSWORD" >"$WORK/radicale/users"
cat >"$WORK/radicale/config" <<EOF
[server]
hosts = 127.0.0.1:$RAD_PORT
[auth]
type = htpasswd
htpasswd_filename = $WORK/radicale/users
htpasswd_encryption = plain
[rights]
type = owner_only
[storage]
filesystem_folder = $WORK/radicale/store
[web]
type = none
[logging]
level = warning
EOF
env -u PYTHONPATH -u PYTHONHOME "$PY" -m radicale --config "$WORK/radicale/config" \
	</dev/null >"$WORK/radicale/log" 2>&1 &
RAD_PID=$!
RAD=http://127.0.0.1:$RAD_PORT
for _ in $(seq 100); do curl -s -o /dev/null "$RAD/" && break; sleep 0.1; done
RAD_CAL=/$RAD_USER/default/
code=$(curl -sS -o /dev/null -w '%{http_code}' -u "$RAD_USER:$RAD_PASSWORD" -X MKCALENDAR "$RAD$RAD_CAL")
[[ $code == 201 ]] || die "Radicale MKCALENDAR answered $code"
cp "$WORK"/objects/*.ics "$WORK/radicale/store/collection-root/$RAD_USER/default/"
RAD_AUTH="Basic $(printf '%s:%s' "$RAD_USER" "$RAD_PASSWORD" | base64 -w0)"

# sync_runs PORT PATH USER PASSWORD N: N full syncs; prints the median
# seconds and the number of responses of the last.
sync_runs() {
	local out n st secs tok
	: >"$WORK/sync.txt"
	for _ in $(seq "$5"); do
		out=$("$PY" "$TOP/bench/caldav-load.py" sync "$1" "$2" "$3" "$4")
		read -r st n secs tok <<<"$out"
		[[ $st == 207 ]] || die "sync-collection on port $1 answered $st"
		echo "$secs" >>"$WORK/sync.txt"
	done
	echo "$(sort -g "$WORK/sync.txt" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') $n $tok"
}

say "Radicale: cold first sync (builds its item cache)"
read -r RAD_COLD RAD_N _ < <(sync_runs "$RAD_PORT" "$RAD_CAL" "$RAD_USER" "$RAD_PASSWORD" 1)
say "Radicale cold sync: $RAD_COLD s, $RAD_N responses"

# ---------------------------------------------------------------- helpers
# wrk_run NAME ARGS...: runs wrk, keeps its output, prints
# "rps p50_ms p99_ms non2xx requests".
wrk_run() {
	local name=$1
	shift
	wrk --latency "$@" >"$WORK/wrk-$name.txt" 2>"$WORK/wrk-$name.err"
	"$PY" - "$WORK/wrk-$name.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def pct(p):
    m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, t, re.M)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else float("nan")
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
timeouts = re.search(r"timeout (\d+)", t)
req = re.search(r"(\d+) requests in", t).group(1)
bad = (int(non2xx.group(1)) if non2xx else 0) + (int(timeouts.group(1)) if timeouts else 0)
print("%.2f %.3f %.3f %d %s" % (rps, pct(50), pct(99), bad, req))
EOF
}

# month_items PORT PATH AUTH: objects a month matches, on average over
# January to November 2026 (getetag only).
month_items() {
	"$PY" - "$@" <<'EOF'
import http.client, re, sys
port, cal, auth = sys.argv[1:4]
n = []
for m in range(1, 12):
    body = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            '<D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
            '<C:comp-filter name="VEVENT"><C:time-range start="2026%02d01T000000Z" end="2026%02d01T000000Z"/>'
            '</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>' % (m, m + 1))
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=300)
    c.request("REPORT", cal, body, {"Authorization": auth, "Depth": "1", "Content-Type": "application/xml"})
    n.append(len(re.findall(rb"<(?:\w+:)?response>", c.getresponse().read())))
print("%.0f" % (sum(n) / len(n)))
EOF
}

# ---------------------------------------------------------------- runs
A_MONTH_RPS=nan A_MONTH_P50=nan A_MONTH_P99=nan A_MONTH_BAD=0 A_MONTH_REQ=0 A_MONTH_ITEMS=n/a
A_FULL=nan A_FULL_N=n/a A_NOCHG_P50=nan A_NOCHG_P99=nan A_NOCHG_BAD=0
if ((AURORA)); then
	say "warm-up: Aurora 5 s of month queries"
	wrk -t2 -c"$CONNS" -d5s -s "$TOP/bench/caldav-report.lua" "$BASE$CAL" -- month "$AUTH" >/dev/null 2>&1
	A_MONTH_ITEMS=$(month_items "$HTTP_PORT" "$CAL" "$AUTH")
	say "month calendar-query: Aurora (-t2 -c$CONNS -d${DURATION}s)"
	read -r A_MONTH_RPS A_MONTH_P50 A_MONTH_P99 A_MONTH_BAD A_MONTH_REQ < <(wrk_run a-month -t2 \
		-c"$CONNS" -d"${DURATION}s" --timeout 30s -s "$TOP/bench/caldav-report.lua" "$BASE$CAL" -- \
		month "$AUTH")
fi
R_MONTH_ITEMS=$(month_items "$RAD_PORT" "$RAD_CAL" "$RAD_AUTH")
say "a month matches $A_MONTH_ITEMS objects in Aurora, $R_MONTH_ITEMS in Radicale, on average"
say "month calendar-query: Radicale (-t1 -c$RAD_CONNS -d${DURATION}s)"
read -r R_MONTH_RPS R_MONTH_P50 R_MONTH_P99 R_MONTH_BAD R_MONTH_REQ < <(wrk_run r-month -t1 -c"$RAD_CONNS" \
	-d"${DURATION}s" --timeout 120s -s "$TOP/bench/caldav-report.lua" "$RAD$RAD_CAL" -- month "$RAD_AUTH")

say "full sync-collection, $SYNC_RUNS runs each"
if ((AURORA)); then
	read -r A_FULL A_FULL_N A_TOKEN < <(sync_runs "$HTTP_PORT" "$CAL" "$EMAIL" "$APP_PW" "$SYNC_RUNS")
fi
read -r R_FULL R_FULL_N R_TOKEN < <(sync_runs "$RAD_PORT" "$RAD_CAL" "$RAD_USER" "$RAD_PASSWORD" "$SYNC_RUNS")

say "no-change sync-collection (-t1 -c1 -d10s)"
if ((AURORA)); then
	read -r _ A_NOCHG_P50 A_NOCHG_P99 A_NOCHG_BAD _ < <(wrk_run a-nochg -t1 -c1 -d10s \
		-s "$TOP/bench/caldav-report.lua" "$BASE$CAL" -- sync "$AUTH" "$A_TOKEN")
fi
read -r _ R_NOCHG_P50 R_NOCHG_P99 R_NOCHG_BAD _ < <(wrk_run r-nochg -t1 -c1 -d10s --timeout 60s \
	-s "$TOP/bench/caldav-report.lua" "$RAD$RAD_CAL" -- sync "$RAD_AUTH" "$R_TOKEN")

# ---------------------------------------------------------------- report
"$PY" - >"$RESULTS" <<EOF
nan = float("nan")
aurora = $AURORA == 1
am, rm = float("$A_MONTH_RPS"), float("$R_MONTH_RPS")
af, rf = float("$A_FULL"), float("$R_FULL")
an50 = float("$A_NOCHG_P50")


def verdict(ok):
    return "not measured" if not aurora else ("met" if ok else "MISSED")


def num(v, fmt):
    return "n/a" if v != v else fmt % v


print("machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), "
      "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), "
      "load average at the start $START_LOAD")
print("setup: $OBJECTS objects ($SERIES weekly series); Aurora: %s, $WORKERS API workers behind the "
      "stack's nginx; Radicale $RAD_VERSION, its own server, cold first sync $RAD_COLD s; a month matches "
      "$A_MONTH_ITEMS (Aurora) / $R_MONTH_ITEMS (Radicale) objects on average"
      % ("$STORED events stored, PUT in $AURORA_LOAD_S s" if aurora else "not measured"))
print("%-46s %12s %12s %9s %s" % ("figure", "Aurora", "Radicale", "ratio", "target"))
print("%-46s %12s %12.2f %9s %s" % ("month calendar-query, requests/s", num(am, "%.2f"), rm,
      num(am / rm if rm else nan, "%.0fx"), ">= 100x -> " + verdict(rm and am >= 100 * rm)))
print("%-46s %12s %12.1f" % ("month calendar-query, p50 ms", num(float("$A_MONTH_P50"), "%.2f"),
      $R_MONTH_P50))
print("%-46s %12s %12.1f" % ("month calendar-query, p99 ms", num(float("$A_MONTH_P99"), "%.2f"),
      $R_MONTH_P99))
print("%-46s %12s %12.4f %9s %s" % ("full sync-collection, median s of $SYNC_RUNS", num(af, "%.4f"), rf,
      num(rf / af, "%.0fx"), ">= 10x faster -> " + verdict(rf >= 10 * af)))
print("%-46s %12s %12s" % ("full sync-collection, responses", "$A_FULL_N", "$R_FULL_N"))
print("%-46s %12s %12.3f %9s %s" % ("no-change sync-collection, p50 ms", num(an50, "%.3f"),
      $R_NOCHG_P50, "", "< 2 ms -> " + verdict(an50 < 2)))
print("%-46s %12s %12.3f" % ("no-change sync-collection, p99 ms", num(float("$A_NOCHG_P99"), "%.3f"),
      $R_NOCHG_P99))
print("wrk: Aurora -t2 -c$CONNS -d${DURATION}s, Radicale -t1 -c$RAD_CONNS -d${DURATION}s (timeout 120 s); "
      "failed or timed-out answers: month $A_MONTH_BAD of $A_MONTH_REQ (Aurora), $R_MONTH_BAD of "
      "$R_MONTH_REQ (Radicale); no-change $A_NOCHG_BAD / $R_NOCHG_BAD")
EOF
cat "$RESULTS"
if [[ ${BENCH_KEEP:-0} == 1 ]]; then cp "$RESULTS" "$TOP/var/bench-caldav-results.txt" 2>/dev/null || true; fi
