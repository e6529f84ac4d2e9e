#!/bin/bash
# `caltrace path` to a Service VIP, on a VXLAN lab: kube-proxy-like rules (iptables-nft, as
# kube-proxy's iptables mode writes them) on the source pod's node n1: a Service
# VIP_DNS:53/udp with two backends (pods 3 on n2 and 5 on n3), and one without endpoints
# (a filter REJECT "has no endpoints"). Asserts:
#  - path POD VIP --proto udp --port 53: one hop of kind service on n1, ok, its backends
#    those of the DNAT rules read back with iptables-nft-save (the oracle), exit 0;
#  - the Service without endpoints: the hop fails with path_service_no_endpoints, exit 1;
#  - --to-backend a backend on n2: the service hop, then the hops to that pod, all ok, the
#    service hop before n1's policy_out, the nodes of the forward and reverse paths those of
#    the kernel's own `ip route get` walk;
#  - --to-backend an address that is no backend, or without a VIP DST: exit 2, one line;
#  - then kube-proxy's nftables mode instead (table ip kube-proxy on n1, nft -f): the VIP a
#    Service with the backends `nft -j list table ip kube-proxy` leads to (jq, the oracle), one
#    in no-endpoint-services fails, --to-backend traces to a backend on n3 with the DNAT hop.
# The rules are removed at the end (the lab's teardown removes the namespaces anyway).
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq awk sort nft iptables-nft-restore iptables-nft-save iptables-nft
need_caltrace

case " ${LAB_MODES:-bgp vxlan} " in
*" vxlan "*) ;;
*) skip_all "LAB_MODES has no vxlan" ;;
esac
lab_up vxlan || bail "vxlan: lab up"

# addresses that change with the run (nothing below is a pasted answer)
a=$(($$ % 200 + 20))
VIP_DNS=10.96.$a.10 VIP_EMPTY=10.96.$a.20
BE1=$LAB_POD_3_IP BE2=$LAB_POD_5_IP
SRC=$LAB_POD_1_IP

# kube-proxy's iptables rules (pkg/proxy/iptables/proxier.go), added beside Felix's
kube_rules() {
	cat <<EOF
*filter
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d $VIP_EMPTY/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SEP-DNS1AAAAAAAAAAAA - [0:0]
:KUBE-SEP-DNS2BBBBBBBBBBBB - [0:0]
-A KUBE-SERVICES -d $VIP_DNS/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> $BE1:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-DNS1AAAAAAAAAAAA
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> $BE2:53" -j KUBE-SEP-DNS2BBBBBBBBBBBB
-A KUBE-SEP-DNS1AAAAAAAAAAAA -s $BE1/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS1AAAAAAAAAAAA -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination $BE1:53
-A KUBE-SEP-DNS2BBBBBBBBBBBB -s $BE2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS2BBBBBBBBBBBB -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination $BE2:53
COMMIT
EOF
}
kube_rules | ip netns exec "$LAB_N1" iptables-nft-restore --noflush || bail "iptables-nft-restore"
kube_clean() {
	local t ch
	for t in nat:KUBE-SERVICES nat:KUBE-SVC-TCOU7JCQXEZGVUNU nat:KUBE-SEP-DNS1AAAAAAAAAAAA \
		nat:KUBE-SEP-DNS2BBBBBBBBBBBB nat:KUBE-MARK-MASQ filter:KUBE-SERVICES; do
		ch=${t#*:}
		ip netns exec "$LAB_N1" iptables-nft -t "${t%%:*}" -F "$ch" 2>/dev/null
	done
	for t in nat:KUBE-SERVICES nat:KUBE-SVC-TCOU7JCQXEZGVUNU nat:KUBE-SEP-DNS1AAAAAAAAAAAA \
		nat:KUBE-SEP-DNS2BBBBBBBBBBBB nat:KUBE-MARK-MASQ filter:KUBE-SERVICES; do
		ch=${t#*:}
		ip netns exec "$LAB_N1" iptables-nft -t "${t%%:*}" -X "$ch" 2>/dev/null
	done
}

# the oracle: the DNAT targets of the Service's endpoint chains, as iptables-nft-save shows
save=$(ip netns exec "$LAB_N1" iptables-nft-save) || bail "iptables-nft-save"
want_be=$(awk -v vip="$VIP_DNS/32" '
	/^-A KUBE-SERVICES / && index($0, "-d " vip " ") { for (i = 1; i < NF; i++) if ($i == "-j") svc = $(i + 1) }
	/^-A KUBE-SVC-/ { for (i = 1; i < NF; i++) if ($i == "-j") sep[$2] = sep[$2] " " $(i + 1) }
	/^-A KUBE-SEP-/ && / DNAT / { for (i = 1; i < NF; i++) if ($i == "--to-destination") dn[$2] = $(i + 1) }
	END { n = split(sep[svc], s, " "); for (i = 1; i <= n; i++) print dn[s[i]] }' <<<"$save" | sort | xargs)
is "oracle: iptables-nft-save shows the Service's two DNAT targets" "$(wc -w <<<"$want_be")" 2

# path ARGS...: the JSON document in $out, the exit status in $rc
path() {
	out=$("$CALTRACE" -j -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=$LAB_N2" --node "n3=$LAB_N3" \
		path "$@" 2>&1)
	rc=$?
}

# the kernel's walk, node names from the node of pod S to pod D (lab-path.sh's oracle)
kernel_walk() {
	local s=$1 d=$2 k iif sip dip seq="" j dev gw r _
	k=$(lab_var "LAB_POD_${s}_NODE")
	iif=$(lab_var "LAB_POD_${s}_VETH")
	sip=$(lab_var "LAB_POD_${s}_IP") dip=$(lab_var "LAB_POD_${d}_IP")
	for _ in 1 2 3 4; do
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
			[ "$gw" = "$(lab_var "LAB_N${r}_IP")" ] || [ "$gw" = "$(lab_var "LAB_N${r}_TUN_IP")" ] && k=$r
		done
		[ -n "$k" ] || {
			echo "${seq# } via $gw"
			return
		}
		iif=vxlan.calico
	done
	echo "${seq# }"
}

# ---- the VIP: one service hop with its backends
path --proto udp --port 53 "$SRC" "$VIP_DNS"
is "path to $VIP_DNS:53/udp: exit 0" "$rc" 0
is "... one hop: service on n1, ok" \
	"$(jq -r '[.hops[] | "\(.direction) \(.kind) \(.node) \(.verdict)"] | join("; ")' <<<"$out" 2>&1)" \
	"forward service n1 ok"
is "... the service object's backends are the DNAT targets iptables-nft-save shows" \
	"$(jq -r '[.service.backends[] | "\(.ip):\(.port)"] | sort | join(" ")' <<<"$out" 2>&1)" "$want_be"
is "... the hop's evidence lists them" \
	"$(jq -r '[.hops[0].evidence[] | sub("^backend "; "")] | sort | join(" ")' <<<"$out" 2>&1)" "$want_be"
is "... the service object names it" \
	"$(jq -r '.service | "\(.vip) \(.port) \(.proto) \(.name) \(.source) \(.no_endpoints)"' <<<"$out" 2>&1)" \
	"$VIP_DNS 53 udp kube-system/kube-dns:dns iptables-nft false"
case "$(jq -r '.note' <<<"$out" 2>&1)" in
*"--to-backend"*) ok "... a note says how to trace a backend" ;;
*) not_ok "... a note says how to trace a backend" "$out" ;;
esac
out=$("$CALTRACE" -n "$LAB_N1" --color never path --proto udp --port 53 "$SRC" "$VIP_DNS" 2>&1)
rc=$?
case "$out" in
*"service"*"$VIP_DNS:53/udp is Service kube-system/kube-dns:dns (iptables-nft), 2 backends: "*) ok "text: the hop line" ;;
*) not_ok "text: the hop line" "$out" ;;
esac

# the same address for another protocol is no Service: traced as an address, no service hop
path --proto tcp --port 53 "$SRC" "$VIP_DNS"
is "$VIP_DNS:53/tcp is no Service: no service hop, service null" \
	"$(jq -r '[([.hops[] | select(.kind == "service")] | length), .service] | map(tostring) | join(" ")' <<<"$out" 2>&1)" "0 null"

# ---- the Service without endpoints
path --proto tcp --port 80 "$SRC" "$VIP_EMPTY"
is "path to $VIP_EMPTY:80/tcp (no endpoints): exit 1" "$rc" 1
is "... the service hop fails with path_service_no_endpoints" \
	"$(jq -r '[.hops[] | "\(.kind) \(.node) \(.verdict) \(.findings | join(","))"] | join("; ")' <<<"$out" 2>&1)" \
	"service n1 fail path_service_no_endpoints"
is "... its fix lists the EndpointSlices of the Service" \
	"$(jq -r '.findings[] | select(.code == "path_service_no_endpoints") | .run[0]' <<<"$out" 2>&1)" \
	"kubectl -n default get endpointslices -l kubernetes.io/service-name=empty"
is "... service.no_endpoints and no backend" \
	"$(jq -r '.service | "\(.no_endpoints) \(.backends | length)"' <<<"$out" 2>&1)" "true 0"

# ---- --to-backend a backend on n2: the DNAT hop, then the path to that pod
path --proto udp --port 53 --to-backend "$BE1" "$SRC" "$VIP_DNS"
is "--to-backend $BE1: exit 0" "$rc" 0
is "... every hop ok" \
	"$(jq -r '[.hops[] | select(.verdict != "ok") | "\(.direction) \(.kind) \(.node) \(.verdict)"] | join("; ")' <<<"$out" 2>&1)" ""
is "... forward: pod, workload, then the service hop (the DNAT) before n1's policy" \
	"$(jq -r '[.hops[] | select(.direction == "forward") | .kind][0:4] | join(" ")' <<<"$out" 2>&1)" \
	"pod_egress workload_in service policy_out"
is "... the service hop says the DNAT" \
	"$(jq -r '.hops[] | select(.kind == "service") | .summary | split(":")[0:3] | join(":")' <<<"$out" 2>&1)" \
	"$VIP_DNS:53 -> $BE1:53"
is "... forward nodes as the kernel walks them to the backend" \
	"$(jq -r '[.hops[] | select(.direction == "forward" and .kind == "forward") | .node] | join(" ")' <<<"$out" 2>&1)" \
	"$(kernel_walk 1 3)"
is "... reverse nodes as the kernel walks them back" \
	"$(jq -r '[.hops[] | select(.direction == "reverse" and .kind == "forward") | .node] | join(" ")' <<<"$out" 2>&1)" \
	"$(kernel_walk 3 1)"
is "... it arrives at the backend's pod on n2" \
	"$(jq -r '[.hops[] | select(.direction == "forward" and .kind == "pod_ingress") | .node] | join(" ")' <<<"$out" 2>&1)" n2

# ---- one read of the rulesets: with --to-backend, the Services and Felix's policy of n1 (the
# source's node) both come from one run of each `*tables-save`. Wrappers first on PATH log
# each run with the network namespace it ran in (the kernel's inode), then run the real one.
WRAP=$(mktemp -d /tmp/ctsvcwrap.XXXXXX) || bail "mktemp"
at_exit "rm -rf '$WRAP'"
SAVES="iptables-legacy-save iptables-nft-save ip6tables-legacy-save ip6tables-nft-save"
for b in $SAVES; do
	real=$(command -v "$b") || continue
	printf '#!/bin/sh\necho "%s $(readlink /proc/self/ns/net)" >>"%s/log"\nexec "%s" "$@"\n' \
		"$b" "$WRAP" "$real" >"$WRAP/$b"
	chmod +x "$WRAP/$b"
done
: >"$WRAP/log"
out=$(PATH="$WRAP:$PATH" "$CALTRACE" -j -n "$LAB_N1" --node "n1=$LAB_N1" --node "n2=$LAB_N2" \
	--node "n3=$LAB_N3" path --proto udp --port 53 --to-backend "$BE1" "$SRC" "$VIP_DNS" 2>&1)
rc=$?
is "--to-backend with the wrappers: exit 0" "$rc" 0
n1net=$(ip netns exec "$LAB_N1" readlink /proc/self/ns/net)
n2net=$(ip netns exec "$LAB_N2" readlink /proc/self/ns/net)
for b in $SAVES; do
	[ -x "$WRAP/$b" ] || continue
	is "--to-backend: $b runs once in n1 (Services and policy share it)" \
		"$(grep -cxF "$b $n1net" "$WRAP/log")" 1
	is "--to-backend: $b runs once in n2 (the backend's node: policy)" \
		"$(grep -cxF "$b $n2net" "$WRAP/log")" 1
done
is "--to-backend: the DNAT hop still lists the backends" \
	"$(jq -r '[.hops[] | select(.kind == "service")][0].verdict' <<<"$out" 2>&1)" ok

# ---- usage errors: one line, exit 2
out=$("$CALTRACE" -n "$LAB_N1" --node "n2=$LAB_N2" path --proto udp --port 53 --to-backend "$LAB_POD_4_IP" \
	"$SRC" "$VIP_DNS" 2>&1)
rc=$?
is "--to-backend a pod that is no backend: exit 2" "$rc" 2
case "$out" in
"caltrace: --to-backend $LAB_POD_4_IP is not a backend of Service kube-system/kube-dns:dns at $VIP_DNS: its backends are "*)
	is "... in one line listing the backends" "$(wc -l <<<"$out") $(tr -cd ',' <<<"$out" | wc -c)" "1 1" ;;
*) not_ok "... in one line listing the backends" "$out" ;;
esac
out=$("$CALTRACE" -n "$LAB_N1" --node "n2=$LAB_N2" path --to-backend "$BE1" "$SRC" "$LAB_POD_3_IP" 2>&1)
rc=$?
is "--to-backend with a DST that is no VIP: exit 2, one line" "$rc $(wc -l <<<"$out")" "2 1"
out=$("$CALTRACE" -n "$LAB_N1" path --to-backend not-an-ip "$SRC" "$VIP_DNS" 2>&1)
rc=$?
is "--to-backend not-an-ip: exit 2" "$rc" 2

kube_clean
is "the rules are gone" "$(ip netns exec "$LAB_N1" iptables-nft-save | grep -c KUBE-)" 0

# ---- kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go): table ip kube-proxy on n1
# alone (the iptables rules are gone), its own VIPs; the oracle is `nft -j list table ip
# kube-proxy` followed with jq from the service-ips map to the dnat statements
NVIP_DNS=10.96.$a.11 NVIP_EMPTY=10.96.$a.21
nft_rules() {
	cat <<EOF
table ip kube-proxy {
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { $NVIP_DNS . udp . 53 : goto service-TCOU7JCQ-kube-system/kube-dns/udp/dns }
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { $NVIP_EMPTY . tcp . 80 comment "default/empty:http" : goto reject-chain }
	}
	chain reject-chain {
		reject
	}
	chain mark-for-masquerade {
		mark set mark or 0x4000
	}
	chain services {
		ip daddr . meta l4proto . th dport vmap @service-ips
	}
	chain filter-prerouting {
		type filter hook prerouting priority dstnat - 10; policy accept;
		ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services
	}
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}
	chain service-TCOU7JCQ-kube-system/kube-dns/udp/dns {
		ip daddr $NVIP_DNS ip saddr != $LAB_POOL jump mark-for-masquerade
		numgen random mod 2 vmap { 0 : goto endpoint-DNS1AAAA-kube-system/kube-dns/udp/dns__$BE1/53, 1 : goto endpoint-DNS2BBBB-kube-system/kube-dns/udp/dns__$BE2/53 }
	}
	chain endpoint-DNS1AAAA-kube-system/kube-dns/udp/dns__$BE1/53 {
		ip saddr $BE1 jump mark-for-masquerade
		meta l4proto udp dnat to $BE1:53
	}
	chain endpoint-DNS2BBBB-kube-system/kube-dns/udp/dns__$BE2/53 {
		ip saddr $BE2 jump mark-for-masquerade
		meta l4proto udp dnat to $BE2:53
	}
}
EOF
}
nft_rules | ip netns exec "$LAB_N1" nft -f - || bail "nft -f (table ip kube-proxy)"
nft_clean() { ip netns exec "$LAB_N1" nft delete table ip kube-proxy 2>/dev/null; }
nj=$(ip netns exec "$LAB_N1" nft -j list table ip kube-proxy) || bail "nft -j list table ip kube-proxy"
# the oracle: VIP's element of service-ips, its chain followed down to the dnat statements
nft_be=$(jq -r --arg vip "$NVIP_DNS" '
	.nftables as $all
	| def rules($c): $all[] | .rule? | select(. != null and .chain == $c);
	  def dnats($c; $d): if $d > 8 then empty else
		(rules($c) | .expr[] | .dnat? | select(. != null) | "\(.addr):\(.port)"),
		(rules($c) | [.. | objects | (.goto?, .jump?) | select(. != null) | .target] | .[]
		 | select(. != "mark-for-masquerade") as $t | dnats($t; $d + 1)) end;
	$all[] | .map? | select(. != null and .name == "service-ips") | .elem[]
	| select(.[0].concat[0] == $vip) | (.[1].goto // .[1].jump).target | [dnats(.; 0)]
	| unique | join(" ")' <<<"$nj")
is "nft oracle: the Service's two dnat targets" "$(wc -w <<<"$nft_be")" 2
is "nft oracle: $NVIP_EMPTY is in no-endpoint-services, not in service-ips" \
	"$(jq -r --arg vip "$NVIP_EMPTY" '[.nftables[] | .map? | select(. != null)
		| select(any(.elem[]; ((.[0].concat // .[0].elem.val.concat) // [])[0] == $vip)) | .name] | join(" ")' <<<"$nj")" \
	"no-endpoint-services"

path --proto udp --port 53 "$SRC" "$NVIP_DNS"
is "nft: path to $NVIP_DNS:53/udp: exit 0" "$rc" 0
is "nft: ... one hop: service on n1, ok" \
	"$(jq -r '[.hops[] | "\(.direction) \(.kind) \(.node) \(.verdict)"] | join("; ")' <<<"$out" 2>&1)" \
	"forward service n1 ok"
is "nft: ... its backends are the dnat targets nft -j shows" \
	"$(jq -r '[.service.backends[] | "\(.ip):\(.port)"] | sort | join(" ")' <<<"$out" 2>&1)" "$nft_be"
is "nft: ... the service object names it, read from nftables" \
	"$(jq -r '.service | "\(.vip) \(.port) \(.proto) \(.name) \(.source) \(.no_endpoints)"' <<<"$out" 2>&1)" \
	"$NVIP_DNS 53 udp kube-system/kube-dns:dns nftables false"

# the kernel rejects it: a connect from pod 1 is refused (the rule's ICMP port unreachable)
cout=$(ip netns exec "$(lab_var LAB_POD_1_NS)" timeout 5 bash -c "exec 3<>/dev/tcp/$NVIP_EMPTY/80" 2>&1)
case "$cout" in
*"Connection refused"*) ok "nft oracle: the kernel refuses $NVIP_EMPTY:80 from pod 1" ;;
*) not_ok "nft oracle: the kernel refuses $NVIP_EMPTY:80 from pod 1" "$cout" ;;
esac
path --proto tcp --port 80 "$SRC" "$NVIP_EMPTY"
is "nft: path to $NVIP_EMPTY:80/tcp (no endpoints): exit 1" "$rc" 1
is "nft: ... the service hop fails with path_service_no_endpoints" \
	"$(jq -r '[.hops[] | "\(.kind) \(.node) \(.verdict) \(.findings | join(","))"] | join("; ")' <<<"$out" 2>&1)" \
	"service n1 fail path_service_no_endpoints"
is "nft: ... service.no_endpoints, no backend, named by the element's comment" \
	"$(jq -r '.service | "\(.no_endpoints) \(.backends | length) \(.name)"' <<<"$out" 2>&1)" \
	"true 0 default/empty:http"

path --proto udp --port 53 --to-backend "$BE2" "$SRC" "$NVIP_DNS"
is "nft: --to-backend $BE2: exit 0" "$rc" 0
is "nft: ... every hop ok" \
	"$(jq -r '[.hops[] | select(.verdict != "ok") | "\(.direction) \(.kind) \(.node) \(.verdict)"] | join("; ")' <<<"$out" 2>&1)" ""
is "nft: ... the service hop (the DNAT) before n1's policy" \
	"$(jq -r '[.hops[] | select(.direction == "forward") | .kind][0:4] | join(" ")' <<<"$out" 2>&1)" \
	"pod_egress workload_in service policy_out"
is "nft: ... the service hop says the DNAT" \
	"$(jq -r '.hops[] | select(.kind == "service") | .summary | split(":")[0:3] | join(":")' <<<"$out" 2>&1)" \
	"$NVIP_DNS:53 -> $BE2:53"
is "nft: ... forward nodes as the kernel walks them to the backend" \
	"$(jq -r '[.hops[] | select(.direction == "forward" and .kind == "forward") | .node] | join(" ")' <<<"$out" 2>&1)" \
	"$(kernel_walk 1 5)"

nft_clean
ip netns exec "$LAB_N1" nft list table ip kube-proxy >/dev/null 2>&1
is "the nft table is gone" "$?" 1
lab_down

done_testing
