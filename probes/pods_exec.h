/* SPDX-License-Identifier: MIT */
/*
 * Loads the pod list from kubectl, crictl or a file into ct_node.pods.
 * I/O only (the parsing is model/pods.c); no printing, no exit.
 */
#ifndef CT_PODS_EXEC_H
#define CT_PODS_EXEC_H

#include "model/err.h"
#include "model/model.h"

#define CT_PODS_TIMEOUT_S 10.0            /* default deadline for kubectl/crictl */
#define CT_PODS_MAX_OUTPUT (256u << 20)   /* larger output or files are refused */

/*
 * source:
 *   "kubectl" (or NULL)  runs `kubectl get pods -A -o json`, found on PATH
 *   "crictl"             runs `crictl pods -o json`, found on PATH
 *   "-"                  reads standard input
 *   anything else        a file (write ./kubectl for a file of that name)
 * A file or stdin may hold either format; its shape tells which.
 *
 * Commands run without a shell, in their own process group, stdin from
 * /dev/null. When one is still running after timeout_s seconds (<= 0 means
 * CT_PODS_TIMEOUT_S) its whole process group is killed with SIGKILL and reaped.
 * A non-zero exit reports the command's most telling stderr line (escaped where shown).
 *
 * prefix: as for ct_pods_parse_kubectl (NULL = "cali").
 * Returns 0, or -1 with err set (CT_EXIT_GATHER; CT_EXIT_USAGE for a bad prefix).
 */
int ct_pods_load(struct ct_node *n, const char *source, const char *prefix, double timeout_s,
		 struct ct_err *err);

/*
 * The runner behind ct_pods_load, for other commands: runs argv (argv[0] found on PATH, no
 * shell, stdin /dev/null, its own process group) in the calling thread's network namespace,
 * killed with its group after timeout_s seconds (<= 0: CT_PODS_TIMEOUT_S) or when it prints
 * more than max bytes. hint says what to check when it hangs. On success *out (malloc'd, not
 * NUL-terminated, NULL when empty) holds its standard output. A non-zero exit is an error
 * quoting its most telling stderr line. 0, or -1 with err set (CT_EXIT_GATHER).
 */
int ct_exec_capture(const char *const *argv, const char *hint, double timeout_s, size_t max,
		    char **out, size_t *outlen, struct ct_err *err);

#endif
