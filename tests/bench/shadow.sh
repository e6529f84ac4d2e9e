#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Shadow benchmark: the cost of workload_route_shadowed's lookups (probes/wlroute.c) with
# $SHADOW_PODS workloads (default 1000). One namespace with that many cali veths, each with its
# /32, the node's blackhole block and a BGP-style route to another node's block via an underlay
# veth, so each workload gets two RTM_GETROUTE: from the node and from the underlay. Times,
# median of $SHADOW_RUNS runs, in the same run:
#   routes -j                   (the whole command: dumps, the 2N lookups, analysis, JSON)
#   ip -batch, the 2N `route get` lines (one ip process: the lookups alone, the reference)
#   a shell loop of `ip route get` processes (once, over the first $SHADOW_LOOP lookups,
#   default 400, scaled to 2N: what a person would type)
# and prints routes' time as a ratio to each. Needs root. Exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init shadow
bench_need_root
RUNS=${SHADOW_RUNS:-$RUNS}
N=${SHADOW_PODS:-1000}
NS=ctshadowbench-$$
[ "$N" -le 16000 ] || bench_die "SHADOW_PODS at most 16000 (10.64.0.0/18 is n1's block)"

bench_netns "$NS"
{
	echo "link add eth0 type veth peer name sw0"
	echo "link set eth0 up"
	echo "link set sw0 up"
	echo "address add 192.168.31.201/24 dev eth0"
	echo "route add default via 192.168.31.1 dev eth0"
	echo "route add blackhole 10.64.0.0/18 proto bird"
	echo "route add 10.65.0.0/18 via 192.168.31.202 dev eth0 proto bird"
	for ((i = 0; i < N; i++)); do
		ifn=$(printf 'cali%011x' $((0x5eed0000000 + i)))
		echo "link add $ifn type veth peer name p$i"
		echo "link set $ifn up"
		echo "link set p$i up"
		echo "route add 10.64.$((i / 250)).$((i % 250 + 1))/32 dev $ifn scope link"
	done
} >"$TMP/setup.batch"
ip netns exec "$NS" sysctl -qw net.ipv4.conf.default.forwarding=1 net.ipv4.ip_forward=1 \
	net.ipv4.conf.all.forwarding=1 || bench_die "sysctl failed"
ip -n "$NS" -batch "$TMP/setup.batch" || bench_die "setup batch failed"
for ((i = 0; i < N; i++)); do
	a="10.64.$((i / 250)).$((i % 250 + 1))"
	echo "route get $a"
	echo "route get $a from 10.65.0.1 iif eth0"
done >"$TMP/get.batch"

now_us() { echo "${EPOCHREALTIME/./}"; }

# the check must run, and find nothing, before it is timed
out=$("$CALTRACE" -n "$NS" -j routes)
rc=$?
[ "$rc" = 0 ] || bench_die "routes exited $rc on the healthy bench namespace: $(printf '%s' "$out" | jq -c '.findings[0]')"
got=$(ip -n "$NS" -batch "$TMP/get.batch" 2>&1 | grep -c ' dev cali')
[ "$got" = $((2 * N)) ] || bench_die "ip -batch: $got of $((2 * N)) answers through a cali interface"

cs=() bs=()
for ((r = 0; r < RUNS; r++)); do
	cs+=("$(bench_us "$CALTRACE" -n "$NS" -j routes)")
	bs+=("$(bench_us ip -n "$NS" -batch "$TMP/get.batch")")
done
c=$(bench_median "${cs[@]}")
b=$(bench_median "${bs[@]}")
# the loop over the first $LOOP lookups (a process each), scaled to 2N
LOOP=${SHADOW_LOOP:-400}
[ "$LOOP" -le $((2 * N)) ] || LOOP=$((2 * N))
t0=$(now_us)
head -n "$LOOP" "$TMP/get.batch" | while read -r _ _ a rest; do
	# shellcheck disable=SC2086 # rest is "from SRC iif DEV" or empty
	ip -n "$NS" route get "$a" $rest >/dev/null
done
l=$((($(now_us) - t0) * 2 * N / LOOP))

echo
echo "shadow: workload_route_shadowed, $N workloads x 2 lookups in $NS, median of $RUNS runs"
printf '  %-10s %11s %11s %11s %13s %13s\n' workloads routes_s ip_batch_s ip_loop_s vs_ip_batch vs_ip_loop
awk -v n="$N" -v c="$c" -v b="$b" -v l="$l" 'BEGIN {
	printf "  %-10d %11.4f %11.4f %11.4f %13.2f %13.3f\n", n, c / 1e6, b / 1e6, l / 1e6, c / b, c / l }'
exit 0
