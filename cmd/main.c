/* SPDX-License-Identifier: MIT */
/* caltrace: argv -> a query; dispatch through one command table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

const struct ct_cmd ct_cmds[] = {
	{"links", cmd_links, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE...]",
	 "workload interfaces (cali*): pod, IPs, sysctls, counters, and what is wrong with them",
	 "pods timeout", "iface", "",
	 "IFACE: only these workload interfaces, and only their findings count",
	 "caltrace links\n"
	 "caltrace --pods kubectl links cali12d4a061371\n"
	 "caltrace --from node1.json -j links",
	 "links route_to_missing_link route_to_down_link no_route_to_pod_gateway pod_gateway_unroutable "
	 "pod_gateway_unchecked pod_gateway_via_workload dump_interrupted"},
	{"tunnel", cmd_tunnel, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "",
	 "encapsulation devices (tunl0, vxlan.calico, wireguard.cali) and the mode they imply", "",
	 "", "", "",
	 "caltrace tunnel\n"
	 "caltrace -j tunnel\n"
	 "caltrace --from node1.json tunnel",
	 "tunnel dump_interrupted"},
	{"routes", cmd_routes, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[PREFIX]",
	 "every route classified (workload, blackhole, ipip, vxlan, native, ...) with its owner", "",
	 "prefix", "",
	 "PREFIX: only the routes inside it or holding it, and only their findings count",
	 "caltrace routes\n"
	 "caltrace routes 10.244.1.0/24\n"
	 "caltrace -n pid:4711 routes",
	 "routes dump_interrupted"},
	{"neigh", cmd_neigh, CT_NEED_NETLINK | CT_NEED_SNAPSHOT, "[IFACE]",
	 "neighbour (ARP/ND) entries, table pressure, and the pod gateway entry", "", "iface", "",
	 "IFACE: only that device's entries, and only its findings count",
	 "caltrace neigh\n"
	 "caltrace neigh vxlan.calico\n"
	 "caltrace -n pid:4711 neigh eth0",
	 "neigh vtep_neigh_missing vtep_fdb_missing pod_no_default_route dump_interrupted"},
	{"bgp", cmd_bgp, CT_NEED_NETLINK | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "[routes] [PEER]",
	 "BGP sessions from BIRD's control socket, the kernel's TCP 179, and BIRD's routes against the kernel",
	 "timeout exported", "peer", "",
	 "routes: BIRD's routes against the kernel's\n"
	 "PEER: only that BGP protocol; with routes, the routes learned from it",
	 "caltrace bgp\n"
	 "caltrace bgp routes\n"
	 "caltrace bgp routes Mesh_10_0_0_2 --exported",
	 "bgp -bird_unreachable dump_interrupted"},
	{"doctor", cmd_doctor, CT_NEED_NETLINK | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "",
	 "every node check in one run: links, routes, tunnels, neighbours, BGP, and node settings",
	 "timeout pods", "", "", "",
	 "caltrace doctor\n"
	 "caltrace --pods kubectl doctor\n"
	 "caltrace --from node1.json -j doctor",
	 "links routes tunnel neigh bgp doctor dump_interrupted"},
	{"snapshot", cmd_snapshot, CT_NEED_NETLINK | CT_NEED_SETNS | CT_NEED_BIRD, "",
	 "save the node's state (host and pod namespaces, BIRD's view) as JSON for --from",
	 "output pods timeout", "", "", "",
	 "caltrace --pods kubectl snapshot -o node1.json\n"
	 "caltrace -n pid:4711 snapshot -o pod.json",
	 ""},
	{"sniff", cmd_sniff, CT_NEED_RAW | CT_NEED_SETNS, "[FILTER...]",
	 "capture and decode IPIP and VXLAN traffic, outer and inner, live in several namespaces or from a pcap; flows with --flows",
	 "interface read write count snaplen inner flows interval max-flows vxlan-port checksums user", "",
	 "netns interface vxlan-port",
	 "FILTER: a pcap filter for the outer packets, such as 'udp port 4789'",
	 "caltrace sniff -i eth0 -c 20 udp port 4789\n"
	 "caltrace sniff -i eth0 --inner 'icmp' --flows\n"
	 "caltrace sniff -r capture.pcap -j",
	 ""},
	{"path", cmd_path, CT_NEED_NETLINK | CT_NEED_SETNS | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "SRC DST",
	 "the path from SRC to DST hop by hop across nodes, forward and back, each hop with its verdict; --probe sends real packets",
	 "node nodes proto port to-backend probe count wait size mtu no-reverse user pods timeout tui", "pod", "node",
	 "SRC, DST: a pod address (IPv4 or IPv6), NAMESPACE/POD, or a node address",
	 "caltrace path 172.168.135.130 172.168.195.12\n"
	 "caltrace path --node n2=@node2.json default/web-1 default/web-2\n"
	 "caltrace --nodes nodes.txt path --probe --proto tcp --port 80 10.244.1.5 10.244.2.7",
	 "path links routes tunnel neigh bgp doctor dump_interrupted"},
	{"top", cmd_top, CT_NEED_NETLINK | CT_NEED_SETNS | CT_NEED_BIRD | CT_NEED_SNAPSHOT, "",
	 "a live dashboard of the node: workloads, tunnels, BGP peers, neighbours, drops, findings and events; -b for text",
	 "batch delay count log policy-interval flows pods timeout", "", "",
	 "",
	 "caltrace top\n"
	 "caltrace top -b -c 5 -d 2 --log events.txt\n"
	 "caltrace -j top -b -c 1 -n node1",
	 "links routes tunnel neigh bgp doctor dump_interrupted"},
	{"veth-name", cmd_veth_name, CT_NEED_NONE, "NAMESPACE/POD...",
	 "print the host-side interface name Calico gives a pod", "", "pod", "",
	 "NAMESPACE/POD: a pod's namespace and name, as Kubernetes writes them",
	 "caltrace veth-name default/web-1\n"
	 "caltrace --prefix tap veth-name kube-system/coredns-5d78c9869d-abcde",
	 ""},
	{"shell", cmd_shell, CT_NEED_NONE, "",
	 "an interactive shell: every command without the caltrace prefix, with completion, history and use NS",
	 "pods", "", "", "",
	 "caltrace shell\n"
	 "caltrace -n node1 --pods kubectl shell\n"
	 "printf 'links\\ndoctor\\n' | caltrace shell",
	 ""},
	{"help", cmd_help, CT_NEED_NONE, "[COMMAND]", "show help for caltrace or one command", "",
	 "command", "",
	 "COMMAND: the command to explain; without it, the list of commands",
	 "caltrace help links\n"
	 "caltrace -j help",
	 ""},
	{"version", cmd_version, CT_NEED_NONE, "", "print the version", "", "", "", "",
	 "caltrace version\n"
	 "caltrace -j version",
	 ""},
	{NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const struct ct_opt ct_opts_table[] = {
	{'n', "netns", "NS", "a network namespace name, pid:PID or a path",
	 "network namespace: a name under /var/run/netns, a path, or pid:PID{from:; with --from, a namespace of the snapshot}", "netns"},
	{'j', "json", NULL, NULL, "print JSON: one document (see caltrace(1) for the keys)", ""},
	{CT_OPT_FROM, "from", "FILE", "a snapshot file, or - for standard input",
	 "read a snapshot instead of the live kernel", "file"},
	{CT_OPT_COLOR, "color", "WHEN", "auto, always or never",
	 "colour text output: auto, always or never (NO_COLOR honoured)", "color"},
	{CT_OPT_PREFIX, "prefix", "LIST", "interface prefixes, comma-separated, such as cali or cali,tap",
	 "workload interface prefixes, comma-separated (default $FELIX_INTERFACEPREFIX or cali)", ""},
	{CT_OPT_PODS, "pods", "SOURCE", "kubectl, crictl, - or a file of 'kubectl get pods -A -o json'",
	 "pods from a file of `kubectl get pods -A -o json`, or run kubectl or crictl", "pods"},
	{CT_OPT_BIRD_SOCKET, "bird-socket", "PATH", "the path of BIRD's control socket",
	 "BIRD's control socket (default: the socket of the bird process in the namespace, then /var/run/calico/bird.ctl)", "file"},
	{CT_OPT_EXPORTED, "exported", NULL, NULL,
	 "with routes PEER: the routes this node advertises to PEER instead of those learned from it", ""},
	{'o', "output", "FILE", "a file name, or - for standard output",
	 "write the snapshot to FILE instead of standard output", "file"},
	{CT_OPT_TIMEOUT, "timeout", "SECONDS", "seconds greater than 0 and at most 3600",
	 "deadline in seconds for what caltrace waits on besides the kernel: kubectl or crictl (--pods) and the whole exchange with BIRD (default 10)", ""},
	{'i', "interface", "IFACE", "an interface name, any, or NS:IFACE",
	 "capture on IFACE, or NS:IFACE in namespace NS (default any)", "iface"},
	{'r', "read", "FILE", "a pcap or pcapng file, or - for standard input",
	 "read packets from a pcap or pcapng file instead of capturing", "file"},
	{'w', "write", "FILE", "a file name, or - for standard output",
	 "write the packets to a pcap file instead of printing them", "file"},
	{'c', "count", "N", "a number of packets above 0", "stop after N packets", ""},
	{'s', "snaplen", "N", "a snapshot length from 0 to 262144 bytes",
	 "capture at most N bytes of each packet (default and 0: 262144)", ""},
	{CT_OPT_INNER, "inner", "EXPR", "a pcap filter expression",
	 "only encapsulated packets whose inner packet matches the pcap filter EXPR", ""},
	{CT_OPT_FLOWS, "flows", NULL, NULL,
	 "print flows (top talkers, one-way flows, ICMP errors) instead of packets", ""},
	{CT_OPT_INTERVAL, "interval", "SECONDS", "seconds between 0.1 and 86400",
	 "with --flows: also report the top flows every SECONDS", ""},
	{CT_OPT_MAX_FLOWS, "max-flows", "N", "a number of flow entries from 1 to 16777216",
	 "with --flows: keep at most N flow entries, evicting the least recently seen (default 262144)", ""},
	{CT_OPT_VXLAN_PORT, "vxlan-port", "PORT", "a UDP port from 1 to 65535",
	 "decode UDP to PORT as VXLAN (default 4789 and 8472)", ""},
	{CT_OPT_CHECKSUMS, "checksums", NULL, NULL, "verify IPv4 header, TCP, UDP and ICMP checksums", ""},
	{'Z', "user", "USER", "a user name",
	 "once the capture is open, run as USER (capabilities are dropped either way)", ""},
	{CT_OPT_NODE, "node", "NODE", "NAME=NETNS or NAME=@SNAPSHOT",
	 "another node, NODE is NAME=NETNS (a live namespace as -n takes it) or NAME=@FILE (a snapshot taken there)", "node"},
	{CT_OPT_NODES, "nodes", "FILE", "a file of lines NAME NETNS|@SNAPSHOT [bird=PATH]",
	 "the nodes from FILE, one a line: NAME NETNS|@SNAPSHOT [bird=PATH] ('#' starts a comment)", "file"},
	{CT_OPT_PROTO, "proto", "PROTO", "icmp, tcp or udp",
	 "the packet's protocol: icmp (default), tcp or udp (policy routing may depend on it)", "proto"},
	{CT_OPT_PORT, "port", "PORT", "a port from 1 to 65535",
	 "with --proto tcp or udp: the destination port", ""},
	{CT_OPT_TO_BACKEND, "to-backend", "IP", "a backend's address (IPv4 or IPv6)",
	 "when DST is a Service VIP: trace the path to this backend of it, kube-proxy's DNAT as a hop", ""},
	{CT_OPT_PROBE, "probe", NULL, NULL,
	 "send real packets from SRC and watch every hop's interface: where they stop, and why", ""},
	{CT_OPT_WAIT, "wait", "SECONDS", "seconds between 0.01 and 60",
	 "with --probe: a probe is lost after SECONDS without an answer (default 1)", ""},
	{CT_OPT_SIZE, "size", "N", "a payload size from 8 to 65000 bytes",
	 "with --probe: N bytes of payload in each probe (default 56), sent with DF set (IP_PMTUDISC_PROBE)", ""},
	{CT_OPT_MTU, "mtu", NULL, NULL,
	 "with --probe (ICMP): also find the largest packet that passes end to end, DF set (binary search)", ""},
	{CT_OPT_NO_REVERSE, "no-reverse", NULL, NULL,
	 "with --probe: do not also probe from DST back to SRC", ""},
	{CT_OPT_TUI, "tui", NULL, NULL,
	 "full screen: the hops, a detail pane, the reverse path on r and a live probe on p (keys in caltrace(1))", ""},
	{'b', "batch", NULL, NULL,
	 "batch mode: no curses, one frame of the panes as text (or JSON with -j) per tick on standard output", ""},
	{'d', "delay", "SECONDS", "seconds between 0.05 and 86400",
	 "seconds between two frames (default 1)", ""},
	{CT_OPT_POLICY_INTERVAL, "policy-interval", "SECONDS", "seconds between 1 and 86400",
	 "seconds between two reads of Felix's policy drop counters (default 10)", ""},
	{CT_OPT_LOG, "log", "FILE", "a file name",
	 "also write each event (interfaces added or removed, routes withdrawn, BGP changes, resyncs) to FILE", "file"},
	{'h', "help", NULL, NULL, "show help", ""},
	{'V', "version", NULL, NULL, "print the version", ""},
	{0, NULL, NULL, NULL, NULL, NULL},
};

/* What an option does where its general help would be wrong or vague for a command. */
const struct ct_opt_note ct_opt_notes[] = {
	{"links", "timeout", "with --pods: seconds kubectl or crictl may run (default 10)"},
	{"bgp", "timeout", "seconds for the whole exchange with BIRD, at most 2 of them for each read (default 10)"},
	{"doctor", "timeout", "seconds kubectl or crictl may run (--pods), and for the whole exchange with BIRD (default 10)"},
	{"snapshot", "timeout", "seconds kubectl or crictl may run (--pods), and for the whole exchange with BIRD (default 10)"},
	{"bgp", "netns", "network namespace whose BIRD and TCP sessions to ask: a name under /var/run/netns, a path, or pid:PID; with --from, a namespace of the snapshot"},
	{"sniff", "netns", "capture in this network namespace: a name under /var/run/netns, a path, or pid:PID"},
	{"sniff", "json", "print JSON: one object a line (NDJSON; see caltrace(1) for the keys)"},
	{"*", "help", "show this help"},
	{"path", "timeout", "seconds for the whole exchange with each node's BIRD, and for kubectl or crictl (--pods) (default 10)"},
	{"path", "netns", "the node the path starts from: a name under /var/run/netns, a path, or pid:PID (with --from, a snapshot is that node)"},
	{"path", "from", "the local node from a snapshot instead of the live kernel"},
	{"path", "count", "with --probe: send N probes, one after the other (default 1, at most 100)"},
	{"path", "user", "with --probe: once the captures, sockets and counter files are open, run as USER"},
	{"snapshot", "netns", "the network namespace to save: a name under /var/run/netns, a path, or pid:PID"},
	{"shell", "pods", "pods for the commands that take --pods, and NAMESPACE/POD completion: kubectl, crictl or a file (not -)"},
	{"top", "count", "with -b: stop after N frames (default: run until a signal)"},
	{"top", "flows", "add a pane of the live encapsulated flows (IPIP, VXLAN) captured on any interface, one-way flows marked (needs CAP_NET_RAW)"},
	{"top", "pods", "pod names for the workloads pane, read once at start: kubectl, crictl or a file (not -)"},
	{"top", "timeout", "seconds each BIRD query and each policy read may take before it is abandoned (default 10)"},
	{"top", "netns", "the node namespace to watch: a name under /var/run/netns, a path, or pid:PID (with --from, a namespace of the snapshot)"},
	{"top", "json", "with -b: one JSON object a line per frame (NDJSON; see caltrace(1) for the keys)"},
	{"veth-name", "prefix", "workload interface prefixes, comma-separated: the first one names the interface (default $FELIX_INTERFACEPREFIX or cali)"},
	{NULL, NULL, NULL},
};

static const struct ct_help_tables help_tables = {ct_cmds, ct_opts_table, ct_opt_notes};

const struct ct_cmd *ct_cmd_find(const char *name)
{
	return ct_cmd_lookup(ct_cmds, name);
}

void ct_usage(FILE *f)
{
	ct_help_usage(f, &help_tables);
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
	if (ct_help_command(f, &help_tables, c) < 0)
		return CT_EXIT_GATHER;
	return CT_EXIT_OK;
}

int cmd_help(struct ct_ctx *c)
{
	if (c->o.argc > 1) {
		fprintf(stderr, "caltrace: help takes one command name\n");
		return CT_EXIT_USAGE;
	}
	const struct ct_cmd *one = c->o.argc == 1 ? ct_cmd_find(c->o.argv[0]) : NULL;
	if (c->o.argc == 1 && (!one || !c->o.json))
		return ct_help_cmd(stdout, c->o.argv[0]); /* text, or the unknown command */
	if (c->o.json)
		return ct_help_json(stdout, &help_tables, one) < 0 ? CT_EXIT_GATHER : CT_EXIT_OK;
	return ct_help_usage(stdout, &help_tables) < 0 ? CT_EXIT_GATHER : CT_EXIT_OK;
}

int cmd_version(struct ct_ctx *c)
{
	if (c->o.json)
		return ct_version_json(stdout) < 0 ? CT_EXIT_GATHER : CT_EXIT_OK;
	printf("caltrace %s\n", CT_VERSION);
	return CT_EXIT_OK;
}

int ct_main(int argc, char **argv)
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
		rc = cmd_version(&c);
		goto out;
	}
	if (!p.cmd) {
		if (p.want_help) {
			rc = cmd_help(&c);
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
	if (rc == CT_EXIT_GATHER && !c.write_failed && !ct_out_flush(&c.out) && !strstr(c.err.msg, "CAP_") &&
	    ct_need_missing(p.cmd, &c.o, caps, sizeof(caps)))
		fprintf(stderr, "caltrace: '%s' needs %s here; run it as root\n", p.cmd->name, caps);
out:
	ct_parsed_free(&p);
	return ct_stdout_finish(&c.out, rc);
}

int main(int argc, char **argv)
{
	return ct_main(argc, argv);
}
