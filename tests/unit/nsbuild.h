/* SPDX-License-Identifier: MIT */
/* Hand-made namespaces for the lookup and gateway-classifier unit tests
 * (test_lookup.c, test_gwcause.c): links, addresses and routes put in by hand.
 * Include after cmocka.h and model/model.h. */
#ifndef CT_TEST_NSBUILD_H
#define CT_TEST_NSBUILD_H

enum { LO = 1, ETH0 = 2, ETH1 = 3, CALI = 4, NOFWD = 5 };

static void ip_(struct ct_ip *ip, const char *s)
{
	assert_int_equal(ct_ip_parse(s, ip), 0);
}

static void add_link(struct ct_netns *ns, int ifindex, const char *name, bool up, int fwd,
		     int rpf)
{
	struct ct_link *l = ct_push_link(ns);
	assert_non_null(l);
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->flags = up ? IFF_UP : 0;
	l->forwarding = fwd;
	l->rp_filter = rpf;
	l->eff_rp_filter = rpf;
	l->link_netnsid = -1;
	l->peer_ns = -1;
}

static void add_addr(struct ct_netns *ns, int ifindex, const char *pfx)
{
	struct ct_addr *a = ct_push_addr(ns);
	assert_non_null(a);
	a->ifindex = ifindex;
	assert_int_equal(ct_prefix_parse(pfx, &a->pfx), 0);
}

/* A route of a type and prefix, gateway (or NULL), device, table and metric. */
static struct ct_route *add_route(struct ct_netns *ns, uint8_t type, const char *pfx,
				  const char *gw, int oif, uint32_t table, uint32_t metric)
{
	struct ct_route *r = ct_push_route(ns);
	assert_non_null(r);
	assert_int_equal(ct_prefix_parse(pfx, &r->dst), 0);
	if (strchr(pfx, '/') == NULL)
		r->dst.len = ct_ip_maxlen(r->dst.ip.family);
	if (strcmp(pfx, "0.0.0.0/0") == 0 || strcmp(pfx, "::/0") == 0)
		r->dst.len = 0;
	if (gw)
		ip_(&r->gw, gw);
	r->type = type;
	r->oif = type == RTN_UNICAST || type == RTN_LOCAL || type == RTN_BROADCAST ? oif : LO;
	r->table = table;
	r->priority = metric;
	r->protocol = RTPROT_BOOT;
	r->scope = type == RTN_LOCAL ? RT_SCOPE_HOST : gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	return r;
}

#endif
