/* SPDX-License-Identifier: MIT */
/* caltrace: argv -> a query; dispatch through one command table. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

const struct ct_cmd ct_cmds[] = {
	{"links", cmd_links, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE...]",
	 "workload interfaces (cali*): pod, IPs, sysctls, counters, and what is wrong with them",
	 "from pods timeout", "iface"},
	{"tunnel", cmd_tunnel, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "",
	 "encapsulation devices (tunl0, vxlan.calico, wireguard.cali) and the mode they imply", "from",
	 ""},
	{"routes", cmd_routes, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[PREFIX]",
	 "every route classified (workload, blackhole, ipip, vxlan, native, ...) with its owner", "from",
	 "prefix"},
	{"neigh", cmd_neigh, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE]",
	 "neighbour (ARP/ND) entries, table pressure, and the pod gateway entry", "from", "iface"},
	{"bgp", cmd_bgp, CT_NEED_NETLINK | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "[routes] [PEER]",
	 "BGP sessions from BIRD's control socket, the kernel's TCP 179, and BIRD's routes against the kernel",
	 "from bird-socket timeout exported", "peer"},
	{"doctor", cmd_doctor, CT_NEED_NETLINK | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "",
	 "every node check in one run: links, routes, tunnels, neighbours, BGP, and node settings",
	 "from bird-socket timeout pods", ""},
	{"snapshot", cmd_snapshot, CT_NEED_NETLINK | CT_NEED_SETNS, "",
	 "save the node's state (host and pod namespaces, BIRD's view) as JSON for --from",
	 "output pods timeout bird-socket",
	 ""},
	{"sniff", cmd_sniff, CT_NEED_RAW | CT_NEED_SETNS, "[FILTER...]",
	 "capture and decode IPIP and VXLAN traffic, outer and inner, live in several namespaces or from a pcap; flows with --flows",
	 "interface read write count snaplen inner flows interval vxlan-port checksums user", ""},
	{"veth-name", cmd_veth_name, CT_NEED_NONE, "NAMESPACE/POD...",
	 "print the host-side interface name Calico gives a pod", "", "pod"},
	{"help", cmd_help, CT_NEED_NONE, "[COMMAND]", "show help for caltrace or one command", "",
	 "command"},
	{"version", cmd_version, CT_NEED_NONE, "", "print the version", "", ""},
	{NULL, NULL, 0, NULL, NULL, NULL, NULL},
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
	{CT_OPT_VXLAN_PORT, "vxlan-port", "PORT", "sniff: decode UDP to PORT as VXLAN (repeatable; default 4789 and 8472)", ""},
	{CT_OPT_CHECKSUMS, "checksums", NULL, "sniff: verify IPv4 header, TCP, UDP and ICMP checksums", ""},
	{'Z', "user", "USER", "sniff: once the capture is open, run as USER (capabilities are dropped either way)", ""},
	{'h', "help", NULL, "show help", ""},
	{'V', "version", NULL, "print the version", ""},
	{0, NULL, NULL, NULL, NULL},
};

/* options every command accepts */
static const char *const global_opts = "netns json color prefix help version";

const struct ct_cmd *ct_cmd_find(const char *name)
{
	for (const struct ct_cmd *c = ct_cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static bool word_in(const char *list, const char *w)
{
	size_t l = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += l)
		if ((p == list || p[-1] == ' ') && (p[l] == ' ' || !p[l]))
			return true;
	return false;
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
		if (!word_in(global_opts, o->lng) && !word_in(c->opts, o->lng))
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

/* fmt has one %s, filled with the escaped argument */

static int usage_err(const char *fmt, const char *a)
{
	char esc[256], line[512];
	const char *pct = strstr(fmt, "%s");
	ct_escape(a, esc, sizeof(esc));
	if (pct)
		snprintf(line, sizeof(line), "%.*s%s%s", (int)(pct - fmt), fmt, esc, pct + 2);
	else
		snprintf(line, sizeof(line), "%s", fmt);
	fprintf(stderr, "caltrace: %s\n", line);
	return CT_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct ct_ctx c;
	memset(&c, 0, sizeof(c));
	c.o.color = CT_COLOR_AUTO;
	c.o.timeout = 10;
	c.proc_root = getenv("CALTRACE_PROC_ROOT") ? getenv("CALTRACE_PROC_ROOT") : "/proc";

	/* long options by exact name only: getopt_long would accept abbreviations */
	struct option lo[32];
	char shorts[64] = "+";
	size_t k = 0;
	for (const struct ct_opt *o = ct_opts_table; o->lng && k < 31; o++, k++) {
		lo[k] = (struct option){o->lng, o->arg ? required_argument : no_argument, NULL, o->id};
		if (o->id < 256) {
			size_t l = strlen(shorts);
			shorts[l] = (char)o->id;
			shorts[l + 1] = 0;
			if (o->arg)
				strcat(shorts, ":");
		}
	}
	memset(&lo[k], 0, sizeof(lo[k]));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		const char *nm = argv[i] + 2;
		size_t nl = strcspn(nm, "=");
		bool ok = false;
		for (size_t j = 0; j < k && !ok; j++) {
			ok = strlen(lo[j].name) == nl && !strncmp(lo[j].name, nm, nl);
			if (ok && nm[nl] == '=' && lo[j].has_arg == no_argument)
				return usage_err("option '%s' takes no value", argv[i]);
		}
		if (!ok)
			return usage_err("unknown option '%s'; run 'caltrace --help'", argv[i]);
	}

	/* permute: options may come before or after the command */
	char *pos[256];
	int npos = 0;
	const char *used[32];
	int nused = 0;
	bool want_help = false;
	opterr = 0;
	optind = 1;
	while (optind < argc) {
		if (!strcmp(argv[optind], "--")) {
			/* everything after "--" is an argument */
			optind++;
			break;
		}
		int ch = getopt_long(argc, argv, shorts, lo, NULL);
		if (ch == -1) {
			if (npos >= 255)
				return usage_err("too many arguments%s", "");
			pos[npos++] = argv[optind++];
			continue;
		}
		const char *lname = NULL;
		for (const struct ct_opt *o = ct_opts_table; o->lng; o++)
			if (o->id == ch)
				lname = o->lng;
		bool again = false; /* repeatable options (-i, -n, --vxlan-port) are listed once */
		for (int u = 0; u < nused && lname; u++)
			again = again || used[u] == lname;
		if (lname && !again && nused < 32)
			used[nused++] = lname;
		switch (ch) {
		case 'n':
			if (c.o.n_netns >= CT_MAX_NETNS)
				return usage_err("too many -n options (at most 64)%s", "");
			c.o.netns_list[c.o.n_netns++] = optarg;
			if (!c.o.netns)
				c.o.netns = optarg;
			break;
		case 'i':
			if (c.o.n_ifaces >= CT_MAX_IFACES)
				return usage_err("too many -i options (at most 64)%s", "");
			c.o.ifaces[c.o.n_ifaces++] = optarg;
			break;
		case 'r':
			c.o.read_file = optarg;
			break;
		case 'w':
			c.o.write_file = optarg;
			break;
		case 'c': {
			char *end;
			errno = 0;
			c.o.count = strtoull(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || c.o.count == 0)
				return usage_err("-c takes a number of packets above 0, not '%s'", optarg);
			break;
		}
		case 's': {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 0 || v > 262144)
				return usage_err("-s takes a snapshot length from 0 to 262144 bytes, not '%s'", optarg);
			c.o.snaplen = (int)v;
			break;
		}
		case CT_OPT_INNER:
			c.o.inner = optarg;
			break;
		case CT_OPT_FLOWS:
			c.o.flows = true;
			break;
		case CT_OPT_INTERVAL: {
			char *end;
			errno = 0;
			c.o.interval = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(c.o.interval >= 0.1 && c.o.interval <= 86400))
				return usage_err("--interval takes seconds between 0.1 and 86400, not '%s'", optarg);
			break;
		}
		case CT_OPT_VXLAN_PORT: {
			char *end;
			errno = 0;
			long v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > 65535)
				return usage_err("--vxlan-port takes a UDP port from 1 to 65535, not '%s'", optarg);
			if (c.o.n_vxlan_ports >= CT_MAX_VXLAN_PORTS)
				return usage_err("too many --vxlan-port options (at most 8)%s", "");
			c.o.vxlan_ports[c.o.n_vxlan_ports++] = (unsigned short)v;
			break;
		}
		case CT_OPT_CHECKSUMS:
			c.o.checksums = true;
			break;
		case 'Z':
			c.o.user = optarg;
			break;
		case 'j':
			c.o.json = true;
			break;
		case CT_OPT_FROM:
			c.o.from = optarg;
			break;
		case CT_OPT_COLOR:
			if (!strcmp(optarg, "auto"))
				c.o.color = CT_COLOR_AUTO;
			else if (!strcmp(optarg, "always"))
				c.o.color = CT_COLOR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				c.o.color = CT_COLOR_NEVER;
			else
				return usage_err("--color takes auto, always or never, not '%s'", optarg);
			break;
		case CT_OPT_PREFIX:
			c.o.prefix_str = optarg;
			break;
		case CT_OPT_PODS:
			c.o.pods = optarg;
			break;
		case 'o':
			c.o.output = optarg;
			break;
		case CT_OPT_BIRD_SOCKET:
			c.o.bird_socket = optarg;
			break;
		case CT_OPT_EXPORTED:
			c.o.exported = true;
			break;
		case CT_OPT_TIMEOUT: {
			char *end;
			errno = 0;
			c.o.timeout = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(c.o.timeout > 0 && c.o.timeout <= 3600))
				return usage_err("--timeout takes seconds between 0 and 3600, not '%s'", optarg);
			break;
		}
		case 'h':
			want_help = true;
			break;
		case 'V':
			printf("caltrace %s\n", CT_VERSION);
			return CT_EXIT_OK;
		case ':':
			return usage_err("option '%s' needs an argument", argv[optind - 1]);
		default:
			return usage_err("unknown option '%s'; run 'caltrace --help'", argv[optind - 1]);
		}
	}
	while (optind < argc && npos < 255)
		pos[npos++] = argv[optind++];

	if (npos == 0) {
		if (want_help) {
			ct_usage(stdout);
			return CT_EXIT_OK;
		}
		ct_usage(stderr);
		return CT_EXIT_USAGE;
	}
	const struct ct_cmd *cmd = ct_cmd_find(pos[0]);
	if (!cmd)
		return usage_err("unknown command '%s'; run 'caltrace help' for the list", pos[0]);
	if (want_help)
		return ct_help_cmd(stdout, cmd->name);
	for (int i = 0; i < nused; i++) {
		if (!word_in(global_opts, used[i]) && !word_in(cmd->opts, used[i])) {
			fprintf(stderr, "caltrace: option '--%s' does not apply to '%s'; see 'caltrace help %s'\n",
				used[i], cmd->name, cmd->name);
			return CT_EXIT_USAGE;
		}
	}
	if (c.o.n_netns > 1 && strcmp(cmd->name, "sniff") != 0) {
		fprintf(stderr, "caltrace: -n is given %d times; only 'sniff' takes several namespaces\n",
			c.o.n_netns);
		return CT_EXIT_USAGE;
	}
	if (c.o.from && !(cmd->needs & CT_NEED_SNAPSHOT) && cmd->needs) {
		fprintf(stderr, "caltrace: '%s' reads the live kernel; it does not take --from\n", cmd->name);
		return CT_EXIT_USAGE;
	}
	/* an empty FELIX_INTERFACEPREFIX means Felix's default; an empty --prefix is a mistake */
	const char *pfx = c.o.prefix_str;
	if (!pfx) {
		pfx = getenv("FELIX_INTERFACEPREFIX");
		if (!pfx || !*pfx)
			pfx = "cali";
	}
	if (ct_prefixes_parse(pfx, &c.o.prefixes) < 0)
		return usage_err("bad interface prefix list '%s'; use names like cali or cali,tap", pfx);
	c.o.argc = npos - 1;
	c.o.argv = pos + 1;
	if (ct_out_init(&c.out, stdout, c.o.json, c.o.color) < 0)
		return CT_EXIT_GATHER;
	int rc = cmd->run(&c);
	ct_out_free(&c.out);
	if (fflush(stdout) != 0 && rc == 0)
		rc = CT_EXIT_GATHER;
	return rc;
}
