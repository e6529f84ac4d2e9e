/* SPDX-License-Identifier: MIT */
/* caltrace doctor: every node check in one run. */
#include <stdio.h>
#include <stdlib.h>

#include "analysis/results.h"
#include "cmd/cmd.h"
#include "model/bgp.h"
#include "probes/gather.h"
#include "probes/host_env.h"
#include "render/views.h"

int cmd_doctor(struct ct_ctx *c)
{
	if (c->o.argc) {
		fprintf(stderr, "caltrace: doctor takes no arguments\n");
		return CT_EXIT_USAGE;
	}
	struct ct_node n;
	struct ct_netns *ns;
	unsigned what = (CT_G_ALL & ~(unsigned)CT_G_PODNS) | CT_G_WLROUTE;
	if (ct_load_node(c, &n, what, 0, &ns) < 0) {
		ct_node_free(&n);
		return ct_report_err(c);
	}
	/* BIRD first: the node checks use its router id */
	if (!c->o.from)
		ct_bgp_ask_best_effort(c, &n);
	struct ct_host_env env;
	const char *etc = getenv("CALTRACE_ETC_ROOT");
	if (!c->o.from)
		ct_host_env_probe(&env, c->proc_root, etc && *etc ? etc : "/etc");

	struct ct_doctor_result r;
	struct ct_findings f;
	ct_findings_init(&f);
	ct_doctor_result_build(&n, ns, &c->o.prefixes, c->o.from ? NULL : &env, &r, &f);
	ct_begin(c, &n, ns, "doctor");
	ct_views_doctor(&c->out, &r);
	int rc = ct_finish(c, &n, &f);
	ct_findings_free(&f);
	ct_node_free(&n);
	return rc;
}
