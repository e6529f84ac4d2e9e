#!/bin/bash
# The event source (probes/events.c, driven by tests/tools/evtest.c) against `ip monitor label
# all-nsid` run in the same namespace at the same time: the independent oracle. In namespaces this
# script creates (ct<pid>e-node, -pod behind a veth, -other: unrelated but given an nsid), it adds
# and removes a veth, a route, an address, a neighbour, an FDB entry and a rule, changes sysctls,
# and changes things in the pod and the unrelated namespace. The event source must report every
# event ip monitor reports, with the same nsid, category and add/delete, except the unrelated
# namespace's, which it must drop.
# Then the proof that an event-fed model equals a dump (probes/live.c, driven by
# tests/tools/livecmp.c): over 10,000 changes in a node namespace and its pod, once with a receive
# buffer large enough (no resync allowed) and once with a small one (at least one ENOBUFS resync,
# the user told), each time the model kept by events must equal a fresh full gather field by field
# (livecmp's header lists the fields left out: counters, neighbour states, polled values). A
# negative check drops one route's events on purpose and must see the difference.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq

P="ct$$e-"
NODE=${P}node
POD=${P}pod
OTHER=${P}other
TMPD=$(mktemp -d /tmp/caltrace-events.XXXXXX)
PIDS=""
cleanup() {
	local rc=$? p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	for p in "$NODE" "$POD" "$OTHER" "${P}lnode" "${P}lpod"; do ip netns del "$p" 2>/dev/null; done
	rm -rf "$TMPD"
	return "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the tool
EVTEST=$(need_tool evtest) || bail "build tests/tools/evtest.c" "$EVTEST"
LIVECMP=$(need_tool livecmp) || bail "build tests/tools/livecmp.c" "$LIVECMP"

# ---------------------------------------------------------------- the namespaces
out=$(
	set -e
	ip netns add "$NODE"
	ip netns add "$POD"
	ip netns add "$OTHER"
	ip -n "$NODE" link set lo up
	ip -n "$NODE" link add cali0123456789a type veth peer name eth0 netns "$POD"
	ip -n "$NODE" link set cali0123456789a up
	ip -n "$POD" link set eth0 up
	ip -n "$NODE" netns set "$OTHER" 77
	ip -n "$NODE" link add ${P}br type bridge
	ip -n "$NODE" link add ${P}b0 type veth peer name ${P}b1
	ip -n "$NODE" link set ${P}b0 master ${P}br
	ip -n "$NODE" link set ${P}br up
	ip -n "$NODE" link set ${P}b0 up
	ip -n "$NODE" route add default via 192.0.2.1 dev cali0123456789a onlink
	2>&1
) || bail "namespaces up" "$out"
# the oracle for namespace ids
ids=$(ip -n "$NODE" netns list-id)
POD_ID=$(printf '%s\n' "$ids" | sed -n "s/^nsid \([0-9]*\) (iproute2 netns name: $POD)\$/\1/p")
OTHER_ID=$(printf '%s\n' "$ids" | sed -n "s/^nsid \([0-9]*\) (iproute2 netns name: $OTHER)\$/\1/p")
is "the pod and the unrelated namespace have ids in the node (ip netns list-id)" \
	"$([ -n "$POD_ID" ] && echo yes) ${OTHER_ID:-}" "yes 77"

# ---------------------------------------------------------------- listen, act, stop
"$EVTEST" -n "$NODE" -w "$POD" >"$TMPD/ev" 2>"$TMPD/ev.err" &
EV_PID=$!
PIDS="$PIDS $EV_PID"
ip -n "$NODE" monitor label all-nsid >"$TMPD/mon" 2>"$TMPD/mon.err" &
MON_PID=$!
PIDS="$PIDS $MON_PID"
wait_until 10 grep -qx ready "$TMPD/ev.err" || bail "evtest started" "$(cat "$TMPD/ev.err")"
sleep 0.5 # ip monitor has no ready signal: it subscribes within milliseconds

# a marker both must report before and after the actions: the comparison window
marker() { ip -n "$NODE" route add blackhole "$1"; }
seen_both() { grep -q "key=254:$1" "$TMPD/ev" && grep -q "blackhole ${1%/32} " "$TMPD/mon"; }
marker 10.254.0.1/32
wait_until 10 seen_both 10.254.0.1/32 || bail "both listeners hear the start marker" \
	"$(cat "$TMPD/ev" "$TMPD/mon")"

act() { ip "$@" || echo "failed: ip $*" >>"$TMPD/act.err"; }
: >"$TMPD/act.err"
# node: veth add/remove, route, address, neighbour, FDB, rule, sysctls
act -n "$NODE" link add ${P}v0 type veth peer name ${P}v1
act -n "$NODE" link set ${P}v0 up
act -n "$NODE" route add 10.20.0.0/16 via 192.0.2.1 dev cali0123456789a onlink
act -n "$NODE" route del 10.20.0.0/16
act -n "$NODE" addr add 10.30.0.1/24 dev ${P}v0
act -n "$NODE" addr del 10.30.0.1/24 dev ${P}v0
act -n "$NODE" neigh add 10.40.0.9 lladdr 02:00:00:00:40:09 dev cali0123456789a
act -n "$NODE" neigh del 10.40.0.9 dev cali0123456789a
act -n "$NODE" -4 rule add prio 1000 table 100
act -n "$NODE" -4 rule del prio 1000 table 100
bridge -n "$NODE" fdb add 02:00:00:00:50:01 dev ${P}b0 master static || echo "failed: fdb add" >>"$TMPD/act.err"
bridge -n "$NODE" fdb del 02:00:00:00:50:01 dev ${P}b0 master static || echo "failed: fdb del" >>"$TMPD/act.err"
ip netns exec "$NODE" sysctl -qw net.ipv4.conf.cali0123456789a.rp_filter=2 || echo "failed: sysctl" >>"$TMPD/act.err"
ip netns exec "$NODE" sysctl -qw net.ipv4.conf.cali0123456789a.proxy_arp=1 || echo "failed: sysctl" >>"$TMPD/act.err"
ip netns exec "$NODE" sysctl -qw net.ipv4.conf.cali0123456789a.forwarding=1 || echo "failed: sysctl" >>"$TMPD/act.err"
act -n "$NODE" link del ${P}v0
# the pod: an address, a route, a link going down and up
act -n "$POD" addr add 172.16.5.5/32 dev eth0
act -n "$POD" route add 169.254.1.1 dev eth0 scope link
act -n "$POD" route add 10.60.0.0/16 via 169.254.1.1 dev eth0
act -n "$POD" link set eth0 down
act -n "$POD" link set eth0 up
# the unrelated namespace: heard by ip monitor (it has an id), dropped by the event source
act -n "$OTHER" link set lo up
act -n "$OTHER" route add blackhole 10.70.0.0/16
marker 10.254.0.2/32
wait_until 20 seen_both 10.254.0.2/32 || bail "both listeners hear the end marker" \
	"$(tail -n 5 "$TMPD/ev" "$TMPD/mon")"
kill "$EV_PID" "$MON_PID"
wait "$EV_PID"
ev_rc=$?
wait "$MON_PID" 2>/dev/null
PIDS=""
is "every action succeeded" "$(cat "$TMPD/act.err")" ""
is "evtest stopped cleanly at SIGTERM" "$ev_rc" 0
diag "$(grep '^stats' "$TMPD/ev")"

# ---------------------------------------------------------------- compare
# the window between the markers, as "nsid=X cat=C del=D" lines
win_ev() {
	sed -n '/key=254:10.254.0.1\/32/,/key=254:10.254.0.2\/32/p' "$TMPD/ev" | sed '1d;$d' |
		grep '^ev ' | sed 's/^ev \(nsid=[^ ]*\) ns=[^ ]* \(cat=[A-Z]*\) \(del=[01]\).*/\1 \2 \3/'
}
win_mon() {
	sed -n '/blackhole 10\.254\.0\.1 /,/blackhole 10\.254\.0\.2 /p' "$TMPD/mon" | sed '1d;$d' |
		grep '^\[nsid ' |
		sed -n 's/^\[nsid \([^]]*\)\]\[\([A-Z]*\)\]\(Deleted \)\{0,1\}.*/nsid=\1 cat=\2 del=\3/p' |
		sed 's/del=Deleted $/del=1/; s/del=$/del=0/' |
		grep -E 'cat=(LINK|ADDR|ROUTE|NEIGH|RULE|NETCONF|NSID) '
}
ev_lines=$(win_ev | sort)
mon_all=$(win_mon | sort)
mon_other=$(printf '%s\n' "$mon_all" | grep -c "^nsid=$OTHER_ID ")
mon_kept=$(printf '%s\n' "$mon_all" | grep -v "^nsid=$OTHER_ID ")
diag "ip monitor: $(printf '%s\n' "$mon_all" | grep -c .) events in the window, $mon_other from the unrelated namespace"
ok_if "ip monitor heard the unrelated namespace (so dropping it is the source's doing)" \
	"no [nsid $OTHER_ID] lines" [ "$mon_other" -ge 2 ]
is "no event from the unrelated namespace kept" "$(printf '%s\n' "$ev_lines" | grep -c "^nsid=$OTHER_ID ")" 0
if [ "$ev_lines" = "$mon_kept" ]; then
	ok "the same events as ip monitor all-nsid (nsid, category, add/delete): $(printf '%s\n' "$ev_lines" | grep -c .)"
else
	not_ok "the same events as ip monitor all-nsid (nsid, category, add/delete)" \
		"$(diff <(printf '%s\n' "$mon_kept") <(printf '%s\n' "$ev_lines") | head -n 30)"
fi
# counts per category and source, for a readable failure
for cat in LINK ADDR ROUTE NEIGH RULE NETCONF; do
	for src in current "$POD_ID"; do
		m=$(printf '%s\n' "$mon_kept" | grep -c "^nsid=$src cat=$cat ")
		e=$(printf '%s\n' "$ev_lines" | grep -c "^nsid=$src cat=$cat ")
		[ "$m" = 0 ] && [ "$e" = 0 ] && continue
		is "$cat events from nsid $src: as many as ip monitor ($m)" "$e" "$m"
	done
done

# particular events, named by what they are about, with the namespace the source mapped them to
has_ev() { grep -qE "$1" "$TMPD/ev"; }
ok_if "node: the veth added and removed" "newlink/dellink ${P}v0" \
	has_ev "ns=node cat=LINK del=0 type=newlink key=[0-9]+:${P}v0\$"
ok_if "node: the veth removed" "dellink ${P}v0" has_ev "ns=node cat=LINK del=1 type=dellink key=[0-9]+:${P}v0\$"
ok_if "node: route add and delete" "10.20.0.0/16" has_ev "ns=node cat=ROUTE del=1 type=delroute key=254:10.20.0.0/16"
ok_if "node: address add and delete" "10.30.0.1/24" has_ev "ns=node cat=ADDR del=1 type=deladdr key=[0-9]+:10.30.0.1/24"
ok_if "node: neighbour add" "10.40.0.9" has_ev "ns=node cat=NEIGH del=0 type=newneigh key=[0-9]+:ip:10.40.0.9"
ok_if "node: FDB entry (AF_BRIDGE neighbour) add and delete" "bridge" \
	has_ev "ns=node cat=NEIGH del=1 type=delneigh key=[0-9]+:bridge:"
ok_if "node: rule add and delete" "prio 1000" has_ev "ns=node cat=RULE del=1 type=delrule key=1000"
cali_idx=$(ip -n "$NODE" -o link show cali0123456789a | cut -d: -f1)
n_conf=$(grep -c "ns=node cat=NETCONF del=0 type=newnetconf key=$cali_idx\$" "$TMPD/ev")
is "node: a netconf event for each of rp_filter, proxy_arp, forwarding on the cali link" "$n_conf" 3
ok_if "pod: route with the pod's nsid and name" "10.60.0.0/16" \
	has_ev "^ev nsid=$POD_ID ns=$POD cat=ROUTE del=0 type=newroute key=254:10.60.0.0/16"
ok_if "pod: address with the pod's nsid" "172.16.5.5" \
	has_ev "^ev nsid=$POD_ID ns=$POD cat=ADDR del=0 type=newaddr key=[0-9]+:172.16.5.5/32"
ok_if "unrelated: its route was dropped" "10.70.0.0/16" eval '! has_ev "10.70.0.0/16"'
foreign=$(sed -n 's/^stats .* foreign=\([0-9]*\) .*/\1/p' "$TMPD/ev")
is "the source counted the unrelated namespace's events as foreign" "$foreign" "$mon_other"
ip netns del "$NODE"
ip netns del "$POD"
ip netns del "$OTHER"

# ---------------------------------------------------------------- proof: events = dump
LN=${P}lnode
LP=${P}lpod
NV=150 # veth pairs added; 100 of them removed again
out=$(
	set -e
	ip netns add "$LN"
	ip netns add "$LP"
	# tentative IPv6 addresses are announced only once DAD completes, which could fall between
	# the last event read and the fresh dump; without DAD they are announced at once
	for ns in "$LN" "$LP"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		ip -n "$ns" link set lo up
	done
	ip -n "$LN" link add cali0123456789a type veth peer name eth0 netns "$LP"
	ip -n "$LN" link set cali0123456789a up
	ip -n "$LP" link set eth0 up
	ip -n "$LN" route add default via 192.0.2.1 dev cali0123456789a onlink
	ip -n "$LN" link add ${P}br type bridge
	ip -n "$LN" link set ${P}br up
	2>&1
) || bail "proof: namespaces up" "$out"

# the burst: route adds and deletes, veth adds and deletes, forwarding / rp_filter / proxy_arp
# changes, addresses, neighbours, FDB entries, rules, in the node and the pod; prints the count
write_burst() {
	local dir=$1 i j n=0
	: >"$dir/node.batch"
	: >"$dir/pod.batch"
	: >"$dir/sysctl.sh"
	for i in $(seq 0 3999); do
		echo "route add 10.100.$((i / 250)).$((i % 250))/32 dev cali0123456789a" >>"$dir/node.batch"
	done
	for i in $(seq 0 2999); do
		echo "route del 10.100.$((i / 250)).$((i % 250))/32 dev cali0123456789a" >>"$dir/node.batch"
	done
	n=$((n + 7000))
	for i in $(seq 1 $NV); do
		echo "link add ${P}a$i type veth peer name ${P}b$i"
		echo "link set ${P}a$i up"
		echo "link set ${P}b$i up"
		echo "addr add 10.101.$i.1/24 dev ${P}a$i"
	done >>"$dir/node.batch"
	n=$((n + NV * 4))
	for i in $(seq 1 20); do
		echo "link set ${P}b$i master ${P}br"
		echo "neigh add 10.101.$i.9 lladdr 02:00:00:00:01:$(printf '%02x' "$i") dev ${P}a$i"
		echo "rule add prio $((1000 + i)) table $((100 + i))"
	done >>"$dir/node.batch"
	n=$((n + 60))
	for i in $(seq 1 200); do
		echo "route add 10.102.$((i / 250)).$((i % 250))/32 via 169.254.1.1 dev eth0 onlink"
	done >>"$dir/pod.batch"
	for i in $(seq 1 50); do
		echo "route del 10.102.0.$i/32"
	done >>"$dir/pod.batch"
	echo "addr add 172.16.7.7/32 dev eth0" >>"$dir/pod.batch"
	n=$((n + 251))
	# sysctls: each write is one change; values move so the kernel announces them
	for j in 1 2 3 4 5 6; do
		for i in $(seq 1 $NV); do
			echo "echo $((j % 2)) > /proc/sys/net/ipv4/conf/${P}a$i/forwarding"
			echo "echo $((j % 3)) > /proc/sys/net/ipv4/conf/${P}a$i/rp_filter"
			echo "echo $((j % 2)) > /proc/sys/net/ipv4/conf/${P}b$i/proxy_arp"
		done
	done >>"$dir/sysctl.sh"
	n=$((n + 6 * NV * 3))
	{
		echo "echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter"
		echo "echo 1 > /proc/sys/net/ipv4/conf/all/proxy_arp"
		echo "echo 1 > /proc/sys/net/ipv4/conf/cali0123456789a/proxy_arp"
		echo "echo 1 > /proc/sys/net/ipv4/conf/cali0123456789a/forwarding"
	} >>"$dir/sysctl.sh"
	n=$((n + 4))
	: >"$dir/node2.batch"
	for i in $(seq 51 $NV); do
		echo "link del ${P}a$i"
	done >>"$dir/node2.batch"
	n=$((n + NV - 50))
	for i in $(seq 1 10); do
		echo "rule del prio $((1000 + i)) table $((100 + i))"
		echo "neigh del 10.101.$i.9 dev ${P}a$i"
	done >>"$dir/node2.batch"
	n=$((n + 20))
	echo "$n"
}

# prove NAME RCVBUF [LIVECMP ARGS...]: runs livecmp over the burst; leaves its output in $TMPD/NAME
prove() {
	local name=$1 buf=$2 pid rc=0
	shift 2
	mkdir -p "$TMPD/$name"
	"$LIVECMP" -n "$LN" -b "$buf" -o "$TMPD/$name" "$@" >"$TMPD/$name/out" 2>"$TMPD/$name/err" &
	pid=$!
	PIDS="$PIDS $pid"
	if ! wait_until 60 grep -q '^ready' "$TMPD/$name/err"; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		PIDS=""
		echo "livecmp did not start: $(cat "$TMPD/$name/err")" >"$TMPD/$name/out"
		return 3
	fi
	{
		ip -n "$LN" -batch "$TMPD/burst/node.batch" &&
			kill -USR2 "$pid" &&
			ip -n "$LP" -batch "$TMPD/burst/pod.batch" &&
			ip netns exec "$LN" sh "$TMPD/burst/sysctl.sh" &&
			ip -n "$LN" -batch "$TMPD/burst/node2.batch"
	} >"$TMPD/$name/drive" 2>&1 || rc=9
	kill -USR1 "$pid"
	wait "$pid"
	local w=$?
	[ "$rc" = 0 ] && rc=$w
	PIDS=""
	return "$rc"
}

# undo the burst so the next run starts from the same state
unburst() {
	local i
	for i in $(seq 1 $NV); do ip -n "$LN" link del ${P}a$i 2>/dev/null; done
	for i in $(seq 1 20); do ip -n "$LN" -4 rule del prio $((1000 + i)) 2>/dev/null; done
	ip -n "$LN" route flush root 10.100.0.0/16 2>/dev/null
	ip -n "$LP" route flush root 10.102.0.0/16 2>/dev/null
	ip -n "$LP" addr del 172.16.7.7/32 dev eth0 2>/dev/null
	ip netns exec "$LN" sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/rp_filter;
		echo 0 > /proc/sys/net/ipv4/conf/all/proxy_arp' 2>/dev/null
	return 0
}

mkdir -p "$TMPD/burst"
changes=$(write_burst "$TMPD/burst")
ok_if "the burst holds at least 10,000 changes ($changes)" "only $changes" [ "$changes" -ge 10000 ]

# field SUMMARY KEY: a number from livecmp's summary line
field() { sed -n "s/^summary .*[ ]$2=\([0-9]*\).*/\1/p" "$TMPD/$1/out"; }

# (a) a buffer large enough for the burst
prove big $((64 * 1024 * 1024))
rc=$?
diag "$(grep -E '^(summary|caltrace:)' "$TMPD/big/out")"
diag "$(grep ^ready "$TMPD/big/err")"
is "(a) big buffer: livecmp finds the event-fed model equal to a fresh dump (exit 0)" "$rc" 0
[ "$rc" = 0 ] || diag "$(grep -vE '^summary' "$TMPD/big/out" | head -n 30) $(cat "$TMPD/big/drive")"
is "(a) big buffer: no events lost, no resync" "$(field big overruns) $(field big resyncs)" "0 0"
is "(a) big buffer: no record differs" "$(field big differ)" 0
ok_if "(a) big buffer: the events were applied ($(field big applied))" "too few applied" \
	[ "$(field big applied)" -ge 10000 ]
is "(a) big buffer: every message decoded and applied (malformed, failed)" \
	"$(field big malformed) $(field big failed)" "0 0"
ok_if "(a) the dump compared holds the burst's survivors (1000 routes, 50 veths)" "records: $(field big records)" \
	[ "$(grep -c ' route inet 254 10\.100\.' "$TMPD/big/dump.txt")" = 1000 ]
# the dump itself against ip -j: so the comparison is of the real state, not two equal mistakes
want_routes=$(ip -n "$LN" -j route show table main | jq '[.[] | select(.dst | startswith("10.100."))] | length')
want_links=$(ip -n "$LN" -j link show | jq 'length')
got_links=$(grep -c "^$LN link " "$TMPD/big/dump.txt")
is "(a) the fresh dump agrees with ip -j (routes 10.100/16, links)" \
	"$(grep -c ' route inet 254 10\.100\.' "$TMPD/big/dump.txt") $got_links" "$want_routes $want_links"

# the negative check: the same burst with one route's events dropped on purpose
unburst
prove drop $((64 * 1024 * 1024)) -d 10.100.15.0/32
rc=$?
is "(neg) an event dropped on purpose: livecmp reports a difference (exit 1)" "$rc" 1
[ "$rc" = 1 ] || diag "$(head -n 20 "$TMPD/drop/out" "$TMPD/drop/drive")"
ok_if "(neg) and names the route that differs" "$(head -n 5 "$TMPD/drop/out")" \
	grep -q "^missing $LN route inet 254 10.100.15.0/32 " "$TMPD/drop/out"
is "(neg) and nothing else" "$(field drop differ)" 1

# (b) a deliberately small buffer
unburst
# livecmp reads nothing until the node's first batch is done (-W): thousands of
# notifications into a 16 KiB buffer overflow it on any machine, however fast the reader
prove small 16384 -W
rc=$?
diag "$(grep -E '^summary' "$TMPD/small/out")"
diag "$(grep ^ready "$TMPD/small/err")"
is "(b) small buffer: the event-fed model equals a fresh dump after resyncs (exit 0)" "$rc" 0
[ "$rc" = 0 ] || diag "$(grep -vE '^summary' "$TMPD/small/out" | head -n 30; cat "$TMPD/small/drive")"
ok_if "(b) small buffer: at least one ENOBUFS resync ($(field small resyncs))" "none" \
	[ "$(field small resyncs)" -ge 1 ]
ok_if "(b) small buffer: the user was told" "$(head -n 3 "$TMPD/small/out")" \
	grep -qx "caltrace: events were lost; resynced from a full dump" "$TMPD/small/out"
is "(b) small buffer: no record differs" "$(field small differ)" 0
done_testing
