#!/bin/sh
# The test suite: unit tests (cmocka, TAP output), then lab integration tests.
# Every test prints one TAP line ("ok ..." or "not ok ..."); the last line of
# this script's output is "N passed, N failed".
#   CALTRACE   binary under test (default ./caltrace)
#   UNIT_DIR   folder of unit test binaries (default build/tests)
#   LAB_MODES  lab modes for integration tests (default "bgp vxlan")
#   ONLY       run only integration scripts whose name contains this
cd "$(dirname "$0")/.." || exit 2
CALTRACE=${CALTRACE:-./caltrace}
UNIT_DIR=${UNIT_DIR:-build/tests}
export CALTRACE LAB_MODES="${LAB_MODES:-bgp vxlan}"
export CALTRACE_ABS="$(cd "$(dirname "$CALTRACE")" && pwd)/$(basename "$CALTRACE")"
log=$(mktemp /tmp/caltrace-tests.XXXXXX)
trap 'rm -f "$log"' EXIT INT TERM

for t in "$UNIT_DIR"/test_*; do
	[ -x "$t" ] || continue
	echo "# unit: $t"
	one=$(mktemp /tmp/caltrace-unit.XXXXXX)
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$one" 2>&1
	cat "$one"
	cat "$one" >>"$log"
	# a binary that crashed reports fewer results than it planned
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$one" | head -n 1)
	got=$(grep -c -E '^(not )?ok ' "$one")
	if [ -z "$plan" ] || [ "$got" -lt "$plan" ]; then
		echo "not ok - $t stopped early (planned ${plan:-?}, reported $got)" | tee -a "$log"
	fi
	rm -f "$one"
done
for s in tests/integration/*.sh; do
	[ -f "$s" ] || continue
	case "$s" in *"${ONLY:-}"*) ;; *) continue ;; esac
	echo "# integration: $s"
	timeout 900 bash "$s" 2>&1 | tee -a "$log"
done
passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
