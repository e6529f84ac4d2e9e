#!/bin/bash
# caltrace bgp and bgp routes on the lab's BIRD mesh, against birdc (`show protocols all`,
# `show status`, `show route ... all`, parsed here with awk), `ip -j route show proto bird` and
# `ss` in the node's namespace. In mode bgp (BIRD 1.6) and bgp2 (BIRD 2; skipped when lab.sh
# cannot get BIRD 2): healthy, then the faults birdkill, peerdisable and badas, each applied and
# reverted in place; convergence is detected by polling birdc, never by sleeping. About 20 s.
#   LAB_BGP_MODES   modes to run (default "bgp bgp2")
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip ss jq awk
need_caltrace

MODES=${LAB_BGP_MODES:-bgp bgp2}
WAIT=40 # seconds: generous deadlines for BGP to converge (sessions retry every 3 s)

# ---------------------------------------------------------------- running caltrace
# ct K ARGS...: caltrace -j bgp ARGS on node K with its BIRD socket; sets OUT, RC, ERR
ct() {
	local k=$1
	shift
	OUT=$(timeout 60 "$CALTRACE" -n "$(lab_var "LAB_N$k")" -j bgp "$@" \
		--bird-socket "$(lab_var "LAB_N${k}_BIRD_SOCK")" 2>"$LAB_DIR/ct.err")
	RC=$?
	ERR=$(cat "$LAB_DIR/ct.err")
}

# findings of severity warn or fail: "code subject", sorted
bad_findings() { json_get "$1" '[.findings[] | select(.severity == "warn" or .severity == "fail") | "\(.code) \(.subject)"] | sort | join(", ")'; }
# warn or fail findings about anything but SUBJECT
other_findings() { json_get "$1" "[.findings[] | select((.severity == \"warn\" or .severity == \"fail\") and .subject != \"$2\") | \"\(.code) \(.subject)\"] | sort | join(\", \")"; }
# jq_true JSON JQ-ARGS...: jq -e on JSON succeeds
jq_true() { printf '%s' "$1" | jq -e "${@:2}" >/dev/null 2>&1; }
# the codes of the findings about one subject (a protocol name), sorted
codes_for() { json_get "$1" "[.findings[] | select(.subject == \"$2\") | .code] | sort | join(\",\")"; }

# one line per BGP protocol: name|state|bgp_state|neighbor|neighbor_as|last_error|info
ct_peers() {
	json_get "$1" '.items[] | [.name, .state, (.bgp_state // ""), (.peer // ""),
		(.neighbor_as // "" | tostring), (.last_error // ""),
		(.info // "")] | join("|")' | sort
}
# established TCP sessions on port 179 as "local:port remote:port"
ct_sessions() { json_get "$1" '.sessions[] | select(.state == "ESTABLISHED") | "\(.local):\(.local_port) \(.remote):\(.remote_port)"' | sort; }
# routes BIRD exports: "dst via proto bgp_next_hop"; the kernel's side: "dst gateway dev"
ct_routes() { json_get "$1" '.items[] | "\(.dst) \(.via // "-") \(.proto // "-") \(.bgp_next_hop // "-")"' | sort; }
ct_kroutes() { json_get "$1" '.items[] | select(.in_kernel) | "\(.dst) \(.kernel_gateway // "-") \(.kernel_dev // "-")"' | sort; }

# ---------------------------------------------------------------- oracles
birdc_k() {
	local k=$1
	shift
	"$LAB_BIRDC" -s "$(lab_var "LAB_N${k}_BIRD_SOCK")" "$@" 2>&1
}

# `birdc show protocols all`, the BGP protocols in the format of ct_peers
oracle_peers() {
	birdc_k "$1" show protocols all | awk '
	function flush() {
		if (name != "" && proto == "BGP") printf "%s|%s|%s|%s|%s|%s|%s\n", name, state, bs, na, nas, le, info
		name = ""
	}
	/^[^ \t]/ {
		if ($1 == "BIRD" || $1 == "name" || $1 == "Name" || NF < 5) next
		flush()
		name = $1; proto = $2; state = $4; bs = ""; na = ""; nas = ""; le = ""; info = ""
		for (i = 6; i <= NF; i++) info = info (i > 6 ? " " : "") $i
		next
	}
	/^[ \t]+BGP state:/ { bs = $3 }
	/^[ \t]+Neighbor address:/ { na = $3 }
	/^[ \t]+Neighbor AS:/ { nas = $3 }
	/^[ \t]+Last error:/ { le = $0; sub(/^[ \t]+Last error:[ \t]+/, "", le); sub(/[ \t]+$/, "", le) }
	END { flush() }' | sort
}

# one field of one protocol from oracle_peers: 1 name 2 state 3 bgp_state ... 6 last_error 7 info
oracle_field() { oracle_peers "$1" | awk -F'|' -v n="$2" -v f="$3" '$1 == n { print $f }'; }

# BIRD shows PATTERN (grep -E) for PROTOCOL on node K
bird_shows() {
	local s
	s=$(birdc_k "$1" show protocols "$2")
	grep -qE "$3" <<<"$s"
}

# every Mesh_ session of every node Established (birdc)
mesh_established() {
	local k n
	for k in 1 2 3; do
		n=$(birdc_k "$k" show protocols | grep -c '^Mesh_.* Established') || return 1
		[ "$n" = 2 ] || return 1
	done
}

# (every session of the node: bird's IPv4 mesh, and bird6's IPv6 one when the lab has IPv6; ss
# writes IPv6 addresses in brackets, caltrace without)
oracle_sessions() {
	ip netns exec "$(lab_var "LAB_N$1")" ss -Htn state established '( sport = :179 or dport = :179 )' |
		awk '{ gsub(/[][]/, ""); print $3 " " $4 }' | sort
}

oracle_kernel_proto() { birdc_k "$1" show protocols | awk '$2 == "Kernel" { print $1; exit }'; }

# what BIRD exports to a protocol (the kernel's, or a peer's), or learned from a peer:
# oracle_bird_routes K export|protocol PROTO -> "dst via proto bgp_next_hop", primary routes
oracle_bird_routes() {
	birdc_k "$1" show route "$2" "$3" all | awk '
	function flush() { if (d != "") print d, v, p, nh; d = "" }
	/^[0-9a-f]+[.:][0-9a-f.:]*\/[0-9]+/ {
		flush()
		if ($0 !~ / \* /) next
		d = $1; v = "-"; p = "-"; nh = "-"
		if ($0 ~ / blackhole /) v = "blackhole"
		if (match($0, /via [0-9.]+/)) v = substr($0, RSTART + 4, RLENGTH - 4)
		if (match($0, /\[[^] ]+/)) p = substr($0, RSTART + 1, RLENGTH - 1)
		next
	}
	/^[ \t]+via / { if (d != "") v = $2 }
	/BGP.next_hop:/ { if (d != "") nh = $2 }
	END { flush() }' | sort
}

oracle_kroutes() {
	ip -n "$(lab_var "LAB_N$1")" -j route show proto bird | jq -r '.[] | "\(.dst) \(.gateway // "-") \(.dev // "-")"' | sort
}

# agree NAME GOT BEFORE AFTER: caltrace ran between two oracle readings; either may be the truth
agree() {
	if [ "$2" = "$3" ] || [ "$2" = "$4" ]; then
		ok "$1"
	else
		not_ok "$1" "caltrace:
$2
oracle before:
$3
oracle after:
$4"
	fi
}

# ---------------------------------------------------------------- checks
# check_node MODE K WHEN: caltrace bgp on a healthy node against birdc and ss
check_node() {
	local mode=$1 k=$2 when=$3 ns sock before after s want
	ns=$(lab_var "LAB_N$k")
	sock=$(lab_var "LAB_N${k}_BIRD_SOCK")
	before=$(oracle_peers "$k")
	ct "$k"
	after=$(oracle_peers "$k")
	json_eq "$mode $when: n$k bgp: one JSON document, command bgp, this node" "$OUT" \
		'"\(.command) \(.node.netns)"' "bgp $ns"
	is "$mode $when: n$k bgp: exit 0, no warn or fail findings" "$RC $(bad_findings "$OUT")" "0 "
	[ -z "$ERR" ] || diag "stderr: $ERR"
	s=$(birdc_k "$k" show status)
	want="$FLAVOUR $(sed -n 's/^BIRD \([0-9][0-9.]*\)$/\1/p' <<<"$s") $(sed -n 's/^Router ID is //p' <<<"$s") $sock"
	json_eq "$mode $when: n$k bgp: status (flavour, version, router id, socket) as birdc show status says" \
		"$OUT" '"\(.status.flavour) \(.status.version | capture("(?<v>[0-9]+\\.[0-9]+\\.[0-9]+)$").v) \(.status.router_id) \(.status.socket)"' "$want"
	agree "$mode $when: n$k bgp: every BGP protocol's state, BGP state, neighbour, AS, error, info as birdc says" \
		"$(ct_peers "$OUT")" "$before" "$after"
	is "$mode $when: n$k bgp: both Mesh_ peers Established, type mesh" \
		"$(json_get "$OUT" '[.items[] | select(.name | startswith("Mesh_")) | "\(.type) \(.bgp_state)"] | join(",")')" \
		"mesh Established,mesh Established"
	# BIRD shows `passive on` only while waiting (state Passive): an Established session
	# configured so is unknown (null), never false; the configuration is the oracle
	local cfg pas
	cfg=$(lab_var "LAB_N${k}_BIRD_CFG")
	pas=$(awk '$1 == "protocol" && $2 == "bgp" { p = $3 } $1 == "passive" && $2 == "on;" { print p }' \
		"$cfg" | sort | xargs)
	# the lowest address (n1) is passive towards both others, the highest (n3) towards none
	[ "$k" = 1 ] && ok_if "$mode $when: n$k: its BIRD configuration has sessions with passive on ($pas)" \
		"none" [ -n "$pas" ]
	is "$mode $when: n$k bgp: passive is null for every Established session (BIRD cannot tell)" \
		"$(json_get "$OUT" '[.items[] | select(.bgp_state == "Established") | .passive] | unique | map(tostring) | join(",")')" \
		"null"
	is "$mode $when: n$k bgp: its 2 established IPv4 sessions on port 179 (and bird6's) as ss lists them" \
		"$(ct_sessions "$OUT" | grep -c '^[0-9.]*:[0-9]* ') $(ct_sessions "$OUT")" "2 $(oracle_sessions "$k")"
}

# check_routes MODE K: caltrace bgp routes on a healthy node against birdc and the kernel
check_routes() {
	local mode=$1 k=$2 kp
	kp=$(oracle_kernel_proto "$k")
	ct "$k" routes
	is "$mode: n$k bgp routes: exit 0, no warn or fail findings" "$RC $(bad_findings "$OUT")" "0 "
	[ -z "$ERR" ] || diag "stderr: $ERR"
	# 3 routes: the own block's blackhole and the two other blocks
	is "$mode: n$k bgp routes: the 3 routes BIRD exports to $kp (birdc show route export $kp)" \
		"$(ct_routes "$OUT" | wc -l) $(ct_routes "$OUT")" "3 $(oracle_bird_routes "$k" export "$kp")"
	is "$mode: n$k bgp routes: each in the kernel as ip route show proto bird lists it, all ok" \
		"$(ct_kroutes "$OUT" | wc -l) $(ct_kroutes "$OUT") $(json_get "$OUT" '[.items[] | .ok] | all')" \
		"3 $(oracle_kroutes "$k") true"
}

# check_peer_filter MODE: bgp PEER by name and by address; bgp routes PEER [--exported]
check_peer_filter() {
	local mode=$1
	ct 1 "$LAB_N2_PEER"
	is "$mode: n1 bgp $LAB_N2_PEER: that protocol only, exit 0" \
		"$RC $(json_get "$OUT" '[.items[].name] | join(",")')" "0 $LAB_N2_PEER"
	ct 1 "$LAB_N3_IP"
	is "$mode: n1 bgp $LAB_N3_IP (an address): the protocol of that neighbour" \
		"$RC $(json_get "$OUT" '[.items[].name] | join(",")')" "0 $LAB_N3_PEER"
	ct 1 Mesh_no_such_peer
	is "$mode: n1 bgp Mesh_no_such_peer: exit 3, one stderr line naming it" \
		"$RC $(wc -l <<<"$ERR") $(grep -c Mesh_no_such_peer <<<"$ERR")" "3 1 1"
	ct 1 routes "$LAB_N2_PEER"
	is "$mode: n1 bgp routes $LAB_N2_PEER: the 1 route BIRD learned from n2 (birdc show route protocol)" \
		"$RC $(ct_routes "$OUT" | wc -l) $(ct_routes "$OUT")" "0 1 $(oracle_bird_routes 1 protocol "$LAB_N2_PEER")"
	ct 1 routes "$LAB_N2_PEER" --exported
	is "$mode: n1 bgp routes $LAB_N2_PEER --exported: the 1 route n1 advertises to n2 (birdc show route export)" \
		"$RC $(ct_routes "$OUT" | wc -l) $(ct_routes "$OUT")" "0 1 $(oracle_bird_routes 1 export "$LAB_N2_PEER")"
}

# every node healthy again after a fault went off
check_healed() {
	local mode=$1 f=$2 k bad=""
	if ! wait_until "$WAIT" mesh_established; then
		not_ok "$mode: fault $f off: every Mesh_ session Established again (birdc)"
		return
	fi
	for k in 1 2 3; do
		ct "$k"
		[ "$RC $(bad_findings "$OUT")" = "0 " ] || bad="$bad
n$k: exit $RC, findings: $(bad_findings "$OUT") $ERR"
	done
	[ -z "$bad" ] && ok "$mode: fault $f off: bgp on every node exits 0 without findings again" ||
		not_ok "$mode: fault $f off: bgp on every node exits 0 without findings again" "${bad#?}"
}

# n2's BIRD dies: n1 waits (passive), n3 is refused; n2 has no BIRD to ask; its routes stay
check_birdkill() {
	local mode=$1 before after kbefore n2sock=$LAB_N2_BIRD_SOCK peer=$LAB_N2_PEER s
	kbefore=$(oracle_kroutes 2)
	lab_fault birdkill on || {
		not_ok "$mode: fault birdkill on"
		return
	}
	# the mesh direction: n1 (lower address) is passive towards n2, n3 (higher) connects to it
	if wait_until "$WAIT" bird_shows 1 "$peer" ' Passive'; then
		before=$(oracle_peers 1)
		ct 1
		after=$(oracle_peers 1)
		is "$mode: birdkill: n1 bgp: exit 1; $peer waits for n2 (bgp_passive_waiting), nothing else" \
			"$RC $(codes_for "$OUT" "$peer") $(other_findings "$OUT" "$peer")" \
			"1 bgp_passive_waiting "
		json_eq "$mode: birdkill: n1 bgp: $peer is Passive and not Established, passive" "$OUT" \
			".items[] | select(.name == \"$peer\") | \"\(.bgp_state) \(.passive)\"" "Passive true"
		agree "$mode: birdkill: n1 bgp: protocols as birdc says" "$(ct_peers "$OUT")" "$before" "$after"
		is "$mode: birdkill: n1 bgp: established sessions on 179 as ss lists them (none with n2)" \
			"$(ct_sessions "$OUT")" "$(oracle_sessions 1)"
	else
		not_ok "$mode: birdkill: n1 shows $peer Passive (birdc)" "$(birdc_k 1 show protocols "$peer")"
	fi
	if wait_until "$WAIT" bird_shows 3 "$peer" 'Connection refused'; then
		before=$(oracle_peers 3)
		ct 3
		after=$(oracle_peers 3)
		is "$mode: birdkill: n3 bgp: exit 1; $peer connection refused, nothing else" \
			"$RC $(codes_for "$OUT" "$peer") $(other_findings "$OUT" "$peer")" \
			"1 bgp_connection_refused "
		json_ok "$mode: birdkill: n3 bgp: the finding's message or evidence names the cause" "$OUT" \
			"[.findings[] | select(.subject == \"$peer\") | (.message + \" \" + .evidence) | test(\"refused\")] | any"
		agree "$mode: birdkill: n3 bgp: protocols as birdc says" "$(ct_peers "$OUT")" "$before" "$after"
	else
		not_ok "$mode: birdkill: n3 shows $peer Connection refused (birdc)" "$(birdc_k 3 show protocols "$peer")"
	fi
	ct 2 --timeout 5
	is "$mode: birdkill: n2 bgp: exit 3, one stderr line naming the socket, stdout empty" \
		"$RC $(wc -l <<<"$ERR") $(grep -cF "$n2sock" <<<"$ERR") ${#OUT}" "3 1 1 0"
	[ "$RC" = 3 ] || diag "stderr: $ERR"
	# stale routes: BIRD died (SIGKILL, and the kernel protocol has persist) and left its routes
	s=$(grep -c '^[[:space:]]*persist;' "$LAB_N2_BIRD_CFG")
	is "$mode: birdkill: n2's kernel keeps the dead BIRD's 3 routes (config has persist: $s)" \
		"$(oracle_kroutes 2 | wc -l) $(oracle_kroutes 2)" "3 $kbefore"
	# `bgp` alone cannot answer without BIRD (exit 3); doctor still checks the rest of the
	# node and names the dead BIRD's routes
	ct 2 routes --timeout 5
	is "$mode: birdkill: n2 bgp routes: exit 3 and one stderr line" "$RC $(wc -l <<<"$ERR")" "3 1"
	OUT=$(timeout 60 "$CALTRACE" -n "$LAB_N2" -j doctor --timeout 5 --bird-socket "$LAB_N2_BIRD_SOCK" 2>/dev/null)
	RC=$?
	is "$mode: birdkill: n2 doctor: exit 1 (findings, not 3: the rest of the node was gathered)" "$RC" 1
	# (one cause, one finding: the stale routes are consequences of the dead BIRD)
	json_eq "$mode: birdkill: n2 doctor: bird_unreachable, and every kernel proto bird route is bgp_route_stale under it" "$OUT" \
		'"\([.findings[] | select(.code == "bird_unreachable")] | length) \([.findings[] | select(.code == "bird_unreachable") | .consequences[] | select(.code == "bgp_route_stale") | .subject] | sort | join(" "))"' \
		"1 $(oracle_kroutes 2 | awk '{ print $1 }' | sort | xargs)"
	json_eq "$mode: birdkill: n2 doctor: the other checks still ran" "$OUT" \
		'[.items[] | select(.check != "bgp" and .status != "skipped") | .check] | join(" ")' \
		"node links routes tunnel neigh"
	if lab_fault birdkill off; then
		check_healed "$mode" birdkill
	else
		not_ok "$mode: fault birdkill off"
	fi
}

# n1 disables its session to n2
check_peerdisable() {
	local mode=$1 peer=$LAB_FAULT_DISABLE_PEER back=$LAB_N1_PEER before after le1 le2
	lab_fault peerdisable on || {
		not_ok "$mode: fault peerdisable on"
		return
	}
	if ! wait_until "$WAIT" bird_shows 1 "$peer" ' down '; then
		not_ok "$mode: peerdisable: n1 shows $peer down (birdc)" "$(birdc_k 1 show protocols "$peer")"
	fi
	before=$(oracle_peers 1)
	ct 1
	after=$(oracle_peers 1)
	is "$mode: peerdisable: n1 bgp: exit 1; $peer bgp_peer_disabled, nothing else" \
		"$RC $(codes_for "$OUT" "$peer") $(other_findings "$OUT" "$peer")" \
		"1 bgp_peer_disabled "
	agree "$mode: peerdisable: n1 bgp: protocols as birdc says ($peer down)" "$(ct_peers "$OUT")" "$before" "$after"
	ct 1 "$peer"
	is "$mode: peerdisable: n1 bgp $peer: that protocol, state down, its finding only" \
		"$RC $(json_get "$OUT" '[.items[] | "\(.name) \(.state)"] | join(",")') $(json_get "$OUT" '[.findings[].code] | join(",")')" \
		"1 $peer down bgp_peer_disabled"
	# n2, the active side, lost the session: its finding carries the cause BIRD gives
	wait_until "$WAIT" sh -c "! '$LAB_BIRDC' -s '$LAB_N2_BIRD_SOCK' show protocols '$back' | grep -q Established"
	le1=$(oracle_field 2 "$back" 6)
	ct 2
	le2=$(oracle_field 2 "$back" 6)
	is "$mode: peerdisable: n2 bgp: exit 1 (its session to n1 is down)" "$RC" 1
	# BIRD's last error is never empty here: "Received: Administrative shutdown", then whatever
	# n1 does to n2's new connections
	ok_if "$mode: peerdisable: n2 bgp: $back not Established, a fail finding with BIRD's cause ('$le1')" \
		"findings: $(json_get "$OUT" '.findings') birdc before: '$le1', after: '$le2'" \
		jq_true "$OUT" --arg a "${le1:-(none)}" --arg b "${le2:-(none)}" --arg p "$back" \
		'[.findings[] | select(.subject == $p and .severity == "fail") |
		  (.message + " " + .evidence) | (contains($a) or contains($b))] | any'
	if lab_fault peerdisable off; then
		check_healed "$mode" peerdisable
	else
		not_ok "$mode: fault peerdisable off"
	fi
}

# n3 expects n1 in the wrong AS: n3's own configuration is wrong, n1 hears about it
check_badas() {
	local mode=$1 p3=$LAB_FAULT_BADAS_PEER p1=$LAB_N3_PEER before after
	lab_fault badas on || {
		not_ok "$mode: fault badas on"
		return
	}
	if wait_until "$WAIT" bird_shows 3 "$p3" 'BGP Error: Bad peer AS' &&
		wait_until "$WAIT" bird_shows 1 "$p1" 'Received: Bad peer AS'; then
		before=$(oracle_peers 3)
		ct 3
		after=$(oracle_peers 3)
		is "$mode: badas: n3 bgp: exit 1; $p3 bgp_bad_peer_as_local, nothing else" \
			"$RC $(codes_for "$OUT" "$p3") $(other_findings "$OUT" "$p3")" \
			"1 bgp_bad_peer_as_local "
		json_eq "$mode: badas: n3 bgp: $p3 expects AS $LAB_FAULT_BADAS_AS (birdc: $(oracle_field 3 "$p3" 5))" "$OUT" \
			".items[] | select(.name == \"$p3\") | .neighbor_as" "$LAB_FAULT_BADAS_AS"
		agree "$mode: badas: n3 bgp: protocols as birdc says" "$(ct_peers "$OUT")" "$before" "$after"
		before=$(oracle_peers 1)
		ct 1
		after=$(oracle_peers 1)
		is "$mode: badas: n1 bgp: exit 1; $p1 bgp_bad_peer_as_remote, nothing else" \
			"$RC $(codes_for "$OUT" "$p1") $(other_findings "$OUT" "$p1")" \
			"1 bgp_bad_peer_as_remote "
		agree "$mode: badas: n1 bgp: protocols as birdc says" "$(ct_peers "$OUT")" "$before" "$after"
		ct 2
		is "$mode: badas: n2 bgp (not involved): exit 0, no findings" "$RC $(bad_findings "$OUT")" "0 "
	else
		not_ok "$mode: badas: birdc shows Bad peer AS on n3 and n1" \
			"$(birdc_k 3 show protocols "$p3"; birdc_k 1 show protocols "$p1")"
	fi
	if lab_fault badas off; then
		check_healed "$mode" badas
	else
		not_ok "$mode: fault badas off"
	fi
}

# ---------------------------------------------------------------- per mode
for mode in $MODES; do
	t0=$(now_ms)
	lab_up "$mode"
	rc=$?
	if [ "$rc" != 0 ]; then
		# exit 3: the lab cannot run here (no BIRD 2 .deb without network, BIRD 1.6 missing)
		if [ "$rc" = 3 ]; then skip "$mode: lab up" "lab.sh up $mode cannot run here (see above)"; else not_ok "$mode: lab up (exit $rc)"; fi
		continue
	fi
	case "$mode" in bgp2) FLAVOUR=bird2 ;; *) FLAVOUR=bird1 ;; esac
	diag "$mode: lab up in $(($(now_ms) - t0)) ms, BIRD $LAB_BIRD_VERSION ($LAB_BIRDC)"
	for k in 1 2 3; do check_node "$mode" "$k" healthy; done
	for k in 1 2 3; do check_routes "$mode" "$k"; done
	check_peer_filter "$mode"
	t1=$(now_ms)
	check_birdkill "$mode"
	t2=$(now_ms)
	check_peerdisable "$mode"
	t3=$(now_ms)
	check_badas "$mode"
	t4=$(now_ms)
	diag "$mode: birdkill $((t2 - t1)) ms, peerdisable $((t3 - t2)) ms, badas $((t4 - t3)) ms"
	lab_down
done

done_testing
