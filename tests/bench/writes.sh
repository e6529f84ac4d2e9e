#!/bin/bash
# Checked writes (issue 8, render/out.c): 100,000 routes in a namespace, `caltrace routes`
# (-j and text) timed against `ip -j route show` on the same namespace in the same run, into
# /dev/null (what checking every write costs: nothing measurable is the goal) and into
# /dev/full (a failed write stops the output: caltrace exits 3 after its first failed write
# instead of formatting the rest). Prints figures and ratios only; exits 0 unless setup
# fails. Run alone (as root) or from tests/bench/bench.sh.
set -u
. "$(dirname "$0")/lib.sh"
bench_init writes
bench_need_root
N=${BENCH_WRITES_ROUTES:-100000}
NS="ct$$wrb"
bench_netns "$NS"
ip -n "$NS" link set lo up || exit 3
ip -n "$NS" link add eth0 type veth peer name p0 || exit 3
ip -n "$NS" addr add 192.168.31.201/24 dev eth0 || exit 3
ip -n "$NS" link set eth0 up || exit 3
# distinct /26s in 10.128.0.0/9: four per /24
for ((i = 0; i < N; i++)); do
	printf 'route add 10.%d.%d.%d/26 via 192.168.31.%d dev eth0\n' \
		$((128 + i / 1024)) $(((i / 4) % 256)) $((i % 4 * 64)) $((1 + i % 200))
done >"$TMP/batch"
ip -n "$NS" -batch "$TMP/batch" || exit 3

ip_null=$(BENCH_OUT=/dev/null bench_time_us ip -n "$NS" -j route show)
j_null=$(BENCH_OUT=/dev/null bench_time_us "$CALTRACE" -n "$NS" -j routes)
t_null=$(BENCH_OUT=/dev/null bench_time_us "$CALTRACE" -n "$NS" --color never routes)
ip_full=$(BENCH_OUT=/dev/full bench_time_us ip -n "$NS" -j route show)
j_full=$(BENCH_OUT=/dev/full bench_time_us "$CALTRACE" -n "$NS" -j routes)
t_full=$(BENCH_OUT=/dev/full bench_time_us "$CALTRACE" -n "$NS" --color never routes)
"$CALTRACE" -n "$NS" -j routes >/dev/full 2>"$TMP/err"
rc=$?
echo "writes: $(ip -n "$NS" route show | wc -l) routes, standard output checked (median of $RUNS)"
awk -v ipn="$ip_null" -v jn="$j_null" -v tn="$t_null" -v ipf="$ip_full" -v jf="$j_full" \
	-v tf="$t_full" 'BEGIN {
	printf "  >/dev/null  ip -j route show      %8.1f ms\n", ipn / 1000
	printf "  >/dev/null  caltrace -j routes    %8.1f ms  %.2fx ip\n", jn / 1000, jn / ipn
	printf "  >/dev/null  caltrace routes       %8.1f ms  %.2fx ip\n", tn / 1000, tn / ipn
	printf "  >/dev/full  ip -j route show      %8.1f ms\n", ipf / 1000
	printf "  >/dev/full  caltrace -j routes    %8.1f ms  %.2fx ip, %.2fx itself into /dev/null\n",
		jf / 1000, jf / ipf, jf / jn
	printf "  >/dev/full  caltrace routes       %8.1f ms  %.2fx ip, %.2fx itself into /dev/null\n",
		tf / 1000, tf / ipf, tf / tn }'
echo "  >/dev/full  caltrace -j routes: exit $rc, '$(cat "$TMP/err")'"
exit 0
