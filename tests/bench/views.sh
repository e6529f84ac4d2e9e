#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Views benchmark: the rendering of big tables goes through render/view.c (a
# cell function and a colour function per cell). Builds one namespace with
# $VIEWS_ROUTES routes and $VIEWS_NEIGH permanent neighbours (ip -batch) and
# times, median of $VIEWS_RUNS runs, caltrace's tables against iproute2 reading
# the same namespace in the same run:
#   routes -j   / ip -j route show      routes (text) / ip route show
#   neigh -j    / ip -j neigh show
# With CALTRACE_OLD=PATH it also times that build (e.g. one from before the
# views) on the same namespace, as a ratio to the same reference.
# Needs root. Prints figures; exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init views
bench_need_root
RUNS=${VIEWS_RUNS:-$RUNS}
OLD=${CALTRACE_OLD:-}
N_ROUTES=${VIEWS_ROUTES:-100000}
N_NEIGH=${VIEWS_NEIGH:-10000}
NS=ctviews-$$
bench_netns "$NS"
{
	echo "link set lo up"
	echo "link add eth0 type veth peer name eth0p"
	echo "link set eth0 up"
	echo "link set eth0p up"
	echo "address add 192.168.31.201/24 dev eth0"
	echo "address add 192.168.64.1/18 dev eth0"
	echo "route add default via 192.168.31.1"
} >"$TMP/base.batch"
ip -n "$NS" -batch "$TMP/base.batch" || bench_die "base batch failed"
awk -v n="$N_ROUTES" 'BEGIN { for (i = 0; i < n; i++) {
	a = 128 + int(i / 1024); b = int(i % 1024 / 4); c = (i % 4) * 64
	if (i % 100 == 99) printf "route add blackhole 10.%d.%d.%d/26 proto bird\n", a, b, c
	else printf "route add 10.%d.%d.%d/26 via 192.168.31.%d proto bird\n", a, b, c, 2 + i % 199 } }' >"$TMP/routes.batch"
ip -n "$NS" -batch "$TMP/routes.batch" || bench_die "routes batch failed"
awk -v n="$N_NEIGH" 'BEGIN { for (i = 0; i < n; i++)
	printf "neigh add 192.168.%d.%d lladdr 02:00:00:00:%02x:%02x dev eth0 nud permanent\n",
		64 + int(i / 250), 1 + i % 250, int(i / 256) % 256, i % 256 }' >"$TMP/neigh.batch"
ip -n "$NS" -batch "$TMP/neigh.batch" || bench_die "neigh batch failed"

# row LABEL REF-CMD -- CMD...: the reference, caltrace (and the old build) in turn, RUNS times,
# so that a load from elsewhere on the machine falls on all of them alike
row() {
	local label=$1 ref=() rs=() cs=() os=() i r c o=""
	shift
	while [ "$1" != -- ]; do ref+=("$1"); shift; done
	shift
	for ((i = 0; i < RUNS; i++)); do
		rs+=("$(bench_us "${ref[@]}")")
		cs+=("$(bench_us "$CALTRACE" "$@")")
		[ -z "$OLD" ] || os+=("$(bench_us "$OLD" "$@")")
	done
	r=$(bench_median "${rs[@]}")
	c=$(bench_median "${cs[@]}")
	[ -z "$OLD" ] || o=$(bench_median "${os[@]}")
	awk -v l="$label" -v r="$r" -v c="$c" -v o="$o" 'BEGIN {
		printf "  %-14s %9.4f %9.4f %7.2f", l, c / 1e6, r / 1e6, c / r
		if (o != "") printf "   old build %9.4f s, ratio %5.2f", o / 1e6, o / r
		printf "\n" }'
}
echo
echo "views: $N_ROUTES routes, $N_NEIGH neighbours in $NS, median of $RUNS runs"
printf '  %-14s %9s %9s %7s\n' command caltrace_s ip_s ratio
row "routes -j" ip -n "$NS" -j route show -- -n "$NS" routes -j
row "routes" ip -n "$NS" route show -- -n "$NS" --color=never routes
row "neigh -j" ip -n "$NS" -j neigh show -- -n "$NS" neigh -j
exit 0
