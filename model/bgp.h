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
	bool passive;   /* BIRD says the protocol is passive (when the reply shows it) */
	char description[128];
};

struct ct_bgp_route {
	struct ct_prefix dst;
	struct ct_ip via;       /* the gateway BIRD would install ("via X"), unset for dev/blackhole */
	char dev[CT_IFNAMSIZ];  /* "on eth0" / "dev caliX" */
	char proto[64];         /* the protocol that gave it, e.g. Mesh_192_168_31_202 */
	struct ct_ip bgp_next_hop; /* BGP.next_hop attribute */
	bool primary;           /* the "*" best route */
	bool blackhole, unreachable;
	char type[32];          /* "BGP unicast univ" etc. (v1 Type:, v2 Type:) */
};

struct ct_bgp {
	struct ct_bird_status status;
	struct ct_bgp_peer *peers;
	size_t n_peers;
	/* routes BIRD exports to the kernel protocol (show route export <kernel> all) */
	struct ct_bgp_route *routes;
	size_t n_routes;
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
};

void ct_bgp_init(struct ct_bgp *b);
void ct_bgp_free(struct ct_bgp *b);

/* Pure parsers over complete replies. Each returns 0, or -1 with err naming
 * the line that fits no rule. */
int ct_bird_parse_status(const struct ct_bird_reply *r, struct ct_bird_status *st,
			 struct ct_err *err);
/* `show protocols all` (or `show protocols all NAME`), BIRD 1.6 or 2.x. */
int ct_bird_parse_protocols(const struct ct_bird_reply *r, struct ct_bgp *b, struct ct_err *err);
/* `show route ... all` (1.6: "via X on DEV", 2.x: next hops on their own lines). */
int ct_bird_parse_routes(const struct ct_bird_reply *r, struct ct_bgp *b, struct ct_err *err);

#endif
