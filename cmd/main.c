/* SPDX-License-Identifier: MIT */
/* caltrace: argv -> a query; dispatch through one command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

const struct ct_cmd ct_cmds[] = {
	{"links", cmd_links, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE...]",
	 "workload interfaces (cali*): pod, IPs, sysctls, counters, and what is wrong with them",
	 "pods timeout", "iface", ""},
	{"tunnel", cmd_tunnel, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "",
	 "encapsulation devices (tunl0, vxlan.calico, wireguard.cali) and the mode they imply", "",
	 "", ""},
	{"routes", cmd_routes, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[PREFIX]",
	 "every route classified (workload, blackhole, ipip, vxlan, native, ...) with its owner", "",
	 "prefix", ""},
	{"neigh", cmd_neigh, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE]",
	 "neighbour (ARP/ND) entries, table pressure, and the pod gateway entry", "", "iface", ""},
	{"bgp", cmd_bgp, CT_NEED_NETLINK | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "[routes] [PEER]",
	 "BGP sessions from BIRD's control socket, the kernel's TCP 179, and BIRD's routes against the kernel",
	 "timeout exported", "peer", ""},
	{"doctor", cmd_doctor, CT_NEED_NETLINK | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "",
	 "every node check in one run: links, routes, tunnels, neighbours, BGP, and node settings",
	 "timeout pods", "", ""},
	{"snapshot", cmd_snapshot, CT_NEED_NETLINK | CT_NEED_SETNS | CT_NEED_BIRD, "",
	 "save the node's state (host and pod namespaces, BIRD's view) as JSON for --from",
	 "output pods timeout",
	 "", ""},
	{"sniff", cmd_sniff, CT_NEED_RAW | CT_NEED_SETNS, "[FILTER...]",
	 "capture and decode IPIP and VXLAN traffic, outer and inner, live in several namespaces or from a pcap; flows with --flows",
	 "interface read write count snaplen inner flows interval max-flows vxlan-port checksums user", "",
	 "netns interface vxlan-port"},
	{"veth-name", cmd_veth_name, CT_NEED_NONE, "NAMESPACE/POD...",
	 "print the host-side interface name Calico gives a pod", "", "pod", ""},
	{"help", cmd_help, CT_NEED_NONE, "[COMMAND]", "show help for caltrace or one command", "",
	 "command", ""},
	{"version", cmd_version, CT_NEED_NONE, "", "print the version", "", "", ""},
	{NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL},
};

const struct ct_opt ct_opts_table[] = {
	{'n', "netns", "NS", "network namespace: a name under /var/run/netns, a path, or pid:PID (sniff: repeatable)", "netns"},
	{'j', "json", NULL, "print JSON (one document; sniff: one object per line; see caltrace(1) for the keys)", ""},
	{CT_OPT_FROM, "from", "FILE", "read a snapshot instead of the live kernel", "file"},
	{CT_OPT_COLOR, "color", "WHEN", "colour text output: auto, always or never (NO_COLOR honoured)", "color"},
	{CT_OPT_PREFIX, "prefix", "LIST", "workload interface prefixes, comma-separated (default $FELIX_INTERFACEPREFIX or cali)", ""},
	{CT_OPT_PODS, "pods", "SOURCE", "pods from a file of `kubectl get pods -A -o json`, or run kubectl or crictl", "pods"},
	{CT_OPT_BIRD_SOCKET, "bird-socket", "PATH", "BIRD's control socket (default: the socket of the bird process in the namespace, then /var/run/calico/bird.ctl)", "file"},
	{CT_OPT_EXPORTED, "exported", NULL, "bgp routes PEER: the routes this node advertises to PEER instead of those learned from it", ""},
	{'o', "output", "FILE", "snapshot: write to FILE instead of standard output", "file"},
	{CT_OPT_TIMEOUT, "timeout", "SECONDS", "deadline for kubectl/crictl and for the whole BIRD exchange (default 10; BIRD also gets 2 s per read)", ""},
	{'i', "interface", "IFACE", "sniff: capture on IFACE, or NS:IFACE in namespace NS (repeatable; default any)", "iface"},
	{'r', "read", "FILE", "sniff: read packets from a pcap or pcapng file instead of capturing", "file"},
	{'w', "write", "FILE", "sniff: write the packets to a pcap file instead of printing them", "file"},
	{'c', "count", "N", "sniff: stop after N packets", ""},
	{'s', "snaplen", "N", "sniff: capture at most N bytes of each packet (default and 0: 262144)", ""},
	{CT_OPT_INNER, "inner", "EXPR", "sniff: only encapsulated packets whose inner packet matches the pcap filter EXPR", ""},
	{CT_OPT_FLOWS, "flows", NULL, "sniff: print flows (top talkers, one-way flows, ICMP errors) instead of packets", ""},
	{CT_OPT_INTERVAL, "interval", "SECONDS", "sniff --flows: also report the top flows every SECONDS", ""},
	{CT_OPT_MAX_FLOWS, "max-flows", "N", "sniff --flows: keep at most N flow entries, evicting the least recently seen (default 262144)", ""},
	{CT_OPT_VXLAN_PORT, "vxlan-port", "PORT", "sniff: decode UDP to PORT as VXLAN (repeatable; default 4789 and 8472)", ""},
	{CT_OPT_CHECKSUMS, "checksums", NULL, "sniff: verify IPv4 header, TCP, UDP and ICMP checksums", ""},
	{'Z', "user", "USER", "sniff: once the capture is open, run as USER (capabilities are dropped either way)", ""},
	{'h', "help", NULL, "show help", ""},
	{'V', "version", NULL, "print the version", ""},
	{0, NULL, NULL, NULL, NULL},
};

const struct ct_cmd *ct_cmd_find(const char *name)
{
	return ct_cmd_lookup(ct_cmds, name);
}

void ct_usage(FILE *f)
{
	fprintf(f, "usage: caltrace [OPTIONS] COMMAND [ARGS]\n\n"
		   "Why can't pod A reach pod B? caltrace reads a Calico node's kernel state\n"
		   "(live, in any network namespace, or from a snapshot) and says what is wrong.\n\n"
		   "commands:\n");
	for (const struct ct_cmd *c = ct_cmds; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\noptions:\n");
	for (const struct ct_opt *o = ct_opts_table; o->lng; o++) {
		char left[64];
		if (o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->lng, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->lng, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
	fprintf(f, "\nexit status: 0 healthy, 1 problems found, 2 usage error, 3 could not gather.\n"
		   "'caltrace help COMMAND' for one command; caltrace(1) for everything.\n");
}

int ct_help_cmd(FILE *f, const char *name)
{
	const struct ct_cmd *c = ct_cmd_find(name);
	if (!c) {
		char esc[256];
		fprintf(stderr, "caltrace: unknown command '%s'; run 'caltrace help' for the list\n",
			ct_escape(name, esc, sizeof(esc)));
		return CT_EXIT_USAGE;
	}
	fprintf(f, "usage: caltrace %s [OPTIONS]%s%s\n\n%s\n\noptions:\n", c->name, c->args[0] ? " " : "",
		c->args, c->summary);
	for (const struct ct_opt *o = ct_opts_table; o->lng; o++) {
		if (!ct_cmd_takes(c, o->lng))
			continue;
		char left[64];
		if (o->id < 256)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->id, o->lng, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->lng, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(f, "  %-24s %s\n", left, o->help);
	}
	return CT_EXIT_OK;
}

int cmd_help(struct ct_ctx *c)
{
	if (c->o.argc > 1) {
		fprintf(stderr, "caltrace: help takes one command name\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.argc == 1)
		return ct_help_cmd(stdout, c->o.argv[0]);
	ct_usage(stdout);
	return CT_EXIT_OK;
}

int cmd_version(struct ct_ctx *c)
{
	(void)c;
	printf("caltrace %s\n", CT_VERSION);
	return CT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct ct_ctx c;
	struct ct_parsed p;
	memset(&c, 0, sizeof(c));
	c.out.f = stdout; /* whatever runs, ct_stdout_finish checks and closes it */
	c.o.color = CT_COLOR_AUTO;
	c.o.timeout = 10;
	c.proc_root = getenv("CALTRACE_PROC_ROOT") ? getenv("CALTRACE_PROC_ROOT") : "/proc";

	if (ct_parse_args(ct_cmds, ct_opts_table, argc, argv, &c.o, &p, &c.err) < 0) {
		fprintf(stderr, "caltrace: %s\n", c.err.msg);
		ct_parsed_free(&p);
		return c.err.exit_code;
	}
	int rc = CT_EXIT_OK;
	if (p.want_version) {
		printf("caltrace %s\n", CT_VERSION);
		goto out;
	}
	if (!p.cmd) {
		if (p.want_help) {
			ct_usage(stdout);
			goto out;
		}
		ct_usage(stderr);
		rc = CT_EXIT_USAGE;
		goto out;
	}
	if (p.want_help) {
		rc = ct_help_cmd(stdout, p.cmd->name);
		goto out;
	}
	/* an empty FELIX_INTERFACEPREFIX means Felix's default; an empty --prefix is a mistake */
	const char *pfx = c.o.prefix_str;
	if (!pfx) {
		pfx = getenv("FELIX_INTERFACEPREFIX");
		if (!pfx || !*pfx)
			pfx = "cali";
	}
	if (ct_prefixes_parse(pfx, &c.o.prefixes) < 0) {
		char esc[256];
		fprintf(stderr, "caltrace: bad interface prefix list '%s'; use names like cali or cali,tap\n",
			ct_escape(pfx, esc, sizeof(esc)));
		rc = CT_EXIT_USAGE;
		goto out;
	}
	if (ct_out_init(&c.out, stdout, c.o.json, c.o.color) < 0) {
		rc = CT_EXIT_GATHER;
		goto out;
	}
	rc = p.cmd->run(&c);
	ct_out_free(&c.out);
	/* what the command declares it needs names the privilege it lacked, when the
	 * error did not already (a failed write to standard output is no privilege) */
	char caps[64];
	if (rc == CT_EXIT_GATHER && !ct_out_flush(&c.out) && !strstr(c.err.msg, "CAP_") &&
	    ct_need_missing(p.cmd, &c.o, caps, sizeof(caps)))
		fprintf(stderr, "caltrace: '%s' needs %s here; run it as root\n", p.cmd->name, caps);
out:
	ct_parsed_free(&p);
	return ct_stdout_finish(&c.out, rc);
}
