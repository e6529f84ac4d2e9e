#!/bin/bash
# Bench: `caltrace path` across nodes over IPv6 in a bgp lab, where the route-source hops ask
# each node's bird6 (BIRD 1.x's IPv6 daemon), against the same path over IPv4 (bird only) and
# the reference measured in the same run: what the route-source hops answer, asked by hand
# with birdc6 on the two nodes of the path (`show route for DST all` and `show protocols`,
# 4 runs of birdc6). Its own lab, prefix ctb6b<pid>-; BENCH_RUNS runs each (default 20), the
# median printed. Exits 0, or 3 when setup fails.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CALTRACE=${CALTRACE:-$TOP/caltrace}
RUNS=${BENCH_RUNS:-20}
P=ctb6b$$-
LAB=$TOP/tests/lab/lab.sh
cleanup() { LAB_QUIET=1 "$LAB" down "$P" >/dev/null 2>&1; }
trap cleanup EXIT INT TERM
command -v birdc6 >/dev/null || { echo "bird6 bench: no birdc6"; exit 3; }
LAB_QUIET=1 "$LAB" up bgp "$P" >/dev/null 2>&1 || { echo "bird6 bench: lab up failed"; exit 3; }
eval "$("$LAB" env "$P")"
[ -n "${LAB_POD_1_IP6:-}" ] || { echo "bird6 bench: the lab has no IPv6"; exit 3; }

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
path6() { "$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$LAB_POD_1_IP6" "$LAB_POD_3_IP6"; }
path4() { "$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$LAB_POD_1_IP" "$LAB_POD_3_IP"; }
byhand() {
	birdc6 -s "$LAB_DIR/bird6-n1.ctl" show route for "$LAB_POD_3_IP6" all &&
		birdc6 -s "$LAB_DIR/bird6-n1.ctl" show protocols &&
		birdc6 -s "$LAB_DIR/bird6-n2.ctl" show route for "$LAB_POD_1_IP6" all &&
		birdc6 -s "$LAB_DIR/bird6-n2.ctl" show protocols
}
path6 >/dev/null 2>&1
rc=$?
[ "$rc" = 0 ] || { echo "bird6 bench: caltrace path (IPv6) exit $rc on the healthy lab"; exit 3; }
a=$(median_ms path6)
b=$(median_ms path4)
h=$(median_ms byhand)
echo "path over IPv6 with bird6 (bgp lab, 3 nodes, $RUNS runs, median wall):"
printf '  caltrace path, IPv6 (bird6 asked):     %8s ms\n' "$a"
printf '  caltrace path, IPv4 (bird asked):      %8s ms\n' "$b"
printf '  birdc6 by hand, 2 nodes (4 runs):      %8s ms\n' "$h"
awk -v a="$a" -v b="$b" -v h="$h" 'BEGIN {
	if (b > 0) printf "  ratio IPv6 path / IPv4 path:    %.2f\n", a / b
	if (h > 0) printf "  ratio IPv6 path / birdc6 by hand: %.2f\n", a / h
}'
exit 0
