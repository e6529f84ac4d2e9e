/* SPDX-License-Identifier: MIT */
/*
 * Shell quoting for the commands of a finding's fix (its "run" lines), which a
 * person pastes into a root bash. Pure: no I/O.
 *
 * One word at a time, so that bash reads back exactly the bytes given:
 * - a word made only of [A-Za-z0-9_./:@%+=,-] (and not empty) is written as
 *   itself;
 * - a word holding a byte that the terminal rule of model/esc.h escapes
 *   (control bytes, ESC, DEL, bytes that are not UTF-8, C1 controls, bidi
 *   overrides) is written in bash's $'...' form: the terminal escape of the
 *   word (a backslash as \\, every escaped byte as \xNN) with a single quote
 *   written \'. The printed word is then both terminal-safe and pasteable;
 * - any other word goes in single quotes, a single quote in it as '\''.
 * The output of every form holds only printable ASCII and valid printable
 * UTF-8, so a run line is printed as it is: ct_esc_text must not be applied
 * to it (it would double the backslashes of a $'...' word).
 */
#ifndef CT_SHQ_H
#define CT_SHQ_H

#include <stddef.h>
#include <stdbool.h>

/* Length of the quoted form of s[0..n) (no NUL). */
size_t ct_shq_len(const char *s, size_t n);
/* Writes the quoted form of s[0..n) at o (room for ct_shq_len bytes), no NUL.
 * Returns the end. */
char *ct_shq_put(char *o, const char *s, size_t n);
/* Bounded: the quoted form of the C string s into out[outlen], NUL-terminated.
 * Returns its length; when that is >= outlen nothing is written but "" (a
 * quoted word is never cut). */
size_t ct_shq(char *out, size_t outlen, const char *s);
/* Appends " " (unless *pos is 0) and the quoted word to line[len] at *pos,
 * NUL-terminated. -1 (line unchanged) when it does not fit. */
int ct_shq_cat(char *line, size_t len, size_t *pos, const char *word);
/* Appends the string s as it is (shell syntax such as "|"), no separator. */
int ct_shq_raw(char *line, size_t len, size_t *pos, const char *s);
/* True when s prints unchanged under the terminal rule apart from its
 * backslashes: what every quoted line satisfies. */
bool ct_shq_printable(const char *s);

/* True when dev is a name the kernel accepts for an interface (1 to 15 bytes,
 * not "." or "..", no '/', ':' or whitespace): only such a name may become a
 * path component of /proc/sys (a snapshot's names are not checked elsewhere). */
bool ct_shq_devname_ok(const char *dev);
/* A sysctl(8) key for a per-interface setting: base "." dev "." leaf, the dots
 * of dev written as slashes (sysctl's own rule: net.ipv4.conf.vxlan/calico.
 * rp_filter is /proc/sys/net/ipv4/conf/vxlan.calico/rp_filter). -1 when it
 * does not fit, when dev is not ct_shq_devname_ok, or when dev holds '=' (sysctl -w splits at the
 * first '='; such a key cannot be written with sysctl -w). */
int ct_shq_sysctl_key(char *out, size_t len, const char *base, const char *dev, const char *leaf);

#endif
