#!/bin/bash
# The lab itself, checked against independent oracles (the kernel, birdc, tcpdump and tshark),
# before any caltrace test trusts it. Runs in each mode of $LAB_MODES (default "bgp vxlan"),
# then in ipip mode. About 15 s.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip bridge birdc bird ping tcpdump tshark socat jq sha1sum

MODES="${LAB_MODES:-bgp vxlan}"
case " $MODES " in *" ipip "*) ;; *) MODES="$MODES ipip" ;; esac

# ---------------------------------------------------------------- oracles and helpers
# Calico's interface name, computed here on its own: cali + sha1("<ns>.<pod>")[0:11]
calico_name() { printf 'cali%s' "$(printf '%s' "$1" | sha1sum | cut -c1-11)"; }

sysctl_in() { ip netns exec "$1" cat "/proc/sys/$2" 2>/dev/null; }

# every pod pings every other pod, all at once; one TAP line per source pod
all_pairs_ping() {
	local mode=$1 dir=$2 i j src dst bad
	for i in $(seq "$LAB_POD_COUNT"); do
		for j in $(seq "$LAB_POD_COUNT"); do
			[ "$i" = "$j" ] && continue
			(pings "$(lab_var "LAB_POD_${i}_NS")" "$(lab_var "LAB_POD_${j}_IP")" &&
				touch "$dir/ping-$i-$j.ok") &
		done
	done
	wait
	for i in $(seq "$LAB_POD_COUNT"); do
		src=$(lab_var "LAB_POD_${i}_K8S")
		bad=""
		for j in $(seq "$LAB_POD_COUNT"); do
			[ "$i" = "$j" ] && continue
			dst="$(lab_var "LAB_POD_${j}_K8S") $(lab_var "LAB_POD_${j}_IP")"
			[ -e "$dir/ping-$i-$j.ok" ] || bad="$bad
no reply from $dst"
		done
		if [ -z "$bad" ]; then ok "$mode: $src pings the 5 other pods"; else not_ok "$mode: $src pings the 5 other pods" "${bad#?}"; fi
	done
}

# Calico's host side of every pod, read back from the kernel
check_workloads() {
	local mode=$1 i ns node cali ip want bad="" link r
	for i in $(seq "$LAB_POD_COUNT"); do
		ns=$(lab_var "LAB_POD_${i}_NS")
		node=$(lab_var "LAB_POD_${i}_NODE_NS")
		cali=$(lab_var "LAB_POD_${i}_VETH")
		ip=$(lab_var "LAB_POD_${i}_IP")
		want=$(calico_name "$(lab_var "LAB_POD_${i}_K8S" | tr / .)")
		[ "$cali" = "$want" ] || bad="$bad
pod $i: veth '$cali', Calico's name is '$want'"
		link=$(ip -n "$node" -j link show dev "$cali" 2>/dev/null)
		[ "$(json_get "$link" '.[0].address')" = ee:ee:ee:ee:ee:ee ] || bad="$bad
$cali: MAC $(json_get "$link" '.[0].address')"
		[ "$(json_get "$link" '.[0].operstate')" = UP ] || bad="$bad
$cali: not UP"
		for r in "ipv4/conf/$cali/proxy_arp=1" "ipv4/neigh/$cali/proxy_delay=0" \
			"ipv4/conf/$cali/forwarding=1" "ipv4/conf/$cali/rp_filter=1" ipv4/ip_forward=1; do
			[ "$(sysctl_in "$node" "net/${r%=*}")" = "${r#*=}" ] || bad="$bad
$node: net/${r%=*} is '$(sysctl_in "$node" "net/${r%=*}")', want ${r#*=}"
		done
		r=$(ip -n "$node" -j route show "$ip/32" 2>/dev/null)
		[ "$(json_get "$r" '.[0] | "\(.dev) \(.scope)"')" = "$cali link" ] || bad="$bad
$node: route to $ip is $r"
		r=$(ip -n "$ns" -j route show 2>/dev/null)
		[ "$(json_get "$r" '[.[] | "\(.dst) \(.gateway // "-") \(.dev) \(.scope // "-")"] | sort | join(",")')" = \
			"169.254.1.1 - eth0 link,default 169.254.1.1 eth0 -" ] || bad="$bad
$ns: routes $r"
	done
	[ -z "$bad" ] && ok "$mode: 6 workloads wired as Calico wires them (name, MAC, sysctls, routes)" ||
		not_ok "$mode: 6 workloads wired as Calico wires them (name, MAC, sysctls, routes)" "${bad#?}"
}

# the kernel's forwarding decision for pod 1's packets: RTM_GETROUTE with the input interface
check_route_get() {
	local mode=$1 gw=$2 dev=$3 r
	r=$(ip -n "$LAB_N1" -j route get "$LAB_POD_3_IP" from "$LAB_POD_1_IP" iif "$LAB_POD_1_VETH" 2>&1)
	is "$mode: kernel forwards web-1 -> web-2 via $gw dev $dev" \
		"$(json_get "$r" '.[0] | "\(.gateway) \(.dev)"')" "$gw $dev"
	r=$(ip -n "$LAB_N1" -j route get "$LAB_POD_2_IP" from "$LAB_POD_1_IP" iif "$LAB_POD_1_VETH" 2>&1)
	is "$mode: kernel forwards web-1 -> db-1 (same node) straight to its cali" \
		"$(json_get "$r" '.[0] | "\(.gateway // "-") \(.dev)"')" "- $LAB_POD_2_VETH"
	# an unused address of n1's own block hits the blackhole: EINVAL
	check_fails "$mode: an unused address of n1's block is a blackhole (route get fails)" \
		ip -n "$LAB_N1" route get 172.168.135.140 from "$LAB_POD_1_IP" iif "$LAB_POD_1_VETH"
}

check_ipv6() {
	local mode=$1
	[ -n "${LAB_POD_1_IP6:-}" ] || {
		skip "$mode: IPv6 between pods of a node" "lab without IPv6"
		return
	}
	ok_if "$mode: web-1 pings db-1 over IPv6 (gateway fe80::ecee:eeff:feee:eeee)" \
		"no reply from $LAB_POD_2_IP6" pings "$LAB_POD_1_NS" "$LAB_POD_2_IP6"
}

# the nodes file (lab.sh env: LAB_NODES_FILE): exactly the lab's node namespaces, as `ip netns
# list` shows them; in BGP modes each bird= socket answers `birdc show status` with the router
# id of that node (its underlay address, read from the kernel); without BIRD no bird= field
check_nodes_file() {
	local mode=$1 prefix=$2 f=$LAB_NODES_FILE lines want got bad="" name ns bird extra s rid addr
	[ -s "$f" ] || {
		not_ok "$mode: lab.sh writes the nodes file" "no file '$f'"
		return
	}
	ok "$mode: lab.sh writes the nodes file ($f)"
	lines=$(grep -v '^#' "$f" | sed '/^[[:space:]]*$/d')
	want=$(ip netns list | awk '{print $1}' | grep -E "^${prefix}n[0-9]+\$" | sort | xargs)
	got=$(awk '{print $2}' <<<"$lines" | sort | xargs)
	is "$mode: the nodes file lists exactly the lab's node namespaces (ip netns list)" "$got" "$want"
	is "$mode: the nodes file's node names are distinct" \
		"$(awk '{print $1}' <<<"$lines" | sort | uniq -d | xargs)" ""
	while read -r name ns bird extra; do
		[ -z "$extra" ] || bad="$bad
$name: extra words '$extra'"
		addr=$(ip -n "$ns" -j -4 addr show dev eth0 2>/dev/null | jq -r '.[0].addr_info[0].local')
		if ! is_bgp "$mode"; then
			[ -z "$bird" ] || bad="$bad
$name: '$bird' in mode $mode (no BIRD runs)"
			continue
		fi
		case "$bird" in
		bird=/*) ;;
		*)
			bad="$bad
$name: no bird=SOCKET ('$bird')"
			continue
			;;
		esac
		s=$("$LAB_BIRDC" -s "${bird#bird=}" show status 2>&1)
		rid=$(sed -n 's/.*Router ID is \([0-9.]*\).*/\1/p' <<<"$s")
		grep -q 'Daemon is up and running' <<<"$s" && [ "$rid" = "$addr" ] || bad="$bad
$name: birdc -s ${bird#bird=} show status: router id '$rid', $ns's eth0 has '$addr': $s"
	done <<<"$lines"
	if is_bgp "$mode"; then s="each bird= socket answers birdc show status with its node's router id"
	else s="no bird= field without BIRD"; fi
	[ -z "$bad" ] && ok "$mode: nodes file: $s" || not_ok "$mode: nodes file: $s" "${bad#?}"
}
is_bgp() { case "$1" in bgp | bgp2) return 0 ;; *) return 1 ;; esac; }

# checks that nothing of the lab is left
check_gone() {
	local mode=$1 prefix=$2 dir=$3 left pid
	left=$(ip netns list | awk '{print $1}' | grep -F -- "$prefix" || true)
	left="$left$(ip -all netns exec true 2>/dev/null | grep -F -- "$prefix" || true)"
	for pid in $(pgrep -f -- "$dir/"); do
		grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null ||
			left="$left process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
	[ -e "$dir" ] && left="$left $dir"
	is "$mode: down leaves no namespace, process or file" "$left" ""
}

# IP-in-IP, built here byte by byte: outer header by the kernel (raw socket, protocol 4)
csum16() {
	local hex=$1 sum=0 i
	for ((i = 0; i < ${#hex}; i += 4)); do sum=$((sum + 16#${hex:i:4})); done
	while ((sum >> 16)); do sum=$(((sum & 0xffff) + (sum >> 16))); done
	printf '%04x' $((~sum & 0xffff))
}
hex_ip() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	printf '%02x%02x%02x%02x' "$1" "$2" "$3" "$4"
}
# an IPv4 ICMP echo request SRC -> DST, as \x escapes for printf
inner_packet() {
	local icmp hdr len
	icmp="08000000ca1c0001$(printf 'caltrace' | od -An -tx1 | tr -d ' \n')"
	icmp="0800$(csum16 "$icmp")${icmp:8}"
	len=$(printf '%04x' $((20 + ${#icmp} / 2)))
	# version/IHL, TOS, length, id, DF, TTL 64, ICMP, checksum 0 (filled below), src, dst
	hdr="4500${len}000140004001""0000$(hex_ip "$1")$(hex_ip "$2")"
	hdr="${hdr:0:20}$(csum16 "$hdr")${hdr:24}"
	printf '%s%s' "$hdr" "$icmp" | sed 's/../\\x&/g'
}

check_raw_ipip() {
	local mode=$1 f="$LAB_DIR/raw-ipip.pcap" got
	capture_start "$LAB_N2" eth0 "$f" 1 5 'ip proto 4' || {
		not_ok "$mode: a crafted IP-protocol-4 packet crosses the underlay" "no capture"
		return
	}
	# shellcheck disable=SC2059 # the format is the packet
	printf "$(inner_packet "$LAB_POD_1_IP" "$LAB_POD_3_IP")" |
		ip netns exec "$LAB_N1" socat -u STDIN "IP4-SENDTO:$LAB_N2_IP:4"
	capture_wait
	got=$(tshark_fields "$f" 'ip.proto == 4' ip.proto ip.src ip.dst icmp.type)
	is "$mode: a crafted IP-protocol-4 packet n1 -> n2 is captured on n2's eth0 (tshark)" "$got" \
		"$(printf '4,1\t%s,%s\t%s,%s\t8' "$LAB_N1_IP" "$LAB_POD_1_IP" "$LAB_N2_IP" "$LAB_POD_3_IP")"
}

# a pod ping, captured on n2's underlay: what the encapsulation puts on the wire
check_wire() {
	local mode=$1 filter=$2 dfilter=$3 f="$LAB_DIR/wire.pcap" got want
	shift 3
	capture_start "$LAB_N2" eth0 "$f" 2 5 "$filter" || {
		not_ok "$mode: pod ping on the wire" "no capture"
		return
	}
	pings "$LAB_POD_1_NS" "$LAB_POD_3_IP" || diag "ping web-1 -> web-2 failed"
	capture_wait
	got=$(tshark_fields "$f" "$dfilter" "$@" | head -n 2)
	case "$mode" in
	vxlan) want=$(printf '4096\t%s,%s\t%s,%s\n4096\t%s,%s\t%s,%s' \
		"$LAB_N1_IP" "$LAB_POD_1_IP" "$LAB_N2_IP" "$LAB_POD_3_IP" \
		"$LAB_N2_IP" "$LAB_POD_3_IP" "$LAB_N1_IP" "$LAB_POD_1_IP") ;;
	ipip) want=$(printf '4,1\t%s,%s\t%s,%s\n4,1\t%s,%s\t%s,%s' \
		"$LAB_N1_IP" "$LAB_POD_1_IP" "$LAB_N2_IP" "$LAB_POD_3_IP" \
		"$LAB_N2_IP" "$LAB_POD_3_IP" "$LAB_N1_IP" "$LAB_POD_1_IP") ;;
	esac
	is "$mode: web-1 <-> web-2 ping is encapsulated on n2's eth0 (tshark: $dfilter)" "$got" "$want"
}

check_bgp() {
	local k r s est names bad="" routes ip179
	for k in 1 2 3; do
		s=$(birdc -s "$(lab_var "LAB_N${k}_BIRD_SOCK")" show protocols 2>&1)
		est=$(grep -E '^Mesh_' <<<"$s" | grep -c ' Established') || true
		names=$(grep -oE '^Mesh_[0-9_]+' <<<"$s" | sort | xargs)
		want=$(for r in 1 2 3; do [ "$r" = "$k" ] || lab_var "LAB_N${r}_PEER"; echo; done | sed '/^$/d' | sort | xargs)
		[ "$est" = 2 ] && [ "$names" = "$want" ] || bad="$bad
n$k: $s"
	done
	[ -z "$bad" ] && ok "bgp: birdc shows both Mesh_ sessions Established on every node" ||
		not_ok "bgp: birdc shows both Mesh_ sessions Established on every node" "${bad#?}"
	# Calico's rule: the peer with the higher address connects, so n1 only accepts (local port
	# 179) and n3 only connects (remote port 179); the kernel's sockets say who did what (bird's
	# mesh over IPv4, and bird6's over IPv6 when the lab has IPv6)
	for fam in 4 6; do
		[ "$fam" = 6 ] && [ -z "$LAB_N1_IP6" ] && continue
		ip179=$(ip netns exec "$LAB_N1" ss -"$fam" -Htn state established '( sport = :179 )' | wc -l)
		is "bgp: n1 (lowest address) accepted both IPv$fam sessions (ss)" "$ip179" 2
		ip179=$(ip netns exec "$LAB_N3" ss -"$fam" -Htn state established '( dport = :179 )' | wc -l)
		is "bgp: n3 (highest address) opened both IPv$fam sessions (ss)" "$ip179" 2
	done
	bad=""
	for k in 1 2 3; do
		routes=$(ip -n "$(lab_var "LAB_N$k")" -j route show proto bird)
		for r in 1 2 3; do
			if [ "$r" = "$k" ]; then
				s=$(json_get "$routes" ".[] | select(.dst == \"$(lab_var "LAB_N${r}_BLOCK")\") | .type")
				[ "$s" = blackhole ] || bad="$bad
n$k: own block not a proto bird blackhole: $routes"
			else
				s=$(json_get "$routes" ".[] | select(.dst == \"$(lab_var "LAB_N${r}_BLOCK")\") | \"\(.gateway) \(.dev)\"")
				[ "$s" = "$(lab_var "LAB_N${r}_IP") eth0" ] || bad="$bad
n$k: route to n$r's block: '$s'"
			fi
		done
	done
	[ -z "$bad" ] && ok "bgp: kernel has proto bird routes: own block blackhole, others via their node" ||
		not_ok "bgp: kernel has proto bird routes: own block blackhole, others via their node" "${bad#?}"
}

# faults: each breaks web-1 -> web-2 (or BGP) on and mends it off; the oracle is the kernel
check_faults() {
	local mode=$1 f s
	for f in proxy_arp route calidown nogw noforward; do
		if ! lab_fault "$f" on; then
			not_ok "$mode: fault $f on"
			continue
		fi
		case "$f" in
		proxy_arp) s="proxy_arp=$(sysctl_in "$LAB_N1" "net/ipv4/conf/$LAB_POD_1_VETH/proxy_arp")" ;;
		route) s="$(ip -n "$LAB_N1" route show "$LAB_POD_1_IP/32" | wc -l) routes to web-1" ;;
		calidown) s="$LAB_POD_1_VETH $(json_get "$(ip -n "$LAB_N1" -j link show "$LAB_POD_1_VETH")" '.[0].operstate')" ;;
		nogw) s="$(ip -n "$LAB_N1" route show default | wc -l) default routes on n1" ;;
		noforward) s="n1 ip_forward=$(sysctl_in "$LAB_N1" net/ipv4/ip_forward)" ;;
		esac
		if PING_WAIT=1 pings "$LAB_POD_1_NS" "$LAB_POD_3_IP"; then
			not_ok "$mode: fault $f on breaks web-1 -> web-2" "ping still works ($s)"
		else
			ok "$mode: fault $f on breaks web-1 -> web-2 ($s)"
		fi
		lab_fault "$f" off || not_ok "$mode: fault $f off"
		ok_if "$mode: fault $f off mends web-1 -> web-2" "no reply" \
			pings "$LAB_POD_1_NS" "$LAB_POD_3_IP"
	done
	[ "$mode" = bgp ] || return 0
	lab_fault birdkill on || not_ok "$mode: fault birdkill on"
	# n1 waits for n2 (passive), n3 keeps trying to connect to the dead n2
	wait_until 30 sh -c "birdc -s '$LAB_N1_BIRD_SOCK' show protocols $LAB_N2_PEER | grep -q Passive"
	s=$(birdc -s "$LAB_N1_BIRD_SOCK" show protocols "$LAB_N2_PEER" | grep -oE '(Passive|Active|Established|Connect|Idle)' | head -n1)
	is "$mode: fault birdkill: n1's session to n2 is Passive" "$s" Passive
	wait_until 30 sh -c "birdc -s '$LAB_N3_BIRD_SOCK' show protocols $LAB_N2_PEER | grep -q 'Connection refused'"
	s=$(birdc -s "$LAB_N3_BIRD_SOCK" show protocols "$LAB_N2_PEER" | grep -oE '(Active|Passive|Established|Connect|Idle).*' | head -n1 | xargs)
	is "$mode: fault birdkill: n3's session to n2 is Active, connection refused" "$s" \
		"Active Socket: Connection refused"
	s=$(ip -n "$LAB_N2" route show proto bird | wc -l)
	is "$mode: fault birdkill: dead BIRD's routes stay in n2's kernel (persist)" "$s" 3
	if lab_fault birdkill off; then
		ok "$mode: fault birdkill off: BIRD restarted, mesh Established again"
	else
		not_ok "$mode: fault birdkill off: BIRD restarted, mesh Established again"
	fi
}

# ---------------------------------------------------------------- per mode
for mode in $MODES; do
	t0=$(now_ms)
	if ! lab_up "$mode"; then
		not_ok "$mode: lab up"
		continue
	fi
	t_up=$(($(now_ms) - t0))
	ok "$mode: lab up in $t_up ms"
	prefix=$LAB_PREFIX
	dir=$LAB_DIR
	names=$(ip netns list | awk '{print $1}' | grep -cF -- "$prefix")
	is "$mode: the lab made 10 namespaces, all named '$prefix...'" "$names" 10
	is "$mode: Calico's own test vector: default.podA -> cali7f94ce7c295" \
		"$(calico_name default.podA)" cali7f94ce7c295
	check_fails "$mode: up refuses a prefix in use" "$LAB" up "$mode" "$prefix"
	check_workloads "$mode"
	check_nodes_file "$mode" "$prefix"
	nodes_file=$LAB_NODES_FILE
	all_pairs_ping "$mode" "$dir"
	check_ipv6 "$mode"
	case "$mode" in
	bgp)
		check_bgp
		check_route_get "$mode" "$LAB_N2_IP" eth0
		check_raw_ipip "$mode"
		;;
	vxlan)
		check_route_get "$mode" "$LAB_N2_TUN_IP" vxlan.calico
		s=$(ip netns exec "$LAB_N1" bridge -j fdb show dev vxlan.calico |
			jq -r '[.[] | select(.dst) | "\(.mac) \(.dst)"] | sort | join(",")')
		is "vxlan: n1's FDB sends n2's and n3's VTEP MACs to their nodes" "$s" \
			"$(printf '%s %s\n%s %s' "$LAB_N2_VTEP_MAC" "$LAB_N2_IP" "$LAB_N3_VTEP_MAC" "$LAB_N3_IP" | sort | paste -sd,)"
		check_wire "$mode" 'udp port 4789' 'vxlan' vxlan.vni ip.src ip.dst
		;;
	ipip)
		check_route_get "$mode" "$LAB_N2_IP" tunl0
		check_wire "$mode" 'ip proto 4' 'ip.proto == 4' ip.proto ip.src ip.dst
		;;
	esac
	check_faults "$mode"
	t0=$(now_ms)
	lab_down "$prefix"
	diag "$mode: up $t_up ms, down $(($(now_ms) - t0)) ms"
	check_gone "$mode" "$prefix" "$dir"
	is "$mode: down removes the nodes file" "$([ -e "$nodes_file" ] && echo "$nodes_file left")" ""
	check "$mode: down again is a no-op" "$LAB" down "$prefix"
done

# an `up` interrupted half-way removes what it built
prefix="ct$$z-"
"$LAB" up bgp "$prefix" >/dev/null 2>&1 &
sleep 0.4
kill -TERM $!
wait $! 2>/dev/null
check_gone "interrupted up" "$prefix" "${LAB_RUN:-/run/caltrace-lab}/$prefix"

done_testing
