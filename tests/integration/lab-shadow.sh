#!/bin/bash
# workload_route_shadowed and workload_address_unused on the lab, in bgp and vxlan mode. The
# oracle is the kernel: `ip route get POD` (from the node) and `ip route get POD from REMOTE_POD
# iif DEV` (as a packet from another node's pod arrives: the underlay eth0 in BGP mode,
# vxlan.calico in VXLAN mode) in the node's namespace, and `ip -j rule`/`ip -j route` for the
# route or rule the finding must name. Each fault: the finding's code, subject, cause and run
# lines; the run line that deletes the culprit is run as printed, and the kernel must then
# route the pod through its own interface again, with no finding left.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq
need_caltrace

trap 'lab_cleanup' EXIT

# the device the kernel picks for POD (extra words: from SRC iif DEV), or "error"
kernel_dev() {
	local ns=$1 out
	shift
	out=$(ip -n "$ns" -j route get "$@" 2>/dev/null) || {
		echo error
		return
	}
	printf '%s' "$out" | jq -r '.[0].dev // "-"'
}

# fields of the workload_route_shadowed finding for SUBJECT
shadow_field() {
	json_get "$1" "[.findings[] | select(.code == \"workload_route_shadowed\" and .subject == \"$2\") | $3] | join(\"|\")"
}

# runs the run line that deletes the culprit (the one with "del"), as printed
run_del() {
	local line
	line=$(json_get "$1" "[.findings[] | select(.code == \"workload_route_shadowed\") | .run[] | select(test(\" del \"))][0] // \"\"")
	[ -n "$line" ] || return 1
	bash -c "$line"
}

MODES=${SHADOW_MODES:-bgp vxlan}
for mode in $MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	case "$mode" in
	vxlan) indev=vxlan.calico ;;
	*) indev=eth0 ;;
	esac
	pod=$LAB_POD_1_IP veth=$LAB_POD_1_VETH remote=$LAB_POD_3_IP n1=$LAB_N1

	# healthy: the kernel routes every pod through its own interface, from the node and from
	# the ingress; caltrace says nothing
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		bad=""
		for i in $(lab_var "LAB_N${k}_POD_IDS"); do
			ip=$(lab_var "LAB_POD_${i}_IP") v=$(lab_var "LAB_POD_${i}_VETH")
			[ "$(kernel_dev "$node" "$ip")" = "$v" ] || bad="$bad $ip"
		done
		is "$mode: n$k healthy: the kernel routes each pod through its own interface" "$bad" ""
		out=$("$CALTRACE" -n "$node" -j routes)
		rc=$?
		is "$mode: n$k healthy: routes exits 0 with no findings" \
			"$rc $(json_get "$out" '.findings | length')" "0 0"
	done
	[ "$(kernel_dev "$n1" "$pod" from "$remote" iif "$indev")" = "$veth" ]
	ok_if "$mode: healthy: the kernel routes $pod from $remote iif $indev through $veth" $?

	# 1. ip route prepend blackhole POD/32 (lab fault shadow)
	lab_fault shadow on || not_ok "$mode: fault shadow on"
	is "$mode: prepend blackhole: the kernel refuses $pod" "$(kernel_dev "$n1" "$pod")" error
	out=$("$CALTRACE" -n "$n1" -j routes "$pod")
	rc=$?
	is "$mode: prepend blackhole: routes $pod exits 1 with workload_route_shadowed on $pod/32" \
		"$rc $(shadow_field "$out" "$pod/32" .severity)" "1 fail"
	msg=$(shadow_field "$out" "$pod/32" .message)
	case "$msg" in
	*"traffic to $pod from the node"*"does not leave through $veth: blackhole $pod/32 table main"*) ok "$mode: prepend blackhole: the message names the blackhole /32" ;;
	*) not_ok "$mode: prepend blackhole: the message names the blackhole /32" "$msg" ;;
	esac
	is "$mode: prepend blackhole: the evidence is the kernel's refusal" \
		"$(shadow_field "$out" "$pod/32" .evidence)" "ip route get $pod: Invalid argument"
	is "$mode: prepend blackhole: run lines delete the blackhole and ask again" \
		"$(shadow_field "$out" "$pod/32" '.run | join(";")')" \
		"ip netns exec $n1 ip -4 route del blackhole $pod/32;ip netns exec $n1 ip route get $pod"
	# a snapshot keeps the kernel's answers: the same finding from the file
	snap=$(mktemp /tmp/ct-shadow-snap.XXXXXX)
	"$CALTRACE" -n "$n1" snapshot -o "$snap" >/dev/null 2>&1
	sout=$("$CALTRACE" --from "$snap" -j routes "$pod")
	rc=$?
	rm -f "$snap"
	is "$mode: prepend blackhole: --from a snapshot gives the same finding" \
		"$rc $(shadow_field "$sout" "$pod/32" '"\(.message) \(.evidence)"')" \
		"1 $(shadow_field "$out" "$pod/32" '"\(.message) \(.evidence)"')"
	run_del "$out"
	is "$mode: prepend blackhole: after the printed fix the kernel routes $pod through $veth" \
		"$(kernel_dev "$n1" "$pod") $(ip -n "$n1" -j route show "$pod/32" | jq -r 'length')" "$veth 1"
	out=$("$CALTRACE" -n "$n1" -j routes "$pod")
	rc=$?
	is "$mode: prepend blackhole fixed: exit 0, no findings" "$rc $(json_get "$out" '.findings | length')" "0 0"
	lab_fault shadow off || not_ok "$mode: fault shadow off"

	# 2. a policy rule sends the pod's traffic to table 100 (a route via eth0, then a blackhole)
	for kind in unicast blackhole; do
		if [ "$kind" = unicast ]; then
			ip -n "$n1" rule add to "$pod/32" lookup 100
			ip -n "$n1" route add "$pod/32" dev eth0 table 100
			want_dev=eth0 want_ev="dev eth0" want_cause="unicast $pod/32 dev 'eth0' table 100"
		else
			lab_fault shadowrule on || not_ok "$mode: fault shadowrule on"
			want_dev=error want_ev="Invalid argument" want_cause="blackhole $pod/32 table 100"
		fi
		prio=$(ip -n "$n1" -j rule show | jq -r --arg d "$pod" '.[] | select(.dst == $d) | .priority')
		is "$mode: rule to table 100 ($kind): the kernel's answer" "$(kernel_dev "$n1" "$pod")" "$want_dev"
		out=$("$CALTRACE" -n "$n1" -j routes "$pod")
		rc=$?
		is "$mode: rule ($kind): exit 1, workload_route_shadowed on $pod/32" \
			"$rc $(shadow_field "$out" "$pod/32" .code)" "1 workload_route_shadowed"
		msg=$(shadow_field "$out" "$pod/32" .message)
		case "$msg" in
		*"$want_cause"*"(rule $prio lookup 100)"*) ok "$mode: rule ($kind): names the route and the rule that win" ;;
		*) not_ok "$mode: rule ($kind): names the route and the rule that win" "$msg" ;;
		esac
		is "$mode: rule ($kind): evidence" "$(shadow_field "$out" "$pod/32" .evidence)" \
			"ip route get $pod: $want_ev"
		is "$mode: rule ($kind): the run line deletes the rule, by its priority" \
			"$(shadow_field "$out" "$pod/32" '.run[0]')" "ip netns exec $n1 ip -4 rule del priority $prio"
		run_del "$out"
		is "$mode: rule ($kind): after the printed fix the kernel routes $pod through $veth" \
			"$(kernel_dev "$n1" "$pod") $(ip -n "$n1" -j rule show | jq -r --arg d "$pod" '[.[] | select(.dst == $d)] | length')" \
			"$veth 0"
		ip -n "$n1" route flush table 100
		[ "$kind" = unicast ] || lab_fault shadowrule off || not_ok "$mode: fault shadowrule off"
	done

	# 3. only traffic arriving from other nodes is shadowed: a rule for iif $indev
	ip -n "$n1" rule add iif "$indev" to "$pod/32" lookup 100
	ip -n "$n1" route add blackhole "$pod/32" table 100
	is "$mode: ingress-only rule: the kernel, from the node and from $remote iif $indev" \
		"$(kernel_dev "$n1" "$pod") $(kernel_dev "$n1" "$pod" from "$remote" iif "$indev")" "$veth error"
	out=$("$CALTRACE" -n "$n1" -j routes "$pod")
	rc=$?
	msg=$(shadow_field "$out" "$pod/32" .message)
	ev=$(shadow_field "$out" "$pod/32" .evidence)
	case "$rc|$msg|$ev" in
	"1|traffic to $pod arriving on $indev from "*"does not leave through $veth: blackhole $pod/32 table 100"*"|ip route get $pod from "*" iif $indev: Invalid argument")
		ok "$mode: ingress-only rule: found on the path from $indev, naming the blackhole" ;;
	*) not_ok "$mode: ingress-only rule: found on the path from $indev, naming the blackhole" "$rc|$msg|$ev" ;;
	esac
	src=${ev#ip route get "$pod" from }
	src=${src%% *}
	is "$mode: ingress-only rule: the kernel refuses the query as the evidence states it" \
		"$(kernel_dev "$n1" "$pod" from "$src" iif "$indev")" error
	run_del "$out"
	is "$mode: ingress-only rule: after the printed fix, routed through $veth from $indev" \
		"$(kernel_dev "$n1" "$pod" from "$remote" iif "$indev")" "$veth"
	ip -n "$n1" route flush table 100

	# 4. routes ADDR for an address of n1's block that no workload holds (lab fault route)
	lab_fault route on || not_ok "$mode: fault route on"
	is "$mode: /32 deleted: the kernel has no route for $pod out of $veth" \
		"$(kernel_dev "$n1" "$pod")" error
	out=$("$CALTRACE" -n "$n1" -j routes "$pod")
	rc=$?
	is "$mode: /32 deleted: routes $pod exits 1 with workload_address_unused on the block" \
		"$rc $(json_get "$out" "[.findings[] | select(.code == \"workload_address_unused\") | \"\(.severity) \(.subject)\"] | join(\",\")")" \
		"1 warn $LAB_N1_BLOCK"
	json_eq "$mode: /32 deleted: the message says no workload holds it" "$out" \
		'[.findings[] | select(.code == "workload_address_unused") | .message] | join(",")' \
		"no workload on this node holds $pod: traffic to it ends in this node's blackhole $LAB_N1_BLOCK"
	lab_fault route off || not_ok "$mode: fault route off"
	out=$("$CALTRACE" -n "$n1" -j routes "$pod")
	rc=$?
	is "$mode: /32 restored: exit 0, no findings" "$rc $(json_get "$out" '.findings | length')" "0 0"
	lab_down
done

done_testing
