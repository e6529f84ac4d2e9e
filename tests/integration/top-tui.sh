#!/bin/bash
# The curses dashboard of caltrace top, driven in tmux (tests/tmux.sh: a private server, 120x40,
# TERM=xterm-256color) against the lab in mode bgp, with the kernel and birdc as oracles:
# - it lists node 1's workload interfaces (ip -j link); a veth deleted in the lab disappears;
# - `/` filters rows by name; Enter opens a workload's card with ip -j's MTU and MAC; Esc back;
# - killing node 2's BIRD turns node 1's peer for it to birdc's state, not Established, with a
#   cause;
# - the selected workload's policy drops (fault denypolicy, --policy-interval 3600) reach its card
#   as iptables-save -c counts them after pings, read on the tick because it is selected;
# - `:path` hands the terminal to `caltrace path --tui` (skipped while path has no --tui);
# - the terminal is restored (icanon, echo) after q (status 0), after SIGTERM (143) and after a
#   crash signal (SIGSEGV: 139); a terminal too small says so; LANG=C with NO_COLOR works.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/tmux.sh"
need_root
need_cmd ip jq tmux
need_caltrace

WAIT=40
lab_up bgp || bail "lab up bgp"
N1=$LAB_N1
SOCK1=$LAB_N1_BIRD_SOCK
PEER2=$LAB_N2_PEER
TOP="$CALTRACE -n $N1 top --bird-socket $SOCK1"

# the pid of caltrace in the pane (the pane's shell runs it as a child)
top_pid() { pgrep -P "$(tmux_pid)" -f 'caltrace' | head -n 1; }
restored() {
	case " $(tmux_stty) " in
	*" icanon "*" echo "*) return 0 ;;
	*) return 1 ;;
	esac
}

names=$(ip -n "$N1" -j link show | jq -r '.[] | select(.ifname | startswith("cali")) | .ifname' | sort)
[ -n "$names" ] || bail "node 1 has workload interfaces (ip -j link)"
first=$(printf '%s\n' "$names" | head -n 1)
second=$(printf '%s\n' "$names" | sed -n 2p)

# ---------------------------------------------------------------- the workloads
tmux_start "$TOP" 120 40 || bail "tmux did not start"
for n in $names; do
	tmux_wait "$WAIT" "^ $n " && ok "the dashboard lists $n (ip -j link)" ||
		not_ok "the dashboard lists $n (ip -j link)" "$(tmux_screen)"
done
tmux_wait "$WAIT" "BIRD up" && ok "the header says BIRD is up" || not_ok "the header says BIRD is up" "$(tmux_screen)"

# / filter: only the first workload stays
tmux_type "/${first:4:6}"
tmux_keys Enter
if tmux_wait_gone 10 "^ $second "; then
	tmux_has "^ $first " && ok "/ filter keeps $first and hides $second" ||
		not_ok "/ filter keeps $first and hides $second" "$(tmux_screen)"
else
	not_ok "/ filter keeps $first and hides $second" "$(tmux_screen)"
fi
# Enter: the card of the selected (only) workload, with the kernel's MTU and MAC
mtu=$(ip -n "$N1" -j link show "$first" | jq -r '.[0].mtu')
mac=$(ip -n "$N1" -j link show "$first" | jq -r '.[0].address')
tmux_keys Enter
if tmux_wait 10 "^name +$first"; then
	tmux_has "^mtu +$mtu\$" && tmux_has "^mac +$mac\$" && ok "Enter: $first's card has ip -j's MTU and MAC" ||
		not_ok "Enter: $first's card has ip -j's MTU and MAC" "$(tmux_screen)"
else
	not_ok "Enter opens the card of $first" "$(tmux_screen)"
fi
tmux_keys Escape
tmux_wait 10 "workloads \(1 of" && ok "Esc: back to the panes, still filtered" ||
	not_ok "Esc: back to the panes, still filtered" "$(tmux_screen)"
tmux_keys Escape
tmux_wait 10 "^ $second " && ok "Esc again clears the filter" || not_ok "Esc again clears the filter" "$(tmux_screen)"

# a veth deleted in the lab disappears from the pane
ip -n "$N1" link add cali0badc0ffee1 type veth peer name ctq1 && ip -n "$N1" link set cali0badc0ffee1 up
tmux_wait "$WAIT" "^ cali0badc0ffee1 " && ok "a veth added in the lab appears" ||
	not_ok "a veth added in the lab appears" "$(tmux_screen)"
ip -n "$N1" link del cali0badc0ffee1
tmux_wait_gone "$WAIT" "^ cali0badc0ffee1 " && ok "a veth deleted in the lab disappears" ||
	not_ok "a veth deleted in the lab disappears" "$(tmux_screen)"
tmux_has "interface cali0badc0ffee1 removed" && ok "the events pane says it was removed" ||
	not_ok "the events pane says it was removed" "$(tmux_screen)"

# birdkill: node 1's peer for node 2, as birdc on node 1 says, with a cause
lab_fault birdkill on || bail "fault birdkill on"
birdc_state() { "$LAB_BIRDC" -s "$SOCK1" show protocols "$PEER2" 2>/dev/null | awk -v p="$PEER2" '$1 == p {print $6}'; }
wait_until "$WAIT" eval '[ -n "$(birdc_state)" ] && [ "$(birdc_state)" != Established ]' ||
	diag "birdc: $(birdc_state)"
st=$(birdc_state)
tmux_wait "$WAIT" "$PEER2 .* $st .* $st: " && ok "birdkill: the peer shows birdc's $st with a cause" ||
	not_ok "birdkill: the peer shows birdc's $st with a cause" "$(tmux_screen)"
lab_fault birdkill off || diag "fault birdkill off failed"

# :path hands the terminal to path --tui
help_path=$("$CALTRACE" help path 2>&1)
if grep -q -- '--tui' <<<"$help_path"; then
	ip1=$(ip -n "$N1" -j -4 route show dev "$first" | jq -r '.[0].dst')
	ip2=$(ip -n "$N1" -j -4 route show dev "$second" | jq -r '.[0].dst')
	tmux_type ":path $ip1 $ip2"
	tmux_keys Enter
	tmux_wait "$WAIT" "$ip2" && ok ":path shows the path TUI" || not_ok ":path shows the path TUI" "$(tmux_screen)"
	tmux_keys q
	tmux_wait "$WAIT" "workloads \(" && ok "back in top after the path TUI" ||
		not_ok "back in top after the path TUI" "$(tmux_screen)"
else
	skip ":path hands the terminal to path --tui" "caltrace help path lists no --tui yet"
fi

# p on the selected workload pre-fills :path with its pod address; Esc cancels
ip_first=$(ip -n "$N1" -j -4 route show dev "$first" | jq -r '.[0].dst')
tmux_keys g p
tmux_wait 10 ":path $ip_first ?$" && ok "p pre-fills :path with the selected pod ($ip_first)" ||
	not_ok "p pre-fills :path with the selected pod ($ip_first)" "$(tmux_screen | tail -n 2)"
tmux_keys Escape
# :use NS watches another namespace: node 2's workloads (ip -j link there)
N2=$LAB_N2
n2first=$(ip -n "$N2" -j link show | jq -r '.[] | select(.ifname | startswith("cali")) | .ifname' | sort | head -n 1)
tmux_type ":use $N2"
tmux_keys Enter
tmux_wait "$WAIT" "netns $N2 " && tmux_wait "$WAIT" "^ $n2first " && ok ":use $N2 shows node 2 and its workload $n2first" ||
	not_ok ":use $N2 shows node 2 and its workload $n2first" "$(tmux_screen)"
tmux_has "^ $first " && not_ok ":use: node 1's workloads are gone" "$(tmux_screen)" || ok ":use: node 1's workloads are gone"
tmux_type ":use ctnosuchns$$"
tmux_keys Enter
tmux_wait 20 "use: .*ctnosuchns$$" && ok ":use of a namespace that does not exist says so and stays" ||
	not_ok ":use of a namespace that does not exist says so and stays" "$(tmux_screen)"

# q: exit 0, terminal restored
tmux_keys q
if tmux_wait_exit "$WAIT"; then
	is "q: exit status 0" "$TMUX_STATUS" 0
	restored && ok "q: the terminal is restored (icanon echo)" || not_ok "q: the terminal is restored" "$(tmux_stty)"
else
	not_ok "q ends top" "$(tmux_screen)"
fi

# ---------------------------------------------------------------- the selected workload's policy drops
# with --policy-interval 3600 the periodic read happens once, at the start: only the selection
# (a read on every tick) can bring a later DROP count to the card; the oracle is iptables-save -c
# (the DROP and REJECT rules of the workload's cali-fw- and cali-tw- chains, summed)
V1=$LAB_POD_1_VETH
save_of() { # the backend whose save output has a filter table
	local b out
	for b in legacy nft; do
		# read whole, then searched: `save | grep -q` under pipefail fails when grep's early
		# exit kills the writer with SIGPIPE (it did in CI, leaving no backend)
		out=$(ip netns exec "$N1" "iptables-$b-save" 2>/dev/null)
		grep -qx '\*filter' <<<"$out" && { echo "$b"; return; }
	done
}
pol_oracle() {
	ip netns exec "$N1" "iptables-$(save_of)-save" -c | awk -v i="$V1" '
		(index($0, " -A cali-fw-" i " ") || index($0, " -A cali-tw-" i " ")) && / -j (DROP|REJECT)/ {
			s = $1; gsub(/[][]/, "", s); split(s, a, ":"); d += a[1] }
		END { print d + 0 }'
}
if lab_fault denypolicy on; then
	tmux_start "$TOP --policy-interval 3600" 120 40 || bail "tmux did not start"
	tmux_wait "$WAIT" "^ $V1 " || not_ok "top started (policy)" "$(tmux_screen)"
	tmux_type "/$V1"
	tmux_keys Enter
	tmux_wait_gone 10 "^ $second " || diag "the filter did not apply"
	tmux_keys g Enter
	tmux_wait 10 "^name +$V1" || not_ok "Enter opens $V1's card" "$(tmux_screen)"
	before=$(pol_oracle)
	tmux_wait "$WAIT" "^policy_dropped +$before\$" && ok "the card has iptables-save's policy drops ($before)" ||
		not_ok "the card has iptables-save's policy drops ($before)" "$(tmux_screen)"
	# pings from web-2, on node 1 as web-1 (no BGP on the way: birdkill came just before),
	# until node 1's rules count some
	dropped_some() {
		ip netns exec "$LAB_POD_2_NS" ping -n -c 3 -i 0.2 -W 1 "$LAB_POD_1_IP" >/dev/null 2>&1 &&
			diag "a ping to web-1 passed the deny policy"
		[ "$(pol_oracle)" -gt "$before" ]
	}
	wait_until "$WAIT" dropped_some
	after=$(pol_oracle)
	check "iptables-save counts the dropped pings ($before -> $after)" [ "$after" -gt "$before" ]
	tmux_wait "$WAIT" "^policy_dropped +$after\$" &&
		ok "the selected workload's policy drops follow iptables-save ($after) within the interval" ||
		not_ok "the selected workload's policy drops follow iptables-save ($after)" "$(tmux_screen)"
	tmux_keys q
	tmux_wait_exit "$WAIT" || not_ok "q quits (policy)"
	lab_fault denypolicy off || diag "fault denypolicy off failed"
else
	not_ok "lab fault denypolicy on"
fi

# ---------------------------------------------------------------- signals
for sig in TERM SEGV; do
	want=$([ $sig = TERM ] && echo 143 || echo 139)
	tmux_start "$TOP" 120 40 || bail "tmux did not start"
	tmux_wait "$WAIT" "^ $first " || not_ok "top started before SIG$sig" "$(tmux_screen)"
	p=$(top_pid)
	[ -n "$p" ] && kill -"$sig" "$p"
	if tmux_wait_exit "$WAIT"; then
		is "SIG$sig: exit status $want" "$TMUX_STATUS" "$want"
		restored && ok "SIG$sig: the terminal is restored (icanon echo)" ||
			not_ok "SIG$sig: the terminal is restored" "$(tmux_stty)"
	else
		not_ok "SIG$sig ends top" "$(tmux_screen)"
	fi
done

# ---------------------------------------------------------------- too small, LANG=C, NO_COLOR
tmux_start "$TOP" 60 20 || bail "tmux did not start"
tmux_wait "$WAIT" "terminal too small: 80x24 needed, 60x20 here" && ok "a terminal too small says so" ||
	not_ok "a terminal too small says so" "$(tmux_screen)"
tmux_keys q
tmux_wait_exit "$WAIT" && is "q quits a terminal too small" "$TMUX_STATUS" 0 || not_ok "q quits a terminal too small"
TMUX_LANG=C tmux_start "NO_COLOR=1 $TOP" 120 40 || bail "tmux did not start"
tmux_wait "$WAIT" "^ $first " && ok "LANG=C NO_COLOR=1: the workloads are listed" ||
	not_ok "LANG=C NO_COLOR=1: the workloads are listed" "$(tmux_screen)"
tmux_has '^[+!Xi] (ok|warn|fail|info)( |$)' && ok "LANG=C: the severity is an ASCII glyph and a word" ||
	not_ok "LANG=C: the severity is an ASCII glyph and a word" "$(tmux_screen)"
if tmux_screen_escapes | grep -q $'\e\\[3[0-7]m\|\e\\[38;5'; then
	not_ok "NO_COLOR: no colour escapes on the screen" "$(tmux_screen_escapes | head -5 | cat -v)"
else
	ok "NO_COLOR: no colour escapes on the screen"
fi
tmux_keys q
tmux_wait_exit "$WAIT" || not_ok "q quits"
"$CALTRACE" -n "$N1" top </dev/null >/dev/null 2>"$LAB_DIR/nt.err"
is "not a terminal: usage error" "$?" 2
grep -q 'top -b' "$LAB_DIR/nt.err" && ok "and says to use top -b" || not_ok "and says to use top -b" "$(cat "$LAB_DIR/nt.err")"

done_testing
