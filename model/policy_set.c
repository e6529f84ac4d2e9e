/* SPDX-License-Identifier: MIT */
/* Address sets of Felix's policy: `ipset save` text, and the members of nftables sets
 * (model/policy_nft.c fills those). Pure; the contracts are in policy.h. */
#include "model/policy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void ct_pol_sets_free(struct ct_pol_sets *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].m);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

const struct ct_pol_set *ct_pol_set_find(const struct ct_pol_sets *s, const char *table,
					 const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0 &&
		    (!table || strcmp(s->v[i].table, table) == 0))
			return &s->v[i];
	return NULL;
}

bool ct_pol_set_has(const struct ct_pol_set *s, int family, const uint8_t *a)
{
	size_t l = family == AF_INET ? 4 : 16;
	for (size_t i = 0; s && i < s->n; i++) {
		const struct ct_pol_member *m = &s->m[i];
		if (m->family == family && memcmp(a, m->lo, l) >= 0 && memcmp(a, m->hi, l) <= 0)
			return true;
	}
	return false;
}

static bool addr_parse(const char *s, size_t len, uint8_t *family, uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(a, 0, 16);
	if (inet_pton(AF_INET, buf, a) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, a) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

bool ct_pol_member_parse(struct ct_pol_member *m, const char *s)
{
	size_t l = strlen(s);
	memset(m, 0, sizeof(*m));
	if (l == 0 || l >= sizeof(m->text))
		return false;
	memcpy(m->text, s, l + 1);
	const char *slash = strchr(s, '/'), *dash = strchr(s, '-');
	if (slash && !dash) {
		uint8_t fam;
		if (!addr_parse(s, (size_t)(slash - s), &fam, m->lo))
			return false;
		const char *p = slash + 1;
		unsigned len = 0, max = fam == AF_INET ? 32 : 128;
		if (!*p || strlen(p) > 3)
			return false;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return false;
			len = len * 10 + (unsigned)(*p - '0');
		}
		if (len > max)
			return false;
		m->family = fam;
		memcpy(m->hi, m->lo, 16);
		for (unsigned b = len; b < max; b++) {
			m->lo[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
			m->hi[b / 8] |= (uint8_t)(0x80u >> (b % 8));
		}
		return true;
	}
	if (dash && !slash) {
		uint8_t f1, f2;
		if (!addr_parse(s, (size_t)(dash - s), &f1, m->lo) ||
		    !addr_parse(dash + 1, strlen(dash + 1), &f2, m->hi) || f1 != f2 ||
		    memcmp(m->lo, m->hi, 16) > 0)
			return false;
		m->family = f1;
		return true;
	}
	if (slash || dash || !addr_parse(s, l, &m->family, m->lo))
		return false;
	memcpy(m->hi, m->lo, 16);
	return true;
}

#define IPSET_MAX_WORDS 64

static struct ct_pol_set *set_add(struct ct_pol_sets *s)
{
	struct ct_pol_set *p = realloc(s->v, (s->n + 1) * sizeof(*p));
	if (!p)
		return NULL;
	s->v = p;
	memset(&p[s->n], 0, sizeof(*p));
	return &p[s->n++];
}

static int member_add(struct ct_pol_set *set, const struct ct_pol_member *m)
{
	if ((set->n & (set->n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
		size_t nc = set->n ? set->n * 2 : 1;
		struct ct_pol_member *p = realloc(set->m, nc * sizeof(*p));
		if (!p)
			return -1;
		set->m = p;
	}
	set->m[set->n++] = *m;
	return 0;
}

int ct_ipset_parse(struct ct_pol_sets *s, const char *text, size_t len, struct ct_err *err)
{
	size_t lineno = 0, first = s->n;
	const char *why = NULL;
	char line[1024];
	/* per set of this text: does it hold addresses (hash:ip, hash:net, bitmap:ip)? */
	while (len) {
		const char *nl = memchr(text, '\n', len);
		size_t l = nl ? (size_t)(nl - text) : len;
		const char *cur = text;
		lineno++;
		len -= nl ? l + 1 : l;
		text += nl ? l + 1 : l;
		if (l && cur[l - 1] == '\r')
			l--;
		if (l >= sizeof(line)) {
			why = "a line too long";
			goto bad;
		}
		memcpy(line, cur, l);
		line[l] = 0;
		for (size_t k = 0; k < l; k++)
			if ((unsigned char)line[k] < 0x20 && line[k] != '\t') {
				why = "a control character";
				goto bad;
			}
		char *w[IPSET_MAX_WORDS], *save = NULL;
		size_t n = 0;
		for (char *tok = strtok_r(line, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (n == IPSET_MAX_WORDS) {
				why = "too many words";
				goto bad;
			}
			w[n++] = tok;
		}
		if (n == 0)
			continue;
		if (strcmp(w[0], "create") == 0) {
			if (n < 3) {
				why = "create without a name and a type";
				goto bad;
			}
			for (size_t k = first; k < s->n; k++)
				if (strcmp(s->v[k].name, w[1]) == 0) {
					why = "a set created twice";
					goto bad;
				}
			struct ct_pol_set *set = set_add(s);
			if (!set) {
				why = "out of memory";
				goto bad;
			}
			snprintf(set->table, sizeof(set->table), "ipset");
			if (strlen(w[1]) >= sizeof(set->name)) {
				s->n--;
				why = "a set name too long";
				goto bad;
			}
			snprintf(set->name, sizeof(set->name), "%s", w[1]);
			/* only address sets get members: a type with a ',' (hash:ip,port) does not
			 */
			if (strchr(w[2], ','))
				set->table[0] = '-';
			continue;
		}
		if (strcmp(w[0], "add") == 0) {
			if (n < 3) {
				why = "add without a set and a member";
				goto bad;
			}
			struct ct_pol_set *set = NULL;
			for (size_t k = first; k < s->n; k++)
				if (strcmp(s->v[k].name, w[1]) == 0)
					set = &s->v[k];
			if (!set) {
				why = "add to a set not created";
				goto bad;
			}
			if (set->table[0] == '-')
				continue;
			struct ct_pol_member m;
			if (!ct_pol_member_parse(&m, w[2])) {
				why = "a member that is not an address, a prefix or a range";
				goto bad;
			}
			if (member_add(set, &m) < 0) {
				why = "out of memory";
				goto bad;
			}
			continue;
		}
		why = "not create or add";
		goto bad;
	}
	for (size_t k = first; k < s->n; k++)
		if (s->v[k].table[0] == '-')
			snprintf(s->v[k].table, sizeof(s->v[k].table), "ipset");
	return 0;
bad:
	for (size_t k = first; k < s->n; k++)
		if (s->v[k].table[0] == '-')
			snprintf(s->v[k].table, sizeof(s->v[k].table), "ipset");
	return ct_err_set(err, CT_EXIT_GATHER, "ipset save output line %zu: %s", lineno, why);
}
