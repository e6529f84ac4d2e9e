#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Encapsulation firewall checks (encap_blocked, encap_peer_not_allowed) in `tunnel`, with
# $ENCAP_PODS workloads' Felix-like chains (default 1000) and Felix's VXLAN allow set and rules
# (tests/lab/felix-policy.sh with FELIX_ENCAP=vxlan) in one namespace that has a vxlan.calico,
# through iptables-nft and then iptables-legacy. Times, median of $ENCAP_RUNS runs, in the same
# run:
#   tunnel -j                   (reads every iptables/ip6tables backend, nftables and ipset save)
#   tunnel -j without the rules (CAP_NET_ADMIN dropped: only the encap note)
#   iptables-<backend>-save -c, the reference
# and prints the checks' own cost (the difference) as a ratio to the reference.
# Needs root. Prints figures; exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init encap
N=${ENCAP_PODS:-1000}
RUNS=${ENCAP_RUNS:-$RUNS}
NS=ctencbench-$$
bench_need_root
bench_need_cmd iptables-nft-save iptables-legacy-save ipset setpriv jq
bench_netns "$NS"
ifs=()
for ((i = 0; i < N; i++)); do ifs+=("$(printf 'cali%011x' $((0x5eed0000000 + i)))"); done
{
	echo "link add eth0 type veth peer name up0"
	echo "link set eth0 up"
	echo "address add 192.168.31.202/24 dev eth0"
	echo "link add vxlan.calico type vxlan id 4096 dstport 4789 local 192.168.31.202 dev eth0 nolearning"
	echo "link set vxlan.calico up"
	for ((i = 0; i < N; i++)); do
		echo "link add ${ifs[$i]} type veth peer name p$i"
		echo "link set ${ifs[$i]} up"
		echo "link set p$i up"
	done
} >"$TMP/links.batch"
ip -n "$NS" -batch "$TMP/links.batch" || bench_die "links batch failed"
# a remote VTEP missing from the allow set: the check has something to find
ip -n "$NS" neigh add 172.168.135.128 lladdr 66:ca:1c:87:80:01 dev vxlan.calico nud permanent ||
	bench_die "neigh add failed"
ip -n "$NS" link set vxlan.calico type vxlan id 4096 2>/dev/null
bridge -n "$NS" fdb append 66:ca:1c:87:80:01 dev vxlan.calico dst 192.168.31.201 self permanent ||
	bench_die "fdb append failed"

echo
echo "encap: tunnel's firewall checks, $N workloads' chains in $NS, median of $RUNS runs"
printf '  %-8s %11s %11s %12s %7s %11s\n' backend tunnel_s no_rules_s encap_cost_s ref_s ratio
for b in nft legacy; do
	ip netns exec "$NS" nft flush ruleset 2>/dev/null
	FELIX_ENCAP=vxlan FELIX_HOSTS="192.168.31.202 192.168.31.203" \
		bash tests/lab/felix-policy.sh up "$NS" "$b" "${ifs[@]}" || bench_die "felix-policy.sh up $b failed"
	# the check must run (and find the VTEP missing from the set) before it is timed
	out=$("$CALTRACE" -n "$NS" -j tunnel)
	got=$(printf '%s' "$out" | jq '[.findings[] | select(.code == "encap_peer_not_allowed")] | length')
	[ "$got" = 1 ] || bench_bench_die "$b: $got encap_peer_not_allowed findings, not 1"
	ts=() ns=() rs=()
	for ((r = 0; r < RUNS; r++)); do
		rs+=("$(bench_us ip netns exec "$NS" "iptables-$b-save" -c)")
		ts+=("$(bench_us "$CALTRACE" -n "$NS" -j tunnel)")
		ns+=("$(bench_us ip netns exec "$NS" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
			"$CALTRACE" -j tunnel)")
	done
	t=$(bench_median "${ts[@]}")
	n=$(bench_median "${ns[@]}")
	r=$(bench_median "${rs[@]}")
	awk -v b="$b" -v t="$t" -v n="$n" -v r="$r" 'BEGIN {
		printf "  %-8s %11.4f %11.4f %12.4f %7.4f %11.2f\n", b, t / 1e6, n / 1e6, (t - n) / 1e6,
			r / 1e6, (t - n) / r }'
done
echo "  (ratio: the checks' cost / iptables-save -c alone; the cost includes running four"
echo "   ip(6)tables saves, libnftables and ipset save)"
exit 0
