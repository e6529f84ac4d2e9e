/* SPDX-License-Identifier: MIT */
/* libFuzzer target: bytes into kube-proxy's Service reader (model/svc.h) for iptables-save -c text,
 * then the index and the hop line of every Service found (they must stay within their bounds). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/svc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_svcs s;
	struct ct_err err;
	ct_svcs_init(&s);
	memset(&err, 0, sizeof(err));
	struct ct_ipt_ruleset rs;
	ct_ipt_ruleset_init(&rs);
	ct_ipt_parse(&rs, (const char *)data, size, &err); /* what parsed before an error */
	memset(&err, 0, sizeof(err));
	if (ct_svc_from_ipt(&s, &rs, CT_SVC_IPT_NFT, &err) < 0 &&
	    strncmp(err.msg, "out of memory", 13) != 0)
		__builtin_trap();
	ct_ipt_ruleset_free(&rs);
	ct_svcs_finish(&s);
	for (size_t i = 0; i < s.n; i++) {
		const struct ct_svc *v = &s.v[i];
		char line[256];
		if (v->nbe > v->nbe_total || v->nbe > CT_SVC_MAX_BACKEND)
			__builtin_trap();
		if (i && memcmp(&s.v[i - 1].vip, &v->vip, sizeof(v->vip)) == 0 &&
		    s.v[i - 1].proto == v->proto && s.v[i - 1].port == v->port &&
		    s.v[i - 1].source == v->source)
			__builtin_trap(); /* ct_svcs_finish merges duplicates */
		if (ct_svc_find(&s, &v->vip, v->proto, v->port) == NULL)
			__builtin_trap();
		size_t want = ct_svc_describe(v, line, sizeof(line));
		if (strlen(line) != (want < sizeof(line) ? want : sizeof(line) - 1))
			__builtin_trap();
	}
	ct_svcs_free(&s);
	return 0;
}
