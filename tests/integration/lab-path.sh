#!/bin/bash
# `caltrace path SRC DST` on a lab per mode (bgp, vxlan and ipip; LAB_MODES when given):
#  - IPv6 across nodes (bird6 in bgp, vxlan-v6.calico in vxlan, native in ipip): each hop of
#    two pairs against the kernel (ip -6 route get, ip -j -6 neigh, bridge -j fdb); in bgp the
#    route-source hops against bird6 (birdc6: the route's peer and its state), also with n2's
#    bird6 killed (lab fault bird6kill);
#  - healthy: same node, cross node, IPv4 and IPv6 pairs give every hop ok both ways, and the
#    nodes of the forward path are the nodes of the kernel's own walk (`ip route get DST from
#    SRC iif DEV` node by node, the next node the one whose underlay or tunnel address is the
#    gateway: the oracle);
#  - only the local node known: the other nodes' hops are unknown, none fails;
#  - a snapshot node (`caltrace -n NS snapshot -o`) gives the same hops as live;
#  - the static rows of the fault matrix (issue 10), each applied in place, the failing hop
#    and its finding code asserted, then reverted, convergence awaited by polling.
# Faults the lab has no switch for are applied here: forwarding off on a node
# (net.ipv4.ip_forward=0) and a pod without its default route.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq
need_caltrace

TMPD=$(mktemp -d /tmp/ctpath.XXXXXX) || bail "mktemp"
at_exit 'rm -rf "$TMPD"'
T0=$(now_ms)

# path SRC DST [more options]: the JSON document in $out, the exit status in $rc
path() {
	out=$("$CALTRACE" -j -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=$LAB_N2" --node "n3=$LAB_N3" \
		path "$@" 2>&1)
	rc=$?
}

# the kernel's walk: node names (n1 n2 ...) from the node of pod S to pod D (family: 4 or 6)
kernel_walk() {
	local s=$1 d=$2 fam=$3 k iif sip dip seq="" j dev gw r hop
	k=$(lab_var "LAB_POD_${s}_NODE")
	iif=$(lab_var "LAB_POD_${s}_VETH")
	if [ "$fam" = 6 ]; then
		sip=$(lab_var "LAB_POD_${s}_IP6") dip=$(lab_var "LAB_POD_${d}_IP6")
	else
		sip=$(lab_var "LAB_POD_${s}_IP") dip=$(lab_var "LAB_POD_${d}_IP")
	fi
	for hop in 1 2 3 4; do
		seq+=" n$k"
		j=$(ip -n "$(lab_var "LAB_N$k")" -j route get "$dip" from "$sip" iif "$iif" 2>/dev/null) || {
			echo "${seq# } refused"
			return
		}
		dev=$(jq -r '.[0].dev // ""' <<<"$j")
		gw=$(jq -r '.[0].gateway // ""' <<<"$j")
		case "$dev" in cali*) break ;; esac
		k=""
		for r in 1 2 3; do
			case "$gw" in
			"$(lab_var "LAB_N${r}_IP")" | "$(lab_var "LAB_N${r}_TUN_IP")") k=$r ;;
			"$(lab_var "LAB_N${r}_IP6")" | "$(lab_var "LAB_N${r}_TUN_IP6")") k=$r ;;
			esac
		done
		[ -n "$k" ] || {
			echo "${seq# } via $gw"
			return
		}
		iif=$(arrival_dev "$fam")
	done
	echo "${seq# }"
}

# the device a packet from another node arrives on (family 4 or 6): IPv6 crosses vxlan-v6.calico
# in vxlan mode and the underlay natively otherwise (tunl0 carries no IPv6)
arrival_dev() {
	case "$LAB_MODE/$1" in
	vxlan/6) echo vxlan-v6.calico ;;
	vxlan/*) echo vxlan.calico ;;
	ipip/4) echo tunl0 ;;
	*) echo eth0 ;;
	esac
}

# hop_sum DIR KIND NODE: that hop's "subject|summary" in $out
hop_sum() {
	jq -r --arg d "$1" --arg k "$2" --arg n "$3" \
		'[.hops[] | select(.direction == $d and .kind == $k and (.node // "-") == $n)][0]
		 | if . == null then "none" else "\(.subject)|\(.summary)" end' <<<"$out" 2>/dev/null
}

# has LABEL HAYSTACK NEEDLE: ok when NEEDLE is in HAYSTACK
has() {
	case "$2" in *"$3"*) ok "$1" ;; *) not_ok "$1" "'$3' is not in: $2" ;; esac
}

# path6_oracle S D: the forward IPv6 path from pod S to pod D on another node, hop by hop against
# the kernel: node A's forwarding (`ip -6 route get DST from SRC iif caliA`), its egress (the
# gateway's neighbour entry from `ip -j -6 neigh`, and for VXLAN the FDB entry of its MAC from
# `bridge -j fdb`), the next node (the one whose IPv6 underlay or VTEP address that is), its
# arrival device and forwarding (`ip -6 route get ... iif DEV` there) to pod D's cali
path6_oracle() {
	local s=$1 d=$2 sip dip a b nsa nsb j gw dev mac fdst got nb iif
	sip=$(lab_var "LAB_POD_${s}_IP6") dip=$(lab_var "LAB_POD_${d}_IP6")
	a=$(lab_var "LAB_POD_${s}_NODE") b=$(lab_var "LAB_POD_${d}_NODE")
	nsa=$(lab_var "LAB_N$a") nsb=$(lab_var "LAB_N$b")
	# real packets first, so the next hop's neighbour entry exists
	ip netns exec "$(lab_var "LAB_POD_${s}_NS")" ping -6 -c 2 -i 0.2 -W 2 "$dip" >/dev/null 2>&1 ||
		diag "$LAB_MODE: ping -6 $sip -> $dip failed"
	path "$sip" "$dip"
	is "$LAB_MODE IPv6 $sip -> $dip (n$a -> n$b): exit 0" "$rc" 0
	j=$(ip -n "$nsa" -6 -j route get "$dip" from "$sip" iif "$(lab_var "LAB_POD_${s}_VETH")")
	gw=$(jq -r '.[0].gateway // ""' <<<"$j") dev=$(jq -r '.[0].dev // ""' <<<"$j")
	[ -n "$gw" ] && [ -n "$dev" ] || not_ok "$LAB_MODE IPv6: the kernel's route on n$a" "$j"
	has "$LAB_MODE IPv6 forward on n$a: via $gw dev $dev, as ip -6 route get says" \
		"$(hop_sum forward forward "n$a")" "via $gw dev $dev "
	got=$(hop_sum forward egress "n$a")
	is "$LAB_MODE IPv6 egress on n$a: device $dev" "${got%%|*}" "$dev"
	mac=$(ip -n "$nsa" -j -6 neigh show "$gw" dev "$dev" | jq -r '.[0].lladdr // ""')
	[ -n "$mac" ] || not_ok "$LAB_MODE IPv6: n$a has a neighbour entry for $gw on $dev" "none"
	has "$LAB_MODE IPv6 egress on n$a: $gw's MAC $mac, as ip -j -6 neigh says" "$got" "$gw lladdr $mac "
	nb=$gw
	if [ "$LAB_MODE" = vxlan ]; then
		fdst=$(ip netns exec "$nsa" bridge -j fdb show dev "$dev" |
			jq -r --arg m "$mac" '[.[] | select(.mac == $m and .dst != null)][0].dst // ""')
		[ -n "$fdst" ] || not_ok "$LAB_MODE IPv6: n$a has an FDB entry for $mac on $dev" "none"
		has "$LAB_MODE IPv6 egress on n$a: FDB dst $fdst, as bridge -j fdb says" "$got" "fdb dst $fdst,"
		nb=$fdst
	fi
	is "$LAB_MODE IPv6: the next node's IPv6 underlay address is $nb" "$(lab_var "LAB_N${b}_IP6")" "$nb"
	iif=$(arrival_dev 6)
	is "$LAB_MODE IPv6 ingress on n$b: $iif" "$(hop_sum forward ingress "n$b" | cut -d'|' -f1)" "$iif"
	j=$(ip -n "$nsb" -6 -j route get "$dip" from "$sip" iif "$iif")
	dev=$(jq -r '.[0].dev // ""' <<<"$j")
	is "$LAB_MODE IPv6: the kernel on n$b sends it to pod $d's cali" "$dev" "$(lab_var "LAB_POD_${d}_VETH")"
	has "$LAB_MODE IPv6 forward on n$b: dev $dev, as ip -6 route get says" \
		"$(hop_sum forward forward "n$b")" "dev $dev "
	is "$LAB_MODE IPv6 $sip -> $dip: the pod's own hops ok" \
		"$(jq -r '[.hops[] | select(.verdict != "ok" and .kind != "route_source") | .kind] | join(" ")' <<<"$out")" ""
}

# bird6_hop LABEL DIR K DST VERDICT: node K's route-source hop (direction DIR) in $out for an
# IPv6 DST against bird6 itself (the oracle): the protocol `birdc6 show route for DST all` names
# (the BGP peer), that peer's address (`show protocols all PEER`) and its state (`show
# protocols`); VERDICT: ok when Established, else what the hop must say
bird6_hop() {
	local label=$1 dir=$2 k=$3 dst=$4 want=$5 sock r peer addr state got
	sock=$LAB_DIR/bird6-n$k.ctl
	r=$(birdc6 -s "$sock" show route for "$dst" all 2>&1)
	peer=$(sed -n 's/^[^ ]* via .*\[\([^ ]*\) .*\] \*.*/\1/p' <<<"$r" | head -n 1)
	[ -n "$peer" ] || not_ok "$label: birdc6 on n$k names the route's protocol" "$r"
	addr=$(birdc6 -s "$sock" show protocols all "$peer" 2>&1 | sed -n 's/^ *Neighbor address: *//p')
	state=$(birdc6 -s "$sock" show protocols "$peer" 2>&1 | awk -v p="$peer" '$1 == p { print $6 }')
	got=$(hop_sum "$dir" route_source "n$k")
	is "$label: n$k's route source is the peer birdc6 names ($peer)" "${got%%|*}" "$peer"
	has "$label: ... its address and state as birdc6 shows them" "$got" "($addr, bird6): $state"
	is "$label: ... verdict" "$(hop_of "$dir" route_source "n$k" | cut -d' ' -f1)" "$want"
}

# bird6_kill: n2's bird6 killed (lab fault bird6kill): n1 keeps n2's IPv6 block (graceful
# restart) and its session to n2 goes Passive (n1 waits: Calico's one-way mesh), n3's to n2
# Active, Connection refused: the route-source hops warn and fail with bird6's states; n2's
# own is unknown (bird6 cannot be asked); exit 1. Reverted: every hop ok again.
bird6_kill() {
	local end got
	lab_fault bird6kill on >/dev/null 2>&1 || {
		not_ok "bgp bird6kill: apply the fault"
		return
	}
	# n3 connects to n2 (the higher address connects): refused, once it tried
	end=$(($(now_ms) + 20000))
	until birdc6 -s "$LAB_DIR/bird6-n3.ctl" show protocols 2>&1 | grep -q '^Mesh_.*Connection refused'; do
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.3
	done
	path "$LAB_POD_5_IP6" "$LAB_POD_3_IP6"
	is "bgp bird6kill n3 -> n2: exit 1" "$rc" 1
	bird6_hop "bgp bird6kill n3 -> n2" forward 3 "$LAB_POD_3_IP6" fail
	has "bgp bird6kill n3 -> n2: the cause" "$(hop_of forward route_source n3)" bgp_connection_refused
	path "$LAB_POD_1_IP6" "$LAB_POD_3_IP6"
	is "bgp bird6kill n1 -> n2: exit 1" "$rc" 1
	bird6_hop "bgp bird6kill n1 -> n2" forward 1 "$LAB_POD_3_IP6" warn
	has "bgp bird6kill n1 -> n2: the cause" "$(hop_of forward route_source n1)" bgp_passive_waiting
	is "bgp bird6kill: n2's own route source is unknown" "$(hop_of reverse route_source n2)" "unknown "
	has "bgp bird6kill: ... bird6 cannot be asked" "$(hop_sum reverse route_source n2)" \
		"bird6|route $LAB_N1_BLOCK6 proto bird; bird6 cannot be asked"
	lab_fault bird6kill off >/dev/null 2>&1 || not_ok "bgp bird6kill: revert the fault"
	end=$(($(now_ms) + 30000))
	while :; do
		path "$LAB_POD_1_IP6" "$LAB_POD_3_IP6"
		[ "$rc" = 0 ] && break
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.3
	done
	is "bgp bird6kill reverted: healthy again (exit 0)" "$rc" 0
}

# hop_codes DIR KIND NODE: "verdict code,code" of the first such hop in $out
hop_of() {
	jq -r --arg d "$1" --arg k "$2" --arg n "$3" \
		'[.hops[] | select(.direction == $d and .kind == $k and (.node // "-") == $n)][0]
		 | if . == null then "none" else "\(.verdict) \(.findings | join(","))" end' <<<"$out" 2>/dev/null
}

# fault_case NAME SRC DST DIR KIND NODE VERDICT CODE ON OFF: ON applies the fault, OFF reverts it
fault_case() {
	local name=$1 s=$2 d=$3 dir=$4 kind=$5 node=$6 want=$7 code=$8 on=$9 off=${10} got end
	local sip dip
	sip=$(lab_var "LAB_POD_${s}_IP") dip=$(lab_var "LAB_POD_${d}_IP")
	eval "$on" >/dev/null 2>&1 || {
		not_ok "$LAB_MODE $name: apply the fault"
		return
	}
	end=$(($(now_ms) + 20000))
	while :; do
		path "$sip" "$dip"
		got=$(hop_of "$dir" "$kind" "$node")
		case "$got" in "$want "*"$code"*) break ;; esac
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.3
	done
	is "$LAB_MODE $name: exit 1" "$rc" 1
	case "$got" in
	"$want "*"$code"*) ok "$LAB_MODE $name: $dir $kind on $node is $want with $code" ;;
	*) not_ok "$LAB_MODE $name: $dir $kind on $node is $want with $code" "got: $got
$(jq -c '.hops[] | select(.verdict != "ok") | [.direction,.kind,.node,.verdict,.summary,.findings]' <<<"$out" 2>&1 | head -20)" ;;
	esac
	eval "$off" >/dev/null 2>&1 || not_ok "$LAB_MODE $name: revert the fault"
	end=$(($(now_ms) + 30000))
	while :; do
		path "$sip" "$dip"
		[ "$rc" = 0 ] && break
		[ "$(now_ms)" -lt "$end" ] || break
		sleep 0.3
	done
	is "$LAB_MODE $name reverted: healthy again (exit 0)" "$rc" 0
}

# the fault matrix has an IPIP column: ipip too, unless the caller named the modes
[ "${LAB_MODES_DEFAULT:-0}" = 1 ] && LAB_MODES="$LAB_MODES ipip"
for mode in $LAB_MODES; do
	case "$mode" in bgp | vxlan | ipip) ;; *) continue ;; esac
	lab_up "$mode" || bail "$mode: lab up"

	# ---- healthy pairs, both directions, against the kernel's walk
	pairs="1:2:4 1:3:4 3:5:4 6:1:4 1:2:6 1:3:6 6:1:6"
	for pr in $pairs; do
		IFS=: read -r s d fam <<<"$pr"
		if [ "$fam" = 6 ]; then
			sip=$(lab_var "LAB_POD_${s}_IP6") dip=$(lab_var "LAB_POD_${d}_IP6")
			[ -n "$sip" ] || continue
		else
			sip=$(lab_var "LAB_POD_${s}_IP") dip=$(lab_var "LAB_POD_${d}_IP")
		fi
		path "$sip" "$dip"
		is "$mode healthy $sip -> $dip: exit 0" "$rc" 0
		# BIRD 1.x: caltrace asks bird for IPv4 routes and bird6 for IPv6 ones
		bad=$(jq -r '[.hops[] | select(.verdict != "ok")
			| "\(.direction) \(.kind) \(.node) \(.verdict)"] | join("; ")' <<<"$out" 2>&1)
		is "$mode healthy $sip -> $dip: every hop ok both ways" "$bad" ""
		got=$(jq -r '[.hops[] | select(.direction == "forward" and .kind == "forward") | .node] | join(" ")' <<<"$out")
		is "$mode healthy $sip -> $dip: forward nodes as the kernel walks them" "$got" \
			"$(kernel_walk "$s" "$d" "$fam")"
		got=$(jq -r '[.hops[] | select(.direction == "reverse" and .kind == "forward") | .node] | join(" ")' <<<"$out")
		is "$mode healthy $dip -> $sip: reverse nodes as the kernel walks them" "$got" \
			"$(kernel_walk "$d" "$s" "$fam")"
	done

	# ---- IPv6 across nodes, each hop against the kernel
	if [ -n "$LAB_POD_1_IP6" ]; then
		path6_oracle 1 3
		path6_oracle 6 2
		if [ "$mode" = bgp ]; then
			path "$LAB_POD_1_IP6" "$LAB_POD_3_IP6"
			bird6_hop "bgp IPv6 n1 -> n2" forward 1 "$LAB_POD_3_IP6" ok
			bird6_hop "bgp IPv6 n1 -> n2" reverse 2 "$LAB_POD_1_IP6" ok
			# --nodes names bird's sockets (bird=): bird6's is the one beside it
			out=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$LAB_POD_1_IP6" \
				"$LAB_POD_3_IP6" 2>&1)
			rc=$?
			is "bgp IPv6 --nodes with bird=: exit 0, n1's bird6 the socket beside n1's bird" \
				"$rc $(jq -r '[.hops[] | select(.kind == "route_source" and .node == "n1")][0].evidence[0]' <<<"$out" 2>&1)" \
				"0 bird6 at $LAB_DIR/bird6-n1.ctl: Established"
			bird6_kill
		fi
	fi

	# ---- a pod by its name, found through its veth
	out=$("$CALTRACE" -j -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=$LAB_N2" path \
		"$LAB_POD_1_K8S" "$LAB_POD_3_K8S" 2>&1)
	rc=$?
	is "$mode: NAMESPACE/POD endpoints (exit 0)" "$rc" 0
	is "$mode: ... resolved to the pods' addresses" "$(jq -r '.src + " | " + .dst' <<<"$out" | sed 's/ on .*| / | /; s/ on .*//')" \
		"$LAB_POD_1_K8S ($LAB_POD_1_IP) | $LAB_POD_3_K8S ($LAB_POD_3_IP)"

	# ---- only the local node: the other nodes' hops are unknown
	out=$("$CALTRACE" -j -n "$LAB_N1" path "$LAB_POD_1_IP" "$LAB_POD_3_IP" 2>&1)
	rc=$?
	is "$mode local node only: exit 0" "$rc" 0
	got=$(jq -r '[.hops[] | select(.node == null and .kind != "symmetry" and .kind != "mtu")] | length > 3 and all(.verdict == "unknown")' <<<"$out")
	is "$mode local node only: the hops beyond it are unknown" "$got" true
	got=$(jq -r '[.hops[] | select(.node == null and .kind == "forward")][0].evidence | join(" ")' <<<"$out")
	case "$got" in *"caltrace snapshot -o FILE"*"--node NAME=@FILE"*) ok "$mode local node only: says how to get the rest" ;;
	*) not_ok "$mode local node only: says how to get the rest" "$got" ;; esac
	# in text, what the unknown hops share (why, how to see them) is said once, not per hop
	out=$("$CALTRACE" --color never -n "$LAB_N1" path "$LAB_POD_1_IP" "$LAB_POD_3_IP" 2>&1)
	is "$mode local node only: text says how to get the rest once per reason" \
		"$(grep -F 'caltrace snapshot -o FILE' <<<"$out" | sort | uniq -d | wc -l) $(grep -cF 'caltrace snapshot -o FILE' <<<"$out")" \
		"0 $(grep -F 'caltrace snapshot -o FILE' <<<"$out" | sort -u | grep -c .)"
	ok_if "$mode local node only: text says it at all" "$out" grep -qF 'caltrace snapshot -o FILE' <<<"$out"

	# ---- a snapshot node: the same hops as live
	snap=$TMPD/n2-$mode.json
	"$CALTRACE" -n "$LAB_N2" snapshot -o "$snap" >/dev/null 2>&1
	is "$mode: snapshot of n2 (exit 0)" "$?" 0
	path "$LAB_POD_1_IP" "$LAB_POD_3_IP"
	live=$(jq -r '[.hops[] | "\(.direction) \(.kind) \(.node) \(.subject)"] | join("\n")' <<<"$out")
	out=$("$CALTRACE" -j -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=@$snap" --node "n3=$LAB_N3" \
		path "$LAB_POD_1_IP" "$LAB_POD_3_IP" 2>&1)
	rc=$?
	is "$mode snapshot n2: exit 0" "$rc" 0
	is "$mode snapshot n2: the same hops as live" \
		"$(jq -r '[.hops[] | "\(.direction) \(.kind) \(.node) \(.subject)"] | join("\n")' <<<"$out")" "$live"
	got=$(jq -r '[.hops[] | select(.node == "n2" and .verdict != "ok") | select((.kind | startswith("policy")) | not)] | length' <<<"$out")
	is "$mode snapshot n2: its hops ok (policy is not in a snapshot)" "$got" 0
	case "$(jq -r '.note // ""' <<<"$out")" in "n2: snapshot taken "*" s ago") ok "$mode snapshot n2: its age shown" ;;
	*) not_ok "$mode snapshot n2: its age shown" "$out" ;; esac

	# ---- bad input: one line, exit 2
	out=$("$CALTRACE" -n "$LAB_N1" path default/nosuchpod "$LAB_POD_3_IP" 2>&1)
	rc=$?
	is "$mode: an unknown pod is a usage error (exit 2)" "$rc" 2
	is "$mode: ... in one line" "$(wc -l <<<"$out")" 1

	# ---- --nodes FILE: the same path as with --node; a bad line names itself (exit 2)
	printf '# the lab\nn1 %s\nn2 %s   # live\n\nn3 @%s\n' "$LAB_N1" "$LAB_N2" "$snap" >"$TMPD/nodes"
	out=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$TMPD/nodes" path "$LAB_POD_1_IP" "$LAB_POD_5_IP" 2>&1)
	rc=$?
	is "$mode --nodes FILE: exit 0" "$rc" 0
	is "$mode --nodes FILE: nodes n1, n2 live and n3 from its snapshot" "$(jq -r .nodes <<<"$out")" \
		"n1 (live), n2 (live), n3 (snapshot)"
	printf 'n1 %s\nn2\n' "$LAB_N1" >"$TMPD/bad"
	out=$("$CALTRACE" -n "$LAB_N1" --nodes "$TMPD/bad" path "$LAB_POD_1_IP" "$LAB_POD_5_IP" 2>&1)
	rc=$?
	is "$mode --nodes with a truncated line: exit 2" "$rc" 2
	is "$mode --nodes with a truncated line: names it" "$out" \
		"caltrace: nodes file '$TMPD/bad' line 2: a node needs a namespace or @SNAPSHOT after its name"
	out=$("$CALTRACE" -n "$LAB_N1" --node "n9=${LAB_PREFIX}nosuch" path "$LAB_POD_1_IP" "$LAB_POD_5_IP" 2>&1)
	rc=$?
	is "$mode --node with a namespace that does not exist: exit 3" "$rc" 3
	out=$("$CALTRACE" -n "$LAB_N1" --node "n9" path "$LAB_POD_1_IP" "$LAB_POD_5_IP" 2>&1)
	rc=$?
	is "$mode --node without =SPEC: exit 2" "$rc" 2

	# ---- the fault matrix (static rows); faults hit pod 1 (default/web-1 on n1)
	P1=$(lab_var LAB_POD_1_NS) P3=$(lab_var LAB_POD_3_NS)
	fault_case proxy_arp 1 3 forward workload_in n1 fail proxy_arp_off \
		"lab_fault proxy_arp on" "lab_fault proxy_arp off"
	fault_case forwarding 1 3 forward forward n1 fail ip_forward_off \
		"ip netns exec $LAB_N1 sysctl -qw net.ipv4.ip_forward=0" \
		"ip netns exec $LAB_N1 sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding=1"
	fault_case route 3 1 forward forward n1 fail path_no_route \
		"lab_fault route on" "lab_fault route off"
	fault_case shadow 3 1 forward forward n1 fail path_no_route \
		"lab_fault shadow on" "lab_fault shadow off"
	fault_case calidown 3 1 forward workload_out n1 fail workload_link_down \
		"lab_fault calidown on" "lab_fault calidown off"
	fault_case nogw 1 3 forward workload_in n1 fail pod_gateway_unroutable \
		"lab_fault nogw on" "lab_fault nogw off"
	fault_case pod_b_no_default 1 3 reverse pod_egress n2 fail pod_no_default_route \
		"ip -n $P3 route del default" "ip -n $P3 route replace default via 169.254.1.1 dev eth0"
	fault_case denypolicy 3 1 forward policy_in n1 fail path_policy_denies \
		"lab_fault denypolicy on" "lab_fault denypolicy off"
	case "$mode" in
	vxlan | ipip)
		fault_case podmtu 1 3 forward mtu n1 warn path_mtu \
			"lab_fault podmtu on" "lab_fault podmtu off"
		;;
	esac
	if [ "$mode" = vxlan ]; then
		fault_case fdbmissing 1 3 forward egress n1 fail vtep_fdb_missing \
			"ip netns exec $LAB_N1 bridge fdb del $LAB_N2_VTEP_MAC dev vxlan.calico self" \
			"ip netns exec $LAB_N1 bridge fdb add $LAB_N2_VTEP_MAC dev vxlan.calico dst $LAB_N2_IP self permanent"
		fault_case badgw 1 3 forward forward n1 fail tunnel_gateway_not_a_node \
			"lab_fault badgw on" "lab_fault badgw off"
	fi
	if [ "$mode" = bgp ]; then
		fault_case birdkill 1 3 reverse route_source n2 fail bird_unreachable \
			"lab_fault birdkill on" "lab_fault birdkill off"
		fault_case pinpeer 1 3 forward egress n1 fail path_next_hop_wrong_mac \
			"lab_fault pinpeer on" "lab_fault pinpeer off"
		# replies from n2 to n1's pods through n3 (a more specific static route): asymmetric
		fault_case asymmetric 1 3 reverse symmetry - warn path_asymmetric \
			"ip -n $LAB_N2 route add ${LAB_POD_1_IP%.*}.128/27 via $LAB_N3_IP dev eth0" \
			"ip -n $LAB_N2 route del ${LAB_POD_1_IP%.*}.128/27"
	fi
	: "$P1"
	lab_down
done
diag "lab-path.sh took $(($(now_ms) - T0)) ms"
done_testing
