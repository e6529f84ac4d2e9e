/* SPDX-License-Identifier: MIT */
/*
 * The command table: one static table of commands and one of options. Each
 * command row declares what it needs so the dispatcher does the setup, and the
 * same table feeds --help, `caltrace help CMD`, the completions and the man
 * page SYNOPSIS (a test checks that they agree).
 */
#ifndef CT_CMD_H
#define CT_CMD_H

#include <stdbool.h>

#include "model/err.h"
#include "model/model.h"
#include "render/out.h"

/* What a command needs (git's RUN_SETUP idea). main acts on them: the options a
 * command takes beyond its own list (ct_cmd_takes) and, when it could not gather
 * without the privilege, which capability the message names (ct_need_missing). */
enum ct_need {
	CT_NEED_NONE = 0,
	CT_NEED_NETLINK = 1 << 0, /* rtnetlink dumps: work without root, but -n needs CAP_SYS_ADMIN */
	CT_NEED_SETNS = 1 << 1,   /* enters other namespaces itself (pods): CAP_SYS_ADMIN */
	CT_NEED_RAW = 1 << 2,     /* capture and raw sockets: CAP_NET_RAW (not with -r FILE) */
	CT_NEED_BIRD = 1 << 3,    /* asks BIRD's control socket: takes --bird-socket */
	CT_NEED_SNAPSHOT = 1 << 4, /* reads the model: takes --from */
};

/* Option ids (long-only options use values above 255). */
enum {
	CT_OPT_PREFIX = 256,
	CT_OPT_FROM,
	CT_OPT_COLOR,
	CT_OPT_PODS,
	CT_OPT_TIMEOUT,
	CT_OPT_BIRD_SOCKET,
	CT_OPT_EXPORTED,
	CT_OPT_INNER,
	CT_OPT_FLOWS,
	CT_OPT_INTERVAL,
	CT_OPT_VXLAN_PORT,
	CT_OPT_CHECKSUMS,
	CT_OPT_MAX_FLOWS,
	CT_OPT_NODE,
	CT_OPT_NODES,
	CT_OPT_PROTO,
	CT_OPT_PORT,
	CT_OPT_TO_BACKEND,
	CT_OPT_PROBE,
	CT_OPT_WAIT,
	CT_OPT_SIZE,
	CT_OPT_MTU,
	CT_OPT_TUI,
	CT_OPT_NO_REVERSE,
	CT_OPT_POLICY_INTERVAL,
	CT_OPT_LOG,
};

#define CT_MAX_NETNS 64        /* -n given several times (sniff) */
#define CT_MAX_IFACES 64       /* -i given several times (sniff) */
#define CT_MAX_VXLAN_PORTS 8   /* --vxlan-port (model/pkt.h's ct_decode_opts) */

struct ct_opts {
	const char *netns; /* the first -n */
	bool json;
	const char *from;  /* the first --from */
	const char *from_list[CT_MAX_NETNS]; /* every --from, in order (commands that repeat it) */
	int n_from;
	enum ct_color_mode color;
	struct ct_prefixes prefixes;
	const char *prefix_str;
	const char *pods;
	const char *output; /* snapshot -o */
	double timeout;
	const char *bird_socket; /* --bird-socket */
	bool exported;           /* bgp routes --exported */
	/* sniff */
	const char *netns_list[CT_MAX_NETNS]; /* every -n, in order */
	int n_netns;
	const char *ifaces[CT_MAX_IFACES]; /* -i IFACE or NS:IFACE, in order */
	int n_ifaces;
	const char *read_file;   /* -r */
	const char *write_file;  /* -w */
	unsigned long long count; /* -c, 0: no limit */
	int snaplen;             /* -s, 0: default */
	const char *inner;       /* --inner */
	bool flows;              /* --flows */
	double interval;         /* --interval, 0: only at the end */
	unsigned long max_flows; /* --max-flows, 0: the default */
	unsigned short vxlan_ports[CT_MAX_VXLAN_PORTS]; /* --vxlan-port */
	int n_vxlan_ports;
	bool checksums;          /* --checksums */
	const char *user;        /* -Z */
	/* path */
	const char *node_list[CT_MAX_NETNS]; /* every --node NAME=SPEC, in order */
	int n_node;
	const char *nodes_file;  /* --nodes */
	const char *proto;       /* --proto: icmp, tcp, udp (NULL: icmp) */
	unsigned short port;     /* --port, 0: none */
	const char *to_backend;  /* --to-backend: an address (checked by the parser) */
	bool probe;              /* --probe */
	double wait;             /* --wait SECONDS, 0: 1 */
	unsigned size;           /* --size N payload bytes, 0: the default */
	bool size_set;
	bool mtu;                /* --mtu */
	bool tui;                /* path --tui */
	bool no_reverse;         /* --no-reverse: path --probe sends SRC -> DST only */
	/* top */
	bool batch;              /* -b */
	double delay;            /* -d SECONDS, 0: 1 */
	double policy_interval;  /* --policy-interval SECONDS, 0: 10 */
	const char *log_file;    /* --log FILE */
	int argc;
	char **argv; /* positional arguments after the command */
};

struct ct_probe_tap;

struct ct_ctx {
	struct ct_opts o;
	struct ct_out out;
	struct ct_err err;
	const char *proc_root;
	/* the command's exit 3 came from writing its output file (-o, -w), not from a
	 * missing privilege: main adds no "needs CAP_..." line */
	bool write_failed;
	/* path --tui: told of what the captures see while a probe is in flight (NULL none) */
	const struct ct_probe_tap *probe_tap;
};

struct ct_cmd {
	const char *name;
	int (*run)(struct ct_ctx *c);
	unsigned needs;
	const char *args;    /* positional synopsis, e.g. "[IFACE...]" */
	const char *summary; /* one line */
	const char *opts;    /* command-specific long option names, space separated */
	const char *complete; /* what positional arguments complete to: iface, prefix, pod, "" */
	/* long names of the options this command takes more than once (each value kept in
	 * order, e.g. every -n in netns_list); any other option with a value given twice is
	 * a usage error */
	const char *repeat;
	const char *args_help; /* what the positional arguments are; "" when none */
	const char *examples;  /* command lines, '\n' between them */
	/* finding codes it can raise: a word is a code, or a scope of the registry
	 * (analysis/findings.c) standing for all its codes; "-code" removes one */
	const char *findings;
};

struct ct_opt {
	int id;          /* short letter or CT_OPT_* */
	const char *lng; /* long name */
	const char *arg; /* argument name or NULL */
	/* what the value is, for the messages about a missing or bad one: "needs a value
	 * (VALUE)" and "OPT needs VALUE, not 'x'"; NULL when arg is */
	const char *value;
	/* what it does, for every command that takes it; a part "{OPT:text}" shows only in
	 * the help of commands that take OPT */
	const char *help;
	const char *complete; /* "netns", "file", "color", "pods", "" */
};

/* An option's help for one command, where the general one would say too much or too
 * little (what --timeout bounds depends on what the command waits for). */
struct ct_opt_note {
	const char *cmd; /* "*": every command (not caltrace --help's list) */
	const char *lng;
	const char *help;
};

extern const struct ct_cmd ct_cmds[];
extern const struct ct_opt ct_opts_table[];
extern const struct ct_opt_note ct_opt_notes[];
const struct ct_cmd *ct_cmd_find(const char *name);

/* ---- the option parser (cmd/parse.c); tables are parameters so tests bring their own */

/* Is w one of the space-separated words of list? */
bool ct_word_in(const char *list, const char *w);
const struct ct_cmd *ct_cmd_lookup(const struct ct_cmd *cmds, const char *name);
/* Does command c take the option of long name lname: the global ones, its own
 * list, and what its needs bring (--from with CT_NEED_SNAPSHOT, --bird-socket with
 * CT_NEED_BIRD)? */
bool ct_cmd_takes(const struct ct_cmd *c, const char *lname);
/* May lname be given more than once to c? */
bool ct_cmd_repeats(const struct ct_cmd *c, const char *lname);

struct ct_parsed {
	const struct ct_cmd *cmd; /* NULL: no command given */
	bool want_help;           /* -h */
	bool want_version;        /* -V: parsing stopped there */
	char **pos;               /* positional arguments, the command first */
	int npos;
	int *count;               /* times each option of the table was given */
	size_t *order;            /* options in the order first given */
	size_t norder;
};
/* argv -> o and p. 0, or -1 with err set (exit code CT_EXIT_USAGE; err->msg is the
 * line to print after "caltrace: ", arguments in it already escaped). */
int ct_parse_args(const struct ct_cmd *cmds, const struct ct_opt *opts, int argc, char **argv,
		  struct ct_opts *o, struct ct_parsed *p, struct ct_err *err);
void ct_parsed_free(struct ct_parsed *p);
/* The capabilities command c would need for this query and the process lacks,
 * as "CAP_SYS_ADMIN and CAP_NET_RAW" in buf; false when none is missing. */
bool ct_need_missing(const struct ct_cmd *c, const struct ct_opts *o, char *buf, size_t len);

/* Shared by read commands: gathers live state (what: CT_G_* bits) or loads
 * --from (where -n names a namespace inside the snapshot), and pods when --pods
 * is given. *target is the namespace the command looks at. 0 or -1 with c->err set. */
int ct_load_node(struct ct_ctx *c, struct ct_node *n, unsigned what, unsigned pod_what,
		 struct ct_netns **target);
/* Starts the document for command on the loaded node. */
void ct_begin(struct ct_ctx *c, const struct ct_node *n, const struct ct_netns *target,
	      const char *command);
/* Adds the load findings (analysis: ct_analyze_load), sorts, writes findings, returns
 * the exit status of the command's scope. */
int ct_finish(struct ct_ctx *c, const struct ct_node *n, struct ct_findings *f);
/* The load step of a pod namespace's host side: from the loaded node, else (live)
 * gathered through the pod veth's peer into extra. NULL when unknown. */
const struct ct_netns *ct_load_host_of(struct ct_ctx *c, const struct ct_node *n,
				      const struct ct_netns *ns, struct ct_node *extra);

/* Asks BIRD in the target namespace (probes/bgp_gather.h) with the command
 * line's socket, timeout and namespace; socket overrides --bird-socket. */
int ct_bgp_ask(struct ct_ctx *c, struct ct_node *n, bool routes, const char *query,
	       const char *socket, struct ct_err *err);
/* The same, everything, for doctor and snapshot: a failure only fills n->bgp_error. */
void ct_bgp_ask_best_effort(struct ct_ctx *c, struct ct_node *n);

/* Prints the error line for c->err and returns its exit code. */
int ct_report_err(struct ct_ctx *c);
/* The last step of every run (main, whatever the command did): writes what is
 * buffered and closes standard output (o: the run's writer on stdout; o->f NULL when
 * stdout was closed already, by libpcap for sniff -w -, its errors in o->err). A
 * write, flush or close that failed (ENOSPC, EIO, EBADF) gives one line on stderr,
 * "caltrace: writing standard output: REASON", and exit 3 whatever rc was; a reader
 * that went away (EPIPE: SIGPIPE ignored, as sniff does) is not an error. Returns the
 * exit status. Nothing may be printed to stdout afterwards. */
int ct_stdout_finish(struct ct_out *o, int rc);

int cmd_links(struct ct_ctx *c);
int cmd_routes(struct ct_ctx *c);
int cmd_tunnel(struct ct_ctx *c);
/* encap_blocked and encap_peer_not_allowed (cmd/tunnel.c): the firewall read live in the
 * command's namespace when ns uses IPIP or VXLAN; note gets why it was not read, or "". */
void ct_encap_check(struct ct_ctx *c, const struct ct_node *n, const struct ct_netns *ns,
		    struct ct_findings *f, char *note, size_t notelen);
int cmd_neigh(struct ct_ctx *c);
int cmd_snapshot(struct ct_ctx *c);
int cmd_veth_name(struct ct_ctx *c);
int cmd_bgp(struct ct_ctx *c);
int cmd_doctor(struct ct_ctx *c);
int cmd_sniff(struct ct_ctx *c);
int cmd_path(struct ct_ctx *c);

/* path --tui (cmd/path_tui.c) */
struct ct_cluster;
struct ct_path_query;
struct ct_path;
/* Before anything is gathered: --tui with -j, or without a terminal, is a usage error (one
 * line printed). 0, or the exit status. */
int cmd_path_tui_check(struct ct_ctx *c);
/* The full screen over a built path until q, Esc or a signal. probe(arg) sends one probe as
 * --probe does and fills the path's probe results (0, or an exit status with a message on
 * standard error, which the screen shows); c->probe_tap is set while it runs. Returns
 * path's exit status; a signal ends the process by that signal once the terminal is
 * restored. */
int cmd_path_tui(struct ct_ctx *c, const struct ct_cluster *cl, const struct ct_path_query *q,
		 struct ct_path *p, int (*probe)(void *arg), void *arg);
int cmd_shell(struct ct_ctx *c);
int cmd_top(struct ct_ctx *c);
int cmd_help(struct ct_ctx *c);
int cmd_version(struct ct_ctx *c);

/* ---- help and version (cmd/help.c); tables are parameters so tests bring their own.
 * Text fits in 80 columns. Each returns 0, or -1 when writing to f failed. */
struct ct_help_tables {
	const struct ct_cmd *cmds;
	const struct ct_opt *opts;
	const struct ct_opt_note *notes; /* ends with a NULL cmd */
};
/* caltrace --help: the commands and every option */
int ct_help_usage(FILE *f, const struct ct_help_tables *t);
/* caltrace CMD --help: purpose, arguments, the options c takes, examples, finding codes */
int ct_help_command(FILE *f, const struct ct_help_tables *t, const struct ct_cmd *c);
/* caltrace -j help [COMMAND]: the command table (only c's row when c is not NULL) and
 * the options, as one JSON document */
int ct_help_json(FILE *f, const struct ct_help_tables *t, const struct ct_cmd *c);
/* caltrace -j version: the version and the libraries' versions as one JSON document */
int ct_version_json(FILE *f);
/* The finding codes c can raise (its findings words against the registry), in
 * registry order, into v (at most n); returns how many there are. */
size_t ct_help_codes(const struct ct_cmd *c, const char **v, size_t n);
/* What opt does for command c (c NULL: in general): a note, else its help, into buf.
 * A part "{OPT:text}" of it is kept only where c takes OPT (always when c is NULL). */
const char *ct_help_opt_text(const struct ct_help_tables *t, const struct ct_cmd *c,
			     const struct ct_opt *opt, char *buf, size_t len);

/* ---- command-line words for `caltrace shell` (cmd/shellwords.c): pure */
struct ct_words {
	char **v; /* the words, NULL-terminated */
	int n;
	char *buf; /* owns their bytes */
};
/* line -> w. 0, or -1 with *why set to what is wrong (an unbalanced quote, a backslash that
 * ends the line, no memory) and w empty. tolerant: an open quote or a final backslash ends the
 * last word instead (completion, where the line is not finished). Free w with ct_words_free. */
int ct_words_split(const char *line, struct ct_words *w, bool tolerant, const char **why);
void ct_words_free(struct ct_words *w);

void ct_usage(FILE *f);
/* The whole program for one command line (cmd/main.c): parse, run, finish standard output;
 * returns the exit status. main calls it, and `caltrace shell` calls it in a forked child
 * for each command line. */
int ct_main(int argc, char **argv);
int ct_help_cmd(FILE *f, const char *name);

#endif
