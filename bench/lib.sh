# bench/lib.sh — sourced by the benchmark scripts: messages, the check for
# the tools a run needs, the -O2 build tree they measure ($BUILD, which
# the caller sets; var/build-bench by default, configured when missing),
# and the throwaway stack they run against (work directory, ports, clean-up,
# start, psql as superuser; $PGBIN set by the caller).
# shellcheck shell=bash disable=SC2034

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# bench_need TOOL...: stops unless every tool is on PATH (or a path to it).
bench_need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "$tool is missing"
	done
}

# bench_build TARGET...: configures $BUILD with -O2 when it has no build
# yet, then makes the targets in it.
bench_build() {
	if [[ ! -x $BUILD/src/aurora-api ]]; then
		say "building in $BUILD (-O2)"
		(cd "$TOP" && autoreconf -fi >/dev/null 2>&1)
		mkdir -p "$BUILD"
		(cd "$BUILD" && "$TOP/configure" -q CFLAGS="-O2 -g")
	fi
	make -C "$BUILD" -j"$(nproc)" "$@" >/dev/null
}

# bench_workdir NAME: a fresh work directory $WORK (/tmp/NAME-XXXXXX) and
# its $RESULTS file.
bench_workdir() {
	WORK=$(mktemp -d "/tmp/$1-XXXXXX")
	chmod 0755 "$WORK"
	RESULTS=$WORK/results.txt
}

# bench_ports WORKERS: four free ports, $HTTP_PORT $SES_PORT $PG_PORT for
# the stack and $BENCH_PORT for the script's own server, and the stack's
# environment (under $WORK/stack, built in $BUILD, WORKERS aurora-api
# workers).
bench_ports() {
	read -r HTTP_PORT SES_PORT PG_PORT BENCH_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
	export AURORA_VAR=$WORK/stack AURORA_HTTP_PORT=$HTTP_PORT AURORA_SES_PORT=$SES_PORT \
		AURORA_PG_PORT=$PG_PORT AURORA_BUILD=$BUILD AURORA_WORKERS=$1
}

# On exit: the script's own bench_stop (when it defines one) stops what it
# started, then the stack is stopped and kept (BENCH_KEEP=1) or destroyed
# with $WORK.
bench_cleanup() {
	set +e
	declare -F bench_stop >/dev/null && bench_stop
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		"$TOP/tools/stack" stop >/dev/null 2>&1
		say "kept $WORK"
	else
		"$TOP/tools/stack" destroy >/dev/null 2>&1
		rm -rf "$WORK"
	fi
}

# bench_stack_start: starts the stack (bench_ports first) and sets $CONF
# and $PGHOST, which psql_super (psql as the database superuser) uses.
bench_stack_start() {
	say "starting a stack in $AURORA_VAR"
	"$TOP/tools/stack" start >"$WORK/stack-start.log" 2>&1 || { cat "$WORK/stack-start.log"; die "stack start"; }
	CONF=$AURORA_VAR/aurora.conf
	PGHOST=$(sed -n 's/^db_conninfo = host=\([^ ]*\) .*/\1/p' "$CONF")
}

psql_super() { "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PG_PORT" -U postgres -d aurora "$@"; }

# bench_template_hash BASE PASSWORD: signs up template@bench.test with
# PASSWORD through BASE (retried: workers meet a restarted database on their
# next request, one 503 each) and prints its password hash, which the seeded
# users share.
bench_template_hash() {
	local code="" hash
	for _ in $(seq 40); do
		code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			-d "{\"email\":\"template@bench.test\",\"password\":\"$2\"}" \
			"$1/api/v1/auth/signup") || true
		[[ $code == 201 || $code == 409 ]] && break
		sleep 0.5
	done
	[[ $code == 201 || $code == 409 ]] || die "signup of the template user failed ($code)"
	hash=$(psql_super -c "SELECT password_hash FROM users WHERE email = 'template@bench.test'")
	[[ -n $hash ]] || die "no password hash"
	printf '%s\n' "$hash"
}

# bench_tree_cpu PID...: CPU seconds (user + system) used so far by each
# process, its reaped children and its live descendants, summed. Read
# before and after a step, the difference is what the step cost there.
bench_tree_cpu() {
	python3 - "$@" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
stat = {}
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            f = open("/proc/%s/stat" % p).read()
        except OSError:
            continue
        v = f[f.rindex(")") + 2:].split()
        # parent, then utime + stime + cutime + cstime (own and reaped)
        stat[int(p)] = (int(v[1]), sum(int(x) for x in v[11:15]))
def tree(root):
    if root not in stat:
        return 0
    return stat[root][1] + sum(tree(c) for c, (pp, _) in stat.items() if pp == root)
print("%.2f" % (sum(tree(int(a)) for a in sys.argv[1:]) / hz))
PY
}
