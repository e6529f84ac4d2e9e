#!/bin/bash
# Bench: the model's route lookup (model/lookup.c, through tests/tools/rtnltool lookups on a
# `caltrace -n NS snapshot`) against the kernel's (`ip -n NS -batch` of `route get` lines),
# the same queries in the same run. Its own namespace ctbenchlk-<pid>: a veth u0 with
# 192.168.31.201/24, default via 192.168.31.1, 100,000 /26 routes over 10.128.0.0/9 via
# 192.168.31.2-200 (1 in 100 a blackhole), 20 fwmark rules ahead of main (tables of 10
# routes each; the queries carry no mark, so every lookup walks them). Queries: BENCH_LOOKUPS
# (default 2000) random addresses in 10.128.0.0/9 and outside it. Prints the time per lookup
# of each (the model with its route index and by scanning) and the ratios; exits 0, or 3 when
# setup fails.
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CALTRACE=${CALTRACE:-$TOP/caltrace}
N=${BENCH_LOOKUPS:-2000}
NS=ctbenchlk-$$
TMPD=$(mktemp -d /tmp/ct-bench-lookup.XXXXXX) || exit 3
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT INT TERM

LIBA=$TOP/build/libcaltrace.a
[ -f "$LIBA" ] || { echo "lookup bench: no $LIBA (make)"; exit 3; }
PKGS="libnl-3.0 libnl-route-3.0 libpcap ncursesw jansson libcrypto"
# shellcheck disable=SC2046 # pkg-config prints several words
cc -O2 -std=gnu11 -D_GNU_SOURCE -I"$TOP" $(pkg-config --cflags $PKGS) -o "$TMPD/rtnltool" \
	"$TOP/tests/tools/rtnltool.c" "$LIBA" $(pkg-config --libs $PKGS) -lreadline ||
	{ echo "lookup bench: cannot build rtnltool"; exit 3; }

ip netns add "$NS" || exit 3
awk 'BEGIN {
	print "link set lo up"
	print "link add u0 type veth peer name u0p"
	print "link set u0 up"; print "link set u0p up"
	print "addr add 192.168.31.201/24 dev u0"
	print "route add default via 192.168.31.1 dev u0"
	n = 0
	for (a = 128; a < 256 && n < 100000; a++)
		for (b = 0; b < 256 && n < 100000; b++)
			for (c = 0; c < 256 && n < 100000; c += 64) {
				if (n % 100 == 99)
					printf "route add blackhole 10.%d.%d.%d/26 proto bird\n", a, b, c
				else
					printf "route add 10.%d.%d.%d/26 via 192.168.31.%d dev u0 proto bird\n",
						a, b, c, 2 + n % 199
				n++
			}
	for (r = 1; r <= 20; r++) {
		printf "rule add pref %d fwmark %d table %d\n", 1000 + r, r, 1000 + r
		for (k = 0; k < 10; k++)
			printf "route add 172.%d.%d.0/24 via 192.168.31.%d dev u0 table %d\n",
				16 + r, k, 2 + k, 1000 + r
	}
}' >"$TMPD/setup"
ip -n "$NS" -batch "$TMPD/setup" || { echo "lookup bench: setup failed"; exit 3; }
"$CALTRACE" -n "$NS" snapshot -o "$TMPD/snap.json" >/dev/null 2>&1 ||
	{ echo "lookup bench: snapshot failed"; exit 3; }

awk -v n="$N" 'BEGIN {
	srand(7)
	for (i = 0; i < n; i++) {
		if (i % 10 == 9)
			printf "%d.%d.%d.%d\n", 1 + int(rand() * 200), int(rand() * 256),
				int(rand() * 256), 1 + int(rand() * 250)
		else
			printf "10.%d.%d.%d\n", 128 + int(rand() * 128), int(rand() * 256),
				1 + int(rand() * 254)
	}
}' >"$TMPD/q"
sed 's/^/route get /' "$TMPD/q" >"$TMPD/ipq"

now_us() { date +%s%6N; }
# the kernel: one ip process, every lookup a netlink round trip (errors go to stderr)
t0=$(now_us)
ip -n "$NS" -force -batch "$TMPD/ipq" >"$TMPD/ip.out" 2>"$TMPD/ip.err"
t1=$(now_us)
ip_us=$((t1 - t0))
# the model: the lookups alone, as the tool times them (the snapshot's loading apart),
# with the route index and with a scan of the routes
t0=$(now_us)
"$TMPD/rtnltool" lookups "$TMPD/snap.json" "$TMPD/q" >"$TMPD/m.out" 2>"$TMPD/m.err" ||
	{ echo "lookup bench: rtnltool lookups failed: $(cat "$TMPD/m.err")"; exit 3; }
t1=$(now_us)
tool_us=$((t1 - t0))
"$TMPD/rtnltool" lookups "$TMPD/snap.json" "$TMPD/q" scan >"$TMPD/s.out" 2>"$TMPD/s.err" ||
	{ echo "lookup bench: rtnltool lookups scan failed: $(cat "$TMPD/s.err")"; exit 3; }
m_us=$(sed -n 's/^lookups: [0-9]* in \([0-9]*\) us$/\1/p' "$TMPD/m.err")
s_us=$(sed -n 's/^lookups: [0-9]* in \([0-9]*\) us$/\1/p' "$TMPD/s.err")
ix_us=$(sed -n 's/^index: built in \([0-9]*\) us$/\1/p' "$TMPD/m.err")
[ -n "$m_us" ] && [ -n "$s_us" ] && [ -n "$ix_us" ] || { echo "lookup bench: no timing from rtnltool"; exit 3; }
cmp -s "$TMPD/m.out" "$TMPD/s.out" || echo "lookup bench: the index and the scan disagree"
# ip prints a route on two lines (the second indented), an error on stderr
ip_ok=$(grep -c '^[^ ]' "$TMPD/ip.out")
m_ok=$(grep -c '^err=0 ' "$TMPD/m.out")

echo "route lookup: $N queries on 100,000 routes and 20 rules ahead of main (namespace $NS)"
awk -v n="$N" -v ip="$ip_us" -v m="$m_us" -v s="$s_us" -v ix="$ix_us" -v tool="$tool_us" \
	-v ipok="$ip_ok" -v mok="$m_ok" 'BEGIN {
	printf "  ip -batch route get          %9.2f us per lookup (%d answered with a route)\n", ip / n, ipok
	printf "  model, route index           %9.2f us per lookup (%d with a route)\n", m / n, mok
	printf "  model, scan of the routes    %9.2f us per lookup\n", s / n
	printf "  model with index / ip        %9.3f\n", m / ip
	printf "  model scanning / ip          %9.2f\n", s / ip
	printf "  building the index           %9.1f ms\n", ix / 1000
	printf "  rtnltool in all              %9.1f ms (loading the snapshot included)\n", tool / 1000
}'
exit 0
