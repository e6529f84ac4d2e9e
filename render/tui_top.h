/* SPDX-License-Identifier: MIT */
/*
 * The curses dashboard of `caltrace top`: draws a struct ct_top_frame
 * (analysis/top.h) with the pane views of render/views_top.h, and turns keys
 * into what must happen next (htop's idea: a key handler returns an action;
 * the caller's loop does the I/O). It never reads the probes.
 *
 * Drawing touches only the screen rows whose content changed since the last
 * draw (a line cache: ncurses then sends only those), never erase() on a tick;
 * a resize or a closed overlay redraws everything once.
 *
 * Keys (htop and k9s habits): ? help, q quit, Esc back (closes the overlay,
 * the input line or the filter), Tab / Shift-Tab the next / previous pane,
 * arrows and j/k move, PgUp/PgDn, g/G first/last, Enter a detail card of the
 * selected row (a workload: its whole health card, as `links IFACE`), / a
 * filter on names, s the next sort order (workloads: name, from-pod rate,
 * to-pod rate, drops), space pause, : a command (use NS, path SRC DST, q),
 * p on a workload: ":path <its pod> ".
 */
#ifndef CT_TUI_TOP_H
#define CT_TUI_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/top.h"
#include "model/err.h"
#include "render/tui.h"

enum ct_top_pane {
	CT_TP_WORKLOADS,
	CT_TP_TUNNELS,
	CT_TP_PEERS,
	CT_TP_NEIGH,
	CT_TP_DROPS,
	CT_TP_FLOWS,
	CT_TP_FINDINGS,
	CT_TP_EVENTS,
	CT_TP_COUNT
};

enum ct_top_act {
	CT_TOP_ACT_NONE, /* nothing new to show */
	CT_TOP_ACT_DRAW, /* the screen must be drawn again */
	CT_TOP_ACT_QUIT,
	CT_TOP_ACT_PAUSE, /* pause toggled: u->paused says which */
	CT_TOP_ACT_USE,	  /* :use NS: arg holds NS */
	CT_TOP_ACT_PATH,  /* :path SRC DST: arg holds "SRC DST" */
};

#define CT_TOP_UI_MIN_ROWS 24
#define CT_TOP_UI_MIN_COLS 80
#define CT_TOP_UI_MAXROWS  512

struct ct_top_ui {
	struct ct_tui t;
	int pane;		 /* the focused pane */
	size_t sel[CT_TP_COUNT]; /* selected row among those shown */
	size_t off[CT_TP_COUNT]; /* first row shown */
	bool picked; /* the user moved in the workloads pane or opened a card there */
	bool paused;
	bool help;	/* the help overlay */
	bool detail;	/* the detail card of the selected row */
	int input;	/* 0 none, '/' filter, ':' command */
	char line[256]; /* what is being typed */
	size_t linelen;
	char filter[64]; /* applied to every pane */
	int sort;	 /* workloads: 0 name, 1 from pod, 2 to pod, 3 drops */
	char msg[256];	 /* a one-line message (errors of commands) */
	/* the line cache: a hash of what each row shows */
	uint64_t drawn[CT_TOP_UI_MAXROWS];
	bool valid; /* the cache matches the screen */
	int rows_seen, cols_seen;
	bool too_small;
};

/* Opens the terminal (render/tui.h). 0 or -1 with err ("use caltrace top -b"). */
int ct_top_ui_open(struct ct_top_ui *u, enum ct_color_mode mode, struct ct_err *err);
void ct_top_ui_close(struct ct_top_ui *u);
/* Sorts and filters fr as the user asked (fr is the caller's, rebuilt every tick), then
 * draws what changed. */
void ct_top_ui_draw(struct ct_top_ui *u, struct ct_top_frame *fr);
/* One key (ct_tui_key's value). arg gets the argument of USE and PATH. */
enum ct_top_act ct_top_ui_key(struct ct_top_ui *u, int key, const struct ct_top_frame *fr,
			      char *arg, size_t arglen);
/* The interface of the workload the user selected (the workloads pane focused, a row picked
 * with a move or Enter, its card open or not), as the frame last drawn orders the rows: true
 * and iface filled, or false (none). */
bool ct_top_ui_selected_wl(const struct ct_top_ui *u, const struct ct_top_frame *fr, char *iface,
			   size_t len);
/* Forgets the line cache: the next draw redraws every row (after the terminal was handed to
 * another program). */
void ct_top_ui_invalidate(struct ct_top_ui *u);

#endif
