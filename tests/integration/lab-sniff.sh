#!/bin/bash
# caltrace sniff capturing live in the lab, against tcpdump captures of the same traffic decoded
# by tshark. Traffic stays inside the lab's namespaces.
#   vxlan mode: IP-protocol-4 packets sent n1 -> n2 with a raw socket (mkpcap send-ipip),
#     captured by one caltrace in both node namespaces at once (-i n1:eth0 -i n2:eth0), and
#     the "protocol 4 unreachable" n2 answers with; a pod ping web-1 -> web-2 over VXLAN
#     (VNI 4096, pod addresses inside) as packets and as --flows (one two-way flow, 3 + 3).
#   ipip mode (TUN-based tunl0 fed by tunencap): the same ping captured on both nodes' eth0,
#     on n2's tunl0 (raw IP), with -s 60 (truncated) and -w; --flows across two interfaces; then
#     a one-way flow while n2 drops the replies (a blackhole route for web-1 in n2, removed
#     after).
# Deadlines are generous; nothing here checks timing.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip tcpdump tshark jq ping cc
need_caltrace

TMPD=$(mktemp -d /tmp/ct-lab-sniff.XXXXXX)
CT_PIDS=""
cleanup() {
	local p
	for p in $CT_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${SNIFF_KEEP:-}" ] || rm -rf "$TMPD"
	lab_cleanup
}
trap cleanup EXIT
# lab_up sets its own EXIT trap when it brings up the first lab: put ours back
up() {
	lab_up "$1" || return 1
	trap cleanup EXIT
}

MKPCAP=${MKPCAP:-$TOP/build/tests/mkpcap}
if [ ! -x "$MKPCAP" ] || [ "$TOP/tests/tools/mkpcap.c" -nt "$MKPCAP" ]; then
	mkdir -p "$(dirname "$MKPCAP")"
	out=$(cc -O2 -o "$MKPCAP" "$TOP/tests/tools/mkpcap.c" 2>&1) || bail "build mkpcap" "$out"
fi

# ---------------------------------------------------------------- helpers
# ct_start NAME ARGS...: caltrace sniff ARGS in the background, stdout in $TMPD/NAME.out, stderr in
# NAME.err; returns once it waits in poll() (every handle open, filters set). Sets CT_PID and
# remembers it under NAME.
ct_start() {
	local name=$1 s _
	shift
	"$CALTRACE" sniff "$@" >"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	CT_PID=$!
	CT_PIDS="$CT_PIDS $CT_PID"
	eval "PID_ct_${name//-/_}=$CT_PID"
	for _ in $(seq 400); do
		s=$(cut -d' ' -f1 "/proc/$CT_PID/syscall" 2>/dev/null) || break
		# poll or ppoll (x86_64: 7, 271; arm64: 73)
		case "$s" in 7 | 271 | 73) return 0 ;; esac
		kill -0 "$CT_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "caltrace $* did not start capturing: $(cat "$TMPD/$name.err")"
	return 1
}
# ct_wait NAME SECONDS: waits for it to end (-c N reached); SIGINT at the deadline. Sets CT_RC:
# its exit status, with " (stopped at the deadline)" after it when it had to be interrupted.
ct_wait() {
	local v="PID_ct_${1//-/_}" pid end late=""
	pid=${!v}
	end=$(($(now_ms) + $2 * 1000))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$end" ]; then
			diag "caltrace ($1) still running after $2 s: interrupted"
			late=" (stopped at the deadline)"
			kill -INT "$pid" 2>/dev/null
			sleep 1
			kill -KILL "$pid" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	CT_RC=$?$late
	# shellcheck disable=SC2086 # a list of words
	CT_PIDS=$(printf '%s\n' $CT_PIDS | grep -vx "$pid" | xargs)
}
# td_start NAME NS IFACE COUNT 'FILTER' [TCPDUMP ARGS]: tcpdump -w $TMPD/NAME.pcap in NS; sets
# PID_td_NAME. A generous time limit; -c ends it normally.
td_start() {
	local name=$1 ns=$2 dev=$3 count=$4 filter=$5 v
	shift 5
	capture_start_args "$ns" "$dev" "$TMPD/$name.pcap" "$count" 60 "$filter" "$@" || return 1
	v="PID_td_${name//-/_}"
	eval "$v=$CAPTURE_PID"
}
# capture_start (tests/lib.sh) with extra tcpdump arguments
capture_start_args() {
	local ns=$1 dev=$2 file=$3 count=$4 secs=$5 filter=$6 _
	shift 6
	rm -f "$file" "$file.err"
	ip netns exec "$ns" timeout "$secs" tcpdump -Z root -nn -U -i "$dev" -c "$count" "$@" -w "$file" \
		"$filter" 2>"$file.err" &
	CAPTURE_PID=$!
	for _ in $(seq 200); do
		grep -q 'listening on' "$file.err" 2>/dev/null && return 0
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "tcpdump did not start: $(cat "$file.err" 2>/dev/null)"
	return 1
}
td_wait() {
	local v="PID_td_${1//-/_}"
	wait "${!v}" 2>/dev/null
}

# One line per packet, the same from caltrace's NDJSON and tshark's JSON: lengths, every IP
# header (src>dst/proto/ttl/id, outer first), VNI, the innermost ICMP (type/code/id/seq).
CT_LINE='select(.type == "packet") | [.caplen, .len,
	([.outer, .inner] | map(select(. != null) | "\(.src)>\(.dst)/\(.proto)/\(.ttl)/\(.id)") | join(" ")),
	(.vni // "-"),
	(.l4 | if . != null and .proto == "icmp" then "\(.icmp_type)/\(.icmp_code)/\(.id // "-")/\(.seq // "-")"
	       else "-" end), .status] | map(tostring) | join(" ")'
TS_LINE='def arr: if . == null then [] elif type == "array" then . else [.] end;
	def hex: ltrimstr("0x") | ascii_downcase | explode
		| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
	.[] | ._source.layers as $L | [$L.frame["frame.cap_len"], $L.frame["frame.len"],
	($L.ip | arr | map("\(.["ip.src"])>\(.["ip.dst"])/\(.["ip.proto"])/\(.["ip.ttl"])/\(.["ip.id"] | hex)") | join(" ")),
	($L.vxlan | arr | .[0]["vxlan.vni"] // "-"),
	($L.icmp | arr | .[0] | if . == null then "-"
		else "\(.["icmp.type"])/\(.["icmp.code"])/\(.["icmp.ident"] // "-")/\(.["icmp.seq"] // "-")" end),
	(if $L["_ws.short"] then "truncated" else "ok" end)] | map(tostring) | join(" ")'
ct_lines() { jq -r "$CT_LINE" "$TMPD/$1.out" 2>/dev/null; }                  # NAME
ct_lines_in() { jq -r "select(.netns == \"$2\") | $CT_LINE" "$TMPD/$1.out" 2>/dev/null; } # NAME NETNS
ts_lines() { tshark -n -T json --no-duplicate-keys -r "$TMPD/$1.pcap" 2>/dev/null | jq -r "$TS_LINE"; }

# same_packets LABEL CT_LINES TS_LINES N: the same N packets
same_packets() {
	local n
	n=$(printf '%s\n' "$3" | grep -c .)
	if [ "$n" = "$4" ] && [ "$2" = "$3" ]; then
		ok "$1 ($n packets)"
	else
		not_ok "$1 ($n packets, $4 expected)" "caltrace:
$2
tcpdump + tshark:
$3"
	fi
}

# ================================================================ VXLAN mode
up vxlan || bail "lab up vxlan failed"
N1=$LAB_N1 N2=$LAB_N2

# ---- raw IP-protocol-4 packets n1 -> n2, two namespaces at once
SENT=5
td_start raw1 "$N1" eth0 "$SENT" 'ip proto 4' &&
	td_start raw2 "$N2" eth0 "$SENT" 'ip proto 4' &&
	td_start unreach "$N1" eth0 1 'icmp' &&
	ct_start raw -i "$N1:eth0" -i "$N2:eth0" -c $((2 * SENT)) -j 'ip proto 4' &&
	ct_start unreach -i "$N1:eth0" -c 1 -j icmp ||
	bail "captures did not start"
out=$(ip netns exec "$N1" "$MKPCAP" send-ipip eth0 "$LAB_N1_IP" "$LAB_N2_IP" "$LAB_POD_1_IP" "$LAB_POD_3_IP" "$SENT" 4660 2>&1) ||
	diag "send-ipip failed: $out"
ct_wait raw 30
rc=$CT_RC
td_wait raw1
td_wait raw2
is "raw IPIP: caltrace -i n1:eth0 -i n2:eth0 -c $((2 * SENT)) ends by itself (exit 0)" "$rc" 0
same_packets "raw IPIP: on n1's eth0, the packets tcpdump saw there (outer, inner, ICMP echo)" \
	"$(ct_lines_in raw "$N1")" "$(ts_lines raw1)" "$SENT"
same_packets "raw IPIP: on n2's eth0, the packets tcpdump saw there" \
	"$(ct_lines_in raw "$N2")" "$(ts_lines raw2)" "$SENT"
json_eq "raw IPIP: every packet names its namespace and eth0, encap ipip, inner $LAB_POD_1_IP > $LAB_POD_3_IP" \
	"$(jq -s -c '[.[] | "\(.netns) \(.iface) \(.encap) \(.inner.src) \(.inner.dst) \(.l4.id)"] | unique' "$TMPD/raw.out")" \
	'join(",")' "$N1 eth0 ipip $LAB_POD_1_IP $LAB_POD_3_IP 4660,$N2 eth0 ipip $LAB_POD_1_IP $LAB_POD_3_IP 4660"
is "raw IPIP: stderr counts $((2 * SENT)) packets captured and decoded" \
	"$(grep -o '^[0-9]* packets captured, [0-9]* decoded' "$TMPD/raw.err")" \
	"$((2 * SENT)) packets captured, $((2 * SENT)) decoded"
# n2 has no protocol 4 listener: it answers "protocol 4 unreachable"
ct_wait unreach 30
is "raw IPIP: caltrace -i n1:eth0 -c 1 icmp ends by itself (exit 0)" "$CT_RC" 0
td_wait unreach
got=$(jq -r 'select(.type == "packet") | "\(.outer.src) > \(.outer.dst) \(.l4.icmp_type)/\(.l4.icmp_code) \(.l4.icmp_name) quoting \(.l4.quoted.src) > \(.l4.quoted.dst) proto \(.l4.quoted.proto)"' "$TMPD/unreach.out")
want=$(tshark -n -T json --no-duplicate-keys -r "$TMPD/unreach.pcap" 2>/dev/null | jq -r '.[0]._source.layers as $L
	| ($L.icmp.ip | if type == "array" then .[0] else . end) as $q
	| "\($L.ip["ip.src"]) > \($L.ip["ip.dst"]) \($L.icmp["icmp.type"])/\($L.icmp["icmp.code"]) protocol-unreachable quoting \($q["ip.src"]) > \($q["ip.dst"]) proto \($q["ip.proto"])"')
is "raw IPIP: n2's ICMP protocol-unreachable (3/2) quoting the proto-4 header, as tshark decodes it" "$got" "$want"
is "raw IPIP: ... and it is n2 > n1 3/2 quoting n1 > n2 proto 4" "$want" \
	"$LAB_N2_IP > $LAB_N1_IP 3/2 protocol-unreachable quoting $LAB_N1_IP > $LAB_N2_IP proto 4"

# ---- a pod ping over VXLAN: packets and --flows
td_start vx "$N2" eth0 6 'udp port 4789' &&
	ct_start vx -i "$N2:eth0" -c 6 -j 'udp port 4789' &&
	ct_start vxflows -i "$N2:eth0" -c 6 --flows -j 'udp port 4789' ||
	bail "captures did not start"
ip netns exec "$LAB_POD_1_NS" ping -n -q -c 3 -i 0.2 -W 2 "$LAB_POD_3_IP" >/dev/null 2>&1 ||
	diag "ping web-1 -> web-2 failed"
ct_wait vx 30
is "vxlan: caltrace sniff -c 6 ends by itself (exit 0)" "$CT_RC" 0
ct_wait vxflows 30
is "vxlan: caltrace sniff -c 6 --flows ends by itself (exit 0)" "$CT_RC" 0
td_wait vx
same_packets "vxlan: web-1 -> web-2 ping on n2's eth0 as tcpdump saw it (outer, VNI, inner, ICMP)" \
	"$(ct_lines vx)" "$(ts_lines vx)" 6
json_eq "vxlan: encap vxlan, VNI 4096, outer UDP to 4789, inner pod addresses" \
	"$(jq -s -c '[.[] | "\(.encap) \(.vni) \(.outer_l4.dport) \([.inner.src, .inner.dst] | sort | join("-"))"] | unique' "$TMPD/vx.out")" \
	'join(",")' "vxlan 4096 4789 $(printf '%s\n' "$LAB_POD_1_IP" "$LAB_POD_3_IP" | sort | paste -sd-)"
id=$(tshark -n -r "$TMPD/vx.pcap" -T fields -e icmp.ident 2>/dev/null | head -n 1)
flow=$(jq -c 'select(.type == "flow")' "$TMPD/vxflows.out")
json_eq "vxlan --flows: one flow, icmp web-1 -> web-2 id $id vni 4096, 3 packets each way, two-way" \
	"$(printf '%s\n' "$flow" | jq -s -c .)" \
	'map("\(.proto) \(.src) > \(.dst) id \(.id) vni \(.vni) \(.fwd.packets)/\(.rev.packets) one_way=\(.one_way)") | join(",")' \
	"icmp $LAB_POD_1_IP > $LAB_POD_3_IP id $id vni 4096 3/3 one_way=false"
json_eq "vxlan --flows: both directions VXLAN between the nodes (outer n1 > n2, then n2 > n1)" \
	"$flow" '"\(.fwd.encap) \(.fwd.outer.src) > \(.fwd.outer.dst) \(.rev.encap) \(.rev.outer.src) > \(.rev.outer.dst)"' \
	"vxlan $LAB_N1_IP > $LAB_N2_IP vxlan $LAB_N2_IP > $LAB_N1_IP"
lab_down

# ================================================================ IPIP mode (tunl0 fed by tunencap)
up ipip || bail "lab up ipip failed"
N1=$LAB_N1 N2=$LAB_N2

td_start ip1 "$N1" eth0 6 'ip proto 4' &&
	td_start ip2 "$N2" eth0 6 'ip proto 4' &&
	td_start tun "$N2" tunl0 6 'icmp' &&
	td_start snap "$N2" eth0 6 'ip proto 4' -s 60 --immediate-mode &&
	ct_start ip -i "$N1:eth0" -i "$N2:eth0" -c 12 -j 'ip proto 4' &&
	ct_start ipflows -i "$N1:eth0" -i "$N2:eth0" -c 12 --flows -j 'ip proto 4' &&
	ct_start tun -i "$N2:tunl0" -c 6 -j icmp &&
	ct_start snap -i "$N2:eth0" -c 6 -s 60 -j 'ip proto 4' &&
	ct_start w -i "$N2:eth0" -c 6 -w "$TMPD/w.pcap" 'ip proto 4' ||
	bail "captures did not start"
ip netns exec "$LAB_POD_1_NS" ping -n -q -c 3 -i 0.2 -W 2 "$LAB_POD_3_IP" >/dev/null 2>&1 ||
	diag "ping web-1 -> web-2 failed"
for n in ip ipflows tun snap w; do
	ct_wait "$n" 30
	is "ipip: caltrace sniff ($n) ends by itself (exit 0)" "$CT_RC" 0
done
for n in ip1 ip2 tun snap; do td_wait "$n"; done
same_packets "ipip: the ping on n1's eth0 as tcpdump saw it (outer, inner, ICMP)" \
	"$(ct_lines_in ip "$N1")" "$(ts_lines ip1)" 6
same_packets "ipip: the ping on n2's eth0 as tcpdump saw it" "$(ct_lines_in ip "$N2")" "$(ts_lines ip2)" 6
json_eq "ipip: encap ipip between the nodes, pods inside" \
	"$(jq -s -c '[.[] | "\(.encap) \([.outer.src, .outer.dst] | sort | join("-")) \([.inner.src, .inner.dst] | sort | join("-"))"] | unique' "$TMPD/ip.out")" \
	'join(",")' "ipip $(printf '%s\n' "$LAB_N1_IP" "$LAB_N2_IP" | sort | paste -sd-) $(printf '%s\n' "$LAB_POD_1_IP" "$LAB_POD_3_IP" | sort | paste -sd-)"
same_packets "ipip: n2's tunl0 (a TUN device: raw IP, inner packets only) as tcpdump saw it" \
	"$(ct_lines tun)" "$(ts_lines tun)" 6
json_eq "ipip: on tunl0 the link type is raw and nothing is encapsulated" \
	"$(jq -s -c '[.[] | "\(.link.type) \(.encap)"] | unique' "$TMPD/tun.out")" 'join(",")' "raw none"
# libpcap in immediate mode (TPACKET_V2), as caltrace opens its handles, keeps 58 bytes for -s 60
# (tcpdump without --immediate-mode keeps 60): compare with the same mode. The ICMP header is cut,
# so the ICMP column (which tshark fills from the bytes that remain) is left out.
same_packets "ipip -s 60: caplen and a truncated packet, as tcpdump -s 60 --immediate-mode + tshark see it" \
	"$(ct_lines snap | cut -d' ' -f1-5,7)" "$(ts_lines snap | cut -d' ' -f1-5,7)" 6
json_eq "ipip -s 60: at most 60 bytes, the fault is the inner ICMP header" \
	"$(jq -s -c '[.[] | "\(.caplen <= 60) \(.status) \(.fault)"] | unique' "$TMPD/snap.out")" 'join(",")' "true truncated inner icmp"
is "ipip -w: the file holds the 6 packets n2's tcpdump saw (tshark decode)" \
	"$(tshark -n -T json --no-duplicate-keys -r "$TMPD/w.pcap" 2>/dev/null | jq -r "$TS_LINE")" "$(ts_lines ip2)"
id=$(tshark -n -r "$TMPD/ip1.pcap" -T fields -e icmp.ident 2>/dev/null | head -n 1)
flow=$(jq -c 'select(.type == "flow")' "$TMPD/ipflows.out")
json_eq "ipip --flows on two nodes: one flow, icmp id $id, 3 packets each way (not added up across interfaces)" \
	"$(printf '%s\n' "$flow" | jq -s -c .)" \
	'map("\(.proto) \(.src) > \(.dst) id \(.id) \(.fwd.packets)/\(.rev.packets) one_way=\(.one_way)") | join(",")' \
	"icmp $LAB_POD_1_IP > $LAB_POD_3_IP id $id 3/3 one_way=false"
json_eq "ipip --flows: seen on both eth0s, 3/3 on each, IPIP both ways" \
	"$flow" '[.interfaces[] | "\(.netns):\(.iface) \(.fwd_packets)/\(.rev_packets) \(.fwd_encap)/\(.rev_encap)"] | sort | join(",")' \
	"$(printf '%s\n' "$N1:eth0 3/3 ipip/ipip" "$N2:eth0 3/3 ipip/ipip" | sort | paste -sd,)"
json_eq "ipip --flows: IPIP outer pairs n1 > n2 and back" \
	"$flow" '"\(.fwd.encap) \(.fwd.outer.src) > \(.fwd.outer.dst) \(.rev.encap) \(.rev.outer.src) > \(.rev.outer.dst)"' \
	"ipip $LAB_N1_IP > $LAB_N2_IP ipip $LAB_N2_IP > $LAB_N1_IP"

# ---- the far node drops the replies: a one-way flow
# (inside the lab's n2 only: a blackhole route for web-1 keeps web-2's replies out of tunl0)
ip -n "$N2" route add blackhole "$LAB_POD_1_IP/32" || bail "blackhole route in $N2"
td_start oneway "$N2" eth0 100 'ip proto 4' &&
	ct_start oneway -i "$N2:eth0" -c 3 --flows -j 'ip proto 4' ||
	bail "captures did not start"
ip netns exec "$LAB_POD_1_NS" ping -n -q -c 3 -W 1 "$LAB_POD_3_IP" >/dev/null 2>&1 &&
	diag "ping web-1 -> web-2 got replies through the blackhole"
ct_wait oneway 30
is "one-way: caltrace sniff -c 3 --flows ends by itself (exit 0)" "$CT_RC" 0
# the ping is over and its last request was captured: give a reply (if any) time to show, then
# stop tcpdump (our own process)
sleep 1
# shellcheck disable=SC2154 # set by td_start
kill -INT "$PID_td_oneway" 2>/dev/null
td_wait oneway
ip -n "$N2" route del blackhole "$LAB_POD_1_IP/32" || diag "could not remove the blackhole route in $N2"
is "one-way (tcpdump): 3 requests n1 -> n2 on n2's eth0, no reply" \
	"$(tshark -n -r "$TMPD/oneway.pcap" -T fields -e ip.src -E occurrence=f 2>/dev/null | sort | uniq -c | xargs)" \
	"3 $LAB_N1_IP"
flow=$(jq -c 'select(.type == "flow")' "$TMPD/oneway.out")
json_eq "one-way: one flow web-1 -> web-2, 3 packets forward, 0 back, flagged one_way with a note" \
	"$(printf '%s\n' "$flow" | jq -s -c .)" \
	'map("\(.proto) \(.src) > \(.dst) \(.fwd.packets)/\(.rev.packets) one_way=\(.one_way) note=\(.note != null)") | join(",")' \
	"icmp $LAB_POD_1_IP > $LAB_POD_3_IP 3/0 one_way=true note=true"
json_eq "one-way: flow_stats counts it" "$(jq -c 'select(.type == "flow_stats")' "$TMPD/oneway.out")" \
	'"\(.flows) \(.one_way)"' "1 1"
# and once the route is gone, the replies flow again
if wait_until 30 pings "$LAB_POD_1_NS" "$LAB_POD_3_IP"; then
	ok "the blackhole route is gone: web-1 -> web-2 answers again"
else
	not_ok "the blackhole route is gone: web-1 -> web-2 answers again"
fi
lab_down

done_testing
