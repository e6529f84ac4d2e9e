/* SPDX-License-Identifier: MIT */
/*
 * The curses layer every full-screen view shares (`top`, `path --tui`): the
 * terminal's set-up and its restoration, the one table of colours by meaning,
 * escaped and clipped drawing of untrusted strings, keys, resizes and screens
 * too small to draw on. Views draw with plain ncursesw calls between
 * ct_tui_open() and ct_tui_close(); what comes from outside (interface, pod
 * and peer names, BIRD's text, packet bytes) goes through ct_tui_put().
 *
 * Restoring the terminal:
 * - ct_tui_close() (endwin, the saved termios) on every normal way out;
 * - SIGTERM, SIGINT, SIGHUP and SIGQUIT only set a flag (ct_tui_signal()); poll()
 *   returns EINTR, the loop sees the flag, closes, and ct_tui_reraise() ends the
 *   process by the same signal, so the caller's shell sees 128+N;
 * - a crash signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): the handler writes
 *   reset sequences computed at open time (leave the alternate screen, show the
 *   cursor, reset attributes) with write(2), restores the termios saved at open
 *   with tcsetattr() (both async-signal-safe), then re-raises the signal with its
 *   default action, so a core dump still happens.
 *
 * Colours: CT_TUI_* roles, each with a colour pair and a monochrome attribute;
 * meaning is never colour alone: a severity is also a word or glyph
 * (ct_tui_sev_word). No colour when NO_COLOR is set and not empty, with
 * --color=never, or when the terminal has none. UTF-8 glyphs and names need a
 * UTF-8 locale (ncursesw); under LANG=C every non-ASCII byte is shown as \xNN.
 */
#ifndef CT_TUI_H
#define CT_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "model/err.h"
#include "render/out.h"

enum ct_tui_role {
	CT_TUI_NORMAL = 0,
	CT_TUI_OK,       /* a healthy verdict or state */
	CT_TUI_INFO,     /* informational */
	CT_TUI_WARN,     /* a warning */
	CT_TUI_FAIL,     /* a failure */
	CT_TUI_UNKNOWN,  /* not known (no data, not visible) */
	CT_TUI_DIM,      /* secondary text, "-" cells */
	CT_TUI_TITLE,    /* pane titles and the header */
	CT_TUI_SELECTED, /* the selected row */
	CT_TUI_ACTIVE,   /* a hop or row lit by something live (a probe seen there) */
	CT_TUI_NROLES
};

struct ct_tui {
	bool open;
	bool color; /* colour pairs in use */
	bool utf8;  /* the locale's codeset is UTF-8: glyphs and names as they are */
	int rows, cols;
};

/* Sets the locale, checks that standard input and output are a terminal, saves
 * its termios, installs the signal handlers, starts curses (cbreak, no echo,
 * keypad, no cursor, non-blocking reads: the caller polls ct_tui_fd()). 0, or -1
 * with err set: "not a terminal" names what to use instead (the caller's batch
 * mode) in err->msg's hint; then nothing was changed. */
int ct_tui_open(struct ct_tui *t, enum ct_color_mode mode, const char *batch_hint,
		struct ct_err *err);
/* Ends curses and restores the saved termios and signal handlers; idempotent. */
void ct_tui_close(struct ct_tui *t);

/* The descriptor to poll() for keys (standard input). */
int ct_tui_fd(const struct ct_tui *t);

/* A function key (KEY_UP, KEY_RESIZE...) as ct_tui_key returns it: apart from
 * every character (Unicode ends at 0x10ffff). */
#define CT_TUI_KEY(k) ((k) | 0x40000000)

/* The next key without waiting: a character (Unicode code point), a function
 * key as CT_TUI_KEY(KEY_*), or -1 when there is none. CT_TUI_KEY(KEY_RESIZE)
 * updates t->rows and t->cols first. */
int ct_tui_key(struct ct_tui *t);

/* The signal number (SIGTERM, SIGINT, SIGHUP, SIGQUIT) that asked the program to
 * end, or 0. */
int ct_tui_signal(void);
/* After ct_tui_close(): ends the process by the signal ct_tui_signal() names
 * (default action), so its parent sees it; returns when there was none. */
void ct_tui_reraise(void);

/* The attribute (colour pair, or its monochrome stand-in) of a role. */
attr_t ct_tui_attr(const struct ct_tui *t, enum ct_tui_role r);
/* The role of a severity colour (render/out.h's ct_hl). */
enum ct_tui_role ct_tui_role_hl(enum ct_hl hl);
/* A severity or verdict as a word with a glyph in front on UTF-8 terminals
 * ("✖ fail", "▲ warn", "● info", "✔ ok", "? unknown"); plain words under LANG=C. */
const char *ct_tui_sev_word(const struct ct_tui *t, enum ct_tui_role r);

/* Makes untrusted text displayable: the terminal escape of caltrace(1)'s STRINGS
 * (model/esc.h), and under a non-UTF-8 locale every byte >= 0x80 as \xNN too.
 * NUL-terminated in out[outlen], cut (never mid-escape) when it does not fit.
 * Returns out. */
char *ct_tui_text(const struct ct_tui *t, char *out, size_t outlen, const char *in);

/* Draws untrusted text s at (y, x) of w in role r, escaped (ct_tui_text) and
 * clipped to at most maxw terminal columns (wide characters counted as two; a
 * character that would cross the edge is left out). Returns the columns used. */
int ct_tui_put(const struct ct_tui *t, WINDOW *w, int y, int x, int maxw, enum ct_tui_role r,
	       const char *s);
/* The same for text caltrace wrote itself (labels, numbers): no escaping. */
int ct_tui_putl(const struct ct_tui *t, WINDOW *w, int y, int x, int maxw, enum ct_tui_role r,
		const char *s);

/* When the screen is smaller than min_rows x min_cols: clears it, says so
 * ("terminal too small: 80x24 needed, 60x20 here") and returns false; true when
 * it fits. */
bool ct_tui_fits(struct ct_tui *t, int min_rows, int min_cols);

#endif
