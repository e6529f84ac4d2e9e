#!/bin/bash
# The several-node container (model/cluster.h, probes/cluster_load.h): a lab's three nodes
# loaded into one process, two live namespaces and one snapshot, and the cross-node index
# asked for every underlay address, VTEP address and MAC, and pod address. The oracle is the
# kernel: `ip -j addr/link` in each namespace, and `ip route get POD` in each node namespace
# (the node whose lookup leaves through a cali interface holds the pod).
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq
need_caltrace

TMPD=$(mktemp -d /tmp/ctcluster.XXXXXX) || bail "mktemp"
at_exit 'rm -rf "$TMPD"'
TOOL=$(need_tool clustertool) || bail "build tests/tools/clustertool.c" "$TOOL"

# the node (1..3) whose kernel sends ADDR out of a workload interface, "none" when none does
owner_of() {
	local addr=$1 i dev
	for i in 1 2 3; do
		dev=$(ip -n "$(lab_var "LAB_N$i")" -j route get "$addr" 2>/dev/null | jq -r '.[0].dev // ""')
		case "$dev" in cali*) echo "n$i" && return ;; esac
	done
	echo none
}

for mode in $LAB_MODES; do
	case "$mode" in bgp | vxlan) ;; *) continue ;; esac
	lab_up "$mode" || bail "$mode: lab up"
	snap=$TMPD/n3.json
	out=$("$CALTRACE" -n "$LAB_N3" snapshot -o "$snap" 2>&1)
	rc=$?
	is "$mode: snapshot of node 3 (exit 0)" "$rc" 0

	# the questions and the kernel's answers
	: >"$TMPD/q"
	: >"$TMPD/want"
	for i in 1 2 3; do
		ns=$(lab_var "LAB_N$i")
		a=$(ip -n "$ns" -j -4 addr show dev eth0 | jq -r '.[0].addr_info[] | select(.family == "inet") | .local')
		echo "underlay $a" >>"$TMPD/q"
		echo "underlay $a n$i -" >>"$TMPD/want"
		if ip -n "$ns" link show dev vxlan.calico >/dev/null 2>&1; then
			v=$(ip -n "$ns" -j -4 addr show dev vxlan.calico | jq -r '.[0].addr_info[0].local')
			m=$(ip -n "$ns" -j link show dev vxlan.calico | jq -r '.[0].address')
			printf 'vtep-ip %s\nvtep-mac %s\n' "$v" "$m" >>"$TMPD/q"
			printf 'vtep-ip %s n%s -\nvtep-mac %s n%s -\n' "$v" "$i" "$m" "$i" >>"$TMPD/want"
		fi
	done
	for pns in $LAB_PODS; do
		for a in $(ip -n "$pns" -j addr show dev eth0 |
			jq -r '.[0].addr_info[] | select(.scope == "global") | .local'); do
			echo "pod $a" >>"$TMPD/q"
			echo "pod $a $(owner_of "$a") $pns" >>"$TMPD/want"
		done
	done
	# nobody holds the lab's gateway, nor an address outside the pool
	printf 'underlay %s\npod 10.255.255.254\n' "$LAB_GW" >>"$TMPD/q"
	printf 'underlay %s none -\npod 10.255.255.254 none -\n' "$LAB_GW" >>"$TMPD/want"
	is "$mode: the kernel names an owner for every pod address" \
		"$(grep -c '^pod .* none ct' "$TMPD/want")" 0

	got=$("$TOOL" "n1=$LAB_N1" "n2=$LAB_N2" "n3=@$snap" <"$TMPD/q" 2>&1)
	rc=$?
	is "$mode: clustertool loads two live nodes and a snapshot (exit 0)" "$rc" 0
	is "$mode: every lookup as the kernel says ($(wc -l <"$TMPD/q") keys)" "$got" "$(cat "$TMPD/want")"

	# the same node twice: every key is claimed twice, listed as duplicates, not merged
	got=$("$TOOL" "n1=$LAB_N1" "again=$LAB_N1" </dev/null 2>&1)
	rc=$?
	is "$mode: a node loaded twice (exit 0)" "$rc" 0
	npods=$(ip -n "$LAB_N1" -j route show | jq '[.[] | select(.dev // "" | startswith("cali"))] | length')
	dups_ok=no
	[ "$(grep -c '^dup pod n1 again$' <<<"$got")" -ge "$npods" ] &&
		grep -q '^dup underlay n1 again$' <<<"$got" && dups_ok=yes
	is "$mode: its $npods pod routes' addresses and its underlay are reported as duplicates" \
		"$dups_ok" yes
	[ "$dups_ok" = yes ] || diag "$got"

	# a bad node argument: one line, usage exit status
	out=$("$TOOL" "n1" </dev/null 2>&1)
	rc=$?
	is "$mode: NAME without =SPEC is refused (exit 2)" "$rc" 2
	is "$mode: ... with one line naming it" "$out" \
		"clustertool: a node is NAME=NETNS or NAME=@SNAPSHOT, not 'n1'"
	out=$("$TOOL" "n1=@$TMPD/missing.json" </dev/null 2>&1)
	rc=$?
	is "$mode: a missing snapshot cannot be gathered (exit 3)" "$rc" 3
	lab_down
done
done_testing
