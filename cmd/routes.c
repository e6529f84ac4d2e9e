/* SPDX-License-Identifier: MIT */
/* caltrace routes [PREFIX] */
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "cmd/cmd.h"
#include "model/names.h"
#include "probes/gather.h"

static void flags_of(uint32_t fl, const char **v, size_t *n)
{
	*n = 0;
	if (fl & RTNH_F_ONLINK)
		v[(*n)++] = "onlink";
	if (fl & RTNH_F_DEAD)
		v[(*n)++] = "dead";
	if (fl & RTNH_F_LINKDOWN)
		v[(*n)++] = "linkdown";
	if (fl & RTNH_F_PERVASIVE)
		v[(*n)++] = "pervasive";
}

static const char *dev_name(const struct ct_netns *ns, int ifindex, char *buf, size_t len)
{
	const struct ct_link *l = ct_link_by_ifindex(ns, ifindex);
	if (l)
		return l->name;
	if (!ifindex)
		return NULL;
	snprintf(buf, len, "if%d", ifindex);
	return buf;
}

int cmd_routes(struct ct_ctx *c)
{
	struct ct_prefix want;
	if (c->o.argc > 1) {
		fprintf(stderr, "caltrace: routes takes at most one PREFIX\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.argc == 1 && ct_prefix_parse(c->o.argv[0], &want) < 0) {
		char e[128];
		fprintf(stderr, "caltrace: '%s' is not an address or prefix; use e.g. 172.168.195.12 or 172.168.195.0/26\n",
			ct_escape(c->o.argv[0], e, sizeof(e)));
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = CT_G_LINKS | CT_G_ROUTES | CT_G_NEIGH | CT_G_FDB | CT_G_GWCHECK |
			CT_G_NODEINFO;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	uint8_t *cls = malloc(ns->routes.n ? ns->routes.n : 1);
	struct ct_findings f;
	ct_findings_init(&f);
	if (!cls || ct_analyze_routes(&n, ns, &c->o.prefixes, cls, &f) < 0) {
		free(cls);
		ct_node_free(&n);
		ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory analysing %zu routes", ns->routes.n);
		return ct_report_err(c);
	}
	struct ct_out *o = &c->out;
	ct_begin(c, &n, ns, "routes");
	ct_out_section(o, "items", "routes");
	char d[64], g[64], p[64], b1[32], b2[32], b3[32], b4[32], b5[32], dv[32];
	const char *fl[8];
	size_t nfl;
	/* subjects of the shown routes, to scope findings when a PREFIX is given */
	const char **keep = NULL;
	char (*keepbuf)[64] = NULL;
	size_t nkeep = 0;
	if (c->o.argc) {
		keep = calloc(ns->routes.n * 2 + 1, sizeof(*keep));
		keepbuf = calloc(ns->routes.n * 2 + 1, sizeof(*keepbuf));
	}
	for (size_t i = 0; i < ns->routes.n; i++) {
		const struct ct_route *r = &ns->routes.v[i];
		if (c->o.argc && !ct_prefix_contains_prefix(&r->dst, &want) &&
		    !ct_prefix_contains_prefix(&want, &r->dst))
			continue;
		ct_prefix_fmt(&r->dst, d, sizeof(d));
		if (!d[0]) /* a route without a destination attribute is the default */
			snprintf(d, sizeof(d), "default");
		if (keep && keepbuf) {
			snprintf(keepbuf[nkeep], 64, "%s", d);
			keep[nkeep] = keepbuf[nkeep];
			nkeep++;
			if (ct_ip_is_set(&r->gw)) {
				ct_ip_fmt(&r->gw, keepbuf[nkeep], 64);
				keep[nkeep] = keepbuf[nkeep];
				nkeep++;
			}
		}
		const struct ct_link *l = ct_link_by_ifindex(ns, r->oif);
		ct_rec_begin(o);
		ct_rec_str(o, "DST", "dst", d, CT_HL_NONE);
		ct_rec_str(o, NULL, "family", ct_name_of(ct_families, r->dst.ip.family, b1, sizeof(b1)), CT_HL_NONE);
		ct_rec_str(o, "TABLE", "table", ct_name_of(ct_rt_tables, (int)r->table, b2, sizeof(b2)), CT_HL_NONE);
		ct_rec_str(o, "CLASS", "class", ct_route_class_names[cls[i]],
			   cls[i] == CT_RC_BLACKHOLE ? CT_HL_DIM : CT_HL_NONE);
		ct_rec_str(o, "OWNER", "owner", ct_route_owner(r->protocol, b3, sizeof(b3)), CT_HL_NONE);
		ct_rec_str(o, NULL, "protocol", ct_name_of(ct_rt_protocols, r->protocol, b3, sizeof(b3)), CT_HL_NONE);
		ct_rec_str(o, "TYPE", "type", ct_name_of(ct_rt_types, r->type, b4, sizeof(b4)), CT_HL_NONE);
		ct_rec_str(o, NULL, "scope", ct_name_of(ct_rt_scopes, r->scope, b5, sizeof(b5)), CT_HL_NONE);
		if (r->nh_count > 1) {
			/* text: every nexthop in one cell; JSON: the nexthops array below */
			const struct ct_nexthop *nh;
			struct ct_nexthop tmp;
			size_t k = ct_route_nexthops(r, &nh, &tmp);
			char gws[256] = "", devs[256] = "";
			size_t og = 0, od = 0;
			for (size_t j = 0; j < k && og < sizeof(gws) - 1 && od < sizeof(devs) - 1; j++) {
				og += (size_t)snprintf(gws + og, sizeof(gws) - og, "%s%s", j ? "," : "",
						       ct_ip_fmt(&nh[j].gw, g, sizeof(g)));
				od += (size_t)snprintf(devs + od, sizeof(devs) - od, "%s%s", j ? "," : "",
						       dev_name(ns, nh[j].oif, dv, sizeof(dv)) ?: "-");
			}
			ct_rec_str(o, "GATEWAY", NULL, gws, CT_HL_NONE);
			ct_rec_str(o, NULL, "gateway", NULL, CT_HL_NONE);
			ct_rec_str(o, "DEV", NULL, devs, CT_HL_NONE);
			ct_rec_str(o, NULL, "dev", NULL, CT_HL_NONE);
		} else {
			ct_rec_str(o, "GATEWAY", "gateway",
				   ct_ip_is_set(&r->gw) ? ct_ip_fmt(&r->gw, g, sizeof(g)) : NULL, CT_HL_NONE);
			ct_rec_str(o, "DEV", "dev", l ? l->name : dev_name(ns, r->oif, dv, sizeof(dv)),
				   (r->oif && !l) ? CT_HL_FAIL : CT_HL_NONE);
		}
		ct_rec_int(o, "METRIC", "metric", r->priority, r->priority != 0, CT_HL_NONE);
		ct_rec_str(o, NULL, "prefsrc", ct_ip_is_set(&r->src) ? ct_ip_fmt(&r->src, p, sizeof(p)) : NULL,
			   CT_HL_NONE);
		flags_of(r->flags, fl, &nfl);
		ct_rec_strv(o, "FLAGS", "flags", fl, nfl);
		if (r->nh_count > 1) {
			const struct ct_nexthop *nh;
			struct ct_nexthop tmp;
			size_t k = ct_route_nexthops(r, &nh, &tmp);
			ct_rec_arr_begin(o, "nexthops");
			for (size_t j = 0; j < k; j++) {
				ct_rec_obj_begin(o, NULL);
				ct_rec_str(o, NULL, "gateway",
					   ct_ip_is_set(&nh[j].gw) ? ct_ip_fmt(&nh[j].gw, g, sizeof(g)) : NULL,
					   CT_HL_NONE);
				ct_rec_str(o, NULL, "dev", dev_name(ns, nh[j].oif, dv, sizeof(dv)), CT_HL_NONE);
				ct_rec_int(o, NULL, "weight", nh[j].weight, true, CT_HL_NONE);
				flags_of(nh[j].flags, fl, &nfl);
				ct_rec_strv(o, NULL, "flags", fl, nfl);
				ct_rec_obj_end(o);
			}
			ct_rec_arr_end(o);
		}
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	if (keep)
		ct_findings_keep(&f, keep, nkeep);
	int rc = ct_finish(c, &n, &f);
	free(keep);
	free(keepbuf);
	ct_findings_free(&f);
	free(cls);
	ct_node_free(&n);
	return rc;
}
