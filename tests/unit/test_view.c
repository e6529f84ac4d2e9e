/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the views (render/view.c, render/views_*.c):
 * - every view's descriptors are well formed;
 * - the JSON a view writes, read back with jansson, carries the values of the
 *   snapshot fixture it was loaded from (the fixture file read with jansson is
 *   the oracle, not caltrace's output), with exactly the declared keys;
 * - the text table and a pane walking the same view (ct_view_cell, ct_cell_text)
 *   show the same headers and cells;
 * - a cell is coloured exactly when the analysis makes the finding about it;
 * - the man page's JSON OUTPUT documents every key of every view.
 * Fixtures from $CT_FIXTURES (default tests/fixtures), the man page from
 * $CT_MAN (default man/caltrace.1): run from the top of the tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analysis/results.h"
#include "model/snapshot.h"
#include "render/views.h"

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("CT_FIXTURES");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", name);
	return path;
}

static void load(struct ct_node *n, const char *name)
{
	struct ct_err err = {0};
	ct_node_init(n);
	if (ct_snapshot_load(n, fixture(name), &err) < 0)
		fail_msg("cannot load %s: %s", name, err.msg);
}

typedef void (*body_fn)(struct ct_out *o, const void *r);

/* the document a command writes around fn's sections, as a string */
static char *render(body_fn fn, const void *r, bool json, bool color)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct ct_out o;
	assert_int_equal(ct_out_init(&o, f, json, color ? CT_COLOR_ALWAYS : CT_COLOR_NEVER), 0);
	ct_out_begin(&o, "test", "node", "snapshot", "host", false);
	fn(&o, r);
	ct_out_end(&o, NULL);
	ct_out_free(&o);
	fclose(f);
	return buf;
}

static void body_links(struct ct_out *o, const void *r) { ct_views_links(o, r); }
static void body_tunnel(struct ct_out *o, const void *r) { ct_views_tunnel(o, r); }
static void body_neigh(struct ct_out *o, const void *r) { ct_views_neigh(o, r); }

/* ---------------------------------------------------------------- descriptors */

static void test_descriptors(void **state)
{
	(void)state;
	size_t nviews = 0;
	for (const struct ct_view *const *v = ct_views_all; *v; v++, nviews++) {
		const struct ct_view *w = *v;
		assert_non_null(w->key);
		assert_non_null(w->count);
		assert_non_null(w->row);
		assert_true(w->ncols > 0);
		for (size_t i = 0; i < w->ncols; i++) {
			const struct ct_view_col *c = &w->cols[i];
			if (!c->key && !c->hdr)
				fail_msg("%s column %zu has neither a key nor a header", w->key, i);
			if (!c->cell == !c->nested)
				fail_msg("%s column %zu: a cell function or a nested writer, not both", w->key, i);
			if (c->nested && (c->hdr || !c->key))
				fail_msg("%s column %zu: a nested value is JSON only", w->key, i);
			if (c->color && !c->hdr)
				fail_msg("%s column %s: a colour on a JSON-only field", w->key, c->key);
			for (size_t j = 0; j < i; j++) {
				if (c->key && w->cols[j].key && !strcmp(c->key, w->cols[j].key))
					fail_msg("%s: key %s twice", w->key, c->key);
				if (c->hdr && w->cols[j].hdr && !strcmp(c->hdr, w->cols[j].hdr))
					fail_msg("%s: header %s twice", w->key, c->hdr);
			}
		}
	}
	assert_int_equal(nviews, 15);
}

/* ---------------------------------------------------------------- JSON against the fixture */

static json_t *fixture_json(const char *name)
{
	json_error_t e;
	json_t *j = json_load_file(fixture(name), 0, &e);
	if (!j)
		fail_msg("jansson cannot read %s: %s", name, e.text);
	return j;
}

static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
	{
		json_t *k = json_object_get(x, key);
		if (json_is_string(k) && !strcmp(json_string_value(k), val))
			return x;
	}
	return NULL;
}

static void same_int(json_t *a, const char *ka, json_t *b, const char *kb)
{
	json_t *x = json_object_get(a, ka), *y = json_object_get(b, kb);
	if (!json_is_integer(x) || !json_is_integer(y) || json_integer_value(x) != json_integer_value(y))
		fail_msg("%s (%lld) != fixture %s (%lld)", ka, json_is_integer(x) ? (long long)json_integer_value(x) : -999,
			 kb, json_is_integer(y) ? (long long)json_integer_value(y) : -999);
}

static void same_str(json_t *a, const char *ka, json_t *b, const char *kb)
{
	json_t *x = json_object_get(a, ka), *y = json_object_get(b, kb);
	if (!json_is_string(x) || !json_is_string(y) || strcmp(json_string_value(x), json_string_value(y)))
		fail_msg("%s (%s) != fixture %s (%s)", ka, json_is_string(x) ? json_string_value(x) : "?", kb,
			 json_is_string(y) ? json_string_value(y) : "?");
}

/* the keys of a record are exactly the view's declared keys */
static void keys_declared(json_t *rec, const struct ct_view *v)
{
	size_t want = 0;
	for (size_t i = 0; i < v->ncols; i++) {
		if (!v->cols[i].key)
			continue;
		if (!json_object_get(rec, v->cols[i].key) && !v->cols[i].nested)
			fail_msg("%s: key %s missing", v->key, v->cols[i].key);
		want += json_object_get(rec, v->cols[i].key) != NULL;
	}
	assert_int_equal(json_object_size(rec), want);
}

static void test_links_json(void **state)
{
	(void)state;
	struct ct_node n;
	load(&n, "ipip-node.json");
	struct ct_prefixes p;
	assert_int_equal(ct_prefixes_parse("cali", &p), 0);
	struct ct_links_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_links_result_build(&n, &n.ns.v[0], &p, NULL, 0, &r, &f), 0);
	char *out = render(body_links, &r, true, false);
	json_error_t e;
	json_t *doc = json_loads(out, 0, &e);
	if (!doc)
		fail_msg("jansson rejects the JSON: %s", e.text);
	json_t *fx = fixture_json("ipip-node.json");
	json_t *flinks = json_object_get(json_array_get(json_object_get(fx, "netns"), 0), "links");
	json_t *items = json_object_get(doc, "items");
	size_t cali = 0, i;
	json_t *l;
	json_array_foreach(flinks, i, l)
		cali += !strncmp(json_string_value(json_object_get(l, "name")), "cali", 4);
	assert_true(cali > 0);
	assert_int_equal(json_array_size(items), cali);
	json_t *it;
	json_array_foreach(items, i, it)
	{
		keys_declared(it, &ct_view_links);
		json_t *fl = find_by(flinks, "name", json_string_value(json_object_get(it, "name")));
		assert_non_null(fl);
		same_int(it, "ifindex", fl, "ifindex");
		same_int(it, "mtu", fl, "mtu");
		same_str(it, "mac", fl, "mac");
		same_int(it, "forwarding", fl, "forwarding");
		same_int(it, "proxy_arp", fl, "eff_proxy_arp");
		same_int(it, "proxy_arp_dev", fl, "proxy_arp");
		same_int(it, "rp_filter", fl, "eff_rp_filter");
		same_int(it, "proxy_delay", fl, "proxy_delay");
		json_t *st = json_object_get(it, "stats");
		same_int(st, "rx_packets", json_object_get(fl, "stats"), "rx_packets");
		same_int(st, "tx_dropped", json_object_get(fl, "stats"), "tx_dropped");
	}
	json_decref(fx);
	json_decref(doc);
	free(out);
	ct_findings_free(&f);
	ct_links_result_free(&r);
	ct_node_free(&n);
}

static void test_neigh_tables_json(void **state)
{
	(void)state;
	struct ct_node n;
	load(&n, "ipip-node.json");
	struct ct_prefixes p;
	assert_int_equal(ct_prefixes_parse("cali", &p), 0);
	struct ct_neigh_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_neigh_result_build(&n, &n.ns.v[0], &p, NULL, 0, NULL, &r, &f), 0);
	char *out = render(body_neigh, &r, true, false);
	json_t *doc = json_loads(out, 0, NULL);
	assert_non_null(doc);
	json_t *fx = fixture_json("ipip-node.json");
	json_t *ft = json_object_get(json_array_get(json_object_get(fx, "netns"), 0), "neigh_tables");
	json_t *tables = json_object_get(doc, "tables");
	assert_true(json_array_size(ft) > 0);
	assert_int_equal(json_array_size(tables), json_array_size(ft));
	size_t i;
	json_t *t;
	json_array_foreach(tables, i, t)
	{
		keys_declared(t, &ct_view_neigh_tables);
		json_t *x = find_by(ft, "name", json_string_value(json_object_get(t, "name")));
		assert_non_null(x);
		same_str(t, "family", x, "family");
		same_int(t, "entries", x, "entries");
		same_int(t, "gc_thresh1", x, "gc_thresh1");
		same_int(t, "gc_thresh3", x, "gc_thresh3");
	}
	json_decref(fx);
	json_decref(doc);
	free(out);
	ct_findings_free(&f);
	ct_neigh_result_free(&r);
	ct_node_free(&n);
}

/* ---------------------------------------------------------------- text = what a pane reads */

/* splits a text table line on runs of two or more spaces */
static size_t split2(char *line, char **cells, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (*p && n < max) {
		cells[n++] = p;
		char *q = strstr(p, "  ");
		if (!q)
			break;
		*q = 0;
		p = q + 2;
		while (*p == ' ')
			p++;
	}
	return n;
}

/* the table under title in out, compared with a walk of the view */
static void text_is_cells(const char *out, const char *title, const struct ct_view *v, const void *ctx)
{
	char *copy = strdup(out);
	char *save = NULL, *line;
	bool in = false, header = false;
	size_t row = 0, nrows = v->count(ctx), shown = 0, want = 0;
	for (size_t i = 0; i < nrows; i++)
		want += ct_view_row(v, ctx, i) != NULL;
	struct ct_cell *cell = malloc(sizeof(*cell));
	assert_non_null(cell);
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!in) {
			in = !strcmp(line, title);
			continue;
		}
		char *cells[64];
		size_t nc = split2(line, cells, 64);
		if (!header) {
			size_t k = 0;
			for (size_t i = 0; i < v->ncols; i++)
				if (v->cols[i].hdr) {
					assert_true(k < nc);
					assert_string_equal(cells[k], v->cols[i].hdr);
					k++;
				}
			assert_int_equal(k, nc);
			header = true;
			continue;
		}
		if (row >= nrows)
			break; /* every row was seen: the end of the table */
		const void *r = NULL;
		while (row < nrows && !(r = ct_view_row(v, ctx, row)))
			row++;
		if (!r)
			break;
		row++;
		shown++;
		size_t k = 0;
		for (size_t i = 0; i < v->ncols; i++) {
			const struct ct_view_col *c = &v->cols[i];
			if (!c->hdr)
				continue;
			char buf[512];
			ct_view_cell(c, r, ctx, cell);
			assert_true(k < nc);
			assert_string_equal(cells[k], ct_cell_text(cell, buf, sizeof(buf)));
			k++;
		}
	}
	assert_true(header);
	assert_true(want > 0);
	assert_int_equal(shown, want);
	free(cell);
	free(copy);
}

static void test_text_is_cells(void **state)
{
	(void)state;
	struct ct_node n;
	load(&n, "ipip-node.json");
	struct ct_prefixes p;
	assert_int_equal(ct_prefixes_parse("cali", &p), 0);
	struct ct_findings f;
	ct_findings_init(&f);
	struct ct_links_result lr;
	assert_int_equal(ct_links_result_build(&n, &n.ns.v[0], &p, NULL, 0, &lr, &f), 0);
	char *out = render(body_links, &lr, false, false);
	text_is_cells(out, "workload interfaces", &ct_view_links, &lr);
	free(out);
	struct ct_tunnel_result tr;
	assert_int_equal(ct_tunnel_result_build(&n, &n.ns.v[0], &p, &tr, &f), 0);
	out = render(body_tunnel, &tr, false, false);
	text_is_cells(out, "tunnel devices", &ct_view_tunnels, &tr);
	free(out);
	ct_tunnel_result_free(&tr);
	ct_links_result_free(&lr);
	ct_findings_free(&f);
	ct_node_free(&n);
}

/* ---------------------------------------------------------------- colour = finding */

static const char *row_of(const char *out, const char *name, char *buf, size_t len)
{
	const char *p = out;
	while ((p = strstr(p, name))) {
		if (p == out || p[-1] == '\n' || p[-1] == 'm') {
			const char *s = p;
			while (s > out && s[-1] != '\n')
				s--;
			const char *e = strchr(p, '\n');
			snprintf(buf, len, "%.*s", (int)(e ? e - s : (long)strlen(s)), s);
			return buf;
		}
		p++;
	}
	return NULL;
}

static bool has_finding(const struct ct_findings *f, const char *code, const char *subject)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].def->code, code) && !strcmp(f->v[i].subject, subject))
			return true;
	return false;
}

#define RED "\033[1;31m"
#define YELLOW "\033[33m"

static void test_link_colour_is_finding(void **state)
{
	(void)state;
	struct ct_node n;
	load(&n, "ipip-node.json");
	struct ct_netns *ns = &n.ns.v[0];
	struct ct_prefixes p;
	assert_int_equal(ct_prefixes_parse("cali", &p), 0);
	/* break two workload interfaces in two ways, leave the others */
	const char *bad_parp = NULL, *bad_fwd = NULL;
	for (size_t i = 0; i < ns->links.n; i++) {
		struct ct_link *l = &ns->links.v[i];
		if (strncmp(l->name, "cali", 4))
			continue;
		if (!bad_parp) {
			l->eff_proxy_arp = 0;
			l->proxy_arp = 0;
			bad_parp = l->name;
		} else if (!bad_fwd) {
			l->forwarding = 0;
			bad_fwd = l->name;
		}
	}
	assert_non_null(bad_fwd);
	struct ct_links_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_links_result_build(&n, ns, &p, NULL, 0, &r, &f), 0);
	char *out = render(body_links, &r, false, true);
	for (size_t i = 0; i < r.nw; i++) {
		const char *nm = r.w[i].link->name;
		char buf[2048];
		const char *row = row_of(out, nm, buf, sizeof(buf));
		assert_non_null(row);
		bool red = strstr(row, RED) != NULL;
		bool finding = has_finding(&f, "proxy_arp_off", nm) || has_finding(&f, "forwarding_off", nm);
		if (red != finding)
			fail_msg("%s: red cell %d, finding %d: %s", nm, red, finding, row);
	}
	assert_true(has_finding(&f, "proxy_arp_off", bad_parp));
	assert_true(has_finding(&f, "forwarding_off", bad_fwd));
	free(out);
	ct_findings_free(&f);
	ct_links_result_free(&r);
	ct_node_free(&n);
}

/* the neighbour table's count is coloured by the finding's rule: permanent
 * entries, which the collector ignores, do not count */
static void neigh_case(uint32_t entries, int perm, const char *code, const char *colour)
{
	struct ct_node n;
	load(&n, "ipip-node.json");
	struct ct_netns *ns = &n.ns.v[0];
	struct ct_prefixes p;
	assert_int_equal(ct_prefixes_parse("cali", &p), 0);
	struct ct_neightbl *t = NULL;
	for (size_t i = 0; i < ns->neightbls.n; i++)
		if (!strcmp(ns->neightbls.v[i].name, "arp_cache"))
			t = &ns->neightbls.v[i];
	assert_non_null(t);
	t->entries = entries;
	t->gc_thresh2 = 512;
	t->gc_thresh3 = 1024;
	for (int i = 0; i < perm; i++) {
		struct ct_neigh *x = ct_push_neigh(ns);
		assert_non_null(x);
		memset(x, 0, sizeof(*x));
		x->ifindex = 2;
		x->dst.family = AF_INET;
		x->dst.a[0] = 10, x->dst.a[1] = 9, x->dst.a[2] = (uint8_t)(i >> 8), x->dst.a[3] = (uint8_t)i;
		x->state = NUD_PERMANENT;
	}
	struct ct_neigh_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	assert_int_equal(ct_neigh_result_build(&n, ns, &p, NULL, 0, NULL, &r, &f), 0);
	char *out = render(body_neigh, &r, false, true);
	char buf[1024];
	const char *row = row_of(out, "arp_cache", buf, sizeof(buf));
	assert_non_null(row);
	bool pressure = has_finding(&f, "neigh_table_pressure", "arp_cache");
	bool overflow = has_finding(&f, "neigh_table_overflow", "arp_cache");
	if (!code) {
		assert_false(pressure || overflow);
		assert_null(strstr(row, RED));
		assert_null(strstr(row, YELLOW));
	} else {
		assert_true(has_finding(&f, code, "arp_cache"));
		assert_non_null(strstr(row, colour));
	}
	free(out);
	ct_findings_free(&f);
	ct_neigh_result_free(&r);
	ct_node_free(&n);
}

static void test_neigh_colour_is_finding(void **state)
{
	(void)state;
	neigh_case(6, 0, NULL, NULL);
	neigh_case(600, 0, "neigh_table_pressure", YELLOW);
	neigh_case(1000, 0, "neigh_table_overflow", RED);
	neigh_case(600, 200, NULL, NULL); /* 400 collectable: below gc_thresh2 */
	neigh_case(1000, 200, "neigh_table_pressure", YELLOW);
}

/* ---------------------------------------------------------------- the man page */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char b[4096];
	size_t k;
	while ((k = fread(b, 1, sizeof(b), f)) > 0)
		fwrite(b, 1, k, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* the text of subsection .SS name (quoted or not) up to the next .SS or .SH */
static char *subsection(const char *man, const char *name)
{
	char a[128], b[128];
	snprintf(a, sizeof(a), "\n.SS %s\n", name);
	snprintf(b, sizeof(b), "\n.SS \"%s\"\n", name);
	const char *s = strstr(man, a);
	if (!s)
		s = strstr(man, b);
	if (!s)
		return NULL;
	s++;
	const char *e1 = strstr(s + 1, "\n.SS "), *e2 = strstr(s + 1, "\n.SH ");
	const char *e = e1 && (!e2 || e1 < e2) ? e1 : e2 ? e2 : s + strlen(s);
	return strndup(s, (size_t)(e - s));
}

static bool has_word(const char *text, const char *w)
{
	size_t l = strlen(w);
	for (const char *p = text; (p = strstr(p, w)); p++) {
		char before = p == text ? ' ' : p[-1], after = p[l];
		bool wb = !(before == '_' || (before >= 'a' && before <= 'z') || (before >= '0' && before <= '9'));
		bool wa = !(after == '_' || (after >= 'a' && after <= 'z') || (after >= '0' && after <= '9'));
		if (wb && wa)
			return true;
	}
	return false;
}

static void test_man_documents_keys(void **state)
{
	(void)state;
	const char *path = getenv("CT_MAN") ? getenv("CT_MAN") : "man/caltrace.1";
	char *man = slurp(path);
	if (!man)
		fail_msg("cannot read %s (run from the top of the tree or set CT_MAN)", path);
	static const struct {
		const struct ct_view *v;
		const char *ss;
	} where[] = {
		{&ct_view_links, "links"},
		{&ct_view_routes, "routes"},
		{&ct_view_tunnels, "tunnel"},
		{&ct_view_vteps, "neigh"},
		{&ct_view_neigh_devices, "neigh"},
		{&ct_view_neigh_tables, "neigh"},
		{&ct_view_neigh_gateway, "neigh"},
		{&ct_view_neigh_workloads, "neigh"},
		{&ct_view_neigh_entries, "neigh"},
		{&ct_view_bgp_status, "bgp"},
		{&ct_view_bgp_peers, "bgp"},
		{&ct_view_bgp_sessions, "bgp"},
		{&ct_view_bgp_routes, "bgp routes"},
		{&ct_view_bgp_kernel_routes, "bgp routes"},
		{&ct_view_doctor, "doctor"},
	};
	size_t nwhere = sizeof(where) / sizeof(where[0]);
	size_t nviews = 0;
	while (ct_views_all[nviews])
		nviews++;
	assert_int_equal(nwhere, nviews);
	for (size_t i = 0; i < nwhere; i++) {
		char *ss = subsection(man, where[i].ss);
		if (!ss)
			fail_msg("no subsection '%s' under JSON OUTPUT", where[i].ss);
		if (strcmp(where[i].v->key, "items") && !has_word(ss, where[i].v->key))
			fail_msg("section key %s not documented in '%s'", where[i].v->key, where[i].ss);
		for (size_t k = 0; k < where[i].v->ncols; k++) {
			const char *key = where[i].v->cols[k].key;
			if (key && !has_word(ss, key))
				fail_msg("key %s of view %s not documented in '%s'", key, where[i].v->key, where[i].ss);
		}
		free(ss);
	}
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors),
		cmocka_unit_test(test_links_json),
		cmocka_unit_test(test_neigh_tables_json),
		cmocka_unit_test(test_text_is_cells),
		cmocka_unit_test(test_link_colour_is_finding),
		cmocka_unit_test(test_neigh_colour_is_finding),
		cmocka_unit_test(test_man_documents_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
