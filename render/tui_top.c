/* SPDX-License-Identifier: MIT */
/* The curses dashboard of `caltrace top` (render/tui_top.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results.h"
#include "render/tui_top.h"
#include "render/views.h"
#include "render/views_top.h"

static const char *const pane_names[CT_TP_COUNT] = {
    "workloads",       "tunnels", "BGP peers", "neighbour tables",
    "drops by reason", "flows",	  "findings",  "events",
};
static const char *const sort_names[] = {"name", "from pod", "to pod", "drops"};

static const struct ct_view *pane_view(int p)
{
	switch (p) {
	case CT_TP_WORKLOADS:
		return &ct_view_top_workloads;
	case CT_TP_TUNNELS:
		return &ct_view_top_tunnels;
	case CT_TP_PEERS:
		return &ct_view_top_peers;
	case CT_TP_NEIGH:
		return &ct_view_top_neigh;
	case CT_TP_DROPS:
		return &ct_view_top_drops;
	case CT_TP_FLOWS:
		return &ct_view_top_flows;
	case CT_TP_EVENTS:
		return &ct_view_top_events;
	default:
		return NULL; /* findings: drawn from the findings themselves */
	}
}

/* ---------------------------------------------------------------- the line cache */

struct seg {
	int x, maxw;
	enum ct_tui_role r;
	bool untrusted;
	size_t off; /* into text */
};

struct line {
	struct seg seg[48];
	int n;
	char text[4096];
	size_t used;
	uint64_t h;
};

static void ln_init(struct line *l)
{
	l->n = 0;
	l->used = 0;
	l->h = 1469598103934665603ull;
}

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 1099511628211ull;
	}
}

static void ln_add(struct line *l, int x, int maxw, enum ct_tui_role r, bool untrusted,
		   const char *s)
{
	size_t len = strlen(s);
	if (l->n == (int)(sizeof(l->seg) / sizeof(l->seg[0])) ||
	    l->used + len + 1 > sizeof(l->text) || maxw <= 0)
		return;
	struct seg *g = &l->seg[l->n++];
	*g = (struct seg){x, maxw, r, untrusted, l->used};
	memcpy(l->text + l->used, s, len + 1);
	l->used += len + 1;
	hash_bytes(&l->h, g, sizeof(int) * 2);
	hash_bytes(&l->h, &r, sizeof(r));
	hash_bytes(&l->h, s, len + 1);
}

/* draws row y when it differs from what the cache says is there */
static void ln_put(struct ct_top_ui *u, int y, const struct line *l)
{
	if (y < 0 || y >= u->t.rows || y >= CT_TOP_UI_MAXROWS)
		return;
	if (u->valid && u->drawn[y] == l->h)
		return;
	move(y, 0);
	clrtoeol();
	for (int i = 0; i < l->n; i++) {
		const struct seg *g = &l->seg[i];
		if (g->untrusted)
			ct_tui_put(&u->t, stdscr, y, g->x, g->maxw, g->r, l->text + g->off);
		else
			ct_tui_putl(&u->t, stdscr, y, g->x, g->maxw, g->r, l->text + g->off);
	}
	u->drawn[y] = l->h;
}

static void put_text(struct ct_top_ui *u, int y, enum ct_tui_role r, const char *s, bool untrusted)
{
	struct line l;
	ln_init(&l);
	ln_add(&l, 0, u->t.cols, r, untrusted, s);
	ln_put(u, y, &l);
}

/* ---------------------------------------------------------------- rows of a pane */

static size_t pane_count(const struct ct_top_frame *fr, int p)
{
	if (p == CT_TP_FINDINGS)
		return fr->findings ? fr->findings->n : 0;
	const struct ct_view *v = pane_view(p);
	return v->count(fr);
}

/* the shown rows of pane p: their indices into the view (or findings) */
static size_t pane_rows(const struct ct_top_frame *fr, int p, size_t *idx, size_t max)
{
	size_t n = pane_count(fr, p), k = 0;
	const struct ct_view *v = pane_view(p);
	for (size_t i = 0; i < n && k < max; i++) {
		if (v && !ct_view_row(v, fr, i))
			continue;
		if (!v && fr->filter[0]) {
			const struct ct_finding *f = &fr->findings->v[i];
			if (!strstr(f->subject, fr->filter) && !strstr(f->def->code, fr->filter))
				continue;
		}
		idx[k++] = i;
	}
	return k;
}

static int col_width(const struct ct_view_col *c)
{
	int w = c->width > 0 ? c->width : 8;
	int hl = (int)strlen(c->hdr);
	return w > hl ? w : hl;
}

static enum ct_tui_role sev_role(enum ct_sev s)
{
	return s == CT_SEV_FAIL ? CT_TUI_FAIL : s == CT_SEV_WARN ? CT_TUI_WARN : CT_TUI_INFO;
}

/* one data row of pane p */
static void row_line(struct ct_top_ui *u, const struct ct_top_frame *fr, int p, size_t i,
		     bool selected, struct line *l)
{
	ln_init(l);
	int cols = u->t.cols;
	if (selected) {
		char sp[513];
		int w = cols < 512 ? cols : 512;
		memset(sp, ' ', (size_t)w);
		sp[w] = 0;
		ln_add(l, 0, cols, CT_TUI_SELECTED, false, sp);
	}
	if (p == CT_TP_FINDINGS) {
		const struct ct_finding *f = &fr->findings->v[i];
		enum ct_tui_role r = selected ? CT_TUI_SELECTED : sev_role(f->sev);
		char b[64];
		snprintf(b, sizeof(b), "%-8s", ct_tui_sev_word(&u->t, sev_role(f->sev)));
		ln_add(l, 1, 10, r, false, b);
		ln_add(l, 11, 28, selected ? CT_TUI_SELECTED : CT_TUI_NORMAL, false, f->def->code);
		ln_add(l, 40, 30, selected ? CT_TUI_SELECTED : CT_TUI_NORMAL, true, f->subject);
		ln_add(l, 71, cols - 71, selected ? CT_TUI_SELECTED : CT_TUI_DIM, true, f->message);
		return;
	}
	const struct ct_view *v = pane_view(p);
	const void *row = ct_view_row(v, fr, i);
	if (!row)
		return;
	struct ct_cell c;
	char buf[512];
	int x = 1;
	for (size_t k = 0; k < v->ncols && x < cols; k++) {
		const struct ct_view_col *col = &v->cols[k];
		if (!col->hdr || col->nested)
			continue;
		int w = col_width(col);
		bool last = k + 1 == v->ncols;
		int maxw = last || x + w >= cols ? cols - x : w;
		ct_view_cell(col, row, fr, &c);
		const char *s = ct_cell_text(&c, buf, sizeof(buf));
		/* not read for want of a privilege or a source: "?" rather than "-" */
		if (c.null && p == CT_TP_WORKLOADS && col->key &&
		    !strcmp(col->key, "policy_dropped") && fr->pol_note[0])
			s = "?";
		/* rates read better with a unit */
		char rb[32];
		if (!c.null && c.type == CT_CELL_INT && col->key && strstr(col->key, "_bps")) {
			ct_top_rate_text((double)c.i, rb, sizeof(rb));
			s = rb;
		}
		enum ct_tui_role r = selected ? CT_TUI_SELECTED
				     : c.null ? CT_TUI_DIM
					      : ct_tui_role_hl(ct_view_color(col, row, fr));
		int cw = (int)strlen(s);
		int cx = ct_view_align(col, &c) == CT_ALIGN_RIGHT && cw < w ? x + w - cw : x;
		ln_add(l, cx, maxw - (cx - x), r, c.type == CT_CELL_STR || c.type == CT_CELL_STRV,
		       s);
		x += w + 1;
	}
}

static void header_line(struct ct_top_ui *u, int p, struct line *l)
{
	ln_init(l);
	if (p == CT_TP_FINDINGS) {
		ln_add(l, 1, 10, CT_TUI_DIM, false, "SEVERITY");
		ln_add(l, 11, 28, CT_TUI_DIM, false, "CODE");
		ln_add(l, 40, 30, CT_TUI_DIM, false, "SUBJECT");
		ln_add(l, 71, u->t.cols - 71, CT_TUI_DIM, false, "MESSAGE");
		return;
	}
	const struct ct_view *v = pane_view(p);
	int x = 1;
	for (size_t k = 0; k < v->ncols && x < u->t.cols; k++) {
		const struct ct_view_col *col = &v->cols[k];
		if (!col->hdr || col->nested)
			continue;
		int w = col_width(col);
		ln_add(l, x, u->t.cols - x, CT_TUI_DIM, false, col->hdr);
		x += w + 1;
	}
}

/* draws pane p in rows [y, y + h): a title, the column headers, rows */
static void draw_pane(struct ct_top_ui *u, const struct ct_top_frame *fr, int p, int y, int h)
{
	static size_t idx[1 << 16];
	size_t n = pane_rows(fr, p, idx, sizeof(idx) / sizeof(idx[0]));
	size_t total = pane_count(fr, p);
	int body = h - 2;
	if (body < 1)
		return;
	size_t *sel = &u->sel[p], *off = &u->off[p];
	if (n && *sel >= n)
		*sel = n - 1;
	if (*sel < *off)
		*off = *sel;
	if (*sel >= *off + (size_t)body)
		*off = *sel - (size_t)body + 1;
	if (*off + (size_t)body > n)
		*off = n > (size_t)body ? n - (size_t)body : 0;

	char t[256];
	bool focus = u->pane == p;
	int tl = snprintf(t, sizeof(t), "%s %s (%zu", focus ? ">" : " ", pane_names[p], n);
	if (n != total)
		tl += snprintf(t + tl, sizeof(t) - (size_t)tl, " of %zu", total);
	tl += snprintf(t + tl, sizeof(t) - (size_t)tl, ")");
	if (p == CT_TP_WORKLOADS)
		tl += snprintf(t + tl, sizeof(t) - (size_t)tl, "  sort: %s", sort_names[u->sort]);
	if (p == CT_TP_WORKLOADS && fr->pol_note[0])
		snprintf(t + tl, sizeof(t) - (size_t)tl, "  ? %s", fr->pol_note);
	else if (p == CT_TP_DROPS && fr->nstat_note[0])
		snprintf(t + tl, sizeof(t) - (size_t)tl, "  ? %s", fr->nstat_note);
	else if (p == CT_TP_FLOWS && fr->flows_note[0])
		snprintf(t + tl, sizeof(t) - (size_t)tl, "  ? %s", fr->flows_note);
	else if (p == CT_TP_FLOWS)
		snprintf(t + tl, sizeof(t) - (size_t)tl, "  of %zu, one-way marked",
			 fr->flows_total);
	else if (p == CT_TP_PEERS && !strcmp(fr->h.bird, "down"))
		snprintf(t + tl, sizeof(t) - (size_t)tl, "  BIRD down: %s", fr->h.bird_note);
	else if (p == CT_TP_PEERS && !strcmp(fr->h.bird, "?"))
		snprintf(t + tl, sizeof(t) - (size_t)tl, "  ? %s",
			 fr->h.bird_note[0] ? fr->h.bird_note : "BIRD not asked yet");
	put_text(u, y, focus ? CT_TUI_TITLE : CT_TUI_NORMAL, t, true);
	struct line l;
	header_line(u, p, &l);
	ln_put(u, y + 1, &l);
	for (int r = 0; r < body; r++) {
		size_t k = *off + (size_t)r;
		if (k < n)
			row_line(u, fr, p, idx[k], focus && k == *sel, &l);
		else
			ln_init(&l);
		ln_put(u, y + 2 + r, &l);
	}
}

/* ---------------------------------------------------------------- overlays */

static const char *const help_lines[] = {
    "caltrace top: keys",
    "",
    "  ?            this help (Esc or ? closes it)",
    "  q            quit",
    "  Esc          back: close a card, the help, the input line, the filter",
    "  Tab S-Tab    next / previous pane",
    "  Up Down j k  move in the pane      PgUp PgDn g G: page, first, last",
    "  Enter        detail card of the selected row (a workload: its health card)",
    "  /            filter rows by name (Enter applies, Esc clears)",
    "  s            sort the workloads: name, from pod, to pod, drops",
    "  space        pause / resume (events queue meanwhile)",
    "  :            command: use NS | path SRC DST | q",
    "  p            on a workload: :path <its pod> ",
    "",
    "Colours are by meaning and always come with a word: fail, warn, info, ok.",
    NULL,
};

static void draw_lines(struct ct_top_ui *u, int y0, int y1, const char *const *v, size_t n,
		       enum ct_tui_role first)
{
	for (int y = y0; y < y1; y++) {
		size_t k = (size_t)(y - y0);
		put_text(u, y, k == 0 ? first : CT_TUI_NORMAL, k < n ? v[k] : "", true);
	}
}

/* the detail card of the selected row: every column of its pane's view as KEY: value, and
 * for a workload the links health card (render/views.h's links view) and its findings */
static void draw_detail(struct ct_top_ui *u, const struct ct_top_frame *fr, int y0, int y1)
{
	static char store[128][300];
	const char *v[128];
	size_t n = 0;
	static size_t idx[1 << 16];
	int p = u->pane;
	size_t rows = pane_rows(fr, p, idx, sizeof(idx) / sizeof(idx[0]));
	if (!rows) {
		const char *none[] = {"nothing selected (Esc: back)"};
		draw_lines(u, y0, y1, none, 1, CT_TUI_TITLE);
		return;
	}
	size_t i = idx[u->sel[p] < rows ? u->sel[p] : 0];
	struct ct_cell c;
	char buf[256];
#define ADD(...)                                                                                   \
	do {                                                                                       \
		if (n < 128) {                                                                     \
			snprintf(store[n], sizeof(store[n]), __VA_ARGS__);                         \
			v[n] = store[n];                                                           \
			n++;                                                                       \
		}                                                                                  \
	} while (0)
	if (p == CT_TP_FINDINGS) {
		const struct ct_finding *f = &fr->findings->v[i];
		ADD("%s %s  %s (Esc: back)", ct_tui_sev_word(&u->t, sev_role(f->sev)), f->def->code,
		    f->subject);
		ADD("%s", f->message);
		ADD("evidence: %s", f->evidence);
		ADD("fix: %s", f->fix);
		for (unsigned k = 0; k < f->n_run; k++)
			ADD("run: %s", f->run[k]);
		draw_lines(u, y0, y1, v, n, CT_TUI_TITLE);
		return;
	}
	const struct ct_view *vw = pane_view(p);
	const void *row = ct_view_row(vw, fr, i);
	ADD("%s: detail (Esc: back)", pane_names[p]);
	if (p == CT_TP_WORKLOADS) {
		/* the whole health card: what `caltrace links IFACE` shows */
		const struct ct_top_wl *x = row;
		struct ct_links_result lr = {fr->n, fr->ns, (struct ct_workload *)x->w, 1, NULL};
		for (size_t k = 0; k < ct_view_links.ncols; k++) {
			const struct ct_view_col *col = &ct_view_links.cols[k];
			if (!col->key || col->nested)
				continue;
			ct_view_cell(col, x->w, &lr, &c);
			ADD("%-18s %s", col->key, ct_cell_text(&c, buf, sizeof(buf)));
		}
		ADD("%-18s %s", "pod", x->pod[0] ? x->pod : "-");
		/* Felix's policy drops as the engine read them last (on every tick while this
		 * workload is selected) */
		if (x->pol_known)
			ADD("%-18s %llu", "policy_dropped", (unsigned long long)x->pol_dropped);
		else
			ADD("%-18s ? %s", "policy_dropped", fr->pol_note[0] ? fr->pol_note : "");
		ADD("%-18s rx %llu pkts %llu bytes, tx %llu pkts %llu bytes", "counters",
		    (unsigned long long)x->total.rx_packets, (unsigned long long)x->total.rx_bytes,
		    (unsigned long long)x->total.tx_packets, (unsigned long long)x->total.tx_bytes);
		for (size_t k = 0; fr->findings && k < fr->findings->n; k++) {
			const struct ct_finding *f = &fr->findings->v[k];
			if (strstr(f->subject, x->w->link->name))
				ADD("%s %s: %s", ct_tui_sev_word(&u->t, sev_role(f->sev)),
				    f->def->code, f->message);
		}
	} else {
		for (size_t k = 0; k < vw->ncols; k++) {
			const struct ct_view_col *col = &vw->cols[k];
			if (!col->key || col->nested)
				continue;
			ct_view_cell(col, row, fr, &c);
			ADD("%-18s %s", col->key, ct_cell_text(&c, buf, sizeof(buf)));
		}
		if (p == CT_TP_PEERS) {
			const struct ct_bgp_peer *pe = ((const struct ct_top_peer *)row)->p;
			ADD("%-18s %s", "info", pe->info[0] ? pe->info : "-");
			ADD("%-18s %s", "last_error", pe->last_error[0] ? pe->last_error : "-");
			ADD("%-18s %d/%d s", "hold", pe->hold_now, pe->hold_max);
			ADD("%-18s %d/%d s", "keepalive", pe->keepalive_now, pe->keepalive_max);
		}
	}
#undef ADD
	draw_lines(u, y0, y1, v, n, CT_TUI_TITLE);
}

/* ---------------------------------------------------------------- layout */

static int wl_cmp_mode;
static int wl_cmp(const void *a, const void *b)
{
	const struct ct_top_wl *x = a, *y = b;
	double dx = 0, dy = 0;
	switch (wl_cmp_mode) {
	case 1:
		dx = x->r.rx_bps;
		dy = y->r.rx_bps;
		break;
	case 2:
		dx = x->r.tx_bps;
		dy = y->r.tx_bps;
		break;
	case 3:
		dx = (double)(x->total.rx_dropped + x->total.tx_dropped);
		dy = (double)(y->total.rx_dropped + y->total.tx_dropped);
		break;
	default:
		break;
	}
	if (dx != dy)
		return dx < dy ? 1 : -1; /* the busiest first */
	return strcmp(x->w->link->name, y->w->link->name);
}

void ct_top_ui_draw(struct ct_top_ui *u, struct ct_top_frame *fr)
{
	snprintf(fr->filter, sizeof(fr->filter), "%s", u->filter);
	if (u->sort && fr->nwl > 1) {
		wl_cmp_mode = u->sort;
		qsort(fr->wl, fr->nwl, sizeof(*fr->wl), wl_cmp);
	}
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	if (rows != u->rows_seen || cols != u->cols_seen) {
		u->rows_seen = rows;
		u->cols_seen = cols;
		u->valid = false;
	}
	if (!ct_tui_fits(&u->t, CT_TOP_UI_MIN_ROWS, CT_TOP_UI_MIN_COLS)) {
		u->too_small = true;
		u->valid = false;
		return;
	}
	if (u->too_small || !u->valid) {
		erase(); /* once: after a resize or too small */
		u->too_small = false;
		u->valid = false;
	}
	/* the header */
	const struct ct_top_header *h = &fr->h;
	char t[512];
	snprintf(t, sizeof(t),
		 "caltrace top  node %s  netns %s  mode %s  BIRD %s  workloads %zu  peers %zu/%zu  "
		 "routes %zu  findings %zu fail %zu warn  age %.0f ms  resyncs %u%s%s",
		 h->node, h->netns, h->mode, h->bird, h->workloads, h->peers_up, h->peers,
		 h->routes, h->fail, h->warn, h->age_s * 1000, h->resyncs,
		 h->stale ? "  STALE" : "", u->paused ? "  [paused]" : "");
	put_text(u, 0, CT_TUI_TITLE, t, true);
	struct line l;
	ln_init(&l);
	if (h->fail)
		ln_add(&l, 0, 20, CT_TUI_FAIL, false, ct_tui_sev_word(&u->t, CT_TUI_FAIL));
	else if (h->warn)
		ln_add(&l, 0, 20, CT_TUI_WARN, false, ct_tui_sev_word(&u->t, CT_TUI_WARN));
	else
		ln_add(&l, 0, 20, CT_TUI_OK, false, ct_tui_sev_word(&u->t, CT_TUI_OK));
	snprintf(t, sizeof(t), "%s%s%s%s", h->note[0] ? h->note : "",
		 h->note[0] && u->filter[0] ? "  " : "", u->filter[0] ? "filter: " : "", u->filter);
	ln_add(&l, 12, cols - 12, h->note[0] ? CT_TUI_WARN : CT_TUI_DIM, true, t);
	ln_put(u, 1, &l);

	int y0 = 2, y1 = rows - 1;
	if (u->help) {
		size_t n = 0;
		while (help_lines[n])
			n++;
		draw_lines(u, y0, y1, help_lines, n, CT_TUI_TITLE);
	} else if (u->detail) {
		draw_detail(u, fr, y0, y1);
	} else {
		/* every pane gets a title, a header and one row; the rest by need, workloads first
		 */
		int hgt[CT_TP_COUNT], body = y1 - y0, used = 0;
		static const int cap[CT_TP_COUNT] = {1 << 20, 4, 6, 2, 4, 6, 6, 5};
		static const int order[CT_TP_COUNT] = {
		    CT_TP_WORKLOADS, CT_TP_PEERS,  CT_TP_FINDINGS, CT_TP_FLOWS,
		    CT_TP_TUNNELS,   CT_TP_EVENTS, CT_TP_NEIGH,	   CT_TP_DROPS};
		for (int p = 0; p < CT_TP_COUNT; p++) {
			hgt[p] = p == CT_TP_FLOWS && !fr->flows_on ? 0 : 3;
			used += hgt[p];
		}
		for (int k = 0; k < CT_TP_COUNT && used < body; k++) {
			int p = order[k];
			if (!hgt[p])
				continue;
			int want = (int)pane_count(fr, p);
			if (want > cap[p])
				want = cap[p];
			int more = want - 1;
			if (p == CT_TP_WORKLOADS && more > body - used - 14)
				more = body - used - 14; /* leave room for the others' wishes */
			if (more > body - used)
				more = body - used;
			if (more > 0) {
				hgt[p] += more;
				used += more;
			}
		}
		hgt[CT_TP_WORKLOADS] += body - used > 0 ? body - used : 0;
		int y = y0;
		for (int p = 0; p < CT_TP_COUNT && y < y1; p++) {
			if (!hgt[p])
				continue;
			int hh = hgt[p] < y1 - y ? hgt[p] : y1 - y;
			draw_pane(u, fr, p, y, hh);
			y += hh;
		}
	}
	/* the bottom line */
	if (u->input)
		snprintf(t, sizeof(t), "%c%s", u->input, u->line);
	else if (u->msg[0])
		snprintf(t, sizeof(t), "%s", u->msg);
	else
		snprintf(t, sizeof(t),
			 "? help  q quit  Tab pane  Enter detail  / filter  s sort  "
			 "space pause  : command  p path from a pod");
	put_text(u, rows - 1,
		 u->input    ? CT_TUI_NORMAL
		 : u->msg[0] ? CT_TUI_WARN
			     : CT_TUI_DIM,
		 t, true);
	u->valid = true;
	refresh();
}

void ct_top_ui_invalidate(struct ct_top_ui *u)
{
	u->valid = false;
}

/* ---------------------------------------------------------------- keys */

static enum ct_top_act run_command(struct ct_top_ui *u, char *arg, size_t arglen)
{
	char *s = u->line;
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = 0;
	if (!strcmp(s, "q") || !strcmp(s, "quit"))
		return CT_TOP_ACT_QUIT;
	if (!strncmp(s, "use ", 4) && s[4]) {
		snprintf(arg, arglen, "%s", s + 4);
		return CT_TOP_ACT_USE;
	}
	if (!strncmp(s, "path ", 5)) {
		char a[128], b[128], extra;
		if (sscanf(s + 5, "%127s %127s %c", a, b, &extra) == 2) {
			snprintf(arg, arglen, "%s %s", a, b);
			return CT_TOP_ACT_PATH;
		}
		snprintf(u->msg, sizeof(u->msg), "usage: :path SRC DST");
		return CT_TOP_ACT_DRAW;
	}
	char e[128];
	snprintf(u->msg, sizeof(u->msg), "unknown command '%s': use NS, path SRC DST, q",
		 ct_tui_text(&u->t, e, sizeof(e), s));
	return CT_TOP_ACT_DRAW;
}

static enum ct_top_act input_key(struct ct_top_ui *u, int key, char *arg, size_t arglen)
{
	if (key == 27) { /* Esc: cancel (a filter being typed is cleared) */
		if (u->input == '/')
			u->filter[0] = 0;
		u->input = 0;
		u->linelen = 0;
		u->line[0] = 0;
		return CT_TOP_ACT_DRAW;
	}
	if (key == '\r' || key == '\n' || key == CT_TUI_KEY(KEY_ENTER)) {
		int in = u->input;
		u->input = 0;
		if (in == '/') {
			snprintf(u->filter, sizeof(u->filter), "%s", u->line);
			for (int p = 0; p < CT_TP_COUNT; p++)
				u->sel[p] = u->off[p] = 0;
			return CT_TOP_ACT_DRAW;
		}
		enum ct_top_act a = run_command(u, arg, arglen);
		u->linelen = 0;
		u->line[0] = 0;
		return a;
	}
	if (key == CT_TUI_KEY(KEY_BACKSPACE) || key == 127 || key == 8) {
		if (u->linelen)
			u->line[--u->linelen] = 0;
		if (u->input == '/')
			snprintf(u->filter, sizeof(u->filter), "%s", u->line);
		return CT_TOP_ACT_DRAW;
	}
	if (key >= 0x20 && key < 0x7f && u->linelen + 1 < sizeof(u->line)) {
		u->line[u->linelen++] = (char)key;
		u->line[u->linelen] = 0;
		if (u->input == '/') /* the filter follows what is typed */
			snprintf(u->filter, sizeof(u->filter), "%s", u->line);
	}
	return CT_TOP_ACT_DRAW;
}

enum ct_top_act ct_top_ui_key(struct ct_top_ui *u, int key, const struct ct_top_frame *fr,
			      char *arg, size_t arglen)
{
	if (key == CT_TUI_KEY(KEY_RESIZE)) {
		u->valid = false;
		return CT_TOP_ACT_DRAW;
	}
	if (u->input)
		return input_key(u, key, arg, arglen);
	u->msg[0] = 0;
	int p = u->pane;
	static size_t idx[1 << 16];
	size_t n = pane_rows(fr, p, idx, sizeof(idx) / sizeof(idx[0]));
	/* a move or Enter in the workloads pane picks a workload (ct_top_ui_selected_wl) */
	switch (key) {
	case 'j': case 'k': case 'g': case 'G': case '\r': case '\n':
	case CT_TUI_KEY(KEY_DOWN): case CT_TUI_KEY(KEY_UP): case CT_TUI_KEY(KEY_NPAGE):
	case CT_TUI_KEY(KEY_PPAGE): case CT_TUI_KEY(KEY_HOME): case CT_TUI_KEY(KEY_END):
	case CT_TUI_KEY(KEY_ENTER):
		if (p == CT_TP_WORKLOADS)
			u->picked = true;
		break;
	default:
		break;
	}
	switch (key) {
	case 'q':
		return CT_TOP_ACT_QUIT;
	case 27:
		if (u->help || u->detail) {
			u->help = u->detail = false;
		} else if (u->filter[0]) {
			u->filter[0] = 0;
		}
		u->valid = false;
		return CT_TOP_ACT_DRAW;
	case '?':
		u->help = !u->help;
		u->detail = false;
		u->valid = false;
		return CT_TOP_ACT_DRAW;
	case '\t':
		u->pane = (u->pane + 1) % CT_TP_COUNT;
		if (u->pane == CT_TP_FLOWS && !fr->flows_on)
			u->pane++;
		u->detail = false;
		return CT_TOP_ACT_DRAW;
	case CT_TUI_KEY(KEY_BTAB):
		u->pane = (u->pane + CT_TP_COUNT - 1) % CT_TP_COUNT;
		if (u->pane == CT_TP_FLOWS && !fr->flows_on)
			u->pane--;
		u->detail = false;
		return CT_TOP_ACT_DRAW;
	case 'j':
	case CT_TUI_KEY(KEY_DOWN):
		if (u->sel[p] + 1 < n)
			u->sel[p]++;
		return CT_TOP_ACT_DRAW;
	case 'k':
	case CT_TUI_KEY(KEY_UP):
		if (u->sel[p])
			u->sel[p]--;
		return CT_TOP_ACT_DRAW;
	case CT_TUI_KEY(KEY_NPAGE):
		u->sel[p] = n ? (u->sel[p] + 10 < n ? u->sel[p] + 10 : n - 1) : 0;
		return CT_TOP_ACT_DRAW;
	case CT_TUI_KEY(KEY_PPAGE):
		u->sel[p] = u->sel[p] > 10 ? u->sel[p] - 10 : 0;
		return CT_TOP_ACT_DRAW;
	case 'g':
	case CT_TUI_KEY(KEY_HOME):
		u->sel[p] = 0;
		return CT_TOP_ACT_DRAW;
	case 'G':
	case CT_TUI_KEY(KEY_END):
		u->sel[p] = n ? n - 1 : 0;
		return CT_TOP_ACT_DRAW;
	case '\r':
	case '\n':
	case CT_TUI_KEY(KEY_ENTER):
		u->detail = !u->detail;
		u->help = false;
		u->valid = false;
		return CT_TOP_ACT_DRAW;
	case '/':
	case ':':
		u->input = key;
		u->linelen = 0;
		u->line[0] = 0;
		if (key == '/' && u->filter[0]) {
			snprintf(u->line, sizeof(u->line), "%s", u->filter);
			u->linelen = strlen(u->line);
		}
		return CT_TOP_ACT_DRAW;
	case 's':
		u->sort = (u->sort + 1) % 4;
		return CT_TOP_ACT_DRAW;
	case ' ':
		u->paused = !u->paused;
		return CT_TOP_ACT_PAUSE;
	case 'p':
		if (p == CT_TP_WORKLOADS && n) {
			const struct ct_top_wl *x = &fr->wl[idx[u->sel[p] < n ? u->sel[p] : 0]];
			char ip[64] = "";
			if (x->w->n_ips)
				ct_ip_fmt(&x->w->ips[0], ip, sizeof(ip));
			u->input = ':';
			snprintf(u->line, sizeof(u->line), "path %s ", x->pod[0] ? x->pod : ip);
			u->linelen = strlen(u->line);
			return CT_TOP_ACT_DRAW;
		}
		snprintf(u->msg, sizeof(u->msg),
			 "p: select a workload first (Tab to the workloads)");
		return CT_TOP_ACT_DRAW;
	default:
		return CT_TOP_ACT_NONE;
	}
}

bool ct_top_ui_selected_wl(const struct ct_top_ui *u, const struct ct_top_frame *fr, char *iface,
			   size_t len)
{
	static size_t idx[1 << 16];
	if (u->pane != CT_TP_WORKLOADS || !u->picked || u->help)
		return false;
	size_t n = pane_rows(fr, CT_TP_WORKLOADS, idx, sizeof(idx) / sizeof(idx[0]));
	if (!n)
		return false;
	size_t sel = u->sel[CT_TP_WORKLOADS] < n ? u->sel[CT_TP_WORKLOADS] : 0;
	snprintf(iface, len, "%s", fr->wl[idx[sel]].w->link->name);
	return true;
}

int ct_top_ui_open(struct ct_top_ui *u, enum ct_color_mode mode, struct ct_err *err)
{
	memset(u, 0, sizeof(*u));
	return ct_tui_open(&u->t, mode, "caltrace top -b", err);
}

void ct_top_ui_close(struct ct_top_ui *u)
{
	ct_tui_close(&u->t);
}
