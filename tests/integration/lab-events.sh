#!/bin/bash
# The event source (probes/events.c, driven by tests/tools/evtest.c) against `ip monitor label
# all-nsid` run in the same namespace at the same time: the independent oracle. In namespaces this
# script creates (ct<pid>e-node, -pod behind a veth, -other: unrelated but given an nsid), it adds
# and removes a veth, a route, an address, a neighbour, an FDB entry and a rule, changes sysctls,
# and changes things in the pod and the unrelated namespace. The event source must report every
# event ip monitor reports, with the same nsid, category and add/delete, except the unrelated
# namespace's, which it must drop.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip cc pkg-config

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
	for p in "$NODE" "$POD" "$OTHER"; do ip netns del "$p" 2>/dev/null; done
	rm -rf "$TMPD"
	return "$rc"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the tool
EVTEST=${EVTEST:-$TOP/build/tests/evtest}
build_evtest() {
	local pk="libnl-3.0 libnl-route-3.0 libpcap ncursesw jansson libcrypto" out
	out=$(make -s -C "$TOP" build/libcaltrace.a 2>&1) || {
		echo "$out"
		return 1
	}
	mkdir -p "$(dirname "$EVTEST")"
	# shellcheck disable=SC2046 # pkg-config prints words
	cc -O2 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -I"$TOP" \
		$(pkg-config --cflags $pk) -o "$EVTEST" "$TOP/tests/tools/evtest.c" \
		"$TOP/build/libcaltrace.a" $(pkg-config --libs $pk) -lreadline 2>&1
}
if out=$(build_evtest); then ok "build tests/tools/evtest.c"; else bail "build tests/tools/evtest.c" "$out"; fi

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
done_testing
