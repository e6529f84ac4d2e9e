/* SPDX-License-Identifier: MIT */
#include "model/nstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct_nstat_init(struct ct_nstat *s)
{
	s->n = 0;
}

/* One line [p, e): its words (separated by single or repeated spaces) after "Sect:". */
struct line {
	const char *p;
	size_t len;
};

static int fail(char *why, size_t whylen, unsigned ln, const char *msg)
{
	snprintf(why, whylen, "line %u: %s", ln, msg);
	return -1;
}

/* The section of l (the bytes before ':'), its length, or 0 when l has none. */
static size_t section_len(const struct line *l)
{
	const char *c = memchr(l->p, ':', l->len);
	if (!c || c == l->p)
		return 0;
	for (const char *k = l->p; k < c; k++)
		if (*k == ' ')
			return 0;
	return (size_t)(c - l->p);
}

/* The next word of l from *off, or false at its end. */
static bool next_word(const struct line *l, size_t *off, const char **w, size_t *wl)
{
	size_t i = *off;
	while (i < l->len && l->p[i] == ' ')
		i++;
	if (i >= l->len)
		return false;
	size_t b = i;
	while (i < l->len && l->p[i] != ' ')
		i++;
	*w = l->p + b;
	*wl = i - b;
	*off = i;
	return true;
}

static bool parse_int(const char *w, size_t wl, int64_t *v)
{
	char buf[32];
	if (!wl || wl >= sizeof(buf))
		return false;
	memcpy(buf, w, wl);
	buf[wl] = 0;
	const char *d = buf[0] == '-' ? buf + 1 : buf;
	if (!*d)
		return false;
	for (const char *k = d; *k; k++)
		if (*k < '0' || *k > '9')
			return false;
	errno = 0;
	char *end;
	if (buf[0] == '-') {
		long long x = strtoll(buf, &end, 10);
		if (errno || *end)
			return false;
		*v = x;
	} else {
		unsigned long long x = strtoull(buf, &end, 10);
		if (errno || *end)
			return false;
		*v = (int64_t)x; /* a u64 counter past INT64_MAX wraps, as nstat's does */
	}
	return true;
}

static int pair_add(struct ct_nstat *s, const struct line *h, const struct line *v, unsigned ln,
		    char *why, size_t whylen)
{
	size_t sl = section_len(h);
	if (!sl)
		return fail(why, whylen, ln, "no section before ':'");
	if (section_len(v) != sl || memcmp(h->p, v->p, sl))
		return fail(why, whylen, ln + 1, "the value line's section is not its header's");
	size_t ho = sl + 1, vo = sl + 1;
	const char *hw, *vw;
	size_t hl, vl;
	for (;;) {
		bool a = next_word(h, &ho, &hw, &hl), b = next_word(v, &vo, &vw, &vl);
		if (!a && !b)
			return 0;
		if (a != b)
			return fail(why, whylen, ln + 1, "the value line has not as many words as its header");
		if (sl + hl >= CT_NSTAT_NAME)
			return fail(why, whylen, ln, "a counter name too long");
		int64_t x;
		if (!parse_int(vw, vl, &x))
			return fail(why, whylen, ln + 1, "a value that is not a decimal integer");
		if (s->n >= CT_NSTAT_MAX)
			return fail(why, whylen, ln, "more than 1024 counters");
		struct ct_nstat_ent *e = &s->e[s->n++];
		memcpy(e->name, h->p, sl);
		memcpy(e->name + sl, hw, hl);
		e->name[sl + hl] = 0;
		e->v = x;
	}
}

int ct_nstat_parse(struct ct_nstat *s, const char *text, size_t len, char *why, size_t whylen)
{
	size_t n0 = s->n;
	struct line pend = {NULL, 0};
	unsigned ln = 0, pend_ln = 0;
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - text) : len;
		struct line l = {text + i, e - i};
		ln++;
		i = nl ? e + 1 : len;
		for (size_t k = 0; k < l.len; k++) {
			unsigned char ch = (unsigned char)l.p[k];
			if (ch < 0x20 || ch == 0x7f) {
				s->n = n0;
				return fail(why, whylen, ln, "a control character or NUL");
			}
		}
		if (!l.len) {
			if (pend.p) {
				s->n = n0;
				return fail(why, whylen, ln, "an empty line after a header");
			}
			continue;
		}
		if (!pend.p) {
			pend = l;
			pend_ln = ln;
			continue;
		}
		if (pair_add(s, &pend, &l, pend_ln, why, whylen) < 0) {
			s->n = n0;
			return -1;
		}
		pend.p = NULL;
	}
	if (pend.p) {
		s->n = n0;
		return fail(why, whylen, pend_ln, "truncated: a header without its values");
	}
	return 0;
}

bool ct_nstat_get(const struct ct_nstat *s, const char *name, int64_t *v)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->e[i].name, name)) {
			*v = s->e[i].v;
			return true;
		}
	return false;
}
