#!/bin/bash
# The README's examples come from `make demo`: runs tests/lab/demo.sh under a prefix of its own
# (ct<pid>d-) and compares it with README.md through tests/lab/demo-readme.sh (the commands
# modulo the prefix, the section headers, the finding codes in order, the packet lines of sniff,
# the exit statuses). The demo must leave no namespace behind and undo every fault it applies.
# The comparer is code too, so it gets its own checks against the same run: a README with one
# finding code, one exit status, one section header or one command changed, an example
# missing, fewer than 5 examples, or none, must each fail; values that vary (MACs, counters,
# pids) must not make it fail; it must count as many examples as the README holds (counted
# here independently). The generator (demo-readme.sh update) must rewrite only the example
# blocks, fill a block that holds just its command, and refuse a README whose commands are
# not the demo's.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_caltrace
need_cmd ip ss ping bird birdc awk diff
DEMO=$TOP/tests/lab/demo.sh
CMP=$TOP/tests/lab/demo-readme.sh
README=$TOP/README.md
P="ct$$d-"
TMP=$(mktemp -d /tmp/caltrace-demo-test.XXXXXX) || bail "mktemp"
LAB_UP_LIST="$LAB_UP_LIST $P" # whatever happens, lab_cleanup takes the demo's lab down
at_exit 'rm -rf "$TMP"'
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# count_blocks FILE: fenced blocks whose first line starts with "$ caltrace" (written apart
# from the comparer's parser, so that its count is checked, not trusted)
count_blocks() {
	awk 'f == 0 && /^```/ { f = 1; first = 1; next }
		f == 1 && /^```/ { f = 0; next }
		f == 1 && first { first = 0; if (index($0, "$ caltrace") == 1) n++ }
		END { print n + 0 }' "$1"
}
# prose FILE: every line outside those blocks (the opening and closing fences kept)
prose() {
	awk 'f == 0 && /^```/ { f = 1; first = 1; print; next }
		f == 1 && /^```/ { f = 0; ex = 0; print; next }
		f == 1 && first { first = 0; if (index($0, "$ caltrace") == 1) ex = 1 }
		f == 1 && ex { next }
		{ print }' "$1"
}
fails() { ! "$@"; }
quiet() { "$@" 2>/dev/null; }
# expect_fail NAME README TRANSCRIPT PATTERN: the comparer must exit 1 and say PATTERN
expect_fail() {
	local out rc
	out=$("$CMP" check "$2" "$3" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && grep -qF -- "$4" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1" "exit $rc (expected 1 and '$4' in the output):
$out"
	fi
}

nr=$(count_blocks "$README")
ok_if "README: at least 5 examples (\`\`\` blocks starting with \$ caltrace): $nr" \
	"only $nr" test "$nr" -ge 5

# ---------------------------------------------------------------- the demo
# lab.sh's "fault NAME on/off" lines on stderr tell which faults were applied and undone
CALTRACE=$CALTRACE LAB_QUIET=0 bash "$DEMO" --prefix "$P" >"$TMP/transcript" 2>"$TMP/stderr"
rc=$?
is "demo --prefix $P: exit 0" "$rc" 0
[ "$rc" = 0 ] || diag "$(tail -n 20 "$TMP/stderr")"
is "demo: its first line names the prefix" "$(head -n 1 "$TMP/transcript" | cut -d"'" -f2)" "$P"
nd=$(grep -c '^\$ caltrace' "$TMP/transcript")
is "demo: as many examples as the README ($nr)" "$nd" "$nr"
left=$(ip netns list 2>/dev/null | awk -v p="$P" 'index($1, p) == 1 { print $1 }' | xargs)
is "demo: no namespace '$P*' left" "$left" ""
ok_if "demo: no lab state folder left" "/run/caltrace-lab/$P exists" \
	test ! -e "${LAB_RUN:-/run/caltrace-lab}/$P"
# every fault lab.sh applied was undone (lab.sh says "lab: fault NAME on|off in 'PREFIX'")
on=$(sed -n "s/^lab: fault \([a-z_]*\) on in '$P'$/\1/p" "$TMP/stderr" | sort | xargs)
off=$(sed -n "s/^lab: fault \([a-z_]*\) off in '$P'$/\1/p" "$TMP/stderr" | sort | xargs)
is "demo: every fault applied was undone" "$off" "$on"
ok_if "demo: it applied faults, among them proxy_arp and birdkill ($on)" "applied: '$on'" \
	grep -qE 'birdkill.*proxy_arp' <<<"$on"
for c in doctor bgp sniff snapshot --from tunnel links neigh routes; do
	ok_if "demo: an example runs $c" "no example line holds '$c'" \
		grep -qE "^\\\$ caltrace( .*)? $c( |$)" "$TMP/transcript"
done
[ -s "$TMP/transcript" ] && [ "$nd" -ge 1 ] || bail "no demo transcript to compare"

# ---------------------------------------------------------------- the README against it
out=$("$CMP" check "$README" "$TMP/transcript" 2>&1)
rc=$?
is "README agrees with the demo: exit 0" "$rc" 0
[ "$rc" = 0 ] || diag "$out"
is "the comparer compared the README's $nr examples" "$(sed -n 's/^\([0-9]*\) examples agree.*/\1/p' <<<"$out")" "$nr"

# ---------------------------------------------------------------- the comparer must be able to fail
R=$TMP/readme.md
# the README's first finding line inside an example block, its code changed
awk 'f == 0 && /^```/ { f = 1; first = 1; print; next }
	f == 1 && /^```/ { f = 0; ex = 0; print; next }
	f == 1 && first { first = 0; if (index($0, "$ caltrace") == 1) ex = 1 }
	ex && !done && /^(fail|warn|info) +[a-z_]+  / { sub(/^(fail|warn|info) +[a-z_]+/, "&_changed"); done = 1 }
	{ print }' "$README" >"$R"
changed=$(grep -oE '^(fail|warn|info) +[a-z_]+_changed' "$R")
ok_if "negative: a finding code changed in the README copy ($changed)" "none changed" test -n "$changed"
expect_fail "negative: the comparer fails on the changed finding code" "$R" "$TMP/transcript" "${changed##* }"

# the first exit status of an example changed (0 -> 5, or N -> 0)
first_rc=$(grep -m1 -E '^\(exit status [0-9]+\)$' "$README")
case "$first_rc" in "(exit status 0)") new_rc="(exit status 5)" ;; *) new_rc="(exit status 0)" ;; esac
awk -v a="$first_rc" -v b="$new_rc" '!d && $0 == a { $0 = b; d = 1 } { print }' "$README" >"$R"
expect_fail "negative: an exit status changed ($first_rc -> $new_rc)" "$R" "$TMP/transcript" "exit status"

# a section header changed
awk '!d && $0 == "findings" { $0 = "findings and more"; d = 1 } { print }' "$README" >"$R"
expect_fail "negative: a section header changed" "$R" "$TMP/transcript" "section findings and more"

# a command changed
awk '!d && /^\$ caltrace .*rd1-n1/ { sub(/rd1-n1/, "rd1-n9"); d = 1 } { print }' "$README" >"$R"
expect_fail "negative: a command changed (n1 -> n9)" "$R" "$TMP/transcript" "{P}n9"

# the last example block removed
awk -v last="$nr" 'f == 0 && /^```/ { f = 1; first = 1; buf = $0; next }
	f == 1 && first { first = 0; if (index($0, "$ caltrace") == 1) { n++; ex = 1 } ; buf = buf "\n" $0; next }
	f == 1 && /^```/ { f = 0; if (!(ex && n == last)) print buf "\n" $0; ex = 0; next }
	f == 1 { buf = buf "\n" $0; next }
	{ print }' "$README" >"$R"
is "negative: the copy lost one example" "$(count_blocks "$R")" "$((nr - 1))"
expect_fail "negative: an example missing from the README" "$R" "$TMP/transcript" \
	"has $((nr - 1)) examples, the demo ran $nr"

# only 4 examples on both sides: agreeing, but too few to mean anything
awk 'f == 0 && /^```/ { f = 1; first = 1; buf = $0; next }
	f == 1 && first { first = 0; ex = (index($0, "$ caltrace") == 1); if (ex) n++; buf = buf "\n" $0; next }
	f == 1 && /^```/ { f = 0; if (!ex || n <= 4) print buf "\n" $0; ex = 0; next }
	f == 1 { buf = buf "\n" $0; next }
	{ print }' "$README" >"$R"
awk '/^\$ caltrace/ { n++ } n > 4 { exit } { print }' "$TMP/transcript" >"$TMP/t4"
is "negative: 4-example copies (README, transcript)" \
	"$(count_blocks "$R") $(grep -c '^\$ caltrace' "$TMP/t4")" "4 4"
expect_fail "negative: fewer than 5 examples fail even when they agree" "$R" "$TMP/t4" "fewer than 5"
printf '# nothing\n\nno examples here\n' >"$R"
expect_fail "negative: a README without examples fails" "$R" "$TMP/transcript" "has 0 examples"

# the transcript changed instead of the README: a finding code the demo did not print
awk '!d && /^(fail|warn) +[a-z_]+  / { sub(/^(fail|warn) +[a-z_]+/, "&_x"); d = 1 } { print }' \
	"$TMP/transcript" >"$TMP/t-bad"
expect_fail "negative: a changed finding code in the demo's output" "$README" "$TMP/t-bad" "_x"

# what varies from run to run does not count: MACs, numbers in table rows, pids, times
sed -E '/^\$ caltrace/! { /^[a-z ]+$/! s/[0-9a-f]{2}(:[0-9a-f]{2}){5}/02:00:00:00:00:01/g; /^[a-z ]+$/! s/  [0-9]+$/  987/; s#/proc/[0-9]+/#/proc/4242/#g; s/^[0-9:.]{15} /00:00:00.000000 / }' \
	"$README" >"$R"
ok_if "varying values changed in the README copy" "sed changed nothing" fails cmp -s "$R" "$README"
out=$("$CMP" check "$R" "$TMP/transcript" 2>&1)
is "the comparer ignores MACs, counters, pids and times" "$?" 0
[ -z "$out" ] || grep -q agree <<<"$out" || diag "$out"

# ---------------------------------------------------------------- the generator
cp "$README" "$R"
out=$("$CMP" update "$R" "$TMP/transcript" 2>&1)
is "update: exit 0" "$?" 0
out=$("$CMP" check "$R" "$TMP/transcript" 2>&1)
is "update: the rewritten README agrees with the run" "$?" 0
ok_if "update: the run's prefix is written as the README's (no '$P' left)" "'$P' in the README" \
	fails grep -qF "$P" "$R"
is "update: the prose and the other blocks are untouched" "$(prose "$R" | cksum)" "$(prose "$README" | cksum)"
is "update: as many examples as before" "$(count_blocks "$R")" "$nr"
# the example blocks now hold exactly the run's examples, its prefix written rd1-
awk 'f == 0 && /^```/ { f = 1; first = 1; next }
	f == 1 && /^```/ { f = 0; ex = 0; next }
	f == 1 && first { first = 0; ex = (index($0, "$ caltrace") == 1) }
	f == 1 && ex { print }' "$R" >"$TMP/blocks"
awk '/^\$ caltrace/ { ex = 1 } ex { print } /^\(exit status [0-9]+\)$/ { ex = 0 }' "$TMP/transcript" |
	sed "s/$P/rd1-/g" >"$TMP/examples"
ok_if "update: the example blocks are the run's examples, byte for byte ($(wc -l <"$TMP/blocks") lines)" \
	"$(diff "$TMP/blocks" "$TMP/examples" | head -n 20)" cmp -s "$TMP/blocks" "$TMP/examples"
# a block holding just its command is filled in
awk 'f == 0 && /^```/ { f = 1; first = 1; print; next }
	f == 1 && /^```/ { f = 0; ex = 0; print; next }
	f == 1 && first { first = 0; if (index($0, "$ caltrace") == 1) { n++; ex = (n == 2) }; print; next }
	f == 1 && ex { next }
	{ print }' "$README" >"$R"
ok_if "update: a stub block (just the command) does not check" "it did" fails quiet "$CMP" check "$R" "$TMP/transcript"
"$CMP" update "$R" "$TMP/transcript" >/dev/null 2>&1
out=$("$CMP" check "$R" "$TMP/transcript" 2>&1)
is "update: the stub block is filled and checks" "$?" 0
# a README whose command is not the demo's is refused and left as it was
awk '!d && /^\$ caltrace .*rd1-n1/ { sub(/rd1-n1/, "rd1-n9"); d = 1 } { print }' "$README" >"$R"
cp "$R" "$TMP/before"
out=$("$CMP" update "$R" "$TMP/transcript" 2>&1)
rc=$?
is "update: refuses a command that is not the demo's (exit 1)" "$rc" 1
ok_if "update: the refused README is unchanged" "it changed" cmp -s "$R" "$TMP/before"

done_testing
