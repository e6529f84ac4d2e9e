#!/bin/bash
# kube-proxy's Services read through probes/svc.c (tests/tools/svctool), in namespaces this
# script creates (ct<pid>sv-*, deleted on exit) and programs like kube-proxy does: through
# iptables-legacy (v4 and v6), iptables-nft, and nft (kube-proxy's nftables mode, table ip
# kube-proxy), each with a Service of two endpoints, one of one endpoint and one with none.
# The oracles: iptables-*-save parsed here with awk, and `nft -j list ruleset` with jq; the
# eBPF case is a namespace with a bpfin.cali device; without CAP_NET_ADMIN nothing is run.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip jq awk sort nft iptables-legacy-restore ip6tables-legacy-restore iptables-nft-restore \
	iptables-legacy-save ip6tables-legacy-save iptables-nft-save
TOOL=$(need_tool svctool) || bail "build tests/tools/svctool.c" "$TOOL"

P=ct$$sv
NSS=()
# shellcheck disable=SC2016 # expanded at exit
at_exit 'for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done'
mkns() {
	ip netns add "$1" || bail "cannot create namespace $1"
	NSS+=("$1")
}

# addresses that change with the run (nothing below is a pasted answer)
a=$(($$ % 200 + 20))
b=$((($$ / 200) % 200 + 20))
VIP_DNS=10.96.$a.10 VIP_WEB=10.96.$a.30 VIP_EMPTY=10.96.$a.20
BE1=10.244.$b.2 BE2=10.244.$((b + 1)).3 BE3=10.244.$b.7
VIP6_DNS=fd00:10:96::$a VIP6_EMPTY=fd00:10:96::$b BE6=fd00:10:244::$b

# kube-proxy's iptables rules (pkg/proxy/iptables/proxier.go), as iptables-restore input
ipt_rules() {
	cat <<EOF
*filter
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d $VIP_EMPTY/32 -p tcp -m comment --comment "default/empty:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-SVC-TCOU7JCQXEZGVUNU - [0:0]
:KUBE-SVC-WEB00000000000AA - [0:0]
:KUBE-SEP-DNS1AAAAAAAAAAAA - [0:0]
:KUBE-SEP-DNS2BBBBBBBBBBBB - [0:0]
:KUBE-SEP-WEB1DDDDDDDDDDDD - [0:0]
-A KUBE-SERVICES -d $VIP_DNS/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
-A KUBE-SERVICES -d $VIP_WEB/32 -p tcp -m comment --comment "shop/web cluster IP" -m tcp --dport 8080 -j KUBE-SVC-WEB00000000000AA
-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-MARK-MASQ
-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.244.0.0/16 -d $VIP_DNS/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> $BE1:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-DNS1AAAAAAAAAAAA
-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> $BE2:53" -j KUBE-SEP-DNS2BBBBBBBBBBBB
-A KUBE-SEP-DNS1AAAAAAAAAAAA -s $BE1/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS1AAAAAAAAAAAA -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination $BE1:53
-A KUBE-SEP-DNS2BBBBBBBBBBBB -s $BE2/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ
-A KUBE-SEP-DNS2BBBBBBBBBBBB -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination $BE2:53
-A KUBE-SVC-WEB00000000000AA -m comment --comment "shop/web -> $BE3:80" -j KUBE-SEP-WEB1DDDDDDDDDDDD
-A KUBE-SEP-WEB1DDDDDDDDDDDD -p tcp -m comment --comment "shop/web" -m tcp -j DNAT --to-destination $BE3:80
COMMIT
EOF
}
ip6t_rules() {
	cat <<EOF
*filter
:KUBE-SERVICES - [0:0]
-A KUBE-SERVICES -d $VIP6_EMPTY/128 -p tcp -m comment --comment "default/empty6:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp6-port-unreachable
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-DNS6AAAAAAAAAAAA - [0:0]
:KUBE-SEP-DNS6BBBBBBBBBBBB - [0:0]
-A KUBE-SERVICES -d $VIP6_DNS/128 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-DNS6AAAAAAAAAAAA
-A KUBE-SVC-DNS6AAAAAAAAAAAA -m comment --comment "kube-system/kube-dns:dns -> [$BE6]:53" -j KUBE-SEP-DNS6BBBBBBBBBBBB
-A KUBE-SEP-DNS6BBBBBBBBBBBB -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination [$BE6]:53
COMMIT
EOF
}
# kube-proxy's nftables mode (pkg/proxy/nftables/proxier.go), as nft -f input
nft_rules() {
	cat <<EOF
table ip kube-proxy {
	map service-ips {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { $VIP_DNS . udp . 53 : goto service-TCOU7JCQ-kube-system/kube-dns/udp/dns,
			     $VIP_WEB . tcp . 8080 : goto service-WEB0AAAA-shop/web/tcp/ }
	}
	map no-endpoint-services {
		type ipv4_addr . inet_proto . inet_service : verdict
		elements = { $VIP_EMPTY . tcp . 80 comment "default/empty:http" : goto reject-chain }
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
	chain nat-prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		jump services
	}
	chain service-TCOU7JCQ-kube-system/kube-dns/udp/dns {
		ip daddr $VIP_DNS ip saddr != 10.244.0.0/16 jump mark-for-masquerade
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
	chain service-WEB0AAAA-shop/web/tcp/ {
		numgen random mod 1 vmap { 0 : goto endpoint-WEB1DDDD-shop/web/tcp/__$BE3/80 }
	}
	chain endpoint-WEB1DDDD-shop/web/tcp/__$BE3/80 {
		meta l4proto tcp dnat to $BE3:80
	}
}
EOF
}

# The oracle for iptables-save text: one line per Service as svctool prints them.
ipt_oracle() { # SOURCE (save text on stdin)
	# Services, Service-to-endpoint jumps and DNATs as tab-separated records, then joined, the
	# backends sorted and grouped per Service
	awk -v src="$1" '
		/^\*/ { table = substr($0, 2) }
		/^(\[[0-9:]*\] )?-A / {
			line = $0; sub(/^\[[0-9:]*\] /, "", line)
			n = split(line, w, " "); chain = w[2]; d = ""; p = ""; dp = ""; j = ""; td = ""; c = ""
			if (match(line, /--comment "[^"]*"/)) c = substr(line, RSTART + 11, RLENGTH - 12)
			for (i = 3; i <= n; i++) {
				if (w[i] == "-d") d = w[i + 1]; if (w[i] == "-p") p = w[i + 1]
				if (w[i] == "--dport") dp = w[i + 1]; if (w[i] == "-j") j = w[i + 1]
				if (w[i] == "--to-destination") td = w[i + 1]
			}
			sub(/\/(32|128)$/, "", d)
			if (table == "nat" && chain == "KUBE-SERVICES" && d != "" && j ~ /^KUBE-SVC-/) {
				sub(/ cluster IP$/, "", c); print "S\t" j "\t" src " " d " " p " " dp " " c " ok"
			}
			if (table == "filter" && chain == "KUBE-SERVICES" && c ~ / has no endpoints$/) {
				sub(/ has no endpoints$/, "", c); print "N\t" src " " d " " p " " dp " " c " no_endpoints"
			}
			if (table == "nat" && chain ~ /^KUBE-SVC-/ && j ~ /^KUBE-SEP-/) print "E\t" chain "\t" j
			if (table == "nat" && j == "DNAT") print "D\t" chain "\t" td
		}' | awk -F'\t' '
		$1 == "S" { svc[$2] = $3; order[++n] = $2 }
		$1 == "E" { ne++; eof[ne] = $2; esep[ne] = $3 }
		$1 == "D" { dn[$2] = $3 }
		$1 == "N" { print $2 "\t-" }
		END { for (i = 1; i <= n; i++) for (k = 1; k <= ne; k++)
			if (eof[k] == order[i]) print svc[order[i]] "\t" dn[esep[k]]
		}' | sort -t"$(printf '\t')" -k1,1 -k2,2 | awk -F'\t' '
		$1 != last { if (last != "") print last " " be; last = $1; be = $2; next }
		{ be = be "," $2 }
		END { if (last != "") print last " " be }'
}

# The oracle for `nft -j list ruleset`: jq follows service-ips to the dnat statements.
nft_oracle() {
	jq -r '
	.nftables as $all
	| def rules($f; $c): $all[] | .rule? | select(. != null and .family == $f and .table == "kube-proxy" and .chain == $c);
	  def dnats($f; $c; $d): if $d > 8 then empty else
		(rules($f; $c) | .expr[] | .dnat? | select(. != null)
		 | if $f == "ip6" then "[\(.addr)]:\(.port)" else "\(.addr):\(.port)" end),
		(rules($f; $c) | [.. | objects | (.goto?, .jump?) | select(. != null) | .target]
		 | .[] | select(. != "mark-for-masquerade") as $t | dnats($f; $t; $d + 1)) end;
	( $all[] | .map? | select(. != null and .table == "kube-proxy" and .name == "service-ips")
	  | .family as $f | .elem[] | .[0].concat as $k | (.[1].goto // .[1].jump).target as $t
	  | ($t | capture("^[a-z]+-[A-Za-z0-9]+-(?<ns>[^/]+)/(?<n>[^/]+)/[^/]+/(?<p>.*)$")) as $m
	  | "nftables \($k[0]) \($k[1]) \($k[2]) \($m.ns)/\($m.n)\(if $m.p == "" then "" else ":" + $m.p end) ok \([dnats($f; $t; 0)] | unique | if length == 0 then "-" else join(",") end)" ),
	( $all[] | .map? | select(. != null and .table == "kube-proxy" and .name == "no-endpoint-services")
	  | .elem[] | .[0].elem as $e
	  | "nftables \($e.val.concat[0]) \($e.val.concat[1]) \($e.val.concat[2]) \($e.comment) no_endpoints -" )'
}

services() { grep -v -e '^read ' -e '^error ' -e '^ebpf' -e '^no_cap' <<<"$1" | sort; }

# ---------------------------------------------------------------- iptables-legacy, v4 and v6
mkns "$P-leg"
ipt_rules | ip netns exec "$P-leg" iptables-legacy-restore || bail "iptables-legacy-restore"
ip6t_rules | ip netns exec "$P-leg" ip6tables-legacy-restore || bail "ip6tables-legacy-restore"
out=$("$TOOL" -n "$P-leg" list)
rc=$?
is "iptables-legacy: svctool exit 0" "$rc" 0
want=$({
	ip netns exec "$P-leg" iptables-legacy-save | ipt_oracle iptables-legacy
	ip netns exec "$P-leg" ip6tables-legacy-save | ipt_oracle iptables-legacy
} | sort)
is "iptables-legacy: the Services, names and backends iptables-save shows (v4 and v6)" \
	"$(services "$out")" "$want"
is "iptables-legacy: 5 Services, as programmed (3 IPv4, 2 IPv6)" "$(services "$out" | wc -l)" 5
ok_if "iptables-legacy: read, no error" "$out" grep -qx 'read iptables-legacy' <<<"$out"
is "iptables-legacy: no source failed" "$(grep -c '^error' <<<"$out")" 0

out=$("$TOOL" -n "$P-leg" find "$VIP_DNS" udp 53)
rc=$?
is "find $VIP_DNS:53/udp: the hop line names the Service and both backends" "$rc $out" \
	"0 $VIP_DNS:53/udp is Service kube-system/kube-dns:dns (iptables-legacy), 2 backends: $BE1:53, $BE2:53"
out=$("$TOOL" -n "$P-leg" find "$VIP_EMPTY" tcp 80)
rc=$?
is "find $VIP_EMPTY:80/tcp: no endpoints, kube-proxy rejects it" "$rc $out" \
	"0 $VIP_EMPTY:80/tcp is Service default/empty:http (iptables-legacy), which has no endpoints: kube-proxy rejects it"
out=$("$TOOL" -n "$P-leg" find "$VIP6_DNS" udp 53)
rc=$?
is "find [$VIP6_DNS]:53/udp: the IPv6 Service" "$rc $out" \
	"0 [$VIP6_DNS]:53/udp is Service kube-system/kube-dns:dns (iptables-legacy), 1 backend: [$BE6]:53"
out=$("$TOOL" -n "$P-leg" find "$VIP_DNS" tcp 53)
rc=$?
is "find $VIP_DNS:53/tcp: not a Service (wrong protocol), exit 1" "$rc $out" "1 none"

# ---------------------------------------------------------------- iptables-nft
mkns "$P-nft"
ipt_rules | ip netns exec "$P-nft" iptables-nft-restore || bail "iptables-nft-restore"
out=$("$TOOL" -n "$P-nft" list)
rc=$?
is "iptables-nft: svctool exit 0" "$rc" 0
is "iptables-nft: the Services iptables-nft-save shows" "$(services "$out")" \
	"$(ip netns exec "$P-nft" iptables-nft-save | ipt_oracle iptables-nft | sort)"
is "iptables-nft: 3 Services, as programmed" "$(services "$out" | wc -l)" 3

# ---------------------------------------------------------------- nftables (kube-proxy's mode)
mkns "$P-nfm"
nft_rules | ip netns exec "$P-nfm" nft -f - || bail "nft -f"
out=$("$TOOL" -n "$P-nfm" list)
rc=$?
is "nftables: svctool exit 0" "$rc" 0
is "nftables: the Services nft -j list ruleset shows (jq)" "$(services "$out")" \
	"$(ip netns exec "$P-nfm" nft -j list ruleset | nft_oracle | sort)"
is "nftables: 3 Services, as programmed" "$(services "$out" | wc -l)" 3
ok_if "nftables: read" "$out" grep -qx 'read nftables' <<<"$out"
out=$("$TOOL" -n "$P-nfm" find "$VIP_EMPTY" any 0)
rc=$?
is "nftables: find $VIP_EMPTY (any port): no endpoints" "$rc $out" \
	"0 $VIP_EMPTY:80/tcp is Service default/empty:http (nftables), which has no endpoints: kube-proxy rejects it"

# ---------------------------------------------------------------- eBPF dataplane
mkns "$P-bpf"
ip -n "$P-bpf" link add bpfin.cali type veth peer name bpfout.cali || bail "bpfin.cali"
out=$("$TOOL" -n "$P-bpf" list)
rc=$?
is "ebpf: svctool exit 0" "$rc" 0
ok_if "ebpf: Services handled in BPF, said so" "$out" \
	grep -qx "ebpf Calico's eBPF dataplane (bpfin.cali) handles Services in BPF maps: caltrace cannot read them" <<<"$out"
is "ebpf: no Service listed" "$(services "$out" | wc -l)" 0

# ---------------------------------------------------------------- without CAP_NET_ADMIN
if command -v setpriv >/dev/null 2>&1; then
	out=$(setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$TOOL" -n "$P-leg" list)
	rc=$?
	is "without CAP_NET_ADMIN: exit 0, nothing run, said so" "$rc $(services "$out" | wc -l) $(grep -cx no_cap <<<"$out")" "0 0 1"
else
	skip "without CAP_NET_ADMIN: no setpriv"
fi

# ---------------------------------------------------------------- a namespace without any
mkns "$P-none"
out=$("$TOOL" -n "$P-none" list)
rc=$?
is "empty namespace: exit 0, no Service" "$rc $(services "$out" | wc -l)" "0 0"
out=$("$TOOL" -n "$P-none-missing" list 2>&1)
rc=$?
is "a missing namespace: exit 3" "$rc" 3

done_testing
