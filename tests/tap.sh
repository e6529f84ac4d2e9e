# shellcheck shell=sh
# TAP bookkeeping shared by tests/run.sh and tests/run-unit.sh (POSIX sh). The caller sets
# $log, the file the summary counts.

# say LINE: to the output and to the log that is counted at the end
# shellcheck disable=SC2154 # $log is set by the caller
say() { printf '%s\n' "$1" | tee -a "$log"; }

# tap_check NAME FILE STATUS: the "not ok" line for a script or binary whose TAP output (FILE)
# or exit status does not add up; the "ok ... # SKIP" line for a skipped script
tap_check() {
	name=$1 f=$2 rc=$3
	plans=$(grep -cE '^1\.\.[0-9]+' "$f")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$f" | head -n 1)
	got=$(grep -cE '^(not )?ok( |$)' "$f")
	own=$(grep -E '^not ok( |$)' "$f" | grep -vc '#[[:space:]]*[Ss][Kk][Ii][Pp]')
	if [ "$plans" = 1 ] && [ "$plan" = 0 ] && [ "$got" = 0 ] && [ "$rc" = 0 ]; then
		why=$(sed -n 's/^1\.\.0[[:space:]]*#[[:space:]]*[Ss][Kk][Ii][Pp]\(.*\)/\1/p' "$f" | head -n 1)
		say "ok - $name # SKIP${why:- (1..0)}"
		return
	fi
	bad=""
	if [ "$plans" = 0 ]; then
		bad="no plan (1..N), $got results"
	elif [ "$plans" -gt 1 ]; then
		bad="$plans plans"
	elif [ "$got" -lt "$plan" ]; then
		bad="reported $got of the $plan results planned"
	elif [ "$got" -gt "$plan" ]; then
		bad="reported $got results, $plan planned"
	fi
	if [ "$rc" != 0 ] && { [ "$own" = 0 ] || [ "$rc" -gt 123 ]; }; then
		why="exit $rc"
		[ "$rc" = 124 ] && why="$why (timed out after ${TEST_TIMEOUT:-?} s)"
		[ "$rc" -gt 128 ] && why="$why (signal $((rc - 128)))"
		[ "$own" = 0 ] && why="$why without a failed test of its own"
		bad="${bad:+$bad; }$why"
	fi
	[ -z "$bad" ] || say "not ok - $name: $bad"
	return 0
}

# tap_summary LOG: prints "N passed, N failed, N skipped"; 0 when nothing failed and something
# passed or was skipped. A "# SKIP" line (ok or not ok) is counted only as skipped.
tap_summary() {
	skipped=$(grep -E '^(not )?ok( |$)' "$1" | grep -c '#[[:space:]]*[Ss][Kk][Ii][Pp]')
	passed=$(grep -E '^ok( |$)' "$1" | grep -vc '#[[:space:]]*[Ss][Kk][Ii][Pp]')
	failed=$(grep -E '^not ok( |$)' "$1" | grep -vc '#[[:space:]]*[Ss][Kk][Ii][Pp]')
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ $((passed + skipped)) -gt 0 ]
}
