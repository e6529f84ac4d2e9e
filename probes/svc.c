/* SPDX-License-Identifier: MIT */
/* Runs the iptables-save family, libnftables and reads /proc/net/ip_vs inside a namespace
 * (probes/inns.c), and hands the bytes to model/svc.c. Contracts in svc.h. */
#include "probes/svc.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "model/policy.h"
#include "probes/inns.h"
#include "probes/pods_exec.h"

#define IPVS_MAX_BYTES (256u << 20)

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
	struct ct_svcs *s;
	double timeout_s;
};

static void set_error(struct ct_svcs *s, int src, const char *a, const char *b)
{
	if (!s->error[src][0])
		snprintf(s->error[src], sizeof(s->error[src]), "%s%s%s", a, b ? ": " : "",
			 b ? b : "");
}

/* One `*-save -c`: parsed on its own (a family's tables), then its Services. */
static void run_save(struct ct_svcs *s, int src, const char *bin, double timeout_s)
{
	const char *argv[] = {bin, "-c", NULL};
	struct ct_err e = {0};
	char *out = NULL;
	size_t len = 0;
	if (ct_exec_capture(argv, "check the iptables binaries", timeout_s, CT_SVC_MAX_OUTPUT, &out,
			    &len, &e) < 0) {
		set_error(s, src, e.msg, NULL);
		return;
	}
	struct ct_ipt_ruleset rs;
	ct_ipt_ruleset_init(&rs);
	if (ct_ipt_parse(&rs, out ? out : "", len, &e) < 0)
		set_error(s, src, bin, e.msg);
	else if (ct_svc_from_ipt(s, &rs, src, &e) < 0)
		set_error(s, src, bin, e.msg);
	else
		s->read[src] = true;
	ct_ipt_ruleset_free(&rs);
	free(out);
}

/* A failed libnftables command into s->error (its first error line, control bytes replaced). */
static void nft_cmd_error(struct ct_svcs *s, const char *cmd, const char *m)
{
	char line[200];
	size_t l = m ? strcspn(m, "\n") : 0;
	snprintf(line, sizeof(line), "%.*s", (int)(l < 199 ? l : 199), m ? m : "");
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	char what[120];
	snprintf(what, sizeof(what), "libnftables: %s failed", cmd);
	set_error(s, CT_SVC_NFTABLES, what, line);
}

static void run_nft(struct ct_svcs *s)
{
	struct ct_err e = {0};
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		set_error(s, CT_SVC_NFTABLES, "libnftables: no context", NULL);
		return;
	}
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	if (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx)) {
		set_error(s, CT_SVC_NFTABLES, "libnftables: no buffer", NULL);
		nft_ctx_free(ctx);
		return;
	}
	/* straight to the two tables: libnftables' "list tables" fills its cache with the whole
	 * ruleset first (as long as listing kube-proxy's table itself: 5 s for 10,000 Services),
	 * while listing a table that is not there fails at once with ENOENT */
	const char *cmds[2] = {"list table ip kube-proxy", "list table ip6 kube-proxy"};
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		if (nft_run_cmd_from_buffer(ctx, cmds[i]) != 0) {
			const char *m = nft_ctx_get_error_buffer(ctx);
			/* libnftables writes strerror(ENOENT), in the locale's words */
			if (m &&
			    (strstr(m, strerror(ENOENT)) || strstr(m, "No such file or directory")))
				continue; /* no such table: kube-proxy is not in nftables mode */
			nft_cmd_error(s, cmds[i], m);
			ok = false;
			break;
		}
		const char *out = nft_ctx_get_output_buffer(ctx);
		if (ct_svc_parse_nft(s, out ? out : "", out ? strlen(out) : 0, &e) < 0) {
			set_error(s, CT_SVC_NFTABLES, e.msg, NULL);
			ok = false;
		}
	}
	if (ok)
		s->read[CT_SVC_NFTABLES] = true;
	nft_ctx_free(ctx);
}

/* /proc/net/ip_vs of this namespace: absent without IPVS (not an error: nothing to read). */
static void run_ipvs(struct ct_svcs *s)
{
	int fd = open("/proc/net/ip_vs", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			set_error(s, CT_SVC_IPVS, "cannot open '/proc/net/ip_vs'", strerror(errno));
		return;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 65536 > cap) {
			size_t nc = cap ? cap * 2 : 262144;
			char *p = nc <= IPVS_MAX_BYTES ? realloc(buf, nc) : NULL;
			if (!p) {
				set_error(s, CT_SVC_IPVS, "'/proc/net/ip_vs' too large", NULL);
				goto out;
			}
			buf = p;
			cap = nc;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			set_error(s, CT_SVC_IPVS, "cannot read '/proc/net/ip_vs'", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	struct ct_err e = {0};
	if (ct_svc_parse_ipvs(s, buf ? buf : "", len, &e) < 0) {
		set_error(s, CT_SVC_IPVS, e.msg, NULL);
		goto out;
	}
	s->read[CT_SVC_IPVS] = true;
	/* kube-ipvs0's addresses: the VIPs kube-proxy bound */
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) == 0) {
		struct ct_ip addrs[256];
		size_t n = 0;
		for (struct ifaddrs *p = ifa; p && n < 256; p = p->ifa_next) {
			if (!p->ifa_addr || !p->ifa_name || strcmp(p->ifa_name, "kube-ipvs0") != 0)
				continue;
			memset(&addrs[n], 0, sizeof(addrs[n]));
			if (p->ifa_addr->sa_family == AF_INET) {
				addrs[n].family = AF_INET;
				memcpy(addrs[n].a, &((struct sockaddr_in *)p->ifa_addr)->sin_addr,
				       4);
				n++;
			} else if (p->ifa_addr->sa_family == AF_INET6) {
				addrs[n].family = AF_INET6;
				memcpy(addrs[n].a, &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr,
				       16);
				n++;
			}
		}
		ct_svc_ipvs_local(s, addrs, n);
		freeifaddrs(ifa);
	}
out:
	free(buf);
	close(fd);
}

static void check_ebpf(struct ct_svcs *s)
{
	if (if_nametoindex("bpfin.cali")) {
		s->ebpf = true;
		s->read[CT_SVC_EBPF] = true;
	}
}

static int gather_in(void *arg, struct ct_err *err)
{
	(void)err;
	struct gather_arg *a = arg;
	struct ct_svcs *s = a->s;
	check_ebpf(s);
	run_save(s, CT_SVC_IPT_LEGACY, "iptables-legacy-save", a->timeout_s);
	run_save(s, CT_SVC_IPT_LEGACY, "ip6tables-legacy-save", a->timeout_s);
	run_save(s, CT_SVC_IPT_NFT, "iptables-nft-save", a->timeout_s);
	run_save(s, CT_SVC_IPT_NFT, "ip6tables-nft-save", a->timeout_s);
	run_nft(s);
	run_ipvs(s);
	return 0;
}

/* what the policy read left out: kube-proxy's nftables tables, IPVS, eBPF */
static int gather_rest_in(void *arg, struct ct_err *err)
{
	(void)err;
	struct gather_arg *a = arg;
	check_ebpf(a->s);
	run_nft(a->s);
	run_ipvs(a->s);
	return 0;
}

/* One ruleset of the policy read, as run_save would have read it. */
static void from_policy(struct ct_svcs *s, int src, const struct ct_policy *p, int b)
{
	static const char *const bins[CT_POL_NBACKENDS] = {
		[CT_POL_IPT_LEGACY] = "iptables-legacy-save",
		[CT_POL_IPT_NFT] = "iptables-nft-save",
		[CT_POL_IP6T_LEGACY] = "ip6tables-legacy-save",
		[CT_POL_IP6T_NFT] = "ip6tables-nft-save",
	};
	struct ct_err e = {0};
	if (p->error[b][0])
		set_error(s, src, p->error[b], NULL);
	else if (ct_svc_from_ipt(s, &p->rs[b], src, &e) < 0)
		set_error(s, src, bins[b], e.msg);
	else
		s->read[src] = true;
}

int ct_svc_gather_from_policy(struct ct_svcs *s, const struct ct_policy *p,
			      const char *netns_spec, double timeout_s, struct ct_err *err)
{
	if (p->no_cap || !have_net_admin()) {
		s->no_cap = true;
		return 0;
	}
	from_policy(s, CT_SVC_IPT_LEGACY, p, CT_POL_IPT_LEGACY);
	from_policy(s, CT_SVC_IPT_LEGACY, p, CT_POL_IP6T_LEGACY);
	from_policy(s, CT_SVC_IPT_NFT, p, CT_POL_IPT_NFT);
	from_policy(s, CT_SVC_IPT_NFT, p, CT_POL_IP6T_NFT);
	struct gather_arg a = {s, timeout_s};
	int rc = ct_netns_run(netns_spec, gather_rest_in, &a, err);
	ct_svcs_finish(s);
	return rc;
}

int ct_svc_gather(struct ct_svcs *s, const char *netns_spec, double timeout_s, struct ct_err *err)
{
	if (!have_net_admin()) {
		s->no_cap = true;
		return 0;
	}
	struct gather_arg a = {s, timeout_s};
	int rc = ct_netns_run(netns_spec, gather_in, &a, err);
	ct_svcs_finish(s);
	return rc;
}
