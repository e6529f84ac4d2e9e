#!/bin/bash
# netlink section of `make bench`: `links -j` on a namespace of $N_PODS Calico-style cali
# veths (Calico's sysctls on each) against `ip -j -d link show` in the same run, median of
# $RUNS interleaved runs. Goal (issue 7): ratio <= 2. Also counts caltrace's syscalls that
# open a file under /proc/sys (there should be none per interface).
# Usage: bash tests/bench/netlink.sh  (root; CALTRACE, BENCH_RUNS, BENCH_PODS)
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init netlink
bench_need_root
N_PODS=${BENCH_PODS:-1000}
NS="ctbenchnl-$$"

awk -v n="$N_PODS" 'BEGIN {
	for (i = 1; i <= n; i++) {
		dev = sprintf("cali%011d", i)
		printf "link add %s address ee:ee:ee:ee:ee:ee up type veth peer name p%d\n", dev, i
		printf "link set p%d up\n", i
		printf "route add 10.65.%d.%d/32 dev %s scope link\n", int(i / 256), i % 256, dev
	}
	print "link set lo up"
	print "link add eth0 type veth peer name eth0p"
	print "link set eth0 up"
	print "address add 192.168.31.201/24 dev eth0"
	print "route add default via 192.168.31.1 dev eth0"
}' >"$TMP/links.batch"
bench_netns "$NS"
ip netns exec "$NS" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' || bench_die "disable IPv6"
ip -n "$NS" -batch "$TMP/links.batch" || bench_die "links batch"
# shellcheck disable=SC2016 # expanded by the inner sh
ip netns exec "$NS" sh -c '
	echo 1 >/proc/sys/net/ipv4/ip_forward || exit 1
	for d in /proc/sys/net/ipv4/conf/cali*; do
		echo 1 >"$d/proxy_arp" && echo 1 >"$d/forwarding" && echo 1 >"$d/rp_filter" || exit 1
	done
	for d in /proc/sys/net/ipv4/neigh/cali*; do echo 0 >"$d/proxy_delay" || exit 1; done' ||
	bench_die "sysctls"


ref=(ip -n "$NS" -j -d link show)
ct=("$CALTRACE" -n "$NS" links -j)
"${ref[@]}" >/dev/null 2>&1
"${ct[@]}" >/dev/null 2>&1
refl=() ctl=() bad=""
for ((r = 0; r < RUNS; r++)); do
	bench_run "${ref[@]}"
	refl+=("$BENCH_US")
	bench_run "${ct[@]}"
	ctl+=("$BENCH_US")
	[ "$BENCH_RC" -ge 2 ] && bad="caltrace exited $BENCH_RC"
done
refus=$(bench_median "${refl[@]}")
ctus=$(bench_median "${ctl[@]}")
echo
echo "netlink section ($N_PODS cali veths, $RUNS runs, median):"
printf '%-14s %10s %10s %8s %6s  %s\n' "command" "caltrace_s" "ip_s" "ratio" "goal" "result"
awk -v c="$ctus" -v r="$refus" -v bad="$bad" 'BEGIN {
	ratio = (r > 0) ? c / r : 0
	printf "%-14s %10.4f %10.4f %8.2f %6s  %s\n", "links -j", c / 1e6, r / 1e6, ratio, "<=2",
		bad != "" ? "ERROR" : (ratio <= 2 ? "met" : "MISSED") }'
[ -n "$bad" ] && echo "  note: $bad"
if command -v strace >/dev/null 2>&1; then
	strace -f -qq -o "$TMP/strace" "${ct[@]}" >/dev/null 2>&1
	echo "  links -j: $(grep -c . "$TMP/strace") syscalls, $(grep -c 'openat(.*/proc/sys' "$TMP/strace") files opened under /proc/sys"
	strace -f -qq -o "$TMP/strace" "${ref[@]}" >/dev/null 2>&1
	echo "  ip -j -d link show: $(grep -c . "$TMP/strace") syscalls"
fi
# what reading the per-device neighbour parameters costs: the whole IPv4 table dump
ntl=()
for ((r = 0; r < RUNS; r++)); do
	bench_run ip -4 -n "$NS" ntable show
	ntl+=("$BENCH_US")
done
awk -v t="$(bench_median "${ntl[@]}")" 'BEGIN { printf "  ip -4 ntable show (the IPv4 table and its per-device parameters): %.4f s\n", t / 1e6 }'
exit 0
