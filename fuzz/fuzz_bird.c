/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: bytes from a BIRD control socket. They go through the line
 * splitter all at once, byte by byte and in chunks sized by the input; the
 * three must agree. Every reply completed is handed to the status, protocols
 * and routes parsers, and what they return must hold its invariants.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/bgp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		if (rc[i] < 0 && (!e[i].exit_code || !e[i].msg[0] || strncmp(e[i].msg, "bird ", 5)))
			__builtin_trap();
		if (rc[i] == 0 && (e[i].exit_code || !complete))
			__builtin_trap();
	}
	bgp_ok(b);
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
	for (size_t i = 0; i < whole.n; i++) {
		reply_ok(&whole.v[i]);
		parse_all(&whole.v[i], &b, true);
	}
	if (whole.rest.n)
		parse_all(&whole.rest, &b, false);
	ct_bgp_free(&b);
	run_free(&whole);
	run_free(&bytes);
	run_free(&chunks);
	return 0;
}
