#!/bin/bash
# `caltrace path SRC DST --probe` on a lab per mode (bgp, vxlan): real packets from SRC's
# namespace, watched on every hop's interface.
#  - healthy (ICMP, TCP, UDP): exit 0, every watched hop sees the request forward and the
#    reply back; tcpdump run here on two of the interfaces (caliA on node 1, pod B's eth0)
#    is the oracle for what those hops saw;
#  - denypolicy (fault P): the request is seen up to the node of pod 1 and not on its caliX
#    or eth0, lost at the policy_in hop with the cali-tw DROP counter moved (oracle:
#    iptables-nft-save -c and iptables-legacy-save -c before and after, here);
#  - podmtu (vxlan) with --size 1440: lost on node 1 with frag-needed (oracle: the kernel's
#    answer to `ping -M do -s 1440` from the same pod);
#    --mtu finds the largest packet that passes: vxlan.calico's MTU (oracle: ip -j link);
#  - an nft rule added here on node 2's input dropping UDP to 4789 (vxlan): lost at n2's
#    vxlan.calico ingress, seen encapsulated on n2's eth0 (oracle: the rule's own counter);
#  - -Z nobody: healthy still, the policy counters after the probe marked not read;
#  - the reverse probe (DST -> SRC, sent from DST's namespace after the forward one): on the
#    healthy pair both directions answered, its request seen on every watched reverse hop
#    and its reply on every forward one, against tcpdump on caliA and pod B's eth0;
#  - one-way fault: denypolicy with Felix's RELATED,ESTABLISHED accept put first in pod 1's
#    cali-tw (added here): pod 1 -> pod 3 answered, pod 3 -> pod 1 (the reverse probe) lost
#    at n1's policy_in, exit 1 (oracle: tcpdump on n1's ingress device sees the reverse
#    request, on caliA it does not; the chain's DROP counters moved);
#  - DST a node address, or a pod on a snapshot node: the reverse probe not sent, a note
#    saying why, exit 0;
#  - ICMPv6 (pods' IPv6 addresses): a same-node pair answered, checked against tshark on pod
#    2's eth0 (ICMPv6 128/129) and `ping -6` from the same pod; pod 2's /128 route deleted on
#    n1: lost at n1's forwarding decision with ICMPv6 no-route, as `ping -6` says, and the
#    capture on pod 2's caliX saw no request; pod 2's caliX at MTU 1280 and --size 1300:
#    packet-too-big with the MTU `ping -6 -M do` hears; a cross-node pair when n1 has an
#    IPv6 route to it (`ip -6 route get`);
#  - --no-reverse: only SRC -> DST, answered under the one-way fault, the exit status the
#    static path's;
#  - usage errors: --wait without --probe, --no-reverse without --probe, --probe --proto tcp without --port (exit 2).
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq tcpdump tshark ping nft
need_caltrace

TMPD=$(mktemp -d /tmp/ctprobe.XXXXXX) || bail "mktemp"
at_exit 'rm -rf "$TMPD"'
T0=$(now_ms)

# probe SRC DST [more options]: the JSON document in $out, the exit status in $rc
probe() {
	out=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --wait 2 "$@" 2>&1)
	rc=$?
}

# seen NETNS IFACE DIR: the hop's request_seen (forward) or reply_seen (reverse) in $out
seen() {
	jq -r --arg n "$1" --arg i "$2" --arg d "$3" \
		'[.hops[] | select(.netns == $n and .subject == $i and .direction == $d)][0].probe
		 | if $d == "forward" then .request_seen else .reply_seen end' <<<"$out" 2>/dev/null
}

# rseen NETNS IFACE DIR: the reverse probe's request_seen (on a reverse hop) or reply_seen
# (on a forward hop) in $out
rseen() {
	jq -r --arg n "$1" --arg i "$2" --arg d "$3" \
		'[.hops[] | select(.netns == $n and .subject == $i and .direction == $d)][0].reverse_probe
		 | if $d == "reverse" then .request_seen else .reply_seen end' <<<"$out" 2>/dev/null
}

# the watched hops that missed a packet of their direction, for probe P (probe, reverse_probe)
missed() {
	jq -r --arg p "$1" '[.hops[] | select(.[$p].watched)
		| select(((.direction == "forward") == ($p == "probe") and .[$p].request_seen != true)
			or ((.direction == "forward") != ($p == "probe") and .[$p].reply_seen != true))
		| "\(.direction) \(.kind) \(.node) \(.subject)"] | join("; ")' <<<"$out"
}

# the sum of the packet counters of the DROP rules in CHAIN, both iptables backends, in NS
drops() {
	local ns=$1 chain=$2 b sum=0 n
	for b in iptables-nft-save iptables-legacy-save; do
		n=$(ip netns exec "$ns" "$b" -c 2>/dev/null |
			sed -n "s/^\[\([0-9]*\):[0-9]*\] -A $chain .*-j DROP.*/\1/p" | awk '{s += $1} END {print s + 0}')
		sum=$((sum + n))
	done
	echo "$sum"
}

healthy_icmp() {
	local a=$1 b=$2 ca=$3 pb=$4 n1=$5
	capture_start "$n1" "$ca" "$TMPD/ca.pcap" 4 10 "icmp and host $a and host $b" || return
	local p1=$CAPTURE_PID
	capture_start "$pb" eth0 "$TMPD/pb.pcap" 4 10 "icmp and host $a and host $b" || return
	local p2=$CAPTURE_PID
	probe "$a" "$b"
	wait "$p1" "$p2" 2>/dev/null
	is "$LAB_MODE healthy icmp $a -> $b: exit 0" "$rc" 0
	is "$LAB_MODE healthy icmp: sent 1, received 1" "$(jq -r '"\(.probe.sent) \(.probe.received)"' <<<"$out")" "1 1"
	got=$(jq -r '[.hops[] | select(.probe.watched) | select((.direction == "forward" and .probe.request_seen != true) or (.direction == "reverse" and .probe.reply_seen != true)) | "\(.direction) \(.kind) \(.node) \(.subject)"] | join("; ")' <<<"$out")
	is "$LAB_MODE healthy icmp: every watched hop saw the request forward and the reply back" "$got" ""
	got=$(jq -r '[.hops[] | select(.probe.watched)] | length' <<<"$out")
	ok_if "$LAB_MODE healthy icmp: at least 8 hops watched" "$got watched" [ "${got:-0}" -ge 8 ]
	# the oracle: tcpdump on caliA and pod B's eth0 saw the echo and its reply, with the
	# identifier each probe says it used
	local id rid
	id=$(jq -r '.probe.icmp_id // -1' <<<"$out")
	rid=$(jq -r '.probe.reverse.icmp_id // -1' <<<"$out")
	for f in ca pb; do
		local want_ns want_if
		if [ $f = ca ]; then want_ns=$n1 want_if=$ca; else want_ns=$pb want_if=eth0; fi
		local req rep
		req=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 8 && ip.src == $a && icmp.ident == $id" icmp.seq | wc -l)
		rep=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 0 && ip.src == $b && icmp.ident == $id" icmp.seq | wc -l)
		is "$LAB_MODE healthy icmp: tcpdump on $want_if in $want_ns saw the request and the reply" "$req $rep" "1 1"
		is "$LAB_MODE healthy icmp: caltrace on $want_if in $want_ns says request seen" \
			"$(seen "$want_ns" "$want_if" forward)" "$([ "$req" -ge 1 ] && echo true || echo false)"
		is "$LAB_MODE healthy icmp: caltrace on $want_if in $want_ns says reply seen" \
			"$(seen "$want_ns" "$want_if" reverse)" "$([ "$rep" -ge 1 ] && echo true || echo false)"
		# the reverse probe: its request from B, its reply from A
		req=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 8 && ip.src == $b && icmp.ident == $rid" icmp.seq | wc -l)
		rep=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 0 && ip.src == $a && icmp.ident == $rid" icmp.seq | wc -l)
		is "$LAB_MODE healthy icmp: tcpdump on $want_if in $want_ns saw the reverse request and reply" "$req $rep" "1 1"
		is "$LAB_MODE healthy icmp: caltrace on $want_if in $want_ns says reverse request seen" \
			"$(rseen "$want_ns" "$want_if" reverse)" "$([ "$req" -ge 1 ] && echo true || echo false)"
		is "$LAB_MODE healthy icmp: caltrace on $want_if in $want_ns says reverse reply seen" \
			"$(rseen "$want_ns" "$want_if" forward)" "$([ "$rep" -ge 1 ] && echo true || echo false)"
	done
	is "$LAB_MODE healthy icmp: the reverse probe sent 1, received 1" \
		"$(jq -r '"\(.probe.reverse.sent) \(.probe.reverse.received) \(.probe.reverse_not_sent)"' <<<"$out")" "1 1 null"
	is "$LAB_MODE healthy icmp: every watched hop saw the reverse probe's request back and its reply forward" \
		"$(missed reverse_probe)" ""
}

# ICMPv6 between pods 1 and 2 (both on n1), then with pod 2's /128 route deleted
icmp6_same_node() {
	local a=$LAB_POD_1_IP6 b=$LAB_POD_2_IP6 cb=$LAB_POD_2_VETH o6
	capture_start "$LAB_POD_2_NS" eth0 "$TMPD/v6.pcap" 4 10 "icmp6 and host $a and host $b" || return
	local p1=$CAPTURE_PID
	probe "$a" "$b"
	wait "$p1" 2>/dev/null
	o6=$(ip netns exec "$LAB_POD_1_NS" ping -6 -n -c 1 -W 2 "$b" 2>&1)
	local orc=$?
	is "$LAB_MODE icmpv6 $a -> $b: exit 0, as ping -6 (exit $orc)" "$rc" "$orc"
	is "$LAB_MODE icmpv6: icmpv6 echo sent 1, received 1, both ways" \
		"$(jq -r '"\(.probe.proto) \(.probe.sent) \(.probe.received) \(.probe.reverse.sent) \(.probe.reverse.received)"' <<<"$out")" "icmpv6 1 1 1 1"
	local req rep rreq rrep id rid
	# the echoes carrying each probe's own identifier (tshark prints it in hexadecimal)
	id=$(jq -r '.probe.icmp_id // -1' <<<"$out")
	rid=$(jq -r '.probe.reverse.icmp_id // -1' <<<"$out")
	req=$(tshark_fields "$TMPD/v6.pcap" "icmpv6.type == 128 && ipv6.src == $a && icmpv6.echo.identifier == $id" icmpv6.echo.identifier | wc -l)
	rep=$(tshark_fields "$TMPD/v6.pcap" "icmpv6.type == 129 && ipv6.src == $b && icmpv6.echo.identifier == $id" icmpv6.echo.identifier | wc -l)
	rreq=$(tshark_fields "$TMPD/v6.pcap" "icmpv6.type == 128 && ipv6.src == $b && icmpv6.echo.identifier == $rid" icmpv6.echo.identifier | wc -l)
	rrep=$(tshark_fields "$TMPD/v6.pcap" "icmpv6.type == 129 && ipv6.src == $a && icmpv6.echo.identifier == $rid" icmpv6.echo.identifier | wc -l)
	is "$LAB_MODE icmpv6: tshark on pod 2's eth0 saw echo request, reply, reverse request, reverse reply with the probes' identifiers" \
		"$req $rep $rreq $rrep" "1 1 1 1"
	is "$LAB_MODE icmpv6: caltrace on pod 2's eth0: request, reply, reverse request, reverse reply seen" \
		"$(seen "$LAB_POD_2_NS" eth0 forward) $(seen "$LAB_POD_2_NS" eth0 reverse) $(rseen "$LAB_POD_2_NS" eth0 reverse) $(rseen "$LAB_POD_2_NS" eth0 forward)" \
		"$([ "$req" = 1 ] && echo true || echo false) $([ "$rep" = 1 ] && echo true || echo false) $([ "$rreq" = 1 ] && echo true || echo false) $([ "$rrep" = 1 ] && echo true || echo false)"
	is "$LAB_MODE icmpv6: every watched hop saw both probes" "$(missed probe)|$(missed reverse_probe)" "|"
	# the fault: pod 2's /128 route on n1 turned unreachable (the node's blackhole for its own
	# block would discard silently, and BIRD puts it back if it is deleted): the kernel answers
	# with ICMPv6 no-route
	ip -n "$LAB_N1" -6 route replace unreachable "$b" || not_ok "$LAB_MODE icmpv6 no route: make the route unreachable"
	capture_start "$LAB_N1" "$cb" "$TMPD/v6cb.pcap" 1 4 "icmp6 and src $a and dst $b" || return
	p1=$CAPTURE_PID
	probe "$a" "$b"
	wait "$p1" 2>/dev/null
	o6=$(ip netns exec "$LAB_POD_1_NS" ping -6 -n -c 1 -W 2 "$b" 2>&1)
	orc=$?
	ip -n "$LAB_N1" -6 route replace "$b" dev "$cb" || not_ok "$LAB_MODE icmpv6 no route: restore the route"
	is "$LAB_MODE icmpv6 no route: exit 1 (ping -6 exit $orc)" "$rc $([ "$orc" != 0 ] && echo 1)" "1 1"
	is "$LAB_MODE icmpv6 no route: the capture on pod 2's $cb saw no request" \
		"$(tshark_fields "$TMPD/v6cb.pcap" "icmpv6.type == 128" icmpv6.echo.identifier | wc -l)" 0
	is "$LAB_MODE icmpv6 no route: lost at n1's forwarding decision" \
		"$(jq -r '.hops[.probe.lost_hop - 1] | "\(.direction) \(.node) \(.kind)"' <<<"$out")" "forward n1 forward"
	case "$o6" in
	*"No route"*)
		case "$(jq -r '.probe.icmp_error // ""' <<<"$out")" in
		"no-route (ICMPv6 type 1 code 0) from "*) ok "$LAB_MODE icmpv6 no route: ICMPv6 no-route reported, as ping -6 says" ;;
		*) not_ok "$LAB_MODE icmpv6 no route: ICMPv6 no-route reported, as ping -6 says" "$(jq -c .probe <<<"$out")" ;;
		esac
		;;
	*) not_ok "$LAB_MODE icmpv6 no route: ping -6 says No route" "$o6" ;;
	esac
	# packet too big: pod 2's caliX at 1280 on n1, 1300 bytes of data from pod 1 (at 1450)
	ip -n "$LAB_N1" link set dev "$cb" mtu 1280 || not_ok "$LAB_MODE icmpv6 too big: set the MTU"
	o6=$(ip netns exec "$LAB_POD_1_NS" ping -6 -n -c 1 -W 2 -M "do" -s 1300 "$b" 2>&1)
	local omtu
	omtu=$(sed -n 's/.*Packet too big: mtu=\([0-9]*\).*/\1/p; s/.*mtu=\([0-9]*\).*/\1/p' <<<"$o6" | head -n 1)
	probe "$a" "$b" --size 1300
	ip -n "$LAB_N1" link set dev "$cb" mtu 1450 || not_ok "$LAB_MODE icmpv6 too big: restore the MTU"
	is "$LAB_MODE icmpv6 too big: exit 1" "$rc" 1
	ok_if "$LAB_MODE icmpv6 too big: ping -6 -M do hears packet too big" "$o6" [ -n "$omtu" ]
	is "$LAB_MODE icmpv6 too big: caltrace reports packet-too-big with ping's mtu" \
		"$(jq -r '.probe.icmp_error // .probe.send_error' <<<"$out" | sed 's/ from .*//')" \
		"packet-too-big mtu ${omtu:-?}"
	is "$LAB_MODE icmpv6 too big: lost at n1's forwarding decision" \
		"$(jq -r '.hops[.probe.lost_hop - 1] | "\(.direction) \(.node) \(.kind)"' <<<"$out")" "forward n1 forward"
	# a cross-node pair, when node 1 has an IPv6 route to it
	if ip -n "$LAB_N1" -6 route get "$LAB_POD_3_IP6" >/dev/null 2>&1; then
		probe "$a" "$LAB_POD_3_IP6"
		local back
		ip netns exec "$LAB_POD_1_NS" ping -6 -n -c 1 -W 2 "$LAB_POD_3_IP6" >/dev/null 2>&1
		orc=$?
		ip netns exec "$LAB_POD_3_NS" ping -6 -n -c 1 -W 2 "$a" >/dev/null 2>&1
		back=$?
		is "$LAB_MODE icmpv6 cross-node: answered each way as ping -6 from each pod says" \
			"$(jq -r '"\(.probe.received) \(.probe.reverse.received)"' <<<"$out")" \
			"$([ "$orc" = 0 ] && echo 1 || echo 0) $([ "$back" = 0 ] && echo 1 || echo 0)"
	else
		diag "$LAB_MODE: n1 has no IPv6 route to pod 3: the cross-node ICMPv6 pair is not tried"
	fi
}

for mode in $LAB_MODES; do
	case "$mode" in bgp | vxlan) ;; *) continue ;; esac
	lab_up "$mode" || bail "$mode: lab up"
	A=$LAB_POD_1_IP B=$LAB_POD_3_IP

	healthy_icmp "$A" "$B" "$LAB_POD_1_VETH" "$LAB_POD_3_NS" "$LAB_N1"
	if [ -n "${LAB_POD_1_IP6:-}" ]; then
		icmp6_same_node
	else
		diag "$mode: the lab's pods have no IPv6 addresses: ICMPv6 not tried"
	fi

	# ---- DST a node address: no pod namespace to send the reverse probe from
	probe "$A" "$LAB_N2_IP"
	is "$mode to a node address: exit 0, answered" "$rc $(jq -r '"\(.probe.sent) \(.probe.received)"' <<<"$out")" "0 1 1"
	is "$mode to a node address: the reverse probe not sent, and why" \
		"$(jq -r '"\(.probe.reverse) \(.probe.reverse_not_sent)"' <<<"$out")" "null DST is the address of node n2, not a pod"

	for pp in tcp:80 udp:53; do
		pr=${pp%:*} port=${pp#*:}
		probe "$A" "$B" --proto "$pr" --port "$port"
		is "$mode healthy $pr: exit 0" "$rc" 0
		is "$mode healthy $pr: sent 1, received 1" "$(jq -r '"\(.probe.sent) \(.probe.received)"' <<<"$out")" "1 1"
		got=$(jq -r '[.hops[] | select(.probe.watched) | select((.direction == "forward" and .probe.request_seen != true) or (.direction == "reverse" and .probe.reply_seen != true)) | "\(.direction) \(.kind) \(.node)"] | join("; ")' <<<"$out")
		is "$mode healthy $pr: every watched hop saw it both ways" "$got" ""
	done

	# ---- DST a pod on a snapshot node: its namespace is not within reach
	snap=$TMPD/n2-$mode.json
	"$CALTRACE" -n "$LAB_N2" snapshot -o "$snap" >/dev/null 2>&1 || not_ok "$mode: snapshot of n2"
	out=$("$CALTRACE" -j -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=@$snap" --node "n3=$LAB_N3" \
		path --probe --wait 2 "$A" "$B" 2>&1)
	rc=$?
	is "$mode to a pod on a snapshot node: exit 0, answered, the reverse probe not sent and why" \
		"$rc $(jq -r '"\(.probe.received) \(.probe.reverse) \(.probe.reverse_not_sent)"' <<<"$out")" \
		"0 1 null DST's node n2 is a snapshot"

	# ---- -Z: privileges dropped once everything is open; the counters' files still read
	out=$("$CALTRACE" -Z nobody -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --wait 2 "$A" "$B" 2>&1)
	rc=$?
	is "$mode -Z nobody: exit 0" "$rc" 0
	is "$mode -Z nobody: sent 1, received 1" "$(jq -r '"\(.probe.sent) \(.probe.received)"' <<<"$out")" "1 1"
	case "$(jq -r '.probe.missing // ""' <<<"$out")" in
	*"policy counters of n1 after the probe (privileges dropped)"*) ok "$mode -Z nobody: the policy counters after are marked not read" ;;
	*) not_ok "$mode -Z nobody: the policy counters after are marked not read" "$(jq -c .probe <<<"$out")" ;;
	esac
	case "$(jq -r '.probe.missing // ""' <<<"$out")" in
	*"kernel counters"*) not_ok "$mode -Z nobody: the kernel counters are still read" "$(jq -c .probe <<<"$out")" ;;
	*) ok "$mode -Z nobody: the kernel counters are still read" ;;
	esac

	# ---- denypolicy: pod 3 -> pod 1, Felix's cali-tw of pod 1 drops it
	chain="cali-tw-$LAB_POD_1_VETH"
	lab_fault denypolicy on || not_ok "$mode denypolicy: apply"
	d0=$(drops "$LAB_N1" "$chain")
	probe "$B" "$A"
	d1=$(drops "$LAB_N1" "$chain")
	is "$mode denypolicy: exit 1" "$rc" 1
	is "$mode denypolicy: nothing came back" "$(jq -r .probe.received <<<"$out")" 0
	ok_if "$mode denypolicy: the oracle's $chain DROP counters moved" "$d0 -> $d1" [ "$d1" -gt "$d0" ]
	is "$mode denypolicy: lost at the policy_in hop of n1" \
		"$(jq -r '.hops[.probe.lost_hop - 1] | "\(.direction) \(.kind) \(.node) \(.subject)"' <<<"$out")" \
		"forward policy_in n1 $chain"
	case "$(jq -r .probe.cause <<<"$out")" in
	"$chain rule "*" DROP moved by "*": path_policy_denies confirmed") ok "$mode denypolicy: the DROP counter named, path_policy_denies confirmed" ;;
	*) not_ok "$mode denypolicy: the DROP counter named, path_policy_denies confirmed" "$(jq -c .probe <<<"$out")" ;;
	esac
	is "$mode denypolicy: request seen on n1's ingress side, not on caliX nor pod eth0" \
		"$(seen "$LAB_N1" "$LAB_POD_1_VETH" forward) $(seen "$LAB_POD_1_NS" eth0 forward)" "false false"
	is "$mode denypolicy: request seen leaving pod 3" "$(seen "$LAB_POD_3_NS" eth0 forward)" true
	# ---- one way only: Felix's RELATED,ESTABLISHED accept first in the chain lets the
	# replies to pod 1's own probes in; pod 3 -> pod 1 (the reverse probe) is still denied
	ipt=iptables-legacy # the backend that holds the chain
	case "$(ip netns exec "$LAB_N1" iptables-nft-save 2>/dev/null)" in *":$chain "*) ipt=iptables-nft ;; esac
	ip netns exec "$LAB_N1" "$ipt" -I "$chain" 1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT ||
		not_ok "$mode one-way: the ESTABLISHED rule"
	ingress=$(jq -r '[.hops[] | select(.node == "n1" and .kind == "ingress")][0].subject' <<<"$out")
	capture_start "$LAB_N1" "$ingress" "$TMPD/in.pcap" 20 6 "icmp or udp port 4789" || true
	p1=$CAPTURE_PID
	capture_start "$LAB_N1" "$LAB_POD_1_VETH" "$TMPD/ca1.pcap" 20 6 "icmp and host $A and host $B" || true
	p2=$CAPTURE_PID
	d0=$(drops "$LAB_N1" "$chain")
	probe "$A" "$B"
	d1=$(drops "$LAB_N1" "$chain")
	kill "$p1" "$p2" 2>/dev/null
	wait "$p1" "$p2" 2>/dev/null
	saved=$out
	# --no-reverse asks only whether pod 1 reaches pod 3: yes; the exit status is then the
	# static path's own (its reverse policy hop sees the deny)
	"$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$A" "$B" >/dev/null 2>&1
	src=$?
	probe "$A" "$B" --no-reverse
	is "$mode one-way --no-reverse: exit as the static path ($src), answered, the reverse probe not sent" \
		"$rc $(jq -r '"\(.probe.received) \(.probe.reverse) \(.probe.reverse_not_sent) \(.hops[0].reverse_probe)"' <<<"$out")" \
		"$src 1 null --no-reverse null"
	out=$saved
	ip netns exec "$LAB_N1" "$ipt" -D "$chain" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT ||
		not_ok "$mode one-way: remove the ESTABLISHED rule"
	is "$mode one-way: exit 1" "$rc" 1
	is "$mode one-way: forward answered, reverse lost" \
		"$(jq -r '"\(.probe.sent) \(.probe.received) \(.probe.reverse.sent) \(.probe.reverse.received)"' <<<"$out")" "1 1 1 0"
	# the oracle: the reverse request (echo from B) reached n1's ingress, never caliA
	rin=$(tshark_fields "$TMPD/in.pcap" "icmp.type == 8 && ip.src == $B" icmp.seq | wc -l)
	rca=$(tshark_fields "$TMPD/ca1.pcap" "icmp.type == 8 && ip.src == $B" icmp.seq | wc -l)
	fca=$(tshark_fields "$TMPD/ca1.pcap" "icmp.type == 0 && ip.src == $B" icmp.seq | wc -l)
	is "$mode one-way: tcpdump: reverse request on n1's $ingress, not on caliA; forward reply on caliA" \
		"$rin $rca $fca" "1 0 1"
	is "$mode one-way: caltrace agrees on n1's $ingress and caliA" \
		"$(rseen "$LAB_N1" "$ingress" reverse) $(rseen "$LAB_N1" "$LAB_POD_1_VETH" reverse) $(seen "$LAB_N1" "$LAB_POD_1_VETH" reverse)" \
		"true false true"
	ok_if "$mode one-way: the oracle's $chain DROP counters moved" "$d0 -> $d1" [ "$d1" -gt "$d0" ]
	is "$mode one-way: the reverse probe lost at the policy_in hop of n1, its request" \
		"$(jq -r '.hops[.probe.reverse.lost_hop - 1] | "\(.direction) \(.kind) \(.node) \(.subject) \(.reverse_probe.lost_here)"' <<<"$out") $(jq -r .probe.reverse.lost_direction <<<"$out")" \
		"reverse policy_in n1 $chain true reverse"
	case "$(jq -r .probe.reverse.cause <<<"$out")" in
	"$chain rule "*" DROP moved by "*": path_policy_denies confirmed") ok "$mode one-way: the DROP counter named for the reverse probe" ;;
	*) not_ok "$mode one-way: the DROP counter named for the reverse probe" "$(jq -c .probe.reverse <<<"$out")" ;;
	esac
	is "$mode one-way: the forward probe has no lost hop" "$(jq -r .probe.lost_hop <<<"$out")" null
	lab_fault denypolicy off || not_ok "$mode denypolicy: revert"
	probe "$B" "$A"
	is "$mode denypolicy reverted: exit 0" "$rc" 0

	if [ "$mode" = vxlan ]; then
		# ---- podmtu: pod 1 at 1500 behind vxlan.calico at 1450; 1440 bytes of data
		lab_fault podmtu on || not_ok "$mode podmtu: apply"
		# the oracle first (DF set; a path MTU the kernel cached shows as "mtu=N" instead)
		oracle=$(ip netns exec "$LAB_POD_1_NS" ping -n -c 1 -W 2 -M "do" -s 1440 "$B" 2>&1)
		omtu=$(sed -n 's/.*Frag needed and DF set (mtu = \([0-9]*\)).*/\1/p; s/.*mtu=\([0-9]*\).*/\1/p' <<<"$oracle" | head -n 1)
		probe "$A" "$B" --size 1440
		is "$mode podmtu --size 1440: exit 1" "$rc" 1
		ok_if "$mode podmtu: the kernel answers ping with frag-needed" "$oracle" [ -n "$omtu" ]
		is "$mode podmtu: caltrace reports frag-needed with the kernel's mtu" \
			"$(jq -r '.probe.icmp_error // .probe.send_error' <<<"$out" | sed 's/ from .*//')" \
			"frag-needed mtu ${omtu:-?}"
		is "$mode podmtu: lost out of n1" \
			"$(jq -r '.hops[.probe.lost_hop - 1] | "\(.direction) \(.node) \(.kind)"' <<<"$out")" \
			"forward n1 egress"
		# --mtu: the largest packet that passes, against the tunnel device's own MTU and the
		# receiving pod's (the lab's pods are below vxlan.calico when it has IPv6 VXLAN)
		probe "$A" "$B" --mtu
		tmtu=$(ip -n "$LAB_N1" -j link show dev vxlan.calico | jq -r '.[0].mtu')
		rmtu=$(ip -n "$LAB_N2" -j link show dev "$LAB_POD_3_VETH" | jq -r '.[0].mtu')
		[ "$rmtu" -lt "$tmtu" ] && tmtu=$rmtu
		is "$mode podmtu --mtu: the largest packet that passes is vxlan.calico's MTU, or the receiving pod's" \
			"$(jq -r .probe.mtu_largest <<<"$out")" "$tmtu"
		lab_fault podmtu off || not_ok "$mode podmtu: revert"

		# ---- VXLAN dropped on n2's input by an nft rule of our own
		if ! { ip netns exec "$LAB_N2" nft add table inet ctprobe &&
			ip netns exec "$LAB_N2" nft add chain inet ctprobe input '{ type filter hook input priority 0; }' &&
			ip netns exec "$LAB_N2" nft add rule inet ctprobe input udp dport 4789 counter drop; }; then
			not_ok "$mode encap drop: the nft rule"
		fi
		probe "$A" "$B"
		nftc=$(ip netns exec "$LAB_N2" nft list table inet ctprobe 2>/dev/null | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
		ip netns exec "$LAB_N2" nft delete table inet ctprobe || not_ok "$mode encap drop: delete the rule"
		is "$mode encap drop: exit 1" "$rc" 1
		ok_if "$mode encap drop: the oracle's nft counter moved" "counter: ${nftc:-none}" [ "${nftc:-0}" -ge 1 ]
		is "$mode encap drop: lost at n2's ingress, seen there on the underlay" \
			"$(jq -r '.hops[.probe.lost_hop - 1] | "\(.direction) \(.node) \(.kind) \(.subject) \(.probe.wire_interface) \(.probe.wire_request_seen)"' <<<"$out")" \
			"forward n2 ingress vxlan.calico eth0 true"
		case "$(jq -r .probe.cause <<<"$out")" in
		*"dropped before decapsulation"*) ok "$mode encap drop: named as dropped before decapsulation" ;;
		*) not_ok "$mode encap drop: named as dropped before decapsulation" "$(jq -c .probe <<<"$out")" ;;
		esac
		probe "$A" "$B"
		is "$mode encap drop removed: exit 0" "$rc" 0
	fi

	# ---- usage
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --wait 1 "$A" "$B" 2>&1)
	is "$mode: --wait without --probe is a usage error" "$?" 2
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --no-reverse "$A" "$B" 2>&1)
	is "$mode: --no-reverse without --probe is a usage error" "$?" 2
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --proto tcp "$A" "$B" 2>&1)
	is "$mode: --probe --proto tcp without --port is a usage error" "$?" 2
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --mtu --proto udp --port 53 "$A" "$B" 2>&1)
	is "$mode: --mtu with --proto udp is a usage error" "$?" 2
	lab_down
done
diag "lab-probe.sh took $(($(now_ms) - T0)) ms"
done_testing
