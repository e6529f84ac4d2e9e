#!/bin/bash
# `caltrace path SRC DST --tui` driven in tmux (tests/tmux.sh) on a lab per mode (vxlan, bgp;
# LAB_MODES when given):
#  - the rows shown (number, verdict, kind) are the hops of `caltrace -j path SRC DST` (the
#    oracle for order and verdicts), forward, then reverse and both on `r`; the interfaces
#    named for the first hops and the last are the kernel's (`ip -j route get`);
#  - the detail pane shows the selected hop's evidence (the JSON's lines);
#  - `p` sends a probe: every hop whose interface tcpdump saw the request on (caliA on node 1,
#    pod B's eth0) shows the request seen, and the result line says sent 1, received 1;
#  - denypolicy: the policy_in hop is shown as fail with its finding and fix; `p` lights the
#    source's hops while the probe is still in flight (tcpdump on pod B's eth0 saw the request)
#    and then names the hop it was lost at, the one the JSON of --probe names (and whose DROP
#    counter the oracle, iptables-save -c, saw move); q exits 1 with the terminal restored;
#  - q on a healthy path exits 0 with icanon and echo back; SIGTERM exits 143, restored;
#  - a window too small says so; LANG=C with NO_COLOR shows the verdicts as plain words;
#  - without a terminal, and with -j: one line, exit 2.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/tmux.sh"
set -u -o pipefail
need_root
need_cmd ip jq tmux tcpdump tshark
need_caltrace

TMPD=$(mktemp -d /tmp/ctptui.XXXXXX) || bail "mktemp"
at_exit 'rm -rf "$TMPD"'
T0=$(now_ms)
TMUX_COLS=160
TMUX_ROWS=60
CT=$(readlink -f "$CALTRACE")

# ---- without a terminal, and with -j (no lab needed: checked before anything is read)
out=$("$CALTRACE" path --tui 10.0.0.1 10.0.0.2 </dev/null 2>&1)
rc=$?
is "--tui without a terminal: exit 2" "$rc" 2
is "--tui without a terminal: one line" "$(printf '%s\n' "$out" | wc -l)" 1
case "$out" in *"without --tui"*"-j"*) ok "--tui without a terminal names what to use instead" ;;
*) not_ok "--tui without a terminal names what to use instead" "$out" ;; esac
out=$("$CALTRACE" -j path --tui 10.0.0.1 10.0.0.2 2>&1)
rc=$?
is "--tui with -j: exit 2" "$rc" 2
is "--tui with -j: one line" "$(printf '%s\n' "$out" | wc -l)" 1

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

# rows: "NUMBER VERDICT KIND" of every hop row on the screen (before any probe)
rows() { tmux_screen | sed -n 's/^[ >]\([0-9][0-9]*\) *[^ ]* \(ok\|warn\|fail\|unknown\)  *\([a-z_]*\) .*/\1 \2 \3/p'; }
# oracle_rows DIR: the same from the JSON in $J (forward, reverse, or all)
oracle_rows() {
	jq -r --arg d "$1" '.hops[] | select($d == "all" or .direction == $d) | "\(.hop) \(.verdict) \(.kind)"' <<<"$J"
}
# row N: the screen line of hop N
row() { tmux_screen | grep -E "^[ >]$1 " | head -n 1; }
# start_tui SRC DST [options]: the TUI in tmux on the lab's nodes
start_tui() {
	tmux_start "$CT -n $LAB_N1 --nodes $LAB_NODES_FILE path --tui $*" || bail "tmux did not start"
}
# pid of caltrace in the pane
ct_pid() { pgrep -P "$(tmux_pid)" -x caltrace; }
restored() {
	case " $(tmux_stty) " in
	*" icanon "*" echo "*) ok "$1" ;;
	*) not_ok "$1" "$(tmux_stty)" ;;
	esac
}

for mode in ${LAB_MODES:-vxlan bgp}; do
	case "$mode" in bgp | vxlan) ;; *) continue ;; esac
	lab_up "$mode" || bail "$mode: lab up"
	A=$LAB_POD_1_IP B=$LAB_POD_3_IP CA=$LAB_POD_1_VETH
	J=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$A" "$B" 2>/dev/null)
	json_valid "$J" || not_ok "$mode: the oracle's JSON" "$J"

	# ---- the hop list against the JSON, forward, reverse, both
	start_tui "$A" "$B"
	tmux_wait 30 'forward \(SRC to DST\)' || not_ok "$mode: the TUI starts" "$(tmux_screen)"
	want=$(oracle_rows forward)
	wait_until 10 test "$(rows)" = "$want"
	is "$mode: forward rows are the JSON's hops (number, verdict, kind)" "$(rows)" "$want"
	# the interfaces: pod A's route to B leaves by eth0, the node's route to A by caliA,
	# pod B's route back by eth0 (the kernel's answers)
	d1=$(ip -n "$LAB_POD_1_NS" -j route get "$B" | jq -r '.[0].dev')
	d2=$(ip -n "$LAB_N1" -j route get "$A" | jq -r '.[0].dev')
	dl=$(ip -n "$LAB_POD_3_NS" -j route get "$A" | jq -r '.[0].dev')
	first=$(jq -r '[.hops[] | select(.direction == "forward")][0].hop' <<<"$J")
	last=$(jq -r '[.hops[] | select(.direction == "forward" and .kind == "pod_ingress")][0].hop' <<<"$J")
	case "$(row "$first")" in *" pod_egress "*" $LAB_POD_1_NS $d1 "*) ok "$mode: hop 1 names pod A's $d1 (ip route get)" ;;
	*) not_ok "$mode: hop 1 names pod A's $d1 (ip route get)" "$(row "$first")" ;; esac
	case "$(row 2)" in *" workload_in "*" $d2 "*) ok "$mode: hop 2 names caliA $d2 (ip route get on n1)" ;;
	*) not_ok "$mode: hop 2 names caliA $d2 (ip route get on n1)" "$(row 2)" ;; esac
	case "$(row "$last")" in *" pod_ingress "*" $LAB_POD_3_NS $dl "*) ok "$mode: the last forward hop names pod B's $dl" ;;
	*) not_ok "$mode: the last forward hop names pod B's $dl" "$(row "$last")" ;; esac
	# the detail pane: the forward hop with the most evidence lines (the JSON's)
	dh=$(jq -r '[.hops[] | select(.direction == "forward")] | max_by(.evidence | length) | .hop' <<<"$J")
	for _ in $(seq 2 "$dh"); do tmux_keys j; done
	tmux_wait 10 "^ hop $dh " || not_ok "$mode: j selects hop $dh" "$(tmux_screen)"
	miss=""
	while IFS= read -r ev; do
		[ -n "$ev" ] || continue
		tmux_screen | grep -qF -- "${ev:0:60}" || miss+="$ev; "
	done < <(jq -r --argjson h "$dh" '.hops[$h - 1] | .summary, .evidence[]' <<<"$J")
	n_ev=$(jq -r --argjson h "$dh" '.hops[$h - 1].evidence | length' <<<"$J")
	ok_if "$mode: the detail pane shows hop $dh's summary and $n_ev evidence lines" "missing: $miss ($n_ev lines)" \
		test -z "$miss" -a "$n_ev" -ge 1
	tmux_keys r
	tmux_wait 10 'reverse \(DST to SRC\)' || not_ok "$mode: r shows the reverse path" "$(tmux_screen)"
	want=$(oracle_rows reverse)
	wait_until 10 test "$(rows)" = "$want"
	is "$mode: r: reverse rows are the JSON's reverse hops" "$(rows)" "$want"
	tmux_keys r
	tmux_wait 10 'both directions' || not_ok "$mode: r again shows both" "$(tmux_screen)"
	want=$(oracle_rows all)
	wait_until 10 test "$(rows)" = "$want"
	is "$mode: r again: every hop, both directions" "$(rows)" "$want"
	tmux_keys r
	tmux_wait 10 'forward \(SRC to DST\)' || not_ok "$mode: r a third time: forward again" "$(tmux_screen)"
	# End, Home (as tmux sends them), and keys it does not know (F5, Alt+x) do not quit
	lastf=$(jq -r '[.hops[] | select(.direction == "forward")][-1].hop' <<<"$J")
	tmux_keys End
	tmux_wait 10 "^>$lastf " && ok "$mode: End selects the last forward hop ($lastf)" ||
		not_ok "$mode: End selects the last forward hop ($lastf)" "$(tmux_screen)"
	tmux_keys F5 M-x Home
	tmux_wait 10 '^>1 ' && ok "$mode: F5 and Alt+x are ignored, Home selects hop 1" ||
		not_ok "$mode: F5 and Alt+x are ignored, Home selects hop 1" "$(tmux_screen)"

	# ---- p: a probe; tcpdump on caliA and pod B's eth0 is the oracle
	capture_start "$LAB_N1" "$CA" "$TMPD/ca.pcap" 2 15 "icmp and host $A and host $B" || not_ok "$mode: tcpdump on $CA"
	p1=$CAPTURE_PID
	capture_start "$LAB_POD_3_NS" eth0 "$TMPD/pb.pcap" 2 15 "icmp and host $A and host $B" || not_ok "$mode: tcpdump in pod B"
	p2=$CAPTURE_PID
	tmux_keys p
	tmux_wait 30 'probe: sent 1, received 1' || not_ok "$mode: p: the probe's result" "$(tmux_screen)"
	wait "$p1" "$p2" 2>/dev/null
	for f in ca pb; do
		if [ $f = ca ]; then kind=workload_in; else kind=pod_ingress; fi
		req=$(tshark_fields "$TMPD/$f.pcap" "icmp.type == 8 && ip.src == $A" icmp.seq | wc -l)
		n=$(jq -r --arg k "$kind" '[.hops[] | select(.direction == "forward" and .kind == $k)][0].hop' <<<"$J")
		ok_if "$mode: tcpdump ($f) saw the request" "$req" [ "$req" -ge 1 ]
		case "$(row "$n")" in *"req ✔ rep ✔"*" $kind "*) ok "$mode: p: hop $n ($kind) shows the request and the reply seen" ;;
		*) not_ok "$mode: p: hop $n ($kind) shows the request and the reply seen" "$(row "$n")" ;; esac
	done
	tmux_keys q
	if tmux_wait_exit 15; then is "$mode: q after a healthy probe: exit 0" "$TMUX_STATUS" 0; else
		not_ok "$mode: q ends the TUI" "$(tmux_screen)"; fi
	restored "$mode: q restores the terminal (icanon, echo)"

	# ---- SIGTERM
	start_tui "$A" "$B"
	tmux_wait 30 'forward \(SRC to DST\)' || not_ok "$mode: the TUI starts again" "$(tmux_screen)"
	pid=""
	wait_until 10 ct_pid && pid=$(ct_pid)
	[ -n "$pid" ] && kill -TERM "$pid"
	if tmux_wait_exit 15; then is "$mode: SIGTERM: exit 143" "$TMUX_STATUS" 143; else
		not_ok "$mode: SIGTERM ends the TUI" "$(tmux_screen)"; fi
	restored "$mode: SIGTERM restores the terminal"

	# ---- denypolicy: pod 3 -> pod 1 dropped by cali-tw of pod 1
	chain="cali-tw-$CA"
	lab_fault denypolicy on || not_ok "$mode denypolicy: apply"
	J=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$B" "$A" 2>/dev/null)
	fh=$(jq -r '[.hops[] | select(.direction == "forward" and .verdict == "fail")][0] | "\(.hop) \(.kind) \(.findings[0] // "")"' <<<"$J")
	read -r fn fkind fcode <<<"$fh"
	is "$mode denypolicy: the oracle's failing hop is policy_in" "$fkind" policy_in
	start_tui "$B" "$A" --wait 8
	tmux_wait 30 'forward \(SRC to DST\)' || not_ok "$mode denypolicy: the TUI starts" "$(tmux_screen)"
	want=$(oracle_rows forward)
	wait_until 10 test "$(rows)" = "$want"
	is "$mode denypolicy: rows are the JSON's (the failing hop fail)" "$(rows)" "$want"
	case "$(row "$fn")" in *"✖ fail"*" $chain "*) ok "$mode denypolicy: hop $fn shows ✖ fail on $chain" ;;
	*) not_ok "$mode denypolicy: hop $fn shows ✖ fail on $chain" "$(row "$fn")" ;; esac
	for _ in $(seq 2 "$fn"); do tmux_keys j; done
	tmux_wait 10 "^ hop $fn " || not_ok "$mode denypolicy: hop $fn selected" "$(tmux_screen)"
	if [ -n "$fcode" ] && tmux_wait 10 "fail +$fcode: " && tmux_has '^ +fix +[^ ]'; then
		ok "$mode denypolicy: the detail pane shows $fcode and its fix"
	else
		not_ok "$mode denypolicy: the detail pane shows $fcode and its fix" "$(tmux_screen)"
	fi
	capture_start "$LAB_POD_3_NS" eth0 "$TMPD/pe.pcap" 1 20 "icmp and host $A and host $B" || not_ok "$mode: tcpdump in pod 3"
	p3=$CAPTURE_PID
	tmux_keys p
	# while in flight (8 s wait): the source's eth0 lit with the request seen
	if tmux_wait 20 'probing: sent 1, received 0' && tmux_has '^[ >]1 .*req ✔ rep … +pod_egress' &&
		tmux_has 'probing: sent 1'; then
		ok "$mode denypolicy: during the probe, hop 1 is lit with the request seen"
	else
		not_ok "$mode denypolicy: during the probe, hop 1 is lit with the request seen" "$(tmux_screen)"
	fi
	wait "$p3" 2>/dev/null
	req=$(tshark_fields "$TMPD/pe.pcap" "icmp.type == 8 && ip.src == $B" icmp.seq | wc -l)
	ok_if "$mode denypolicy: tcpdump saw the request leave pod 3" "$req" [ "$req" -ge 1 ]
	tmux_wait 30 'probe: sent 1, received 0' || not_ok "$mode denypolicy: the probe's result" "$(tmux_screen)"
	# the oracle for where it is lost: --probe's JSON (same judge), itself checked against
	# the DROP counters in lab-probe.sh
	PJ=$("$CALTRACE" -j -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe --wait 2 "$B" "$A" 2>/dev/null)
	lh=$(jq -r '.probe.lost_hop' <<<"$PJ")
	case "$(tmux_screen)" in *"request is lost at hop $lh (n1 policy_in $chain): $chain rule"*) ok "$mode denypolicy: the result names hop $lh, as --probe does" ;;
	*) not_ok "$mode denypolicy: the result names hop $lh, as --probe does" "$(tmux_screen | tail -n 2)" ;; esac
	# p again: the DROP counter's move is this probe's alone (the oracle: iptables-save -c
	# before and after, both backends)
	d0=$(drops "$LAB_N1" "$chain")
	tmux_keys p
	tmux_wait 20 'probing: sent 1' || not_ok "$mode denypolicy: a second probe starts" "$(tmux_screen)"
	tmux_wait 30 'probe: sent 1, received 0' || not_ok "$mode denypolicy: the second probe's result" "$(tmux_screen)"
	d1=$(drops "$LAB_N1" "$chain")
	case "$(tmux_screen)" in *"request is lost at hop $lh (n1 policy_in $chain): $chain rule "*" DROP moved by $((d1 - d0)):"*)
		ok "$mode denypolicy: a second p counts its own drops ($((d1 - d0)), iptables-save -c)" ;;
	*) not_ok "$mode denypolicy: a second p counts its own drops ($((d1 - d0)), iptables-save -c)" "$(tmux_screen | tail -n 2)" ;; esac
	tmux_keys q
	if tmux_wait_exit 15; then is "$mode denypolicy: q: exit 1" "$TMUX_STATUS" 1; else
		not_ok "$mode denypolicy: q ends the TUI" "$(tmux_screen)"; fi
	restored "$mode denypolicy: q restores the terminal"
	# SIGTERM while a probe is in flight: the probe stops, the terminal comes back, 143
	start_tui "$B" "$A" --wait 20
	tmux_wait 30 'forward \(SRC to DST\)' || not_ok "$mode denypolicy: the TUI starts again" "$(tmux_screen)"
	tmux_keys p
	tmux_wait 20 'probing: sent 1' || not_ok "$mode denypolicy: probing again" "$(tmux_screen)"
	pid=""
	wait_until 10 ct_pid && pid=$(ct_pid)
	[ -n "$pid" ] && kill -TERM "$pid"
	if tmux_wait_exit 15; then is "$mode denypolicy: SIGTERM during a probe: exit 143" "$TMUX_STATUS" 143; else
		not_ok "$mode denypolicy: SIGTERM during a probe ends the TUI (before --wait 20 runs out)" "$(tmux_screen)"; fi
	restored "$mode denypolicy: SIGTERM during a probe restores the terminal"
	lab_fault denypolicy off || not_ok "$mode denypolicy: revert"

	# ---- too small; LANG=C and NO_COLOR
	tmux_start "$CT -n $LAB_N1 --nodes $LAB_NODES_FILE path --tui $A $B" 40 8 || bail "tmux"
	tmux_wait 30 'terminal too small' && ok "$mode: a 40x8 window says it is too small" ||
		not_ok "$mode: a 40x8 window says it is too small" "$(tmux_screen)"
	# grown again: the hops come back (a resize redraws)
	tmux_cmd resize-window -t ct -x 160 -y 60
	tmux_wait 15 '^>1 .* pod_egress ' && ok "$mode: resized to 160x60, the hops are drawn again" ||
		not_ok "$mode: resized to 160x60, the hops are drawn again" "$(tmux_screen)"
	tmux_keys q
	tmux_wait_exit 15 || not_ok "$mode: q after a resize" "$(tmux_screen)"
	TMUX_LANG=C tmux_start "NO_COLOR=1 $CT -n $LAB_N1 --nodes $LAB_NODES_FILE path --tui $A $B" || bail "tmux"
	tmux_wait 30 '^>1 +\+ ok +pod_egress' && ok "$mode: LANG=C, NO_COLOR: verdicts as plain words" ||
		not_ok "$mode: LANG=C, NO_COLOR: verdicts as plain words" "$(tmux_screen)"
	tmux_keys q
	tmux_wait_exit 15 || not_ok "$mode: LANG=C: q" "$(tmux_screen)"
	lab_down
done
diag "path-tui.sh took $(($(now_ms) - T0)) ms"
done_testing
