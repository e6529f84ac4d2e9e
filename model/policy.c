/* SPDX-License-Identifier: MIT */
/* Felix's policy: iptables-save text into chains and rules, and the dispatch followed
 * per workload interface. The contracts are in policy.h. */
#include "model/policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ct_pol_backend_names[CT_POL_NBACKENDS] = {
    "iptables-legacy", "iptables-nft", "nftables", "ip6tables-legacy", "ip6tables-nft"};
const char *const ct_pol_drop_kind_names[3] = {"drop", "end_of_tier", "no_profile_matched"};

#define POL_MAX_TOKENS 512 /* a rule with more words is refused */
#define POL_MAX_DEPTH  64  /* chains deeper than this are not followed further */

void ct_ipt_ruleset_init(struct ct_ipt_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void ct_ipt_ruleset_free(struct ct_ipt_ruleset *rs)
{
	free(rs->chains);
	free(rs->rules);
	ct_pol_sets_free(&rs->sets);
	memset(rs, 0, sizeof(*rs));
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? *cap * 2 : 64;
	if (nc > SIZE_MAX / size)
		return NULL;
	void *p = realloc(v, nc * size);
	if (p)
		*cap = nc;
	return p;
}

static struct ct_ipt_chain *chain_add(struct ct_ipt_ruleset *rs)
{
	struct ct_ipt_chain *p = grow(rs->chains, &rs->capchains, rs->nchains, sizeof(*p));
	if (!p)
		return NULL;
	rs->chains = p;
	memset(&p[rs->nchains], 0, sizeof(*p));
	return &p[rs->nchains++];
}

static struct ct_ipt_rule *rule_add(struct ct_ipt_ruleset *rs)
{
	struct ct_ipt_rule *p = grow(rs->rules, &rs->caprules, rs->nrules, sizeof(*p));
	if (!p)
		return NULL;
	rs->rules = p;
	memset(&p[rs->nrules], 0, sizeof(*p));
	return &p[rs->nrules++];
}

/* ---------------------------------------------------------------- tokens */

struct tok {
	char *s; /* NUL-terminated, unquoted, inside the line copy */
	bool quoted;
};

/* Splits line (modified in place) into words; a word starting with '"' runs to the
 * next unescaped '"' with \" and \\ unescaped. -1: an unterminated quote or too many
 * words. */
static int tokenize(char *line, struct tok *t, size_t max, size_t *n, const char **why)
{
	char *p = line;
	*n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return 0;
		if (*n == max) {
			*why = "too many words";
			return -1;
		}
		if (*p == '"') {
			char *w = ++p, *o = p;
			for (;;) {
				if (!*p) {
					*why = "unterminated quoted string";
					return -1;
				}
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
					*o++ = p[1];
					p += 2;
					continue;
				}
				if (*p == '"')
					break;
				*o++ = *p++;
			}
			p++;
			if (*p && *p != ' ' && *p != '\t') {
				*why = "text right after a closing quote";
				return -1;
			}
			char *next = *p ? p + 1 : p;
			*o = 0;
			t[*n].s = w;
			t[*n].quoted = true;
			(*n)++;
			p = next;
			continue;
		}
		char *w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		char *next = *p ? p + 1 : p;
		*p = 0;
		t[*n].s = w;
		t[*n].quoted = false;
		(*n)++;
		p = next;
	}
}

static bool parse_u64(const char *s, const char *end, uint64_t *v)
{
	uint64_t x = 0;
	if (s == end)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* "[PKTS:BYTES]" exactly. */
static bool parse_counters(const char *s, uint64_t *pk, uint64_t *by)
{
	size_t l = strlen(s);
	if (l < 5 || s[0] != '[' || s[l - 1] != ']')
		return false;
	const char *colon = memchr(s, ':', l);
	return colon && parse_u64(s + 1, colon, pk) && parse_u64(colon + 1, s + l - 1, by);
}

/* IP protocol names as iptables-save and nft print them (/etc/protocols: "ipencap" is 4,
 * "ipip" is 94), or a number. false: neither. */
bool ct_pol_proto_parse(const char *s, uint8_t *proto)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"icmp", 1},   {"igmp", 2},       {"ipencap", 4}, {"tcp", 6},
		     {"udp", 17},   {"ipv6", 41},      {"gre", 47},    {"esp", 50},
		     {"ah", 51},    {"ipv6-icmp", 58}, {"icmpv6", 58}, {"ipip", 94},
		     {"sctp", 132}, {"udplite", 136}};
	uint64_t v;
	if (parse_u64(s, s + strlen(s), &v)) {
		if (v > 255)
			return false;
		*proto = (uint8_t)v;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*proto = names[i].num;
			return true;
		}
	return false;
}

/* "4789", "4000:5000", "4789,8472,9000:9100" (multiport) into r->dport; false when malformed
 * or longer than CT_POL_PORTS. */
static bool ports_of(struct ct_ipt_rule *r, const char *s)
{
	r->ndport = 0;
	while (*s) {
		const char *e = s + strcspn(s, ",");
		const char *c = memchr(s, ':', (size_t)(e - s));
		uint64_t lo, hi;
		if (r->ndport == CT_POL_PORTS)
			return false;
		if (c) {
			if (!parse_u64(s, c, &lo) || !parse_u64(c + 1, e, &hi))
				return false;
		} else if (!parse_u64(s, e, &lo)) {
			return false;
		} else {
			hi = lo;
		}
		if (lo > 65535 || hi > 65535 || lo > hi)
			return false;
		r->dport[r->ndport].lo = (uint16_t)lo;
		r->dport[r->ndport].hi = (uint16_t)hi;
		r->ndport++;
		if (!*e)
			break;
		s = e + 1;
		if (!*s)
			return false;
	}
	return r->ndport > 0;
}

/* ports_of, keeping none when it fails. */
static bool parse_ports(struct ct_ipt_rule *r, const char *s)
{
	if (ports_of(r, s))
		return true;
	r->ndport = 0;
	return false;
}

static bool copy_name(char *dst, size_t cap, const char *s);
static bool clean_name(const char *s);

/* What the encapsulation checks read of the option at t[i] (and its values after it): the
 * protocol, the destination ports, a source address set, addrtype LOCAL; any other match
 * makes the rule unparsed. Only looks: the option is then handled as before (the caller
 * consumes it), so every other reader of the rule sees it as it did. */
static void encap_peek(struct ct_ipt_rule *r, const struct tok *t, size_t n, size_t i, bool neg)
{
	const char *w = t[i].s, *v = i + 1 < n ? t[i + 1].s : NULL;
	if (t[i].quoted || w[0] != '-')
		return; /* a value */
	if (strcmp(w, "-i") == 0 || strcmp(w, "-o") == 0 || strcmp(w, "-j") == 0 ||
	    strcmp(w, "-g") == 0 || strcmp(w, "-m") == 0 || strcmp(w, "--match") == 0)
		return; /* recorded elsewhere, or a module whose options say what it matches */
	if (strcmp(w, "-p") == 0 || strcmp(w, "--protocol") == 0) {
		if (v && strcmp(v, "all") == 0)
			return;
		if (!v || r->has_proto || !ct_pol_proto_parse(v, &r->proto)) {
			r->unparsed = true;
			return;
		}
		r->has_proto = true;
		r->proto_neg = neg;
	} else if (strcmp(w, "--dport") == 0 || strcmp(w, "--dports") == 0 ||
		   strcmp(w, "--destination-port") == 0 || strcmp(w, "--destination-ports") == 0) {
		if (!v || r->ndport || !parse_ports(r, v)) {
			r->unparsed = true;
			return;
		}
		r->dport_neg = neg;
	} else if (strcmp(w, "--match-set") == 0) {
		if (i + 2 < n && strcmp(t[i + 2].s, "src") == 0 && !r->set[0] &&
		    copy_name(r->set, sizeof(r->set), v) && clean_name(r->set))
			r->set_neg = neg;
		else
			r->unparsed = true;
	} else if (strcmp(w, "--dst-type") == 0) {
		if (v && strcmp(v, "LOCAL") == 0 && !neg)
			r->dst_local = true;
		else
			r->unparsed = true;
	} else {
		r->unparsed = true;
	}
}

static bool copy_name(char *dst, size_t cap, const char *s)
{
	size_t l = strlen(s);
	if (l == 0 || l >= cap)
		return false;
	memcpy(dst, s, l + 1);
	return true;
}

/* Control characters never belong in a name: refuse them (comments keep them; they
 * are escaped where shown). */
static bool clean_name(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* The chains of the table being parsed, by name: open addressing over chain indexes + 1, so
 * that a table of tens of thousands of chains (kube-proxy's, one per Service and endpoint)
 * parses in linear time. */
struct chash {
	uint32_t *slot;
	size_t cap, n; /* cap a power of two, or 0 */
};

static size_t chash_of(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static int chash_find(const struct chash *h, const struct ct_ipt_ruleset *rs, const char *name)
{
	if (!h->cap)
		return -1;
	for (size_t i = chash_of(name) & (h->cap - 1);; i = (i + 1) & (h->cap - 1)) {
		uint32_t v = h->slot[i];
		if (!v)
			return -1;
		if (strcmp(rs->chains[v - 1].name, name) == 0)
			return (int)(v - 1);
	}
}

static int chash_add(struct chash *h, const struct ct_ipt_ruleset *rs, size_t idx)
{
	if ((h->n + 1) * 2 > h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 256;
		uint32_t *ns = calloc(nc, sizeof(*ns));
		if (!ns)
			return -1;
		for (size_t k = 0; k < h->cap; k++) {
			uint32_t v = h->slot[k];
			if (!v)
				continue;
			size_t i = chash_of(rs->chains[v - 1].name) & (nc - 1);
			while (ns[i])
				i = (i + 1) & (nc - 1);
			ns[i] = v;
		}
		free(h->slot);
		h->slot = ns;
		h->cap = nc;
	}
	size_t i = chash_of(rs->chains[idx].name) & (h->cap - 1);
	while (h->slot[i])
		i = (i + 1) & (h->cap - 1);
	h->slot[i] = (uint32_t)idx + 1;
	h->n++;
	return 0;
}

static void chash_clear(struct chash *h)
{
	if (h->cap)
		memset(h->slot, 0, h->cap * sizeof(*h->slot));
	h->n = 0;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* A word kept as written when it fits and holds no control character, else "". */
static void keep_word(char *dst, size_t cap, const char *s)
{
	if (!copy_name(dst, cap, s) || !clean_name(dst))
		dst[0] = 0;
}

/* -d, -p and --dport (the matches of kube-proxy's Service rules) into r->svc. false: another
 * option. */
static bool svc_match(struct ct_ipt_rule *r, const char *w, const char *v, bool neg)
{
	if (strcmp(w, "-d") == 0 || strcmp(w, "--destination") == 0) {
		keep_word(r->svc.dst, sizeof(r->svc.dst), v);
		r->svc.dst_neg = neg;
		return true;
	}
	if (neg)
		return false; /* ! -p, ! --dport: not a Service's match */
	if (strcmp(w, "-p") == 0 || strcmp(w, "--protocol") == 0) {
		keep_word(r->svc.proto, sizeof(r->svc.proto), v);
		return true;
	}
	if (strcmp(w, "--dport") == 0 || strcmp(w, "--destination-port") == 0) {
		keep_word(r->svc.dport, sizeof(r->svc.dport), v);
		return true;
	}
	return false;
}

/* A rule's words after "-A CHAIN". */
static const char *parse_rule_words(struct ct_ipt_rule *r, struct tok *t, size_t n)
{
	bool neg = false, after_target = false;
	for (size_t i = 0; i < n; i++) {
		const char *w = t[i].s;
		if (after_target) {
			/* the target's own options (--reject-with, --set-xmark); DNAT's is kept */
			if (!t[i].quoted && strcmp(w, "--to-destination") == 0 && i + 1 < n)
				keep_word(r->svc.to_dest, sizeof(r->svc.to_dest), t[++i].s);
			continue;
		}
		if (!t[i].quoted && strcmp(w, "!") == 0) {
			neg = true;
			continue;
		}
		encap_peek(r, t, n, i, neg);
		if (!t[i].quoted && (strcmp(w, "-i") == 0 || strcmp(w, "-o") == 0)) {
			if (i + 1 >= n)
				return "-i or -o without an interface";
			char *dst = w[1] == 'i' ? r->in_if : r->out_if;
			if (!copy_name(dst, CT_POL_IFNAME, t[i + 1].s) || !clean_name(dst))
				return "bad interface name";
			if (w[1] == 'i')
				r->in_neg = neg;
			else
				r->out_neg = neg;
			neg = false;
			i++;
			continue;
		}
		if (!t[i].quoted && (strcmp(w, "-j") == 0 || strcmp(w, "-g") == 0)) {
			if (i + 1 >= n)
				return "-j or -g without a target";
			if (r->target[0])
				return "two targets";
			if (!copy_name(r->target, sizeof(r->target), t[i + 1].s) ||
			    !clean_name(r->target))
				return "bad target name";
			r->is_goto = w[1] == 'g';
			after_target = true;
			i++;
			continue;
		}
		if (!t[i].quoted && strcmp(w, "-m") == 0 && i + 3 < n &&
		    strcmp(t[i + 1].s, "comment") == 0 && strcmp(t[i + 2].s, "--comment") == 0) {
			const char *c = t[i + 3].s;
			size_t l = strlen(c);
			if (l >= CT_POL_COMMENT)
				return "comment too long";
			if (has_prefix(c, "cali:") && !r->id[0])
				memcpy(r->id, c, l + 1);
			else
				memcpy(r->comment, c, l + 1);
			i += 3;
			continue;
		}
		if (!t[i].quoted && i + 1 < n && svc_match(r, w, t[i + 1].s, neg)) {
			r->other_match = true;
			neg = false;
			i++;
			continue;
		}
		if (neg) {
			r->other_match = true;
			neg = false;
		}
		if (w[0] == '-')
			r->other_match = true;
	}
	return NULL;
}

/* Groups rules by chain (stable: each chain keeps its order) and sets first/n. */
static int ruleset_index(struct ct_ipt_ruleset *rs)
{
	if (!rs->nrules) {
		for (size_t i = 0; i < rs->nchains; i++)
			rs->chains[i].first = rs->chains[i].n = 0;
		return 0;
	}
	struct ct_ipt_rule *out = malloc(rs->nrules * sizeof(*out));
	if (!out)
		return -1;
	for (size_t i = 0; i < rs->nchains; i++)
		rs->chains[i].n = 0;
	for (size_t i = 0; i < rs->nrules; i++)
		rs->chains[rs->rules[i].chain].n++;
	uint32_t pos = 0;
	for (size_t i = 0; i < rs->nchains; i++) {
		rs->chains[i].first = pos;
		pos += rs->chains[i].n;
		rs->chains[i].n = 0;
	}
	for (size_t i = 0; i < rs->nrules; i++) {
		struct ct_ipt_chain *c = &rs->chains[rs->rules[i].chain];
		out[c->first + c->n++] = rs->rules[i];
	}
	free(rs->rules);
	rs->rules = out;
	rs->caprules = rs->nrules;
	return 0;
}

int ct_ipt_parse(struct ct_ipt_ruleset *rs, const char *text, size_t len, struct ct_err *err)
{
	struct tok *t;
	char *line = NULL;
	size_t linecap = 0, lineno = 0, table_first = 0;
	char table[CT_POL_TABLE] = "";
	const char *why = NULL;
	int rc = -1;
	struct chash h = {0};

	t = malloc(POL_MAX_TOKENS * sizeof(*t));
	if (!t)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "out of memory parsing iptables-save output");
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl ? (size_t)(nl - text) : len;
		const char *cur = text;
		lineno++;
		len -= nl ? l + 1 : l;
		text += nl ? l + 1 : l;
		if (l + 1 > linecap) {
			char *p = realloc(line, l + 1);
			if (!p) {
				why = "out of memory";
				goto bad;
			}
			line = p;
			linecap = l + 1;
		}
		if (memchr(cur, 0, l)) {
			why = "a NUL byte";
			goto bad;
		}
		memcpy(line, cur, l);
		line[l] = 0;
		if (l && line[l - 1] == '\r')
			line[--l] = 0;

		if (l == 0 || line[0] == '#')
			continue;
		if (line[0] == '*') {
			if (table[0]) {
				why = "a table starts before COMMIT";
				goto bad;
			}
			if (!copy_name(table, sizeof(table), line + 1) || !clean_name(table) ||
			    strchr(table, ' ')) {
				why = "bad table name";
				goto bad;
			}
			table_first = rs->nchains;
			chash_clear(&h);
			rs->ntables++;
			continue;
		}
		if (strcmp(line, "COMMIT") == 0) {
			if (!table[0]) {
				why = "COMMIT outside a table";
				goto bad;
			}
			table[0] = 0;
			continue;
		}
		if (!table[0]) {
			why = "a chain or rule outside a table";
			goto bad;
		}
		size_t n = 0;
		if (tokenize(line, t, POL_MAX_TOKENS, &n, &why) < 0)
			goto bad;
		if (line[0] == ':') {
			/* ":NAME POLICY [P:B]" */
			if (n != 3 || t[0].quoted) {
				why = "a chain line needs a name, a policy and counters";
				goto bad;
			}
			struct ct_ipt_chain c = {0};
			if (!copy_name(c.name, sizeof(c.name), t[0].s + 1) || !clean_name(c.name)) {
				why = "bad chain name";
				goto bad;
			}
			if (!copy_name(c.policy, sizeof(c.policy), t[1].s) ||
			    !clean_name(c.policy)) {
				why = "bad chain policy";
				goto bad;
			}
			if (!parse_counters(t[2].s, &c.pkts, &c.bytes)) {
				why = "bad chain counters";
				goto bad;
			}
			if (chash_find(&h, rs, c.name) >= 0) {
				why = "a chain declared twice";
				goto bad;
			}
			memcpy(c.table, table, sizeof(c.table));
			if (strcmp(c.policy, "-") != 0)
				for (size_t k = 0; k < sizeof(c.hook) - 1 && c.name[k]; k++)
					c.hook[k] = (char)(c.name[k] >= 'A' && c.name[k] <= 'Z'
							       ? c.name[k] - 'A' + 'a'
							       : c.name[k]);
			struct ct_ipt_chain *p = chain_add(rs);
			if (!p) {
				why = "out of memory";
				goto bad;
			}
			*p = c;
			if (chash_add(&h, rs, rs->nchains - 1) < 0) {
				why = "out of memory";
				goto bad;
			}
			continue;
		}
		size_t i = 0;
		struct ct_ipt_rule r = {0};
		if (n && !t[0].quoted && t[0].s[0] == '[') {
			if (!parse_counters(t[0].s, &r.pkts, &r.bytes)) {
				why = "bad rule counters";
				goto bad;
			}
			r.counted = true;
			i = 1;
		}
		if (i + 2 > n || t[i].quoted || strcmp(t[i].s, "-A") != 0) {
			why = "not a chain, a rule, a table or COMMIT";
			goto bad;
		}
		/* a chain's rules come together: try the previous rule's chain first */
		int ci = rs->nrules && rs->rules[rs->nrules - 1].chain >= table_first &&
				 strcmp(rs->chains[rs->rules[rs->nrules - 1].chain].name,
					t[i + 1].s) == 0
			     ? (int)rs->rules[rs->nrules - 1].chain
			     : chash_find(&h, rs, t[i + 1].s);
		if (ci < 0) {
			why = "a rule of an undeclared chain";
			goto bad;
		}
		r.chain = (uint32_t)ci;
		why = parse_rule_words(&r, t + i + 2, n - i - 2);
		if (why)
			goto bad;
		struct ct_ipt_rule *p = rule_add(rs);
		if (!p) {
			why = "out of memory";
			goto bad;
		}
		*p = r;
	}
	if (table[0]) {
		why = "the last table has no COMMIT (truncated?)";
		lineno++;
		goto bad;
	}
	rc = 0;
bad:
	if (ruleset_index(rs) < 0 && rc == 0) {
		rc = -1;
		why = "out of memory";
	}
	if (rc < 0)
		ct_err_set(err, CT_EXIT_GATHER, "iptables-save output line %zu: %s", lineno, why);
	free(line);
	free(t);
	free(h.slot);
	return rc;
}

const struct ct_ipt_chain *ct_ipt_chain_find(const struct ct_ipt_ruleset *rs, const char *table,
					     const char *name)
{
	if (!table)
		table = "filter";
	for (size_t i = 0; i < rs->nchains; i++)
		if (strcmp(rs->chains[i].name, name) == 0 &&
		    strcmp(rs->chains[i].table, table) == 0)
			return &rs->chains[i];
	return NULL;
}

bool ct_ipt_if_match(const char *pattern, const char *iface)
{
	size_t l = strlen(pattern);
	if (l && pattern[l - 1] == '+')
		return strncmp(pattern, iface, l - 1) == 0;
	return strcmp(pattern, iface) == 0;
}

/* ---------------------------------------------------------------- following */

void ct_policy_init(struct ct_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (int b = 0; b < CT_POL_NBACKENDS; b++)
		ct_ipt_ruleset_init(&p->rs[b]);
	p->dispatch_backend = -1;
}

static void wl_free(struct ct_wl_policy *w)
{
	free(w->chains);
	free(w->drops);
}

void ct_policy_free(struct ct_policy *p)
{
	for (int b = 0; b < CT_POL_NBACKENDS; b++)
		ct_ipt_ruleset_free(&p->rs[b]);
	for (size_t i = 0; i < p->nwl; i++)
		wl_free(&p->wl[i]);
	free(p->wl);
	ct_pol_sets_free(&p->ipsets);
	memset(p, 0, sizeof(*p));
	p->dispatch_backend = -1;
}

bool ct_policy_any_read(const struct ct_policy *p)
{
	for (int b = 0; b < CT_POL_NBACKENDS; b++)
		if (p->read[b])
			return true;
	return false;
}

/* A ruleset prepared for following: chains sorted by name (filter first for a name
 * in several tables), each rule's target resolved. */
struct follow {
	const struct ct_ipt_ruleset *rs;
	uint32_t *byname; /* chain indexes sorted by (name, table != filter) */
	int32_t *tgt;	  /* per rule: the target chain, -1 a verdict or unknown */
	int32_t *ref;  /* per chain: the first rule outside the dispatch chains that targets it */
	uint8_t *seen; /* per chain, during one walk */
	uint32_t *stack, *touched;
	size_t ntouched;
};

/* Calico's nftables mode prefixes its chain names with the table kind ("filter-cali-fw-X"):
 * compare names without it. */
static const char *base_name(const char *s)
{
	return has_prefix(s, "filter-cali-") ? s + 7 : s;
}

static int cmp_chain(const void *a, const void *b, void *arg)
{
	const struct ct_ipt_ruleset *rs = arg;
	const struct ct_ipt_chain *x = &rs->chains[*(const uint32_t *)a];
	const struct ct_ipt_chain *y = &rs->chains[*(const uint32_t *)b];
	int c = strcmp(base_name(x->name), base_name(y->name));
	if (c)
		return c;
	bool fx = strcmp(x->table, "filter") != 0, fy = strcmp(y->table, "filter") != 0;
	if (fx != fy)
		return fx - fy;
	c = strcmp(x->table, y->table); /* "ip calico" before "ip6 calico" */
	if (c)
		return c;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int find_chain(const struct follow *f, const char *name)
{
	size_t lo = 0, hi = f->rs->nchains;
	const char *key = base_name(name);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(base_name(f->rs->chains[f->byname[mid]].name), key);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->rs->nchains && strcmp(base_name(f->rs->chains[f->byname[lo]].name), key) == 0)
		return (int)f->byname[lo];
	return -1;
}

/* The chain of that name in table, or -1 (the chains of one name are adjacent in byname). */
static int find_chain_in(const struct follow *f, const char *name, const char *table)
{
	int c = find_chain(f, name);
	if (c < 0)
		return -1;
	size_t lo = 0, hi = f->rs->nchains;
	const char *key = base_name(name);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(base_name(f->rs->chains[f->byname[mid]].name), key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < f->rs->nchains; lo++) {
		const struct ct_ipt_chain *ch = &f->rs->chains[f->byname[lo]];
		if (strcmp(base_name(ch->name), key) != 0)
			break;
		if (strcmp(ch->table, table) == 0 && strcmp(ch->name, name) == 0)
			return (int)f->byname[lo];
	}
	return -1;
}

static bool is_dispatch(const char *name, const char *dir)
{
	char p[40];
	snprintf(p, sizeof(p), "cali-%s-wl-dispatch", dir);
	const char *b = base_name(name);
	return has_prefix(b, p) && (b[strlen(p)] == 0 || b[strlen(p)] == '-');
}

static void follow_free(struct follow *f)
{
	free(f->byname);
	free(f->tgt);
	free(f->ref);
	free(f->seen);
	free(f->stack);
	free(f->touched);
	memset(f, 0, sizeof(*f));
}

static int follow_init(struct follow *f, const struct ct_ipt_ruleset *rs)
{
	memset(f, 0, sizeof(*f));
	f->rs = rs;
	size_t nc = rs->nchains ? rs->nchains : 1, nr = rs->nrules ? rs->nrules : 1;
	f->byname = malloc(nc * sizeof(*f->byname));
	f->tgt = malloc(nr * sizeof(*f->tgt));
	f->ref = malloc(nc * sizeof(*f->ref));
	f->seen = calloc(nc, 1);
	f->stack = malloc(nc * sizeof(*f->stack));
	f->touched = malloc(nc * sizeof(*f->touched));
	if (!f->byname || !f->tgt || !f->ref || !f->seen || !f->stack || !f->touched) {
		follow_free(f);
		return -1;
	}
	for (size_t i = 0; i < rs->nchains; i++) {
		f->byname[i] = (uint32_t)i;
		f->ref[i] = -1;
	}
	qsort_r(f->byname, rs->nchains, sizeof(*f->byname), cmp_chain, (void *)rs);
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct ct_ipt_rule *r = &rs->rules[i];
		/* a jump stays in its table */
		int c = r->target[0] ? find_chain_in(f, r->target, rs->chains[r->chain].table) : -1;
		f->tgt[i] = c;
		const char *from = rs->chains[r->chain].name;
		if (c >= 0 && f->ref[c] < 0 && !is_dispatch(from, "from") &&
		    !is_dispatch(from, "to"))
			f->ref[c] = (int32_t)i;
	}
	return 0;
}

static bool drop_target(const char *t)
{
	return strcmp(t, "DROP") == 0 || strcmp(t, "REJECT") == 0 || strcmp(t, "drop") == 0 ||
	       strcmp(t, "reject") == 0;
}

static bool ends_with(const char *s, const char *e)
{
	size_t ls = strlen(s), le = strlen(e);
	return ls >= le && strcmp(s + ls - le, e) == 0;
}

/* Does a rule's interface match (for this direction) let iface through? Rules with
 * other matches may or may not match: they never decide the dispatch. */
static bool rule_covers(const struct ct_ipt_rule *r, bool from, const char *iface)
{
	const char *pat = from ? r->in_if : r->out_if;
	bool neg = from ? r->in_neg : r->out_neg;
	if (r->other_match)
		return false;
	if (!pat[0])
		return true;
	return ct_ipt_if_match(pat, iface) != neg;
}

/* Walks the dispatch chain c for iface. Returns 1 when it reaches want (via set),
 * 2 when it ends on a drop (unknown interface), 0 when it falls through. */
static int walk_dispatch(const struct follow *f, int c, bool from, const char *iface, int want,
			 char *via, int depth)
{
	if (depth > POL_MAX_DEPTH)
		return 0;
	const struct ct_ipt_chain *ch = &f->rs->chains[c];
	for (uint32_t k = 0; k < ch->n; k++) {
		size_t ri = ch->first + k;
		const struct ct_ipt_rule *r = &f->rs->rules[ri];
		if (!rule_covers(r, from, iface))
			continue;
		int t = f->tgt[ri];
		if (t >= 0 && t == want) {
			snprintf(via, CT_POL_NAME, "%s", ch->name);
			return 1;
		}
		if (t >= 0 && is_dispatch(f->rs->chains[t].name, from ? "from" : "to")) {
			int x = walk_dispatch(f, t, from, iface, want, via, depth + 1);
			if (x || r->is_goto)
				return x;
			continue;
		}
		if (drop_target(r->target))
			return 2;
		if (r->target[0] && strcmp(r->target, "RETURN") != 0 && t < 0)
			return 0; /* ACCEPT or another verdict: not this workload's chain */
		if (t >= 0 && r->is_goto)
			return 0;
	}
	return 0;
}

static int wl_add_chain(struct ct_wl_policy *w, const char *name)
{
	for (size_t i = 0; i < w->nchains; i++)
		if (strcmp(w->chains[i], name) == 0)
			return 0;
	char(*p)[CT_POL_NAME] = realloc(w->chains, (w->nchains + 1) * sizeof(*p));
	if (!p)
		return -1;
	w->chains = p;
	snprintf(p[w->nchains++], CT_POL_NAME, "%s", name);
	return 0;
}

static int wl_add_drop(struct ct_wl_policy *w, const struct ct_ipt_chain *ch, uint32_t k,
		       const struct ct_ipt_rule *r)
{
	struct ct_pol_drop *p = realloc(w->drops, (w->ndrops + 1) * sizeof(*p));
	if (!p)
		return -1;
	w->drops = p;
	struct ct_pol_drop *d = &p[w->ndrops++];
	memset(d, 0, sizeof(*d));
	snprintf(d->chain, sizeof(d->chain), "%s", ch->name);
	d->rule = k + 1;
	snprintf(d->target, sizeof(d->target), "%s",
		 strcmp(r->target, "REJECT") == 0 || strcmp(r->target, "reject") == 0 ? "REJECT"
										      : "DROP");
	d->pkts = r->pkts;
	d->bytes = r->bytes;
	snprintf(d->comment, sizeof(d->comment), "%s", r->comment);
	if (ends_with(r->comment, "Drop if no policies passed packet") ||
	    ends_with(r->comment, "Reject if no policies passed packet"))
		d->kind = CT_POL_DROP_END_OF_TIER;
	else if (ends_with(r->comment, "Drop if no profiles matched") ||
		 ends_with(r->comment, "Reject if no profiles matched"))
		d->kind = CT_POL_DROP_NO_PROFILE;
	w->dropped += r->pkts;
	return 0;
}

/* Every chain reachable from start (jumps and gotos within its table): count policy
 * and profile chains, collect drops. */
static int walk_chains(struct follow *f, int start, struct ct_pol_dir *d, struct ct_wl_policy *w)
{
	size_t sp = 0;
	f->stack[sp++] = (uint32_t)start;
	f->seen[start] = 1;
	f->touched[f->ntouched++] = (uint32_t)start;
	while (sp) {
		uint32_t c = f->stack[--sp];
		const struct ct_ipt_chain *ch = &f->rs->chains[c];
		const char *b = base_name(ch->name);
		if (has_prefix(b, "cali-pi-") || has_prefix(b, "cali-po-")) {
			d->policies++;
			if (wl_add_chain(w, ch->name) < 0)
				return -1;
		} else if (has_prefix(b, "cali-pri-") || has_prefix(b, "cali-pro-")) {
			d->profiles++;
			if (wl_add_chain(w, ch->name) < 0)
				return -1;
		}
		for (uint32_t k = 0; k < ch->n; k++) {
			size_t ri = ch->first + k;
			const struct ct_ipt_rule *r = &f->rs->rules[ri];
			if (drop_target(r->target) && wl_add_drop(w, ch, k, r) < 0)
				return -1;
			int t = f->tgt[ri];
			if (t >= 0 && !f->seen[t]) {
				f->seen[t] = 1;
				f->touched[f->ntouched++] = (uint32_t)t;
				f->stack[sp++] = (uint32_t)t;
			}
		}
	}
	return 0;
}

static void seen_clear(struct follow *f)
{
	for (size_t i = 0; i < f->ntouched; i++)
		f->seen[f->touched[i]] = 0;
	f->ntouched = 0;
}

/* One direction of iface in one ruleset. */
static int follow_dir(struct follow *f, const char *iface, bool from, struct ct_pol_dir *d,
		      struct ct_wl_policy *w)
{
	char name[CT_POL_NAME + 8];
	snprintf(name, sizeof(name), "cali-%s-%s", from ? "fw" : "tw", iface);
	int c = find_chain(f, name);
	int disp = find_chain(f, from ? "cali-from-wl-dispatch" : "cali-to-wl-dispatch");
	memset(d, 0, sizeof(*d));
	if (disp >= 0) {
		int x = walk_dispatch(f, disp, from, iface, c, d->via, 0);
		d->dispatched = x == 1;
		d->unknown = x == 2;
	}
	if (c < 0)
		return 0;
	d->present = true;
	if (!d->dispatched && f->ref[c] >= 0) {
		const struct ct_ipt_rule *r = &f->rs->rules[f->ref[c]];
		if (r->other_match || !(from ? r->in_if : r->out_if)[0] ||
		    rule_covers(r, from, iface)) {
			d->dispatched = true;
			d->unknown = false;
			snprintf(d->via, sizeof(d->via), "%s", f->rs->chains[r->chain].name);
		}
	}
	int rc = walk_chains(f, c, d, w);
	seen_clear(f);
	return rc;
}

static int cmp_wl(const void *a, const void *b)
{
	return strcmp(((const struct ct_wl_policy *)a)->iface,
		      ((const struct ct_wl_policy *)b)->iface);
}

int ct_policy_follow(struct ct_policy *p, const char *const *ifaces, size_t n)
{
	struct follow f[CT_POL_NBACKENDS];
	int rc = -1;

	for (size_t i = 0; i < p->nwl; i++)
		wl_free(&p->wl[i]);
	free(p->wl);
	p->wl = NULL;
	p->nwl = 0;
	p->dispatch = false;
	p->dispatch_backend = -1;
	memset(f, 0, sizeof(f));
	for (int b = 0; b < CT_POL_NBACKENDS; b++) {
		if (!p->read[b])
			continue;
		if (follow_init(&f[b], &p->rs[b]) < 0)
			goto out;
		if (!p->dispatch && (find_chain(&f[b], "cali-from-wl-dispatch") >= 0 ||
				     find_chain(&f[b], "cali-to-wl-dispatch") >= 0)) {
			p->dispatch = true;
			p->dispatch_backend = b;
		}
	}
	p->wl = calloc(n ? n : 1, sizeof(*p->wl));
	if (!p->wl)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct ct_wl_policy *w = &p->wl[p->nwl++];
		snprintf(w->iface, sizeof(w->iface), "%s", ifaces[i]);
		w->backend = -1;
		for (int b = 0; b < CT_POL_NBACKENDS && w->backend < 0; b++) {
			if (!p->read[b])
				continue;
			struct ct_pol_dir from, to;
			struct ct_wl_policy tmp = {0};
			if (follow_dir(&f[b], w->iface, true, &from, &tmp) < 0 ||
			    follow_dir(&f[b], w->iface, false, &to, &tmp) < 0) {
				wl_free(&tmp);
				goto out;
			}
			if (from.present || to.present || b == p->dispatch_backend) {
				memcpy(tmp.iface, w->iface, sizeof(tmp.iface));
				tmp.from = from;
				tmp.to = to;
				tmp.backend = from.present || to.present ? b : -1;
				wl_free(w);
				*w = tmp;
				if (w->backend < 0)
					continue; /* keep looking in the other backends */
			} else {
				wl_free(&tmp);
			}
		}
	}
	qsort(p->wl, p->nwl, sizeof(*p->wl), cmp_wl);
	rc = 0;
out:
	for (int b = 0; b < CT_POL_NBACKENDS; b++)
		follow_free(&f[b]);
	return rc;
}

const struct ct_wl_policy *ct_policy_of(const struct ct_policy *p, const char *iface)
{
	struct ct_wl_policy key;
	if (!p || !p->wl)
		return NULL;
	snprintf(key.iface, sizeof(key.iface), "%s", iface);
	return bsearch(&key, p->wl, p->nwl, sizeof(*p->wl), cmp_wl);
}
