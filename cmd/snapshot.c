/* SPDX-License-Identifier: MIT */
/* caltrace snapshot [-o FILE], caltrace veth-name NS/POD... */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "model/bgp_json.h"
#include "model/policy.h"
#include "model/snapshot.h"
#include "probes/policy.h"
#include "probes/gather.h"
#include "probes/outfile.h"
#include "model/plural.h"

/* Felix's rules in the target namespace, as links and tunnel read them live (with the ipset
 * sets), kept in n->policy for the file's "policy" member. Best effort, like BIRD's view:
 * a namespace that cannot be entered leaves its reason in every backend's error. */
static int snapshot_policy(struct ct_ctx *c, struct ct_node *n, const struct ct_netns *ns)
{
	struct ct_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory");
	ct_policy_init(p);
	n->policy = p;
	if (ct_link_by_name(ns, "bpfin.cali")) {
		p->bpf = true; /* policy lives in BPF programs: nothing to read */
		return 0;
	}
	struct ct_err e = {0};
	if (ct_policy_gather_sets(p, c->o.netns, c->o.timeout, &e) < 0)
		for (int b = 0; b < CT_POL_NBACKENDS; b++)
			snprintf(p->error[b], sizeof(p->error[b]), "%s", e.msg);
	return 0;
}

int cmd_snapshot(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: snapshot takes no arguments (use -o FILE)\n");
		return CT_EXIT_USAGE;
	}
	if (c->o.from) {
		fprintf(stderr, "caltrace: snapshot reads the live kernel; it does not take --from\n");
		return CT_EXIT_USAGE;
	}
	bool to_file = c->o.output && strcmp(c->o.output, "-") != 0;
	/* a directory, a socket or a block device is refused before anything is gathered */
	if (to_file && ct_outfile_check(c->o.output, CT_OUTFILE_REPLACE, &c->err) < 0) {
		c->write_failed = true;
		return ct_report_err(c);
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned pod_what = CT_G_ALL & ~(CT_G_PODNS | CT_G_NSNAMES | CT_G_NODEINFO);
	if (ct_load_node(c, &n, CT_G_ALL | CT_G_WLROUTE, pod_what, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	if (snapshot_policy(c, &n, ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	/* BIRD's view, best effort: a node without BIRD (VXLAN mode) still snapshots */
	ct_bgp_ask_best_effort(c, &n);
	if (n.bgp) {
		free(n.bgp_json);
		n.bgp_json = NULL;
		if (ct_bgp_to_json(n.bgp, n.bgp_error[0] ? n.bgp_error : NULL, &n.bgp_json) < 0) {
			ct_err_set(&c->err, CT_EXIT_GATHER, "out of memory writing the BGP section");
			ct_node_free(&n);
			return ct_report_err(c);
		}
	}
	FILE *f = stdout;
	struct ct_outfile of;
	if (to_file) {
		/* a new file beside FILE (mkstemp, 0600) renamed over it at the end, or FILE
		 * itself when it is a FIFO or a character device: probes/outfile.h */
		if (ct_outfile_open(&of, c->o.output, CT_OUTFILE_REPLACE, &c->err) < 0) {
			c->write_failed = true;
			ct_node_free(&n);
			return ct_report_err(c);
		}
		f = of.f;
	}
	int rc = ct_snapshot_write(&n, f, &c->err);
	if (rc != 0 && f == stdout && ferror(stdout)) {
		/* the snapshot's own line would say "cannot write snapshot": main says it
		 * the way every command does (ct_stdout_finish) */
		ct_out_fail(&c->out, errno);
		ct_node_free(&n);
		return CT_EXIT_GATHER;
	}
	size_t nns = n.ns.n;
	if (to_file) {
		if (rc == 0) {
			rc = ct_outfile_close(&of, &c->err);
			c->write_failed = rc != 0;
		} else {
			if (of.werr) {
				/* the write itself failed: say so with its reason, naming FILE */
				c->err.exit_code = 0;
				ct_outfile_write_err(&of, of.werr, &c->err);
				c->write_failed = true;
			}
			ct_outfile_abort(&of);
		}
	}
	ct_node_free(&n);
	if (rc != 0)
		return ct_report_err(c);
	if (to_file) {
		char esc[4 * 256];
		fprintf(stderr, "caltrace: snapshot of %zu network %s written to '%s'\n", nns,
			ct_plural(nns, "namespace", "namespaces"), ct_escape(c->o.output, esc, sizeof(esc)));
	}
	return CT_EXIT_OK;
}

int cmd_veth_name(struct ct_ctx *c)
{
	if (!c->o.argc) {
		fprintf(stderr, "caltrace: veth-name needs NAMESPACE/POD, e.g. caltrace veth-name default/web-1\n");
		return CT_EXIT_USAGE;
	}
	struct ct_out *o = &c->out;
	/* validate everything before printing anything */
	char name[64];
	for (int i = 0; i < c->o.argc; i++) {
		char buf[512], e[256];
		snprintf(buf, sizeof(buf), "%s", c->o.argv[i]);
		char *slash = strchr(buf, '/');
		if (slash)
			*slash = 0;
		if (!slash || ct_veth_name(c->o.prefixes.list[0], buf, slash + 1, name, sizeof(name)) < 0) {
			fprintf(stderr, "caltrace: '%s' is not NAMESPACE/POD with valid Kubernetes names\n",
				ct_escape(c->o.argv[i], e, sizeof(e)));
			return CT_EXIT_USAGE;
		}
	}
	if (!o->json) {
		for (int i = 0; i < c->o.argc; i++) {
			char buf[512];
			snprintf(buf, sizeof(buf), "%s", c->o.argv[i]);
			char *slash = strchr(buf, '/');
			*slash = 0;
			ct_veth_name(c->o.prefixes.list[0], buf, slash + 1, name, sizeof(name));
			if (c->o.argc > 1)
				ct_out_printf(o, "%s %s\n", c->o.argv[i], name);
			else
				ct_out_printf(o, "%s\n", name);
		}
		return CT_EXIT_OK;
	}
	ct_out_begin(o, "veth-name", "", "none", "", false);
	ct_out_section(o, "items", NULL);
	for (int i = 0; i < c->o.argc; i++) {
		char buf[512];
		snprintf(buf, sizeof(buf), "%s", c->o.argv[i]);
		char *slash = strchr(buf, '/');
		*slash = 0;
		ct_veth_name(c->o.prefixes.list[0], buf, slash + 1, name, sizeof(name));
		ct_rec_begin(o);
		ct_rec_str(o, NULL, "namespace", buf, CT_HL_NONE);
		ct_rec_str(o, NULL, "pod", slash + 1, CT_HL_NONE);
		ct_rec_str(o, NULL, "prefix", c->o.prefixes.list[0], CT_HL_NONE);
		ct_rec_str(o, NULL, "name", name, CT_HL_NONE);
		ct_rec_end(o);
	}
	ct_out_section_end(o);
	ct_out_end(o, NULL);
	return CT_EXIT_OK;
}
