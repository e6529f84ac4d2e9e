#!/bin/bash
# Bench: `caltrace path` (static, no probe) on the 3-node lab, all three nodes live (and with
# one node from a snapshot), against the reference measured in the same run: the kernel's walk
# done by hand, `ip route get DST from SRC iif DEV` on the source node then on the next node,
# forward and back (4 ip(8) runs), which answers far less (no pods, policy, neighbours, MTU).
# Goal: path <= 50 ms wall. Its own lab, prefix ctbp<pid>- (BENCH_PATH_MODE, default vxlan);
# BENCH_RUNS runs each (default 20), the median printed. Exits 0, or 3 when setup fails.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CALTRACE=${CALTRACE:-$TOP/caltrace}
RUNS=${BENCH_RUNS:-20}
MODE=${BENCH_PATH_MODE:-vxlan}
P=ctbp$$-
LAB=$TOP/tests/lab/lab.sh
TMPD=$(mktemp -d /tmp/ct-bench-path.XXXXXX) || exit 3
cleanup() {
	LAB_QUIET=1 "$LAB" down "$P" >/dev/null 2>&1
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM
LAB_QUIET=1 "$LAB" up "$MODE" "$P" >/dev/null 2>&1 || { echo "path bench: lab up failed"; exit 3; }
eval "$("$LAB" env "$P")"
"$CALTRACE" -n "$LAB_N3" snapshot -o "$TMPD/n3.json" >/dev/null 2>&1 || { echo "path bench: snapshot failed"; exit 3; }
case "$MODE" in vxlan) IIF=vxlan.calico ;; ipip) IIF=tunl0 ;; *) IIF=eth0 ;; esac

# median_ms CMD...: the median wall time of RUNS runs, in ms (3 decimals)
median_ms() {
	local i t0 t1
	for ((i = 0; i < RUNS; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] / 1000 }'
}
live() {
	"$CALTRACE" -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=$LAB_N2" --node "n3=$LAB_N3" \
		path "$LAB_POD_1_IP" "$LAB_POD_5_IP"
}
snap() {
	"$CALTRACE" -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=$LAB_N2" --node "n3=@$TMPD/n3.json" \
		path "$LAB_POD_1_IP" "$LAB_POD_5_IP"
}
byhand() {
	ip -n "$LAB_N1" route get "$LAB_POD_5_IP" from "$LAB_POD_1_IP" iif "$LAB_POD_1_VETH" &&
		ip -n "$LAB_N3" route get "$LAB_POD_5_IP" from "$LAB_POD_1_IP" iif "$IIF" &&
		ip -n "$LAB_N3" route get "$LAB_POD_1_IP" from "$LAB_POD_5_IP" iif "$LAB_POD_5_VETH" &&
		ip -n "$LAB_N1" route get "$LAB_POD_1_IP" from "$LAB_POD_5_IP" iif "$IIF"
}
live >/dev/null 2>&1
rc=$?
[ "$rc" = 0 ] || { echo "path bench: caltrace path exit $rc on the healthy lab"; exit 3; }
l=$(median_ms live)
s=$(median_ms snap)
h=$(median_ms byhand)
echo "path (static, $MODE lab, 3 nodes, $RUNS runs, median wall):"
printf '  caltrace path, 3 live nodes:         %8s ms  (goal <= 50 ms)\n' "$l"
printf '  caltrace path, 2 live + 1 snapshot:  %8s ms\n' "$s"
printf '  ip route get walked by hand (4 runs): %7s ms\n' "$h"
awk -v l="$l" -v s="$s" -v h="$h" 'BEGIN {
	printf "  ratio path/by hand: %.2f (live), %.2f (with a snapshot)\n", l / h, s / h
	printf "  goal: %s\n", l <= 50 ? "met" : "NOT met"
}'
exit 0
