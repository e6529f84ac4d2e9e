#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Policy benchmark: the POLICY column of `links` with $POLICY_PODS workloads (default 1000).
# Builds one namespace with that many cali veths and Felix-like chains for each
# (tests/lab/felix-policy.sh, through iptables-nft and then iptables-legacy) and times, median of
# $POLICY_RUNS runs, in the same run:
#   links -j                 (with POLICY: runs both iptables-*-save -c, parses, follows)
#   links -j without POLICY  (the same with CAP_NET_ADMIN dropped: POLICY is '?')
#   iptables-<backend>-save -c, the reference
# and prints the POLICY column's own cost (the difference) as a ratio to the reference.
# Needs root. Prints figures; exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init policy
bench_need_root
bench_need_cmd iptables-nft-save iptables-legacy-save setpriv
RUNS=${POLICY_RUNS:-$RUNS}
N=${POLICY_PODS:-1000}
NS=ctpolbench-$$
bench_netns "$NS"
ifs=()
for ((i = 0; i < N; i++)); do ifs+=("$(printf 'cali%011x' $((0x5eed0000000 + i)))"); done
for ((i = 0; i < N; i++)); do
	echo "link add ${ifs[$i]} type veth peer name p$i"
	echo "link set ${ifs[$i]} up"
	echo "link set p$i up"
done >"$TMP/links.batch"
ip -n "$NS" -batch "$TMP/links.batch" || bench_die "links batch failed"


echo
echo "policy: links' POLICY column, $N workloads in $NS, median of $RUNS runs"
printf '  %-8s %11s %11s %12s %7s %11s\n' backend links_s no_policy_s policy_cost_s ref_s ratio
for b in nft legacy; do
	# only this backend's tables: nft's go before the legacy run (nft runs first, and touching a
	# legacy table would create it)
	ip netns exec "$NS" nft flush ruleset 2>/dev/null
	bash tests/lab/felix-policy.sh up "$NS" "$b" "${ifs[@]}" || bench_die "felix-policy.sh up $b failed"
	# the column must be filled before it is timed
	out=$("$CALTRACE" -n "$NS" -j links)
	got=$(printf '%s' "$out" | jq '[.items[] | select(.policy.backend == "iptables-'"$b"'")] | length')
	[ "$got" = "$N" ] || bench_die "$b: $got of $N workloads have a policy"
	ls=() ns=() rs=()
	for ((r = 0; r < RUNS; r++)); do
		rs+=("$(bench_us ip netns exec "$NS" "iptables-$b-save" -c)")
		ls+=("$(bench_us "$CALTRACE" -n "$NS" -j links)")
		ns+=("$(bench_us ip netns exec "$NS" setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
			"$CALTRACE" -j links)")
	done
	l=$(bench_median "${ls[@]}")
	n=$(bench_median "${ns[@]}")
	r=$(bench_median "${rs[@]}")
	awk -v b="$b" -v l="$l" -v n="$n" -v r="$r" 'BEGIN {
		printf "  %-8s %11.4f %11.4f %12.4f %7.4f %11.2f\n", b, l / 1e6, n / 1e6, (l - n) / 1e6,
			r / 1e6, (l - n) / r }'
done
echo "  (ratio: POLICY's cost / iptables-save -c alone; the cost includes running both saves)"
exit 0
