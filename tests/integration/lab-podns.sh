#!/bin/bash
# doctor in a pod's namespace: recognised by its eth0 being the veth peer of a workload interface
# of its node (ip -j link: eth0's link_index is that interface's ifindex in the node), it runs the
# pod checks and no node checks. A healthy pod exits 0 with no findings; each fault, applied in a
# pod namespace by this test (the default routes deleted, eth0's MTU changed, a permanent
# gateway entry with a wrong MAC, eth0 down), gives its code, and running the finding's own fix
# lines restores what `ip -j` showed before the fault. A node still gets node checks.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

mode=vxlan
case " $LAB_MODES " in *" vxlan "*) ;; *) mode=${LAB_MODES%% *} ;; esac
lab_up "$mode" || bail "$mode: lab up"
node=$LAB_N1
pod=$LAB_POD_1_NS

# the oracle: eth0's host side from the kernel (eth0's link_index is an ifindex of the node)
host_side() {
	local idx
	idx=$(ip -n "$1" -j link show eth0 | jq -r '.[0].link_index')
	ip -n "$node" -j link show | jq -r --argjson i "$idx" '.[] | select(.ifindex == $i) | .ifname'
}
routes() { ip -n "$1" -j route show | jq -c 'sort_by(.dst)'; }
routes6() { ip -n "$1" -j -6 route show default | jq -c 'map({dst, gateway, dev})'; }
codes() { json_get "$1" '[.findings[] | "\(.code) \(.subject)"] | sort | join(",")'; }
# runs the fix lines of the finding CODE in $out, as a root shell would
run_fix() {
	local line
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		bash -c "$line" >/dev/null 2>&1 || diag "fix line failed: $line"
	done < <(json_get "$out" ".findings[] | select(.code == \"$1\") | .run[]")
}
doctor() {
	out=$("$CALTRACE" -n "$1" -j doctor)
	rc=$?
}

hs=$(host_side "$pod")
case "$hs" in cali*) ok "$mode: the oracle finds $pod's eth0 peer $hs in $node" ;;
*) bail "$mode: no workload interface of $node is the peer of $pod's eth0 ('$hs')" ;; esac

# ---- healthy
doctor "$pod"
is "$mode: healthy pod: exit 0" "$rc" 0
is "$mode: healthy pod: no findings" "$(codes "$out")" ""
json_eq "$mode: healthy pod: recognised by its eth0's peer" "$out" \
	'.items[] | select(.check == "pod") | .note' "eth0, peer of workload interface $hs"
json_eq "$mode: healthy pod: no node checks" "$out" \
	'.items[] | select(.check == "node") | .status' "skipped"

# ---- from a snapshot of the pod's namespace (it holds the host side too)
snap=$(mktemp)
at_exit "rm -f '$snap'"
"$CALTRACE" -n "$pod" snapshot -o "$snap" >/dev/null 2>&1
doctor_from() {
	out=$("$CALTRACE" --from "$snap" -j doctor)
	rc=$?
}
doctor_from
is "$mode: healthy pod, --from its snapshot: exit 0" "$rc" 0
is "$mode: healthy pod, --from its snapshot: no findings" "$(codes "$out")" ""
json_eq "$mode: healthy pod, --from its snapshot: no node checks" "$out" \
	'.items[] | select(.check == "node") | .status' "skipped"

# ---- the node still gets node checks
doctor "$node"
is "$mode: healthy node: exit 0" "$rc" 0
json_eq "$mode: healthy node: node checks run" "$out" '.items[] | select(.check == "node") | .status' "ok"
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=0
doctor "$node"
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
is "$mode: node, ip_forward=0: exit 1" "$rc" 1
json_ok "$mode: node, ip_forward=0: ip_forward_off" "$out" \
	'any(.findings[]; .code == "ip_forward_off" and .subject == "net.ipv4.ip_forward")'

# ---- no IPv4 default route: still a pod, pod_no_default_route
before=$(routes "$pod")
ip -n "$pod" route del default
is "$mode: oracle: the pod has no IPv4 default route" "$(ip -n "$pod" -j route show default)" "[]"
doctor "$pod"
is "$mode: no default: exit 1" "$rc" 1
is "$mode: no default: only pod_no_default_route" "$(codes "$out")" "pod_no_default_route 0.0.0.0/0"
json_eq "$mode: no default: cause" "$out" '.findings[0].evidence' \
	"no 'default via 169.254.1.1 dev eth0' in the main table; no IPv4 default route"
json_eq "$mode: no default: fix lines" "$out" '.findings[0].run | join(";")' \
	"ip netns exec $pod ip route replace 169.254.1.1 dev eth0 scope link;ip netns exec $pod ip route replace default via 169.254.1.1 dev eth0"
out=$("$CALTRACE" -n "$pod" -j neigh)
rc=$?
is "$mode: no default: neigh exits 1" "$rc" 1
json_ok "$mode: no default: neigh says pod_no_default_route" "$out" \
	'any(.findings[]; .code == "pod_no_default_route" and .subject == "0.0.0.0/0")'
json_eq "$mode: no default: neigh keeps the pod gateway row on eth0" "$out" \
	'.gateway[] | select(.dst == "169.254.1.1") | .dev' "eth0"
"$CALTRACE" -n "$pod" snapshot -o "$snap" >/dev/null 2>&1
doctor_from
is "$mode: no default, --from its snapshot: pod_no_default_route" "$(codes "$out")" \
	"pod_no_default_route 0.0.0.0/0"
run_fix pod_no_default_route
is "$mode: no default: the fix restores the routes" "$(routes "$pod")" "$before"

# ---- the link route gone, the default kept
ip -n "$pod" route del 169.254.1.1 dev eth0
doctor "$pod"
is "$mode: no 169.254.1.1 link route: pod_no_default_route" "$(codes "$out")" "pod_no_default_route 0.0.0.0/0"
run_fix pod_no_default_route
is "$mode: no 169.254.1.1 link route: the fix restores the routes" "$(routes "$pod")" "$before"

# ---- onlink is accepted
ip -n "$pod" route del 169.254.1.1 dev eth0
ip -n "$pod" route replace default via 169.254.1.1 dev eth0 onlink
doctor "$pod"
is "$mode: default onlink, no link route: no findings" "$(codes "$out")" ""
ip -n "$pod" route replace 169.254.1.1 dev eth0 scope link
ip -n "$pod" route replace default via 169.254.1.1 dev eth0

# ---- no IPv6 default route
before6=$(routes6 "$pod")
ip -n "$pod" -6 route del default
doctor "$pod"
is "$mode: no IPv6 default: pod_no_default_route ::/0" "$(codes "$out")" "pod_no_default_route ::/0"
run_fix pod_no_default_route
is "$mode: no IPv6 default: the fix restores it" "$(routes6 "$pod")" "$before6"

# ---- eth0's MTU
hmtu=$(ip -n "$node" -j link show "$hs" | jq -r '.[0].mtu')
ip -n "$pod" link set eth0 mtu $((hmtu - 50))
pmtu=$(ip -n "$pod" -j link show eth0 | jq -r '.[0].mtu')
doctor "$pod"
is "$mode: mtu: exit 1" "$rc" 1
is "$mode: mtu: only pod_mtu_mismatch" "$(codes "$out")" "pod_mtu_mismatch eth0"
json_eq "$mode: mtu: cause, as ip -j link says" "$out" '.findings[0].evidence' \
	"eth0 mtu $pmtu; host side $hs mtu $hmtu"
run_fix pod_mtu_mismatch
is "$mode: mtu: the fix sets the host side's" "$(ip -n "$pod" -j link show eth0 | jq -r '.[0].mtu')" "$hmtu"

# ---- the gateway pinned to a wrong MAC
ip -n "$pod" neigh replace 169.254.1.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent
doctor "$pod"
is "$mode: gateway wrong MAC: only pod_gateway_wrong_mac" "$(codes "$out")" "pod_gateway_wrong_mac 169.254.1.1"
json_eq "$mode: gateway wrong MAC: cause" "$out" '.findings[0].evidence' \
	"169.254.1.1 dev eth0 lladdr 02:00:00:00:00:01 PERMANENT"
run_fix pod_gateway_wrong_mac
is "$mode: gateway wrong MAC: the fix removes the entry" \
	"$(ip -n "$pod" -j neigh show 169.254.1.1 dev eth0 nud permanent)" "[]"

# ---- eth0 down: one finding, not its consequences
before=$(routes "$pod")
ip -n "$pod" link set eth0 down
doctor "$pod"
is "$mode: eth0 down: exit 1" "$rc" 1
is "$mode: eth0 down: only pod_eth0_down" "$(codes "$out")" "pod_eth0_down eth0"
run_fix pod_eth0_down
json_ok "$mode: eth0 down: the fix brings it up" "$(ip -n "$pod" -j link show eth0)" \
	'.[0].flags | index("UP")'
is "$mode: eth0 down: the fix restores the IPv4 routes" \
	"$(routes "$pod" | jq -c 'map(select(.dst | contains(":") | not))')" \
	"$(jq -c 'map(select(.dst | contains(":") | not))' <<<"$before")"

done_testing
