#!/bin/sh
# Runs libFuzzer targets: fuzz/run.sh SECONDS BIN...
# Each target runs for SECONDS on a fresh temporary corpus seeded with every
# file under tests/fixtures (good and bad snapshots alike). Prints one TAP line
# per target; exits 1 when any target crashed, leaked, hung or would not start,
# or when its log holds a sanitizer report of any kind (SANITIZER_RE: UBSan's
# "runtime error:", ASan's and LSan's "ERROR: ...Sanitizer"), even with exit 0:
# a build without -fno-sanitize-recover (make fuzz has it) prints UBSan
# findings and carries on.
# A crashing input is kept in build/fuzz/artifacts/ (FUZZ_ARTIFACTS) to replay:
#   build/fuzz/fuzz_snapshot build/fuzz/artifacts/crash-...
set -u
usage="usage: fuzz/run.sh SECONDS BIN..."
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
secs=$1
shift
case $secs in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac

SANITIZER_RE='runtime error:|(ERROR|WARNING|SUMMARY): [A-Za-z]*Sanitizer'

root=$(cd "$(dirname "$0")/.." && pwd)
artifacts=${FUZZ_ARTIFACTS:-$root/build/fuzz/artifacts}
mkdir -p "$artifacts" || exit 2
rc=0
for bin in "$@"; do
	case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "not ok - $name: no such fuzz binary '$bin'"
		rc=1
		continue
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/caltrace-fuzz.XXXXXX") || exit 2
	mkdir "$work/corpus" "$work/crash"
	# the seeds, flattened: bad/x.json and x.json must not overwrite each other
	find "$root/tests/fixtures" -type f | sort | awk '{ print NR " " $0 }' |
		while read -r i f; do cp "$f" "$work/corpus/seed-$i-$(basename "$f")"; done
	"$bin" -max_total_time="$secs" -timeout=25 -print_final_stats=1 \
		-artifact_prefix="$work/crash/" "$work/corpus" >"$work/log" 2>&1
	status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	nsan=$(grep -cE "$SANITIZER_RE" "$work/log")
	if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/crash")" ] || [ "$nsan" -gt 0 ]; then
		if [ "$nsan" -gt 0 ]; then
			echo "not ok - $name: exit $status after ${runs:-?} runs, $nsan sanitizer report lines"
		else
			echo "not ok - $name: exit $status after ${runs:-?} runs"
		fi
		grep -E "$SANITIZER_RE|ERROR|SUMMARY|abort|failed|differs|#[0-9]+ " "$work/log" |
			head -n 40 | sed 's/^/# /'
		for c in "$work"/crash/*; do
			[ -e "$c" ] || continue
			cp "$c" "$artifacts/$name-$(basename "$c")"
			echo "# input kept: $artifacts/$name-$(basename "$c")"
		done
		rc=1
	else
		echo "ok - $name: ${runs:-?} runs in ${secs}s, no crash"
	fi
	rm -rf "$work"
done
exit $rc
