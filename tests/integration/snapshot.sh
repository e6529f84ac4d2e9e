#!/bin/bash
# Snapshots. (a) caltrace --from on the synthetic fixtures (tests/fixtures/*-node.json) against
# the fixtures' own raw data read with jq. (b) In each mode of $LAB_MODES: `caltrace snapshot` of
# node 1 against ip -j (links, routes, namespaces), and every read command live vs from the
# snapshot. (c) A fault captured in a snapshot stays visible there after it is mended live.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd jq
need_caltrace

FIX="$TOP/tests/fixtures"
TMP=$(mktemp -d /tmp/caltrace-snapshot.XXXXXX)
trap 'rm -rf "$TMP"' EXIT # lab_up replaces this trap; its cleanup is added below
cleanup_tmp() { rm -rf "$TMP"; }

# ---------------------------------------------------------------- (a) synthetic fixtures
# jq prelude over a fixture: $ns = netns[0], lk = the link a route's oif names, key = how a
# route is identified in caltrace's output ("dst table type dev"), from the raw fields.
# shellcheck disable=SC2016 # jq, not shell
FX_DEFS='def tbl: if . == 254 then "main" elif . == 255 then "local" else tostring end;
def dstn: if . == "0.0.0.0/0" or . == "::/0" then "default" else . end;
.netns[0] as $ns |
($ns.links | map({key: (.ifindex | tostring), value: .}) | from_entries) as $L |
def lk: $L[.oif | tostring];
def key: "\(.dst | dstn) \(.table | tbl) \(.type) \(lk.name // "-")";'
CT_KEY='def key: "\(.dst) \(.table) \(.type) \(.dev // "-")";'

# fx_rows FIXTURE SELECT VALUE: "key<TAB>value" for every netns[0] route that SELECT keeps
fx_rows() { jq -r "$FX_DEFS"' $ns.routes[] | select('"$2"') | "\(key)\t\('"$3"')"' "$1" | sort; }
# ct_rows JSON KEYS VALUE: "key<TAB>value" for every caltrace route item whose key is in KEYS
ct_rows() {
	printf '%s' "$1" | jq -r --arg keys "$2" "$CT_KEY"'
		($keys | split("\n")) as $k | .items[] | select(key as $x | $k | index([$x])) |
		"\(key)\t\('"$3"')"' | sort
}
# check_rows NAME FIXTURE JSON SELECT FX_VALUE CT_VALUE
check_rows() {
	local exp keys
	exp=$(fx_rows "$2" "$4" "$5")
	if [ -z "$exp" ]; then
		# the fixture has no such route: the check would prove nothing
		skip "$1" "the fixture has none"
		return
	fi
	keys=$(printf '%s\n' "$exp" | cut -f1)
	is "$1 ($(printf '%s\n' "$exp" | wc -l) routes)" "$(ct_rows "$3" "$keys" "$6")" "$exp"
}

for fx in ipip-node:ipip wireguard-node:wireguard ipv6-node:vxlan; do
	name=${fx%%:*} mode=${fx#*:}
	F="$FIX/$name.json"
	[ -r "$F" ] || {
		not_ok "$name: fixture $F readable"
		continue
	}
	out=$("$CALTRACE" --from "$F" routes -j)
	rc=$?
	exit_agrees "$name: routes: exits as its findings say" "$rc" "$out"
	json_eq "$name: routes: one JSON document, source the file" "$out" \
		'"\(.schema_version) \(.command) \(.node.source)"' "1.0 routes $F"
	is "$name: routes: node.synthetic as the fixture says (true)" \
		"$(json_get "$out" .node.synthetic)" "$(jq -r .synthetic "$F")"
	is "$name: routes: one item per route of netns[0]" \
		"$(json_get "$out" '.items | length')" "$(jq '.netns[0].routes | length' "$F")"
	check_rows "$name: routes via an ipip link with a gateway: class ipip, onlink as RTNH_F_ONLINK" \
		"$F" "$out" \
		'lk.kind == "ipip" and .gateway != null' \
		'"ipip" + (if (.flags / 4 | floor) % 2 == 1 then " onlink" else "" end)' \
		'.class + (if (.flags | index(["onlink"])) then " onlink" else "" end)'
	check_rows "$name: /32 and /128 routes to a cali link: class workload" "$F" "$out" \
		'(.dst | test("/(32|128)$")) and ((lk.name // "") | startswith("cali"))' '"workload"' '.class'
	check_rows "$name: blackhole routes: class blackhole" "$F" "$out" \
		'.type == "blackhole"' '"blackhole"' '.class'
	check_rows "$name: protocol bird routes: owner bird" "$F" "$out" \
		'.protocol == "bird"' '"bird"' '.owner'

	out=$("$CALTRACE" --from "$F" tunnel -j)
	rc=$?
	exit_agrees "$name: tunnel: exits as its findings say" "$rc" "$out"
	is "$name: tunnel: mode $mode" "$(json_get "$out" .mode)" "$mode"
	is "$name: tunnel: node.synthetic true" "$(json_get "$out" .node.synthetic)" "$(jq -r .synthetic "$F")"
	is "$name: tunnel: the fixture's ipip/vxlan/wireguard links, with their mtu, vni and port" \
		"$(json_get "$out" '.items[] | "\(.name) \(.mtu) \(.vni) \(.port)"' | sort)" \
		"$(jq -r '.netns[0].links[] | select(.kind == "ipip" or .kind == "vxlan" or .kind == "wireguard") |
			"\(.name) \(.mtu) \(.vxlan.vni) \(.vxlan.port)"' "$F" | sort)"

	out=$("$CALTRACE" --from "$F" links -j)
	rc=$?
	exit_agrees "$name: links: exits as its findings say" "$rc" "$out"
	is "$name: links: node.synthetic true" "$(json_get "$out" .node.synthetic)" "$(jq -r .synthetic "$F")"
	is "$name: links: exactly the fixture's cali* links" \
		"$(json_get "$out" '.items[].name' | sort)" \
		"$(jq -r '.netns[0].links[] | select(.name | startswith("cali")) | .name' "$F" | sort)"
	is "$name: links: pod_ips = the /32 and /128 main-table routes to each link" \
		"$(json_get "$out" '.items[] | "\(.name) \(.pod_ips // [] | sort | join(","))"' | sort)" \
		"$(jq -r '.netns[0] as $ns | $ns.links[] | select(.name | startswith("cali")) | .ifindex as $i |
			"\(.name) \([$ns.routes[] | select(.table == 254 and .oif == $i and (.dst | test("/(32|128)$"))) |
				.dst | sub("/[0-9]+$"; "")] | sort | join(","))"' "$F" | sort)"
done

# the pod namespace of the IPIP fixture
F="$FIX/ipip-node.json"
podns=$(jq -r '.netns[1].name // empty' "$F")
if [ -z "$podns" ]; then
	not_ok "ipip-node: the fixture has a second (pod) namespace"
else
	out=$("$CALTRACE" --from "$F" -n "$podns" tunnel -j)
	rc=$?
	is "ipip-node -n $podns: tunnel: exit 0, tunl0_fallback info on the namespace's ipip link" \
		"$rc $(json_get "$out" '[.findings[] | select(.code == "tunl0_fallback")][0] | "\(.severity) \(.subject)"')" \
		"0 info $(jq -r '.netns[1].links[] | select(.kind == "ipip") | .name' "$F")"
	out=$("$CALTRACE" --from "$F" -n "$podns" neigh -j)
	rc=$?
	exit_agrees "ipip-node -n $podns: neigh: exits as its findings say" "$rc" "$out"
	exp=$(jq -r '.netns[1].neighbours[] | select(.dst == "169.254.1.1") | "169.254.1.1 \(.lladdr)"' "$F")
	is "ipip-node -n $podns: neigh: gateway 169.254.1.1 with the fixture's lladdr (ee:ee:ee:ee:ee:ee)" \
		"$(json_get "$out" '.gateway[] | select(.dst == "169.254.1.1") | "\(.dst) \(.lladdr)"')" \
		"${exp:-169.254.1.1 (none in the fixture)}"
	is "ipip-node: the fixture's gateway lladdr is Calico's ee:ee:ee:ee:ee:ee" "$exp" "169.254.1.1 ee:ee:ee:ee:ee:ee"
	is "ipip-node -n $podns: neigh: node.netns and synthetic" \
		"$(json_get "$out" '"\(.node.netns) \(.node.synthetic)"')" "$podns true"
fi

# ---------------------------------------------------------------- (b), (c) the lab
# (need_cmd would print a second plan "1..0" after the checks above: skip them here instead)
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
	skip "live vs snapshot in the lab" "needs root and ip"
	done_testing
	exit
fi

# ---------------------------------------------------------------- (d) names with any bytes
# Interface names holding bytes that are not UTF-8, in a namespace this script creates: the
# pair cali\xfa / cali\xfb (once merged into one name), cali + eleven 0xff (15 bytes, the
# longest name; once written but not loadable), "\xfa" spelled in ASCII, and every byte the
# kernel accepts in a name (all but NUL, '/', ':', what its isspace() calls a blank, 0xa0
# included, and '%', which makes the name a template like eth%d), eleven a name after "cali". The oracle for the bytes is the kernel
# (/sys/class/net read as bytes by Python); the JSON rule of caltrace(1) STRINGS is reversed
# by an independent Python reading.
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
	skip "names with any bytes" "no $PY"
else
	BNS="ct$$rt"
	at_exit "ip netns del '$BNS' 2>/dev/null; rm -rf '$TMP'"
	ip netns add "$BNS" || bail "ip netns add $BNS"
	bnames=("$(printf 'cali\372')" "$(printf 'cali\373')" 'cali\xfa'
		"$(printf 'cali\377\377\377\377\377\377\377\377\377\377\377')"
		"$(printf 'cali\303\251\377\342\202')" "$(printf 'cali\300\257\355\241\200')")
	# every accepted byte, as two hex digits each, eleven bytes a name
	hex=""
	for c in $(seq 1 255); do
		case $c in 9 | 10 | 11 | 12 | 13 | 32 | 37 | 47 | 58 | 160) continue ;; esac
		hex="$hex$(printf '%02x' "$c")"
	done
	while [ -n "$hex" ]; do
		chunk=${hex:0:22}
		hex=${hex:22}
		# shellcheck disable=SC2059 # the chunk as a printf format of \xNN escapes on purpose
		bnames+=("$(printf "cali$(printf '%s' "$chunk" | sed 's/../\\x&/g')")")
	done
	made=0
	for i in "${!bnames[@]}"; do
		if out=$(ip -n "$BNS" link add name "${bnames[$i]}" type veth peer name "p$i" 2>&1); then
			made=$((made + 1))
		else
			diag "ip link add $(printf '%s' "${bnames[$i]}" | od -An -tx1 | head -n 2): $out"
		fi
	done
	is "names with any bytes: the kernel took all ${#bnames[@]} names" "$made" "${#bnames[@]}"
	ip netns exec "$BNS" "$PY" -c '
import os
for n in sorted(os.listdir(b"/sys/class/net")):
    print(n.hex())' >"$TMP/bkernel" || bail "reading /sys/class/net in $BNS"
	cat >"$TMP/bcheck.py" <<'PYEOF'
import json, re, sys

def undo(s):
    # caltrace(1) STRINGS, JSON, reversed: "\\" is a backslash, "\xNN" the byte NN, any
    # other character its UTF-8 bytes; anything else after a backslash is an error
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] != "\\":
            out += s[i].encode("utf-8")
            i += 1
        elif s[i + 1 : i + 2] == "\\":
            out += b"\\"
            i += 2
        elif s[i + 1 : i + 2] == "x" and re.fullmatch("[0-9a-f]{2}", s[i + 2 : i + 4]):
            out.append(int(s[i + 2 : i + 4], 16))
            i += 4
        else:
            raise ValueError("lone backslash at %d in %r" % (i, s))
    return bytes(out)

mode, path, kernel = sys.argv[1:4]
want = sorted(bytes.fromhex(l) for l in open(kernel).read().split())
doc = json.loads(open(path, "rb").read().decode("utf-8", "strict"))
if mode == "snapshot":
    got = [l["name"] for l in doc["netns"][0]["links"]]
else:  # a links -j document: its items are the cali links
    got = [l["name"] for l in doc["items"]]
    want = [w for w in want if w.startswith(b"cali")]
errors = []
if len(set(got)) != len(got):
    errors.append("two links share a JSON name")
back = sorted(undo(s) for s in got)
if back != want:
    errors.append("decoded %r\nthe kernel has %r" % (back, want))
print("\n".join(errors) if errors else "%d names" % len(got))
sys.exit(1 if errors else 0)
PYEOF
	# bcheck NAME MODE FILE
	bcheck() {
		local why
		if why=$("$PY" "$TMP/bcheck.py" "$2" "$3" "$TMP/bkernel" 2>&1); then
			ok "$1 ($why)"
		else
			not_ok "$1" "$why"
		fi
	}
	BS="$TMP/bytes.json"
	err=$("$CALTRACE" -n "$BNS" snapshot -o "$BS" 2>&1)
	rc=$?
	is "names with any bytes: snapshot -o FILE: exit 0" "$rc" 0
	[ "$rc" = 0 ] || diag "$err"
	bcheck "names with any bytes: the snapshot's links, decoded, are the kernel's names, none alike" \
		snapshot "$BS"
	out=$("$CALTRACE" --from "$BS" links -j)
	rc=$?
	printf '%s\n' "$out" >"$TMP/bfrom.json"
	exit_agrees "names with any bytes: --from FILE links -j loads and exits as its findings say" \
		"$rc" "$out"
	bcheck "names with any bytes: --from FILE links -j: every cali name back, byte for byte" \
		json "$TMP/bfrom.json"
	live=$("$CALTRACE" -n "$BNS" links -j)
	lrc=$?
	is "names with any bytes: live and --from FILE links -j: the same items and exit" \
		"$lrc $(printf '%s' "$live" | jq -S -c .items)" "$rc $(printf '%s' "$out" | jq -S -c .items)"
	ip netns del "$BNS" 2>/dev/null
fi

# a caltrace document without what changes between two reads: the source, counters
# links: Felix's policy is read live only (a snapshot holds no rules; caltrace(1) says so)
NORM='def strip: walk(if type == "object" then with_entries(select(.key | test("^(rx|tx)_") | not)) else . end);
del(.node.source) | del(.. | .stats?) | strip |
del(.policy_read, .policy_note) | del(.items[]?.policy?)'

for mode in $LAB_MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	trap 'lab_cleanup; cleanup_tmp' EXIT
	S="$TMP/s-$mode.json"
	# pods of node 1, and web-1 (the first of them) resolving its gateway before the snapshot
	podns1=$(for i in $(seq "$LAB_POD_COUNT"); do
		[ "$(lab_var "LAB_POD_${i}_NODE")" = 1 ] && lab_var "LAB_POD_${i}_NS" && echo
	done | sort)
	pings "$LAB_POD_1_NS" "$LAB_POD_2_IP" || diag "ping web-1 -> db-1 failed"

	err=$("$CALTRACE" -n "$LAB_N1" snapshot -o "$S" 2>&1)
	rc=$?
	if [ "$rc" != 0 ] || ! jq -e . "$S" >/dev/null 2>&1; then
		not_ok "$mode: snapshot -n n1 -o FILE: exit 0, a JSON file" "exit $rc: $err"
		lab_down
		continue
	fi
	ok "$mode: snapshot -n n1 -o FILE: exit 0, a JSON file"
	is "$mode: snapshot: netns[0] is n1" "$(jq -r '.netns[0].name' "$S")" "$LAB_N1"
	is "$mode: snapshot: netns[0].links = ip link names" \
		"$(jq -r '.netns[0].links[].name' "$S" | sort)" \
		"$(ip -n "$LAB_N1" -j link show | jq -r '.[].ifname' | sort)"
	# this iproute2 lists both families for `ip -j route show table all`, so count -4 and -6
	is "$mode: snapshot: netns[0].routes = ip -4 + ip -6 route show table all" \
		"$(jq '.netns[0].routes | length' "$S")" \
		"$(($(ip -n "$LAB_N1" -4 -j route show table all | jq length) + $(ip -n "$LAB_N1" -6 -j route show table all | jq length)))"
	is "$mode: snapshot: netns[] has n1's pod namespaces" \
		"$(jq -r '.netns[].name' "$S" | grep -Fx -f <(printf '%s\n' "$podns1") | sort)" "$podns1"
	# the kernel's view: the namespaces behind n1's cali* veths (link_netnsid through `ip netns
	# list-id`), and nothing else: not the switch behind the underlay's eth0
	wlns=$(ip -n "$LAB_N1" -j link show | jq -r '.[] | select(.ifname | startswith("cali")) |
		.link_netnsid // empty' | sort -u)
	behind=$(ip -n "$LAB_N1" -j netns list-id | jq -r --arg ids "$wlns" \
		'($ids | split("\n") | map(select(. != "") | tonumber)) as $w | .[] |
		select(.nsid as $i | $w | index([$i])) | .name // empty' | sort)
	sw=$(ip -n "$LAB_N1" -j link show | jq -r '.[] | select(.ifname | startswith("cali") | not) |
		.link_netnsid // empty' | sort -u | head -1)
	ok_if "$mode: the kernel lists namespaces behind n1's cali* veths" "none" [ -n "$behind" ]
	ok_if "$mode: n1 has a veth to a namespace that is no pod's (nsid ${sw:-none}: the switch)" \
		"none" [ -n "$sw" ]
	is "$mode: snapshot: netns[1:] are exactly the namespaces behind n1's cali* veths (not the switch)" \
		"$(jq -r '.netns[1:][].name' "$S" | sort)" "$behind"

	for cmd in links routes tunnel; do
		live=$("$CALTRACE" -n "$LAB_N1" "$cmd" -j)
		lrc=$?
		snap=$("$CALTRACE" --from "$S" "$cmd" -j)
		src=$?
		if ! json_valid "$live" || ! json_valid "$snap"; then
			not_ok "$mode: $cmd: live and --from snapshot both JSON" "live: ${live:0:300}
snapshot: ${snap:0:300}"
			continue
		fi
		is "$mode: $cmd: live on a healthy node exits 0" "$lrc" 0
		is "$mode: $cmd: --from snapshot names its file" "$(json_get "$snap" .node.source)" "$S"
		a=$(printf '%s' "$live" | jq -S "$NORM")
		b=$(printf '%s' "$snap" | jq -S "$NORM")
		if [ "$a" = "$b" ] && [ "$lrc" = "$src" ]; then
			ok "$mode: $cmd: live and --from snapshot: same items, findings, exit ($lrc) without source and counters"
		else
			not_ok "$mode: $cmd: live and --from snapshot: same items, findings, exit ($lrc) without source and counters" \
				"exit live $lrc, snapshot $src
$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 30)"
		fi
	done
	# neighbour entries come and go (IPv6 link-local entries appear for a while after the lab
	# comes up): only (dev, dst), from a snapshot taken while the live set stays the same
	nset='[.items[] | "\(.dev) \(.dst)"] | sort | join("\n")'
	SN="$TMP/neigh-$mode.json"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		o1=$("$CALTRACE" -n "$LAB_N1" neigh -j)
		r1=$?
		"$CALTRACE" -n "$LAB_N1" snapshot -o "$SN" 2>/dev/null
		rs=$?
		o2=$("$CALTRACE" -n "$LAB_N1" neigh -j)
		r2=$?
		n1=$(json_get "$o1" "$nset")
		n2=$(json_get "$o2" "$nset")
		[ "$n1" != "$n2" ] || break
		sleep 0.3
	done
	[ "$n1" = "$n2" ] || diag "the live neighbour set kept changing"
	exit_agrees "$mode: neigh live (before the snapshot): exits as its findings say" "$r1" "$o1"
	exit_agrees "$mode: neigh live (after the snapshot): exits as its findings say" "$r2" "$o2"
	is "$mode: snapshot -o FILE (for neigh): exit 0" "$rs" 0
	o=$("$CALTRACE" --from "$SN" neigh -j)
	rc=$?
	exit_agrees "$mode: neigh --from snapshot: exits as its findings say" "$rc" "$o"
	is "$mode: neigh: live and --from snapshot have the same (dev, dst) entries" \
		"$(json_get "$o" "$nset")" "$n1"
	gw='.gateway[] | select(.dst == "169.254.1.1") | "\(.dst) \(.dev) \(.lladdr) \(.mac_ok)"'
	o=$("$CALTRACE" -n "$LAB_POD_1_NS" neigh -j)
	rc=$?
	exit_agrees "$mode: neigh -n web-1's pod namespace (live): exits as its findings say" "$rc" "$o"
	glive=$(json_get "$o" "$gw")
	o=$("$CALTRACE" --from "$S" -n "$LAB_POD_1_NS" neigh -j)
	rc=$?
	exit_agrees "$mode: neigh -n web-1's pod namespace --from snapshot: exits as its findings say" "$rc" "$o"
	gsnap=$(json_get "$o" "$gw")
	is "$mode: neigh -n web-1's pod namespace: gateway entry live as ip neigh has it" \
		"$glive" "169.254.1.1 eth0 $(ip -n "$LAB_POD_1_NS" -j neigh show 169.254.1.1 dev eth0 | jq -r '.[0].lladdr') true"
	is "$mode: neigh -n web-1's pod namespace: --from snapshot gives the live gateway entry" "$gsnap" "$glive"

	# (c) proxy_arp off on web-1's cali while the snapshot is taken, then mended
	veth=$(lab_var "LAB_POD_${LAB_FAULT_POD}_VETH")
	parp() { ip netns exec "$LAB_N1" cat "/proc/sys/net/ipv4/conf/$veth/proxy_arp"; }
	F2="$TMP/fault-$mode.json"
	if lab_fault proxy_arp on; then
		is "$mode: fault proxy_arp on: the kernel has proxy_arp 0 on $veth" "$(parp)" 0
		"$CALTRACE" -n "$LAB_N1" snapshot -o "$F2" 2>/dev/null
		rc=$?
		lab_fault proxy_arp off || diag "fault proxy_arp off failed"
		is "$mode: fault snapshot: exit 0, the file has proxy_arp 0 on $veth" \
			"$rc $(jq -r ".netns[0].links[] | select(.name == \"$veth\") | .proxy_arp" "$F2" 2>/dev/null)" "0 0"
		is "$mode: fault mended: the kernel has proxy_arp 1 on $veth" "$(parp)" 1
		out=$("$CALTRACE" --from "$F2" links -j)
		rc=$?
		is "$mode: fault mended: --from the snapshot still says proxy_arp_off on $veth, exit 1" \
			"$rc $(json_get "$out" "[.findings[] | select(.code == \"proxy_arp_off\") | .subject] | unique | join(\",\")")" \
			"1 $veth"
		out=$("$CALTRACE" -n "$LAB_N1" links -j)
		rc=$?
		is "$mode: fault mended: live links exit 0, no proxy_arp_off" \
			"$rc $(json_get "$out" '[.findings[] | select(.code == "proxy_arp_off")] | length')" "0 0"
	else
		not_ok "$mode: lab fault proxy_arp on"
	fi
	lab_down
done

done_testing
