/* SPDX-License-Identifier: MIT */
/*
 * Snapshot 1.1's "policy" member: Felix's rules written out and loaded back.
 *
 * Oracles that are not the code under test: the rulesets come from the real parsers
 * (ct_ipt_parse over iptables-save -c text, ct_nft_parse over libnftables JSON,
 * ct_ipset_parse over `ipset save`) run on the fixtures recorded from iptables, nft and
 * ipset; the loaded copy must equal them struct for struct (every chain and rule byte for
 * byte) and ct_policy_follow must find the same drops in both. Malformed documents are
 * made with jansson from a written one, one value changed at a time; each must fail with
 * a message naming the JSON path, never load half.
 * Fixtures are read from $CT_FIXTURES, default tests/fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/err.h"
#include "model/model.h"
#include "model/policy.h"
#include "model/snapshot.h"

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("CT_FIXTURES");
	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures", name);
	return path;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = NULL;
	size_t cap = 0, n = 0, r;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0);
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
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
		fail_msg("write: %s", err.msg);
	return buf;
}

static void parse_ipt(struct ct_ipt_ruleset *rs, const char *name)
{
	size_t len;
	char *t = slurp(fixture(name), &len);
	struct ct_err e = {0};
	if (ct_ipt_parse(rs, t, len, &e))
		fail_msg("%s: %s", name, e.msg);
	free(t);
}

/* A node of the ipip fixture with a policy read from every kind of recorded output. */
static void node_with_policy(struct ct_node *n)
{
	struct ct_err e = {0};
	if (ct_snapshot_load(n, fixture("ipip-node.json"), &e))
		fail_msg("%s", e.msg);
	assert_null(n->policy);
	struct ct_policy *p = calloc(1, sizeof(*p));
	assert_non_null(p);
	ct_policy_init(p);
	n->policy = p;
	parse_ipt(&p->rs[CT_POL_IPT_LEGACY], "policy/felix-iptables-legacy.save");
	parse_ipt(&p->rs[CT_POL_IPT_LEGACY], "svc/kube-proxy-iptables-legacy.save");
	parse_ipt(&p->rs[CT_POL_IPT_NFT], "policy/felix-encap-iptables-nft.save");
	parse_ipt(&p->rs[CT_POL_IP6T_LEGACY], "policy/felix-encap6-iptables-legacy.save");
	size_t len;
	char *t = slurp(fixture("policy/calico-nftables-dualstack.json"), &len);
	if (ct_nft_parse(&p->rs[CT_POL_NFTABLES], t, len, &e))
		fail_msg("nft: %s", e.msg);
	free(t);
	t = slurp(fixture("policy/felix-encap.ipset"), &len);
	if (ct_ipset_parse(&p->ipsets, t, len, &e))
		fail_msg("ipset: %s", e.msg);
	free(t);
	p->read[CT_POL_IPT_LEGACY] = p->read[CT_POL_IPT_NFT] = p->read[CT_POL_NFTABLES] = true;
	p->read[CT_POL_IP6T_LEGACY] = true;
	p->ipset_read = true;
	/* ip6tables-nft: one chain whose rule sets every field away from its default, so a
	 * field the writer or the loader forgets cannot pass (the fixtures leave some unset) */
	struct ct_ipt_ruleset *x = &p->rs[CT_POL_IP6T_NFT];
	x->chains = calloc(1, sizeof(*x->chains));
	x->rules = calloc(1, sizeof(*x->rules));
	assert_true(x->chains && x->rules);
	x->nchains = x->capchains = x->nrules = x->caprules = x->ntables = 1;
	struct ct_ipt_chain *c = &x->chains[0];
	snprintf(c->table, sizeof(c->table), "filter");
	snprintf(c->name, sizeof(c->name), "every-field");
	snprintf(c->policy, sizeof(c->policy), "DROP");
	snprintf(c->hook, sizeof(c->hook), "input");
	c->pkts = (uint64_t)INT64_MAX + 1;
	c->bytes = 3;
	c->n = 1;
	struct ct_ipt_rule *r = &x->rules[0];
	r->pkts = 5;
	r->bytes = 6;
	r->counted = true;
	snprintf(r->target, sizeof(r->target), "REJECT");
	r->is_goto = r->in_neg = r->out_neg = r->other_match = r->has_proto = r->proto_neg = true;
	snprintf(r->in_if, sizeof(r->in_if), "cali1+");
	snprintf(r->out_if, sizeof(r->out_if), "eth\xff");
	r->proto = 17;
	r->ndport = CT_POL_PORTS;
	for (int i = 0; i < CT_POL_PORTS; i++)
		r->dport[i] = (struct ct_pol_ports){(uint16_t)(i * 100), (uint16_t)(i * 100 + 9)};
	r->dport_neg = r->set_neg = r->dst_local = r->unparsed = r->svc.dst_neg = true;
	snprintf(r->set, sizeof(r->set), "cali40all-vxlan-net");
	r->handle = 77;
	snprintf(r->id, sizeof(r->id), "cali:abc");
	snprintf(r->comment, sizeof(r->comment), "a \"quoted\" comment");
	snprintf(r->svc.dst, sizeof(r->svc.dst), "10.96.0.1/32");
	snprintf(r->svc.proto, sizeof(r->svc.proto), "tcp");
	snprintf(r->svc.dport, sizeof(r->svc.dport), "443");
	snprintf(r->svc.to_dest, sizeof(r->svc.to_dest), "[fd00::1]:6443");
	snprintf(p->error[CT_POL_IP6T_NFT], sizeof(p->error[0]),
		 "ip6tables-nft-save: not found \\ \x01 caf\xc3\xa9 \xff");
	p->no_cap = true; /* not what a real read gives with rules, but each flag must round-trip */
	p->bpf = true;
	/* a rule the parsers only make on counters beyond int64 */
	assert_true(p->rs[CT_POL_IPT_LEGACY].nrules > 0);
	p->rs[CT_POL_IPT_LEGACY].rules[0].pkts = UINT64_MAX;
}

static void assert_sets_equal(const struct ct_pol_sets *a, const struct ct_pol_sets *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(a->v[i].table, b->v[i].table);
		assert_string_equal(a->v[i].name, b->v[i].name);
		assert_int_equal(a->v[i].n, b->v[i].n);
		for (size_t k = 0; k < a->v[i].n; k++) {
			const struct ct_pol_member *x = &a->v[i].m[k], *y = &b->v[i].m[k];
			assert_int_equal(x->family, y->family);
			assert_memory_equal(x->lo, y->lo, 16);
			assert_memory_equal(x->hi, y->hi, 16);
			assert_string_equal(x->text, y->text);
		}
	}
}

static void assert_chain_equal(const struct ct_ipt_chain *a, const struct ct_ipt_chain *b)
{
	assert_string_equal(a->table, b->table);
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->policy, b->policy);
	assert_string_equal(a->hook, b->hook);
	assert_true(a->pkts == b->pkts && a->bytes == b->bytes);
	assert_int_equal(a->first, b->first);
	assert_int_equal(a->n, b->n);
}

static void assert_rule_equal(const struct ct_ipt_rule *a, const struct ct_ipt_rule *b)
{
	assert_int_equal(a->chain, b->chain);
	assert_true(a->pkts == b->pkts && a->bytes == b->bytes);
	assert_int_equal(a->counted, b->counted);
	assert_string_equal(a->target, b->target);
	assert_int_equal(a->is_goto, b->is_goto);
	assert_string_equal(a->in_if, b->in_if);
	assert_string_equal(a->out_if, b->out_if);
	assert_int_equal(a->in_neg, b->in_neg);
	assert_int_equal(a->out_neg, b->out_neg);
	assert_int_equal(a->other_match, b->other_match);
	assert_int_equal(a->has_proto, b->has_proto);
	assert_int_equal(a->proto_neg, b->proto_neg);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->ndport, b->ndport);
	for (size_t i = 0; i < a->ndport; i++) {
		assert_int_equal(a->dport[i].lo, b->dport[i].lo);
		assert_int_equal(a->dport[i].hi, b->dport[i].hi);
	}
	assert_int_equal(a->dport_neg, b->dport_neg);
	assert_string_equal(a->set, b->set);
	assert_int_equal(a->set_neg, b->set_neg);
	assert_int_equal(a->dst_local, b->dst_local);
	assert_int_equal(a->unparsed, b->unparsed);
	assert_true(a->handle == b->handle);
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->comment, b->comment);
	assert_string_equal(a->svc.dst, b->svc.dst);
	assert_int_equal(a->svc.dst_neg, b->svc.dst_neg);
	assert_string_equal(a->svc.proto, b->svc.proto);
	assert_string_equal(a->svc.dport, b->svc.dport);
	assert_string_equal(a->svc.to_dest, b->svc.to_dest);
}

static void assert_policy_equal(const struct ct_policy *a, const struct ct_policy *b)
{
	assert_int_equal(a->no_cap, b->no_cap);
	assert_int_equal(a->bpf, b->bpf);
	assert_int_equal(a->ipset_read, b->ipset_read);
	assert_string_equal(a->ipset_error, b->ipset_error);
	assert_sets_equal(&a->ipsets, &b->ipsets);
	for (int k = 0; k < CT_POL_NBACKENDS; k++) {
		const struct ct_ipt_ruleset *x = &a->rs[k], *y = &b->rs[k];
		assert_int_equal(a->read[k], b->read[k]);
		assert_string_equal(a->error[k], b->error[k]);
		assert_int_equal(x->ntables, y->ntables);
		assert_int_equal(x->nchains, y->nchains);
		assert_int_equal(x->nrules, y->nrules);
		for (size_t i = 0; i < x->nchains; i++)
			assert_chain_equal(&x->chains[i], &y->chains[i]);
		for (size_t i = 0; i < x->nrules; i++)
			assert_rule_equal(&x->rules[i], &y->rules[i]);
		assert_sets_equal(&x->sets, &y->sets);
	}
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct ct_node n, m;
	struct ct_err e = {0};
	node_with_policy(&n);
	/* every field a rule has is used somewhere in the fixtures */
	bool seen_port = false, seen_set = false, seen_svc = false, seen_handle = false;
	for (int k = 0; k < CT_POL_NBACKENDS; k++)
		for (size_t i = 0; i < n.policy->rs[k].nrules; i++) {
			const struct ct_ipt_rule *r = &n.policy->rs[k].rules[i];
			seen_port |= r->ndport > 0;
			seen_set |= r->set[0] != 0;
			seen_svc |= r->svc.to_dest[0] != 0;
			seen_handle |= r->handle != 0;
		}
	assert_true(seen_port && seen_set && seen_svc && seen_handle);
	size_t len;
	snprintf(n.source, sizeof(n.source), "<buffer>"); /* what a load from memory sets */
	char *w = write_mem(&n, &len);
	assert_non_null(strstr(w, "\"schema_version\":\"1.1\""));
	if (ct_snapshot_load_buf(&m, w, len, &e))
		fail_msg("reload: %s", e.msg);
	assert_non_null(m.policy);
	assert_policy_equal(n.policy, m.policy);

	/* and what the commands compute from them is the same */
	const char *ifs[] = {"cali12d4a061371", "calie57ed5aa5ae", "cali68caf03a5f4",
			     "cali0000000000a"};
	assert_int_equal(ct_policy_follow(n.policy, ifs, 4), 0);
	assert_int_equal(ct_policy_follow(m.policy, ifs, 4), 0);
	assert_int_equal(n.policy->nwl, m.policy->nwl);
	size_t drops = 0;
	for (size_t i = 0; i < n.policy->nwl; i++) {
		const struct ct_wl_policy *x = &n.policy->wl[i], *y = &m.policy->wl[i];
		assert_string_equal(x->iface, y->iface);
		assert_int_equal(x->backend, y->backend);
		assert_int_equal(x->ndrops, y->ndrops);
		assert_int_equal(x->dropped, y->dropped);
		for (size_t d = 0; d < x->ndrops; d++) {
			assert_string_equal(x->drops[d].chain, y->drops[d].chain);
			assert_int_equal(x->drops[d].rule, y->drops[d].rule);
			assert_string_equal(x->drops[d].target, y->drops[d].target);
			assert_int_equal(x->drops[d].kind, y->drops[d].kind);
			assert_true(x->drops[d].pkts == y->drops[d].pkts);
			assert_string_equal(x->drops[d].comment, y->drops[d].comment);
		}
		drops += x->ndrops;
	}
	assert_true(drops > 0);

	/* a second write is the same bytes */
	size_t len2;
	char *w2 = write_mem(&m, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(w, w2, len);
	free(w);
	free(w2);
	ct_node_free(&m);
	ct_node_free(&n);
}

/* A snapshot without the member (1.0, or 1.1 with it removed) loads without rules and is
 * written back as 1.0, unchanged. */
static void test_without_policy(void **state)
{
	(void)state;
	struct ct_node n, m;
	struct ct_err e = {0};
	size_t flen, len;
	char *orig = slurp(fixture("ipip-node.json"), &flen);
	if (ct_snapshot_load_buf(&n, orig, flen, &e))
		fail_msg("%s", e.msg);
	assert_null(n.policy);
	char *w = write_mem(&n, &len);
	assert_non_null(strstr(w, "\"schema_version\":\"1.0\""));
	assert_null(strstr(w, "\"policy\""));
	/* null is the same as absent */
	json_t *root = json_loadb(w, len, 0, NULL);
	assert_non_null(root);
	json_object_set_new(root, "policy", json_null());
	char *d = json_dumps(root, 0);
	if (ct_snapshot_load_buf(&m, d, strlen(d), &e))
		fail_msg("%s", e.msg);
	assert_null(m.policy);
	ct_node_free(&m);
	free(d);
	json_decref(root);
	free(w);
	free(orig);
	ct_node_free(&n);
}

struct bad {
	const char *path;  /* a JSON pointer-like path: keys and [i] separated by '/' */
	const char *value; /* JSON text; NULL removes the key */
	const char *msg;   /* in the error, after "snapshot '<buffer>': " */
};

static const struct bad bads[] = {
    {"policy", "5", "policy: expected an object or null"},
    {"policy", "[]", "policy: expected an object or null"},
    {"policy/no_cap", NULL, "policy.no_cap: missing"},
    {"policy/bpf", "1", "policy.bpf: expected true or false"},
    {"policy/ipset", "null", "policy.ipset: expected an object"},
    {"policy/ipset/sets", "{}", "policy.ipset.sets: expected an array"},
    {"policy/ipset/sets/0/members/0", "\"nope\"",
     "policy.ipset.sets[0].members[0]: expected an address, ADDR/LEN or ADDR-ADDR, got 'nope'"},
    {"policy/ipset/sets/0/members/0", "\"10.0.0.0/33\"", "expected an address"},
    {"policy/ipset/sets/0/members/0", "7", "members[0]: expected a string"},
    {"policy/ipset/sets/0/name",
     "\""
     "cali40all-hosts-net-with-a-name-longer-than-sixty-three-bytes-xxxxxxxxxx"
     "\"",
     "policy.ipset.sets[0].name: longer than 63 bytes"},
    {"policy/backends", "{}", "policy.backends: expected an array"},
    {"policy/backends/0", "1", "policy.backends[0]: expected an object"},
    {"policy/backends/0/read", NULL, "policy.backends[0].read: missing"},
    {"policy/backends/0/tables", "-1", "policy.backends[0].tables: expected an integer from 0"},
    {"policy/backends/1/backend", "\"iptables-legacy\"",
     "policy.backends[1].backend: 'iptables-legacy' appears twice"},
    {"policy/backends/0/chains/0/name", "\"\"", "chains[0].name: empty chain name"},
    {"policy/backends/0/chains/0/table", "\"a-table-name-longer-than-32-bytes\"",
     "policy.backends[0].chains[0].table: longer than 31 bytes"},
    {"policy/backends/0/chains/0/counters", "[1]",
     "policy.backends[0].chains[0].counters: expected [packets, bytes]"},
    {"policy/backends/0/chains/0/counters", "[-1,0]",
     "chains[0].counters: expected [packets, bytes]"},
    {"policy/backends/0/chains/0/counters", "[\"18446744073709551616\",0]",
     "counters: expected [packets, bytes]"},
    {"policy/backends/0/chains/0/rules", NULL, "policy.backends[0].chains[0].rules: missing"},
    {"policy/backends/0/chains/0/rules/0", "[]", "chains[0].rules[0]: expected an object"},
    {"policy/backends/0/chains/0/rules/0/target", "5",
     "chains[0].rules[0].target: expected a string"},
    {"policy/backends/0/chains/0/rules/0/target", "\"\\\\q\"", "rules[0].target: '\\q'"},
    {"policy/backends/0/chains/0/rules/0/goto", "\"yes\"", "rules[0].goto: expected true or false"},
    {"policy/backends/0/chains/0/rules/0/in_if", "\"cali-name-longer-than-16\"",
     "rules[0].in_if: longer than 15 bytes"},
    {"policy/backends/0/chains/0/rules/0/proto", "256",
     "rules[0].proto: expected an integer from 0 to 255"},
    {"policy/backends/0/chains/0/rules/0/dports", "[]", "rules[0].dports: expected 1 to 8"},
    {"policy/backends/0/chains/0/rules/0/dports",
     "[[1,1],[2,2],[3,3],[4,4],[5,5],[6,6],[7,7],[8,8],[9,9]]", "expected 1 to 8 port ranges"},
    {"policy/backends/0/chains/0/rules/0/dports", "[[1,65536]]",
     "rules[0].dports: range 0: expected [LOW, HIGH]"},
    {"policy/backends/0/chains/0/rules/0/dports", "[[1]]", "range 0: expected [LOW, HIGH]"},
    {"policy/backends/0/chains/0/rules/0/handle", "-3",
     "rules[0].handle: expected an unsigned 64-bit integer"},
    {"policy/backends/0/chains/0/rules/0/svc", "{}", "rules[0].svc.dst: missing"},
    {"policy/backends/0/chains/0/rules/0/comment", "\"a\\u0000b\"", "not valid JSON at line 1"},
};

/* Sets the value at path (created when missing, removed when value is NULL). */
static void set_path(json_t *root, const char *path, const char *value)
{
	char buf[256], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = root, *parent = NULL;
	char *tok = strtok_r(buf, "/", &save), *last = NULL;
	while (tok) {
		char *next = strtok_r(NULL, "/", &save);
		parent = cur;
		last = tok;
		if (!next)
			break;
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(tok, NULL, 10))
					 : json_object_get(cur, tok);
		if (!cur)
			fail_msg("no %s in %s", tok, path);
		tok = next;
	}
	json_t *v = NULL;
	if (value) {
		json_error_t je;
		v = json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (!v)
			fail_msg("bad test value %s: %s", value, je.text);
	}
	if (json_is_array(parent)) {
		size_t i = strtoul(last, NULL, 10);
		if (v)
			json_array_set_new(parent, i, v);
		else
			json_array_remove(parent, i);
	} else if (v) {
		json_object_set_new(parent, last, v);
	} else {
		json_object_del(parent, last);
	}
}

static void test_malformed(void **state)
{
	(void)state;
	struct ct_node n;
	node_with_policy(&n);
	size_t len;
	char *w = write_mem(&n, &len);
	ct_node_free(&n);
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		json_t *root = json_loadb(w, len, 0, NULL);
		assert_non_null(root);
		set_path(root, bads[i].path, bads[i].value);
		char *d = json_dumps(root, JSON_COMPACT);
		struct ct_err e = {0};
		struct ct_node m;
		int rc = ct_snapshot_load_buf(&m, d, strlen(d), &e);
		if (rc == 0 || e.exit_code != CT_EXIT_GATHER || !strstr(e.msg, bads[i].msg))
			fail_msg("case %zu (%s = %s): rc %d, message '%s', expected '%s'", i,
				 bads[i].path, bads[i].value ? bads[i].value : "(removed)", rc,
				 e.msg, bads[i].msg);
		assert_null(m.policy); /* the node is left empty */
		ct_node_free(&m);
		free(d);
		json_decref(root);
	}
	free(w);
}

/* Optional keys absent are defaults; a backend name a later 1.x knows is left out. */
static void test_lenient(void **state)
{
	(void)state;
	struct ct_node n, m;
	struct ct_err e = {0};
	node_with_policy(&n);
	size_t len;
	char *w = write_mem(&n, &len);
	json_t *root = json_loadb(w, len, 0, NULL);
	set_path(root, "policy/backends/4/backend", "\"ebpf-maps\"");
	set_path(root, "policy/backends/0/chains/0/rules/0", "{}");
	set_path(root, "policy/future_key", "[1,2]");
	char *d = json_dumps(root, JSON_COMPACT);
	if (ct_snapshot_load_buf(&m, d, strlen(d), &e))
		fail_msg("%s", e.msg);
	const struct ct_ipt_rule *r = &m.policy->rs[0].rules[0];
	assert_false(r->counted);
	assert_string_equal(r->target, "");
	assert_int_equal(r->chain, 0);
	assert_false(m.policy->read[CT_POL_IP6T_NFT]);
	assert_string_equal(m.policy->error[CT_POL_IP6T_NFT], "");
	ct_node_free(&m);
	free(d);
	json_decref(root);

	/* every cut of the policy member is refused as truncated, never loaded half */
	const char *at = strstr(w, "\"policy\":");
	assert_non_null(at);
	for (size_t cut = (size_t)(at - w); cut < len - 2; cut += 97) {
		int rc = ct_snapshot_load_buf(&m, w, cut, &e);
		assert_int_equal(rc, -1);
		assert_non_null(strstr(e.msg, "not valid JSON"));
		ct_node_free(&m);
	}
	free(w);
	ct_node_free(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_without_policy),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_lenient),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
