#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Developer tool, not part of the suite (it compares two builds, so it cannot
# run from tests/run.sh): runs every read command with two caltrace binaries on
# the same input and diffs what they print (stdout, stderr and exit status).
# Use it when a change must not alter any output, e.g. a refactoring of how
# tables are rendered:
#
#     git stash; make -s all && cp caltrace /tmp/caltrace-old; git stash pop; make -s all
#     tests/tools/compare-outputs.sh /tmp/caltrace-old ./caltrace
#
# What it runs, each as text with --color=never and --color=always and as -j:
#   links, links IFACE, routes, routes PREFIX, tunnel, neigh, neigh IFACE, bgp,
#   bgp PEER, bgp routes, doctor, links/doctor --pods FILE
# on
#   - every snapshot fixture (tests/fixtures/*.json, with --from), in each of
#     its network namespaces (-n NAME);
#   - as root, unless LAB=0: live labs (tests/lab/lab.sh up bgp, then vxlan),
#     on every node and one pod namespace, healthy and with each of the lab's
#     faults in turn, plus bgp routes PEER (which a snapshot cannot answer),
#     and snapshots of the faulty nodes (taken with OLD) read back with --from.
# Live counters can move between two runs: a live pair that differs is run
# again once, back to back, before it counts as a difference.
#
# Exit status: 0 no difference, 1 differences (each shown with a diff), 2 usage.
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 2
[ $# = 2 ] || { echo "usage: $0 OLD-BINARY NEW-BINARY" >&2; exit 2; }
OLD=$(readlink -f "$1") NEW=$(readlink -f "$2")
[ -x "$OLD" ] && [ -x "$NEW" ] || { echo "compare: both binaries must be executable" >&2; exit 2; }
command -v jq >/dev/null || { echo "compare: needs jq" >&2; exit 2; }
TMP=$(mktemp -d /tmp/ct-compare.XXXXXX) || exit 2
LABP=""
cleanup() {
	[ -z "$LABP" ] || LAB_QUIET=1 tests/lab/lab.sh down "$LABP" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

runs=0 diffs=0
# pair LABEL ARGS...: one command line with both binaries
pair() {
	local label=$1 a b ra rb try
	shift
	for try in 1 2; do
		a=$("$OLD" "$@" 2>&1)
		ra=$?
		b=$("$NEW" "$@" 2>&1)
		rb=$?
		if [ "$a" = "$b" ] && [ "$ra" = "$rb" ]; then
			runs=$((runs + 1))
			return 0
		fi
	done
	runs=$((runs + 1))
	diffs=$((diffs + 1))
	echo "DIFF $label: caltrace $*"
	diff <(printf '%s\nexit %s\n' "$a" "$ra") <(printf '%s\nexit %s\n' "$b" "$rb") | head -n 40
}
# intended LABEL ARGS...: a known, wanted difference: shown, not counted
intended() {
	local label=$1 a b
	shift
	a=$("$OLD" "$@" 2>&1 | cut -c1-200; echo "exit ${PIPESTATUS[0]}")
	b=$("$NEW" "$@" 2>&1 | cut -c1-200; echo "exit ${PIPESTATUS[0]}")
	[ "$a" = "$b" ] || printf 'intended change, %s:\n  old: %s\n  new: %s\n' "$label" "$(echo $a)" "$(echo $b)"
}
# each LABEL ARGS...: text without and with colour, and JSON
each() {
	local label=$1
	shift
	pair "$label" --color=never "$@"
	pair "$label" --color=always "$@"
	pair "$label" -j "$@"
}
# json_of ARGS...: OLD's JSON output (for picking arguments)
json_of() { "$OLD" -j "$@" 2>/dev/null; }

# commands SOURCE-ARGS...: every read command on one source
commands() {
	local out ifs pfx dev peer
	each links "$@" links
	each tunnel "$@" tunnel
	each routes "$@" routes
	each neigh "$@" neigh
	each bgp "$@" bgp
	each "bgp routes" "$@" bgp routes
	each doctor "$@" doctor
	each "links --pods" "$@" --pods tests/fixtures/pods/kubectl-pods.json links
	each "doctor --pods" "$@" --pods tests/fixtures/pods/kubectl-pods.json doctor
	out=$(json_of "$@" links)
	ifs=$(jq -r '.items[].name' <<<"$out" 2>/dev/null | head -n 2)
	for dev in $ifs; do
		each "links IFACE" "$@" links "$dev"
	done
	[ -z "$ifs" ] || each "links IFACE IFACE" "$@" links $ifs
	each "links nosuch" "$@" links nosuch0
	out=$(json_of "$@" routes)
	for pfx in $(jq -r '.items[].dst' <<<"$out" 2>/dev/null | sort -u | head -n 4) 172.168.0.0/16 \
		172.168.195.12 fd00::/8 0.0.0.0/0; do
		each "routes PREFIX" "$@" routes "$pfx"
	done
	out=$(json_of "$@" neigh)
	for dev in $(jq -r '.devices[].dev // empty' <<<"$out" 2>/dev/null | head -n 3); do
		each "neigh IFACE" "$@" neigh "$dev"
	done
	out=$(json_of "$@" bgp)
	for peer in $(jq -r '.items[].name' <<<"$out" 2>/dev/null | head -n 2) nosuchpeer; do
		each "bgp PEER" "$@" bgp "$peer"
	done
}

# ---- the command line: help, usage and its errors
cli() {
	local c f=tests/fixtures/ipip-node.json
	pair "--help" --help
	pair "no command" 
	pair "help" help
	for c in $("$OLD" --help | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'); do
		pair "help $c" help "$c"
		pair "$c -h" "$c" -h
		pair "$c --bogus" "$c" --bogus
		pair "$c --from" --from "$f" "$c"
		pair "$c --bird-socket" "$c" --bird-socket /nonexistent/bird.ctl --from "$f"
		pair "$c -i" "$c" -i eth0 --from "$f"
		pair "$c -n -n" -n a -n b "$c" --from "$f"
	done
	pair "-V first" -V -c 0
	pair "-c first" -c 0 -V
	pair "--json=x" --json=x links
	pair "--jso" --jso links
	pair "-Q" -Q links
	pair "--color" --color=sometimes links
	pair "--timeout" --timeout 0 links
	pair "--interval" sniff --interval 0
	pair "--vxlan-port" sniff --vxlan-port 0
	pair "-s" sniff -s -1
	pair "missing argument" links --from
	pair "--" --from "$f" -- links -j
	pair "unknown command" frobnicate
	pair "bad prefix" --prefix , --from "$f" links
	pair "help two" help links routes
	pair "version" version
	# intended changes of the views branch (shown, not counted)
	intended "no limit of 255 arguments" --from "$f" routes $(seq 1 300)
	intended "--from twice: only where a command repeats it" --from "$f" --from "$f" links
	intended "-c twice: sniff takes it once" sniff -c 1 -c 2 -r /nonexistent
}
cli
echo "compare: command line done: $runs runs, $diffs differences"

# ---- snapshot fixtures, each namespace in them
snapshots() {
	local f ns
	for f in "$@"; do
		commands --from "$f"
		for ns in $(jq -r '.netns[].name' "$f"); do
			for c in links routes tunnel neigh; do
				each "$c -n" --from "$f" -n "$ns" "$c"
			done
		done
	done
}
snapshots tests/fixtures/*.json
echo "compare: fixtures done: $runs runs, $diffs differences"

# ---- live labs
if [ "${LAB:-1}" != 0 ] && [ "$(id -u)" = 0 ]; then
	for mode in bgp vxlan; do
		LABP="ctcmp$$-"
		LAB_QUIET=1 tests/lab/lab.sh up "$mode" "$LABP" >"$TMP/up.log" 2>&1 ||
			{ echo "compare: lab up $mode failed"; cat "$TMP/up.log"; diffs=$((diffs + 1)); continue; }
		eval "$(tests/lab/lab.sh env "$LABP")"
		live() {
			local k ns sock peer
			for k in 1 2 3; do
				eval "ns=\$LAB_N$k sock=\${LAB_N${k}_BIRD_SOCK:-}"
				if [ -n "$sock" ]; then
					commands -n "$ns" --bird-socket "$sock"
					for peer in $(json_of -n "$ns" --bird-socket "$sock" bgp | jq -r '.items[].name' | head -n 2); do
						each "bgp routes PEER" -n "$ns" --bird-socket "$sock" bgp routes "$peer"
						each "bgp routes PEER --exported" -n "$ns" --bird-socket "$sock" bgp routes "$peer" --exported
					done
				else
					commands -n "$ns"
				fi
			done
			set -- $LAB_N2_PODS
			for c in links routes tunnel neigh doctor; do
				each "$c in a pod" -n "$1" "$c"
			done
		}
		live
		faults="proxy_arp route calidown nogw"
		[ "$mode" = bgp ] && faults="$faults birdkill peerdisable badas"
		for fault in $faults; do
			LAB_QUIET=1 tests/lab/lab.sh fault "$fault" on "$LABP" >/dev/null 2>&1 ||
				{ echo "compare: fault $fault on failed"; continue; }
			live
			for k in 1 2 3; do
				eval "ns=\$LAB_N$k sock=\${LAB_N${k}_BIRD_SOCK:-}"
				"$OLD" -n "$ns" ${sock:+--bird-socket "$sock"} snapshot -o "$TMP/snap-$mode-$fault-$k.json" \
					>/dev/null 2>&1
			done
			LAB_QUIET=1 tests/lab/lab.sh fault "$fault" off "$LABP" >/dev/null 2>&1
		done
		LAB_QUIET=1 tests/lab/lab.sh down "$LABP" >/dev/null 2>&1
		LABP=""
		snapshots "$TMP"/snap-"$mode"-*.json
		echo "compare: lab $mode done: $runs runs, $diffs differences"
	done
else
	echo "compare: live labs skipped (LAB=0 or not root)"
fi

echo "compare: $runs command lines, $diffs differences"
[ "$diffs" = 0 ]
