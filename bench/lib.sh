# bench/lib.sh — sourced by the benchmark scripts: messages, the check for
# the tools a run needs, and the -O2 build tree they measure ($BUILD, which
# the caller sets; var/build-bench by default, configured when missing).

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
