/* SPDX-License-Identifier: MIT */
/*
 * kube-proxy's nftables mode from libnftables' JSON (`nft -j list table ip kube-proxy`):
 * the verdict maps service-ips and no-endpoint-services, and the chains the first sends
 * packets to, followed down to their `dnat to` statements. Pure; the bytes are untrusted:
 * a document that is not libnftables' shape is an error; an element or rule of another
 * shape inside it is left out (a newer kube-proxy may add some), never crashed on.
 */
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/svc_int.h"

#define NFT_MAX_BYTES (256u << 20)
#define SCAN_DEPTH    32 /* JSON nesting scanned inside one rule */

struct nrule {
	int fam; /* AF_INET, AF_INET6 (an inet table's rules: 0) */
	const char *chain;
	json_t *expr;
	size_t pos; /* document order, for a stable sort */
};

struct nctx {
	struct nrule *r;
	size_t n;
	uint32_t *mark; /* per rule: the walk that saw its chain */
	uint32_t gen;
	size_t *stack;
	struct ct_svc *v;
	size_t cap; /* v's backend capacity */
	int fail;   /* out of memory */
};

static int fam_of(const char *f)
{
	if (!strcmp(f, "ip"))
		return AF_INET;
	if (!strcmp(f, "ip6"))
		return AF_INET6;
	if (!strcmp(f, "inet"))
		return 0;
	return -1;
}

static int cmp_rule(const void *a, const void *b)
{
	const struct nrule *x = a, *y = b;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	int c = strcmp(x->chain, y->chain);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first rule of chain (fam, name), or -1. */
static long chain_first(const struct nctx *c, int fam, const char *name)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct nrule *r = &c->r[mid];
		int d = r->fam != fam ? (r->fam < fam ? -1 : 1) : strcmp(r->chain, name);
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n && c->r[lo].fam == fam && strcmp(c->r[lo].chain, name) == 0)
		return (long)lo;
	return -1;
}

static void push_chain(struct nctx *c, int fam, const char *target, size_t *sp)
{
	if (!strcmp(target, "mark-for-masquerade"))
		return;
	long f = chain_first(c, fam, target);
	if (f < 0 || c->mark[f] == c->gen)
		return;
	c->mark[f] = c->gen;
	c->stack[(*sp)++] = (size_t)f;
}

/* Scans one rule's JSON for jump/goto targets (pushed) and dnat statements (backends). */
static void scan(struct nctx *c, int fam, json_t *j, size_t *sp, int depth)
{
	if (depth > SCAN_DEPTH || c->fail)
		return;
	if (json_is_array(j)) {
		size_t i;
		json_t *e;
		json_array_foreach(j, i, e) scan(c, fam, e, sp, depth + 1);
		return;
	}
	if (!json_is_object(j))
		return;
	const char *k;
	json_t *v;
	json_object_foreach(j, k, v)
	{
		if (!strcmp(k, "goto") || !strcmp(k, "jump")) {
			const char *t = json_string_value(json_object_get(v, "target"));
			if (t)
				push_chain(c, fam, t, sp);
			continue;
		}
		if (!strcmp(k, "dnat")) {
			const char *a = json_string_value(json_object_get(v, "addr"));
			json_t *p = json_object_get(v, "port");
			struct ct_svc_backend b;
			memset(&b, 0, sizeof(b));
			if (!a || ct_ip_parse(a, &b.ip) < 0)
				continue;
			if (json_is_integer(p) && json_integer_value(p) > 0 &&
			    json_integer_value(p) <= 65535)
				b.port = (uint16_t)json_integer_value(p);
			else if (p)
				continue;
			if (ct_svc__add_backend(c->v, &b, &c->cap) < 0)
				c->fail = 1;
			continue;
		}
		scan(c, fam, v, sp, depth + 1);
	}
}

/* Every dnat reached from chain start (same family) into c->v. */
static void walk(struct nctx *c, int fam, const char *start)
{
	size_t head = 0, sp = 0; /* a queue: backends come in kube-proxy's order */
	c->gen++;
	c->cap = 0;
	push_chain(c, fam, start, &sp);
	while (head < sp && !c->fail) {
		size_t f = c->stack[head++];
		for (size_t i = f; i < c->n && c->r[i].fam == c->r[f].fam &&
				   strcmp(c->r[i].chain, c->r[f].chain) == 0;
		     i++)
			scan(c, fam, c->r[i].expr, &sp, 0);
	}
}

/* "service-HASH-ns/name/proto/port" (or external-...) into "ns/name:port". */
static void name_from_chain(struct ct_svc *v, const char *chain)
{
	const char *p = strchr(chain, '-');
	p = p ? strchr(p + 1, '-') : NULL;
	if (!p)
		return;
	p++;
	const char *s1 = strchr(p, '/');
	const char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
	const char *s3 = s2 ? strchr(s2 + 1, '/') : NULL;
	if (!s3 || strchr(s3 + 1, '/'))
		return;
	char buf[CT_SVC_NAME];
	size_t port = strlen(s3 + 1);
	int n = port ? snprintf(buf, sizeof(buf), "%.*s:%s", (int)(s2 - p), p, s3 + 1)
		     : snprintf(buf, sizeof(buf), "%.*s", (int)(s2 - p), p);
	if (n > 0 && (size_t)n < sizeof(buf))
		ct_svc__set_name(v, buf, (size_t)n);
}

/* An element's key: {"concat": [ADDR, PROTO, PORT]} or {"elem": {"val": {...}, "comment"}}. */
static bool elem_key(json_t *key, struct ct_svc *v, const char **comment)
{
	*comment = NULL;
	json_t *el = json_object_get(key, "elem");
	if (el) {
		*comment = json_string_value(json_object_get(el, "comment"));
		key = json_object_get(el, "val");
	}
	json_t *cc = json_object_get(key, "concat");
	if (!json_is_array(cc) || json_array_size(cc) != 3)
		return false;
	const char *a = json_string_value(json_array_get(cc, 0));
	json_t *pr = json_array_get(cc, 1), *po = json_array_get(cc, 2);
	if (!a || ct_ip_parse(a, &v->vip) < 0)
		return false;
	if (json_is_string(pr))
		v->proto = ct_svc_proto_parse(json_string_value(pr));
	else if (json_is_integer(pr) && json_integer_value(pr) > 0 && json_integer_value(pr) < 256)
		v->proto = ct_svc_proto_parse(json_integer_value(pr) == IPPROTO_TCP    ? "tcp"
					      : json_integer_value(pr) == IPPROTO_UDP  ? "udp"
					      : json_integer_value(pr) == IPPROTO_SCTP ? "sctp"
										       : "");
	if (!v->proto)
		return false;
	if (json_is_integer(po) && json_integer_value(po) > 0 && json_integer_value(po) <= 65535) {
		v->port = (uint16_t)json_integer_value(po);
		return true;
	}
	const char *ps = json_string_value(po);
	return ps && ct_svc__port(ps, ps + strlen(ps), &v->port);
}

/* The verdict's target chain ({"goto": {"target": X}} or jump), NULL for drop/reject. */
static const char *verdict_target(json_t *vd, bool *rejects)
{
	*rejects = json_object_get(vd, "drop") || json_object_get(vd, "reject");
	json_t *g = json_object_get(vd, "goto");
	if (!g)
		g = json_object_get(vd, "jump");
	return json_string_value(json_object_get(g, "target"));
}

static int read_map(struct ct_svcs *s, struct nctx *c, json_t *map, int fam, bool noep)
{
	size_t i;
	json_t *el;
	json_array_foreach(json_object_get(map, "elem"), i, el)
	{
		struct ct_svc key;
		const char *comment, *target;
		bool rejects;
		memset(&key, 0, sizeof(key));
		if (!json_is_array(el) || json_array_size(el) != 2 ||
		    !elem_key(json_array_get(el, 0), &key, &comment))
			continue;
		target = verdict_target(json_array_get(el, 1), &rejects);
		if (!noep && !target)
			continue;
		if (fam && key.vip.family != fam)
			continue;
		struct ct_svc *v = ct_svc__add(s);
		if (!v)
			return s->n < CT_SVC_MAX ? -1 : 0;
		*v = key;
		v->source = CT_SVC_NFTABLES;
		if (noep) {
			v->no_endpoints = true;
			if (comment)
				ct_svc__set_name(v, comment, strlen(comment));
			continue;
		}
		v->kind =
		    !strncmp(target, "service-", 8) ? CT_SVC_KIND_CLUSTER_IP : CT_SVC_KIND_UNKNOWN;
		name_from_chain(v, target);
		c->v = v;
		walk(c, fam, target);
		if (c->fail)
			return -1;
		if (!v->nbe_total)
			v->no_endpoints = true;
	}
	return 0;
}

int ct_svc_parse_nft(struct ct_svcs *s, const char *json, size_t len, struct ct_err *err)
{
	json_error_t je;
	struct nctx c;
	const char *why = NULL;
	memset(&c, 0, sizeof(c));
	if (len > NFT_MAX_BYTES)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "kube-proxy nftables JSON: larger than %u MiB",
				  NFT_MAX_BYTES >> 20);
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ct_err_set(err, CT_EXIT_GATHER, "kube-proxy nftables JSON: %s (line %d)",
				  je.text, je.line);
	json_t *list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		why = "no \"nftables\" array";
		goto out;
	}
	size_t n = json_array_size(list);
	c.r = malloc((n ? n : 1) * sizeof(*c.r));
	c.mark = calloc(n ? n : 1, sizeof(*c.mark));
	c.stack = malloc((n ? n : 1) * sizeof(*c.stack));
	if (!c.r || !c.mark || !c.stack) {
		why = "out of memory";
		goto out;
	}
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		json_t *o = json_object_get(item, "rule");
		if (!o)
			continue;
		const char *fam = json_string_value(json_object_get(o, "family"));
		const char *tab = json_string_value(json_object_get(o, "table"));
		const char *ch = json_string_value(json_object_get(o, "chain"));
		json_t *ex = json_object_get(o, "expr");
		if (!fam || !tab || !ch || !json_is_array(ex)) {
			why = "a rule without family, table, chain or expr";
			goto out;
		}
		if (strcmp(tab, "kube-proxy") != 0 || fam_of(fam) < 0)
			continue;
		c.r[c.n++] = (struct nrule){fam_of(fam), ch, ex, i};
	}
	qsort(c.r, c.n, sizeof(*c.r), cmp_rule);
	json_array_foreach(list, i, item)
	{
		json_t *o = json_object_get(item, "map");
		if (!o)
			continue;
		const char *fam = json_string_value(json_object_get(o, "family"));
		const char *tab = json_string_value(json_object_get(o, "table"));
		const char *name = json_string_value(json_object_get(o, "name"));
		if (!fam || !tab || !name) {
			why = "a map without family, table or name";
			goto out;
		}
		if (strcmp(tab, "kube-proxy") != 0 || fam_of(fam) < 0)
			continue;
		bool svc = !strcmp(name, "service-ips"),
		     noep = !strcmp(name, "no-endpoint-services");
		if ((svc || noep) && read_map(s, &c, o, fam_of(fam), noep) < 0) {
			why = "out of memory";
			goto out;
		}
	}
out:
	free(c.r);
	free(c.mark);
	free(c.stack);
	json_decref(root);
	if (why)
		return ct_err_set(err, CT_EXIT_GATHER, "kube-proxy nftables JSON: %s", why);
	return 0;
}
