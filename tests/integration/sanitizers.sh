#!/bin/bash
# fuzz/run.sh judges a fuzz run by its log as well as its exit status: a sanitizer report
# (UBSan's "runtime error:", ASan's or LSan's "ERROR: ...Sanitizer") fails the target even when
# the binary exits 0, as a fuzz build that recovers from UBSan errors does. Checked with fake
# fuzz binaries (shell scripts that print a libFuzzer-like log and exit as told), so that the
# check itself can be seen to fail; then, when clang built it, the real fuzz_bird for 2 s.
# And make asan's verdict (make asan-check): a report file in SAN_LOG fails it.
# No lab, no root.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"

TMP=$(mktemp -d /tmp/caltrace-fuzzrun.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
export FUZZ_ARTIFACTS=$TMP/artifacts

# fakebin NAME STATUS LOGLINE...: a fake fuzz target printing the lines, then the stats
fakebin() {
	local name=$1 status=$2 l
	shift 2
	{
		echo '#!/bin/sh'
		for l in "$@"; do printf 'echo %q >&2\n' "$l"; done
		echo "echo 'stat::number_of_executed_units: 1234' >&2"
		echo "exit $status"
	} >"$TMP/$name"
	chmod +x "$TMP/$name"
}

# runsh NAME: fuzz/run.sh on the fake binary NAME; sets RC and OUT
runsh() {
	OUT=$(sh "$TOP/fuzz/run.sh" 1 "$TMP/$1" 2>&1)
	RC=$?
}

fakebin clean 0 "INFO: Seed: 1" "Done 1234 runs in 1 second(s)"
runsh clean
if [ "$RC" = 0 ] && [[ "$OUT" == "ok - clean: 1234 runs"* ]]; then
	ok "a clean log with exit 0 is ok"
else
	not_ok "a clean log with exit 0 is ok" "exit $RC: $OUT"
fi

bad() {
	local name=$1 status=$2 what=$3
	shift 3
	fakebin "$name" "$status" "INFO: Seed: 1" "$@"
	runsh "$name"
	if [ "$RC" = 1 ] && [[ "$OUT" == "not ok - $name:"* ]] && [[ "$OUT" == *"# $1"* ]]; then
		ok "$what fails the target, its line quoted"
	else
		not_ok "$what fails the target, its line quoted" "exit $RC: $OUT"
	fi
}
bad ubsan 0 "a UBSan report with exit 0" \
	"model/snapshot.c:301:17: runtime error: left shift of negative value -1"
bad asan 0 "an ASan report with exit 0" \
	"==42==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011"
bad lsan 0 "an LSan report with exit 0" "==42==ERROR: LeakSanitizer: detected memory leaks"
bad summary 0 "a sanitizer SUMMARY line alone" \
	"SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior model/x.c:1:2"
bad crash 77 "a crash (exit 77)" "==42== ERROR: libFuzzer: deadly signal"

# several targets: one bad one makes the whole run fail, the good one still reported ok
OUT=$(sh "$TOP/fuzz/run.sh" 1 "$TMP/clean" "$TMP/ubsan" 2>&1)
RC=$?
if [ "$RC" = 1 ] && [[ "$OUT" == *"ok - clean:"* ]] && [[ "$OUT" == *"not ok - ubsan:"* ]]; then
	ok "one bad target of two fails the run"
else
	not_ok "one bad target of two fails the run" "exit $RC: $OUT"
fi

# make asan's verdict: asan-check fails when a sanitizer wrote a report into SAN_LOG
mkdir -p "$TMP/san"
OUT=$(make -s -C "$TOP" asan-check SAN_LOG="$TMP/san" 2>&1)
RC=$?
if [ "$RC" = 0 ] && [[ "$OUT" == "ok - no sanitizer report"* ]]; then
	ok "asan-check: no report is ok"
else
	not_ok "asan-check: no report is ok" "exit $RC: $OUT"
fi
printf '%s\n' "model/snapshot.c:301:17: runtime error: left shift of negative value -1" \
	>"$TMP/san/ubsan.4242"
OUT=$(make -s -C "$TOP" asan-check SAN_LOG="$TMP/san" 2>&1)
RC=$?
if [ "$RC" != 0 ] && [[ "$OUT" == *"not ok - 1 sanitizer report"* ]] &&
	[[ "$OUT" == *"runtime error: left shift of negative value -1"* ]]; then
	ok "asan-check: a UBSan report fails make asan, quoted"
else
	not_ok "asan-check: a UBSan report fails make asan, quoted" "exit $RC: $OUT"
fi

# the real target, when built (make fuzz): its build makes UBSan findings fatal
FB="$TOP/build/fuzz/fuzz_bird"
if [ -x "$FB" ]; then
	OUT=$(sh "$TOP/fuzz/run.sh" 2 "$FB" 2>&1)
	RC=$?
	if [ "$RC" = 0 ] && [[ "$OUT" == "ok - fuzz_bird:"* ]]; then
		ok "fuzz_bird runs clean for 2 s"
	else
		not_ok "fuzz_bird runs clean for 2 s" "exit $RC: $OUT"
	fi
else
	skip "fuzz_bird runs clean for 2 s" "not built (make fuzz)"
fi

done_testing
