#!/bin/bash
# Decoder speed with checksums on VXLAN, moved here from a wall-time assertion in
# tests/unit/test_pkt_decode.c (it failed when 300,000 VXLAN packets with checksums took more
# than 1 s; the tests no longer time anything). `caltrace sniff -r --checksums` on a VXLAN
# capture written by tests/tools/mkpcap.c, against references measured in the same run:
#   vxlan csum -j      caltrace sniff -r F --checksums -j       vs tcpdump -nn -vv -r F (it
#                      verifies the IP and UDP checksums too)
#   vxlan csum flows   caltrace sniff -r F --checksums --flows  vs pcaploop F (pcap_next_ex only)
# and caltrace's packets/s against the old test's floor (300,000 packets/s).
# Prints figures, exits 0; 3 when it cannot set up. No namespace, no root needed.
# Knobs: CALTRACE (./caltrace), BENCH_DECODE_PACKETS (300000), BENCH_DECODE_RUNS (3),
# BENCH_DECODE=0 skips it. Run by tests/bench/bench.sh, or alone: bash tests/bench/harness.sh
set -u -o pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 3
CALTRACE=${CALTRACE:-./caltrace}
N=${BENCH_DECODE_PACKETS:-300000}
RUNS=${BENCH_DECODE_RUNS:-3}
MK=build/tests/mkpcap
LOOP=build/tests/pcaploop

echo
if [ "${BENCH_DECODE:-1}" = 0 ]; then
	echo "decode section skipped (BENCH_DECODE=0)"
	exit 0
fi
for t in tcpdump cc awk; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "decode section skipped: $t not installed"
		exit 0
	}
done
[ -x "$CALTRACE" ] || {
	echo "decode section: no $CALTRACE (make)" >&2
	exit 3
}
D=$(mktemp -d /tmp/ctbench-decode.XXXXXX) || exit 3
trap 'rm -rf "$D"' EXIT
mkdir -p build/tests || exit 3
if [ ! -x "$MK" ] || [ tests/tools/mkpcap.c -nt "$MK" ]; then
	cc -O2 -o "$MK" tests/tools/mkpcap.c || exit 3
fi
if [ ! -x "$LOOP" ] || [ tests/tools/pcaploop.c -nt "$LOOP" ]; then
	cc -O2 -o "$LOOP" tests/tools/pcaploop.c -lpcap || exit 3
fi
F=$D/vxlan.pcap
"$MK" vxlan "$F" "$N" >/dev/null || exit 3

# us CMD...: wall time of one run in microseconds (stdout and stderr to /dev/null)
us() {
	local t0=${EPOCHREALTIME//[!0-9]/} t1
	"$@" >/dev/null 2>&1
	t1=${EPOCHREALTIME//[!0-9]/}
	echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ROWS=""
CT_US=""
# row LABEL GOAL REF... -- CT...: one warm-up each, then RUNS rounds back to back; the medians
row() {
	local label=$1 goal=$2 ref=() ct=() r a=() b=() cu ru
	shift 2
	while [ "$1" != "--" ]; do ref+=("$1"); shift; done
	shift
	ct=("$@")
	"${ref[@]}" >/dev/null 2>&1
	"${ct[@]}" >/dev/null 2>&1
	for ((r = 0; r < RUNS; r++)); do
		a+=("$(us "${ref[@]}")")
		b+=("$(us "${ct[@]}")")
	done
	ru=$(median "${a[@]}")
	cu=$(median "${b[@]}")
	CT_US=$cu
	ROWS="$ROWS$(awk -v l="$label" -v c="$cu" -v r="$ru" -v g="$goal" 'BEGIN {
		ratio = (r > 0) ? c / r : 0
		if (g == "-") { gs = "-"; s = "-" } else { gs = "<=" g; s = (ratio <= g) ? "met" : "MISSED" }
		printf "%-18s %10.4f %10.4f %8.2f %6s  %s\n", l, c / 1e6, r / 1e6, ratio, gs, s }')"$'\n'
}

echo "decode section ($N-packet VXLAN capture from tests/tools/mkpcap.c, $RUNS runs (median)):"
row "vxlan csum -j" 1 tcpdump -nn -vv -r "$F" -- "$CALTRACE" sniff -r "$F" --checksums -j
row "vxlan csum flows" - "$LOOP" "$F" -- "$CALTRACE" sniff -r "$F" --checksums --flows
printf '\n%-18s %10s %10s %8s %6s  %s\n' "command" "caltrace_s" "ref_s" "ratio" "goal" "result"
printf '%s' "$ROWS"
awk -v n="$N" -v us="$CT_US" 'BEGIN {
	pps = (us > 0) ? n / (us / 1e6) : 0
	printf "decode with checksums (--flows, no output per packet): %.0f packets/s (floor 300000: %s)\n",
		pps, (pps >= 300000) ? "met" : "MISSED" }'
got=$("$CALTRACE" sniff -r "$F" --checksums --flows 2>&1 >/dev/null)
echo "packets read: caltrace: ${got%%,*}; pcaploop: $("$LOOP" "$F" 2>/dev/null)"
exit 0
