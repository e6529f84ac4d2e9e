#!/bin/bash
# `make demo`: the README's examples, run on the built-in lab. Brings the lab up in VXLAN mode,
# then in BGP mode (real BIRD 1.6 full mesh), applies the faults the README describes, runs each
# example, undoes each fault, and tears the lab down (also on Ctrl-C or an error).
#
# usage: demo.sh [--prefix PREFIX] [--update-readme [README]]
#   --prefix PREFIX   namespace prefix (default rd1-, the README's; a missing final '-' is added;
#                     `make demo PREFIX=...` passes it)
#   --update-readme   after the run, rewrite the README's example blocks (the fenced blocks that
#                     start with `$ caltrace`) from it: tests/lab/demo-readme.sh update
#   CALTRACE          the binary (default ./caltrace at the top of the tree)
#   DEMO_PREFIX       the prefix when --prefix is not given
#
# The transcript goes to standard output; lab.sh's progress goes to standard error. Each example
# is printed as
#   ---- one line: what the example shows, and the fault applied for it
#   $ caltrace ARGS...
#   its standard output, then its standard error
#   (exit status N)
# and tests/lab/demo-readme.sh reads exactly that (the first line names the prefix). Commands
# run in a scratch folder, so file names in them (the snapshot) are relative and the same in
# every run. The demo exits 0 when every example ran (whatever caltrace's exit status: the
# README states them, and tests/integration/demo-readme.sh compares them), 1 when the lab could
# not be built or a fault could not be applied, 2 on a usage error, 3 without root.
# `sh THIS` works too: it runs itself with bash
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab.sh"
CALTRACE=${CALTRACE:-$TOP/caltrace}
case "$CALTRACE" in /*) ;; *) CALTRACE="$TOP/$CALTRACE" ;; esac
README_PREFIX=rd1- # the prefix the README's examples show
P=${DEMO_PREFIX:-$README_PREFIX}
UPDATE=""

usage() {
	sed -n '6,12s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit "${1:-2}"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--prefix)
		[ $# -ge 2 ] || usage
		P=$2
		shift 2
		;;
	--prefix=*)
		P=${1#--prefix=}
		shift
		;;
	--update-readme)
		UPDATE=$TOP/README.md
		shift
		if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
			UPDATE=$1
			shift
		fi
		;;
	-h | --help) usage 0 ;;
	*) usage ;;
	esac
done
case "$P" in *-) ;; *) P="$P-" ;; esac
case "$P" in
-* | *[!A-Za-z0-9-]*)
	echo "demo: bad prefix '$P' (letters, digits and '-', not starting with '-')" >&2
	exit 2
	;;
esac
[ "${#P}" -le 13 ] || {
	echo "demo: prefix '$P' is longer than 13 characters (interface names)" >&2
	exit 2
}
if [ -n "$UPDATE" ] && [ ! -w "$UPDATE" ]; then
	echo "demo: cannot write '$UPDATE'" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it builds network namespaces); try: sudo make demo" >&2
	exit 3
fi
[ -x "$CALTRACE" ] || {
	echo "demo: no caltrace binary at '$CALTRACE' (run make)" >&2
	exit 3
}
if [ -n "$UPDATE" ]; then
	# run again with the transcript kept, shown as it goes, then rewrite the README from it
	t=$(mktemp /tmp/caltrace-demo.XXXXXX) || exit 3
	bash "${BASH_SOURCE[0]}" --prefix "$P" | tee "$t"
	rc=$?
	if [ "$rc" = 0 ]; then
		"$HERE/demo-readme.sh" update "$UPDATE" "$t"
		rc=$?
	fi
	rm -f "$t"
	exit "$rc"
fi

WORK=$(mktemp -d /tmp/caltrace-demo.XXXXXX) || exit 3
LAB_UP=""
cleanup() {
	[ -z "$LAB_UP" ] || "$LAB" down "$LAB_UP" >/dev/null 2>&1
	rm -rf -- "$WORK"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$WORK" || exit 3
N=0
# the README's output, whatever the caller's environment: Felix's default interface prefix,
# the live /proc and /etc
unset FELIX_INTERFACEPREFIX CALTRACE_PROC_ROOT CALTRACE_ETC_ROOT

die() {
	echo "demo: $*" >&2
	exit 1
}

# lab MODE: a fresh lab in MODE under the prefix; the LAB_* variables describe it
lab() {
	[ -z "$LAB_UP" ] || "$LAB" down "$LAB_UP" || die "cannot take the lab '$LAB_UP' down"
	LAB_UP=""
	# a lab already up under this prefix (another demo, or one killed with SIGKILL) is not
	# ours to remove
	if [ -e "${LAB_RUN:-/run/caltrace-lab}/$P" ] || [ -e "/run/netns/${P}n1" ]; then
		die "a lab is up under prefix '$P' already: take it down (tests/lab/lab.sh down $P) or pick another prefix (make demo PREFIX=xy-)"
	fi
	LAB_UP=$P
	"$LAB" up "$1" "$P" || die "the lab did not come up in $1 mode"
	eval "$("$LAB" env "$P")" || die "lab.sh env $P failed"
}

fault() { # NAME on|off
	"$LAB" fault "$1" "$2" "$P" || die "lab.sh fault $1 $2 $P failed"
}

section() {
	printf '\n==== %s\n' "$*"
}

# ping_from POD_NS ADDRESS: one ping, whatever its outcome (it only makes neighbour entries)
ping_from() {
	ip netns exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1
	return 0
}

# the command as a user types it
show_cmd() {
	local a line="\$ caltrace"
	for a in "$@"; do
		case "$a" in
		"" | *[!A-Za-z0-9_./:=,+@%-]*) line+=" $(printf '%q' "$a")" ;;
		*) line+=" $a" ;;
		esac
	done
	printf '%s\n' "$line"
}

# cat_nl FILE: the file, ending with a newline when it has any bytes
cat_nl() {
	[ -s "$1" ] || return 0
	cat "$1"
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || echo
}

# example WHY ARGS...: one README example: the explanation, the command, its output, its status.
# BG, when set, is a command run in the background while caltrace runs (traffic for sniff);
# LIMIT, when set, stops caltrace after that many seconds (timeout's status 124 then shows).
example() {
	local why=$1 rc bgpid=""
	shift
	N=$((N + 1))
	printf '\n---- %s\n' "$why"
	show_cmd "$@"
	if [ -n "${BG:-}" ]; then
		$BG &
		bgpid=$!
	fi
	if [ -n "${LIMIT:-}" ]; then
		timeout --foreground -k 5 "$LIMIT" "$CALTRACE" "$@" >"$WORK/out" 2>"$WORK/err"
	else
		"$CALTRACE" "$@" >"$WORK/out" 2>"$WORK/err"
	fi
	rc=$?
	if [ -n "$bgpid" ]; then
		kill "$bgpid" 2>/dev/null
		wait "$bgpid" 2>/dev/null
	fi
	cat_nl "$WORK/out"
	cat_nl "$WORK/err"
	echo "(exit status $rc)"
}

# sniff traffic: once caltrace has a packet socket open in both nodes' namespaces, web-1 pings
# web-2 (node 2) every 0.3 s, until example stops this
sniff_traffic() {
	local k ns
	for _ in $(seq 100); do
		k=0
		for ns in "$LAB_N1" "$LAB_N2"; do
			ip netns exec "$ns" ss -0 -n -p 2>/dev/null | grep -q '"caltrace"' && k=$((k + 1))
		done
		[ "$k" = 2 ] && break
		sleep 0.1
	done
	sleep 0.3
	while :; do
		ping_from "$LAB_POD_1_NS" "$LAB_POD_3_IP"
		sleep 0.3
	done
}

# wait_bird K PROTOCOL PATTERN: until `birdc show protocols PROTOCOL` on node K matches
wait_bird() {
	local sock
	sock=$(eval echo "\$LAB_N$1_BIRD_SOCK")
	for _ in $(seq 300); do
		"$LAB_BIRDC" -s "$sock" show protocols "$2" 2>/dev/null | grep -qE "$3" && return 0
		sleep 0.1
	done
	echo "demo: note: node $1's $2 does not show '$3' after 30 s; going on" >&2
}

echo "caltrace demo: namespace prefix '$P', $("$CALTRACE" version 2>&1 | head -n 1)"

# ---------------------------------------------------------------- VXLAN mode
section "VXLAN mode: lab.sh up vxlan $P (3 nodes, 2 pods each, Felix-style vxlan.calico)"
lab vxlan
cat <<EOF
nodes: $LAB_N1 ($LAB_N1_IP, block $LAB_N1_BLOCK), $LAB_N2 ($LAB_N2_IP, block $LAB_N2_BLOCK), $LAB_N3 ($LAB_N3_IP, block $LAB_N3_BLOCK)
pods:  $LAB_POD_1_K8S $LAB_POD_1_IP in $LAB_POD_1_NS (host side $LAB_POD_1_VETH), $LAB_POD_3_K8S $LAB_POD_3_IP in $LAB_POD_3_NS, and 4 more
EOF

fault proxy_arp on
ping_from "$LAB_POD_1_NS" "$LAB_POD_3_IP" # the pod asks for its gateway, and gets no answer
example "fault: proxy ARP off on $LAB_POD_1_K8S's host-side interface $LAB_POD_1_VETH (lab.sh fault proxy_arp on)" \
	-n "$LAB_N1" links
example "the same fault, seen from inside the pod $LAB_POD_1_K8S after it pinged $LAB_POD_3_IP" \
	-n "$LAB_POD_1_NS" neigh
example "the same fault, saved: a snapshot of node 1 and its pods' namespaces" \
	-n "$LAB_N1" snapshot -o "${P}n1.json"
fault proxy_arp off
example "fault undone (lab.sh fault proxy_arp off); the snapshot still holds it, and doctor reads it" \
	--from "${P}n1.json" doctor
example "no fault: the encapsulation node 1 uses, each remote VTEP's neighbour against its FDB entry" \
	-n "$LAB_N1" tunnel
example "no fault: the routes node 1 has for $LAB_POD_3_K8S's address $LAB_POD_3_IP on node 2" \
	-n "$LAB_N1" routes "$LAB_POD_3_IP"
example "no fault: the path from $LAB_POD_1_K8S to $LAB_POD_3_K8S across the lab's nodes, hop by hop, and the reply's path back" \
	-n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$LAB_POD_1_K8S" "$LAB_POD_3_K8S"
fault denypolicy on
example "fault: a deny-all policy for $LAB_POD_1_K8S (lab.sh fault denypolicy on); the path to it from $LAB_POD_3_K8S" \
	-n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$LAB_POD_3_K8S" "$LAB_POD_1_K8S"
fault denypolicy off
example "no fault: one frame of the live dashboard as text (top -b, as procps top -b does)" \
	-n "$LAB_N1" top -b -c 1
BG=sniff_traffic LIMIT=60 example "no fault: $LAB_POD_1_K8S pings $LAB_POD_3_K8S; 4 packets captured on both nodes' underlay at once" \
	sniff -i "$LAB_N1:eth0" -i "$LAB_N2:eth0" -c 4 --inner icmp

# ---------------------------------------------------------------- BGP mode
section "BGP mode: lab.sh up bgp $P (BIRD 1.6 full mesh, AS 64512, as calico-node runs it)"
lab bgp
cat <<EOF
nodes: $LAB_N1 ($LAB_N1_IP), $LAB_N2 ($LAB_N2_IP), $LAB_N3 ($LAB_N3_IP); BIRD $LAB_BIRD_VERSION on each, sessions named like Calico's ($LAB_N2_PEER)
EOF

fault birdkill on
# node 3 connects to node 2 (the higher address connects): refused once it tries again
wait_bird 3 "$LAB_N2_PEER" 'Connection refused'
example "fault: node 2's BIRD killed (lab.sh fault birdkill on); node 3 tries to connect to it" \
	-n "$LAB_N3" bgp
example "the same fault, on node 2 itself: no BIRD to ask, and the routes it left in the kernel" \
	-n "$LAB_N2" doctor
fault birdkill off
fault peerdisable on
example "BIRD restarted; fault: node 1 disables its session to node 2 (lab.sh fault peerdisable on)" \
	-n "$LAB_N1" bgp
fault peerdisable off

"$LAB" down "$P" || die "cannot take the lab '$P' down"
LAB_UP=""
section "done: $N examples; every fault undone, the lab is down"
exit 0
