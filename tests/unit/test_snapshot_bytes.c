/* SPDX-License-Identifier: MIT */
/*
 * Snapshots round-trip any bytes (issue 8, "Bounded input from outside"): every
 * string the model records (link, rule, neighbour-table, namespace, node and pod
 * names, paths, and every string of the BGP section) is written by the JSON rule
 * of model/esc.h and loads back as the same bytes. The oracle is the input
 * itself: load(write(x)) must give x byte for byte, the file must be strict
 * UTF-8 (glibc's iconv, an independent decoder), and two different names must
 * never share a JSON string (read back with jansson).
 *
 * The names: every byte 0x01..0xff alone, after "cali", and in runs (cali + 11
 * of it: 15 bytes, IFNAMSIZ - 1); all of them in order, 15 at a time; each byte
 * 0x80..0xff between two valid UTF-8 characters; UTF-8 sequences cut short,
 * overlong forms, surrogates encoded in UTF-8, code points above U+10FFFF,
 * backslashes spelled like the escape itself ("\xfa" in ASCII), C0, C1 and bidi
 * characters; and the pair cali\xfa / cali\xfb that once merged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <iconv.h>
#include <jansson.h>
#include <net/if.h>

#include "model/bgp.h"
#include "model/bgp_json.h"
#include "model/model.h"
#include "model/snapshot.h"

/* ---- the byte strings ---- */

#define MAXP 2048
#define PLEN 64
static char pat[MAXP][PLEN];
static size_t npat;

static void add(const char *s, size_t n)
{
	assert_true(n > 0 && n < PLEN);
	assert_null(memchr(s, 0, n));
	for (size_t i = 0; i < npat; i++) /* once each */
		if (strlen(pat[i]) == n && memcmp(pat[i], s, n) == 0)
			return;
	assert_true(npat < MAXP);
	memcpy(pat[npat], s, n);
	pat[npat][n] = 0;
	npat++;
}

static void adds(const char *s)
{
	add(s, strlen(s));
}

static void build_patterns(void)
{
	char b[PLEN];
	npat = 0;
	for (int c = 1; c < 256; c++) {
		b[0] = (char)c;
		add(b, 1);
		memcpy(b, "cali", 4);
		b[4] = (char)c;
		add(b, 5);
		memset(b + 4, c, 11); /* 15 bytes: the longest interface name */
		add(b, 15);
	}
	for (int c = 1; c < 256; c += 15) { /* every byte in order, 15 a name */
		size_t n = 0;
		for (int k = c; k < c + 15 && k < 256; k++)
			b[n++] = (char)k;
		add(b, n);
	}
	for (int c = 0x80; c < 256; c++) { /* between valid characters: é X € */
		memcpy(b, "\xc3\xa9", 2);
		b[2] = (char)c;
		memcpy(b + 3, "\xe2\x82\xac", 3);
		add(b, 6);
	}
	static const char *const odd[] = {
		/* cut short */
		"a\xc3", "a\xe2\x82", "a\xf0\x9f\x98", "\xe2\x82" "a", "\xc3\xc3\xa9", "\xf0\x9f\x98",
		"\xe2", "\xf0\x9f",
		/* overlong */
		"\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf", "\xe0\x9f\xbf", "\xf0\x80\x80\xaf",
		"\xf0\x8f\xbf\xbf", "\xc0\x80",
		/* surrogates in UTF-8 (CESU-8) */
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xed\xa0\xbd\xed\xb8\x80", "cali\xed\xb0\x80",
		/* above U+10FFFF, and bytes never in UTF-8 */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xfe\xff",
		/* valid: the edges, C1, bidi, emoji */
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", "\xc2\x9b", "\xe2\x80\xae", "\xf0\x9f\x98\x80", "caf\xc3\xa9",
		/* the escape's own spelling */
		"\\", "\\\\", "\\x", "\\xfa", "cali\\xfa", "cali\\\\xfa", "\\\xfa", "\\x\xfa",
		"\\u00fa", "cali\\xFA", "\\xc3\\xa9", "\\\\\\",
		/* the pair that merged, and friends */
		"cali\xfa", "cali\xfb", "cali\xfa\xfb", "cali\xfb\xfa", "cali\xef\xbf\xbd",
		/* controls */
		"\x1b[31m", "\x7f", "a\tb", "\"q\"",
	};
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		adds(odd[i]);
}

/* What the kernel accepts as an interface name (dev_valid_name), within 15 bytes. */
static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < IFNAMSIZ && strcmp(s, ".") && strcmp(s, "..") &&
	       !strpbrk(s, "/: \t\n\v\f\r");
}

/* The k-th pattern that fits in size - 1 bytes (wrapping), as a C string copied into dst. */
static void put_pat(char *dst, size_t size, size_t k)
{
	for (size_t i = 0; i < npat; i++) {
		const char *p = pat[(k + i) % npat];
		if (strlen(p) < size) {
			memcpy(dst, p, strlen(p) + 1);
			return;
		}
	}
	fail_msg("no pattern fits %zu bytes", size);
}

static bool iconv_valid(const char *s, size_t n)
{
	iconv_t cd = iconv_open("UTF-32LE", "UTF-8");
	assert_true(cd != (iconv_t)-1);
	size_t cap = 4 * n + 4;
	char *out = malloc(cap);
	assert_non_null(out);
	char *ip = (char *)s, *op = out;
	size_t il = n, ol = cap;
	size_t r = iconv(cd, &ip, &il, &op, &ol);
	iconv_close(cd);
	free(out);
	return r != (size_t)-1 && il == 0;
}

static char *write_mem(const struct ct_node *n, size_t *len)
{
	char *buf = NULL;
	struct ct_err err = {0};
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	int rc = ct_snapshot_write(n, f, &err);
	fclose(f);
	if (rc)
		fail_msg("write failed: %s", err.msg);
	return buf;
}

#define BYTES_EQ(what, i, a, b)                                                                    \
	do {                                                                                       \
		if (strlen(a) != strlen(b) || memcmp(a, b, strlen(a)))                             \
			fail_msg("%s %zu: bytes differ after the round trip", what, (size_t)(i));  \
	} while (0)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the model's strings ---- */

static void build_node(struct ct_node *n, size_t *n_links)
{
	ct_node_init(n);
	put_pat(n->name, sizeof(n->name), 7);
	put_pat(n->kernel, sizeof(n->kernel), 11);
	struct ct_netns *ns = ct_node_add_ns(n);
	assert_non_null(ns);
	put_pat(ns->name, sizeof(ns->name), 3);
	put_pat(ns->path, sizeof(ns->path), 5);
	size_t nl = 0;
	for (size_t i = 0; i < npat; i++) {
		if (!ifname_ok(pat[i]))
			continue;
		struct ct_link *l = ct_push_link(ns);
		assert_non_null(l);
		l->ifindex = (int)(nl + 1);
		memcpy(l->name, pat[i], strlen(pat[i]) + 1);
		put_pat(l->kind, sizeof(l->kind), i);
		l->mtu = 1500;
		l->forwarding = l->rp_filter = l->proxy_arp = l->proxy_delay = -1;
		l->route_localnet = l->forwarding6 = l->eff_rp_filter = l->eff_proxy_arp = -1;
		l->link_netnsid = l->peer_ns = -1;
		nl++;
	}
	*n_links = nl;
	for (size_t i = 0; i < npat; i += 7) {
		struct ct_rule *r = ct_push_rule(ns);
		assert_non_null(r);
		r->family = AF_INET;
		r->priority = (uint32_t)i;
		r->table = 254;
		if (ifname_ok(pat[i]))
			memcpy(r->iifname, pat[i], strlen(pat[i]) + 1);
		if (ifname_ok(pat[(i + 1) % npat]))
			memcpy(r->oifname, pat[(i + 1) % npat], strlen(pat[(i + 1) % npat]) + 1);
	}
	struct ct_neightbl *t = ct_push_neightbl(ns);
	assert_non_null(t);
	put_pat(t->name, sizeof(t->name), 17);
	t->family = AF_INET;
	n->have_pods = true;
	for (size_t i = 0; i < npat; i++) {
		struct ct_pod *p = ct_push_pod(n);
		assert_non_null(p);
		put_pat(p->ns, sizeof(p->ns), i);
		put_pat(p->name, sizeof(p->name), i + 1);
		put_pat(p->node, sizeof(p->node), i + 2);
		put_pat(p->phase, sizeof(p->phase), i + 3);
		if (ifname_ok(pat[i]))
			memcpy(p->veth, pat[i], strlen(pat[i]) + 1);
	}
}

static void test_model_strings(void **state)
{
	(void)state;
	struct ct_node a, b;
	struct ct_err err = {0};
	size_t len, len2, nl;

	build_patterns();
	build_node(&a, &nl);
	assert_true(nl > 700);
	char *buf = write_mem(&a, &len);
	/* the file: strict UTF-8, one JSON document */
	assert_true(iconv_valid(buf, len));
	if (ct_snapshot_load_buf(&b, buf, len, &err))
		fail_msg("load failed: %s", err.msg);

	BYTES_EQ("node name", 0, a.name, b.name);
	BYTES_EQ("kernel", 0, a.kernel, b.kernel);
	assert_int_equal(b.ns.n, 1);
	const struct ct_netns *x = &a.ns.v[0], *y = &b.ns.v[0];
	BYTES_EQ("netns name", 0, x->name, y->name);
	BYTES_EQ("netns path", 0, x->path, y->path);
	assert_int_equal(y->links.n, x->links.n);
	for (size_t i = 0; i < x->links.n; i++) {
		assert_int_equal(y->links.v[i].ifindex, x->links.v[i].ifindex);
		BYTES_EQ("link name", i, x->links.v[i].name, y->links.v[i].name);
		BYTES_EQ("link kind", i, x->links.v[i].kind, y->links.v[i].kind);
		/* the index finds each name: none merged with another */
		const struct ct_link *f = ct_link_by_name(y, x->links.v[i].name);
		assert_non_null(f);
		assert_int_equal(f->ifindex, x->links.v[i].ifindex);
	}
	assert_int_equal(y->rules.n, x->rules.n);
	for (size_t i = 0; i < x->rules.n; i++) {
		BYTES_EQ("rule iifname", i, x->rules.v[i].iifname, y->rules.v[i].iifname);
		BYTES_EQ("rule oifname", i, x->rules.v[i].oifname, y->rules.v[i].oifname);
	}
	BYTES_EQ("neigh table", 0, x->neightbls.v[0].name, y->neightbls.v[0].name);
	assert_int_equal(b.pods.n, a.pods.n);
	for (size_t i = 0; i < a.pods.n; i++) {
		BYTES_EQ("pod namespace", i, a.pods.v[i].ns, b.pods.v[i].ns);
		BYTES_EQ("pod name", i, a.pods.v[i].name, b.pods.v[i].name);
		BYTES_EQ("pod node", i, a.pods.v[i].node, b.pods.v[i].node);
		BYTES_EQ("pod phase", i, a.pods.v[i].phase, b.pods.v[i].phase);
		BYTES_EQ("pod veth", i, a.pods.v[i].veth, b.pods.v[i].veth);
	}

	/* stable: what was loaded writes the same bytes (but for node.source, which
	 * loading sets to where it came from) */
	assert_string_equal(b.source, "<buffer>");
	memcpy(b.source, a.source, sizeof(b.source));
	char *buf2 = write_mem(&b, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);

	/* read independently: no two links share a JSON name */
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(root);
	json_t *links = json_object_get(json_array_get(json_object_get(root, "netns"), 0), "links");
	size_t m = json_array_size(links);
	assert_int_equal(m, nl);
	const char **names = calloc(m, sizeof(*names));
	assert_non_null(names);
	for (size_t i = 0; i < m; i++) {
		json_t *v = json_object_get(json_array_get(links, i), "name");
		names[i] = json_string_value(v);
		assert_non_null(names[i]);
		assert_int_equal(strlen(names[i]), json_string_length(v));
	}
	qsort(names, m, sizeof(*names), cmp_str);
	for (size_t i = 1; i < m; i++)
		if (strcmp(names[i], names[i - 1]) == 0)
			fail_msg("two links written as '%s'", names[i]);
	free(names);
	json_decref(root);

	free(buf);
	free(buf2);
	ct_node_free(&a);
	ct_node_free(&b);
}

/* The two names of the issue, alone: distinct in the file, distinct after loading. */
static void test_fa_fb(void **state)
{
	(void)state;
	struct ct_node a, b;
	struct ct_err err = {0};
	size_t len;
	static const char *const nm[] = {"cali\xfa", "cali\xfb", "cali\\xfa",
					 "cali\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"};
	ct_node_init(&a);
	struct ct_netns *ns = ct_node_add_ns(&a);
	for (int i = 0; i < 4; i++) {
		struct ct_link *l = ct_push_link(ns);
		l->ifindex = i + 2;
		snprintf(l->name, sizeof(l->name), "%s", nm[i]);
		l->forwarding = l->rp_filter = l->proxy_arp = l->proxy_delay = -1;
		l->route_localnet = l->forwarding6 = l->eff_rp_filter = l->eff_proxy_arp = -1;
		l->link_netnsid = l->peer_ns = -1;
	}
	assert_int_equal(strlen(ns->links.v[3].name), 15);
	char *buf = write_mem(&a, &len);
	/* spelled as caltrace(1) STRINGS says, in the JSON text */
	assert_non_null(strstr(buf, "\"name\":\"cali\\\\xfa\""));
	assert_non_null(strstr(buf, "\"name\":\"cali\\\\xfb\""));
	assert_non_null(strstr(buf, "\"name\":\"cali\\\\\\\\xfa\""));
	assert_non_null(strstr(buf, "\"name\":\"cali\\\\xff\\\\xff\\\\xff\\\\xff\\\\xff\\\\xff"
				    "\\\\xff\\\\xff\\\\xff\\\\xff\\\\xff\""));
	if (ct_snapshot_load_buf(&b, buf, len, &err))
		fail_msg("load failed: %s", err.msg);
	for (int i = 0; i < 4; i++) {
		assert_string_equal(b.ns.v[0].links.v[i].name, nm[i]);
		assert_int_equal(ct_link_by_name(&b.ns.v[0], nm[i])->ifindex, i + 2);
	}
	free(buf);
	ct_node_free(&a);
	ct_node_free(&b);
}

/* ---- the BGP section ---- */

#define PUT(f, k) put_pat(f, sizeof(f), k)

static void build_bgp(struct ct_bgp *b, size_t *k)
{
	ct_bgp_init(b);
	struct ct_bird_status *s = &b->status;
	PUT(s->version, (*k)++);
	PUT(s->greeting, (*k)++);
	PUT(s->router_id, (*k)++);
	PUT(s->server_time, (*k)++);
	PUT(s->last_reboot, (*k)++);
	PUT(s->last_reconfig, (*k)++);
	PUT(s->state, (*k)++);
	s->flavour = CT_BIRD_V1;
	PUT(b->kernel_proto, (*k)++);
	PUT(b->socket, (*k)++);
	b->n_peers = 64;
	b->peers = calloc(b->n_peers, sizeof(*b->peers));
	assert_non_null(b->peers);
	for (size_t i = 0; i < b->n_peers; i++) {
		struct ct_bgp_peer *p = &b->peers[i];
		PUT(p->name, (*k)++);
		PUT(p->type, (*k)++);
		PUT(p->proto, (*k)++);
		PUT(p->table, (*k)++);
		PUT(p->state, (*k)++);
		PUT(p->since, (*k)++);
		PUT(p->info, (*k)++);
		PUT(p->bgp_state, (*k)++);
		PUT(p->last_error, (*k)++);
		PUT(p->neighbor_id, (*k)++);
		PUT(p->description, (*k)++);
		p->hold_now = p->hold_max = p->keepalive_now = p->keepalive_max = -1;
	}
	for (size_t i = 0; i < 64; i++) {
		struct ct_bgp_rattr at;
		struct ct_prefix dst;
		memset(&at, 0, sizeof(at));
		PUT(at.dev, (*k)++);
		PUT(at.proto, (*k)++);
		PUT(at.type, (*k)++);
		assert_int_equal(ct_prefix_parse("10.0.0.0/8", &dst), 0);
		dst.ip.a[1] = (uint8_t)i;
		assert_int_equal(ct_bgp_route_add(b, &dst, i % 2, &at), 0);
	}
	b->have_sessions = true;
	b->n_sessions = 16;
	b->sessions = calloc(b->n_sessions, sizeof(*b->sessions));
	assert_non_null(b->sessions);
	for (size_t i = 0; i < b->n_sessions; i++)
		PUT(b->sessions[i].state, (*k)++);
}

static void bgp_eq(const struct ct_bgp *a, const struct ct_bgp *b)
{
	const struct ct_bird_status *x = &a->status, *y = &b->status;
	BYTES_EQ("version", 0, x->version, y->version);
	BYTES_EQ("greeting", 0, x->greeting, y->greeting);
	BYTES_EQ("router_id", 0, x->router_id, y->router_id);
	BYTES_EQ("server_time", 0, x->server_time, y->server_time);
	BYTES_EQ("last_reboot", 0, x->last_reboot, y->last_reboot);
	BYTES_EQ("last_reconfig", 0, x->last_reconfig, y->last_reconfig);
	BYTES_EQ("state", 0, x->state, y->state);
	BYTES_EQ("kernel_proto", 0, a->kernel_proto, b->kernel_proto);
	BYTES_EQ("socket", 0, a->socket, b->socket);
	assert_int_equal(b->n_peers, a->n_peers);
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct ct_bgp_peer *p = &a->peers[i], *q = &b->peers[i];
		BYTES_EQ("peer name", i, p->name, q->name);
		BYTES_EQ("peer type", i, p->type, q->type);
		BYTES_EQ("peer proto", i, p->proto, q->proto);
		BYTES_EQ("peer table", i, p->table, q->table);
		BYTES_EQ("peer state", i, p->state, q->state);
		BYTES_EQ("peer since", i, p->since, q->since);
		BYTES_EQ("peer info", i, p->info, q->info);
		BYTES_EQ("peer bgp_state", i, p->bgp_state, q->bgp_state);
		BYTES_EQ("peer last_error", i, p->last_error, q->last_error);
		BYTES_EQ("peer neighbor_id", i, p->neighbor_id, q->neighbor_id);
		BYTES_EQ("peer description", i, p->description, q->description);
	}
	assert_int_equal(b->n_routes, a->n_routes);
	for (size_t i = 0; i < a->n_routes; i++) {
		BYTES_EQ("route dev", i, a->routes[i].at->dev, b->routes[i].at->dev);
		BYTES_EQ("route proto", i, a->routes[i].at->proto, b->routes[i].at->proto);
		BYTES_EQ("route type", i, a->routes[i].at->type, b->routes[i].at->type);
		assert_int_equal(a->routes[i].primary, b->routes[i].primary);
	}
	assert_int_equal(b->n_sessions, a->n_sessions);
	for (size_t i = 0; i < a->n_sessions; i++)
		BYTES_EQ("session state", i, a->sessions[i].state, b->sessions[i].state);
}

static void test_bgp_strings(void **state)
{
	(void)state;
	build_patterns();
	/* several passes so that every pattern lands in a field wide enough for it */
	for (size_t start = 0; start < npat; start += 997) {
		struct ct_bgp a, b;
		struct ct_err err = {0};
		char *json = NULL, error[512], errback[512];
		size_t k = start;
		build_bgp(&a, &k);
		put_pat(error, sizeof(error), k++);
		assert_int_equal(ct_bgp_to_json(&a, error, &json), 0);
		assert_true(iconv_valid(json, strlen(json)));
		ct_bgp_init(&b);
		if (ct_bgp_from_json(json, "<test>", &b, errback, sizeof(errback), &err))
			fail_msg("%s", err.msg);
		bgp_eq(&a, &b);
		BYTES_EQ("error", 0, error, errback);

		/* and through a whole snapshot: the section is kept and parsed on load */
		struct ct_node n, m;
		ct_node_init(&n);
		ct_node_add_ns(&n);
		n.bgp_json = json;
		size_t len;
		char *buf = write_mem(&n, &len);
		assert_true(iconv_valid(buf, len));
		if (ct_snapshot_load_buf(&m, buf, len, &err))
			fail_msg("load failed: %s", err.msg);
		assert_non_null(m.bgp);
		bgp_eq(&a, m.bgp);
		BYTES_EQ("bgp_error", 0, error, m.bgp_error);
		free(buf);
		ct_node_free(&n); /* frees json */
		ct_node_free(&m);
		ct_bgp_free(&a);
		ct_bgp_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_strings),
		cmocka_unit_test(test_fa_fb),
		cmocka_unit_test(test_bgp_strings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
