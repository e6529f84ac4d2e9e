/* SPDX-License-Identifier: MIT */
/*
 * Packet and flow output for sniff: one line per packet (text) or one JSON
 * object per line (NDJSON), formatted by hand into a large buffer: no
 * per-packet malloc, no locale-dependent printf in the hot path. Reads the
 * decoded packet (model/pkt.h) and flow summaries (analysis/flows.h) only.
 *
 * Strings from outside (interface and namespace names) are escaped by the
 * two rules of model/esc.h, as everywhere else: the terminal text rule in
 * text, the reversible JSON rule in NDJSON.
 */
#ifndef CT_PKT_TEXT_H
#define CT_PKT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/flows.h"
#include "model/pkt.h"

/* An output buffer flushed to f when it runs short (and on ct_wbuf_flush). */
struct ct_wbuf {
	FILE *f;
	char *buf;
	size_t len, cap;
	bool failed; /* a write failed (EPIPE, ENOSPC): stop writing */
	int err;     /* the errno of that first failure */
};

int ct_wbuf_init(struct ct_wbuf *w, FILE *f, size_t cap);
void ct_wbuf_free(struct ct_wbuf *w);
/* Writes the buffer out and fflush()es f. 0 or -1 (w->failed, w->err). */
int ct_wbuf_flush(struct ct_wbuf *w);

/* Where a packet was seen. */
struct ct_pkt_meta {
	int64_t sec; /* capture time */
	int32_t usec;
	int linktype;	   /* DLT_* */
	const char *netns; /* NULL: a file */
	const char *iface; /* NULL: none known */
	int ifindex;	   /* LINUX_SLL2's interface index, 0 when none */
};

struct ct_pkt_fmt {
	struct ct_wbuf *w;
	bool json;
	bool show_ns; /* text: prefix the interface with "ns:" */
	/* per-second caches of the time's formatted part */
	int64_t text_sec, json_sec;
	char text_time[16]; /* HH:MM:SS (local time, like tcpdump) */
	char json_time[24]; /* YYYY-MM-DDTHH:MM:SS (UTC) */
};

void ct_pkt_fmt_init(struct ct_pkt_fmt *f, struct ct_wbuf *w, bool json, bool show_ns);
/* One packet: a text line or a JSON object, newline-terminated. */
void ct_pkt_write(struct ct_pkt_fmt *f, const struct ct_pkt *p, const struct ct_pkt_meta *m);

/* An interface id's names, for flow reports. */
struct ct_iface_ref {
	const char *netns; /* NULL: a file */
	const char *name;  /* NULL: unknown */
};

/* A flow report: text (a header line and the top flows) or one JSON object per
 * flow ("type": "flow"). now_us is the report time; final marks the last one. */
void ct_flows_write(struct ct_pkt_fmt *f, const struct ct_flows *t, const struct ct_flows_view *v,
		    size_t top, uint64_t now_us, const struct ct_iface_ref *ifs, size_t n_ifs,
		    bool final);

/* Names (static) or NULL when unknown. */
const char *ct_icmp_name(bool v6, uint8_t type, uint8_t code);
const char *ct_ipproto_name(uint8_t proto);

#endif
