#!/bin/bash
# Bench: `caltrace path SRC DST --tui` on the 3-node lab (pod 1 on n1 to pod 3 on n2), driven in
# a private tmux server (tmux -L ctbt<pid>), against the reference measured in the same run:
# the same caltrace without --tui (the text it prints, and `path --probe`). Per run: from the
# start to the hop list on the screen, and from the `p` key to the probe's result on the screen
# (the screen polled every 10 ms, so each figure carries up to 10 ms of polling). BENCH_RUNS
# runs (default 5), the median printed. Its own lab, prefix ctbt<pid>- (BENCH_PATHTUI_MODE,
# default vxlan). Exits 0, or 3 when setup fails.
set -u -o pipefail
. "$(dirname "$0")/lib.sh"
bench_init pathtui
bench_need_root
bench_need_cmd tmux
MODE=${BENCH_PATHTUI_MODE:-vxlan}
P=ctbt$$-
SOCK=ctbt$$
LAB=$PWD/tests/lab/lab.sh
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
bench_at_exit 'tm kill-server >/dev/null 2>&1; LAB_QUIET=1 "$LAB" down "$P" >/dev/null 2>&1'
LAB_QUIET=1 "$LAB" up "$MODE" "$P" >/dev/null 2>&1 || bench_die "lab up failed"
eval "$("$LAB" env "$P")"
A=$LAB_POD_1_IP B=$LAB_POD_3_IP

now_us() { echo "${EPOCHREALTIME/./}"; }
# wait_screen REGEX: polls every 10 ms for at most 30 s; 1 at the deadline
wait_screen() {
	local end=$(($(now_us) + 30000000))
	while ! tm capture-pane -p -t ct 2>/dev/null | grep -Eq -- "$1"; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.01
	done
}
# one run: sets SHOW_US (start to hop list) and PROBE_US (p to the result)
tui_run() {
	local t0 t1 t2 t3
	tm kill-server >/dev/null 2>&1
	t0=$(now_us)
	tm new-session -d -s ct -x 160 -y 50 \
		"export TERM=xterm-256color LANG=C.UTF-8; $CALTRACE -n $LAB_N1 --nodes $LAB_NODES_FILE path --tui $A $B; sleep 100000" ||
		bench_die "tmux did not start"
	wait_screen '^>1 ' || bench_die "no hop list on the screen"
	t1=$(now_us)
	tm send-keys -t ct p
	t2=$(now_us)
	wait_screen 'probe: sent 1, received 1' || bench_die "no probe result on the screen"
	t3=$(now_us)
	tm send-keys -t ct q
	SHOW_US=$((10#$t1 - 10#$t0))
	PROBE_US=$((10#$t3 - 10#$t2))
}
text() { "$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path "$A" "$B"; }
probe() { "$CALTRACE" -n "$LAB_N1" --nodes "$LAB_NODES_FILE" path --probe "$A" "$B"; }

tui_run # warm-up
show=() prb=()
for ((k = 0; k < RUNS; k++)); do
	tui_run
	show+=("$SHOW_US")
	prb+=("$PROBE_US")
done
tm kill-server >/dev/null 2>&1
s=$(bench_median "${show[@]}")
p=$(bench_median "${prb[@]}")
rs=$(bench_time_us text)
rp=$(bench_time_us probe)
ms() { awk -v u="$1" 'BEGIN { printf "%10.3f", u / 1000 }'; }
echo "path --tui ($MODE lab, 3 nodes, pod 1 to pod 3, $RUNS runs, median wall, screen polled every 10 ms):"
echo "  start to the hop list on the screen:  $(ms "$s") ms"
echo "  caltrace path (text, the reference):  $(ms "$rs") ms   ratio tui/text: $(bench_ratio "$s" "$rs")"
echo "  p to the probe's result on screen:    $(ms "$p") ms"
echo "  caltrace path --probe (reference):    $(ms "$rp") ms   ratio tui p/--probe: $(bench_ratio "$p" "$rp")"
exit 0
