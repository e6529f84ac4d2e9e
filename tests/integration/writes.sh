#!/bin/bash
# Every write to standard output checked (issue 8; caltrace(1), EXIT STATUS):
#   - every command of the command table (the list read from `caltrace help`, so a new command
#     is covered the day it is added), in text and with -j, also `CMD --help` and `help CMD`,
#     -h and -V, writing into /dev/full: exit 3 and exactly one line on stderr,
#     "caltrace: writing standard output: REASON", where REASON is what coreutils' echo says
#     for the same descriptor (the oracle for the kernel's errno text); sniff also prints its
#     counts first, and stops reading a long file early
#   - standard output closed: EBADF the same way when something is written; a command that
#     prints nothing (a usage error) adds no such line
#   - a reader that went away: a FIFO whose reader is closed gives every command the status
#     `ip -j link` gets on it (killed by SIGPIPE: 141) and an empty stderr; `routes | head -1`
#     on a table larger than a pipe holds likewise; with SIGPIPE ignored by the parent the
#     command ends quietly with its own status, as ip does
#   - sniff on a closed reader (`sniff -r FILE | head -1`, the FIFO; text, -j, --flows, and the
#     pcap of -w -): exit 0, only its counts on stderr, and it stops reading the file instead of
#     looping; `sniff -w - | tshark -r -` reads as many packets as tshark reads from the file
#   - live: sniff on lo in a namespace the script creates (root), with datagrams going to
#     127.0.0.1:9 there, piped into head -1: exit 0 and only its counts once head is gone
# Commands that need a node read snapshot fixtures (--from); snapshot reads a network
# namespace this script creates (root), sniff a pcap from tests/tools/mkpcap.c.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd jq cc ip
need_caltrace

TMP=$(mktemp -d /tmp/caltrace-writes.XXXXXX)
NS=""
cleanup() {
	exec 5>&-
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
FIX="$TOP/tests/fixtures/ipip-node.json"

# ---------------------------------------------------------------- oracles and inputs
# the reason texts, from coreutils' echo on the same kinds of descriptor
enospc=$(/bin/echo x 2>&1 >/dev/full)
enospc=${enospc##*write error: }
ebadf=$(/bin/echo x 2>&1 >&-)
ebadf=${ebadf##*write error: }
[ -n "$enospc" ] && [ -n "$ebadf" ] || bail "coreutils echo reports write errors" "$enospc / $ebadf"
WANT="caltrace: writing standard output: $enospc"
diag "expected line: $WANT"

# a snapshot with a BGP section (bgp reads it), and one with a table larger than a pipe
BGPFIX="$TMP/bgp.json"
jq '.bgp = {"peers": [{"name": "Mesh_192_168_31_202", "proto": "BGP", "state": "up",
	"bgp_state": "Established", "neighbor": "192.168.31.202", "neighbor_as": 64512,
	"local_as": 64512}], "routes": []}' "$FIX" >"$BGPFIX" || bail "jq: BGP fixture"
BIG="$TMP/big.json"
jq '.netns[0].routes += [range(0; 20000) as $i | .netns[0].routes[0] + {"dst":
	"10.\($i / 256 | floor).\($i % 256).0/24", "priority": 0, "gateway": "192.168.31.1"}]' \
	"$FIX" >"$BIG" || bail "jq: big fixture"

MKPCAP="$TMP/mkpcap"
out=$(cc -O2 -o "$MKPCAP" "$TOP/tests/tools/mkpcap.c" 2>&1) || bail "build mkpcap" "$out"
PCAP="$TMP/small.pcap"
BIGPCAP="$TMP/big.pcap"
BIGN=50000
"$MKPCAP" ipip "$PCAP" >/dev/null || bail "mkpcap ipip"
"$MKPCAP" bench300 "$BIGPCAP" "$BIGN" >/dev/null || bail "mkpcap bench300"

if [ "$(id -u)" = 0 ]; then
	NS="ct$$w"
	ip netns add "$NS" || bail "ip netns add $NS"
fi

# the command table, as the binary lists it
help=$("$CALTRACE" help 2>/dev/null)
cmds=$(awk '/^commands:/ { on = 1; next } on && !NF { exit } on && /^  [a-z]/ { print $1 }' <<<"$help")
n=$(printf '%s\n' "$cmds" | grep -c .)
case " $(printf '%s ' $cmds)" in
*" routes "*" help "*) ok "the command table lists $n commands" ;;
*) bail "the command table from 'caltrace help'" "$cmds" ;;
esac

# args_for CMD: sets ARGS to arguments that make CMD print something, or returns 1 (skip)
args_for() {
	case $1 in
	bgp) ARGS=(--from "$BGPFIX") ;;
	snapshot)
		[ -n "$NS" ] || return 1
		ARGS=(-n "$NS" --timeout 2)
		;;
	sniff) ARGS=(-r "$PCAP") ;;
	veth-name) ARGS=(default/podA kube-system/coredns-1) ;;
	path) ARGS=(--from "$FIX" 172.168.195.3 172.168.195.5) ;;
	top) ARGS=(--from "$FIX" -b -c 2 -d 0.05) ;; # batch: the dashboard needs a terminal
	help | version) ARGS=() ;;
	shell) ARGS=() ;; # its commands come on standard input (RUN_IN)
	*)
		# a new command: the fixture when it reads snapshots, else nothing; the baseline
		# check below fails when that prints nothing, so that it gets its line here
		local h
		h=$("$CALTRACE" help "$1" 2>/dev/null)
		case $h in
		*--from*) ARGS=(--from "$FIX") ;;
		*) ARGS=() ;;
		esac
		;;
	esac
}

# what caltrace reads on standard input: the commands `caltrace shell` runs (the others read none)
RUN_IN=$TMP/shell.in
printf 'help routes\nversion\n' >"$RUN_IN"
# run OUT ERR ARGS...: caltrace with stdout to OUT (a file or /dev/full); sets RC
run() {
	local o=$1 e=$2
	shift 2
	timeout 60 "$CALTRACE" "$@" <"$RUN_IN" >"$o" 2>"$e"
	RC=$?
}

# the stderr lines that are not sniff's counts (caltrace(1), sniff)
not_counts() { grep -Ev '^[0-9]+ packets (captured|not decoded|matched)' "$1"; }

# full NAME ARGS...: into /dev/full: exit 3 and the one line (sniff: after its counts)
full() {
	local name=$1 rest
	shift
	run /dev/full "$TMP/full.err" "$@"
	rest=$(not_counts "$TMP/full.err")
	is "$name >/dev/full: exit 3, one line '$WANT'" \
		"exit=$RC lines=$(printf '%s' "$rest" | grep -c '') last=$(tail -n 1 "$TMP/full.err")" \
		"exit=3 lines=1 last=$WANT"
}

# ---------------------------------------------------------------- every command into /dev/full
for c in $cmds; do
	if ! args_for "$c"; then
		skip "$c: every write checked" "needs root (a network namespace)"
		continue
	fi
	for v in text json; do
		j=()
		[ "$v" = text ] || j=(-j)
		run "$TMP/base.out" "$TMP/base.err" "${j[@]}" "$c" "${ARGS[@]}"
		bytes=$(wc -c <"$TMP/base.out")
		if [ "$bytes" -gt 0 ] && { [ "$RC" = 0 ] || [ "$RC" = 1 ]; }; then
			ok "$c ($v) ${ARGS[*]}: prints $bytes bytes, exit $RC"
		else
			not_ok "$c ($v) ${ARGS[*]}: prints something, exit 0 or 1 (give it arguments in args_for)" \
				"exit $RC, $bytes bytes; stderr: $(cat "$TMP/base.err")"
		fi
		full "$c ($v)" "${j[@]}" "$c" "${ARGS[@]}"
		full "$c --help ($v)" "${j[@]}" "$c" --help
		full "help $c ($v)" "${j[@]}" help "$c"
	done
done
full "-h" -h
full "--help" --help
full "-V" -V
full "-j -V" -j -V

# sniff stops reading a long file once its output cannot be written
run /dev/full "$TMP/s.err" sniff -r "$BIGPCAP"
got=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$TMP/s.err")
if [ "$RC" = 3 ] && [ -n "$got" ] && [ "$got" -lt "$BIGN" ]; then
	ok "sniff -r ($BIGN packets) >/dev/full: exit 3, stops after $got packets"
else
	not_ok "sniff -r ($BIGN packets) >/dev/full: exit 3, stops early" "exit $RC; $(cat "$TMP/s.err")"
fi

# ---------------------------------------------------------------- standard output closed
"$CALTRACE" version >&- 2>"$TMP/c.err"
RC=$?
is "version >&-: exit 3, the EBADF line" "$RC $(cat "$TMP/c.err")" \
	"3 caltrace: writing standard output: $ebadf"
"$CALTRACE" -j --from "$FIX" routes >&- 2>"$TMP/c.err"
RC=$?
is "-j routes >&-: exit 3, the EBADF line" "$RC $(cat "$TMP/c.err")" \
	"3 caltrace: writing standard output: $ebadf"
"$CALTRACE" veth-name nope >&- 2>"$TMP/c.err"
RC=$?
is "veth-name nope >&- (prints nothing): exit 2, only the usage line" \
	"$RC $(wc -l <"$TMP/c.err") $(grep -c 'writing standard output' "$TMP/c.err")" "2 1 0"

# ---------------------------------------------------------------- a reader that went away
# fd 5: the write end of a FIFO whose only reader is closed (O_RDWR opens it without blocking)
mkfifo "$TMP/fifo" || bail "mkfifo"
exec 4<>"$TMP/fifo" 5>"$TMP/fifo"
exec 4<&-
ip -j link >&5 2>"$TMP/ip.err"
IPRC=$?
is "oracle: ip -j link into a pipe without reader: killed by SIGPIPE (141), stderr empty" \
	"$IPRC [$(cat "$TMP/ip.err")]" "141 []"

# closed CMD...: the status ip got, nothing on stderr
closed() {
	"$CALTRACE" "$@" >&5 2>"$TMP/p.err"
	local rc=$?
	is "$* into a pipe without reader: status $IPRC like ip, stderr empty" \
		"$rc [$(cat "$TMP/p.err")]" "$IPRC []"
}
closed --from "$FIX" routes
closed -j --from "$FIX" routes
closed -j --from "$FIX" links
closed --from "$FIX" doctor
closed -j --from "$BGPFIX" bgp
closed help
closed version
closed veth-name default/podA

# the brief's case: a table larger than the pipe, read up to its first line
first=$("$CALTRACE" --from "$BIG" routes 2>"$TMP/h.err" | head -n 1) # the pipe is the subject
st=("${PIPESTATUS[@]}")
is "routes (20013 routes) | head -1: status 141 like ip, stderr empty, head got the first line" \
	"${st[0]} [$(cat "$TMP/h.err")] ${first%% *}" "$IPRC [] node"

# SIGPIPE ignored by whoever started us: EPIPE ends the command quietly with its own status
(trap '' PIPE; exec ip -j link >&5 2>"$TMP/ip.err")
IPIGN=$?
"$CALTRACE" -j --from "$FIX" routes >/dev/null 2>&1
want=$?
(trap '' PIPE; exec "$CALTRACE" -j --from "$FIX" routes >&5 2>"$TMP/p.err")
rc=$?
is "SIGPIPE ignored: -j routes ends with its own status ($want), stderr empty (ip: $IPIGN, '$(cat "$TMP/ip.err")')" \
	"$rc [$(cat "$TMP/p.err")]" "$want []"
"$CALTRACE" --from "$FIX" doctor >/dev/null 2>&1
want=$?
(trap '' PIPE; exec "$CALTRACE" --from "$FIX" doctor >&5 2>"$TMP/p.err")
rc=$?
is "SIGPIPE ignored: doctor ends with its own status ($want), stderr empty" \
	"$rc [$(cat "$TMP/p.err")]" "$want []"

# ---------------------------------------------------------------- sniff on a closed reader
# sniff_done NAME RC ERRFILE [EARLY]: exit 0, only counts on stderr; EARLY: fewer than all read
sniff_done() {
	local name=$1 rc=$2 e=$3 early=${4:-} rest got
	rest=$(not_counts "$e")
	got=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$e")
	is "$name: exit 0, only the counts on stderr" "$rc [$rest] ${got:+counts}" "0 [] counts"
	[ -z "$early" ] || {
		if [ -n "$got" ] && [ "$got" -lt "$BIGN" ]; then
			ok "$name: stops reading after $got of $BIGN packets"
		else
			not_ok "$name: stops reading early" "$(cat "$e")"
		fi
	}
}
first=$("$CALTRACE" sniff -r "$BIGPCAP" 2>"$TMP/s.err" | head -n 1) # the pipe is the subject
st=("${PIPESTATUS[@]}")
sniff_done "sniff -r FILE | head -1" "${st[0]}" "$TMP/s.err" early
case $first in
*ipip*) ok "sniff -r FILE | head -1: head got a packet line" ;;
*) not_ok "sniff -r FILE | head -1: head got a packet line" "$first" ;;
esac
"$CALTRACE" sniff -r "$BIGPCAP" >&5 2>"$TMP/s.err"
sniff_done "sniff -r FILE into a pipe without reader" $? "$TMP/s.err" early
"$CALTRACE" -j sniff -r "$BIGPCAP" >&5 2>"$TMP/s.err"
sniff_done "sniff -j -r FILE into a pipe without reader" $? "$TMP/s.err" early
"$CALTRACE" sniff --flows -r "$BIGPCAP" >&5 2>"$TMP/s.err"
sniff_done "sniff --flows -r FILE into a pipe without reader" $? "$TMP/s.err"

# -w -: the pcap on standard output (libpcap closes stdout itself at the end)
"$CALTRACE" sniff -r "$BIGPCAP" -w - 2>"$TMP/s.err" | head -c 100 >/dev/null # the pipe is the subject
st=("${PIPESTATUS[@]}")
sniff_done "sniff -r FILE -w - | head -c 100" "${st[0]}" "$TMP/s.err" early
full "sniff -w -" sniff -r "$PCAP" -w -
if command -v tshark >/dev/null 2>&1; then
	want=$(tshark -r "$PCAP" 2>/dev/null | wc -l)
	got=$("$CALTRACE" sniff -r "$PCAP" -w - 2>"$TMP/s.err" | tshark -r - 2>/dev/null | wc -l) # the pipe is the subject
	st=("${PIPESTATUS[@]}")
	sniff_done "sniff -r FILE -w - | tshark -r -" "${st[0]}" "$TMP/s.err"
	is "sniff -r FILE -w - | tshark -r -: tshark reads the $want packets it reads from FILE" \
		"$got" "$want"
else
	skip "sniff -w - | tshark" "tshark is not installed"
fi

# live: a capture on the namespace's lo while UDP datagrams go to 127.0.0.1:9 there; once head
# has its line, the next packet's write fails and sniff ends (the timeout only guards a hang)
if [ -n "$NS" ]; then
	ip -n "$NS" link set lo up
	ip netns exec "$NS" bash -c 'while :; do echo x >/dev/udp/127.0.0.1/9; sleep 0.05; done' \
		2>/dev/null &
	gen=$!
	first=$(timeout 60 "$CALTRACE" -n "$NS" sniff -i lo 2>"$TMP/s.err" | head -n 1) # the pipe is the subject
	st=("${PIPESTATUS[@]}")
	kill "$gen" 2>/dev/null
	wait "$gen" 2>/dev/null
	sniff_done "live sniff -i lo | head -1" "${st[0]}" "$TMP/s.err"
	case $first in
	*"127.0.0.1"*"> 127.0.0.1.9 "*) ok "live sniff -i lo | head -1: head got the datagram's line" ;;
	*) not_ok "live sniff -i lo | head -1: head got the datagram's line" "$first" ;;
	esac
else
	skip "live sniff | head -1" "needs root (a network namespace)"
fi

done_testing
