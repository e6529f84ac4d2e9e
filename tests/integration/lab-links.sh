#!/bin/bash
# caltrace links on the lab's nodes, against the kernel read independently (ip -j, /proc/sys),
# in each mode of $LAB_MODES; then the workload faults, each on and off.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

# the workload view of one node as the kernel gives it, one line per cali link:
# name ifindex mtu mac admin_up peer_netns pod_ips(sorted, comma) forwarding proxy_arp rp_filter proxy_delay
oracle_links() {
	local ns=$1 links ids name
	links=$(ip -n "$ns" -j -d link show)
	ids=$(ip -n "$ns" -j netns list-id)
	for name in $(json_get "$links" '.[] | select(.ifname | startswith("cali")) | .ifname' | sort); do
		local l nsid peer ips
		l=$(json_get "$links" ".[] | select(.ifname == \"$name\")")
		nsid=$(json_get "$l" '.link_netnsid // empty')
		peer=$(json_get "$ids" ".[] | select(.nsid == ${nsid:-"-1"}) | .name")
		ips=$( (ip -n "$ns" -j -4 route show dev "$name"; ip -n "$ns" -j -6 route show dev "$name") |
			jq -r '.[] | select((.dst | test("/")) | not) | select(.gateway == null) | .dst' |
			grep -v '^fe80' | sort | paste -sd, -)
		printf '%s %s %s %s %s %s %s %s %s %s %s\n' "$name" \
			"$(json_get "$l" '.ifindex')" "$(json_get "$l" '.mtu')" "$(json_get "$l" '.address')" \
			"$(json_get "$l" 'if (.flags | index("UP")) then "true" else "false" end')" \
			"${peer:--}" "${ips:--}" \
			"$(ip netns exec "$ns" cat "/proc/sys/net/ipv4/conf/$name/forwarding")" \
			"$(ip netns exec "$ns" cat "/proc/sys/net/ipv4/conf/$name/proxy_arp")" \
			"$(ip netns exec "$ns" cat "/proc/sys/net/ipv4/conf/$name/rp_filter")" \
			"$(ip netns exec "$ns" cat "/proc/sys/net/ipv4/neigh/$name/proxy_delay")"
	done
}

caltrace_links() {
	printf '%s' "$1" | jq -r '.items | sort_by(.name) | .[] |
		[.name, .ifindex, .mtu, .mac, .admin_up, (.peer_netns // "-"),
		 ((.pod_ips // []) | sort | join(",") | if . == "" then "-" else . end),
		 .forwarding, .proxy_arp, .rp_filter, .proxy_delay] | map(tostring) | join(" ")'
}

# findings about web-1's cali: "code severity" lines
findings_on() { json_get "$1" ".findings[] | select(.subject == \"$2\") | \"\(.code) \(.severity)\"" | sort -u; }

for mode in $LAB_MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		out=$("$CALTRACE" -n "$node" -j links)
		rc=$?
		json_eq "$mode: n$k links: one JSON document, command links, netns $node" "$out" \
			'"\(.schema_version) \(.command) \(.node.netns) \(.node.source)"' "1.0 links $node live"
		is "$mode: n$k links: healthy node, exit 0 and no findings" \
			"$rc $(json_get "$out" '.findings | length')" "0 0"
		is "$mode: n$k links: every cali link as the kernel has it (ip -j, /proc/sys)" \
			"$(caltrace_links "$out")" "$(oracle_links "$node")"
	done
	# the text output names the same interfaces
	txt=$("$CALTRACE" --color never -n "$LAB_N1" links 2>&1)
	rc=$?
	is "$mode: n1 links text: healthy node, exit 0" "$rc" 0
	ok_if "$mode: n1 links text lists both workloads" "$txt" \
		grep -q "$LAB_POD_1_VETH.*$LAB_POD_1_IP" <<<"$txt"

	# faults on web-1: the kernel says it is broken, caltrace must say so about that interface
	for f in proxy_arp route calidown; do
		lab_fault "$f" on || {
			not_ok "$mode: fault $f on"
			continue
		}
		out=$("$CALTRACE" -n "$LAB_N1" -j links)
		rc=$?
		case "$f" in
		proxy_arp) want=proxy_arp_off ;;
		route) want=workload_no_route ;;
		calidown) want=workload_link_down ;;
		esac
		got=$(findings_on "$out" "$LAB_POD_1_VETH")
		is "$mode: fault $f: exit 1 and a finding $want (warn or fail) on $LAB_POD_1_VETH" \
			"$rc $(grep -cE "^$want (warn|fail)$" <<<"$got")" "1 1"
		is "$mode: fault $f: the item still matches the kernel" \
			"$(caltrace_links "$out")" "$(oracle_links "$LAB_N1")"
		lab_fault "$f" off || not_ok "$mode: fault $f off"
		out=$("$CALTRACE" -n "$LAB_N1" -j links)
		rc=$?
		is "$mode: fault $f off: exit 0, no findings" \
			"$rc $(json_get "$out" '.findings | length')" "0 0"
	done
	lab_down
done

done_testing
