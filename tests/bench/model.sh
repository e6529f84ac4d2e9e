#!/bin/bash
# Model update bench (issue 7): applies 100,000 route events (adds, then replaces, then deletes)
# to the model with ct_netns_apply (tests/tools/modelbench.c) and prints the time per event and
# the resident memory before and after. Reference tools, measured in the same run:
#   - the kernel itself applying the same number of route adds, replaces and deletes from
#     `ip -batch` in a throwaway network namespace (the rate events can arrive at);
#   - the model as it was before its indexes: a linear scan per event (modelbench --naive), on
#     fewer events since it is quadratic, against the indexed model on as many.
# Run from tests/bench/bench.sh (one line) or alone as root after `make all`. Exits 0 unless
# setup fails (3).
set -u -o pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 3

N=${BENCH_MODEL_EVENTS:-100000}
NAIVE_N=${BENCH_MODEL_NAIVE:-20000}
MB=build/tests/modelbench
NSN=""
TMPD=""
cleanup() {
	[ -n "$NSN" ] && ip netns del "$NSN" 2>/dev/null
	[ -n "$TMPD" ] && rm -rf "$TMPD"
	NSN=""
	TMPD=""
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
die() {
	echo "bench model: $*" >&2
	exit 3
}

echo
echo "model section ($N route events: adds, replaces, deletes):"
[ -f build/libcaltrace.a ] || die "build/libcaltrace.a missing: run make all first"
if [ ! -x "$MB" ] || [ tests/tools/modelbench.c -nt "$MB" ] || [ build/libcaltrace.a -nt "$MB" ]; then
	# shellcheck disable=SC2046 # pkg-config prints several words
	cc -O2 -std=gnu11 -D_GNU_SOURCE -I. $(pkg-config --cflags libnl-3.0) -o "$MB" \
		tests/tools/modelbench.c build/libcaltrace.a \
		$(pkg-config --libs libnl-3.0 libnl-route-3.0 libpcap ncursesw jansson libcrypto) \
		-lreadline || die "cannot build $MB"
fi
TMPD=$(mktemp -d) || die "mktemp"

out=$("$MB" "$N") || die "modelbench failed"
echo "$out" >"$TMPD/model"
naive=$("$MB" --naive "$NAIVE_N") || die "modelbench --naive failed"
echo "$naive" >"$TMPD/naive"
small=$("$MB" "$NAIVE_N") || die "modelbench $NAIVE_N failed"
echo "$small" >"$TMPD/small"

# the kernel applying the same kinds of events: /32s and /26 blocks, one IPv6 /128 in eight
kernel_ok=0
if [ "$(id -u)" = 0 ]; then
	NSN="ctmb$$"
	if ip netns add "$NSN" 2>/dev/null && ip -n "$NSN" link set lo up; then
		awk -v n="$N" -v d="$TMPD" 'BEGIN {
			for (i = 0; i < n; i++) {
				if (i % 8 == 7) { p = sprintf("fd00::%x:%x/128", int(i / 65536), i % 65536); f = "" }
				else if (i % 3 == 0) { a = 8388608 + (i * 64) % 8388608
					p = sprintf("10.%d.%d.%d/26", int(a / 65536), int(a / 256) % 256, a % 256); f = "" }
				else { p = sprintf("10.%d.%d.%d/32", int(i / 65536), int(i / 256) % 256, i % 256); f = "" }
				printf "%sroute add %s dev lo\n", f, p > (d "/add")
				printf "%sroute replace %s dev lo proto static\n", f, p > (d "/replace")
				printf "%sroute del %s dev lo\n", f, p > (d "/del")
			} }'
		for ph in add replace del; do
			t0=$EPOCHREALTIME
			ip -n "$NSN" -batch "$TMPD/$ph" >/dev/null 2>"$TMPD/$ph.err" || {
				echo "  kernel reference: ip -batch $ph failed: $(head -c 200 "$TMPD/$ph.err")"
				kernel_ok=2
				break
			}
			t1=$EPOCHREALTIME
			echo "$ph $(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.1f", (b - a) * 1e9 / n }')" >>"$TMPD/kernel"
		done
		[ "$kernel_ok" = 0 ] && kernel_ok=1
	fi
	cleanup_ns=$NSN
	ip netns del "$cleanup_ns" 2>/dev/null
	NSN=""
fi

awk -v k="$kernel_ok" -v n="$N" -v nn="$NAIVE_N" -v d="$TMPD" '
	function kb(x) { return sprintf("%.1f MB", x / 1024) }
	FILENAME == d "/model" && $1 == "rss" { rss[$2] = $3 }
	FILENAME == d "/model" && NF == 4 { cpu[$1] = $3; wall[$1] = $4 }
	FILENAME == d "/naive" && NF == 4 { ncpu[$1] = $3 }
	FILENAME == d "/small" && NF == 4 { scpu[$1] = $3 }
	FILENAME == d "/kernel" { kern[$1 == "del" ? "delete" : $1] = $2 }
	END {
		split("add replace delete", ph, " ")
		for (i = 1; i <= 3; i++) {
			p = ph[i]
			line = sprintf("  %-8s %d events: %.0f ns/event CPU (%.0f ns wall)", p, n, cpu[p], wall[p])
			if (k == 1 && kern[p] > 0)
				line = line sprintf("; the kernel via ip -batch %.0f ns/event wall: model %.1fx faster", kern[p], kern[p] / wall[p])
			print line
		}
		printf "  RSS: before %s, after %d adds %s, after the deletes %s\n", kb(rss["before"]), n, kb(rss["after_adds"]), kb(rss["after_deletes"])
		for (i = 1; i <= 3; i++) {
			p = ph[i]
			printf "  %-8s %d events, linear scan (the model before its indexes): %.0f ns/event, indexed %.0f: %.0fx\n", p, nn, ncpu[p], scpu[p], ncpu[p] / scpu[p]
		}
		if (k == 0) print "  kernel reference: not measured (needs root and ip netns)"
	}' "$TMPD/model" "$TMPD/naive" "$TMPD/small" $([ -f "$TMPD/kernel" ] && echo "$TMPD/kernel")
exit 0
