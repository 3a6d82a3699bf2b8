#!/usr/bin/env bash
# bench/remind.sh — the aurora-remind benchmark (issue 5). Not part of the
# test suite. On a throwaway stack:
#   idle   10,000,000 pending reminders, none due: wall time of
#          `aurora-remind --once` (median of BENCH_RUNS), and the plan of the
#          due query (must read the partial index mail_outbox_due)
#   send   100,000 due reminders sent to a local HTTP endpoint that answers
#          like SES (SendEmail -> 200 {"MessageId"}), mails per second,
#          against wrk sending the same request body to the same endpoint
#          with as many connections for as long, measured in the same run
#          (the emulator's store emptied before each). Endpoints:
#          nginx (`return 200`, the fastest possible peer) and the SES
#          emulator (aws-ses-v2-local, which parses each raw message).
# Environment: AURORA_BUILD (default var/build-bench, -O2), BENCH_IDLE_ROWS
# (10000000), BENCH_DUE (100000), BENCH_CONCURRENCY (16), BENCH_RUNS (7),
# BENCH_WRK_SECONDS (10), BENCH_ENDPOINTS ("nginx emulator"), BENCH_KEEP=1.
# Results are printed and saved to $WORK/results.txt.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AURORA_BUILD:-$TOP/var/build-bench}
IDLE_ROWS=${BENCH_IDLE_ROWS:-10000000}
DUE=${BENCH_DUE:-100000}
CONC=${BENCH_CONCURRENCY:-16}
RUNS=${BENCH_RUNS:-7}
WRK_SECONDS=${BENCH_WRK_SECONDS:-10}
ENDPOINTS=${BENCH_ENDPOINTS:-nginx emulator}
PGBIN=${AURORA_PGBIN:-/usr/lib/postgresql/15/bin}

# shellcheck source=bench/lib.sh
. "$TOP/bench/lib.sh"
bench_need wrk nginx curl python3 "$PGBIN/psql"

bench_build src/aurora-api src/aurora-admin src/aurora-remind

bench_workdir aurora-bench-remind
bench_ports 2
STUB_PORT=$BENCH_PORT
NGX=$WORK/nginx
bench_stop() {
	[[ -f $NGX/nginx.pid ]] && nginx -p "$NGX/" -c "$NGX/nginx.conf" -s stop 2>/dev/null
}
trap bench_cleanup EXIT
result() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

bench_stack_start
# The benchmark owns the outbox: stop the stack's --watch sender.
if [[ -f $AURORA_VAR/run/aurora-remind.pid ]]; then
	kill "$(cat "$AURORA_VAR/run/aurora-remind.pid")" 2>/dev/null || true
	sleep 1
fi
export AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench-secret
REMIND=$BUILD/src/aurora-remind

bench_conf() { # NAME ENDPOINT -> path
	local c=$WORK/$1.conf
	{ cat "$CONF"; printf '%s\n' "mail_transport = ses" "ses_endpoint = $2" \
		"max_send_rate = 100000" "send_concurrency = $CONC" "send_batch = 2000" \
		"log_level = warn"; } >"$c"
	printf '%s\n' "$c"
}

ms_now() { date +%s%N | cut -c1-13; }

# ---------------------------------------------------------------- data
say "seeding 10,000 users, 100,000 events and $IDLE_ROWS pending reminders (none due)"
t0=$(ms_now)
psql_super >/dev/null <<SQL
INSERT INTO users (email, email_verified, time_zone)
SELECT format('u%s@bench.test', i), true, 'Europe/Berlin' FROM generate_series(1, 10000) i;
-- Weekly series far in the future; the schedule is already extended, so
-- schedule_extend has nothing to do (its own cost is the events module's).
INSERT INTO events (user_id, uid, title, description, location, starts_at, ends_at, time_zone,
                    recurrence, series_end, reminders_scheduled_until)
SELECT u.id, format('bench-%s-%s', u.email, k), format('Weekly review %s', k),
       'Agenda: numbers, plans, risks.', 'Room 4', now() + interval '30 days' + k * interval '1 hour',
       now() + interval '30 days' + k * interval '1 hour' + interval '1 hour', 'Europe/Berlin',
       '{RRULE:FREQ=WEEKLY}', 'infinity', 'infinity'
  FROM users u, generate_series(1, 10) k;
INSERT INTO mail_outbox (user_id, kind, event_id, occurrence_start, minutes_before, due_at)
SELECT e.user_id, 'reminder', e.id, e.starts_at + w * interval '7 days', 30,
       e.starts_at + w * interval '7 days' - interval '30 minutes'
  FROM events e, generate_series(0, ($IDLE_ROWS / 100000) - 1) w;
VACUUM ANALYZE mail_outbox;
VACUUM ANALYZE events;
SQL
result "seeded $(psql_super -c "SELECT count(*) FROM mail_outbox WHERE status = 'pending'") pending reminders in $(( ($(ms_now) - t0) / 1000 )) s"

# ---------------------------------------------------------------- idle
say "idle: --once with nothing due ($RUNS runs)"
IDLE_CONF=$(bench_conf idle http://127.0.0.1:9)
"$REMIND" -c "$IDLE_CONF" --once || die "--once failed"   # warm the caches
times=()
for ((i = 0; i < RUNS; i++)); do
	t0=$(date +%s%N)
	"$REMIND" -c "$IDLE_CONF" --once || die "--once failed"
	times+=($(( ($(date +%s%N) - t0) / 1000 )))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
result "idle --once with $IDLE_ROWS pending, none due: median $((median / 1000)).$(( (median % 1000) / 100 )) ms (runs: ${times[*]} us); target < 100 ms"
psql_super -c "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) SELECT id FROM mail_outbox WHERE status = 'pending' AND due_at <= now() ORDER BY due_at LIMIT 2000 FOR UPDATE SKIP LOCKED" | tee -a "$RESULTS"

# ---------------------------------------------------------------- send
# One realistic request body: a reminder rendered by aurora-remind itself
# (file transport), wrapped the way ses.c wraps it.
mkdir -p "$WORK/eml"
psql_super >/dev/null <<'SQL'
INSERT INTO mail_outbox (user_id, kind, event_id, occurrence_start, minutes_before, due_at)
SELECT e.user_id, 'reminder', e.id, now() + interval '1 hour', 60, now() - interval '1 s'
  FROM events e LIMIT 1;
SQL
{ cat "$CONF"; printf '%s\n' "mail_transport = file" "mail_dir = $WORK/eml"; } >"$WORK/file.conf"
"$REMIND" -c "$WORK/file.conf" --once || die "file transport run failed"
python3 - "$WORK/eml" "$WORK/body.json" "$WORK/post.lua" <<'EOF'
import base64, json, os, sys
d, out, lua = sys.argv[1:4]
raw = open(os.path.join(d, sorted(os.listdir(d))[0]), "rb").read()
body = json.dumps({"Destination": {"ToAddresses": ["u1@bench.test"]},
                   "FromEmailAddress": "Aurora Time <no-reply@localhost>",
                   "Content": {"Raw": {"Data": base64.b64encode(raw).decode()}}},
                  separators=(",", ":"))
open(out, "w").write(body)
# The same headers aurora-remind sends, with a signature of the same size.
auth = ("AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/ses/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64)
open(lua, "w").write("""wrk.method = "POST"
wrk.path = "/v2/email/outbound-emails"
wrk.body = %s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Amz-Date"] = "20261125T120000Z"
wrk.headers["Authorization"] = %s
""" % (json.dumps(body), json.dumps(auth)))
print(len(raw), len(body))
EOF
result "request body: $(wc -c <"$WORK/body.json") bytes of JSON around one rendered reminder"

mkdir -p "$NGX/tmp"
cat >"$NGX/nginx.conf" <<EOF
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
    client_max_body_size 1m;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$STUB_PORT;
        location = /v2/email/outbound-emails {
            default_type application/json;
            return 200 '{"MessageId":"0100018c-bench-0000-0000-000000000000-000000"}';
        }
    }
}
EOF
nginx -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/error.log"

send_run() { # NAME URL
	local name=$1 url=$2 conf sent t0 ms rate wrk_rps pct secs
	conf=$(bench_conf "send-$name" "$url")
	psql_super >/dev/null <<SQL
INSERT INTO mail_outbox (user_id, kind, event_id, occurrence_start, minutes_before, due_at)
SELECT e.user_id, 'reminder', e.id, now() + interval '2 hours' + n * interval '1 s', 120,
       now() - interval '1 s'
  FROM (SELECT id, user_id, row_number() OVER () AS n FROM events LIMIT $DUE) e;
ANALYZE mail_outbox;
SQL
	# The emulator keeps every mail in memory and slows as its store
	# grows: both measurements start from an empty store.
	[[ $name == emulator ]] && curl -fsS -o /dev/null -X POST "$url/clear-store"
	say "send ($name): $DUE due reminders"
	t0=$(date +%s%N)
	"$REMIND" -c "$conf" --once || die "--once against $name failed"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	sent=$(psql_super -c "SELECT count(*) FROM mail_outbox WHERE status = 'sent' AND sent_at > now() - interval '1 hour' AND minutes_before = 120")
	[[ $sent == "$DUE" ]] || die "$name: $sent of $DUE sent"
	psql_super -c "UPDATE mail_outbox SET minutes_before = 121 WHERE minutes_before = 120" >/dev/null
	rate=$(( DUE * 1000 / ms ))
	# wrk runs as long as aurora-remind did (at least BENCH_WRK_SECONDS).
	secs=$(( (ms + 999) / 1000 ))
	(( secs < WRK_SECONDS )) && secs=$WRK_SECONDS
	[[ $name == emulator ]] && curl -fsS -o /dev/null -X POST "$url/clear-store"
	say "wrk ($name): $CONC connections, ${secs}s, same body"
	wrk_rps=$(wrk -t2 -c"$CONC" -d"${secs}s" -s "$WORK/post.lua" "$url" |
		awk '/Requests\/sec/ { printf "%d", $2 }')
	pct=$(( rate * 100 / (wrk_rps > 0 ? wrk_rps : 1) ))
	result "send ($name): aurora-remind $rate mails/s ($DUE in ${ms} ms, claim+render+MIME+sign+send+record each) vs wrk $wrk_rps req/s: ${pct}% (target >= 50%)"
}
for ep in $ENDPOINTS; do
	case $ep in
	nginx) send_run nginx "http://127.0.0.1:$STUB_PORT" ;;
	emulator) send_run emulator "http://127.0.0.1:$SES_PORT" ;;
	*) die "unknown endpoint $ep" ;;
	esac
done
say "results in $RESULTS"
cat "$RESULTS"
