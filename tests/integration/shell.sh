#!/bin/bash
# caltrace shell, the readline REPL, driven in a real terminal (tests/tmux.sh: a private tmux
# server, a fixed size and TERM) against a VXLAN lab, each check against an independent oracle:
#   the prompt names the node (the lab's namespace, given with -n);
#   li<Tab> completes to links, and `links` prints the node's cali interfaces (ip -j link);
#   path <Tab> offers the node's pod addresses (ip -j route to cali*);
#   use <Tab> offers the lab's namespaces (ip netns list), and `use NS` moves the prompt there;
#   a command's error (a bad option) does not end the shell: the next command runs (its output
#   checked against ip -d -j link);
#   Ctrl-C at the prompt clears the line (the command typed is never run: its veth name, from
#   sha1sum, never shows), and Ctrl-C stops a running sniff and the prompt comes back;
#   a command that crashes (SIGABRT sent to it) is reported, and the shell prompts again;
#   exit ends it with status 0 and the terminal's modes restored (icanon echo), and so does
#   SIGTERM (status 143);
#   history: the file is 0600 in a 0700 folder under XDG_STATE_HOME, holds what was typed, and
#   a second shell's Up arrow shows the first one's commands; it keeps the last 1000 lines;
#   --pods FILE: veth-name <Tab> offers the file's pods, and links gets --pods (its POD column);
#   bgp <Tab> offers routes and BIRD's BGP peers (birdc show protocols, on a BGP lab);
#   piped (standard input not a terminal): no prompt, one command a line, the exit status of
#   the last one.
# HOME and XDG_STATE_HOME point into a temporary folder, removed at exit.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/tmux.sh"
need_root
need_cmd ip jq tmux sha1sum
need_caltrace

T=$(mktemp -d /tmp/caltrace-shell.XXXXXX) || bail "mktemp"
at_exit "rm -rf '$T'"
lab_up vxlan || bail "lab up (vxlan)"
N1=$LAB_N1
N2=$LAB_N2
ENVS="env HOME=$T XDG_STATE_HOME=$T/state"
HIST=$T/state/caltrace/history
version=$("$CALTRACE" --version 2>&1)
[ -n "$version" ] || bail "caltrace --version prints the version"

# re: the string as an extended regular expression matching it literally
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }
P1="caltrace\($(re "$N1")\)> "
P2="caltrace\($(re "$N2")\)> "
# the same at the end of a line (tmux drops trailing spaces)
P1b="caltrace\($(re "$N1")\)>"
P2b="caltrace\($(re "$N2")\)>"
# prompts: how many prompt lines the screen shows for the namespace regex
prompts() { tmux_screen | grep -cE -- "^$1"; }

tmux_start "$ENVS $CALTRACE -n $N1 shell" 120 60 || bail "tmux did not start"

# ---------------------------------------------------------------- the prompt
tmux_wait 20 "^$P1b\$" && ok "the prompt names the node: caltrace($N1)>" ||
	bail "the prompt names the node: caltrace($N1)>" "$(tmux_screen)"

# ---------------------------------------------------------------- li<Tab> -> links, and links
tmux_type "li"
tmux_keys Tab
tmux_wait 10 "^${P1}links\$" && ok "li<Tab> completes to 'links '" ||
	not_ok "li<Tab> completes to 'links '" "$(tmux_screen)"
tmux_keys Enter
cali=$(ip -n "$N1" -j link show | jq -r '.[].ifname | select(startswith("cali"))' | sort)
[ -n "$cali" ] || bail "the lab's node has cali interfaces (ip -j link)"
tmux_wait 30 "^$P1b\$" || not_ok "links ends and the prompt comes back" "$(tmux_screen)"
screen=$(tmux_screen)
missing=""
for c in $cali; do grep -qF -- "$c" <<<"$screen" || missing="$missing $c"; done
[ -z "$missing" ] && ok "links prints the node's $(echo "$cali" | wc -l) cali interfaces (ip -j link)" ||
	not_ok "links prints the node's cali interfaces (ip -j link)" "missing:$missing
$screen"

# ---------------------------------------------------------------- path <Tab>: pod addresses
# the routes to the node's workload interfaces, as ip -j route shows them
ips=$( (ip -n "$N1" -j -4 route show; ip -n "$N1" -j -6 route show) |
	jq -r '.[] | select((.dev // "") | startswith("cali")) | select(.gateway == null) | .dst' |
	grep -v / | sort -u)
[ -n "$ips" ] || bail "the node has routes to its pods (ip -j route)"
tmux_keys C-l
tmux_type "path "
tmux_keys Tab
sleep 0.3
tmux_keys Tab
wait_until 15 eval '[ "$(for a in $ips; do tmux_screen | grep -qF -- "$a" || echo "$a"; done)" = "" ]'
screen=$(tmux_screen)
missing=""
for a in $ips; do grep -qF -- "$a" <<<"$screen" || missing="$missing $a"; done
[ -z "$missing" ] && ok "path <Tab> offers the node's $(echo "$ips" | wc -l) pod addresses (ip -j route)" ||
	not_ok "path <Tab> offers the node's pod addresses (ip -j route)" "missing:$missing
$screen"
tmux_keys C-u

# ---------------------------------------------------------------- use <Tab>
# the lab's namespaces share its prefix (and none is a prefix of the switch's), so after the
# prefix Tab lists them all
want=$(ip netns list | awk '{ print $1 }' | grep -F -- "$LAB_PREFIX" | sort)
[ "$(echo "$want" | wc -l)" -ge 4 ] || bail "ip netns list shows the lab's namespaces" "$want"
tmux_type "use $LAB_PREFIX"
tmux_keys Tab
sleep 0.3
tmux_keys Tab
missing=""
wait_until 10 eval '[ "$(for n in $want; do tmux_screen | grep -qF -- "$n" || echo "$n"; done)" = "" ]'
screen=$(tmux_screen)
for n in $want; do grep -qF -- "$n" <<<"$screen" || missing="$missing $n"; done
[ -z "$missing" ] && ok "use <Tab> offers the lab's $(echo "$want" | wc -l) namespaces (ip netns list)" ||
	not_ok "use <Tab> offers the lab's namespaces (ip netns list)" "missing:$missing
$screen"
tmux_keys C-u
tmux_type "use $N2"
tmux_keys Enter
tmux_wait 10 "^$P2b\$" && ok "use $N2: the prompt names $N2" || not_ok "use $N2: the prompt names $N2" "$(tmux_screen)"
tmux_type "use $LAB_PREFIX-no-such-ns"
tmux_keys Enter
tmux_wait 10 "still in the namespace before" && tmux_wait 10 "^$P2b\$" &&
	ok "use of a namespace that does not exist: one line, the namespace kept" ||
	not_ok "use of a namespace that does not exist: one line, the namespace kept" "$(tmux_screen)"

# ---------------------------------------------------------------- an error does not end the shell
tmux_keys C-l
tmux_type "tunnel --no-such-option"
tmux_keys Enter
tmux_wait 10 '\[exit 2: usage error\]' && ok "a bad option: the shell reports [exit 2: usage error]" ||
	not_ok "a bad option: the shell reports [exit 2: usage error]" "$(tmux_screen)"
vx=$(ip -n "$N2" -d -j link show | jq -r '.[] | select(.linkinfo.info_kind == "vxlan") | .ifname')
vni=$(ip -n "$N2" -d -j link show | jq -r '.[] | select(.linkinfo.info_kind == "vxlan") | .linkinfo.info_data.id')
[ -n "$vx" ] && [ -n "$vni" ] || bail "node 2 has a vxlan device (ip -d -j link)"
tmux_type "tunnel"
tmux_keys Enter
tmux_wait 30 "^$(re "$vx") +vxlan .* $vni " && ok "then tunnel runs (in $N2): $vx, VNI $vni, as ip -d -j link" ||
	not_ok "then tunnel runs (in $N2): $vx, VNI $vni, as ip -d -j link" "$(tmux_screen)"

# ---------------------------------------------------------------- Ctrl-C at the prompt
pod=x-shelltest/never-run
veth=cali$(printf '%s' "${pod/\//.}" | sha1sum | cut -c1-11)
tmux_keys C-l
tmux_wait 10 "^$P2b\$" || not_ok "the screen is cleared (Ctrl-L)" "$(tmux_screen)"
tmux_type "veth-name $pod"
tmux_wait 10 "^${P2}veth-name" || not_ok "the line is typed" "$(tmux_screen)"
tmux_keys C-c
wait_until 10 eval '[ "$(prompts "$P2b")" -ge 2 ]'
tmux_type "version"
tmux_keys Enter
tmux_wait 10 "^$(re "$version")\$" || not_ok "version runs after Ctrl-C at the prompt" "$(tmux_screen)"
screen=$(tmux_screen)
if grep -qF -- "$version" <<<"$screen" && ! grep -qF -- "$veth" <<<"$screen"; then
	ok "Ctrl-C at the prompt drops the line: $veth never printed, the next command runs"
else
	not_ok "Ctrl-C at the prompt drops the line: $veth never printed, the next command runs" "$screen"
fi
# the same line run: the veth name does show (the check above can fail)
tmux_type "veth-name $pod"
tmux_keys Enter
tmux_wait 10 "^$veth\$" && ok "veth-name $pod prints $veth (sha1sum) when run" ||
	not_ok "veth-name $pod prints $veth (sha1sum) when run" "$(tmux_screen)"

# ---------------------------------------------------------------- Ctrl-C stops a running sniff
shell_pid=$(pgrep -P "$(tmux_pid)" -x caltrace | head -n 1)
[ -n "$shell_pid" ] || bail "the shell's pid (pgrep)"
tmux_keys C-l
tmux_type "sniff -i eth0"
tmux_keys Enter
if wait_until 20 pgrep -P "$shell_pid" -x caltrace; then ok "sniff runs as the shell's child"; else
	not_ok "sniff runs as the shell's child" "$(tmux_screen)"; fi
sleep 0.5 # the capture is open
tmux_keys C-c
if wait_until 20 eval '! pgrep -P "$shell_pid" -x caltrace' && tmux_wait 20 "^$P2b\$" &&
	kill -0 "$shell_pid" 2>/dev/null; then
	ok "Ctrl-C stops sniff, the shell stays and its prompt comes back"
else
	not_ok "Ctrl-C stops sniff, the shell stays and its prompt comes back" "$(tmux_screen)"
fi
tmux_type "version"
tmux_keys Enter
wait_until 10 eval '[ "$(tmux_screen | grep -cxF -- "$version")" -ge 1 ]' &&
	ok "the shell runs commands after the sniff" || not_ok "the shell runs commands after the sniff" "$(tmux_screen)"

# ---------------------------------------------------------------- a command that crashes
tmux_keys C-l
tmux_type "sniff -i eth0"
tmux_keys Enter
child=""
wait_until 20 pgrep -P "$shell_pid" -x caltrace && child=$(pgrep -P "$shell_pid" -x caltrace | head -n 1)
# SIGABRT, not SIGSEGV: under make asan, AddressSanitizer catches SIGSEGV itself (a report
# and exit 1), but leaves SIGABRT to its default action; no core file is wanted
[ -n "$child" ] && prlimit --core=0 --pid "$child" 2>/dev/null
[ -n "$child" ] && kill -ABRT "$child"
if [ -n "$child" ] && tmux_wait 20 '^\[killed by signal 6: ' && tmux_wait 20 "^$P2b\$" &&
	kill -0 "$shell_pid" 2>/dev/null; then
	ok "a command that crashes (SIGABRT): the shell says so and prompts again"
else
	not_ok "a command that crashes (SIGABRT): the shell says so and prompts again" "$(tmux_screen)"
fi

# ---------------------------------------------------------------- exit restores the terminal
tmux_type "exit"
tmux_keys Enter
if tmux_wait_exit 20; then is "exit: status 0" "$TMUX_STATUS" 0; else
	not_ok "exit: status 0" "$(tmux_screen)"; fi
case " $(tmux_stty) " in
*" icanon "*" echo "*) ok "exit: the terminal is restored (icanon echo)" ;;
*) not_ok "exit: the terminal is restored (icanon echo)" "$(tmux_stty)" ;;
esac

# ---------------------------------------------------------------- history
if [ -f "$HIST" ] && [ ! -L "$HIST" ]; then
	is "history file is mode 600" "$(stat -c %a "$HIST")" 600
	is "history folder is mode 700" "$(stat -c %a "$(dirname "$HIST")")" 700
	if grep -qxF "sniff -i eth0" "$HIST" && grep -qxF "use $N2" "$HIST"; then
		ok "history holds the commands typed"
	else
		not_ok "history holds the commands typed" "$(cat "$HIST")"
	fi
else
	not_ok "history file $HIST exists" "$(ls -la "$T/state" "$T/state/caltrace" 2>&1)"
fi
tmux_start "$ENVS $CALTRACE -n $N1 shell" 120 60 || bail "tmux did not start"
tmux_wait 20 "^$P1b\$" || not_ok "a second shell starts" "$(tmux_screen)"
tmux_keys Up
tmux_wait 10 "^${P1}exit\$" && ok "second shell: Up shows the first shell's last command (exit)" ||
	not_ok "second shell: Up shows the first shell's last command (exit)" "$(tmux_screen)"
tmux_keys Up
tmux_wait 10 "^${P1}sniff -i eth0\$" && ok "second shell: Up again shows the one before (sniff -i eth0)" ||
	not_ok "second shell: Up again shows the one before (sniff -i eth0)" "$(tmux_screen)"
tmux_keys C-u
tmux_keys C-d
if tmux_wait_exit 20; then is "Ctrl-D ends the shell: status 0" "$TMUX_STATUS" 0; else
	not_ok "Ctrl-D ends the shell: status 0" "$(tmux_screen)"; fi
# the history is bounded: 1500 lines in, the last 1000 kept (with the new command last)
mkdir -p "$T/big/caltrace" && chmod 700 "$T/big/caltrace"
seq 1 1500 | sed 's/^/version # /' >"$T/big/caltrace/history"
tmux_start "env HOME=$T XDG_STATE_HOME=$T/big $CALTRACE -n $N1 shell" 120 60 || bail "tmux did not start"
tmux_wait 20 "^$P1b\$" || not_ok "a shell with a long history starts" "$(tmux_screen)"
tmux_type "tunnel"
tmux_keys Enter
tmux_wait 20 "^$P1b\$" || not_ok "it runs tunnel" "$(tmux_screen)"
tmux_keys C-d
tmux_wait_exit 20 || not_ok "it ends on Ctrl-D" "$(tmux_screen)"
h=$T/big/caltrace/history
is "history of 1500 lines: the last 1000 kept, the new command last" \
	"$(wc -l <"$h") $(head -n 1 "$h") / $(tail -n 1 "$h")" "1000 version # 502 / tunnel"
# a history that cannot be written (its folder a symbolic link): one warning line, the shell works
mkdir -p "$T/ro"
ln -s "$T/ro-target" "$T/ro/caltrace"
tmux_start "env HOME=$T XDG_STATE_HOME=$T/ro $CALTRACE -n $N1 shell" 120 60 || bail "tmux did not start"
tmux_wait 20 "^$P1b\$" || not_ok "a shell with an unwritable history starts" "$(tmux_screen)"
tmux_type "version"
tmux_keys Enter
tmux_wait 10 "^$(re "$version")\$" || not_ok "it runs commands" "$(tmux_screen)"
tmux_type "exit"
tmux_keys Enter
tmux_wait_exit 20 || not_ok "it exits" "$(tmux_screen)"
warn=$(tmux_screen | grep -c 'warning: history')
is "history through a symbolic link: one warning line, nothing written, exit 0" \
	"${TMUX_STATUS:-} $warn $([ -e "$T/ro-target" ] && echo written)" "0 1 "
tmux_stop

# ---------------------------------------------------------------- SIGTERM at the prompt
tmux_start "$ENVS $CALTRACE -n $N1 shell" 120 60 || bail "tmux did not start"
tmux_wait 20 "^$P1b\$" || not_ok "a third shell starts" "$(tmux_screen)"
tmux_type "tun"
p=$(pgrep -P "$(tmux_pid)" -x caltrace | head -n 1)
[ -n "$p" ] && kill -TERM "$p"
if tmux_wait_exit 20; then is "SIGTERM ends the shell: status 143" "$TMUX_STATUS" 143; else
	not_ok "SIGTERM ends the shell: status 143" "$(tmux_screen)"; fi
case " $(tmux_stty) " in
*" icanon "*" echo "*) ok "SIGTERM: the terminal is restored (icanon echo)" ;;
*) not_ok "SIGTERM: the terminal is restored (icanon echo)" "$(tmux_stty)" ;;
esac
tmux_stop

# ---------------------------------------------------------------- piped: no terminal
out=$(printf 'version\ntunnel --no-such-option\n' | $ENVS "$CALTRACE" -n "$N1" shell 2>"$T/err")
rc=$?
is "piped: the last command's status (a usage error, 2)" "$rc" 2
if grep -qxF -- "$version" <<<"$out" && ! grep -q 'caltrace(' <<<"$out"; then
	ok "piped: commands run, no prompt"
else
	not_ok "piped: commands run, no prompt" "$out"
fi
out=$(printf 'tunnel --no-such-option\nlinks -j\n' | $ENVS "$CALTRACE" -n "$N1" shell 2>"$T/err")
rc=$?
got=$(printf '%s' "$out" | jq -r '.items[].name' 2>/dev/null | sort)
is "piped: after an error, links -j runs in $N1 (its cali interfaces, ip -j link)" "$got" "$cali"
is "piped: the last command's status (links on a healthy node, 0)" "$rc" 0
out=$(printf "veth-name 'a/b\n" | $ENVS "$CALTRACE" shell 2>"$T/err")
rc=$?
is "piped: an unbalanced quote is one line on stderr, status 2" "$rc $(wc -l <"$T/err")" "2 1"

# ---------------------------------------------------------------- --pods: names to complete
# kubectl's JSON for the lab's pods, from the lab's own names (LAB_POD_i_K8S)
k8s=""
items=()
for ((i = 1; i <= LAB_POD_COUNT; i++)); do
	n=$(lab_var "LAB_POD_${i}_K8S")
	a=$(lab_var "LAB_POD_${i}_IP")
	k8s="$k8s$n"$'\n'
	items+=("$(jq -n --arg ns "${n%%/*}" --arg name "${n#*/}" --arg ip "$a" \
		'{metadata:{namespace:$ns,name:$name},spec:{nodeName:"n"},status:{phase:"Running",podIP:$ip,podIPs:[{ip:$ip}]}}')")
done
printf '%s\n' "${items[@]}" | jq -s '{apiVersion:"v1",kind:"List",items:.}' >"$T/pods.json"
k8s=$(printf '%s' "$k8s" | sed '/^$/d' | sort)
[ "$(echo "$k8s" | wc -l)" -ge 2 ] || bail "the lab names its pods (LAB_POD_i_K8S)" "$k8s"
tmux_start "$ENVS $CALTRACE -n $N1 --pods $T/pods.json shell" 120 60 || bail "tmux did not start"
tmux_wait 20 "^$P1b\$" || not_ok "a shell with --pods starts" "$(tmux_screen)"
tmux_type "veth-name "
tmux_keys Tab
sleep 0.3
tmux_keys Tab
wait_until 15 eval '[ "$(for a in $k8s; do tmux_screen | grep -qF -- "$a" || echo "$a"; done)" = "" ]'
screen=$(tmux_screen)
missing=""
for a in $k8s; do grep -qF -- "$a" <<<"$screen" || missing="$missing $a"; done
[ -z "$missing" ] && ok "--pods FILE: veth-name <Tab> offers the $(echo "$k8s" | wc -l) pods of the file" ||
	not_ok "--pods FILE: veth-name <Tab> offers the pods of the file" "missing:$missing
$screen"
tmux_keys C-u
tmux_keys C-l
tmux_type "links"
tmux_keys Enter
# links gets --pods: node 1's veths (named by the lab with sha1sum) show their pods
want=""
for ((i = 1; i <= LAB_POD_COUNT; i++)); do
	[ "$(lab_var "LAB_POD_${i}_NODE")" = 1 ] || continue
	want="$want $(lab_var "LAB_POD_${i}_VETH") .* $(lab_var "LAB_POD_${i}_K8S")"
done
[ -n "$want" ] || bail "the lab has pods on node 1"
tmux_wait 30 "^$P1b\$"
screen=$(tmux_screen)
missing=""
for ((i = 1; i <= LAB_POD_COUNT; i++)); do
	[ "$(lab_var "LAB_POD_${i}_NODE")" = 1 ] || continue
	grep -qE -- "^$(lab_var "LAB_POD_${i}_VETH") .* $(re "$(lab_var "LAB_POD_${i}_K8S")") " <<<"$screen" ||
		missing="$missing $(lab_var "LAB_POD_${i}_K8S")"
done
[ -z "$missing" ] && ok "--pods FILE is passed to links: each veth of node 1 names its pod" ||
	not_ok "--pods FILE is passed to links: each veth of node 1 names its pod" "missing:$missing
$screen"
tmux_keys C-d
tmux_wait_exit 20 || not_ok "the shell with --pods ends on Ctrl-D" "$(tmux_screen)"
tmux_stop
out=$("$CALTRACE" --pods - shell </dev/null 2>"$T/err")
rc=$?
is "shell --pods - (its standard input is its commands): exit 2, one line" "$rc $(wc -l <"$T/err")" "2 1"

# ---------------------------------------------------------------- bgp <Tab>: BIRD's peers
# a BGP lab: node 1's BIRD, asked with birdc, names the peers
if lab_up bgp; then
	birdc_out=$("$LAB_BIRDC" -s "$LAB_N1_BIRD_SOCK" show protocols 2>&1)
	peers=$(awk '$2 == "BGP" { print $1 }' <<<"$birdc_out" | sort)
	[ -n "$peers" ] || bail "birdc names node 1's BGP peers" "$birdc_out"
	P3b="caltrace\($(re "$LAB_N1")\)>"
	tmux_start "$ENVS $CALTRACE -n $LAB_N1 shell" 120 60 || bail "tmux did not start"
	tmux_wait 20 "^$P3b\$" || not_ok "a shell on the BGP lab starts" "$(tmux_screen)"
	tmux_type "bgp "
	tmux_keys Tab
	sleep 0.3
	tmux_keys Tab
	wait_until 15 eval '[ "$(for a in $peers routes; do tmux_screen | grep -qw -- "$a" || echo "$a"; done)" = "" ]'
	screen=$(tmux_screen)
	missing=""
	for a in $peers routes; do grep -qw -- "$a" <<<"$screen" || missing="$missing $a"; done
	[ -z "$missing" ] && ok "bgp <Tab> offers routes and BIRD's $(echo "$peers" | wc -l) BGP peers (birdc)" ||
		not_ok "bgp <Tab> offers routes and BIRD's BGP peers (birdc)" "missing:$missing
$screen"
	tmux_keys C-u
	tmux_keys C-d
	tmux_wait_exit 20 || not_ok "the shell on the BGP lab ends on Ctrl-D" "$(tmux_screen)"
	tmux_stop
else
	not_ok "lab up (bgp)"
fi

done_testing
