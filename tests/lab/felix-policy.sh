#!/bin/bash
# Programs Felix-like policy chains for the lab's pods in one node namespace, as Felix renders
# them in its iptables mode: FORWARD and INPUT into cali-FORWARD / cali-wl-to-host, dispatch by
# goto through cali-from-wl-dispatch and cali-to-wl-dispatch (ending on "Unknown interface"),
# per workload cali-fw-IFACE (an allow profile) and cali-tw-IFACE (tier "default" with an
# allow-all policy and the end-of-tier rule, then the allow profile and the profile end rule).
#
# usage: felix-policy.sh up NS BACKEND IFACE...             (BACKEND: legacy | nft)
#        felix-policy.sh deny NS BACKEND on|off DENYIFACE IFACE...
#   deny on replaces DENYIFACE's policy with "default.deny-all", a policy with no rules (a
#   Kubernetes default-deny): its incoming packets end on the end-of-tier DROP. Both commands
#   rewrite the whole filter table (iptables-restore), so the counters start from zero.
#
# Environment: FELIX_ENCAP (ipip | vxlan | none, default none) and FELIX_HOSTS (the nodes'
# underlay addresses): as Felix does with IPIP or VXLAN on, `up` creates the allow set
# (ipset cali40all-hosts-net for IPIP, cali40all-vxlan-net for VXLAN, holding FELIX_HOSTS),
# and both commands put its two rules first in cali-INPUT (INPUT jumps there first): "Allow
# IPIP packets from Calico hosts" / "Allow IPv4 VXLAN packets from allowed hosts" (from the
# set, to a local address) and "Drop IPIP packets from non-Calico hosts" / "Drop IPv4 VXLAN
# packets from non-allowed hosts". FELIX_VXLAN_PORT: the VXLAN port (default 4789).
# Called by lab.sh; touches nothing outside NS.
set -eu
set -o pipefail

usage() {
	sed -n 's/^# usage: \{0,1\}//p; s/^#        //p' "$0" | head -2 >&2
	exit 2
}
[ $# -ge 3 ] || usage
cmd=$1 ns=$2 backend=$3
shift 3
case "$backend" in legacy | nft) ;; *) usage ;; esac
deny=""
if [ "$cmd" = deny ]; then
	[ $# -ge 2 ] || usage
	[ "$1" = on ] && deny=$2
	[ "$1" = on ] || [ "$1" = off ] || usage
	shift 2
elif [ "$cmd" != up ]; then
	usage
fi

encap=${FELIX_ENCAP:-none}
port=${FELIX_VXLAN_PORT:-4789}
case "$encap" in
ipip) set_name=cali40all-hosts-net ;;
vxlan) set_name=cali40all-vxlan-net ;;
none) set_name="" ;;
*) usage ;;
esac

# a Felix-like rule id: "cali:" and 16 characters derived from the rule's text
rid() { printf 'cali:%s' "$(printf '%s' "$*" | sha1sum | head -c 16)"; }
rule() { # CHAIN ARGS...: one rule with its id comment first, as Felix writes them
	local chain=$1
	shift
	printf -- '-A %s -m comment --comment "%s" %s\n' "$chain" "$(rid "$chain $*")" "$*"
}

ruleset() {
	local i
	echo "*filter"
	echo ":INPUT ACCEPT [0:0]"
	echo ":FORWARD ACCEPT [0:0]"
	echo ":OUTPUT ACCEPT [0:0]"
	for c in cali-FORWARD cali-wl-to-host cali-from-wl-dispatch cali-to-wl-dispatch \
		cali-pro-kns.default cali-pri-kns.default cali-pi-default.allow-all; do
		echo ":$c - [0:0]"
	done
	[ -n "$deny" ] && echo ":cali-pi-default.deny-all - [0:0]"
	[ -n "$set_name" ] && echo ":cali-INPUT - [0:0]"
	for i in "$@"; do echo ":cali-fw-$i - [0:0]"; echo ":cali-tw-$i - [0:0]"; done
	if [ "$encap" = ipip ]; then
		rule INPUT -j cali-INPUT
		rule cali-INPUT -p ipencap -m comment --comment '"Allow IPIP packets from Calico hosts"' \
			-m set --match-set "$set_name" src -m addrtype --dst-type LOCAL -j ACCEPT
		rule cali-INPUT -p ipencap -m comment --comment '"Drop IPIP packets from non-Calico hosts"' -j DROP
	elif [ "$encap" = vxlan ]; then
		rule INPUT -j cali-INPUT
		rule cali-INPUT -p udp -m comment --comment '"Allow IPv4 VXLAN packets from allowed hosts"' \
			-m multiport --dports "$port" -m set --match-set "$set_name" src \
			-m addrtype --dst-type LOCAL -j ACCEPT
		rule cali-INPUT -p udp -m comment --comment '"Drop IPv4 VXLAN packets from non-allowed hosts"' \
			-m multiport --dports "$port" -m addrtype --dst-type LOCAL -j DROP
	fi
	rule INPUT -i 'cali+' -g cali-wl-to-host
	rule FORWARD -j cali-FORWARD
	rule FORWARD -m comment --comment '"Policy explicitly accepted packet."' \
		-m mark --mark 0x10000/0x10000 -j ACCEPT
	rule cali-FORWARD -j MARK --set-xmark 0x0/0xe0000
	rule cali-FORWARD -i 'cali+' -j cali-from-wl-dispatch
	rule cali-FORWARD -o 'cali+' -j cali-to-wl-dispatch
	rule cali-wl-to-host -j cali-from-wl-dispatch
	rule cali-wl-to-host -m comment --comment '"Configured DefaultEndpointToHostAction"' -j ACCEPT
	for i in "$@"; do rule cali-from-wl-dispatch -i "$i" -g "cali-fw-$i"; done
	rule cali-from-wl-dispatch -m comment --comment '"Unknown interface"' -j DROP
	for i in "$@"; do rule cali-to-wl-dispatch -o "$i" -g "cali-tw-$i"; done
	rule cali-to-wl-dispatch -m comment --comment '"Unknown interface"' -j DROP
	for c in cali-pro-kns.default cali-pri-kns.default cali-pi-default.allow-all; do
		rule "$c" -j MARK --set-xmark 0x10000/0x10000
		rule "$c" -m mark --mark 0x10000/0x10000 -j RETURN
	done
	for i in "$@"; do
		local pol=cali-pi-default.allow-all
		[ "$i" = "$deny" ] && pol=cali-pi-default.deny-all
		rule "cali-fw-$i" -j MARK --set-xmark 0x0/0x10000
		rule "cali-fw-$i" -j cali-pro-kns.default
		rule "cali-fw-$i" -m comment --comment '"Return if profile accepted"' \
			-m mark --mark 0x10000/0x10000 -j RETURN
		rule "cali-fw-$i" -m comment --comment '"Drop if no profiles matched"' -j DROP
		rule "cali-tw-$i" -j MARK --set-xmark 0x0/0x10000
		rule "cali-tw-$i" -m comment --comment '"Start of tier default"' \
			-j MARK --set-xmark 0x0/0x20000
		rule "cali-tw-$i" -m mark --mark 0x0/0x20000 -j "$pol"
		rule "cali-tw-$i" -m comment --comment '"Return if policy accepted"' \
			-m mark --mark 0x10000/0x10000 -j RETURN
		rule "cali-tw-$i" -m comment --comment '"End of tier default. Drop if no policies passed packet"' \
			-m mark --mark 0x0/0x20000 -j DROP
		rule "cali-tw-$i" -j cali-pri-kns.default
		rule "cali-tw-$i" -m comment --comment '"Return if profile accepted"' \
			-m mark --mark 0x10000/0x10000 -j RETURN
		rule "cali-tw-$i" -m comment --comment '"Drop if no profiles matched"' -j DROP
	done
	echo "COMMIT"
}

if [ -n "$set_name" ] && [ "$cmd" = up ]; then
	{
		echo "create $set_name hash:net family inet"
		for h in ${FELIX_HOSTS:-}; do echo "add $set_name $h"; done
	} | ip netns exec "$ns" ipset restore -exist
fi
ruleset "$@" | ip netns exec "$ns" "iptables-$backend-restore"
