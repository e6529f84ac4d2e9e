#!/bin/bash
# Escaping at scale (model/esc.h): 1000 Calico-style veths, half of them named with bytes that
# the rules escape (0xfa, ESC, a backslash, C1, é), and `caltrace links` (-j and text) timed
# against `ip -j -d link show` on the same namespace in the same run. Prints figures and ratios
# only; exits 0 unless setup fails. Run alone (as root) or from tests/bench/bench.sh.
set -u
. "$(dirname "$0")/lib.sh"
bench_init escape
bench_need_root
N=${BENCH_ESC_PODS:-1000}
NS="ct$$escb"
bench_netns "$NS"
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

ip_us=$(bench_time_us ip -n "$NS" -j -d link show)
j_us=$(bench_time_us "$CALTRACE" -n "$NS" -j links)
t_us=$(bench_time_us "$CALTRACE" -n "$NS" --color never links)
echo "escape: $N veths, half with escaped bytes in their names (median of $RUNS)"
awk -v ip="$ip_us" -v j="$j_us" -v t="$t_us" 'BEGIN {
	printf "  ip -j -d link show      %8.1f ms\n", ip / 1000
	printf "  caltrace -j links       %8.1f ms  %.2fx ip\n", j / 1000, j / ip
	printf "  caltrace links (text)   %8.1f ms  %.2fx ip\n", t / 1000, t / ip }'
exit 0
