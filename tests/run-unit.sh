#!/bin/sh
# Runs cmocka unit test binaries with TAP output; prints their TAP lines.
rc=0
for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" || rc=1
done
exit $rc
