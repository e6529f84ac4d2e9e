/* SPDX-License-Identifier: MIT */
/*
 * The kernel's SNMP counters as `nstat` names them: /proc/net/snmp and
 * /proc/net/netstat (read inside a network namespace by the caller) parsed
 * into NAME -> value, the name being the section and the field joined
 * ("Ip" + "InAddrErrors" = "IpInAddrErrors", "TcpExt" + "IPReversePathFilter"
 * = "TcpExtIPReversePathFilter", "IpExt" + "InNoRoutes" = "IpExtInNoRoutes").
 * Pure: no I/O.
 *
 * Format: lines in pairs, "Sect: Name Name ..." then "Sect: value value ...",
 * both with the same section and the same number of words. The bytes are
 * untrusted: a header without its value line (truncated), a value line whose
 * section or word count differs from its header, a value that is not a
 * decimal integer, a name longer than CT_NSTAT_NAME - 1, a NUL or a control
 * character is an error naming the line; nothing is half added.
 */
#ifndef CT_NSTAT_H
#define CT_NSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_NSTAT_NAME 64
#define CT_NSTAT_MAX  1024

struct ct_nstat_ent {
	char name[CT_NSTAT_NAME];
	int64_t v; /* Tcp MaxConn is -1 */
};

struct ct_nstat {
	struct ct_nstat_ent e[CT_NSTAT_MAX];
	size_t n;
};

void ct_nstat_init(struct ct_nstat *s);
/* Adds the counters of one file's text to s. 0, or -1 with why ("line N: ...") and s as it
 * was before the call. More than CT_NSTAT_MAX counters is an error. */
int ct_nstat_parse(struct ct_nstat *s, const char *text, size_t len, char *why, size_t whylen);
/* /proc/net/dev: for each interface named in ifaces[0..n) (others skipped), the counters
 * "IFACE rx_dropped", "IFACE tx_dropped", "IFACE rx_errors", "IFACE tx_errors". Two header
 * lines, then "NAME: 16 decimal values" a line; a line that fits no rule is an error naming
 * it (s as it was). */
int ct_netdev_parse(struct ct_nstat *s, const char *text, size_t len, const char *const *ifaces,
		    size_t n, char *why, size_t whylen);
/* /proc/net/stat/nf_conntrack: a header of names, then one line of hexadecimal values per
 * CPU, summed: "ConntrackInvalid", "ConntrackDrop", "ConntrackInsertFailed",
 * "ConntrackEarlyDrop" (those the header has). Errors as above. */
int ct_ctstat_parse(struct ct_nstat *s, const char *text, size_t len, char *why, size_t whylen);
/* The value of name; false when s has no such counter. */
bool ct_nstat_get(const struct ct_nstat *s, const char *name, int64_t *v);

#endif
