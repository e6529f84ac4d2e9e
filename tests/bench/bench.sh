#!/bin/sh
# caltrace benchmark: builds a node-sized network namespace (1000 Calico-style veths,
# 100,000 routes, 10,000 neighbours) and times caltrace against iproute2 on it.
# Prints figures only; exits 0 unless setup fails. See tests/bench/README.md.
# Runs under bash (for $EPOCHREALTIME); `sh tests/bench/bench.sh` re-executes itself in bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

set -u
export LC_ALL=C

cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
RUNS=${BENCH_RUNS:-5}            # timed runs per command (after one warm-up); median is reported
N_PODS=${BENCH_PODS:-1000}       # cali veth pairs, one /32 route each
N_ROUTES=${BENCH_ROUTES:-100000} # /26 routes in 10.128.0.0/9 (1 in 100 a blackhole)
N_NEIGH=${BENCH_NEIGH:-10000}    # permanent neighbours on eth0, in 192.168.64.0/18
N_BIRD=${BENCH_BIRD_ROUTES:-100000} # static /32 routes BIRD exports to the kernel (BIRD section)
SLOW_S=${BENCH_SLOW:-10}         # a caltrace warm-up slower than this is its only run (see bench)
TIME_BIN=/usr/bin/time           # Debian package `time`, for peak RSS

NS=""
BNS=""
TMP=""
die() {
	echo "bench: $*" >&2
	exit 3
}
# Stop BIRD (the only process in $BNS: ours) and delete its namespace.
bird_cleanup() {
	local p i
	[ -n "$BNS" ] || return 0
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
}
cleanup() {
	trap - EXIT INT TERM
	bird_cleanup
	if [ -n "$NS" ]; then
		ip netns del "$NS" 2>/dev/null
		NS=""
	fi
	[ -n "$TMP" ] && rm -rf "$TMP"
	TMP=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip jq awk sha1sum sort; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done
[ -x "$CALTRACE" ] || die "no $CALTRACE: run 'make bench' (it builds it)"
[ "$N_NEIGH" -le 16380 ] || die "BENCH_NEIGH must fit in a /18 (<= 16380)"
[ "$N_ROUTES" -le 131072 ] || die "BENCH_ROUTES must fit /26 blocks in a /9 (<= 131072)"
if [ "$N_BIRD" -lt 1 ] || [ "$N_BIRD" -gt 16777215 ]; then
	die "BENCH_BIRD_ROUTES must fit /32s in 10.0.0.0/8 (1..16777215)"
fi

# Microseconds since the epoch into $_t, without forking when bash has EPOCHREALTIME.
now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		_t=${EPOCHREALTIME//[!0-9]/}
	else
		_t=$(($(date +%s%N) / 1000))
	fi
}
secs() { awk -v us="$1" 'BEGIN { printf "%.3f", us / 1e6 }'; }
phase_t0=0
phase() {
	now
	phase_t0=$_t
	printf '  %-48s' "$1"
}
phase_end() {
	now
	printf '%s s\n' "$(secs $((_t - phase_t0)))"
}

TMP=$(mktemp -d /tmp/ctbench.XXXXXX) || die "mktemp failed"
name="ctbench-$$"
ip netns list | awk '{print $1}' | grep -qx "$name" && die "namespace $name already exists"

echo "caltrace benchmark: $N_PODS veths, $N_ROUTES bulk routes, $N_NEIGH neighbours, $RUNS runs (median)"
echo "setup (namespace $name):"
now
setup_t0=$_t

# ---- generate the batch files --------------------------------------------------------
phase "generate batch files"
# Calico's host-side name: "cali" + first 11 hex digits of SHA-1("<namespace>.<pod>").
# One sha1sum over N small files (written with the printf builtin) instead of N forks.
mkdir "$TMP/pods" || die "mkdir failed"
for ((i = 1; i <= N_PODS; i++)); do
	printf '%s' "bench.pod-$i" >"$TMP/pods/$i"
done
(cd "$TMP/pods" && seq 1 "$N_PODS" | xargs sha1sum) >"$TMP/sha1" || die "sha1sum failed"
[ "$(cut -c1-11 "$TMP/sha1" | sort -u | wc -l)" = "$N_PODS" ] || die "duplicate cali names"

# Links, addresses, workload /32 routes, the node's block blackholes and the underlay.
awk '
{
	i = $2 + 0; dev = "cali" substr($1, 1, 11)
	a = i                       # pod i gets 10.65.0.0 + i
	printf "link add %s address ee:ee:ee:ee:ee:ee up type veth peer name p%d\n", dev, i
	printf "link set p%d up\n", i
	printf "route add 10.65.%d.%d/32 dev %s scope link\n", int(a / 256), a % 256, dev
	if (a > maxa) maxa = a
}
END {
	print "link set lo up"
	print "link add eth0 type veth peer name eth0p"
	print "link set eth0 up"
	print "link set eth0p up"
	print "address add 192.168.31.201/24 dev eth0"
	print "address add 192.168.64.1/18 dev eth0"
	print "route add default via 192.168.31.1 dev eth0"
	for (b = 0; b <= maxa; b += 64)   # this node'"'"'s IPAM blocks, as in BIRD mode
		printf "route add blackhole 10.65.%d.%d/26 proto bird\n", int(b / 256), b % 256
}' "$TMP/sha1" >"$TMP/links.batch"

# Remote /26 blocks over 10.128.0.0/9 via 199 BGP peers; every 100th a blackhole.
awk -v n="$N_ROUTES" 'BEGIN {
	for (k = 0; k < n; k++) {
		a = k * 64
		dst = sprintf("10.%d.%d.%d/26", 128 + int(a / 65536), int(a / 256) % 256, a % 256)
		if (k % 100 == 99)
			printf "route add blackhole %s proto bird\n", dst
		else
			printf "route add %s via 192.168.31.%d dev eth0 proto bird\n", dst, 2 + k % 199
	}
}' >"$TMP/routes.batch"

# Permanent entries are exempt from the (global) neighbour gc thresholds, so no sysctl
# outside the namespace is touched.
awk -v n="$N_NEIGH" 'BEGIN {
	for (i = 0; i < n; i++) {
		a = i + 2
		printf "neighbour add 192.168.%d.%d lladdr 02:42:c0:a8:%02x:%02x dev eth0 nud permanent\n",
			64 + int(a / 256), a % 256, int(a / 256), a % 256
	}
}' >"$TMP/neigh.batch"
phase_end

# ---- build the namespace ---------------------------------------------------------------
phase "ip netns add (IPv6 off inside)"
ip netns add "$name" || die "ip netns add $name failed"
NS=$name
# No IPv6 in the namespace: every IPv6-enabled veth end adds multicast (noarp) neighbour
# entries, about 4000 for 2000 ends, which would make the row counts drift and push the
# global neighbour table past its gc thresholds for everyone else on the machine.
ip netns exec "$NS" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' || die "cannot disable IPv6 in $NS"
phase_end

phase "links + workload routes ($(wc -l <"$TMP/links.batch") cmds)"
ip -n "$NS" -batch "$TMP/links.batch" || die "links batch failed"
phase_end

phase "routes ($N_ROUTES cmds)"
ip -n "$NS" -batch "$TMP/routes.batch" || die "routes batch failed"
phase_end

phase "neighbours ($N_NEIGH cmds)"
ip -n "$NS" -batch "$TMP/neigh.batch" || die "neighbour batch failed"
phase_end

phase "sysctls (Calico values on cali*)"
# shellcheck disable=SC2016 # expanded by the inner sh
ip netns exec "$NS" sh -c '
	echo 1 >/proc/sys/net/ipv4/ip_forward || exit 1
	for d in /proc/sys/net/ipv4/conf/cali*; do
		echo 1 >"$d/proxy_arp" && echo 1 >"$d/forwarding" && echo 1 >"$d/rp_filter" || exit 1
	done
	for d in /proc/sys/net/ipv4/neigh/cali*; do
		echo 0 >"$d/proxy_delay" || exit 1
	done' || die "sysctl setup failed"
phase_end

now
echo "  setup total: $(secs $((_t - setup_t0))) s"
if [ -n "${BENCH_SETUP_ONLY:-}" ]; then
	# for profiling by hand: leave the namespace; delete it with `ip netns del NAME`
	trap - EXIT INT TERM
	rm -rf "$TMP"
	echo "namespace $NS left in place"
	exit 0
fi

# ---- measure -----------------------------------------------------------------------------
# Wall time (microseconds) of one run of "$@" into $_us, exit status into $_rc, stderr in
# $TMP/err.
run_us() {
	local t0
	now
	t0=$_t
	"$@" >/dev/null 2>"$TMP/err"
	_rc=$?
	now
	_us=$((_t - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
	if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

ROWS=""
notes=""
# bench LABEL GOAL REF-CMD... -- CALTRACE-CMD...: one warm-up each, then $RUNS rounds that
# run the reference and caltrace back to back, so load on the shared machine hits both.
bench() {
	local label=$1 goal=$2 ref=() ct=() refl=() ctl=() r ctus refus status refbad="" ctrc=0 cterr=""
	local slow=""
	shift 2
	while [ "$1" != "--" ]; do ref+=("$1"); shift; done
	shift
	ct=("$@")
	"${ref[@]}" >/dev/null 2>&1
	run_us "${ct[@]}"
	if [ "$_us" -gt $((SLOW_S * 1000000)) ]; then
		# A pathological case would run for many minutes: its warm-up is the only run
		# and the figure (warm caches hardly matter at that length).
		slow=1
		ctl+=("$_us")
		[ "$_rc" -ge 2 ] && ctrc=$_rc && cterr=$(head -c 300 "$TMP/err")
		notes+=$'\n'"  '${ct[*]}': warm-up took $(secs "$_us") s (> $SLOW_S s, BENCH_SLOW); that single run is the figure"
	fi
	for ((r = 0; r < RUNS; r++)); do
		run_us "${ref[@]}"
		refl+=("$_us")
		[ "$_rc" = 0 ] || refbad="exited $_rc: $(head -c 200 "$TMP/err")"
		[ -n "$slow" ] && continue
		run_us "${ct[@]}"
		ctl+=("$_us")
		if [ "$_rc" -ge 2 ]; then # 0 healthy, 1 problems found; 2 and 3 are errors
			ctrc=$_rc
			cterr=$(head -c 300 "$TMP/err")
		fi
	done
	refus=$(median "${refl[@]}")
	ctus=$(median "${ctl[@]}")
	status=""
	[ -z "$refbad" ] || notes+=$'\n'"  reference '${ref[*]}' $refbad"
	if [ "$ctrc" -ge 2 ]; then
		status="ERROR"
		notes+=$'\n'"  '${ct[*]}' exited $ctrc: $cterr"
	fi
	ROWS="$ROWS$(awk -v l="$label" -v c="$ctus" -v r="$refus" -v g="$goal" -v s="$status" 'BEGIN {
		ratio = (r > 0) ? c / r : 0
		if (g == "-") { gs = "-"; if (s == "") s = "-" }   # no goal: ratio for information
		else { gs = "<=" g; if (s == "") s = (ratio <= g) ? "met" : "MISSED" }
		printf "%-14s %10.4f %10.4f %8.2f %6s  %s\n", l, c / 1e6, r / 1e6, ratio, gs, s }')"$'\n'
}

echo
echo "measuring (each command: 1 warm-up + $RUNS timed runs, interleaved with ip, stdout to /dev/null):"
bench "routes -j" 1.0 ip -n "$NS" -j route show -- "$CALTRACE" -n "$NS" routes -j
bench "neigh -j" 1.5 ip -n "$NS" -j neigh show -- "$CALTRACE" -n "$NS" neigh -j
bench "links -j" 3 ip -n "$NS" -j -d link show -- "$CALTRACE" -n "$NS" links -j

printf '\n%-14s %10s %10s %8s %6s  %s\n' "command" "caltrace_s" "ip_s" "ratio" "goal" "result"
printf '%s' "$ROWS"
[ -n "$notes" ] && printf 'notes:%s\n' "$notes"

# Peak RSS (kB) via GNU time.
rss() {
	if [ -x "$TIME_BIN" ]; then
		"$TIME_BIN" -f %M -o "$TMP/rss" "$@" >/dev/null 2>&1
		tail -n 1 "$TMP/rss"
	else
		echo ""
	fi
}
echo
ct_rss=$(rss "$CALTRACE" -n "$NS" routes -j)
ip_rss=$(rss ip -n "$NS" -j route show)
if [ -n "$ct_rss" ]; then
	awk -v c="$ct_rss" -v r="$ip_rss" 'BEGIN {
		printf "peak RSS, routes -j: caltrace %.1f MB (goal <= 32 MB: %s); ip -j route show %.1f MB\n",
			c / 1024, (c / 1024 <= 32) ? "met" : "MISSED", r / 1024 }'
else
	echo "peak RSS: not measured ($TIME_BIN missing: install the Debian package 'time')"
fi

# Row counts, so a reader sees both tools looked at the same state.
count() {
	local v
	v=$("$@" 2>/dev/null | jq "$JQ" 2>/dev/null)
	echo "${v:-?}"
}
echo
echo "rows returned (caltrace items vs ip):"
JQ='.items|length'
c_routes=$(count "$CALTRACE" -n "$NS" routes -j)
c_neigh=$(count "$CALTRACE" -n "$NS" neigh -j)
c_links=$(count "$CALTRACE" -n "$NS" links -j)
JQ='length'
i_routes=$(count ip -n "$NS" -j route show)
i_routes_all=$(count ip -n "$NS" -j route show table all)
i_neigh=$(count ip -n "$NS" -j neigh show)
i_links=$(count ip -n "$NS" -j -d link show)
JQ='[.[] | select(.ifname | startswith("cali"))] | length'
i_cali=$(count ip -n "$NS" -j -d link show)
printf '  %-8s caltrace %7s   ip -j route show %7s (table all: %s)\n' routes "$c_routes" "$i_routes" "$i_routes_all"
printf '  %-8s caltrace %7s   ip -j neigh show %7s\n' neigh "$c_neigh" "$i_neigh"
printf '  %-8s caltrace %7s   ip -j -d link show %5s (cali*: %s)\n' links "$c_links" "$i_links" "$i_cali"

# ---- BIRD ----------------------------------------------------------------------------------
# A second namespace where BIRD 1.6 exports $N_BIRD static /32 routes to the kernel and keeps
# two node-to-node mesh sessions that stay Active/Connect: their peers are on eth0's own /24
# and do not exist, so nothing leaves the namespace. caltrace's bgp commands against birdc.
bname="ctbenchbird-$$"
made=("$name") # namespaces this run created, checked after cleanup
echo
if ! command -v bird >/dev/null 2>&1 || ! command -v birdc >/dev/null 2>&1; then
	echo "BIRD section skipped: bird not installed"
else
	echo "BIRD section (namespace $bname, $N_BIRD static routes, 2 mesh peers that never connect):"
	ip netns list | awk '{print $1}' | grep -qx "$bname" && die "namespace $bname already exists"
	BSOCK=$TMP/bird.ctl
	now
	bird_t0=$_t

	phase "namespace + bird.conf"
	ip netns add "$bname" || die "ip netns add $bname failed"
	BNS=$bname
	made+=("$bname")
	ip netns exec "$BNS" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 &&
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6' || die "cannot disable IPv6 in $BNS"
	printf '%s\n' "link set lo up" "link add eth0 type veth peer name eth0p" "link set eth0 up" \
		"link set eth0p up" "address add 192.168.31.201/24 dev eth0" >"$TMP/bird-links.batch"
	ip -n "$BNS" -batch "$TMP/bird-links.batch" || die "BIRD namespace links failed"
	awk -v n="$N_BIRD" -v logfile="$TMP/bird.log" 'BEGIN {
		printf "log \"%s\" all;\n", logfile
		print "router id 192.168.31.201;"
		print "protocol device {}"
		print "protocol kernel kernel1 { persist; scan time 2; export all; }"
		print "protocol static static1 {"
		for (k = 1; k <= n; k++)
			printf "\troute 10.%d.%d.%d/32 via 192.168.31.2;\n", int(k / 65536), int(k / 256) % 256, k % 256
		print "}"
		for (p = 202; p <= 203; p++)   # named like the mesh peers Calico configures
			printf "protocol bgp Mesh_192_168_31_%d {\n\tneighbor 192.168.31.%d as 64512;\n\tlocal as 64512;\n}\n", p, p
	}' >"$TMP/bird.conf" || die "writing bird.conf failed"
	phase_end

	phase "bird up, $N_BIRD routes in birdc + kernel"
	# bird daemonizes; its process is the only one in $BNS, which bird_cleanup stops.
	ip netns exec "$BNS" bird -c "$TMP/bird.conf" -s "$BSOCK" -P "$TMP/bird.pid" ||
		die "bird failed to start: $(tail -n 3 "$TMP/bird.log" 2>/dev/null)"
	now
	deadline=$((_t + 60000000))
	b_count="" k_count=""
	while :; do
		b_count=$(birdc -s "$BSOCK" show route count 2>/dev/null | awk '/ routes for / { print $1 }')
		if [ "${b_count:-0}" -ge "$N_BIRD" ]; then
			k_count=$(ip -n "$BNS" route show proto bird | wc -l)
			[ "$k_count" -ge "$N_BIRD" ] && break
		fi
		now
		[ "$_t" -lt "$deadline" ] ||
			die "BIRD did not converge in 60 s: birdc route count '${b_count}', kernel proto bird routes '${k_count}'"
		sleep 0.2
	done
	phase_end
	now
	echo "  BIRD setup total: $(secs $((_t - bird_t0))) s"

	echo
	echo "measuring (1 warm-up + $RUNS timed runs, interleaved with birdc, stdout to /dev/null):"
	echo "  bgp -j        caltrace -n NS bgp -j --bird-socket SOCK   vs  birdc -s SOCK show protocols all"
	echo "  bgp routes -j caltrace -n NS bgp routes -j --bird-socket SOCK --timeout 60"
	echo "                                                           vs  birdc -s SOCK show route export kernel1 all"
	ROWS=""
	notes=""
	bench "bgp -j" - birdc -s "$BSOCK" show protocols all -- \
		"$CALTRACE" -n "$BNS" bgp -j --bird-socket "$BSOCK"
	bench "bgp routes -j" - birdc -s "$BSOCK" show route export kernel1 all -- \
		"$CALTRACE" -n "$BNS" bgp routes -j --bird-socket "$BSOCK" --timeout 60
	printf '\n%-14s %10s %10s %8s %6s  %s\n' "command" "caltrace_s" "birdc_s" "ratio" "goal" "result"
	printf '%s' "$ROWS"
	[ -n "$notes" ] && printf 'notes:%s\n' "$notes"

	# One more bgp routes run gives both its peak RSS and the JSON whose items are counted.
	echo
	ct_cmd=("$CALTRACE" -n "$BNS" bgp routes -j --bird-socket "$BSOCK" --timeout 60)
	if [ -x "$TIME_BIN" ]; then
		"$TIME_BIN" -f %M -o "$TMP/rss" "${ct_cmd[@]}" >"$TMP/bgp-routes.json" 2>/dev/null
		ct_rss=$(tail -n 1 "$TMP/rss")
		b_rss=$(rss birdc -s "$BSOCK" show route export kernel1 all)
		awk -v c="$ct_rss" -v r="$b_rss" 'BEGIN {
			printf "peak RSS, bgp routes -j: caltrace %.1f MB (no goal); birdc show route export kernel1 all %.1f MB\n",
				c / 1024, r / 1024 }'
	else
		"${ct_cmd[@]}" >"$TMP/bgp-routes.json" 2>/dev/null
		echo "peak RSS: not measured ($TIME_BIN missing: install the Debian package 'time')"
	fi

	echo
	echo "rows returned (caltrace items vs birdc and the kernel):"
	c_broutes=$(jq '.items | length' "$TMP/bgp-routes.json" 2>/dev/null)
	c_bkern=$(jq '[.items[] | select(.in_kernel)] | length' "$TMP/bgp-routes.json" 2>/dev/null)
	b_export=$(birdc -s "$BSOCK" show route export kernel1 count 2>/dev/null | awk '/ routes for / { print $1 }')
	k_count=$(ip -n "$BNS" route show proto bird | wc -l)
	JQ='.items|length'
	c_peers=$(count "$CALTRACE" -n "$BNS" bgp -j --bird-socket "$BSOCK")
	b_peers=$(birdc -s "$BSOCK" show protocols 2>/dev/null | awk '$2 == "BGP"' | wc -l)
	printf '  %-8s caltrace %7s (in_kernel %s)   birdc show route export kernel1 count %s   kernel proto bird %s\n' \
		routes "${c_broutes:-?}" "${c_bkern:-?}" "${b_export:-?}" "$k_count"
	printf '  %-8s caltrace %7s   birdc show protocols: %s BGP\n' peers "$c_peers" "$b_peers"
	now
	echo "  BIRD section total: $(secs $((_t - bird_t0))) s"
fi

# ---- sniff ---------------------------------------------------------------------------------
# caltrace sniff -r on IPIP captures written by tests/tools/mkpcap.c, against tcpdump -nn -r and
# a bare libpcap read loop (tests/tools/pcaploop.c). No namespace. Self-contained: uses only
# now/secs/phase/bench/rss from above. Knobs: BENCH_SNIFF_PACKETS (300000), BENCH_SNIFF_RUNS (3),
# BENCH_SNIFF_RAND_TCPDUMP (50000), BENCH_SNIFF=0 skips it. See tests/bench/README.md.
bench_sniff() {
	local n=${BENCH_SNIFF_PACKETS:-300000} nr=${BENCH_SNIFF_RAND_TCPDUMP:-50000}
	local RUNS=${BENCH_SNIFF_RUNS:-3} # bench() reads RUNS
	local mk=build/tests/mkpcap loop=build/tests/pcaploop d=$TMP/sniff t t0 c300 c600 cnt
	echo
	if [ "${BENCH_SNIFF:-1}" = 0 ]; then
		echo "sniff section skipped (BENCH_SNIFF=0)"
		return 0
	fi
	for t in tcpdump cc; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "sniff section skipped: $t not installed"
			return 0
		}
	done
	echo "sniff section ($n-packet IPIP captures from tests/tools/mkpcap.c, $RUNS runs (median)):"
	now
	t0=$_t
	phase "build mkpcap, pcaploop"
	mkdir -p build/tests "$d" || die "mkdir failed"
	if [ ! -x "$mk" ] || [ tests/tools/mkpcap.c -nt "$mk" ]; then
		cc -O2 -o "$mk" tests/tools/mkpcap.c || die "cannot build $mk"
	fi
	if [ ! -x "$loop" ] || [ tests/tools/pcaploop.c -nt "$loop" ]; then
		cc -O2 -o "$loop" tests/tools/pcaploop.c -lpcap || die "cannot build $loop"
	fi
	phase_end
	phase "write 4 captures"
	"$mk" bench300 "$d/b300.pcap" "$n" && "$mk" bench300 "$d/b600.pcap" $((2 * n)) &&
		"$mk" benchrand "$d/rand.pcap" "$n" && "$mk" benchrand "$d/rand-small.pcap" "$nr" ||
		die "mkpcap failed"
	phase_end
	echo "  b300: $n packets, 300 pod addresses, 3000 conversations; rand: $n packets, random inner"
	echo "  addresses and ports; b600: b300's mix, $((2 * n)) packets; rand-small: rand's mix, $nr packets"

	echo
	echo "measuring (1 warm-up + $RUNS timed runs, stdout to /dev/null):"
	echo "  sniff             caltrace sniff -r b300              vs  tcpdump -nn -r b300"
	echo "  sniff -j          caltrace sniff -r b300 -j           vs  tcpdump -nn -r b300"
	echo "  sniff rand        caltrace sniff -r rand-small        vs  tcpdump -nn -r rand-small (1 run)"
	echo "  rand/300          caltrace sniff -r rand              vs  caltrace sniff -r b300"
	ROWS=""
	notes=""
	bench "sniff" 0.33 tcpdump -nn -r "$d/b300.pcap" -- "$CALTRACE" sniff -r "$d/b300.pcap"
	bench "sniff -j" 0.67 tcpdump -nn -r "$d/b300.pcap" -- "$CALTRACE" sniff -r "$d/b300.pcap" -j
	# tcpdump's address-to-name cache degenerates with distinct addresses even with -nn (300k
	# random ones take it 10 minutes here): a smaller file, one run
	RUNS=1 bench "sniff rand" 0.33 tcpdump -nn -r "$d/rand-small.pcap" -- \
		"$CALTRACE" sniff -r "$d/rand-small.pcap"
	bench "rand/300" 1.25 "$CALTRACE" sniff -r "$d/b300.pcap" -- "$CALTRACE" sniff -r "$d/rand.pcap"
	printf '\n%-14s %10s %10s %8s %6s  %s\n' "command" "caltrace_s" "ref_s" "ratio" "goal" "result"
	printf '%s' "$ROWS"
	[ -n "$notes" ] && printf 'notes:%s\n' "$notes"
	echo "  goals: sniff >= 3x tcpdump's packets/s, -j >= 1.5x, random addresses at >= 0.8x the"
	echo "  speed on 300 addresses (ratio <= 1.25); --flows: tests/bench/flows.sh below"

	echo
	c300=$(rss "$CALTRACE" sniff -r "$d/b300.pcap")
	if [ -n "$c300" ]; then
		c600=$(rss "$CALTRACE" sniff -r "$d/b600.pcap")
		awk -v a="$c300" -v b="$c600" -v n="$n" 'BEGIN {
			flat = (b <= a * 1.1 + 1024) ? "met" : "MISSED"
			printf "peak RSS, sniff -r: %dk packets %.1f MB, %dk packets %.1f MB (goal flat: %s)\n",
				n / 1000, a / 1024, 2 * n / 1000, b / 1024, flat }'
	else
		echo "peak RSS: not measured ($TIME_BIN missing: install the Debian package 'time')"
	fi

	# both read the same number of packets
	cnt=$("$CALTRACE" sniff -r "$d/b300.pcap" 2>&1 >/dev/null | sed -n 's/^\([0-9]*\) packets captured.*/\1/p')
	echo "packets read, b300: caltrace ${cnt:-?}, pcaploop $("$loop" "$d/b300.pcap" 2>/dev/null | cut -d' ' -f1)"
	rm -rf "$d"
	now
	echo "  sniff section total: $(secs $((_t - t0))) s"
}
bench_sniff
CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" BENCH_PODS="$N_PODS" bash tests/bench/netlink.sh

CALTRACE="$CALTRACE" bash tests/bench/escape.sh || echo "bench: escape.sh failed"
echo; [ "${BENCH_BGPSTREAM:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/bgpstream.sh || echo "bench: BIRD streaming section failed"
CALTRACE=$CALTRACE bash tests/bench/harness.sh # decoder speed with checksums (VXLAN)

echo; BENCH_FLOWS_RUNS=${BENCH_FLOWS_RUNS:-$RUNS} CALTRACE=$CALTRACE bash tests/bench/flows.sh || echo "flows bench: setup failed"

echo; [ "${BENCH_EVENTS:-1}" = 0 ] || bash tests/bench/events.sh || echo "bench: events section failed"
bash tests/bench/model.sh # model updates: 100k route events (tests/bench/model.sh)
bash tests/bench/views.sh
echo; [ "${BENCH_POLICY:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/policy.sh || echo "bench: policy section failed"
echo; [ "${BENCH_LOOKUP:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/lookup.sh || echo "bench: lookup section failed"
echo; [ "${BENCH_SHADOW:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/shadow.sh || echo "bench: shadow section failed"
echo; CALTRACE="$CALTRACE" bash tests/bench/safefiles.sh || echo "bench: safefiles section failed"
echo; [ "${BENCH_ORDER:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/sniffmisc.sh || echo "bench: sniff order section failed"
echo; [ "${BENCH_WRITES:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/writes.sh || echo "bench: writes section failed"
echo; [ "${BENCH_ENCAP:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/encap.sh || echo "bench: encap section failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/roundtrip.sh || echo "bench: roundtrip.sh failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/path.sh || echo "bench: path.sh failed"
echo; [ "${BENCH_SVC:-1}" = 0 ] || bash tests/bench/svc.sh || echo "bench: svc section failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/probe.sh || echo "bench: probe.sh failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/pathtui.sh || echo "bench: pathtui.sh failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/shell.sh || echo "bench: shell.sh failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/snappol.sh || echo "bench: snappol.sh failed"
echo; CALTRACE="$CALTRACE" BENCH_RUNS="$RUNS" bash tests/bench/bird6.sh || echo "bench: bird6.sh failed"
echo; [ "${BENCH_TOP:-1}" = 0 ] || CALTRACE="$CALTRACE" bash tests/bench/top.sh || echo "bench: top section failed"

cleanup
for n in "${made[@]}"; do
	if ip netns list | awk '{print $1}' | grep -qx "$n"; then
		echo "bench: namespace $n still listed after cleanup" >&2
		exit 3
	fi
done
echo
echo "cleanup: namespace${made[1]:+s} ${made[0]}${made[1]:+ and ${made[1]}} deleted"
exit 0
