/* SPDX-License-Identifier: MIT */
/*
 * Snapshot v1: struct ct_node <-> JSON (see snapshot.h for the format).
 *
 * The writer streams: each link, route, neighbour... is a small json_t dumped
 * on its own line, and the punctuation around them is written here, so 100k
 * routes never become one tree. The loader reads the whole document with
 * jansson, then checks every value's type, range and length before it goes
 * into a fixed buffer; the first bad value stops the load with one line that
 * names the file and the JSON path.
 */
#include "model/snapshot.h"
#include "model/esc.h"
#include "model/names.h"
#include "model/bgp.h"
#include "model/bgp_json.h"
#include "model/policy.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---------------------------------------------------------------------- */
/* shared helpers                                                          */

/* An excerpt of s for a message: raw, at most max bytes; escaped where shown. */
static const char *quote(const char *s, size_t max, char *buf, size_t size)
{
	return ct_esc_clip(buf, size < max + 1 ? size : max + 1, s, strlen(s));
}

static bool kind_is(const char *kind, const char *s)
{
	size_t l = strlen(s);
	return strnlen(kind, CT_KIND_LEN) == l && memcmp(kind, s, l) == 0;
}

/* Unix seconds <-> civil UTC date (proleptic Gregorian, H. Hinnant's algorithms). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* RFC 3339 covers years 0000-9999. */
#define TIME_MIN (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define TIME_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */

/* ---------------------------------------------------------------------- */
/* writer                                                                  */

struct wr {
	FILE *f;
	bool bad; /* a value could not be built (out of memory) or dumped */
};

static void put(struct wr *w, json_t *o, const char *key, json_t *v)
{
	/* json_object_set_new releases v and fails when o or v is NULL */
	if (json_object_set_new(o, key, v))
		w->bad = true;
}

/* A string field of at most size - 1 bytes, by the JSON rule of model/esc.h:
 * valid UTF-8 as itself, a backslash doubled, other bytes as \xNN. */
static json_t *j_str(const char *s, size_t size)
{
	size_t len = strnlen(s, size - 1);
	size_t vl = ct_esc_json_len(s, len);
	if (vl == len) /* no backslash, all valid UTF-8: the value is the bytes */
		return json_stringn_nocheck(s, len);
	char *v = malloc(vl + 1);
	if (!v)
		return NULL;
	ct_esc_json_put(v, s, len);
	json_t *j = json_stringn_nocheck(v, vl);
	free(v);
	return j;
}

/* -1 is "unknown" throughout the model */
static json_t *j_opt(int v)
{
	return v == -1 ? json_null() : json_integer(v);
}

/* jansson integers are int64: larger counters go out as decimal strings */
static json_t *j_u64(uint64_t v)
{
	char b[24];
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(b, sizeof(b), "%" PRIu64, v);
	return json_string(b);
}

static json_t *j_ip(const struct ct_ip *ip)
{
	char b[64];
	if (!ct_ip_is_set(ip))
		return json_null();
	return json_string(ct_ip_fmt(ip, b, sizeof(b)));
}

/* "a/n" always ("0.0.0.0/0", never "default"), null when unset */
static json_t *j_prefix(const struct ct_prefix *p)
{
	char a[64], b[80];
	if (!ct_ip_is_set(&p->ip))
		return json_null();
	snprintf(b, sizeof(b), "%s/%u", ct_ip_fmt(&p->ip, a, sizeof(a)), p->len);
	return json_string(b);
}

static json_t *j_mac(const uint8_t *mac, size_t len)
{
	char b[32];
	if (len == 0)
		return json_null();
	return json_string(ct_mac_fmt(mac, len > 6 ? 6 : len, b, sizeof(b)));
}

static json_t *j_name(const struct ct_name *tbl, int v)
{
	char b[16];
	return json_string(ct_name_of(tbl, v, b, sizeof(b)));
}

static json_t *j_time(int64_t t)
{
	char b[32];
	int64_t y;
	unsigned mo, d;
	if (t < TIME_MIN || t > TIME_MAX)
		return json_null();
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t sec = t - days * 86400;
	civil_from_days(days, &y, &mo, &d);
	snprintf(b, sizeof(b), "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, mo, d, (int)(sec / 3600),
		 (int)(sec / 60 % 60), (int)(sec % 60));
	return json_string(b);
}

/* Dumps item (compact, any JSON value) and releases it. */
static void dump(struct wr *w, json_t *item)
{
	if (!item || json_dumpf(item, w->f, JSON_COMPACT | JSON_ENCODE_ANY))
		w->bad = true;
	json_decref(item);
}

/* One array element a line: "\n" before the first, ",\n" before the others. */
static void emit(struct wr *w, json_t *item, size_t i)
{
	fputs(i ? ",\n" : "\n", w->f);
	dump(w, item);
}

static json_t *node_json(struct wr *w, const struct ct_node *n)
{
	json_t *o = json_object(), *a = json_array(), *vtep = json_null();
	int nu = n->n_underlay < 0 ? 0 : n->n_underlay > 8 ? 8 : n->n_underlay;

	put(w, o, "name", j_str(n->name, sizeof(n->name)));
	for (int i = 0; i < nu; i++)
		if (json_array_append_new(a, j_ip(&n->underlay_ips[i])))
			w->bad = true;
	put(w, o, "underlay_ips", a);
	if (n->has_vtep) {
		json_decref(vtep);
		vtep = json_object();
		put(w, vtep, "ip", j_ip(&n->vtep_ip));
		put(w, vtep, "mac", j_mac(n->vtep_mac, 6));
	}
	put(w, o, "vtep", vtep);
	put(w, o, "taken_at", j_time(n->taken_at));
	put(w, o, "kernel", j_str(n->kernel, sizeof(n->kernel)));
	put(w, o, "source", j_str(n->source, sizeof(n->source)));
	put(w, o, "dump_intr", json_integer(n->dump_intr));
	return o;
}

static json_t *stats_json(struct wr *w, const struct ct_stats *s)
{
	json_t *o = json_object();
	put(w, o, "rx_packets", j_u64(s->rx_packets));
	put(w, o, "tx_packets", j_u64(s->tx_packets));
	put(w, o, "rx_bytes", j_u64(s->rx_bytes));
	put(w, o, "tx_bytes", j_u64(s->tx_bytes));
	put(w, o, "rx_errors", j_u64(s->rx_errors));
	put(w, o, "tx_errors", j_u64(s->tx_errors));
	put(w, o, "rx_dropped", j_u64(s->rx_dropped));
	put(w, o, "tx_dropped", j_u64(s->tx_dropped));
	return o;
}

static json_t *link_json(struct wr *w, const struct ct_link *l, size_t n_ns)
{
	json_t *o = json_object();
	unsigned oper = (unsigned)l->oper < CT_OPER__COUNT ? (unsigned)l->oper : CT_OPER_UNKNOWN;
	bool peer_ok = l->peer_ns >= 0 && (size_t)l->peer_ns < n_ns;

	put(w, o, "ifindex", json_integer(l->ifindex));
	put(w, o, "name", j_str(l->name, sizeof(l->name)));
	put(w, o, "kind", j_str(l->kind, sizeof(l->kind)));
	put(w, o, "flags", json_integer(l->flags));
	put(w, o, "state", j_name(ct_oper_states, (int)oper));
	put(w, o, "mtu", json_integer(l->mtu));
	put(w, o, "mac", j_mac(l->mac, l->mac_len));
	put(w, o, "master", json_integer(l->master));
	put(w, o, "link", json_integer(l->link));
	put(w, o, "link_netnsid", j_opt(l->link_netnsid));
	put(w, o, "peer_ns", peer_ok ? json_integer(l->peer_ns) : json_null());
	put(w, o, "stats", stats_json(w, &l->stats));
	if (kind_is(l->kind, "vxlan")) {
		const struct ct_vxlan_info *x = &l->u.vxlan;
		json_t *v = json_object();
		put(w, v, "vni", json_integer(x->vni));
		put(w, v, "port", json_integer(x->port));
		put(w, v, "local", j_ip(&x->local));
		put(w, v, "group", j_ip(&x->group));
		put(w, v, "parent_ifindex", json_integer(x->parent_ifindex));
		put(w, v, "learning", json_boolean(x->learning));
		put(w, v, "ttl", json_integer(x->ttl));
		put(w, o, "vxlan", v);
	} else if (kind_is(l->kind, "ipip") || kind_is(l->kind, "sit")) {
		const struct ct_iptun_info *t = &l->u.iptun;
		json_t *v = json_object();
		put(w, v, "local", j_ip(&t->local));
		put(w, v, "remote", j_ip(&t->remote));
		put(w, v, "ttl", json_integer(t->ttl));
		put(w, v, "pmtudisc", json_boolean(t->pmtudisc));
		put(w, v, "parent_ifindex", json_integer(t->parent_ifindex));
		put(w, o, "iptun", v);
	}
	put(w, o, "forwarding", j_opt(l->forwarding));
	put(w, o, "rp_filter", j_opt(l->rp_filter));
	put(w, o, "proxy_arp", j_opt(l->proxy_arp));
	put(w, o, "proxy_delay", j_opt(l->proxy_delay));
	put(w, o, "route_localnet", j_opt(l->route_localnet));
	put(w, o, "forwarding6", j_opt(l->forwarding6));
	put(w, o, "eff_rp_filter", j_opt(l->eff_rp_filter));
	put(w, o, "eff_proxy_arp", j_opt(l->eff_proxy_arp));
	return o;
}

static json_t *addr_json(struct wr *w, const struct ct_addr *a)
{
	json_t *o = json_object();
	put(w, o, "ifindex", json_integer(a->ifindex));
	put(w, o, "address", j_prefix(&a->pfx));
	put(w, o, "scope", j_name(ct_rt_scopes, a->scope));
	put(w, o, "flags", json_integer(a->flags));
	return o;
}

static json_t *nexthop_json(struct wr *w, const struct ct_nexthop *nh)
{
	json_t *o = json_object();
	put(w, o, "gateway", j_ip(&nh->gw));
	put(w, o, "oif", json_integer(nh->oif));
	put(w, o, "weight", json_integer(nh->weight));
	put(w, o, "flags", json_integer(nh->flags));
	return o;
}

static json_t *route_json(struct wr *w, const struct ct_netns *ns, const struct ct_route *r)
{
	json_t *o = json_object();
	/* the same test as ct_route_nexthops() */
	bool multi = r->nh_count > 1 && r->nh;

	put(w, o, "dst", j_prefix(&r->dst));
	put(w, o, "family", j_name(ct_families, r->dst.ip.family));
	put(w, o, "table", json_integer(r->table));
	put(w, o, "priority", json_integer(r->priority));
	put(w, o, "flags", json_integer(r->flags));
	put(w, o, "protocol", j_name(ct_rt_protocols, r->protocol));
	put(w, o, "scope", j_name(ct_rt_scopes, r->scope));
	put(w, o, "type", j_name(ct_rt_types, r->type));
	put(w, o, "tos", json_integer(r->tos));
	put(w, o, "gateway", j_ip(&r->gw));
	put(w, o, "oif", json_integer(r->oif));
	put(w, o, "prefsrc", j_ip(&r->src));
	if (multi) {
		json_t *a = json_array();
		for (size_t i = 0; i < r->nh_count; i++)
			if (json_array_append_new(a, nexthop_json(w, &r->nh[i])))
				w->bad = true;
		put(w, o, "nexthops", a);
	}
	return o;
}

static json_t *rule_json(struct wr *w, const struct ct_rule *r)
{
	json_t *o = json_object();
	put(w, o, "family", j_name(ct_families, r->family));
	put(w, o, "action", j_name(ct_rule_actions, r->action));
	put(w, o, "priority", json_integer(r->priority));
	put(w, o, "table", json_integer(r->table));
	put(w, o, "fwmark", json_integer(r->fwmark));
	put(w, o, "fwmask", json_integer(r->fwmask));
	put(w, o, "has_fwmark", json_boolean(r->has_fwmark));
	put(w, o, "src", j_prefix(&r->src));
	put(w, o, "dst", j_prefix(&r->dst));
	put(w, o, "iifname", j_str(r->iifname, sizeof(r->iifname)));
	put(w, o, "oifname", j_str(r->oifname, sizeof(r->oifname)));
	put(w, o, "flags", json_integer(r->flags));
	return o;
}

static json_t *neigh_json(struct wr *w, const struct ct_neigh *nb)
{
	json_t *o = json_object();
	put(w, o, "ifindex", json_integer(nb->ifindex));
	put(w, o, "dst", j_ip(&nb->dst));
	put(w, o, "lladdr", j_mac(nb->lladdr, nb->lladdr_len));
	put(w, o, "state", json_integer(nb->state));
	put(w, o, "flags", json_integer(nb->flags));
	return o;
}

static json_t *fdb_json(struct wr *w, const struct ct_fdb *e)
{
	json_t *o = json_object();
	put(w, o, "ifindex", json_integer(e->ifindex));
	put(w, o, "mac", j_mac(e->mac, 6));
	put(w, o, "dst", j_ip(&e->dst));
	put(w, o, "vni", json_integer(e->vni));
	put(w, o, "state", json_integer(e->state));
	put(w, o, "flags", json_integer(e->flags));
	put(w, o, "master", json_integer(e->master));
	return o;
}

static json_t *neightbl_json(struct wr *w, const struct ct_neightbl *t)
{
	json_t *o = json_object();
	put(w, o, "name", j_str(t->name, sizeof(t->name)));
	put(w, o, "family", j_name(ct_families, t->family));
	put(w, o, "gc_thresh1", json_integer(t->gc_thresh1));
	put(w, o, "gc_thresh2", json_integer(t->gc_thresh2));
	put(w, o, "gc_thresh3", json_integer(t->gc_thresh3));
	put(w, o, "entries", json_integer(t->entries));
	return o;
}

static json_t *gwcheck_json(struct wr *w, const struct ct_gwcheck *g)
{
	json_t *o = json_object();
	put(w, o, "iif", json_integer(g->iif));
	if (g->src.family || g->unasked)
		put(w, o, "src", g->src.family ? j_ip(&g->src) : json_null());
	put(w, o, "err", json_integer(g->err));
	put(w, o, "oif", json_integer(g->oif));
	put(w, o, "type", j_name(ct_rt_types, g->type));
	return o;
}

static json_t *wlroute_json(struct wr *w, const struct ct_wlroute *x)
{
	json_t *o = json_object();
	put(w, o, "dst", j_ip(&x->dst));
	put(w, o, "wl", json_integer(x->wl));
	put(w, o, "iif", json_integer(x->iif));
	put(w, o, "src", j_ip(&x->src));
	put(w, o, "err", json_integer(x->err));
	put(w, o, "oif", json_integer(x->oif));
	put(w, o, "type", j_name(ct_rt_types, x->type));
	return o;
}

static json_t *pod_json(struct wr *w, const struct ct_pod *p)
{
	json_t *o = json_object(), *a = json_array();
	int n_ips = p->n_ips < 0 ? 0 : p->n_ips > 4 ? 4 : p->n_ips;

	put(w, o, "namespace", j_str(p->ns, sizeof(p->ns)));
	put(w, o, "name", j_str(p->name, sizeof(p->name)));
	put(w, o, "node", j_str(p->node, sizeof(p->node)));
	put(w, o, "phase", j_str(p->phase, sizeof(p->phase)));
	put(w, o, "host_network", json_boolean(p->host_network));
	for (int i = 0; i < n_ips; i++)
		if (json_array_append_new(a, j_ip(&p->ips[i])))
			w->bad = true;
	put(w, o, "ips", a);
	put(w, o, "veth", j_str(p->veth, sizeof(p->veth)));
	return o;
}

static void write_netns(struct wr *w, const struct ct_node *n, const struct ct_netns *ns)
{
	json_t *h = json_object(), *c = json_object();

	put(w, h, "name", j_str(ns->name, sizeof(ns->name)));
	put(w, h, "path", j_str(ns->path, sizeof(ns->path)));
	put(w, h, "is_host", json_boolean(ns->is_host));
	put(w, h, "nsid", j_opt(ns->nsid));
	put(w, h, "inode", j_u64(ns->inode));
	put(w, c, "forwarding", j_opt(ns->conf.forwarding));
	put(w, c, "rp_filter", j_opt(ns->conf.rp_filter));
	put(w, c, "proxy_arp", j_opt(ns->conf.proxy_arp));
	put(w, c, "default_rp_filter", j_opt(ns->conf.def_rp_filter));
	put(w, c, "ip_forward", j_opt(ns->conf.ip_forward));
	put(w, c, "forwarding6", j_opt(ns->conf.forwarding6));
	/* added within 1.0: written only when known, so older files stay canonical */
	if (ns->conf.conntrack_count >= 0)
		put(w, c, "conntrack_count", j_opt(ns->conf.conntrack_count));
	if (ns->conf.conntrack_max >= 0)
		put(w, c, "conntrack_max", j_opt(ns->conf.conntrack_max));
	put(w, h, "conf", c);
	/* the namespace's scalars, without braces: its tables follow one item a line */
	fputc('{', w->f);
	if (!h || json_dumpf(h, w->f, JSON_COMPACT | JSON_EMBED))
		w->bad = true;
	json_decref(h);

	fputs(",\n\"links\":[", w->f);
	for (size_t i = 0; i < ns->links.n; i++)
		emit(w, link_json(w, &ns->links.v[i], n->ns.n), i);
	fputs("],\n\"addresses\":[", w->f);
	for (size_t i = 0; i < ns->addrs.n; i++)
		emit(w, addr_json(w, &ns->addrs.v[i]), i);
	fputs("],\n\"routes\":[", w->f);
	for (size_t i = 0; i < ns->routes.n; i++)
		emit(w, route_json(w, ns, &ns->routes.v[i]), i);
	fputs("],\n\"rules\":[", w->f);
	for (size_t i = 0; i < ns->rules.n; i++)
		emit(w, rule_json(w, &ns->rules.v[i]), i);
	fputs("],\n\"neighbours\":[", w->f);
	for (size_t i = 0; i < ns->neighs.n; i++)
		emit(w, neigh_json(w, &ns->neighs.v[i]), i);
	fputs("],\n\"fdb\":[", w->f);
	for (size_t i = 0; i < ns->fdb.n; i++)
		emit(w, fdb_json(w, &ns->fdb.v[i]), i);
	fputs("],\n\"neigh_tables\":[", w->f);
	for (size_t i = 0; i < ns->neightbls.n; i++)
		emit(w, neightbl_json(w, &ns->neightbls.v[i]), i);
	fputs("],\n\"gw_checks\":[", w->f);
	for (size_t i = 0; i < ns->gwchecks.n; i++)
		emit(w, gwcheck_json(w, &ns->gwchecks.v[i]), i);
	fputs("]", w->f);
	/* only when the lookups were made: snapshots without them stay as they were */
	if (ns->wlroutes.n) {
		fputs(",\n\"workload_routes\":[", w->f);
		for (size_t i = 0; i < ns->wlroutes.n; i++)
			emit(w, wlroute_json(w, &ns->wlroutes.v[i]), i);
		fputs("]", w->f);
	}
	fputs("}", w->f);
}

/* ---- Felix's rules (1.1): struct ct_policy's rulesets and sets, as read ---- */

static json_t *j_pair(uint64_t a, uint64_t b)
{
	json_t *v = json_array();
	if (json_array_append_new(v, j_u64(a)) || json_array_append_new(v, j_u64(b))) {
		json_decref(v);
		return NULL;
	}
	return v;
}

/* what a rule records beyond its defaults (false, "", 0): a rule is one short line */
static json_t *polrule_json(struct wr *w, const struct ct_ipt_rule *r)
{
	json_t *o = json_object();
	if (r->counted)
		put(w, o, "counters", j_pair(r->pkts, r->bytes));
	if (r->target[0])
		put(w, o, "target", j_str(r->target, sizeof(r->target)));
	if (r->is_goto)
		put(w, o, "goto", json_true());
	if (r->in_if[0])
		put(w, o, "in_if", j_str(r->in_if, sizeof(r->in_if)));
	if (r->in_neg)
		put(w, o, "in_neg", json_true());
	if (r->out_if[0])
		put(w, o, "out_if", j_str(r->out_if, sizeof(r->out_if)));
	if (r->out_neg)
		put(w, o, "out_neg", json_true());
	if (r->other_match)
		put(w, o, "other_match", json_true());
	if (r->has_proto)
		put(w, o, "proto", json_integer(r->proto));
	if (r->proto_neg)
		put(w, o, "proto_neg", json_true());
	if (r->ndport) {
		json_t *a = json_array();
		for (size_t i = 0; i < r->ndport && i < CT_POL_PORTS; i++) {
			json_t *p = json_array();
			if (json_array_append_new(p, json_integer(r->dport[i].lo)) ||
			    json_array_append_new(p, json_integer(r->dport[i].hi)) ||
			    json_array_append_new(a, p))
				w->bad = true;
		}
		put(w, o, "dports", a);
	}
	if (r->dport_neg)
		put(w, o, "dport_neg", json_true());
	if (r->set[0])
		put(w, o, "set", j_str(r->set, sizeof(r->set)));
	if (r->set_neg)
		put(w, o, "set_neg", json_true());
	if (r->dst_local)
		put(w, o, "dst_local", json_true());
	if (r->unparsed)
		put(w, o, "unparsed", json_true());
	if (r->handle)
		put(w, o, "handle", j_u64(r->handle));
	if (r->id[0])
		put(w, o, "id", j_str(r->id, sizeof(r->id)));
	if (r->comment[0])
		put(w, o, "comment", j_str(r->comment, sizeof(r->comment)));
	const struct ct_ipt_svcm *s = &r->svc;
	if (s->dst[0] || s->dst_neg || s->proto[0] || s->dport[0] || s->to_dest[0]) {
		json_t *v = json_object();
		put(w, v, "dst", j_str(s->dst, sizeof(s->dst)));
		put(w, v, "dst_neg", json_boolean(s->dst_neg));
		put(w, v, "proto", j_str(s->proto, sizeof(s->proto)));
		put(w, v, "dport", j_str(s->dport, sizeof(s->dport)));
		put(w, v, "to_dest", j_str(s->to_dest, sizeof(s->to_dest)));
		put(w, o, "svc", v);
	}
	return o;
}

static json_t *polchain_json(struct wr *w, const struct ct_ipt_ruleset *rs,
			     const struct ct_ipt_chain *c)
{
	json_t *o = json_object(), *a = json_array();
	put(w, o, "table", j_str(c->table, sizeof(c->table)));
	put(w, o, "name", j_str(c->name, sizeof(c->name)));
	put(w, o, "policy", j_str(c->policy, sizeof(c->policy)));
	if (c->hook[0])
		put(w, o, "hook", j_str(c->hook, sizeof(c->hook)));
	put(w, o, "counters", j_pair(c->pkts, c->bytes));
	for (size_t k = 0; k < c->n && (size_t)c->first + k < rs->nrules; k++)
		if (json_array_append_new(a, polrule_json(w, &rs->rules[c->first + k])))
			w->bad = true;
	put(w, o, "rules", a);
	return o;
}

/* sets with their members as written ("10.0.0.0/8", "a-b"): the loader parses them again */
static json_t *polsets_json(struct wr *w, const struct ct_pol_sets *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++) {
		const struct ct_pol_set *x = &s->v[i];
		json_t *o = json_object(), *m = json_array();
		put(w, o, "table", j_str(x->table, sizeof(x->table)));
		put(w, o, "name", j_str(x->name, sizeof(x->name)));
		for (size_t k = 0; k < x->n; k++)
			if (json_array_append_new(m, j_str(x->m[k].text, sizeof(x->m[k].text))))
				w->bad = true;
		put(w, o, "members", m);
		if (json_array_append_new(a, o))
			w->bad = true;
	}
	return a;
}

/* "policy":{scalars,"ipset":{..},"backends":[one backend's head, then a chain a line]} */
static void write_policy(struct wr *w, const struct ct_policy *p)
{
	json_t *h = json_object(), *ip = json_object();
	put(w, h, "no_cap", json_boolean(p->no_cap));
	put(w, h, "bpf", json_boolean(p->bpf));
	put(w, ip, "read", json_boolean(p->ipset_read));
	put(w, ip, "error", j_str(p->ipset_error, sizeof(p->ipset_error)));
	put(w, ip, "sets", polsets_json(w, &p->ipsets));
	put(w, h, "ipset", ip);
	fputc('{', w->f);
	if (!h || json_dumpf(h, w->f, JSON_COMPACT | JSON_EMBED))
		w->bad = true;
	json_decref(h);
	fputs(",\n\"backends\":[", w->f);
	for (int b = 0; b < CT_POL_NBACKENDS; b++) {
		const struct ct_ipt_ruleset *rs = &p->rs[b];
		json_t *bh = json_object();
		put(w, bh, "backend", json_string(ct_pol_backend_names[b]));
		put(w, bh, "read", json_boolean(p->read[b]));
		put(w, bh, "error", j_str(p->error[b], sizeof(p->error[b])));
		put(w, bh, "tables", j_u64(rs->ntables));
		put(w, bh, "sets", polsets_json(w, &rs->sets));
		fputs(b ? ",\n{" : "\n{", w->f);
		if (!bh || json_dumpf(bh, w->f, JSON_COMPACT | JSON_EMBED))
			w->bad = true;
		json_decref(bh);
		fputs(",\"chains\":[", w->f);
		for (size_t i = 0; i < rs->nchains; i++)
			emit(w, polchain_json(w, rs, &rs->chains[i]), i);
		fputs("]}", w->f);
	}
	fputs("]}", w->f);
}

int ct_snapshot_write(const struct ct_node *n, FILE *f, struct ct_err *err)
{
	struct wr w = {.f = f};
	json_t *bgp = NULL;

	/* the loader insists on the target namespace: never write what it refuses */
	if (n->ns.n == 0)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "cannot write snapshot: the node has no network namespace");
	if (n->bgp_json) {
		json_error_t je;
		char q[200];
		bgp = json_loads(n->bgp_json, JSON_DECODE_ANY, &je);
		if (!bgp)
			return ct_err_set(err, CT_EXIT_GATHER,
					  "cannot write snapshot: the bgp data is not valid JSON: %s",
					  quote(je.text, 160, q, sizeof(q)));
	}

	/* 1.1 added "policy": a snapshot without it stays a 1.0 one, byte for byte */
	fprintf(f, "{\"schema_version\":\"%s\",\"command\":\"snapshot\",\"synthetic\":%s,\n\"node\":",
		n->policy ? CT_SNAPSHOT_SCHEMA_POLICY : CT_SNAPSHOT_SCHEMA,
		n->synthetic ? "true" : "false");
	dump(&w, node_json(&w, n));
	fputs(",\n\"netns\":[", f);
	for (size_t i = 0; i < n->ns.n; i++) {
		fputs(i ? ",\n" : "\n", f);
		write_netns(&w, n, &n->ns.v[i]);
	}
	fputs("],\n\"pods\":", f);
	if (n->have_pods) {
		fputc('[', f);
		for (size_t i = 0; i < n->pods.n; i++)
			emit(&w, pod_json(&w, &n->pods.v[i]), i);
		fputc(']', f);
	} else {
		fputs("null", f);
	}
	fputs(",\n\"bgp\":", f);
	if (bgp)
		dump(&w, bgp); /* releases bgp */
	else
		fputs("null", f);
	if (n->policy) {
		fputs(",\n\"policy\":", f);
		write_policy(&w, n->policy);
	}
	fputs(",\n\"items\":[],\"findings\":[]}\n", f);

	errno = 0;
	if (fflush(f) || ferror(f)) {
		int e = errno ? errno : EIO;
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write snapshot: %s", strerror(e));
	}
	if (w.bad)
		return ct_err_set(err, CT_EXIT_GATHER, "cannot write snapshot: out of memory");
	return 0;
}

/* ---------------------------------------------------------------------- */
/* loader                                                                  */

struct ld {
	const char *src; /* the snapshot's name in messages */
	struct ct_err *err;
	size_t n_ns; /* namespaces in the document: bounds peer_ns */
};

/* "snapshot 'SRC': WHERE.KEY: message"; where and key may be empty. */
__attribute__((format(printf, 4, 5))) static int fail(struct ld *l, const char *where,
						       const char *key, const char *fmt, ...)
{
	char msg[256], src[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	key = key ? key : "";
	return ct_err_set(l->err, CT_EXIT_GATHER, "snapshot '%s': %s%s%s%s%s",
			  quote(l->src, 160, src, sizeof(src)), where, *where && *key ? "." : "",
			  key, *where || *key ? ": " : "", msg);
}

static json_t *member(struct ld *l, json_t *o, const char *w, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!v)
		fail(l, w, k, "missing");
	return v;
}

static int get_obj(struct ld *l, json_t *o, const char *w, const char *k, bool nullable,
		   json_t **out)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	*out = NULL;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return fail(l, w, k, nullable ? "expected an object or null" : "expected an object");
	*out = v;
	return 0;
}

static int get_arr(struct ld *l, json_t *o, const char *w, const char *k, json_t **out)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	if (!json_is_array(v))
		return fail(l, w, k, "expected an array");
	*out = v;
	return 0;
}

/* An integer in [min, max]; with nullable, null reads as null_val. */
static int get_int_n(struct ld *l, json_t *o, const char *w, const char *k, long long min,
		     long long max, bool nullable, long long null_val, long long *out)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	if (nullable && json_is_null(v)) {
		*out = null_val;
		return 0;
	}
	if (!json_is_integer(v))
		return fail(l, w, k, nullable ? "expected an integer or null" : "expected an integer");
	long long x = json_integer_value(v);
	if (x < min || x > max)
		return fail(l, w, k, "expected an integer from %lld to %lld, got %lld", min, max, x);
	*out = x;
	return 0;
}

static int get_int(struct ld *l, json_t *o, const char *w, const char *k, long long min,
		   long long max, long long *out)
{
	return get_int_n(l, o, w, k, min, max, false, 0, out);
}

static int get_u32(struct ld *l, json_t *o, const char *w, const char *k, uint32_t *out)
{
	long long v;
	if (get_int(l, o, w, k, 0, UINT32_MAX, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int get_u16(struct ld *l, json_t *o, const char *w, const char *k, uint16_t *out)
{
	long long v;
	if (get_int(l, o, w, k, 0, UINT16_MAX, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int get_u8(struct ld *l, json_t *o, const char *w, const char *k, uint8_t *out)
{
	long long v;
	if (get_int(l, o, w, k, 0, UINT8_MAX, &v))
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* An int where -1 means unknown and is written as null. */
static int get_opt(struct ld *l, json_t *o, const char *w, const char *k, int *out)
{
	long long v;
	if (get_int_n(l, o, w, k, INT_MIN, INT_MAX, true, -1, &v))
		return -1;
	*out = (int)v;
	return 0;
}

/* An ifindex: from 1, or from 0 ("none") when zero_ok. */
static int get_ifindex(struct ld *l, json_t *o, const char *w, const char *k, bool zero_ok,
		       int *out)
{
	long long v;
	if (get_int(l, o, w, k, zero_ok ? 0 : 1, INT_MAX, &v))
		return -1;
	*out = (int)v;
	return 0;
}

/* A 64-bit counter: an integer >= 0, or a decimal string above INT64_MAX. */
static bool u64_val(json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		char *end;
		if (len > 0 && len <= 20 && strspn(s, "0123456789") == len) {
			errno = 0;
			unsigned long long x = strtoull(s, &end, 10);
			if (!errno && !*end) {
				*out = x;
				return true;
			}
		}
	}
	return false;
}

static int get_u64(struct ld *l, json_t *o, const char *w, const char *k, uint64_t *out)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	if (u64_val(v, out))
		return 0;
	return fail(l, w, k, "expected an unsigned 64-bit integer");
}

static int get_bool(struct ld *l, json_t *o, const char *w, const char *k, bool *out)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	if (!json_is_boolean(v))
		return fail(l, w, k, "expected true or false");
	*out = json_is_true(v);
	return 0;
}

/* v as a string (NULL for null when nullable); checked for type and NULs only. */
static int str_val(struct ld *l, json_t *v, const char *w, const char *k, bool nullable,
		   const char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (nullable && json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(l, w, k, nullable ? "expected a string or null" : "expected a string");
	*out = json_string_value(v);
	*len = json_string_length(v);
	if (strlen(*out) != *len)
		return fail(l, w, k, "contains a NUL character");
	return 0;
}

static int get_raw(struct ld *l, json_t *o, const char *w, const char *k, bool nullable,
		   const char **out, size_t *len)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	return str_val(l, v, w, k, nullable, out, len);
}

/* A string into buf[size], decoded by the JSON rule of model/esc.h: a longer
 * value is an error, never truncated. *n gets the length (NULL: not wanted). */
static int get_bytes(struct ld *l, json_t *o, const char *w, const char *k, char *buf, size_t size,
		     size_t *n)
{
	const char *s;
	size_t len, dn;
	char q[200];
	if (get_raw(l, o, w, k, false, &s, &len))
		return -1;
	int rc = ct_esc_json_decode(buf, size, s, len, &dn);
	if (rc == CT_ESC_ESPACE) { /* decoded, never longer than the value: how long? */
		char *t = malloc(len + 1);
		if (t && ct_esc_json_decode(t, len + 1, s, len, &dn) == CT_ESC_OK) {
			free(t);
			return fail(l, w, k, "longer than %zu bytes (%zu)", size - 1, dn);
		}
		free(t);
		return fail(l, w, k, "longer than %zu bytes", size - 1);
	}
	if (rc)
		return fail(l, w, k, "'%s': %s", quote(s, 40, q, sizeof(q)), ct_esc_strerror(rc));
	if (n)
		*n = dn;
	return 0;
}

static int get_str(struct ld *l, json_t *o, const char *w, const char *k, char *buf, size_t size)
{
	return get_bytes(l, o, w, k, buf, size, NULL);
}

/* An interface name as the kernel allows it (dev_valid_name); "" when empty_ok. */
static int get_ifname(struct ld *l, json_t *o, const char *w, const char *k, bool empty_ok,
		      char buf[CT_IFNAMSIZ])
{
	char s[4 * CT_IFNAMSIZ];
	size_t len;
	char q[200];
	if (get_bytes(l, o, w, k, s, sizeof(s), &len))
		return -1;
	if (len >= CT_IFNAMSIZ)
		return fail(l, w, k, "interface name '%s' is longer than %d bytes",
			    quote(s, 40, q, sizeof(q)), CT_IFNAMSIZ - 1);
	if (len == 0 && !empty_ok)
		return fail(l, w, k, "empty interface name");
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strpbrk(s, "/: \t\n\v\f\r"))
		return fail(l, w, k, "'%s' is not a valid interface name",
			    quote(s, 40, q, sizeof(q)));
	memcpy(buf, s, len + 1);
	return 0;
}

static int ip_val(struct ld *l, json_t *v, const char *w, const char *k, bool nullable,
		  struct ct_ip *out)
{
	const char *s;
	size_t len;
	char q[200];
	memset(out, 0, sizeof(*out));
	if (str_val(l, v, w, k, nullable, &s, &len))
		return -1;
	if (s && (len > 63 || ct_ip_parse(s, out)))
		return fail(l, w, k, "expected an IP address, got '%s'", quote(s, 40, q, sizeof(q)));
	return 0;
}

static int get_ip(struct ld *l, json_t *o, const char *w, const char *k, bool nullable,
		  struct ct_ip *out)
{
	json_t *v = member(l, o, w, k);
	if (!v)
		return -1;
	return ip_val(l, v, w, k, nullable, out);
}

/* Addresses of an array, at most max, into ips; *n counts them. null is an
 * unset address, so that whatever the model holds comes back as it was. */
static int get_ips(struct ld *l, json_t *o, const char *w, const char *k, struct ct_ip *ips,
		   size_t max, int *n)
{
	json_t *a = NULL;
	char ik[32];
	if (get_arr(l, o, w, k, &a))
		return -1;
	if (json_array_size(a) > max)
		return fail(l, w, k, "more than %zu addresses (%zu)", max, json_array_size(a));
	for (size_t i = 0; i < json_array_size(a); i++) {
		snprintf(ik, sizeof(ik), "%s[%zu]", k, i);
		if (ip_val(l, json_array_get(a, i), w, ik, true, &ips[i]))
			return -1;
		(*n)++;
	}
	return 0;
}

/* "a/n" (or a bare address: a host prefix); "default" too when family is known. */
static int get_prefix(struct ld *l, json_t *o, const char *w, const char *k, bool nullable,
		      uint8_t family, struct ct_prefix *out)
{
	const char *s, *slash;
	size_t len;
	char q[200];
	memset(out, 0, sizeof(*out));
	if (get_raw(l, o, w, k, nullable, &s, &len))
		return -1;
	if (!s)
		return 0;
	if (family && strcmp(s, "default") == 0) {
		out->ip.family = family;
		return 0;
	}
	/* ct_prefix_parse's strtol would also take " 24" or "+24" */
	slash = strchr(s, '/');
	size_t nl = slash ? strlen(slash + 1) : 0;
	if (len > 67 || (slash && (nl == 0 || nl > 3 || strspn(slash + 1, "0123456789") != nl)) ||
	    ct_prefix_parse(s, out))
		return fail(l, w, k, "expected an address/length prefix, got '%s'",
			    quote(s, 40, q, sizeof(q)));
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "aa:bb:..": exactly need octets, or 1 to 6 when need is 0 (a tunnel's link
 * address has 4); null when nullable. */
static int get_mac(struct ld *l, json_t *o, const char *w, const char *k, bool nullable,
		   size_t need, uint8_t mac[6], uint8_t *mac_len)
{
	const char *s;
	size_t len, n;
	char q[200];
	memset(mac, 0, 6);
	if (mac_len)
		*mac_len = 0;
	if (get_raw(l, o, w, k, nullable, &s, &len))
		return -1;
	if (!s)
		return 0;
	n = (len + 1) / 3;
	bool ok = len % 3 == 2 && n <= 6 && (!need || n == need);
	for (size_t i = 0; ok && i < n; i++) {
		int hi = hexval(s[i * 3]), lo = hexval(s[i * 3 + 1]);
		ok = hi >= 0 && lo >= 0 && (i + 1 == n || s[i * 3 + 2] == ':');
		if (ok) /* hexval's -1 must not reach the shift (UBSan: shift of a negative value) */
			mac[i] = (uint8_t)((unsigned)hi << 4 | (unsigned)lo);
	}
	if (!ok)
		return fail(l, w, k, "expected a %s address like aa:bb:cc:dd:ee:ff, got '%s'",
			    need ? "MAC" : "link-layer", quote(s, 40, q, sizeof(q)));
	if (mac_len)
		*mac_len = (uint8_t)n;
	return 0;
}

/* An enum: a name from tbl, a decimal string or an integer, from 0 to max. */
static int get_enum(struct ld *l, json_t *o, const char *w, const char *k,
		    const struct ct_name *tbl, int max, int *out)
{
	json_t *v = member(l, o, w, k);
	char q[200];
	if (!v)
		return -1;
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > max)
			return fail(l, w, k, "expected a value from 0 to %d", max);
		*out = (int)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return fail(l, w, k, "expected a name or a number");
	*out = ct_value_of(tbl, json_string_value(v));
	if (*out < 0 || *out > max)
		return fail(l, w, k, "unknown value '%s'",
			    quote(json_string_value(v), 40, q, sizeof(q)));
	return 0;
}

static int get_u8_enum(struct ld *l, json_t *o, const char *w, const char *k,
		       const struct ct_name *tbl, uint8_t *out)
{
	int x;
	if (get_enum(l, o, w, k, tbl, UINT8_MAX, &x))
		return -1;
	*out = (uint8_t)x;
	return 0;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static unsigned num(const char *s, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

/* RFC 3339 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" -> unix seconds */
static int parse_time(const char *s, int64_t *out)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int sign = 0;
	unsigned off = 0;

	if (strlen(s) < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return -1;
	unsigned y = num(s, 4), mo = num(s + 5, 2), d = num(s + 8, 2);
	unsigned h = num(s + 11, 2), mi = num(s + 14, 2), sec = num(s + 17, 2);
	const char *p = s + 19;
	if (*p == '.') {
		size_t nd = strspn(++p, "0123456789");
		if (!nd)
			return -1;
		p += nd; /* fractions of a second are dropped */
	}
	if ((*p == 'Z' || *p == 'z') && !p[1]) {
		sign = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2) && p[3] == ':' &&
		   digits(p + 4, 2) && num(p + 1, 2) < 24 && num(p + 4, 2) < 60) {
		sign = *p == '+' ? 1 : -1;
		off = num(p + 1, 2) * 3600 + num(p + 4, 2) * 60;
	} else {
		return -1;
	}
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	int64_t t = days_from_civil(y, mo, d) * 86400 + (int64_t)(h * 3600 + mi * 60 + sec) -
		    sign * (int64_t)off;
	if (t < TIME_MIN || t > TIME_MAX) /* what the writer could not write back */
		return -1;
	*out = t;
	return 0;
}

/* Runs fn over every element of o[key], each an object, with where "W.KEY[i]". */
typedef int (*item_fn)(struct ld *l, json_t *o, const char *w, void *ctx);

static int each(struct ld *l, json_t *o, const char *w, const char *key, item_fn fn, void *ctx)
{
	json_t *a = NULL, *it;
	char iw[128];
	if (get_arr(l, o, w, key, &a))
		return -1;
	for (size_t i = 0; i < json_array_size(a); i++) {
		it = json_array_get(a, i);
		snprintf(iw, sizeof(iw), "%s%s%s[%zu]", w, *w ? "." : "", key, i);
		if (!json_is_object(it))
			return fail(l, iw, NULL, "expected an object");
		if (fn(l, it, iw, ctx))
			return -1;
	}
	return 0;
}

static int load_node(struct ld *l, json_t *o, struct ct_node *n)
{
	const char *w = "node", *s;
	json_t *vtep;
	size_t len;
	char q[200];
	long long x;

	if (get_str(l, o, w, "name", n->name, sizeof(n->name)) ||
	    get_ips(l, o, w, "underlay_ips", n->underlay_ips, 8, &n->n_underlay) ||
	    get_obj(l, o, w, "vtep", true, &vtep))
		return -1;
	if (vtep) {
		n->has_vtep = true;
		if (get_ip(l, vtep, "node.vtep", "ip", true, &n->vtep_ip) ||
		    get_mac(l, vtep, "node.vtep", "mac", true, 6, n->vtep_mac, NULL))
			return -1;
	}
	if (get_raw(l, o, w, "taken_at", true, &s, &len))
		return -1;
	if (s && parse_time(s, &n->taken_at))
		return fail(l, w, "taken_at",
			    "expected an RFC 3339 time like 2026-11-26T04:28:14Z, got '%s'",
			    quote(s, 40, q, sizeof(q)));
	if (get_str(l, o, w, "kernel", n->kernel, sizeof(n->kernel)))
		return -1;
	if (json_object_get(o, "dump_intr")) { /* optional: added within 1.0 */
		if (get_int(l, o, w, "dump_intr", INT_MIN, INT_MAX, &x))
			return -1;
		n->dump_intr = (int)x;
	}
	return 0;
}

static int load_stats(struct ld *l, json_t *o, const char *w, struct ct_stats *s)
{
	if (get_u64(l, o, w, "rx_packets", &s->rx_packets) ||
	    get_u64(l, o, w, "tx_packets", &s->tx_packets) ||
	    get_u64(l, o, w, "rx_bytes", &s->rx_bytes) ||
	    get_u64(l, o, w, "tx_bytes", &s->tx_bytes) ||
	    get_u64(l, o, w, "rx_errors", &s->rx_errors) ||
	    get_u64(l, o, w, "tx_errors", &s->tx_errors) ||
	    get_u64(l, o, w, "rx_dropped", &s->rx_dropped) ||
	    get_u64(l, o, w, "tx_dropped", &s->tx_dropped))
		return -1;
	return 0;
}

/* The kind-specific object ("vxlan", "iptun"): optional, may be null. */
static json_t *kind_obj(struct ld *l, json_t *o, const char *w, const char *k, char *sw,
			size_t swlen, int *rc)
{
	json_t *v = json_object_get(o, k);
	*rc = 0;
	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_object(v)) {
		*rc = fail(l, w, k, "expected an object or null");
		return NULL;
	}
	snprintf(sw, swlen, "%s.%s", w, k);
	return v;
}

static int load_link(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_netns *ns = ctx;
	struct ct_link *lk = ct_push_link(ns);
	json_t *sub;
	char sw[160];
	int oper, rc;
	long long peer;

	if (!lk)
		return fail(l, w, NULL, "out of memory");
	if (get_ifindex(l, o, w, "ifindex", false, &lk->ifindex) ||
	    get_ifname(l, o, w, "name", false, lk->name) ||
	    get_str(l, o, w, "kind", lk->kind, sizeof(lk->kind)) ||
	    get_u32(l, o, w, "flags", &lk->flags) ||
	    get_enum(l, o, w, "state", ct_oper_states, CT_OPER__COUNT - 1, &oper) ||
	    get_u32(l, o, w, "mtu", &lk->mtu) ||
	    get_mac(l, o, w, "mac", true, 0, lk->mac, &lk->mac_len) ||
	    get_ifindex(l, o, w, "master", true, &lk->master) ||
	    get_ifindex(l, o, w, "link", true, &lk->link) ||
	    get_opt(l, o, w, "link_netnsid", &lk->link_netnsid) ||
	    get_int_n(l, o, w, "peer_ns", 0, (long long)l->n_ns - 1, true, -1, &peer) ||
	    get_obj(l, o, w, "stats", false, &sub))
		return -1;
	lk->oper = (enum ct_oper)oper;
	lk->peer_ns = (int)peer;
	snprintf(sw, sizeof(sw), "%s.stats", w);
	if (load_stats(l, sub, sw, &lk->stats))
		return -1;

	if (kind_is(lk->kind, "vxlan")) {
		struct ct_vxlan_info *x = &lk->u.vxlan;
		sub = kind_obj(l, o, w, "vxlan", sw, sizeof(sw), &rc);
		if (rc || (sub && (get_u32(l, sub, sw, "vni", &x->vni) ||
				   get_u16(l, sub, sw, "port", &x->port) ||
				   get_ip(l, sub, sw, "local", true, &x->local) ||
				   get_ip(l, sub, sw, "group", true, &x->group) ||
				   get_ifindex(l, sub, sw, "parent_ifindex", true, &x->parent_ifindex) ||
				   get_bool(l, sub, sw, "learning", &x->learning) ||
				   get_u8(l, sub, sw, "ttl", &x->ttl))))
			return -1;
	} else if (kind_is(lk->kind, "ipip") || kind_is(lk->kind, "sit")) {
		struct ct_iptun_info *t = &lk->u.iptun;
		sub = kind_obj(l, o, w, "iptun", sw, sizeof(sw), &rc);
		if (rc || (sub && (get_ip(l, sub, sw, "local", true, &t->local) ||
				   get_ip(l, sub, sw, "remote", true, &t->remote) ||
				   get_u8(l, sub, sw, "ttl", &t->ttl) ||
				   get_bool(l, sub, sw, "pmtudisc", &t->pmtudisc) ||
				   get_ifindex(l, sub, sw, "parent_ifindex", true, &t->parent_ifindex))))
			return -1;
	}

	if (get_opt(l, o, w, "forwarding", &lk->forwarding) ||
	    get_opt(l, o, w, "rp_filter", &lk->rp_filter) ||
	    get_opt(l, o, w, "proxy_arp", &lk->proxy_arp) ||
	    get_opt(l, o, w, "proxy_delay", &lk->proxy_delay) ||
	    get_opt(l, o, w, "route_localnet", &lk->route_localnet) ||
	    get_opt(l, o, w, "forwarding6", &lk->forwarding6) ||
	    get_opt(l, o, w, "eff_rp_filter", &lk->eff_rp_filter) ||
	    get_opt(l, o, w, "eff_proxy_arp", &lk->eff_proxy_arp))
		return -1;
	return 0;
}

static int load_addr(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_addr *a = ct_push_addr(ctx);
	if (!a)
		return fail(l, w, NULL, "out of memory");
	if (get_ifindex(l, o, w, "ifindex", false, &a->ifindex) ||
	    get_prefix(l, o, w, "address", false, 0, &a->pfx) ||
	    get_u8_enum(l, o, w, "scope", ct_rt_scopes, &a->scope) ||
	    get_u32(l, o, w, "flags", &a->flags))
		return -1;
	return 0;
}

struct nh_load {
	struct ct_nexthop *v;
	size_t n;
};

static int load_nexthop(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct nh_load *nl = ctx;
	struct ct_nexthop *nh = &nl->v[nl->n++];
	if (get_ip(l, o, w, "gateway", true, &nh->gw) ||
	    get_ifindex(l, o, w, "oif", true, &nh->oif) ||
	    get_u8(l, o, w, "weight", &nh->weight) ||
	    get_u32(l, o, w, "flags", &nh->flags))
		return -1;
	return 0;
}

static int load_route(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_netns *ns = ctx;
	struct ct_route *r = ct_push_route(ns);
	char fam[16];
	int family;
	json_t *nhs;

	if (!r)
		return fail(l, w, NULL, "out of memory");
	if (get_enum(l, o, w, "family", ct_families, UINT8_MAX, &family))
		return -1;
	if (family != AF_INET && family != AF_INET6)
		return fail(l, w, "family", "expected \"inet\" or \"inet6\", got '%s'",
			    ct_name_of(ct_families, family, fam, sizeof(fam)));
	if (get_prefix(l, o, w, "dst", false, (uint8_t)family, &r->dst))
		return -1;
	if (r->dst.ip.family != family)
		return fail(l, w, "dst", "the address is not of the route's family");
	if (get_u32(l, o, w, "table", &r->table) || get_u32(l, o, w, "priority", &r->priority) ||
	    get_u32(l, o, w, "flags", &r->flags) ||
	    get_u8_enum(l, o, w, "protocol", ct_rt_protocols, &r->protocol) ||
	    get_u8_enum(l, o, w, "scope", ct_rt_scopes, &r->scope) ||
	    get_u8_enum(l, o, w, "type", ct_rt_types, &r->type) || get_u8(l, o, w, "tos", &r->tos) ||
	    get_ip(l, o, w, "gateway", true, &r->gw) || get_ifindex(l, o, w, "oif", true, &r->oif) ||
	    get_ip(l, o, w, "prefsrc", true, &r->src))
		return -1;

	/* only on multipath routes: the route owns its next hops */
	nhs = json_object_get(o, "nexthops");
	if (!nhs || json_is_null(nhs))
		return 0;
	if (!json_is_array(nhs))
		return fail(l, w, "nexthops", "expected an array or null");
	size_t cnt = json_array_size(nhs);
	if (cnt < 2 || cnt > UINT16_MAX)
		return fail(l, w, "nexthops", "a multipath route has 2 to %d nexthops, not %zu",
			    UINT16_MAX, cnt);
	struct nh_load nl = { .v = calloc(cnt, sizeof(struct ct_nexthop)) };
	if (!nl.v)
		return fail(l, w, NULL, "out of memory");
	r->nh = nl.v; /* owned from here: freed with the namespace on any error */
	if (each(l, o, w, "nexthops", load_nexthop, &nl))
		return -1;
	r->nh_count = (uint16_t)cnt;
	return 0;
}

static int load_rule(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_rule *r = ct_push_rule(ctx);
	if (!r)
		return fail(l, w, NULL, "out of memory");
	if (get_u8_enum(l, o, w, "family", ct_families, &r->family) ||
	    get_u8_enum(l, o, w, "action", ct_rule_actions, &r->action) ||
	    get_u32(l, o, w, "priority", &r->priority) ||
	    get_u32(l, o, w, "table", &r->table) ||
	    get_u32(l, o, w, "fwmark", &r->fwmark) ||
	    get_u32(l, o, w, "fwmask", &r->fwmask) ||
	    get_bool(l, o, w, "has_fwmark", &r->has_fwmark) ||
	    get_prefix(l, o, w, "src", true, r->family, &r->src) ||
	    get_prefix(l, o, w, "dst", true, r->family, &r->dst) ||
	    get_ifname(l, o, w, "iifname", true, r->iifname) ||
	    get_ifname(l, o, w, "oifname", true, r->oifname) ||
	    get_u32(l, o, w, "flags", &r->flags))
		return -1;
	return 0;
}

static int load_neigh(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_neigh *nb = ct_push_neigh(ctx);
	if (!nb)
		return fail(l, w, NULL, "out of memory");
	if (get_ifindex(l, o, w, "ifindex", false, &nb->ifindex) ||
	    get_ip(l, o, w, "dst", true, &nb->dst) ||
	    get_mac(l, o, w, "lladdr", true, 0, nb->lladdr, &nb->lladdr_len) ||
	    get_u16(l, o, w, "state", &nb->state) ||
	    get_u8(l, o, w, "flags", &nb->flags))
		return -1;
	return 0;
}

static int load_fdb(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_fdb *e = ct_push_fdb(ctx);
	if (!e)
		return fail(l, w, NULL, "out of memory");
	if (get_ifindex(l, o, w, "ifindex", false, &e->ifindex) ||
	    get_mac(l, o, w, "mac", false, 6, e->mac, NULL) ||
	    get_ip(l, o, w, "dst", true, &e->dst) ||
	    get_u32(l, o, w, "vni", &e->vni) ||
	    get_u16(l, o, w, "state", &e->state) ||
	    get_u8(l, o, w, "flags", &e->flags) ||
	    get_ifindex(l, o, w, "master", true, &e->master))
		return -1;
	return 0;
}

static int load_neightbl(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_neightbl *t = ct_push_neightbl(ctx);
	if (!t)
		return fail(l, w, NULL, "out of memory");
	if (get_str(l, o, w, "name", t->name, sizeof(t->name)) ||
	    get_u8_enum(l, o, w, "family", ct_families, &t->family) ||
	    get_u32(l, o, w, "gc_thresh1", &t->gc_thresh1) ||
	    get_u32(l, o, w, "gc_thresh2", &t->gc_thresh2) ||
	    get_u32(l, o, w, "gc_thresh3", &t->gc_thresh3) ||
	    get_u32(l, o, w, "entries", &t->entries))
		return -1;
	return 0;
}

static int load_gwcheck(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_gwcheck *g = ct_push_gwcheck(ctx);
	long long e;
	if (!g)
		return fail(l, w, NULL, "out of memory");
	if (get_ifindex(l, o, w, "iif", false, &g->iif) ||
	    get_int(l, o, w, "err", 0, INT_MAX, &e) || get_ifindex(l, o, w, "oif", true, &g->oif) ||
	    get_u8_enum(l, o, w, "type", ct_rt_types, &g->type))
		return -1;
	g->err = (int)e;
	/* "src": the pod address asked with; null: none known, not asked; absent
	 * (older snapshots): asked, source not kept */
	json_t *sv = json_object_get(o, "src");
	if (sv && json_is_null(sv))
		g->unasked = true;
	else if (sv && get_ip(l, o, w, "src", false, &g->src))
		return -1;
	return 0;
}

static int load_wlroute(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_wlroute *x = ct_push_wlroute(ctx);
	long long e;
	if (!x)
		return fail(l, w, NULL, "out of memory");
	memset(x, 0, sizeof(*x));
	if (get_ip(l, o, w, "dst", false, &x->dst) || get_ifindex(l, o, w, "wl", false, &x->wl) ||
	    get_ifindex(l, o, w, "iif", true, &x->iif) || get_ip(l, o, w, "src", true, &x->src) ||
	    get_int(l, o, w, "err", 0, INT_MAX, &e) || get_ifindex(l, o, w, "oif", true, &x->oif) ||
	    get_u8_enum(l, o, w, "type", ct_rt_types, &x->type))
		return -1;
	x->err = (int)e;
	return 0;
}

static int load_conf(struct ld *l, json_t *o, const char *w, struct ct_conf_all *c)
{
	if (get_opt(l, o, w, "forwarding", &c->forwarding) ||
	    get_opt(l, o, w, "rp_filter", &c->rp_filter) ||
	    get_opt(l, o, w, "proxy_arp", &c->proxy_arp) ||
	    get_opt(l, o, w, "default_rp_filter", &c->def_rp_filter) ||
	    get_opt(l, o, w, "ip_forward", &c->ip_forward) ||
	    get_opt(l, o, w, "forwarding6", &c->forwarding6))
		return -1;
	/* optional: added within 1.0 */
	c->conntrack_count = c->conntrack_max = -1;
	if (json_object_get(o, "conntrack_count") &&
	    get_opt(l, o, w, "conntrack_count", &c->conntrack_count))
		return -1;
	if (json_object_get(o, "conntrack_max") && get_opt(l, o, w, "conntrack_max", &c->conntrack_max))
		return -1;
	return 0;
}

static int load_netns(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_netns *ns = ct_node_add_ns(ctx);
	json_t *conf;
	char sw[160];

	if (!ns)
		return fail(l, w, NULL, "out of memory");
	if (get_str(l, o, w, "name", ns->name, sizeof(ns->name)) ||
	    get_str(l, o, w, "path", ns->path, sizeof(ns->path)) ||
	    get_bool(l, o, w, "is_host", &ns->is_host) || get_opt(l, o, w, "nsid", &ns->nsid) ||
	    get_u64(l, o, w, "inode", &ns->inode) || get_obj(l, o, w, "conf", false, &conf))
		return -1;
	snprintf(sw, sizeof(sw), "%s.conf", w);
	if (load_conf(l, conf, sw, &ns->conf) || each(l, o, w, "links", load_link, ns))
		return -1;
	/* the index also finds duplicates: a second link with one ifindex is unreachable */
	if (ct_netns_index(ns))
		return fail(l, w, NULL, "out of memory");
	for (size_t i = 0; i < ns->links.n; i++) {
		if (ct_link_by_ifindex(ns, ns->links.v[i].ifindex) != &ns->links.v[i]) {
			snprintf(sw, sizeof(sw), "%s.links[%zu]", w, i);
			return fail(l, sw, "ifindex", "duplicate ifindex %d",
				    ns->links.v[i].ifindex);
		}
	}
	if (each(l, o, w, "addresses", load_addr, ns) || each(l, o, w, "routes", load_route, ns) ||
	    each(l, o, w, "rules", load_rule, ns) || each(l, o, w, "neighbours", load_neigh, ns) ||
	    each(l, o, w, "fdb", load_fdb, ns) ||
	    each(l, o, w, "neigh_tables", load_neightbl, ns) ||
	    each(l, o, w, "gw_checks", load_gwcheck, ns))
		return -1;
	/* optional: snapshots written before workload_route_shadowed have none */
	if (json_object_get(o, "workload_routes") && each(l, o, w, "workload_routes", load_wlroute, ns))
		return -1;
	return 0;
}

static int load_pod(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_pod *p = ct_push_pod(ctx);
	if (!p)
		return fail(l, w, NULL, "out of memory");
	if (get_str(l, o, w, "namespace", p->ns, sizeof(p->ns)) ||
	    get_str(l, o, w, "name", p->name, sizeof(p->name)) ||
	    get_str(l, o, w, "node", p->node, sizeof(p->node)) ||
	    get_str(l, o, w, "phase", p->phase, sizeof(p->phase)) ||
	    get_bool(l, o, w, "host_network", &p->host_network) ||
	    get_ips(l, o, w, "ips", p->ips, 4, &p->n_ips) ||
	    get_ifname(l, o, w, "veth", true, p->veth))
		return -1;
	return 0;
}

/* ---- Felix's rules (1.1) ---- */

#define POL_MAX_CHAINS (1u << 20) /* per backend */
#define POL_MAX_RULES (1u << 24)  /* per backend */
#define POL_MAX_MEMBERS (1u << 24) /* per set */

static int opt_bool(struct ld *l, json_t *o, const char *w, const char *k, bool *out)
{
	*out = false;
	return json_object_get(o, k) ? get_bool(l, o, w, k, out) : 0;
}

static int opt_str(struct ld *l, json_t *o, const char *w, const char *k, char *buf, size_t size)
{
	buf[0] = 0;
	return json_object_get(o, k) ? get_str(l, o, w, k, buf, size) : 0;
}

/* [PKTS, BYTES], each as get_u64 takes a counter */
static int get_pair(struct ld *l, json_t *o, const char *w, const char *k, uint64_t *a,
		    uint64_t *b)
{
	json_t *v = NULL;
	if (get_arr(l, o, w, k, &v))
		return -1;
	if (json_array_size(v) != 2)
		return fail(l, w, k, "expected [packets, bytes]");
	if (!u64_val(json_array_get(v, 0), a) || !u64_val(json_array_get(v, 1), b))
		return fail(l, w, k, "expected [packets, bytes] as unsigned 64-bit integers");
	return 0;
}

struct polctx {
	struct ct_ipt_ruleset *rs;
	uint32_t chain;
	struct ct_pol_set *set;
};

static int load_dports(struct ld *l, json_t *o, const char *w, struct ct_ipt_rule *r)
{
	json_t *a = NULL;
	if (get_arr(l, o, w, "dports", &a))
		return -1;
	if (json_array_size(a) == 0 || json_array_size(a) > CT_POL_PORTS)
		return fail(l, w, "dports", "expected 1 to %d port ranges", CT_POL_PORTS);
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *p = json_array_get(a, i), *lo, *hi;
		if (!json_is_array(p) || json_array_size(p) != 2 ||
		    !json_is_integer(lo = json_array_get(p, 0)) ||
		    !json_is_integer(hi = json_array_get(p, 1)) || json_integer_value(lo) < 0 ||
		    json_integer_value(lo) > UINT16_MAX || json_integer_value(hi) < 0 ||
		    json_integer_value(hi) > UINT16_MAX)
			return fail(l, w, "dports", "range %zu: expected [LOW, HIGH], ports from 0 to 65535",
				    i);
		r->dport[i].lo = (uint16_t)json_integer_value(lo);
		r->dport[i].hi = (uint16_t)json_integer_value(hi);
	}
	r->ndport = (uint8_t)json_array_size(a);
	return 0;
}

static int load_polrule(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct polctx *pc = ctx;
	struct ct_ipt_ruleset *rs = pc->rs;
	if (rs->nrules >= POL_MAX_RULES)
		return fail(l, w, NULL, "more than %u rules", POL_MAX_RULES);
	if (rs->nrules == rs->caprules) {
		size_t nc = rs->caprules ? rs->caprules * 2 : 64;
		void *v = realloc(rs->rules, nc * sizeof(*rs->rules));
		if (!v)
			return fail(l, w, NULL, "out of memory");
		rs->rules = v;
		rs->caprules = nc;
	}
	struct ct_ipt_rule *r = &rs->rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	r->chain = pc->chain;
	long long x;
	char sw[160];
	if (json_object_get(o, "counters")) {
		if (get_pair(l, o, w, "counters", &r->pkts, &r->bytes))
			return -1;
		r->counted = true;
	}
	if (opt_str(l, o, w, "target", r->target, sizeof(r->target)) ||
	    opt_bool(l, o, w, "goto", &r->is_goto) ||
	    opt_str(l, o, w, "in_if", r->in_if, sizeof(r->in_if)) ||
	    opt_bool(l, o, w, "in_neg", &r->in_neg) ||
	    opt_str(l, o, w, "out_if", r->out_if, sizeof(r->out_if)) ||
	    opt_bool(l, o, w, "out_neg", &r->out_neg) ||
	    opt_bool(l, o, w, "other_match", &r->other_match) ||
	    opt_bool(l, o, w, "proto_neg", &r->proto_neg) ||
	    opt_bool(l, o, w, "dport_neg", &r->dport_neg) ||
	    opt_str(l, o, w, "set", r->set, sizeof(r->set)) ||
	    opt_bool(l, o, w, "set_neg", &r->set_neg) ||
	    opt_bool(l, o, w, "dst_local", &r->dst_local) ||
	    opt_bool(l, o, w, "unparsed", &r->unparsed) ||
	    opt_str(l, o, w, "id", r->id, sizeof(r->id)) ||
	    opt_str(l, o, w, "comment", r->comment, sizeof(r->comment)))
		return -1;
	if (json_object_get(o, "proto")) {
		if (get_int(l, o, w, "proto", 0, UINT8_MAX, &x))
			return -1;
		r->has_proto = true;
		r->proto = (uint8_t)x;
	}
	if (json_object_get(o, "dports") && load_dports(l, o, w, r))
		return -1;
	if (json_object_get(o, "handle") && get_u64(l, o, w, "handle", &r->handle))
		return -1;
	if (json_object_get(o, "svc")) {
		json_t *s = NULL;
		struct ct_ipt_svcm *m = &r->svc;
		snprintf(sw, sizeof(sw), "%s.svc", w);
		if (get_obj(l, o, w, "svc", false, &s) ||
		    get_str(l, s, sw, "dst", m->dst, sizeof(m->dst)) ||
		    get_bool(l, s, sw, "dst_neg", &m->dst_neg) ||
		    get_str(l, s, sw, "proto", m->proto, sizeof(m->proto)) ||
		    get_str(l, s, sw, "dport", m->dport, sizeof(m->dport)) ||
		    get_str(l, s, sw, "to_dest", m->to_dest, sizeof(m->to_dest)))
			return -1;
	}
	rs->nrules++;
	return 0;
}

static int load_polchain(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct polctx *pc = ctx;
	struct ct_ipt_ruleset *rs = pc->rs;
	if (rs->nchains >= POL_MAX_CHAINS)
		return fail(l, w, NULL, "more than %u chains", POL_MAX_CHAINS);
	if (rs->nchains == rs->capchains) {
		size_t nc = rs->capchains ? rs->capchains * 2 : 16;
		void *v = realloc(rs->chains, nc * sizeof(*rs->chains));
		if (!v)
			return fail(l, w, NULL, "out of memory");
		rs->chains = v;
		rs->capchains = nc;
	}
	struct ct_ipt_chain *c = &rs->chains[rs->nchains];
	memset(c, 0, sizeof(*c));
	if (get_str(l, o, w, "table", c->table, sizeof(c->table)) ||
	    get_str(l, o, w, "name", c->name, sizeof(c->name)) ||
	    get_str(l, o, w, "policy", c->policy, sizeof(c->policy)) ||
	    opt_str(l, o, w, "hook", c->hook, sizeof(c->hook)) ||
	    get_pair(l, o, w, "counters", &c->pkts, &c->bytes))
		return -1;
	if (!c->name[0])
		return fail(l, w, "name", "empty chain name");
	/* its rules follow the rules before: rules[first .. first+n) */
	c->first = (uint32_t)rs->nrules;
	pc->chain = (uint32_t)rs->nchains;
	rs->nchains++;
	if (each(l, o, w, "rules", load_polrule, pc))
		return -1;
	rs->chains[pc->chain].n = (uint32_t)(rs->nrules - rs->chains[pc->chain].first);
	return 0;
}

static int load_polset(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_pol_sets *s = ctx;
	json_t *a = NULL;
	char q[200], mk[32];
	void *v = realloc(s->v, (s->n + 1) * sizeof(*s->v));
	if (!v)
		return fail(l, w, NULL, "out of memory");
	s->v = v;
	struct ct_pol_set *x = &s->v[s->n++];
	memset(x, 0, sizeof(*x));
	if (get_str(l, o, w, "table", x->table, sizeof(x->table)) ||
	    get_str(l, o, w, "name", x->name, sizeof(x->name)) || get_arr(l, o, w, "members", &a))
		return -1;
	size_t n = json_array_size(a);
	if (n > POL_MAX_MEMBERS)
		return fail(l, w, "members", "more than %u members", POL_MAX_MEMBERS);
	if (n && !(x->m = calloc(n, sizeof(*x->m))))
		return fail(l, w, NULL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(a, i);
		const char *t;
		size_t len;
		snprintf(mk, sizeof(mk), "members[%zu]", i);
		if (str_val(l, e, w, mk, false, &t, &len))
			return -1;
		if (len >= sizeof(x->m[0].text) || !ct_pol_member_parse(&x->m[x->n], t))
			return fail(l, w, mk, "expected an address, ADDR/LEN or ADDR-ADDR, got '%s'",
				    quote(t, 40, q, sizeof(q)));
		x->n++;
	}
	return 0;
}

static int load_polbackend(struct ld *l, json_t *o, const char *w, void *ctx)
{
	struct ct_policy *p = ctx;
	const char *name;
	size_t len;
	long long nt;
	int b;
	if (get_raw(l, o, w, "backend", false, &name, &len))
		return -1;
	for (b = 0; b < CT_POL_NBACKENDS; b++)
		if (!strcmp(name, ct_pol_backend_names[b]))
			break;
	if (b == CT_POL_NBACKENDS)
		return 0; /* a backend a later 1.x knows: left out, as unknown keys are */
	struct ct_ipt_ruleset *rs = &p->rs[b];
	if (rs->nchains || rs->ntables || p->read[b] || p->error[b][0])
		return fail(l, w, "backend", "'%s' appears twice", ct_pol_backend_names[b]);
	struct polctx pc = {rs, 0, NULL};
	if (get_bool(l, o, w, "read", &p->read[b]) ||
	    get_str(l, o, w, "error", p->error[b], sizeof(p->error[b])) ||
	    get_int(l, o, w, "tables", 0, UINT32_MAX, &nt) ||
	    each(l, o, w, "sets", load_polset, &rs->sets) ||
	    each(l, o, w, "chains", load_polchain, &pc))
		return -1;
	rs->ntables = (size_t)nt;
	return 0;
}

/* The "policy" member into a new n->policy (freed with the node). */
static int load_policy(struct ld *l, json_t *o, struct ct_node *n)
{
	const char *w = "policy";
	json_t *ip = NULL;
	struct ct_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return fail(l, w, NULL, "out of memory");
	ct_policy_init(p);
	n->policy = p;
	if (get_bool(l, o, w, "no_cap", &p->no_cap) || get_bool(l, o, w, "bpf", &p->bpf) ||
	    get_obj(l, o, w, "ipset", false, &ip) ||
	    get_bool(l, ip, "policy.ipset", "read", &p->ipset_read) ||
	    get_str(l, ip, "policy.ipset", "error", p->ipset_error, sizeof(p->ipset_error)) ||
	    each(l, ip, "policy.ipset", "sets", load_polset, &p->ipsets) ||
	    each(l, o, w, "backends", load_polbackend, p))
		return -1;
	return 0;
}

/* "1", "1.0", "1.7.2" are 1.x */
static bool schema_is_v1(const char *s)
{
	if (*s++ != '1')
		return false;
	while (*s) {
		size_t nd = *s == '.' ? strspn(s + 1, "0123456789") : 0;
		if (!nd)
			return false;
		s += 1 + nd;
	}
	return true;
}

/* a major version above 1: "2.0", "10" */
static bool schema_is_newer(const char *s)
{
	size_t nd = strspn(s, "0123456789");
	return nd > 0 && (s[nd] == '.' || !s[nd]) && strtoul(s, NULL, 10) > 1;
}

static int load_doc(struct ld *l, json_t *root, struct ct_node *n)
{
	json_t *v = NULL, *node = NULL;
	const char *s;
	size_t len;
	char q[200], src[200];

	if (!json_is_object(root))
		return fail(l, "", NULL, "expected a JSON object at the top level");
	if (get_raw(l, root, "", "schema_version", false, &s, &len))
		return -1;
	if (!schema_is_v1(s))
		return ct_err_set(l->err, CT_EXIT_GATHER,
				  "snapshot '%s' has schema_version '%s'; this caltrace reads 1.x%s",
				  quote(l->src, 160, src, sizeof(src)), quote(s, 40, q, sizeof(q)),
				  schema_is_newer(s) ? " (upgrade caltrace)" : "");
	if (get_raw(l, root, "", "command", false, &s, &len))
		return -1;
	if (strcmp(s, "snapshot") != 0)
		return fail(l, "", "command",
			    "expected \"snapshot\", got '%s' (take one with 'caltrace snapshot')",
			    quote(s, 40, q, sizeof(q)));
	if (get_bool(l, root, "", "synthetic", &n->synthetic) ||
	    get_obj(l, root, "", "node", false, &node) || load_node(l, node, n) ||
	    get_arr(l, root, "", "netns", &v))
		return -1;
	l->n_ns = json_array_size(v);
	if (l->n_ns == 0)
		return fail(l, "", "netns", "expected at least one namespace (the target)");
	if (l->n_ns > INT_MAX)
		return fail(l, "", "netns", "too many namespaces");
	if (each(l, root, "", "netns", load_netns, n))
		return -1;

	if (!(v = member(l, root, "", "pods")))
		return -1;
	if (!json_is_null(v)) {
		if (!json_is_array(v))
			return fail(l, "", "pods", "expected an array or null");
		n->have_pods = true;
		if (each(l, root, "", "pods", load_pod, n))
			return -1;
	}

	if (!(v = member(l, root, "", "bgp")))
		return -1;
	if (!json_is_null(v) && !(n->bgp_json = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
		return fail(l, "", "bgp", "out of memory");
	/* 1.1: Felix's rules; older snapshots have none (n->policy stays NULL) */
	v = json_object_get(root, "policy");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v))
			return fail(l, "", "policy", "expected an object or null");
		if (load_policy(l, v, n))
			return -1;
	}
	return 0;
}

/* jansson's error as one line; its text may quote the file's bytes */
static int fail_json(struct ld *l, const json_error_t *je)
{
	char text[400], src[200];
	return ct_err_set(l->err, CT_EXIT_GATHER,
			  "snapshot '%s': not valid JSON at line %d, column %d: %s%s",
			  quote(l->src, 160, src, sizeof(src)), je->line, je->column,
			  quote(je->text, 160, text, sizeof(text)),
			  strstr(je->text, "end of file") || strstr(je->text, "end of input")
				  ? " (is the file truncated?)"
				  : "");
}

/* Finishes a loaded model as a live gather would: every table indexed, the
 * derived values a snapshot left null computed (model/derive.c; recorded ones
 * are kept: they are what the node applied), the "bgp" section parsed into
 * n->bgp (bgp_json stays for writing back). src names the file in messages. */
static int load_finish(struct ct_node *n, const char *src, struct ct_err *err)
{
	for (size_t i = 0; i < n->ns.n; i++) {
		struct ct_netns *ns = &n->ns.v[i];
		if (ct_netns_index(ns))
			return ct_err_set(err, CT_EXIT_GATHER, "snapshot '%s': out of memory", src);
		for (size_t k = 0; k < ns->links.n; k++) {
			struct ct_link *lk = &ns->links.v[k];
			if (lk->eff_rp_filter < 0 || lk->eff_proxy_arp < 0) {
				struct ct_link d = *lk;
				ct_link_derive(ns, &d);
				if (lk->eff_rp_filter < 0)
					lk->eff_rp_filter = d.eff_rp_filter;
				if (lk->eff_proxy_arp < 0)
					lk->eff_proxy_arp = d.eff_proxy_arp;
			}
		}
	}
	if (!n->bgp_json || strcmp(n->bgp_json, "null") == 0)
		return 0;
	n->bgp = calloc(1, sizeof(*n->bgp));
	if (!n->bgp)
		return ct_err_set(err, CT_EXIT_GATHER, "out of memory");
	ct_bgp_init(n->bgp);
	return ct_bgp_from_json(n->bgp_json, src, n->bgp, n->bgp_error, sizeof(n->bgp_error), err);
}

/* Fills n from a parsed document (released here); n is left empty on error. */
static int load_root(struct ld *l, json_t *root, struct ct_node *n, const char *source)
{
	int rc = root ? load_doc(l, root, n) : -1;
	json_decref(root);
	if (rc == 0)
		rc = load_finish(n, source, l->err);
	if (rc) {
		ct_node_free(n);
		return -1;
	}
	snprintf(n->source, sizeof(n->source), "%s", source);
	return 0;
}

#define LOAD_FLAGS JSON_REJECT_DUPLICATES

int ct_snapshot_load_buf(struct ct_node *n, const char *buf, size_t len, struct ct_err *err)
{
	struct ld l = {.src = "<buffer>", .err = err};
	json_error_t je;
	json_t *root;

	ct_node_init(n);
	root = json_loadb(buf, len, LOAD_FLAGS, &je);
	if (!root)
		return fail_json(&l, &je);
	return load_root(&l, root, n, "<buffer>");
}

int ct_snapshot_load(struct ct_node *n, const char *path, struct ct_err *err)
{
	bool std = strcmp(path, "-") == 0;
	struct ld l = {.src = std ? "<stdin>" : path, .err = err};
	json_error_t je;
	json_t *root;
	FILE *f;
	int e = 0;

	ct_node_init(n);
	f = std ? stdin : fopen(path, "re");
	if (!f)
		return ct_err_errno(err, errno, "open snapshot", path);
	errno = 0;
	root = json_loadf(f, LOAD_FLAGS, &je);
	if (!root && ferror(f))
		e = errno ? errno : EIO;
	if (!std)
		fclose(f);
	if (e)
		return ct_err_errno(err, e, "read snapshot", l.src);
	if (!root)
		return fail_json(&l, &je);
	return load_root(&l, root, n, path);
}
