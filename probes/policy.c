/* SPDX-License-Identifier: MIT */
/* Runs iptables-legacy-save -c and iptables-nft-save -c (and the ip6tables ones) inside a
 * namespace with a deadline
 * (probes/pods_exec.c's runner, entered through probes/inns.c) and parses what they print. */
#include "probes/policy.h"

#include <linux/capability.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probes/inns.h"
#include "probes/pods_exec.h"

static bool have_net_admin(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return (d[CAP_NET_ADMIN / 32].effective >> (CAP_NET_ADMIN % 32)) & 1;
}

struct gather_arg {
	struct ct_policy *p;
	double timeout_s;
	bool ipsets;
};

static const char *const legacy_argv[] = {"iptables-legacy-save", "-c", NULL};
static const char *const nft_argv[] = {"iptables-nft-save", "-c", NULL};
static const char *const legacy6_argv[] = {"ip6tables-legacy-save", "-c", NULL};
static const char *const nft6_argv[] = {"ip6tables-nft-save", "-c", NULL};

static void run_one(struct gather_arg *a, int b, const char *const *argv)
{
	struct ct_err e = {0};
	char *out = NULL;
	size_t len = 0;
	if (ct_exec_capture(argv, "check the iptables binaries", a->timeout_s, CT_POLICY_MAX_OUTPUT,
			    &out, &len, &e) < 0) {
		snprintf(a->p->error[b], sizeof(a->p->error[b]), "%s", e.msg);
		return;
	}
	if (ct_ipt_parse(&a->p->rs[b], out ? out : "", len, &e) < 0)
		snprintf(a->p->error[b], sizeof(a->p->error[b]), "%s: %s", argv[0], e.msg);
	else if (a->p->rs[b].ntables)
		a->p->read[b] = true;
	free(out);
}

#define NFT_MAX_TABLES 256

/* Runs one nft command into ctx's buffers; -1 with p->error set when it fails. */
static int nft_cmd(struct ct_policy *p, struct nft_ctx *ctx, const char *cmd)
{
	if (nft_run_cmd_from_buffer(ctx, cmd) == 0)
		return 0;
	const char *m = nft_ctx_get_error_buffer(ctx);
	char line[200];
	size_t l = m ? strcspn(m, "\n") : 0;
	snprintf(line, sizeof(line), "%.*s", (int)(l < 199 ? l : 199), m ? m : "");
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	snprintf(p->error[CT_POL_NFTABLES], sizeof(p->error[0]), "libnftables: %s failed: %s", cmd,
		 line);
	return -1;
}

/* libnftables, in this thread's namespace (its netlink socket is opened by nft_ctx_new):
 * "list tables", then "list table F NAME" as JSON for each table iptables-nft-save did not
 * print (its tables are left out: xt stubs there, and often the biggest). */
static void run_nft(struct gather_arg *a)
{
	struct ct_policy *p = a->p;
	struct ct_err e = {0};
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		snprintf(p->error[CT_POL_NFTABLES], sizeof(p->error[0]), "libnftables: no context");
		return;
	}
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		snprintf(p->error[CT_POL_NFTABLES], sizeof(p->error[0]), "libnftables: no buffer");
		nft_ctx_free(ctx);
		return;
	}
	/* the table names first, then each table iptables-nft does not own */
	if (nft_cmd(p, ctx, "list tables") < 0) {
		nft_ctx_free(ctx);
		return;
	}
	const char *out = nft_ctx_get_output_buffer(ctx);
	char(*tables)[2][CT_POL_TABLE] = calloc(NFT_MAX_TABLES, sizeof(*tables));
	size_t nt = 0;
	if (!tables ||
	    ct_nft_table_list2(out ? out : "", out ? strlen(out) : 0, &p->rs[CT_POL_IPT_NFT],
			       &p->rs[CT_POL_IP6T_NFT], tables, NFT_MAX_TABLES, &nt, &e) < 0) {
		snprintf(p->error[CT_POL_NFTABLES], sizeof(p->error[0]), "%s",
			 tables ? e.msg : "out of memory");
		free(tables);
		nft_ctx_free(ctx);
		return;
	}
	for (size_t i = 0; i < nt; i++) {
		char cmd[3 * CT_POL_TABLE];
		snprintf(cmd, sizeof(cmd), "list table %s %s", tables[i][0], tables[i][1]);
		if (nft_cmd(p, ctx, cmd) < 0)
			break;
		out = nft_ctx_get_output_buffer(ctx);
		if (ct_nft_parse_skip2(&p->rs[CT_POL_NFTABLES], out ? out : "",
				       out ? strlen(out) : 0, &p->rs[CT_POL_IPT_NFT],
				       &p->rs[CT_POL_IP6T_NFT], &e) < 0) {
			snprintf(p->error[CT_POL_NFTABLES], sizeof(p->error[0]), "%s", e.msg);
			break;
		}
	}
	if (!p->error[CT_POL_NFTABLES][0] && p->rs[CT_POL_NFTABLES].ntables)
		p->read[CT_POL_NFTABLES] = true;
	free(tables);
	nft_ctx_free(ctx);
}

static const char *const ipset_argv[] = {"ipset", "save", NULL};

/* `ipset save`: read-only, the sets Felix's iptables rules match on. */
static void run_ipset(struct gather_arg *a)
{
	struct ct_err e = {0};
	char *out = NULL;
	size_t len = 0;
	if (ct_exec_capture(ipset_argv, "check the ipset binary", a->timeout_s,
			    CT_POLICY_MAX_OUTPUT, &out, &len, &e) < 0) {
		snprintf(a->p->ipset_error, sizeof(a->p->ipset_error), "%s", e.msg);
		return;
	}
	if (ct_ipset_parse(&a->p->ipsets, out ? out : "", len, &e) < 0)
		snprintf(a->p->ipset_error, sizeof(a->p->ipset_error), "%s", e.msg);
	else
		a->p->ipset_read = true;
	free(out);
}

static int gather_in(void *arg, struct ct_err *err)
{
	(void)err;
	struct gather_arg *a = arg;
	if (a->ipsets)
		run_ipset(a);
	run_one(a, CT_POL_IPT_LEGACY, legacy_argv);
	run_one(a, CT_POL_IPT_NFT, nft_argv);
	run_one(a, CT_POL_IP6T_LEGACY, legacy6_argv);
	run_one(a, CT_POL_IP6T_NFT, nft6_argv);
	run_nft(a);
	return 0;
}

int ct_policy_gather(struct ct_policy *p, const char *netns_spec, double timeout_s,
		     struct ct_err *err)
{
	if (!have_net_admin()) {
		p->no_cap = true;
		return 0;
	}
	struct gather_arg a = {p, timeout_s, false};
	return ct_netns_run(netns_spec, gather_in, &a, err);
}

int ct_policy_gather_sets(struct ct_policy *p, const char *netns_spec, double timeout_s,
			  struct ct_err *err)
{
	if (!have_net_admin()) {
		p->no_cap = true;
		return 0;
	}
	struct gather_arg a = {p, timeout_s, true};
	return ct_netns_run(netns_spec, gather_in, &a, err);
}
