/* SPDX-License-Identifier: MIT */
/* libFuzzer target: `crictl pods -o json` bytes into the pod parser. */
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
	if (ct_pods_parse_crictl(&n, (const char *)data, size, "cali", &err) < 0) {
		if (!err.exit_code || strncmp(err.msg, "pods from 'crictl': ", 20) != 0)
			__builtin_trap();
	} else if (!n.have_pods) {
		__builtin_trap();
	}
	/* crictl lists each pod once, with no node and no IPs */
	for (size_t i = 0; i < n.pods.n; i++) {
		const struct ct_pod *p = &n.pods.v[i];
		if (p->n_ips != 0 || p->node[0] || !memchr(p->veth, 0, sizeof(p->veth)))
			__builtin_trap();
		if (i && strcmp(p[-1].ns, p->ns) == 0 && strcmp(p[-1].name, p->name) == 0)
			__builtin_trap();
	}
	ct_node_free(&n);
	return 0;
}
