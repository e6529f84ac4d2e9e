#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Service benchmark: $SVC_N kube-proxy Services (default 10,000), two endpoints each, read by
# probes/svc.c (tests/tools/svctool -n NS list). One namespace per mode:
#   iptables-legacy: KUBE-SERVICES / KUBE-SVC-* / KUBE-SEP-* through iptables-legacy-restore;
#                    the reference is `iptables-legacy-save -c` alone;
#   nftables:        kube-proxy's table ip kube-proxy through nft -f; the reference is
#                    `nft -j list table ip kube-proxy` alone.
# Times, median of $SVC_RUNS runs in the same run: svctool's whole read (every source it tries:
# the four iptables-save commands, libnftables, /proc/net/ip_vs), the parse alone from a file
# (svctool --ipt/--nft FILE), and the reference; prints the ratios to the reference.
# Needs root. Prints figures; exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init svc
N=${SVC_N:-10000}
RUNS=${SVC_RUNS:-3}
P=ctsvbench-$$
bench_need_root
bench_need_cmd iptables-legacy-restore iptables-legacy-save nft
make -s build/tests/svctool >/dev/null || bench_die "cannot build tests/tools/svctool.c"
TOOL=$PWD/build/tests/svctool

# 10.96.0.0/16 VIPs, 10.244.0.0/16 endpoints (i -> two distinct ones)
vip() { echo "10.96.$(($1 / 250)).$(($1 % 250 + 1))"; }
ep() { echo "10.244.$(($1 / 250)).$(($1 % 250 + 1))"; }

{
	echo '*nat'
	echo ':KUBE-SERVICES - [0:0]'
	echo ':KUBE-MARK-MASQ - [0:0]'
	for ((i = 0; i < N; i++)); do
		printf ':KUBE-SVC-%016X - [0:0]\n:KUBE-SEP-A%015X - [0:0]\n:KUBE-SEP-B%015X - [0:0]\n' \
			"$i" "$i" "$i"
	done
	echo '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000'
	for ((i = 0; i < N; i++)); do
		v=$(vip "$i") a=$(ep "$((2 * i % 60000))") b=$(ep "$(((2 * i + 1) % 60000))")
		printf -- '-A KUBE-SERVICES -d %s/32 -p tcp -m comment --comment "bench/svc%d:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-%016X\n' "$v" "$i" "$i"
		printf -- '-A KUBE-SVC-%016X -m comment --comment "bench/svc%d:http -> %s:8080" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A%015X\n' "$i" "$i" "$a" "$i"
		printf -- '-A KUBE-SVC-%016X -m comment --comment "bench/svc%d:http -> %s:8080" -j KUBE-SEP-B%015X\n' "$i" "$i" "$b" "$i"
		printf -- '-A KUBE-SEP-A%015X -s %s/32 -m comment --comment "bench/svc%d:http" -j KUBE-MARK-MASQ\n' "$i" "$a" "$i"
		printf -- '-A KUBE-SEP-A%015X -p tcp -m comment --comment "bench/svc%d:http" -m tcp -j DNAT --to-destination %s:8080\n' "$i" "$i" "$a"
		printf -- '-A KUBE-SEP-B%015X -s %s/32 -m comment --comment "bench/svc%d:http" -j KUBE-MARK-MASQ\n' "$i" "$b" "$i"
		printf -- '-A KUBE-SEP-B%015X -p tcp -m comment --comment "bench/svc%d:http" -m tcp -j DNAT --to-destination %s:8080\n' "$i" "$i" "$b"
	done
	echo COMMIT
} >"$TMP/ipt.rules"
{
	echo 'table ip kube-proxy {'
	echo '	chain mark-for-masquerade { mark set mark or 0x4000; }'
	for ((i = 0; i < N; i++)); do
		a=$(ep "$((2 * i % 60000))") b=$(ep "$(((2 * i + 1) % 60000))")
		printf '\tchain endpoint-A%07X-bench/svc%d/tcp/http__%s/8080 { ip saddr %s jump mark-for-masquerade; meta l4proto tcp dnat to %s:8080; }\n' "$i" "$i" "$a" "$a" "$a"
		printf '\tchain endpoint-B%07X-bench/svc%d/tcp/http__%s/8080 { ip saddr %s jump mark-for-masquerade; meta l4proto tcp dnat to %s:8080; }\n' "$i" "$i" "$b" "$b" "$b"
		printf '\tchain service-%08X-bench/svc%d/tcp/http { numgen random mod 2 vmap { 0 : goto endpoint-A%07X-bench/svc%d/tcp/http__%s/8080, 1 : goto endpoint-B%07X-bench/svc%d/tcp/http__%s/8080 }; }\n' "$i" "$i" "$i" "$i" "$a" "$i" "$i" "$b"
	done
	echo '	map service-ips {'
	echo '		type ipv4_addr . inet_proto . inet_service : verdict'
	printf '\t\telements = { '
	for ((i = 0; i < N; i++)); do
		printf '%s%s . tcp . 80 : goto service-%08X-bench/svc%d/tcp/http' "$([ "$i" = 0 ] || echo ', ')" "$(vip "$i")" "$i" "$i"
	done
	echo ' }'
	echo '	}'
	echo '}'
} >"$TMP/kp.nft"

bench_netns "$P-ipt"
ip netns exec "$P-ipt" iptables-legacy-restore <"$TMP/ipt.rules" || bench_die "iptables-legacy-restore"
bench_netns "$P-nft"
ip netns exec "$P-nft" nft -f "$TMP/kp.nft" || bench_die "nft -f"
ip netns exec "$P-ipt" iptables-legacy-save -c >"$TMP/ipt.save" || bench_die "iptables-legacy-save"
ip netns exec "$P-nft" nft -j list table ip kube-proxy >"$TMP/kp.json" || bench_die "nft -j list"

# the reads must be complete before they are timed
for m in ipt nft; do
	got=$("$TOOL" -n "$P-$m" list | grep -c ' ok 10\.244\.')
	[ "$got" = "$N" ] || bench_bench_die "$m: svctool found $got of $N Services with backends"
done

echo
echo "svc: kube-proxy Services read by probes/svc.c, $N Services x 2 endpoints, median of $RUNS runs"
printf '  %-16s %10s %10s %10s %12s %12s\n' mode read_s parse_s ref_s read/ref parse/ref
for m in ipt nft; do
	rd=() ps=() rf=()
	for ((r = 0; r < RUNS; r++)); do
		rd+=("$(bench_us "$TOOL" -n "$P-$m" list)")
		if [ "$m" = ipt ]; then
			ps+=("$(bench_us "$TOOL" --ipt "$TMP/ipt.save" list)")
			rf+=("$(bench_us ip netns exec "$P-ipt" iptables-legacy-save -c)")
		else
			ps+=("$(bench_us "$TOOL" --nft "$TMP/kp.json" list)")
			rf+=("$(bench_us ip netns exec "$P-nft" nft -j list table ip kube-proxy)")
		fi
	done
	awk -v m="$([ "$m" = ipt ] && echo iptables-legacy || echo nftables)" \
		-v d="$(bench_median "${rd[@]}")" -v p="$(bench_median "${ps[@]}")" -v f="$(bench_median "${rf[@]}")" 'BEGIN {
		printf "  %-16s %10.4f %10.4f %10.4f %12.2f %12.2f\n", m, d / 1e6, p / 1e6, f / 1e6, d / f, p / f }'
done
echo "  (read: svctool -n NS list, every source; parse: svctool from the saved text/JSON and"
echo "   printing; ref: iptables-legacy-save -c / nft -j list table ip kube-proxy alone)"
exit 0
