/* SPDX-License-Identifier: MIT */
#include "names.h"
#include "model.h"

#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const struct ct_name ct_rt_protocols[] = {
	{RTPROT_UNSPEC, "unspec"}, {RTPROT_REDIRECT, "redirect"}, {RTPROT_KERNEL, "kernel"},
	{RTPROT_BOOT, "boot"},     {RTPROT_STATIC, "static"},     {RTPROT_RA, "ra"},
	{RTPROT_DHCP, "dhcp"},     {RTPROT_ZEBRA, "zebra"},       {RTPROT_BIRD, "bird"},
	{80, "felix"},             {RTPROT_BGP, "bgp"},           {RTPROT_OSPF, "ospf"},
	{-1, NULL},
};

const struct ct_name ct_rt_types[] = {
	{RTN_UNSPEC, "none"},         {RTN_UNICAST, "unicast"},   {RTN_LOCAL, "local"},
	{RTN_BROADCAST, "broadcast"}, {RTN_ANYCAST, "anycast"},   {RTN_MULTICAST, "multicast"},
	{RTN_BLACKHOLE, "blackhole"}, {RTN_UNREACHABLE, "unreachable"},
	{RTN_PROHIBIT, "prohibit"},   {RTN_THROW, "throw"},       {RTN_NAT, "nat"},
	{RTN_XRESOLVE, "xresolve"},   {-1, NULL},
};

const struct ct_name ct_rt_scopes[] = {
	{RT_SCOPE_UNIVERSE, "universe"}, {RT_SCOPE_SITE, "site"}, {RT_SCOPE_LINK, "link"},
	{RT_SCOPE_HOST, "host"},         {RT_SCOPE_NOWHERE, "nowhere"}, {-1, NULL},
};

const struct ct_name ct_rt_tables[] = {
	{RT_TABLE_UNSPEC, "unspec"}, {RT_TABLE_DEFAULT, "default"}, {RT_TABLE_MAIN, "main"},
	{RT_TABLE_LOCAL, "local"},   {-1, NULL},
};

const struct ct_name ct_families[] = {
	{AF_INET, "inet"}, {AF_INET6, "inet6"}, {AF_BRIDGE, "bridge"}, {-1, NULL},
};

const struct ct_name ct_nud_states[] = {
	{NUD_INCOMPLETE, "incomplete"}, {NUD_REACHABLE, "reachable"}, {NUD_STALE, "stale"},
	{NUD_DELAY, "delay"},           {NUD_PROBE, "probe"},         {NUD_FAILED, "failed"},
	{NUD_NOARP, "noarp"},           {NUD_PERMANENT, "permanent"}, {0, "none"},
	{-1, NULL},
};

const struct ct_name ct_oper_states[] = {
	{CT_OPER_UNKNOWN, "unknown"},   {CT_OPER_NOTPRESENT, "notpresent"},
	{CT_OPER_DOWN, "down"},         {CT_OPER_LOWERLAYERDOWN, "lowerlayerdown"},
	{CT_OPER_TESTING, "testing"},   {CT_OPER_DORMANT, "dormant"},
	{CT_OPER_UP, "up"},             {-1, NULL},
};

const struct ct_name ct_rule_actions[] = {
	{FR_ACT_TO_TBL, "to_tbl"},           {FR_ACT_GOTO, "goto"},
	{FR_ACT_NOP, "nop"},                 {FR_ACT_BLACKHOLE, "blackhole"},
	{FR_ACT_UNREACHABLE, "unreachable"}, {FR_ACT_PROHIBIT, "prohibit"},
	{-1, NULL},
};

const char *ct_name_of(const struct ct_name *tbl, int value, char *buf, size_t len)
{
	for (const struct ct_name *t = tbl; t->name; t++)
		if (t->value == value)
			return t->name;
	snprintf(buf, len, "%d", value);
	return buf;
}

int ct_value_of(const struct ct_name *tbl, const char *name)
{
	for (const struct ct_name *t = tbl; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t->value;
	char *end;
	long v = strtol(name, &end, 10);
	if (*name && !*end && v >= 0 && v <= 0x7fffffff)
		return (int)v;
	return -1;
}

const char *ct_nud_name(uint16_t state, char *buf, size_t len)
{
	static const uint16_t order[] = {NUD_PERMANENT, NUD_NOARP,  NUD_FAILED, NUD_INCOMPLETE,
					 NUD_PROBE,     NUD_DELAY,  NUD_STALE,  NUD_REACHABLE};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (state & order[i])
			return ct_name_of(ct_nud_states, order[i], buf, len);
	return ct_name_of(ct_nud_states, state, buf, len);
}
