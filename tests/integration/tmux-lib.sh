#!/bin/bash
# tests/tmux.sh, the curses tests' driver, has its own test: it reads a screen, types, sees a
# program end with its status (also by a signal) and the terminal's modes after it, and a wait
# for something that never appears fails.
. "$(dirname "$0")/../lib.sh"
. "$TESTS_DIR/tmux.sh"
need_cmd tmux

tmux_start "sh -c 'echo hello-there; read x; echo got-\$x; exit 3'" 80 24 || bail "tmux did not start"
tmux_wait 10 hello-there && ok "tmux_wait sees what the program printed" ||
	not_ok "tmux_wait sees what the program printed" "$(tmux_screen)"
tmux_wait 1 never-printed && not_ok "tmux_wait fails for what never appears" ||
	ok "tmux_wait fails for what never appears"
tmux_type "abc"
tmux_keys Enter
tmux_wait 10 got-abc && ok "tmux_type and tmux_keys reach the program" ||
	not_ok "tmux_type and tmux_keys reach the program" "$(tmux_screen)"
if tmux_wait_exit 10; then is "tmux_wait_exit: the exit status" "$TMUX_STATUS" 3; else
	not_ok "tmux_wait_exit: the exit status" "$(tmux_screen)"; fi
case " $(tmux_stty) " in
*" icanon "*" echo "*) ok "tmux_stty: the terminal's modes after the program" ;;
*) not_ok "tmux_stty: the terminal's modes after the program" "$(tmux_stty)" ;;
esac
# a program that leaves the terminal raw is seen as such
tmux_start "sh -c 'stty raw -echo; exit 0'" 80 24 || bail "tmux did not start"
tmux_wait_exit 10 || not_ok "raw program ended" "$(tmux_screen)"
case " $(tmux_stty) " in
*" -icanon "*" -echo "*) ok "tmux_stty sees a terminal left raw" ;;
*) not_ok "tmux_stty sees a terminal left raw" "$(tmux_stty)" ;;
esac
tmux_start "sleep 60" 80 24 || bail "tmux did not start"
p=""
wait_until 10 pgrep -P "$(tmux_pid)" -x sleep && p=$(pgrep -P "$(tmux_pid)" -x sleep)
[ -n "$p" ] && kill -TERM "$p"
if tmux_wait_exit 10; then is "a program ended by SIGTERM: 143" "$TMUX_STATUS" 143; else
	not_ok "a program ended by SIGTERM: 143" "$(tmux_screen)"; fi
tmux_wait_gone 5 hello-there && ok "a new start is a new screen" || not_ok "a new start is a new screen"
sock=$TMUX_SOCK
tmux_stop
tmux -L "$sock" -f /dev/null has-session 2>/dev/null && not_ok "tmux_stop ends the private server" ||
	ok "tmux_stop ends the private server"
done_testing
