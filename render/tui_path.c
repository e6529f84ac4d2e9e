/* SPDX-License-Identifier: MIT */
/* `path --tui`: see tui_path.h. */
#include "render/tui_path.h"

#include <stdio.h>
#include <string.h>

const char *const ct_tuip_dir_names[CT_TUIP_DIR__COUNT] = {"forward", "reverse", "both"};

#define MAX_ROWS 512

size_t ct_tuip_rows(const struct ct_path *p, enum ct_tuip_dir d, size_t *idx, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; p && i < p->n; i++) {
		const struct ct_hop *h = &p->v[i];
		if ((d == CT_TUIP_FORWARD && h->reverse) || (d == CT_TUIP_REVERSE && !h->reverse))
			continue;
		if (n < cap)
			idx[n] = i;
		n++;
	}
	return n;
}

void ct_tuip_probe_cell(bool utf8, bool watched, bool req, bool rep, bool in_flight,
			bool lost_here, char *out, size_t len)
{
	if (!watched) {
		snprintf(out, len, "%s", lost_here ? "lost here" : "-");
		return;
	}
	const char *yes = utf8 ? "\u2714" : "+";
	const char *no = in_flight ? (utf8 ? "\u2026" : ".") : (utf8 ? "\u2716" : "x");
	snprintf(out, len, "req %s rep %s", req ? yes : no, rep ? yes : no);
}

void ct_tuip_where(const struct ct_hop *h, const char *host_netns, char *out, size_t len)
{
	const char *node = h->node_name[0] ? h->node_name : "?";
	bool ns = h->netns[0] && (!host_netns || strcmp(h->netns, host_netns));
	snprintf(out, len, "%s%s%s%s%s", node, ns ? " " : "", ns ? h->netns : "",
		 h->subject[0] ? " " : "", h->subject);
}

enum ct_tui_role ct_tuip_verdict_role(enum ct_hop_verdict v)
{
	switch (v) {
	case CT_HOP_OK: return CT_TUI_OK;
	case CT_HOP_WARN: return CT_TUI_WARN;
	case CT_HOP_FAIL: return CT_TUI_FAIL;
	default: return CT_TUI_UNKNOWN;
	}
}

static void add_line(struct ct_tuip_line *out, size_t cap, size_t *n, enum ct_tui_role r,
		     const char *label, const char *text)
{
	if (*n < cap) {
		struct ct_tuip_line *l = &out[*n];
		l->role = r;
		snprintf(l->label, sizeof(l->label), "%s", label);
		snprintf(l->text, sizeof(l->text), "%s", text);
	}
	(*n)++;
}

size_t ct_tuip_detail(const struct ct_path *p, size_t i, const struct ct_tuip_live *live,
		      bool utf8, struct ct_tuip_line *out, size_t cap)
{
	size_t n = 0;
	if (!p || i >= p->n)
		return 0;
	const struct ct_hop *h = &p->v[i];
	char b[400];
	snprintf(b, sizeof(b), "%s %s, node %s, namespace %s, %s", h->reverse ? "reverse" : "forward",
		 ct_hop_kind_names[h->kind], h->node_name[0] ? h->node_name : "?",
		 h->netns[0] ? h->netns : "?", h->subject[0] ? h->subject : "-");
	add_line(out, cap, &n, CT_TUI_NORMAL, "hop", b);
	if (h->mtu) {
		snprintf(b, sizeof(b), "%u", h->mtu);
		add_line(out, cap, &n, CT_TUI_NORMAL, "mtu", b);
	}
	add_line(out, cap, &n, ct_tuip_verdict_role(h->verdict), "verdict",
		 ct_hop_verdict_names[h->verdict]);
	add_line(out, cap, &n, CT_TUI_NORMAL, "summary", h->summary);
	for (unsigned k = 0; k < h->n_evidence && k < CT_HOP_EVIDENCE; k++)
		add_line(out, cap, &n, CT_TUI_NORMAL, "evidence", h->evidence[k]);
	/* the probe: live while in flight, else the result */
	const struct ct_hop_probe *x = &h->probe;
	if (live && live->watched) {
		ct_tuip_probe_cell(utf8, true, live->req, live->rep, true, false, b, sizeof(b));
		if (live->wire) {
			size_t u = strlen(b);
			snprintf(b + u, sizeof(b) - u, "; encapsulated: req %s rep %s",
				 live->wire_req ? "seen" : "not yet", live->wire_rep ? "seen" : "not yet");
		}
		add_line(out, cap, &n, CT_TUI_ACTIVE, "probe", b);
	} else if (!live && p->probe.done) {
		if (x->watched) {
			snprintf(b, sizeof(b), "request %s (%u), reply %s (%u)",
				 x->req_seen ? "seen" : "not seen", x->req_n,
				 x->rep_seen ? "seen" : "not seen", x->rep_n);
			if (x->wire_watched) {
				size_t u = strlen(b);
				snprintf(b + u, sizeof(b) - u, "; encapsulated on %s: request %s, reply %s",
					 x->wire_iface, x->wire_req_seen ? "seen" : "not seen",
					 x->wire_rep_seen ? "seen" : "not seen");
			}
		} else {
			snprintf(b, sizeof(b), "not watched (no interface captured here)");
		}
		add_line(out, cap, &n, x->lost_here ? CT_TUI_FAIL : CT_TUI_NORMAL, "probe", b);
		if (x->lost_here)
			add_line(out, cap, &n, CT_TUI_FAIL, "lost here", x->cause[0] ? x->cause : p->probe.cause);
	}
	for (unsigned k = 0; k < h->n_findings && k < CT_HOP_FINDINGS; k++) {
		const struct ct_finding *f = &h->findings[k];
		enum ct_tui_role r = f->sev == CT_SEV_FAIL   ? CT_TUI_FAIL
				     : f->sev == CT_SEV_WARN ? CT_TUI_WARN
							     : CT_TUI_INFO;
		snprintf(b, sizeof(b), "%s: %s", f->def ? f->def->code : "?", f->message);
		add_line(out, cap, &n, r, ct_sev_name(f->sev), b);
		if (f->evidence[0])
			add_line(out, cap, &n, CT_TUI_NORMAL, "  evidence", f->evidence);
		if (f->fix[0])
			add_line(out, cap, &n, CT_TUI_NORMAL, "  fix", f->fix);
		for (unsigned j = 0; j < f->n_run && j < CT_FINDING_RUNS; j++)
			add_line(out, cap, &n, CT_TUI_INFO, "  run", f->run[j]);
	}
	return n;
}

void ct_tuip_layout(int rows, int cols, size_t nrows, struct ct_tuip_layout *l)
{
	(void)cols;
	/* header, column titles, list, detail (title + lines), status */
	int avail = rows - 3;
	int list = avail / 2;
	if ((int)nrows < list)
		list = (int)nrows;
	if (list < 3)
		list = 3;
	if (list > avail - 3)
		list = avail - 3;
	l->list_y = 2;
	l->list_h = list;
	l->detail_y = 2 + list;
	l->detail_h = avail - list;
	l->status_y = rows - 1;
}

static void clamp(struct ct_tuip_view *v, size_t n, int page)
{
	if (n == 0) {
		v->sel = v->top = 0;
		return;
	}
	if (v->sel >= n)
		v->sel = n - 1;
	if (page < 1)
		page = 1;
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + (size_t)page)
		v->top = v->sel - (size_t)page + 1;
}

enum ct_tuip_act ct_tuip_key(struct ct_tuip_view *v, int key, int page)
{
	size_t idx[MAX_ROWS];
	size_t n = ct_tuip_rows(v->path, v->dir, idx, MAX_ROWS);
	if (n > MAX_ROWS)
		n = MAX_ROWS;
	if (page < 1)
		page = 1;
	if (v->help) {
		if (key == 'q')
			return CT_TUIP_QUIT;
		v->help = false; /* any other key closes the help */
		return CT_TUIP_REDRAW;
	}
	size_t old_sel = v->sel;
	switch (key) {
	case 'q':
	case 27:
		return CT_TUIP_QUIT;
	case '?':
		v->help = true;
		return CT_TUIP_REDRAW;
	case 'p':
		return v->probe == CT_TUIP_PROBING ? CT_TUIP_NONE : CT_TUIP_PROBE;
	case 'r': {
		/* keep the selected hop when the new direction shows it */
		size_t hop = v->sel < n ? idx[v->sel] : 0;
		v->dir = (enum ct_tuip_dir)((v->dir + 1) % CT_TUIP_DIR__COUNT);
		n = ct_tuip_rows(v->path, v->dir, idx, MAX_ROWS);
		if (n > MAX_ROWS)
			n = MAX_ROWS;
		v->sel = 0;
		for (size_t k = 0; k < n; k++)
			if (idx[k] == hop)
				v->sel = k;
		v->top = 0;
		v->detail_top = 0;
		clamp(v, n, page);
		return CT_TUIP_REDRAW;
	}
	case '\r':
	case '\n':
	case CT_TUI_KEY(KEY_ENTER):
		v->detail_focus = !v->detail_focus;
		return CT_TUIP_REDRAW;
	case CT_TUI_KEY(KEY_RESIZE):
		clamp(v, n, page);
		return CT_TUIP_REDRAW;
	default:
		break;
	}
	if (v->detail_focus) {
		int d = v->detail_top;
		switch (key) {
		case 'j': case CT_TUI_KEY(KEY_DOWN): d++; break;
		case 'k': case CT_TUI_KEY(KEY_UP): d--; break;
		case CT_TUI_KEY(KEY_NPAGE): d += page; break;
		case CT_TUI_KEY(KEY_PPAGE): d -= page; break;
		case CT_TUI_KEY(KEY_HOME): d = 0; break;
		case CT_TUI_KEY(KEY_END): d = 1 << 20; break; /* the drawing clamps it */
		default: return CT_TUIP_NONE;
		}
		v->detail_top = d < 0 ? 0 : d;
		return CT_TUIP_REDRAW;
	}
	switch (key) {
	case 'j': case CT_TUI_KEY(KEY_DOWN):
		if (v->sel + 1 < n)
			v->sel++;
		break;
	case 'k': case CT_TUI_KEY(KEY_UP):
		if (v->sel > 0)
			v->sel--;
		break;
	case CT_TUI_KEY(KEY_NPAGE):
		v->sel += (size_t)page;
		break;
	case CT_TUI_KEY(KEY_PPAGE):
		v->sel = v->sel > (size_t)page ? v->sel - (size_t)page : 0;
		break;
	case CT_TUI_KEY(KEY_HOME):
		v->sel = 0;
		break;
	case CT_TUI_KEY(KEY_END):
		v->sel = n ? n - 1 : 0;
		break;
	default:
		return CT_TUIP_NONE;
	}
	clamp(v, n, page);
	if (v->sel != old_sel)
		v->detail_top = 0;
	return CT_TUIP_REDRAW;
}

/* ---- drawing ---- */

#define C_IDX 4
#define C_VERDICT 11
#define C_PROBE 13
#define C_KIND 13

static void draw_header(struct ct_tui *t, const struct ct_tuip_view *v, size_t n)
{
	int W = t->cols;
	attr_t a = ct_tui_attr(t, CT_TUI_TITLE);
	attron(a);
	mvhline(0, 0, ' ', W);
	attroff(a);
	int x = ct_tui_putl(t, stdscr, 0, 0, W, CT_TUI_TITLE, "path ");
	x += ct_tui_put(t, stdscr, 0, x, W - x, CT_TUI_TITLE, v->src_label ? v->src_label : "?");
	x += ct_tui_putl(t, stdscr, 0, x, W - x, CT_TUI_TITLE, t->utf8 ? " \u2192 " : " -> ");
	x += ct_tui_put(t, stdscr, 0, x, W - x, CT_TUI_TITLE, v->dst_label ? v->dst_label : "?");
	char b[160];
	const char *dw = v->dir == CT_TUIP_FORWARD	   ? "forward (SRC to DST)"
			 : v->dir == CT_TUIP_REVERSE ? "reverse (DST to SRC)"
						     : "both directions";
	snprintf(b, sizeof(b), "  %s  %s  %zu hops  ?=help", dw, v->proto ? v->proto : "", n);
	ct_tui_putl(t, stdscr, 0, x, W - x, CT_TUI_TITLE, b);
}

static void draw_row(struct ct_tui *t, const struct ct_tuip_view *v, int y, size_t row, size_t i,
		     bool show_probe)
{
	const struct ct_path *p = v->path;
	const struct ct_hop *h = &p->v[i];
	int W = t->cols;
	bool sel = row == v->sel;
	const struct ct_tuip_live *lv = v->probe == CT_TUIP_PROBING && v->live ? &v->live[i] : NULL;
	bool lit = lv && lv->watched && (h->reverse ? lv->rep : lv->req);
	if (!lv && p->probe.done && h->probe.watched)
		lit = h->reverse ? h->probe.rep_seen : h->probe.req_seen;
	enum ct_tui_role base = sel ? CT_TUI_SELECTED : CT_TUI_NORMAL;
	if (sel) {
		attr_t a = ct_tui_attr(t, CT_TUI_SELECTED);
		attron(a);
		mvhline(y, 0, ' ', W);
		attroff(a);
	}
	char b[64];
	snprintf(b, sizeof(b), "%c%zu", sel ? '>' : ' ', i + 1);
	int x = 0;
	ct_tui_putl(t, stdscr, y, x, C_IDX, base, b);
	x += C_IDX;
	ct_tui_putl(t, stdscr, y, x, C_VERDICT - 1, ct_tuip_verdict_role(h->verdict),
		    ct_tui_sev_word(t, ct_tuip_verdict_role(h->verdict)));
	x += C_VERDICT;
	if (show_probe && x < W) {
		if (lv)
			ct_tuip_probe_cell(t->utf8, lv->watched, lv->req, lv->rep, true, false, b,
					   sizeof(b));
		else
			ct_tuip_probe_cell(t->utf8, h->probe.watched, h->probe.req_seen,
					   h->probe.rep_seen, false, h->probe.lost_here, b, sizeof(b));
		enum ct_tui_role r = h->probe.lost_here && !lv ? CT_TUI_FAIL
				     : lit		   ? CT_TUI_ACTIVE
							   : base;
		ct_tui_putl(t, stdscr, y, x, C_PROBE - 1, r, b);
		x += C_PROBE;
	}
	if (x < W) {
		ct_tui_putl(t, stdscr, y, x, C_KIND - 1, base, ct_hop_kind_names[h->kind]);
		x += C_KIND;
	}
	char where[300];
	const char *hn = v->host_netns ? v->host_netns[i] : NULL;
	ct_tuip_where(h, hn, where, sizeof(where));
	int ww = W - x > 34 ? 33 : W - x;
	if (ww > 0)
		ct_tui_put(t, stdscr, y, x, ww, base, where);
	x += 34;
	if (x < W)
		ct_tui_put(t, stdscr, y, x, W - x, base, h->summary);
}

static void draw_detail(struct ct_tui *t, struct ct_tuip_view *v, const struct ct_tuip_layout *l,
			size_t hop, bool have)
{
	int W = t->cols;
	attr_t a = ct_tui_attr(t, CT_TUI_TITLE);
	attron(a);
	mvhline(l->detail_y, 0, ' ', W);
	attroff(a);
	char b[128];
	if (have)
		snprintf(b, sizeof(b), " hop %zu%s ", hop + 1,
			 v->detail_focus ? " (Enter: back to the hops; arrows scroll)"
					 : " (Enter: scroll this pane)");
	else
		snprintf(b, sizeof(b), " no hop ");
	ct_tui_putl(t, stdscr, l->detail_y, 0, W, CT_TUI_TITLE, b);
	if (!have)
		return;
	static struct ct_tuip_line lines[64];
	const struct ct_tuip_live *lv =
	    v->probe == CT_TUIP_PROBING && v->live ? &v->live[hop] : NULL;
	size_t n = ct_tuip_detail(v->path, hop, lv, t->utf8, lines, 64);
	if (n > 64)
		n = 64;
	int h = l->detail_h - 1;
	int maxtop = (int)n - h;
	if (maxtop < 0)
		maxtop = 0;
	if (v->detail_top > maxtop)
		v->detail_top = maxtop;
	for (int r = 0; r < h && (size_t)(v->detail_top + r) < n; r++) {
		const struct ct_tuip_line *ln = &lines[v->detail_top + r];
		int y = l->detail_y + 1 + r;
		int x = 1 + ct_tui_putl(t, stdscr, y, 1, 12, CT_TUI_DIM, ln->label);
		x = x < 14 ? 14 : x + 1;
		ct_tui_put(t, stdscr, y, x, W - x, ln->role, ln->text);
	}
	if ((size_t)(v->detail_top + h) < n) {
		snprintf(b, sizeof(b), " %zu more ", n - (size_t)(v->detail_top + h));
		int len = (int)strlen(b);
		ct_tui_putl(t, stdscr, l->detail_y, W - len > 0 ? W - len : 0, len, CT_TUI_TITLE, b);
	}
}

static void draw_status(struct ct_tui *t, const struct ct_tuip_view *v, int y)
{
	const struct ct_path *p = v->path;
	int W = t->cols;
	char b[512];
	enum ct_tui_role r = CT_TUI_NORMAL;
	if (v->probe == CT_TUIP_PROBING) {
		snprintf(b, sizeof(b), "probing: sent %u, received %u (q stops)", v->sent, v->received);
		r = CT_TUI_ACTIVE;
	} else if (v->status[0]) {
		snprintf(b, sizeof(b), "%s", v->status);
		r = CT_TUI_WARN;
	} else if (p->probe.done) {
		const struct ct_path_probe *pr = &p->probe;
		int u = snprintf(b, sizeof(b), "probe: sent %u, received %u", pr->sent, pr->received);
		if (pr->rtt_us >= 0 && u > 0 && (size_t)u < sizeof(b))
			u += snprintf(b + u, sizeof(b) - (size_t)u, ", rtt %.3f ms",
				      (double)pr->rtt_us / 1000.0);
		if (pr->lost_hop >= 0 && (size_t)pr->lost_hop < p->n && u > 0 && (size_t)u < sizeof(b)) {
			const struct ct_hop *h = &p->v[pr->lost_hop];
			u += snprintf(b + u, sizeof(b) - (size_t)u, "; %s lost at hop %d (%s %s %s): %s",
				      pr->lost_reply ? "the reply is" : "the request is",
				      pr->lost_hop + 1, h->node_name[0] ? h->node_name : "?",
				      ct_hop_kind_names[h->kind], h->subject, pr->cause);
		}
		if (pr->icmp_error[0] && u > 0 && (size_t)u < sizeof(b))
			snprintf(b + u, sizeof(b) - (size_t)u, "; icmp error %s", pr->icmp_error);
		r = pr->received < pr->sent ? CT_TUI_FAIL : CT_TUI_OK;
	} else {
		snprintf(b, sizeof(b), "p probe  r direction  Enter detail  j/k move  ? help  q quit");
		r = CT_TUI_DIM;
	}
	move(y, 0);
	clrtoeol();
	ct_tui_put(t, stdscr, y, 0, W, r, b);
}

static void draw_help(struct ct_tui *t)
{
	static const char *const lines[] = {
	    "keys of path --tui",
	    "",
	    "j k, arrows   select a hop (or scroll the detail pane)",
	    "PgUp PgDn     a page up or down",
	    "Home End      the first or the last",
	    "Enter         the arrows move the hops / scroll the detail pane",
	    "r             forward, reverse, both directions",
	    "p             send a probe (as --probe: --proto, --port, --count,",
	    "              --wait, --size) and light each hop that sees it",
	    "?             this help (any key closes it)",
	    "q Esc         quit (exit 1 when a hop is warn or fail or a probe",
	    "              was lost, else 0)",
	};
	size_t n = sizeof(lines) / sizeof(lines[0]);
	int w = 70 < t->cols - 2 ? 70 : t->cols - 2;
	int h = (int)n + 2;
	int y0 = (t->rows - h) / 2, x0 = (t->cols - w) / 2;
	if (y0 < 0)
		y0 = 0;
	if (x0 < 0)
		x0 = 0;
	for (int y = 0; y < h && y0 + y < t->rows; y++) {
		move(y0 + y, x0);
		attr_t a = ct_tui_attr(t, y == 0 || y == h - 1 ? CT_TUI_TITLE : CT_TUI_NORMAL);
		attron(a);
		for (int x = 0; x < w; x++)
			addch(' ');
		attroff(a);
		if (y > 0 && y < h - 1)
			ct_tui_putl(t, stdscr, y0 + y, x0 + 2, w - 4,
				    y == 1 ? CT_TUI_TITLE : CT_TUI_NORMAL, lines[y - 1]);
	}
}

void ct_tuip_draw(struct ct_tui *t, struct ct_tuip_view *v)
{
	if (!ct_tui_fits(t, CT_TUIP_MIN_ROWS, CT_TUIP_MIN_COLS))
		return;
	erase();
	static size_t idx[MAX_ROWS];
	size_t n = ct_tuip_rows(v->path, v->dir, idx, MAX_ROWS);
	if (n > MAX_ROWS)
		n = MAX_ROWS;
	struct ct_tuip_layout l;
	ct_tuip_layout(t->rows, t->cols, n, &l);
	clamp(v, n, l.list_h);
	draw_header(t, v, n);
	bool show_probe = v->probe == CT_TUIP_PROBING || v->path->probe.done;
	int x = 0;
	ct_tui_putl(t, stdscr, 1, x, t->cols, CT_TUI_DIM, " #");
	x += C_IDX;
	ct_tui_putl(t, stdscr, 1, x, t->cols - x, CT_TUI_DIM, "verdict");
	x += C_VERDICT;
	if (show_probe) {
		ct_tui_putl(t, stdscr, 1, x, t->cols - x, CT_TUI_DIM, "probe");
		x += C_PROBE;
	}
	ct_tui_putl(t, stdscr, 1, x, t->cols - x, CT_TUI_DIM, "kind");
	x += C_KIND;
	ct_tui_putl(t, stdscr, 1, x, t->cols - x, CT_TUI_DIM, "where");
	x += 34;
	ct_tui_putl(t, stdscr, 1, x, t->cols - x, CT_TUI_DIM, "evidence");
	for (int r = 0; r < l.list_h && v->top + (size_t)r < n; r++)
		draw_row(t, v, l.list_y + r, v->top + (size_t)r, idx[v->top + (size_t)r], show_probe);
	draw_detail(t, v, &l, n ? idx[v->sel] : 0, n > 0);
	draw_status(t, v, l.status_y);
	if (v->help)
		draw_help(t);
	refresh();
}
