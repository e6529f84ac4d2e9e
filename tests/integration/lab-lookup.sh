#!/bin/bash
# The model's own route lookup (model/lookup.c, through tests/tools/rtnltool lookup on a
# `caltrace -n NS snapshot` of the namespace) against the kernel's, in a namespace this test
# creates with policy rules (priorities, fwmark/mask, iif, oif, to, from, not, nop, rule
# actions), tables reached by rules, blackhole/unreachable/prohibit/throw routes, a blackhole
# prepended over a /32, more specific routes and metrics, forwarding off and rp_filter on input
# devices, IPv6. For every query in QUERIES below:
#   - the kernel answers `ip -j route get fibmatch ARGS`: the model must name the same route
#     (prefix, table, type, device, metric);
#   - the kernel refuses: the model must give the same errno (the text ip prints), and when the
#     model blames a route, that route must exist in the kernel's `ip -j route show table all`
#     with that type, and the type must be the one that gives this errno (blackhole EINVAL,
#     unreachable EHOSTUNREACH, prohibit EACCES); the cause the query list expects (a route, a
#     rule's action, no route, forwarding, reverse path, source) must be the model's.
# Then route_get's explanation (rtnltool routeget ... explain SNAPSHOT) on refusals names the
# same route.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq
need_caltrace

NS="ct$$lk"
TMPD=$(mktemp -d /tmp/ct-lookup.XXXXXX) || bail "mktemp"
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
TOOL=$(need_tool rtnltool) || bail "build tests/tools/rtnltool.c" "$TOOL"

# ---------------------------------------------------------------- the namespace
# v0 (10.0.0.1/24, fd00::1/64): the uplink, default route; v1 (10.1.0.1/24): a second
# uplink; wl (no address, rp_filter 1): a workload-like input device with pod 10.7.0.5;
# nofwd (no address, forwarding 0): an input device that does not forward; loose (no
# address, rp_filter 2); st (10.30.0.1/24, rp_filter 1) and la (10.31.0.1/24, rp_filter 2).
setup=$(
	cat <<EOF
link set lo up
link add v0 type veth peer name v0p
link add v1 type veth peer name v1p
link add wl type veth peer name wlp
link add nofwd type veth peer name nofwdp
link add loose type veth peer name loosep
link add st type veth peer name stp
link add la type veth peer name lap
link set v0 up
link set v0p up
link set v1 up
link set v1p up
link set wl up
link set wlp up
link set nofwd up
link set nofwdp up
link set loose up
link set loosep up
link set st up
link set stp up
link set la up
link set lap up
addr add 10.30.0.1/24 dev st
addr add 10.31.0.1/24 dev la
addr add 10.0.0.1/24 dev v0
addr add 10.1.0.1/24 dev v1
addr add fd00::1/64 dev v0 nodad
addr add fd01::1/64 dev v1 nodad
route add default via 10.0.0.254 dev v0
route add 10.2.0.0/16 via 10.1.0.254 dev v1
route add 10.2.5.0/24 via 10.0.0.253 dev v0 metric 10
route add 10.2.5.0/24 via 10.1.0.253 dev v1 metric 5
route add 10.2.5.128/25 via 10.0.0.252 dev v0
route add blackhole 10.3.0.0/24 proto bird
route add unreachable 10.4.0.0/24
route add prohibit 10.5.0.0/24
route add throw 10.6.0.0/24
route add 10.7.0.5 dev wl scope link
route add 10.7.0.6 dev wl scope link
route prepend blackhole 10.7.0.6/32
route add 10.7.0.0/24 via 10.1.0.254 dev v1
route add 10.20.0.0/16 via 10.1.0.254 dev v1
route add 10.2.0.0/24 via 10.1.0.200 dev v1 table 100
route add throw 10.2.1.0/24 table 100
route add blackhole 10.9.0.0/16 table 100
route add 10.9.9.0/24 via 10.0.0.9 dev v0 table 100
route add prohibit 10.8.0.0/16 table 200
route add 10.8.1.0/24 dev v1 table 200
route add unreachable default table 300
route add 10.14.0.0/16 via 10.1.0.99 dev v1 table 400
route add 10.15.0.0/16 via 10.1.0.98 dev v1 table 500
route add 10.16.0.0/16 via 10.1.0.97 dev v1 table 600
route add 10.16.1.0/24 via 10.0.0.97 dev v0 table 700
route add blackhole 10.16.2.0/24 table 700
route add fd00:1::/48 via fd00::fe dev v0
route add blackhole fd00:2::/48
route add unreachable fd00:3::/48
route add prohibit fd00:4::/48
route add fd00:5::/64 dev v1 table 100
route add blackhole fd00:1:0:1::/64 table 101
route add throw fd00:1:0:2::/64 table 101
rule add pref 900 nop
rule add pref 1000 fwmark 0x10/0xf0 table 200
rule add pref 1100 to 10.2.0.0/23 table 100
rule add pref 1150 to 10.9.0.0/16 table 100
rule add pref 1200 iif wl to 10.11.0.0/16 blackhole
rule add pref 1300 iif lo to 10.12.0.0/16 prohibit
rule add pref 1400 not to 10.0.0.0/8 table 300
rule add pref 1500 from 10.1.0.0/16 to 10.20.0.0/16 unreachable
rule add pref 1600 oif v1 table 400
rule add pref 1700 fwmark 0x3 table 500
rule add pref 1800 iif v1p to 10.16.0.0/23 table 600
rule add pref 1900 iif v1p fwmark 0x4 table 700
rule add pref 1900 iif v1p table 700
EOF
)
ip netns add "$NS" || bail "ip netns add $NS"
out=$(printf '%s\n' "$setup" | ip -n "$NS" -batch - 2>&1) || bail "set up $NS" "$out"
out=$(printf '%s\n' "rule add pref 1000 to fd00:5::/48 table 100" \
	"rule add pref 1100 fwmark 7 table 101" | ip -n "$NS" -6 -batch - 2>&1) ||
	bail "set up $NS (IPv6 rules)" "$out"
for kv in "ipv4.ip_forward=1" "ipv6.conf.all.forwarding=1" "ipv4.conf.all.rp_filter=0" \
	"ipv4.conf.wl.rp_filter=1" "ipv4.conf.loose.rp_filter=2" "ipv4.conf.st.rp_filter=1" "ipv4.conf.la.rp_filter=2" "ipv4.conf.nofwd.forwarding=0" \
	"ipv4.conf.v1p.rp_filter=0" "ipv4.conf.wlp.rp_filter=0"; do
	out=$(ip netns exec "$NS" sysctl -q -w "net.$kv" 2>&1) || bail "sysctl $kv" "$out"
done

SNAP=$TMPD/snap.json
out=$("$CALTRACE" -n "$NS" snapshot -o "$SNAP" 2>&1)
rc=$?
is "caltrace -n NS snapshot exits 0" "$rc" 0
[ -s "$SNAP" ] || bail "snapshot written" "$out"

# ---------------------------------------------------------------- the queries
# ARGS (as `ip route get` takes them; rtnltool lookup takes the same) | the cause the model
# must give when the kernel refuses: route (a blackhole/unreachable/prohibit route), rule (a
# rule's action), no_route, no_forwarding, reverse_path, martian_source; "-" when the kernel
# answers with a route.
QUERIES=$(
	cat <<'EOF'
10.0.0.5 | -
10.0.0.1 | -
127.0.0.1 | -
10.0.0.255 | -
8.8.8.8 | route
10.2.3.4 | -
10.2.5.1 | -
10.2.5.200 | -
10.2.0.9 | -
10.2.1.9 | -
10.3.0.7 | route
10.4.0.7 | route
10.5.0.7 | route
10.6.0.7 | no_route
10.7.0.5 | -
10.7.0.6 | route
10.7.0.7 | -
10.9.1.1 | route
10.9.9.9 | -
10.8.1.1 mark 0x13 | -
10.8.2.1 mark 0x13 | route
10.8.2.1 mark 0x03 | -
10.8.2.1 mark 0x1f3 | -
10.8.2.1 mark 0x23 | -
10.15.1.1 mark 3 | -
10.15.1.1 | -
10.12.0.1 | rule
10.12.0.1 from 10.7.0.5 iif wl | -
10.11.0.1 from 10.7.0.5 iif wl | rule
10.11.0.1 | -
10.20.0.1 from 10.1.0.1 | rule
10.20.0.1 from 10.0.0.1 | -
10.20.0.1 from 9.9.9.9 | martian_source
10.14.0.1 | -
10.14.0.1 oif v1 | -
10.3.0.7 oif v1 | -
10.99.0.1 oif v0 | -
10.2.3.4 from 10.7.0.5 iif wl | -
10.3.0.7 from 10.7.0.5 iif wl | route
10.4.0.7 from 10.7.0.5 iif wl | route
10.5.0.7 from 10.7.0.5 iif wl | route
10.6.0.7 from 10.7.0.5 iif wl | no_route
10.7.0.6 from 10.7.0.5 iif wl | route
10.2.3.4 from 10.7.0.99 iif wl | reverse_path
10.2.3.4 from 10.0.0.50 iif wl | reverse_path
10.2.3.4 iif wl | martian_source
10.2.3.4 from 10.7.0.99 iif loose | reverse_path
10.2.3.4 from 10.0.0.50 iif loose | reverse_path
10.2.3.4 from 10.1.0.50 iif v1p | -
10.2.3.4 from 10.0.0.50 iif st | reverse_path
10.2.3.4 from 10.30.0.50 iif st | -
10.2.3.4 from 10.0.0.50 iif la | -
10.2.3.4 from 10.3.0.50 iif la | reverse_path
10.0.0.1 from 10.0.0.50 iif st | reverse_path
10.0.0.1 from 10.30.0.50 iif st | -
10.2.3.4 from 10.0.0.50 iif nofwd | no_forwarding
10.3.0.7 from 10.0.0.50 iif nofwd | no_forwarding
10.16.1.1 from 10.0.0.50 iif v1p | -
10.16.1.1 from 10.0.0.50 iif v1p mark 4 | -
10.16.2.1 from 10.0.0.50 iif v1p | route
10.16.3.1 from 10.0.0.50 iif v1p | -
10.16.3.1 | -
fd00::5 | -
fd00:1::1 | -
fd00:2::1 | route
fd00:3::1 | route
fd00:4::1 | route
fd00:5::1 | -
fd00:1:0:1::1 | -
fd00:1:0:1::1 mark 7 | route
fd00:1:0:2::1 mark 7 | -
fd00:1:1::1 mark 7 | no_route
fd00:9::1 | no_route
fd01::7 | -
fd00:1::1 from fd01::5 iif v1p | -
fd00:2::1 from fd01::5 iif v1p | route
fd00:1::1 from fd00::1 | -
fd00:1::1 from fd09::9 | -
fd00:1::1 oif v1 | no_route
fd00:1::1 oif v0 | -
fd00:2::1 oif v0 | no_route
fd00:1::1 from fd00::1 oif v1 | -
fd01::9 oif v1 | -
10.2.3.4 mark 0x10 | -
EOF
)

num_table() {
	case "$1" in
	main) echo 254 ;; local) echo 255 ;; default) echo 253 ;; *) echo "$1" ;;
	esac
}

err_name() {
	case "$1" in
	"Invalid argument") echo EINVAL ;;
	"No route to host") echo EHOSTUNREACH ;;
	"Permission denied") echo EACCES ;;
	"Network is unreachable") echo ENETUNREACH ;;
	"Invalid cross-device link") echo EXDEV ;;
	*) echo "other($1)" ;;
	esac
}

# the kernel's answer: "type=T dst=P table=N", "err=ERRNO" (the lookup's own errno, from
# `ip route get`), or "onlink" (the lookup succeeds but fibmatch finds no FIB entry: an
# output lookup with oif whose tables fail, which the kernel sends on-link)
kview() {
	local out rc
	# shellcheck disable=SC2086 # an argument list
	out=$(ip -n "$NS" route get $1 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		out=${out#RTNETLINK answers: }
		printf 'err=%s\n' "$(err_name "${out%%$'\n'*}")"
		return
	fi
	# shellcheck disable=SC2086
	out=$(ip -n "$NS" -j route get fibmatch $1 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		printf 'onlink (fibmatch: %s)\n' "${out#RTNETLINK answers: }"
		return
	fi
	local t
	t=$(printf '%s' "$out" | jq -r '.[0] | "\(.type // "unicast") \(.dst) \(.table // "main")" +
		" \(if (.type // "unicast") == "unicast" or .type == "local" or .type == "broadcast"
		     then .dev // "-" else "-" end) \(.metric // 0)"') || {
		printf 'unreadable: %s\n' "$out"
		return
	}
	set -- $t
	local dst=$2
	case "$dst" in
	default | */*) ;;
	*:*) dst=$dst/128 ;;
	*) dst=$dst/32 ;;
	esac
	printf 'type=%s dst=%s table=%s dev=%s metric=%s\n' "$1" "$dst" "$(num_table "$3")" "$4" "$5"
}

KROUTES=$(ip -n "$NS" -j route show table all; ip -n "$NS" -6 -j route show table all)

while IFS='|' read -r args cause; do
	args=$(echo $args)
	cause=$(echo $cause)
	[ -n "$args" ] || continue
	k=$(kview "$args")
	# shellcheck disable=SC2086
	m=$("$TOOL" lookup "$SNAP" $args 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		not_ok "lookup $args" "rtnltool exit $rc: $m"
		continue
	fi
	line1=${m%%$'\n'*}
	declare -A f=()
	for w in $line1; do f[${w%%=*}]=${w#*=}; done
	if [ "${f[why]}" = onlink ]; then
		mv="onlink (fibmatch: No route to host)"
	elif [ "${f[err]}" = 0 ]; then
		mv="type=${f[type]} dst=${f[dst]} table=${f[table]} dev=${f[dev]} metric=${f[metric]}"
	else
		mv="err=${f[err]}"
	fi
	if [ "$k" != "$mv" ]; then
		not_ok "lookup $args: kernel '$k'" "model: $m"
		continue
	fi
	if [ "$cause" = - ]; then
		case "$k" in
		err=*) not_ok "lookup $args: the list expects a route" "kernel: $k" ;;
		*) ok "lookup $args: $k" ;;
		esac
		continue
	fi
	want=$cause
	if [ "${f[why]}" != "$want" ]; then
		not_ok "lookup $args: $k, the model's cause '${f[why]}'" "expected $want; model: $m"
		continue
	fi
	if [ "$want" = route ]; then
		# the route exists in the kernel with that type, and its type gives this errno
		tbl=${f[table]}
		exists=$(printf '%s\n' "$KROUTES" | jq -s --arg d "${f[dst]}" --arg t "${f[type]}" \
			--arg tb "$tbl" '[.[][] | select((.type // "unicast") == $t and
			((.table // "main") | if . == "main" then "254" elif . == "local" then "255"
			 else . end) == $tb and (.dst | if test("/") or . == "default" then .
			 elif test(":") then . + "/128" else . + "/32" end) == $d)] | length')
		case "${f[type]}:${f[err]}" in
		blackhole:EINVAL | unreachable:EHOSTUNREACH | prohibit:EACCES) cls=1 ;;
		*) cls=0 ;;
		esac
		if [ "$exists" -ge 1 ] 2>/dev/null && [ "$cls" = 1 ]; then
			ok "lookup $args: $k, caused by ${f[type]} ${f[dst]} table ${f[table]}"
		else
			not_ok "lookup $args: $k, the model's route" \
				"kernel has it: ${exists:-?}; type/errno agree: $cls; model: $m"
		fi
		continue
	fi
	ok "lookup $args: $k, cause ${f[why]}"
done <<<"$QUERIES"

# the same queries through the route index (rtnltool lookups): the same result lines
sed 's/ *|.*//' <<<"$QUERIES" | grep . >"$TMPD/q"
out=$("$TOOL" lookups "$SNAP" "$TMPD/q" 2>"$TMPD/ix.err")
rc=$?
want=""
while read -r args; do
	# shellcheck disable=SC2086
	m=$("$TOOL" lookup "$SNAP" $args 2>&1)
	want+="${m%%$'\n'*}"$'\n'
done <"$TMPD/q"
is "the route index gives the scan's answer to all $(grep -c . "$TMPD/q") queries (exit $rc)" \
	"$out"$'\n' "$want"

# route_get's explanation on refusals, from the same snapshot (the kernel's errno first)
explain() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(ip netns exec "$NS" "$TOOL" routeget "$@" explain "$SNAP" 2>&1)
	rc=$?
	case "$out" in
	*"model: "*"$want"*) is "explain $name (exit 1)" "$rc" 1 ;;
	*) not_ok "explain $name: names '$want'" "$out" ;;
	esac
}
wl=$(ip -n "$NS" -j link show dev wl | jq -r '.[0].ifindex')
v1p=$(ip -n "$NS" -j link show dev v1p | jq -r '.[0].ifindex')
explain "blackhole 10.3.0.0/24" "blackhole 10.3.0.0/24 table main proto bird" 10.3.0.7
explain "prepended blackhole over 10.7.0.6/32" "blackhole 10.7.0.6/32 table main" \
	10.7.0.6 from 10.7.0.5 iif "$wl"
explain "table 700's blackhole reached by rule 1900" "blackhole 10.16.2.0/24 table 700" \
	10.16.2.1 from 10.0.0.50 iif "$v1p"
explain "throw, nothing after it" "no route in any table" 10.6.0.7
explain "reverse path from an unknown pod address" "reverse path" \
	10.2.3.4 from 10.7.0.99 iif "$wl"
explain "rule 1200's blackhole action" "rule 1200 blackhole" 10.11.0.1 from 10.7.0.5 iif "$wl"
explain "IPv6 prohibit" "prohibit fd00:4::/48 table main" fd00:4::1

done_testing
