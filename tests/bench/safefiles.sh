#!/bin/bash
# Checked output files (probes/outfile.h): `caltrace sniff -r FILE -w OUT` (every write checked,
# through outfile's stream) against `tcpdump -r FILE -w OUT` on the same 300,000-packet IPIP
# capture (tests/tools/mkpcap.c bench300) in the same run, and `caltrace snapshot -o FILE`
# (mkstemp, fsync, rename) against `caltrace snapshot > FILE` (plain standard output). Prints
# medians and ratios only; checks that caltrace's -w file is byte for byte tcpdump's. Exits 0
# unless setup fails. Run alone (as root for snapshot) or from tests/bench/bench.sh.
set -u
. "$(dirname "$0")/lib.sh"
bench_init safefiles
bench_need_cmd tcpdump cc
N=${BENCH_SAFEFILES_PACKETS:-300000}

mk=build/tests/mkpcap
if [ ! -x "$mk" ] || [ tests/tools/mkpcap.c -nt "$mk" ]; then
	mkdir -p build/tests && cc -O2 -o "$mk" tests/tools/mkpcap.c || exit 3
fi
"$mk" bench300 "$TMP/in.pcap" "$N" || exit 3

# median_ms CMD...: the median wall time of RUNS runs (after one warm-up), in milliseconds
median_ms() { echo $(($(bench_time_us "$@") / 1000)); }

echo "checked output files ($N-packet IPIP capture, $RUNS runs (median) after a warm-up):"
c=$(median_ms "$CALTRACE" sniff -r "$TMP/in.pcap" -w "$TMP/ct.pcap")
t=$(median_ms tcpdump -r "$TMP/in.pcap" -w "$TMP/td.pcap")
same=$(cmp -s "$TMP/ct.pcap" "$TMP/td.pcap" && echo "byte for byte the same file" || echo "FILES DIFFER")
echo "  sniff -r -w       caltrace ${c} ms  tcpdump -r -w ${t} ms  ratio $(bench_ratio "$c" "$t")  ($same;"
echo "                    caltrace also decodes every packet for its counts, tcpdump does not)"

if [ "$(id -u)" = 0 ]; then
	o=$(median_ms "$CALTRACE" snapshot -o "$TMP/s.json")
	p=$(median_ms sh -c '"$1" snapshot >"$2"' sh "$CALTRACE" "$TMP/p.json")
	echo "  snapshot -o       caltrace -o ${o} ms  caltrace > FILE ${p} ms  ratio $(bench_ratio "$o" "$p")" \
		"(mkstemp + fsync + rename vs a plain write)"
else
	echo "  snapshot -o       skipped (needs root for the pod namespaces)"
fi
exit 0
