#!/bin/bash
# encap_blocked and encap_peer_not_allowed (issue 9) on the lab: fault encapdrop (n2's input
# drops the tunnel in nftables' table inet filter: UDP to the VXLAN port, or IP protocol 4)
# and fault peernotallowed (n1's underlay address out of n2's allow set, where Felix-like
# "Drop ... from non-..." rules then drop n1's tunnel packets). Oracles: `nft -j list table`
# (the rule's handle and counter), `ipset save` (the set's members) and `iptables-legacy-save
# -c` (the drop rule's counter; n2's Felix-like chains are legacy), all read here, and real
# pod pings across nodes that the faults stop and that move the counters. In BGP mode the
# node uses no encapsulation: encapdrop gives nothing there. Healthy labs give neither code.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq nft ipset ping iptables-legacy-save setpriv
need_caltrace

CODES='["encap_blocked","encap_peer_not_allowed"]'
# "code subject" of this test's codes in a caltrace document
mine() { json_get "$1" "[.findings[] | select(.code as \$c | $CODES | index(\$c)) | \"\(.code) \(.subject)\"] | sort | join(\",\")"; }
finding() { json_get "$1" ".findings[] | select(.code == \"$2\") | .$3"; }
# the packets counted by the drop rule of n2's table inet filter, and its handle
nft_rule() { in_ns "$LAB_N2" nft -j list table inet filter | jq -r '.nftables[] | .rule? // empty | select([.expr[] | has("drop")] | any) | "\(.handle) \([.expr[] | .counter?.packets // empty][0])"'; }
# the packets counted by Felix's drop rule (its comment), from iptables-legacy-save -c
felix_drop() {
	in_ns "$LAB_N2" iptables-legacy-save -c -t filter | awk -v c="$1" '
		index($0, " -A cali-INPUT ") && index($0, c) { s = $1; gsub(/[][]/, "", s); split(s, a, ":"); print a[1]; exit }'
}
# the remote pod on n2 (pod 3) from pod 1 on n1
cross_ping() { pings "$LAB_POD_1_NS" "$LAB_POD_3_IP"; }

modes=$LAB_MODES
case " $modes " in *" ipip "*) ;; *) modes="$modes ipip" ;; esac
for mode in $modes; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	for k in 1 2 3; do
		node=$(lab_var "LAB_N$k")
		out=$("$CALTRACE" -n "$node" -j doctor)
		rc=$?
		is "$mode: n$k doctor: healthy, neither code" "$(mine "$out")" ""
		exit_agrees "$mode: n$k doctor: exit as the findings say" "$rc" "$out"
	done
	out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	is "$mode: n2 tunnel: healthy, neither code, no note" "$(mine "$out") $(json_get "$out" '.encap_note')" " null"

	# ---- encapdrop
	lab_fault encapdrop on || not_ok "$mode: fault encapdrop on"
	if [ "$mode" = bgp ] || [ "$mode" = bgp2 ]; then
		out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
		is "$mode: encapdrop: no encapsulation in use, no encap_blocked" "$(mine "$out")" ""
		lab_fault encapdrop off || not_ok "$mode: fault encapdrop off"
		lab_down
		continue
	fi
	PING_WAIT=1 check_fails "$mode: encapdrop: pod 1 (n1) no longer reaches pod 3 (n2)" cross_ping
	before=$(nft_rule)
	out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	rc=$?
	after=$(nft_rule)
	is "$mode: encapdrop: n2 tunnel: exactly encap_blocked on inet filter input" "$(mine "$out")" \
		"encap_blocked inet filter input"
	is "$mode: encapdrop: exit 1" "$rc" 1
	ev=$(finding "$out" encap_blocked evidence)
	h=${after%% *}
	ok_if "$mode: encapdrop: the evidence names the rule's handle nft shows ($h)" "$ev" \
		grep -qF "table inet filter chain input handle $h:" <<<"$ev"
	got=$(sed -n 's/.*counter: \([0-9]*\) packets.*/\1/p' <<<"$ev")
	ok_if "$mode: encapdrop: the counter caltrace read ($got) lies between nft's before and after (${before#* }..${after#* })" \
		"$ev" test -n "$got" -a "$got" -ge "${before#* }" -a "$got" -le "${after#* }"
	ok_if "$mode: encapdrop: the pings moved nft's counter (${after#* })" "$after" test "${after#* }" -gt 0
	is "$mode: encapdrop: the run line deletes that rule" "$(finding "$out" encap_blocked 'run[0]')" \
		"ip netns exec $LAB_N2 nft delete rule inet filter input handle $h"
	out=$("$CALTRACE" -n "$LAB_N2" -j doctor)
	is "$mode: encapdrop: n2 doctor: the same" "$(mine "$out")" "encap_blocked inet filter input"
	out=$("$CALTRACE" -n "$LAB_N1" -j tunnel)
	is "$mode: encapdrop: n1 (its firewall untouched) has neither code" "$(mine "$out")" ""
	# without CAP_NET_ADMIN: a note, not a finding
	nocap=$(in_ns "$LAB_N2" setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$CALTRACE" -j tunnel)
	is "$mode: encapdrop: no CAP_NET_ADMIN: no finding" "$(mine "$nocap")" ""
	ok_if "$mode: encapdrop: no CAP_NET_ADMIN: the note names the capability" "$nocap" \
		grep -q CAP_NET_ADMIN <<<"$(json_get "$nocap" '.encap_note')"
	# the fix line, pasted into bash, mends it: the kernel passes the pings again
	out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	run=$(finding "$out" encap_blocked 'run[0]')
	check "$mode: encapdrop: the run line runs" bash -c "$run"
	check "$mode: encapdrop: after the run line, pod 1 reaches pod 3" cross_ping
	lab_fault encapdrop off || not_ok "$mode: fault encapdrop off"
	out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	is "$mode: encapdrop off: neither code" "$(mine "$out")" ""
	check "$mode: encapdrop off: pod 1 reaches pod 3 again" cross_ping

	# without the ipset binary (a PATH holding only the ip(6)tables saves): a note, no finding
	bin=$(mktemp -d /tmp/ct-encap-bin.XXXXXX)
	for b in iptables-legacy-save iptables-nft-save ip6tables-legacy-save ip6tables-nft-save; do
		ln -s "$(command -v "$b")" "$bin/$b"
	done
	lab_fault peernotallowed on || not_ok "$mode: fault peernotallowed on"
	out=$(in_ns "$LAB_N2" env PATH="$bin:/usr/bin:/bin" "$CALTRACE" -j tunnel)
	rm -rf "$bin"
	is "$mode: no ipset binary: no finding" "$(mine "$out")" ""
	ok_if "$mode: no ipset binary: the note says encap_peer_not_allowed was not checked" "$out" \
		grep -q "encap_peer_not_allowed not checked" <<<"$(json_get "$out" '.encap_note')"
	lab_fault peernotallowed off || not_ok "$mode: fault peernotallowed off"

	# ---- peernotallowed
	case "$mode" in ipip) set=cali40all-hosts-net c="Drop IPIP packets from non-Calico hosts" ;;
	*) set=cali40all-vxlan-net c="Drop IPv4 VXLAN packets from non-allowed hosts" ;; esac
	lab_fault peernotallowed on || not_ok "$mode: fault peernotallowed on"
	PING_WAIT=1 check_fails "$mode: peernotallowed: pod 1 (n1) no longer reaches pod 3 (n2)" cross_ping
	before=$(felix_drop "$c")
	out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	rc=$?
	after=$(felix_drop "$c")
	is "$mode: peernotallowed: n2 tunnel: exactly encap_peer_not_allowed for n1's address" \
		"$(mine "$out")" "encap_peer_not_allowed $LAB_N1_IP"
	is "$mode: peernotallowed: exit 1" "$rc" 1
	ev=$(finding "$out" encap_peer_not_allowed evidence)
	members=$(in_ns "$LAB_N2" ipset save "$set" | awk '$1 == "add" { print $3 }' | sort | xargs)
	got=$(sed -n "s/^ipset $set: \([^;]*\);.*/\1/p" <<<"$ev" | xargs -n1 | sort | xargs)
	is "$mode: peernotallowed: the set's members are those ipset save lists" "$got" "$members"
	got=$(sed -n 's/.*: \([0-9]*\) packets dropped so far.*/\1/p' <<<"$ev")
	ok_if "$mode: peernotallowed: Felix's drop counter caltrace read ($got) lies between iptables-legacy-save's ($before..$after)" \
		"$ev" test -n "$got" -a "$got" -ge "$before" -a "$got" -le "$after"
	ok_if "$mode: peernotallowed: the pings moved Felix's drop counter ($after)" "$after" test "$after" -gt 0
	is "$mode: peernotallowed: the run line adds the address back" \
		"$(finding "$out" encap_peer_not_allowed 'run[0]')" \
		"ip netns exec $LAB_N2 ipset add $set $LAB_N1_IP -exist"
	out=$("$CALTRACE" -n "$LAB_N2" -j doctor)
	is "$mode: peernotallowed: n2 doctor: the same" "$(mine "$out")" "encap_peer_not_allowed $LAB_N1_IP"
	check "$mode: peernotallowed: the run line runs" bash -c "$(finding "$out" encap_peer_not_allowed 'run[0]')"
	check "$mode: peernotallowed: after the run line, pod 1 reaches pod 3" cross_ping
	lab_fault peernotallowed on || not_ok "$mode: fault peernotallowed on (again)"
	lab_fault peernotallowed off || not_ok "$mode: fault peernotallowed off"
	out=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	is "$mode: peernotallowed off: neither code" "$(mine "$out")" ""
	check "$mode: peernotallowed off: pod 1 reaches pod 3 again" cross_ping
	lab_down
done
done_testing
