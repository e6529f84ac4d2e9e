#!/bin/bash
# caltrace links' POLICY on the lab's Felix-like chains (tests/lab/felix-policy.sh: n2 through
# iptables-legacy, n1 and n3 through iptables-nft), against iptables-*-save -c parsed here with
# awk, and against real packets: with fault denypolicy on, pings to web-1 are dropped and the
# end-of-tier counter caltrace reports grows by what iptables-save -c shows.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq awk ping iptables-legacy-save iptables-nft-save setpriv
need_caltrace

# the backend whose save output has a filter table in NS (the oracle for policy_read)
oracle_backend() {
	local b save
	for b in legacy nft; do
		save=$(in_ns "$1" "iptables-$b-save" 2>/dev/null)
		grep -qx '\*filter' <<<"$save" && printf 'iptables-%s\n' "$b"
	done
}
# "IFACE fw tw policies dropped" from the save output, for each IFACE given
oracle_policy() {
	local save=$1 i
	shift
	for i in "$@"; do
		awk -v i="$i" '
			$0 == ":cali-fw-" i " - [0:0]" || index($0, ":cali-fw-" i " ") == 1 { fw = 1 }
			index($0, ":cali-tw-" i " ") == 1 { tw = 1 }
			(index($0, " -A cali-fw-" i " ") || index($0, " -A cali-tw-" i " ")) {
				if ($0 ~ / -j cali-p[io]-/) pol++
				if ($0 ~ / -j (DROP|REJECT)/) { s = $1; gsub(/[][]/, "", s); split(s, a, ":"); d += a[1] }
			}
			END { printf "%s %d %d %d %d\n", i, fw, tw, pol, d }' <<<"$save"
	done
}
caltrace_policy() {
	json_get "$1" '.items | sort_by(.name) | .[] | "\(.name) \(if .policy.from_workload.present then 1 else 0 end) \(if .policy.to_workload.present then 1 else 0 end) \(.policy.from_workload.policies + .policy.to_workload.policies) \(.policy.dropped_packets)"'
}
eot_oracle() { # NS BACKEND IFACE: the end-of-tier rule's packets
	in_ns "$1" "iptables-$2-save" -c | awk -v c="cali-tw-$3" '
		index($0, " -A " c " ") && /Drop if no policies passed packet/ {
			s = $1; gsub(/[][]/, "", s); split(s, a, ":"); print a[1]; exit }'
}
eot_caltrace() {
	json_get "$1" ".items[] | select(.name == \"$2\") | .policy.drops[] | select(.kind == \"end_of_tier\") | .packets"
}

mode=${LAB_MODES%% *}
lab_up "$mode" || bail "$mode: lab up"
for k in 1 2 3; do
	node=$(lab_var "LAB_N$k")
	out=$("$CALTRACE" -n "$node" -j links)
	rc=$?
	is "n$k links: healthy, exit 0 and no findings" "$rc $(json_get "$out" '.findings | length')" "0 0"
	is "n$k links: policy_read names the backend iptables-save shows" \
		"$(json_get "$out" '.policy_read')" "$(oracle_backend "$node")"
	b=$(oracle_backend "$node")
	save=$(in_ns "$node" "${b}-save" -c)
	# shellcheck disable=SC2046 # a list of names
	is "n$k links: chains, policies and dropped packets per workload as iptables-save -c has them" \
		"$(caltrace_policy "$out")" \
		"$(oracle_policy "$save" $(json_get "$out" '.items[].name' | sort))"
	is "n$k links: every workload dispatched both ways" \
		"$(json_get "$out" '[.items[] | select(.policy.from_workload.dispatched and .policy.to_workload.dispatched)] | length')" \
		"$(json_get "$out" '.items | length')"
done
txt=$("$CALTRACE" --color never -n "$LAB_N1" links 2>&1)
ok_if "n1 links text: a POLICY column and the backend line" "$txt" \
	grep -q 'POLICY' <<<"$txt"
ok_if "n1 links text: web-1's row reads fw,tw pol=1" "$txt" \
	grep -q "^$LAB_POD_1_VETH .* fw,tw pol=1 drop=[0-9]*$" <<<"$txt"

# a deny policy for web-1, and real packets: pings from web-2 are dropped by the end of tier
b1=$(oracle_backend "$LAB_N1")
b1=${b1#iptables-}
if lab_fault denypolicy on; then
	before=$("$CALTRACE" -n "$LAB_N1" -j links)
	o_before=$(eot_oracle "$LAB_N1" "$b1" "$LAB_POD_1_VETH")
	is "denypolicy: before the pings caltrace's end-of-tier counter is iptables-save's" \
		"$(eot_caltrace "$before" "$LAB_POD_1_VETH")" "$o_before"
	sent=0
	for _ in 1 2 3 4 5; do
		pings "$LAB_POD_3_NS" "$LAB_POD_1_IP" && not_ok "denypolicy: a ping to web-1 passed"
		sent=$((sent + 1))
	done
	after=$("$CALTRACE" -n "$LAB_N1" -j links)
	rc=$?
	o_after=$(eot_oracle "$LAB_N1" "$b1" "$LAB_POD_1_VETH")
	c_before=$(eot_caltrace "$before" "$LAB_POD_1_VETH")
	c_after=$(eot_caltrace "$after" "$LAB_POD_1_VETH")
	is "denypolicy: after $sent pings caltrace's counter is iptables-save's" "$c_after" "$o_after"
	is "denypolicy: it grew by what iptables-save -c shows" \
		"$((c_after - c_before))" "$((o_after - o_before))"
	ok_if "denypolicy: by at least the $sent pings sent" "$c_before -> $c_after" \
		test "$((c_after - c_before))" -ge "$sent"
	is "denypolicy: the deny-all policy chain is reported" \
		"$(json_get "$after" ".items[] | select(.name == \"$LAB_POD_1_VETH\") | [.policy.chains[] | select(.kind == \"policy\") | .name] | join(\",\")")" \
		"cali-pi-default.deny-all"
	is "denypolicy: drops by policy are evidence, not a finding (exit 0)" \
		"$rc $(json_get "$after" '.findings | length')" "0 0"
	lab_fault denypolicy off || not_ok "denypolicy off"
	pings "$LAB_POD_3_NS" "$LAB_POD_1_IP"
	is "denypolicy off: web-1 answers again" "$?" 0
else
	not_ok "denypolicy on"
fi

# a workload interface Felix has not programmed yet
ip -n "$LAB_N1" link add cali0newpod0000 type veth peer name ctnp0
out=$("$CALTRACE" -n "$LAB_N1" -j links cali0newpod0000)
rc=$?
is "new workload without chains: exit 1 and workload_policy_missing (fail)" \
	"$rc $(json_get "$out" '[.findings[] | select(.code == "workload_policy_missing" and .subject == "cali0newpod0000" and .severity == "fail")] | length')" \
	"1 1"
is "new workload without chains: POLICY none, the dispatch ends on Unknown interface" \
	"$(json_get "$out" '.items[0].policy | "\(.backend) \(.from_workload.unknown_interface) \(.to_workload.unknown_interface)"')" \
	"null true true"
ip -n "$LAB_N1" link del cali0newpod0000

# without CAP_NET_ADMIN: '?', a note naming it, and the rest of the table unchanged
full=$(in_ns "$LAB_N1" "$CALTRACE" -j links)
nocap=$(in_ns "$LAB_N1" setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$CALTRACE" -j links)
rc=$?
is "no CAP_NET_ADMIN: exit 0, policy null for every item" \
	"$rc $(json_get "$nocap" '[.items[] | select(.policy != null)] | length')" "0 0"
ok_if "no CAP_NET_ADMIN: the note names the capability" "$(json_get "$nocap" '.policy_note')" \
	grep -q CAP_NET_ADMIN <<<"$(json_get "$nocap" '.policy_note')"
is "no CAP_NET_ADMIN: the rest of links unchanged" \
	"$(json_get "$nocap" '[.items[] | del(.policy, .stats)]')" \
	"$(json_get "$full" '[.items[] | del(.policy, .stats)]')"
txt=$(in_ns "$LAB_N1" setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$CALTRACE" --color never links)
ok_if "no CAP_NET_ADMIN: text shows '?' in POLICY" "$txt" grep -q "^$LAB_POD_1_VETH .* ?$" <<<"$txt"
lab_down

# Calico's nftables mode, read through libnftables: a scratch namespace with the ruleset of
# tests/fixtures/policy/calico-nftables.nft (verdict-map dispatch) and its two workloads, plus
# one workload without chains; the oracle is `nft -j list ruleset` read with jq
NFT_NS=ctpolnft$$
at_exit "ip netns del $NFT_NS 2>/dev/null"
if ip netns add "$NFT_NS" && in_ns "$NFT_NS" nft -f "$(dirname "$0")/../fixtures/policy/calico-nftables.nft"; then
	for i in cali68caf03a5f4 calie57ed5aa5ae cali0000000000a; do
		ip -n "$NFT_NS" link add "$i" type veth peer name "p${i: -6}"
	done
	out=$("$CALTRACE" -n "$NFT_NS" -j links)
	rc=$?
	is "nftables: policy_read" "$(json_get "$out" '.policy_read')" nftables
	js=$(in_ns "$NFT_NS" nft -j list ruleset)
	want=$(for i in cali0000000000a cali68caf03a5f4 calie57ed5aa5ae; do
		printf '%s\n' "$js" | jq -r --arg i "$i" '
			[.nftables[] | .chain? | select(.) | .name] as $c |
			[.nftables[] | .rule? | select(.) |
				select(.chain == "filter-cali-fw-\($i)" or .chain == "filter-cali-tw-\($i)") |
				select(any(.expr[]; has("drop") or has("reject"))) |
				(.expr[] | .counter? | select(.) | .packets)] as $d |
			[.nftables[] | .rule? | select(.) | select(.chain == "filter-cali-tw-\($i)") |
				.expr[] | .jump? | select(.) | .target | select(startswith("filter-cali-pi-"))] as $p |
			"\($i) \(if ($c | index("filter-cali-fw-\($i)")) then 1 else 0 end) \(if ($c | index("filter-cali-tw-\($i)")) then 1 else 0 end) \($p | length) \($d | add // 0)"'
	done)
	is "nftables: chains, policies and dropped packets per workload as nft -j shows them" \
		"$(caltrace_policy "$out")" "$want"
	is "nftables: the workload without chains gives workload_policy_missing, exit 1" \
		"$rc $(json_get "$out" '[.findings[] | select(.code == "workload_policy_missing") | .subject] | join(",")')" \
		"1 cali0000000000a"
	ip netns del "$NFT_NS"
else
	not_ok "nftables: scratch namespace with the Calico-like ruleset"
fi

# Calico's eBPF dataplane (bpfin.cali present): policy lives in BPF and is not read, and even with
# Felix's dispatch chains left behind and a workload without chains there is no
# workload_policy_missing
BPF_NS=ctpolbpf$$
at_exit "ip netns del $BPF_NS 2>/dev/null"
if ip netns add "$BPF_NS" && ip -n "$BPF_NS" link add bpfin.cali type veth peer name bpfout.cali &&
	ip -n "$BPF_NS" link add cali0bpf0000001 type veth peer name pbpf1 &&
	bash "$(dirname "$0")/../lab/felix-policy.sh" up "$BPF_NS" nft cali0other00001; then
	out=$("$CALTRACE" -n "$BPF_NS" -j links)
	is "eBPF dataplane: POLICY not read, no workload_policy_missing" \
		"$(json_get "$out" '[.items[0].policy, ([.findings[] | select(.code == "workload_policy_missing")] | length)] | map(tostring) | join(" ")')" \
		"null 0"
	ok_if "eBPF dataplane: the note says policy lives in BPF" "$(json_get "$out" '.policy_note')" \
		grep -q 'BPF' <<<"$(json_get "$out" '.policy_note')"
	txt=$("$CALTRACE" --color never -n "$BPF_NS" links)
	ok_if "eBPF dataplane: text shows bpf in POLICY" "$txt" grep -q '^cali0bpf0000001 .* bpf$' <<<"$txt"
	ip netns del "$BPF_NS"
else
	not_ok "eBPF dataplane: scratch namespace"
fi
done_testing
