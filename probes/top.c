/* SPDX-License-Identifier: MIT */
/* The engine of `caltrace top` (probes/top.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/bgp_json.h"
#include "model/esc.h"
#include "model/pkt.h"
#include "model/policy.h"
#include "probes/bgp_gather.h"
#include "probes/policy.h"
#include "probes/top.h"

#define CHILD_MAX_BYTES (16u << 20) /* an answer larger than this is refused */

int64_t ct_top_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t ms_of(double s, double dflt)
{
	return (int64_t)((s > 0 ? s : dflt) * 1000.0 + 0.5);
}

/* ---------------------------------------------------------------- events */

static void log_line(struct ct_top_src *s, const struct ct_top_event *e)
{
	if (!s->log_open || s->log_err)
		return;
	char ts[40];
	time_t t = (time_t)(e->at / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* the text was made printable by the caller (names escaped) */
	if (fprintf(s->log.f, "%s.%03dZ %s %s\n", ts, (int)(e->at % 1000), e->kind, e->text) < 0 ||
	    fflush(s->log.f) != 0)
		s->log_err = s->log.werr ? s->log.werr : errno ? errno : EIO;
}

void ct_top_event(struct ct_top_src *s, const char *kind, const char *fmt, ...)
{
	if (s->nev == CT_TOP_EVENTS) {
		memmove(&s->ev[0], &s->ev[1], (CT_TOP_EVENTS - 1) * sizeof(s->ev[0]));
		s->nev--;
	}
	struct ct_top_event *e = &s->ev[s->nev++];
	e->at = wall_ms();
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	log_line(s, e);
}

/* Sees every message before ct_live applies it: interfaces added or removed and
 * routes withdrawn in the node namespace become events. Never drops one. */
static bool observe(const struct ct_rtnl_msg *m, int ns_index, void *arg)
{
	struct ct_top_src *s = arg;
	if (ns_index != 0 || !s->lv.node.ns.n)
		return false;
	const struct ct_netns *ns = &s->lv.node.ns.v[0];
	char a[CT_IFNAMSIZ * 4 + 8], b[64];
	switch (m->kind) {
	case CT_RTNL_LINK: {
		const struct ct_link *old = ct_link_by_ifindex(ns, m->u.link.ifindex);
		if (m->del && old)
			ct_top_event(s, "link_removed", "interface %s removed",
				     ct_esc_str(a, sizeof(a), old->name));
		else if (!m->del && !old)
			ct_top_event(s, "link_added", "interface %s added (%s)",
				     ct_esc_str(a, sizeof(a), m->u.link.name),
				     m->u.link.kind[0] ? m->u.link.kind : "no kind");
		break;
	}
	case CT_RTNL_ROUTE:
		if (m->del && m->u.route.table == RT_TABLE_MAIN) {
			const struct ct_link *l = ct_link_by_ifindex(ns, m->u.route.oif);
			ct_top_event(s, "route_withdrawn", "route %s%s%s withdrawn",
				     ct_prefix_fmt(&m->u.route.dst, b, sizeof(b)), l ? " dev " : "",
				     l ? ct_esc_str(a, sizeof(a), l->name) : "");
		}
		break;
	default:
		break;
	}
	return false;
}

/* ---------------------------------------------------------------- counters */

static int stats_msg(struct nlmsghdr *h, void *arg)
{
	struct ct_top_ctrs *c = arg;
	if (h->nlmsg_type != RTM_NEWSTATS ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct if_stats_msg)))
		return 0;
	const struct if_stats_msg *ifsm = NLMSG_DATA(h);
	size_t left = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifsm));
	const struct rtattr *rta =
	    (const struct rtattr *)((const char *)ifsm + NLMSG_ALIGN(sizeof(*ifsm)));
	for (; RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		if (rta->rta_type != IFLA_STATS_LINK_64)
			continue;
		struct rtnl_link_stats64 st;
		memset(&st, 0, sizeof(st));
		size_t pl = RTA_PAYLOAD(rta);
		memcpy(&st, RTA_DATA(rta), pl < sizeof(st) ? pl : sizeof(st));
		if (c->n == c->cap) {
			size_t nc = c->cap ? c->cap * 2 : 256;
			void *v = realloc(c->v, nc * sizeof(*c->v));
			if (!v)
				return -ENOMEM;
			c->v = v;
			c->cap = nc;
		}
		struct ct_top_ctr *x = &c->v[c->n++];
		x->ifindex = ifsm->ifindex;
		x->s =
		    (struct ct_stats){st.rx_packets, st.tx_packets, st.rx_bytes,   st.tx_bytes,
				      st.rx_errors,  st.tx_errors,  st.rx_dropped, st.tx_dropped};
	}
	return 0;
}

static void read_stats(struct ct_top_src *s)
{
	if (!s->st_open)
		return;
	s->cur = !s->cur;
	struct ct_top_ctrs *c = &s->ctr[s->cur];
	c->n = 0;
	struct if_stats_msg hdr;
	memset(&hdr, 0, sizeof(hdr));
	hdr.family = AF_UNSPEC;
	hdr.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
	int r = ct_nl_dump(&s->st, RTM_GETSTATS, &hdr, sizeof(hdr), stats_msg, c);
	if (r < 0) {
		snprintf(s->stats_note, sizeof(s->stats_note), "link counters: RTM_GETSTATS: %s",
			 strerror(-r));
		c->n = 0;
		c->at_ms = 0;
		return;
	}
	s->stats_note[0] = 0;
	c->at_ms = ct_top_mono_ms();
	ct_top_ctrs_sort(c);
}

/* a /proc file from offset 0 into s->nbuf (a seq_file: read until 0) */
static int read_proc(struct ct_top_src *s, int fd, size_t *len)
{
	size_t n = 0;
	for (;;) {
		if (s->nbuf_cap - n < 4096) {
			size_t nc = s->nbuf_cap ? s->nbuf_cap * 2 : 65536;
			if (nc > (4u << 20))
				return -EFBIG;
			char *b = realloc(s->nbuf, nc);
			if (!b)
				return -ENOMEM;
			s->nbuf = b;
			s->nbuf_cap = nc;
		}
		ssize_t r = pread(fd, s->nbuf + n, s->nbuf_cap - n - 1, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	s->nbuf[n] = 0;
	*len = n;
	return 0;
}

/* the SNMP counters (snmp, netstat) and conntrack's, without /proc/net/dev: the link
 * counters come from RTM_GETSTATS, and that file costs a line per interface */
static void read_nstat(struct ct_top_src *s)
{
	static const char *const names[CT_PROBE_NSTAT_FILES] = {
	    "/proc/net/snmp", "/proc/net/netstat", "/proc/net/dev", "/proc/net/stat/nf_conntrack"};
	if (!s->nstat_open)
		return;
	int k = !s->ncur;
	ct_nstat_init(s->nst[k]);
	for (int i = 0; i < CT_PROBE_NSTAT_FILES; i++) {
		if (i == 2 || (i == 3 && s->nstat_fds[i] < 0))
			continue;
		size_t len = 0;
		char why[128];
		int r = s->nstat_fds[i] < 0 ? -EBADF : read_proc(s, s->nstat_fds[i], &len);
		if (r < 0) {
			snprintf(s->nstat_note, sizeof(s->nstat_note), "cannot read '%s': %s",
				 names[i], strerror(-r));
			s->nst_have[k] = false;
			return;
		}
		r = i < 2 ? ct_nstat_parse(s->nst[k], s->nbuf, len, why, sizeof(why))
			  : ct_ctstat_parse(s->nst[k], s->nbuf, len, why, sizeof(why));
		if (r < 0) {
			snprintf(s->nstat_note, sizeof(s->nstat_note), "'%s' %s", names[i], why);
			s->nst_have[k] = false;
			return;
		}
	}
	s->nstat_note[0] = 0;
	s->nst_have[k] = true;
	s->nst_at[k] = ct_top_mono_ms();
	s->ncur = k;
}

/* ---------------------------------------------------------------- pod namespaces */

static void podfd_close(struct ct_top_podfd *f)
{
	if (f->open)
		ct_probe_nstat_close(f->fds);
	f->open = false;
}

static size_t pods_open_count(const struct ct_top_src *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->npnd; i++)
		n += s->podfd[i].open;
	return n;
}

/* Opens a pod namespace's files (in it), keeping snmp, netstat and conntrack's. */
static void pod_open(struct ct_top_src *s, size_t i, const struct ct_netns *ns)
{
	struct ct_top_nsdrops *d = &s->pnd[i];
	struct ct_top_podfd *f = &s->podfd[i];
	if (!ns->path[0]) {
		snprintf(d->note, sizeof(d->note), "not read: no path to enter the namespace");
		return;
	}
	if (pods_open_count(s) >= s->pod_budget) {
		snprintf(d->note, sizeof(d->note),
			 "not read: more pod namespaces than open files allow (ulimit -n)");
		return;
	}
	struct ct_err e = {0};
	if (ct_probe_nstat_open(ns->path, f->fds, &e) < 0) {
		char q[140];
		snprintf(d->note, sizeof(d->note), "not read: %s", ct_esc_str(q, sizeof(q), e.msg));
		return;
	}
	if (f->fds[2] >= 0) { /* /proc/net/dev: the link counters come from elsewhere */
		close(f->fds[2]);
		f->fds[2] = -1;
	}
	f->open = true;
	d->note[0] = 0;
}

/* Follows the model's pod namespaces (ns.v[1..]): a new one is opened, a gone one closed. */
static void pods_sync(struct ct_top_src *s)
{
	const struct ct_node *n = &s->lv.node;
	for (size_t i = 0; i < s->npnd; i++)
		s->podfd[i].seen = false;
	for (size_t k = 1; k < n->ns.n; k++) {
		const struct ct_netns *ns = &n->ns.v[k];
		size_t j = s->npnd;
		if (k - 1 < s->npnd && !strcmp(s->pnd[k - 1].netns, ns->name))
			j = k - 1; /* the usual case: the same order as before */
		for (size_t q = 0; j == s->npnd && q < s->npnd; q++)
			if (!strcmp(s->pnd[q].netns, ns->name))
				j = q;
		if (j < s->npnd && s->podfd[j].inode != ns->inode) {
			/* a new namespace under an old name: read the new one */
			podfd_close(&s->podfd[j]);
			s->podfd[j].inode = ns->inode;
			s->podfd[j].at = 0;
			s->pnd[j].known = false;
			pod_open(s, j, ns);
		}
		if (j < s->npnd) {
			s->podfd[j].seen = true;
			continue;
		}
		if (s->npnd == s->pnd_cap) {
			size_t nc = s->pnd_cap ? s->pnd_cap * 2 : 16;
			void *a = realloc(s->pnd, nc * sizeof(*s->pnd));
			if (!a)
				return;
			s->pnd = a;
			void *b = realloc(s->podfd, nc * sizeof(*s->podfd));
			if (!b)
				return;
			s->podfd = b;
			s->pnd_cap = nc;
		}
		struct ct_top_nsdrops *d = &s->pnd[s->npnd];
		struct ct_top_podfd *f = &s->podfd[s->npnd];
		memset(d, 0, sizeof(*d));
		memset(f, 0, sizeof(*f));
		for (int q = 0; q < CT_PROBE_NSTAT_FILES; q++)
			f->fds[q] = -1;
		f->seen = true;
		f->inode = ns->inode;
		snprintf(d->netns, sizeof(d->netns), "%s", ns->name);
		s->npnd++;
		pod_open(s, s->npnd - 1, ns);
	}
	size_t w = 0;
	for (size_t i = 0; i < s->npnd; i++) {
		if (!s->podfd[i].seen) {
			podfd_close(&s->podfd[i]);
			continue;
		}
		if (w != i) {
			s->pnd[w] = s->pnd[i];
			s->podfd[w] = s->podfd[i];
		}
		w++;
	}
	s->npnd = w;
}

/* Reads one pod namespace's drop counters into pnd[i] (the last read becomes the previous). */
static void pod_read(struct ct_top_src *s, size_t i)
{
	static const char *const names[CT_PROBE_NSTAT_FILES] = {
	    "/proc/net/snmp", "/proc/net/netstat", "/proc/net/dev", "/proc/net/stat/nf_conntrack"};
	struct ct_top_nsdrops *d = &s->pnd[i];
	struct ct_top_podfd *f = &s->podfd[i];
	if (!f->open)
		return;
	ct_nstat_init(s->pscratch);
	for (int k = 0; k < CT_PROBE_NSTAT_FILES; k++) {
		if (f->fds[k] < 0)
			continue;
		size_t len = 0;
		char why[128];
		int r = read_proc(s, f->fds[k], &len);
		if (r < 0) {
			snprintf(d->note, sizeof(d->note), "not read: cannot read '%s': %s",
				 names[k], strerror(-r));
			d->known = false;
			return;
		}
		r = k < 2 ? ct_nstat_parse(s->pscratch, s->nbuf, len, why, sizeof(why))
			  : ct_ctstat_parse(s->pscratch, s->nbuf, len, why, sizeof(why));
		if (r < 0) {
			snprintf(d->note, sizeof(d->note), "not read: '%s' %s", names[k], why);
			d->known = false;
			return;
		}
	}
	int64_t now = ct_top_mono_ms();
	memcpy(d->pv, d->v, sizeof(d->v));
	d->phave = d->known ? d->have : 0;
	d->dt_ms = f->at ? now - f->at : 0;
	d->have = 0;
	for (size_t k = 0; ct_top_drop_counters[k][0] && k < CT_TOP_DROPS_MAX; k++)
		if (ct_nstat_get(s->pscratch, ct_top_drop_counters[k][0], &d->v[k]))
			d->have |= 1u << k;
	f->at = now;
	d->known = true;
	d->note[0] = 0;
}

/* A pod namespace costs about 0.1 ms a read (the kernel prints three files, we parse them):
 * each tick reads the new ones and a fifth of the others in turn, so each is read every
 * POD_TICKS ticks and a node of 1000 pods stays cheap. */
#define POD_TICKS 5

static void read_pods(struct ct_top_src *s)
{
	if (!s->pscratch)
		return;
	pods_sync(s);
	size_t n = s->npnd, budget = (n + POD_TICKS - 1) / POD_TICKS;
	for (size_t i = 0; i < n; i++)
		if (!s->podfd[i].at)
			pod_read(s, i); /* new: read at once (the first frame has them all) */
	for (size_t k = 0; k < budget && n; k++) {
		size_t i = (s->pod_next + k) % n;
		if (s->podfd[i].at)
			pod_read(s, i);
	}
	s->pod_next = n ? (s->pod_next + budget) % n : 0;
}

/* ---------------------------------------------------------------- children */

static void child_reset(struct ct_top_child *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->pid = 0;
	c->len = 0;
}

static void child_kill(struct ct_top_child *c)
{
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	child_reset(c);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Starts fn in a child writing to a pipe. 0 or -1 (the reason in why). */
static int child_start(struct ct_top_child *c, void (*fn)(struct ct_top_src *s, int fd),
		       struct ct_top_src *s, char *why, size_t whylen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		signal(SIGPIPE, SIG_IGN);
		fn(s, p[1]);
		_exit(0);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	c->pid = pid;
	c->fd = p[0];
	c->len = 0;
	c->runs++;
	c->deadline = ct_top_mono_ms() + ms_of(s->o.timeout_s, 10) + 1000;
	return 0;
}

/* Reads what the pipe holds: 1 at the end of the answer, 0 for more, -1 on error. */
static int child_read(struct ct_top_child *c)
{
	for (;;) {
		if (c->cap - c->len < 4096) {
			size_t nc = c->cap ? c->cap * 2 : 65536;
			if (nc > CHILD_MAX_BYTES + 1)
				return -1;
			char *b = realloc(c->buf, nc);
			if (!b)
				return -1;
			c->buf = b;
			c->cap = nc;
		}
		ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return 0;
		if (r < 0)
			return -1;
		if (r == 0) {
			c->buf[c->len] = 0;
			waitpid(c->pid, NULL, 0);
			c->pid = 0;
			return 1;
		}
		c->len += (size_t)r;
	}
}

static void bird_child(struct ct_top_src *s, int fd)
{
	struct ct_node n;
	ct_node_init(&n);
	struct ct_bgp_gather_opts g = {
	    .netns_spec = s->o.netns_spec,
	    .socket = s->o.bird_socket,
	    .proc_root = s->o.proc_root,
	    .timeout_s = s->o.timeout_s > 0 ? s->o.timeout_s : 10,
	    .routes = true, /* the route checks of the live doctor compare them with the kernel's */
	};
	struct ct_err err = {0};
	int rc = ct_bgp_gather(&n, &g, &err);
	struct ct_bgp empty;
	ct_bgp_init(&empty);
	char *json = NULL;
	if (ct_bgp_to_json(n.bgp ? n.bgp : &empty, rc < 0 ? err.msg : NULL, &json) == 0 && json)
		write_all(fd, json, strlen(json));
	_exit(0);
}

/* "peer Mesh_x: Established -> Active (Socket: Connection refused)" for each change */
static void bgp_diff(struct ct_top_src *s, const struct ct_bgp *old, const struct ct_bgp *nw)
{
	char a[200], b[64];
	for (size_t i = 0; nw && i < nw->n_peers; i++) {
		const struct ct_bgp_peer *p = &nw->peers[i];
		if (strcmp(p->proto, "BGP") != 0)
			continue;
		const struct ct_bgp_peer *q = NULL;
		for (size_t k = 0; old && k < old->n_peers && !q; k++)
			if (!strcmp(old->peers[k].name, p->name))
				q = &old->peers[k];
		if (q && !strcmp(q->bgp_state, p->bgp_state))
			continue;
		char cause[192] = "";
		ct_top_peer_cause(p, cause, sizeof(cause));
		ct_top_event(s, "bgp", "peer %s: %s -> %s%s%s%s", ct_esc_str(b, sizeof(b), p->name),
			     q ? (q->bgp_state[0] ? q->bgp_state : q->state) : "(new)",
			     p->bgp_state[0] ? p->bgp_state : p->state, cause[0] ? " (" : "",
			     cause[0] ? ct_esc_str(a, sizeof(a), cause) : "", cause[0] ? ")" : "");
	}
}

static void bird_done(struct ct_top_src *s)
{
	/* the same answer as the last one (the usual case): nothing changed, nothing to redo */
	if (s->bird_asked && s->bird_last && s->bird.len == s->bird_last_len &&
	    !memcmp(s->bird.buf, s->bird_last, s->bird.len))
		return;
	free(s->bird_last);
	s->bird_last = malloc(s->bird.len + 1);
	s->bird_last_len = s->bird_last ? s->bird.len : 0;
	if (s->bird_last)
		memcpy(s->bird_last, s->bird.buf, s->bird.len + 1);
	struct ct_bgp *b = calloc(1, sizeof(*b));
	char error[512] = "";
	struct ct_err err = {0};
	bool was_up = s->bgp != NULL, asked = s->bird_asked;
	s->bird_asked = true;
	if (!b)
		return;
	ct_bgp_init(b);
	if (!s->bird.len ||
	    ct_bgp_from_json(s->bird.buf, "BIRD", b, error, sizeof(error), &err) < 0) {
		ct_bgp_free(b);
		free(b);
		snprintf(s->bird_error, sizeof(s->bird_error), "%s",
			 s->bird.len ? err.msg : "the BIRD query ended without an answer");
		b = NULL;
	} else if (error[0]) {
		ct_bgp_free(b);
		free(b);
		b = NULL;
		snprintf(s->bird_error, sizeof(s->bird_error), "%s", error);
	} else {
		s->bird_error[0] = 0;
	}
	char e[300];
	if (was_up && !b)
		ct_top_event(s, "bgp", "BIRD down: %s", ct_esc_str(e, sizeof(e), s->bird_error));
	else if (!was_up && b && asked)
		ct_top_event(s, "bgp", "BIRD up");
	if (b)
		bgp_diff(s, s->bgp, b);
	if (s->bgp) {
		ct_bgp_free(s->bgp);
		free(s->bgp);
	}
	s->bgp = b;
	s->dirty = true;
}

static void pol_child(struct ct_top_src *s, int fd)
{
	struct ct_policy pol;
	struct ct_err err = {0};
	ct_policy_init(&pol);
	char line[512];
	int n;
	if (ct_policy_gather(&pol, s->o.netns_spec, s->o.timeout_s > 0 ? s->o.timeout_s : 10,
			     &err) < 0) {
		n = snprintf(line, sizeof(line), "error %s\n", err.msg);
		write_all(fd, line, (size_t)n);
		_exit(0);
	}
	if (pol.no_cap) {
		write_all(fd, "nocap\n", 6);
		_exit(0);
	}
	const struct ct_netns *ns = &s->lv.node.ns.v[0];
	size_t nn = 0;
	const char **names = calloc(ns->links.n + 1, sizeof(*names));
	if (!names)
		_exit(0);
	if (s->pol_focus_run)
		names[nn++] = s->pol_focus; /* the selected workload only */
	else
		for (size_t i = 0; i < ns->links.n; i++)
			if (ct_is_workload(s->o.prefixes, ns->links.v[i].name))
				names[nn++] = ns->links.v[i].name;
	if (ct_policy_follow(&pol, names, nn) < 0)
		_exit(0);
	const char *head = ct_policy_any_read(&pol) ? "ok\n" : "none\n";
	write_all(fd, head, strlen(head));
	for (size_t i = 0; i < nn; i++) {
		const struct ct_wl_policy *w = ct_policy_of(&pol, names[i]);
		if (!w)
			continue;
		n = snprintf(line, sizeof(line), "%s %llu\n", names[i],
			     (unsigned long long)w->dropped);
		write_all(fd, line, (size_t)n);
	}
	_exit(0);
}

/* The answer of a read of the selected workload only: its entry is updated (or added); a
 * failed read changes nothing (the periodic read reports the errors). */
static void pol_focus_done(struct ct_top_src *s)
{
	char *p = s->pol.buf, *end = p + s->pol.len;
	char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || strncmp(p, "ok\n", 3) != 0)
		return;
	s->pol_focus_reads++;
	char *q = nl + 1, *e = memchr(q, '\n', (size_t)(end - q));
	if (!e)
		return;
	*e = 0;
	char *sp = strchr(q, ' ');
	unsigned long long v;
	if (!sp || (size_t)(sp - q) >= CT_IFNAMSIZ || sscanf(sp + 1, "%llu", &v) != 1)
		return;
	*sp = 0;
	if (!s->pol_known)
		return; /* no periodic answer yet: the rows are unknown, one row alone is not
			 * the pane */
	for (size_t i = 0; i < s->npol; i++)
		if (!strcmp(s->polv[i].iface, q)) {
			s->polv[i].dropped = v;
			return;
		}
	void *nv = realloc(s->polv, (s->npol + 1) * sizeof(*s->polv));
	if (!nv)
		return;
	s->polv = nv;
	snprintf(s->polv[s->npol].iface, CT_IFNAMSIZ, "%s", q);
	s->polv[s->npol++].dropped = v;
}

/* The child's lines: "ok" | "none" | "nocap" | "error MSG", then "IFACE DROPPED" lines. */
static void pol_done(struct ct_top_src *s)
{
	if (s->pol_focus_run) {
		s->pol_focus_run = false;
		pol_focus_done(s);
		return;
	}
	char *p = s->pol.buf, *end = p + s->pol.len;
	char *nl = memchr(p, '\n', (size_t)(end - p));
	s->npol = 0;
	s->pol_known = false;
	if (!nl) {
		snprintf(s->pol_note, sizeof(s->pol_note), "policy counters: no answer");
		return;
	}
	*nl = 0;
	if (!strcmp(p, "nocap")) {
		snprintf(s->pol_note, sizeof(s->pol_note),
			 "policy counters need CAP_NET_ADMIN: POL_DROPS not read");
		return;
	}
	if (!strncmp(p, "error ", 6)) {
		char e[200];
		snprintf(s->pol_note, sizeof(s->pol_note), "policy counters: %s",
			 ct_esc_str(e, sizeof(e), p + 6));
		return;
	}
	if (!strcmp(p, "none")) {
		snprintf(s->pol_note, sizeof(s->pol_note), "no Felix policy rules found");
		s->pol_known = true;
		return;
	}
	if (strcmp(p, "ok") != 0) {
		snprintf(s->pol_note, sizeof(s->pol_note), "policy counters: a malformed answer");
		return;
	}
	size_t cap = 0;
	for (char *q = nl + 1; q < end;) {
		char *e = memchr(q, '\n', (size_t)(end - q));
		if (!e)
			break;
		*e = 0;
		char name[CT_IFNAMSIZ];
		unsigned long long v;
		char *sp = strchr(q, ' ');
		if (sp && (size_t)(sp - q) < sizeof(name) && sscanf(sp + 1, "%llu", &v) == 1) {
			memcpy(name, q, (size_t)(sp - q));
			name[sp - q] = 0;
			if (s->npol == cap) {
				size_t nc = cap ? cap * 2 : 64;
				void *nv = realloc(s->polv, nc * sizeof(*s->polv));
				if (!nv)
					break;
				s->polv = nv;
				cap = nc;
			}
			snprintf(s->polv[s->npol].iface, CT_IFNAMSIZ, "%s", name);
			s->polv[s->npol++].dropped = v;
		}
		q = e + 1;
	}
	s->pol_known = true;
	s->pol_note[0] = 0;
}

/* Reads a child; deals with its end and its deadline. */
static void child_service(struct ct_top_src *s, struct ct_top_child *c, bool readable,
			  void (*done)(struct ct_top_src *s), const char *what)
{
	if (c->fd < 0)
		return;
	if (readable) {
		int r = child_read(c);
		if (r != 0) {
			if (r < 0) {
				kill(c->pid, SIGKILL);
				waitpid(c->pid, NULL, 0);
				c->pid = 0;
				c->len = 0;
			}
			done(s);
			child_reset(c);
			return;
		}
	}
	if (ct_top_mono_ms() >= c->deadline) {
		c->timeouts++;
		child_kill(c);
		if (c == &s->bird) {
			bool was = s->bgp != NULL;
			snprintf(s->bird_error, sizeof(s->bird_error),
				 "BIRD did not answer within %.0f s",
				 s->o.timeout_s > 0 ? s->o.timeout_s : 10);
			if (s->bgp) {
				ct_bgp_free(s->bgp);
				free(s->bgp);
				s->bgp = NULL;
			}
			s->bird_asked = true;
			s->dirty = true;
			if (was)
				ct_top_event(s, "bgp", "BIRD down: %s", s->bird_error);
		} else if (s->pol_focus_run) {
			s->pol_focus_run = false; /* the periodic read says what is wrong */
		} else {
			snprintf(s->pol_note, sizeof(s->pol_note), "%s did not answer in time",
				 what);
			s->pol_known = false;
		}
	}
}

/* ---------------------------------------------------------------- flows */

#define TOP_FLOWS 20 /* flows kept in a frame */

static void on_packet(void *arg, size_t src, const struct ct_cap_rec *r)
{
	struct ct_top_src *s = arg;
	const struct ct_cap_src *cs = &s->cap.src[src];
	ct_pkt_decode(r->data, r->caplen, r->len, cs->linktype, &s->dopts, s->pkt);
	if (s->pkt->status != CT_PKT_OK)
		return;
	uint64_t ts = (uint64_t)r->sec * 1000000u + (uint64_t)(uint32_t)r->usec;
	/* one interface id per capture source: "any" names none, and a packet seen on two
	 * interfaces of the node counts once per interface (analysis/flows.h) */
	uint16_t iface = (uint16_t)(cs->any ? (uint16_t)s->pkt->sll_ifindex : src);
	if (ct_flows_add(&s->flows, s->pkt, ts, iface) < 0)
		snprintf(s->flows_note, sizeof(s->flows_note), "flows: out of memory");
}

static void flows_open(struct ct_top_src *s, const struct ct_top_opts *o)
{
	struct ct_err e = {0};
	s->pkt = calloc(1, sizeof(*s->pkt));
	if (!s->pkt || ct_flows_init(&s->flows, 65536) < 0) {
		snprintf(s->flows_note, sizeof(s->flows_note), "flows: out of memory");
		return;
	}
	s->flows_init = true;
	ct_cap_init(&s->cap);
	struct ct_cap_opts co = {.snaplen = 256};
	if (ct_cap_open_live(&s->cap, o->netns_spec, "any", &co, &e) < 0 ||
	    ct_cap_set_filter(&s->cap, "ip proto 4 or udp port 4789 or udp port 8472", &e) < 0) {
		snprintf(s->flows_note, sizeof(s->flows_note), "flows not captured: %s", e.msg);
		ct_cap_free(&s->cap);
		return;
	}
	s->cap_open = true;
}

/* the top flows for the frame (ranked now) */
static void flows_rank(struct ct_top_src *s)
{
	if (!s->flows_init)
		return;
	struct ct_flows_view v;
	uint64_t now = (uint64_t)wall_ms() * 1000u;
	ct_flows_flush(&s->flows);
	if (ct_flows_rank_top(&s->flows, now, TOP_FLOWS, &v) < 0)
		return;
	if (!s->fsum)
		s->fsum = calloc(TOP_FLOWS, sizeof(*s->fsum));
	s->nfsum = 0;
	s->fsum_total = v.n;
	for (size_t i = 0; s->fsum && i < v.n_v && i < TOP_FLOWS; i++)
		ct_flow_summary(&s->flows, v.v[i].head, now, &s->fsum[s->nfsum++]);
	ct_flows_view_free(&v);
}

/* ---------------------------------------------------------------- the loop */

int ct_top_open(struct ct_top_src *s, const struct ct_top_opts *o, struct ct_err *err)
{
	memset(s, 0, sizeof(*s));
	s->o = *o;
	s->bird.fd = s->pol.fd = -1;
	for (int i = 0; i < CT_PROBE_NSTAT_FILES; i++)
		s->nstat_fds[i] = -1;
	ct_findings_init(&s->findings);
	s->nst[0] = malloc(sizeof(struct ct_nstat));
	s->nst[1] = malloc(sizeof(struct ct_nstat));
	if (!s->nst[0] || !s->nst[1]) {
		ct_top_close(s);
		return ct_err_set(err, CT_EXIT_GATHER, "out of memory");
	}
	if (o->log_path) {
		if (ct_outfile_open(&s->log, o->log_path, CT_OUTFILE_APPEND, err) < 0) {
			ct_top_close(s);
			return -1;
		}
		s->log_open = true;
	}
	struct ct_live_opts lo = {
	    .netns_spec = o->netns_spec,
	    .prefixes = o->prefixes,
	    .proc_root = o->proc_root,
	    .drop = observe,
	    .drop_arg = s,
	};
	if (ct_live_open(&s->lv, &lo, err) < 0) {
		ct_top_close(s);
		return -1;
	}
	s->live_open = true;
	int r = s->lv.nodefd >= 0 ? ct_nl_open_in(&s->st, s->lv.nodefd) : ct_nl_open(&s->st);
	if (r < 0)
		snprintf(s->stats_note, sizeof(s->stats_note), "link counters: %s", strerror(-r));
	else
		s->st_open = true;
	struct ct_err e = {0};
	/* each pod namespace holds 3 files open: keep 256 descriptors for the rest */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < 16384) {
			rl.rlim_cur = rl.rlim_max < 16384 ? rl.rlim_max : 16384;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		s->pod_budget = rl.rlim_cur > 256 ? (size_t)(rl.rlim_cur - 256) / 3 : 0;
	}
	s->pscratch = malloc(sizeof(struct ct_nstat));
	if (ct_probe_nstat_open(o->netns_spec, s->nstat_fds, &e) < 0)
		snprintf(s->nstat_note, sizeof(s->nstat_note), "%s", e.msg);
	else
		s->nstat_open = true;
	if (o->flows)
		flows_open(s, o);
	s->model_at = wall_ms();
	s->dirty = true;
	if (o->no_policy)
		snprintf(s->pol_note, sizeof(s->pol_note), "policy counters not read");
	ct_top_event(s, "note", "watching %zu interfaces in %s", s->lv.node.ns.v[0].links.n,
		     s->lv.node.ns.v[0].name);
	return 0;
}

void ct_top_close(struct ct_top_src *s)
{
	child_kill(&s->bird);
	child_kill(&s->pol);
	free(s->bird.buf);
	free(s->pol.buf);
	s->bird.buf = s->pol.buf = NULL;
	if (s->live_open)
		ct_live_close(&s->lv);
	s->live_open = false;
	if (s->st_open)
		ct_nl_close(&s->st);
	s->st_open = false;
	if (s->nstat_open)
		ct_probe_nstat_close(s->nstat_fds);
	s->nstat_open = false;
	for (size_t i = 0; i < s->npnd; i++)
		podfd_close(&s->podfd[i]);
	free(s->pnd);
	free(s->podfd);
	s->pnd = NULL;
	s->podfd = NULL;
	s->npnd = s->pnd_cap = 0;
	free(s->pscratch);
	s->pscratch = NULL;
	ct_top_ctrs_free(&s->ctr[0]);
	ct_top_ctrs_free(&s->ctr[1]);
	free(s->nst[0]);
	free(s->nst[1]);
	s->nst[0] = s->nst[1] = NULL;
	if (s->bgp) {
		ct_bgp_free(s->bgp);
		free(s->bgp);
		s->bgp = NULL;
	}
	free(s->polv);
	s->polv = NULL;
	if (s->cap_open)
		ct_cap_free(&s->cap);
	s->cap_open = false;
	if (s->flows_init)
		ct_flows_free(&s->flows);
	s->flows_init = false;
	free(s->pkt);
	s->pkt = NULL;
	free(s->fsum);
	s->fsum = NULL;
	free(s->nbuf);
	s->nbuf = NULL;
	free(s->bird_last);
	s->bird_last = NULL;
	ct_findings_free(&s->findings);
	if (s->log_open) {
		struct ct_err e = {0};
		ct_outfile_close(&s->log, &e);
		s->log_open = false;
	}
}

size_t ct_top_fds(const struct ct_top_src *s, struct pollfd *pfd)
{
	size_t n = 0;
	pfd[n++] = (struct pollfd){.fd = ct_live_fd(&s->lv), .events = POLLIN};
	if (s->bird.fd >= 0)
		pfd[n++] = (struct pollfd){.fd = s->bird.fd, .events = POLLIN};
	if (s->pol.fd >= 0)
		pfd[n++] = (struct pollfd){.fd = s->pol.fd, .events = POLLIN};
	if (s->cap_open) {
		size_t src_of[CT_TOP_MAXFDS];
		n += ct_cap_pollfds(&s->cap, pfd + n, src_of, CT_TOP_MAXFDS - n);
	}
	return n;
}

static void live_step(struct ct_top_src *s, struct ct_err *err, int *rc)
{
	int r = ct_live_step(&s->lv, err);
	if (r < 0) {
		*rc = -1;
	} else {
		if (r > 0)
			s->dirty = true;
		if (!s->lv.stale)
			s->model_at = wall_ms();
	}
	if (s->lv.resyncs != s->seen_resyncs) {
		s->seen_resyncs = s->lv.resyncs;
		s->dirty = true;
		ct_top_event(s, "resync", "%s (resync %u)", CT_LIVE_LOST_MSG, s->lv.resyncs);
	}
	char m[256];
	if (ct_live_message(&s->lv, m, sizeof(m)))
		snprintf(s->live_note, sizeof(s->live_note), "%s", m);
}

int ct_top_service(struct ct_top_src *s, const struct pollfd *pfd, size_t n, struct ct_err *err)
{
	int rc = 0;
	bool live = false, bird = false, pol = false;
	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == ct_live_fd(&s->lv))
			live = true;
		else if (pfd[i].fd == s->bird.fd)
			bird = true;
		else if (pfd[i].fd == s->pol.fd)
			pol = true;
		else if (s->cap_open)
			for (size_t k = 0; k < s->cap.n; k++)
				if (s->cap.src[k].fd == pfd[i].fd) {
					struct ct_err e = {0};
					if (ct_cap_dispatch(&s->cap, k, 1000, on_packet, s, &e) < 0)
						snprintf(s->flows_note, sizeof(s->flows_note),
							 "flows: %s", e.msg);
				}
	}
	if (live)
		live_step(s, err, &rc);
	child_service(s, &s->bird, bird, bird_done, "BIRD");
	child_service(s, &s->pol, pol, pol_done, "the policy read");
	return rc;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int ct_top_timeout_ms(const struct ct_top_src *s)
{
	int64_t now = ct_top_mono_ms(), t = s->next_tick;
	if (s->bird.pid > 0)
		t = min64(t, s->bird.deadline);
	if (s->pol.pid > 0)
		t = min64(t, s->pol.deadline);
	return t <= now ? 0 : (int)min64(t - now, 60000);
}

bool ct_top_due(const struct ct_top_src *s)
{
	return ct_top_mono_ms() >= s->next_tick;
}

int ct_top_tick(struct ct_top_src *s, struct ct_err *err)
{
	int rc = 0;
	int64_t now = ct_top_mono_ms();
	s->next_tick = now + ms_of(s->o.tick_s, 1);
	live_step(s, err, &rc);
	if (now >= s->next_slow) {
		struct ct_err e = {0};
		if (ct_live_poll(&s->lv, &e) == 0)
			s->dirty = true;
		s->next_slow = now + ms_of(s->o.slow_interval_s, 60);
	}
	read_stats(s);
	read_nstat(s);
	read_pods(s);
	char why[200];
	if (s->bird.pid == 0 && now >= s->bird.next) {
		/* a BIRD that is not there is asked less often (15 s): finding out costs a fork,
		 * a socket search and the kernel's TCP table */
		s->bird.next =
		    now + (s->bird_asked && !s->bgp ? 15000 : ms_of(s->o.bird_interval_s, 3));
		if (child_start(&s->bird, bird_child, s, why, sizeof(why)) < 0)
			snprintf(s->bird_error, sizeof(s->bird_error), "%s", why);
	}
	if (!s->o.no_policy && s->pol.pid == 0 && now >= s->pol.next) {
		s->pol.next = now + ms_of(s->o.policy_interval_s, 10);
		s->pol_focus_run = false;
		if (child_start(&s->pol, pol_child, s, why, sizeof(why)) < 0)
			snprintf(s->pol_note, sizeof(s->pol_note), "%s", why);
	} else if (!s->o.no_policy && s->pol.pid == 0 && s->pol_focus[0] && s->pol_known) {
		s->pol_focus_run = true;
		if (child_start(&s->pol, pol_child, s, why, sizeof(why)) < 0)
			s->pol_focus_run = false;
	}
	s->ticks++;
	return rc;
}

void ct_top_set_focus(struct ct_top_src *s, const char *iface)
{
	snprintf(s->pol_focus, sizeof(s->pol_focus), "%s", iface ? iface : "");
}

/* The pods read at start (--pods) into the live model, which a resync replaces. */
static void attach_pods(struct ct_top_src *s)
{
	struct ct_node *n = &s->lv.node;
	const struct ct_node *p = s->o.pods_from;
	if (!p || !p->have_pods || n->have_pods)
		return;
	struct ct_pod *v = p->pods.n ? malloc(p->pods.n * sizeof(*v)) : NULL;
	if (p->pods.n && !v)
		return; /* no names this frame; tried again on the next */
	if (p->pods.n)
		memcpy(v, p->pods.v, p->pods.n * sizeof(*v));
	free(n->pods.v);
	n->pods.v = v;
	n->pods.n = n->pods.cap = p->pods.n;
	n->have_pods = true;
	s->dirty = true; /* the findings join the pods too */
}

int ct_top_update_findings(struct ct_top_src *s, bool force)
{
	attach_pods(s);
	int64_t t0 = ct_top_mono_ms();
	if (!s->dirty || (!force && s->have_findings && t0 < s->next_findings))
		return 0;
	struct ct_node *n = &s->lv.node;
	struct ct_findings f;
	ct_findings_init(&f);
	n->bgp = s->bgp;
	snprintf(n->bgp_error, sizeof(n->bgp_error), "%s",
		 s->bgp		 ? ""
		 : s->bird_asked ? s->bird_error
				 : "BIRD not asked yet");
	int r = ct_top_findings(n, &n->ns.v[0], s->o.prefixes, &f);
	n->bgp = NULL;
	if (r < 0) {
		ct_findings_free(&f);
		return -1;
	}
	ct_findings_free(&s->findings);
	s->findings = f;
	s->dirty = false;
	s->have_findings = true;
	/* a node with thousands of findings takes a while: never more than a fifth of the time */
	s->next_findings = ct_top_mono_ms() + 4 * (ct_top_mono_ms() - t0);
	return 1;
}

int ct_top_frame(struct ct_top_src *s, struct ct_top_frame *fr)
{
	attach_pods(s);
	struct ct_node *n = &s->lv.node;
	if (!s->have_findings && ct_top_update_findings(s, true) < 0)
		return -1;
	const struct ct_top_ctrs *cur = s->ctr[s->cur].at_ms ? &s->ctr[s->cur] : NULL;
	const struct ct_top_ctrs *prev = s->ctr[!s->cur].at_ms ? &s->ctr[!s->cur] : NULL;
	int k = s->ncur;
	struct ct_top_input in = {
	    .n = n,
	    .ns = &n->ns.v[0],
	    .pfx = s->o.prefixes,
	    .prev = prev,
	    .cur = cur,
	    .stats_ok = cur != NULL,
	    .stats_note = s->stats_note,
	    .nstat_cur = s->nst_have[k] ? s->nst[k] : NULL,
	    .nstat_prev = s->nst_have[!k] ? s->nst[!k] : NULL,
	    .nstat_dt_ms = s->nst_at[k] - s->nst_at[!k],
	    .nstat_note = s->nstat_note,
	    .podns = s->pnd,
	    .npodns = s->npnd,
	    .bgp = s->bgp,
	    .bird_error = s->bird_error,
	    .bird_pending = !s->bird_asked,
	    .pol = s->pol_known ? s->polv : NULL,
	    .npol = s->npol,
	    .pol_note = s->pol_note,
	    .findings = &s->findings,
	    .events = s->ev,
	    .nevents = s->nev,
	    .now = wall_ms(),
	    .model_at = s->model_at,
	    .resyncs = s->lv.resyncs,
	    .stale = s->lv.stale,
	    .live_note = s->live_note,
	    .source = "live",
	    .ticks = s->ticks,
	    .flows_on = s->o.flows,
	    .flows_note = s->flows_note,
	};
	if (s->o.flows) {
		flows_rank(s);
		in.flows = s->fsum;
		in.nflows = s->nfsum;
		in.flows_total = s->fsum_total;
	}
	return ct_top_frame_build(&in, fr);
}
