#!/bin/bash
# caltrace sniff with several captures: what ordering them in time costs (issue 8).
#
# In namespaces made here (ct<pid>b-x with veths x0 -> ct<pid>b-y and x1 -> ct<pid>b-z, removed
# at the end), a python3 sender in x sends BENCH_ORDER_PACKETS UDP datagrams of 32 bytes, 20 out
# of x0 for each one out of x1 (the burst-and-sparse mix of tests/integration/sniff-order.sh).
# Each capturer watches both interfaces while the sender runs, stdout to /dev/null; its CPU time
# (user + system, from /proc/PID/stat, in clock ticks) is read when the sender is done and the
# packets are in, then it gets SIGINT. Per packet CPU is the figure, not wall time (the sender
# sets the pace):
#   two captures   caltrace sniff -s 128 -i x:x0 -i x:x1   (ordered: the order queue)
#   any            caltrace sniff -s 128 -i x:any          (one capture, not ordered)
#   tcpdump        tcpdump -nn -s 128 -i any in x          (the reference tool)
#   base           CALTRACE_BASE's two captures (another build, e.g. main's), when given
# Ratios: two captures / tcpdump, two captures / any (the ordering's cost), two captures / base.
# RUNS rounds (BENCH_ORDER_RUNS, 3), each capturer once per round, medians. The counts each one
# reports on stderr (packets captured, dropped by the kernel) are printed: a run that dropped
# packets did less work.
# Needs root (namespaces), python3, tcpdump. Exits 0 with figures, or 3 when it cannot set up.
set -u -o pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
BASE=${CALTRACE_BASE:-}
N=${BENCH_ORDER_PACKETS:-200000}
RUNS=${BENCH_ORDER_RUNS:-3}
P="ct$$b-"
NX=${P}x NY=${P}y NZ=${P}z
TMPD=$(mktemp -d /tmp/ct-bench-order.XXXXXX)
PIDS=""

die() {
	echo "sniff order bench: $*" >&2
	exit 3
}
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for p in "$NX" "$NY" "$NZ"; do ip netns del "$p" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ "$(id -u)" = 0 ] || {
	echo "sniff order bench: skipped (needs root for namespaces)"
	exit 0
}
for t in python3 tcpdump ip; do command -v "$t" >/dev/null 2>&1 || die "$t not installed"; done
[ -x "$CALTRACE" ] || die "no $CALTRACE: run 'make' first"
TCK=$(getconf CLK_TCK)

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
	ip netns exec "$NX" ping -n -q -c 1 -W 5 10.251.1.2 >/dev/null
	ip netns exec "$NX" ping -n -q -c 1 -W 5 10.251.2.2 >/dev/null
) || die "namespaces: $out"

SENDER='
import socket, sys
n = int(sys.argv[1])
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    if i % 21 == 20:
        b.sendto(b"y" * 32, ("10.251.2.2", 20000 + i % 20000))
    else:
        a.sendto(b"x" * 32, ("10.251.1.2", 20000 + i % 20000))
'
FILTER="udp and dst portrange 20000-39999"

# cpu PID: user + system ticks so far
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null; }
# started PID ERRFILE KIND: caltrace waits in poll(), tcpdump says it listens
started() {
	local s _
	for _ in $(seq 400); do
		kill -0 "$1" 2>/dev/null || return 1
		if [ "$3" = tcpdump ]; then
			grep -q 'listening on' "$2" 2>/dev/null && return 0
		else
			s=$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)
			case "$s" in 7 | 271 | 73) return 0 ;; esac
		fi
		sleep 0.05
	done
	return 1
}
# measure NAME CMD...: one run; appends "ticks" to $TMPD/NAME.cpu and the counts to NAME.counts
measure() {
	local name=$1 pid t _
	shift
	"$@" >/dev/null 2>"$TMPD/$name.err" &
	pid=$!
	PIDS="$PIDS $pid"
	started "$pid" "$TMPD/$name.err" "$name" || {
		echo "  $name did not start: $(head -c 300 "$TMPD/$name.err")"
		return 1
	}
	ip netns exec "$NX" python3 -c "$SENDER" "$N" || echo "  sender failed"
	# let the capturer drain what is queued: until its CPU time stops growing
	t=$(cpu "$pid")
	for _ in $(seq 50); do
		sleep 0.2
		[ "$(cpu "$pid")" = "$t" ] && break
		t=$(cpu "$pid")
	done
	echo "$t" >>"$TMPD/$name.cpu"
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	# shellcheck disable=SC2086 # a list of words
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$pid" | xargs)
	grep -E 'captured|dropped' "$TMPD/$name.err" | tr '\n' ' ' >>"$TMPD/$name.counts"
	echo >>"$TMPD/$name.counts"
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "sniff order section: $N datagrams (20 on x0 : 1 on x1), $RUNS rounds, CPU per capturer (median):"
for _ in $(seq "$RUNS"); do
	measure two "$CALTRACE" sniff -s 128 -i "$NX:x0" -i "$NX:x1" "$FILTER" || true
	measure any "$CALTRACE" sniff -s 128 -i "$NX:any" "$FILTER" || true
	measure tcpdump ip netns exec "$NX" tcpdump -nn -s 128 -i any "$FILTER" || true
	[ -z "$BASE" ] || measure base "$BASE" sniff -s 128 -i "$NX:x0" -i "$NX:x1" "$FILTER" || true
done
for k in two any tcpdump ${BASE:+base}; do
	[ -s "$TMPD/$k.cpu" ] || continue
	m=$(median "$TMPD/$k.cpu")
	printf '  %-8s %6s ms CPU  %6s us/packet   (%s)\n' "$k" "$((m * 1000 / TCK))" \
		"$(awk -v t="$m" -v k="$TCK" -v n="$N" 'BEGIN { printf "%.2f", t / k * 1e6 / n }')" \
		"$(tail -n 1 "$TMPD/$k.counts" | sed 's/ *$//')"
	eval "M_$k=$m"
done
echo "  two captures / tcpdump:  $(ratio "${M_two:-0}" "${M_tcpdump:-0}")"
echo "  two captures / any:      $(ratio "${M_two:-0}" "${M_any:-0}")   (what ordering two captures costs)"
[ -z "$BASE" ] || echo "  two captures / base:     $(ratio "${M_two:-0}" "${M_base:-0}")   (this build against $BASE)"
exit 0
