/* SPDX-License-Identifier: MIT */
/* Shell quoting of run lines (see shq.h). */
#include "model/shq.h"
#include "model/esc.h"

#include <string.h>

static bool plain_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_./:@%+=,-", c));
}

static bool is_plain(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!plain_byte((unsigned char)s[i]))
			return false;
	return true;
}

static size_t count(const char *s, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* The terminal rule escapes something other than backslashes. */
static bool needs_ansi(const char *s, size_t n)
{
	return ct_esc_text_len(s, n) != n + count(s, n, '\\');
}

size_t ct_shq_len(const char *s, size_t n)
{
	if (is_plain(s, n))
		return n;
	if (!needs_ansi(s, n))
		return n + 2 + 3 * count(s, n, '\'');
	/* $'...': the escape of each run between single quotes, \' for each */
	return 3 + ct_esc_text_len(s, n) + count(s, n, '\'');
}

char *ct_shq_put(char *o, const char *s, size_t n)
{
	if (is_plain(s, n)) {
		memcpy(o, s, n);
		return o + n;
	}
	if (!needs_ansi(s, n)) {
		*o++ = '\'';
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = s[i];
			}
		}
		*o++ = '\'';
		return o;
	}
	*o++ = '$';
	*o++ = '\'';
	/* a single quote is ASCII: cutting there never splits a UTF-8
	 * sequence, so each run escapes exactly as the whole word would */
	size_t i = 0;
	while (i <= n) {
		const char *q = memchr(s + i, '\'', n - i);
		size_t e = q ? (size_t)(q - s) : n;
		o = ct_esc_text_put(o, s + i, e - i);
		if (!q)
			break;
		*o++ = '\\';
		*o++ = '\'';
		i = e + 1;
	}
	*o++ = '\'';
	return o;
}

size_t ct_shq(char *out, size_t outlen, const char *s)
{
	size_t n = s ? strlen(s) : 0, need = ct_shq_len(s ? s : "", n);
	if (need >= outlen) {
		if (outlen)
			out[0] = '\0';
		return need;
	}
	*ct_shq_put(out, s ? s : "", n) = '\0';
	return need;
}

int ct_shq_cat(char *line, size_t len, size_t *pos, const char *word)
{
	size_t n = strlen(word), need = ct_shq_len(word, n) + (*pos ? 1 : 0);
	if (*pos >= len || need >= len - *pos)
		return -1;
	char *o = line + *pos;
	if (*pos)
		*o++ = ' ';
	o = ct_shq_put(o, word, n);
	*o = '\0';
	*pos = (size_t)(o - line);
	return 0;
}

int ct_shq_raw(char *line, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);
	if (*pos >= len || n >= len - *pos)
		return -1;
	memcpy(line + *pos, s, n + 1);
	*pos += n;
	return 0;
}

bool ct_shq_printable(const char *s)
{
	size_t n = strlen(s);
	return !needs_ansi(s, n);
}

bool ct_shq_devname_ok(const char *dev)
{
	size_t n = strlen(dev);
	if (!n || n >= 16 || !strcmp(dev, ".") || !strcmp(dev, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (dev[i] == '/' || dev[i] == ':' || dev[i] == ' ' ||
		    (dev[i] >= '\t' && dev[i] <= '\r'))
			return false;
	return true;
}

int ct_shq_sysctl_key(char *out, size_t len, const char *base, const char *dev, const char *leaf)
{
	size_t bl = strlen(base), dl = strlen(dev), ll = strlen(leaf);
	if (!ct_shq_devname_ok(dev) || strchr(dev, '=') || bl + dl + ll + 3 > len)
		return -1;
	char *o = out;
	memcpy(o, base, bl);
	o += bl;
	*o++ = '.';
	for (size_t i = 0; i < dl; i++)
		*o++ = dev[i] == '.' ? '/' : dev[i];
	*o++ = '.';
	memcpy(o, leaf, ll);
	o[ll] = '\0';
	return 0;
}
