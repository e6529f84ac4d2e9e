#!/bin/bash
# `make demo`: caltrace on the built-in lab. Brings the lab up in BGP mode (BIRD 1.6 full
# mesh), shows node 1's links, routes, tunnels and neighbours and a pod's neighbours, then does
# the same in VXLAN mode, and tears the lab down (also on Ctrl-C).
#   CALTRACE    the binary (default ./caltrace at the top of the tree)
#   DEMO_MODES  lab modes to show (default "bgp vxlan"; "ipip" works too)
# A failing caltrace command is shown with its exit status and the demo goes on; the demo
# fails only when the lab cannot be built.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
LAB="$HERE/lab.sh"
CALTRACE=${CALTRACE:-$TOP/caltrace}
case "$CALTRACE" in /*) ;; *) CALTRACE="$TOP/$CALTRACE" ;; esac
P="demo$$-"
FAILED=0
RAN=0

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it builds network namespaces); try: sudo make demo" >&2
	exit 3
fi
[ -x "$CALTRACE" ] || echo "demo: warning: no caltrace binary at '$CALTRACE' (run make)" >&2

trap '"$LAB" down "$P" >/dev/null 2>&1' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

heading() {
	printf '\n==== %s\n' "$*"
}

# show TITLE ARGS...: one caltrace command under a heading
show() {
	local title=$1 rc
	shift
	heading "$title"
	echo "\$ caltrace $*"
	"$CALTRACE" "$@"
	rc=$?
	RAN=$((RAN + 1))
	if [ "$rc" != 0 ]; then
		echo "(caltrace exited with status $rc)"
		[ "$rc" = 1 ] || FAILED=$((FAILED + 1)) # 1 means "problems found": a finding, not a failure
	fi
}

for mode in ${DEMO_MODES:-bgp vxlan}; do
	heading "lab in $mode mode"
	"$LAB" up "$mode" "$P" || {
		echo "demo: the lab did not come up in $mode mode" >&2
		exit 1
	}
	eval "$("$LAB" env "$P")"
	cat <<EOF
nodes:  $LAB_N1 ($LAB_N1_IP, block $LAB_N1_BLOCK), $LAB_N2 ($LAB_N2_IP, block $LAB_N2_BLOCK), $LAB_N3 ($LAB_N3_IP, block $LAB_N3_BLOCK)
pods:   $LAB_POD_1_K8S $LAB_POD_1_IP on $LAB_POD_1_VETH, $LAB_POD_2_K8S $LAB_POD_2_IP on $LAB_POD_2_VETH (node 1), and 4 more on nodes 2 and 3
EOF
	# some traffic, so that the neighbour tables have entries to show
	for ip in "$LAB_POD_2_IP" "$LAB_POD_3_IP" "$LAB_POD_5_IP"; do
		ip netns exec "$LAB_POD_1_NS" ping -n -q -c 1 -W 2 "$ip" >/dev/null 2>&1 ||
			echo "demo: note: $LAB_POD_1_K8S cannot ping $ip"
	done
	show "$mode: links of node 1 ($LAB_N1)" -n "$LAB_N1" links
	show "$mode: routes of node 1" -n "$LAB_N1" routes
	show "$mode: tunnels of node 1" -n "$LAB_N1" tunnel
	show "$mode: neighbours of node 1" -n "$LAB_N1" neigh
	show "$mode: neighbours of pod $LAB_POD_1_K8S ($LAB_POD_1_NS)" -n "$LAB_POD_1_NS" neigh
	"$LAB" down "$P"
done

heading "done: $RAN caltrace commands, $FAILED failed"
exit 0
