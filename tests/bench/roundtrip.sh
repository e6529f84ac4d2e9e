#!/bin/bash
# IPv6 route dumps with the repeated-route check (probes/gather.h, ct_rkeys): 100,000 IPv6
# routes (/64s in 2001:db8::/32 with three metrics, 1 in 10 appended on a second device with
# the same metric: the same key but the device) and `caltrace routes -j` timed against
# `ip -6 -j route show table all` on the same namespace in the same run. Prints figures and
# ratios only; exits 0 unless setup fails. Run alone (as root) or from tests/bench/bench.sh.
set -u
. "$(dirname "$0")/lib.sh"
bench_init roundtrip
bench_need_root
N=${BENCH_V6_ROUTES:-100000}
NS="ct$$v6b"
bench_netns "$NS"
ip -n "$NS" link add v0 type veth peer name v1 || exit 3
ip -n "$NS" link set v0 up || exit 3
ip -n "$NS" link set v1 up || exit 3
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) {
	printf "route add 2001:db8:%x:%x::/64 dev v0 metric %d\n", int(i / 65536), i % 65536, 1024 + i % 3
	if (i % 10 == 0)
		printf "route append 2001:db8:%x:%x::/64 dev v1 metric %d\n", int(i / 65536), i % 65536, 1024 + i % 3
} }' >"$TMP/batch"
ip -n "$NS" -6 -batch "$TMP/batch" || exit 3
total=$(ip -n "$NS" -6 -j route show table all | jq length)

ip_us=$(bench_time_us ip -n "$NS" -6 -j route show table all)
j_us=$(bench_time_us "$CALTRACE" -n "$NS" -j routes)
s_us=$(bench_time_us "$CALTRACE" -n "$NS" snapshot -o "$TMP/snap.json")
echo "roundtrip: $total IPv6 routes, each dump checked for repeated routes (median of $RUNS)"
awk -v ip="$ip_us" -v j="$j_us" -v s="$s_us" 'BEGIN {
	printf "  ip -6 -j route show table all %8.1f ms\n", ip / 1000
	printf "  caltrace -j routes            %8.1f ms  %.2fx ip\n", j / 1000, j / ip
	printf "  caltrace snapshot -o FILE     %8.1f ms  %.2fx ip\n", s / 1000, s / ip }'
exit 0
