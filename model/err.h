/* SPDX-License-Identifier: MIT */
/* Errors travel up as values; only cmd/ prints them and exits. */
#ifndef CT_ERR_H
#define CT_ERR_H

#include <stdarg.h>

/* Exit codes, documented in caltrace(1). */
enum {
	CT_EXIT_OK = 0,       /* healthy: no warn or fail finding in the command's scope */
	CT_EXIT_PROBLEMS = 1, /* at least one warn or fail finding */
	CT_EXIT_USAGE = 2,    /* bad command line or argument */
	CT_EXIT_GATHER = 3,   /* could not gather: permission, missing namespace, bad snapshot */
};

struct ct_err {
	int exit_code; /* CT_EXIT_*; 0 = no error */
	char msg[512]; /* one line, lowercase, names the subject in quotes */
};

/* Sets err (when not already set) and returns -1. */
int ct_err_set(struct ct_err *err, int exit_code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Describes a failed operation on subject with errno e, naming the missing
 * capability for EPERM/EACCES. */
int ct_err_errno(struct ct_err *err, int e, const char *what, const char *subject);

#endif
