/* SPDX-License-Identifier: MIT */
#include "probes/inns.h"

#include <unistd.h>

#include "probes/gather.h"
#include "probes/netns.h"

int ct_netns_run(const char *spec, int (*fn)(void *arg, struct ct_err *err), void *arg,
		 struct ct_err *err)
{
	if (!spec)
		return fn(arg, err);
	char path[CT_PATH_LEN], name[CT_NAME_LEN];
	if (ct_netns_resolve(spec, path, sizeof(path), name, sizeof(name), err) < 0)
		return -1;
	int self = ct_ns_open_self(err);
	if (self < 0)
		return -1;
	int fd = ct_ns_open(path, name, err);
	if (fd < 0) {
		close(self);
		return -1;
	}
	int rc = ct_ns_enter(fd, name, err);
	close(fd);
	if (rc == 0) {
		rc = fn(arg, err);
		struct ct_err e2 = {0};
		if (ct_ns_enter(self, "the original namespace", &e2) < 0) {
			/* never go on in the wrong namespace */
			close(self);
			return ct_err_set(err, CT_EXIT_GATHER, "%s", e2.msg);
		}
	}
	close(self);
	return rc;
}
