#!/bin/bash
# Bench: `caltrace path --probe` of one ICMP echo on the 3-node lab (pod 1 on n1 to pod 5 on
# n3, all nodes live), against the reference measured in the same run: `ping -c 1` from the
# same pod, which only says whether the answer came back (no hops, no counters, no capture).
# Since the reverse probe, one run sends the echo both ways (pod 1 -> pod 5, then pod 5 ->
# pod 1 from pod 5's namespace): a second ratio is against one ping each way.
# Goal: an answer within 2 s. Its own lab, prefix ctbq<pid>- (BENCH_PROBE_MODE, default
# vxlan); BENCH_RUNS runs each (default 5), the median printed. Exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init probe
bench_need_root
bench_need_cmd ping
MODE=${BENCH_PROBE_MODE:-vxlan}
P=ctbq$$-
LAB=$PWD/tests/lab/lab.sh
bench_at_exit 'LAB_QUIET=1 "$LAB" down "$P" >/dev/null 2>&1'
LAB_QUIET=1 "$LAB" up "$MODE" "$P" >/dev/null 2>&1 || bench_die "lab up failed"
eval "$("$LAB" env "$P")"

probe() {
	"$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe "$LAB_POD_1_IP" "$LAB_POD_5_IP"
}
pingit() { ip netns exec "$LAB_POD_1_NS" ping -n -q -c 1 -W 2 "$LAB_POD_5_IP"; }
pingboth() {
	ip netns exec "$LAB_POD_1_NS" ping -n -q -c 1 -W 2 "$LAB_POD_5_IP" &&
		ip netns exec "$LAB_POD_5_NS" ping -n -q -c 1 -W 2 "$LAB_POD_1_IP"
}

bench_run probe
[ "$BENCH_RC" = 0 ] || bench_die "caltrace path --probe exit $BENCH_RC on the healthy lab"
p=$(bench_time_us probe)
r=$(bench_time_us pingit)
r2=$(bench_time_us pingboth)
echo "path --probe ($MODE lab, 3 nodes, one ICMP echo each way, $RUNS runs, median wall):"
printf '  caltrace path --probe:        %10.3f ms  (goal: an answer within 2000 ms)\n' \
	"$(awk -v u="$p" 'BEGIN { print u / 1000 }')"
printf '  ping -c 1 from the same pod:  %10.3f ms\n' "$(awk -v u="$r" 'BEGIN { print u / 1000 }')"
printf '  ping -c 1 each way:           %10.3f ms\n' "$(awk -v u="$r2" 'BEGIN { print u / 1000 }')"
echo "  ratio probe/ping: $(bench_ratio "$p" "$r")"
echo "  ratio probe/ping each way (the reverse probe included): $(bench_ratio "$p" "$r2")"
echo "  goal: $(awk -v u="$p" 'BEGIN { print (u <= 2000000 ? "met" : "NOT met") }')"
exit 0
