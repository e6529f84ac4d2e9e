/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: bytes from a BIRD control socket. They go through the line
 * splitter all at once, byte by byte and in chunks sized by the input; the
 * three must agree. Every reply completed is handed to the status, protocols
 * and routes parsers, and what they return must hold its invariants. The
 * same bytes are also fed to the streaming route parser (ct_bird_feed_fn +
 * ct_bird_routes_*) in chunks of random sizes (seeded by the input): each
 * reply must give what ct_bird_parse_routes gives on it whole, the same
 * routes or the same error, and a failed one must leave the routes as they were.
 * The caps are small here (FUZZ_MAX_ROUTES, FUZZ_MAX_PEERS) so that inputs reach
 * them: never more is kept, and a stream stopped at the routes cap is a reply
 * the whole parser rejects too (the stream stops reading there, so it may not
 * see the 8xxx line or the missing LAST line that the whole parser reports).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "model/bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_ROUTES 5
#define FUZZ_MAX_PEERS 3

static void bgp_caps(struct ct_bgp *b)
{
	b->max_routes = FUZZ_MAX_ROUTES;
	b->max_peers = FUZZ_MAX_PEERS;
}

struct run {
	struct ct_bird_reply *v; /* complete replies */
	size_t n;
	int rc; /* -1 error, else 0 */
	size_t pos;
	struct ct_err err;
	struct ct_bird_reply rest; /* the unfinished one */
};

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->n; i++)
		ct_bird_reply_free(&r->v[i]);
	free(r->v);
	ct_bird_reply_free(&r->rest);
}

/* chunk 0: everything in one call */
static void split(const char *buf, size_t len, size_t chunk, struct run *r)
{
	struct ct_bird_splitter sp;
	memset(r, 0, sizeof(*r));
	ct_bird_splitter_init(&sp);
	ct_bird_reply_init(&r->rest);
	while (r->pos < len) {
		size_t c = chunk ? chunk : len;
		if (c > len - r->pos)
			c = len - r->pos;
		while (c) {
			size_t used = 0;
			int rc = ct_bird_feed(&sp, buf + r->pos, c, &r->rest, &used, &r->err);
			if (used > c)
				__builtin_trap();
			r->pos += used;
			c -= used;
			if (rc < 0) {
				if (!r->err.exit_code || strncmp(r->err.msg, "bird reply", 10) != 0)
					__builtin_trap();
				r->rc = -1;
				return;
			}
			if (rc == 1) {
				struct ct_bird_reply *v = realloc(r->v, (r->n + 1) * sizeof(*v));
				if (!v)
					__builtin_trap();
				r->v = v;
				r->v[r->n++] = r->rest;
				ct_bird_reply_init(&r->rest);
				continue;
			}
			if (rc != 0 || c != 0)
				__builtin_trap();
		}
	}
}

static void same(const struct run *a, const struct run *b)
{
	if (a->n != b->n || a->rc != b->rc || a->pos != b->pos)
		__builtin_trap();
	if (a->rc < 0 && strcmp(a->err.msg, b->err.msg) != 0)
		__builtin_trap();
	for (size_t i = 0; i < a->n; i++) {
		const struct ct_bird_reply *x = &a->v[i], *y = &b->v[i];
		if (x->n != y->n || x->final_code != y->final_code)
			__builtin_trap();
		for (size_t k = 0; k < x->n; k++)
			if (x->v[k].code != y->v[k].code || x->v[k].kind != y->v[k].kind ||
			    strcmp(x->v[k].text, y->v[k].text) != 0)
				__builtin_trap();
	}
}

static void reply_ok(const struct ct_bird_reply *r)
{
	if (r->n == 0 || r->v[r->n - 1].kind != CT_BIRD_LAST || r->final_code != r->v[r->n - 1].code)
		__builtin_trap();
	for (size_t k = 0; k < r->n; k++) {
		const struct ct_bird_line *l = &r->v[k];
		if (strlen(l->text) > CT_BIRD_MAX_LINE || strchr(l->text, '\n'))
			__builtin_trap();
		if (l->kind == CT_BIRD_LAST && k != r->n - 1)
			__builtin_trap();
		if (l->kind != CT_BIRD_ASYNC && (l->code < 0 || l->code > 9999))
			__builtin_trap();
	}
}

#define TERMINATED(a) (memchr((a), 0, sizeof(a)) != NULL)

static void bgp_ok(const struct ct_bgp *b)
{
	const struct ct_bird_status *s = &b->status;
	if (!TERMINATED(s->version) || !TERMINATED(s->greeting) || !TERMINATED(s->router_id) ||
	    !TERMINATED(s->server_time) || !TERMINATED(s->last_reboot) ||
	    !TERMINATED(s->last_reconfig) || !TERMINATED(s->state) || !TERMINATED(s->hostname) ||
	    s->flavour > CT_BIRD_V2 || !TERMINATED(b->kernel_proto))
		__builtin_trap();
	if (b->n_routes > FUZZ_MAX_ROUTES || b->n_peers > FUZZ_MAX_PEERS)
		__builtin_trap();
	for (size_t i = 0; i < b->n_peers; i++) {
		const struct ct_bgp_peer *p = &b->peers[i];
		if (!TERMINATED(p->name) || !TERMINATED(p->type) || !TERMINATED(p->proto) ||
		    !TERMINATED(p->table) || !TERMINATED(p->state) || !TERMINATED(p->since) ||
		    !TERMINATED(p->info) || !TERMINATED(p->bgp_state) ||
		    !TERMINATED(p->last_error) || !TERMINATED(p->neighbor_id) ||
		    !TERMINATED(p->description))
			__builtin_trap();
		if (strcmp(p->proto, "BGP") != 0 || !p->name[0])
			__builtin_trap();
		if (strcmp(p->type, "mesh") && strcmp(p->type, "node") && strcmp(p->type, "global") &&
		    strcmp(p->type, "other"))
			__builtin_trap();
		if (p->hold_now < -1 || p->hold_now > 65535 || p->hold_max < -1 ||
		    p->hold_max > 65535 || p->keepalive_now < -1 || p->keepalive_now > 65535 ||
		    p->keepalive_max < -1 || p->keepalive_max > 65535)
			__builtin_trap();
		for (size_t j = 0; j < i; j++)
			if (strcmp(b->peers[j].name, p->name) == 0)
				__builtin_trap();
	}
	for (size_t i = 0; i < b->n_routes; i++) {
		const struct ct_bgp_route *r = &b->routes[i];
		const struct ct_bgp_rattr *a = r->at;
		if (!a || !TERMINATED(a->dev) || !TERMINATED(a->proto) || !TERMINATED(a->type) ||
		    !a->proto[0] || r->dst.len > ct_ip_maxlen(r->dst.ip.family) ||
		    (r->dst.ip.family != AF_INET && r->dst.ip.family != AF_INET6))
			__builtin_trap();
	}
}

static void parse_all(const struct ct_bird_reply *r, struct ct_bgp *b, bool complete)
{
	struct ct_err e[3];
	memset(e, 0, sizeof(e));
	int rc[3];
	rc[0] = ct_bird_parse_status(r, &b->status, &e[0]);
	rc[1] = ct_bird_parse_protocols(r, b, &e[1]);
	rc[2] = ct_bird_parse_routes(r, b, &e[2]);
	for (int i = 0; i < 3; i++) {
		if (rc[i] != 0 && rc[i] != -1)
			__builtin_trap();
		if (rc[i] < 0 && (!e[i].exit_code || !e[i].msg[0] ||
				  strncasecmp(e[i].msg, "bird ", 5)))
			__builtin_trap();
		if (rc[i] == 0 && (e[i].exit_code || !complete))
			__builtin_trap();
	}
	bgp_ok(b);
}

/* ---- the route parser fed as it streams ---- */

struct rstream {
	struct ct_bird_route_stream rs;
	size_t lineno;
};

static int rstream_line(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
			struct ct_err *err)
{
	struct rstream *x = arg;
	x->lineno++;
	return ct_bird_routes_line(&x->rs, code, kind, text, len, x->lineno, err);
}

static void same_routes(const struct ct_bgp *a, const struct ct_bgp *b)
{
	if (a->n_routes != b->n_routes)
		__builtin_trap();
	for (size_t i = 0; i < a->n_routes; i++) {
		const struct ct_bgp_route *x = &a->routes[i], *y = &b->routes[i];
		const struct ct_bgp_rattr *p = x->at, *q = y->at;
		if (!ct_ip_eq(&x->dst.ip, &y->dst.ip) || x->dst.len != y->dst.len ||
		    x->primary != y->primary || !ct_ip_eq(&p->via, &q->via) ||
		    !ct_ip_eq(&p->bgp_next_hop, &q->bgp_next_hop) || strcmp(p->dev, q->dev) ||
		    strcmp(p->proto, q->proto) || strcmp(p->type, q->type) ||
		    p->blackhole != q->blackhole || p->unreachable != q->unreachable)
			__builtin_trap();
	}
}

/* The reply the stream just finished (or the unfinished rest) against
 * ct_bird_parse_routes on the same lines, both on top of one earlier route. */
static void check_stream(struct rstream *x, struct ct_bgp *sb, const struct ct_bird_reply *r)
{
	struct ct_err se = {0}, we = {0};
	int src = ct_bird_routes_end(&x->rs, &se);
	struct ct_bgp wb;
	struct ct_prefix d = {.ip = {.family = AF_INET}, .len = 8};
	struct ct_bgp_rattr a;
	memset(&a, 0, sizeof(a));
	a.proto[0] = 'x';
	ct_bgp_init(&wb);
	bgp_caps(&wb);
	if (ct_bgp_route_add(&wb, &d, true, &a) < 0)
		__builtin_trap();
	int wrc = ct_bird_parse_routes(r, &wb, &we);
	if (src != wrc || (src < 0 && strcmp(se.msg, we.msg) != 0))
		__builtin_trap();
	if (src < 0 && sb->n_routes != 1)
		__builtin_trap();
	same_routes(sb, &wb);
	bgp_ok(sb);
	ct_bgp_free(&wb);
}

static void stream_all(const char *buf, size_t len, const struct run *whole, uint64_t seed)
{
	struct ct_bird_splitter sp;
	struct rstream x;
	struct ct_bgp sb;
	struct ct_prefix d = {.ip = {.family = AF_INET}, .len = 8};
	struct ct_bgp_rattr a;
	size_t pos = 0, nrep = 0;
	uint64_t rs = seed | 1;

	memset(&a, 0, sizeof(a));
	a.proto[0] = 'x';
	ct_bird_splitter_init(&sp);
	memset(&x, 0, sizeof(x));
	ct_bgp_init(&sb);
	bgp_caps(&sb);
	if (ct_bgp_route_add(&sb, &d, true, &a) < 0)
		__builtin_trap();
	ct_bird_routes_begin(&x.rs, &sb);
	while (pos < len) {
		rs ^= rs << 13;
		rs ^= rs >> 7;
		rs ^= rs << 17;
		size_t c = 1 + (size_t)(rs % (rs & 1 ? 7 : 4500));
		if (c > len - pos)
			c = len - pos;
		while (c) {
			struct ct_err e = {0};
			size_t used = 0;
			int rc = ct_bird_feed_fn(&sp, buf + pos, c, rstream_line, &x, &used, &e);
			if (used > c)
				__builtin_trap();
			pos += used;
			c -= used;
			if (rc < 0 && x.rs.capped) {
				/* the routes cap: the whole parser rejects that reply too */
				const struct ct_bird_reply *r =
					nrep < whole->n ? &whole->v[nrep] : &whole->rest;
				struct ct_bgp wb;
				struct ct_err we = {0}, e2 = {0};
				ct_bgp_init(&wb);
				bgp_caps(&wb);
				if (ct_bgp_route_add(&wb, &d, true, &a) < 0)
					__builtin_trap();
				if (!r->n || ct_bird_parse_routes(r, &wb, &we) != -1 ||
				    wb.n_routes != 1 || strcmp(sb.cap_hit, "routes") != 0)
					__builtin_trap();
				if (ct_bird_routes_end(&x.rs, &e2) != -1 || sb.n_routes != 1 ||
				    strcmp(e2.msg, e.msg) != 0)
					__builtin_trap();
				ct_bgp_free(&wb);
				ct_bgp_free(&sb);
				return;
			}
			if (rc < 0) {
				/* the splitter's error, where the whole run had it */
				if (whole->rc >= 0 || nrep != whole->n || pos != whole->pos ||
				    strcmp(e.msg, whole->err.msg) != 0)
					__builtin_trap();
				struct ct_err e2 = {0};
				if (ct_bird_routes_end(&x.rs, &e2) != -1 || sb.n_routes != 1)
					__builtin_trap();
				ct_bgp_free(&sb);
				return;
			}
			if (rc == 1) {
				if (nrep >= whole->n)
					__builtin_trap();
				check_stream(&x, &sb, &whole->v[nrep++]);
				/* the next reply on a fresh route set */
				ct_bgp_free(&sb);
				bgp_caps(&sb);
				if (ct_bgp_route_add(&sb, &d, true, &a) < 0)
					__builtin_trap();
				memset(&x, 0, sizeof(x));
				ct_bird_routes_begin(&x.rs, &sb);
			}
		}
	}
	if (nrep != whole->n || whole->rc < 0)
		__builtin_trap();
	if (whole->rest.n)
		check_stream(&x, &sb, &whole->rest);
	ct_bgp_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct run whole, bytes, chunks;

	split(buf, size, 0, &whole);
	split(buf, size, 1, &bytes);
	same(&whole, &bytes);
	split(buf, size, size ? 1 + data[0] % 61 : 1, &chunks);
	same(&whole, &chunks);
	if (whole.rc == 0 && whole.pos != size)
		__builtin_trap();

	struct ct_bgp b;
	ct_bgp_init(&b);
	bgp_caps(&b);
	for (size_t i = 0; i < whole.n; i++) {
		reply_ok(&whole.v[i]);
		parse_all(&whole.v[i], &b, true);
	}
	if (whole.rest.n)
		parse_all(&whole.rest, &b, false);
	ct_bgp_free(&b);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < size && i < 16; i++)
		seed = (seed ^ data[i]) * 0x100000001b3ull;
	stream_all(buf, size, &whole, seed);
	run_free(&whole);
	run_free(&bytes);
	run_free(&chunks);
	return 0;
}
