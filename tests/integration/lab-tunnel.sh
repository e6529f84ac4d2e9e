#!/bin/bash
# caltrace tunnel on the lab's nodes against `ip -d -j link`, `ip -j addr`, `ip -j neigh` and
# `bridge -j fdb`: no tunnel in BGP mode, vxlan.calico and its VTEPs in VXLAN mode, tunl0 in IPIP
# mode (the lab's TUN-based tunl0: kind tun). Modes: $LAB_MODES plus ipip. VXLAN mode also loses
# and regains an FDB entry and a neighbour entry.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip bridge jq
need_caltrace

MODES="${LAB_MODES:-bgp vxlan}"
case " $MODES " in *" ipip "*) ;; *) MODES="$MODES ipip" ;; esac

# "name kind mtu mac addresses" of a device, from the kernel
oracle_dev() {
	local l a
	l=$(ip -n "$1" -j -d link show dev "$2")
	a=$(ip -n "$1" -j addr show dev "$2" | jq -r '[.[0].addr_info[] | select(.scope != "link") |
		"\(.local)/\(.prefixlen)"] | sort | join(",")')
	json_get "$l" '.[0] | "\(.ifname) \(.linkinfo.info_kind) \(.mtu) \(if .link_type == "ether" then .address else "null" end)"' |
		tr '\n' ' '
	echo "$a"
}
caltrace_dev() { json_get "$1" ".items[] | select(.name == \"$2\") | \"\(.name) \(.kind) \(.mtu) \(.mac) \(.addresses | sort | join(\",\"))\""; }

# "ip mac neigh_state fdb_dst" per remote VTEP, from the kernel
oracle_vteps() {
	local ns=$1 neigh fdb
	neigh=$(ip -n "$ns" -j neigh show dev vxlan.calico nud all)
	fdb=$(ip netns exec "$ns" bridge -j fdb show dev vxlan.calico)
	json_get "$neigh" '.[] | select(.dst | test("^[0-9.]+$")) | "\(.dst) \(.lladdr) \(.state[0] | ascii_downcase)"' |
		while read -r ip mac st; do
			echo "$ip $mac $st $(json_get "$fdb" "[.[] | select(.mac == \"$mac\" and .dst) | .dst][0] // \"null\"")"
		done | sort
}
caltrace_vteps() { json_get "$1" '.items[] | select(.name == "vxlan.calico") | .vteps[] | "\(.ip) \(.mac) \(.neigh_state) \(.fdb_dst)"' | sort; }

for mode in $MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		out=$("$CALTRACE" -n "$node" -j tunnel)
		rc=$?
		json_eq "$mode: n$k tunnel: one JSON document, command tunnel" "$out" \
			'"\(.schema_version) \(.command) \(.node.netns)"' "1.0 tunnel $node"
		is "$mode: n$k tunnel: healthy node, exit 0 and no findings" \
			"$rc $(json_get "$out" '.findings | length')" "0 0"
		case "$mode" in
		bgp)
			# the kernel has neither tunl0 nor vxlan.calico in this namespace
			is "$mode: n$k tunnel: no tunnel device (ip link has none either)" \
				"$(json_get "$out" '.items | length') $(ip -n "$node" -j link show | jq '[.[] | select(.ifname == "tunl0" or .ifname == "vxlan.calico")] | length')" \
				"0 0"
			;;
		vxlan)
			is "$mode: n$k tunnel: mode vxlan" "$(json_get "$out" .mode)" vxlan
			is "$mode: n$k tunnel: vxlan.calico as the kernel has it" \
				"$(caltrace_dev "$out" vxlan.calico)" "$(oracle_dev "$node" vxlan.calico)"
			l=$(ip -n "$node" -j -d link show dev vxlan.calico)
			is "$mode: n$k tunnel: VNI, port, local, parent, learning as ip -d link" \
				"$(json_get "$out" '.items[] | select(.name == "vxlan.calico") | "\(.vni) \(.port) \(.local) \(.parent) \(.learning)"')" \
				"$(json_get "$l" '.[0] | "\(.linkinfo.info_data.id) \(.linkinfo.info_data.port) \(.linkinfo.info_data.local) \(.linkinfo.info_data.link) \(.linkinfo.info_data.learning)"')"
			is "$mode: n$k tunnel: remote VTEPs as ip neigh and bridge fdb have them" \
				"$(caltrace_vteps "$out")" "$(oracle_vteps "$node")"
			;;
		ipip)
			is "$mode: n$k tunnel: mode ipip" "$(json_get "$out" .mode)" ipip
			is "$mode: n$k tunnel: tunl0 as the kernel has it (a TUN device here, or ipip)" \
				"$(caltrace_dev "$out" tunl0)" "$(oracle_dev "$node" tunl0)"
			is "$mode: n$k tunnel: tunl0 carries as many routes as the kernel sends through it" \
				"$(json_get "$out" '.items[] | select(.name == "tunl0") | .routes')" \
				"$(ip -n "$node" -j route show dev tunl0 | jq length)"
			;;
		esac
	done

	if [ "$mode" = vxlan ]; then
		# n1 forgets where n2's VTEP MAC lives: packets to n2's block have no underlay destination
		ip netns exec "$LAB_N1" bridge fdb del "$LAB_N2_VTEP_MAC" dev vxlan.calico self
		out=$("$CALTRACE" -n "$LAB_N1" -j tunnel)
		rc=$?
		is "vxlan: FDB entry of n2's VTEP deleted: exit 1, finding vtep_fdb_missing" \
			"$rc $(json_get "$out" '[.findings[] | select(.code == "vtep_fdb_missing")] | length > 0')" "1 true"
		is "vxlan: FDB entry of n2's VTEP deleted: VTEPs still as the kernel has them" \
			"$(caltrace_vteps "$out")" "$(oracle_vteps "$LAB_N1")"
		ip netns exec "$LAB_N1" bridge fdb add "$LAB_N2_VTEP_MAC" dev vxlan.calico dst "$LAB_N2_IP" self permanent
		ip -n "$LAB_N1" neigh del "$LAB_N2_TUN_IP" dev vxlan.calico
		out=$("$CALTRACE" -n "$LAB_N1" -j tunnel)
		rc=$?
		is "vxlan: neighbour entry of n2's VTEP deleted: exit 1, finding vtep_neigh_missing" \
			"$rc $(json_get "$out" '[.findings[] | select(.code == "vtep_neigh_missing")] | length > 0')" "1 true"
		ip -n "$LAB_N1" neigh add "$LAB_N2_TUN_IP" lladdr "$LAB_N2_VTEP_MAC" dev vxlan.calico nud permanent
		out=$("$CALTRACE" -n "$LAB_N1" -j tunnel)
		rc=$?
		is "vxlan: both restored: exit 0, no findings" "$rc $(json_get "$out" '.findings | length')" "0 0"
	fi
	lab_down
done

done_testing
