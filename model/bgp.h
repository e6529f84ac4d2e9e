/* SPDX-License-Identifier: MIT */
/*
 * BGP state as BIRD reports it on its control socket: plain structs, filled
 * by the pure reply parsers (model/bird_parse.c) from the lines the client
 * (probes/bird.c) read, kept in the snapshot (node.bgp), read by analysis.
 */
#ifndef CT_BGP_H
#define CT_BGP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/err.h"
#include "model/model.h"

/* ---- the line protocol ---- */

enum ct_bird_kind {
	CT_BIRD_MORE,  /* "DDDD-text": more lines follow */
	CT_BIRD_LAST,  /* "DDDD text": the last line of the reply */
	CT_BIRD_CONT,  /* " text": continues the previous code */
	CT_BIRD_ASYNC, /* "+text": asynchronous message */
};

struct ct_bird_line {
	int code; /* 0000-9999; for CONT lines the code being continued */
	enum ct_bird_kind kind;
	char *text; /* without the code, separator and newline; NUL-terminated */
};

/* One reply: the lines of one command, up to and including its LAST line. */
struct ct_bird_reply {
	struct ct_bird_line *v;
	size_t n, cap;
	int final_code; /* code of the LAST line */
};

void ct_bird_reply_init(struct ct_bird_reply *r);
void ct_bird_reply_free(struct ct_bird_reply *r);

/* Streaming splitter: feed bytes as they arrive; complete lines are parsed
 * strictly and appended to reply. Returns 1 when the reply is complete (a LAST
 * line was seen), 0 when more bytes are needed, -1 on a malformed line (err
 * names the line number and why: bad code, missing separator, over-long line
 * (> CT_BIRD_MAX_LINE), a CONT line with nothing to continue, a NUL byte). */
#define CT_BIRD_MAX_LINE 4096
struct ct_bird_splitter {
	char buf[CT_BIRD_MAX_LINE + 2];
	size_t len;
	int last_code; /* code of the previous MORE line, for CONT */
	unsigned lineno;
};
void ct_bird_splitter_init(struct ct_bird_splitter *s);
int ct_bird_feed(struct ct_bird_splitter *s, const char *data, size_t len,
		 struct ct_bird_reply *reply, size_t *consumed, struct ct_err *err);

/* The same without a reply: each complete line goes to fn as it is split,
 * text (len bytes, NUL-terminated) pointing into the splitter, valid during
 * the call only. fn returns 0, or -1 with err set, which the feed returns. */
typedef int (*ct_bird_line_fn)(void *arg, int code, enum ct_bird_kind kind, const char *text,
			       size_t len, struct ct_err *err);
int ct_bird_feed_fn(struct ct_bird_splitter *s, const char *data, size_t len, ct_bird_line_fn fn,
		    void *arg, size_t *consumed, struct ct_err *err);

/* ---- parsed BGP state ---- */

enum ct_bird_flavour { CT_BIRD_UNKNOWN = 0, CT_BIRD_V1, CT_BIRD_V2 };

struct ct_bird_status {
	char version[64];   /* "1.6.8", "2.0.12", "v0.3.3+birdv1.6.8" (Calico's build) */
	char greeting[128]; /* the 0001 line */
	char router_id[64];
	char server_time[40], last_reboot[40], last_reconfig[40];
	char state[64]; /* "Daemon is up and running" */
	enum ct_bird_flavour flavour; /* told by the shape of replies, not the version */
	char hostname[64];  /* 2.x "Hostname is vm"; "" in 1.6 */
};

struct ct_bgp_peer {
	char name[64];     /* protocol name, e.g. Mesh_192_168_31_202 */
	char type[16];     /* "mesh" (Mesh_), "node" (Node_), "global" (Global_), "other" */
	char proto[16];    /* "BGP", "Kernel", ... (only BGP protocols are peers) */
	char table[32];
	char state[16];    /* up, start, down, ... */
	char since[32];
	char info[128];    /* e.g. "Established", "Active        Socket: Connection refused" */
	char bgp_state[32]; /* "Established", "Active", "Connect", "Idle", "Passive"... */
	char last_error[128];
	struct ct_ip neighbor;
	uint32_t neighbor_as, local_as;
	bool has_neighbor_as, has_local_as;
	struct ct_ip source; /* Source address: (local) */
	char neighbor_id[64];
	int hold_now, hold_max;         /* -1 unknown; seconds (v2 ms are rounded down) */
	int keepalive_now, keepalive_max;
	uint32_t imported, exported, preferred; /* Routes: line */
	bool has_routes;
	int8_t passive; /* 1 passive (BIRD shows state Passive), 0 connecting (Active, Connect),
			 * -1 unknown: BIRD does not show the `passive` option otherwise */
	char description[128];
};

/* What routes share: next hop, device, protocol, BGP.next_hop, type. A
 * table of 100k routes has a handful of distinct ones, so each is kept once
 * per struct ct_bgp (interned) and routes point to it. */
struct ct_bgp_rattr {
	struct ct_ip via;          /* the gateway BIRD would install ("via X"), unset for dev/blackhole */
	struct ct_ip bgp_next_hop; /* BGP.next_hop attribute */
	char dev[CT_IFNAMSIZ];     /* "on eth0" / "dev caliX" */
	char proto[64];            /* the protocol that gave it, e.g. Mesh_192_168_31_202 */
	char type[32];             /* "BGP unicast univ" etc. (v1 Type:, v2 Type:) */
	bool blackhole, unreachable;
};

struct ct_bgp_route {
	struct ct_prefix dst;
	bool primary; /* the "*" best route */
	const struct ct_bgp_rattr *at; /* interned in the struct ct_bgp that holds the route */
};

struct ct_bgp_rattrs; /* the intern table (model/bird_parse.c) */

/*
 * Caps on what caltrace keeps from BIRD, so that a BIRD (or anything on its
 * socket) that never stops talking costs bounded memory (caltrace(1), BIRD
 * LIMITS). A parse that would keep more stops with an error naming the cap
 * (exit CT_EXIT_GATHER) and sets struct ct_bgp's cap_hit. A Calico node has a
 * route per IPAM block of each other node and a peer per node; a route
 * reflector of a 5000-node cluster stays far below both.
 */
#define CT_BIRD_MAX_ROUTES 1000000u  /* routes of one struct ct_bgp */
#define CT_BIRD_MAX_PEERS 10000u     /* BGP protocols (peers) of one struct ct_bgp */
#define CT_BIRD_MAX_REPLY (64u << 20) /* bytes of one reply kept whole (probes/bird.c) */

/* What BIRD's reply code means, in words, for messages: "no BIRD protocol has
 * that name" for 8003. Every code has one (a class's meaning for a code BIRD's
 * doc/reply_codes does not list); never NULL. */
const char *ct_bird_code_meaning(int code);
/* How the parsers' message for an 8xxx/9xxx reply begins; the rest is the
 * meaning and "(reply DDDD: 'BIRD's text')". */
#define CT_BIRD_REFUSED "BIRD refused the command: "

struct ct_bgp {
	struct ct_bird_status status;
	struct ct_bgp_peer *peers;
	size_t n_peers;
	/* routes BIRD exports to the kernel protocol (show route export <kernel> all) */
	struct ct_bgp_route *routes;
	size_t n_routes, routes_cap; /* add with ct_bgp_route_add */
	struct ct_bgp_rattrs *rattrs; /* owns what routes[].at point to */
	char kernel_proto[64]; /* the kernel protocol's name, e.g. kernel1 */
	char socket[CT_PATH_LEN]; /* where the answers came from */
	/* kernel TCP sessions on port 179 (sock_diag) */
	struct ct_tcp179 {
		struct ct_ip local, remote;
		uint16_t lport, rport;
		char state[16]; /* ESTABLISHED, SYN-SENT, LISTEN, ... */
	} *sessions;
	size_t n_sessions;
	bool have_sessions;
	/* caps (0: CT_BIRD_MAX_ROUTES, CT_BIRD_MAX_PEERS); cap_hit is "routes" or
	 * "peers" when a parse stopped at its cap (cap_limit: the cap), else NULL */
	size_t max_routes, max_peers;
	const char *cap_hit;
	size_t cap_limit;
};

void ct_bgp_init(struct ct_bgp *b);
void ct_bgp_free(struct ct_bgp *b);
/* The one address family a BIRD 1.x daemon serves (BIRD 1.x runs one daemon per
 * family: `bird` for IPv4, `bird6` for IPv6, each with its own socket): AF_INET
 * or AF_INET6 when b is a 1.x BIRD whose peers (else routes) are all of that
 * family; 0 when it serves both (BIRD 2) or nothing tells. Routes of the other
 * family are the other daemon's: this one's answers cannot judge them. */
uint8_t ct_bgp_family(const struct ct_bgp *b);

/* The interned copy of a (equal contents, same pointer) in b; NULL when out of
 * memory. It lives as long as b. */
const struct ct_bgp_rattr *ct_bgp_rattr_intern(struct ct_bgp *b, const struct ct_bgp_rattr *a);
/* Appends a route whose attributes are a (interned here): 0, or -1 out of memory. */
int ct_bgp_route_add(struct ct_bgp *b, const struct ct_prefix *dst, bool primary,
		     const struct ct_bgp_rattr *a);

/* Pure parsers over complete replies. Each returns 0, or -1 with err naming
 * the line that fits no rule. A reply with an 8xxx or 9xxx line is an error
 * that says what the code means and quotes BIRD: "BIRD refused the command:
 * no BIRD protocol has that name (reply 8003: 'No protocols match')". */
int ct_bird_parse_status(const struct ct_bird_reply *r, struct ct_bird_status *st,
			 struct ct_err *err);
/* `show protocols all` (or `show protocols all NAME`), BIRD 1.6 or 2.x. */
int ct_bird_parse_protocols(const struct ct_bird_reply *r, struct ct_bgp *b, struct ct_err *err);
/* `show route ... all` (1.6: "via X on DEV", 2.x: next hops on their own lines). */
int ct_bird_parse_routes(const struct ct_bird_reply *r, struct ct_bgp *b, struct ct_err *err);

/*
 * The same reply parsed as it streams, one line at a time, keeping only what
 * struct ct_bgp stores: ct_bird_routes_begin, then ct_bird_routes_line for
 * every line of the reply as the splitter gives it (lineno: its number within
 * the reply, as ct_bird_parse_routes counts them), then ct_bird_routes_end.
 * The outcome is ct_bird_parse_routes's on the same lines, errors included:
 * an 8xxx/9xxx line anywhere wins over a route line that fits no rule, which
 * wins over a reply without its LAST line; on error b->routes is left as it
 * was. One exception: the routes cap ends the stream where it is reached, so
 * a reply with more routes than the cap fails with the cap even where the
 * whole parser, which sees the lines after it, names an 8xxx line or the
 * missing LAST line instead. ct_bird_routes_line returns -1 only when out of memory or when b
 * would hold more routes than its cap (then call _end all the same; it
 * returns -1 with the same error and rolls back).
 */
struct ct_bird_route_ctx {
	bool cur;      /* pending takes next hops and attributes */
	bool has_nh;   /* pending has its first next hop */
	bool pending_set; /* pending is a route not yet in b */
	bool have_dst;
	struct ct_prefix dst; /* of the last route line, for BIRD's alternatives without one */
	struct ct_prefix pdst;
	bool pprimary;
	struct ct_bgp_rattr pat;
	const struct ct_bgp_rattr *last; /* the attributes interned last, tried first */
};
struct ct_bird_route_stream {
	struct ct_bgp *b;
	size_t base; /* b->n_routes at the start, for the rollback */
	struct ct_bird_route_ctx c;
	bool done;     /* the LAST line came */
	bool failed;   /* a route line fitted no rule (perr); then only 8xxx/9xxx lines count */
	bool bird_err; /* an 8xxx/9xxx line came: berr */
	bool oom;
	bool capped; /* the routes cap was reached: ends the reply like oom */
	int final_code;
	struct ct_err perr, berr;
};
void ct_bird_routes_begin(struct ct_bird_route_stream *s, struct ct_bgp *b);
int ct_bird_routes_line(struct ct_bird_route_stream *s, int code, enum ct_bird_kind kind,
			const char *text, size_t len, size_t lineno, struct ct_err *err);
int ct_bird_routes_end(struct ct_bird_route_stream *s, struct ct_err *err);

#endif
