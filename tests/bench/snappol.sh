#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Snapshots with Felix's rules (snapshot 1.1's "policy" member), $SNAPPOL_PODS workloads
# (default 1000) with Felix-like chains each (tests/lab/felix-policy.sh, iptables-nft), in one
# namespace. Times, median of $RUNS runs, in the same run:
#   caltrace snapshot -o FILE                      (with the rules: every backend, ipset save)
#   the same without CAP_NET_ADMIN                 (no rules read: the cost of the rest)
#   iptables-nft-save -c and ipset save            (the reference for what the rules cost)
#   caltrace --from FILE -j links                  (loads and follows them) against the same
#                                                  snapshot with the member removed
# and the file's size with and without the member against iptables-nft-save -c's text.
# Needs root. Prints figures and ratios; exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init snappol
bench_need_root
bench_need_cmd iptables-nft-save ipset setpriv jq
N=${SNAPPOL_PODS:-1000}
NS=ctsnpbench-$$
bench_netns "$NS"
ifs=()
for ((i = 0; i < N; i++)); do ifs+=("$(printf 'cali%011x' $((0x5eed0000000 + i)))"); done
for ((i = 0; i < N; i++)); do
	echo "link add ${ifs[$i]} type veth peer name p$i"
	echo "link set ${ifs[$i]} up"
	echo "link set p$i up"
done >"$TMP/links.batch"
ip -n "$NS" -batch "$TMP/links.batch" || bench_die "links batch failed"
bash tests/lab/felix-policy.sh up "$NS" nft "${ifs[@]}" || bench_die "felix-policy.sh up failed"
nocap=(ip netns exec "$NS" setpriv --inh-caps=-net_admin --bounding-set=-net_admin)

"$CALTRACE" -n "$NS" snapshot -o "$TMP/with.json" 2>/dev/null || bench_die "snapshot failed"
"${nocap[@]}" "$CALTRACE" snapshot -o "$TMP/without.json" 2>/dev/null ||
	bench_die "snapshot without CAP_NET_ADMIN failed"
jq -c 'del(.policy)' "$TMP/with.json" >"$TMP/old.json" || bench_die "jq failed"
rules=$(jq '[.policy.backends[].chains[].rules[]] | length' "$TMP/with.json")
got=$("$CALTRACE" --from "$TMP/with.json" -j links | jq '[.items[] | select(.policy.backend == "iptables-nft")] | length')
[ "$got" = "$N" ] || bench_die "links --from: $got of $N workloads have a policy"
ip netns exec "$NS" iptables-nft-save -c >"$TMP/save.txt"

w=$(bench_time_us "$CALTRACE" -n "$NS" snapshot -o "$TMP/t.json")
n=$(bench_time_us "${nocap[@]}" "$CALTRACE" snapshot -o "$TMP/t.json")
r=$(bench_time_us bash -c "ip netns exec $NS iptables-nft-save -c >/dev/null; ip netns exec $NS ipset save >/dev/null")
lw=$(bench_time_us "$CALTRACE" --from "$TMP/with.json" -j links)
lo=$(bench_time_us "$CALTRACE" --from "$TMP/old.json" -j links)
sw=$(stat -c %s "$TMP/with.json")
so=$(stat -c %s "$TMP/old.json")
st=$(stat -c %s "$TMP/save.txt")

echo "snappol: snapshots with Felix's rules, $N workloads ($rules rules) in $NS, median of $RUNS runs"
awk -v w="$w" -v n="$n" -v r="$r" -v lw="$lw" -v lo="$lo" -v sw="$sw" -v so="$so" -v st="$st" 'BEGIN {
	printf "  snapshot with the rules            %8.1f ms  %.2fx without\n", w / 1000, w / n
	printf "  snapshot without (no NET_ADMIN)    %8.1f ms\n", n / 1000
	printf "  the rules cost                     %8.1f ms  %.2fx iptables-nft-save -c + ipset save (%.1f ms)\n",
		(w - n) / 1000, (w - n) / r, r / 1000
	printf "  links --from, with the rules       %8.1f ms  %.2fx without the member (%.1f ms)\n",
		lw / 1000, lw / lo, lo / 1000
	printf "  size with the rules                %8.2f MB  %.2fx without (%.2f MB), %.2fx iptables-nft-save -c (%.2f MB)\n",
		sw / 1e6, sw / so, so / 1e6, (sw - so) / st, st / 1e6
	print "  (the last ratio: the policy member alone against iptables-nft-save -c text)" }'
exit 0
