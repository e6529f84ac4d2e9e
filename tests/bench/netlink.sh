#!/bin/bash
# netlink section of `make bench`: `links -j` on a namespace of $N_PODS Calico-style cali
# veths (Calico's sysctls on each) against `ip -j -d link show` in the same run, median of
# $RUNS interleaved runs. Goal (issue 7): ratio <= 2. Also counts caltrace's syscalls that
# open a file under /proc/sys (there should be none per interface).
# Usage: bash tests/bench/netlink.sh  (root; CALTRACE, BENCH_RUNS, BENCH_PODS)
set -u -o pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
RUNS=${BENCH_RUNS:-5}
N_PODS=${BENCH_PODS:-1000}
NS="ctbenchnl-$$"
TMP=$(mktemp -d /tmp/ct-bench-nl.XXXXXX) || exit 3
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
die() {
	echo "bench netlink: $*" >&2
	exit 3
}
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$CALTRACE" ] || die "no $CALTRACE"
now() { _t=${EPOCHREALTIME//[!0-9]/}; }

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
ip netns add "$NS" || die "ip netns add $NS"
ip netns exec "$NS" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' || die "disable IPv6"
ip -n "$NS" -batch "$TMP/links.batch" || die "links batch"
# shellcheck disable=SC2016 # expanded by the inner sh
ip netns exec "$NS" sh -c '
	echo 1 >/proc/sys/net/ipv4/ip_forward || exit 1
	for d in /proc/sys/net/ipv4/conf/cali*; do
		echo 1 >"$d/proxy_arp" && echo 1 >"$d/forwarding" && echo 1 >"$d/rp_filter" || exit 1
	done
	for d in /proc/sys/net/ipv4/neigh/cali*; do echo 0 >"$d/proxy_delay" || exit 1; done' ||
	die "sysctls"

run_us() {
	local t0
	now
	t0=$_t
	"$@" >/dev/null 2>&1
	_rc=$?
	now
	_us=$((_t - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

ref=(ip -n "$NS" -j -d link show)
ct=("$CALTRACE" -n "$NS" links -j)
"${ref[@]}" >/dev/null 2>&1
"${ct[@]}" >/dev/null 2>&1
refl=() ctl=() bad=""
for ((r = 0; r < RUNS; r++)); do
	run_us "${ref[@]}"
	refl+=("$_us")
	run_us "${ct[@]}"
	ctl+=("$_us")
	[ "$_rc" -ge 2 ] && bad="caltrace exited $_rc"
done
refus=$(median "${refl[@]}")
ctus=$(median "${ctl[@]}")
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
	run_us ip -4 -n "$NS" ntable show
	ntl+=("$_us")
done
awk -v t="$(median "${ntl[@]}")" 'BEGIN { printf "  ip -4 ntable show (the IPv4 table and its per-device parameters): %.4f s\n", t / 1e6 }'
exit 0
