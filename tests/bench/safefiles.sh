#!/bin/bash
# Checked output files (probes/outfile.h): `caltrace sniff -r FILE -w OUT` (every write checked,
# through outfile's stream) against `tcpdump -r FILE -w OUT` on the same 300,000-packet IPIP
# capture (tests/tools/mkpcap.c bench300) in the same run, and `caltrace snapshot -o FILE`
# (mkstemp, fsync, rename) against `caltrace snapshot > FILE` (plain standard output). Prints
# medians and ratios only; checks that caltrace's -w file is byte for byte tcpdump's. Exits 0
# unless setup fails. Run alone (as root for snapshot) or from tests/bench/bench.sh.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
RUNS=${BENCH_RUNS:-5}
N=${BENCH_SAFEFILES_PACKETS:-300000}

TMP=$(mktemp -d /tmp/caltrace-safefiles.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[ -x "$CALTRACE" ] || { echo "bench safefiles: no $CALTRACE (make)" >&2; exit 3; }
for t in tcpdump cc; do
	command -v "$t" >/dev/null 2>&1 || { echo "bench safefiles: skipped, $t not installed"; exit 0; }
done

mk=build/tests/mkpcap
if [ ! -x "$mk" ] || [ tests/tools/mkpcap.c -nt "$mk" ]; then
	mkdir -p build/tests && cc -O2 -o "$mk" tests/tools/mkpcap.c || exit 3
fi
"$mk" bench300 "$TMP/in.pcap" "$N" || exit 3

# median_ms CMD...: the median wall time of RUNS runs (after one warm-up), in milliseconds
median_ms() {
	local i t0 t1 v=()
	"$@" >/dev/null 2>&1
	for ((i = 0; i < RUNS; i++)); do
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1
		t1=$EPOCHREALTIME
		v+=($(((${t1/./} - ${t0/./}) / 1000)))
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }

echo "checked output files ($N-packet IPIP capture, $RUNS runs (median) after a warm-up):"
c=$(median_ms "$CALTRACE" sniff -r "$TMP/in.pcap" -w "$TMP/ct.pcap")
t=$(median_ms tcpdump -r "$TMP/in.pcap" -w "$TMP/td.pcap")
same=$(cmp -s "$TMP/ct.pcap" "$TMP/td.pcap" && echo "byte for byte the same file" || echo "FILES DIFFER")
echo "  sniff -r -w       caltrace ${c} ms  tcpdump -r -w ${t} ms  ratio $(ratio "$c" "$t")  ($same;"
echo "                    caltrace also decodes every packet for its counts, tcpdump does not)"

if [ "$(id -u)" = 0 ]; then
	o=$(median_ms "$CALTRACE" snapshot -o "$TMP/s.json")
	p=$(median_ms sh -c '"$1" snapshot >"$2"' sh "$CALTRACE" "$TMP/p.json")
	echo "  snapshot -o       caltrace -o ${o} ms  caltrace > FILE ${p} ms  ratio $(ratio "$o" "$p")" \
		"(mkstemp + fsync + rename vs a plain write)"
else
	echo "  snapshot -o       skipped (needs root for the pod namespaces)"
fi
exit 0
