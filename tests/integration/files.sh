#!/bin/bash
# Files written as root (caltrace(1): sniff -w, snapshot -o): what sits at the path decides,
# and the kernel is the oracle (stat(1) on the file's type, owner, mode and bytes; tcpdump and
# jq read what was written). A symbolic link planted by an unprivileged user (nobody, in a folder
# it owns) at the -w path, or at snapshot's old predictable temporary name FILE.tmp.<pid> (pid 1
# in a new pid namespace), never hands root's file over: it stays as it was. FIFOs and character
# devices (mknod c 1 3 and c 1 7 in the folder) are written in place and stay what they are;
# directories, sockets and block devices are refused with exit 3 and one line; a folder that
# cannot be written is named, not the file; a write that fails (ENOSPC: a full device, a full
# tmpfs) is "writing 'FILE': No space left on device", exit 3, with no temporary file left
# behind; sniff -Z USER opens -w as USER, so USER's rights apply; a snapshot file is mode 0600.
# No lab: sniff reads a two-packet pcap written here (-r), snapshot reads the host's namespace.
set -u -o pipefail
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd setpriv mknod mkfifo unshare tcpdump jq stat
need_caltrace
id nobody >/dev/null 2>&1 || skip_all "no user 'nobody'"
NOBODY_GROUP=$(id -gn nobody)

TMP=$(mktemp -d /tmp/ct-files.XXXXXX)
chmod 0755 "$TMP" # nobody must reach its own folders inside
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
at_exit cleanup

as_nobody() { setpriv --reuid nobody --regid "$NOBODY_GROUP" --clear-groups "$@"; }

# a pcap with two Ethernet/IPv4/UDP frames (10.0.0.1:1234 -> 10.0.0.2:9), written byte by byte
hex() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }
FRAME=ffffffffffff0200000000010800
FRAME+=4500001c00010000401166ce0a0000010a000002
FRAME+=04d2000900080000
{
	hex d4c3b2a10200040000000000000000000000040001000000
	hex 00000065000000002a0000002a000000
	hex "$FRAME"
	hex 01000065000000002a0000002a000000
	hex "$FRAME"
} >"$TMP/in.pcap" 2>/dev/null
# the oracle agrees the input holds two packets
[ "$(tcpdump -nn -r "$TMP/in.pcap" 2>/dev/null | wc -l)" = 2 ] || bail "tcpdump reads the test pcap"

# run NAME ARGS...: caltrace; sets RC, OUT (stdout bytes as a file $TMP/NAME.out), ERR, LINES
run() {
	local n=$1
	shift
	timeout 60 "$@" >"$TMP/$n.out" 2>"$TMP/$n.err"
	RC=$?
	ERR=$(cat "$TMP/$n.err")
	LINES=$(grep -c '' "$TMP/$n.err")
}

# the caltrace lines on stderr, not sniff's packet counts
ct_lines() { grep -c '^caltrace: ' "$TMP/$1.err"; }

# fstate PATH: what the kernel says about it (type, owner, mode, device numbers, size, sha256)
fstate() {
	local t
	t=$(stat -c '%F %U:%G %a %t,%T %s' "$1" 2>&1)
	if [ -f "$1" ] && [ ! -L "$1" ]; then t+=" $(sha256sum <"$1" | cut -c1-16)"; fi
	printf '%s' "$t"
}

# leftovers DIR: temporary files caltrace may have left (mkstemp's .NAME.XXXXXX, old FILE.tmp.PID)
leftovers() { find "$1" -maxdepth 1 \( -name '.*.??????' -o -name '*.tmp.*' \) -type f | sort; }

CANARY=$TMP/canary
printf 'root only %s\n' "$$" >"$CANARY"
chmod 0600 "$CANARY"
CANARY_STATE=$(fstate "$CANARY")

# ---------------------------------------------------------------- sniff -w
mkdir "$TMP/nb"
chown nobody "$TMP/nb"
as_nobody ln -s "$CANARY" "$TMP/nb/link"

run s_link "$CALTRACE" sniff -Z nobody -r "$TMP/in.pcap" -w "$TMP/nb/link"
is "sniff -Z nobody -w LINK (nobody's link to a root file): exit 3, one line naming LINK" \
	"exit=$RC lines=$(ct_lines s_link) named=$(grep -c "'$TMP/nb/link'" "$TMP/s_link.err")" \
	"exit=3 lines=1 named=1"
is "sniff -Z nobody -w LINK: the root file is neither truncated nor given to nobody, LINK kept" \
	"$(fstate "$CANARY") | $(stat -c '%F %U' "$TMP/nb/link")" "$CANARY_STATE | symbolic link nobody"

# root's file inside nobody's folder (or a hard link nobody could have made): nobody's rights apply
cp "$CANARY" "$TMP/nb/rootfile"
RF_STATE=$(fstate "$TMP/nb/rootfile")
run s_rf "$CALTRACE" sniff -Z nobody -r "$TMP/in.pcap" -w "$TMP/nb/rootfile"
is "sniff -Z nobody -w ROOTFILE (0600 root's, in nobody's folder): exit 3, file untouched" \
	"exit=$RC lines=$(ct_lines s_rf) $(fstate "$TMP/nb/rootfile")" "exit=3 lines=1 $RF_STATE"

# a folder nobody cannot write: the file is opened as nobody, so the kernel says no
mkdir "$TMP/rootdir"
run s_rd "$CALTRACE" sniff -Z nobody -r "$TMP/in.pcap" -w "$TMP/rootdir/x.pcap"
is "sniff -Z nobody -w ROOTDIR/x.pcap: exit 3, one line naming the folder, no file" \
	"exit=$RC lines=$(ct_lines s_rd) folder=$(grep -c "cannot create a file in '$TMP/rootdir'" "$TMP/s_rd.err") files=$(ls -A "$TMP/rootdir" | wc -l)" \
	"exit=3 lines=1 folder=1 files=0"

# nobody's own folder: nobody's file, the two packets (tcpdump reads them)
run s_new "$CALTRACE" sniff -Z nobody -r "$TMP/in.pcap" -w "$TMP/nb/new.pcap"
is "sniff -Z nobody -w NEW: exit 0, nobody's file, tcpdump reads 2 packets" \
	"exit=$RC $(stat -c %U "$TMP/nb/new.pcap" 2>&1) $(tcpdump -nn -r "$TMP/nb/new.pcap" 2>/dev/null | wc -l)" \
	"exit=0 nobody 2"

# a character device and a FIFO are written as they are
mknod "$TMP/null" c 1 3
run s_null "$CALTRACE" sniff -r "$TMP/in.pcap" -w "$TMP/null"
is "sniff -w NULL (mknod c 1 3): exit 0, still the character device 1,3" \
	"exit=$RC $(stat -c '%F %t,%T' "$TMP/null")" "exit=0 character special file 1,3"
mkfifo "$TMP/fifo"
timeout 30 cat "$TMP/fifo" >"$TMP/fifo.pcap" &
PIDS+=" $!"
run s_fifo "$CALTRACE" sniff -r "$TMP/in.pcap" -w "$TMP/fifo"
wait "$!" 2>/dev/null
is "sniff -w FIFO: exit 0, the reader gets 2 packets (tcpdump), still a FIFO" \
	"exit=$RC $(tcpdump -nn -r "$TMP/fifo.pcap" 2>/dev/null | wc -l) $(stat -c %F "$TMP/fifo")" \
	"exit=0 2 fifo"

# a full device: one line with the reason, exit 3
run s_full "$CALTRACE" sniff -r "$TMP/in.pcap" -w /dev/full
is "sniff -w /dev/full: exit 3, 'writing '/dev/full': No space left on device'" \
	"exit=$RC lines=$(ct_lines s_full) $(grep '^caltrace: ' "$TMP/s_full.err")" \
	"exit=3 lines=1 caltrace: writing '/dev/full': No space left on device"

# the same live, as the issue saw it (today: exit 0), with -Z nobody (no "needs CAP_" line
# either: the write failed, not a privilege): a throwaway namespace with lo up, UDP to itself
NS=ct$$f-files
cleanup_ns() { ip netns del "$NS" 2>/dev/null; }
at_exit cleanup_ns
ip netns add "$NS" && ip -n "$NS" link set lo up || bail "a throwaway namespace"
timeout 20 "$CALTRACE" sniff -n "$NS" -i lo -c 2 -Z nobody -w /dev/full 'udp port 9' \
	>"$TMP/s_live.out" 2>"$TMP/s_live.err" &
live=$!
for _ in $(seq 1 30); do
	kill -0 "$live" 2>/dev/null || break
	ip netns exec "$NS" bash -c 'echo x >/dev/udp/127.0.0.1/9' 2>/dev/null
	sleep 0.2
done
wait "$live"
RC=$?
is "sniff -n NS -i lo -Z nobody -w /dev/full (live): exit 3, the one caltrace line says why" \
	"exit=$RC lines=$(ct_lines s_live) $(grep '^caltrace: ' "$TMP/s_live.err")" \
	"exit=3 lines=1 caltrace: writing '/dev/full': No space left on device"

# standard output still works
run s_stdout "$CALTRACE" sniff -r "$TMP/in.pcap" -w -
is "sniff -w -: exit 0, tcpdump reads 2 packets from standard output" \
	"exit=$RC $(tcpdump -nn -r "$TMP/s_stdout.out" 2>/dev/null | wc -l)" "exit=0 2"

# ---------------------------------------------------------------- what is refused, for both
mkdir "$TMP/dir"
/usr/bin/python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
	"$TMP/sock" 2>/dev/null || python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock"
# a block device of a major no driver holds (/proc/devices), so nothing could be written anyway
major=""
for m in $(seq 240 254); do
	if ! sed -n '/^Block devices:/,$p' /proc/devices | grep -q "^ *$m "; then
		major=$m
		break
	fi
done
[ -n "$major" ] || bail "a free block major in 240-254"
mknod "$TMP/blk" b "$major" 0
for what in dir sock blk; do
	before=$(fstate "$TMP/$what")
	run "r_s_$what" "$CALTRACE" sniff -r "$TMP/in.pcap" -w "$TMP/$what"
	is "sniff -w ${what^^}: exit 3, one line naming it, left as it was" \
		"exit=$RC lines=$(ct_lines "r_s_$what") named=$(grep -c "'$TMP/$what'" "$TMP/r_s_$what.err") $(fstate "$TMP/$what")" \
		"exit=3 lines=1 named=1 $before"
	run "r_o_$what" "$CALTRACE" snapshot -o "$TMP/$what"
	is "snapshot -o ${what^^}: exit 3, one line naming it, left as it was, nothing on stdout" \
		"exit=$RC lines=$LINES named=$(grep -c "'$TMP/$what'" "$TMP/r_o_$what.err") $(fstate "$TMP/$what") out=$(wc -c <"$TMP/r_o_$what.out")" \
		"exit=3 lines=1 named=1 $before out=0"
done
is "no temporary file left in the folder after the refusals" "$(leftovers "$TMP")" ""

# ---------------------------------------------------------------- snapshot -o
run o_plain "$CALTRACE" snapshot -o "$TMP/snap.json"
is "snapshot -o FILE: exit 0, mode 600, a snapshot jq reads, no temporary file" \
	"exit=$RC $(stat -c %a "$TMP/snap.json") $(jq -r .command "$TMP/snap.json" 2>&1) [$(leftovers "$TMP")]" \
	"exit=0 600 snapshot []"
SNAPSIZE=$(stat -c %s "$TMP/snap.json")

# an existing regular file is replaced whole (a new inode renamed over it), 0600 too
printf 'old\n' >"$TMP/old.json"
chmod 0644 "$TMP/old.json"
ino=$(stat -c %i "$TMP/old.json")
run o_old "$CALTRACE" snapshot -o "$TMP/old.json"
is "snapshot -o EXISTING: exit 0, a new file (rename), mode 600, a snapshot" \
	"exit=$RC new=$([ "$(stat -c %i "$TMP/old.json")" != "$ino" ] && echo yes) $(stat -c %a "$TMP/old.json") $(jq -r .command "$TMP/old.json" 2>&1)" \
	"exit=0 new=yes 600 snapshot"

# nobody plants links at FILE and at the old predictable temporary names FILE.tmp.<pid>; in a new
# pid namespace caltrace is pid 1, so today's FILE.tmp.1 would be followed
mkdir "$TMP/nb2"
chown nobody "$TMP/nb2"
for p in 1 2 3; do as_nobody ln -s "$CANARY" "$TMP/nb2/link.tmp.$p"; done
as_nobody ln -s "$CANARY" "$TMP/nb2/link"
run o_link unshare --pid --fork "$CALTRACE" snapshot -o "$TMP/nb2/link"
is "snapshot -o LINK (nobody's links at LINK and LINK.tmp.1-3): the root file is untouched" \
	"$(fstate "$CANARY")" "$CANARY_STATE"
is "snapshot -o LINK: exit 0, the link itself replaced by a root 0600 snapshot, planted links kept" \
	"exit=$RC $(stat -c '%F %U %a' "$TMP/nb2/link") $(jq -r .command "$TMP/nb2/link" 2>&1) $(find "$TMP/nb2" -name 'link.tmp.*' -type l | wc -l)" \
	"exit=0 regular file root 600 snapshot 3"

# a FIFO: written in place, the reader gets the whole snapshot, the FIFO stays
mkfifo "$TMP/sfifo"
timeout 30 cat "$TMP/sfifo" >"$TMP/sfifo.json" &
reader=$!
PIDS+=" $reader"
run o_fifo "$CALTRACE" snapshot -o "$TMP/sfifo"
wait "$reader" 2>/dev/null
is "snapshot -o FIFO: exit 0, the reader gets a snapshot jq reads, still a FIFO" \
	"exit=$RC $(jq -r .command "$TMP/sfifo.json" 2>&1) $(stat -c %F "$TMP/sfifo")" \
	"exit=0 snapshot fifo"

# a character device: /dev/null's numbers, made in the folder (stays a device)
run o_null "$CALTRACE" snapshot -o "$TMP/null"
is "snapshot -o NULL (mknod c 1 3): exit 0, still the character device 1,3" \
	"exit=$RC $(stat -c '%F %t,%T' "$TMP/null")" "exit=0 character special file 1,3"

# a full device (mknod c 1 7, /dev/full's numbers): the reason, exit 3, still a device
mknod "$TMP/full" c 1 7
run o_full "$CALTRACE" snapshot -o "$TMP/full"
is "snapshot -o FULL (mknod c 1 7): exit 3, 'writing 'FULL': No space left on device', still 1,7" \
	"exit=$RC lines=$LINES $ERR | $(stat -c '%F %t,%T' "$TMP/full")" \
	"exit=3 lines=1 caltrace: writing '$TMP/full': No space left on device | character special file 1,7"

# a folder that cannot be written (nobody's, 0555; caltrace runs as nobody since root ignores
# the mode): the message names the folder
mkdir "$TMP/ro"
chown nobody "$TMP/ro"
chmod 0555 "$TMP/ro"
run o_ro setpriv --reuid nobody --regid "$NOBODY_GROUP" --clear-groups "$CALTRACE" snapshot -o "$TMP/ro/s.json"
is "snapshot -o RO/s.json as nobody (RO 0555): exit 3, one line naming the folder, not the file" \
	"exit=$RC lines=$LINES folder=$(grep -c "cannot create a file in '$TMP/ro': Permission denied" "$TMP/o_ro.err") file=$(grep -c 's\.json' "$TMP/o_ro.err")" \
	"exit=3 lines=1 folder=1 file=0"

# a file system that fills up while the temporary file is written: the reason, nothing left
mkdir "$TMP/small"
if [ "$SNAPSIZE" -gt 4096 ]; then
	# the tmpfs lives as long as its mount namespace: caltrace and the look at the folder
	# after it run inside the same one
	got=$(unshare --mount sh -c 'mount -t tmpfs -o size=4k ct-files "$1" || exit 99
		"$2" snapshot -o "$1/s.json" 2>"$3"; echo "exit=$?"; ls -A "$1"' \
		sh "$TMP/small" "$CALTRACE" "$TMP/o_small.err")
	is "snapshot -o on a full tmpfs: exit 3, 'writing 'FILE': No space left on device'" \
		"$(head -n 1 <<<"$got") lines=$(grep -c '' "$TMP/o_small.err") $(cat "$TMP/o_small.err")" \
		"exit=3 lines=1 caltrace: writing '$TMP/small/s.json': No space left on device"
	is "snapshot -o on a full tmpfs: nothing left in the folder (no temporary file, no s.json)" \
		"$(tail -n +2 <<<"$got")" ""
else
	skip "snapshot -o on a full tmpfs" "this host's snapshot is only $SNAPSIZE bytes"
	skip "snapshot -o on a full tmpfs: nothing left" "this host's snapshot is only $SNAPSIZE bytes"
fi

is "no temporary file left anywhere under the test folder" \
	"$(find "$TMP" \( -name '.*.??????' -o -name '*.tmp.*' \) -type f | sort)" ""

done_testing
