#!/bin/bash
# IPv6 route dumps while routes change (issue 8, "Bounded input from outside"). The kernel's
# IPv6 dump restarts its walk when the tree changes and skips by count, so a dump can give a
# route twice (and skip others) without NLM_F_DUMP_INTR; `ip -6 route` shows the same. caltrace
# treats a repeated route as an interrupted dump: it retries, and after the retries raises
# dump_interrupted; it never passes a repeated route on.
#
# In a namespace of its own: a fixed set of routes (a few thousand /64s, fe80::/64 on two
# devices, one prefix appended on two devices with the same metric, a multipath route), and a
# churner adding and deleting random /64s in batches. While it runs, `caltrace -n NS routes -j`
# is asked again and again; the oracle for "no repeat" is jq counting keys in its JSON, and
# strace (outside caltrace) counts the IPv6 route dumps it asked for, which is how often the
# retry fired. `ip -6 route show table all`, asked as often, shows how often the kernel
# repeated a row. Whether the kernel repeats in a given run is chance: the retry counts are
# reported on "#" lines, never asserted; a repeated route in caltrace's output always fails.
# With the churn stopped, caltrace has exactly ip's routes (count and the legitimate same-key
# routes) and no dump_interrupted.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip
need_cmd jq
need_caltrace
RUNS=${CHURN_RUNS:-40}

NS="ct$$v6"
TMP=$(mktemp -d /tmp/caltrace-v6churn.XXXXXX)
CHURN_PID=""
# the churner stops at the end of a batch when asked (killing it would leave its ip running)
churn_stop() {
	[ -n "$CHURN_PID" ] || return 0
	: >"$TMP/stop"
	wait "$CHURN_PID" 2>/dev/null
	CHURN_PID=""
}
cleanup() {
	churn_stop
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || bail "ip netns add $NS"
in_ns "$NS" ip link set lo up
ip -n "$NS" link add v0 type veth peer name v1 || bail "ip link add v0"
ip -n "$NS" link set v0 up || bail "ip link set v0 up"
ip -n "$NS" link set v1 up || bail "ip link set v1 up"

# the fixed routes: 3000 /64s with three metrics, and what the kernel holds side by side
for i in $(seq 0 2999); do
	printf 'route add 2001:db8:%x:%x::/64 dev v0 metric %d\n' $((i >> 8)) $((i & 255)) $((1024 + i % 3))
done >"$TMP/fixed"
out=$(ip -n "$NS" -6 -batch "$TMP/fixed" 2>&1) || bail "ip -6 -batch (fixed routes)" "$out"
for r in "append 2001:db8:eeee::/64 dev v0 metric 5" "append 2001:db8:eeee::/64 dev v1 metric 5" \
	"add 2001:db8:ffff::/64 nexthop via fe80::1 dev v0 nexthop via fe80::2 dev v1" \
	"add 2001:db8:ffff::/64 dev v0 table 100"; do
	# shellcheck disable=SC2086 # words of a route on purpose
	ip -n "$NS" -6 route $r || bail "ip -6 route $r"
done

# the churn: 1500 random /64s (in 2001:db8:8000::/33, apart from the fixed ones) added, then
# deleted, in a loop
/usr/bin/awk 'BEGIN { srand(8); for (i = 0; i < 1500; i++)
	printf "route add 2001:db8:%x:%x::/64 dev v1 metric 7\n", 32768 + int(rand() * 32767), int(rand() * 65535) }' \
	>"$TMP/cadd" || bail "awk"
sed 's/^route add/route del/' "$TMP/cadd" >"$TMP/cdel"

# KEYS: one line per IPv6 route item, every field the kernel tells routes apart by
KEYS='.items[] | select(.family == "inet6") |
	"\(.table) \(.dst) \(.metric) \(.type) \(.dev) \(.gateway) \([.nexthops[]? | "\(.dev)/\(.gateway)"] | join(","))"'

have_strace=false
command -v strace >/dev/null 2>&1 && have_strace=true
$have_strace || diag "no strace: the retries are not counted"
# v6dumps FILE: the IPv6 route dump requests in a strace log (RTM_GETROUTE is 0x1a and
# AF_INET6 10; strace decodes neither for a socket of another namespace, hence both forms)
v6dumps() {
	grep -cE 'nlmsg_type=(RTM_GETROUTE|0x1a)[ ,].*(NLM_F_DUMP|0x300).*(rtm_family=AF_INET6|"\\x0a)' "$1"
}
# LeakSanitizer cannot run under ptrace: off for the traced runs of an ASan build (every
# fourth run goes untraced, leak checks included)
STRACE=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	strace -f -qq -v -xx -s 64 -e trace=sendmsg -o "$TMP/strace")

(
	while [ ! -e "$TMP/stop" ]; do
		ip -n "$NS" -6 -batch "$TMP/cadd" >/dev/null 2>&1
		ip -n "$NS" -6 -batch "$TMP/cdel" >/dev/null 2>&1
	done
) &
CHURN_PID=$!

bad=0 badwhy="" ran=0 traced=0 retried=0 retries=0 intr=0 ip_rep=0 exit_bad=0
for run in $(seq 1 "$RUNS"); do
	if $have_strace && [ $((run % 4)) != 0 ]; then
		traced=$((traced + 1))
		out=$("${STRACE[@]}" "$CALTRACE" -n "$NS" routes -j)
		rc=$?
		dumps=$(v6dumps "$TMP/strace")
	else
		out=$("$CALTRACE" -n "$NS" routes -j)
		rc=$?
		dumps=0 # not counted
	fi
	if ! json_valid "$out"; then
		bad=$((bad + 1))
		badwhy="$badwhy
run $run: exit $rc, not JSON: ${out:0:200}"
		continue
	fi
	ran=$((ran + 1))
	# exit 0, or 1 for findings (dump_interrupted among them when the retries ran out)
	n_find=$(json_get "$out" '.findings | length')
	if ! { [ "$rc" = 0 ] && [ "$n_find" = 0 ]; } && ! { [ "$rc" = 1 ] && [ "$n_find" -gt 0 ]; }; then
		exit_bad=$((exit_bad + 1))
	fi
	dup=$(json_get "$out" "$KEYS" | sort | uniq -d)
	if [ -n "$dup" ]; then
		bad=$((bad + 1))
		badwhy="$badwhy
run $run: repeated: $(printf '%s\n' "$dup" | head -n 3)"
	fi
	if [ "$dumps" -gt 1 ]; then
		retried=$((retried + 1))
		retries=$((retries + dumps - 1))
	fi
	if [ "$(json_get "$out" '[.findings[] | select(.code == "dump_interrupted")] | length')" != 0 ]; then
		intr=$((intr + 1))
	fi
	# the kernel's own behaviour, seen by ip
	if [ -n "$(ip -n "$NS" -6 route show table all 2>/dev/null | sort | uniq -d)" ]; then
		ip_rep=$((ip_rep + 1))
	fi
done
churn_stop

is "churn: $RUNS runs of routes -j while routes change, all JSON" "$ran" "$RUNS"
if [ "$bad" = 0 ]; then
	ok "churn: no IPv6 route repeated in any of caltrace's $ran outputs (jq counts the keys)"
else
	not_ok "churn: no IPv6 route repeated in any of caltrace's $ran outputs (jq counts the keys)" \
		"$bad bad runs:$badwhy"
fi
is "churn: each run exits 0 without findings or 1 with findings" "$exit_bad" 0
diag "ip -6 route show table all repeated a row in $ip_rep of $RUNS dumps"
if $have_strace; then
	diag "caltrace retried its IPv6 route dump in $retried of $traced traced runs ($retries retries in all);" \
		"dump_interrupted (the retries ran out) in $intr"
	# dump_interrupted only after retries (of the IPv6 dump, or for IPv4's mark), and a
	# run that was not traced may have retried too
	if [ "$intr" -le $((retried + ran - traced)) ]; then
		ok "churn: dump_interrupted ($intr runs) no more often than a retry could explain"
	else
		not_ok "churn: dump_interrupted ($intr runs) no more often than a retry could explain" \
			"$retried traced runs retried, $((ran - traced)) runs untraced"
	fi
fi
# the churn removes what it added: the table is the fixed set again
ip -n "$NS" -6 -batch "$TMP/cdel" >/dev/null 2>&1

# quiet: caltrace has ip's routes, the legitimate same-key ones included, and retries nothing
if $have_strace; then
	out=$("${STRACE[@]}" "$CALTRACE" -n "$NS" routes -j)
	rc=$?
	is "quiet: one IPv6 route dump, no retry (strace)" "$(v6dumps "$TMP/strace")" 1
else
	out=$("$CALTRACE" -n "$NS" routes -j)
	rc=$?
fi
is "quiet: routes -j exits 0, no dump_interrupted" \
	"$rc $(json_get "$out" '[.findings[] | select(.code == "dump_interrupted")] | length')" "0 0"
is "quiet: as many IPv6 routes as ip -6 -j route show table all" \
	"$(json_get "$out" '[.items[] | select(.family == "inet6")] | length')" \
	"$(ip -n "$NS" -6 -j route show table all | jq length)"
is "quiet: 2001:db8:eeee::/64 on v0 and on v1, metric 5 (appended: the same key but the device)" \
	"$(json_get "$out" '.items[] | select(.dst == "2001:db8:eeee::/64") | "\(.dev) \(.metric)"' | sort | xargs)" \
	"v0 5 v1 5"
is "quiet: fe80::/64 on v0 and on v1" \
	"$(json_get "$out" '.items[] | select(.dst == "fe80::/64" and .table == "main") | .dev' | sort | xargs)" \
	"$(ip -n "$NS" -6 -j route show fe80::/64 table main | jq -r '.[].dev' | sort | xargs)"
is "quiet: 2001:db8:ffff::/64 in main (two next hops) and in table 100" \
	"$(json_get "$out" '.items[] | select(.dst == "2001:db8:ffff::/64") | "\(.table) \(.nexthops // [] | length)"' | sort | xargs)" \
	"100 0 main 2"

done_testing
