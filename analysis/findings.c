/* SPDX-License-Identifier: MIT */
#include "findings.h"
#include "model/err.h"
#include "model/esc.h"
#include "model/model.h"
#include "model/shq.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The registry. Keep it sorted by scope; caltrace(1) lists every row and a test
 * checks that the man page and this table agree. */
const struct ct_finding_def ct_finding_defs[] = {
	/* links */
	{"workload_no_route", CT_SEV_WARN, "links", "a workload interface has no /32 or /128 route: its pod is unreachable"},
	{"workload_link_down", CT_SEV_FAIL, "links", "a workload interface is down"},
	{"proxy_arp_off", CT_SEV_FAIL, "links", "proxy ARP is off on a workload interface: the pod cannot resolve 169.254.1.1"},
	{"forwarding_off", CT_SEV_FAIL, "links", "forwarding is off on a workload interface, or globally (IPv4; IPv6 where pods have IPv6)"},
	{"workload_mac_unexpected", CT_SEV_WARN, "links", "a workload interface's MAC is not ee:ee:ee:ee:ee:ee"},
	{"orphan_veth", CT_SEV_WARN, "links", "a workload interface matches no pod of this node"},
	{"pod_without_veth", CT_SEV_WARN, "links", "a Running pod of this node has no workload interface"},
	{"workload_mtu_too_large", CT_SEV_WARN, "links", "a workload's MTU is larger than its encapsulation allows (tunnel device, or underlay less 20/50/70/60 bytes)"},
	{"workload_policy_missing", CT_SEV_FAIL, "links", "Felix's dispatch chains exist but a workload interface has no cali-fw/cali-tw chains: its traffic ends on \"Unknown interface\""},
	/* routes */
	{"route_to_missing_link", CT_SEV_FAIL, "routes", "a workload route points at an interface that does not exist"},
	{"route_to_down_link", CT_SEV_FAIL, "routes", "a workload route points at an interface that is down"},
	{"prefix_multiple_owners", CT_SEV_WARN, "routes", "one prefix is programmed by two owners (e.g. bird and felix)"},
	{"ipip_gateway_unreachable", CT_SEV_FAIL, "routes", "an IPIP route's gateway is not reachable through a non-tunnel route"},
	{"vxlan_gateway_no_neigh", CT_SEV_FAIL, "routes", "a VXLAN route's gateway has no permanent neighbour entry"},
	{"vxlan_gateway_no_fdb", CT_SEV_FAIL, "routes", "a VXLAN route's gateway MAC has no FDB entry on the VXLAN device"},
	{"borrowed_ip", CT_SEV_INFO, "routes", "a remote route lies inside this node's blackhole block (a borrowed IP)"},
	{"no_route_to_pod_gateway", CT_SEV_FAIL, "routes", "no route covers 169.254.1.1 (no default route): proxy ARP answers none of the pods"},
	{"pod_gateway_unroutable", CT_SEV_FAIL, "routes", "the kernel finds no route for 169.254.1.1 from a workload interface: proxy ARP will not answer"},
	{"pod_gateway_unchecked", CT_SEV_WARN, "routes", "the route for 169.254.1.1 from a workload interface could not be checked: the pod's address is not known"},
	{"pod_gateway_via_workload", CT_SEV_FAIL, "routes", "169.254.1.1 from a workload interface routes back out of that interface: proxy ARP will not answer"},
	{"tunnel_gateway_not_a_node", CT_SEV_FAIL, "routes", "a route to a pod block goes via a gateway that is no node known from BGP or the VXLAN FDB"},
	{"workload_route_shadowed", CT_SEV_FAIL, "routes", "the kernel's route to a workload address, from the node or from where remote traffic arrives, does not leave through its interface: another route or a policy rule wins"},
	{"workload_address_unused", CT_SEV_WARN, "routes", "an address of this node's block that no workload holds: traffic to it ends in the block's blackhole"},
	/* tunnel */
	{"tunnel_mtu_too_large", CT_SEV_WARN, "tunnel", "a tunnel MTU leaves no room for its overhead against the underlay MTU"},
	{"tunnel_down", CT_SEV_FAIL, "tunnel", "a tunnel device used by routes is down"},
	{"tunnel_errors", CT_SEV_WARN, "tunnel", "a tunnel device counts errors or drops"},
	{"tunnel_mode_mixed", CT_SEV_INFO, "tunnel", "routes use more than one encapsulation"},
	{"tunl0_fallback", CT_SEV_INFO, "tunnel", "a tunl0 inside a pod namespace is the kernel's fallback device, not a problem"},
	{"vtep_neigh_missing", CT_SEV_FAIL, "tunnel", "a remote VTEP has an FDB entry but no permanent neighbour"},
	{"vtep_fdb_missing", CT_SEV_FAIL, "tunnel", "a remote VTEP has a permanent neighbour but no FDB entry"},
	{"encap_blocked", CT_SEV_FAIL, "tunnel", "a DROP or REJECT that is not Felix's, at prerouting, input or output, drops IPIP (IP protocol 4) or VXLAN (UDP to vxlan.calico's port)"},
	{"encap_peer_not_allowed", CT_SEV_FAIL, "tunnel", "a BGP peer, tunnel gateway or remote VTEP is missing from Felix's allow set: Felix's own rule drops its tunnel packets"},
	/* neigh */
	{"neigh_failed", CT_SEV_WARN, "neigh", "neighbour entries are FAILED or INCOMPLETE"},
	{"neigh_table_pressure", CT_SEV_WARN, "neigh", "a neighbour table is above gc_thresh2: the kernel is collecting entries"},
	{"neigh_table_overflow", CT_SEV_FAIL, "neigh", "a neighbour table is at or near gc_thresh3: \"neighbour table overflow\" follows"},
	{"pod_gateway_failed", CT_SEV_FAIL, "neigh", "inside a pod, the neighbour entry for the gateway is FAILED or INCOMPLETE"},
	{"pod_gateway_wrong_mac", CT_SEV_FAIL, "neigh", "inside a pod, the gateway resolves to a MAC other than ee:ee:ee:ee:ee:ee"},
	{"neigh_pinned", CT_SEV_WARN, "neigh", "a PERMANENT underlay neighbour entry for a BGP peer or tunnel gateway: a wrong MAC is never corrected"},
	{"workload_neigh_failed", CT_SEV_WARN, "neigh", "the host's neighbour entry for a pod is FAILED"},
	/* bgp */
	{"bird_unreachable", CT_SEV_FAIL, "bgp", "BIRD's control socket cannot be reached: no BGP state to check"},
	{"bgp_connection_refused", CT_SEV_FAIL, "bgp", "nothing listens on the peer's TCP 179 (its BIRD is down, or a firewall rejects)"},
	{"bgp_no_response", CT_SEV_FAIL, "bgp", "connecting to the peer's TCP 179 gets no answer: packets to 179 vanish"},
	{"bgp_bad_peer_as_local", CT_SEV_FAIL, "bgp", "BGP Error: Bad peer AS: this node's configured neighbour AS is wrong"},
	{"bgp_bad_peer_as_remote", CT_SEV_FAIL, "bgp", "Received: Bad peer AS: the peer's configuration of this node's AS is wrong"},
	{"bgp_hold_timer_expired", CT_SEV_FAIL, "bgp", "the session dropped because no keepalive arrived within the hold time"},
	{"bgp_peer_down", CT_SEV_FAIL, "bgp", "a BGP session is not Established"},
	{"bgp_passive_waiting", CT_SEV_WARN, "bgp", "this side is passive and the peer has not connected: the peer's side tells why"},
	{"bgp_peer_disabled", CT_SEV_WARN, "bgp", "a BGP protocol is disabled (down)"},
	{"bgp_route_missing_in_kernel", CT_SEV_FAIL, "bgp", "a route BIRD exports to the kernel is not in the kernel's table"},
	{"bgp_route_mismatch", CT_SEV_FAIL, "bgp", "the kernel's route differs from what BIRD exports (next hop)"},
	{"bgp_route_stale", CT_SEV_WARN, "bgp", "a kernel route of protocol bird that BIRD no longer exports (BIRD died with persist?)"},
	{"bgp_mesh_incomplete", CT_SEV_WARN, "bgp", "fewer Mesh_ peers than the other nodes that run pods: a node is missing from the full mesh"},
	{"bgp_mesh_large", CT_SEV_INFO, "bgp", "a full mesh of over 100 nodes: N(N-1)/2 sessions; use route reflectors"},
	/* doctor: node-wide checks */
	{"ip_forward_off", CT_SEV_FAIL, "doctor", "net.ipv4.ip_forward is 0: the node routes nothing for its pods"},
	{"rp_filter_loose_all", CT_SEV_FAIL, "doctor", "net.ipv4.conf.all.rp_filter is 2: Felix refuses to run in loose mode"},
	{"rp_filter_strict_underlay", CT_SEV_WARN, "doctor", "strict rp_filter on an underlay or tunnel interface drops asymmetric return traffic"},
	{"conntrack_full", CT_SEV_FAIL, "doctor", "the conntrack table is at or near nf_conntrack_max: new connections are dropped"},
	{"conntrack_pressure", CT_SEV_WARN, "doctor", "the conntrack table is over 75% of nf_conntrack_max"},
	{"node_address_on_bridge", CT_SEV_WARN, "doctor", "the node's BGP/IP address sits on a bridge (docker0?): IP autodetection picked the wrong interface"},
	{"ebpf_dataplane", CT_SEV_INFO, "doctor", "Calico's eBPF dataplane is active: route-based analysis does not describe the data path"},
	{"networkmanager_manages_calico", CT_SEV_WARN, "doctor", "NetworkManager runs and its configuration does not leave cali*, tunl* and vxlan.calico unmanaged"},
	{"bgp_not_running", CT_SEV_INFO, "doctor", "no BIRD on this node and no BIRD routes: a non-BGP mode (VXLAN) is assumed"},
	/* doctor in a pod's namespace (eth0 the peer of a workload interface) */
	{"pod_eth0_down", CT_SEV_FAIL, "doctor", "inside a pod, its interface (eth0) is down"},
	{"pod_eth0_no_address", CT_SEV_FAIL, "doctor", "inside a pod, eth0 does not hold the address the node routes to its workload interface"},
	{"pod_no_default_route", CT_SEV_FAIL, "doctor", "inside a pod, no default route via 169.254.1.1 (or fe80::ecee:eeff:feee:eeee) through eth0"},
	{"pod_mtu_mismatch", CT_SEV_WARN, "doctor", "inside a pod, eth0's MTU differs from its host-side workload interface's"},
	/* path (analysis/path.c): what only the path from SRC to DST shows */
	{"path_no_route", CT_SEV_FAIL, "path", "a node (or the pod) on the path does not forward the packet to DST: the lookup fails, or only a default route leads toward a pod of a known node"},
	{"path_policy_denies", CT_SEV_FAIL, "path", "every policy that applies to a workload on the path has no rule: the end-of-tier rule drops the packet"},
	{"path_next_hop_wrong_mac", CT_SEV_FAIL, "path", "the underlay next hop's neighbour entry holds a MAC that is not the next node's interface MAC"},
	{"path_mtu", CT_SEV_WARN, "path", "the sender's MTU is larger than the path carries, encapsulation included"},
	{"path_asymmetric", CT_SEV_WARN, "path", "replies cross other nodes than requests"},
	{"path_rp_filter_asymmetric", CT_SEV_FAIL, "path", "a node refuses packets arriving on an interface in strict rp_filter mode because its route back to their source leaves by another interface"},
	{"path_service_no_endpoints", CT_SEV_FAIL, "path", "DST is a Service VIP without endpoints: kube-proxy rejects its packets"},
	/* internal */
	{"dump_interrupted", CT_SEV_WARN, "all", "a netlink dump stayed inconsistent after retries (the table changed while it was read)"},
	{"internal_unknown_code", CT_SEV_WARN, "all", "caltrace bug: a finding code missing from the registry"},
	{NULL, 0, NULL, NULL},
};

static const char *const sev_names[] = {"info", "warn", "fail"};

const char *ct_sev_name(enum ct_sev s)
{
	return (unsigned)s < 3 ? sev_names[s] : "info";
}

const struct ct_finding_def *ct_finding_def(const char *code)
{
	for (const struct ct_finding_def *d = ct_finding_defs; d->code; d++)
		if (strcmp(d->code, code) == 0)
			return d;
	return NULL;
}

void ct_findings_init(struct ct_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void ct_findings_free(struct ct_findings *f)
{
	free(f->v);
	memset(f, 0, sizeof(*f));
}

struct ct_finding *ct_finding_add(struct ct_findings *f, const char *code, const char *netns,
				  const char *subject, const char *evidence, const char *fix,
				  const char *fmt, ...)
{
	if (f->n == f->cap) {
		size_t nc = f->cap ? f->cap * 2 : 16;
		struct ct_finding *p = realloc(f->v, nc * sizeof(*p));
		if (!p)
			return NULL;
		f->v = p;
		f->cap = nc;
	}
	struct ct_finding *x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->def = ct_finding_def(code);
	if (!x->def)
		x->def = ct_finding_def("internal_unknown_code");
	x->sev = x->def->sev;
	snprintf(x->subject, sizeof(x->subject), "%s", subject ? subject : "");
	snprintf(x->netns, sizeof(x->netns), "%s", netns ? netns : "");
	snprintf(x->evidence, sizeof(x->evidence), "%s", evidence ? evidence : "");
	snprintf(x->fix, sizeof(x->fix), "%s", fix ? fix : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->message, sizeof(x->message), fmt, ap);
	va_end(ap);
	return x;
}

void ct_finding_tag(struct ct_finding *x, const char *cause, const char *addr)
{
	if (!x)
		return;
	if (cause)
		snprintf(x->cause, sizeof(x->cause), "%s", cause);
	if (addr)
		snprintf(x->addr, sizeof(x->addr), "%s", addr);
}

/* The words that enter ns from the namespace caltrace runs in; 0 words when
 * it is that namespace (no path: it was not reached with -n). */
static size_t ns_words(const struct ct_netns *ns, const char **w, char *buf, size_t blen)
{
	static const char run_dir[] = "/var/run/netns/", run_dir2[] = "/run/netns/";
	if (!ns || !ns->path[0])
		return 0;
	const char *nm = ns->name, *p = ns->path;
	if (!strncmp(nm, "pid:", 4) && nm[4] && strspn(nm + 4, "0123456789") == strlen(nm + 4)) {
		w[0] = "nsenter";
		w[1] = "-t";
		w[2] = nm + 4;
		w[3] = "-n";
		return 4;
	}
	const char *base = !strncmp(p, run_dir, sizeof(run_dir) - 1)	 ? p + sizeof(run_dir) - 1
			   : !strncmp(p, run_dir2, sizeof(run_dir2) - 1) ? p + sizeof(run_dir2) - 1
									 : NULL;
	if (base && !strcmp(base, nm) && !strchr(nm, '/') && nm[0]) {
		w[0] = "ip";
		w[1] = "netns";
		w[2] = "exec";
		w[3] = nm;
		return 4;
	}
	if ((size_t)snprintf(buf, blen, "--net=%s", p) >= blen)
		return (size_t)-1;
	w[0] = "nsenter";
	w[1] = buf;
	return 2;
}

static void run_drop(struct ct_finding *x)
{
	static const char note[] = "(command too long to print)";
	if (x->run_dropped)
		return;
	x->run_dropped = true;
	size_t n = strlen(x->fix), room = sizeof(x->fix) - sizeof(note) - 1;
	n = ct_utf8_cut(x->fix, n, room);
	snprintf(x->fix + n, sizeof(x->fix) - n, "%s%s", n ? " " : "", note);
}

/* Builds "[pre ]<ns words> argv..." into a free slot of x. */
static int run_build(struct ct_finding *x, const struct ct_netns *ns, const char *pre,
		     const char *const *argv, size_t argc)
{
	if (!x)
		return -1;
	char line[CT_FINDING_RUN_LEN], nsbuf[CT_PATH_LEN + 8];
	const char *w[4];
	size_t pos = 0, nw = ns_words(ns, w, nsbuf, sizeof(nsbuf));
	line[0] = '\0';
	int bad = x->n_run >= CT_FINDING_RUNS || nw == (size_t)-1;
	if (!bad && pre)
		bad = ct_shq_raw(line, sizeof(line), &pos, pre);
	for (size_t i = 0; !bad && i < nw; i++)
		bad = ct_shq_cat(line, sizeof(line), &pos, w[i]);
	for (size_t i = 0; !bad && i < argc; i++)
		bad = !argv[i] || ct_shq_cat(line, sizeof(line), &pos, argv[i]);
	/* every word is quoted: what comes out prints as it is */
	if (!bad && !ct_shq_printable(line))
		bad = 1;
	if (bad) {
		run_drop(x);
		return -1;
	}
	memcpy(x->run[x->n_run++], line, pos + 1);
	return 0;
}

int ct_finding_runv(struct ct_finding *x, const struct ct_netns *ns, const char *const *argv,
		    size_t argc)
{
	return run_build(x, ns, NULL, argv, argc);
}

int ct_finding_run(struct ct_finding *x, const struct ct_netns *ns, ...)
{
	const char *argv[16];
	size_t argc = 0;
	va_list ap;
	va_start(ap, ns);
	for (const char *a; (a = va_arg(ap, const char *));)
		if (argc < 16)
			argv[argc++] = a;
		else
			argv[0] = NULL; /* too many words: a bug, refused below */
	va_end(ap);
	return run_build(x, ns, NULL, argv, argc);
}

int ct_finding_run_sysctl(struct ct_finding *x, const struct ct_netns *ns, const char *base,
			  const char *dev, const char *leaf, const char *value)
{
	char key[256], kv[300];
	if (!x || !ct_shq_devname_ok(dev))
		return -1;
	if (ct_shq_sysctl_key(key, sizeof(key), base, dev, leaf) == 0) {
		if ((size_t)snprintf(kv, sizeof(kv), "%s=%s", key, value) >= sizeof(kv)) {
			run_drop(x);
			return -1;
		}
		return ct_finding_run(x, ns, "sysctl", "-w", kv, NULL);
	}
	/* sysctl -w splits KEY=VALUE at the first '=': write the file itself,
	 * with tee run inside ns (a redirection would open it in the shell's) */
	char path[320], pre[64];
	size_t p = 0;
	if ((size_t)snprintf(path, sizeof(path), "/proc/sys/%s/%s/%s", base, dev, leaf) >=
	    sizeof(path)) {
		run_drop(x);
		return -1;
	}
	for (size_t i = 10; path[i] && i < 10 + strlen(base); i++)
		if (path[i] == '.')
			path[i] = '/';
	pre[0] = '\0';
	if (ct_shq_raw(pre, sizeof(pre), &p, "echo") || ct_shq_cat(pre, sizeof(pre), &p, value) ||
	    ct_shq_raw(pre, sizeof(pre), &p, " |")) {
		run_drop(x);
		return -1;
	}
	const char *argv[] = {"tee", path};
	return run_build(x, ns, pre, argv, 2);
}

int ct_findings_take(struct ct_findings *dst, const struct ct_findings *src,
		     const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < src->n; i++) {
		bool want = false;
		for (size_t k = 0; k < n && !want; k++)
			want = !strncmp(src->v[i].def->code, prefixes[k], strlen(prefixes[k]));
		if (!want)
			continue;
		struct ct_finding *x = ct_finding_add(dst, src->v[i].def->code, NULL, NULL, NULL, NULL, "%s", "");
		if (!x)
			return -1;
		*x = src->v[i];
	}
	return 0;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct ct_finding *x = a, *y = b;
	if (x->sev != y->sev)
		return (int)y->sev - (int)x->sev;
	int c = strcmp(x->def->code, y->def->code);
	if (c)
		return c;
	return strcmp(x->subject, y->subject);
}

void ct_findings_sort(struct ct_findings *f)
{
	if (f->n > 1)
		qsort(f->v, f->n, sizeof(f->v[0]), cmp_finding);
}

int ct_findings_exit(const struct ct_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].sev >= CT_SEV_WARN)
			return CT_EXIT_PROBLEMS;
	return CT_EXIT_OK;
}
