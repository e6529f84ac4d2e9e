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
	for i in "$@"; do echo ":cali-fw-$i - [0:0]"; echo ":cali-tw-$i - [0:0]"; done
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

ruleset "$@" | ip netns exec "$ns" "iptables-$backend-restore"
