# SPDX-License-Identifier: MIT
# What the benchmark scripts share. Sourced right after `set -u`:
#   . "$(dirname "$0")/lib.sh"
# Sourcing runs nothing; bench_init does the setup.
#
# bench_init NAME      cd to the top of the checkout; LC_ALL=C; CALTRACE made absolute
#                      (CALTRACE_ABS, else CALTRACE, else ./caltrace) and checked to be
#                      executable; RUNS (BENCH_RUNS, default 5); TMP a new folder. At exit
#                      (INT and TERM exit 130 and 143) the bench_at_exit lines run, last
#                      first, then the namespaces of bench_netns are deleted and TMP removed.
# bench_die MSG        "bench NAME: MSG" on standard error, exit 3 (setup failed)
# bench_skip MSG       "bench NAME: skipped, MSG" on standard output, exit 0
# bench_need_root      skips unless root
# bench_need_cmd CMD.. skips when a command is not installed
# bench_netns NS       creates network namespace NS (dies when it cannot), deleted at exit
# bench_at_exit LINE   a shell line to run at exit
# bench_run CMD...     runs CMD once, output to $BENCH_OUT (default /dev/null), errors
#                      dropped; sets BENCH_US (wall time, microseconds) and BENCH_RC
# bench_us CMD...      prints bench_run's BENCH_US (in a $(...), so BENCH_RC is lost)
# bench_median N...    the median of integers (of an even count, the lower middle one)
# bench_time_us CMD... one warm-up run, then RUNS runs: the median of BENCH_US
# bench_ratio A B      A/B with two decimals, "?" when B is 0

bench_init() {
	BENCH_NAME=$1
	BENCH_NS_LIST=()
	BENCH_EXIT_LINES=()
	export LC_ALL=C
	cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 3
	CALTRACE=${CALTRACE_ABS:-${CALTRACE:-./caltrace}}
	case $CALTRACE in /*) ;; *) CALTRACE=$PWD/$CALTRACE ;; esac
	RUNS=${BENCH_RUNS:-5}
	TMP=$(mktemp -d "/tmp/ct-bench-$BENCH_NAME.XXXXXX") || exit 3
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	[ -x "$CALTRACE" ] || bench_die "no caltrace at $CALTRACE (make)"
}

bench_cleanup() {
	local i
	for ((i = ${#BENCH_EXIT_LINES[@]} - 1; i >= 0; i--)); do eval "${BENCH_EXIT_LINES[$i]}"; done
	for i in "${BENCH_NS_LIST[@]}"; do ip netns del "$i" 2>/dev/null; done
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
	return 0
}

bench_die() {
	echo "bench $BENCH_NAME: $*" >&2
	exit 3
}
bench_skip() {
	echo "bench $BENCH_NAME: skipped, $*"
	exit 0
}
bench_need_root() { [ "$(id -u)" = 0 ] || bench_skip "needs root (network namespaces)"; }
bench_need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || bench_skip "$c is not installed"; done
}
bench_netns() {
	ip netns add "$1" || bench_die "cannot create namespace $1"
	BENCH_NS_LIST+=("$1")
}
bench_at_exit() { BENCH_EXIT_LINES+=("$1"); }

bench_run() {
	local t0 t1
	t0=${EPOCHREALTIME/./}
	"$@" >"${BENCH_OUT:-/dev/null}" 2>/dev/null
	BENCH_RC=$?
	t1=${EPOCHREALTIME/./}
	BENCH_US=$((10#$t1 - 10#$t0))
}
bench_us() {
	bench_run "$@"
	echo "$BENCH_US"
}
bench_median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
bench_time_us() {
	local k v=()
	bench_run "$@" # warm-up
	for ((k = 0; k < RUNS; k++)); do
		bench_run "$@"
		v+=("$BENCH_US")
	done
	bench_median "${v[@]}"
}
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
