/* SPDX-License-Identifier: MIT */
/*
 * libnftables' JSON ruleset (`nft -j list ruleset`) into the chains and rules of
 * model/policy.h, for Calico's nftables mode (tables "ip calico" / "ip6 calico", chains
 * "filter-cali-...", dispatch by verdict map) and any native ruleset. Pure; the bytes are
 * untrusted: anything that is not the shape libnftables writes is an error, except
 * expressions caltrace does not know, which only make a rule "other_match".
 *
 * Tables that iptables-nft also printed (family ip, the same name) are skipped: there their
 * matches and targets are xt stubs, and iptables-nft-save is their reader.
 */
#include "model/policy.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NFT_MAX_BYTES (256u << 20)

struct nft_map {
	char table[CT_POL_TABLE];
	const char *name;
	json_t *elem; /* borrowed from the document */
};

/* The rulesets of iptables-nft-save (family ip) and ip6tables-nft-save (family ip6). */
struct nft_skip {
	const struct ct_ipt_ruleset *ip, *ip6;
};

static bool skip_table(const struct nft_skip *sk, const char *family, const char *name)
{
	const struct ct_ipt_ruleset *skip = strcmp(family, "ip") == 0	 ? sk->ip
					    : strcmp(family, "ip6") == 0 ? sk->ip6
									 : NULL;
	if (!skip)
		return false;
	for (size_t i = 0; i < skip->nchains; i++)
		if (strcmp(skip->chains[i].table, name) == 0)
			return true;
	return false;
}

static bool table_name(char *out, const char *family, const char *name)
{
	int n = snprintf(out, CT_POL_TABLE, "%s %s", family, name);
	return n > 0 && n < CT_POL_TABLE;
}

static bool fits(const char *s, size_t cap)
{
	size_t l = strlen(s);
	if (l == 0 || l >= cap)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* nft writes an interface prefix as "cali*" (and a literal star as "\*"): iptables' "cali+" */
static bool ifname_from(char *dst, const char *s)
{
	size_t l = strlen(s);
	if (!fits(s, CT_POL_IFNAME) || strchr(s, '\\'))
		return false;
	memcpy(dst, s, l + 1);
	if (dst[l - 1] == '*')
		dst[l - 1] = '+';
	return true;
}

static int chain_in(const struct ct_ipt_ruleset *rs, const char *table, const char *name)
{
	for (size_t i = 0; i < rs->nchains; i++)
		if (strcmp(rs->chains[i].name, name) == 0 &&
		    strcmp(rs->chains[i].table, table) == 0)
			return (int)i;
	return -1;
}

static int add_rule(struct ct_ipt_ruleset *rs, const struct ct_ipt_rule *r)
{
	if (rs->nrules == rs->caprules) {
		size_t nc = rs->caprules ? rs->caprules * 2 : 64;
		struct ct_ipt_rule *p = realloc(rs->rules, nc * sizeof(*p));
		if (!p)
			return -1;
		rs->rules = p;
		rs->caprules = nc;
	}
	rs->rules[rs->nrules++] = *r;
	return 0;
}

/* A verdict object ({"drop": null}, {"goto": {"target": X}}, ...) into r. false: not one. */
static bool verdict(struct ct_ipt_rule *r, const char *key, json_t *v)
{
	static const struct {
		const char *k, *t;
	} plain[] = {{"drop", "DROP"},	   {"reject", "REJECT"}, {"accept", "ACCEPT"},
		     {"return", "RETURN"}, {"queue", "QUEUE"},	 {"continue", ""}};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(key, plain[i].k) == 0) {
			snprintf(r->target, sizeof(r->target), "%s", plain[i].t);
			return true;
		}
	if (strcmp(key, "jump") == 0 || strcmp(key, "goto") == 0) {
		const char *t = json_string_value(json_object_get(v, "target"));
		if (t && fits(t, sizeof(r->target)))
			snprintf(r->target, sizeof(r->target), "%s", t);
		else
			r->other_match = true;
		r->is_goto = key[0] == 'g';
		return true;
	}
	return false;
}

/* "iifname" or "oifname" when e is {"meta": {"key": K}}, else NULL. */
static const char *meta_if(json_t *e)
{
	const char *k = json_string_value(json_object_get(json_object_get(e, "meta"), "key"));
	if (k && (strcmp(k, "iifname") == 0 || strcmp(k, "oifname") == 0))
		return k;
	return NULL;
}

/* Expands a verdict map over iifname/oifname into one rule per element. */
static int expand_vmap(struct ct_ipt_ruleset *rs, const struct ct_ipt_rule *base, const char *k,
		       json_t *elems)
{
	size_t i;
	json_t *el;
	json_array_foreach(elems, i, el)
	{
		json_t *key = json_array_get(el, 0), *val = json_array_get(el, 1);
		struct ct_ipt_rule r = *base;
		r.counted = false;
		r.pkts = r.bytes = 0;
		const char *ks = json_string_value(key);
		char *dst = k[0] == 'i' ? r.in_if : r.out_if;
		if (!ks || !ifname_from(dst, ks))
			r.other_match = true;
		const char *vk;
		json_t *vv;
		bool got = false;
		json_object_foreach(val, vk, vv) got = verdict(&r, vk, vv);
		if (!got)
			r.other_match = true;
		if (add_rule(rs, &r) < 0)
			return -1;
	}
	return 0;
}

/* A port, a set of ports or a range ({"set": [...]}, {"range": [lo, hi]}) into r->dport. */
static bool ports_from(struct ct_ipt_rule *r, json_t *v)
{
	json_t *set = json_object_get(v, "set");
	if (json_is_array(set)) {
		size_t i;
		json_t *e;
		json_array_foreach(set, i, e) if (!ports_from(r, e)) return false;
		return r->ndport > 0;
	}
	json_int_t lo, hi;
	json_t *range = json_object_get(v, "range");
	if (json_is_array(range) && json_array_size(range) == 2 &&
	    json_is_integer(json_array_get(range, 0)) &&
	    json_is_integer(json_array_get(range, 1))) {
		lo = json_integer_value(json_array_get(range, 0));
		hi = json_integer_value(json_array_get(range, 1));
	} else if (json_is_integer(v)) {
		lo = hi = json_integer_value(v);
	} else {
		return false;
	}
	if (lo < 0 || hi > 65535 || lo > hi || r->ndport == CT_POL_PORTS)
		return false;
	r->dport[r->ndport].lo = (uint16_t)lo;
	r->dport[r->ndport].hi = (uint16_t)hi;
	r->ndport++;
	return true;
}

/* The matches analysis/encap.c reads: ip protocol / meta l4proto, udp|tcp|th dport, ip|ip6
 * saddr @SET, fib daddr type local. false: another match (the rule is then unparsed). */
static bool encap_match(struct ct_ipt_rule *r, json_t *left, json_t *right, bool neg)
{
	json_t *pl = json_object_get(left, "payload");
	const char *proto = json_string_value(json_object_get(pl, "protocol"));
	const char *field = json_string_value(json_object_get(pl, "field"));
	const char *mk = json_string_value(json_object_get(json_object_get(left, "meta"), "key"));
	const char *rs = json_string_value(right);
	if ((mk && strcmp(mk, "l4proto") == 0) ||
	    (proto && field && (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0) &&
	     (strcmp(field, "protocol") == 0 || strcmp(field, "nexthdr") == 0))) {
		if (r->has_proto)
			return false;
		if (json_is_integer(right) && json_integer_value(right) >= 0 &&
		    json_integer_value(right) <= 255)
			r->proto = (uint8_t)json_integer_value(right);
		else if (!rs || !ct_pol_proto_parse(rs, &r->proto))
			return false;
		r->has_proto = true;
		r->proto_neg = neg;
		return true;
	}
	if (proto && field && strcmp(field, "dport") == 0 &&
	    (strcmp(proto, "udp") == 0 || strcmp(proto, "tcp") == 0 || strcmp(proto, "th") == 0)) {
		if (r->ndport)
			return false;
		/* "udp dport" also matches the protocol (and is never negated with it) */
		if (proto[0] != 't' || proto[1] != 'h') {
			uint8_t p = proto[0] == 'u' ? 17 : 6;
			if (r->has_proto && (r->proto != p || r->proto_neg))
				return false;
			r->has_proto = true;
			r->proto = p;
		}
		if (!ports_from(r, right)) {
			r->ndport = 0;
			return false;
		}
		r->dport_neg = neg;
		return true;
	}
	if (proto && field && strcmp(field, "saddr") == 0 &&
	    (strcmp(proto, "ip") == 0 || strcmp(proto, "ip6") == 0) && rs && rs[0] == '@') {
		if (r->set[0] || !fits(rs + 1, sizeof(r->set)))
			return false;
		snprintf(r->set, sizeof(r->set), "%s", rs + 1);
		r->set_neg = neg;
		return true;
	}
	json_t *fib = json_object_get(left, "fib");
	if (fib && !neg && rs && strcmp(rs, "local") == 0 &&
	    json_is_string(json_object_get(fib, "result")) &&
	    strcmp(json_string_value(json_object_get(fib, "result")), "type") == 0) {
		json_t *fl = json_object_get(fib, "flags");
		if (json_is_array(fl) && json_array_size(fl) == 1 &&
		    json_is_string(json_array_get(fl, 0)) &&
		    strcmp(json_string_value(json_array_get(fl, 0)), "daddr") == 0) {
			r->dst_local = true;
			return true;
		}
	}
	return false;
}

static int parse_rule(struct ct_ipt_ruleset *rs, json_t *o, int chain, const struct nft_map *maps,
		      size_t nmaps, const char **why)
{
	struct ct_ipt_rule r;
	memset(&r, 0, sizeof(r));
	r.chain = (uint32_t)chain;
	json_t *h = json_object_get(o, "handle");
	if (json_is_integer(h) && json_integer_value(h) > 0)
		r.handle = (uint64_t)json_integer_value(h);
	const char *c = json_string_value(json_object_get(o, "comment"));
	if (c) {
		if (strlen(c) >= CT_POL_COMMENT) {
			*why = "a rule comment too long";
			return -1;
		}
		snprintf(r.comment, sizeof(r.comment), "%s", c);
	}
	json_t *ex = json_object_get(o, "expr");
	if (!json_is_array(ex)) {
		*why = "a rule without an expr array";
		return -1;
	}
	const char *vmap_key = NULL;
	json_t *vmap_elems = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(ex, i, e)
	{
		if (!json_is_object(e) || json_object_size(e) != 1) {
			*why = "an expression that is not a one-key object";
			return -1;
		}
		const char *k = NULL;
		json_t *v = NULL;
		json_object_foreach(e, k, v) break;
		if (strcmp(k, "counter") == 0) {
			json_t *p = json_object_get(v, "packets"), *b = json_object_get(v, "bytes");
			if (json_is_integer(p) && json_is_integer(b) &&
			    json_integer_value(p) >= 0 && json_integer_value(b) >= 0) {
				r.pkts = (uint64_t)json_integer_value(p);
				r.bytes = (uint64_t)json_integer_value(b);
				r.counted = true;
			}
			continue;
		}
		if (strcmp(k, "match") == 0) {
			const char *op = json_string_value(json_object_get(v, "op"));
			const char *m = meta_if(json_object_get(v, "left"));
			const char *right = json_string_value(json_object_get(v, "right"));
			bool neg = op && strcmp(op, "!=") == 0;
			if (m && right && op && (neg || strcmp(op, "==") == 0)) {
				char *dst = m[0] == 'i' ? r.in_if : r.out_if;
				if (dst[0] || !ifname_from(dst, right))
					r.other_match = true;
				else if (m[0] == 'i')
					r.in_neg = neg;
				else
					r.out_neg = neg;
			} else {
				r.other_match = true;
				if (!op || (!neg && strcmp(op, "==") != 0) ||
				    !encap_match(&r, json_object_get(v, "left"),
						 json_object_get(v, "right"), neg))
					r.unparsed = true;
			}
			continue;
		}
		if (strcmp(k, "vmap") == 0) {
			const char *m = meta_if(json_object_get(v, "key"));
			json_t *data = json_object_get(v, "data");
			const char *ref = json_string_value(data);
			json_t *elems = NULL;
			if (ref && ref[0] == '@') {
				for (size_t j = 0; j < nmaps; j++)
					if (strcmp(maps[j].name, ref + 1) == 0 &&
					    strcmp(maps[j].table, rs->chains[chain].table) == 0)
						elems = maps[j].elem;
			} else {
				elems = json_object_get(data, "set");
			}
			if (m && json_is_array(elems)) {
				vmap_key = m;
				vmap_elems = elems;
			} else {
				r.other_match = true;
			}
			continue;
		}
		if (verdict(&r, k, v))
			continue;
		r.other_match = true; /* payload, ct, xt, log, mark, ... */
		if (strcmp(k, "log") != 0 && strcmp(k, "limit") != 0)
			r.unparsed = true;
	}
	if (vmap_key)
		return expand_vmap(rs, &r, vmap_key, vmap_elems) < 0 ? (*why = "out of memory", -1)
								     : 0;
	if (add_rule(rs, &r) < 0) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* An address set's elements ("a.b.c.d", {"prefix": {"addr", "len"}}, {"range": [a, b]});
 * elements of another shape (concatenations, ports) leave the set without them. A name
 * longer than Felix's is skipped. -1 only when memory runs out. */
static int set_parse(struct ct_ipt_ruleset *rs, const char *tname, json_t *o)
{
	const char *name = json_string_value(json_object_get(o, "name"));
	const char *type = json_string_value(json_object_get(o, "type"));
	if (!name || !fits(name, CT_POL_NAME) || !type ||
	    (strcmp(type, "ipv4_addr") != 0 && strcmp(type, "ipv6_addr") != 0))
		return 0;
	struct ct_pol_set *p = realloc(rs->sets.v, (rs->sets.n + 1) * sizeof(*p));
	if (!p)
		return -1;
	rs->sets.v = p;
	struct ct_pol_set *set = &p[rs->sets.n++];
	memset(set, 0, sizeof(*set));
	snprintf(set->table, sizeof(set->table), "%s", tname);
	snprintf(set->name, sizeof(set->name), "%s", name);
	json_t *elem = json_object_get(o, "elem");
	if (!json_is_array(elem) || !json_array_size(elem))
		return 0;
	set->m = calloc(json_array_size(elem), sizeof(*set->m));
	if (!set->m)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(elem, i, e)
	{
		/* an element with options (timeout, counter) wraps it: {"elem": {"val": X}} */
		json_t *val = json_object_get(json_object_get(e, "elem"), "val");
		if (val)
			e = val;
		char text[64];
		json_t *pre = json_object_get(e, "prefix"), *range = json_object_get(e, "range");
		if (json_is_string(e))
			snprintf(text, sizeof(text), "%s", json_string_value(e));
		else if (pre && json_is_string(json_object_get(pre, "addr")) &&
			 json_is_integer(json_object_get(pre, "len")))
			snprintf(text, sizeof(text), "%s/%lld",
				 json_string_value(json_object_get(pre, "addr")),
				 (long long)json_integer_value(json_object_get(pre, "len")));
		else if (json_is_array(range) && json_array_size(range) == 2 &&
			 json_is_string(json_array_get(range, 0)) &&
			 json_is_string(json_array_get(range, 1)))
			snprintf(text, sizeof(text), "%s-%s",
				 json_string_value(json_array_get(range, 0)),
				 json_string_value(json_array_get(range, 1)));
		else
			continue;
		if (ct_pol_member_parse(&set->m[set->n], text))
			set->n++;
	}
	return 0;
}

int ct_nft_parse_skip(struct ct_ipt_ruleset *rs, const char *json, size_t len,
		      const struct ct_ipt_ruleset *skip, struct ct_err *err)
{
	return ct_nft_parse_skip2(rs, json, len, skip, NULL, err);
}

int ct_nft_parse_skip2(struct ct_ipt_ruleset *rs, const char *json, size_t len,
		       const struct ct_ipt_ruleset *skip4, const struct ct_ipt_ruleset *skip6,
		       struct ct_err *err)
{
	const struct nft_skip sk = {skip4, skip6}, *skip = &sk;
	json_error_t je;
	const char *why = NULL;
	struct nft_map *maps = NULL;
	size_t nmaps = 0;
	int rc = -1;
	size_t first_chain = rs->nchains;

	if (len > NFT_MAX_BYTES)
		return ct_err_set(err, CT_EXIT_GATHER, "nftables JSON: larger than %u MiB",
				  NFT_MAX_BYTES >> 20);
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ct_err_set(err, CT_EXIT_GATHER, "nftables JSON: %s (line %d)", je.text,
				  je.line);
	json_t *list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		why = "no \"nftables\" array";
		goto out;
	}
	maps = calloc(json_array_size(list) + 1, sizeof(*maps));
	if (!maps) {
		why = "out of memory";
		goto out;
	}
	/* pass 1: tables, chains and maps; pass 2: rules (a rule may use a map listed later) */
	for (int pass = 1; pass <= 2; pass++) {
		size_t i;
		json_t *item;
		json_array_foreach(list, i, item)
		{
			if (!json_is_object(item) || json_object_size(item) != 1) {
				why = "an item that is not a one-key object";
				goto out;
			}
			const char *kind = NULL;
			json_t *o = NULL;
			json_object_foreach(item, kind, o) break;
			if (strcmp(kind, "metainfo") == 0)
				continue;
			const char *fam = json_string_value(json_object_get(o, "family"));
			const char *tab = json_string_value(
			    json_object_get(o, strcmp(kind, "table") == 0 ? "name" : "table"));
			char tname[CT_POL_TABLE];
			if (!fam || !tab) {
				if (strcmp(kind, "table") == 0 || strcmp(kind, "chain") == 0 ||
				    strcmp(kind, "rule") == 0) {
					why = "a table, chain or rule without family and table";
					goto out;
				}
				continue;
			}
			if (skip_table(skip, fam, tab) || !table_name(tname, fam, tab))
				continue;
			if (pass == 1 && strcmp(kind, "table") == 0) {
				rs->ntables++;
			} else if (pass == 1 && strcmp(kind, "chain") == 0) {
				const char *name = json_string_value(json_object_get(o, "name"));
				const char *pol = json_string_value(json_object_get(o, "policy"));
				if (!name) {
					why = "a chain without a name";
					goto out;
				}
				if (!fits(name, CT_POL_NAME) || chain_in(rs, tname, name) >= 0)
					continue; /* not Felix's: longer than its names, or repeated
						   */
				if (rs->nchains == rs->capchains) {
					size_t nc = rs->capchains ? rs->capchains * 2 : 64;
					struct ct_ipt_chain *p =
					    realloc(rs->chains, nc * sizeof(*p));
					if (!p) {
						why = "out of memory";
						goto out;
					}
					rs->chains = p;
					rs->capchains = nc;
				}
				struct ct_ipt_chain *ch = &rs->chains[rs->nchains++];
				memset(ch, 0, sizeof(*ch));
				memcpy(ch->table, tname, sizeof(ch->table));
				snprintf(ch->name, sizeof(ch->name), "%s", name);
				snprintf(ch->policy, sizeof(ch->policy), "%s",
					 pol && fits(pol, sizeof(ch->policy)) ? pol : "-");
				const char *hook = json_string_value(json_object_get(o, "hook"));
				if (hook && fits(hook, sizeof(ch->hook)))
					snprintf(ch->hook, sizeof(ch->hook), "%s", hook);
			} else if (pass == 1 && strcmp(kind, "set") == 0) {
				if (set_parse(rs, tname, o) < 0) {
					why = "out of memory";
					goto out;
				}
			} else if (pass == 1 && strcmp(kind, "map") == 0) {
				const char *name = json_string_value(json_object_get(o, "name"));
				const char *mt = json_string_value(json_object_get(o, "map"));
				json_t *elem = json_object_get(o, "elem");
				if (name && mt && strcmp(mt, "verdict") == 0 &&
				    json_is_array(elem)) {
					memcpy(maps[nmaps].table, tname, sizeof(tname));
					maps[nmaps].name = name;
					maps[nmaps].elem = elem;
					nmaps++;
				}
			} else if (pass == 2 && strcmp(kind, "rule") == 0) {
				const char *cn = json_string_value(json_object_get(o, "chain"));
				int ci = cn ? chain_in(rs, tname, cn) : -1;
				if (ci < (int)first_chain)
					continue; /* a chain skipped above */
				if (parse_rule(rs, o, ci, maps, nmaps, &why) < 0)
					goto out;
			}
		}
	}
	rc = 0;
out:
	/* group the rules by chain (stable), as ct_ipt_parse leaves them */
	if (rs->nrules) {
		struct ct_ipt_rule *sorted = malloc(rs->nrules * sizeof(*sorted));
		if (sorted) {
			uint32_t pos = 0;
			for (size_t c = 0; c < rs->nchains; c++)
				rs->chains[c].n = 0;
			for (size_t i = 0; i < rs->nrules; i++)
				rs->chains[rs->rules[i].chain].n++;
			for (size_t c = 0; c < rs->nchains; c++) {
				rs->chains[c].first = pos;
				pos += rs->chains[c].n;
				rs->chains[c].n = 0;
			}
			for (size_t i = 0; i < rs->nrules; i++) {
				struct ct_ipt_chain *ch = &rs->chains[rs->rules[i].chain];
				sorted[ch->first + ch->n++] = rs->rules[i];
			}
			free(rs->rules);
			rs->rules = sorted;
			rs->caprules = rs->nrules;
		} else if (rc == 0) {
			rc = -1;
			why = "out of memory";
		}
	}
	if (rc < 0)
		ct_err_set(err, CT_EXIT_GATHER, "nftables JSON: %s", why);
	free(maps);
	json_decref(root);
	return rc;
}

int ct_nft_table_list(const char *json, size_t len, const struct ct_ipt_ruleset *skip,
		      char (*out)[2][CT_POL_TABLE], size_t max, size_t *n, struct ct_err *err)
{
	return ct_nft_table_list2(json, len, skip, NULL, out, max, n, err);
}

int ct_nft_table_list2(const char *json, size_t len, const struct ct_ipt_ruleset *skip4,
		       const struct ct_ipt_ruleset *skip6, char (*out)[2][CT_POL_TABLE], size_t max,
		       size_t *n, struct ct_err *err)
{
	const struct nft_skip sk = {skip4, skip6}, *skip = &sk;
	json_error_t je;
	*n = 0;
	if (len > NFT_MAX_BYTES)
		return ct_err_set(err, CT_EXIT_GATHER, "nftables JSON: larger than %u MiB",
				  NFT_MAX_BYTES >> 20);
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ct_err_set(err, CT_EXIT_GATHER, "nftables JSON: %s (line %d)", je.text,
				  je.line);
	json_t *list = json_object_get(root, "nftables");
	if (!json_is_array(list)) {
		json_decref(root);
		return ct_err_set(err, CT_EXIT_GATHER, "nftables JSON: no \"nftables\" array");
	}
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		json_t *t = json_object_get(item, "table");
		const char *fam = json_string_value(json_object_get(t, "family"));
		const char *name = json_string_value(json_object_get(t, "name"));
		if (!fam || !name || skip_table(skip, fam, name))
			continue;
		/* only names a command line can carry unquoted */
		bool plain = fits(fam, CT_POL_TABLE) && fits(name, CT_POL_TABLE);
		for (const char *c = name; plain && *c; c++)
			plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				(*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.';
		for (const char *c = fam; plain && *c; c++)
			plain = *c >= 'a' && *c <= 'z';
		if (!plain || *n == max)
			continue;
		snprintf(out[*n][0], CT_POL_TABLE, "%s", fam);
		snprintf(out[*n][1], CT_POL_TABLE, "%s", name);
		(*n)++;
	}
	json_decref(root);
	return 0;
}

int ct_nft_parse(struct ct_ipt_ruleset *rs, const char *json, size_t len, struct ct_err *err)
{
	return ct_nft_parse_skip(rs, json, len, NULL, err);
}
