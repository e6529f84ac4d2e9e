# shellcheck shell=bash
# Drives the real caltrace in a terminal for the curses tests (top, path --tui, shell): a private
# tmux server per script (tmux -L ct<pid>), a fixed size and TERM, and only that server is ever
# killed. Source it after tests/lib.sh:
#
#   . "$(dirname "$0")/../tmux.sh"
#   tmux_start "env TERM=xterm-256color $CALTRACE -n $LAB_N1 top" || bail "no tmux"
#   tmux_wait 20 "web-1" || not_ok "top lists web-1" "$(tmux_screen)"
#   tmux_keys q
#   tmux_wait_exit 10 || not_ok "top quits on q"
#
# Polling only, with generous deadlines (no timing thresholds): tmux_wait returns as soon as the
# screen matches. The server goes away at exit (at_exit), whatever happens.

TMUX_SOCK="ct$$tm"
TMUX_COLS=${TMUX_COLS:-120}
TMUX_ROWS=${TMUX_ROWS:-40}
TMUX_PANE="ct:0.0"
TMUX_STARTED=""

tmux_cmd() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# tmux_start COMMAND [COLS ROWS]: a new private server running COMMAND (a shell string) in a
# COLSxROWS window with TERM=xterm-256color and LANG=$TMUX_LANG (default C.UTF-8). When COMMAND
# ends, the pane prints "[exited N]" (N = 128+SIGNAL for a signal) and the terminal's modes as
# `stty -a` reads them (one line, "[stty ...]"), then waits: the exit status and whether the
# terminal was restored can be read from the screen. Returns non-zero without tmux.
tmux_start() {
	local cmd=$1 cols=${2:-$TMUX_COLS} rows=${3:-$TMUX_ROWS}
	command -v tmux >/dev/null 2>&1 || return 1
	tmux_stop
	if [ -z "$TMUX_STARTED" ]; then
		at_exit 'tmux_stop'
		TMUX_STARTED=1
	fi
	local try
	for try in 1 2 3 4 5 6 7 8 9 10; do # an old server may still be going away
		tmux_cmd new-session -d -s ct -x "$cols" -y "$rows" \
		"export TERM=xterm-256color LANG=${TMUX_LANG:-C.UTF-8}; $cmd; st=\$?; printf '\\n[exited %d]\\n[stty %s]\\n' \$st \"\$(stty -a | tr '\\n' ' ')\"; exec sleep 100000" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# tmux_stop: kills this script's server only
tmux_stop() { tmux_cmd kill-server >/dev/null 2>&1 || true; }

# tmux_screen: the visible screen as plain text (no escapes)
tmux_screen() { tmux_cmd capture-pane -p -t "$TMUX_PANE" 2>/dev/null; }

# tmux_screen_escapes: the visible screen with its colour escapes (-e)
tmux_screen_escapes() { tmux_cmd capture-pane -p -e -t "$TMUX_PANE" 2>/dev/null; }

# tmux_keys KEY...: tmux key names (Enter, Tab, Escape, Up, C-c) or literal strings
tmux_keys() { tmux_cmd send-keys -t "$TMUX_PANE" "$@"; }

# tmux_type STRING: sends STRING literally (no key-name lookup)
tmux_type() { tmux_cmd send-keys -t "$TMUX_PANE" -l -- "$1"; }

# tmux_has REGEX: the screen matches (grep -E)
tmux_has() { tmux_screen | grep -Eq -- "$1"; }

# tmux_wait SECONDS REGEX: polls until the screen matches; 1 at the deadline
tmux_wait() { wait_until "$1" tmux_has "$2"; }

# tmux_wait_gone SECONDS REGEX: polls until the screen no longer matches
tmux_wait_gone() {
	local limit=$1 re=$2
	wait_until "$limit" eval '! tmux_has "$re"'
}

# tmux_wait_exit SECONDS: polls until COMMAND has ended; its status is then in TMUX_STATUS
tmux_wait_exit() {
	TMUX_STATUS=""
	tmux_wait "$1" '\[exited [0-9]+\]' || return 1
	TMUX_STATUS=$(tmux_screen | sed -n 's/.*\[exited \([0-9]*\)\].*/\1/p' | tail -n 1)
}

# tmux_stty: the terminal's modes after COMMAND ended (tmux_wait_exit first), one line
tmux_stty() { tmux_cmd capture-pane -p -J -t "$TMUX_PANE" 2>/dev/null | sed -n 's/.*\[stty \(.*\)/\1/p' | tr -d '\n'; }

# tmux_pid: the pid of the pane's shell (COMMAND is its child: pgrep -P)
tmux_pid() { tmux_cmd display-message -p -t "$TMUX_PANE" '#{pane_pid}' 2>/dev/null; }

# tmux_tty: the pane's terminal device (stty -F reads its modes)
tmux_tty() { tmux_cmd display-message -p -t "$TMUX_PANE" '#{pane_tty}' 2>/dev/null; }
