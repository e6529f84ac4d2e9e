# shellcheck shell=bash
# Helpers for the integration scripts in tests/integration (bash). Source it first thing:
#
#   . "$(dirname "$0")/../lib.sh"
#   need_root
#   lab_up bgp || bail "lab up failed"      # the lab goes down on exit, whatever happens
#   json_eq "links: web-1's cali is up" "$("$CALTRACE" -n "$LAB_N1" links --json)" \
#       '.items[] | select(.name == "'"$LAB_POD_1_VETH"'") | .state' up
#   done_testing
#
# Output is TAP: each check prints one line starting exactly "ok " or "not ok " (tests/run.sh
# counts them), details go on "#" lines, and done_testing prints the plan "1..N" last;
# tests/run.sh also fails a script that exits non-zero without a "not ok", prints no plan or
# fewer results than it planned.
# Compare caltrace against independent oracles (ip -j, birdc, tshark, the kernel), never
# against its own earlier output.
#
# Scripts run under `set -u -o pipefail` (each script says so first; sourcing this file sets
# it too). Capture a caltrace command's output first and assert its exit status on its own
# (0 healthy, 1 findings, 2 usage, 3 could not gather), then search the output:
#
#   out=$("$CALTRACE" -n "$LAB_N1" -j links); rc=$?
#   is "links: healthy node, exit 0" "$rc" 0
#
# never `"$CALTRACE" ... | grep -q` or `| head`: the reader closing early kills caltrace with
# SIGPIPE, and under pipefail an exit 1 for findings fails the pipe.
set -u -o pipefail

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$TESTS_DIR/.." && pwd)
LAB="$TESTS_DIR/lab/lab.sh"
# the binary under test: tests/run.sh exports CALTRACE_ABS; alone, ./caltrace at the top
if [ -n "${CALTRACE_ABS:-}" ]; then
	CALTRACE=$CALTRACE_ABS
else
	case "${CALTRACE:-}" in
	"") CALTRACE="$TOP/caltrace" ;;
	/*) ;;
	*) CALTRACE="$TOP/$CALTRACE" ;;
	esac
fi
export CALTRACE
# lab modes the scripts loop over (tests/run.sh exports it)
[ -n "${LAB_MODES:-}" ] || LAB_MODES_DEFAULT=1 # no modes named: a script may add its own
LAB_MODES=${LAB_MODES:-bgp vxlan}
# every lab a script brings up gets a prefix unique to this run: ct<pid><letter>-
LAB_SEQ=0
LAB_UP_LIST=""
T_N=0
T_FAIL=0

# ---------------------------------------------------------------- TAP
ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}

# not_ok NAME [WHY]: WHY may hold several lines; each becomes a "#" line
not_ok() {
	T_N=$((T_N + 1))
	T_FAIL=$((T_FAIL + 1))
	echo "not ok $T_N - $1"
	[ -z "${2:-}" ] || sed -n '1,40s/^/#   /p' <<<"$2"
	return 0
}

skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP ${2:-}"
}

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# ok_if NAME WHY CONDITION...: runs the condition command (its stdout is dropped), reports it
ok_if() {
	local name=$1 why=$2
	shift 2
	if "$@" >/dev/null; then ok "$name"; else not_ok "$name" "$why"; fi
}

# check NAME COMMAND...: ok when the command exits 0; its output is shown when it does not
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name" "exit $? from: $*
$out"
	fi
}

# check_fails NAME COMMAND...: ok when the command exits non-zero
check_fails() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		not_ok "$name" "succeeded but should not: $*
$out"
	else
		ok "$name"
	fi
}

# is NAME GOT EXPECTED
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:      '$2'
expected: '$3'"
	fi
}

# the whole file cannot run: a TAP plan that skips everything
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# stop here: something a later check needs is missing; counts as a failure
bail() {
	not_ok "${1:-bail out}" "${2:-}"
	done_testing
	exit 1
}

done_testing() {
	echo "1..$T_N"
	[ "$T_FAIL" = 0 ]
}

need_root() { [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces)"; }

# need_cmd CMD...: skip the whole file when a tool is missing
need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip_all "'$c' is not installed (make deps)"; done
}

# need_tool NAME: the path of test tool tests/tools/NAME.c as make builds it (into $TOOLS_DIR:
# build/tests, or build-asan/tests under make asan); built when missing; a tool that cannot be
# built is a failure of the script, not a skip.
# Use: TOOL=$(need_tool rtnltool) || bail "build tests/tools/rtnltool.c" "$TOOL"
TOOLS_DIR=${TOOLS_DIR:-$TOP/build/tests}
need_tool() {
	local t=$TOOLS_DIR/$1 out
	# a tool of the default build folder is made every time (make is quick when it is up to date:
	# a stale tool gives stale answers); one elsewhere (TOOLS_DIR) only when it is missing
	if [ ! -x "$t" ] || [ "$TOOLS_DIR" = "$TOP/build/tests" ]; then
		out=$(make -s -C "$TOP" "${t#"$TOP"/}" 2>&1) || {
			echo "cannot build $t: $(printf '%s' "$out" | tail -n 1)"
			return 1
		}
	fi
	echo "$t"
}

# need_caltrace: skip the whole file when the binary under test is not built
need_caltrace() { [ -x "$CALTRACE" ] || skip_all "no caltrace binary at '$CALTRACE' (make)"; }

now_ms() { date +%s%3N; }

# wait_until SECONDS COMMAND...: polls every 0.1 s; 0 once the command succeeds
wait_until() {
	local limit end
	limit=$1
	shift
	end=$(($(now_ms) + limit * 1000))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# ---------------------------------------------------------------- the lab
# lab_up MODE [PREFIX]: brings a lab up, removes it on exit, and evals `lab.sh env` so the
# LAB_* variables describe it. Returns non-zero (lab half-built and removed) on failure; the
# output of lab.sh goes to "#" lines.
lab_up() {
	local mode=$1 prefix=${2:-} out rc
	if [ -z "$prefix" ]; then
		LAB_SEQ=$((LAB_SEQ + 1))
		prefix="ct$$$(printf '%x' "$LAB_SEQ")-"
	fi
	if [ -z "$LAB_UP_LIST" ]; then
		trap 'lab_cleanup' EXIT
		trap 'exit 129' HUP
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
	LAB_UP_LIST="$LAB_UP_LIST $prefix"
	out=$("$LAB" up "$mode" "$prefix" 2>&1)
	rc=$?
	[ -z "$out" ] || diag "$out"
	[ "$rc" = 0 ] || return "$rc"
	eval "$("$LAB" env "$prefix")"
}

# lab_down [PREFIX]: the current lab by default
lab_down() {
	local prefix=${1:-${LAB_PREFIX:-}} out rc
	[ -n "$prefix" ] || return 0
	out=$("$LAB" down "$prefix" 2>&1)
	rc=$?
	[ -z "$out" ] || diag "$out"
	# shellcheck disable=SC2086 # a list of words
	LAB_UP_LIST=$(printf '%s\n' $LAB_UP_LIST | grep -vxF -- "$prefix" | xargs)
	return "$rc"
}

lab_cleanup() {
	local rc=$? p
	for p in $LAB_UP_LIST; do "$LAB" down "$p" >/dev/null 2>&1 || echo "# lab.sh down $p failed"; done
	LAB_UP_LIST=""
	[ -z "${AT_EXIT:-}" ] || eval "$AT_EXIT"
	AT_EXIT=""
	return "$rc"
}

# at_exit 'COMMAND': run at exit, after the labs are down (lab_up's own EXIT trap keeps it)
at_exit() {
	AT_EXIT="${AT_EXIT:-}${AT_EXIT:+; }$1"
	trap 'lab_cleanup' EXIT
}

# lab_fault NAME on|off: in the current lab
lab_fault() {
	local out
	out=$("$LAB" fault "$1" "$2" "$LAB_PREFIX" 2>&1) || {
		diag "$out"
		return 1
	}
}

# lab_var NAME: the value of a LAB_* variable by computed name, e.g. $(lab_var "LAB_POD_${i}_IP")
lab_var() { printf '%s' "${!1:-}"; }

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# pings SRC_NS DST: one echo, two seconds
pings() { ip netns exec "$1" ping -n -q -c 1 -W "${PING_WAIT:-2}" "$2" >/dev/null 2>&1; }

# ---------------------------------------------------------------- captures
# capture_start NS IFACE FILE COUNT SECONDS 'BPF FILTER': tcpdump in the background, returns
# once it listens; sets CAPTURE_PID. The capture ends after COUNT packets or SECONDS.
capture_start() {
	local ns=$1 dev=$2 file=$3 count=$4 secs=$5 filter=$6 _
	rm -f "$file" "$file.err"
	ip netns exec "$ns" timeout "$secs" tcpdump -Z root -nn -U -i "$dev" -c "$count" -w "$file" \
		"$filter" 2>"$file.err" &
	CAPTURE_PID=$!
	for _ in $(seq 100); do
		grep -q 'listening on' "$file.err" 2>/dev/null && return 0
		kill -0 "$CAPTURE_PID" 2>/dev/null || break
		sleep 0.05
	done
	diag "tcpdump did not start: $(cat "$file.err" 2>/dev/null)"
	return 1
}

capture_wait() { wait "$CAPTURE_PID" 2>/dev/null || true; }

# tshark_fields FILE 'DISPLAY FILTER' FIELD...: one line per packet, fields tab-separated
tshark_fields() {
	local file=$1 filter=$2 args=() f
	shift 2
	for f in "$@"; do args+=(-e "$f"); done
	tshark -n -r "$file" -Y "$filter" -T fields -E separator=/t "${args[@]}" 2>/dev/null
}

# ---------------------------------------------------------------- JSON (jq)
# json_get JSON FILTER: jq -r over the text
json_get() { printf '%s' "$1" | jq -r "$2" 2>/dev/null; }

json_valid() { printf '%s' "$1" | jq -e . >/dev/null 2>&1; }

# json_eq NAME JSON FILTER EXPECTED: ok when `jq -r FILTER` prints exactly EXPECTED
json_eq() {
	local got
	if ! json_valid "$2"; then
		not_ok "$1" "not JSON: ${2:0:400}"
		return
	fi
	got=$(json_get "$2" "$3")
	if [ "$got" = "$4" ]; then
		ok "$1"
	else
		not_ok "$1" "jq '$3'
got:      '$got'
expected: '$4'"
	fi
}

# json_ok NAME JSON FILTER: ok when `jq -e FILTER` is true (not false or null)
json_ok() {
	if printf '%s' "$2" | jq -e "$3" >/dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1" "jq -e '$3' is false or fails on: ${2:0:400}"
	fi
}

# exit_agrees NAME RC JSON: ok when a caltrace exit status RC says what the document's findings
# say: 1 with a warn or fail finding, 0 without (info findings never count)
exit_agrees() {
	local want
	if ! json_valid "$3"; then
		not_ok "$1" "exit $2, not JSON: ${3:0:400}"
		return
	fi
	want=$(json_get "$3" '[.findings[]? | select(.severity == "warn" or .severity == "fail")] |
		if length > 0 then 1 else 0 end')
	is "$1" "exit $2" "exit $want"
}
