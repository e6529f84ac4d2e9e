/* SPDX-License-Identifier: MIT */
/* Kubernetes Services as kube-proxy programs them: the iptables and IPVS readers, the index
 * and the hop line. The nftables reader is model/svc_nft.c. Contracts in svc.h. */
#include "model/svc.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/plural.h"
#include "model/svc_int.h"

const char *const ct_svc_source_names[CT_SVC_NSOURCES] = {"iptables-legacy", "iptables-nft",
							  "nftables", "ipvs", "ebpf"};
const char *const ct_svc_kind_names[CT_SVC_NKINDS] = {"", "cluster IP", "external IP",
						      "loadbalancer IP"};

void ct_svcs_init(struct ct_svcs *s)
{
	memset(s, 0, sizeof(*s));
}

void ct_svcs_free(struct ct_svcs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].be);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

const char *ct_svc_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	}
	return NULL;
}

uint8_t ct_svc_proto_parse(const char *s)
{
	if (!strcasecmp(s, "tcp") || !strcmp(s, "6"))
		return IPPROTO_TCP;
	if (!strcasecmp(s, "udp") || !strcmp(s, "17"))
		return IPPROTO_UDP;
	if (!strcasecmp(s, "sctp") || !strcmp(s, "132"))
		return IPPROTO_SCTP;
	return 0;
}

/* ---------------------------------------------------------------- shared helpers */

bool ct_svc__name_ok(const char *s, size_t l)
{
	if (l == 0 || l >= CT_SVC_NAME)
		return false;
	for (size_t i = 0; i < l; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == '/' || c == ':'))
			return false;
	}
	return true;
}

void ct_svc__set_name(struct ct_svc *v, const char *s, size_t l)
{
	while (l && s[l - 1] == ':') /* "ns/name:" (kube-proxy before 1.19, unnamed port) */
		l--;
	if (!ct_svc__name_ok(s, l)) {
		v->name[0] = 0;
		return;
	}
	memcpy(v->name, s, l);
	v->name[l] = 0;
}

bool ct_svc__port(const char *s, const char *end, uint16_t *port)
{
	unsigned v = 0;
	if (s == end || end - s > 5)
		return false;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* "IP:PORT", "[IP6]:PORT", "IP" or "IP6" (a DNAT that keeps the port). */
bool ct_svc__hostport(const char *s, struct ct_svc_backend *b)
{
	char a[64];
	const char *colon = NULL;
	memset(b, 0, sizeof(*b));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || (size_t)(close - s - 1) >= sizeof(a))
			return false;
		memcpy(a, s + 1, (size_t)(close - s - 1));
		a[close - s - 1] = 0;
		if (close[1] == ':')
			colon = close + 1;
		else if (close[1])
			return false;
	} else {
		const char *first = strchr(s, ':');
		if (first && strchr(first + 1, ':')) { /* a bare IPv6 address */
			if (strlen(s) >= sizeof(a))
				return false;
			snprintf(a, sizeof(a), "%s", s);
		} else {
			size_t l = first ? (size_t)(first - s) : strlen(s);
			if (l >= sizeof(a))
				return false;
			memcpy(a, s, l);
			a[l] = 0;
			colon = first;
		}
	}
	if (ct_ip_parse(a, &b->ip) < 0)
		return false;
	if (colon && !ct_svc__port(colon + 1, colon + strlen(colon), &b->port))
		return false;
	return true;
}

struct ct_svc *ct_svc__add(struct ct_svcs *s)
{
	if (s->n >= CT_SVC_MAX) {
		s->dropped++;
		return NULL;
	}
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct ct_svc *p = realloc(s->v, nc * sizeof(*p));
		if (!p)
			return NULL;
		s->v = p;
		s->cap = nc;
	}
	struct ct_svc *v = &s->v[s->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

int ct_svc__add_backend(struct ct_svc *v, const struct ct_svc_backend *b, size_t *cap)
{
	for (size_t i = 0; i < v->nbe; i++)
		if (ct_ip_eq(&v->be[i].ip, &b->ip) && v->be[i].port == b->port)
			return 0;
	v->nbe_total++;
	if (v->nbe >= CT_SVC_MAX_BACKEND)
		return 0;
	if (v->nbe == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct ct_svc_backend *p = realloc(v->be, nc * sizeof(*p));
		if (!p)
			return -1;
		v->be = p;
		*cap = nc;
	}
	v->be[v->nbe++] = *b;
	return 0;
}

/* ---------------------------------------------------------------- iptables */

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool ends_with(const char *s, size_t l, const char *e, size_t *stem)
{
	size_t le = strlen(e);
	if (l < le || memcmp(s + l - le, e, le) != 0)
		return false;
	*stem = l - le;
	return true;
}

/* "VIP/32" or "VIP/128" (or a bare address) into vip; another mask is not a Service VIP. */
static bool vip_parse(const char *s, struct ct_ip *vip)
{
	char a[64];
	const char *slash = strchr(s, '/');
	size_t l = slash ? (size_t)(slash - s) : strlen(s);
	if (l == 0 || l >= sizeof(a))
		return false;
	memcpy(a, s, l);
	a[l] = 0;
	if (ct_ip_parse(a, vip) < 0)
		return false;
	if (!slash)
		return true;
	return strcmp(slash + 1, vip->family == AF_INET ? "32" : "128") == 0;
}

/* The comment's name and kind: "ns/name:port cluster IP" and the like. */
static void name_from_comment(struct ct_svc *v, const char *c)
{
	static const struct {
		const char *suffix;
		enum ct_svc_kind kind;
	} k[] = {{" cluster IP", CT_SVC_KIND_CLUSTER_IP},
		 {" external IP", CT_SVC_KIND_EXTERNAL_IP},
		 {" loadbalancer IP", CT_SVC_KIND_LB_IP},
		 {" has no endpoints", CT_SVC_KIND_UNKNOWN}};
	size_t l = strlen(c), stem;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		if (ends_with(c, l, k[i].suffix, &stem)) {
			v->kind = k[i].kind;
			ct_svc__set_name(v, c, stem);
			return;
		}
	ct_svc__set_name(v, c, l);
}

/* The chains of one ruleset, indexed by (table instance, name): iptables-save prints each
 * table's chains together, so a table instance is a run of chains with the same table. */
struct ipt_index {
	const struct ct_ipt_ruleset *rs;
	uint32_t *seg;	 /* per chain: its table instance */
	uint32_t *order; /* chain indexes sorted by (seg, name) */
	uint32_t *mark;	 /* per chain: the walk that saw it last */
	uint32_t *stack;
	uint32_t gen;
};

static int cmp_order(const void *a, const void *b, void *arg)
{
	const struct ipt_index *x = arg;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	if (x->seg[i] != x->seg[j])
		return x->seg[i] < x->seg[j] ? -1 : 1;
	return strcmp(x->rs->chains[i].name, x->rs->chains[j].name);
}

static void ipt_index_free(struct ipt_index *x)
{
	free(x->seg);
	free(x->order);
	free(x->mark);
	free(x->stack);
}

static int ipt_index_init(struct ipt_index *x, const struct ct_ipt_ruleset *rs)
{
	size_t n = rs->nchains ? rs->nchains : 1;
	memset(x, 0, sizeof(*x));
	x->rs = rs;
	x->seg = malloc(n * sizeof(*x->seg));
	x->order = malloc(n * sizeof(*x->order));
	x->mark = calloc(n, sizeof(*x->mark));
	x->stack = malloc(n * sizeof(*x->stack));
	if (!x->seg || !x->order || !x->mark || !x->stack) {
		ipt_index_free(x);
		return -1;
	}
	uint32_t seg = 0;
	for (size_t i = 0; i < rs->nchains; i++) {
		if (i && strcmp(rs->chains[i].table, rs->chains[i - 1].table) != 0)
			seg++;
		x->seg[i] = seg;
		x->order[i] = (uint32_t)i;
	}
	qsort_r(x->order, rs->nchains, sizeof(*x->order), cmp_order, x);
	return 0;
}

static int ipt_find(const struct ipt_index *x, uint32_t seg, const char *name)
{
	size_t lo = 0, hi = x->rs->nchains;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		uint32_t c = x->order[mid];
		int d = x->seg[c] != seg ? (x->seg[c] < seg ? -1 : 1)
					 : strcmp(x->rs->chains[c].name, name);
		if (d < 0)
			lo = mid + 1;
		else if (d > 0)
			hi = mid;
		else
			return (int)c;
	}
	return -1;
}

/* Every DNAT reached from chain start (jumps and gotos within its table, KUBE-MARK-* left
 * out) into v's backends. */
static int ipt_walk(struct ipt_index *x, int start, struct ct_svc *v)
{
	const struct ct_ipt_ruleset *rs = x->rs;
	size_t head = 0, sp = 0, cap = 0; /* a queue: backends come in kube-proxy's order */
	x->gen++;
	x->stack[sp++] = (uint32_t)start;
	x->mark[start] = x->gen;
	while (head < sp) {
		const struct ct_ipt_chain *ch = &rs->chains[x->stack[head++]];
		uint32_t seg = x->seg[ch - rs->chains];
		for (uint32_t k = 0; k < ch->n; k++) {
			const struct ct_ipt_rule *r = &rs->rules[ch->first + k];
			if (r->svc.to_dest[0] && strcmp(r->target, "DNAT") == 0) {
				struct ct_svc_backend b;
				if (ct_svc__hostport(r->svc.to_dest, &b) &&
				    ct_svc__add_backend(v, &b, &cap) < 0)
					return -1;
				continue;
			}
			if (!r->target[0] || has_prefix(r->target, "KUBE-MARK-"))
				continue;
			int t = ipt_find(x, seg, r->target);
			if (t >= 0 && x->mark[t] != x->gen) {
				x->mark[t] = x->gen;
				x->stack[sp++] = (uint32_t)t;
			}
		}
	}
	return 0;
}

/* The VIP, protocol and port of a rule, or false. */
static bool rule_key(const struct ct_ipt_rule *r, struct ct_svc *v)
{
	if (!r->svc.dst[0] || r->svc.dst_neg || !r->svc.proto[0] || !r->svc.dport[0])
		return false;
	if (!vip_parse(r->svc.dst, &v->vip))
		return false;
	v->proto = ct_svc_proto_parse(r->svc.proto);
	return v->proto &&
	       ct_svc__port(r->svc.dport, r->svc.dport + strlen(r->svc.dport), &v->port);
}

int ct_svc_from_ipt(struct ct_svcs *s, const struct ct_ipt_ruleset *rs, enum ct_svc_source source,
		    struct ct_err *err)
{
	struct ipt_index x;
	if (ipt_index_init(&x, rs) < 0)
		return ct_err_set(err, CT_EXIT_GATHER, "out of memory reading kube-proxy's rules");
	int rc = 0;
	for (size_t c = 0; c < rs->nchains && rc == 0; c++) {
		const struct ct_ipt_chain *ch = &rs->chains[c];
		bool nat = strcmp(ch->table, "nat") == 0 && strcmp(ch->name, "KUBE-SERVICES") == 0;
		bool filter = strcmp(ch->table, "filter") == 0 &&
			      (strcmp(ch->name, "KUBE-SERVICES") == 0 ||
			       strcmp(ch->name, "KUBE-EXTERNAL-SERVICES") == 0);
		if (!nat && !filter)
			continue;
		for (uint32_t k = 0; k < ch->n && rc == 0; k++) {
			const struct ct_ipt_rule *r = &rs->rules[ch->first + k];
			struct ct_svc key;
			size_t stem;
			memset(&key, 0, sizeof(key));
			if (!r->target[0] || !rule_key(r, &key))
				continue;
			if (filter) {
				/* kube-proxy: "ns/name:port has no endpoints" -j REJECT */
				if (strcmp(r->target, "REJECT") != 0 &&
				    strcmp(r->target, "DROP") != 0)
					continue;
				if (!ends_with(r->comment, strlen(r->comment), " has no endpoints",
					       &stem))
					continue;
				key.no_endpoints = true;
			} else if (has_prefix(r->target, "KUBE-MARK-")) {
				continue;
			}
			int t = filter ? -1 : ipt_find(&x, x.seg[c], r->target);
			if (!filter && t < 0)
				continue; /* not a jump to a Service chain */
			struct ct_svc *v = ct_svc__add(s);
			if (!v) {
				if (s->n < CT_SVC_MAX)
					rc = ct_err_set(err, CT_EXIT_GATHER,
							"out of memory reading kube-proxy's rules");
				break;
			}
			*v = key;
			v->source = source;
			name_from_comment(v, r->comment);
			if (!filter && ipt_walk(&x, t, v) < 0)
				rc = ct_err_set(err, CT_EXIT_GATHER,
						"out of memory reading kube-proxy's rules");
			if (!filter && v->nbe_total == 0)
				v->no_endpoints = true; /* a Service chain without a DNAT */
		}
	}
	ipt_index_free(&x);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- IPVS */

/* "0A60000A:0035" (the kernel prints the address and port as host-order hex of the network
 * values) or "[fd00::a]:0035". */
static bool ipvs_hostport(const char *s, size_t l, struct ct_ip *ip, uint16_t *port)
{
	char a[64];
	const char *colon;
	memset(ip, 0, sizeof(*ip));
	if (l && s[0] == '[') {
		const char *close = memchr(s, ']', l);
		if (!close || close + 1 >= s + l || close[1] != ':' ||
		    (size_t)(close - s - 1) >= sizeof(a))
			return false;
		memcpy(a, s + 1, (size_t)(close - s - 1));
		a[close - s - 1] = 0;
		if (ct_ip_parse(a, ip) < 0 || ip->family != AF_INET6)
			return false;
		colon = close + 1;
	} else {
		if (l != 13 || s[8] != ':')
			return false;
		uint32_t v = 0;
		for (int i = 0; i < 8; i++) {
			char c = s[i];
			int d = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
						       : -1;
			if (d < 0)
				return false;
			v = v << 4 | (uint32_t)d;
		}
		ip->family = AF_INET;
		ip->a[0] = (uint8_t)(v >> 24);
		ip->a[1] = (uint8_t)(v >> 16);
		ip->a[2] = (uint8_t)(v >> 8);
		ip->a[3] = (uint8_t)v;
		colon = s + 8;
	}
	const char *p = colon + 1, *end = s + l;
	if (end - p != 4)
		return false;
	unsigned v = 0;
	for (; p < end; p++) {
		char c = *p;
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
					       : -1;
		if (d < 0)
			return false;
		v = v << 4 | (unsigned)d;
	}
	*port = (uint16_t)v;
	return true;
}

/* The words of a line (at most max): start and length each. */
static size_t words(const char *s, size_t l, const char **w, size_t *wl, size_t max)
{
	size_t n = 0, i = 0;
	while (i < l) {
		while (i < l && s[i] == ' ')
			i++;
		if (i == l)
			break;
		size_t st = i;
		while (i < l && s[i] != ' ')
			i++;
		if (n == max)
			return max + 1;
		w[n] = s + st;
		wl[n] = i - st;
		n++;
	}
	return n;
}

static bool word_is(const char *w, size_t l, const char *s)
{
	return strlen(s) == l && memcmp(w, s, l) == 0;
}

/* An unsigned decimal word. */
static bool word_num(const char *w, size_t l, unsigned long *v)
{
	unsigned long x = 0;
	if (l == 0 || l > 10)
		return false;
	for (size_t i = 0; i < l; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		x = x * 10 + (unsigned long)(w[i] - '0');
	}
	*v = x;
	return true;
}

int ct_svc_parse_ipvs(struct ct_svcs *s, const char *text, size_t len, struct ct_err *err)
{
	size_t lineno = 0, cap = 0;
	long cur = -1; /* index of the Service whose real servers follow; -2: one not kept */
	const char *why = NULL;
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl ? (size_t)(nl - text) : len;
		const char *line = text;
		lineno++;
		text += nl ? l + 1 : l;
		len -= nl ? l + 1 : l;
		if (memchr(line, 0, l) || (l && memchr(line, '\t', l))) {
			why = "a NUL byte or a tab";
			goto bad;
		}
		while (l && line[l - 1] == ' ') /* old kernels pad every line to 63 columns */
			l--;
		if (lineno == 1) {
			if (l < 26 || memcmp(line, "IP Virtual Server version ", 26) != 0) {
				why =
				    "not /proc/net/ip_vs (no \"IP Virtual Server version\" header)";
				goto bad;
			}
			continue;
		}
		if (lineno == 2 || lineno == 3) {
			const char *want =
			    lineno == 2
				? "Prot LocalAddress:Port Scheduler Flags"
				: "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn";
			if (strlen(want) != l || memcmp(line, want, l) != 0) {
				why = "not the header /proc/net/ip_vs has";
				goto bad;
			}
			continue;
		}
		const char *w[8];
		size_t wl[8];
		size_t n = words(line, l, w, wl, 7);
		if (n == 0) {
			why = "an empty line";
			goto bad;
		}
		if (n > 7) {
			why = "too many words";
			goto bad;
		}
		if (l >= 4 && memcmp(line, "  ->", 4) == 0) {
			/* -> ADDR:PORT FORWARD WEIGHT ACTIVE INACTIVE */
			struct ct_svc_backend b;
			unsigned long weight, act, inact;
			if (n != 6 || !word_is(w[0], wl[0], "->") ||
			    !ipvs_hostport(w[1], wl[1], &b.ip, &b.port) ||
			    !word_num(w[3], wl[3], &weight) || !word_num(w[4], wl[4], &act) ||
			    !word_num(w[5], wl[5], &inact)) {
				why =
				    "a real server line that is not \"-> ADDR:PORT FORWARD WEIGHT "
				    "ACTIVE INACTIVE\"";
				goto bad;
			}
			if (cur == -1) {
				why = "a real server before any virtual service";
				goto bad;
			}
			/* weight 0: kube-proxy is removing it (graceful termination); IPVS sends it
			 * no new connection */
			if (cur >= 0 && weight > 0) {
				struct ct_svc *v = &s->v[cur];
				if (ct_svc__add_backend(v, &b, &cap) < 0) {
					why = "out of memory";
					goto bad;
				}
				v->no_endpoints = false;
			}
			continue;
		}
		if (line[0] == ' ') {
			why = "an indented line that is not a real server";
			goto bad;
		}
		/* PROTO ADDR:PORT SCHEDULER [ops] [persistent T MASK] | FWM MARK SCHEDULER ... */
		if (n < 3) {
			why = "a virtual service line without an address and a scheduler";
			goto bad;
		}
		if (word_is(w[0], wl[0], "FWM")) {
			cur = -2; /* a firewall-mark service: no VIP */
			continue;
		}
		char proto[8];
		if (wl[0] >= sizeof(proto)) {
			why = "an unknown protocol";
			goto bad;
		}
		memcpy(proto, w[0], wl[0]);
		proto[wl[0]] = 0;
		struct ct_svc key;
		memset(&key, 0, sizeof(key));
		if (!ipvs_hostport(w[1], wl[1], &key.vip, &key.port)) {
			why = "a virtual service address that is not HEX:PORT or [IPv6]:PORT";
			goto bad;
		}
		key.proto = ct_svc_proto_parse(proto);
		if (!key.proto) {
			static const char *const other[] = {"AH", "ESP", "UNK"};
			bool known = false;
			for (size_t i = 0; i < 3; i++)
				known |= strcmp(proto, other[i]) == 0;
			if (!known) {
				why = "an unknown protocol";
				goto bad;
			}
			cur = -2;
			continue;
		}
		struct ct_svc *v = ct_svc__add(s);
		if (!v) {
			if (s->n < CT_SVC_MAX) {
				why = "out of memory";
				goto bad;
			}
			cur = -2;
			continue;
		}
		*v = key;
		v->source = CT_SVC_IPVS;
		v->no_endpoints = true; /* until a real server with a weight follows */
		cur = (long)(v - s->v);
		cap = 0;
	}
	if (lineno < 3) {
		why = "truncated before the end of the header";
		goto bad;
	}
	return 0;
bad:
	return ct_err_set(err, CT_EXIT_GATHER, "/proc/net/ip_vs line %zu: %s", lineno, why);
}

void ct_svc_ipvs_local(struct ct_svcs *s, const struct ct_ip *addrs, size_t n)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].source != CT_SVC_IPVS)
			continue;
		s->v[i].vip_checked = true;
		for (size_t k = 0; k < n; k++)
			if (ct_ip_eq(&s->v[i].vip, &addrs[k]))
				s->v[i].vip_local = true;
	}
}

void ct_svc_from_node(struct ct_svcs *s, const struct ct_netns *ns)
{
	if (ct_link_by_name(ns, "bpfin.cali")) {
		s->ebpf = true;
		s->read[CT_SVC_EBPF] = true;
	}
	const struct ct_link *l = ct_link_by_name(ns, "kube-ipvs0");
	if (!l)
		return;
	struct ct_ip addrs[256];
	size_t n = 0;
	for (size_t i = 0; i < ns->addrs.n && n < 256; i++)
		if (ns->addrs.v[i].ifindex == l->ifindex)
			addrs[n++] = ns->addrs.v[i].pfx.ip;
	ct_svc_ipvs_local(s, addrs, n);
}

/* ---------------------------------------------------------------- index */

static int cmp_ip(const struct ct_ip *a, const struct ct_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

static int cmp_key(const struct ct_svc *a, const struct ct_svc *b)
{
	int c = cmp_ip(&a->vip, &b->vip);
	if (c)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->source != b->source)
		return a->source < b->source ? -1 : 1;
	return 0;
}

static int cmp_svc(const void *x, const void *y)
{
	const struct ct_svc *a = x, *b = y;
	int c = cmp_key(a, b);
	if (c)
		return c;
	/* with backends first, so that the merge keeps them */
	if (a->nbe_total != b->nbe_total)
		return a->nbe_total > b->nbe_total ? -1 : 1;
	return 0;
}

void ct_svcs_finish(struct ct_svcs *s)
{
	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_svc);
	size_t o = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (o && cmp_key(&s->v[o - 1], &s->v[i]) == 0) {
			struct ct_svc *keep = &s->v[o - 1];
			if (!keep->name[0] && s->v[i].name[0])
				memcpy(keep->name, s->v[i].name, sizeof(keep->name));
			if (keep->kind == CT_SVC_KIND_UNKNOWN)
				keep->kind = s->v[i].kind;
			free(s->v[i].be);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
}

const struct ct_svc *ct_svc_find(const struct ct_svcs *s, const struct ct_ip *vip, uint8_t proto,
				 uint16_t port)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cmp_ip(&s->v[mid].vip, vip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->n && cmp_ip(&s->v[lo].vip, vip) == 0; lo++) {
		const struct ct_svc *v = &s->v[lo];
		if ((!proto || v->proto == proto) && (!port || v->port == port))
			return v;
	}
	return NULL;
}

bool ct_svc_is_vip(const struct ct_svcs *s, const struct ct_ip *vip)
{
	return ct_svc_find(s, vip, 0, 0) != NULL;
}

/* ---------------------------------------------------------------- the hop line */

static size_t fmt_hostport(char *buf, size_t cap, const struct ct_ip *ip, uint16_t port)
{
	char a[64];
	ct_ip_fmt(ip, a, sizeof(a));
	int n;
	if (!port)
		n = snprintf(buf, cap, "%s", a);
	else if (ip->family == AF_INET6)
		n = snprintf(buf, cap, "[%s]:%u", a, port);
	else
		n = snprintf(buf, cap, "%s:%u", a, port);
	return n < 0 ? 0 : (size_t)n;
}

struct sbuf {
	char *b;
	size_t cap, len;
};

static void sb_add(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = sb->len < sb->cap ? sb->cap - sb->len : 0;
	int n = vsnprintf(room ? sb->b + sb->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n;
}

size_t ct_svc_describe(const struct ct_svc *v, char *buf, size_t cap)
{
	struct sbuf sb = {buf, cap, 0};
	char hp[80];
	if (cap)
		buf[0] = 0;
	fmt_hostport(hp, sizeof(hp), &v->vip, v->port);
	const char *proto = ct_svc_proto_name(v->proto);
	sb_add(&sb, "%s/%s is ", hp, proto ? proto : "?");
	if (v->name[0])
		sb_add(&sb, "Service %s (%s%s%s)", v->name,
		       v->kind == CT_SVC_KIND_EXTERNAL_IP || v->kind == CT_SVC_KIND_LB_IP
			   ? ct_svc_kind_names[v->kind]
			   : "",
		       v->kind == CT_SVC_KIND_EXTERNAL_IP || v->kind == CT_SVC_KIND_LB_IP ? ", "
											  : "",
		       ct_svc_source_names[v->source]);
	else
		sb_add(&sb, "a Service VIP (%s, no name there)", ct_svc_source_names[v->source]);
	if (v->no_endpoints) {
		if (v->source == CT_SVC_IPVS)
			sb_add(&sb, ", which has no endpoints: IPVS has no real server for it");
		else
			sb_add(&sb, ", which has no endpoints: kube-proxy rejects it");
		return sb.len;
	}
	sb_add(&sb, ", %zu %s: ", v->nbe_total, ct_plural(v->nbe_total, "backend", "backends"));
	size_t shown = v->nbe < 8 ? v->nbe : 8;
	for (size_t i = 0; i < shown; i++) {
		fmt_hostport(hp, sizeof(hp), &v->be[i].ip, v->be[i].port);
		sb_add(&sb, "%s%s", i ? ", " : "", hp);
	}
	if (v->nbe_total > shown)
		sb_add(&sb, " and %zu more", v->nbe_total - shown);
	if (v->source == CT_SVC_IPVS && v->vip_checked && !v->vip_local)
		sb_add(&sb, " (the VIP is not on kube-ipvs0)");
	return sb.len;
}

const char *ct_svcs_unreadable(const struct ct_svcs *s)
{
	if (s->ebpf)
		return "Calico's eBPF dataplane (bpfin.cali) handles Services in BPF maps: "
		       "caltrace cannot read them";
	return NULL;
}
