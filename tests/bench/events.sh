#!/bin/bash
# The event source's cost (probes/events.c through tests/tools/evtest.c -q) against `ip monitor
# route` consuming the same burst of 100,000 route notifications in the same run: CPU time of each
# listener, per event, and the ratio. Then, when the live model is built (probes/live.c), the cost
# of keeping a model current: read + decode + apply per event (tests/tools/livecmp.c). A namespace
# of its own (ctbenchev-PID), always deleted. Not a test: prints figures; exits 3 only when setup
# fails. Run from the top of the tree (tests/bench/bench.sh does).
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${EVENTS_N:-100000}
NS=ctbenchev-$$
TMPD=$(mktemp -d /tmp/caltrace-bench-events.XXXXXX)
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
die() {
	echo "events bench: $*" >&2
	exit 3
}
[ "$(id -u)" = 0 ] || die "needs root"
pk="libnl-3.0 libnl-route-3.0 libpcap ncursesw jansson libcrypto"
make -s -C "$TOP" build/libcaltrace.a || die "cannot build libcaltrace"
build() {
	# shellcheck disable=SC2046 # pkg-config prints words
	cc -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation \
		-D_GNU_SOURCE -I"$TOP" $(pkg-config --cflags $pk) -o "$TMPD/$1" "$TOP/tests/tools/$1.c" \
		"$TOP/build/libcaltrace.a" $(pkg-config --libs $pk) -lreadline 2>"$TMPD/$1.err"
}
build evtest || die "cannot build evtest: $(cat "$TMPD/evtest.err")"
have_live=0
[ -f "$TOP/probes/live.c" ] && build livecmp && have_live=1

ip netns add "$NS" || die "cannot add namespace $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add ev0 type veth peer name ev1 || die "veth"
ip -n "$NS" link set ev0 up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
	printf "route add 10.%d.%d.%d/32 dev ev0\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }' \
	>"$TMPD/add.batch"
sed 's/^route add/route del/' "$TMPD/add.batch" >"$TMPD/del.batch"

ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print int(($14 + $15) * 1000 / t) }' "/proc/$1/stat"; }

# both listeners subscribed, with receive buffers large enough for the burst
BUF=$((512 * 1024 * 1024))
"$TMPD/evtest" -n "$NS" -q -c "$N" -b "$BUF" >"$TMPD/ev.out" 2>"$TMPD/ev.err" &
EV=$!
ip -n "$NS" -rcvbuf "$BUF" monitor route >"$TMPD/mon.out" 2>&1 &
MON=$!
PIDS="$EV $MON"
for _ in $(seq 100); do grep -qx ready "$TMPD/ev.err" && break; sleep 0.05; done
sleep 0.3
t0=$(date +%s%N)
ip -n "$NS" -batch "$TMPD/add.batch" || die "route batch failed"
t1=$(date +%s%N)
wait "$EV"
for _ in $(seq 600); do
	[ "$(wc -l <"$TMPD/mon.out")" -ge "$N" ] && break
	sleep 0.1
done
mon_lines=$(wc -l <"$TMPD/mon.out")
mon_ms=$(cpu_ms "$MON")
kill "$MON"
wait "$MON" 2>/dev/null
PIDS=""
ev_ms=$(sed -n 's/.* cpu_ms=\([0-9]*\).*/\1/p' "$TMPD/ev.out")
kept=$(sed -n 's/.* kept=\([0-9]*\) .*/\1/p' "$TMPD/ev.out")
over=$(sed -n 's/.* overruns=\([0-9]*\) .*/\1/p' "$TMPD/ev.out")
echo "events section ($N route notifications from ip -batch in $(((t1 - t0) / 1000000)) ms):"
awk -v e="$ev_ms" -v m="$mon_ms" -v n="$N" -v k="$kept" -v l="$mon_lines" -v o="$over" 'BEGIN {
	printf "  event source (evtest -q): %d events kept, %d ENOBUFS, %d ms CPU, %.2f us/event\n", k, o, e, e * 1000 / n
	printf "  ip monitor route:         %d lines, %d ms CPU, %.2f us/event\n", l, m, m * 1000 / n
	printf "  ratio event source / ip monitor (CPU): %.2f\n", (m > 0 ? e / m : 0) }'

if [ "$have_live" = 1 ]; then
	# the live model: a full gather, then the delete burst read, decoded and applied
	"$TMPD/livecmp" -n "$NS" -b "$BUF" >"$TMPD/live.out" 2>"$TMPD/live.err" &
	LV=$!
	PIDS="$LV"
	for _ in $(seq 600); do grep -q '^ready' "$TMPD/live.err" && break; sleep 0.05; done
	c0=$(cpu_ms "$LV")
	ip -n "$NS" -batch "$TMPD/del.batch" || die "route delete batch failed"
	# wait until it went idle: its CPU time stops moving
	prev=-1
	for _ in $(seq 600); do
		c=$(cpu_ms "$LV")
		[ "$c" = "$prev" ] && break
		prev=$c
		sleep 0.2
	done
	c1=$(cpu_ms "$LV")
	kill -USR1 "$LV"
	wait "$LV"
	PIDS=""
	awk -v a="$c0" -v b="$c1" -v n="$N" -v m="$mon_ms" 'BEGIN {
		printf "  live model (read + decode + apply, %d route deletes): %d ms CPU, %.2f us/event; ratio to ip monitor printing them: %.2f\n",
			n, b - a, (b - a) * 1000 / n, (m > 0 ? (b - a) / m : 0) }'
	echo "  $(grep '^summary' "$TMPD/live.out")"
else
	echo "  live model: not measured (probes/live.c not in this tree)"
fi
