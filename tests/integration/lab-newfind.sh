#!/bin/bash
# Issue 9's faults that gave no finding: workload_mtu_too_large (lab fault podmtu: a pod veth's
# MTU raised on both ends in VXLAN and IPIP mode; the limit from `ip -j link`: min(the tunnel's
# MTU, the underlay's less 50 or 20)), tunnel_gateway_not_a_node (fault badgw: Felix's route to a
# remote block via an address no VTEP or FDB entry names) and neigh_pinned (fault pinpeer: a BGP
# peer's underlay entry pinned PERMANENT to a wrong MAC). The healthy labs give none of them.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

CODES='["workload_mtu_too_large","tunnel_gateway_not_a_node","neigh_pinned"]'
# "code subject" of this test's codes in a caltrace document
mine() { json_get "$1" "[.findings[] | select(.code as \$c | $CODES | index(\$c)) | \"\(.code) \(.subject)\"] | sort | join(\",\")"; }
finding() { json_get "$1" ".findings[] | select(.code == \"$2\") | .$3"; }

# ---- VXLAN and IPIP: the pod's MTU (fault podmtu); VXLAN: the gateway (fault badgw)
for mode in vxlan ipip; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		out=$("$CALTRACE" -n "$node" -j doctor)
		rc=$?
		is "$mode: n$k doctor: healthy, none of the new findings" "$(mine "$out")" ""
		exit_agrees "$mode: n$k doctor: exit as the findings say" "$rc" "$out"
	done
	node=$LAB_N1
	veth=$LAB_POD_1_VETH
	tdev=$LAB_N1_TUN_DEV
	case "$mode" in vxlan) oh=50 kind=vxlan ;; *) oh=20 kind=ipip ;; esac
	# with IPv6, the lab's vxlan mode also has vxlan-v6.calico (70 bytes of overhead), the
	# tighter limit of the two: the finding names it
	if [ "$mode" = vxlan ] && [ -n "${LAB_N1_TUN_DEV6:-}" ]; then
		tdev=$LAB_N1_TUN_DEV6 oh=70 kind=vxlan-v6
	fi
	lab_fault podmtu on || not_ok "$mode: fault podmtu on"
	# the oracle: what the kernel says of the veth, the tunnel and its underlay
	vmtu=$(ip -n "$node" -j link show dev "$veth" | jq -r '.[0].mtu')
	pmtu=$(ip -n "$LAB_POD_1_NS" -j link show dev eth0 | jq -r '.[0].mtu')
	tmtu=$(ip -n "$node" -j link show dev "$tdev" | jq -r '.[0].mtu')
	umtu=$(ip -n "$node" -j link show dev eth0 | jq -r '.[0].mtu')
	lim=$((umtu - oh < tmtu ? umtu - oh : tmtu))
	diag "$veth mtu $vmtu (pod side $pmtu), $tdev mtu $tmtu, underlay eth0 mtu $umtu: largest packet $lim"
	# links reads only the workloads' routes: the lab's tunl0 is a TUN device (no ipip module),
	# a tunnel only by the routes through it, so IPIP mode asks doctor (a real tunl0 is kind ipip)
	cmd=links
	[ "$mode" = ipip ] && cmd=doctor
	out=$("$CALTRACE" -n "$node" -j $cmd)
	rc=$?
	is "$mode: $cmd: podmtu gives workload_mtu_too_large, exit 1" \
		"$rc $(mine "$out")" "1 workload_mtu_too_large $veth"
	is "$mode: $cmd: the message has the largest packet and the ping payload" \
		"$(finding "$out" workload_mtu_too_large message)" \
		"$veth's MTU $vmtu is larger than $tdev allows: the largest IP packet that passes is $lim bytes (ping -M do -s $((lim - 28))); larger ones are dropped unless path MTU discovery works"
	is "$mode: $cmd: evidence from the kernel's MTUs" "$(finding "$out" workload_mtu_too_large evidence)" \
		"$veth mtu $vmtu; $tdev mtu $tmtu, underlay mtu $umtu less $oh bytes of $kind overhead: $((umtu - oh))"
	is "$mode: $cmd: the fix sets the MTU" "$(finding "$out" workload_mtu_too_large 'run[0]')" \
		"ip netns exec $node ip link set dev $veth mtu $lim"
	is "$mode: $cmd: severity warn" "$(finding "$out" workload_mtu_too_large severity)" warn
	out=$("$CALTRACE" -n "$node" -j doctor)
	is "$mode: doctor: the same finding" "$(mine "$out")" "workload_mtu_too_large $veth"
	lab_fault podmtu off || not_ok "$mode: fault podmtu off"
	out=$("$CALTRACE" -n "$node" -j $cmd)
	is "$mode: $cmd: podmtu off, no finding" "$(mine "$out")" ""

	if [ "$mode" = vxlan ]; then
		# a remote block's route via an address that is no node
		blk=$LAB_N2_BLOCK
		lab_fault badgw on || not_ok "$mode: fault badgw on"
		gw=$(ip -n "$node" -j route show "$blk" | jq -r '.[0].gateway')
		out=$("$CALTRACE" -n "$node" -j routes)
		rc=$?
		is "$mode: routes: badgw gives tunnel_gateway_not_a_node, exit 1" \
			"$rc $(mine "$out")" "1 tunnel_gateway_not_a_node $blk"
		is "$mode: routes: the message names the route and gateway ($gw)" \
			"$(finding "$out" tunnel_gateway_not_a_node message)" \
			"the route to pod block $blk goes via $gw on vxlan.calico, which is not a node"
		is "$mode: routes: the fix deletes that route" "$(finding "$out" tunnel_gateway_not_a_node 'run[1]')" \
			"ip netns exec $node ip route del $blk via $gw dev vxlan.calico"
		out=$("$CALTRACE" -n "$node" -j routes "$blk")
		is "$mode: routes $blk: the finding is in scope" "$(mine "$out")" "tunnel_gateway_not_a_node $blk"
		lab_fault badgw off || not_ok "$mode: fault badgw off"
		out=$("$CALTRACE" -n "$node" -j routes)
		is "$mode: routes: badgw off, no finding" "$(mine "$out")" ""
		# n2's underlay address is where the FDB sends n2's VTEP traffic: neigh sees it pinned
		peer=$LAB_N2_IP
		lab_fault pinpeer on || not_ok "$mode: fault pinpeer on"
		entry=$(ip -n "$node" -j neigh show "$peer" dev eth0 | jq -r '.[0] | "\(.lladdr) \(.state[0])"')
		out=$("$CALTRACE" -n "$node" -j neigh)
		rc=$?
		is "$mode: neigh: pinpeer gives neigh_pinned, exit 1" "$rc $(mine "$out")" "1 neigh_pinned eth0 $peer"
		is "$mode: neigh: evidence is the entry ($entry)" "$(finding "$out" neigh_pinned evidence)" \
			"$peer dev eth0 lladdr ${entry% *} ${entry#* }; $peer is a VXLAN FDB destination"
		lab_fault pinpeer off || not_ok "$mode: fault pinpeer off"
		out=$("$CALTRACE" -n "$node" -j neigh)
		is "$mode: neigh: pinpeer off, no finding" "$(mine "$out")" ""
	fi
	lab_down
done

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
	lab_fault pinpeer on || not_ok "bgp: fault pinpeer on"
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
	lab_fault pinpeer off || not_ok "bgp: fault pinpeer off"
	out=$("$CALTRACE" -n "$node" -j doctor)
	is "bgp: doctor: entry deleted, no finding" "$(mine "$out")" ""
	lab_down
else
	not_ok "bgp: lab up"
fi

done_testing
