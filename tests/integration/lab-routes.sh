#!/bin/bash
# caltrace routes on the lab's nodes against `ip -N -j route show table all` (numbers, so the
# oracle does not depend on iproute2's name tables), and the classes and owners Calico's modes
# imply; in each mode of $LAB_MODES, then with web-1's route deleted.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

# "dst table type gateway dev protocol", one line per route, as the kernel lists them
oracle_routes() {
	ip -N -n "$1" -j route show table all | jq -r '
		def types: {"1":"unicast","2":"local","3":"broadcast","4":"anycast","5":"multicast",
			"6":"blackhole","7":"unreachable","8":"prohibit","9":"throw"};
		def tables: {"254":"main","255":"local"};
		.[] | [ (if .dst == "default" or (.dst | test("/")) then .dst
			 elif (.dst | test(":")) then .dst + "/128" else .dst + "/32" end),
			(tables[.table // "254"] // .table),
			(types[.type // "1"] // .type),
			(.gateway // "-"), (.dev // "-"), (.protocol // "3") ] | join(" ")' | sort
}

# the same from caltrace's JSON; protocol names back to numbers (rtnetlink.h, rt_protos)
caltrace_routes() {
	printf '%s' "$1" | jq -r '
		def protos: {"unspec":"0","redirect":"1","kernel":"2","boot":"3","static":"4",
			"ra":"9","dhcp":"16","bird":"12","felix":"80"};
		.items[] | [ .dst, .table, .type, (.gateway // "-"), (.dev // "-"),
			(protos[.protocol] // (.protocol | tostring)) ] | join(" ")' | sort
}

# "class owner" of one route (main table)
class_of() { json_get "$1" ".items[] | select(.table == \"main\" and .dst == \"$2\") | \"\(.class) \(.owner)\""; }

for mode in $LAB_MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	case "$mode" in
	bgp) remote="native bird" own="blackhole bird" ;;
	vxlan) remote="vxlan felix" own="blackhole felix" ;;
	ipip) remote="ipip felix" own="blackhole felix" ;;
	esac
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		out=$("$CALTRACE" -n "$node" -j routes)
		rc=$?
		json_eq "$mode: n$k routes: one JSON document, command routes" "$out" \
			'"\(.schema_version) \(.command) \(.node.netns)"' "1.0 routes $node"
		is "$mode: n$k routes: healthy node, exit 0 and no findings" \
			"$rc $(json_get "$out" '.findings | length')" "0 0"
		is "$mode: n$k routes: every route of every table, as the kernel lists them" \
			"$(caltrace_routes "$out")" "$(oracle_routes "$node")"
		got="" want=""
		for r in 1 2 3; do
			b=$(lab_var "LAB_N${r}_BLOCK")
			got="$got$b $(class_of "$out" "$b");"
			if [ "$r" = "$k" ]; then want="$want$b $own;"; else want="$want$b $remote;"; fi
		done
		for i in $(lab_var "LAB_N${k}_POD_IDS"); do
			got="$got $(class_of "$out" "$(lab_var "LAB_POD_${i}_IP")/32")"
			want="$want workload boot"
		done
		got="$got $(class_of "$out" default)"
		want="$want default boot"
		is "$mode: n$k routes: blocks, workloads and default classified for $mode mode" "$got" "$want"
	done

	# an ECMP route (a route reflector or two uplinks give these): every nexthop with its weight
	ip -n "$LAB_N1" route add 10.99.0.0/24 proto static \
		nexthop via 192.168.31.202 dev eth0 weight 3 nexthop via 192.168.31.203 dev eth0 weight 1
	out=$("$CALTRACE" -n "$LAB_N1" -j routes 10.99.0.0/24)
	rc=$?
	is "$mode: routes 10.99.0.0/24 (a multipath route): exit 0" "$rc" 0
	is "$mode: multipath route: nexthops, devices and weights as the kernel lists them" \
		"$(json_get "$out" '[.items[] | select(.dst == "10.99.0.0/24") | .nexthops[] | "\(.gateway) \(.dev) \(.weight)"] | join(",")')" \
		"$(ip -n "$LAB_N1" -j route show 10.99.0.0/24 | jq -r '[.[0].nexthops[] | "\(.gateway) \(.dev) \(.weight // 1)"] | join(",")')"
	json_eq "$mode: multipath route: class native, owner static" "$out" \
		'.items[] | select(.dst == "10.99.0.0/24") | "\(.class) \(.owner)"' "native static"
	ip -n "$LAB_N1" route del 10.99.0.0/24

	lab_fault route on || not_ok "$mode: fault route on"
	out=$("$CALTRACE" -n "$LAB_N1" -j routes)
	rc=$?
	exit_agrees "$mode: fault route: routes exits as its findings say" "$rc" "$out"
	is "$mode: fault route: web-1's /32 is gone from caltrace as from the kernel" \
		"$(caltrace_routes "$out" | grep -c "^$LAB_POD_1_IP/32 ") $(caltrace_routes "$out" | wc -l)" \
		"0 $(oracle_routes "$LAB_N1" | wc -l)"
	lab_fault route off || not_ok "$mode: fault route off"

	# no default route on n1: the kernel has no route for 169.254.1.1 from a pod, so proxy ARP
	# stays silent; caltrace must say so for exactly the cali interfaces the kernel refuses
	lab_fault nogw on || not_ok "$mode: fault nogw on"
	out=$("$CALTRACE" -n "$LAB_N1" -j routes)
	rc=$?
	want=""
	for i in $(lab_var "LAB_N1_POD_IDS"); do
		veth=$(lab_var "LAB_POD_${i}_VETH")
		ip -n "$LAB_N1" route get 169.254.1.1 from "$(lab_var "LAB_POD_${i}_IP")" iif "$veth" >/dev/null 2>&1 ||
			want="$want $veth"
	done
	# one cause (no route covers 169.254.1.1), each refused pod's check folded under it
	got=$(json_get "$out" '[.findings[] | select(.code == "no_route_to_pod_gateway") | .consequences[] | select(.code == "pod_gateway_unroutable") | .subject] | sort | join(" ")')
	is "$mode: fault nogw: exit 1, no_route_to_pod_gateway over pod_gateway_unroutable where the kernel finds no route" \
		"$rc $got $(json_get "$out" '[.findings[] | select(.code == "pod_gateway_unroutable")] | length')" "1$want 0"
	lab_fault nogw off || not_ok "$mode: fault nogw off"
	out=$("$CALTRACE" -n "$LAB_N1" -j routes)
	rc=$?
	is "$mode: fault nogw off: exit 0 and no findings" "$rc $(json_get "$out" '.findings | length')" "0 0"
	lab_down
done

done_testing
