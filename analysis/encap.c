/* SPDX-License-Identifier: MIT */
/* encap_blocked and encap_peer_not_allowed: the contracts are in encap.h. */
#include "analysis/encap.h"

#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/bgp.h"

#define ENCAP_MAX_DEPTH 16

struct ct_encap_use ct_encap_use(const struct ct_netns *ns)
{
	struct ct_encap_use u = {0};
	const struct ct_link *vx = ct_link_by_name(ns, CT_VTEP_NAME);
	if (vx && strcmp(vx->kind, "vxlan") == 0) {
		u.vxlan = true;
		u.vxlan_port = vx->u.vxlan.port;
	}
	vx = ct_link_by_name(ns, "vxlan-v6.calico");
	if (vx && strcmp(vx->kind, "vxlan") == 0) {
		u.vxlan6 = true;
		u.vxlan6_port = vx->u.vxlan.port;
	}
	const struct ct_link *t = ct_link_by_name(ns, "tunl0");
	if (t) {
		for (size_t i = 0; i < ns->routes.n && !u.ipip; i++) {
			const struct ct_route *r = &ns->routes.v[i];
			if (r->oif == t->ifindex)
				u.ipip = true;
			for (uint16_t k = 0; k < r->nh_count; k++)
				if (r->nh[k].oif == t->ifindex)
					u.ipip = true;
		}
		for (size_t i = 0; i < ns->addrs.n && !u.ipip && (t->flags & IFF_UP); i++)
			if (ns->addrs.v[i].ifindex == t->ifindex &&
			    ns->addrs.v[i].pfx.ip.family == AF_INET)
				u.ipip = true;
	}
	return u;
}

/* ---------------------------------------------------------------- encap_blocked */

static bool is_drop(const char *t)
{
	return strcmp(t, "DROP") == 0 || strcmp(t, "REJECT") == 0;
}

static bool felix_chain(const struct ct_ipt_chain *c)
{
	size_t l = strlen(c->table);
	if (l >= 7 && strcmp(c->table + l - 7, " calico") == 0)
		return true; /* Felix's nftables mode: the whole table is its */
	return strncmp(c->name, "cali-", 5) == 0;
}

static bool port_in(const struct ct_ipt_rule *r, uint16_t port)
{
	for (uint8_t i = 0; i < r->ndport; i++)
		if (port >= r->dport[i].lo && port <= r->dport[i].hi)
			return true;
	return false;
}

/* Does an interface match let underlay packets through? It does when some link that is
 * neither a tunnel nor loopback matches it (as negated). */
static bool if_ok(const struct ct_netns *ns, const struct ct_prefixes *pfx, const char *pat,
		  bool neg)
{
	if (!pat[0])
		return true;
	for (size_t i = 0; i < ns->links.n; i++) {
		const struct ct_link *l = &ns->links.v[i];
		if ((l->flags & IFF_LOOPBACK) || ct_link_is_tunnel(l) ||
		    (pfx && ct_is_workload(pfx, l->name)))
			continue;
		if (ct_ipt_if_match(pat, l->name) != neg)
			return true;
	}
	return false;
}

/* Which encapsulation a rule's matches select: 'i' IPIP, 'v' VXLAN, 'V' VXLAN over IPv6, 0
 * neither (or unknown). v4, v6: the IP families the rule sees. */
static char rule_encap(const struct ct_ipt_rule *r, const struct ct_encap_use *u,
		       const struct ct_netns *ns, const struct ct_prefixes *pfx, bool v4, bool v6)
{
	if (r->unparsed || r->set[0] || !r->has_proto || r->proto_neg)
		return 0;
	if (!if_ok(ns, pfx, r->in_if, r->in_neg) || !if_ok(ns, pfx, r->out_if, r->out_neg))
		return 0;
	if (r->proto == 4 && v4 && u->ipip && !r->ndport)
		return 'i';
	if (r->proto == 17 && v4 && u->vxlan &&
	    (!r->ndport || port_in(r, u->vxlan_port) != r->dport_neg))
		return 'v';
	if (r->proto == 17 && v6 && u->vxlan6 &&
	    (!r->ndport || port_in(r, u->vxlan6_port) != r->dport_neg))
		return 'V';
	return 0;
}

struct blk {
	const struct ct_policy *p;
	int b;
	const struct ct_ipt_ruleset *rs;
	const struct ct_netns *ns;
	const struct ct_encap_use *u;
	const struct ct_prefixes *pfx;
	struct ct_findings *f;
	uint32_t *byname; /* chain indexes sorted by (table, name) */
	uint8_t *seen;	  /* per chain, during one base chain's walk */
	const char *base; /* the base chain being walked */
	const char *hook; /* its hook */
	bool v4, v6;	  /* the IP families its rules see */
};

static int cmp_tn(const struct ct_ipt_chain *c, const char *table, const char *name)
{
	int x = strcmp(c->table, table);
	return x ? x : strcmp(c->name, name);
}

static int cmp_byname(const void *a, const void *b, void *arg)
{
	const struct ct_ipt_ruleset *rs = arg;
	const struct ct_ipt_chain *y = &rs->chains[*(const uint32_t *)b];
	return cmp_tn(&rs->chains[*(const uint32_t *)a], y->table, y->name);
}

static int find(const struct blk *k, const char *table, const char *name)
{
	size_t lo = 0, hi = k->rs->nchains;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_tn(&k->rs->chains[k->byname[mid]], table, name);
		if (c == 0)
			return (int)k->byname[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static const char *proto_name(uint8_t p)
{
	return p == 4 ? "4 (ipencap)" : p == 17 ? "udp" : "?";
}

static void report_blocked(const struct blk *k, const struct ct_ipt_chain *ch, uint32_t pos,
			   const struct ct_ipt_rule *r, char enc)
{
	bool nft = k->b == CT_POL_NFTABLES;
	char what[96], where[160], rule[200], ports[64] = "", cnt[64];
	if (enc == 'i')
		snprintf(what, sizeof(what), "IPIP (IP protocol 4)");
	else if (enc == 'v')
		snprintf(what, sizeof(what), "VXLAN (UDP port %u, vxlan.calico's)",
			 k->u->vxlan_port);
	else
		snprintf(what, sizeof(what), "VXLAN over IPv6 (UDP port %u, vxlan-v6.calico's)",
			 k->u->vxlan6_port);
	for (uint8_t i = 0; i < r->ndport; i++) {
		size_t o = strlen(ports);
		if (r->dport[i].lo == r->dport[i].hi)
			snprintf(ports + o, sizeof(ports) - o, "%s%u", i ? "," : "",
				 r->dport[i].lo);
		else
			snprintf(ports + o, sizeof(ports) - o, "%s%u-%u", i ? "," : "",
				 r->dport[i].lo, r->dport[i].hi);
	}
	if (nft)
		snprintf(where, sizeof(where), "table %s chain %s handle %llu", ch->table, ch->name,
			 (unsigned long long)r->handle);
	else
		snprintf(where, sizeof(where), "table %s chain %s rule %u", ch->table, ch->name,
			 pos + 1);
	size_t o = 0;
	rule[0] = 0;
	if (r->in_if[0])
		o += (size_t)snprintf(rule + o, sizeof(rule) - o, "in %s%s, ",
				      r->in_neg ? "not " : "", r->in_if);
	if (r->out_if[0] && o < sizeof(rule))
		o += (size_t)snprintf(rule + o, sizeof(rule) - o, "out %s%s, ",
				      r->out_neg ? "not " : "", r->out_if);
	if (o < sizeof(rule))
		snprintf(rule + o, sizeof(rule) - o, "protocol %s%s%s%s -> %s",
			 proto_name(r->proto),
			 ports[0] ? (r->dport_neg ? " dport not " : " dport ") : "", ports,
			 r->dst_local ? " to a local address" : "", r->target);
	if (r->counted)
		snprintf(cnt, sizeof(cnt), "%llu packets, %llu bytes", (unsigned long long)r->pkts,
			 (unsigned long long)r->bytes);
	else
		snprintf(cnt, sizeof(cnt), "no counter on the rule");
	char ev[320], from[CT_POL_NAME + 24] = "";
	if (strcmp(ch->name, k->base) != 0)
		snprintf(from, sizeof(from), " (reached from %s)", k->base);
	snprintf(ev, sizeof(ev), "%s: %s%s: %s; counter: %s%s%s", ct_pol_backend_names[k->b], where,
		 from, rule, cnt, r->comment[0] ? "; comment: " : "", r->comment);
	char subject[128];
	snprintf(subject, sizeof(subject), "%s %s", ch->table, ch->name);
	struct ct_finding *x = ct_finding_add(
	    k->f, "encap_blocked", k->ns->name, subject, ev,
	    "remove the rule, or allow this tunnel from the other nodes' underlay addresses "
	    "before it (Felix already drops tunnel packets from hosts that are not nodes)",
	    "%s packets %s are dropped by a rule that is not Felix's (%s): pods on different "
	    "nodes cannot reach each other",
	    what, strcmp(k->hook, "output") == 0 ? "sent" : "received", where);
	if (!x)
		return;
	if (nft) {
		char fam[CT_POL_TABLE], tab[CT_POL_TABLE], h[24];
		if (sscanf(ch->table, "%31s %31s", fam, tab) == 2 && r->handle) {
			snprintf(h, sizeof(h), "%llu", (unsigned long long)r->handle);
			ct_finding_run(x, k->ns, "nft", "delete", "rule", fam, tab, ch->name,
				       "handle", h, NULL);
		}
	} else {
		char n[16];
		snprintf(n, sizeof(n), "%u", pos + 1);
		static const char *const bin[CT_POL_NBACKENDS] = {
		    "iptables-legacy", "iptables-nft", "nft", "ip6tables-legacy", "ip6tables-nft"};
		ct_finding_run(x, k->ns, bin[k->b], "-t", ch->table, "-D", ch->name, n, NULL);
	}
}

/* The IP families a backend's chain sees: iptables IPv4, ip6tables IPv6, an nftables table
 * by its family ("inet" both; arp, bridge and netdev neither). */
static void family_of(int b, const struct ct_ipt_chain *ch, bool *v4, bool *v6)
{
	*v4 = b == CT_POL_IPT_LEGACY || b == CT_POL_IPT_NFT;
	*v6 = b == CT_POL_IP6T_LEGACY || b == CT_POL_IP6T_NFT;
	if (b == CT_POL_NFTABLES) {
		*v4 = strncmp(ch->table, "ip ", 3) == 0 || strncmp(ch->table, "inet ", 5) == 0;
		*v6 = strncmp(ch->table, "ip6 ", 4) == 0 || strncmp(ch->table, "inet ", 5) == 0;
	}
}

static void walk(struct blk *k, int c, int depth)
{
	if (depth > ENCAP_MAX_DEPTH || k->seen[c])
		return;
	k->seen[c] = 1;
	const struct ct_ipt_chain *ch = &k->rs->chains[c];
	for (uint32_t i = 0; i < ch->n; i++) {
		const struct ct_ipt_rule *r = &k->rs->rules[ch->first + i];
		if (is_drop(r->target)) {
			char e = rule_encap(r, k->u, k->ns, k->pfx, k->v4, k->v6);
			if (e)
				report_blocked(k, ch, i, r, e);
			continue;
		}
		if (!r->target[0] || strncmp(r->target, "cali-", 5) == 0)
			continue;
		int t = find(k, ch->table, r->target);
		if (t >= 0 && !felix_chain(&k->rs->chains[t]))
			walk(k, t, depth + 1);
	}
}

static void blocked(const struct ct_policy *p, int b, const struct ct_netns *ns,
		    const struct ct_encap_use *u, const struct ct_prefixes *pfx,
		    struct ct_findings *f)
{
	const struct ct_ipt_ruleset *rs = &p->rs[b];
	if (!rs->nchains)
		return;
	struct blk k = {.p = p, .b = b, .rs = rs, .ns = ns, .u = u, .pfx = pfx, .f = f};
	k.byname = malloc(rs->nchains * sizeof(*k.byname));
	k.seen = calloc(rs->nchains, 1);
	if (!k.byname || !k.seen)
		goto out;
	for (size_t i = 0; i < rs->nchains; i++)
		k.byname[i] = (uint32_t)i;
	qsort_r(k.byname, rs->nchains, sizeof(*k.byname), cmp_byname, (void *)rs);
	for (size_t i = 0; i < rs->nchains; i++) {
		const struct ct_ipt_chain *ch = &rs->chains[i];
		if (felix_chain(ch) ||
		    (strcmp(ch->hook, "prerouting") != 0 && strcmp(ch->hook, "input") != 0 &&
		     strcmp(ch->hook, "output") != 0))
			continue;
		memset(k.seen, 0, rs->nchains);
		k.base = ch->name;
		k.hook = ch->hook;
		family_of(b, ch, &k.v4, &k.v6);
		walk(&k, (int)i, 0);
	}
out:
	free(k.byname);
	free(k.seen);
}

/* ---------------------------------------------------------------- encap_peer_not_allowed */

struct peers {
	struct ct_ip v[256];
	size_t n;
};

static void peer_add(struct peers *ps, const struct ct_ip *ip, int family)
{
	if (ip->family != family || ct_ip_is_any(ip))
		return;
	for (size_t i = 0; i < ps->n; i++)
		if (ct_ip_eq(&ps->v[i], ip))
			return;
	if (ps->n < sizeof(ps->v) / sizeof(ps->v[0]))
		ps->v[ps->n++] = *ip;
}

static void peers_of(const struct ct_netns *ns, const struct ct_bgp *bgp, char enc,
		     struct peers *ps)
{
	ps->n = 0;
	const struct ct_link *l = ct_link_by_name(ns, enc == 'i'   ? "tunl0"
						      : enc == 'v' ? CT_VTEP_NAME
								   : "vxlan-v6.calico");
	if (!l)
		return;
	if (enc != 'i') {
		for (size_t i = 0; i < ns->fdb.n; i++)
			if (ns->fdb.v[i].ifindex == l->ifindex)
				peer_add(ps, &ns->fdb.v[i].dst, enc == 'v' ? AF_INET : AF_INET6);
		return;
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (r->oif == l->ifindex)
			peer_add(ps, &r->gw, AF_INET);
		for (uint16_t k = 0; k < r->nh_count; k++)
			if (r->nh[k].oif == l->ifindex)
				peer_add(ps, &r->nh[k].gw, AF_INET);
	}
	for (size_t i = 0; bgp && i < bgp->n_peers; i++)
		if (strcmp(bgp->peers[i].proto, "BGP") == 0)
			peer_add(ps, &bgp->peers[i].neighbor, AF_INET);
}

/* Felix's drop rule for enc and the set its allow rule names, in one ruleset. */
struct felix_rules {
	const struct ct_ipt_chain *chain;
	const struct ct_ipt_rule *drop;
	uint32_t pos;
	char set[CT_POL_NAME];
};

static bool find_felix(const struct ct_ipt_ruleset *rs, char enc, struct felix_rules *out)
{
	const char *drop_c = enc == 'i'	  ? "Drop IPIP packets from non-Calico hosts"
			     : enc == 'v' ? "Drop IPv4 VXLAN packets from non-"
					  : "Drop IPv6 VXLAN packets from non-";
	uint8_t proto = enc == 'i' ? 4 : 17;
	memset(out, 0, sizeof(*out));
	for (size_t c = 0; c < rs->nchains; c++) {
		const struct ct_ipt_chain *ch = &rs->chains[c];
		for (uint32_t i = 0; i < ch->n; i++) {
			const struct ct_ipt_rule *r = &rs->rules[ch->first + i];
			if (!is_drop(r->target) || !strstr(r->comment, drop_c))
				continue;
			out->chain = ch;
			out->drop = r;
			out->pos = i;
			/* older Felix: "! --match-set SET src" on the drop rule itself */
			if (r->set[0] && r->set_neg)
				snprintf(out->set, sizeof(out->set), "%s", r->set);
			/* newer: the allow rule before it names the set */
			for (uint32_t j = i; j-- > 0 && !out->set[0];) {
				const struct ct_ipt_rule *a = &rs->rules[ch->first + j];
				if (a->set[0] && !a->set_neg && a->has_proto && a->proto == proto)
					snprintf(out->set, sizeof(out->set), "%s", a->set);
			}
			if (!out->set[0])
				snprintf(out->set, sizeof(out->set), "%s",
					 enc == 'i'   ? "cali40all-hosts-net"
					 : enc == 'v' ? "cali40all-vxlan-net"
						      : "cali60all-vxlan-net");
			return true;
		}
	}
	return false;
}

static void members_text(const struct ct_pol_set *s, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	if (!s->n) {
		snprintf(buf, len, "no members");
		return;
	}
	for (size_t i = 0; i < s->n && o < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%s", i ? " " : "", s->m[i].text);
		if (w < 0 || (size_t)w >= len - o) {
			/* cut at a member: say how many are left out */
			char *sp = strrchr(buf, ' ');
			if (sp)
				snprintf(sp, len - (size_t)(sp - buf), " (+%zu more)", s->n - i);
			return;
		}
		o += (size_t)w;
	}
}

static void not_allowed(const struct ct_policy *p, int b, const struct ct_netns *ns,
			const struct ct_bgp *bgp, char enc, struct ct_findings *f)
{
	struct felix_rules fr;
	if (!find_felix(&p->rs[b], enc, &fr))
		return;
	const struct ct_pol_set *set;
	const char *kind;
	if (b == CT_POL_NFTABLES) {
		set = ct_pol_set_find(&p->rs[b].sets, fr.chain->table, fr.set);
		kind = "nftables set";
	} else {
		if (!p->ipset_read)
			return; /* the set could not be read: nothing to compare */
		set = ct_pol_set_find(&p->ipsets, NULL, fr.set);
		kind = "ipset";
	}
	struct peers *ps = malloc(sizeof(*ps));
	if (!ps)
		return;
	peers_of(ns, bgp, enc, ps);
	for (size_t i = 0; i < ps->n; i++) {
		if (set && ct_pol_set_has(set, ps->v[i].family, ps->v[i].a))
			continue;
		char ip[64], mem[160], ev[320], cnt[64];
		ct_ip_fmt(&ps->v[i], ip, sizeof(ip));
		if (set)
			members_text(set, mem, sizeof(mem));
		else
			snprintf(mem, sizeof(mem), "does not exist");
		if (fr.drop->counted)
			snprintf(cnt, sizeof(cnt), "%llu packets dropped so far",
				 (unsigned long long)fr.drop->pkts);
		else
			snprintf(cnt, sizeof(cnt), "no counter");
		snprintf(ev, sizeof(ev), "%s %s: %s; %s: table %s chain %s %s %llu \"%s\": %s",
			 kind, fr.set, mem, ct_pol_backend_names[b], fr.chain->table,
			 fr.chain->name, b == CT_POL_NFTABLES ? "handle" : "rule",
			 b == CT_POL_NFTABLES ? (unsigned long long)fr.drop->handle
					      : (unsigned long long)fr.pos + 1,
			 fr.drop->comment, cnt);
		struct ct_finding *x = ct_finding_add(
		    f, "encap_peer_not_allowed", ns->name, ip, ev,
		    "Felix fills the set from the cluster's Node resources: check that the node "
		    "with this address is registered with it (calicoctl get nodes -o wide) and "
		    "read "
		    "calico-node's log; the line below adds it by hand until Felix rewrites the "
		    "set",
		    "%s packets from %s, a %s, are dropped: it is missing from Felix's allow set "
		    "%s",
		    enc == 'i'	 ? "IPIP"
		    : enc == 'v' ? "VXLAN"
				 : "VXLAN over IPv6",
		    ip,
		    enc == 'i' ? "tunnel gateway or BGP peer" : "remote VTEP's underlay address",
		    fr.set);
		if (!x)
			continue;
		if (b == CT_POL_NFTABLES) {
			char fam[CT_POL_TABLE], tab[CT_POL_TABLE], el[80];
			if (sscanf(fr.chain->table, "%31s %31s", fam, tab) == 2) {
				snprintf(el, sizeof(el), "{ %s }", ip);
				ct_finding_run(x, ns, "nft", "add", "element", fam, tab, fr.set, el,
					       NULL);
			}
		} else {
			ct_finding_run(x, ns, "ipset", "add", fr.set, ip, "-exist", NULL);
		}
	}
	free(ps);
}

bool ct_encap_needs_ipsets(const struct ct_policy *p, const struct ct_netns *ns)
{
	struct ct_encap_use u = ct_encap_use(ns);
	struct felix_rules fr;
	for (int b = 0; b < CT_POL_NBACKENDS; b++) {
		if (!p->read[b] || b == CT_POL_NFTABLES)
			continue;
		bool v6 = b == CT_POL_IP6T_LEGACY || b == CT_POL_IP6T_NFT;
		if ((!v6 && u.ipip && find_felix(&p->rs[b], 'i', &fr)) ||
		    (!v6 && u.vxlan && find_felix(&p->rs[b], 'v', &fr)) ||
		    (v6 && u.vxlan6 && find_felix(&p->rs[b], 'V', &fr)))
			return true;
	}
	return false;
}

void ct_encap_analyze(const struct ct_policy *p, const struct ct_netns *ns,
		      const struct ct_bgp *bgp, const struct ct_prefixes *prefixes,
		      struct ct_findings *f)
{
	if (!p || !ns || p->no_cap || p->bpf)
		return;
	struct ct_encap_use u = ct_encap_use(ns);
	if (!u.ipip && !u.vxlan && !u.vxlan6)
		return;
	for (int b = 0; b < CT_POL_NBACKENDS; b++) {
		if (!p->read[b])
			continue;
		bool v6 = b == CT_POL_IP6T_LEGACY || b == CT_POL_IP6T_NFT;
		bool v4 = !v6 && b != CT_POL_NFTABLES;
		blocked(p, b, ns, &u, prefixes, f);
		if (u.ipip && !v6)
			not_allowed(p, b, ns, bgp, 'i', f);
		if (u.vxlan && !v6)
			not_allowed(p, b, ns, bgp, 'v', f);
		if (u.vxlan6 && !v4)
			not_allowed(p, b, ns, bgp, 'V', f);
	}
}
