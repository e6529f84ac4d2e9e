#!/bin/bash
# The general route lookup (probes/route_get.c, through tests/tools/rtnltool routeget) against
# `ip -N -j route get` run in the same namespace: with and without iif, fibmatch, mark, IP
# protocol and ports, oif, a local address, the node's blackhole block, an unreachable and a
# prohibit route, a missing route. Answers compare as type, dev, gateway, prefsrc (fibmatch:
# also prefix, table, protocol, scope, flags onlink); refusals as the errno text ip prints.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq
need_caltrace

TMPD=$(mktemp -d /tmp/ct-routeget.XXXXXX) || bail "mktemp"
trap 'lab_cleanup; rm -rf "$TMPD"' EXIT
TOOL=$(need_tool rtnltool) || bail "build tests/tools/rtnltool.c" "$TOOL"

# ip's answer, normalised: "error TEXT" or "type= dev= gw= prefsrc=" (+ fibmatch fields)
ip_view() {
	local ns=$1 fib=$2 out rc
	shift 2
	out=$(ip -n "$ns" -N -j route get ${fib:+fibmatch} "$@" 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		printf 'error %s\n' "${out#RTNETLINK answers: }"
		return
	fi
	printf '%s' "$out" | jq -r --arg fib "$fib" '.[0] |
		"type=\(.type // "1") dev=\(.dev // "-") gw=\(.gateway // "-")" +
		(if $fib == "" then " prefsrc=\(.prefsrc // "-")" else
		 " dst=\(.dst | if test("/") then . elif test(":") then . + "/128" else . + "/32" end)" +
		 " table=\(.table // "254") protocol=\(.protocol // "3") scope=\(.scope // "0")" +
		 " onlink=\(.flags | index("onlink") != null)" end)'
}

# rtnltool's answer in the same form; the ifindex -> name map is ip's
ct_view() {
	local ns=$1 fib=$2 out rc
	shift 2
	out=$(ip netns exec "$ns" "$TOOL" routeget "$@" ${fib:+fibmatch} 2>&1)
	rc=$?
	if [ "$rc" = 1 ]; then
		printf '%s\n' "$out"
		return
	elif [ "$rc" != 0 ]; then
		printf 'tool failed (exit %s): %s\n' "$rc" "$out"
		return
	fi
	local -A kv
	local w
	for w in $out; do kv[${w%%=*}]=${w#*=}; done
	local dev
	dev=$(ip -n "$ns" -j link show | jq -r ".[] | select(.ifindex == ${kv[oif]}) | .ifname")
	if [ -z "$fib" ]; then
		printf 'type=%s dev=%s gw=%s prefsrc=%s\n' "${kv[type]}" "${dev:--}" "${kv[gw]}" "${kv[prefsrc]}"
	else
		printf 'type=%s dev=%s gw=%s dst=%s table=%s protocol=%s scope=%s onlink=%s\n' \
			"${kv[type]}" "${dev:--}" "${kv[gw]}" "${kv[dst]}" "${kv[table]}" \
			"${kv[protocol]}" "${kv[scope]}" "$(((kv[flags] & 4) ? 1 : 0))" |
			sed 's/onlink=1$/onlink=true/; s/onlink=0$/onlink=false/'
	fi
}

ifindex_of() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].ifindex'; }

# compare NAME NS FIB "ip args" "tool args" [EXPECT-PREFIX]: both answers equal, and (when
# given) the answer starts with EXPECT-PREFIX, so a case cannot pass by both failing the same way
compare() {
	local name=$1 ns=$2 fib=$3 ipargs=$4 targs=$5 want=${6:-} a b
	# shellcheck disable=SC2086 # argument lists
	a=$(ip_view "$ns" "$fib" $ipargs)
	# shellcheck disable=SC2086
	b=$(ct_view "$ns" "$fib" $targs)
	if [ -n "$want" ] && [ "${a#"$want"}" = "$a" ]; then
		not_ok "$name: ip answers '$want...'" "ip: $a"
		return
	fi
	is "$name${fib:+ (fibmatch)}: $a" "$b" "$a"
}

mode=vxlan
case " $LAB_MODES " in *" vxlan "*) ;; *) mode=${LAB_MODES%% *} ;; esac
lab_up "$mode" || bail "$mode: lab up"
trap 'lab_cleanup; rm -rf "$TMPD"' EXIT # lab_up sets its own EXIT trap; keep ours as well
ns=$LAB_N1
i=${LAB_N1_POD_IDS%% *}
pod_ip=$(lab_var "LAB_POD_${i}_IP")
pod_ip6=$(lab_var "LAB_POD_${i}_IP6")
veth=$(lab_var "LAB_POD_${i}_VETH")
k=${LAB_N2_POD_IDS%% *}
remote=$(lab_var "LAB_POD_${k}_IP")
iif=$(ifindex_of "$ns" "$veth")
eth0=$(ifindex_of "$ns" eth0)
# an unused address in the node's own block: the blackhole
block=${LAB_N1_BLOCK%/*}
hole="${block%.*}.$((${block##*.} + 60))"

for fib in "" 1; do
	compare "remote pod $remote" "$ns" "$fib" "$remote" "$remote" "type="
	compare "remote pod from $pod_ip iif $veth" "$ns" "$fib" \
		"$remote from $pod_ip iif $veth" "$remote from $pod_ip iif $iif" "type="
	compare "local pod $pod_ip" "$ns" "$fib" "$pod_ip" "$pod_ip" "type="
	compare "pod IPv6 $pod_ip6" "$ns" "$fib" "$pod_ip6" "$pod_ip6" "type="
	compare "the node's own address $LAB_N1_IP" "$ns" "$fib" "$LAB_N1_IP" "$LAB_N1_IP" "type=2"
	compare "blackhole $hole" "$ns" "$fib" "$hole" "$hole" "error"
	compare "blackhole $hole from $pod_ip iif $veth" "$ns" "$fib" \
		"$hole from $pod_ip iif $veth" "$hole from $pod_ip iif $iif" "error"
	compare "no IPv6 route to fd00:99::1" "$ns" "$fib" "fd00:99::1" "fd00:99::1" \
		"error Network is unreachable"
done
compare "mark, IP protocol and ports" "$ns" "" "$remote mark 5 ipproto tcp sport 1000 dport 80" \
	"$remote mark 5 ipproto 6 sport 1000 dport 80" "type="
compare "oif eth0" "$ns" "" "10.1.2.3 oif eth0" "10.1.2.3 oif $eth0" "type="

out=$(ip -n "$ns" route add unreachable 10.99.0.0/24 2>&1 && ip -n "$ns" route add prohibit 10.98.0.0/24 2>&1)
is "unreachable and prohibit routes added" "$?" 0
for fib in "" 1; do
	compare "unreachable 10.99.0.1" "$ns" "$fib" "10.99.0.1" "10.99.0.1" "error No route to host"
	compare "unreachable 10.99.0.1 from the pod" "$ns" "$fib" "10.99.0.1 from $pod_ip iif $veth" \
		"10.99.0.1 from $pod_ip iif $iif" "error No route to host"
	compare "prohibit 10.98.0.1 from the pod" "$ns" "$fib" "10.98.0.1 from $pod_ip iif $veth" \
		"10.98.0.1 from $pod_ip iif $iif" "error Permission denied"
done
# forwarding off on the pod's interface hides every route (EHOSTUNREACH)
out=$(ip netns exec "$ns" sysctl -q -w "net.ipv4.conf.$veth.forwarding=0" 2>&1)
is "forwarding off on $veth" "$?" 0
compare "forwarding off: remote pod from $pod_ip iif $veth" "$ns" "" \
	"$remote from $pod_ip iif $veth" "$remote from $pod_ip iif $iif" "error"
ip netns exec "$ns" sysctl -q -w "net.ipv4.conf.$veth.forwarding=1" >/dev/null 2>&1

lab_down
done_testing
