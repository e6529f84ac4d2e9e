/* SPDX-License-Identifier: MIT */
/* BIRD's state for the target namespace: find the socket, ask, parse; the
 * kernel's TCP sessions on port 179; and the kernel's routes streamed to a sink
 * (bgp routes matches them against BIRD's without storing them). I/O only. */
#include "probes/bgp_gather.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "model/esc.h"
#include "model/rtnl.h"
#include "probes/bird.h"
#include "probes/inns.h"
#include "probes/nl.h"
#include "probes/sockdiag.h"

static int ask(struct ct_bird_client *cl, const char *cmd, struct ct_bird_reply *r,
	       struct ct_err *err)
{
	ct_bird_reply_init(r);
	return ct_bird_command(cl, cmd, r, err);
}

/* A parse stopped at a cap of b: the message names the socket and the cap. */
static int capped(const struct ct_bird_client *cl, const struct ct_bgp *b, struct ct_err *err)
{
	if (!b->cap_hit)
		return -1;
	*err = (struct ct_err){0};
	return ct_err_set(err, CT_EXIT_GATHER,
			  "BIRD at '%s' sent more than %zu %s (the limit); stopped reading there "
			  "(see BIRD LIMITS in caltrace(1))",
			  cl->qpath, b->cap_limit, b->cap_hit);
}

/* A parse failed: a cap names the socket (above); so does BIRD refusing
 * the command, which is named too. Always -1. */
static int parse_failed(const struct ct_bird_client *cl, const struct ct_bgp *b, const char *cmd,
			struct ct_err *err)
{
	const size_t pl = sizeof(CT_BIRD_REFUSED) - 1;

	if (b->cap_hit)
		return capped(cl, b, err);
	if (strncmp(err->msg, CT_BIRD_REFUSED, pl) != 0)
		return -1;
	char rest[sizeof(err->msg)], q[128];
	snprintf(rest, sizeof(rest), "%s", err->msg + pl);
	ct_esc_clip(q, sizeof(q), cmd, strlen(cmd));
	*err = (struct ct_err){0};
	return ct_err_set(err, CT_EXIT_GATHER, "BIRD at '%s' refused '%s': %s", cl->qpath, q, rest);
}

static int route_line(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		      size_t lineno, struct ct_err *err)
{
	return ct_bird_routes_line(arg, code, kind, text, len, lineno, err);
}

/* `show route ... all`, parsed as it streams: nothing of BIRD's text is kept
 * but the line being read; b gets the routes (or keeps what it had, on error). */
static int ask_routes(struct ct_bird_client *cl, const char *cmd, struct ct_bgp *b,
		      struct ct_err *err)
{
	struct ct_bird_route_stream s;

	ct_bird_routes_begin(&s, b);
	int rc = ct_bird_command_fn(cl, cmd, route_line, &s, err);
	if (rc < 0) {
		b->n_routes = s.base;
		return capped(cl, b, err);
	}
	if (ct_bird_routes_end(&s, err) < 0)
		return parse_failed(cl, b, cmd, err);
	return 0;
}

/* In the current namespace. */
static int gather_here(struct ct_bgp *b, const struct ct_bgp_gather_opts *o, struct ct_err *err)
{
	char path[CT_PATH_LEN], how[256];
	struct ct_err e2 = {0};

	/* the kernel's view first: it stays useful when BIRD cannot be reached */
	if (!o->route_query && ct_tcp179_dump(b, &e2) < 0)
		b->have_sessions = false;
	if (ct_bird_find_socket(o->socket, o->ipv6, o->proc_root, path, sizeof(path), how, sizeof(how), err) < 0)
		return -1;
	snprintf(b->socket, sizeof(b->socket), "%s", path);
	b->cap_hit = NULL;
	struct ct_bird_client cl;
	/* BIRD answers within moments or not at all: 2 s without a byte is a dead
	 * daemon; a big `show route` keeps streaming, so the whole exchange gets
	 * the overall deadline (--timeout) */
	double idle = o->timeout_s < 2 ? o->timeout_s : 2;
	struct ct_bird_timeouts t = {.connect_s = idle, .idle_s = idle, .total_s = o->timeout_s};
	if (ct_bird_connect(&cl, path, &t, err) < 0)
		return -1;
	/* the greeting ("0001 BIRD v0.3.3+birdv1.6.8 ready.") */
	struct ct_err gerr = {0};
	ct_bird_parse_status(&cl.hello, &b->status, &gerr);
	struct ct_bird_reply r;
	if (o->route_query) {
		free(b->routes);
		b->routes = NULL;
		b->n_routes = b->routes_cap = 0;
		int q = ask_routes(&cl, o->route_query, b, err);
		ct_bird_close(&cl);
		return q;
	}
	int rc = ask(&cl, "show status", &r, err);
	if (rc == 0 && ct_bird_parse_status(&r, &b->status, err) < 0)
		rc = parse_failed(&cl, b, "show status", err);
	ct_bird_reply_free(&r);
	if (rc == 0) {
		rc = ask(&cl, "show protocols all", &r, err);
		if (rc == 0 && ct_bird_parse_protocols(&r, b, err) < 0)
			rc = parse_failed(&cl, b, "show protocols all", err);
		ct_bird_reply_free(&r);
	}
	if (rc == 0 && b->kernel_proto[0] && o->routes) {
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "show route export %s all", b->kernel_proto);
		rc = ask_routes(&cl, cmd, b, err);
	}
	ct_bird_close(&cl);
	return rc;
}

struct here_arg {
	struct ct_bgp *b;
	const struct ct_bgp_gather_opts *o;
};

static int here_cb(void *arg, struct ct_err *err)
{
	struct here_arg *h = arg;
	return gather_here(h->b, h->o, err);
}

int ct_bgp_gather(struct ct_node *n, const struct ct_bgp_gather_opts *o, struct ct_err *err)
{
	if (!n->bgp) {
		n->bgp = calloc(1, sizeof(*n->bgp));
		if (!n->bgp)
			return ct_err_set(err, CT_EXIT_GATHER, "out of memory");
		ct_bgp_init(n->bgp);
	}
	struct here_arg h = {.b = n->bgp, .o = o};
	return ct_netns_run(o->netns_spec, here_cb, &h, err);
}

int ct_bgp_gather_bgp(struct ct_bgp *b, const struct ct_bgp_gather_opts *o, struct ct_err *err)
{
	struct here_arg h = {.b = b, .o = o};
	return ct_netns_run(o->netns_spec, here_cb, &h, err);
}

/* ---- the kernel's routes, streamed ---- */

#define KROUTE_RETRIES 3

struct kroutes_arg {
	struct ct_node *n;
	const char *nsname;
	const struct ct_route_sink *s;
	uint8_t family;
	/* IPv6: the keys seen in this dump (see ct_route_dump in gather.h: a dump taken
	 * while routes change can repeat rows without NLM_F_DUMP_INTR); a repeated key
	 * retries the dump as NLM_F_DUMP_INTR does */
	uint64_t *keys; /* open addressing, 0 empty */
	size_t nkeys, cap;
	bool repeated;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* A route's key from the message itself: the header's prefix lengths, TOS, table
 * and type, then the attributes that tell two routes apart (table, destination,
 * source, metric, device, gateway, the next hops of a multipath route). */
static uint64_t kroute_key(const struct nlmsghdr *h)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	uint64_t k = 0xcbf29ce484222325ull;
	k = fnv(k, &rtm->rtm_dst_len, 1);
	k = fnv(k, &rtm->rtm_src_len, 1);
	k = fnv(k, &rtm->rtm_tos, 1);
	k = fnv(k, &rtm->rtm_table, 1);
	k = fnv(k, &rtm->rtm_type, 1);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*rtm));
	for (const struct rtattr *a = RTM_RTA(rtm); len > 0 && RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		unsigned short t = a->rta_type & NLA_TYPE_MASK;
		if (t != RTA_TABLE && t != RTA_DST && t != RTA_SRC && t != RTA_PRIORITY &&
		    t != RTA_OIF && t != RTA_GATEWAY && t != RTA_MULTIPATH && t != RTA_VIA)
			continue;
		k = fnv(k, &t, sizeof(t));
		k = fnv(k, RTA_DATA(a), RTA_PAYLOAD(a));
	}
	return k ? k : 1;
}

/* true when the key was there already; -1 out of memory */
static int kroute_seen(struct kroutes_arg *k, uint64_t key)
{
	if (2 * (k->nkeys + 1) > k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 1024;
		uint64_t *v = calloc(cap, sizeof(*v));
		if (!v)
			return -1;
		for (size_t i = 0; i < k->cap; i++) {
			if (!k->keys[i])
				continue;
			size_t j = (size_t)(k->keys[i] >> 17) & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = k->keys[i];
		}
		free(k->keys);
		k->keys = v;
		k->cap = cap;
	}
	size_t j = (size_t)(key >> 17) & (k->cap - 1);
	for (; k->keys[j]; j = (j + 1) & (k->cap - 1))
		if (k->keys[j] == key)
			return 1;
	k->keys[j] = key;
	k->nkeys++;
	return 0;
}

static int kroute_cb(struct nlmsghdr *h, void *arg)
{
	struct kroutes_arg *k = arg;
	struct ct_route r;
	int rc = ct_rtnl_route(h, &r);

	if (rc == -ENOMEM)
		return rc;
	/* a message the decoder finds malformed is skipped, as ct_gather does */
	if (rc != CT_RTNL_OK)
		return 0;
	if (h->nlmsg_type == RTM_NEWROUTE && r.dst.ip.family == k->family) {
		int seen = k->family == AF_INET6 ? kroute_seen(k, kroute_key(h)) : 0;
		if (seen < 0)
			rc = -ENOMEM;
		else if (seen)
			k->repeated = true; /* not passed on twice; the dump is retried */
		else
			rc = k->s->route(k->s->arg, &r) < 0 ? -ENOMEM : 0;
	}
	ct_route_clear(&r);
	return rc;
}

static int kroutes_cb(void *arg, struct ct_err *err)
{
	struct kroutes_arg *k = arg;
	static const uint8_t fams[2] = {AF_INET, AF_INET6};
	struct ct_nl nl;
	char what[96];
	int r = ct_nl_open(&nl);

	if (r < 0)
		return ct_err_errno(err, -r, "open a netlink socket in", k->nsname);
	for (int attempt = 0;; attempt++) {
		bool intr = false;
		k->s->reset(k->s->arg);
		for (int i = 0; i < 2; i++) {
			struct rtmsg rtm = {.rtm_family = fams[i]}; /* table 0: every table */
			k->family = fams[i];
			k->nkeys = 0;
			k->repeated = false;
			if (k->keys)
				memset(k->keys, 0, k->cap * sizeof(*k->keys));
			r = ct_nl_dump(&nl, RTM_GETROUTE, &rtm, sizeof(rtm), kroute_cb, k);
			/* a kernel without IPv6 */
			if (r < 0 && i == 1 &&
			    (r == -EAFNOSUPPORT || r == -EOPNOTSUPP || r == -EPROTONOSUPPORT))
				r = 0;
			if (r < 0) {
				ct_nl_close(&nl);
				free(k->keys);
				k->keys = NULL;
				snprintf(what, sizeof(what), "dump %s in network namespace",
					 i ? "inet6 routes" : "routes");
				return ct_err_errno(err, -r, what, k->nsname);
			}
			intr |= nl.intr || k->repeated;
		}
		if (!intr)
			break;
		if (attempt == KROUTE_RETRIES) {
			k->n->dump_intr++;
			break;
		}
	}
	ct_nl_close(&nl);
	free(k->keys);
	k->keys = NULL;
	return 0;
}

int ct_bgp_kernel_routes(struct ct_node *n, const char *netns_spec, const char *nsname,
			 const struct ct_route_sink *s, struct ct_err *err)
{
	struct kroutes_arg k = {.n = n, .nsname = nsname, .s = s};
	return ct_netns_run(netns_spec, kroutes_cb, &k, err);
}
