#!/bin/bash
# caltrace sniff --flows and multicast or broadcast traffic: one-way by nature, so never in the
# one-way count, counted apart ("multicast/broadcast:" line, multicast_flows, multicast_packets,
# link_broadcast_frames). A pcap written here by python3 holds unicast two-way flows (UDP, ICMP
# echo), unicast one-way flows (IPv4 and IPv6 UDP, and a subnet's directed broadcast, which
# caltrace cannot know as one: caltrace(1)), flows to group addresses (a router solicitation to
# ff02::2, mDNS to 224.0.0.251, DHCP to 255.255.255.255, one IGMP report more than a second before
# the end), and frames without IP (ARP requests and LLDP to group MACs, an ARP reply to one host).
# The oracle: tshark's conversation statistics (-z conv,ip, -z conv,ipv6: one conversation per
# flow here) give each flow's frames per direction; a conversation is one-way when one direction
# has no frame (with two frames or more, or lasting a second: caltrace(1)) and its address is not
# a group address (224.0.0.0/4, 255.255.255.255, ff00::/8); tshark's display filter counts the
# frames without IP sent to a group MAC (eth.dst.ig).
# No root needed.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd tshark jq python3
need_caltrace

TMPD=$(mktemp -d /tmp/ct-sniff-mcast.XXXXXX)
trap 'rm -rf "$TMPD"' EXIT

cat >"$TMPD/gen.py" <<'PY'
import struct, sys, socket
out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
t = [1700000000.0]
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def mac(s): return bytes.fromhex(s.replace(':', ''))
def frame(dst, src, etype, payload):
    f = mac(dst) + mac(src) + struct.pack('!H', etype) + payload
    t[0] += 0.1
    sec = int(t[0]); usec = int(round((t[0] - sec) * 1e6))
    out.write(struct.pack('<IIII', sec, usec, len(f), len(f)) + f)
def ip4(src, dst, proto, l4):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + l4
def ip6(src, dst, nh, l4):
    return struct.pack('!IHBB16s16s', 6 << 28, len(l4), nh, 64,
                       socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)) + l4
def udp(sp, dp, data=b'hello'): return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data
def icmp(ty, code, rest, data=b''):
    b = struct.pack('!BBHI', ty, code, 0, rest) + data
    return b[:2] + struct.pack('!H', csum(b)) + b[4:]
A = '02:00:00:00:00:01'; B = '02:00:00:00:00:02'; BC = 'ff:ff:ff:ff:ff:ff'
def u4(src, dst, sp, dp, dmac=B, smac=A): frame(dmac, smac, 0x0800, ip4(src, dst, 17, udp(sp, dp)))
def u6(src, dst, sp, dp, dmac=B, smac=A): frame(dmac, smac, 0x86dd, ip6(src, dst, 17, udp(sp, dp)))
def arp(op, dmac, smac, spa, tpa):
    p = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, mac(smac), socket.inet_aton(spa),
                    mac('00:00:00:00:00:00' if op == 1 else dmac), socket.inet_aton(tpa))
    frame(dmac, smac, 0x0806, p)
for i in range(3):
    # unicast, two-way: UDP and an ICMP echo
    u4('10.0.1.1', '10.0.1.2', 5000, 53)
    u4('10.0.1.2', '10.0.1.1', 53, 5000, dmac=A, smac=B)
    frame(B, A, 0x0800, ip4('10.0.2.1', '10.0.2.2', 1, icmp(8, 0, (7 << 16) | i, b'x' * 8)))
    frame(A, B, 0x0800, ip4('10.0.2.2', '10.0.2.1', 1, icmp(0, 0, (7 << 16) | i, b'x' * 8)))
    # unicast, one-way: IPv4 and IPv6 UDP, and a subnet's directed broadcast (not known as one)
    u4('10.0.3.1', '10.0.3.2', 6000, 9999)
    u6('fd00::1', 'fd00::2', 7000, 8000, dmac='02:00:00:00:00:03')
    u4('10.0.4.1', '10.0.4.255', 137, 137, dmac=BC)
    # multicast and broadcast: a router solicitation, mDNS, the limited broadcast
    frame('33:33:00:00:00:02', A, 0x86dd, ip6('fe80::1', 'ff02::2', 58, icmp(133, 0, 0)))
    u4('10.0.5.1', '224.0.0.251', 5353, 5353, dmac='01:00:5e:00:00:fb')
    u4('10.0.6.1', '255.255.255.255', 68, 67, dmac=BC)
    # without IP: ARP requests (broadcast), LLDP (multicast); an ARP reply (unicast)
    arp(1, BC, A, '10.0.1.1', '10.0.1.2')
    frame('01:80:c2:00:00:0e', A, 0x88cc, b'\x02\x07\x04' + mac(A) + b'\x00\x00')
arp(2, A, B, '10.0.1.2', '10.0.1.1')
# one IGMP report, alone: more than a second before the end
frame('01:00:5e:00:00:16', A, 0x0800, ip4('10.0.7.1', '224.0.0.22', 2, b'\x22\x00\xfa\x04\x00\x00\x00\x00'))
u4('10.0.1.1', '10.0.1.2', 5000, 53)
for i in range(12):
    u4('10.0.1.2', '10.0.1.1', 53, 5000, dmac=A, smac=B)
PY
python3 "$TMPD/gen.py" "$TMPD/m.pcap" || bail "python3 could not write the pcap"

# ---------------------------------------------------------------- the oracle
# "A B frames_a_to_b frames_b_to_a duration" per conversation (tshark prints "<-" first)
conv=$(tshark -n -r "$TMPD/m.pcap" -q -z conv,ip -z conv,ipv6 2>/dev/null |
	awk '$2 == "<->" { print $1, $3, $7, $4, $NF }')
[ -n "$conv" ] || bail "tshark -z conv gave no conversation"
diag "tshark conversations (A B A->B B->A seconds):
$conv"
# "A B" lines with the two addresses in sorted order, sorted
pairs() { awk '{ if ($1 > $2) print $2, $1; else print $1, $2 }' | sort; }
# grp(ADDR): a group address when either end is a group address
is_group='function grp(a) { return a ~ /^(22[4-9]|23[0-9])\./ || a == "255.255.255.255" || a ~ /^ff/ }'
want_oneway=$(printf '%s\n' "$conv" | awk "$is_group"'
	!grp($1) && !grp($2) && ($3 == 0 || $4 == 0) && ($3 + $4 >= 2 || $5 >= 1) { print $1, $2 }' | pairs)
want_mc=$(printf '%s\n' "$conv" | awk "$is_group"' grp($1) || grp($2) { print $1, $2 }' | pairs)
want_mc_pkts=$(printf '%s\n' "$conv" | awk "$is_group"' grp($1) || grp($2) { n += $3 + $4 } END { print n + 0 }')
want_l2=$(tshark -n -r "$TMPD/m.pcap" -Y 'eth.dst.ig == 1 && !ip && !ipv6' 2>/dev/null | grep -c .)
n_oneway=$(printf '%s\n' "$want_oneway" | grep -c .)
n_mc=$(printf '%s\n' "$want_mc" | grep -c .)
n_conv=$(printf '%s\n' "$conv" | grep -c .)
is "the pcap: tshark sees one-way unicast, group and link-layer group traffic (the test needs all)" \
	"$([ "$n_oneway" -gt 0 ] && [ "$n_mc" -gt 1 ] && [ "$want_l2" -gt 0 ] && echo yes)" yes

# ---------------------------------------------------------------- JSON
out=$("$CALTRACE" sniff -r "$TMPD/m.pcap" --flows -j 2>/dev/null)
rc=$?
is "--flows -j: exit 0" "$rc" 0
json_eq "--flows -j: flow_stats counts tshark's $n_conv conversations, $n_oneway one-way, $n_mc multicast/broadcast with $want_mc_pkts packets, $want_l2 link-layer group frames without IP" \
	"$(printf '%s\n' "$out" | jq -s -c 'map(select(.type == "flow_stats")) | .[0]')" \
	'"\(.flows) \(.one_way) \(.multicast_flows) \(.multicast_packets) \(.link_broadcast_frames)"' \
	"$n_conv $n_oneway $n_mc $want_mc_pkts $want_l2"
is "--flows -j: the one-way flows are tshark's one-way unicast conversations" \
	"$(printf '%s\n' "$out" | jq -r 'select(.type == "flow" and .one_way) | "\(.src) \(.dst)"' | pairs)" \
	"$want_oneway"
is "--flows -j: the flows marked multicast are tshark's conversations with a group address" \
	"$(printf '%s\n' "$out" | jq -r 'select(.type == "flow" and .multicast) | "\(.src) \(.dst)"' | pairs)" \
	"$want_mc"
is "--flows -j: no flow is both multicast and one-way, none carries a one-way note" \
	"$(printf '%s\n' "$out" | jq -r 'select(.type == "flow" and .multicast and (.one_way or .note != null))' | grep -c .)" 0

# ---------------------------------------------------------------- text
out=$("$CALTRACE" sniff -r "$TMPD/m.pcap" --flows 2>/dev/null)
rc=$?
hdr=$(printf '%s\n' "$out" | sed -n 1p)
mc=$(printf '%s\n' "$out" | sed -n 2p)
is "--flows: exit 0, the header counts $n_oneway one-way" \
	"$rc $(printf '%s' "$hdr" | sed -n 's/.*, \([0-9]*\) one-way,.*/\1/p')" "0 $n_oneway"
is "--flows: the second line counts the multicast/broadcast flows, packets and frames" \
	"$(printf '%s' "$mc" | sed -n 's/^multicast\/broadcast: \([0-9]*\) flows, \([0-9]*\) packets (.*); \([0-9]*\) link-layer broadcast frames without IP.*/\1 \2 \3/p')" \
	"$n_mc $want_mc_pkts $want_l2"
is "--flows: one 'one-way:' line per one-way flow" \
	"$(printf '%s\n' "$out" | grep -c '^    one-way: ')" "$n_oneway"

# ---------------------------------------------------------------- unicast only: as before
# (a frame to a group MAC: every group flow here, the ARP requests, LLDP, the directed broadcast)
"$CALTRACE" sniff -r "$TMPD/m.pcap" -w "$TMPD/u.pcap" 'not ether multicast' 2>/dev/null ||
	bail "sniff -w of the unicast frames failed"
out=$("$CALTRACE" sniff -r "$TMPD/u.pcap" --flows 2>/dev/null)
rc=$?
is "--flows on unicast traffic only: no multicast/broadcast line" \
	"$rc $(printf '%s\n' "$out" | grep -c '^multicast/broadcast')" "0 0"

done_testing
