#!/bin/bash
# The pod gateway check names the kernel's cause (issue 9): one fault at a time on n1 of a vxlan
# lab, `caltrace routes` and `caltrace links` give pod_gateway_unroutable for web-1's cali with
# the cause the fault put in, and the oracle `ip route get 169.254.1.1 from POD iif caliX` (the
# kernel) refuses with the errno that cause names on this kernel. The healthy lab gives none.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

# the kernel's refusal as iproute2 prints it (its strerror), "ok" when it answers
oracle() {
	local err
	if err=$(ip -n "$LAB_N1" route get 169.254.1.1 from "$LAB_POD_1_IP" iif "$LAB_POD_1_VETH" 2>&1 >/dev/null); then
		echo ok
	else
		printf '%s\n' "${err#RTNETLINK answers: }"
	fi
}

# the errno each cause names on 6.13 and later (EINVAL for the reverse path)
errno_text() {
	case "$1" in
	no_route) echo "Network is unreachable" ;;
	ip_forward_off | forwarding_off | unreachable_route) echo "No route to host" ;;
	prohibit_route) echo "Permission denied" ;;
	pod_route_missing | pod_route_shadowed | blackhole_route | link_down | bad_source) echo "Invalid argument" ;;
	*) echo "?" ;;
	esac
}

# the root each cause folds under (caltrace(1), "One cause, one finding") when its finding is
# among the command's: links reports forwarding_off, workload_no_route and workload_link_down,
# routes workload_route_shadowed
root_of() {
	case "$1/$2" in
	links/ip_forward_off) echo "forwarding_off net.ipv4.ip_forward" ;;
	links/forwarding_off) echo "forwarding_off $V" ;;
	links/pod_route_missing) echo "workload_no_route $V" ;;
	links/link_down) echo "workload_link_down $V" ;;
	routes/pod_route_shadowed) echo "workload_route_shadowed $P/32" ;;
	*/no_route) [ "${NOROUTE_ROOT:-0}" = 1 ] && echo "no_route_to_pod_gateway 169.254.1.1" ;;
	esac
}

# check NAME CAUSE RUN: the finding of both commands for web-1's cali (a finding of its own,
# or a consequence of its root cause when the command reports that too), and the oracle
check() {
	local name=$1 cause=$2 run=$3 out rc f cmd root
	for cmd in routes links; do
		out=$("$CALTRACE" -n "$LAB_N1" -j "$cmd")
		rc=$?
		root=$(root_of "$cmd" "$cause")
		if [ -z "$root" ]; then
			f=$(json_get "$out" "[.findings[] | select(.code == \"pod_gateway_unroutable\" and .subject == \"$LAB_POD_1_VETH\")] | first")
			is "$name: $cmd exits 1 with pod_gateway_unroutable for web-1's cali" \
				"$rc $(json_get "$f" '.code')" "1 pod_gateway_unroutable"
			is "$name: $cmd's fix runs '$run'" "$(json_get "$f" '.run | join(";")')" "$run"
		else
			local r
			r=$(json_get "$out" "[.findings[] | select(.code + \" \" + .subject == \"$root\")] | first")
			f=$(json_get "$r" "[.consequences[] | select(.code == \"pod_gateway_unroutable\" and .subject == \"$LAB_POD_1_VETH\")] | first")
			is "$name: $cmd exits 1 with pod_gateway_unroutable for web-1's cali under $root (fail)" \
				"$rc $(json_get "$f" '.code') $(json_get "$r" '.severity')" "1 pod_gateway_unroutable fail"
			is "$name: $cmd: not listed again" "$(json_get "$out" "[.findings[] | select(.code == \"pod_gateway_unroutable\" and .subject == \"$LAB_POD_1_VETH\")] | length")" 0
			# (no route covers 169.254.1.1: which default route to add, caltrace cannot know)
			[ "$cause" = no_route ] ||
				ok_if "$name: $cmd: the root has a command" "$r" test -n "$(json_get "$r" '.run[0] // ""')"
		fi
		is "$name: $cmd names the cause $cause" \
			"$(json_get "$f" '.evidence | capture("\\((?<c>[a-z_]+)\\)").c')" "$cause"
	done
	is "$name: the kernel refuses with the errno of $cause" "$(oracle)" "$(errno_text "$cause")"
}

lab_up vxlan || bail "lab up failed"
N=$LAB_N1
V=$LAB_POD_1_VETH
P=$LAB_POD_1_IP
NSX=""
[ "$N" = "${N#/}" ] && NSX="ip netns exec $N "

healthy() {
	local out rc cmd
	for cmd in routes links; do
		out=$("$CALTRACE" -n "$N" -j "$cmd")
		rc=$?
		is "healthy$1: $cmd gives no pod_gateway finding" \
			"$(json_get "$out" '[.findings[] | select(.code | startswith("pod_gateway"))] | length')" 0
	done
	is "healthy$1: the kernel answers" "$(oracle)" ok
}
healthy ""

lab_fault nogw on || not_ok "fault nogw on"
NOROUTE_ROOT=1 check "fault nogw" no_route ""
lab_fault nogw off || not_ok "fault nogw off"

for t in throw unreachable prohibit blackhole; do
	ip -n "$N" route add "$t" 169.254.1.1/32
	case $t in
	throw) c=no_route ;;
	unreachable) c=unreachable_route ;;
	prohibit) c=prohibit_route ;;
	blackhole) c=blackhole_route ;;
	esac
	check "$t 169.254.1.1/32" "$c" "${NSX}ip route del $t 169.254.1.1/32"
	ip -n "$N" route del "$t" 169.254.1.1/32
done

ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=0
check "ip_forward=0 (with an unreachable route too: forwarding hides it)" ip_forward_off \
	"${NSX}sysctl -w net.ipv4.ip_forward=1"
ip netns exec "$N" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$N" sysctl -qw "net.ipv4.conf.$V.forwarding=0"
check "forwarding off on $V" forwarding_off "${NSX}sysctl -w net.ipv4.conf.$V.forwarding=1"
ip netns exec "$N" sysctl -qw "net.ipv4.conf.$V.forwarding=1"

ip -n "$N" route prepend blackhole "$P/32"
check "blackhole prepended over $P/32" pod_route_shadowed "${NSX}ip route del blackhole $P/32"
ip -n "$N" route del blackhole "$P/32"

lab_fault route on || not_ok "fault route on"
check "fault route ($P/32 deleted)" pod_route_missing "${NSX}ip route add $P dev $V scope link"
lab_fault route off || not_ok "fault route off"

lab_fault calidown on || not_ok "fault calidown on"
check "fault calidown" link_down "${NSX}ip link set $V up"
lab_fault calidown off || not_ok "fault calidown off"

# IPv6: the kernel's lookup sees no forwarding, so the oracle is the sysctl itself
if ip -n "$N" -6 route show dev "$V" | grep -q .; then
	ip netns exec "$N" sysctl -qw "net.ipv6.conf.$V.forwarding=0"
	for cmd in routes links; do
		out=$("$CALTRACE" -n "$N" -j "$cmd")
		rc=$?
		f=$(json_get "$out" "[.findings[] | select(.code == \"pod_gateway_unroutable\" and .subject == \"$V\")] | first")
		is "IPv6 forwarding off on $V: $cmd exits 1, pod_gateway_unroutable, cause ipv6_forwarding_off" \
			"$rc $(json_get "$f" '.code') $(json_get "$f" '.evidence | capture("\\((?<c>[a-z_0-9]+)\\)").c')" \
			"1 pod_gateway_unroutable ipv6_forwarding_off"
		is "IPv6 forwarding off on $V: $cmd's fix" "$(json_get "$f" '.run | join(";")')" \
			"${NSX}sysctl -w net.ipv6.conf.$V.forwarding=1"
	done
	is "IPv6 forwarding off on $V: the kernel's value (oracle)" \
		"$(ip netns exec "$N" sysctl -n "net.ipv6.conf.$V.forwarding")" 0
	ip netns exec "$N" sysctl -qw "net.ipv6.conf.$V.forwarding=1"
else
	skip "IPv6 forwarding off: the lab's pods have no IPv6 address"
fi

healthy " again"
lab_down
done_testing
