/* SPDX-License-Identifier: MIT */
/*
 * BIRD's control-socket protocol and the replies caltrace asks for: a strict
 * line splitter and pure parsers into struct ct_bgp. No I/O, no printing.
 *
 * The line protocol (BIRD's nest/cli.c and client/client.c):
 *   "DDDD-text"  MORE: four digits, '-', more lines follow
 *   "DDDD text"  LAST: the reply ends here (BIRD sends "0000 " for an empty one)
 *   " text"      CONT: continues the code of the previous MORE line
 *   "+text"      ASYNC: a message BIRD pushes on its own
 * Codes 0xxx are replies, 1xxx data, 2xxx table headers, 8xxx run-time and
 * 9xxx parse errors. A line that fits no rule, holds a NUL byte or is longer
 * than CT_BIRD_MAX_LINE is an error naming its line number within the reply;
 * nothing is skipped silently. An ASYNC line is kept in the reply with code -1
 * and, as in BIRD's own server, ends what a following CONT could continue.
 *
 * The parsers read complete replies. A reply that carries an 8xxx or 9xxx
 * line is an error quoting BIRD's text. Unknown detail lines are ignored (BIRD
 * adds some in every release); a line that must be a protocol row, a route or
 * a next hop and is not one is an error. Values are bounded: names that act as
 * keys (protocol, kernel protocol, interface) are errors when they do not fit
 * their buffer, other text (table, since, info, errors...) is cut; every number is
 * range-checked. On error the struct ct_bgp is left as it was.
 *
 * ct_bird_feed consumes bytes up to and including a reply's LAST line and
 * returns 1; *consumed tells where the next reply starts, to be fed with a
 * fresh reply (line numbers restart with each reply). After -1 the splitter
 * must be initialised again. ct_bird_feed_fn is the same splitter handing each
 * line to a callback instead of a reply, so that a 100k-route `show route`
 * never exists as a whole: the route parser (ct_bird_routes_begin/_line/_end)
 * reads one line at a time and keeps only the struct ct_bgp_route it makes;
 * ct_bird_parse_routes is that parser run over a complete reply. Route
 * attributes (next hop, device, protocol, BGP.next_hop, type) are interned in
 * the struct ct_bgp (a handful of distinct sets for 100k routes), so a route
 * costs 32 bytes.
 *
 * Accumulation: ct_bird_parse_protocols updates peers by protocol name (a peer
 * seen again is replaced, a new one appended) and sets kernel_proto only when
 * it is empty; ct_bird_parse_routes appends routes; ct_bird_parse_status fills
 * the fields the reply has (call it with the greeting and with `show status`).
 */
#include "model/bgp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/esc.h"

/* ---- messages ---- */

#define BIRD_QUOTE_MAX 100

__attribute__((format(printf, 5, 6))) static int bird_fail(struct ct_err *err, size_t lineno,
							     const char *text, size_t tlen,
							     const char *fmt, ...)
{
	char what[256], q[BIRD_QUOTE_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!text)
		return ct_err_set(err, CT_EXIT_GATHER, "bird reply line %zu: %s", lineno, what);
	ct_esc_clip(q, sizeof(q), text, tlen);
	return ct_err_set(err, CT_EXIT_GATHER, "bird reply line %zu: %s: '%s'", lineno, what, q);
}

static int bird_oom(struct ct_err *err)
{
	return ct_err_set(err, CT_EXIT_GATHER, "bird reply: out of memory");
}

/* The cap of b on what (its name in cap_hit and messages) is reached. */
static int bird_capped(struct ct_bgp *b, const char *what, size_t limit, struct ct_err *err)
{
	b->cap_hit = what;
	b->cap_limit = limit;
	return ct_err_set(err, CT_EXIT_GATHER, "BIRD sent more than %zu %s (the limit)", limit,
			  what);
}

static size_t cap_routes(const struct ct_bgp *b)
{
	return b->max_routes ? b->max_routes : CT_BIRD_MAX_ROUTES;
}

static size_t cap_peers(const struct ct_bgp *b)
{
	return b->max_peers ? b->max_peers : CT_BIRD_MAX_PEERS;
}

/* ---- reply codes (BIRD's doc/reply_codes) ---- */

static const struct {
	int code;
	const char *meaning;
} bird_codes[] = {
	{8000, "its reply was too long for it to send"},
	{8001, "it has no such route"},
	{8002, "its configuration file has an error"},
	{8003, "no BIRD protocol has that name"},
	{8004, "it stopped the command because it was reconfigured meanwhile"},
	{8005, "the protocol is down, so it has nothing to show for it"},
	{8006, "it could not reload"},
	{8007, "access denied (its control socket is restricted)"},
	{8008, "a filter expression failed while it ran"},
	{9000, "the command is too long for it"},
	{9001, "it could not parse the command (a syntax error; another BIRD version?)"},
	{9002, "a name in the command is not of the kind it expects (not a protocol?)"},
};

const char *ct_bird_code_meaning(int code)
{
	for (size_t i = 0; i < sizeof(bird_codes) / sizeof(bird_codes[0]); i++)
		if (bird_codes[i].code == code)
			return bird_codes[i].meaning;
	switch (code / 1000) {
	case 0:
		return "the command was done";
	case 1:
		return "a table row";
	case 2:
		return "a table heading";
	case 8:
		return "it failed while running the command";
	case 9:
		return "it could not parse the command";
	default:
		return "a code BIRD does not use";
	}
}

/* An 8xxx/9xxx line: the error, in words, quoting BIRD. */
static int bird_replied(struct ct_err *err, int code, const char *text, size_t len)
{
	char q[BIRD_QUOTE_MAX + 1];

	ct_esc_clip(q, sizeof(q), text, len);
	return ct_err_set(err, CT_EXIT_GATHER, CT_BIRD_REFUSED "%s (reply %04d: '%s')",
			  ct_bird_code_meaning(code), code, q);
}

/* ---- replies and the splitter ---- */

void ct_bird_reply_init(struct ct_bird_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->final_code = -1;
}

void ct_bird_reply_free(struct ct_bird_reply *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
	ct_bird_reply_init(r);
}

void ct_bird_splitter_init(struct ct_bird_splitter *s)
{
	memset(s, 0, sizeof(*s));
	s->last_code = -1;
}

static int reply_push(struct ct_bird_reply *r, int code, enum ct_bird_kind kind, const char *text,
		      size_t tlen)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*r->v))
			return -1;
		struct ct_bird_line *v = realloc(r->v, cap * sizeof(*v));
		if (!v)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	char *t = malloc(tlen + 1);
	if (!t)
		return -1;
	memcpy(t, text, tlen);
	t[tlen] = 0;
	r->v[r->n++] = (struct ct_bird_line){.code = code, .kind = kind, .text = t};
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* One complete line in s->buf (s->len bytes, no newline): 1 LAST, 0 other, -1 bad. */
static int split_line(struct ct_bird_splitter *s, ct_bird_line_fn fn, void *arg,
		      struct ct_err *err)
{
	const char *x = s->buf;
	size_t n = s->len, ln = s->lineno;

	if (n == 0)
		return bird_fail(err, ln, NULL, 0, "empty line (not 'DDDD-', 'DDDD ', ' ' or '+')");
	if (x[0] == '+') {
		if (fn(arg, -1, CT_BIRD_ASYNC, x + 1, n - 1, err) < 0)
			return -1;
		s->last_code = -1;
		return 0;
	}
	if (x[0] == ' ') {
		if (s->last_code < 0)
			return bird_fail(err, ln, x, n,
					 "continuation line with no code to continue");
		if (fn(arg, s->last_code, CT_BIRD_CONT, x + 1, n - 1, err) < 0)
			return -1;
		return 0;
	}
	if (n < 5 || !is_digit(x[0]) || !is_digit(x[1]) || !is_digit(x[2]) || !is_digit(x[3])) {
		if (n >= 4 && is_digit(x[0]) && is_digit(x[1]) && is_digit(x[2]) && is_digit(x[3]))
			return bird_fail(err, ln, x, n, "code without a separator ('-' or ' ')");
		return bird_fail(err, ln, x, n, "no four-digit code");
	}
	if (x[4] != '-' && x[4] != ' ')
		return bird_fail(err, ln, x, n, "code without a separator ('-' or ' ')");
	int code = (x[0] - '0') * 1000 + (x[1] - '0') * 100 + (x[2] - '0') * 10 + (x[3] - '0');
	int cls = code / 1000;
	if (cls != 0 && cls != 1 && cls != 2 && cls != 8 && cls != 9)
		return bird_fail(err, ln, x, n,
				 "code %04d is in no class BIRD uses (0, 1, 2, 8, 9)", code);
	bool last = x[4] == ' ';
	if (fn(arg, code, last ? CT_BIRD_LAST : CT_BIRD_MORE, x + 5, n - 5, err) < 0)
		return -1;
	if (last)
		return 1;
	s->last_code = code;
	return 0;
}

int ct_bird_feed_fn(struct ct_bird_splitter *s, const char *data, size_t len, ct_bird_line_fn fn,
		    void *arg, size_t *consumed, struct ct_err *err)
{
	size_t i = 0;
	int rc = 0;

	if (consumed)
		*consumed = 0;
	if (!s || !fn || (!data && len))
		return ct_err_set(err, CT_EXIT_GATHER, "bird reply: no splitter, reply or data");
	while (i < len) {
		const char *p = data + i;
		const char *nl = memchr(p, '\n', len - i);
		size_t take = nl ? (size_t)(nl - p) : len - i;
		const char *z = memchr(p, 0, take);
		/* the first fault in byte order: a NUL past the longest line comes after the
		 * line became too long (the same answer whatever the reads' sizes) */
		if (z && s->len + (size_t)(z - p) <= CT_BIRD_MAX_LINE) {
			/* quote what came before the NUL, as far as it is on this line */
			size_t before = (size_t)(z - p);
			memcpy(s->buf + s->len, p, before);
			s->len += before;
			i += before + 1;
			rc = bird_fail(err, s->lineno + 1, s->buf, s->len, "NUL byte in line");
			goto out;
		}
		if (take > CT_BIRD_MAX_LINE - s->len) {
			size_t room = CT_BIRD_MAX_LINE - s->len;
			memcpy(s->buf + s->len, p, room);
			s->len += room;
			i += room;
			rc = bird_fail(err, s->lineno + 1, s->buf, 40,
				       "line longer than %d bytes", CT_BIRD_MAX_LINE);
			goto out;
		}
		memcpy(s->buf + s->len, p, take);
		s->len += take;
		i += take;
		if (!nl)
			break;
		i++; /* the newline */
		s->buf[s->len] = 0;
		s->lineno++;
		rc = split_line(s, fn, arg, err);
		s->len = 0;
		if (rc != 0) {
			if (rc == 1) {
				/* the next reply starts afresh */
				s->last_code = -1;
				s->lineno = 0;
			}
			goto out;
		}
	}
out:
	if (rc < 0)
		s->len = 0; /* the caller starts over with ct_bird_splitter_init */
	if (consumed)
		*consumed = i;
	return rc;
}

static int reply_line(void *arg, int code, enum ct_bird_kind kind, const char *text, size_t len,
		      struct ct_err *err)
{
	struct ct_bird_reply *r = arg;

	if (reply_push(r, code, kind, text, len) < 0)
		return bird_oom(err);
	if (kind == CT_BIRD_LAST)
		r->final_code = code;
	return 0;
}

int ct_bird_feed(struct ct_bird_splitter *s, const char *data, size_t len,
		 struct ct_bird_reply *reply, size_t *consumed, struct ct_err *err)
{
	if (!reply) {
		if (consumed)
			*consumed = 0;
		return ct_err_set(err, CT_EXIT_GATHER, "bird reply: no splitter, reply or data");
	}
	return ct_bird_feed_fn(s, data, len, reply_line, reply, consumed, err);
}

/* ---- state ---- */

void ct_bgp_init(struct ct_bgp *b)
{
	memset(b, 0, sizeof(*b));
}

uint8_t ct_bgp_family(const struct ct_bgp *b)
{
	uint8_t fam = 0;
	if (!b || b->status.flavour != CT_BIRD_V1)
		return 0;
	for (size_t i = 0; i < b->n_peers; i++) {
		uint8_t f = b->peers[i].neighbor.family;
		if (f != AF_INET && f != AF_INET6)
			continue;
		if (fam && f != fam)
			return 0;
		fam = f;
	}
	if (fam)
		return fam;
	for (size_t i = 0; i < b->n_routes; i++) {
		uint8_t f = b->routes[i].dst.ip.family;
		if (fam && f != fam)
			return 0;
		fam = f;
	}
	return fam;
}

static void rattrs_free(struct ct_bgp_rattrs *t);

void ct_bgp_free(struct ct_bgp *b)
{
	if (!b)
		return;
	free(b->peers);
	free(b->routes);
	free(b->sessions);
	rattrs_free(b->rattrs);
	ct_bgp_init(b);
}

/* ---- interned route attributes ---- */

/* Chunks never move, so the pointers routes hold stay valid as the table
 * grows; an open-addressing hash (linear probing, load <= 1/2) finds them. */
struct rattr_chunk {
	struct rattr_chunk *next;
	size_t n, cap;
	struct ct_bgp_rattr v[];
};

struct ct_bgp_rattrs {
	struct rattr_chunk *chunks; /* newest first */
	const struct ct_bgp_rattr **slot;
	size_t nslot, count;
};

static void rattrs_free(struct ct_bgp_rattrs *t)
{
	if (!t)
		return;
	for (struct rattr_chunk *c = t->chunks, *nx; c; c = nx) {
		nx = c->next;
		free(c);
	}
	free(t->slot);
	free(t);
}

static void ip_norm(struct ct_ip *d, const struct ct_ip *a)
{
	d->family = a->family;
	size_t n = a->family == AF_INET ? 4 : a->family == AF_INET6 ? 16 : 0;
	memcpy(d->a, a->a, n);
}

static void str_norm(char *d, const char *a, size_t cap)
{
	memcpy(d, a, strnlen(a, cap - 1));
}

/* Equal meaning, equal bytes: nothing after a string's NUL or an address's length. */
static void rattr_norm(struct ct_bgp_rattr *d, const struct ct_bgp_rattr *a)
{
	memset(d, 0, sizeof(*d));
	ip_norm(&d->via, &a->via);
	ip_norm(&d->bgp_next_hop, &a->bgp_next_hop);
	str_norm(d->dev, a->dev, sizeof(d->dev));
	str_norm(d->proto, a->proto, sizeof(d->proto));
	str_norm(d->type, a->type, sizeof(d->type));
	d->blackhole = a->blackhole;
	d->unreachable = a->unreachable;
}

static size_t rattr_hash(const struct ct_bgp_rattr *a)
{
	const unsigned char *p = (const unsigned char *)a;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < sizeof(*a); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static int rattrs_grow(struct ct_bgp_rattrs *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 64;
	const struct ct_bgp_rattr **slot = calloc(n, sizeof(*slot));
	if (!slot)
		return -1;
	for (size_t i = 0; i < t->nslot; i++) {
		if (!t->slot[i])
			continue;
		size_t k = rattr_hash(t->slot[i]) & (n - 1);
		while (slot[k])
			k = (k + 1) & (n - 1);
		slot[k] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return 0;
}

/* a is normalised. */
static const struct ct_bgp_rattr *rattrs_get(struct ct_bgp *b, const struct ct_bgp_rattr *a)
{
	struct ct_bgp_rattrs *t = b->rattrs;
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		b->rattrs = t;
	}
	if ((t->count + 1) * 2 > t->nslot && rattrs_grow(t) < 0)
		return NULL;
	size_t k = rattr_hash(a) & (t->nslot - 1);
	for (; t->slot[k]; k = (k + 1) & (t->nslot - 1))
		if (memcmp(t->slot[k], a, sizeof(*a)) == 0)
			return t->slot[k];
	struct rattr_chunk *c = t->chunks;
	if (!c || c->n == c->cap) {
		size_t cap = c ? c->cap * 2 : 8;
		if (cap > 4096)
			cap = 4096;
		c = malloc(sizeof(*c) + cap * sizeof(c->v[0]));
		if (!c)
			return NULL;
		c->n = 0;
		c->cap = cap;
		c->next = t->chunks;
		t->chunks = c;
	}
	struct ct_bgp_rattr *x = &c->v[c->n++];
	*x = *a;
	t->slot[k] = x;
	t->count++;
	return x;
}

const struct ct_bgp_rattr *ct_bgp_rattr_intern(struct ct_bgp *b, const struct ct_bgp_rattr *a)
{
	struct ct_bgp_rattr n;

	if (!b || !a)
		return NULL;
	rattr_norm(&n, a);
	return rattrs_get(b, &n);
}

/* at is interned in b. */
static int route_push(struct ct_bgp *b, const struct ct_prefix *dst, bool primary,
		      const struct ct_bgp_rattr *at)
{
	if (b->n_routes >= b->routes_cap) {
		size_t cap = b->n_routes < 32 ? 64 : b->n_routes + b->n_routes / 2;
		if (cap > SIZE_MAX / sizeof(*b->routes))
			return -1;
		struct ct_bgp_route *v = realloc(b->routes, cap * sizeof(*v));
		if (!v)
			return -1;
		b->routes = v;
		b->routes_cap = cap;
	}
	struct ct_bgp_route *r = &b->routes[b->n_routes++];
	memset(r, 0, sizeof(*r));
	r->dst = *dst;
	r->primary = primary;
	r->at = at;
	return 0;
}

int ct_bgp_route_add(struct ct_bgp *b, const struct ct_prefix *dst, bool primary,
		     const struct ct_bgp_rattr *a)
{
	const struct ct_bgp_rattr *at = ct_bgp_rattr_intern(b, a);
	if (!at || !dst)
		return -1;
	return route_push(b, dst, primary, at);
}

/* ---- small readers over one line's text ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_space(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* The next whitespace-separated token: *p moves past it; returns its length (0 at the end). */
static size_t next_token(const char **p, const char **tok)
{
	const char *s = skip_space(*p), *e = s;
	while (*e && !is_space(*e))
		e++;
	*tok = s;
	*p = e;
	return (size_t)(e - s);
}

/* Copies n bytes when they fit with their NUL; -1 otherwise. */
static int copy_key(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return 0;
}

/* Copies at most cap-1 bytes of free text. */
static void copy_text(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* Length without trailing spaces and tabs. */
static size_t rtrim_len(const char *s, size_t n)
{
	while (n > 0 && is_space(s[n - 1]))
		n--;
	return n;
}

static bool tok_eq(const char *t, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(t, word, n) == 0;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Decimal digits only, no sign, no spaces, within [0, max]. */
static int parse_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* An address token; BIRD appends "%iface" to a link-local neighbour. */
static int parse_ip_tok(const char *s, size_t n, struct ct_ip *out)
{
	char buf[64];
	const char *pct = memchr(s, '%', n);
	if (pct)
		n = (size_t)(pct - s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	return ct_ip_parse(buf, out);
}

/* "a.b.c.d/len" or "x::/len", the length in digits only. */
static int parse_prefix_tok(const char *s, size_t n, struct ct_prefix *out)
{
	char buf[64];
	const char *slash = memchr(s, '/', n);
	if (!slash || n >= sizeof(buf))
		return -1;
	size_t alen = (size_t)(slash - s);
	uint64_t l;
	if (parse_uint(slash + 1, n - alen - 1, 128, &l) < 0 || alen == 0)
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (ct_ip_parse(buf, &out->ip) < 0 || l > ct_ip_maxlen(out->ip.family))
		return -1;
	out->len = (uint8_t)l;
	return 0;
}

/* "186/240" (1.6) or "195.054/240" (2.x): whole seconds now, and the maximum. */
static int parse_timer(const char *s, size_t n, int *now, int *max)
{
	const char *slash = memchr(s, '/', n);
	if (!slash)
		return -1;
	size_t a = (size_t)(slash - s), whole = a;
	const char *dot = memchr(s, '.', a);
	if (dot) {
		whole = (size_t)(dot - s);
		size_t frac = a - whole - 1;
		if (frac == 0 || frac > 9)
			return -1;
		for (size_t i = 0; i < frac; i++)
			if (!is_digit(dot[1 + i]))
				return -1;
	}
	uint64_t v, m;
	if (parse_uint(s, whole, 65535, &v) < 0 || parse_uint(slash + 1, n - a - 1, 65535, &m) < 0)
		return -1;
	*now = (int)v;
	*max = (int)m;
	return 0;
}

/* A detail line "  Key:   value": key and value trimmed; false when there is no colon. */
static bool split_kv(const char *text, const char **key, size_t *klen, const char **val,
		     size_t *vlen)
{
	const char *k = skip_space(text);
	const char *colon = strchr(k, ':');
	if (!colon)
		return false;
	*key = k;
	*klen = rtrim_len(k, (size_t)(colon - k));
	const char *v = skip_space(colon + 1);
	*val = v;
	*vlen = rtrim_len(v, strlen(v));
	return true;
}

/* An 8xxx or 9xxx line anywhere makes the reply an error quoting BIRD; an
 * unfinished reply is one too. */
static int reply_check(const struct ct_bird_reply *r, struct ct_err *err)
{
	if (!r || r->n == 0 || r->final_code < 0 || r->v[r->n - 1].kind != CT_BIRD_LAST)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "bird reply is incomplete: no final line ('DDDD text')");
	for (size_t i = 0; i < r->n; i++) {
		const struct ct_bird_line *l = &r->v[i];
		if (l->kind != CT_BIRD_ASYNC && l->code >= 8000)
			return bird_replied(err, l->code, l->text, strlen(l->text));
	}
	return 0;
}

/* ---- show status and the greeting ---- */

static void status_version(const char *t, struct ct_bird_status *st)
{
	const char *v;
	size_t n = next_token(&t, &v);
	copy_text(st->version, sizeof(st->version), v, n);
}

int ct_bird_parse_status(const struct ct_bird_reply *r, struct ct_bird_status *st,
			 struct ct_err *err)
{
	if (reply_check(r, err) < 0)
		return -1;
	struct ct_bird_status t = *st;
	bool known = false, have_1011 = false, v2 = false;

	for (size_t i = 0; i < r->n; i++) {
		const struct ct_bird_line *l = &r->v[i];
		const char *x = l->text;
		size_t xl = strlen(x);
		if (l->kind == CT_BIRD_ASYNC)
			continue;
		switch (l->code) {
		case 1: /* "BIRD 1.6.8 ready." */
			if (!starts_with(x, "BIRD "))
				return bird_fail(err, i + 1, x, xl, "greeting without 'BIRD '");
			copy_text(t.greeting, sizeof(t.greeting), x, rtrim_len(x, xl));
			if (!t.version[0])
				status_version(x + 5, &t);
			known = true;
			break;
		case 1000: /* "BIRD 2.0.12" */
			if (!starts_with(x, "BIRD ") || !*skip_space(x + 5))
				return bird_fail(err, i + 1, x, xl, "version line without 'BIRD '");
			status_version(x + 5, &t);
			known = true;
			break;
		case 1011: {
			const struct {
				const char *prefix;
				char *dst;
				size_t cap;
			} rows[] = {
				{"Router ID is ", t.router_id, sizeof(t.router_id)},
				{"Hostname is ", t.hostname, sizeof(t.hostname)},
				{"Current server time is ", t.server_time, sizeof(t.server_time)},
				{"Last reboot on ", t.last_reboot, sizeof(t.last_reboot)},
				{"Last reconfiguration on ", t.last_reconfig, sizeof(t.last_reconfig)},
			};
			have_1011 = true;
			for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
				if (!starts_with(x, rows[k].prefix))
					continue;
				const char *v = skip_space(x + strlen(rows[k].prefix));
				copy_text(rows[k].dst, rows[k].cap, v, rtrim_len(v, strlen(v)));
				/* only 2.x names the host and gives times in
				 * milliseconds ("03:49:43.468") */
				if (rows[k].dst == t.hostname ||
				    (rows[k].dst != t.router_id && strchr(v, '.')))
					v2 = true;
			}
			break;
		}
		case 13: /* "Daemon is up and running", "Reconfiguration in progress" */
			copy_text(t.state, sizeof(t.state), x, rtrim_len(x, xl));
			known = true;
			break;
		default:
			break;
		}
	}
	if (!known)
		return ct_err_set(err, CT_EXIT_GATHER,
				  "bird reply is not a greeting or 'show status' (final code %04d)",
				  r->final_code);
	if (have_1011)
		t.flavour = v2 ? CT_BIRD_V2 : CT_BIRD_V1;
	*st = t;
	return 0;
}

/* ---- show protocols [all] ---- */

struct proto_ctx {
	struct ct_bgp *b;      /* for its cap */
	struct ct_bgp_peer *v; /* the BGP protocols seen */
	size_t n, cap;
	char kernel[64];
	bool header, header_v2, channel;
	bool cur_bgp;  /* the protocol the detail lines belong to is BGP (v[n-1]) */
	bool cur_any;  /* there is a protocol for detail lines at all */
	bool state_seen, error_seen; /* "BGP state:", "Last error:" for v[n-1] */
	uint64_t imported, exported, preferred;
};

static void peer_type(const char *name, char *type, size_t cap)
{
	const char *t = "other";
	if (starts_with(name, "Mesh_"))
		t = "mesh";
	else if (starts_with(name, "Node_"))
		t = "node";
	else if (starts_with(name, "Global_"))
		t = "global";
	copy_text(type, cap, t, strlen(t));
}

static bool looks_like_date(const char *t, size_t n)
{
	return n == 10 && is_digit(t[0]) && is_digit(t[3]) && t[4] == '-' && t[7] == '-' &&
	       is_digit(t[9]);
}

static bool looks_like_time(const char *t, size_t n)
{
	if (n < 5 || !is_digit(t[0]) || !is_digit(t[1]) || t[2] != ':')
		return false;
	for (size_t i = 3; i < n; i++)
		if (!is_digit(t[i]) && t[i] != ':' && t[i] != '.')
			return false;
	return true;
}

/* Info of a BGP protocol is "%-14s%s": its state, then the last error; a
 * protocol that is down shows only the error. Used when no detail says. */
static void peer_close(struct proto_ctx *c)
{
	if (!c->cur_bgp)
		return;
	struct ct_bgp_peer *p = &c->v[c->n - 1];
	if (!c->state_seen) {
		if (strcmp(p->state, "down") == 0) {
			copy_text(p->bgp_state, sizeof(p->bgp_state), "Down", 4);
			if (!c->error_seen)
				copy_text(p->last_error, sizeof(p->last_error), p->info,
					  strlen(p->info));
		} else {
			const char *s = p->info, *w;
			size_t n = next_token(&s, &w);
			copy_text(p->bgp_state, sizeof(p->bgp_state), w, n);
			s = skip_space(s);
			if (!c->error_seen)
				copy_text(p->last_error, sizeof(p->last_error), s, strlen(s));
		}
	}
	/* BIRD shows the configuration only while waiting ("Passive" instead of Active); a
	 * session that connects (Connect, Active) is not passive; otherwise nobody can tell */
	if (strcmp(p->bgp_state, "Passive") == 0)
		p->passive = 1;
	else if (strcmp(p->bgp_state, "Active") == 0 || strcmp(p->bgp_state, "Connect") == 0)
		p->passive = 0;
	else
		p->passive = -1;
	if (p->has_routes) {
		p->imported = (uint32_t)c->imported;
		p->exported = (uint32_t)c->exported;
		p->preferred = (uint32_t)c->preferred;
	}
	c->cur_bgp = false;
}

/* BIRD pads a BGP protocol's state in the info column ("%-14s%s": "Active        Socket: ..."):
 * one space is kept between the state and the error. */
static void info_unpad(char *info)
{
	char *e = info;
	while (*e && !is_space(*e))
		e++;
	if (!is_space(e[0]) || !is_space(e[1]))
		return;
	const char *r = skip_space(e);
	*e++ = ' ';
	memmove(e, r, strlen(r) + 1);
}

/* "name proto table state since info" */
static int proto_row(struct proto_ctx *c, const char *x, size_t lineno, struct ct_err *err)
{
	size_t xl = strlen(x);
	const char *p = x, *tok[5];
	size_t len[5];
	static const char *const what[5] = {"name", "proto", "table", "state", "since"};

	peer_close(c);
	c->cur_any = false;
	if (!c->header)
		return bird_fail(err, lineno, x, xl,
				 "protocol line before the table header (2002)");
	if (is_space(x[0]))
		return bird_fail(err, lineno, x, xl, "protocol line starting with a space");
	for (int k = 0; k < 5; k++) {
		len[k] = next_token(&p, &tok[k]);
		if (!len[k])
			return bird_fail(err, lineno, x, xl, "protocol line without its %s column",
					 what[k]);
	}
	/* a "timeformat protocol iso long" since is two words: "2023-12-04 22:25:36" */
	size_t since_len = len[4];
	if (looks_like_date(tok[4], len[4])) {
		const char *q = p, *t2;
		size_t n2 = next_token(&q, &t2);
		if (looks_like_time(t2, n2)) {
			since_len = (size_t)(t2 + n2 - tok[4]);
			p = q;
		}
	}
	struct ct_bgp_peer row;
	memset(&row, 0, sizeof(row));
	if (copy_key(row.name, sizeof(row.name), tok[0], len[0]) < 0)
		return bird_fail(err, lineno, x, xl, "protocol name longer than %zu bytes",
				 sizeof(row.name) - 1);
	if (copy_key(row.proto, sizeof(row.proto), tok[1], len[1]) < 0)
		return bird_fail(err, lineno, x, xl, "protocol type longer than %zu bytes",
				 sizeof(row.proto) - 1);
	copy_text(row.table, sizeof(row.table), tok[2], len[2]);
	copy_text(row.state, sizeof(row.state), tok[3], len[3]);
	copy_text(row.since, sizeof(row.since), tok[4], since_len);
	const char *info = skip_space(p);
	copy_text(row.info, sizeof(row.info), info, rtrim_len(info, strlen(info)));
	info_unpad(row.info);
	c->cur_any = true;
	c->state_seen = c->error_seen = false;
	c->imported = c->exported = c->preferred = 0;
	if (strcmp(row.proto, "Kernel") == 0 && !c->kernel[0])
		memcpy(c->kernel, row.name, sizeof(c->kernel));
	if (strcmp(row.proto, "BGP") != 0)
		return 0;
	peer_type(row.name, row.type, sizeof(row.type));
	row.hold_now = row.hold_max = row.keepalive_now = row.keepalive_max = -1;
	if (c->n >= cap_peers(c->b))
		return bird_capped(c->b, "peers", cap_peers(c->b), err);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct ct_bgp_peer *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return bird_oom(err);
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = row;
	c->cur_bgp = true;
	return 0;
}

/* "1 imported, 0 filtered, 1 exported, 1 preferred"; channels add up. */
static int routes_counts(struct proto_ctx *c, struct ct_bgp_peer *p, const char *v, size_t vl)
{
	uint64_t add[3] = {0, 0, 0};
	const char *s = v, *end = v + vl;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *e = comma ? comma : end;
		const char *q = s;
		while (q < e && is_space(*q))
			q++;
		const char *num = q;
		while (q < e && is_digit(*q))
			q++;
		size_t nl = (size_t)(q - num);
		const char *word = q;
		while (word < e && is_space(*word))
			word++;
		size_t wl = rtrim_len(word, (size_t)(e - word));
		uint64_t n;
		if (word == q || wl == 0 || parse_uint(num, nl, UINT32_MAX, &n) < 0)
			return -1;
		if (tok_eq(word, wl, "imported"))
			add[0] = n;
		else if (tok_eq(word, wl, "exported"))
			add[1] = n;
		else if (tok_eq(word, wl, "preferred"))
			add[2] = n;
		s = comma ? comma + 1 : end;
	}
	c->imported += add[0];
	c->exported += add[1];
	c->preferred += add[2];
	if (c->imported > UINT32_MAX || c->exported > UINT32_MAX || c->preferred > UINT32_MAX)
		return -1;
	p->has_routes = true;
	return 0;
}

static int proto_detail(struct proto_ctx *c, const char *x, size_t lineno, struct ct_err *err)
{
	size_t xl = strlen(x);
	const char *k, *v;
	size_t kl, vl;

	if (!c->cur_any)
		return bird_fail(err, lineno, x, xl, "protocol detail line before any protocol");
	const char *t = skip_space(x);
	if (!*t)
		return 0; /* the blank line after each protocol */
	if (starts_with(t, "Channel "))
		c->channel = true; /* 2.x: "  Channel ipv4" */
	if (!c->cur_bgp || !split_kv(x, &k, &kl, &v, &vl))
		return 0;
	struct ct_bgp_peer *p = &c->v[c->n - 1];
	uint64_t n;

	if (tok_eq(k, kl, "Description")) {
		copy_text(p->description, sizeof(p->description), v, vl);
	} else if (tok_eq(k, kl, "BGP state")) {
		copy_text(p->bgp_state, sizeof(p->bgp_state), v, vl);
		c->state_seen = true;
	} else if (tok_eq(k, kl, "Neighbor address")) {
		if (parse_ip_tok(v, vl, &p->neighbor) < 0)
			return bird_fail(err, lineno, x, xl, "neighbor address is not an address");
	} else if (tok_eq(k, kl, "Neighbor AS")) {
		if (parse_uint(v, vl, UINT32_MAX, &n) < 0)
			return bird_fail(err, lineno, x, xl,
					 "neighbor AS is not a number below 2^32");
		p->neighbor_as = (uint32_t)n;
		p->has_neighbor_as = true;
	} else if (tok_eq(k, kl, "Local AS")) {
		if (parse_uint(v, vl, UINT32_MAX, &n) < 0)
			return bird_fail(err, lineno, x, xl, "local AS is not a number below 2^32");
		p->local_as = (uint32_t)n;
		p->has_local_as = true;
	} else if (tok_eq(k, kl, "Neighbor ID")) {
		copy_text(p->neighbor_id, sizeof(p->neighbor_id), v, vl);
	} else if (tok_eq(k, kl, "Source address")) {
		if (parse_ip_tok(v, vl, &p->source) < 0)
			return bird_fail(err, lineno, x, xl, "source address is not an address");
	} else if (tok_eq(k, kl, "Hold timer")) {
		if (parse_timer(v, vl, &p->hold_now, &p->hold_max) < 0)
			return bird_fail(err, lineno, x, xl, "hold timer is not 'N/M' (0-65535)");
	} else if (tok_eq(k, kl, "Keepalive timer")) {
		if (parse_timer(v, vl, &p->keepalive_now, &p->keepalive_max) < 0)
			return bird_fail(err, lineno, x, xl,
					 "keepalive timer is not 'N/M' (0-65535)");
	} else if (tok_eq(k, kl, "Last error")) {
		copy_text(p->last_error, sizeof(p->last_error), v, vl);
		c->error_seen = true;
	} else if (tok_eq(k, kl, "Routes")) {
		if (routes_counts(c, p, v, vl) < 0)
			return bird_fail(err, lineno, x, xl,
					 "routes are not 'N imported, N exported, N preferred'");
	}
	return 0;
}

static int proto_header(struct proto_ctx *c, const char *x, size_t lineno, struct ct_err *err)
{
	const char *p = x, *t;
	size_t n = next_token(&p, &t);
	peer_close(c);
	c->cur_any = false;
	if (tok_eq(t, n, "name"))
		c->header_v2 = false;
	else if (tok_eq(t, n, "Name"))
		c->header_v2 = true;
	else
		return bird_fail(err, lineno, x, strlen(x),
				 "not a protocol table header ('name proto table ...')");
	c->header = true;
	return 0;
}

int ct_bird_parse_protocols(const struct ct_bird_reply *r, struct ct_bgp *b, struct ct_err *err)
{
	if (reply_check(r, err) < 0)
		return -1;
	struct proto_ctx c;
	memset(&c, 0, sizeof(c));
	c.b = b;
	int rc = 0;

	for (size_t i = 0; i < r->n && rc == 0; i++) {
		const struct ct_bird_line *l = &r->v[i];
		if (l->kind == CT_BIRD_ASYNC)
			continue;
		if (l->code == 2002)
			rc = proto_header(&c, l->text, i + 1, err);
		else if (l->code == 1002)
			rc = proto_row(&c, l->text, i + 1, err);
		else if (l->code == 1006)
			rc = proto_detail(&c, l->text, i + 1, err);
	}
	if (rc == 0 && !c.header)
		rc = ct_err_set(err, CT_EXIT_GATHER,
				"bird reply has no protocol table header (2002) (final code %04d)",
				r->final_code);
	if (rc == 0)
		peer_close(&c);

	/* commit: replace peers by name, append new ones */
	size_t fresh = 0;
	for (size_t i = 0; rc == 0 && i < c.n; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_peers && !found; j++)
			found = strcmp(b->peers[j].name, c.v[i].name) == 0;
		for (size_t j = 0; j < i && !found; j++)
			found = strcmp(c.v[j].name, c.v[i].name) == 0;
		fresh += !found;
	}
	if (rc == 0 && b->n_peers + fresh > cap_peers(b))
		rc = bird_capped(b, "peers", cap_peers(b), err);
	if (rc == 0 && fresh) {
		struct ct_bgp_peer *v = realloc(b->peers, (b->n_peers + fresh) * sizeof(*v));
		if (!v)
			rc = bird_oom(err);
		else
			b->peers = v;
	}
	if (rc == 0) {
		for (size_t i = 0; i < c.n; i++) {
			size_t j = 0;
			while (j < b->n_peers && strcmp(b->peers[j].name, c.v[i].name) != 0)
				j++;
			b->peers[j] = c.v[i];
			if (j == b->n_peers)
				b->n_peers++;
		}
		if (!b->kernel_proto[0] && c.kernel[0])
			memcpy(b->kernel_proto, c.kernel, sizeof(b->kernel_proto));
		b->status.flavour = c.header_v2 || c.channel ? CT_BIRD_V2 : CT_BIRD_V1;
	}
	free(c.v);
	return rc;
}

/* ---- show route [export P] all ---- */

/* Moves the pending route into b: 0, or -1 out of memory (s->oom) or at the
 * cap (s->capped, err set). */
static int route_commit(struct ct_bird_route_stream *s, struct ct_err *err)
{
	struct ct_bird_route_ctx *c = &s->c;
	struct ct_bgp_rattr n;

	if (!c->pending_set)
		return 0;
	c->pending_set = false;
	if (s->b->n_routes >= cap_routes(s->b)) {
		s->capped = true;
		return bird_capped(s->b, "routes", cap_routes(s->b), err);
	}
	rattr_norm(&n, &c->pat);
	const struct ct_bgp_rattr *at = c->last;
	if (!at || memcmp(at, &n, sizeof(n)) != 0) {
		at = rattrs_get(s->b, &n);
		if (!at) {
			s->oom = true;
			return bird_oom(err);
		}
		c->last = at;
	}
	if (route_push(s->b, &c->pdst, c->pprimary, at) < 0) {
		s->oom = true;
		return bird_oom(err);
	}
	return 0;
}

/* "via 192.168.31.203 on eth0 ..." or "dev caliX ..." */
static int route_nexthop(struct ct_bgp_rattr *rt, const char **p, const char *word, size_t wl)
{
	const char *t;
	size_t n;
	if (tok_eq(word, wl, "via")) {
		struct ct_ip gw;
		n = next_token(p, &t);
		if (parse_ip_tok(t, n, &gw) < 0)
			return -1;
		n = next_token(p, &t);
		if (!tok_eq(t, n, "on"))
			return -1;
		n = next_token(p, &t);
		if (copy_key(rt->dev, sizeof(rt->dev), t, n) < 0 || n == 0)
			return -1;
		rt->via = gw;
		return 0;
	}
	if (tok_eq(word, wl, "dev")) {
		n = next_token(p, &t);
		if (copy_key(rt->dev, sizeof(rt->dev), t, n) < 0 || n == 0)
			return -1;
		return 0;
	}
	return -1;
}

/* "PREFIX DEST [proto since (from X)] * (pref) [bgp]"; PREFIX is empty for
 * another route to the same network. 1.6 DEST: "via X on D", "dev D",
 * "blackhole", "unreachable", "prohibited", "multipath"; 2.x DEST: "unicast"
 * (next hops follow on their own lines), "blackhole", ..., or nothing. */
static int route_line(struct ct_bird_route_stream *s, const char *x, size_t xl, size_t lineno,
		      struct ct_err *err)
{
	struct ct_bird_route_ctx *c = &s->c;
	const char *p = x, *t;
	size_t n;
	struct ct_prefix dst;
	struct ct_bgp_rattr rt;

	if (route_commit(s, err) < 0)
		return -1;
	memset(&dst, 0, sizeof(dst));
	memset(&rt, 0, sizeof(rt));
	c->cur = false;
	if (!is_space(x[0])) {
		n = next_token(&p, &t);
		if (parse_prefix_tok(t, n, &dst) < 0)
			return bird_fail(err, lineno, x, xl, "route line without a prefix");
		c->dst = dst;
		c->have_dst = true;
	} else if (c->have_dst) {
		dst = c->dst;
	} else {
		return bird_fail(err, lineno, x, xl, "route line without a prefix");
	}
	const char *br = strchr(p, '[');
	if (!br)
		return bird_fail(err, lineno, x, xl, "route line without '[protocol time]'");
	const char *dp = p;
	n = next_token(&dp, &t);
	bool has_nh = false;
	if (t < br) {
		if (tok_eq(t, n, "via") || tok_eq(t, n, "dev")) {
			if (route_nexthop(&rt, &dp, t, n) < 0 || skip_space(dp) != br)
				return bird_fail(err, lineno, x, xl, "route with a bad next hop");
			has_nh = true;
		} else if (tok_eq(t, n, "blackhole")) {
			rt.blackhole = true;
		} else if (tok_eq(t, n, "unreachable") || tok_eq(t, n, "prohibited")) {
			rt.unreachable = true; /* either way the kernel rejects the packet */
		} else if (!tok_eq(t, n, "unicast") && !tok_eq(t, n, "multipath")) {
			return bird_fail(err, lineno, x, xl, "route of an unknown kind");
		}
		if (!has_nh && skip_space(dp) != br)
			return bird_fail(err, lineno, x, xl, "route with text before '['");
	}
	const char *q = br + 1;
	n = next_token(&q, &t);
	const char *close = strchr(br, ']');
	if (!close || n == 0 || t + n > close + 1)
		return bird_fail(err, lineno, x, xl, "route line without '[protocol time]'");
	if (t[n - 1] == ']')
		n--;
	if (n == 0 || copy_key(rt.proto, sizeof(rt.proto), t, n) < 0)
		return bird_fail(err, lineno, x, xl, "route protocol name empty or too long");
	const char *after = skip_space(close + 1);
	c->pdst = dst;
	c->pprimary = *after == '*' || *after == '!'; /* '!': best, but not in the kernel */
	c->pat = rt;
	c->pending_set = true;
	c->cur = true;
	c->has_nh = has_nh;
	return 0;
}

static int route_1007(struct ct_bird_route_stream *s, const char *x, size_t xl, size_t lineno,
		      struct ct_err *err)
{
	struct ct_bird_route_ctx *c = &s->c;
	const char *t = skip_space(x);
	if (!*t)
		return 0; /* blank line between tables */
	if (x[0] == '\t') {
		/* a next hop of the route above: "\tvia X on D [weight N]", "\tdev D" */
		const char *p = x, *w;
		size_t wl = next_token(&p, &w);
		if (!tok_eq(w, wl, "via") && !tok_eq(w, wl, "dev"))
			return 0;
		if (!c->cur)
			return bird_fail(err, lineno, x, xl, "next hop line before any route");
		struct ct_bgp_rattr tmp = c->pat;
		if (route_nexthop(&tmp, &p, w, wl) < 0)
			return bird_fail(err, lineno, x, xl,
					 "next hop is not 'via ADDR on DEV' or 'dev DEV'");
		if (!c->has_nh) /* the first of several (multipath) stands for the route */
			c->pat = tmp;
		c->has_nh = true;
		return 0;
	}
	if (starts_with(x, "Table ") && xl > 0 && x[rtrim_len(x, xl) - 1] == ':') {
		c->cur = false; /* 2.x: "Table master4:" */
		c->have_dst = false;
		return 0;
	}
	return route_line(s, x, xl, lineno, err);
}

static int route_attr(struct ct_bird_route_ctx *c, int code, const char *x, size_t xl,
		      size_t lineno, struct ct_err *err)
{
	const char *k, *v;
	size_t kl, vl;
	if (!*skip_space(x))
		return 0;
	if (!c->cur)
		return bird_fail(err, lineno, x, xl, "route attribute before any route");
	if (!split_kv(x, &k, &kl, &v, &vl))
		return 0;
	struct ct_bgp_rattr *rt = &c->pat;
	if (code == 1008 && tok_eq(k, kl, "Type")) {
		copy_text(rt->type, sizeof(rt->type), v, vl);
	} else if (tok_eq(k, kl, "BGP.next_hop")) {
		/* "192.168.31.203", or a global and a link-local IPv6 address */
		const char *p = v, *t;
		size_t n = next_token(&p, &t);
		if (parse_ip_tok(t, n, &rt->bgp_next_hop) < 0)
			return bird_fail(err, lineno, x, xl, "BGP.next_hop is not an address");
	}
	return 0;
}

void ct_bird_routes_begin(struct ct_bird_route_stream *s, struct ct_bgp *b)
{
	memset(s, 0, sizeof(*s));
	s->b = b;
	s->base = b->n_routes;
	s->final_code = -1;
}

int ct_bird_routes_line(struct ct_bird_route_stream *s, int code, enum ct_bird_kind kind,
			const char *text, size_t len, size_t lineno, struct ct_err *err)
{
	struct ct_err e = {0};
	int rc = 0;

	if (s->oom)
		return bird_oom(err);
	if (s->capped)
		return ct_err_set(err, CT_EXIT_GATHER, "BIRD sent more than %zu routes (the limit)",
				  s->b->cap_limit);
	if (kind == CT_BIRD_ASYNC)
		return 0;
	if (kind == CT_BIRD_LAST) {
		s->done = true;
		s->final_code = code;
	}
	if (code >= 8000) {
		if (!s->bird_err) {
			bird_replied(&s->berr, code, text, len);
			s->bird_err = true;
		}
		return 0;
	}
	if (s->failed || s->bird_err)
		return 0;
	if (code == 1007)
		rc = route_1007(s, text, len, lineno, &e);
	else if (code == 1008 || code == 1012)
		rc = route_attr(&s->c, code, text, len, lineno, &e);
	else if (code / 1000 == 2 || code == 1002 || code == 1006)
		rc = bird_fail(&e, lineno, text, len, "code %04d does not belong in a route listing",
			       code);
	if (rc < 0) {
		if (s->oom || s->capped) {
			if (err && !err->exit_code)
				*err = e;
			return -1;
		}
		s->failed = true;
		s->perr = e;
	}
	return 0;
}

int ct_bird_routes_end(struct ct_bird_route_stream *s, struct ct_err *err)
{
	int rc = 0;

	struct ct_err ce = {0};

	if (!s->oom && !s->capped && s->done && !s->failed && !s->bird_err)
		route_commit(s, &ce);
	if (s->oom)
		rc = bird_oom(err);
	else if (s->capped)
		rc = ct_err_set(err, CT_EXIT_GATHER, "BIRD sent more than %zu routes (the limit)",
				s->b->cap_limit);
	else if (!s->done)
		rc = ct_err_set(err, CT_EXIT_GATHER,
				"bird reply is incomplete: no final line ('DDDD text')");
	else if (s->bird_err || s->failed) {
		if (err && !err->exit_code) /* the first error stays, as with ct_err_set */
			*err = s->bird_err ? s->berr : s->perr;
		rc = -1;
	}
	if (rc < 0)
		s->b->n_routes = s->base;
	s->c.pending_set = false;
	return rc;
}

int ct_bird_parse_routes(const struct ct_bird_reply *r, struct ct_bgp *b, struct ct_err *err)
{
	if (reply_check(r, err) < 0)
		return -1;
	struct ct_bird_route_stream s;
	ct_bird_routes_begin(&s, b);
	for (size_t i = 0; i < r->n; i++) {
		const struct ct_bird_line *l = &r->v[i];
		if (ct_bird_routes_line(&s, l->code, l->kind, l->text, strlen(l->text), i + 1,
					err) < 0)
			break;
	}
	return ct_bird_routes_end(&s, err);
}
