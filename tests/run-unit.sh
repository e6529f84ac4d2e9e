#!/bin/sh
# Runs cmocka unit test binaries with TAP output (`make unit`): prints their TAP lines, a
# "not ok" line for a binary that stops early or exits non-zero without a failed test of its
# own (see tests/run.sh), and "N passed, N failed, N skipped" last. Exits 1 when anything failed.
TAP_SH=$(dirname "$0")/tap.sh
tmp=$(mktemp -d /tmp/caltrace-unit.XXXXXX) || exit 2
log=$tmp/log
: >"$log"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck source=tests/tap.sh
. "$TAP_SH"
for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$tmp/one" 2>&1
	rc=$?
	cat "$tmp/one"
	cat "$tmp/one" >>"$log"
	tap_check "$t" "$tmp/one" "$rc"
done
tap_summary "$log"
