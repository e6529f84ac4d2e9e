#!/bin/bash
# Replay: record a lab node's rtnetlink dumps as a NETLINK pcap (probes/nl.c ct_nl_record),
# decode the recording with model/rtnl.c into a model written as a snapshot (tests/tools/
# rtnltool), and compare
#  (1) with the live `caltrace -n NODE snapshot` of the same node, taken right after;
#  (2) field by field with tshark's rtnetlink dissector, an independent decoder, for every
#      link, address, route and neighbour message the decoders kept;
# then the committed fixture (tests/fixtures/rtnl/) against tshark the same way.
# Left out of (1), each for a stated reason:
#   link stats (counters move), peer_ns (namespace names, not netlink), eff_rp_filter and
#   eff_proxy_arp (derived from conf.all, not decoded), neighbour state (timers move),
#   neighbour-table entries (a global count that moves), conf.ip_forward and conntrack
#   (read from /proc/sys, not netlink), gw_checks (lookups, not dumps), node facts.
. "$(dirname "$0")/../lib.sh"
set -u -o pipefail
need_root
need_cmd ip jq tshark perl
need_caltrace

TMPD=$(mktemp -d /tmp/ct-replay.XXXXXX) || bail "mktemp"
trap 'lab_cleanup; rm -rf "$TMPD"' EXIT
TOOL=$(need_tool rtnltool) || bail "build tests/tools/rtnltool.c" "$TOOL"

# the parts of a snapshot's first namespace that come from netlink dumps, in a stable order
norm() {
	jq -S '.netns[0] | {
		conf: (.conf | {forwarding, rp_filter, proxy_arp, default_rp_filter, forwarding6}),
		links: ([.links[] | del(.stats, .peer_ns, .eff_rp_filter, .eff_proxy_arp)] | sort_by(.ifindex)),
		addresses: (.addresses | sort_by(.ifindex, .address)),
		routes: (.routes | sort_by(.family, .table, .dst, .priority, .tos, .type)),
		rules: (.rules | sort_by(.family, .priority, .table)),
		neighbours: ([.neighbours[] | del(.state)] | sort_by(.ifindex, .dst, .flags)),
		fdb: (.fdb | sort_by(.ifindex, .mac, .dst)),
		neigh_tables: ([.neigh_tables[] | del(.entries)] | sort_by(.family))
	}'
}

# tshark's view: "frame kind fields..." for the frames the decoders kept (frames in $2)
tshark_view() {
	local pcap=$1 frames=$2
	tshark -n -r "$pcap" -T fields -E separator='|' -e frame.number \
		-e netlink-route.ifi_index -e netlink-route.ifla_ifname -e netlink-route.ifla_mtu \
		-e netlink-route.ifla_operstate \
		-e netlink-route.ifa_family -e netlink-route.ifa_prefixlen -e netlink-route.ifa_scope \
		-e netlink-route.ifa_index -e netlink-route.ifa_address.ipv4 \
		-e netlink-route.ifa_address.ipv6 \
		-e netlink-route.rt_family -e netlink-route.rt_dst_len -e netlink-route.rt_table \
		-e netlink-route.rt_protocol -e netlink-route.rt_scope -e netlink-route.rt_type \
		-e netlink-route.rta_oif \
		-e netlink-route.nd_family -e netlink-route.nd_index -e netlink-route.nd_state \
		-e netlink-route.nd_flags 2>/dev/null |
		perl -F'\|' -lane '
			BEGIN { open(my $fh, "<", "'"$frames"'") or die; while (<$fh>) { my @w = split; $want{$w[0]} = $w[1] } }
			my $k = $want{$F[0]} or next;
			my @v = map { /^0x[0-9a-f]+$/i ? hex($_) : $_ } @F;
			my $last = sub { my @a = split /,/, $_[0]; $a[-1] // "" };
			if ($k eq "link") { print join " ", $v[0], "link", @v[1..4] }
			elsif ($k eq "addr") { print join " ", $v[0], "addr", @v[5..8], $last->($v[9] ne "" ? $v[9] : $v[10]) }
			elsif ($k eq "route") { print join " ", $v[0], "route", @v[11..16], ($v[17] eq "" ? 0 : $v[17]) }
			elsif ($k eq "neigh") { print join " ", $v[0], "neigh", @v[18..21] }'
}

# the comparison with tshark for one recording; NAME prefixes the test names
tshark_check() {
	local name=$1 pcap=$2 dec n k
	dec=$("$TOOL" fields "$pcap")
	printf '%s\n' "$dec" | awk '{ print $1, $2 }' >"$TMPD/frames"
	for k in link addr route neigh; do
		n=$(grep -c " $k " <<<"$dec")
		if [ "$n" = 0 ]; then
			not_ok "$name: the recording holds $k messages the decoders keep"
			continue
		fi
		is "$name: tshark's rtnetlink dissector agrees on all $n $k messages" \
			"$(tshark_view "$pcap" "$TMPD/frames" | grep " $k ")" "$(grep " $k " <<<"$dec")"
	done
}

for mode in $LAB_MODES; do
	lab_up "$mode" || {
		not_ok "$mode: lab up"
		continue
	}
	trap 'lab_cleanup; rm -rf "$TMPD"' EXIT # lab_up sets its own EXIT trap; keep ours as well
	node=$LAB_N1
	pcap=$TMPD/$mode.pcap
	# the kernel's state can change between the recording and the live snapshot (IPv6
	# neighbour discovery adds and ages entries by itself): a pair that disagrees is taken
	# again, up to 3 times; a real difference disagrees every time
	for attempt in 1 2 3; do
		out=$(ip netns exec "$node" "$TOOL" record "$pcap" 2>&1)
		rec_rc=$?
		live=$("$CALTRACE" -n "$node" snapshot)
		live_rc=$?
		rep=$("$TOOL" replay "$pcap" - 2>"$TMPD/replay.err")
		rep_rc=$?
		a=$(printf '%s' "$live" | norm)
		b=$(printf '%s' "$rep" | norm)
		[ "$rec_rc$live_rc$rep_rc" = 000 ] && [ -n "$a" ] && [ "$a" = "$b" ] && break
		diag "$mode: attempt $attempt: the recording and the live snapshot disagree"
		[ "$attempt" = 3 ] || sleep 1
	done
	is "$mode: recording $node's dumps exits 0" "$rec_rc" 0
	[ "$rec_rc" = 0 ] || diag "$out"
	is "$mode: live snapshot of $node exits 0" "$live_rc" 0
	is "$mode: replaying the recording exits 0 and finds nothing malformed" \
		"$rep_rc $(cat "$TMPD/replay.err")" "0 "
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "$mode: the decoded recording equals the live snapshot (links, addresses, routes, rules, neighbours, fdb, tables, conf)"
	else
		not_ok "$mode: the decoded recording equals the live snapshot" \
			"$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b") | head -n 30)"
	fi
	# the per-device sysctls are there at all (not all null)
	json_eq "$mode: every cali link has forwarding, rp_filter, proxy_arp, proxy_delay, route_localnet from the recording" \
		"$rep" '[.netns[0].links[] | select(.name | startswith("cali")) |
			[.forwarding, .rp_filter, .proxy_arp, .proxy_delay, .route_localnet] | map(type)] | flatten | unique | join(",")' number
	tshark_check "$mode: $node" "$pcap"
	lab_down
done

# the committed fixture: dissects as rtnetlink and agrees with tshark
fix=$TOP/tests/fixtures/rtnl/vxlan-node.pcap
if [ -f "$fix" ]; then
	proto=$(tshark -n -r "$fix" -Y "not netlink.hdr_type == 3" -T fields -e frame.protocols 2>/dev/null | sort -u | tr '\n' ' ')
	is "fixture: every frame but NLMSG_DONE dissects as netlink:netlink-route" "$proto" "netlink:netlink-route "
	tshark_check "fixture" "$fix"
	rep=$("$TOOL" replay "$fix" - 2>"$TMPD/replay.err")
	is "fixture: replays with nothing malformed" "$? $(cat "$TMPD/replay.err")" "0 "
else
	not_ok "fixture $fix exists"
fi

done_testing
