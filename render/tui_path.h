/* SPDX-License-Identifier: MIT */
/*
 * `caltrace path SRC DST --tui`: the hop list (analysis/path.h) drawn on the
 * shared curses layer (render/tui.h). One hop a row (index, verdict as a word
 * with a glyph, what a probe saw there, kind, where, key evidence), the
 * forward path, the reverse path or both (`r`), a detail pane for the selected
 * hop (all its evidence, its findings with their fix and run lines), a status
 * line, and a help overlay. Reads the path and the view's state, never the
 * probes: the caller (cmd/path_tui.c) runs the probe and hands over what each
 * capture saw so far (struct ct_tuip_live) while it is in flight.
 *
 * The layout and the key handling are pure (ct_tuip_rows, ct_tuip_probe_cell,
 * ct_tuip_where, ct_tuip_detail, ct_tuip_key, ct_tuip_layout): tested without a
 * terminal. Every string from outside is drawn through ct_tui_put (escaped).
 */
#ifndef CT_RENDER_TUI_PATH_H
#define CT_RENDER_TUI_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/path.h"
#include "render/tui.h"

enum ct_tuip_dir { CT_TUIP_FORWARD = 0, CT_TUIP_REVERSE, CT_TUIP_BOTH, CT_TUIP_DIR__COUNT };
/* "forward", "reverse", "both" */
extern const char *const ct_tuip_dir_names[CT_TUIP_DIR__COUNT];

/* What the captures on a hop's interfaces saw while a probe is in flight. */
struct ct_tuip_live {
	bool watched; /* an interface of the hop is captured */
	bool req, rep;
	bool wire;    /* a tunnel's underlay device is captured too */
	bool wire_req, wire_rep;
};

enum ct_tuip_probe_state { CT_TUIP_IDLE = 0, CT_TUIP_PROBING, CT_TUIP_DONE };

struct ct_tuip_view {
	const struct ct_path *path;
	const char *src_label, *dst_label; /* SRC and DST as the user named them (untrusted) */
	const char *proto;                 /* "icmp", "tcp port 80" */
	/* per hop (path index): the name of the host namespace of its node (a hop in it is
	 * shown without its namespace), NULL when not known */
	const char *const *host_netns;
	enum ct_tuip_dir dir;
	size_t sel;         /* the selected row among the shown ones */
	size_t top;         /* the first row shown */
	int detail_top;     /* the first line of the detail pane shown */
	bool detail_focus;  /* the arrows scroll the detail pane */
	bool help;
	enum ct_tuip_probe_state probe;
	const struct ct_tuip_live *live; /* per hop while probing, NULL */
	unsigned sent, received;         /* while probing */
	char status[320];                /* a message for the status line (untrusted), "" */
};

/* What a key asks for next. */
enum ct_tuip_act { CT_TUIP_NONE = 0, CT_TUIP_REDRAW, CT_TUIP_QUIT, CT_TUIP_PROBE };

/* The rows shown in direction d: path indices into idx[0..cap), in path order. Returns
 * how many (all of them even when more than cap). */
size_t ct_tuip_rows(const struct ct_path *p, enum ct_tuip_dir d, size_t *idx, size_t cap);

/* The probe cell of a hop: "-" unwatched; watched: "req ✔ rep ✖" (UTF-8) or
 * "req + rep x" (ASCII), "…"/"." for not seen yet while in flight; "lost here" appended to
 * nothing when the hop is unwatched and the probe was lost there. */
void ct_tuip_probe_cell(bool utf8, bool watched, bool req, bool rep, bool in_flight,
			bool lost_here, char *out, size_t len);

/* Where a hop is: "NODE SUBJECT", with its namespace between them when it is not the
 * node's host namespace (host_netns, NULL unknown): "n1 pod-ns eth0". "?" parts unknown. */
void ct_tuip_where(const struct ct_hop *h, const char *host_netns, char *out, size_t len);

/* One line of the detail pane: a label of caltrace's own and text (untrusted). */
struct ct_tuip_line {
	enum ct_tui_role role;
	char label[24];
	char text[400];
};
/* The detail pane of hop i: its place, verdict and summary, every evidence line, what the
 * probe saw there (live while in flight), and each finding with its fix and run lines.
 * Fills out[0..cap); returns how many lines there are (all of them even beyond cap). */
size_t ct_tuip_detail(const struct ct_path *p, size_t i, const struct ct_tuip_live *live,
		      bool utf8, struct ct_tuip_line *out, size_t cap);

/* The screen's parts for rows x cols: the hop list from row list_y, list_h rows; the
 * detail pane from detail_y, detail_h rows (its title row included). */
struct ct_tuip_layout {
	int list_y, list_h, detail_y, detail_h, status_y;
};
void ct_tuip_layout(int rows, int cols, size_t nrows, struct ct_tuip_layout *l);
#define CT_TUIP_MIN_ROWS 12
#define CT_TUIP_MIN_COLS 60

/* Handles a key (ct_tui_key's value) on the view: moves the selection, scrolls, switches
 * the direction, toggles the help and the detail pane's focus. page: the rows a page
 * holds. Returns what must happen next. */
enum ct_tuip_act ct_tuip_key(struct ct_tuip_view *v, int key, int page);

/* Draws the whole screen (or "terminal too small"). */
void ct_tuip_draw(struct ct_tui *t, struct ct_tuip_view *v);

/* The verdict's role (ok, warn, fail, unknown). */
enum ct_tui_role ct_tuip_verdict_role(enum ct_hop_verdict v);

#endif
