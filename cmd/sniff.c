/* SPDX-License-Identifier: MIT */
/*
 * caltrace sniff [-i [NS:]IFACE]... [-n NS]... [-r FILE] [-w FILE] [-c N] [-s N]
 *                [--inner EXPR] [--flows [--interval S] [--max-flows N]] [--vxlan-port P]...
 *                [--checksums] [-Z USER] [FILTER...]
 *
 * Capture (probes/capture.c) -> decode (model/pkt_decode.c) -> inner filter ->
 * packet lines or NDJSON (render/pkt_text.c), and flows (analysis/flows.c).
 * Every handle is opened and filtered and, without -Z, the -w file opened
 * first; then privileges are dropped (with -Z, to USER, who then opens the -w
 * file: probes/outfile.h's rules, the kernel checking USER's rights); only then
 * is the first packet read. Every write to the -w file is checked: the first
 * failure stops the capture and is reported as "writing 'FILE': REASON", exit 3.
 *
 * Sources: each -i NS:IFACE names its namespace; each -i IFACE is captured in
 * every -n namespace (or the current one without -n); without a plain -i,
 * each -n namespace (or the current one, when there is no -i at all) is
 * captured on "any".
 *
 * Several live captures go out in time order: each packet waits in the order
 * queue (probes/capture.h) until the capture timeout has passed since its
 * stamp; -c counts and -w writes in that order. One capture goes as it comes.
 *
 * Exit: 0 done (also after SIGINT/SIGTERM), 2 usage or a bad filter, 3 could
 * not capture, or a file that cannot be read or is cut short (reported after
 * the packets before the fault are printed).
 *
 * Standard output (packet lines, flows, or the pcap of -w -): SIGPIPE is ignored
 * while packets are read, so that the counts still reach stderr when the reader
 * goes away: a write that fails with EPIPE (`caltrace sniff | head`) ends the
 * capture like -c does, exit 0. Any other write error (ENOSPC, EIO) stops it too
 * and is reported by main (ct_stdout_finish: one line, exit 3). -w FILE keeps
 * SIGPIPE's default.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "analysis/flows.h"
#include "cmd/cmd.h"
#include "model/pkt.h"
#include "probes/capture.h"
#include "render/pkt_text.h"
#include "model/plural.h"

#define OUT_BUF	   (1u << 20) /* stdout buffer */
#define FILE_BATCH 8192	      /* records per dispatch from a file: SIGINT is checked in between */
#define TOP_FLOWS  20	      /* flows in a text report */
#define MAX_IFIDS  65535

/* the one piece of state a signal handler may touch */
static volatile sig_atomic_t sniff_signalled;

static void on_signal(int sig)
{
	(void)sig;
	sniff_signalled = 1;
}

/* interface ids for flows: (source, ifindex) -> small integer */
struct ifid {
	size_t src;
	int ifindex; /* "any": the packet's interface; 0 otherwise */
	char netns[CT_NAME_LEN];
	char name[32];
};

struct sniff {
	struct ct_ctx *c;
	struct ct_cap cap;
	struct ct_decode_opts dopts;
	struct ct_inner_filter *inner;
	struct ct_wbuf w;
	struct ct_pkt_fmt fmt;
	bool print;    /* packet lines (not with -w or --flows) */
	bool dump_stdout; /* -w -: the pcap goes to standard output */
	bool multi_ns; /* more than one namespace: "ns:iface" */
	bool flows_on;
	struct ct_flows flows;
	struct ifid *ifs;
	size_t n_ifs, cap_ifs;
	uint32_t *ifhash; /* open addressing: id + 1 */
	size_t ifhash_n;
	struct ct_pkt pkt;	     /* reused for every packet */
	bool ordered;		     /* several live captures: through the order queue */
	struct ct_cap_order order;   /* packets held to go out in time order */
	uint64_t now_mono, now_real; /* the clocks when the current poll round began */
	int64_t order_last;	     /* the stamp (us) of the last packet let go */
	uint64_t order_late;	     /* packets let go after a later-stamped one */
	uint64_t captured, decoded, truncated, invalid, other, inner_miss, matched;
	bool stop;
	bool offline;
	uint64_t last_us;	 /* newest packet time */
	uint64_t interval_us;	 /* --interval */
	uint64_t next_report_us; /* file: in packet time */
	int rc;			 /* exit code so far */
};

/* ---- interface ids ---- */

static uint64_t ifkey_hash(size_t src, int ifindex)
{
	uint64_t h = ((uint64_t)src << 32) ^ (uint32_t)ifindex;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static int ifhash_grow(struct sniff *s)
{
	size_t n = s->ifhash_n ? s->ifhash_n * 2 : 256;
	uint32_t *h = calloc(n, sizeof(*h));
	if (!h)
		return -1;
	for (size_t i = 0; i < s->n_ifs; i++) {
		size_t k = ifkey_hash(s->ifs[i].src, s->ifs[i].ifindex) & (n - 1);
		while (h[k])
			k = (k + 1) & (n - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(s->ifhash);
	s->ifhash = h;
	s->ifhash_n = n;
	return 0;
}

/* The id of (src, ifindex); MAX_IFIDS when out of ids or memory. */
static uint16_t ifid_get(struct sniff *s, size_t src, int ifindex, const char *name)
{
	if (s->n_ifs * 2 >= s->ifhash_n && ifhash_grow(s) < 0)
		return MAX_IFIDS;
	size_t k = ifkey_hash(src, ifindex) & (s->ifhash_n - 1);
	while (s->ifhash[k]) {
		const struct ifid *e = &s->ifs[s->ifhash[k] - 1];
		if (e->src == src && e->ifindex == ifindex)
			return (uint16_t)(s->ifhash[k] - 1);
		k = (k + 1) & (s->ifhash_n - 1);
	}
	if (s->n_ifs >= MAX_IFIDS)
		return MAX_IFIDS;
	if (s->n_ifs == s->cap_ifs) {
		size_t nc = s->cap_ifs ? s->cap_ifs * 2 : 16;
		struct ifid *v = realloc(s->ifs, nc * sizeof(*v));
		if (!v)
			return MAX_IFIDS;
		s->ifs = v;
		s->cap_ifs = nc;
	}
	struct ifid *e = &s->ifs[s->n_ifs];
	const struct ct_cap_src *cs = &s->cap.src[src];
	e->src = src;
	e->ifindex = ifindex;
	snprintf(e->netns, sizeof(e->netns), "%s", cs->netns);
	if (name && *name)
		snprintf(e->name, sizeof(e->name), "%s", name);
	else
		snprintf(e->name, sizeof(e->name), "if%d", ifindex);
	s->ifhash[k] = (uint32_t)s->n_ifs + 1;
	return (uint16_t)s->n_ifs++;
}

/* ---- flows ---- */

static uint64_t wall_us(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static void flows_report(struct sniff *s, bool final)
{
	uint64_t now = s->offline ? s->last_us : wall_us();
	/* the last report lists every flow in JSON (it is data), the top ones in text */
	size_t top = final && s->c->o.json ? 0 : TOP_FLOWS;
	struct ct_flows_view v;
	if (ct_flows_rank_top(&s->flows, now, top, &v) < 0) {
		fprintf(stderr, "caltrace: out of memory summarizing flows\n");
		s->rc = CT_EXIT_GATHER;
		return;
	}
	struct ct_iface_ref *refs = calloc(s->n_ifs ? s->n_ifs : 1, sizeof(*refs));
	if (!refs) {
		ct_flows_view_free(&v);
		s->rc = CT_EXIT_GATHER;
		return;
	}
	for (size_t i = 0; i < s->n_ifs; i++) {
		refs[i].netns = s->offline ? NULL : s->ifs[i].netns;
		refs[i].name = s->offline && !s->ifs[i].ifindex ? NULL : s->ifs[i].name;
	}
	ct_flows_write(&s->fmt, &s->flows, &v, top, now, refs, s->n_ifs, final);
	free(refs);
	ct_flows_view_free(&v);
}

/* ---- one packet ---- */

static void on_packet(void *arg, size_t src, const struct ct_cap_rec *r)
{
	struct sniff *s = arg;
	if (s->stop)
		return;
	struct ct_cap_src *cs = &s->cap.src[src];
	struct ct_pkt *p = &s->pkt;
	ct_pkt_decode(r->data, r->caplen, r->len, cs->linktype, &s->dopts, p);
	s->captured++;
	switch (p->status) {
	case CT_PKT_OK:
		s->decoded++;
		break;
	case CT_PKT_TRUNCATED:
		s->truncated++;
		break;
	case CT_PKT_INVALID:
		s->invalid++;
		break;
	default:
		s->other++;
	}
	if (s->inner) {
		bool m = false;
		if (p->encap == CT_ENCAP_VXLAN && p->has_inner_eth)
			m = ct_inner_match(s->inner, true, r->data, r->caplen, r->len,
					   p->inner_eth_off);
		else if (p->encap != CT_ENCAP_NONE && p->inner.present)
			m = ct_inner_match(s->inner, false, r->data, r->caplen, r->len,
					   p->inner_ip_off);
		if (!m) {
			s->inner_miss++;
			return;
		}
	}
	s->matched++;
	uint64_t ts = (uint64_t)r->sec * 1000000u + (uint64_t)(uint32_t)r->usec;
	if (ts > s->last_us)
		s->last_us = ts;
	if (s->cap.dump) {
		ct_cap_dump(&s->cap, r);
		if (ct_cap_dump_errno(&s->cap)) {
			/* the -w file takes no more: stop, cmd_sniff says why */
			s->stop = true;
			ct_cap_break(&s->cap);
		}
	}
	const char *ifname = NULL;
	int ifindex = 0;
	if (cs->any) {
		ifindex = p->sll_ifindex;
		ifname = ct_cap_ifname(&s->cap, src, ifindex);
		if (!*ifname)
			ifname = ifindex ? NULL : cs->iface;
	} else if (!cs->offline) {
		ifname = cs->iface;
	} else {
		ifindex = p->sll_ifindex; /* a file from -i any: only the index is known */
	}
	if (s->flows_on) {
		if (s->offline && s->interval_us) {
			if (!s->next_report_us)
				s->next_report_us = ts + s->interval_us;
			if (ts >= s->next_report_us) {
				/* once per interval that saw packets: a quiet hour in the file is
				 * not thousands of identical reports */
				flows_report(s, false);
				s->next_report_us +=
				    ((ts - s->next_report_us) / s->interval_us + 1) *
				    s->interval_us;
			}
		}
		uint16_t id = ifid_get(s, src, cs->any || cs->offline ? ifindex : 0, ifname);
		if (ct_flows_add(&s->flows, p, ts, id) < 0 && s->rc == 0) {
			fprintf(stderr, "caltrace: out of memory counting flows\n");
			s->rc = CT_EXIT_GATHER;
			s->stop = true;
		}
	}
	if (s->print) {
		struct ct_pkt_meta m = {
		    .sec = r->sec,
		    .usec = r->usec,
		    .linktype = cs->linktype,
		    .netns = cs->offline ? NULL : cs->netns,
		    .iface = ifname,
		    .ifindex = ifindex,
		};
		ct_pkt_write(&s->fmt, p, &m);
	}
	if (s->c->o.count && s->matched >= s->c->o.count) {
		s->stop = true;
		ct_cap_break(&s->cap);
	}
}

/* ---- time order across captures ---- */

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A live capture's packet: with several captures it waits in the order queue (a
 * copy: libpcap reuses its buffer), so that packets go out in time order
 * across interfaces; with one, or when no memory is left to copy it, it goes
 * on at once. */
static void on_capture(void *arg, size_t src, const struct ct_cap_rec *r)
{
	struct sniff *s = arg;
	if (s->stop)
		return;
	if (!s->ordered || ct_cap_order_push(&s->order, src, r, s->now_mono, s->now_real) < 0)
		on_packet(arg, src, r);
}

/* Lets held packets go: those whose window has passed, or all of them. */
static void order_release(struct sniff *s, bool all)
{
	if (!s->ordered)
		return;
	uint64_t now = mono_us();
	size_t src;
	struct ct_cap_rec r;
	while (!s->stop && ct_cap_order_next(&s->order, now, all, &src, &r)) {
		int64_t ts = r.sec * 1000000 + r.usec;
		if (ts < s->order_last)
			s->order_late++;
		else
			s->order_last = ts;
		on_packet(s, src, &r);
	}
}

/* ---- setup ---- */

struct pair {
	const char *ns; /* NULL: the current namespace */
	char iface[64];
	char nsbuf[CT_PATH_LEN];
};

static int add_pair(struct pair *v, int *n, int max, const char *ns, const char *iface)
{
	for (int i = 0; i < *n; i++)
		if (((!v[i].ns && !ns) || (v[i].ns && ns && !strcmp(v[i].ns, ns))) &&
		    !strcmp(v[i].iface, iface))
			return 0;
	if (*n >= max)
		return -1;
	struct pair *p = &v[(*n)++];
	snprintf(p->iface, sizeof(p->iface), "%s", iface);
	if (ns) {
		snprintf(p->nsbuf, sizeof(p->nsbuf), "%s", ns);
		p->ns = p->nsbuf;
	} else {
		p->ns = NULL;
	}
	return 0;
}

/* The (namespace, interface) pairs the options name. */
static int plan_sources(struct ct_ctx *c, struct pair *v, int *n, int max)
{
	const struct ct_opts *o = &c->o;
	bool plain = false;
	*n = 0;
	for (int i = 0; i < o->n_ifaces; i++) {
		const char *spec = o->ifaces[i];
		const char *colon = strrchr(spec, ':');
		if (!colon) {
			plain = true;
			if (strlen(spec) >= 16 || !*spec)
				return ct_err_set(&c->err, CT_EXIT_USAGE, "bad interface name '%s'",
						  spec);
			for (int k = 0; k < (o->n_netns ? o->n_netns : 1); k++)
				if (add_pair(v, n, max, o->n_netns ? o->netns_list[k] : NULL,
					     spec) < 0)
					return ct_err_set(&c->err, CT_EXIT_USAGE,
							  "too many captures (at most %d)", max);
			continue;
		}
		size_t nl = (size_t)(colon - spec);
		if (!nl || !colon[1] || strlen(colon + 1) >= 16 || nl >= CT_PATH_LEN)
			return ct_err_set(&c->err, CT_EXIT_USAGE,
					  "bad -i '%s': use IFACE or NETNS:IFACE", spec);
		char ns[CT_PATH_LEN];
		memcpy(ns, spec, nl);
		ns[nl] = 0;
		if (add_pair(v, n, max, ns, colon + 1) < 0)
			return ct_err_set(&c->err, CT_EXIT_USAGE, "too many captures (at most %d)",
					  max);
	}
	if (!plain) {
		if (o->n_netns) {
			for (int k = 0; k < o->n_netns; k++)
				if (add_pair(v, n, max, o->netns_list[k], "any") < 0)
					return ct_err_set(&c->err, CT_EXIT_USAGE,
							  "too many captures (at most %d)", max);
		} else if (!o->n_ifaces) {
			add_pair(v, n, max, NULL, "any");
		}
	}
	return 0;
}

static char *join_args(int argc, char **argv)
{
	size_t len = 1;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = 0;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

static int report(struct sniff *s)
{
	return ct_report_err(s->c);
}

static int setup(struct sniff *s, const char *filter, struct ct_cap_user *user)
{
	struct ct_ctx *c = s->c;
	const struct ct_opts *o = &c->o;
	struct ct_cap_opts co = {.snaplen = o->snaplen};

	if (o->read_file && (o->n_ifaces || o->n_netns))
		return ct_err_set(&c->err, CT_EXIT_USAGE, "-r reads a file; it takes no -i or -n");
	if (o->interval && !o->flows)
		return ct_err_set(&c->err, CT_EXIT_USAGE, "--interval goes with --flows");
	if (o->max_flows && !o->flows)
		return ct_err_set(&c->err, CT_EXIT_USAGE, "--max-flows goes with --flows");
	if (o->user && ct_cap_user_lookup(user, o->user, &c->err) < 0)
		return -1;
	if (o->inner) {
		s->inner = ct_inner_compile(o->inner, o->snaplen, &c->err);
		if (!s->inner)
			return -1;
	}
	if (o->read_file) {
		if (ct_cap_open_file(&s->cap, o->read_file, &c->err) < 0)
			return -1;
		s->offline = true;
	} else {
		struct pair v[CT_MAX_IFACES * 4];
		int n;
		if (plan_sources(c, v, &n, (int)(sizeof(v) / sizeof(v[0]))) < 0)
			return -1;
		for (int i = 0; i < n; i++)
			if (ct_cap_open_live(&s->cap, v[i].ns, v[i].iface, &co, &c->err) < 0)
				return -1;
		for (size_t i = 1; i < s->cap.n; i++)
			if (strcmp(s->cap.src[i].netns, s->cap.src[0].netns) != 0)
				s->multi_ns = true;
	}
	if (filter && *filter && ct_cap_set_filter(&s->cap, filter, &c->err) < 0)
		return -1;
	/* with -Z the -w file is opened after the drop, as USER (cmd_sniff) */
	if (o->write_file && !user->set && ct_cap_dump_open(&s->cap, o->write_file, &c->err) < 0) {
		c->write_failed = c->err.exit_code == CT_EXIT_GATHER;
		return -1;
	}
	return 0;
}

/* ---- loops ---- */

static void read_error(struct sniff *s)
{
	/* packets before the fault are out first, then the error line */
	ct_wbuf_flush(&s->w);
	ct_report_err(s->c);
	memset(&s->c->err, 0, sizeof(s->c->err));
	s->rc = CT_EXIT_GATHER;
}

static void loop_file(struct sniff *s)
{
	while (!s->stop && !sniff_signalled) {
		int r = ct_cap_dispatch(&s->cap, 0, FILE_BATCH, on_packet, s, &s->c->err);
		if (r < 0) {
			read_error(s);
			break;
		}
		if (s->cap.src[0].eof || s->w.failed)
			break;
	}
}

static void loop_live(struct sniff *s)
{
	size_t n = s->cap.n;
	struct pollfd *fds = calloc(n, sizeof(*fds));
	size_t *src_of = calloc(n, sizeof(*src_of));
	if (!fds || !src_of) {
		fprintf(stderr, "caltrace: out of memory\n");
		s->rc = CT_EXIT_GATHER;
		goto out;
	}
	size_t k = ct_cap_pollfds(&s->cap, fds, src_of, n);
	size_t live = k;
	uint64_t next = s->interval_us ? mono_us() + s->interval_us : 0;
	while (!s->stop && !sniff_signalled && live > 0) {
		int timeout = 1000;
		if (next) {
			uint64_t now = mono_us();
			timeout = now >= next ? 0 : (int)((next - now + 999) / 1000);
		}
		int64_t held = s->ordered ? ct_cap_order_wait_us(&s->order, mono_us()) : -1;
		if (held >= 0 && (held + 999) / 1000 < timeout)
			timeout = (int)((held + 999) / 1000);
		int r = poll(fds, k, timeout);
		s->now_mono = mono_us();
		s->now_real = wall_us();
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "caltrace: poll: %s\n", strerror(errno));
			s->rc = CT_EXIT_GATHER;
			break;
		}
		for (size_t i = 0; r > 0 && i < k && !s->stop; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			if (ct_cap_dispatch(&s->cap, src_of[i], -1, on_capture, s, &s->c->err) <
			    0) {
				/* one interface gone (a pod deleted): say so, keep the others */
				read_error(s);
				fds[i].fd = -1;
				live--;
			}
		}
		order_release(s, false);
		if (next && mono_us() >= next) {
			flows_report(s, false);
			next += s->interval_us;
		}
		if (ct_wbuf_flush(&s->w) < 0)
			break;
	}
	/* the end (Ctrl-C, every capture gone): what is held goes out, in order; after -c's
	 * count, nothing more */
	if (!s->w.failed)
		order_release(s, true);
out:
	free(fds);
	free(src_of);
}

static void summary(struct sniff *s)
{
	uint64_t dropped = 0;
	for (size_t i = 0; i < s->cap.n; i++) {
		uint64_t recv, drop, ifdrop;
		if (ct_cap_stats(&s->cap, i, &recv, &drop, &ifdrop))
			dropped += drop; /* ps_ifdrop is the interface's own rx_dropped: not ours */
	}
	fprintf(stderr,
		"%llu %s captured, %llu decoded, %llu truncated, %llu invalid, %llu dropped "
		"by the kernel\n",
		(unsigned long long)s->captured, ct_plural(s->captured, "packet", "packets"),
		(unsigned long long)s->decoded,
		(unsigned long long)s->truncated, (unsigned long long)s->invalid,
		(unsigned long long)dropped);
	if (s->other)
		fprintf(
		    stderr,
		    "%llu %s not decoded (not IP, or a link type caltrace does not read)\n",
		    (unsigned long long)s->other, ct_plural(s->other, "packet", "packets"));
	if (s->inner)
		fprintf(stderr, "%llu %s --inner\n", (unsigned long long)s->matched,
			ct_plural(s->matched, "packet matched", "packets matched"));
	if (s->order_late || s->order.early)
		fprintf(stderr,
			"%llu packets out of time order across captures (read more than %u ms "
			"late), %llu let go early (more than %zu packets or %zu MiB held)\n",
			(unsigned long long)s->order_late, CT_CAP_TIMEOUT_MS,
			(unsigned long long)s->order.early, s->order.max_recs,
			s->order.max_bytes >> 20);
}

int cmd_sniff(struct ct_ctx *c)
{
	struct sniff *s = calloc(1, sizeof(*s));
	if (!s) {
		fprintf(stderr, "caltrace: out of memory\n");
		return CT_EXIT_GATHER;
	}
	s->c = c;
	ct_cap_init(&s->cap);
	const struct ct_opts *o = &c->o;
	for (int i = 0; i < o->n_vxlan_ports; i++)
		s->dopts.vxlan_ports[s->dopts.n_vxlan_ports++] = o->vxlan_ports[i];
	s->dopts.checksums = o->checksums;
	s->dopts.outgoing_unverifiable = true;
	s->flows_on = o->flows;
	s->print = !o->flows && !o->write_file;
	s->dump_stdout = o->write_file && !strcmp(o->write_file, "-");
	s->interval_us = (uint64_t)(o->interval * 1e6);
	struct ct_cap_user user = {0};
	struct sigaction old_pipe;
	bool pipe_set = false;
	char *filter = join_args(o->argc, o->argv);
	int rc;
	if (!filter) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	if (setup(s, filter, &user) < 0) {
		rc = report(s);
		goto out;
	}
	if (ct_wbuf_init(&s->w, stdout, OUT_BUF) < 0 ||
	    (s->flows_on && ct_flows_init(&s->flows, o->max_flows) < 0)) {
		fprintf(stderr, "caltrace: out of memory\n");
		rc = CT_EXIT_GATHER;
		goto out;
	}
	ct_pkt_fmt_init(&s->fmt, &s->w, o->json, s->multi_ns);
	s->ordered = !s->offline && s->cap.n > 1;
	ct_cap_order_init(&s->order, 0, 0, 0);
	tzset(); /* /etc/localtime is read now, not after privileges are gone */

	/* every handle is open: nothing below needs privileges */
	if (ct_cap_drop_privileges(&user, &c->err) < 0) {
		rc = report(s);
		goto out;
	}
	/* as USER: the kernel checks USER's rights on the -w file and its folder, and the file
	 * is USER's own; root never opens a path USER could have planted a link at */
	if (o->write_file && user.set && ct_cap_dump_open(&s->cap, o->write_file, &c->err) < 0) {
		c->write_failed = c->err.exit_code == CT_EXIT_GATHER;
		rc = report(s);
		goto out;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	/* a closed reader: EPIPE ends the loops (w.failed, dump_stdout), the counts still go out */
	if (s->print || s->flows_on || s->dump_stdout) {
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, &old_pipe);
		pipe_set = true;
	}

	if (s->offline)
		loop_file(s);
	else
		loop_live(s);

	if (s->flows_on && !s->w.failed)
		flows_report(s, true);
	struct ct_err derr = {0};
	if (ct_cap_dump_close(&s->cap, &derr) < 0 && s->cap.dumpf.werr != EPIPE) {
		/* a closed pipe is the reader's end, not an error */
		char esc[4 * sizeof(derr.msg)];
		fprintf(stderr, "caltrace: %s\n", ct_escape(derr.msg, esc, sizeof(esc)));
		if (s->rc == 0)
			c->write_failed = true;
		s->rc = CT_EXIT_GATHER;
	}
	/* main says what failed, after the counts (ct_stdout_finish) */
	if (ct_wbuf_flush(&s->w) < 0)
		ct_out_fail(&c->out, s->w.err);
	summary(s);
	rc = s->rc;
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	/* after EPIPE the rest of stdout's buffer must not raise SIGPIPE at exit: it stays
	 * ignored then (ct_stdout_finish takes EPIPE as the reader's choice) */
	if (pipe_set && s->w.err != EPIPE && c->out.err != EPIPE)
		sigaction(SIGPIPE, &old_pipe, NULL);
	free(filter);
	ct_inner_free(s->inner);
	if (s->flows_on)
		ct_flows_free(&s->flows);
	ct_wbuf_free(&s->w);
	ct_cap_order_free(&s->order);
	ct_cap_free(&s->cap);
	free(s->ifs);
	free(s->ifhash);
	free(s);
	return rc;
}
