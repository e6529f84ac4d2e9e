#!/bin/bash
# Bad input: each gives the documented exit status (caltrace(1), EXIT STATUS: 2 usage error,
# 3 could not gather), exactly one line on standard error naming the culprit, and nothing on
# standard output (no partial document), in text and in JSON mode. Also a kubectl that never
# answers (tests/stubs/kubectl-hang) with --timeout, veth-name against Calico's own test vector,
# and a snapshot whose link name carries terminal escapes. No lab needed.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd jq
need_caltrace

TMP=$(mktemp -d /tmp/caltrace-errors.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FIX="$TOP/tests/fixtures"
ESC=$'\x1b'

# run OUTPREFIX ARGS...: caltrace with a deadline; sets RC, OUT (stdout bytes), ERR (stderr)
run() {
	local o=$1
	shift
	timeout 20 "$CALTRACE" "$@" >"$o.out" 2>"$o.err"
	RC=$?
	ERR=$(cat "$o.err")
}

# bad NAME EXPECTED_EXITS NAMES ARGS...: EXPECTED_EXITS is "2" or "2|3"; NAMES a string the one
# stderr line must contain. Runs the command as given and, unless NOJSON is set, with -j first.
bad() {
	local name=$1 exits=$2 names=$3 variant args
	shift 3
	for variant in text json; do
		args=("$@")
		if [ "$variant" = json ]; then
			[ -z "${NOJSON:-}" ] || continue
			args=(-j "$@")
		fi
		run "$TMP/c" "${args[@]}"
		local lines named exitok
		lines=$(wc -l <"$TMP/c.err")
		# a last line without a newline still counts
		[ -z "$ERR" ] || [ "$(tail -c 1 "$TMP/c.err" | od -An -c | tr -d ' ')" = '\n' ] || lines=$((lines + 1))
		case "$ERR" in *"$names"*) named=yes ;; *) named=no ;; esac
		case "|$exits|" in *"|$RC|"*) exitok=$exits ;; *) exitok="$RC" ;; esac
		is "$name ($variant): exit $exits, one stderr line naming '$names', stdout empty" \
			"exit=$exitok lines=$lines named=$named stdout=$(wc -c <"$TMP/c.out")" \
			"exit=$exits lines=1 named=yes stdout=0"
		if [ "$named" != yes ] || [ "$lines" != 1 ]; then diag "stderr: $ERR"; fi
	done
}

bad "unknown command" 2 "frobnicate" frobnicate
bad "unknown option" 2 "--frobnicate" --frobnicate links
bad "option prefix --jso" 2 "--jso" --jso links
bad "--color sometimes" 2 "sometimes" --color sometimes links
bad "routes not-a-prefix" 2 "not-a-prefix" routes not-a-prefix
bad "--prefix ''" 2 "prefix" --prefix '' links
bad "-n nosuchns-$$" 3 "nosuchns-$$" -n "nosuchns-$$" links
bad "-n pid:999999999" "2|3" "999999999" -n pid:999999999 links
bad "--from /nonexistent" 3 "/nonexistent" --from /nonexistent links
n=0
for f in "$FIX"/bad/*; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	bad "--from bad/$(basename "$f") links" 3 "$f" --from "$f" links
done
[ "$n" -gt 0 ] || not_ok "tests/fixtures/bad has files"
bad "--from ipip-node.json -n nosuch neigh" 3 "'nosuch'" --from "$FIX/ipip-node.json" -n nosuch neigh
bad "links nosuchif0" 3 "nosuchif0" links nosuchif0
bad "neigh nosuchif0" 3 "nosuchif0" neigh nosuchif0
bad "--pods /nonexistent" 3 "/nonexistent" --pods /nonexistent links
NOJSON=1 bad "veth-name nope" 2 "nope" veth-name nope

# veth-name: Calico's own test vector (libcalico-go's VethNameForWorkload, default/podA)
run "$TMP/v" veth-name default/podA
is "veth-name default/podA: cali7f94ce7c295, exit 0, stderr empty" \
	"$(cat "$TMP/v.out") $RC [$ERR]" "cali7f94ce7c295 0 []"

# ---------------------------------------------------------------- kubectl that never answers
STUB="$TMP/stub"
mkdir -p "$STUB"
ln -s "$TOP/tests/stubs/kubectl-hang" "$STUB/kubectl"
rm -f "$TMP/hang.pid"
t0=$(now_ms)
CT_STUB_PIDFILE="$TMP/hang.pid" PATH="$STUB:$PATH" timeout 30 "$CALTRACE" --pods kubectl --timeout 1 links \
	>"$TMP/h.out" 2>"$TMP/h.err"
RC=$?
ms=$(($(now_ms) - t0))
is "--pods kubectl (hangs) --timeout 1: exit 3, one stderr line naming kubectl, stdout empty" \
	"exit=$RC lines=$(wc -l <"$TMP/h.err") named=$(grep -q kubectl "$TMP/h.err" && echo yes || echo no) stdout=$(wc -c <"$TMP/h.out")" \
	"exit=3 lines=1 named=yes stdout=0"
# the timeout is honoured (not cut short); the upper bound only says it does not hang (10x)
ok_if "--pods kubectl (hangs) --timeout 1: waits its second, does not hang (took $ms ms: 900 ms to 10 s)" \
	"took $ms ms" test "$ms" -ge 900 -a "$ms" -lt 10000
pg=$(cat "$TMP/hang.pid" 2>/dev/null)
if [ -z "$pg" ]; then
	not_ok "--pods kubectl (hangs): the stub ran (wrote its pid)" "no pid file: caltrace did not run kubectl from PATH?"
else
	# live (not zombie) processes of the stub's process group: the shell and its sleep 600
	alive() { ps -e -o pgid=,stat=,pid=,args= | awk -v g="$pg" '$1 == g && $2 !~ /^Z/'; }
	none_alive() { [ -z "$(alive)" ]; }
	if wait_until 10 none_alive; then
		ok "--pods kubectl (hangs): its whole process group (shell and sleep 600) is gone"
	else
		not_ok "--pods kubectl (hangs): its whole process group (shell and sleep 600) is gone" "$(alive)"
		ps -e -o pgid=,pid= | awk -v g="$pg" '$1 == g {print $2}' | xargs -r kill -9 2>/dev/null
	fi
fi

# ---------------------------------------------------------------- escapes in a snapshot
EF="$TMP/esc.json"
victim=$(jq -r '[.netns[0].links[] | select(.name | startswith("cali"))][0].name' "$FIX/ipip-node.json")
jq --arg v "$victim" '(.netns[0].links[] | select(.name == $v) | .name) |= "cali\u001b[31mX"' \
	"$FIX/ipip-node.json" >"$EF"
is "escape fixture: the copy has a raw ESC in a link name (jq)" \
	"$(jq -r '.netns[0].links[].name' "$EF" | grep -c "$ESC")" 1
run "$TMP/e" --from "$EF" --color never links
if [ "$RC" = 3 ]; then
	is "snapshot with ESC in a link name: rejected with one stderr line, no raw ESC in it" \
		"$(wc -l <"$TMP/e.err") $(grep -c "$ESC" "$TMP/e.err")" "1 0"
else
	for cmd in links routes tunnel neigh; do
		run "$TMP/e" --from "$EF" --color never "$cmd"
		is "snapshot with ESC in a link name: $cmd loads (exit 0/1), no raw ESC on stdout or stderr" \
			"$(case $RC in 0 | 1) echo ok ;; *) echo "exit $RC" ;; esac) $(grep -c "$ESC" "$TMP/e.out") $(grep -c "$ESC" "$TMP/e.err")" "ok 0 0"
	done
	run "$TMP/e" --from "$EF" links -j
	rcj=$RC
	exit_agrees "snapshot with ESC in a link name: links -j exits as its findings say" "$RC" "$(cat "$TMP/e.out")"
	is "snapshot with ESC in a link name: links -j escapes it (JSON name as the file has it, no raw ESC)" \
		"$(grep -c "$ESC" "$TMP/e.out") $(jq -r '.items[].name' "$TMP/e.out" | grep -c "$ESC")" "0 1"
	run "$TMP/e" --from "$EF" --color never links
	is "snapshot with ESC in a link name: text links exits as links -j does" "$RC" "$rcj"
	ok_if "snapshot with ESC in a link name: text links still lists the link (escaped)" \
		"no line with cali...31mX in: $(head -c 600 "$TMP/e.out")" grep -q '^cali.*31mX ' "$TMP/e.out"
fi

done_testing
