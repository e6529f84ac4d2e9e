#!/bin/bash
# The command table's rows decide what the parser accepts and what a failure says:
# - an option with a value given twice is refused (exit 2, one stderr line naming the
#   command) unless the command's row repeats it (sniff: -n, -i, --vxlan-port);
# - --from comes with CT_NEED_SNAPSHOT, --bird-socket with CT_NEED_BIRD, per `help CMD`;
# - without the privilege a command needs (the kernel refuses setns(2) and packet
#   sockets to an unprivileged user), exit 3 and exactly one stderr line naming the
#   capability (the probe's or main's, never both).
# No lab; the unprivileged part needs root (to create a namespace and drop to nobody).
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_caltrace

TMP=$(mktemp -d /tmp/caltrace-cli.XXXXXX)
NS=""
cleanup() {
	[ -z "$NS" ] || ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
FIX="$TOP/tests/fixtures/ipip-node.json"

# run ARGS...: sets RC, OUT, ERR, LINES (stderr lines)
run() {
	"$CALTRACE" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
	LINES=$(grep -c '' "$TMP/err")
}

# usage NAME WANT-IN-STDERR ARGS...: exit 2, nothing on stdout, one stderr line with WANT
usage() {
	local name=$1 want=$2
	shift 2
	run "$@"
	if [ "$RC" = 2 ] && [ -z "$OUT" ] && [ "$LINES" = 1 ] && [[ $ERR == *"$want"* ]]; then
		ok "$name"
	else
		not_ok "$name" "exit $RC, $LINES stderr lines: $ERR
stdout: ${OUT:0:200}"
	fi
}

usage "--from twice: links takes it once" "option '--from' is given 2 times; 'links' takes it once" \
	--from "$FIX" links --from "$FIX"
usage "-n twice: only sniff repeats it" "-n is given 2 times; only 'sniff' takes several namespaces" \
	-n a -n b --from "$FIX" routes
usage "-c twice: sniff takes it once" "option '--count' is given 2 times; 'sniff' takes it once" \
	sniff -c 1 -c 2 -r /nonexistent
usage "--from does not apply to snapshot (no CT_NEED_SNAPSHOT)" \
	"option '--from' does not apply to 'snapshot'" snapshot --from "$FIX"
usage "--bird-socket does not apply to links (no CT_NEED_BIRD)" \
	"option '--bird-socket' does not apply to 'links'" links --bird-socket /x --from "$FIX"

# what sniff repeats is accepted: the run gets past the parser to the file
printf 'not a pcap\n' >"$TMP/bad.pcap"
run sniff --vxlan-port 4789 --vxlan-port 8472 -r "$TMP/bad.pcap"
if [ "$RC" = 3 ] && [ "$LINES" = 1 ]; then
	ok "sniff takes --vxlan-port twice (exit 3 for the bad file, not 2)"
else
	not_ok "sniff takes --vxlan-port twice (exit 3 for the bad file, not 2)" "exit $RC: $ERR"
fi
# a flag twice is harmless
run -j -j --from "$FIX" links
rc_json=$RC
if [ "$rc_json" -le 1 ] && printf '%s' "$OUT" | jq -e '.command == "links"' >/dev/null 2>&1; then
	ok "-j twice: one JSON document"
else
	not_ok "-j twice: one JSON document" "exit $rc_json: $ERR"
fi

# help CMD lists exactly what the parser accepts for --from and --bird-socket
for c in links tunnel routes neigh bgp doctor snapshot sniff veth-name; do
	help=$("$CALTRACE" help "$c" 2>&1)
	for opt in from bird-socket; do
		listed=no
		[[ $help == *"--$opt "* ]] && listed=yes
		"$CALTRACE" "$c" --"$opt" /nonexistent/x >/dev/null 2>"$TMP/err"
		rc=$?
		accepted=yes
		[ $rc = 2 ] && grep -q "does not apply" "$TMP/err" && accepted=no
		is "$c: --$opt listed in help ($listed) and accepted ($accepted) agree" "$accepted" "$listed"
	done
done

# ---------------------------------------------------------------- without privileges
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "unprivileged runs" "needs root and setpriv"
	skip "unprivileged runs" "needs root and setpriv"
	skip "unprivileged runs" "needs root and setpriv"
else
	NS=ctcli$$
	ip netns add "$NS" || bail "cannot create namespace $NS"
	chmod 755 "$TMP"
	cp "$CALTRACE" "$TMP/caltrace" && chmod 755 "$TMP/caltrace"
	# nobody: no capabilities at all
	unpriv() {
		setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$TMP/caltrace" "$@" \
			>"$TMP/out" 2>"$TMP/err"
		RC=$?
		ERR=$(cat "$TMP/err")
		LINES=$(grep -c '' "$TMP/err")
	}
	# cap NAME CAP ARGS...
	cap() {
		local name=$1 want=$2
		shift 2
		unpriv "$@"
		if [ "$RC" = 3 ] && [ "$LINES" = 1 ] && [[ $ERR == *"$want"* ]]; then
			ok "$name"
		else
			not_ok "$name" "exit $RC, $LINES stderr lines: $ERR"
		fi
	}
	cap "links -n as nobody: exit 3, one line naming CAP_SYS_ADMIN" CAP_SYS_ADMIN -n "$NS" links
	cap "sniff -i lo as nobody: exit 3, one line naming CAP_NET_RAW" CAP_NET_RAW sniff -i lo -c 1
	# the host namespace and a snapshot need nothing
	unpriv --from "$FIX" links
	if [ "$RC" -le 1 ] && [ "$LINES" = 0 ]; then
		ok "links --from as nobody: no privilege needed, no message"
	else
		not_ok "links --from as nobody: no privilege needed, no message" "exit $RC: $ERR"
	fi
fi
done_testing
