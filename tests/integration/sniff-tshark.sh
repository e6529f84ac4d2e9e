#!/bin/bash
# caltrace sniff -r against tshark, field by field, on pcaps written by tests/tools/mkpcap.c
# (IPIP, VXLAN on 4789 and 8472, IPv6 and sit, 802.1Q/QinQ, Linux cooked v1/v2, raw IP, ICMP
# errors quoting tunnels, truncated and malformed headers, bad checksums, pcapng, a file cut
# short). For every packet: lengths, time, VLAN ids, the outer IP header, encapsulation and VNI,
# the inner IP header, VXLAN's UDP ports, TCP, UDP, ICMP/ICMPv6 (echo id/seq, MTU, the quoted
# header), status and the faulty layer; with --checksums the IPv4 header and L4 checksum
# verdicts. Then packet counts on stderr, text lines against tcpdump, -c, BPF filters against
# tcpdump, --inner against the inner protocol tshark decodes, -w, --vxlan-port, --flows
# against flows computed from tshark's decode, and the error exits (bad filter, bad --inner,
# missing file, a file cut short). No root needed.
# caltrace's output goes to a file first (sniff_to), its exit status is checked on its own.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd tshark tcpdump editcap jq cc
need_caltrace

TMPD=$(mktemp -d /tmp/ct-sniff-tshark.XXXXXX)
trap '[ -n "${SNIFF_KEEP:-}" ] || rm -rf "$TMPD"' EXIT # SNIFF_KEEP=1: keep the files

# ---------------------------------------------------------------- the generator
MKPCAP=${MKPCAP:-$TOP/build/tests/mkpcap}
if [ ! -x "$MKPCAP" ] || [ "$TOP/tests/tools/mkpcap.c" -nt "$MKPCAP" ]; then
	# build/ may not be writable for a user without root: then a private copy
	mkdir -p "$(dirname "$MKPCAP")" 2>/dev/null && [ -w "$(dirname "$MKPCAP")" ] || MKPCAP=$TMPD/mkpcap
	out=$(cc -O2 -o "$MKPCAP" "$TOP/tests/tools/mkpcap.c" 2>&1) || bail "build mkpcap" "$out"
fi
KINDS="ipip vxlan vxlan8472 ipv6 vlan sll2 sll raw icmperr truncated malformed badsum"
for k in $KINDS cutshort; do
	"$MKPCAP" "$k" "$TMPD/$k.pcap" || bail "mkpcap $k"
done
"$MKPCAP" ipip "$TMPD/ipip-ng.pcapng" || bail "mkpcap ipip (pcapng)"

# ---------------------------------------------------------------- tshark's decode, normalized
# One JSON object per packet: {n, time (us), caplen, len, pkttype, vlan, encap, vni, outer,
# inner, ol4 (VXLAN's UDP), l4 (the innermost transport), status, fault}. Faults use
# caltrace's names ("ipv4", "inner tcp", "vxlan", "inner ethernet", ...) but come from tshark:
# "[Packet size limited during capture: X truncated]" is truncated, an expert error (not about
# a checksum) in a header is invalid, and so is VXLAN's I flag clear.
TS_OPTS=(-n -T json --no-duplicate-keys -o tcp.relative_sequence_numbers:FALSE
	-o ip.defragment:FALSE -o tcp.desegment_tcp_streams:FALSE -o tcp.analyze_sequence_numbers:FALSE
	-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE
	--disable-protocol dns)
cat >"$TMPD/ts.jq" <<'EOF'
def arr: if . == null then [] elif type == "array" then . else [.] end;
def n: if . == null then null else tonumber end;
def hex: if . == null then null else ltrimstr("0x") | ascii_downcase | explode
	| reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end)) end;
def cs: if . == "1" then "good" elif . == "0" or . == "4" then "bad" else "unchecked" end;
def ip4: {v: 4, src: .["ip.src"], dst: .["ip.dst"], proto: (.["ip.proto"] | n), ttl: (.["ip.ttl"] | n),
	tos: (.["ip.dsfield"] | hex), id: (.["ip.id"] | hex), df: (.["ip.flags_tree"]["ip.flags.df"] | n),
	mf: (.["ip.flags_tree"]["ip.flags.mf"] | n), frag: (.["ip.frag_offset"] | n), hlen: (.["ip.hdr_len"] | n),
	len: (.["ip.len"] | n), fl: null, csum: (.["ip.checksum.status"] | cs)};
def ip6: {v: 6, src: .["ipv6.src"], dst: .["ipv6.dst"],
	proto: ((.["ipv6.hopopts"]["ipv6.hopopts.nxt"] // .["ipv6.nxt"]) | n), ttl: (.["ipv6.hlim"] | n),
	tos: (.["ipv6.tclass"] | hex), id: null, df: null, mf: null, frag: null,
	hlen: (40 + ((.["ipv6.hopopts"]["ipv6.hopopts.len_oct"] // "0") | n)),
	len: (if .["ipv6.plen"] then (.["ipv6.plen"] | n) + 40 else null end),
	fl: (.["ipv6.flow"] | hex), csum: "unchecked"};
def ipx: if . == null then null elif has("ipv6.version") then ip6 else ip4 end;
def ports($p): {sport: (.[$p + ".srcport"] | n), dport: (.[$p + ".dstport"] | n)};
def quoted($ipkey):
	(.[$ipkey] | arr | .[0] | ipx) as $q
	| if $q == null then null else
	  {src: $q.src, dst: $q.dst, proto: $q.proto}
	  + (if $q.proto == 6 then (.tcp | arr | .[0] | ports("tcp"))
	     elif $q.proto == 17 then (.udp | arr | .[0] | ports("udp"))
	     else {sport: null, dport: null} end) end;
def l4of($p):
	if $p == "tcp" then {proto: 6} + ports("tcp") + {
		flags: (.["tcp.flags"] | hex | if . == null then null else . % 256 end),
		seq: (.["tcp.seq_raw"] | n), ack: (.["tcp.ack_raw"] | n), win: (.["tcp.window_size_value"] | n),
		plen: (.["tcp.len"] | n), csum: (.["tcp.checksum.status"] | cs)}
	elif $p == "udp" then {proto: 17} + ports("udp") + {
		plen: (.["udp.length"] | n | if . == null then null else . - 8 end),
		csum: (.["udp.checksum.status"] | cs)}
	elif $p == "icmp" then {proto: 1, type: (.["icmp.type"] | n), code: (.["icmp.code"] | n),
		id: (.["icmp.ident"] | n), sq: (.["icmp.seq"] | n), mtu: (.["icmp.mtu"] | n),
		q: quoted("ip"), csum: (.["icmp.checksum.status"] | cs)}
	else {proto: 58, type: (.["icmpv6.type"] | n), code: (.["icmpv6.code"] | n),
		id: (.["icmpv6.echo.identifier"] | hex), sq: (.["icmpv6.echo.sequence_number"] | n),
		mtu: (.["icmpv6.mtu"] | n), q: quoted("ipv6"), csum: (.["icmpv6.checksum.status"] | cs)} end;
# the highest expert severity in a layer, checksum experts (group 0x01000000) left out
def sev: [.. | objects | select(has("_ws.expert.severity") and .["_ws.expert.group"] != "16777216")
	| .["_ws.expert.severity"] | tonumber] | max // 0;
def errlayer($L): [["ip", "ipv4"], ["ipv6", "ipv6"], ["tcp", "tcp"], ["udp", "udp"], ["icmp", "icmp"],
	["icmpv6", "icmpv6"], ["vxlan", "vxlan"], ["eth", "ethernet"]]
	| map(select(($L[.[0]] // null) != null and ($L[.[0]] | sev) >= 8388608) | .[1]) | .[0];
def shortlayer: capture("capture: (?<p>[A-Za-z0-9]+) truncated") | .p | ascii_downcase;

.[] | ._source.layers as $L
| ($L.frame["frame.protocols"] | split(":")) as $ps
| (reduce $ps[] as $p ({seen: {}, out: [], stop: false};
	if .stop then . else
	  (.seen[$p] // 0) as $k
	  | .seen[$p] = $k + 1
	  | .out += [{p: $p, v: ($L[$p] | arr | .[$k])}]
	  | if ($p == "icmp" or $p == "icmpv6") then .stop = true else . end
	end) | .out) as $ls
| [$ls | to_entries[] | select(.value.p == "ip" or .value.p == "ipv6")] as $ips
| [$ls | to_entries[] | select(.value.p | IN("tcp", "udp", "icmp", "icmpv6"))] as $l4s
| ($ips | last | .key // -1) as $lastip
| ($L.vxlan | arr | .[0]) as $vx
| ($ips[0].value.v | ipx) as $outer
| (if ($ips | length) > 1 then ($ips[1].value.v | ipx) else null end) as $inner
| (if $L["_ws.short"] then "truncated" elif errlayer($L) != null then "invalid"
   elif $vx != null and $vx["vxlan.flags_tree"]["vxlan.flag_i"] == "0" then "invalid" else "ok" end) as $st
| (if $L["_ws.short"] then ($L["_ws.short"] | shortlayer) elif errlayer($L) != null then errlayer($L)
   elif $st == "invalid" then "vxlan" else null end
   | if . == "ethernet" and $vx != null then "inner ethernet"
     elif . == "ethernet" and $L.sll != null then (if $L.sll["sll.ifindex"] then "sll2" else "sll" end)
     elif . != null and . != "ethernet" and . != "vxlan" and ($ips | length) > 1 then "inner " + .
     else . end) as $fault
| {
	n: ($L.frame["frame.number"] | n),
	time: ($L.frame["frame.time_epoch"] | sub("\\."; "") | .[0:16] | n),
	caplen: ($L.frame["frame.cap_len"] | n), len: ($L.frame["frame.len"] | n),
	pkttype: ($L.sll["sll.pkttype"] | if . == null then null else
		(["host", "broadcast", "multicast", "otherhost", "outgoing"][tonumber]) end),
	vlan: ([($L.ieee8021ad | arr | .[]["ieee8021ad.id"]), ($L.vlan | arr | .[]["vlan.id"])] | map(n)),
	encap: (if $vx != null then "vxlan" elif $inner == null then "none"
		elif $outer.proto == 4 then "ipip" elif $outer.proto == 41 then "sit" else "?" end),
	vni: ($vx["vxlan.vni"] | n),
	outer: $outer, inner: $inner,
	ol4: (if $vx != null then ($l4s[0].value | .v | l4of("udp")) else null end),
	l4: ($l4s | map(select(.key > $lastip)) | .[0].value // null
		| if . == null then null else (.p as $p | .v | l4of($p)) end),
	status: $st, fault: $fault
}
EOF

# caltrace's NDJSON packets in the same shape
cat >"$TMPD/ct.jq" <<'EOF'
def b: if . == true then 1 elif . == false then 0 else . end;
def pnum: if type == "number" then . elif . == null then null
	else ({"icmp": 1, "tcp": 6, "udp": 17, "icmp6": 58, "ipip": 4, "ipv6": 41}[.] // (tonumber? // .)) end;
def flagbits: if . == null then null else (map({"fin": 1, "syn": 2, "rst": 4, "psh": 8, "ack": 16,
	"urg": 32, "ece": 64, "cwr": 128}[ascii_downcase] // 1024) | add // 0) end;
def cs: if . == null then "unchecked" else . end;
def ipn: if . == null then null else {v: .version, src, dst, proto, ttl, tos, id, df: (.df | b),
	mf: (.mf | b), frag: .frag_off, hlen: .hdr_len, len, fl: .flow_label, csum: (.checksum | cs)} end;
def l4n: if . == null then null else {proto: (.proto | pnum), sport, dport, flags: (.flags | flagbits),
	seq, ack, win: .window, plen: .payload_len, type: .icmp_type, code: .icmp_code, id, sq: .seq, mtu,
	q: (.quoted | if . == null then null else {src, dst, proto, sport, dport} end),
	csum: (.checksum | cs)} end;
def tus: if . == null then null else (capture("^(?<s>[^.]+)\\.(?<f>[0-9]{6})Z$")
	| ((.s + "Z") | fromdateiso8601) * 1000000 + (.f | tonumber)) end;
select(.type == "packet") | {time: (.time | tus), caplen, len, pkttype: .link.pkttype,
	vlan: (.link.vlan // []), encap, vni, outer: (.outer | ipn), inner: (.inner | ipn),
	ol4: (if .encap == "vxlan" then .outer_l4 | l4n else null end), l4: (.l4 | l4n), status, fault}
EOF

# "N<TAB>value" per packet for one group of fields ($g), from normalized packets (slurped)
cat >"$TMPD/groups.jq" <<'EOF'
def s: if . == null then "-" elif type == "array" then (if length == 0 then "-" else map(tostring) | join(",") end)
	else tostring end;
def j: map(s) | join(" ");
def echo: .type as $t | ($t == 0 or $t == 8 or $t == 128 or $t == 129);
def mtuish: (.proto == 1 and .type == 3 and .code == 4) or (.proto == 58 and .type == 2);
def iph: [.v, .src, .dst, .proto, .ttl, .tos, .id, .df, .mf, .frag, .hlen, .len, .fl] | j;
# how far decoding got before the fault: 0 link, 1 outer IP, 2 outer L4/VXLAN/inner link,
# 3 inner IP, 4 inner L4
def rank: if . == null then 9
	elif test("^(ethernet|sll|sll2|vlan)$") then 0
	elif test("^(ipv4|ipv6)") then 1
	elif test("^inner (ipv4|ipv6)") then 3
	elif test("^inner (tcp|udp|icmp)") then 4
	else 2 end;
def line($p):
	if $g == "lens" then [$p.caplen, $p.len] | j
	elif $g == "time" then $p.time | s
	elif $g == "status" then [$p.status, $p.fault] | j
	elif $g == "partial" then
		if $p.status == "ok" then empty else ($p.fault | rank) as $r
		| [(if $r >= 2 then $p.outer.src, $p.outer.dst else empty end),
		   (if $r >= 4 then $p.inner.src, $p.inner.dst else empty end)] | j end
	elif $p.status != "ok" then empty
	elif $g == "vlan" then $p.vlan | s
	elif $g == "outer" then $p.outer | iph
	elif $g == "encap" then [$p.encap, $p.vni] | j
	elif $g == "inner" then $p.inner | if . == null then empty else iph end
	elif $g == "vxlan_udp" then $p.ol4 | if . == null then empty else [.sport, .dport] | j end
	elif $g == "tcp" then $p.l4 | if .proto? == 6 then [.sport, .dport, .flags, .seq, .ack, .win, .plen] | j
		else empty end
	elif $g == "udp" then $p.l4 | if .proto? == 17 then [.sport, .dport, .plen] | j else empty end
	elif $g == "icmp" then $p.l4 | if .proto? == 1 or .proto? == 58 then
		[.proto, .type, .code, (if echo then .id, .sq else null, null end),
		 (if mtuish then .mtu else null end)] | j else empty end
	elif $g == "quoted" then $p.l4.q? | if . == null then empty else
		[.src, .dst, .proto, (if .proto == 6 or .proto == 17 then .sport, .dport else null, null end)] | j end
	elif $g == "csum" then [$p.outer.csum, $p.inner.csum, $p.ol4.csum, $p.l4.csum]
		| map(. // "unchecked") | j
	else error("unknown group " + $g) end;
to_entries[] | (.key + 1) as $n | .value as $p | line($p) | "\($n)\t\(.)"
EOF

# sniff_to OUT ARGS...: caltrace sniff ARGS, stdout into the file OUT, stderr into OUT.err; the
# exit status in RC
sniff_to() {
	local o=$1
	shift
	"$CALTRACE" sniff "$@" >"$o" 2>"$o.err"
	RC=$?
}

ts_norm() { # FILE [TSHARK ARGS...]: tshark's packets, normalized
	local f=$1
	shift
	tshark "${TS_OPTS[@]}" "$@" -r "$f" 2>/dev/null | jq -c -f "$TMPD/ts.jq"
}
ct_norm() { jq -c -f "$TMPD/ct.jq"; }
group() { jq -r -s --arg g "$1" -f "$TMPD/groups.jq" "$2"; }

# cmp_groups LABEL TS_NORM CT_NORM GROUP...: one check per group
cmp_groups() {
	local label=$1 tsf=$2 ctf=$3 g d n
	shift 3
	for g in "$@"; do
		group "$g" "$tsf" >"$TMPD/g.ts"
		group "$g" "$ctf" >"$TMPD/g.ct"
		n=$(wc -l <"$TMPD/g.ts")
		if d=$(diff "$TMPD/g.ts" "$TMPD/g.ct"); then
			ok "$label: $g matches tshark ($n packets)"
		else
			not_ok "$label: $g matches tshark ($n packets)" "packet<TAB>fields; < tshark, > caltrace
$d"
		fi
	done
}

GROUPS_ALL="lens time status partial vlan outer encap inner vxlan_udp tcp udp icmp quoted"

# ---------------------------------------------------------------- every file, field by field
# stderr's count line: captured, decoded (ok), truncated, invalid
counts_line() { sed -n 's/^\([0-9]*\) packets* captured, \([0-9]*\) decoded, \([0-9]*\) truncated, \([0-9]*\) invalid,.*/\1 \2 \3 \4/p' "$1"; }
ts_counts() { jq -s -r '"\(length) \(map(select(.status == "ok")) | length) \(map(select(.status == "truncated")) | length) \(map(select(.status == "invalid")) | length)"' "$1"; }

compare_file() { # LABEL FILE [TSHARK ARGS...]
	local label=$1 f=$2 rc nts nct
	shift 2
	ts_norm "$f" "$@" >"$TMPD/$label.ts"
	"$CALTRACE" sniff -r "$f" -j >"$TMPD/$label.ctj" 2>"$TMPD/$label.err"
	rc=$?
	ct_norm <"$TMPD/$label.ctj" >"$TMPD/$label.ct"
	nts=$(wc -l <"$TMPD/$label.ts")
	nct=$(wc -l <"$TMPD/$label.ct")
	is "$label: sniff -r -j exits 0, one JSON line per packet ($nts per tshark)" "$rc $nct" "0 $nts"
	if [ "$nts" = 0 ]; then
		not_ok "$label: tshark decoded nothing" "$(tshark -r "$f" 2>&1 | head -5)"
		return
	fi
	ok_if "$label: every line is a JSON object of type packet" "$(head -c 300 "$TMPD/$label.ctj")" \
		jq -e -s 'length > 0 and all(.type == "packet")' "$TMPD/$label.ctj"
	# shellcheck disable=SC2086 # a list of words
	cmp_groups "$label" "$TMPD/$label.ts" "$TMPD/$label.ct" $GROUPS_ALL
	is "$label: stderr counts (captured decoded truncated invalid) as tshark sees them" \
		"$(counts_line "$TMPD/$label.err")" "$(ts_counts "$TMPD/$label.ts")"
	# --checksums: the verdicts, and nothing else changes
	sniff_to "$TMPD/$label.ctcj" -r "$f" -j --checksums
	ct_norm <"$TMPD/$label.ctcj" >"$TMPD/$label.ctc"
	cmp_groups "$label --checksums" "$TMPD/$label.ts" "$TMPD/$label.ctc" csum
	is "$label --checksums: exit 0, the other fields are those of the run without" \
		"$RC $(jq -c 'del(.outer.csum, .inner.csum, .ol4.csum, .l4.csum)' "$TMPD/$label.ctc" | md5sum)" \
		"0 $(jq -c 'del(.outer.csum, .inner.csum, .ol4.csum, .l4.csum)' "$TMPD/$label.ct" | md5sum)"
}

for k in $KINDS; do
	compare_file "$k" "$TMPD/$k.pcap" -d udp.port==8472,vxlan
done
compare_file "pcapng" "$TMPD/ipip-ng.pcapng"
is "pcapng: the same packets as the classic pcap of the same content" \
	"$(md5sum <"$TMPD/pcapng.ct")" "$(md5sum <"$TMPD/ipip.ct")"

# what the generated files hold, so the comparisons above are not vacuous
enc() { jq -s -r "$2" "$TMPD/$1.ts"; }
is "coverage: ipip has ICMP, TCP and UDP inside IPIP" \
	"$(enc ipip '[.[] | select(.encap == "ipip") | .l4.proto] | unique | map(tostring) | join(",")')" "1,6,17"
is "coverage: vxlan and vxlan8472 are all VXLAN VNI 4096 (ports 4789, 8472)" \
	"$(enc vxlan '[.[] | "\(.encap) \(.vni) \(.ol4.dport)"] | unique | join(",")') $(enc vxlan8472 '[.[] | "\(.encap) \(.vni) \(.ol4.dport)"] | unique | join(",")')" \
	"vxlan 4096 4789 vxlan 4096 8472"
is "coverage: ipv6 has plain IPv6 (TCP, UDP, ICMPv6) and sit, some behind a hop-by-hop header" \
	"$(enc ipv6 '[.[] | "\(.encap) \(.l4.proto)"] | unique | join(",")') $(enc ipv6 '[.[] | select(.outer.hlen == 48)] | length > 0')" \
	"none 17,none 58,none 6,sit 17,sit 58,sit 6 true"
is "coverage: vlan has single tags (100) and QinQ (200 + 100..102)" \
	"$(enc vlan '[.[] | .vlan | map(tostring) | join("+")] | unique | join(",")')" "100,200+100,200+101,200+102"
is "coverage: sll2 has packet types host and outgoing" \
	"$(enc sll2 '[.[] | .pkttype] | unique | join(",")')" "host,outgoing"
is "coverage: icmperr has frag-needed 1480, protocol-unreachable quoting proto 4, ICMPv6 packet-too-big 1280" \
	"$(enc icmperr '[.[] | .l4 | select(.q != null) | "\(.proto)/\(.type)/\(.code)/\(.mtu)/\(.q.proto)"] | join(",")')" \
	"1/3/4/1480/4,1/3/2/null/4,1/3/4/1480/6,1/11/0/null/17,1/3/3/null/17,58/2/0/1280/6,58/1/4/null/17"
is "coverage: truncated: every cut tshark names (and one payload-only cut, one whole frame)" \
	"$(enc truncated '[.[] | .fault // "ok"] | join(",")')" \
	"ethernet,ipv4,inner ipv4,inner tcp,udp,vxlan,inner ethernet,inner ipv4,icmp,ok,ok"
is "coverage: malformed: IHL 4, bogus length, TCP offset 3, VXLAN without I" \
	"$(enc malformed '[.[] | .fault // "ok"] | join(",")')" \
	"ipv4,inner ipv4,ipv4,tcp,inner tcp,vxlan,ok"
is "coverage: badsum: bad IPv4 header (outer, inner), TCP, UDP, ICMP, VXLAN UDP, IPv6 UDP checksums" \
	"$(enc badsum '[.[] | [.outer.csum, .inner.csum, .ol4.csum, .l4.csum] | index("bad")] | map(tostring) | join(",")')" \
	"0,null,1,3,null,3,null,3,null,2,3,null"

# ---------------------------------------------------------------- text lines against tcpdump
# time column (local time, like tcpdump) and the address pairs of each line
TZ=UTC tcpdump -nn -r "$TMPD/ipip.pcap" 2>/dev/null | awk '{ print $1 }' >"$TMPD/td.times"
TZ=UTC sniff_to "$TMPD/ipip.txt" -r "$TMPD/ipip.pcap"
is "text: exit 0, one line per packet, times as tcpdump prints them" \
	"$RC $(awk '{ print $1 }' "$TMPD/ipip.txt" | md5sum) $(wc -l <"$TMPD/ipip.txt")" \
	"0 $(md5sum <"$TMPD/td.times") $(wc -l <"$TMPD/td.times")"
want=$(jq -r '"ipip \(.outer.src) > \(.outer.dst) | \(.inner.src)\(if .l4.sport then ".\(.l4.sport)" else "" end) > \(.inner.dst)\(if .l4.dport then ".\(.l4.dport)" else "" end) \({"1": "icmp", "6": "tcp", "17": "udp"}[.l4.proto | tostring])"' "$TMPD/ipip.ts")
is "text: ipip lines read 'ipip OUTER > OUTER | INNER > INNER PROTO' as tshark decodes them" \
	"$(cut -d' ' -f2-10 "$TMPD/ipip.txt")" "$want"
want=$(jq -r '"vxlan vni \(.vni) \(.outer.src).\(.ol4.sport) > \(.outer.dst).\(.ol4.dport) | \(.inner.src)\(if .l4.sport then ".\(.l4.sport)" else "" end)"' "$TMPD/vxlan.ts")
is "text: vxlan lines read 'vxlan vni N OUTER.PORT > OUTER.PORT | INNER' as tshark decodes them" \
	"$(sniff_to "$TMPD/vxlan.txt" -r "$TMPD/vxlan.pcap"; echo "exit $RC"; cut -d' ' -f2-9 "$TMPD/vxlan.txt")" \
	"exit 0
$want"
want=$(jq -r 'select(.l4.mtu != null) | .l4.mtu' "$TMPD/icmperr.ts" | sed 's/^/mtu /')
is "text: ICMP errors print their MTU" \
	"$(sniff_to "$TMPD/icmperr.txt" -r "$TMPD/icmperr.pcap"; echo "exit $RC"; grep -o 'mtu [0-9]*' "$TMPD/icmperr.txt")" \
	"exit 0
$want"

# ---------------------------------------------------------------- -c, BPF filters, --inner, -w
sniff_to "$TMPD/c5.out" -r "$TMPD/ipip.pcap" -j -c 5
out=$(ct_norm <"$TMPD/c5.out" | jq -c .outer.id)
is "-c 5: exit 0, the first 5 packets" "$RC $out" "0 $(head -n 5 "$TMPD/ipip.ts" | jq -c .outer.id)"

# BPF on the outer headers: the packets tcpdump's filter keeps (by outer IP id and inner pair)
key='"\(.outer.id) \(.inner.src) \(.inner.dst) \(.l4.proto)"'
for flt in 'host 192.168.31.203' 'src 192.168.31.201 and dst 192.168.31.202' 'ip[6] & 0x40 != 0'; do
	tcpdump -r "$TMPD/ipip.pcap" -w "$TMPD/td.pcap" "$flt" 2>/dev/null
	want=$(ts_norm "$TMPD/td.pcap" | jq -r "$key")
	sniff_to "$TMPD/flt.out" -r "$TMPD/ipip.pcap" -j "$flt"
	got=$(ct_norm <"$TMPD/flt.out" | jq -r "$key")
	is "filter '$flt': exit 0, the packets tcpdump keeps ($(grep -c . <<<"$want"))" "$RC $got" "0 $want"
done
# the filter split over several arguments, as a shell passes it
tcpdump -r "$TMPD/vxlan.pcap" -w "$TMPD/td.pcap" udp and src host 192.168.31.202 2>/dev/null
sniff_to "$TMPD/flt.out" -r "$TMPD/vxlan.pcap" -j udp and src host 192.168.31.202
is "filter as several arguments (udp and src host 192.168.31.202): exit 0, the packets tcpdump keeps" \
	"$RC $(wc -l <"$TMPD/flt.out")" "0 $(ts_norm "$TMPD/td.pcap" | wc -l)"

# --inner: the expected set from tshark's full decode (the second IP header's protocol)
inner_check() { # FILE EXPR JQ_SELECT [FILTER]
	local f=$1 expr=$2 sel=$3 flt=${4:-} want got n
	ts_norm "$f" -d udp.port==8472,vxlan >"$TMPD/inner.ts"
	want=$(jq -r "select(.inner != null) | select($sel) | $key" "$TMPD/inner.ts")
	[ -z "$flt" ] || want=$(jq -r "select(.inner != null) | select($sel) | select(.outer.src == \"$flt\") | $key" "$TMPD/inner.ts")
	n=$(grep -c . <<<"$want")
	# shellcheck disable=SC2086 # the filter is words
	sniff_to "$TMPD/inner.out" -r "$f" -j --inner "$expr" ${flt:+src host $flt}
	got=$(ct_norm <"$TMPD/inner.out" | jq -r "$key")
	is "--inner '$expr'${flt:+ + filter 'src host $flt'} on $(basename "$f"): exit 0, the $n packets whose inner header matches (tshark)" \
		"$RC $got" "0 $want"
}
inner_check "$TMPD/ipip.pcap" icmp '.inner.proto == 1'
inner_check "$TMPD/ipip.pcap" 'tcp[tcpflags] & tcp-syn != 0' '.l4.proto == 6 and (.l4.flags % 4) >= 2'
inner_check "$TMPD/ipip.pcap" 'src net 172.168.135.128/26' '(.inner.src | startswith("172.168.135."))'
inner_check "$TMPD/ipip.pcap" udp '.inner.proto == 17' 192.168.31.202
inner_check "$TMPD/vxlan.pcap" 'tcp port 443' '.l4.proto == 6 and (.l4.sport == 443 or .l4.dport == 443)'
inner_check "$TMPD/vlan.pcap" icmp '.inner.proto == 1'
inner_check "$TMPD/sll2.pcap" 'dst host 172.168.195.13' '.inner.dst == "172.168.195.13"'
inner_check "$TMPD/ipv6.pcap" 'ip6 and tcp' '.inner.v == 6 and .l4.proto == 6'
inner_check "$TMPD/vxlan8472.pcap" 'icmp' '.inner.proto == 1'
sniff_to "$TMPD/inner.out" -r "$TMPD/ipip.pcap" --inner icmp
is "--inner icmp on ipip: exit 0, stderr counts the matches" \
	"$RC $(sed -n 's/^\([0-9]*\) packets matched --inner$/\1/p' "$TMPD/inner.out.err")" \
	"0 $(jq -s '[.[] | select(.inner.proto == 1)] | length' "$TMPD/ipip.ts")"
# a packet without an inner header never matches --inner
sniff_to "$TMPD/inner.out" -r "$TMPD/raw.pcap" -j --inner ip
is "--inner ip on plain (not encapsulated) traffic: exit 0, keeps nothing" "$RC $(wc -l <"$TMPD/inner.out")" "0 0"

# -w: the kept packets, byte for byte, in a file tshark reads; no packet lines on stdout
rm -f "$TMPD/w.pcap"
out=$("$CALTRACE" sniff -r "$TMPD/ipip.pcap" --inner icmp -w "$TMPD/w.pcap" 2>"$TMPD/w.err")
rc=$?
is "-w: exit 0, nothing on stdout" "$rc $(printf '%s' "$out" | wc -c)" "0 0"
# the frames from tshark's full decode (not a display filter: 'ip.proto == 4 && icmp' would
# match an ICMP error quoting IPIP just as well), cut out with editcap
# shellcheck disable=SC2046 # frame numbers are words
editcap -r "$TMPD/ipip.pcap" "$TMPD/want.pcap" $(jq -r 'select(.encap == "ipip" and .inner.proto == 1) | .n' "$TMPD/ipip.ts") 2>/dev/null
is "-w --inner icmp: the file holds exactly the ICMP-inner frames, bytes and times (tcpdump -xx)" \
	"$(tcpdump -nn -xx -r "$TMPD/w.pcap" 2>/dev/null | md5sum) $(tshark -r "$TMPD/w.pcap" 2>/dev/null | wc -l)" \
	"$(tcpdump -nn -xx -r "$TMPD/want.pcap" 2>/dev/null | md5sum) $(jq -s '[.[] | select(.inner.proto == 1)] | length' "$TMPD/ipip.ts")"
sniff_to "$TMPD/w2.out" -r "$TMPD/sll2.pcap" -w "$TMPD/w2.pcap"
is "-w: exit 0, keeps the link type (LINUX_SLL2) and the timestamps" \
	"$RC $(tshark -r "$TMPD/w2.pcap" -T fields -e frame.encap_type -e frame.time_epoch 2>/dev/null | md5sum)" \
	"0 $(tshark -r "$TMPD/sll2.pcap" -T fields -e frame.encap_type -e frame.time_epoch 2>/dev/null | md5sum)"

# --vxlan-port: the list replaces the default; VXLAN on other ports is plain UDP
sniff_to "$TMPD/8472.out" -r "$TMPD/vxlan8472.pcap" -j --vxlan-port 4789
out=$(jq -r '"\(.encap) \(.l4.proto) \(.l4.dport)"' "$TMPD/8472.out" | sort -u)
is "--vxlan-port 4789: exit 0, 8472 traffic is plain UDP to 8472" "$RC $out" "0 none udp 8472"
ts_norm "$TMPD/vxlan8472.pcap" >"$TMPD/8472-plain.ts"
ct_norm <"$TMPD/8472.out" >"$TMPD/8472-plain.ct"
cmp_groups "vxlan8472 --vxlan-port 4789 (tshark without decode-as)" "$TMPD/8472-plain.ts" "$TMPD/8472-plain.ct" outer encap udp
sniff_to "$TMPD/vx2.out" -r "$TMPD/vxlan.pcap" -j --vxlan-port 9999 --vxlan-port 4789
out=$(jq -r .encap "$TMPD/vx2.out" | sort -u)
is "--vxlan-port 9999 --vxlan-port 4789: exit 0, 4789 is still VXLAN" "$RC $out" "0 vxlan"

# ---------------------------------------------------------------- --flows against tshark
# A flow: the innermost IP pair + ports (ICMP echo: the identifier) + VNI, both directions on
# one key, oriented by its first packet; bytes are innermost IP lengths. ICMP errors make no
# flow: one quoting TCP/UDP attaches to that flow, one quoting an IPIP header (protocol 4) to
# the flows carried between that outer pair ("tunnel").
cat >"$TMPD/flows.jq" <<'EOF'
[.[] | select(.status == "ok")] as $ok
| [$ok[] | .l4 | select(.q != null)] as $errs
| [$ok[] | (.inner // .outer) as $ip | .l4 as $l | .vni as $vni
   | select($ip != null and $l != null)
   | select($l.proto == 6 or $l.proto == 17 or (($l.proto == 1 or $l.proto == 58) and ($l.type | IN(0, 8, 128, 129))))
   | (if $l.proto == 6 or $l.proto == 17 then [$l.sport, $l.dport] else [$l.id, $l.id] end) as $pp
   | {a: [$ip.src, $pp[0]], b: [$ip.dst, $pp[1]], proto: $l.proto, vni: $vni, len: $ip.len,
      outer: (if .encap != "none" then [.outer.src, .outer.dst] else null end)}
   | . + {key: ([([.a, .b] | sort), .proto, .vni] | tostring)}]
| group_by(.key)
| map(.[0] as $f | ([.[] | .outer | select(. != null)] | unique) as $outers
	| {proto: $f.proto, src: $f.a, dst: $f.b, vni: $f.vni,
	fwd: map(select(.a == $f.a)), rev: map(select(.a != $f.a)),
	err: [$errs[] | select(
		((.q.proto == 6 or .q.proto == 17) and .q.proto == $f.proto
		 and ([[.q.src, .q.sport], [.q.dst, .q.dport]] | sort) == ([$f.a, $f.b] | sort))
		or (.q.proto == 4 and ([.q.src, .q.dst] | IN($outers[]))))
		| {type, code, mtu, tunnel: (.q.proto == 4)}]})
| .[] | "\(.proto) \(.src[0]) \(.src[1]) \(.dst[0]) \(.dst[1]) \(.vni) \(.fwd | length) \(.rev | length) \(.fwd | map(.len) | add // 0) \(.rev | map(.len) | add // 0) \(if .err == [] then "-" else .err[0] as $e | "\($e.type)/\($e.code)/\($e.mtu)/\(.err | length)/\($e.tunnel)" end)"
EOF
ct_flows_lines() {
	jq -r 'select(.type == "flow") | def p: {"icmp": 1, "tcp": 6, "udp": 17, "icmp6": 58}[.] // .;
		"\(.proto | p) \(.src) \(.sport // .id) \(.dst) \(.dport // .id) \(.vni) \(.fwd.packets) \(.rev.packets) \(.fwd.bytes) \(.rev.bytes) \(.icmp_error | if . == null then "-" else "\(.type)/\(.code)/\(.mtu)/\(.count)/\(.tunnel)" end)"'
}
for k in ipip vxlan ipv6 sll2 icmperr; do
	want=$(jq -s -r -f "$TMPD/flows.jq" "$TMPD/$k.ts" | sort)
	out=$("$CALTRACE" sniff -r "$TMPD/$k.pcap" --flows -j 2>/dev/null)
	rc=$?
	got=$(printf '%s\n' "$out" | ct_flows_lines | sort)
	is "--flows -j on $k: exit 0, $(grep -c . <<<"$want") flows, packets, bytes each way and ICMP errors as tshark's decode adds up" \
		"$rc $got" "0 $want"
	json_eq "--flows -j on $k: no packet lines, one final flow_stats counting the flows" \
		"$(printf '%s\n' "$out" | jq -s -c '[(map(select(.type == "packet")) | length), (map(select(.type == "flow_stats" and .final)) | length), (map(select(.type == "flow_stats")) | .[0].flows) == (map(select(.type == "flow")) | length)]')" \
		'map(tostring) | join(" ")' "0 1 true"
done
is "--flows on icmperr: every error attached (7 errors, 7 of 8 flows)" \
	"$(jq -s -r -f "$TMPD/flows.jq" "$TMPD/icmperr.ts" | grep -vc ' -$')" 7

# ---------------------------------------------------------------- errors and a file cut short
"$CALTRACE" sniff -r "$TMPD/cutshort.pcap" -j >"$TMPD/cut.out" 2>"$TMPD/cut.err"
rc=$?
n=$(tshark -r "$TMPD/cutshort.pcap" 2>/dev/null | wc -l)
is "cut-short file: exit 3 after the $n whole packets (tshark's count), in order" \
	"$rc $(ct_norm <"$TMPD/cut.out" | jq -c .outer.id | md5sum)" \
	"3 $(ts_norm "$TMPD/cutshort.pcap" | jq -c .outer.id | md5sum)"
ok_if "cut-short file: stderr says the file is truncated, after the packets" "$(cat "$TMPD/cut.err")" \
	grep -qi 'truncated\|cut short' "$TMPD/cut.err"
for bad in 'ip proto nonsense' 'host' 'tcp port 99999'; do
	out=$("$CALTRACE" sniff -r "$TMPD/ipip.pcap" "$bad" 2>&1 >/dev/null)
	rc=$?
	is "bad filter '$bad': exit 2 with one line on stderr" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
done
out=$("$CALTRACE" sniff -r "$TMPD/ipip.pcap" --inner 'tcp port x' 2>&1 >/dev/null)
rc=$?
is "bad --inner expression: exit 2 with one line on stderr" "$rc $(printf '%s\n' "$out" | wc -l)" "2 1"
out=$("$CALTRACE" sniff -r "$TMPD/no-such-file.pcap" 2>&1 >/dev/null)
rc=$?
is "missing file: exit 3 with one line on stderr" "$rc $(printf '%s\n' "$out" | wc -l)" "3 1"
printf 'not a capture file at all\n' >"$TMPD/junk.pcap"
out=$("$CALTRACE" sniff -r "$TMPD/junk.pcap" 2>&1 >/dev/null)
rc=$?
is "not a pcap: exit 3 with one line on stderr" "$rc $(printf '%s\n' "$out" | wc -l)" "3 1"

done_testing
