#!/bin/bash
# Bounded input from BIRD, against a fake BIRD (a python3 unix-socket server written here) that
# greets like BIRD 1.6 and then misbehaves on purpose:
#   endless   every command gets "1007-..." lines that never end: `bgp` stops at the cap on a
#             reply kept whole (64 MiB, caltrace(1) BIRD LIMITS), exits 3 with one line naming it
#   routes    a sane `show status` and `show protocols all`, then a `show route` that never ends:
#             `bgp routes` stops at 1000000 routes
#   peers     `show protocols all` lists 10001 BGP protocols: `bgp` stops at 10000 peers
#   code      `show route ...` answers "8005 Protocol is down": the message says it in words and
#             keeps the code
# The caps are the man page's: the numbers in the messages are checked against it (the oracle
# for what the limits are), and the memory a run takes (/usr/bin/time's maximum resident set)
# must stay below a bound derived from the cap (today's unbounded reading grows by gigabytes
# before --timeout). `doctor` and `snapshot` record a cap as a BIRD error and go on.
# No lab needed; not root either.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_cmd jq
need_caltrace
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3) || skip_all "no python3 for the fake BIRD"

TMP=$(mktemp -d /tmp/caltrace-birdbounds.XXXXXX)
FAKE_PID=""
cleanup() {
	[ -z "${KEEP_OUT:-}" ] || cat "$TMP"/*.err >&2
	[ -z "$FAKE_PID" ] || kill "$FAKE_PID" 2>/dev/null
	[ -z "$FAKE_PID" ] || wait "$FAKE_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

cat >"$TMP/fakebird.py" <<'EOF'
import os, socket, sys, threading
mode, path = sys.argv[1], sys.argv[2]
GREET = b"0001 BIRD 1.6.8 ready.\n"
STATUS = (b"1000-BIRD 1.6.8\n1011-Router ID is 192.168.31.201\n"
          b" Current server time is 2026-11-26 03:48:57\n"
          b" Last reboot on 2026-11-26 03:48:36\n"
          b" Last reconfiguration on 2026-11-26 03:48:36\n"
          b"0013 Daemon is up and running\n")
HEAD = b"2002-name     proto    table    state  since       info\n"
PROTOS = (HEAD + b"1002-kernel1  Kernel   master   up     03:48:36    \n"
          b" Mesh_192_168_31_202 BGP      master   up     03:48:38    Established   \n"
          b"0000 \n")
ROUTE = b"1007-10.65.0.0/26   via 192.168.31.202 on eth0 [Mesh_192_168_31_202 03:48:39] * (100/0) [i]\n"

def endless(c, line):
    block = line * max(1, (1 << 20) // len(line))
    while True:
        c.sendall(block)

def serve(c):
    try:
        c.sendall(GREET)
        buf = b""
        while True:
            d = c.recv(4096)
            if not d:
                return
            buf += d
            while b"\n" in buf:
                cmd, buf = buf.split(b"\n", 1)
                cmd = cmd.decode()
                if mode == "endless":
                    endless(c, b"1007-" + b"x" * 60 + b"\n")
                elif cmd == "show status":
                    c.sendall(STATUS)
                elif cmd.startswith("show protocols"):
                    if mode == "peers":
                        rows = b"".join(b"1002-Mesh_%d BGP master up 03:48:38 Established\n" % i
                                        for i in range(10001))
                        c.sendall(HEAD + rows + b"0000 \n")
                    else:
                        c.sendall(PROTOS)
                elif cmd.startswith("show route"):
                    if mode == "routes":
                        endless(c, ROUTE)
                    elif mode == "code":
                        c.sendall(b"8005 Protocol is down\n")
                    else:
                        c.sendall(b"0000 \n")
                else:
                    c.sendall(b"9001 syntax error\n")
    except OSError:
        pass
    finally:
        c.close()

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF

# fake MODE: (re)starts the fake BIRD at $TMP/MODE.ctl; SOCK is its path
fake() {
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	SOCK=$TMP/$1.ctl
	"$PY" "$TMP/fakebird.py" "$1" "$SOCK" 2>"$TMP/fake-$1.err" &
	FAKE_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.05
	done
	bail "fake BIRD ($1) did not start" "$(cat "$TMP/fake-$1.err")"
}

# the caps as the man page states them (BIRD LIMITS): the oracle for the numbers in messages
MAN="$TOP/man/caltrace.1"
man_cap() { sed -n "/^\.SH BIRD LIMITS/,/^\.SH /p" "$MAN" | sed -n "s/^.*$1 *\([0-9][0-9,]*\).*$/\1/p" |
	head -n 1 | tr -d ,; }
MAX_ROUTES=$(man_cap 'routes:')
MAX_PEERS=$(man_cap 'peers:')
MAX_REPLY_MIB=$(man_cap 'reply kept whole, MiB:')
if [ -z "$MAX_ROUTES" ] || [ -z "$MAX_PEERS" ] || [ -z "$MAX_REPLY_MIB" ]; then
	bail "the man page states the caps" "routes '$MAX_ROUTES' peers '$MAX_PEERS' reply '$MAX_REPLY_MIB'"
fi

# an ASan build takes memory of its own (shadow, quarantine): no memory bound there
ASAN=""
grep -q __asan_init "$CALTRACE" 2>/dev/null && ASAN=1

# a caltrace that reads without bound would take gigabytes before --timeout on a machine
# shared with others: outside ASan, the address space is limited to 2 GiB (8 x the largest
# bound below), so that such a regression fails at once (out of memory) instead
LIMIT=()
if [ -z "$ASAN" ] && command -v prlimit >/dev/null 2>&1; then
	LIMIT=(prlimit --as=$((2 << 30)) --)
fi

# run NAME ARGS...: caltrace under /usr/bin/time; sets RC, OUT, ERR, RSS_KB
run() {
	local name=$1
	shift
	if [ -x /usr/bin/time ]; then
		"${LIMIT[@]}" /usr/bin/time -f '%M' -o "$TMP/$name.time" "$CALTRACE" "$@" \
			>"$TMP/$name.out" 2>"$TMP/$name.err"
		RC=$?
		RSS_KB=$(tail -n 1 "$TMP/$name.time")
	else
		"${LIMIT[@]}" "$CALTRACE" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
		RC=$?
		RSS_KB=""
	fi
	OUT=$(cat "$TMP/$name.out")
	ERR=$(cat "$TMP/$name.err")
}

# one_line NAME WANT: the run failed with exit 3, one line on stderr holding WANT, nothing on stdout
one_line() {
	local lines
	lines=$(printf '%s' "$ERR" | grep -c '')
	if [ "$RC" = 3 ] && [ "$lines" = 1 ] && [ -z "$OUT" ] && [[ "$ERR" == *"$2"* ]]; then
		ok "$1"
	else
		not_ok "$1" "exit $RC, $lines lines on stderr, want exit 3 and one line with '$2':
$ERR
stdout: ${OUT:0:300}"
	fi
}

# mem_below NAME BYTES: the last run's maximum resident set stayed below BYTES
mem_below() {
	if [ -n "$ASAN" ] || [ -z "$RSS_KB" ]; then
		skip "$1" "no memory bound for an ASan build or without /usr/bin/time"
	elif [ "$RSS_KB" -lt $(($2 / 1024)) ]; then
		ok "$1"
		diag "max RSS $((RSS_KB / 1024)) MiB, bound $(($2 >> 20)) MiB"
	else
		not_ok "$1" "max RSS $((RSS_KB / 1024)) MiB, bound $(($2 >> 20)) MiB"
	fi
}

# ---- an endless reply kept whole: the reply cap
fake endless
run endless bgp --bird-socket "$SOCK" --timeout 60
one_line "bgp: an endless reply stops at the reply cap" \
	"BIRD at '$SOCK' sent a reply of more than $MAX_REPLY_MIB MiB (the limit)"
# the reply (text and ~48 bytes a line) is capped; the realloc'ed line array at most doubles it
mem_below "bgp: memory stays below 4 x the reply cap" $((4 * MAX_REPLY_MIB << 20))
run endless-j -j bgp --bird-socket "$SOCK" --timeout 60
one_line "bgp -j: the same one line" "sent a reply of more than $MAX_REPLY_MIB MiB (the limit)"

# ---- an endless route listing: the routes cap (a route is 32 bytes, caltrace(1))
fake routes
run routes bgp routes --bird-socket "$SOCK" --timeout 60
one_line "bgp routes: an endless listing stops at the routes cap" \
	"BIRD at '$SOCK' sent more than $MAX_ROUTES routes (the limit)"
mem_below "bgp routes: memory stays below 8 x 32 bytes x the routes cap" $((8 * 32 * MAX_ROUTES))
run routes-peer bgp routes Mesh_192_168_31_202 --bird-socket "$SOCK" --timeout 60
one_line "bgp routes PEER: the same cap" "sent more than $MAX_ROUTES routes (the limit)"

# doctor records it as a BIRD error and goes on (its other sections are there)
run doctor -j doctor --bird-socket "$SOCK" --timeout 60
ev=$(jq -r '[.. | objects | select(.code? == "bgp_not_running" or .code? == "bird_unreachable") | .evidence] | .[0] // empty' \
	"$TMP/doctor.out" 2>/dev/null)
if [ "$RC" -le 1 ] && [[ "$ev" == *"sent more than $MAX_ROUTES routes (the limit)"* ]]; then
	ok "doctor: the routes cap is a BIRD error in its findings, exit $RC"
else
	not_ok "doctor: the routes cap is a BIRD error in its findings" "exit $RC, evidence '$ev'
$ERR
$(head -c 600 "$TMP/doctor.out")"
fi
# snapshot too: its bgp section holds the error
run snap snapshot -o "$TMP/snap.json" --bird-socket "$SOCK" --timeout 60
berr=$(jq -r '.. | objects | select(has("bgp")) | .bgp.error? // empty' "$TMP/snap.json" 2>/dev/null |
	head -n 1)
if [ "$RC" = 0 ] && [[ "$berr" == *"sent more than $MAX_ROUTES routes (the limit)"* ]]; then
	ok "snapshot: the routes cap is recorded as the BIRD error"
else
	not_ok "snapshot: the routes cap is recorded as the BIRD error" "exit $RC, bgp.error '$berr'
$ERR"
fi

# ---- too many peers
fake peers
run peers bgp --bird-socket "$SOCK" --timeout 60
one_line "bgp: more BGP protocols than the peers cap" \
	"BIRD at '$SOCK' sent more than $MAX_PEERS peers (the limit)"

# ---- a numeric reply in words, the code kept
fake code
run code bgp routes --bird-socket "$SOCK" --timeout 60
one_line "bgp routes: 8005 is said in words, with its code, the socket and the command" \
	"BIRD at '$SOCK' refused 'show route export kernel1 all': the protocol is down, so it has nothing to show for it (reply 8005: 'Protocol is down')"
run code-peer bgp routes Mesh_192_168_31_202 --bird-socket "$SOCK" --timeout 60
one_line "bgp routes PEER: the same, naming the command for the peer" \
	"refused 'show route protocol Mesh_192_168_31_202 all': the protocol is down"
run code-doctor -j doctor --bird-socket "$SOCK" --timeout 60
ev=$(jq -r '[.. | objects | select(.code? == "bgp_not_running" or .code? == "bird_unreachable") | .evidence] | .[0] // empty' \
	"$TMP/code-doctor.out" 2>/dev/null)
if [[ "$ev" == *"(reply 8005: 'Protocol is down')"* ]] && [[ "$ev" == *"the protocol is down"* ]]; then
	ok "doctor -j: the evidence keeps the code and says it in words"
else
	not_ok "doctor -j: the evidence keeps the code and says it in words" "exit $RC, evidence '$ev'"
fi

done_testing
