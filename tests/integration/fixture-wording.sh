#!/bin/bash
# Findings worded for what they see (issue 9, "Smaller"), on the synthetic fixtures changed with jq:
# conntrack_full gives the percentage and the counts; tunnel_errors reads errors and drops, as the
# man page says; bgp_not_running names IPIP mode when routes go via tunl0 without BIRD, and is not
# raised in a pod's namespace. The oracle is the fixture's own raw values read with jq.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd jq
need_caltrace

FIX="$TOP/tests/fixtures"
F="$FIX/ipip-node.json"
TMP=$(mktemp -d /tmp/caltrace-wording.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# finding JSON CODE FIELD: FIELD of the first finding with CODE ("" when none)
finding() { json_get "$1" "[.findings[] | select(.code == \"$2\")][0].$3 // empty"; }

# ---- conntrack_full: how full
for cm in 910:1000 1000:1000 1999:2000 1800:2000; do
	c=${cm%%:*} m=${cm#*:}
	jq --argjson c "$c" --argjson m "$m" \
		'.netns[0].conf.conntrack_count = $c | .netns[0].conf.conntrack_max = $m' "$F" >"$TMP/ct.json"
	fc=$(jq -r '.netns[0].conf.conntrack_count' "$TMP/ct.json")
	fm=$(jq -r '.netns[0].conf.conntrack_max' "$TMP/ct.json")
	out=$("$CALTRACE" --from "$TMP/ct.json" doctor -j)
	rc=$?
	exit_agrees "conntrack $fc/$fm: doctor exits as its findings say" "$rc" "$out"
	msg=$(finding "$out" conntrack_full message)
	if [ "$fc" -ge "$fm" ]; then
		want="the conntrack table is full ($fc of $fm entries)"
	else
		want="the conntrack table is $((fc * 100 / fm))% full ($fc of $fm entries)"
	fi
	case $msg in
	"$want"*) ok "conntrack $fc/$fm: conntrack_full says '$want'" ;;
	*) not_ok "conntrack $fc/$fm: conntrack_full says '$want'" "got: '$msg'" ;;
	esac
done

# ---- tunnel_errors: errors or drops
tun=$(jq -r '.netns[0].links[] | select(.kind == "ipip") | .name' "$F")
out=$("$CALTRACE" --from "$F" tunnel -j)
is "unchanged fixture: $tun counts nothing, no tunnel_errors" "$(finding "$out" tunnel_errors code)" ""
# errors raise it, drops alone do not (man page: vxlan.calico drops its own link-local multicast)
for k in rx_errors tx_errors; do
	jq --arg t "$tun" --arg k "$k" \
		'.netns[0].links |= map(if .name == $t then .stats[$k] = 7 else . end)' "$F" >"$TMP/tu.json"
	v=$(jq -r --arg t "$tun" --arg k "$k" '.netns[0].links[] | select(.name == $t) | .stats[$k]' "$TMP/tu.json")
	out=$("$CALTRACE" --from "$TMP/tu.json" tunnel -j)
	rc=$?
	exit_agrees "$tun $k $v: tunnel exits as its findings say" "$rc" "$out"
	is "$tun $k $v: tunnel_errors on $tun" "$(finding "$out" tunnel_errors subject)" "$tun"
	ev=$(finding "$out" tunnel_errors evidence)
	case " $ev " in
	*" $k $v "*) ok "$tun $k $v: the evidence gives $k $v" ;;
	*) not_ok "$tun $k $v: the evidence gives $k $v" "got: '$ev'" ;;
	esac
	is "$tun $k $v: the message says errors" "$(finding "$out" tunnel_errors message)" "$tun counts errors"
done
jq --arg t "$tun" '.netns[0].links |= map(if .name == $t then .stats.rx_errors = 2 | .stats.tx_dropped = 9
	else . end)' "$F" >"$TMP/tu.json"
out=$("$CALTRACE" --from "$TMP/tu.json" tunnel -j)
ev=$(finding "$out" tunnel_errors evidence)
case " $ev " in
*" rx_errors 2 "*" tx_dropped 9 "*) ok "$tun errors and drops: the evidence gives both" ;;
*) not_ok "$tun errors and drops: the evidence gives both" "got: '$ev'" ;;
esac
for k in rx_dropped tx_dropped; do
	jq --arg t "$tun" --arg k "$k" \
		'.netns[0].links |= map(if .name == $t then .stats[$k] = 4 else . end)' "$F" >"$TMP/tu.json"
	out=$("$CALTRACE" --from "$TMP/tu.json" tunnel -j)
	rc=$?
	is "$tun $k 4 alone: no tunnel_errors, exit 0" "$rc $(finding "$out" tunnel_errors code)" "0 "
done

# ---- bgp_not_running: IPIP with Felix's routes, and a pod's namespace
jq '.netns[0].routes |= map(if .protocol == "bird" then .protocol = "felix" else . end) | .bgp = null' \
	"$F" >"$TMP/felix.json"
nbird=$(jq '[.netns[0].routes[] | select(.protocol == "bird")] | length' "$TMP/felix.json")
tunidx=$(jq --arg t "$tun" '.netns[0].links[] | select(.name == $t) | .ifindex' "$TMP/felix.json")
ntun=$(jq --argjson i "$tunidx" '[.netns[0].routes[] | select(.oif == $i and .table == 254)] | length' \
	"$TMP/felix.json")
is "felix fixture: no route of protocol bird" "$nbird" 0
ok_if "felix fixture: routes via $tun (ipip) in the main table ($ntun)" "none" [ "$ntun" -gt 0 ]
out=$("$CALTRACE" --from "$TMP/felix.json" doctor -j)
msg=$(finding "$out" bgp_not_running message)
case $msg in
*"IPIP mode"*) ok "IPIP without BIRD: bgp_not_running names IPIP mode" ;;
*) not_ok "IPIP without BIRD: bgp_not_running names IPIP mode" "got: '$msg'" ;;
esac
case $msg in
*VXLAN*) not_ok "IPIP without BIRD: bgp_not_running does not guess VXLAN" "got: '$msg'" ;;
*) ok "IPIP without BIRD: bgp_not_running does not guess VXLAN" ;;
esac
podns=$(jq -r '[.netns[] | select(any(.routes[]; .gateway == "169.254.1.1"))][0].name // empty' "$F")
if [ -z "$podns" ]; then
	not_ok "the fixture has a pod namespace (a route via 169.254.1.1)"
else
	out=$("$CALTRACE" --from "$F" -n "$podns" doctor -j)
	is "pod namespace $podns: no bgp_not_running" "$(finding "$out" bgp_not_running code)" ""
	json_eq "pod namespace $podns: the bgp check is skipped" "$out" \
		'.items[] | select(.check == "bgp") | .status' skipped
fi

done_testing
