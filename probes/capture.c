/* SPDX-License-Identifier: MIT */
/* Packet capture with libpcap (see capture.h). I/O only: no decoding, no printing. */
#include "probes/capture.h"

#include <pcap/pcap.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/gather.h"
#include "probes/netns.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

void ct_cap_init(struct ct_cap *c)
{
	memset(c, 0, sizeof(*c));
}

void ct_cap_free(struct ct_cap *c)
{
	if (c->dump) {
		pcap_dump_close(c->dump);
		c->dump = NULL;
		ct_outfile_abort(&c->dumpf);
	}
	for (size_t i = 0; i < c->n; i++) {
		if (c->src[i].p)
			pcap_close(c->src[i].p);
		if (c->src[i].ifsock >= 0)
			close(c->src[i].ifsock);
	}
	free(c->src);
	memset(c, 0, sizeof(*c));
}

static struct ct_cap_src *src_push(struct ct_cap *c, struct ct_err *err)
{
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 4;
		struct ct_cap_src *s = realloc(c->src, nc * sizeof(*s));
		if (!s) {
			ct_err_set(err, CT_EXIT_GATHER, "out of memory opening a capture");
			return NULL;
		}
		c->src = s;
		c->cap = nc;
	}
	struct ct_cap_src *s = &c->src[c->n];
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->ifsock = -1;
	return s;
}

/* " in network namespace 'X'" or "" for the caller's own */
static void ns_phrase(const char *netns_spec, const char *name, char *buf, size_t len)
{
	if (netns_spec)
		snprintf(buf, len, " in network namespace '%s'", name);
	else
		buf[0] = 0;
}

/* Activates a pcap handle on iface in the current namespace. */
static pcap_t *open_here(const char *iface, const char *where, const struct ct_cap_opts *o,
			 struct ct_err *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, eb);
	if (!p) {
		ct_err_set(err, CT_EXIT_GATHER, "cannot capture on '%s'%s: %s", iface, where, eb);
		return NULL;
	}
	pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : CT_CAP_SNAPLEN_DEFAULT);
	pcap_set_promisc(p, o->promisc);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, (o->buffer_kb > 0 ? o->buffer_kb : 4096) * 1024);
	pcap_set_timeout(p, CT_CAP_TIMEOUT_MS);
	int rc = pcap_activate(p);
	if (rc < 0) {
		switch (rc) {
		case PCAP_ERROR_NO_SUCH_DEVICE:
			ct_err_set(err, CT_EXIT_GATHER, "no interface '%s'%s (see 'ip link show')",
				   iface, where);
			break;
		case PCAP_ERROR_PERM_DENIED:
			ct_err_set(err, CT_EXIT_GATHER,
				   "cannot capture on '%s'%s: permission denied (needs "
				   "CAP_NET_RAW, or root)",
				   iface, where);
			break;
		default:
			ct_err_set(err, CT_EXIT_GATHER, "cannot capture on '%s'%s: %s", iface,
				   where, pcap_geterr(p));
		}
		pcap_close(p);
		return NULL;
	}
	return p;
}

/* The "any" device speaks LINUX_SLL2 when asked, which names the interface. */
static void want_sll2(pcap_t *p)
{
	int *dl = NULL;
	int n = pcap_list_datalinks(p, &dl);
	for (int i = 0; i < n; i++)
		if (dl[i] == DLT_LINUX_SLL2) {
			pcap_set_datalink(p, DLT_LINUX_SLL2);
			break;
		}
	if (dl)
		pcap_free_datalinks(dl);
}

int ct_cap_open_live(struct ct_cap *c, const char *netns_spec, const char *iface,
		     const struct ct_cap_opts *o, struct ct_err *err)
{
	char path[CT_PATH_LEN], name[CT_NAME_LEN] = "host", where[CT_NAME_LEN + 32];
	int self = -1, target = -1, rc = -1;
	bool moved = false;
	pcap_t *p = NULL;
	int ifsock = -1;
	bool any = !strcmp(iface, "any");

	if (!*iface || strlen(iface) >= IFNAMSIZ)
		return ct_err_set(err, CT_EXIT_USAGE, "bad interface name '%s'", iface);
	if (netns_spec &&
	    ct_netns_resolve(netns_spec, path, sizeof(path), name, sizeof(name), err) < 0)
		return -1;
	ns_phrase(netns_spec, name, where, sizeof(where));
	if (netns_spec) {
		self = ct_ns_open_self(err);
		if (self < 0)
			return -1;
		target = ct_ns_open(path, name, err);
		if (target < 0)
			goto out;
		if (ct_ns_enter(target, name, err) < 0)
			goto out;
		moved = true;
	}
	p = open_here(iface, where, o, err);
	if (!p)
		goto out;
	if (any) {
		want_sll2(p);
		/* an ioctl socket bound to this namespace, for ifindex -> name later */
		ifsock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	rc = 0;
out:
	/* always back in the caller's namespace: never go on in the wrong one */
	if (moved && setns(self, CLONE_NEWNET) < 0) {
		ct_err_errno(err, errno, "return to the original network namespace", "self");
		rc = -1;
	}
	if (self >= 0)
		close(self);
	if (target >= 0)
		close(target);
	if (rc < 0) {
		if (p)
			pcap_close(p);
		if (ifsock >= 0)
			close(ifsock);
		return -1;
	}
	char eb[PCAP_ERRBUF_SIZE] = "";
	if (pcap_setnonblock(p, 1, eb) < 0) {
		ct_err_set(err, CT_EXIT_GATHER, "cannot capture on '%s'%s: %s", iface, where, eb);
		pcap_close(p);
		if (ifsock >= 0)
			close(ifsock);
		return -1;
	}
	int fd = pcap_get_selectable_fd(p);
	if (fd < 0) {
		ct_err_set(err, CT_EXIT_GATHER,
			   "cannot capture on '%s'%s: no selectable descriptor", iface, where);
		pcap_close(p);
		if (ifsock >= 0)
			close(ifsock);
		return -1;
	}
	struct ct_cap_src *s = src_push(c, err);
	if (!s) {
		pcap_close(p);
		if (ifsock >= 0)
			close(ifsock);
		return -1;
	}
	s->p = p;
	s->fd = fd;
	s->linktype = pcap_datalink(p);
	s->any = any;
	s->ifsock = ifsock;
	snprintf(s->netns, sizeof(s->netns), "%s", name);
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
	return (int)c->n++;
}

int ct_cap_open_file(struct ct_cap *c, const char *path, struct ct_err *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_open_offline(path, eb);
	if (!p)
		return ct_err_set(err, CT_EXIT_GATHER, "cannot read '%s': %s", path, eb);
	struct ct_cap_src *s = src_push(c, err);
	if (!s) {
		pcap_close(p);
		return -1;
	}
	s->p = p;
	s->offline = true;
	s->linktype = pcap_datalink(p);
	snprintf(s->iface, sizeof(s->iface), "%s", path);
	return (int)c->n++;
}

int ct_cap_set_filter(struct ct_cap *c, const char *expr, struct ct_err *err)
{
	for (size_t i = 0; i < c->n; i++) {
		struct bpf_program prog;
		if (pcap_compile(c->src[i].p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
			return ct_err_set(err, CT_EXIT_USAGE, "bad filter '%s': %s", expr,
					  pcap_geterr(c->src[i].p));
		int rc = pcap_setfilter(c->src[i].p, &prog);
		pcap_freecode(&prog);
		if (rc < 0)
			return ct_err_set(err, CT_EXIT_GATHER, "cannot set filter on '%s': %s",
					  c->src[i].iface, pcap_geterr(c->src[i].p));
	}
	return 0;
}

int ct_cap_dump_open(struct ct_cap *c, const char *path, struct ct_err *err)
{
	if (!c->n)
		return ct_err_set(err, CT_EXIT_USAGE, "nothing to write to '%s'", path);
	for (size_t i = 1; i < c->n; i++)
		if (c->src[i].linktype != c->src[0].linktype)
			return ct_err_set(
			    err, CT_EXIT_USAGE,
			    "cannot write '%s': '%s' (%s) and '%s' (%s) have different link types; "
			    "capture them with -i any, or write one file per interface",
			    path, c->src[0].iface,
			    pcap_datalink_val_to_name(c->src[0].linktype) ?: "?", c->src[i].iface,
			    pcap_datalink_val_to_name(c->src[i].linktype) ?: "?");
	/* libpcap's pcap_dump_open would fopen(path, "w"): it follows a symbolic link and
	 * truncates whatever is there. The file is opened here, by outfile's rules, and
	 * libpcap only writes into the stream. */
	if (ct_outfile_open(&c->dumpf, path, 0, err) < 0)
		return -1;
	c->dump = pcap_dump_fopen(c->src[0].p, c->dumpf.f);
	if (!c->dump) {
		char msg[PCAP_ERRBUF_SIZE];
		snprintf(msg, sizeof(msg), "%s", pcap_geterr(c->src[0].p));
		/* when pcap could not write the header it has closed the stream already */
		int e = c->dumpf.werr;
		ct_outfile_abort(&c->dumpf);
		if (e)
			return ct_outfile_write_err(&c->dumpf, e, err);
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write '%s': %s", path, msg);
	}
	c->dump_linktype = c->src[0].linktype;
	/* the header goes out now: a file that takes nothing fails before any packet is read */
	if (ct_cap_dump_flush(c, err) < 0) {
		pcap_dump_close(c->dump);
		c->dump = NULL;
		ct_outfile_abort(&c->dumpf);
		return -1;
	}
	return 0;
}

void ct_cap_dump(struct ct_cap *c, const struct ct_cap_rec *r)
{
	if (!c->dump || c->dumpf.werr)
		return;
	struct pcap_pkthdr h = {.caplen = r->caplen, .len = r->len};
	h.ts.tv_sec = (time_t)r->sec;
	h.ts.tv_usec = r->usec;
	pcap_dump((u_char *)c->dump, &h, r->data);
}

int ct_cap_dump_errno(const struct ct_cap *c)
{
	return c->dump ? c->dumpf.werr : 0;
}

int ct_cap_dump_flush(struct ct_cap *c, struct ct_err *err)
{
	if (!c->dump)
		return 0;
	/* pcap_dump returns nothing: the stream kept the first error and its errno */
	if (pcap_dump_flush(c->dump) < 0 || ferror(pcap_dump_file(c->dump)))
		ct_outfile_fail(&c->dumpf, 0);
	if (c->dumpf.werr)
		return ct_outfile_write_err(&c->dumpf, c->dumpf.werr, err);
	return 0;
}

int ct_cap_dump_close(struct ct_cap *c, struct ct_err *err)
{
	if (!c->dump)
		return 0;
	int rc = ct_cap_dump_flush(c, err);
	pcap_dump_close(c->dump); /* fclose: the stream's close records its own error */
	c->dump = NULL;
	if (rc < 0) {
		ct_outfile_abort(&c->dumpf);
		return -1;
	}
	return ct_outfile_close(&c->dumpf, err);
}

size_t ct_cap_pollfds(const struct ct_cap *c, struct pollfd *fds, size_t *src_of, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < c->n && k < max; i++) {
		if (c->src[i].fd < 0)
			continue;
		fds[k] = (struct pollfd){.fd = c->src[i].fd, .events = POLLIN};
		src_of[k++] = i;
	}
	return k;
}

struct dispatch_ctx {
	struct ct_cap *c;
	size_t i;
	ct_cap_cb cb;
	void *arg;
};

static void dispatch_one(u_char *u, const struct pcap_pkthdr *h, const u_char *data)
{
	struct dispatch_ctx *d = (struct dispatch_ctx *)u;
	struct ct_cap_rec r = {.sec = h->ts.tv_sec,
			       .usec = (int32_t)h->ts.tv_usec,
			       .caplen = h->caplen,
			       .len = h->len,
			       .data = data};
	d->c->src[d->i].packets++;
	d->cb(d->arg, d->i, &r);
}

int ct_cap_dispatch(struct ct_cap *c, size_t i, int max, ct_cap_cb cb, void *arg,
		    struct ct_err *err)
{
	struct ct_cap_src *s = &c->src[i];
	if (s->eof)
		return 0;
	struct dispatch_ctx d = {c, i, cb, arg};
	int rc = pcap_dispatch(s->p, max > 0 ? max : -1, dispatch_one, (u_char *)&d);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc < 0) {
		s->eof = true;
		if (s->offline)
			return ct_err_set(err, CT_EXIT_GATHER, "cannot read '%s': %s", s->iface,
					  pcap_geterr(s->p));
		char where[CT_NAME_LEN + 32];
		ns_phrase(strcmp(s->netns, "host") ? s->netns : NULL, s->netns, where,
			  sizeof(where));
		return ct_err_set(err, CT_EXIT_GATHER, "capture on '%s'%s failed: %s", s->iface,
				  where, pcap_geterr(s->p));
	}
	if (rc == 0 && s->offline)
		s->eof = true;
	return rc;
}

void ct_cap_break(struct ct_cap *c)
{
	for (size_t i = 0; i < c->n; i++)
		pcap_breakloop(c->src[i].p);
}

bool ct_cap_stats(const struct ct_cap *c, size_t i, uint64_t *received, uint64_t *dropped,
		  uint64_t *ifdropped)
{
	struct pcap_stat ps;
	if (c->src[i].offline || pcap_stats(c->src[i].p, &ps) < 0)
		return false;
	*received = ps.ps_recv;
	*dropped = ps.ps_drop;
	*ifdropped = ps.ps_ifdrop;
	return true;
}

const char *ct_cap_ifname(struct ct_cap *c, size_t i, int ifindex)
{
	struct ct_cap_src *s = &c->src[i];
	if (ifindex <= 0)
		return "";
	/* ifindexes grow and are not reused within a namespace, so a cached name stays right
	 * until the interface is renamed */
	struct ct_cap_ifname *e = &s->ifnames[(unsigned)ifindex % CT_CAP_IFNAME_SLOTS];
	if (e->ifindex == ifindex)
		return e->name;
	if (s->ifsock < 0)
		return "";
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_ifindex = ifindex;
	if (ioctl(s->ifsock, SIOCGIFNAME, &ifr) < 0)
		return "";
	e->ifindex = ifindex;
	memcpy(e->name, ifr.ifr_name, sizeof(e->name));
	e->name[sizeof(e->name) - 1] = 0;
	return e->name;
}

/* ---- time order across sources ---- */

struct ct_cap_held {
	int64_t sec;
	int32_t usec;
	uint32_t caplen, len;
	size_t src;
	uint64_t due; /* CLOCK_MONOTONIC, us */
	uint8_t data[];
};

void ct_cap_order_init(struct ct_cap_order *q, uint64_t window_us, size_t max_bytes,
		       size_t max_recs)
{
	memset(q, 0, sizeof(*q));
	q->window_us = window_us ? window_us : CT_CAP_ORDER_WINDOW_US;
	q->max_bytes = max_bytes ? max_bytes : CT_CAP_ORDER_MAX_BYTES;
	q->max_recs = max_recs ? max_recs : CT_CAP_ORDER_MAX_RECS;
}

void ct_cap_order_free(struct ct_cap_order *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->heap[i].h);
	free(q->heap);
	free(q->out);
	memset(q, 0, sizeof(*q));
}

/* a before b: earlier stamp, then earlier arrival */
static inline bool slot_before(const struct ct_cap_hslot *a, const struct ct_cap_hslot *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

/* A stamp in us, saturated far outside any clock's range (a file's stamps are untrusted). */
static int64_t stamp_us(int64_t sec, int32_t usec)
{
	const int64_t lim = (int64_t)1 << 43; /* seconds: some 278,000 years */
	if (sec > lim)
		sec = lim;
	if (sec < -lim)
		sec = -lim;
	return sec * 1000000 + usec;
}

int ct_cap_order_push(struct ct_cap_order *q, size_t src, const struct ct_cap_rec *r,
		      uint64_t now_mono_us, uint64_t now_real_us)
{
	if (q->n == q->cap) {
		size_t nc = q->cap ? q->cap * 2 : 256;
		struct ct_cap_hslot *h = realloc(q->heap, nc * sizeof(*h));
		if (!h)
			return -1;
		q->heap = h;
		q->cap = nc;
	}
	struct ct_cap_held *e = malloc(sizeof(*e) + r->caplen);
	if (!e)
		return -1;
	e->sec = r->sec;
	e->usec = r->usec;
	e->caplen = r->caplen;
	e->len = r->len;
	e->src = src;
	if (r->caplen)
		memcpy(e->data, r->data, r->caplen);
	struct ct_cap_hslot slot = {.ts = stamp_us(r->sec, r->usec), .seq = q->seq++, .h = e};
	/* its own stamp plus the window, on the wall clock, turned into monotonic time now;
	 * never later than the window from now */
	uint64_t wait = q->window_us;
	if (slot.ts >= 0) {
		uint64_t ts = (uint64_t)slot.ts;
		if (ts + q->window_us <= now_real_us)
			wait = 0;
		else if (ts + q->window_us - now_real_us < wait)
			wait = ts + q->window_us - now_real_us;
	}
	e->due = now_mono_us + wait;
	/* sift up */
	size_t i = q->n++;
	while (i > 0) {
		size_t up = (i - 1) / 2;
		if (!slot_before(&slot, &q->heap[up]))
			break;
		q->heap[i] = q->heap[up];
		i = up;
	}
	q->heap[i] = slot;
	q->bytes += r->caplen;
	return 0;
}

bool ct_cap_order_next(struct ct_cap_order *q, uint64_t now_mono_us, bool all, size_t *src,
		       struct ct_cap_rec *r)
{
	free(q->out);
	q->out = NULL;
	if (!q->n)
		return false;
	struct ct_cap_held *top = q->heap[0].h;
	bool full = q->n > q->max_recs || q->bytes > q->max_bytes;
	if (!all && !full && top->due > now_mono_us)
		return false;
	if (full && !all && top->due > now_mono_us)
		q->early++;
	/* sift the last one down from the root */
	struct ct_cap_hslot last = q->heap[--q->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && slot_before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!slot_before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->n)
		q->heap[i] = last;
	q->bytes -= top->caplen;
	q->out = top;
	*src = top->src;
	*r = (struct ct_cap_rec){.sec = top->sec,
				 .usec = top->usec,
				 .caplen = top->caplen,
				 .len = top->len,
				 .data = top->data};
	return true;
}

int64_t ct_cap_order_wait_us(const struct ct_cap_order *q, uint64_t now_mono_us)
{
	if (!q->n)
		return -1;
	if (q->n > q->max_recs || q->bytes > q->max_bytes)
		return 0;
	uint64_t due = q->heap[0].h->due;
	return due > now_mono_us ? (int64_t)(due - now_mono_us) : 0;
}

/* ---- inner filter ---- */

struct ct_inner_filter {
	bool raw_ok, eth_ok; /* which programs compiled */
	struct bpf_program raw, eth;
};

static int inner_one(struct bpf_program *prog, int dlt, const char *expr, int snaplen, char *msg,
		     size_t mlen)
{
	pcap_t *dead = pcap_open_dead(dlt, snaplen > 0 ? snaplen : CT_CAP_SNAPLEN_DEFAULT);
	if (!dead) {
		snprintf(msg, mlen, "out of memory");
		return -1;
	}
	int rc = pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc < 0)
		snprintf(msg, mlen, "%s", pcap_geterr(dead));
	pcap_close(dead);
	return rc;
}

struct ct_inner_filter *ct_inner_compile(const char *expr, int snaplen, struct ct_err *err)
{
	char m1[PCAP_ERRBUF_SIZE] = "", m2[PCAP_ERRBUF_SIZE] = "";
	struct ct_inner_filter *f = calloc(1, sizeof(*f));
	if (!f) {
		ct_err_set(err, CT_EXIT_GATHER, "out of memory compiling --inner");
		return NULL;
	}
	/* the same expression for IPIP's inner IP packet and VXLAN's inner frame; an
	 * expression about Ethernet only compiles for the frame, and that is fine */
	f->raw_ok = inner_one(&f->raw, DLT_RAW, expr, snaplen, m1, sizeof(m1)) == 0;
	f->eth_ok = inner_one(&f->eth, DLT_EN10MB, expr, snaplen, m2, sizeof(m2)) == 0;
	if (!f->raw_ok && !f->eth_ok) {
		ct_err_set(err, CT_EXIT_USAGE, "bad --inner filter '%s': %s", expr, m1);
		free(f);
		return NULL;
	}
	return f;
}

void ct_inner_free(struct ct_inner_filter *f)
{
	if (!f)
		return;
	if (f->raw_ok)
		pcap_freecode(&f->raw);
	if (f->eth_ok)
		pcap_freecode(&f->eth);
	free(f);
}

bool ct_inner_match(const struct ct_inner_filter *f, bool eth, const uint8_t *data, uint32_t caplen,
		    uint32_t len, uint32_t off)
{
	const struct bpf_program *prog = eth ? &f->eth : &f->raw;
	if (!(eth ? f->eth_ok : f->raw_ok) || off >= caplen)
		return false;
	struct pcap_pkthdr h = {.caplen = caplen - off,
				.len = len > off ? len - off : caplen - off};
	return pcap_offline_filter(prog, &h, data + off) != 0;
}

/* ---- privileges ---- */

int ct_cap_user_lookup(struct ct_cap_user *u, const char *user, struct ct_err *err)
{
	memset(u, 0, sizeof(*u));
	if (!user || !*user)
		return ct_err_set(err, CT_EXIT_USAGE, "-Z needs a user name");
	errno = 0;
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		char *end;
		unsigned long v = strtoul(user, &end, 10);
		if (*end == 0 && end != user && v < UINT_MAX)
			pw = getpwuid((uid_t)v);
	}
	if (!pw)
		return ct_err_set(err, CT_EXIT_USAGE, "unknown user '%s' for -Z", user);
	u->set = true;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int ct_cap_drop_privileges(const struct ct_cap_user *u, struct ct_err *err)
{
	/* the bounding set needs CAP_SETPCAP, so it goes first; EINVAL is past the last
	 * capability this kernel knows, EPERM means we never had CAP_SETPCAP */
	for (unsigned long cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (u && u->set) {
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		if (initgroups(u->name, u->gid) < 0 && setgroups(1, &u->gid) < 0)
			return ct_err_errno(err, errno, "set the groups of", u->name);
		if (setgid(u->gid) < 0)
			return ct_err_errno(err, errno, "change group for", u->name);
		if (setuid(u->uid) < 0)
			return ct_err_errno(err, errno, "change user to", u->name);
		if (getuid() != u->uid || geteuid() != u->uid || getegid() != u->gid ||
		    (u->uid != 0 && setuid(0) == 0))
			return ct_err_set(err, CT_EXIT_GATHER, "cannot change user to '%s'",
					  u->name);
	}
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		return ct_err_errno(err, errno, "drop the capabilities of", "caltrace");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ct_err_errno(err, errno, "set no_new_privs on", "caltrace");
	return 0;
}
