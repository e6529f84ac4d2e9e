#!/bin/bash
# caltrace sniff with several captures prints (and writes with -w) packets in time order across
# interfaces, within its window (caltrace(1), sniff). In namespaces this script creates
# (ct<pid>o-x with two veths: x0 to ct<pid>o-y, x1 to ct<pid>o-z), a sender in x sends UDP in
# bursts: many datagrams out of x0 while x1 gets one now and then, every datagram to its own
# destination port (its identity). One caltrace captures x:x0 and x:x1 at once.
# The oracles:
#   - the kernel's timestamps in the records themselves: the NDJSON "time" of consecutive packets
#     never decreases (a poll loop that reads one interface's burst before the other's packet
#     prints them out of order: this fails on a caltrace that does not order them);
#   - tcpdump on each interface at the same time, read by tshark: the same packets (interface and
#     destination port) as caltrace printed, none lost or doubled by the holding;
#   - -w: tshark's frame.time_epoch of the written file never decreases, and it holds tcpdump's
#     packets;
#   - -c N: exactly N packets, in order, and they are the N the sender sent first (caltrace
#     counts in time order, after ordering), on the interfaces tcpdump saw them on.
# Nothing here checks timing beyond generous deadlines.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip tcpdump tshark jq python3
need_caltrace

P="ct$$o-"
NX=${P}x NY=${P}y NZ=${P}z
TMPD=$(mktemp -d /tmp/ct-sniff-order.XXXXXX)
PIDS=""
cleanup() {
	local rc=$? p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for p in "$NX" "$NY" "$NZ"; do ip netns del "$p" 2>/dev/null; done
	[ -n "${SNIFF_KEEP:-}" ] || rm -rf "$TMPD"
	return "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

out=$(
	exec 2>&1
	set -e
	for n in "$NX" "$NY" "$NZ"; do ip netns add "$n"; ip -n "$n" link set lo up; done
	ip -n "$NX" link add x0 type veth peer name y0 netns "$NY"
	ip -n "$NX" link add x1 type veth peer name z0 netns "$NZ"
	ip -n "$NX" addr add 10.251.1.1/24 dev x0
	ip -n "$NX" addr add 10.251.2.1/24 dev x1
	ip -n "$NY" addr add 10.251.1.2/24 dev y0
	ip -n "$NZ" addr add 10.251.2.2/24 dev z0
	for d in x0 x1; do ip -n "$NX" link set "$d" up; done
	ip -n "$NY" link set y0 up
	ip -n "$NZ" link set z0 up
	# the neighbours first: an unresolved neighbour queues only a few datagrams
	ip netns exec "$NX" ping -n -q -c 1 -W 5 10.251.1.2 >/dev/null
	ip netns exec "$NX" ping -n -q -c 1 -W 5 10.251.2.2 >/dev/null
) || bail "namespaces up" "$out"

# send ROUNDS BURST: per round BURST datagrams out of x0 and one out of x1; ports from 20000 up
SENDER='
import socket, sys
rounds, burst = int(sys.argv[1]), int(sys.argv[2])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
port = 20000
for r in range(rounds):
    for k in range(burst):
        a.sendto(b"x" * 32, ("10.251.1.2", port)); port += 1
    b.sendto(b"y" * 32, ("10.251.2.2", port)); port += 1
'
send() { ip netns exec "$NX" python3 -c "$SENDER" "$@"; }
ROUNDS=200 BURST=20
SENT=$((ROUNDS * (BURST + 1)))
FILTER="udp and dst portrange 20000-$((20000 + SENT - 1))"

# started NAME PID: waits until the caltrace of that pid sits in poll() (every handle open)
started() {
	local s _
	for _ in $(seq 400); do
		s=$(cut -d' ' -f1 "/proc/$2/syscall" 2>/dev/null) || break
		case "$s" in 7 | 271 | 73) return 0 ;; esac
		kill -0 "$2" 2>/dev/null || break
		sleep 0.05
	done
	diag "caltrace ($1) did not start capturing: $(cat "$TMPD/$1.err" 2>/dev/null)"
	return 1
}
# td NAME IFACE COUNT: tcpdump in x on IFACE into $TMPD/NAME.pcap, ended by -c or 60 s; sets
# TD_PID
td() {
	local _
	ip netns exec "$NX" timeout 60 tcpdump -Z root -nn -U -i "$2" -c "$3" -w "$TMPD/$1.pcap" \
		"$FILTER" 2>"$TMPD/$1.err" &
	PIDS="$PIDS $!"
	TD_PID=$!
	for _ in $(seq 200); do
		grep -q 'listening on' "$TMPD/$1.err" 2>/dev/null && return 0
		sleep 0.05
	done
	diag "tcpdump on $2 did not start: $(cat "$TMPD/$1.err")"
	return 1
}
# wait_pid PID SECONDS: until it ends; SIGINT at the deadline, then SIGKILL
wait_pid() {
	local end=$(($(now_ms) + $2 * 1000))
	while kill -0 "$1" 2>/dev/null; do
		if [ "$(now_ms)" -ge "$end" ]; then
			diag "pid $1 still running after $2 s: interrupted"
			kill -INT "$1" 2>/dev/null
			sleep 1
			kill -KILL "$1" 2>/dev/null
			break
		fi
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}
# tshark's packets of a file: "IFACE PORT" (IFACE given: one file per interface)
ts_ports() { tshark -n -r "$1" -T fields -e udp.dstport 2>/dev/null | sed "s/^/$2 /"; }
# caltrace's NDJSON packets: "IFACE PORT"
ct_ports() { jq -r 'select(.type == "packet") | "\(.iface) \(.l4.dport)"' "$1"; }
# the times in the order printed, and how many steps go back
ct_times() { jq -r 'select(.type == "packet") | .time' "$1"; }
backsteps() { awk 'NR > 1 && $0 < prev { n++ } { prev = $0 } END { print n + 0 }'; }

# ---------------------------------------------------------------- printed, Ctrl-C
{ td td0 x0 $((ROUNDS * BURST)) && TD0=$TD_PID && td td1 x1 "$ROUNDS" && TD1=$TD_PID; } ||
	bail "tcpdump did not start"
"$CALTRACE" sniff -s 128 -i "$NX:x0" -i "$NX:x1" -j "$FILTER" >"$TMPD/ct.out" 2>"$TMPD/ct.err" &
CT=$!
PIDS="$PIDS $CT"
started ct "$CT" || bail "caltrace did not start"
out=$(send "$ROUNDS" "$BURST" 2>&1) || diag "sender: $out"
wait_pid "$TD0" 30
wait_pid "$TD1" 30
kill -INT "$CT"
wait_pid "$CT" 30
rc=$?
is "two captures, Ctrl-C: exit 0" "$rc" 0
ct_times "$TMPD/ct.out" >"$TMPD/ct.times"
n=$(wc -l <"$TMPD/ct.times")
is "two captures: $SENT packets printed (tcpdump saw $(($(ts_ports "$TMPD/td0.pcap" x0 | wc -l) + \
$(ts_ports "$TMPD/td1.pcap" x1 | wc -l))))" "$n" "$SENT"
is "two captures: the printed times never go back (the records' own kernel timestamps)" \
	"$(backsteps <"$TMPD/ct.times")" 0
{ ts_ports "$TMPD/td0.pcap" x0; ts_ports "$TMPD/td1.pcap" x1; } | sort >"$TMPD/td.ports"
ct_ports "$TMPD/ct.out" | sort >"$TMPD/ct.ports"
is "two captures: the same packets as tcpdump on x0 and x1 (interface, port), none lost or doubled" \
	"$(md5sum <"$TMPD/ct.ports") $(wc -l <"$TMPD/ct.ports")" \
	"$(md5sum <"$TMPD/td.ports") $SENT"
is "two captures: each destination port once" "$(cut -d' ' -f2 "$TMPD/ct.ports" | sort -u | wc -l)" "$SENT"
# ---------------------------------------------------------------- -w
"$CALTRACE" sniff -s 128 -i "$NX:x0" -i "$NX:x1" -w "$TMPD/ct.pcap" "$FILTER" >"$TMPD/w.out" 2>"$TMPD/w.err" &
CT=$!
PIDS="$PIDS $CT"
started w "$CT" || bail "caltrace -w did not start"
out=$(send "$ROUNDS" "$BURST" 2>&1) || diag "sender: $out"
sleep 1
kill -INT "$CT"
wait_pid "$CT" 30
rc=$?
is "two captures -w: exit 0" "$rc" 0
times=$(tshark -n -r "$TMPD/ct.pcap" -T fields -e frame.time_epoch 2>/dev/null)
is "two captures -w: tshark reads $SENT packets" "$(printf '%s\n' "$times" | grep -c .)" "$SENT"
is "two captures -w: tshark's frame times never go back" \
	"$(printf '%s\n' "$times" | awk 'NR > 1 && $1 < prev { n++ } { prev = $1 } END { print n + 0 }')" 0
is "two captures -w: each destination port once" \
	"$(ts_ports "$TMPD/ct.pcap" w | sort -u | wc -l)" "$SENT"

# ---------------------------------------------------------------- -c
C=150
{ td tc0 x0 $((ROUNDS * BURST)) && TC0=$TD_PID && td tc1 x1 "$ROUNDS" && TC1=$TD_PID; } ||
	bail "tcpdump did not start"
"$CALTRACE" sniff -s 128 -i "$NX:x0" -i "$NX:x1" -c "$C" -j "$FILTER" >"$TMPD/c.out" 2>"$TMPD/c.err" &
CT=$!
PIDS="$PIDS $CT"
started c "$CT" || bail "caltrace -c did not start"
out=$(send "$ROUNDS" "$BURST" 2>&1) || diag "sender: $out"
wait_pid "$CT" 30
rc=$?
wait_pid "$TC0" 30
wait_pid "$TC1" 30
is "two captures -c $C: ends by itself (exit 0)" "$rc" 0
ct_times "$TMPD/c.out" >"$TMPD/c.times"
is "two captures -c $C: $C packets, times never going back" \
	"$(wc -l <"$TMPD/c.times") $(backsteps <"$TMPD/c.times")" "$C 0"
# the sender's own order: one thread sent port 20000 + i as its i-th datagram, and a socket's
# send is stamped as it goes, so the earliest C are ports 20000 .. 20000 + C - 1 (C falls inside a
# burst on x0: the last printed and the first not printed come from one interface)
seq 20000 $((20000 + C - 1)) | sort >"$TMPD/c.first"
jq -r 'select(.type == "packet") | .l4.dport' "$TMPD/c.out" | sort >"$TMPD/c.ports"
is "two captures -c $C: the $C datagrams sent first" "$(md5sum <"$TMPD/c.ports")" "$(md5sum <"$TMPD/c.first")"
{ ts_ports "$TMPD/tc0.pcap" x0; ts_ports "$TMPD/tc1.pcap" x1; } | sort >"$TMPD/tc.ports"
ct_ports "$TMPD/c.out" | sort >"$TMPD/c.both"
is "two captures -c $C: each on the interface tcpdump saw it on" \
	"$(comm -23 "$TMPD/c.both" "$TMPD/tc.ports" | wc -l)" 0

done_testing
