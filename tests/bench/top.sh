#!/bin/bash
# caltrace top's cost, in a namespace of its own (ctbtop<pid>) with 1000 workload veths (cali...,
# a /32 route each), always deleted. Not a test: prints figures; exits 3 only when setup fails.
#
#   bash tests/bench/top.sh          idle CPU and latency (make bench)
#   bash tests/bench/top.sh soak     the soak (make soak): churn under top -b, RSS growth, panes
#                                    equal to a fresh dump afterwards
#
# Idle CPU: `top -b -d 1` (a whole text frame of 1000 rows a second, to /dev/null) and, when tmux
# is there, the curses dashboard at -d 1, each over TOP_SECONDS (default 30: it spans one slow poll
# of the sysctls and one read of BIRD and of the policy counters at least) after a warm-up:
# utime+stime (and its waited children's: the BIRD and policy reads) from /proc/PID/stat, as a
# percentage of one core; the reference, measured in the same run: `ip -s -j link` run once a
# second for the same time (what a script polling the counters would cost), and the ratio.
# Latency: `top -b -j -d 0.2` runs; a veth is added (the time taken just before `ip link add`); the
# first frame listing it carries its time (header.at): the difference, 5 times, median and worst;
# the reference: `ip -ts monitor link` in the same namespace (ip stamps the line it prints).
# Soak: SOAK_SECONDS (default 600) of veth and route churn (100 workloads) under `top -b -j -d 1`:
# VmRSS a quarter into the churn and at the end (goal: growth < 1 MB; the idle RSS after a 10 s
# warm-up and the highest are printed too), then, once the churn stopped,
# whether the last frame's workloads equal a fresh `links -j` (name, state, MTU, MAC, pod IPs).
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init top
bench_need_root
bench_need_cmd ip jq
MODE=${1:-bench}
NS=ctbtop$$
SECS=${TOP_SECONDS:-30}
TICKS=$(getconf CLK_TCK)
PIDS=()
bench_at_exit 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done'
bench_netns "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add ctbr type bridge && ip -n "$NS" link set ctbr up
ip -n "$NS" addr add 192.0.2.1/24 dev ctbr
ip -n "$NS" route add default via 192.0.2.254 dev ctbr onlink

# veths IDX0..IDX1-1: caliXXXXXXXXXXX (host side, Calico's MAC) and ctp<i>, a /32 each
make_veths() {
	awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i < b; i++) {
		n = sprintf("cali%011x", 0x5b0000000 + i)
		printf "link add %s type veth peer name ctp%d\n", n, i
		printf "link set %s address ee:ee:ee:ee:ee:ee up\n", n
		printf "route add 10.%d.%d.%d/32 dev %s scope link\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256, n } }' \
		>"$TMP/veths.batch"
	ip -n "$NS" -batch "$TMP/veths.batch" >/dev/null 2>&1 || bench_die "cannot create veths"
}
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat" 2>/dev/null; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
pct() { awk -v t="$1" -v s="$2" -v k="$TICKS" 'BEGIN { printf "%.2f", t * 100 / k / s }'; }

if [ "$MODE" = soak ]; then
	SOAK=${SOAK_SECONDS:-600}
	make_veths 0 100
	"$CALTRACE" -n "$NS" -j top -b -d 1 >>"$TMP/frames" 2>"$TMP/top.err" &
	TP=$!
	PIDS+=("$TP")
	sleep 10
	kill -0 "$TP" 2>/dev/null || bench_die "top did not start: $(cat "$TMP/top.err")"
	rssw=$(rss_kb "$TP")
	start=$SECONDS
	end=$((SECONDS + SOAK))
	i=0
	rss0=""
	rssmax=0
	while [ $SECONDS -lt $end ]; do
		# the baseline: a quarter into the churn (the heap has met the churn's findings,
		# events and frames by then); growth after it is what a leak would show
		[ -z "$rss0" ] && [ $((SECONDS - start)) -ge $((SOAK / 4)) ] && rss0=$(rss_kb "$TP")
		r=$(rss_kb "$TP")
		[ "${r:-0}" -gt "$rssmax" ] && rssmax=$r
		n=$(printf 'cali%011x' $((0x5c0000000 + i % 50)))
		ip -n "$NS" link add "$n" type veth peer name ctq$((i % 50)) 2>/dev/null
		ip -n "$NS" link set "$n" up 2>/dev/null
		ip -n "$NS" route add "10.99.$((i % 50)).1/32" dev "$n" 2>/dev/null
		ip -n "$NS" route del "10.$((64 + 0)).0.$((i % 100))/32" 2>/dev/null
		ip -n "$NS" route add "10.$((64 + 0)).0.$((i % 100))/32" dev "$(printf 'cali%011x' $((0x5b0000000 + i % 100)))" scope link 2>/dev/null
		[ $((i % 2)) = 1 ] && ip -n "$NS" link del "$(printf 'cali%011x' $((0x5c0000000 + (i + 25) % 50)))" 2>/dev/null
		i=$((i + 1))
		[ $((i % 200)) = 0 ] && : >"$TMP/frames" # keep the file small (top appends)
		sleep 0.02
	done
	rss1=$(rss_kb "$TP")
	want=$("$CALTRACE" -n "$NS" -j links 2>/dev/null | jq -r '.items | sort_by(.name) | .[] |
		[.name, .state, (.mtu|tostring), .mac, ((.pod_ips // []) | sort | join(","))] | join(" ")')
	same=no
	for _ in $(seq 30); do
		sleep 1
		got=$(tail -n 1 "$TMP/frames" | jq -r '.workloads | sort_by(.name) | .[] |
			[.name, .state, (.mtu|tostring), .mac, ((.ips // []) | sort | join(","))] | join(" ")' 2>/dev/null)
		[ "$got" = "$want" ] && same=yes && break
	done
	echo "top soak ($SOAK s of veth and route churn, $i rounds, 100 workloads + up to 50 churned):"
	echo "  VmRSS idle after warm-up: $rssw kB; a quarter into the churn: $rss0 kB; at the end: $rss1 kB; highest: $rssmax kB"
	echo "  growth over the last three quarters of the churn: $((rss1 - rss0)) kB (goal < 1024 kB)"
	echo "  panes equal to a fresh links -j afterwards: $same ($(printf '%s\n' "$want" | grep -c .) workloads)"
	echo "  resyncs: $(tail -n 1 "$TMP/frames" | jq -r '.header.resyncs' 2>/dev/null)"
	exit 0
fi

make_veths 0 1000
n=$(ip -n "$NS" -j link show | jq '[.[] | select(.ifname | startswith("cali"))] | length')
echo "top section ($n workload interfaces, ${SECS} s per measure, refresh 1 s):"

# ---------------------------------------------------------------- idle CPU
"$CALTRACE" -n "$NS" top -b -d 1 >/dev/null 2>"$TMP/top.err" &
TP=$!
PIDS+=("$TP")
sleep 3
kill -0 "$TP" 2>/dev/null || bench_die "top -b did not start: $(cat "$TMP/top.err")"
c0=$(cpu_ticks "$TP")
sleep "$SECS"
c1=$(cpu_ticks "$TP")
kill "$TP"
wait "$TP" 2>/dev/null
batch=$(pct $((c1 - c0)) "$SECS")

tui="-"
if command -v tmux >/dev/null 2>&1; then
	sock=ctbtop$$tm
	tmux -L "$sock" -f /dev/null new-session -d -s b -x 160 -y 50 \
		"TERM=xterm-256color $CALTRACE -n $NS top -d 1" 2>/dev/null
	bench_at_exit "tmux -L $sock kill-server 2>/dev/null"
	sleep 3
	pp=$(tmux -L "$sock" display-message -p -t b '#{pane_pid}' 2>/dev/null)
	if [ -n "$pp" ] && [ -r "/proc/$pp/stat" ]; then
		c0=$(cpu_ticks "$pp")
		sleep "$SECS"
		c1=$(cpu_ticks "$pp")
		tui=$(pct $((c1 - c0)) "$SECS")
	fi
	tmux -L "$sock" kill-server 2>/dev/null
fi

# the reference: ip -s -j link once a second, the same time
ref=$(bash -c "for i in \$(seq $SECS); do ip -n $NS -s -j link show >/dev/null; sleep 1; done; times" |
	awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.4f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
refpct=$(awk -v r="$ref" -v s="$SECS" 'BEGIN { printf "%.2f", r * 100 / s }')
echo "  idle CPU of top -b -d 1 (text frame of $n rows each second): ${batch}% of a core"
echo "  idle CPU of the curses dashboard, -d 1:                   ${tui}% of a core (goal <= 1%)"
echo "  reference ip -s -j link once a second:                    ${refpct}% of a core"
awk -v b="$batch" -v t="$tui" -v r="$refpct" 'BEGIN {
	printf "  ratio top -b / ip -s -j link: %s;  dashboard / ip -s -j link: %s\n",
		(r > 0 ? sprintf("%.2f", b / r) : "?"), (r > 0 && t != "-" ? sprintf("%.2f", t / r) : "?") }'

# ---------------------------------------------------------------- latency
"$CALTRACE" -n "$NS" -j top -b -d 0.2 >>"$TMP/frames" 2>"$TMP/top.err" &
TP=$!
PIDS+=("$TP")
# ip stamps each line itself (-ts: local time, microseconds)
ip -n "$NS" -ts monitor link >"$TMP/mon" 2>/dev/null &
PIDS+=("$!")
sleep 3
lat=()
mon=()
for k in 1 2 3 4 5; do
	name=$(printf 'cali%011x' $((0x5d0000000 + k)))
	t0=$(date +%s%3N)
	ip -n "$NS" link add "$name" type veth peer name ctl$k
	for _ in $(seq 100); do grep -aq "$name" "$TMP/frames" 2>/dev/null && break; sleep 0.1; done
	at=$(grep -a -m1 "$name" "$TMP/frames" | jq -r '.header.at' 2>/dev/null)
	ms=$(date -d "$at" +%s%3N 2>/dev/null)
	[ -n "$ms" ] && lat+=($((ms - t0)))
	m=$(grep -m1 "$name" "$TMP/mon" | sed -n 's/^\[\([^]]*\)\].*/\1/p')
	m=$(date -d "$m" +%s%3N 2>/dev/null)
	[ -n "$m" ] && mon+=($((m - t0)))
	: >"$TMP/frames"
	sleep 0.5
done
kill "$TP"
echo "  latency netlink change -> frame (top -b -d 0.2): median $(bench_median "${lat[@]}") ms, worst $(printf '%s\n' "${lat[@]}" | sort -n | tail -n 1) ms (goal <= 1000 ms)"
echo "  reference ip -ts monitor link (its own stamp):    median $(bench_median "${mon[@]}") ms"
exit 0
