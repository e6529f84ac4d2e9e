#!/bin/bash
# caltrace sniff --flows --max-flows: the flow table's cap, against tshark's decode of pcaps
# written by tests/tools/mkpcap.c. The oracle: tshark's inner 5-tuples, one key per flow (both
# directions on one key; ICMP echo keyed by its identifier), counted and ordered here.
#   - without hitting the cap: as many flows as tshark's distinct keys, nothing evicted
#   - a capture of one-packet flows (benchrand) through a smaller table: the report holds the
#     cap, counts distinct - cap as evicted (text header and JSON "evicted"), and keeps exactly
#     the cap's worth of most recent flows (the rule in caltrace(1): with one packet per flow
#     the clock hand always evicts the oldest)
#   - --max-flows usage errors: 0, negative, above 16777216, not a number, without --flows:
#     exit 2 and one line on stderr naming the option
# No root needed.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd tshark jq cc
need_caltrace

TMPD=$(mktemp -d /tmp/ct-sniff-flows.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT

MKPCAP=${MKPCAP:-$TOP/build/tests/mkpcap}
if [ ! -x "$MKPCAP" ] || [ "$TOP/tests/tools/mkpcap.c" -nt "$MKPCAP" ]; then
	mkdir -p "$(dirname "$MKPCAP")" 2>/dev/null && [ -w "$(dirname "$MKPCAP")" ] || MKPCAP=$TMPD/mkpcap
	out=$(cc -O2 -o "$MKPCAP" "$TOP/tests/tools/mkpcap.c" 2>&1) || bail "build mkpcap" "$out"
fi
"$MKPCAP" benchrand "$TMPD/rand.pcap" 3000 7 || bail "mkpcap benchrand"
"$MKPCAP" benchflows "$TMPD/flows.pcap" 3000 || bail "mkpcap benchflows"

# tshark's flow key per packet, in packet order: "proto lo hi" with the endpoints "addr:port"
# sorted (the innermost header: the last occurrence of each field)
ts_keys() {
	tshark -n -r "$1" -T fields -E occurrence=l -E separator=/t -e ip.src -e ip.dst -e ip.proto \
		-e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport -e icmp.type -e icmp.ident \
		2>/dev/null |
		awk -F '\t' '{
			sp = $4 $6; dp = $5 $7
			if ($3 == 1) { sp = ($8 == 0 || $8 == 8) ? $9 : 0; dp = sp }
			a = $1 ":" sp; b = $2 ":" dp
			if (a > b) { t = a; a = b; b = t }
			print $3, a, b }'
}
# caltrace's flow lines (-j) as the same keys
ct_keys() {
	jq -r 'select(.type == "flow") | def p: {"icmp": 1, "tcp": 6, "udp": 17}[.] // .;
		[(.proto | p), "\(.src):\(.sport // .id // 0)", "\(.dst):\(.dport // .id // 0)"]
		| [.[0], (.[1:] | sort)[]] | join(" ")'
}

ts_keys "$TMPD/rand.pcap" >"$TMPD/rand.keys" || bail "tshark on rand.pcap"
ts_keys "$TMPD/flows.pcap" >"$TMPD/flows.keys" || bail "tshark on flows.pcap"
packets=$(wc -l <"$TMPD/rand.keys")
distinct=$(sort -u "$TMPD/rand.keys" | wc -l)
is "benchrand: tshark decodes 3000 packets, one flow each (the eviction oracle below needs it)" \
	"$packets $distinct" "3000 3000"
fdistinct=$(sort -u "$TMPD/flows.keys" | wc -l)

# ---------------------------------------------------------------- under the cap
out=$("$CALTRACE" sniff -r "$TMPD/flows.pcap" --flows -j 2>/dev/null)
rc=$?
is "--flows -j on benchflows: exit 0" "$rc" 0
json_eq "--flows -j on benchflows: flows = tshark's distinct keys ($fdistinct), none evicted" \
	"$(printf '%s\n' "$out" | jq -s -c 'map(select(.type == "flow_stats")) | .[0]')" \
	'"\(.flows) \(.evicted)"' "$fdistinct 0"
is "--flows -j on benchflows: the same keys as tshark's" \
	"$(printf '%s\n' "$out" | ct_keys | sort | md5sum)" "$(sort -u "$TMPD/flows.keys" | md5sum)"
out=$("$CALTRACE" sniff -r "$TMPD/flows.pcap" --flows 2>/dev/null)
rc=$?
hdr=$(printf '%s\n' "$out" | sed -n 1p)
is "--flows on benchflows: the header counts $fdistinct flows and says nothing of evictions" \
	"$rc $(printf '%s' "$hdr" | sed -n 's/.*: \([0-9]*\) flows.*/\1/p') $(printf '%s' "$hdr" | grep -c evicted)" \
	"0 $fdistinct 0"

# ---------------------------------------------------------------- past the cap
cap=1000
want_ev=$((distinct - cap))
# the most recent $cap keys by last packet (each key has one packet here)
awk '{ last[$0] = NR } END { for (k in last) print last[k], k }' "$TMPD/rand.keys" |
	sort -n | tail -n "$cap" | cut -d' ' -f2- | sort >"$TMPD/rand.newest"
out=$("$CALTRACE" sniff -r "$TMPD/rand.pcap" --flows --max-flows "$cap" -j 2>/dev/null)
rc=$?
is "--max-flows $cap -j on benchrand: exit 0" "$rc" 0
json_eq "--max-flows $cap -j: flow_stats holds $cap flows, $want_ev evicted (tshark: $distinct flows)" \
	"$(printf '%s\n' "$out" | jq -s -c 'map(select(.type == "flow_stats")) | .[0]')" \
	'"\(.flows) \(.shown) \(.evicted)"' "$cap $cap $want_ev"
got=$(printf '%s\n' "$out" | ct_keys | sort)
is "--max-flows $cap -j: the flows kept are the $cap most recent by tshark's packet order" \
	"$(printf '%s\n' "$got" | md5sum) $(printf '%s\n' "$got" | grep -c .)" \
	"$(md5sum <"$TMPD/rand.newest") $cap"
out=$("$CALTRACE" sniff -r "$TMPD/rand.pcap" --flows --max-flows "$cap" 2>/dev/null)
rc=$?
hdr=$(printf '%s\n' "$out" | sed -n 1p)
is "--max-flows $cap: the text header counts $cap flows and $want_ev evicted, naming the option" \
	"$rc $(printf '%s' "$hdr" | sed -n 's/.*: \([0-9]*\) flows.*, \([0-9]*\) evicted (table full at \([0-9]*\) entries, --max-flows).*/\1 \2 \3/p')" \
	"0 $cap $want_ev $cap"
out=$("$CALTRACE" sniff -r "$TMPD/rand.pcap" --flows --max-flows 16777216 -j 2>/dev/null)
rc=$?
json_eq "--max-flows 16777216 (the largest): accepted, all $distinct flows, none evicted" \
	"$(printf '%s\n' "$out" | jq -s -c --argjson rc "$rc" 'map(select(.type == "flow_stats")) | .[0] + {rc: $rc}')" \
	'"\(.rc) \(.flows) \(.evicted)"' "0 $distinct 0"

# ---------------------------------------------------------------- usage errors
for bad in 0 -1 16777217 99999999999999999999 abc 1e3 ''; do
	out=$("$CALTRACE" sniff -r "$TMPD/flows.pcap" --flows --max-flows "$bad" 2>&1 >/dev/null)
	rc=$?
	is "--max-flows '$bad': exit 2, one line on stderr naming --max-flows" \
		"$rc $(printf '%s\n' "$out" | grep -c .) $(printf '%s' "$out" | grep -c -- --max-flows)" "2 1 1"
done
out=$("$CALTRACE" sniff -r "$TMPD/flows.pcap" --max-flows 10 2>&1 >/dev/null)
rc=$?
is "--max-flows without --flows: exit 2, one line on stderr" \
	"$rc $(printf '%s\n' "$out" | grep -c .) $(printf '%s' "$out" | grep -c -- '--max-flows goes with --flows')" "2 1 1"

done_testing
