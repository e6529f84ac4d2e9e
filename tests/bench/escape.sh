#!/bin/bash
# Escaping at scale (model/esc.h): 1000 Calico-style veths, half of them named with bytes that
# the rules escape (0xfa, ESC, a backslash, C1, é), and `caltrace links` (-j and text) timed
# against `ip -j -d link show` on the same namespace in the same run. Prints figures and ratios
# only; exits 0 unless setup fails. Run alone (as root) or from tests/bench/bench.sh.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
RUNS=${BENCH_RUNS:-5}
N=${BENCH_ESC_PODS:-1000}

NS="ct$$escb"
TMP=$(mktemp -d /tmp/caltrace-escb.XXXXXX)
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[ "$(id -u)" = 0 ] || { echo "bench escape: needs root" >&2; exit 3; }
[ -x "$CALTRACE" ] || { echo "bench escape: no $CALTRACE (make)" >&2; exit 3; }

ip netns add "$NS" || exit 3
# names: cali + 11 hex digits, or cali + an odd prefix + hex digits (15 bytes at most)
odd=('\xfa' '\x1b' '\\' '\xc2\x9b' '\xc3\xa9')
for ((i = 0; i < N; i++)); do
	if ((i % 2)); then
		printf "link add name cali${odd[i % 5]}%06x type veth peer name p%x\n" "$i" "$i"
	else
		printf 'link add name cali%011x type veth peer name p%x\n' "$i" "$i"
	fi
done >"$TMP/batch"
ip -n "$NS" -batch "$TMP/batch" || exit 3

run_us() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	local t1=$EPOCHREALTIME
	echo $(((${t1/./} - ${t0/./})))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
time_med() {
	local r=() k
	"$@" >/dev/null 2>&1 # warm-up
	for ((k = 0; k < RUNS; k++)); do r+=("$(run_us "$@")"); done
	median "${r[@]}"
}

ip_us=$(time_med ip -n "$NS" -j -d link show)
j_us=$(time_med "$CALTRACE" -n "$NS" -j links)
t_us=$(time_med "$CALTRACE" -n "$NS" --color never links)
echo "escape: $N veths, half with escaped bytes in their names (median of $RUNS)"
awk -v ip="$ip_us" -v j="$j_us" -v t="$t_us" 'BEGIN {
	printf "  ip -j -d link show      %8.1f ms\n", ip / 1000
	printf "  caltrace -j links       %8.1f ms  %.2fx ip\n", j / 1000, j / ip
	printf "  caltrace links (text)   %8.1f ms  %.2fx ip\n", t / 1000, t / ip }'
exit 0
