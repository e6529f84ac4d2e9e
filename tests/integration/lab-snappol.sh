#!/bin/bash
# Felix's rules in snapshots (snapshot 1.1's "policy" member), on a vxlan lab: a snapshot of a
# node must give `links --from`, `tunnel --from`, `doctor --from` and `path --node NAME=@FILE`
# the policy findings and verdicts the live commands give on the same node, and both must
# agree with the oracles read here: `iptables-nft-save -c` (n1's Felix-like chains; the
# chain, the end-of-tier rule's number and its counter), `nft -j list table inet filter`
# (encapdrop's rule handle and counter on n2) and `ipset save` (n2's allow set). A healthy
# lab's snapshot gives no policy finding; an older snapshot (the member removed with jq)
# still loads and says its rules are not in it.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq nft ipset ping iptables-nft-save setpriv
need_caltrace

TMPD=$(mktemp -d)
at_exit "rm -rf '$TMPD'"

POLICY_CODES='["workload_policy_missing","path_policy_denies","encap_blocked","encap_peer_not_allowed"]'
pcodes() { json_get "$1" "[.findings[] | select(.code as \$c | $POLICY_CODES | index(\$c)) | \"\(.code) \(.subject)\"] | sort | join(\",\")"; }
# findings of those codes with their evidence and run lines (what live and snapshot must share)
pfind() { json_get "$1" "[.findings[] | select(.code as \$c | $POLICY_CODES | index(\$c)) | {code, subject, evidence, run}] | sort_by(.code, .subject)"; }
# each workload's policy in links -j (the counters included)
wlpol() { json_get "$1" '[.items[] | {name, policy}] | sort_by(.name)'; }
# the end-of-tier rule of cali-tw-IFACE in NS's iptables-nft-save -c: "NUMBER PACKETS"
eot_oracle() {
	in_ns "$1" iptables-nft-save -c -t filter | awk -v c="cali-tw-$2" '
		index($0, " -A " c " ") { n++
			if (/Drop if no policies passed packet/) {
				s = $1; gsub(/[][]/, "", s); split(s, a, ":"); print n " " a[1]; exit } }'
}
# the policy hop of a path -j: "VERDICT codes | evidence lines"
hop() { json_get "$1" ".hops[] | select(.direction == \"forward\" and .kind == \"$2\" and .node == \"$3\") | \"\(.verdict) \(.findings | join(\",\"))\""; }
hop_ev() { json_get "$1" ".hops[] | select(.direction == \"forward\" and .kind == \"$2\" and .node == \"$3\") | .evidence[]"; }
# path from pod 3 (n2) to pod 1 (n1), n1 given as $1 (a namespace or @FILE)
path31() { "$CALTRACE" -j -n "$LAB_N2" --node "n1=$1" --node "n2=$LAB_N2" --node "n3=$LAB_N3" \
	path "$LAB_POD_3_IP" "$LAB_POD_1_IP" 2>&1; }

lab_up vxlan || bail "vxlan: lab up"

# ---- healthy: the snapshot holds the rules, and they give what the live node gives
out=$("$CALTRACE" -n "$LAB_N1" snapshot -o "$TMPD/h1.json" 2>&1)
is "healthy n1: snapshot exit 0" "$?" 0
snap=$(cat "$TMPD/h1.json")
is "healthy n1: the snapshot is 1.1 and holds iptables-nft's rules" \
	"$(json_get "$snap" '"\(.schema_version) \(.policy.backends[] | select(.backend == "iptables-nft") | .read)"')" "1.1 true"
is "healthy n1: as many filter chains as iptables-nft-save prints" \
	"$(json_get "$snap" '[.policy.backends[] | select(.backend == "iptables-nft") | .chains[] | select(.table == "filter")] | length')" \
	"$(in_ns "$LAB_N1" iptables-nft-save -t filter | grep -c '^:')"
is "healthy n1: as many filter rules as iptables-nft-save prints" \
	"$(json_get "$snap" '[.policy.backends[] | select(.backend == "iptables-nft") | .chains[] | select(.table == "filter") | .rules[]] | length')" \
	"$(in_ns "$LAB_N1" iptables-nft-save -t filter | grep -c '^-A ')"
live=$("$CALTRACE" -n "$LAB_N1" -j links)
rc_live=$?
from=$("$CALTRACE" --from "$TMPD/h1.json" -j links)
rc=$?
is "healthy n1 links --from: exit 0, no finding, read from iptables-nft" \
	"$rc $(json_get "$from" '.findings | length') $(json_get "$from" '.policy_read')" "0 0 iptables-nft"
is "healthy n1 links --from: each workload's policy as live links shows it (rc $rc_live)" \
	"$(wlpol "$from")" "$(wlpol "$live")"
is "healthy n1 links --from: every workload has both chains" \
	"$(json_get "$from" '[.items[] | select(.policy.from_workload.present and .policy.to_workload.present)] | length')" \
	"$(json_get "$from" '.items | length')"
"$CALTRACE" -n "$LAB_N2" snapshot -o "$TMPD/h2.json" 2>/dev/null
from=$("$CALTRACE" --from "$TMPD/h2.json" -j tunnel)
rc=$?
is "healthy n2 tunnel --from: exit 0, no policy finding, no note" \
	"$rc $(pcodes "$from") $(json_get "$from" '.encap_note')" "0  null"
out=$(path31 "@$TMPD/h1.json")
rc=$?
is "healthy path with n1 from its snapshot: exit 0" "$rc" 0
is "healthy path: n1's policy_in hop is judged (ok)" "$(hop "$out" policy_in n1)" "ok "
ok_if "healthy path: its counters are said to be the snapshot's" "$(hop_ev "$out" policy_in n1)" \
	grep -q "^counters as of the snapshot, [0-9]* s ago$" <<<"$(hop_ev "$out" policy_in n1)"

# ---- denypolicy (web-1 on n1): pings dropped, then the snapshot
if lab_fault denypolicy on; then
	for _ in 1 2 3; do pings "$LAB_POD_3_NS" "$LAB_POD_1_IP" && not_ok "denypolicy: a ping passed"; done
	"$CALTRACE" -n "$LAB_N1" snapshot -o "$TMPD/deny.json" 2>/dev/null
	read -r rule pk <<<"$(eot_oracle "$LAB_N1" "$LAB_POD_1_VETH")"
	ok_if "denypolicy: the oracle's end-of-tier rule counted the pings ($pk)" "$rule $pk" test "${pk:-0}" -ge 3
	live=$("$CALTRACE" -n "$LAB_N1" -j links)
	from=$("$CALTRACE" --from "$TMPD/deny.json" -j links)
	is "denypolicy links --from: each workload's policy as live links shows it" \
		"$(wlpol "$from")" "$(wlpol "$live")"
	is "denypolicy links --from: web-1's end-of-tier rule and counter are iptables-nft-save's" \
		"$(json_get "$from" ".items[] | select(.name == \"$LAB_POD_1_VETH\") | .policy.drops[] | select(.kind == \"end_of_tier\") | \"\(.chain) \(.rule) \(.packets)\"")" \
		"cali-tw-$LAB_POD_1_VETH $rule $pk"
	is "denypolicy links --from: the deny-all policy chain" \
		"$(json_get "$from" ".items[] | select(.name == \"$LAB_POD_1_VETH\") | [.policy.chains[] | select(.kind == \"policy\") | .name] | join(\",\")")" \
		"cali-pi-default.deny-all"
	out_live=$(path31 "$LAB_N1")
	rc_live=$?
	out=$(path31 "@$TMPD/deny.json")
	rc=$?
	is "denypolicy path, n1 from its snapshot: exit 1 as live ($rc_live)" "$rc" 1
	is "denypolicy path, n1 from its snapshot: policy_in on n1 fails with path_policy_denies" \
		"$(hop "$out" policy_in n1)" "fail path_policy_denies"
	is "denypolicy path: the same verdict live" "$(hop "$out_live" policy_in n1)" "fail path_policy_denies"
	ev=$(hop_ev "$out" policy_in n1)
	ok_if "denypolicy path: the evidence names the chain, rule $rule and $pk packets" "$ev" \
		grep -qx "cali-tw-$LAB_POD_1_VETH rule $rule: DROP end_of_tier, $pk packets" <<<"$ev"
	is "denypolicy path: the path_policy_denies finding is the live one" \
		"$(pfind "$out")" "$(pfind "$out_live")"
	# --probe: real packets from pod 3; n1's counters are the snapshot's and are not read again
	out=$("$CALTRACE" -j -n "$LAB_N2" --node "n1=@$TMPD/deny.json" --node "n2=$LAB_N2" \
		--node "n3=$LAB_N3" path --probe --wait 1 "$LAB_POD_3_IP" "$LAB_POD_1_IP" 2>&1)
	rc=$?
	is "denypolicy path --probe, n1 from its snapshot: exit 1, nothing received" \
		"$rc $(json_get "$out" '.probe.received')" "1 0"
	is "denypolicy path --probe: n1's policy counters neither re-read nor missing" \
		"$(json_get "$out" '[.probe.moved[]? | select(.node == "n1")] | length') $(json_get "$out" '.probe.missing // "" | test("policy counters of n1")')" \
		"0 false"
	lab_fault denypolicy off || not_ok "denypolicy off"
else
	not_ok "denypolicy on"
fi

# ---- encapdrop (n2's table inet filter drops VXLAN)
if lab_fault encapdrop on; then
	pings "$LAB_POD_1_NS" "$LAB_POD_3_IP" && not_ok "encapdrop: a ping passed"
	"$CALTRACE" -n "$LAB_N2" snapshot -o "$TMPD/encap.json" 2>/dev/null
	o=$(in_ns "$LAB_N2" nft -j list table inet filter | jq -r '.nftables[] | .rule? // empty | select([.expr[] | has("drop")] | any) | "\(.handle) \([.expr[] | .counter?.packets // empty][0])"')
	live=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	from=$("$CALTRACE" --from "$TMPD/encap.json" -j tunnel)
	rc=$?
	is "encapdrop tunnel --from: exit 1 and encap_blocked on inet filter input" \
		"$rc $(pcodes "$from")" "1 encap_blocked inet filter input"
	is "encapdrop tunnel --from: the finding (evidence, run line) is the live one" \
		"$(pfind "$from")" "$(pfind "$live")"
	ev=$(json_get "$from" '.findings[] | select(.code == "encap_blocked") | .evidence')
	ok_if "encapdrop tunnel --from: names nft's handle and counter (${o})" "$ev" \
		grep -q "handle ${o% *}: .*counter: ${o#* } packets" <<<"$ev"
	from=$("$CALTRACE" --from "$TMPD/encap.json" -j doctor)
	is "encapdrop doctor --from: encap_blocked too" "$(pcodes "$from")" "encap_blocked inet filter input"
	# the member removed: an older snapshot
	jq 'del(.policy) | .schema_version = "1.0"' "$TMPD/encap.json" >"$TMPD/old.json"
	from=$("$CALTRACE" --from "$TMPD/old.json" -j tunnel)
	rc=$?
	is "old snapshot (no policy member): loads, tunnel --from checks nothing" \
		"$rc $(pcodes "$from")" "0 "
	lab_fault encapdrop off || not_ok "encapdrop off"
else
	not_ok "encapdrop on"
fi

# ---- peernotallowed (n1's underlay address out of n2's allow set)
if lab_fault peernotallowed on; then
	"$CALTRACE" -n "$LAB_N2" snapshot -o "$TMPD/peer.json" 2>/dev/null
	members=$(in_ns "$LAB_N2" ipset save cali40all-vxlan-net | awk '$1 == "add" { print $3 }' | sort | xargs)
	live=$("$CALTRACE" -n "$LAB_N2" -j tunnel)
	from=$("$CALTRACE" --from "$TMPD/peer.json" -j tunnel)
	rc=$?
	is "peernotallowed tunnel --from: exit 1 and encap_peer_not_allowed for n1" \
		"$rc $(pcodes "$from")" "1 encap_peer_not_allowed $LAB_N1_IP"
	is "peernotallowed tunnel --from: the finding is the live one" "$(pfind "$from")" "$(pfind "$live")"
	got=$(json_get "$from" '.findings[] | select(.code == "encap_peer_not_allowed") | .evidence' |
		sed -n 's/^ipset cali40all-vxlan-net: \([^;]*\);.*/\1/p' | tr ' ' '\n' | sort | xargs)
	is "peernotallowed tunnel --from: the set's members are ipset save's" "$got" "$members"
	lab_fault peernotallowed off || not_ok "peernotallowed off"
else
	not_ok "peernotallowed on"
fi

# ---- a workload Felix has not programmed: workload_policy_missing from the snapshot too
ip -n "$LAB_N1" link add cali0newpod0000 type veth peer name ctnp0
"$CALTRACE" -n "$LAB_N1" snapshot -o "$TMPD/new.json" 2>/dev/null
live=$("$CALTRACE" -n "$LAB_N1" -j links)
from=$("$CALTRACE" --from "$TMPD/new.json" -j links)
rc=$?
ip -n "$LAB_N1" link del cali0newpod0000
is "new workload without chains, links --from: exit 1 and workload_policy_missing" \
	"$rc $(pcodes "$from")" "1 workload_policy_missing cali0newpod0000"
ok_if "new workload: no cali-fw-cali0newpod0000 in iptables-nft-save (the oracle)" "" \
	bash -c "! ip netns exec '$LAB_N1' iptables-nft-save | grep -q 'cali-fw-cali0newpod0000'"
is "new workload, links --from: the finding is the live one" "$(pfind "$from")" "$(pfind "$live")"

# ---- an older snapshot (no policy member) and one taken without CAP_NET_ADMIN
jq 'del(.policy) | .schema_version = "1.0"' "$TMPD/h1.json" >"$TMPD/old1.json"
from=$("$CALTRACE" --from "$TMPD/old1.json" -j links)
rc=$?
is "old snapshot links --from: exit 0, no policy read, no column" \
	"$rc $(json_get "$from" '.policy_read') $(json_get "$from" '[.items[] | select(.policy != null)] | length')" \
	"0 null 0"
out=$(path31 "@$TMPD/old1.json")
is "old snapshot path: n1's policy_in is unknown, not in the snapshot" \
	"$(json_get "$out" '.hops[] | select(.direction == "forward" and .kind == "policy_in" and .node == "n1") | "\(.verdict): \(.summary)"')" \
	"unknown: not read: a snapshot holds no policy rules"
in_ns "$LAB_N1" setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$CALTRACE" snapshot \
	-o "$TMPD/nocap.json" 2>/dev/null
from=$("$CALTRACE" --from "$TMPD/nocap.json" -j links)
rc=$?
ok_if "snapshot without CAP_NET_ADMIN: links --from exits 0 and its note names the capability" \
	"$rc $(json_get "$from" '.policy_note')" grep -q "^0 .*CAP_NET_ADMIN" <<<"$rc $(json_get "$from" '.policy_note')"
lab_down
done_testing
