#!/bin/bash
# The test harness itself (tests/run.sh, tests/run-unit.sh): throwaway scripts and fake unit
# binaries written into a temporary folder, each run alone through `tests/run.sh PATH` with an
# empty UNIT_DIR. A script that crashes after an "ok", plans more than it reports, exits
# non-zero, prints nothing, dies on an unset variable or runs past TEST_TIMEOUT must make the
# run fail, with a "not ok" line naming it; a good script, a skip-all script and a script whose
# own "not ok" explains its exit 1 must not add one. "# SKIP" lines (lib.sh's "ok", cmocka's
# "not ok") are counted as skipped only. Then the same for unit binaries, and a lint of
# tests/integration/*.sh (set -u -o pipefail; caltrace never piped). No root, no lab.
# (A test name must not hold "#": TAP reads what follows as a directive such as SKIP.)
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
# a run.sh that ignored its PATH arguments would run this script again from inside itself
[ -z "${CT_HARNESS_SELFTEST:-}" ] || skip_all "already inside the harness self-test"

RUN=$TOP/tests/run.sh
D=$(mktemp -d /tmp/ct-harness.XXXXXX) || bail "mktemp -d"
trap 'rm -rf "$D"' EXIT
mkdir "$D/empty" "$D/unit" "$D/unit-bad"

# script NAME BODY: writes $D/NAME.sh
script() { printf '%s\n' "$2" >"$D/$1.sh"; }

# harness ARGS...: tests/run.sh ARGS with an empty UNIT_DIR (unless UNIT_DIR_H says otherwise),
# no ONLY (unless ONLY_H), sets H_OUT, H_RC and H_LAST (the summary line)
harness() {
	H_OUT=$(env -u ONLY ${ONLY_H:+ONLY="$ONLY_H"} CT_HARNESS_SELFTEST=1 UNIT_DIR="${UNIT_DIR_H:-$D/empty}" \
		TEST_TIMEOUT="${TEST_TIMEOUT_H:-60}" sh "$RUN" "$@" 2>&1)
	H_RC=$?
	H_LAST=$(tail -n 1 <<<"$H_OUT")
}

# not_ok_for PATH: the lines run.sh adds about PATH (not the script's own lines)
not_ok_for() { grep -F -- "not ok - $1" <<<"$H_OUT"; }

# fails NAME SCRIPT WHY-PATTERN: the run exits 1, its summary counts one failure (the harness's
# own line), and that line names the script and matches WHY-PATTERN (grep -E)
fails() {
	local name=$1 s=$D/$2.sh why=$3 line
	harness "$s"
	line=$(not_ok_for "$s")
	is "$name: run.sh exits 1" "$H_RC" 1
	if [ "$(grep -c . <<<"$line")" = 1 ] && grep -Eq -- "$why" <<<"$line"; then
		ok "$name: one 'not ok' line names $2.sh ($why)"
	else
		not_ok "$name: one 'not ok' line names $2.sh ($why)" "$H_OUT"
	fi
	case $H_LAST in
	*" passed, 1 failed, "*" skipped") ok "$name: the summary counts it as failed ($H_LAST)" ;;
	*) not_ok "$name: the summary counts it as failed" "last line: '$H_LAST'" ;;
	esac
}

# passes NAME SCRIPT SUMMARY: the run exits 0, no line about the script, the summary reads SUMMARY
passes() {
	local name=$1 s=$D/$2.sh
	harness "$s"
	is "$name: run.sh exits 0, no 'not ok' line about it, summary '$3'" \
		"$H_RC [$(not_ok_for "$s")] $H_LAST" "0 [] $3"
}

# ---------------------------------------------------------------- scripts that must fail
script crash 'echo "ok 1 - fine so far"
kill -SEGV $$
echo "1..1"'
fails "crashes after an ok" crash 'no plan.*exit 139 \(signal 11\)'

script shortplan 'echo "ok 1 - one"
echo "ok 2 - two"
echo "1..3"'
fails "plans 3, reports 2" shortplan 'reported 2 of the 3 results planned'

script exit3 'echo "ok 1 - one"
echo "1..1"
exit 3'
fails "all ok, then exit 3" exit3 'exit 3 without a failed test of its own'

script silent ':'
fails "prints nothing" silent 'no plan \(1\.\.N\), 0 results'

script unset '. "'"$TOP"'/tests/lib.sh"
ok "before the unset variable"
echo "$NO_SUCH_VARIABLE_HERE"
ok "after it"
done_testing'
fails "dies on an unset variable (lib.sh sets -u)" unset 'no plan.*exit 1 without'

script toomany 'echo "ok 1 - one"
echo "ok 2 - two"
echo "1..1"'
fails "reports more than planned" toomany 'reported 2 results, 1 planned'

script hangs 'echo "ok 1 - one"
sleep 60
echo "1..1"'
TEST_TIMEOUT_H=1 fails "runs past TEST_TIMEOUT" hangs 'exit 124 \(timed out'

script plain_fail '. "'"$TOP"'/tests/lib.sh"
ok "one"
is "two" a b
done_testing'
harness "$D/plain_fail.sh"
is "a failed check and exit 1 (done_testing): its own not ok is the only failure" \
	"$H_RC [$(not_ok_for "$D/plain_fail.sh")] $H_LAST" "1 [] 1 passed, 1 failed, 0 skipped"

script bail_crash '. "'"$TOP"'/tests/lib.sh"
not_ok "one"
echo "1..1"
kill -SEGV $$'
harness "$D/bail_crash.sh"
ok_if "a 'not ok' does not excuse a crash (exit 139): a line names the script" "$H_OUT" \
	grep -Eq "not ok - $D/bail_crash.sh: exit 139" <<<"$H_OUT"

# ---------------------------------------------------------------- scripts that must pass
script good '. "'"$TOP"'/tests/lib.sh"
ok "one"
is "two" a a
done_testing'
passes "a good lib.sh script" good "2 passed, 0 failed, 0 skipped"

script skipall '. "'"$TOP"'/tests/lib.sh"
skip_all "nothing to do here"'
passes "a skip-all script (plan 1..0 and SKIP)" skipall "0 passed, 0 failed, 1 skipped"
ok_if "the skip-all script shows as one skipped line naming it, with the reason" "$H_OUT" \
	grep -Fxq "ok - $D/skipall.sh # SKIP nothing to do here" <<<"$H_OUT"

script skips '. "'"$TOP"'/tests/lib.sh"
ok "one"
skip "two" "not here"
echo "not ok 3 # SKIP three, the way cmocka says it"
T_N=3
done_testing'
passes "SKIP lines (lib.sh's ok, cmocka's not ok)" skips "1 passed, 0 failed, 2 skipped"

# ---------------------------------------------------------------- paths, ONLY, UNIT_DIR
harness "$D/good.sh" "$D/skips.sh"
is "two paths: both run, nothing else" "$H_RC $(grep -c '^# integration: ' <<<"$H_OUT") $H_LAST" \
	"0 2 3 passed, 0 failed, 2 skipped"
ONLY_H=skips harness "$D/good.sh" "$D/skips.sh"
is "ONLY=skips with two paths: only skips.sh runs" \
	"$H_RC $(grep '^# integration: ' <<<"$H_OUT")" "0 # integration: $D/skips.sh"
harness "$D/no-such-script.sh"
is "a path that does not exist: exit 1, a line names it" "$H_RC $(not_ok_for "$D/no-such-script.sh")" \
	"1 not ok - $D/no-such-script.sh: no such file"
(cd "$D" && harness good.sh && printf '%s\n' "$H_RC" "$H_OUT") >"$D/rel.out"
ok_if "a relative path is taken from where run.sh is started" "$(cat "$D/rel.out")" \
	grep -Fxq "# integration: $D/good.sh" "$D/rel.out"
UNIT_DIR_H=$D/missing harness "$D/good.sh"
is "UNIT_DIR missing: said on a # line, not a failure" \
	"$H_RC $(grep -c "^# no unit test folder '$D/missing'" <<<"$H_OUT") $H_LAST" \
	"0 1 2 passed, 0 failed, 0 skipped"

# ---------------------------------------------------------------- unit binaries
# fakes in cmocka's TAP form; run.sh runs every executable test_* in UNIT_DIR
printf '#!/bin/sh\necho 1..3\necho "ok 1 - a"\necho "not ok 2 # SKIP b"\necho "ok 3 - c"\n%s\n' \
	'echo "# ok - fake"' >"$D/unit/test_skips"
printf '#!/bin/sh\necho 1..2\necho "ok 1 - a"\necho "ok 2 - b"\nexit 3\n' >"$D/unit-bad/test_exit3"
printf '#!/bin/sh\necho 1..3\necho "ok 1 - a"\nkill -SEGV $$\n' >"$D/unit-bad/test_crash"
chmod +x "$D/unit/test_skips" "$D/unit-bad/test_exit3" "$D/unit-bad/test_crash"
UNIT_DIR_H=$D/unit harness "$D/good.sh"
is "unit: cmocka's 'not ok N' with SKIP is a skip" "$H_RC $H_LAST" "0 4 passed, 0 failed, 1 skipped"
UNIT_DIR_H=$D/unit-bad harness "$D/good.sh"
is "unit: exit 3 after every result, and a crash, each make a failure naming the binary" \
	"$H_RC $(grep -c "^not ok - $D/unit-bad/test_exit3: exit 3" <<<"$H_OUT") $(grep -c \
		"^not ok - $D/unit-bad/test_crash: reported 1 of the 3 results planned; exit 139" \
		<<<"$H_OUT") $H_LAST" \
	"1 1 1 5 passed, 2 failed, 0 skipped"
out=$(sh "$TOP/tests/run-unit.sh" "$D/unit/test_skips" "$D/unit-bad/test_exit3" 2>&1)
rc=$?
is "run-unit.sh (make unit): the same rules and summary" \
	"$rc $(grep -c "^not ok - $D/unit-bad/test_exit3: exit 3" <<<"$out") $(tail -n 1 <<<"$out")" \
	"1 1 4 passed, 1 failed, 1 skipped"

# ---------------------------------------------------------------- the integration scripts
bad=""
for s in "$TOP"/tests/integration/*.sh; do
	# its own `set` lines near the top, or tests/lib.sh (which sets both) sourced
	sets=$(head -n 60 "$s" | grep -E '^(set( |$)|\. .*lib\.sh)' | tr '\n' ' ')
	if ! [[ $sets == *lib.sh* ||
		($sets =~ -[a-z]*u || $sets == *nounset*) && $sets == *pipefail* ]]; then
		bad="$bad
$(basename "$s"): neither 'set -u -o pipefail' nor tests/lib.sh near the top"
	fi
	# caltrace's output goes into a variable or a file, never straight into a pipe, except on
	# a line that says the pipe is what it tests (writes.sh: a reader that goes away)
	p=$(grep -nE '"\$CALTRACE"[^|]*[^|]\|[^|]' "$s" | grep -v '# the pipe is the subject') && bad="$bad
$(basename "$s"): caltrace piped: $p"
done
is "tests/integration/*.sh: every script runs under set -u -o pipefail and never pipes caltrace" \
	"${bad#?}" ""
out=$(bash -c 'set -u; . "$1"; echo sourced' _ "$TOP/tests/lib.sh" 2>&1)
is "tests/lib.sh sources cleanly under set -u" "$out" sourced

done_testing
