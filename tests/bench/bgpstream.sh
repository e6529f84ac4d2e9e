#!/bin/sh
# caltrace benchmark, BIRD streaming: `bgp routes` against birdc on a BIRD 1.6 that exports
# $BENCH_BIRD_ROUTES static /32 routes to the kernel. Prints time ratios against birdc measured
# in the same run, and the peak RSS of both. Figures only: exits 0, or 3 when setup fails
# (and 0 with a note when bird is not installed). See tests/bench/README.md.
# Runs under bash (for $EPOCHREALTIME); `sh tests/bench/bgpstream.sh` re-executes itself in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -u -o pipefail
export LC_ALL=C

cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
RUNS=${BENCH_RUNS:-5}
N_BIRD=${BENCH_BIRD_ROUTES:-100000}
RSS_GOAL_MB=16
TIME_BIN=/usr/bin/time

BNS=""
TMP=""
die() {
	echo "bench bgpstream: $*" >&2
	exit 3
}
cleanup() {
	local p i
	trap - EXIT INT TERM
	if [ -n "$BNS" ]; then
		# BIRD is the only process in our namespace
		p=$(ip netns pids "$BNS" 2>/dev/null)
		if [ -n "$p" ]; then
			# shellcheck disable=SC2086 # one pid per word
			kill $p 2>/dev/null
			for ((i = 0; i < 50; i++)); do
				p=$(ip netns pids "$BNS" 2>/dev/null)
				[ -z "$p" ] && break
				sleep 0.1
			done
			# shellcheck disable=SC2086
			[ -n "$p" ] && kill -KILL $p 2>/dev/null
		fi
		ip netns del "$BNS" 2>/dev/null
		BNS=""
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
	TMP=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
if ! command -v bird >/dev/null 2>&1 || ! command -v birdc >/dev/null 2>&1; then
	echo "BIRD streaming section skipped: bird not installed"
	exit 0
fi
for t in ip jq awk; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done
[ -x "$CALTRACE" ] || die "no $CALTRACE: run 'make bench' (it builds it)"
if [ "$N_BIRD" -lt 1 ] || [ "$N_BIRD" -gt 16777215 ]; then
	die "BENCH_BIRD_ROUTES must fit /32s in 10.0.0.0/8 (1..16777215)"
fi

now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		_t=${EPOCHREALTIME//[!0-9]/}
	else
		_t=$(($(date +%s%N) / 1000))
	fi
}
secs() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1e6 }'; }

TMP=$(mktemp -d /tmp/ctbgpstream.XXXXXX) || die "mktemp failed"
bname="ctbgpstream-$$"
ip netns list | awk '{print $1}' | grep -qx "$bname" && die "namespace $bname already exists"
echo "BIRD streaming section (namespace $bname, $N_BIRD static routes, $RUNS runs, median):"
now
t0=$_t
ip netns add "$bname" || die "ip netns add $bname failed"
BNS=$bname
ip netns exec "$BNS" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' || die "cannot disable IPv6 in $BNS"
printf '%s\n' "link set lo up" "link add eth0 type veth peer name eth0p" "link set eth0 up" \
	"link set eth0p up" "address add 192.168.31.201/24 dev eth0" >"$TMP/links.batch"
ip -n "$BNS" -batch "$TMP/links.batch" || die "namespace links failed"
awk -v n="$N_BIRD" -v logfile="$TMP/bird.log" 'BEGIN {
	printf "log \"%s\" all;\n", logfile
	print "router id 192.168.31.201;"
	print "protocol device {}"
	print "protocol kernel kernel1 { persist; scan time 2; export all; }"
	print "protocol static static1 {"
	for (k = 1; k <= n; k++)
		printf "\troute 10.%d.%d.%d/32 via 192.168.31.2;\n", int(k / 65536), int(k / 256) % 256, k % 256
	print "}"
	for (p = 202; p <= 203; p++)
		printf "protocol bgp Mesh_192_168_31_%d {\n\tneighbor 192.168.31.%d as 64512;\n\tlocal as 64512;\n}\n", p, p
}' >"$TMP/bird.conf" || die "writing bird.conf failed"
BSOCK=$TMP/bird.ctl
ip netns exec "$BNS" bird -c "$TMP/bird.conf" -s "$BSOCK" -P "$TMP/bird.pid" ||
	die "bird failed to start: $(tail -n 3 "$TMP/bird.log" 2>/dev/null)"
now
deadline=$((_t + 60000000))
while :; do
	b_count=$(birdc -s "$BSOCK" show route count 2>/dev/null | awk '/ routes for / { print $1 }')
	if [ "${b_count:-0}" -ge "$N_BIRD" ]; then
		k_count=$(ip -n "$BNS" route show proto bird | wc -l)
		[ "$k_count" -ge "$N_BIRD" ] && break
	fi
	now
	[ "$_t" -lt "$deadline" ] || die "BIRD did not converge in 60 s"
	sleep 0.2
done
now
echo "  setup: $(secs $((_t - t0))) s"

run_us() {
	local t1
	now
	t1=$_t
	"$@" >/dev/null 2>"$TMP/err"
	_rc=$?
	now
	_us=$((_t - t1))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

ROWS=""
notes=""
# bench LABEL REF-CMD... -- CALTRACE-CMD...: one warm-up each, then $RUNS interleaved rounds.
bench() {
	local label=$1 ref=() ct=() refl=() ctl=() r
	shift
	while [ "$1" != "--" ]; do ref+=("$1"); shift; done
	shift
	ct=("$@")
	"${ref[@]}" >/dev/null 2>&1
	"${ct[@]}" >/dev/null 2>&1
	for ((r = 0; r < RUNS; r++)); do
		run_us "${ref[@]}"
		refl+=("$_us")
		run_us "${ct[@]}"
		ctl+=("$_us")
		[ "$_rc" -ge 2 ] && notes+=$'\n'"  '${ct[*]}' exited $_rc: $(head -c 300 "$TMP/err")"
	done
	ROWS+="$(awk -v l="$label" -v c="$(median "${ctl[@]}")" -v r="$(median "${refl[@]}")" \
		-v refn="${ref[*]:3}" 'BEGIN {
		printf "%-16s %10.4f %10.4f %8.2f  birdc %s", l, c / 1e6, r / 1e6, (r > 0 ? c / r : 0), refn }')"$'\n'
}
CT=("$CALTRACE" -n "$BNS" --bird-socket "$BSOCK" --timeout 60)
bench "bgp routes -j" birdc -s "$BSOCK" show route -- "${CT[@]}" bgp routes -j
bench "bgp routes -j" birdc -s "$BSOCK" show route export kernel1 all -- "${CT[@]}" bgp routes -j
bench "bgp routes" birdc -s "$BSOCK" show route export kernel1 all -- "${CT[@]}" bgp routes
printf '\n%-16s %10s %10s %8s  %s\n' "command" "caltrace_s" "birdc_s" "ratio" "reference"
printf '%s' "$ROWS"
[ -n "$notes" ] && printf 'notes:%s\n' "$notes"

echo
if [ -x "$TIME_BIN" ]; then
	rss() {
		"$TIME_BIN" -f %M -o "$TMP/rss" "$@" >"$TMP/out" 2>/dev/null
		tail -n 1 "$TMP/rss"
	}
	c_rss=$(rss "${CT[@]}" bgp routes -j)
	c_items=$(jq '.items | length' "$TMP/out" 2>/dev/null)
	ct_rss=$(rss "${CT[@]}" bgp routes)
	b_rss=$(rss birdc -s "$BSOCK" show route export kernel1 all)
	awk -v c="$c_rss" -v t="$ct_rss" -v r="$b_rss" -v g="$RSS_GOAL_MB" 'BEGIN {
		printf "peak RSS, bgp routes -j: caltrace %.1f MB (goal <= %d MB: %s); bgp routes (text) %.1f MB; birdc %.1f MB\n",
			c / 1024, g, (c / 1024 <= g) ? "met" : "MISSED", t / 1024, r / 1024 }'
	b_export=$(birdc -s "$BSOCK" show route export kernel1 count 2>/dev/null | awk '/ routes for / { print $1 }')
	echo "rows: caltrace bgp routes -j ${c_items:-?}, birdc show route export kernel1 count ${b_export:-?}"
else
	echo "peak RSS: not measured ($TIME_BIN missing: install the Debian package 'time')"
fi
now
echo "  BIRD streaming section total: $(secs $((_t - t0))) s"
exit 0
