/* SPDX-License-Identifier: MIT */
/* libFuzzer target: `kubectl get pods -A -o json` bytes into the pod parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/pods.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_node n;
	struct ct_err err;

	ct_node_init(&n);
	memset(&err, 0, sizeof(err));
	if (ct_pods_parse_kubectl(&n, (const char *)data, size, "cali", &err) < 0) {
		/* a failure is one line that names its source, nothing else */
		if (!err.exit_code || strncmp(err.msg, "pods from 'kubectl': ", 21) != 0)
			__builtin_trap();
	} else if (!n.have_pods) {
		__builtin_trap();
	}
	for (size_t i = 0; i < n.pods.n; i++) {
		const struct ct_pod *p = &n.pods.v[i];
		if (!memchr(p->ns, 0, sizeof(p->ns)) || !memchr(p->name, 0, sizeof(p->name)) ||
		    !memchr(p->veth, 0, sizeof(p->veth)) || p->n_ips < 0 || p->n_ips > 4)
			__builtin_trap();
	}
	ct_node_free(&n);
	return 0;
}
