/* SPDX-License-Identifier: MIT */
/*
 * caltrace path SRC DST --tui: the hop list of cmd/path.c on a full screen
 * (render/tui_path.h), until q, Esc or a signal. `p` sends a probe exactly as
 * --probe does (cmd/path.c's run_probe, through the probe function it hands
 * over): the probe runs in this process, and its loop calls back here
 * (struct ct_probe_tap) after every wait of at most 50 ms or as soon as a key
 * is pressed, with what each capture has seen: the hops are lit as the request
 * and the reply pass, keys and resizes are handled, and q or a signal stops
 * the probe. What the probe code prints on standard error (its errors) is
 * caught in a memory file while the screen is up and shown on the status line.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis/path.h"
#include "cmd/cmd.h"
#include "probes/probe.h"
#include "render/tui_path.h"

int cmd_path_tui_check(struct ct_ctx *c)
{
	if (c->o.json) {
		fprintf(stderr, "caltrace: path --tui draws a full screen and -j prints JSON: use one of them\n");
		return CT_EXIT_USAGE;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "caltrace: path --tui needs a terminal; use 'caltrace path SRC DST' without --tui (or with -j) instead\n");
		return CT_EXIT_USAGE;
	}
	return 0;
}

struct ui {
	struct ct_ctx *c;
	struct ct_tui t;
	struct ct_tuip_view v;
	const struct ct_path *p;
	const char **nsp;	  /* per hop: its namespace as -n takes it (live nodes), NULL */
	const char **host;	  /* per hop: its node's host namespace name, NULL */
	struct ct_tuip_live *live; /* per hop */
	bool quit;
};

static bool kind_watched(enum ct_hop_kind k)
{
	return k == CT_HOP_POD_EGRESS || k == CT_HOP_WORKLOAD_IN || k == CT_HOP_EGRESS ||
	       k == CT_HOP_INGRESS || k == CT_HOP_WORKLOAD_OUT || k == CT_HOP_POD_INGRESS;
}

static int page_of(const struct ui *u)
{
	struct ct_tuip_layout l;
	ct_tuip_layout(u->t.rows, u->t.cols, u->p->n, &l);
	return u->v.detail_focus ? l.detail_h - 1 : l.list_h;
}

/* After an ESC: 27 when nothing follows (the Esc key), else the rest of an escape sequence
 * terminfo did not name (a terminal's own Home or End, inside tmux or screen) is read and
 * dropped: -1. */
static int esc_seq(struct ct_tui *t)
{
	int k = ct_tui_key(t);
	if (k == -1)
		return 27;
	if (k != '[' && k != 'O')
		return -1; /* Alt+key */
	for (int n = 0; n < 16; n++) {
		k = ct_tui_key(t);
		if (k == -1 || (k >= 0x40 && k <= 0x7e))
			break;
	}
	return -1;
}

/* reads every key waiting; returns CT_TUIP_PROBE when one asked for a probe */
static enum ct_tuip_act keys(struct ui *u)
{
	enum ct_tuip_act want = CT_TUIP_NONE;
	bool redraw = false;
	int k;
	while ((k = ct_tui_key(&u->t)) != -1) {
		if (k == 27 && (k = esc_seq(&u->t)) == -1)
			continue; /* an escape sequence curses does not know: not Esc */
		enum ct_tuip_act a = ct_tuip_key(&u->v, k, page_of(u));
		if (a == CT_TUIP_QUIT) {
			u->quit = true;
			return CT_TUIP_QUIT;
		}
		if (a == CT_TUIP_PROBE)
			want = CT_TUIP_PROBE;
		redraw |= a != CT_TUIP_NONE;
	}
	if (redraw)
		ct_tuip_draw(&u->t, &u->v);
	return want;
}

/* the watches as they stand, onto the hops */
static void map_watches(struct ui *u, const struct ct_probe_watch *w, size_t nw)
{
	const struct ct_path *p = u->p;
	for (size_t k = 0; k < p->n; k++) {
		struct ct_tuip_live *l = &u->live[k];
		const struct ct_hop *h = &p->v[k];
		if (!u->nsp[k] || !kind_watched(h->kind))
			continue;
		bool tun = h->kind == CT_HOP_EGRESS || h->kind == CT_HOP_INGRESS;
		for (size_t i = 0; i < nw; i++) {
			if (w[i].src < 0 || strcmp(w[i].netns, u->nsp[k]))
				continue;
			if (!strcmp(w[i].iface, h->subject)) {
				l->watched = true;
				l->req |= w[i].req_seen;
				l->rep |= w[i].rep_seen;
				continue;
			}
			if (!tun)
				continue;
			/* an interface no hop of this namespace has: the underlay device under
			 * the tunnel */
			bool other = false;
			for (size_t j = 0; j < p->n && !other; j++)
				other = u->nsp[j] && !strcmp(u->nsp[j], u->nsp[k]) &&
					!strcmp(p->v[j].subject, w[i].iface);
			if (other)
				continue;
			l->wire = true;
			l->wire_req |= w[i].req_seen;
			l->wire_rep |= w[i].rep_seen;
		}
	}
}

static bool tick(void *arg, const struct ct_probe_watch *w, size_t nw, unsigned sent,
		 unsigned received)
{
	struct ui *u = arg;
	map_watches(u, w, nw);
	u->v.sent = sent;
	u->v.received = received;
	if (ct_tui_signal())
		return true;
	if (keys(u) == CT_TUIP_QUIT)
		return true;
	ct_tuip_draw(&u->t, &u->v);
	return false;
}

/* the last line the probe code wrote on standard error, without "caltrace: " */
static void last_line(int fd, char *out, size_t len)
{
	out[0] = '\0';
	off_t end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		return;
	char buf[2048];
	size_t n = (size_t)end < sizeof(buf) - 1 ? (size_t)end : sizeof(buf) - 1;
	ssize_t r = pread(fd, buf, n, end - (off_t)n);
	if (r <= 0)
		return;
	buf[r] = '\0';
	while (r > 0 && (buf[r - 1] == '\n' || buf[r - 1] == '\r'))
		buf[--r] = '\0';
	char *s = strrchr(buf, '\n');
	s = s ? s + 1 : buf;
	if (!strncmp(s, "caltrace: ", 10))
		s += 10;
	snprintf(out, len, "%s", s);
}

static void probe_now(struct ui *u, int (*probe)(void *), void *arg)
{
	memset(u->live, 0, u->p->n * sizeof(*u->live));
	u->v.status[0] = '\0';
	u->v.probe = CT_TUIP_PROBING;
	u->v.live = u->live;
	u->v.sent = u->v.received = 0;
	ct_tuip_draw(&u->t, &u->v);
	struct ct_probe_tap tap = {.tick = tick, .arg = u, .fd = ct_tui_fd(&u->t)};
	/* standard error into a memory file while the screen is up */
	fflush(stderr);
	int mfd = memfd_create("caltrace-path-tui", MFD_CLOEXEC);
	int saved = mfd >= 0 ? dup(STDERR_FILENO) : -1;
	if (saved >= 0)
		dup2(mfd, STDERR_FILENO);
	u->c->probe_tap = &tap;
	int rc = probe(arg);
	u->c->probe_tap = NULL;
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (mfd >= 0) {
		if (rc)
			last_line(mfd, u->v.status, sizeof(u->v.status));
		close(mfd);
	}
	if (rc && !u->v.status[0])
		snprintf(u->v.status, sizeof(u->v.status), "the probe failed (exit status %d)", rc);
	u->v.probe = rc ? CT_TUIP_IDLE : CT_TUIP_DONE;
	u->v.live = NULL;
	ct_tuip_draw(&u->t, &u->v);
}

/* The namespace path (as -n takes it) of a hop on a live node, NULL. */
static const char *hop_nspath(const struct ct_cluster *cl, const struct ct_hop *h)
{
	const struct ct_node *n = h->node >= 0 ? ct_cluster_node(cl, h->node) : NULL;
	if (!n || strcmp(n->source, "live") || !h->netns[0])
		return NULL;
	for (size_t i = 0; i < n->ns.n; i++)
		if (!strcmp(n->ns.v[i].name, h->netns))
			return n->ns.v[i].path;
	return NULL;
}

int cmd_path_tui(struct ct_ctx *c, const struct ct_cluster *cl, const struct ct_path_query *q,
		 struct ct_path *p, int (*probe)(void *arg), void *arg)
{
	static struct ui u;
	memset(&u, 0, sizeof(u));
	u.c = c;
	u.p = p;
	size_t n = p->n ? p->n : 1;
	u.nsp = calloc(n, sizeof(*u.nsp));
	u.host = calloc(n, sizeof(*u.host));
	u.live = calloc(n, sizeof(*u.live));
	if (!u.nsp || !u.host || !u.live) {
		free(u.nsp);
		free(u.host);
		free(u.live);
		fprintf(stderr, "caltrace: out of memory\n");
		return CT_EXIT_GATHER;
	}
	for (size_t k = 0; k < p->n; k++) {
		const struct ct_hop *h = &p->v[k];
		const struct ct_node *nd = h->node >= 0 ? ct_cluster_node(cl, h->node) : NULL;
		u.nsp[k] = hop_nspath(cl, h);
		u.host[k] = nd && nd->ns.n ? nd->ns.v[0].name : NULL;
	}
	char proto[64];
	const char *pn = c->o.proto ? c->o.proto : "icmp";
	if (c->o.port)
		snprintf(proto, sizeof(proto), "%s port %u", pn, c->o.port);
	else
		snprintf(proto, sizeof(proto), "%s", pn);
	u.v.path = p;
	u.v.src_label = q->src.label;
	u.v.dst_label = q->dst.label;
	u.v.proto = proto;
	u.v.host_netns = u.host;
	int rc = 0;
	if (ct_tui_open(&u.t, c->o.color, "'caltrace path SRC DST' without --tui, or -j", &c->err) <
	    0) {
		rc = ct_report_err(c);
		goto out;
	}
	/* Home and End as tmux, screen and the Linux console send them, where TERM's entry
	 * names others */
	define_key("\033[1~", KEY_HOME);
	define_key("\033[4~", KEY_END);
	define_key("\033[H", KEY_HOME);
	define_key("\033[F", KEY_END);
	ct_tuip_draw(&u.t, &u.v);
	if (c->o.probe)
		probe_now(&u, probe, arg);
	while (!u.quit && !ct_tui_signal()) {
		struct pollfd pf = {.fd = ct_tui_fd(&u.t), .events = POLLIN};
		int r = poll(&pf, 1, 500);
		if (r < 0 && errno != EINTR)
			break;
		if (ct_tui_signal())
			break;
		if (keys(&u) == CT_TUIP_PROBE && !u.quit)
			probe_now(&u, probe, arg);
	}
	ct_tui_close(&u.t);
	ct_tui_reraise();
	rc = ct_path_worst(p) >= CT_HOP_WARN ? CT_EXIT_PROBLEMS : CT_EXIT_OK;
	if (p->probe.done && p->probe.received < p->probe.sent)
		rc = CT_EXIT_PROBLEMS;
out:
	free(u.nsp);
	free(u.host);
	free(u.live);
	return rc;
}
