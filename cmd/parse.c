/* SPDX-License-Identifier: MIT */
/*
 * argv -> a query: the options of the option table, by exact long name only
 * (getopt_long would accept abbreviations), before or after the command.
 * No limit of its own on the number of options or arguments: the tables and
 * argv are sized at run time. Which options a command takes, and which it takes
 * more than once, is what its row in the command table declares.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "analysis/flows.h"
#include "cmd/cmd.h"

/* options every command accepts */
static const char *const global_opts = "netns json color prefix help version";

bool ct_word_in(const char *list, const char *w)
{
	size_t l = strlen(w);
	for (const char *p = list ? list : ""; (p = strstr(p, w)); p += l)
		if ((p == list || p[-1] == ' ') && (p[l] == ' ' || !p[l]))
			return true;
	return false;
}

bool ct_cmd_takes(const struct ct_cmd *c, const char *lname)
{
	if (ct_word_in(global_opts, lname) || ct_word_in(c->opts, lname))
		return true;
	/* what the command's needs bring with them */
	if ((c->needs & CT_NEED_SNAPSHOT) && !strcmp(lname, "from"))
		return true;
	if ((c->needs & CT_NEED_BIRD) && !strcmp(lname, "bird-socket"))
		return true;
	return false;
}

bool ct_cmd_repeats(const struct ct_cmd *c, const char *lname)
{
	return ct_word_in(c->repeat, lname);
}

const struct ct_cmd *ct_cmd_lookup(const struct ct_cmd *cmds, const char *name)
{
	for (const struct ct_cmd *c = cmds; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* fmt has at most one %s, filled with the escaped argument */
static int usage_err(struct ct_err *err, const char *fmt, const char *a)
{
	char esc[256];
	const char *pct = strstr(fmt, "%s");
	ct_escape(a, esc, sizeof(esc));
	if (pct)
		ct_err_set(err, CT_EXIT_USAGE, "%.*s%s%s", (int)(pct - fmt), fmt, esc, pct + 2);
	else
		ct_err_set(err, CT_EXIT_USAGE, "%s", fmt);
	return -1;
}

/* "-c" or "--interval": how the messages name an option */
static const char *opt_name(const struct ct_opt *x, char *buf, size_t len)
{
	if (x->id < 256)
		snprintf(buf, len, "-%c", x->id);
	else
		snprintf(buf, len, "--%s", x->lng);
	return buf;
}

/* "--timeout needs seconds greater than 0 and at most 3600, not '0'": the value's
 * description comes from the option table, so it is written once */
static int bad_value(struct ct_err *err, const struct ct_opt *x, const char *a)
{
	char nm[64], esc[256];
	ct_escape(a, esc, sizeof(esc));
	return ct_err_set(err, CT_EXIT_USAGE, "%s needs %s, not '%s'", opt_name(x, nm, sizeof(nm)),
			  x->value ? x->value : "a value", esc);
}

/* one option's value into the query; x is the option's row */
static int take(struct ct_opts *o, const struct ct_opt *x, const char *arg, struct ct_err *err)
{
	char *end;
	int ch = x->id;
	/* no option has a meaning for an empty value: a forgotten variable ($NS) would
	 * otherwise silently pick a default */
	if (x->arg && !*arg)
		return bad_value(err, x, arg);
	switch (ch) {
	case 'n':
		if (o->n_netns >= CT_MAX_NETNS)
			return usage_err(err, "too many -n options (at most 64)%s", "");
		o->netns_list[o->n_netns++] = arg;
		if (!o->netns)
			o->netns = arg;
		return 0;
	case CT_OPT_FROM:
		if (o->n_from >= CT_MAX_NETNS)
			return usage_err(err, "too many --from options (at most 64)%s", "");
		o->from_list[o->n_from++] = arg;
		if (!o->from)
			o->from = arg;
		return 0;
	case 'i':
		if (o->n_ifaces >= CT_MAX_IFACES)
			return usage_err(err, "too many -i options (at most 64)%s", "");
		o->ifaces[o->n_ifaces++] = arg;
		return 0;
	case 'r':
		o->read_file = arg;
		return 0;
	case 'w':
		o->write_file = arg;
		return 0;
	case 'c':
		errno = 0;
		o->count = strtoull(arg, &end, 10);
		if (errno || *end || end == arg || arg[0] == '-' || o->count == 0)
			return bad_value(err, x, arg);
		return 0;
	case 's': {
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 0 || v > 262144)
			return bad_value(err, x, arg);
		o->snaplen = (int)v;
		return 0;
	}
	case CT_OPT_INNER:
		o->inner = arg;
		return 0;
	case CT_OPT_FLOWS:
		o->flows = true;
		return 0;
	case CT_OPT_INTERVAL:
		errno = 0;
		o->interval = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->interval >= 0.1 && o->interval <= 86400))
			return bad_value(err, x, arg);
		return 0;
	case CT_OPT_MAX_FLOWS: {
		errno = 0;
		unsigned long long v = strtoull(arg, &end, 10);
		if (errno || *end || end == arg || arg[0] == '-' || v < 1 || v > CT_FLOWS_MAX_LIMIT)
			return bad_value(err, x, arg);
		o->max_flows = (unsigned long)v;
		return 0;
	}
	case CT_OPT_VXLAN_PORT: {
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 1 || v > 65535)
			return bad_value(err, x, arg);
		if (o->n_vxlan_ports >= CT_MAX_VXLAN_PORTS)
			return usage_err(err, "too many --vxlan-port options (at most 8)%s", "");
		o->vxlan_ports[o->n_vxlan_ports++] = (unsigned short)v;
		return 0;
	}
	case CT_OPT_CHECKSUMS:
		o->checksums = true;
		return 0;
	case CT_OPT_NODE:
		if (o->n_node >= CT_MAX_NETNS)
			return usage_err(err, "too many --node options (at most 64)%s", "");
		o->node_list[o->n_node++] = arg;
		return 0;
	case CT_OPT_NODES:
		o->nodes_file = arg;
		return 0;
	case CT_OPT_PROTO:
		if (strcmp(arg, "icmp") && strcmp(arg, "tcp") && strcmp(arg, "udp"))
			return bad_value(err, x, arg);
		o->proto = arg;
		return 0;
	case CT_OPT_PORT: {
		errno = 0;
		long v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < 1 || v > 65535)
			return bad_value(err, x, arg);
		o->port = (unsigned short)v;
		return 0;
	}
	case CT_OPT_TO_BACKEND: {
		struct ct_ip ip;
		if (ct_ip_parse(arg, &ip) < 0)
			return bad_value(err, x, arg);
		o->to_backend = arg;
		return 0;
	}
	case CT_OPT_PROBE:
		o->probe = true;
		return 0;
	case CT_OPT_MTU:
		o->mtu = true;
		return 0;
	case CT_OPT_TUI:
		o->tui = true;
		return 0;
	case CT_OPT_NO_REVERSE:
		o->no_reverse = true;
		return 0;
	case CT_OPT_WAIT:
		errno = 0;
		o->wait = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->wait >= 0.01 && o->wait <= 60))
			return bad_value(err, x, arg);
		return 0;
	case CT_OPT_SIZE: {
		errno = 0;
		unsigned long long v = strtoull(arg, &end, 10);
		if (errno || *end || end == arg || arg[0] == '-' || v < 8 || v > 65000)
			return bad_value(err, x, arg);
		o->size = (unsigned)v;
		o->size_set = true;
		return 0;
	}
	case 'Z':
		o->user = arg;
		return 0;
	case 'j':
		o->json = true;
		return 0;
	case CT_OPT_COLOR:
		if (!strcmp(arg, "auto"))
			o->color = CT_COLOR_AUTO;
		else if (!strcmp(arg, "always"))
			o->color = CT_COLOR_ALWAYS;
		else if (!strcmp(arg, "never"))
			o->color = CT_COLOR_NEVER;
		else
			return bad_value(err, x, arg);
		return 0;
	case CT_OPT_PREFIX:
		o->prefix_str = arg;
		return 0;
	case CT_OPT_PODS:
		o->pods = arg;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case CT_OPT_BIRD_SOCKET:
		o->bird_socket = arg;
		return 0;
	case CT_OPT_EXPORTED:
		o->exported = true;
		return 0;
	case 'b':
		o->batch = true;
		return 0;
	case 'd':
		errno = 0;
		o->delay = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->delay >= 0.05 && o->delay <= 86400))
			return bad_value(err, x, arg);
		return 0;
	case CT_OPT_POLICY_INTERVAL:
		errno = 0;
		o->policy_interval = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->policy_interval >= 1 && o->policy_interval <= 86400))
			return bad_value(err, x, arg);
		return 0;
	case CT_OPT_LOG:
		o->log_file = arg;
		return 0;
	case CT_OPT_TIMEOUT:
		errno = 0;
		o->timeout = strtod(arg, &end);
		if (errno || *end || end == arg || !(o->timeout > 0 && o->timeout <= 3600))
			return bad_value(err, x, arg);
		return 0;
	}
	return 0; /* an option without a field of the query (-h, -V): counted only */
}

/* "'sniff'" or "'sniff' and 'path'": the commands that take lname more than once */
static void repeaters(const struct ct_cmd *cmds, const char *lname, char *buf, size_t len, int *n)
{
	size_t off = 0;
	*n = 0;
	buf[0] = 0;
	for (const struct ct_cmd *c = cmds; c->name; c++) {
		if (!ct_cmd_repeats(c, lname))
			continue;
		(*n)++;
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s'%s'", *n > 1 ? " and " : "",
					c->name);
	}
}

/* "option '-n' needs a value (a network namespace name, pid:PID or a path)": written is
 * the argument getopt stopped at ("-n", "-jn" or "--netns"), id the option's id */
static void missing_value(struct ct_err *err, const struct ct_opt *opts, size_t nopt,
			  const char *written, int id)
{
	const struct ct_opt *x = NULL;
	char nm[64];
	if (!strncmp(written, "--", 2)) {
		size_t l = strcspn(written + 2, "=");
		for (size_t k = 0; k < nopt && !x; k++)
			if (strlen(opts[k].lng) == l && !strncmp(opts[k].lng, written + 2, l))
				x = &opts[k];
		if (x)
			snprintf(nm, sizeof(nm), "--%s", x->lng);
	} else {
		for (size_t k = 0; k < nopt && !x; k++)
			if (opts[k].id == id)
				x = &opts[k];
		if (x)
			snprintf(nm, sizeof(nm), "-%c", x->id);
	}
	if (!x) {
		usage_err(err, "option '%s' needs a value", written);
		return;
	}
	ct_err_set(err, CT_EXIT_USAGE, "option '%s' needs a value (%s)", nm,
		   x->value ? x->value : x->arg);
}

void ct_parsed_free(struct ct_parsed *p)
{
	free(p->pos);
	free(p->count);
	free(p->order);
	p->pos = NULL;
	p->count = NULL;
	p->order = NULL;
}

int ct_parse_args(const struct ct_cmd *cmds, const struct ct_opt *opts, int argc, char **argv,
		  struct ct_opts *o, struct ct_parsed *p, struct ct_err *err)
{
	memset(p, 0, sizeof(*p));
	size_t nopt = 0;
	while (opts[nopt].lng)
		nopt++;
	struct option *lo = calloc(nopt + 1, sizeof(*lo));
	char *shorts = calloc(nopt * 2 + 3, 1);
	p->count = calloc(nopt + 1, sizeof(*p->count));
	p->order = calloc(nopt + 1, sizeof(*p->order));
	p->pos = calloc((size_t)argc + 1, sizeof(*p->pos));
	if (!lo || !shorts || !p->count || !p->order || !p->pos) {
		free(lo);
		free(shorts);
		ct_err_set(err, CT_EXIT_GATHER, "out of memory");
		return -1;
	}
	int rc = -1;
	size_t ls = 0;
	shorts[ls++] = '+';
	shorts[ls++] = ':'; /* a missing value is ':', told apart from an unknown option ('?') */
	for (size_t k = 0; k < nopt; k++) {
		const struct ct_opt *x = &opts[k];
		lo[k] = (struct option){x->lng, x->arg ? required_argument : no_argument, NULL, x->id};
		if (x->id < 256) {
			shorts[ls++] = (char)x->id;
			if (x->arg)
				shorts[ls++] = ':';
		}
	}
	/* long options by exact name only */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (strncmp(argv[i], "--", 2) != 0)
			continue;
		const char *nm = argv[i] + 2;
		size_t nl = strcspn(nm, "=");
		bool ok = false;
		for (size_t j = 0; j < nopt && !ok; j++) {
			ok = strlen(lo[j].name) == nl && !strncmp(lo[j].name, nm, nl);
			if (ok && nm[nl] == '=' && lo[j].has_arg == no_argument) {
				usage_err(err, "option '%s' takes no value", argv[i]);
				goto out;
			}
		}
		if (!ok) {
			usage_err(err, "unknown option '%s'; run 'caltrace --help'", argv[i]);
			goto out;
		}
	}

	/* permute: options may come before or after the command */
	opterr = 0;
	optind = 0; /* 0: glibc starts over (a second parse in one process) */
	for (;;) {
		int cur = optind ? optind : 1;
		if (cur >= argc) {
			optind = cur;
			break;
		}
		if (!strcmp(argv[cur], "--")) {
			/* everything after "--" is an argument */
			optind = cur + 1;
			break;
		}
		int ch = getopt_long(argc, argv, shorts, lo, NULL);
		if (ch == -1) {
			p->pos[p->npos++] = argv[optind++];
			continue;
		}
		size_t k = 0;
		while (k < nopt && opts[k].id != ch)
			k++;
		if (k < nopt && !p->count[k]++)
			p->order[p->norder++] = k;
		if (ch == 'h') {
			p->want_help = true;
			continue;
		}
		if (ch == 'V') {
			/* the version ends parsing, as in coreutils; a -j or --json word
			 * after it still asks for JSON (`caltrace --version -j`) */
			p->want_version = true;
			for (int i = optind; i < argc && strcmp(argv[i], "--"); i++)
				if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
					o->json = true;
			rc = 0;
			goto out;
		}
		if (ch == ':') {
			missing_value(err, opts, nopt, argv[optind - 1], optopt);
			goto out;
		}
		if (ch == '?') {
			char nm[8] = {'-', (char)optopt, 0};
			/* optopt is 0 for a long option getopt did not know (the scan above
			 * let it through only when it is a prefix of nothing: never) */
			usage_err(err, "unknown option '%s'; run 'caltrace --help'",
				  optopt ? nm : argv[optind - 1]);
			goto out;
		}
		if (k == nopt) {
			usage_err(err, "unknown option '%s'; run 'caltrace --help'", argv[optind - 1]);
			goto out;
		}
		if (take(o, &opts[k], optarg, err) < 0)
			goto out;
	}
	while (optind < argc)
		p->pos[p->npos++] = argv[optind++];

	rc = 0;
	if (p->npos == 0)
		goto out; /* no command: usage */
	p->cmd = ct_cmd_lookup(cmds, p->pos[0]);
	if (!p->cmd) {
		rc = usage_err(err, "unknown command '%s'; run 'caltrace help' for the list", p->pos[0]);
		goto out;
	}
	if (p->want_help)
		goto out;
	for (size_t i = 0; i < p->norder; i++) {
		size_t k = p->order[i];
		if (ct_cmd_takes(p->cmd, opts[k].lng))
			continue;
		rc = ct_err_set(err, CT_EXIT_USAGE, "option '--%s' does not apply to '%s'; see 'caltrace help %s'",
				opts[k].lng, p->cmd->name, p->cmd->name);
		goto out;
	}
	/* an option with a value given twice: only where the command takes several */
	for (size_t i = 0; i < p->norder; i++) {
		size_t k = p->order[i];
		if (p->count[k] < 2 || !opts[k].arg || ct_cmd_repeats(p->cmd, opts[k].lng))
			continue;
		char who[256];
		int n;
		repeaters(cmds, opts[k].lng, who, sizeof(who), &n);
		if (opts[k].id == 'n')
			rc = ct_err_set(err, CT_EXIT_USAGE, "-n is given %d times; only %s take%s several namespaces",
					p->count[k], n ? who : "no command", n == 1 ? "s" : "");
		else
			rc = ct_err_set(err, CT_EXIT_USAGE, "option '--%s' is given %d times; '%s' takes it once",
					opts[k].lng, p->count[k], p->cmd->name);
		goto out;
	}
	o->argc = p->npos - 1;
	o->argv = p->pos + 1;
out:
	free(lo);
	free(shorts);
	return rc;
}

static bool has_cap(int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return true; /* unknown: claim nothing */
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

bool ct_need_missing(const struct ct_cmd *c, const struct ct_opts *o, char *buf, size_t len)
{
	if (o->from || ((c->needs & CT_NEED_RAW) && o->read_file))
		return false; /* a snapshot or a pcap file: no privilege needed */
	bool admin = (c->needs & CT_NEED_SETNS) || ((c->needs & CT_NEED_NETLINK) && o->n_netns);
	bool raw = (c->needs & CT_NEED_RAW) != 0;
	admin = admin && !has_cap(CAP_SYS_ADMIN);
	raw = raw && !has_cap(CAP_NET_RAW);
	snprintf(buf, len, "%s%s%s", admin ? "CAP_SYS_ADMIN" : "", admin && raw ? " and " : "",
		 raw ? "CAP_NET_RAW" : "");
	return admin || raw;
}
