#!/bin/bash
# Fix lines are safe to paste (issue 8): a finding's commands (JSON "run", text "run:" lines)
# are pasted into a root bash. In a namespace this script creates, whose own name holds
# "$(...)", ";" and backticks, veths named with "$(>C1)", ";>C2", backticks, a dot, ESC, a
# single quote and "=" get the faults caltrace reports (they are created down, with proxy_arp,
# forwarding and ip_forward off; a vxlan.calico with strict rp_filter). For the namespace given
# by name, by pid:PID and by path, every run line of `doctor` (text and JSON) must pass
# `bash -n`, and run by bash in an empty directory it must create no canary file and change
# exactly what its finding names: the oracle is the kernel, read before and after through
# /proc/sys and /sys/class/net with the kernel's own names. BIRD protocol names are identifiers,
# so a snapshot carries peers named with every byte value 1..255 and a control socket path with
# "$(...)"; bash itself reads each birdc line back (birdc replaced by a function that prints its
# arguments), and the words must be the bytes of the snapshot.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip nsenter jq
need_caltrace
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no $PY"

NS="ct$$fix;\$(>NSC)\`>NSB\`"
TMP=$(mktemp -d /tmp/caltrace-fixes.XXXXXX)
WORK="$TMP/work" # the run lines' working directory: it must stay empty
mkdir "$WORK"
SLEEPER=""
cleanup() {
	[ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || bail "ip netns add $NS"

names=('cali$(>C1)' 'cali;>C2' 'cali`>C3`' 'cali.x' $'cali\x1b[31m' "cali'q" 'cali=a')
i=0
for nm in "${names[@]}"; do
	i=$((i + 1))
	out=$(ip -n "$NS" link add name "$nm" type veth peer name "peer$i" 2>&1) ||
		bail "ip link add name $nm" "$out"
done
out=$(ip -n "$NS" link add vxlan.calico type vxlan id 4096 dstport 4789 local 10.0.0.1 \
	nolearning 2>&1) || bail "ip link add vxlan.calico" "$out"

# state.py: the kernel's view inside the namespace, as JSON {key: value}; names as hex bytes
cat >"$TMP/state.py" <<'EOF'
import json, os
st = {}
st["ip_forward"] = open("/proc/sys/net/ipv4/ip_forward").read().strip()
base = b"/proc/sys/net/ipv4/conf/"
for n in os.listdir(base):
    for leaf in (b"proxy_arp", b"forwarding", b"rp_filter"):
        st["conf/%s/%s" % (n.hex(), leaf.decode())] = open(base + n + b"/" + leaf).read().strip()
for n in os.listdir(b"/sys/class/net"):
    for leaf in (b"flags", b"mtu", b"address"):
        st["link/%s/%s" % (n.hex(), leaf.decode())] = open(b"/sys/class/net/" + n + b"/" + leaf).read().strip()
print(json.dumps(st, sort_keys=True))
EOF
# reset.py: the faults again (links down, sysctls off, strict rp_filter on vxlan.calico)
cat >"$TMP/reset.py" <<'EOF'
import os, subprocess
open("/proc/sys/net/ipv4/ip_forward", "w").write("0")
base = b"/proc/sys/net/ipv4/conf/"
for n in os.listdir(base):
    if n.startswith(b"cali"):
        for leaf in (b"proxy_arp", b"forwarding"):
            open(base + n + b"/" + leaf, "w").write("0")
        subprocess.run([b"ip", b"link", b"set", b"dev", n, b"down"], check=True)
open(base + b"vxlan.calico/rp_filter", "w").write("1")
EOF
state() { ip netns exec "$NS" "$PY" "$TMP/state.py"; }
reset() { ip netns exec "$NS" "$PY" "$TMP/reset.py"; }

# lines.py JSON TEXT PREFIX: checks the findings' run arrays against the text run: lines and the
# namespace words, and prints "code<TAB>subject as hex<TAB>line" for every run line
cat >"$TMP/lines.py" <<'EOF'
import json, re, sys
def undo(s):  # caltrace(1) STRINGS, JSON rule, reversed
    out, i = bytearray(), 0
    while i < len(s):
        if s[i] != "\\":
            out += s[i].encode("utf-8"); i += 1
        elif s[i + 1:i + 2] == "\\":
            out += b"\\"; i += 2
        else:
            out.append(int(s[i + 2:i + 4], 16)); i += 4
    return bytes(out)
doc = json.load(open(sys.argv[1], encoding="utf-8"))
text = open(sys.argv[2], "rb").read().decode("utf-8")
prefix = sys.argv[3]
errors, rows = [], []
skipped = []
for f in doc["findings"]:
    # the neighbour tables are global (every namespace of the machine fills them): a
    # finding about them depends on what else runs here, not on this lab, and its
    # run line targets the host: it is left out, never run
    if f["code"].startswith("neigh_table_"):
        skipped.extend(f.get("run", []))
        continue
    if "run" not in f or not isinstance(f["run"], list):
        errors.append("finding %s %r has no run array" % (f["code"], f["subject"]))
        continue
    for line in f["run"]:
        # the namespace words first (after "echo VALUE |" for a sysctl written with tee)
        if prefix and not re.sub(r"^echo [0-9]+ \| ", "", line).startswith(prefix + " "):
            errors.append("%r does not start with %r" % (line, prefix))
        if re.search(r"<[A-Za-z_ -]+>", line) or "\n" in line:
            errors.append("placeholder or newline in %r" % line)
        rows.append((f["code"], undo(f["subject"]).hex(), line))
want = sorted(r[2] for r in rows)
got = [m.group(1) for m in re.finditer(r"^     run: (.*)$", text, re.M)]
for line in skipped:
    if line in got:
        got.remove(line)
got = sorted(got)
if want != got:
    errors.append("text run: lines %r\n  JSON run lines %r" % (got, want))
for o in (ord(c) for c in text):
    if (o < 0x20 and o != 0x0a) or o == 0x7f or 0x80 <= o <= 0x9f:
        errors.append("raw U+%04X in the text output" % o)
for e in errors:
    print("ERROR", e)
for r in rows:
    print("\t".join(r))
EOF

# expect.py CODE SUBJECTHEX BEFORE AFTER: did the line change exactly what its finding names?
cat >"$TMP/expect.py" <<'EOF'
import json, sys
code, subj, before, after = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
changed = {k: (before.get(k), after.get(k)) for k in set(before) | set(after) if before.get(k) != after.get(k)}
def only(keys, check):
    extra = sorted(set(changed) - set(keys))
    if extra:
        return "changed besides its subject: %r" % {k: changed[k] for k in extra}
    return check()
if code == "proxy_arp_off":
    k = "conf/%s/proxy_arp" % subj
    why = only([k], lambda: None if after.get(k) == "1" else "%s is %r" % (k, after.get(k)))
elif code in ("forwarding_off", "ip_forward_off") and subj == b"net.ipv4.ip_forward".hex():
    ks = ["ip_forward"] + [k for k in changed if k.endswith("/forwarding")]
    why = only(ks, lambda: None if after["ip_forward"] == "1" else "ip_forward stays 0")
elif code == "forwarding_off":
    k = "conf/%s/forwarding" % subj
    why = only([k], lambda: None if after.get(k) == "1" else "%s is %r" % (k, after.get(k)))
elif code == "rp_filter_strict_underlay":
    k = "conf/%s/rp_filter" % subj
    why = only([k], lambda: None if after.get(k) == "2" else "%s is %r" % (k, after.get(k)))
elif code == "workload_link_down":
    k = "link/%s/flags" % subj
    why = only([k], lambda: None if int(after.get(k, "0"), 16) & 1 else "%s not up" % k)
else:
    why = only([], lambda: None)
print(why or "")
EOF

# dry_run LINE: the commands bash would run for LINE, with every command a function that
# prints its name (and no PATH): a pasteable line is exactly one of them (a pipe's left side
# prints into the pipe). Runs in $WORK, so a substitution bash would execute leaves a canary.
dry_run() {
	(cd "$WORK" && bash -c 'PATH=/nonexistent
	for c in ip nsenter echo tee sysctl birdc; do
		eval "$c() { builtin echo $c; }"; done
	command_not_found_handle() { builtin echo "unknown:$1"; }
	'"$1" 2>&1)
}
# canary LINE: $WORK must still be empty
canary() {
	if [ -n "$(ls -A "$WORK")" ]; then
		bad="$bad
$1: created $(ls -A "$WORK" | tr '\n' ' ')"
		rm -rf "${WORK:?}"/* "${WORK:?}"/.[!.]* 2>/dev/null
	fi
}

# run_lines NAME SPEC PREFIX: doctor on SPEC, then every run line in bash
run_lines() {
	local name=$1 spec=$2 prefix=$3 out rc txt rows line code subj before after why n=0 bad=""
	reset || bail "$name: reset the faults"
	out=$("$CALTRACE" -n "$spec" -j doctor); rc=$?
	is "$name: doctor -j finds the faults (exit 1)" "$rc" 1
	printf '%s' "$out" >"$TMP/doc.json"
	txt=$("$CALTRACE" -n "$spec" doctor); rc=$?
	is "$name: doctor finds the faults (exit 1)" "$rc" 1
	printf '%s\n' "$txt" >"$TMP/doc.txt"
	rows=$("$PY" "$TMP/lines.py" "$TMP/doc.json" "$TMP/doc.txt" "$prefix" 2>&1)
	why=$(printf '%s\n' "$rows" | grep '^ERROR' ; printf '%s\n' "$rows" | grep -v $'\t' | grep -v '^ERROR')
	if [ -z "$why" ]; then ok "$name: every finding has a run array, text and JSON agree, namespace words"
	else not_ok "$name: every finding has a run array, text and JSON agree, namespace words" "$why"; fi
	rows=$(printf '%s\n' "$rows" | grep $'\t')
	# what each fault needs: a command for it, in text and JSON
	local missing=""
	for code in proxy_arp_off ip_forward_off workload_link_down rp_filter_strict_underlay; do
		printf '%s\n' "$rows" | grep -q "^$code"$'\t' || missing="$missing $code"
	done
	# ip_forward=0 turned every interface's forwarding off: one finding, whose line (run
	# last, below) sets them all; each name's forwarding_off is folded under it, with no line
	is "$name: ip_forward_off folds a forwarding_off for each of the ${#names[@]} names" \
		"$(jq -r '[.findings[] | select(.code == "ip_forward_off") | .consequences[] |
			select(.code == "forwarding_off")] | length' "$TMP/doc.json")" "${#names[@]}"
	for nm in "${names[@]}"; do
		local hex
		hex=$(printf '%s' "$nm" | od -An -tx1 | tr -d ' \n')
		printf '%s\n' "$rows" | grep -q "^proxy_arp_off"$'\t'"$hex"$'\t' ||
			missing="$missing proxy_arp_off:$hex"
	done
	is "$name: a run line for each fault and each name" "$missing" ""
	# the global ip_forward line last: it sets every interface's forwarding too
	rows=$( (printf '%s\n' "$rows" | grep -v "$(printf '%s' net.ipv4.ip_forward | od -An -tx1 | tr -d ' \n')"
		printf '%s\n' "$rows" | grep "$(printf '%s' net.ipv4.ip_forward | od -An -tx1 | tr -d ' \n')") |
		grep .)
	while IFS=$'\t' read -r code subj line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		if ! why=$(bash -n -c "$line" 2>&1); then
			bad="$bad
bash -n: $line: $why"
			continue
		fi
		# a dry run first: one command, the namespace's, or it does not run for real
		why=$(dry_run "$line")
		if [ "$why" != "${prefix%% *}" ]; then
			bad="$bad
$line: not one command in the namespace (dry run: $why)"
			continue
		fi
		before=$(state) || bail "$name: read the state"
		why=$(cd "$WORK" && bash -c "$line" 2>&1 >/dev/null) || bad="$bad
failed: $line: $why"
		after=$(state) || bail "$name: read the state"
		why=$("$PY" "$TMP/expect.py" "$code" "$subj" "$before" "$after")
		[ -n "$why" ] && bad="$bad
$line: $why"
		canary "$line"
	done <<<"$rows"
	[ "$n" -ge 16 ] || bad="$bad
only $n run lines"
	is "$name: $n run lines parse, run, create no canary and change only what they name" "$bad" ""
}

run_lines "named netns" "$NS" "ip netns exec 'ct$$fix;\$(>NSC)\`>NSB\`'"
ip netns exec "$NS" sleep 600 &
SLEEPER=$!
run_lines "pid:PID" "pid:$SLEEPER" "nsenter -t $SLEEPER -n"
run_lines "netns path" "/var/run/netns/$NS" "nsenter '--net=/var/run/netns/ct$$fix;\$(>NSC)\`>NSB\`'"

# ---- BIRD names: every byte value, through a snapshot
out=$("$CALTRACE" -n "$NS" snapshot -o "$TMP/snap.json" 2>&1); rc=$?
is "snapshot of the lab (exit 0)" "$rc" 0
SOCK="$TMP/bird dir;\$(>S1)/bird\`>S2\`.ctl"
"$PY" - "$TMP/snap.json" "$SOCK" >"$TMP/names.hex" <<'EOF' || bail "write the BGP peers into the snapshot"
import json, sys
path, sock = sys.argv[1], sys.argv[2]
doc = json.load(open(path, encoding="utf-8"))
def rule(b):  # caltrace(1) STRINGS, JSON rule
    return b.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")
peers = []
for c in range(1, 256):
    name = b"Mesh_" + bytes([c]) + b"$(>P)x"
    peers.append({"name": rule(name), "type": "mesh", "proto": "BGP", "table": "master",
                  "state": "start", "since": "", "info": "Active", "bgp_state": "Active",
                  "last_error": "Socket: weird", "neighbor": None, "neighbor_as": None,
                  "local_as": None, "source": None, "neighbor_id": "", "hold_now": -1,
                  "hold_max": -1, "keepalive_now": -1, "keepalive_max": -1, "imported": None,
                  "exported": None, "preferred": None, "passive": False, "description": ""})
    print(name.hex())
doc["bgp"] = {"status": None, "socket": sock, "kernel_protocol": "kernel1", "error": "",
              "peers": peers, "routes": [], "sessions": []}
json.dump(doc, open(path, "w"))
EOF
out=$("$CALTRACE" --from "$TMP/snap.json" -j bgp 2>&1); rc=$?
is "bgp --from the snapshot: 255 peers down (exit 1)" "$rc" 1
printf '%s' "$out" >"$TMP/bgp.json"
txt=$("$CALTRACE" --from "$TMP/snap.json" bgp 2>&1)
printf '%s\n' "$txt" >"$TMP/bgp.txt"
rows=$("$PY" "$TMP/lines.py" "$TMP/bgp.json" "$TMP/bgp.txt" "" 2>&1)
why=$(printf '%s\n' "$rows" | grep '^ERROR')
is "bgp: run arrays, text and JSON agree" "$why" ""
# bash reads each line; birdc is a function that prints its words as hex, one per line
bad="" n=0
while IFS=$'\t' read -r code subj line; do
	[ "$code" = bgp_peer_down ] || continue
	n=$((n + 1))
	got=$(cd "$WORK" && bash -c 'PATH=/nonexistent
command_not_found_handle() { builtin echo "unknown:$1"; }
birdc() { for a; do printf "%s" "$a" | /usr/bin/od -An -tx1 | /usr/bin/tr -d " \n"; echo; done; }
'"$line" 2>&1)
	want=$(printf '%s\n' "-s" "$SOCK" show protocols all | while IFS= read -r w; do
		printf '%s' "$w" | od -An -tx1 | tr -d ' \n'; echo; done; echo "$subj")
	canary "$line"
	if [ "$got" != "$want" ]; then
		bad="$bad
$line: bash read $got"
		continue
	fi
	# and birdc itself (there is no such socket: it fails) creates nothing
	(cd "$WORK" && bash -c "$line" >/dev/null 2>&1)
	canary "$line"
done <<<"$(printf '%s\n' "$rows" | grep $'\t')"
[ "$n" = 255 ] || bad="$bad
$n bgp_peer_down run lines, not 255"
is "bgp: bash reads every peer name (bytes 1..255) and the socket back exactly; no canary" "$bad" ""
subjects=$(printf '%s\n' "$rows" | grep "^bgp_peer_down"$'\t' | cut -f2 | sort)
is "bgp: the findings' subjects are the snapshot's names" "$subjects" "$(sort "$TMP/names.hex")"

done_testing
