#!/bin/bash
# Names that hold any bytes (issue 7, "One way to escape"): veths named with ESC, "\xfa" spelled
# in ASCII, the byte 0xfa, e0 80 af, a C1 control, a bidi override, backslashes and UTF-8 é, in a
# namespace this script creates. The oracle for the bytes is the kernel itself (the names under
# /sys/class/net inside the namespace, read as bytes by Python); the oracle for the two rules of
# caltrace(1) STRINGS is an independent Python spelling of them; JSON is read by Python's strict
# UTF-8 decoder and json module.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip
need_caltrace
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"

NS="ct$$esc"
TMP=$(mktemp -d /tmp/caltrace-esc.XXXXXX)
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || bail "ip netns add $NS"

# printf formats of the host-side names (at most 15 bytes; no '/', ':' or blanks, and the
# kernel's isspace() counts 0xa0 as a blank, so no surrogate ed a0..: the unit tests cover those)
names=('cali\x1b[31m' 'cali\\xfa' 'cali\xfa' 'cali\xe0\x80\xaf' 'cali\xc2\x9b' 'cali\xe2\x80\xae'
	'cali\\b' 'cali-caf\xc3\xa9' 'cali\\\\xfa' 'cali\xf4\x90\x80\x80' 'cali\xc0\xaf')
i=0
for f in "${names[@]}"; do
	i=$((i + 1))
	# shellcheck disable=SC2059 # each name is a printf format on purpose
	if ! out=$(ip -n "$NS" link add name "$(printf "$f")" type veth peer name "peer$i" 2>&1); then
		bail "ip link add name $f" "$out"
	fi
done

# the kernel's names, as hex bytes, one per line, sorted
ip netns exec "$NS" "$PY" -c '
import os
for n in sorted(os.listdir(b"/sys/class/net")):
    if n.startswith(b"cali"):
        print(n.hex())' >"$TMP/kernel" || bail "reading /sys/class/net in $NS"
is "the kernel holds the ${#names[@]} names" "$(wc -l <"$TMP/kernel")" "${#names[@]}"

# check.py MODE FILE: MODE json (a links -j document) or snapshot (a snapshot file) or text
cat >"$TMP/check.py" <<'EOF'
import json, re, sys

BIDI = set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))

def json_rule(b):
    # caltrace(1) STRINGS, JSON: backslash doubled, bytes that are not UTF-8 as \xNN.
    # 0x5c is never inside a multi-byte sequence, so doubling first is safe.
    return b.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")

def text_rule(b):
    out = []
    for ch in json_rule(b):  # the same, then the characters a terminal must not get
        o = ord(ch)
        if o < 0x20 or o == 0x7f or 0x80 <= o <= 0x9f or o in BIDI:
            out.append("".join("\\x%02x" % x for x in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)

def undo(s):
    # the documented reverse; anything else after a backslash is an error
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] != "\\":
            out += s[i].encode("utf-8")
            i += 1
        elif s[i + 1 : i + 2] == "\\":
            out += b"\\"
            i += 2
        elif s[i + 1 : i + 2] == "x" and re.fullmatch("[0-9a-f]{2}", s[i + 2 : i + 4]):
            out.append(int(s[i + 2 : i + 4], 16))
            i += 4
        else:
            raise ValueError("lone backslash at %d in %r" % (i, s))
    return bytes(out)

mode, path, kernel = sys.argv[1], sys.argv[2], sys.argv[3]
want = [bytes.fromhex(l) for l in open(kernel).read().split()]
raw = open(path, "rb").read()
doc_text = raw.decode("utf-8", "strict")  # raises on invalid UTF-8
errors = []
if mode == "text":
    for o in (ord(c) for c in doc_text):
        if (o < 0x20 and o != 0x0a) or o == 0x7f or 0x80 <= o <= 0x9f or o in BIDI:
            errors.append("raw U+%04X in the text output" % o)
    first = {l.split("  ")[0] for l in doc_text.splitlines()}
    for b in want:
        if text_rule(b) not in first:
            errors.append("no row for %r spelled %r" % (b, text_rule(b)))
else:
    doc = json.loads(doc_text)
    if mode == "snapshot":
        got = [l["name"] for l in doc["netns"][0]["links"] if l["name"].startswith("cali")]
    else:
        got = [l["name"] for l in doc["items"]]
    if len(set(got)) != len(got):
        errors.append("two links share a JSON name: %r" % got)
    if sorted(got) != sorted(json_rule(b) for b in want):
        errors.append("names %r, the rule gives %r" % (sorted(got), sorted(json_rule(b) for b in want)))
    back = sorted(undo(s) for s in got)
    if back != sorted(want):
        errors.append("decoded %r, the kernel has %r" % (back, sorted(want)))
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF

# check_doc NAME MODE FILE
check_doc() {
	local why
	if why=$("$PY" "$TMP/check.py" "$2" "$3" "$TMP/kernel" 2>&1); then
		ok "$1"
	else
		not_ok "$1" "$why"
	fi
}

# links -j with -n, and from inside the namespace without it
out=$("$CALTRACE" -n "$NS" -j links)
rc=$?
printf '%s\n' "$out" >"$TMP/links.json"
is "-n NS links -j: exit 1 (the links are down: findings)" "$rc" 1
check_doc "-n NS links -j: strict UTF-8 JSON, each name by the rule, decodes to the kernel's bytes, no two alike" \
	json "$TMP/links.json"
out=$(ip netns exec "$NS" "$CALTRACE" -j links)
rc=$?
printf '%s\n' "$out" >"$TMP/links-in.json"
is "links -j inside the namespace: exit 1" "$rc" 1
check_doc "links -j inside the namespace: the same checks" json "$TMP/links-in.json"

# the text table: no raw control, C1, bidi or invalid byte; each name by the text rule
out=$("$CALTRACE" -n "$NS" --color never links)
rc=$?
printf '%s\n' "$out" >"$TMP/links.txt"
is "-n NS links: exit 1" "$rc" 1
check_doc "-n NS links: text is clean UTF-8 and each name is spelled by the text rule" \
	text "$TMP/links.txt"

# a snapshot, and the round trip through it
out=$("$CALTRACE" -n "$NS" snapshot -o "$TMP/snap.json" 2>&1)
rc=$?
is "-n NS snapshot -o F: exit 0" "$rc" 0
[ "$rc" = 0 ] || diag "$out"
check_doc "snapshot: strict UTF-8 JSON, the names by the rule, decoded to the kernel's bytes" \
	snapshot "$TMP/snap.json"
out=$("$CALTRACE" --from "$TMP/snap.json" -j links)
rc=$?
printf '%s\n' "$out" >"$TMP/from.json"
is "--from F links -j: exit 1, as live" "$rc" 1
check_doc "--from F links -j: the same names as live" json "$TMP/from.json"
same_items='import json, sys
a, b = (json.load(open(f, encoding="utf-8"))["items"] for f in sys.argv[1:3])
print(a == b)'
is "--from F links -j: the same items as live" \
	"$("$PY" -c "$same_items" "$TMP/links.json" "$TMP/from.json" 2>&1)" True

# messages: escaped once, by the text rule (no '?', no double escape)
bad=$(printf 'ct\033q\372')
out=$("$CALTRACE" -n "$bad" links 2>&1 >/dev/null)
rc=$?
is "-n with ESC and 0xfa: exit 3" "$rc" 3
case "$out" in
*"'ct\\x1bq\\xfa'"*) ok "-n with ESC and 0xfa: the name escaped once in the message" ;;
*) not_ok "-n with ESC and 0xfa: the name escaped once in the message" "$(printf '%s' "$out" | od -c | head -n 5)" ;;
esac
sock=$(printf '%s/no\033sock\\x' "$TMP")
out=$("$CALTRACE" --bird-socket "$sock" bgp 2>&1 >/dev/null)
rc=$?
is "--bird-socket with ESC and a backslash: exit 3" "$rc" 3
case "$out" in
*"'$TMP/no\\x1bsock\\\\x'"*) ok "--bird-socket: the path escaped once in the message" ;;
*) not_ok "--bird-socket: the path escaped once in the message" "$(printf '%s' "$out" | od -c | head -n 5)" ;;
esac

done_testing
