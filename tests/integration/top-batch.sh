#!/bin/bash
# caltrace top -b (batch: one frame a tick, text or one JSON object a line) on the lab in mode bgp,
# against the kernel read independently (ip -j in the node's namespace), a fresh `caltrace links
# -j`, and birdc on node 1:
# - one frame lists node 1's workload interfaces with the state, MTU, MAC and pod IPs ip -j gives;
#   its exit status agrees with its findings, and a text frame names the same interfaces; so does
#   the frozen frame of a snapshot (--from);
# - drops by reason per namespace: a ping without a route inside pod 1's namespace is counted in
#   that namespace's IpOutNoRoutes row, as `nstat -az` there reads it;
# - under churn (veths and routes added and removed in node 1 while `top -b -j -d 0.2` runs), the
#   frames polled after the churn stops reach the same interfaces with the same state, MTU, MAC
#   and pod IPs as `links -j` and as ip -j; the events list and --log FILE name the veths added and
#   removed (--log appends to what the file held); SIGTERM ends it with status 143;
# - --log FILE: a new file is 0600, a second run appends, a symbolic link or a FIFO is refused;
# - killing node 2's BIRD (lab fault birdkill) turns node 1's peer for node 2 to not Established
#   with a cause, as birdc on node 1 shows it;
# - --flows (a VXLAN lab): a pod's ping to a pod on node 2 is a flow with ping's own count of
#   requests and replies, and a ping to an address of node 2's block without a pod is one-way;
# - a namespace that does not exist: exit 3, and -j without -b is a usage error.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq
need_caltrace

WAIT=40
TMPD=$(mktemp -d /tmp/caltrace-topb.XXXXXX)
TOP_PID=""
at_exit '[ -z "$TOP_PID" ] || kill "$TOP_PID" 2>/dev/null; rm -rf "$TMPD"'

lab_up bgp || bail "lab up bgp"
N1=$LAB_N1
SOCK1=$LAB_N1_BIRD_SOCK

# one line per workload interface as the kernel gives it: name state mtu mac ips(sorted, comma)
oracle_ip() {
	local links name
	links=$(ip -n "$N1" -j link show)
	for name in $(json_get "$links" '.[] | select(.ifname | startswith("cali")) | .ifname' | sort); do
		local l ips
		l=$(json_get "$links" ".[] | select(.ifname == \"$name\")")
		ips=$( (ip -n "$N1" -j -4 route show dev "$name"; ip -n "$N1" -j -6 route show dev "$name") |
			jq -r '.[] | select((.dst | test("/")) | not) | select(.gateway == null) | .dst' |
			grep -v '^fe80' | sort | paste -sd, -)
		printf '%s %s %s %s %s\n' "$name" \
			"$(json_get "$l" 'if (.flags | index("UP")) | not then "down" else (.operstate | ascii_downcase) end')" \
			"$(json_get "$l" '.mtu')" "$(json_get "$l" '.address')" "${ips:--}"
	done
}
# the same from a top frame (one JSON line) and from links -j
top_rows() { json_get "$1" '.workloads | sort_by(.name) | .[] | [.name, .state, (.mtu|tostring), .mac, ((.ips // []) | sort | join(",") | if . == "" then "-" else . end)] | join(" ")'; }
links_rows() { json_get "$1" '.items | sort_by(.name) | .[] | [.name, .state, (.mtu|tostring), .mac, ((.pod_ips // []) | sort | join(",") | if . == "" then "-" else . end)] | join(" ")'; }

# ---------------------------------------------------------------- one frame
out=$("$CALTRACE" -n "$N1" -j top -b -c 1 --bird-socket "$SOCK1" 2>"$TMPD/err")
rc=$?
is "top -b -j -c 1 prints one line" "$(printf '%s\n' "$out" | grep -c .)" "1"
json_eq "it is a top document of node 1's namespace" "$out" '"\(.command) \(.node.netns)"' "top $N1"
want=$(oracle_ip)
is "the workloads are ip -j's cali links (name, state, MTU, MAC, pod IPs)" "$(top_rows "$out")" "$want"
check "the lab has workloads on node 1" [ -n "$want" ]
exit_agrees "exit status agrees with the frame's findings" "$rc" "$out"
json_eq "BIRD is up on node 1" "$out" '.header.bird' "up"
json_eq "header counts the workloads" "$out" '.header.workloads' "$(printf '%s\n' "$want" | grep -c .)"

txt=$("$CALTRACE" -n "$N1" top -b -c 1 --bird-socket "$SOCK1" 2>"$TMPD/err")
rc=$?
check "text frame exits 0 or 1 (rc $rc)" [ "$rc" -le 1 ]
for name in $(printf '%s\n' "$want" | cut -d' ' -f1); do
	check "text frame lists $name" grep -q "^$name " <<<"$txt"
done
check "text frame has the panes" grep -q '^BGP peers$' <<<"$txt"

# --from: a frozen frame of a snapshot of node 1 has the same workloads as ip -j
"$CALTRACE" -n "$N1" snapshot --bird-socket "$SOCK1" -o "$TMPD/snap.json" 2>"$TMPD/err"
out=$("$CALTRACE" --from "$TMPD/snap.json" -j top -b 2>"$TMPD/err")
rc=$?
is "--from: the snapshot's workloads are ip -j's" "$(top_rows "$out")" "$want"
json_eq "--from: the source is the snapshot" "$out" '.header.source' "$TMPD/snap.json"
exit_agrees "--from: exit status agrees with the findings" "$rc" "$out"

# ---------------------------------------------------------------- drops in a pod namespace
# a throw route in pod 1's namespace: its ping finds no route (ENETUNREACH), and the kernel counts
# IpOutNoRoutes there, not in the node's namespace; the oracle is nstat in the pod's namespace
POD1=$LAB_POD_1_NS
ip -n "$POD1" route add throw 198.51.100.0/24 || diag "cannot add the throw route"
ip netns exec "$POD1" ping -n -c 1 -W 1 198.51.100.7 >/dev/null 2>&1
ip netns exec "$POD1" ping -n -c 1 -W 1 198.51.100.8 >/dev/null 2>&1
out=$("$CALTRACE" -n "$N1" -j top -b -c 1 --bird-socket "$SOCK1" 2>"$TMPD/err")
rc=$?
oracle=$(ip netns exec "$POD1" nstat -az IpOutNoRoutes | awk '$1 == "IpOutNoRoutes" { print $2 }')
check "nstat counts the pod's sends without a route ($oracle)" [ "${oracle:-0}" -ge 2 ]
is "drops: pod 1's namespace has nstat's IpOutNoRoutes" \
	"$(json_get "$out" ".drops[] | select(.netns == \"$POD1\" and .counter == \"IpOutNoRoutes\") | .value")" \
	"$oracle"
json_ok "drops: the node's namespace keeps its whole list" "$out" \
	"[.drops[] | select(.netns == \"$N1\")] | length >= 8"
json_ok "drops: pod namespaces show only non-zero counters" "$out" \
	"[.drops[] | select(.netns != \"$N1\" and .counter != \"?\" and .value == 0)] | length == 0"
ip -n "$POD1" route del throw 198.51.100.0/24 2>/dev/null

# ---------------------------------------------------------------- --log appends
# a new file is made 0600; each run adds its events (one time-stamped line each) after what the
# file held; a symbolic link and a FIFO are refused (exit 3), the link's target untouched
LOG=$TMPD/append.log
"$CALTRACE" -n "$N1" top -b -c 1 --bird-socket "$SOCK1" --log "$LOG" >/dev/null 2>"$TMPD/err"
is "--log: a first run exits 0 or 1" "$(($? <= 1))" 1
is "--log: a new file is made with mode 600" "$(stat -c %a "$LOG" 2>&1)" "600"
first=$(head -n 1 "$LOG")
n1=$(grep -c . "$LOG")
check "--log: each line is TIME KIND TEXT ($first)" \
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z note watching ' <<<"$first"
"$CALTRACE" -n "$N1" top -b -c 1 --bird-socket "$SOCK1" --log "$LOG" >/dev/null 2>"$TMPD/err"
n2=$(grep -c . "$LOG")
check "--log: a second run adds its lines ($n1 -> $n2)" [ "$n2" -gt "$n1" ]
is "--log: the first run's lines are kept" "$(head -n 1 "$LOG")" "$first"
is "--log: the second run's first line is its own start" \
	"$(sed -n "$((n1 + 1))p" "$LOG" | cut -d' ' -f2-3)" "note watching"
echo keep >"$TMPD/target"
ln -s "$TMPD/target" "$TMPD/link.log"
"$CALTRACE" -n "$N1" top -b -c 1 --log "$TMPD/link.log" >/dev/null 2>"$TMPD/err"
is "--log: a symbolic link is refused (exit 3)" "$?" 3
is "--log: the link's target is untouched" "$(cat "$TMPD/target")" "keep"
mkfifo "$TMPD/fifo.log"
"$CALTRACE" -n "$N1" top -b -c 1 --log "$TMPD/fifo.log" >/dev/null 2>"$TMPD/err"
is "--log: a FIFO is refused (exit 3)" "$?" 3
check "--log: and says it is not a regular file" grep -q "not a regular file" "$TMPD/err"

# ---------------------------------------------------------------- churn
echo "a line from before" >"$TMPD/events.log"
"$CALTRACE" -n "$N1" -j top -b -d 0.2 --bird-socket "$SOCK1" --log "$TMPD/events.log" \
	>"$TMPD/frames" 2>"$TMPD/top.err" &
TOP_PID=$!
wait_until "$WAIT" grep -q . "$TMPD/frames" || bail "top -b started" "$(cat "$TMPD/top.err")"
churn() {
	local i name
	for i in $(seq 1 24); do
		name=$(printf 'cali%011x' $((0x7a0000000 + i)))
		ip -n "$N1" link add "$name" type veth peer name "ctq$i" || return 1
		ip -n "$N1" link set "$name" address ee:ee:ee:ee:ee:ee mtu $((1400 + i)) up || return 1
		ip -n "$N1" route add "10.250.$i.2/32" dev "$name" scope link || return 1
		if [ $((i % 3)) = 0 ]; then
			ip -n "$N1" route del "10.250.$i.2/32" dev "$name" || return 1
		fi
		if [ $((i % 4)) = 0 ]; then
			ip -n "$N1" link del "$(printf 'cali%011x' $((0x7a0000000 + i - 1)))" || return 1
		fi
		[ $((i % 5)) = 0 ] && { ip -n "$N1" link set "$name" down || return 1; }
	done
}
out=$(churn 2>&1)
check "churn applied" [ -z "$out" ] || diag "$out"
want=$(oracle_ip)
fresh=$("$CALTRACE" -n "$N1" -j links 2>/dev/null)
is "ip -j and a fresh links -j agree after the churn" "$(links_rows "$fresh")" "$want"
# poll the frames until the last one agrees (no time limit on how fast: generous deadline)
last_agrees() {
	local l
	l=$(tail -n 1 "$TMPD/frames")
	[ "$(top_rows "$l")" = "$want" ]
}
if wait_until "$WAIT" last_agrees; then
	ok "top -b reaches the interfaces of ip -j and links -j after the churn"
else
	not_ok "top -b reaches the interfaces of ip -j and links -j after the churn" \
		"$(diff <(printf '%s\n' "$want") <(top_rows "$(tail -n 1 "$TMPD/frames")"))"
fi
l=$(tail -n 1 "$TMPD/frames")
added=$(printf 'cali%011x' $((0x7a0000000 + 1)))
removed=$(printf 'cali%011x' $((0x7a0000000 + 3)))
json_ok "the events list has $added added" "$l" "[.events[] | select(.kind == \"link_added\" and (.text | contains(\"$added\")))] | length > 0"
json_ok "the events list has $removed removed" "$l" "[.events[] | select(.kind == \"link_removed\" and (.text | contains(\"$removed\")))] | length > 0"
json_ok "the events list has route 10.250.3.2/32 withdrawn" "$l" '[.events[] | select(.kind == "route_withdrawn" and (.text | contains("10.250.3.2/32")))] | length > 0'
check "--log has the added veth" grep -q "link_added interface $added added" "$TMPD/events.log"
check "--log has the removed veth" grep -q "link_removed interface $removed removed" "$TMPD/events.log"
is "--log kept what the file held" "$(head -n 1 "$TMPD/events.log")" "a line from before"
check "every frame is one JSON object" jq -e . "$TMPD/frames"
kill -TERM "$TOP_PID"
wait "$TOP_PID"
is "SIGTERM ends top -b with 143" "$?" "143"
TOP_PID=""
for i in $(seq 1 24); do ip -n "$N1" link del "$(printf 'cali%011x' $((0x7a0000000 + i)))" 2>/dev/null; done

# ---------------------------------------------------------------- birdkill
PEER2=$LAB_N2_PEER
lab_fault birdkill on || bail "fault birdkill on"
birdc_state() { "$LAB_BIRDC" -s "$SOCK1" show protocols "$PEER2" 2>/dev/null | awk -v p="$PEER2" '$1 == p {print $6}'; }
peer_down() {
	out=$("$CALTRACE" -n "$N1" -j top -b -c 1 --bird-socket "$SOCK1" 2>/dev/null)
	[ "$(json_get "$out" ".peers[] | select(.name == \"$PEER2\") | .established")" = "false" ]
}
if wait_until "$WAIT" peer_down; then
	ok "birdkill: node 1's peer for node 2 is not Established in top"
else
	not_ok "birdkill: node 1's peer for node 2 is not Established in top" "$(json_get "$out" '.peers')"
fi
st=$(json_get "$out" ".peers[] | select(.name == \"$PEER2\") | .bgp_state")
oracle=$(birdc_state)
is "its BGP state is birdc's" "$st" "$oracle"
check "birdc says it is not Established ($oracle)" test -n "$oracle" -a "$oracle" != "Established"
cause=$(json_get "$out" ".peers[] | select(.name == \"$PEER2\") | .cause")
check "it has a cause ($cause)" test -n "$cause" -a "$cause" != "null"
check "the cause starts with the state" [ "${cause%%:*}" = "$st" ]
exit_agrees "exit status agrees with the findings under birdkill" "$(
	"$CALTRACE" -n "$N1" -j top -b -c 1 --bird-socket "$SOCK1" >"$TMPD/bk" 2>/dev/null
	echo $?
)" "$(cat "$TMPD/bk")"
lab_fault birdkill off || diag "fault birdkill off failed"

# ---------------------------------------------------------------- --flows (a VXLAN lab)
lab_up vxlan || bail "lab up vxlan"
N1=$LAB_N1
SRC=$LAB_POD_1_IP
DST=$LAB_POD_3_IP
NOPOD=${DST%.*}.50 # in node 2's block, no pod: the requests cross, nothing answers
"$CALTRACE" -n "$N1" -j top -b -d 0.5 --flows >"$TMPD/flows" 2>"$TMPD/flows.err" &
TOP_PID=$!
wait_until "$WAIT" grep -q . "$TMPD/flows" || bail "top --flows started" "$(cat "$TMPD/flows.err")"
pingout=$(ip netns exec "$LAB_POD_1_NS" ping -n -c 4 -i 0.2 -W 2 "$DST" 2>&1)
got=$(printf '%s
' "$pingout" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
ip netns exec "$LAB_POD_1_NS" ping -n -c 3 -i 0.2 -W 1 "$NOPOD" >/dev/null 2>&1
flow_seen() {
	l=$(tail -n 1 "$TMPD/flows")
	[ "$(json_get "$l" "[.flows[] | select(.src == \"$SRC\" and .dst == \"$NOPOD\")] | length")" = 1 ] &&
		[ "$(json_get "$l" ".flows[] | select(.src == \"$SRC\" and .dst == \"$DST\") | .reply_packets")" = "$got" ]
}
if wait_until "$WAIT" flow_seen; then ok "--flows: the ping's flow is there"; else not_ok "--flows: the ping's flow is there" "$(tail -n 1 "$TMPD/flows" | jq -c '.flows, .flows_note')"; fi
l=$(tail -n 1 "$TMPD/flows")
json_eq "--flows: $SRC -> $DST has ping's requests and replies ($got)" "$l" \
	".flows[] | select(.src == \"$SRC\" and .dst == \"$DST\") | \"\(.proto) \(.packets) \(.reply_packets) \(.one_way)\"" "icmp 4 $got false"
json_eq "--flows: $SRC -> $NOPOD (no pod) is one-way" "$l" \
	".flows[] | select(.src == \"$SRC\" and .dst == \"$NOPOD\") | \"\(.packets) \(.reply_packets) \(.one_way)\"" "3 0 true"
kill -TERM "$TOP_PID"
wait "$TOP_PID" 2>/dev/null
TOP_PID=""
out=$("$CALTRACE" -n "$N1" -j top -b -c 1 2>/dev/null)
json_ok "without --flows there is no flows pane" "$out" 'has("flows") | not'

# ---------------------------------------------------------------- --pods: the workloads' pod names
# kubectl's JSON for the lab's pods, from the lab's own names (LAB_POD_i_K8S); the oracle for
# which veth is whose is the lab's LAB_POD_i_VETH (Calico's naming, computed by lab.sh)
items=()
want=""
for ((i = 1; i <= LAB_POD_COUNT; i++)); do
	n=$(lab_var "LAB_POD_${i}_K8S")
	a=$(lab_var "LAB_POD_${i}_IP")
	v=$(lab_var "LAB_POD_${i}_VETH")
	items+=("$(jq -n --arg ns "${n%%/*}" --arg name "${n#*/}" --arg ip "$a" \
		'{metadata:{namespace:$ns,name:$name},spec:{nodeName:"n"},status:{phase:"Running",podIP:$ip,podIPs:[{ip:$ip}]}}')")
	[ "$(lab_var "LAB_POD_${i}_NODE")" = "$(lab_var LAB_POD_1_NODE)" ] && want="$want$v $n"$'\n'
done
printf '%s\n' "${items[@]}" | jq -s '{apiVersion:"v1",kind:"List",items:.}' >"$TMPD/pods.json"
want=$(printf '%s' "$want" | sed '/^$/d' | sort)
out=$("$CALTRACE" -n "$N1" -j --pods "$TMPD/pods.json" top -b -c 1 2>"$TMPD/err")
rc=$?
ok_if "--pods: exit 0 or 1 ($rc)" "$rc" [ "$rc" -le 1 ]
got=$(json_get "$out" '.workloads[] | "\(.name) \(.pod)"' | sort)
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "--pods: every workload named with its pod, as the lab named them"
else not_ok "--pods: every workload named with its pod, as the lab named them" "want: $want"$'\n'"got: $got"; fi
"$CALTRACE" -n "$N1" --pods "$TMPD/nosuchfile" top -b -c 1 >/dev/null 2>"$TMPD/err"
is "--pods with a file that is not there: exit 3 before the first frame" "$?" "3"

# ---------------------------------------------------------------- errors
"$CALTRACE" -n ctnosuchns$$ top -b -c 1 >/dev/null 2>"$TMPD/err"
is "a namespace that does not exist: exit 3" "$?" "3"
check "and says which" grep -q "ctnosuchns$$" "$TMPD/err"
"$CALTRACE" -j top -c 1 >/dev/null 2>&1
is "-j without -b is a usage error" "$?" "2"

done_testing
