#!/bin/sh
# The test suite: unit tests (cmocka, TAP output), then lab integration tests.
#
#   sh tests/run.sh              the unit binaries in $UNIT_DIR, then tests/integration/*.sh
#   sh tests/run.sh PATH...      the unit binaries, then exactly these script files (relative
#                                paths are taken from the directory you run it in)
#
# Every test prints one TAP line ("ok ..." or "not ok ..."), a skipped one carries "# SKIP"
# (lib.sh's "ok N - name # SKIP why", cmocka's "not ok N # SKIP name"). The last line of this
# script's output is "N passed, N failed, N skipped"; skipped lines count in neither of the
# first two fields. It exits 0 when nothing failed and something passed or was skipped.
#
# A script or binary is not trusted for its "ok" lines alone. Each one adds a "not ok" line
# naming it when
#   - it prints no plan ("1..N"), or more than one,
#   - it reports fewer or more results than its plan, or
#   - it exits non-zero, except with a status 1-123 after reporting a "not ok" of its own
#     (lib.sh's done_testing exits 1 after a failure; cmocka exits with the number of failed
#     tests): a crash (128+signal), timeout's 124 or 126/127 always count.
# A script that prints "1..0 # SKIP why" and nothing else, and exits 0, is a skipped script:
# one "ok - SCRIPT # SKIP why" line.
#
#   CALTRACE   binary under test (default ./caltrace)
#   UNIT_DIR   folder of unit test binaries (default build/tests); may be empty or missing
#   LAB_MODES  lab modes for integration tests (default "bgp vxlan")
#   ONLY       run only integration scripts whose path contains this
#   TEST_TIMEOUT  seconds a unit binary or a script may run before timeout(1) stops it
#              (default 900; a guard against hangs, not a speed test)
# CALTRACE and UNIT_DIR, when relative, are taken from the top of the source tree.
here=$(pwd)
for a in "$@"; do
	shift
	case $a in
	/*) set -- "$@" "$a" ;;
	*) set -- "$@" "$here/$a" ;;
	esac
done
cd "$(dirname "$0")/.." || exit 2
CALTRACE=${CALTRACE:-./caltrace}
UNIT_DIR=${UNIT_DIR:-build/tests}
TEST_TIMEOUT=${TEST_TIMEOUT:-900}
# LAB_MODES_DEFAULT: the caller named no modes (a script may then add a mode of its own)
[ -n "${LAB_MODES:-}" ] || export LAB_MODES_DEFAULT=1
export CALTRACE LAB_MODES="${LAB_MODES:-bgp vxlan}"
CALTRACE_ABS="$(cd "$(dirname "$CALTRACE")" 2>/dev/null && pwd)/$(basename "$CALTRACE")"
export CALTRACE_ABS
# the test tools (tests/tools/*.c, built beside the unit binaries by make test and make asan)
TOOLS_DIR=${TOOLS_DIR:-$(cd "$UNIT_DIR" 2>/dev/null && pwd || echo "$PWD/build/tests")}
export TOOLS_DIR
tmp=$(mktemp -d /tmp/caltrace-tests.XXXXXX) || exit 2
log=$tmp/log
: >"$log"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=tests/tap.sh
. tests/tap.sh

# ---------------------------------------------------------------- unit tests
if [ ! -d "$UNIT_DIR" ]; then
	echo "# no unit test folder '$UNIT_DIR': no unit tests run"
else
	n=0
	for t in "$UNIT_DIR"/test_*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		n=$((n + 1))
		echo "# unit: $t"
		CMOCKA_MESSAGE_OUTPUT=TAP timeout "$TEST_TIMEOUT" "$t" >"$tmp/one" 2>&1
		rc=$?
		cat "$tmp/one"
		cat "$tmp/one" >>"$log"
		tap_check "$t" "$tmp/one" "$rc"
	done
	[ "$n" -gt 0 ] || echo "# no unit test binaries (test_*) in '$UNIT_DIR'"
fi

# ---------------------------------------------------------------- integration scripts
[ $# -gt 0 ] || set -- tests/integration/*.sh
for s in "$@"; do
	case "$s" in *"${ONLY:-}"*) ;; *) continue ;; esac
	if [ ! -f "$s" ]; then
		say "not ok - $s: no such file"
		continue
	fi
	echo "# integration: $s"
	t0=$(date +%s)
	rm -f "$tmp/rc"
	# the status goes through a file: in sh, a pipeline's status is tee's
	{
		timeout "$TEST_TIMEOUT" bash "$s" 2>&1 </dev/null
		echo $? >"$tmp/rc"
	} | tee "$tmp/one"
	rc=$(cat "$tmp/rc" 2>/dev/null)
	cat "$tmp/one" >>"$log"
	tap_check "$s" "$tmp/one" "${rc:-255}"
	echo "# $s: $(($(date +%s) - t0)) s"
done

tap_summary "$log"
