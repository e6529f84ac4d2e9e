#!/bin/bash
# links -j's per-device IPv4 sysctls (now from the link dump's IFLA_INET_CONF and the
# neighbour-table dump's per-device parameters, no file per interface) against /proc/sys read
# by `ip netns exec NS sysctl -n`, after changing some of them on a few interfaces of a lab
# node: forwarding, rp_filter, proxy_arp, proxy_delay (odd values, to catch a rounding
# difference between milliseconds and USER_HZ ticks), route_localnet.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq sysctl
need_caltrace

# "name forwarding rp_filter proxy_arp proxy_delay route_localnet" per workload link, from /proc/sys
oracle() {
	local ns=$1 name
	for name in $(ip -n "$ns" -j link show | jq -r '.[] | select(.ifname | startswith("cali")) | .ifname' | sort); do
		printf '%s %s %s %s %s %s\n' "$name" \
			"$(ip netns exec "$ns" sysctl -n "net.ipv4.conf.$name.forwarding")" \
			"$(ip netns exec "$ns" sysctl -n "net.ipv4.conf.$name.rp_filter")" \
			"$(ip netns exec "$ns" sysctl -n "net.ipv4.conf.$name.proxy_arp")" \
			"$(ip netns exec "$ns" sysctl -n "net.ipv4.neigh.$name.proxy_delay")" \
			"$(ip netns exec "$ns" sysctl -n "net.ipv4.conf.$name.route_localnet")"
	done
}

view() {
	printf '%s' "$1" | jq -r '.items | sort_by(.name) | .[] |
		[.name, .forwarding, .rp_filter, .proxy_arp, .proxy_delay, .route_localnet] |
		map(tostring) | join(" ")'
}

mode=vxlan
case " $LAB_MODES " in *" vxlan "*) ;; *) mode=${LAB_MODES%% *} ;; esac
lab_up "$mode" || bail "$mode: lab up"
ns=$LAB_N1
out=$("$CALTRACE" -n "$ns" -j links)
rc=$?
is "$mode: links -j exits 0 on a healthy node" "$rc" 0
is "$mode: as Calico sets them, equal to /proc/sys" "$(view "$out")" "$(oracle "$ns")"

a=$(lab_var "LAB_POD_${LAB_N1_POD_IDS%% *}_VETH")
b=$(lab_var "LAB_POD_${LAB_N1_POD_IDS##* }_VETH")
[ "$a" != "$b" ] || bail "$mode: two workload interfaces on $ns"
set_all() {
	local kv
	for kv in "$@"; do
		ip netns exec "$ns" sysctl -q -w "$kv" >/dev/null || return 1
	done
}
set_all "net.ipv4.conf.$a.forwarding=0" "net.ipv4.conf.$a.route_localnet=1" \
	"net.ipv4.conf.$a.proxy_arp=0" "net.ipv4.neigh.$a.proxy_delay=37" \
	"net.ipv4.conf.$b.rp_filter=2" "net.ipv4.neigh.$b.proxy_delay=123"
is "$mode: sysctls changed on $a and $b" "$?" 0
out=$("$CALTRACE" -n "$ns" -j links)
rc=$?
is "$mode: links -j exits 1 (findings) after the changes" "$rc" 1
want=$(oracle "$ns")
is "$mode: after the changes, equal to /proc/sys" "$(view "$out")" "$want"
# the oracle really moved (the comparison cannot pass on unchanged values)
is "$mode: /proc/sys shows the new values on $a" \
	"$(grep "^$a " <<<"$want" | cut -d' ' -f2,4,6)" "0 0 1"
lab_down
done_testing
