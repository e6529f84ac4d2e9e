#!/bin/bash
# Issue 9's faults that gave no finding: workload_mtu_too_large (a pod veth's MTU raised on both
# ends in VXLAN mode; the limit from `ip -j -d link`: min(vxlan.calico's MTU, the underlay's less
# 50)), tunnel_gateway_not_a_node (Felix's route to a remote block via an address no VTEP or FDB
# entry names) and neigh_pinned (a BGP peer's underlay entry pinned PERMANENT to a wrong MAC).
# The healthy labs give none of them.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

CODES='["workload_mtu_too_large","tunnel_gateway_not_a_node","neigh_pinned"]'
# "code subject" of this test's codes in a caltrace document
mine() { json_get "$1" "[.findings[] | select(.code as \$c | $CODES | index(\$c)) | \"\(.code) \(.subject)\"] | sort | join(\",\")"; }
finding() { json_get "$1" ".findings[] | select(.code == \"$2\") | .$3"; }

# ---- VXLAN: MTU and gateway
if lab_up vxlan; then
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		out=$("$CALTRACE" -n "$node" -j doctor)
		rc=$?
		is "vxlan: n$k doctor: healthy, none of the new findings" "$(mine "$out")" ""
		exit_agrees "vxlan: n$k doctor: exit as the findings say" "$rc" "$out"
	done
	node=$LAB_N1
	veth=$LAB_POD_1_VETH
	ip -n "$node" link set dev "$veth" mtu 1500
	ip -n "$LAB_POD_1_NS" link set dev eth0 mtu 1500
	# the oracle: what the kernel says of the tunnel and its underlay
	tmtu=$(ip -n "$node" -j link show dev vxlan.calico | jq -r '.[0].mtu')
	parent=$(ip -n "$node" -j -d link show dev vxlan.calico | jq -r '.[0].linkinfo.info_data.link // empty')
	[ -n "$parent" ] || parent=eth0
	umtu=$(ip -n "$node" -j link show dev "$parent" | jq -r '.[0].mtu')
	lim=$((umtu - 50 < tmtu ? umtu - 50 : tmtu))
	diag "vxlan.calico mtu $tmtu, underlay $parent mtu $umtu: largest packet $lim"
	out=$("$CALTRACE" -n "$node" -j links)
	rc=$?
	is "vxlan: links: veth at 1500 gives workload_mtu_too_large, exit 1" \
		"$rc $(mine "$out")" "1 workload_mtu_too_large $veth"
	is "vxlan: links: the message has the largest packet and the ping payload" \
		"$(finding "$out" workload_mtu_too_large message)" \
		"$veth's MTU 1500 is larger than vxlan.calico allows: the largest IP packet that passes is $lim bytes (ping -M do -s $((lim - 28))); larger ones are dropped unless path MTU discovery works"
	is "vxlan: links: evidence from the kernel's MTUs" "$(finding "$out" workload_mtu_too_large evidence)" \
		"$veth mtu 1500; vxlan.calico mtu $tmtu, underlay mtu $umtu less 50 bytes of vxlan overhead: $((umtu - 50))"
	is "vxlan: links: the fix sets the MTU" "$(finding "$out" workload_mtu_too_large 'run[0]')" \
		"ip netns exec $node ip link set dev $veth mtu $lim"
	is "vxlan: links: severity warn" "$(finding "$out" workload_mtu_too_large severity)" warn
	out=$("$CALTRACE" -n "$node" -j doctor)
	is "vxlan: doctor: the same finding" "$(mine "$out")" "workload_mtu_too_large $veth"
	ip -n "$node" link set dev "$veth" mtu "$lim"
	ip -n "$LAB_POD_1_NS" link set dev eth0 mtu "$lim"
	out=$("$CALTRACE" -n "$node" -j links)
	is "vxlan: links: MTU back to $lim, no finding" "$(mine "$out")" ""

	# a remote block's route via an address that is no node
	blk=$LAB_N2_BLOCK
	orig=$(ip -n "$node" -j route show "$blk" | jq -r '.[0].gateway')
	ip -n "$node" route replace "$blk" via 172.168.9.9 dev vxlan.calico onlink proto 80
	out=$("$CALTRACE" -n "$node" -j routes)
	rc=$?
	is "vxlan: routes: unknown gateway gives tunnel_gateway_not_a_node, exit 1" \
		"$rc $(mine "$out")" "1 tunnel_gateway_not_a_node $blk"
	is "vxlan: routes: the message names the route and gateway" \
		"$(finding "$out" tunnel_gateway_not_a_node message)" \
		"the route to pod block $blk goes via 172.168.9.9 on vxlan.calico, which is not a node"
	is "vxlan: routes: the fix deletes that route" "$(finding "$out" tunnel_gateway_not_a_node 'run[1]')" \
		"ip netns exec $node ip route del $blk via 172.168.9.9 dev vxlan.calico"
	out=$("$CALTRACE" -n "$node" -j routes "$blk")
	is "vxlan: routes $blk: the finding is in scope" "$(mine "$out")" "tunnel_gateway_not_a_node $blk"
	ip -n "$node" route replace "$blk" via "$orig" dev vxlan.calico onlink proto 80
	out=$("$CALTRACE" -n "$node" -j routes)
	is "vxlan: routes: gateway $orig again, no finding" "$(mine "$out")" ""
	lab_down
else
	not_ok "vxlan: lab up"
fi

# ---- BGP: a peer's entry pinned
if lab_up bgp; then
	node=$LAB_N1
	peer=$LAB_N2_IP
	ok_peers=0
	for _ in $(seq 1 40); do
		out=$("$CALTRACE" -n "$node" -j bgp)
		[ "$(json_get "$out" '[.items[]? | select(.bgp_state == "Established")] | length')" = 2 ] && {
			ok_peers=1
			break
		}
		sleep 0.5
	done
	[ "$ok_peers" = 1 ] || diag "the mesh is not Established yet"
	out=$("$CALTRACE" -n "$node" -j doctor)
	is "bgp: doctor: healthy, none of the new findings" "$(mine "$out")" ""
	ip -n "$node" neigh replace "$peer" lladdr 02:00:00:00:00:99 nud permanent dev eth0
	entry=$(ip -n "$node" -j neigh show "$peer" dev eth0 | jq -r '.[0] | "\(.lladdr) \(.state[0])"')
	out=$("$CALTRACE" -n "$node" -j doctor)
	rc=$?
	is "bgp: doctor: pinned peer entry gives neigh_pinned, exit 1" "$rc $(mine "$out")" \
		"1 neigh_pinned eth0 $peer"
	is "bgp: doctor: evidence is the entry as ip neigh shows it ($entry)" \
		"$(finding "$out" neigh_pinned evidence)" \
		"$peer dev eth0 lladdr ${entry% *} ${entry#* }; $peer is a BGP peer"
	is "bgp: doctor: the fix deletes the entry" "$(finding "$out" neigh_pinned 'run[0]')" \
		"ip netns exec $node ip neigh del $peer dev eth0"
	ip -n "$node" neigh del "$peer" dev eth0
	out=$("$CALTRACE" -n "$node" -j doctor)
	is "bgp: doctor: entry deleted, no finding" "$(mine "$out")" ""
	lab_down
else
	not_ok "bgp: lab up"
fi

done_testing
