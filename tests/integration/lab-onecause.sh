#!/bin/bash
# One cause, one finding (issue 9): one fault at a time on the lab (vxlan mode: noforward,
# route, nogw, calidown, shadow, shadowrule, badgw; bgp mode: noforward, route, nogw, birdkill),
# `caltrace doctor -j` in the faulty node's namespace gives exactly ONE warn/fail finding, of
# the fault's root code, and its consequences are exactly what the kernel says broke: the
# expected codes and subjects come from the lab's variables and from the oracles (sysctl,
# `ip -j link/route/neigh`, `ip route get ... iif ...` refusals), never from caltrace's output.
# The folded findings are not listed again; a command scoped to an interface shows the root
# for its consequences there; the healthy lab gives no warn/fail finding. And the man page's
# table lists every row of analysis/fold.c.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq sysctl groff
need_caltrace

# ---- the man page's table (FINDINGS, "One cause, one finding") and analysis/fold.c agree
code_rows=$(sed -n 's/^[[:space:]]*{"\([a-z0-9_]*\)", \(NULL\|"[^"]*"\), "\([a-z0-9_]*\)".*/\1 \3/p' \
	"$TOP/analysis/fold.c" | sort -u)
man_rows=$(groff -t -man -Tascii -rLL=250n -rHY=0 -P-cbou "$TOP/man/caltrace.1" 2>/dev/null |
	sed -n '/One cause, one finding/,/^[A-Z]/p' |
	awk '$1 ~ /^[a-z0-9_]+$/ && $2 ~ /^[a-z0-9_]+$/ && $1 ~ /_/ && $2 ~ /_/ { print $1, $2 }' | sort -u)
is "analysis/fold.c has rows" "$([ "$(wc -l <<<"$code_rows")" -ge 10 ] && echo yes)" yes
is "the man page's fold table lists exactly the rows of analysis/fold.c" "$man_rows" "$code_rows"

# ---- helpers
# warnfail OUT: "code subject" of every warn or fail finding; the neighbour tables are global
# (every namespace of the machine fills them, other tests' labs too), so their findings
# (neigh_table_*) say nothing about this lab and are left out
warnfail() {
	json_get "$1" '.findings[] | select(.severity != "info" and (.code | startswith("neigh_table_") | not)) | .code + " " + .subject'
}

# one NAME RC OUT ROOT WANT: exit 1, exactly one warn/fail finding, ROOT ("code subject"), at
# fail, whose consequences are exactly WANT (lines "code subject", any order)
one() {
	local name=$1 rc=$2 out=$3 root=$4 want=$5 got
	got=$(warnfail "$out")
	is "$name: exit 1, one warn/fail finding: $root" "$rc|$got" "1|$root"
	root_has "$name" "$out" "$root" "$want"
}

# root_has NAME OUT ROOT WANT: ROOT is a failure whose consequences are exactly WANT
root_has() {
	local name=$1 out=$2 root=$3 want=$4 r
	r=$(json_get "$out" "[.findings[] | select(.code + \" \" + .subject == \"$root\")] | first")
	is "$name: the root is a failure (as bad as what it breaks)" "$(json_get "$r" .severity)" fail
	is "$name: its consequences are what the kernel says broke" \
		"$(json_get "$r" '.consequences[] | .code + " " + .subject' | sort)" \
		"$(printf '%s\n' "$want" | grep . | sort)"
	is "$name: each consequence carries its evidence" \
		"$(json_get "$r" '[.consequences[] | select(.evidence == "")] | length')" 0
}

# refused NS SRC IIF DST: the kernel's refusal of DST from SRC arriving on IIF ("ok": a route)
refused() {
	local err
	if err=$(ip -n "$1" route get "$4" from "$2" iif "$3" 2>&1 >/dev/null); then
		echo ok
	else
		printf '%s\n' "${err#RTNETLINK answers: }"
	fi
}

# pods_of K: the lab's pod ids on node K
pods_of() { lab_var "LAB_N$1_POD_IDS"; }

# healthy MODE: no warn/fail finding on any node or in web-1
healthy() {
	local out rc k
	for k in 1 2 3; do
		out=$("$CALTRACE" -n "$(lab_var "LAB_N$k")" -j doctor --timeout 5)
		rc=$?
		is "$1: healthy n$k: doctor gives no warn/fail finding" "$(warnfail "$out")" ""
		exit_agrees "$1: healthy n$k: doctor's exit status agrees" "$rc" "$out"
	done
	out=$("$CALTRACE" -n "$LAB_POD_1_NS" -j doctor)
	rc=$?
	is "$1: healthy web-1: doctor in the pod gives no warn/fail finding" "$(warnfail "$out")" ""
	exit_agrees "$1: healthy web-1: doctor's exit status agrees" "$rc" "$out"
}

# noforward MODE DEV: ip_forward=0 on n1; remote traffic arrives on DEV
noforward() {
	local mode=$1 dev=$2 out rc want="" i v ip x txt
	lab_fault noforward on || {
		not_ok "$mode: fault noforward on"
		return
	}
	is "$mode: noforward: the kernel's net.ipv4.ip_forward (oracle)" \
		"$(ip netns exec "$LAB_N1" sysctl -n net.ipv4.ip_forward)" 0
	# every workload interface whose forwarding the kernel turned off
	for x in $(ip -n "$LAB_N1" -j link show | jq -r '.[].ifname | select(startswith("cali"))'); do
		[ "$(ip netns exec "$LAB_N1" sysctl -n "net.ipv4.conf.$x.forwarding")" = 0 ] &&
			want="$want"$'\n'"forwarding_off $x"
	done
	for i in $(pods_of 1); do
		v=$(lab_var "LAB_POD_${i}_VETH")
		ip=$(lab_var "LAB_POD_${i}_IP")
		[ "$(refused "$LAB_N1" "$ip" "$v" 169.254.1.1)" = "No route to host" ] &&
			want="$want"$'\n'"pod_gateway_unroutable $v"
		[ "$(refused "$LAB_N1" "$LAB_POD_5_IP" "$dev" "$ip")" = "No route to host" ] &&
			want="$want"$'\n'"workload_route_shadowed $ip/32"
	done
	# IPv6 forwarding, off too (the fault turns both off): its own cause, its own finding,
	# covering the IPv6 gateway check of every pod with an IPv6 address (IPv6's lookup does
	# not see forwarding, so the oracle is the sysctl and the pods' addresses)
	local want6="" roots="ip_forward_off net.ipv4.ip_forward"
	if [ "$(ip netns exec "$LAB_N1" sysctl -n net.ipv6.conf.all.forwarding 2>/dev/null)" = 0 ]; then
		for i in $(pods_of 1); do
			[ -n "$(ip -n "$(lab_var "LAB_POD_${i}_NS")" -6 -j addr show dev eth0 scope global |
				jq -r '.[].addr_info[].local')" ] &&
				want6="$want6"$'\n'"pod_gateway_unroutable $(lab_var "LAB_POD_${i}_VETH")"
		done
		[ -n "$want6" ] && roots="$roots"$'\n'"forwarding_off net.ipv6.conf.all.forwarding"
	fi
	out=$("$CALTRACE" -n "$LAB_N1" -j doctor --timeout 5)
	rc=$?
	is "$mode: noforward: n1 doctor: exit 1, one warn/fail finding per switch turned off" \
		"$rc|$(warnfail "$out" | sort)" "1|$(sort <<<"$roots")"
	root_has "$mode: noforward: n1 doctor" "$out" "ip_forward_off net.ipv4.ip_forward" "$want"
	[ -z "$want6" ] || root_has "$mode: noforward: n1 doctor (IPv6)" "$out" \
		"forwarding_off net.ipv6.conf.all.forwarding" "$want6"
	is "$mode: noforward: the kernel refused both pods' gateway and forwarding to them" \
		"$(grep -c . <<<"$want")" 6
	txt=$("$CALTRACE" --color never -n "$LAB_N1" doctor --timeout 5)
	rc=$?
	ok_if "$mode: noforward: text shows each consequence under the root, one line each" "$txt" \
		grep -qE "^     causes: forwarding_off  $LAB_POD_1_VETH: net.ipv4.conf.$LAB_POD_1_VETH.forwarding = 0\$" <<<"$txt"
	is "$mode: noforward: text: one causes: line per consequence" \
		"$rc $(grep -c '^     causes: ' <<<"$txt")" "1 $(($(grep -c . <<<"$want") + $(grep -c . <<<"$want6")))"
	# links scoped to one interface: the root for its consequences there, and only those
	for i in $(pods_of 1); do
		v=$(lab_var "LAB_POD_${i}_VETH")
		out=$("$CALTRACE" -n "$LAB_N1" -j links "$v")
		rc=$?
		if grep -qE " $v\$" <<<"$want6"; then
			is "$mode: noforward: links $v: exit 1, the IPv4 and IPv6 switches" \
				"$rc|$(warnfail "$out" | sort)" \
				"1|$(printf '%s\n' "forwarding_off net.ipv4.ip_forward" "forwarding_off net.ipv6.conf.all.forwarding" | sort)"
			root_has "$mode: noforward: links $v" "$out" "forwarding_off net.ipv4.ip_forward" \
				"$(grep -E " $v\$" <<<"$want")"
			root_has "$mode: noforward: links $v (IPv6)" "$out" \
				"forwarding_off net.ipv6.conf.all.forwarding" "$(grep -E " $v\$" <<<"$want6")"
		else
			one "$mode: noforward: links $v" "$rc" "$out" "forwarding_off net.ipv4.ip_forward" \
				"$(grep -E " $v\$" <<<"$want")"
		fi
	done
	# routes ADDR has no forwarding finding of its own: the shadow check stands alone there,
	# and its fix must turn forwarding on, never delete the workload's own route
	out=$("$CALTRACE" -n "$LAB_N1" -j routes "$LAB_POD_1_IP")
	rc=$?
	x=$(json_get "$out" '[.findings[] | select(.code == "workload_route_shadowed")] | first | .run | join(";")')
	is "$mode: noforward: routes $LAB_POD_1_IP: workload_route_shadowed's fix turns forwarding on, deletes no route" \
		"$rc $(grep -c 'sysctl -w net.ipv4.ip_forward=1$' <<<"${x//;/$'\n'}") $(grep -c ' route del ' <<<"${x//;/$'\n'}")" "1 1 0"
	lab_fault noforward off || not_ok "$mode: fault noforward off"
}

# route MODE: web-1's /32 deleted
route() {
	local mode=$1 out rc want="" r
	lab_fault route on || {
		not_ok "$mode: fault route on"
		return
	}
	is "$mode: route: web-1's cali has no IPv4 route (oracle)" \
		"$(ip -n "$LAB_N1" -4 -j route show dev "$LAB_POD_1_VETH" | jq length)" 0
	[ "$(refused "$LAB_N1" "$LAB_POD_1_IP" "$LAB_POD_1_VETH" 169.254.1.1)" = "Invalid argument" ] &&
		want="pod_gateway_unroutable $LAB_POD_1_VETH"
	is "$mode: route: the kernel refuses web-1's gateway (reverse path)" "$want" \
		"pod_gateway_unroutable $LAB_POD_1_VETH"
	out=$("$CALTRACE" -n "$LAB_N1" -j doctor --timeout 5)
	rc=$?
	one "$mode: route: n1 doctor" "$rc" "$out" "workload_no_route $LAB_POD_1_VETH" "$want"
	r=$(json_get "$out" '.findings[0].run | join(";")')
	ok_if "$mode: route: the root's command restores the route (taken from the gateway check)" \
		"$r" grep -qF "ip route add $LAB_POD_1_IP dev $LAB_POD_1_VETH scope link" <<<"$r"
	# scoped to web-1's interface: the node is dual-stack (a fact of all its workloads, not of
	# the one shown), so the missing IPv4 route is still found
	if [ -n "$(lab_var LAB_POD_1_IP6)" ]; then
		out=$("$CALTRACE" -n "$LAB_N1" -j links "$LAB_POD_1_VETH")
		rc=$?
		one "$mode: route: links $LAB_POD_1_VETH" "$rc" "$out" "workload_no_route $LAB_POD_1_VETH" "$want"
	fi
	# the other pod's interface: nothing of this fault is in scope
	out=$("$CALTRACE" -n "$LAB_N1" -j links "$LAB_POD_2_VETH")
	rc=$?
	is "$mode: route: links $LAB_POD_2_VETH: exit 0, no warn/fail finding" "$rc|$(warnfail "$out")" "0|"
	lab_fault route off || not_ok "$mode: fault route off"
}

# nogw MODE: n1's default route deleted: no route covers 169.254.1.1, one cause for every pod
nogw() {
	local mode=$1 out rc want="" i v
	lab_fault nogw on || {
		not_ok "$mode: fault nogw on"
		return
	}
	for i in $(pods_of 1); do
		v=$(lab_var "LAB_POD_${i}_VETH")
		[ "$(refused "$LAB_N1" "$(lab_var "LAB_POD_${i}_IP")" "$v" 169.254.1.1)" = "Network is unreachable" ] &&
			want="$want"$'\n'"pod_gateway_unroutable $v"
	done
	is "$mode: nogw: the kernel finds no route for 169.254.1.1 from either pod (oracle)" \
		"$(grep -c . <<<"$want")" 2
	out=$("$CALTRACE" -n "$LAB_N1" -j doctor --timeout 5)
	rc=$?
	one "$mode: nogw: n1 doctor" "$rc" "$out" "no_route_to_pod_gateway 169.254.1.1" "$want"
	# scoped to one interface: the root, with that interface's consequence only
	out=$("$CALTRACE" -n "$LAB_N1" -j links "$LAB_POD_2_VETH")
	rc=$?
	one "$mode: nogw: links $LAB_POD_2_VETH" "$rc" "$out" "no_route_to_pod_gateway 169.254.1.1" \
		"pod_gateway_unroutable $LAB_POD_2_VETH"
	lab_fault nogw off || not_ok "$mode: fault nogw off"
}

# calidown MODE: web-1's cali down
calidown() {
	local mode=$1 out rc want=""
	lab_fault calidown on || {
		not_ok "$mode: fault calidown on"
		return
	}
	is "$mode: calidown: web-1's cali is not up (oracle)" \
		"$(ip -n "$LAB_N1" -j link show dev "$LAB_POD_1_VETH" | jq -r '.[0].flags | index("UP") == null')" true
	[ "$(ip -n "$LAB_N1" -j route show dev "$LAB_POD_1_VETH" | jq length)$(ip -n "$LAB_N1" -6 -j route show dev "$LAB_POD_1_VETH" | jq '[.[] | select(.dst | startswith("fe80") | not)] | length')" = 00 ] &&
		want="workload_no_route $LAB_POD_1_VETH"
	[ "$(refused "$LAB_N1" "$LAB_POD_1_IP" "$LAB_POD_1_VETH" 169.254.1.1)" = "Invalid argument" ] &&
		want="$want"$'\n'"pod_gateway_unroutable $LAB_POD_1_VETH"
	out=$("$CALTRACE" -n "$LAB_N1" -j doctor --timeout 5)
	rc=$?
	one "$mode: calidown: n1 doctor" "$rc" "$out" "workload_link_down $LAB_POD_1_VETH" "$want"
	is "$mode: calidown: the kernel deleted the routes and refuses the gateway" "$(grep -c . <<<"$want")" 2
	lab_fault calidown off || not_ok "$mode: fault calidown off"
}

# shadow MODE FAULT: a blackhole prepended over web-1's /32 (shadow), or a policy rule sending it
# to a blackhole in another table (shadowrule)
shadow() {
	local mode=$1 fault=$2 out rc want=""
	lab_fault "$fault" on || {
		not_ok "$mode: fault $fault on"
		return
	}
	local dev
	dev=$(ip -n "$LAB_N1" -j route get "$LAB_POD_1_IP" 2>/dev/null | jq -r '.[0].dev // ""')
	is "$mode: $fault: the kernel's route to web-1 does not leave through its cali (oracle)" \
		"$([ "$dev" != "$LAB_POD_1_VETH" ] && echo elsewhere)" elsewhere
	[ "$(refused "$LAB_N1" "$LAB_POD_1_IP" "$LAB_POD_1_VETH" 169.254.1.1)" = "Invalid argument" ] &&
		want="pod_gateway_unroutable $LAB_POD_1_VETH"
	out=$("$CALTRACE" -n "$LAB_N1" -j doctor --timeout 5)
	rc=$?
	one "$mode: $fault: n1 doctor" "$rc" "$out" "workload_route_shadowed $LAB_POD_1_IP/32" "$want"
	out=$("$CALTRACE" -n "$LAB_N1" -j routes "$LAB_POD_1_IP")
	rc=$?
	one "$mode: $fault: routes $LAB_POD_1_IP" "$rc" "$out" "workload_route_shadowed $LAB_POD_1_IP/32" "$want"
	lab_fault "$fault" off || not_ok "$mode: fault $fault off"
}

# ---- VXLAN mode
lab_up vxlan || bail "lab up failed"
healthy vxlan
noforward vxlan vxlan.calico
route vxlan
nogw vxlan
calidown vxlan
shadow vxlan shadow
shadow vxlan shadowrule

# badgw: n2's block via an address that is no node
if lab_fault badgw on; then
	gw=$(ip -n "$LAB_N1" -j route show "$LAB_N2_BLOCK" | jq -r '.[0].gateway')
	is "vxlan: badgw: the route's gateway is no node's (oracle)" \
		"$(grep -cxF "$gw" <<<"$LAB_N1_IP"$'\n'"$LAB_N2_IP"$'\n'"$LAB_N3_IP"$'\n'"$(ip -n "$LAB_N1" -j neigh show dev vxlan.calico nud permanent | jq -r '.[].dst')")" 0
	want=""
	[ "$(ip -n "$LAB_N1" -j neigh show "$gw" dev vxlan.calico nud permanent | jq length)" = 0 ] &&
		want="vxlan_gateway_no_neigh $gw"
	out=$("$CALTRACE" -n "$LAB_N1" -j doctor --timeout 5)
	rc=$?
	one "vxlan: badgw: n1 doctor" "$rc" "$out" "tunnel_gateway_not_a_node $LAB_N2_BLOCK" "$want"
	lab_fault badgw off || not_ok "vxlan: fault badgw off"
else
	not_ok "vxlan: fault badgw on"
fi
healthy "vxlan again"
lab_down

# ---- BGP mode (BIRD 1.6)
if ! command -v bird >/dev/null 2>&1; then
	skip "bgp: no BIRD 1.6 (bird) installed"
	done_testing
	exit
fi
lab_up bgp || bail "lab up bgp failed"
healthy bgp
noforward bgp eth0
route bgp
nogw bgp

# birdkill: n2's BIRD dies, its routes stay (persist): every one is stale, one cause
if lab_fault birdkill on; then
	want=$(ip -n "$LAB_N2" -j route show proto bird | jq -r '.[] | "bgp_route_stale " + .dst')
	is "bgp: birdkill: the dead BIRD left routes in n2's kernel (oracle)" \
		"$([ -n "$want" ] && echo yes)" yes
	out=$(timeout 60 "$CALTRACE" -n "$LAB_N2" -j doctor --timeout 5 --bird-socket "$LAB_N2_BIRD_SOCK" 2>/dev/null)
	rc=$?
	one "bgp: birdkill: n2 doctor" "$rc" "$out" "bird_unreachable $LAB_N2_BIRD_SOCK" "$want"
	lab_fault birdkill off || not_ok "bgp: fault birdkill off"
else
	not_ok "bgp: fault birdkill on"
fi
healthy "bgp again"
lab_down
done_testing
