#!/bin/bash
# The fault matrix's row "rp_filter strict on node B with an asymmetric return" (issue 10), in
# the bgp lab: `lab.sh fault asymrp on` gives n1 and n2 a second link (eth1), makes n2's route
# back to web-1's half of n1's block leave by it, and sets rp_filter=1 on n2's eth0 (and all).
# Web-1 (n1) -> web-2 (n2):
#  - the path fails n2's ingress hop (eth0) with path_rp_filter_asymmetric, whose evidence is
#    the kernel's own answer (`ip route get DST from SRC iif eth0` in n2: its errno), the
#    strict mode and the route back by eth1 (`ip -j route get SRC` in n2: the oracle); the fix
#    line sets rp_filter=2 on eth0; the reverse path (web-2 -> web-1, out by eth1) has no fail;
#  - real pings fail, and n2's TcpExtIPReversePathFilter (nstat) grows by at least one;
#  - the fix line, run by bash, makes the pings pass; `fault asymrp off` leaves a healthy path.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq nstat ping
need_caltrace

# path SRC DST: the JSON document in $out, the exit status in $rc
path() {
	out=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$@" 2>&1)
	rc=$?
}
# hop DIR KIND NODE: "verdict code,code" of that hop in $out
hop() {
	jq -r --arg d "$1" --arg k "$2" --arg n "$3" \
		'[.hops[] | select(.direction == $d and .kind == $k and (.node // "-") == $n)][0]
		 | if . == null then "none" else "\(.verdict) \(.findings | join(","))" end' <<<"$out" 2>/dev/null
}
rpf_drops() { # n2's IPReversePathFilter counter
	ip netns exec "$LAB_N2" nstat -asz TcpExtIPReversePathFilter | awk '$1 == "TcpExtIPReversePathFilter" { print $2 }'
}
errno_of() { # the kernel's message -> errno name
	case "$1" in
	*"Invalid argument"*) echo "Invalid argument (errno 22)" ;;
	*"Invalid cross-device link"*) echo "Invalid cross-device link (errno 18)" ;;
	*) echo "?($1)" ;;
	esac
}

lab_up bgp || bail "bgp: lab up"
A=$LAB_POD_1_IP B=$LAB_POD_3_IP
path "$A" "$B"
is "healthy $A -> $B: exit 0" "$rc" 0
ok_if "healthy: web-1 pings web-2" "" pings "$LAB_POD_1_NS" "$B"

lab_fault asymrp on || bail "fault asymrp on"
path "$A" "$B"
is "asymrp: exit 1" "$rc" 1
got=$(hop forward ingress n2)
case "$got" in "fail "*path_rp_filter_asymmetric*) ok "asymrp: n2's ingress hop fails with path_rp_filter_asymmetric" ;;
*) not_ok "asymrp: n2's ingress hop fails with path_rp_filter_asymmetric" "got: $got" ;; esac
is "asymrp: ... on eth0" "$(jq -r '[.hops[] | select(.direction == "forward" and .kind == "ingress" and .node == "n2")][0].subject' <<<"$out")" eth0
case "$(hop forward forward n2)" in "fail "*path_rp_filter_asymmetric*) ok "asymrp: and n2's forwarding decision with it" ;;
*) not_ok "asymrp: and n2's forwarding decision with it" "$(hop forward forward n2)" ;; esac
is "asymrp: the reverse path has no fail" \
	"$(jq -r '[.hops[] | select(.direction == "reverse" and .verdict == "fail") | .kind] | join(" ")' <<<"$out")" ""
f=$(jq -c '[.findings[] | select(.code == "path_rp_filter_asymmetric")][0]' <<<"$out")
# the oracle: the kernel's refusal, and its route back to web-1
kmsg=$(ip -n "$LAB_N2" route get "$B" from "$A" iif eth0 2>&1)
krc=$?
is "asymrp: the kernel refuses $B from $A iif eth0 on n2" "$krc" 2
back=$(ip -n "$LAB_N2" -j route get "$A" | jq -r '.[0] | "via \(.gateway) dev \(.dev)"')
n1eth1=$(ip -n "$LAB_N1" -j addr show dev eth1 | jq -r '[.[0].addr_info[] | select(.family == "inet")][0].local')
is "asymrp: the kernel's route back to $A leaves by eth1, to n1's eth1" "$back" "via $n1eth1 dev eth1"
ev=$(jq -r .evidence <<<"$f")
case "$ev" in *"iif eth0: $(errno_of "$kmsg")"*) ok "asymrp: the evidence is the kernel's errno" ;;
*) not_ok "asymrp: the evidence is the kernel's errno" "kernel: $kmsg; evidence: $ev" ;; esac
case "$ev" in *"rp_filter on eth0: 1 (strict"*"route back to $A: "*"$back"*) ok "asymrp: the evidence names strict mode and the route back ($back)" ;;
*) not_ok "asymrp: the evidence names strict mode and the route back ($back)" "$ev" ;; esac
is "asymrp: the fix line sets loose mode on eth0" "$(jq -r '.run | join("\n")' <<<"$f")" \
	"ip netns exec $LAB_N2 sysctl -w net.ipv4.conf.eth0.rp_filter=2"

# real packets: refused by n2's reverse-path filter
before=$(rpf_drops)
if pings "$LAB_POD_1_NS" "$B"; then not_ok "asymrp: web-1's ping to web-2 fails"; else ok "asymrp: web-1's ping to web-2 fails"; fi
after=$(rpf_drops)
ok_if "asymrp: n2's TcpExtIPReversePathFilter moved ($before -> $after)" "" test "${after:-0}" -gt "${before:-0}"

# the fix line, as the finding gives it
run=$(jq -r '.run[0]' <<<"$f")
out2=$(bash -c "$run" 2>&1)
is "asymrp: the fix line runs (exit 0)" "$?" 0
[ -z "$out2" ] || diag "$out2"
ok_if "asymrp fixed: web-1 pings web-2" "" wait_until 5 pings "$LAB_POD_1_NS" "$B"
path "$A" "$B"
is "asymrp fixed: n2's ingress hop no longer fails" "$(hop forward ingress n2 | cut -d' ' -f1)" ok

lab_fault asymrp off || not_ok "fault asymrp off"
is "asymrp off: n2's rp_filter back to 0 (all, eth0)" \
	"$(ip netns exec "$LAB_N2" cat /proc/sys/net/ipv4/conf/all/rp_filter /proc/sys/net/ipv4/conf/eth0/rp_filter | xargs)" "0 0"
ok_if "asymrp off: no eth1 left" "" sh -c "! ip -n '$LAB_N2' link show eth1 2>/dev/null"
path "$A" "$B"
is "asymrp off: healthy again (exit 0)" "$rc" 0
ok_if "asymrp off: web-1 pings web-2" "" pings "$LAB_POD_1_NS" "$B"
lab_down
done_testing
