/* SPDX-License-Identifier: MIT */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ct_err_set(struct ct_err *err, int exit_code, const char *fmt, ...)
{
	if (err && !err->exit_code) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->exit_code = exit_code;
	}
	return -1;
}

int ct_err_errno(struct ct_err *err, int e, const char *what, const char *subject)
{
	if (e == EPERM || e == EACCES)
		return ct_err_set(err, CT_EXIT_GATHER, "cannot %s '%s': %s (%s)", what, subject,
				  strerror(e),
				  e == EPERM ? "needs CAP_SYS_ADMIN or root"
					     : "check the file's permissions or run as root");
	return ct_err_set(err, CT_EXIT_GATHER, "cannot %s '%s': %s", what, subject, strerror(e));
}
