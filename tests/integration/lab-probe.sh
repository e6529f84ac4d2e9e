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
#  - usage errors: --wait without --probe, --probe --proto tcp without --port (exit 2).
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
	capture_start "$n1" "$ca" "$TMPD/ca.pcap" 2 10 "icmp and host $a and host $b" || return
	local p1=$CAPTURE_PID
	capture_start "$pb" eth0 "$TMPD/pb.pcap" 2 10 "icmp and host $a and host $b" || return
	local p2=$CAPTURE_PID
	probe "$a" "$b"
	wait "$p1" "$p2" 2>/dev/null
	is "$LAB_MODE healthy icmp $a -> $b: exit 0" "$rc" 0
	is "$LAB_MODE healthy icmp: sent 1, received 1" "$(jq -r '"\(.probe.sent) \(.probe.received)"' <<<"$out")" "1 1"
	got=$(jq -r '[.hops[] | select(.probe.watched) | select((.direction == "forward" and .probe.request_seen != true) or (.direction == "reverse" and .probe.reply_seen != true)) | "\(.direction) \(.kind) \(.node) \(.subject)"] | join("; ")' <<<"$out")
	is "$LAB_MODE healthy icmp: every watched hop saw the request forward and the reply back" "$got" ""
	got=$(jq -r '[.hops[] | select(.probe.watched)] | length' <<<"$out")
	ok_if "$LAB_MODE healthy icmp: at least 8 hops watched" "$got watched" [ "${got:-0}" -ge 8 ]
	# the oracle: tcpdump on caliA and pod B's eth0 saw the echo and its reply
	for f in ca pb; do
		local want_ns want_if
		if [ $f = ca ]; then want_ns=$n1 want_if=$ca; else want_ns=$pb want_if=eth0; fi
		local req rep
		req=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 8 && ip.src == $a" icmp.seq | wc -l)
		rep=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 0 && ip.src == $b" icmp.seq | wc -l)
		is "$LAB_MODE healthy icmp: tcpdump on $want_if in $want_ns saw the request and the reply" "$req $rep" "1 1"
		is "$LAB_MODE healthy icmp: caltrace on $want_if in $want_ns says request seen" \
			"$(seen "$want_ns" "$want_if" forward)" "$([ "$req" -ge 1 ] && echo true || echo false)"
		is "$LAB_MODE healthy icmp: caltrace on $want_if in $want_ns says reply seen" \
			"$(seen "$want_ns" "$want_if" reverse)" "$([ "$rep" -ge 1 ] && echo true || echo false)"
	done
}

for mode in $LAB_MODES; do
	case "$mode" in bgp | vxlan) ;; *) continue ;; esac
	lab_up "$mode" || bail "$mode: lab up"
	A=$LAB_POD_1_IP B=$LAB_POD_3_IP

	healthy_icmp "$A" "$B" "$LAB_POD_1_VETH" "$LAB_POD_3_NS" "$LAB_N1"

	for pp in tcp:80 udp:53; do
		pr=${pp%:*} port=${pp#*:}
		probe "$A" "$B" --proto "$pr" --port "$port"
		is "$mode healthy $pr: exit 0" "$rc" 0
		is "$mode healthy $pr: sent 1, received 1" "$(jq -r '"\(.probe.sent) \(.probe.received)"' <<<"$out")" "1 1"
		got=$(jq -r '[.hops[] | select(.probe.watched) | select((.direction == "forward" and .probe.request_seen != true) or (.direction == "reverse" and .probe.reply_seen != true)) | "\(.direction) \(.kind) \(.node)"] | join("; ")' <<<"$out")
		is "$mode healthy $pr: every watched hop saw it both ways" "$got" ""
	done

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
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --proto tcp "$A" "$B" 2>&1)
	is "$mode: --probe --proto tcp without --port is a usage error" "$?" 2
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --mtu --proto udp --port 53 "$A" "$B" 2>&1)
	is "$mode: --mtu with --proto udp is a usage error" "$?" 2
	lab_down
done
diag "lab-probe.sh took $(($(now_ms) - T0)) ms"
done_testing
