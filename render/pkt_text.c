/* SPDX-License-Identifier: MIT */
/*
 * Packet and flow output for sniff (see pkt_text.h). Everything is written
 * straight into one big buffer by small helpers that return the new end:
 * a packet line costs a few hundred stores, not a printf per field.
 */
#include "render/pkt_text.h"
#include "model/esc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* the most one packet line or flow line can take (names are bounded below) */
#define RESERVE	     16384
#define NAME_MAX_OUT 256 /* input bytes of a name written; the rest is cut */

int ct_wbuf_init(struct ct_wbuf *w, FILE *f, size_t cap)
{
	memset(w, 0, sizeof(*w));
	if (cap < 4 * RESERVE)
		cap = 4 * RESERVE;
	w->buf = malloc(cap);
	if (!w->buf)
		return -1;
	w->f = f;
	w->cap = cap;
	return 0;
}

void ct_wbuf_free(struct ct_wbuf *w)
{
	free(w->buf);
	w->buf = NULL;
}

static void wb_fail(struct ct_wbuf *w, int e)
{
	w->failed = true;
	w->err = e > 0 ? e : EIO;
}

static void wb_out(struct ct_wbuf *w)
{
	if (w->len && !w->failed && fwrite(w->buf, 1, w->len, w->f) != w->len)
		wb_fail(w, errno);
	w->len = 0;
}

int ct_wbuf_flush(struct ct_wbuf *w)
{
	wb_out(w);
	if (!w->failed && fflush(w->f) != 0)
		wb_fail(w, errno);
	return w->failed ? -1 : 0;
}

/* Room for one more line; returns where to write. */
static char *wb_begin(struct ct_wbuf *w)
{
	if (w->cap - w->len < RESERVE)
		wb_out(w);
	return w->buf + w->len;
}

static void wb_end(struct ct_wbuf *w, char *o)
{
	w->len = (size_t)(o - w->buf);
}

/* ---- primitives ---- */

#define PUT(o, lit) (memcpy((o), (lit), sizeof(lit) - 1), (o) + sizeof(lit) - 1)

static char *put_s(char *o, const char *s)
{
	size_t n = strlen(s);
	memcpy(o, s, n);
	return o + n;
}

static char *put_u(char *o, uint64_t v)
{
	char b[20];
	int i = sizeof(b);
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(o, b + i, sizeof(b) - (size_t)i);
	return o + sizeof(b) - i;
}

static char *put_u8(char *o, unsigned v)
{
	if (v >= 100)
		*o++ = (char)('0' + v / 100);
	if (v >= 10)
		*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

static char *put_2d(char *o, unsigned v)
{
	*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

static char *put_6d(char *o, uint32_t v)
{
	for (int i = 5; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + 6;
}

static const char hexd[] = "0123456789abcdef";

static char *put_hex16(char *o, uint16_t v)
{
	o = PUT(o, "0x");
	for (int s = 12; s >= 0; s -= 4)
		*o++ = hexd[(v >> s) & 15];
	return o;
}

static char *put_mac(char *o, const uint8_t *m)
{
	for (int i = 0; i < 6; i++) {
		if (i)
			*o++ = ':';
		*o++ = hexd[m[i] >> 4];
		*o++ = hexd[m[i] & 15];
	}
	return o;
}

static char *put_ip(char *o, const struct ct_ip *ip)
{
	if (ip->family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*o++ = '.';
			o = put_u8(o, ip->a[i]);
		}
		return o;
	}
	if (ip->family == AF_INET6 && inet_ntop(AF_INET6, ip->a, o, INET6_ADDRSTRLEN))
		return o + strlen(o);
	return PUT(o, "?");
}

/* text: model/esc.h's terminal rule, at most 4 bytes out per byte in */
static char *put_esc(char *o, const char *s)
{
	size_t n = strnlen(s, NAME_MAX_OUT + 1);
	return ct_esc_text_put(o, s, ct_utf8_cut(s, n, NAME_MAX_OUT));
}

/* JSON string: model/esc.h's JSON rule, at most 6 bytes out per byte in, plus quotes */
static char *put_js(char *o, const char *s)
{
	size_t n = strnlen(s, NAME_MAX_OUT + 1);
	return ct_esc_jlit_put(o, s, ct_utf8_cut(s, n, NAME_MAX_OUT));
}

/* a JSON string from our own static tables: nothing to escape */
static char *put_jlit(char *o, const char *s)
{
	*o++ = '"';
	o = put_s(o, s);
	*o++ = '"';
	return o;
}

static char *put_jip(char *o, const struct ct_ip *ip)
{
	*o++ = '"';
	o = put_ip(o, ip);
	*o++ = '"';
	return o;
}

static char *put_jmac(char *o, const uint8_t *m)
{
	if (!m)
		return PUT(o, "null");
	*o++ = '"';
	o = put_mac(o, m);
	*o++ = '"';
	return o;
}

static char *put_jbool(char *o, bool v)
{
	return v ? PUT(o, "true") : PUT(o, "false");
}

/* ---- names ---- */

const char *ct_ipproto_name(uint8_t proto)
{
	switch (proto) {
	case 0:
		return "hopopt";
	case 1:
		return "icmp";
	case 2:
		return "igmp";
	case 4:
		return "ipip";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 41:
		return "ipv6";
	case 43:
		return "ipv6-route";
	case 44:
		return "ipv6-frag";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 58:
		return "icmp6";
	case 59:
		return "ipv6-nonxt";
	case 60:
		return "ipv6-opts";
	case 89:
		return "ospf";
	case 103:
		return "pim";
	case 112:
		return "vrrp";
	case 132:
		return "sctp";
	default:
		return NULL;
	}
}

static const char *const unreach4[16] = {
    "net-unreachable",	    "host-unreachable", "protocol-unreachable",
    "port-unreachable",	    "frag-needed",	"source-route-failed",
    "net-unknown",	    "host-unknown",	"source-host-isolated",
    "net-prohibited",	    "host-prohibited",	"net-tos-unreachable",
    "host-tos-unreachable", "admin-prohibited", "host-precedence-violation",
    "precedence-cutoff",
};

static const char *const unreach6[7] = {
    "no-route",		"admin-prohibited",	"beyond-scope", "address-unreachable",
    "port-unreachable", "source-policy-failed", "reject-route",
};

const char *ct_icmp_name(bool v6, uint8_t type, uint8_t code)
{
	if (!v6) {
		switch (type) {
		case 0:
			return "echo-reply";
		case 3:
			return code < 16 ? unreach4[code] : "unreachable";
		case 4:
			return "source-quench";
		case 5:
			return "redirect";
		case 8:
			return "echo-request";
		case 9:
			return "router-advertisement";
		case 10:
			return "router-solicitation";
		case 11:
			return code == 0   ? "ttl-exceeded"
			       : code == 1 ? "reassembly-time-exceeded"
					   : "time-exceeded";
		case 12:
			return "param-problem";
		case 13:
			return "timestamp-request";
		case 14:
			return "timestamp-reply";
		default:
			return NULL;
		}
	}
	switch (type) {
	case 1:
		return code < 7 ? unreach6[code] : "unreachable";
	case 2:
		return "packet-too-big";
	case 3:
		return code == 0   ? "hop-limit-exceeded"
		       : code == 1 ? "reassembly-time-exceeded"
				   : "time-exceeded";
	case 4:
		return "param-problem";
	case 128:
		return "echo-request";
	case 129:
		return "echo-reply";
	case 130:
		return "mld-query";
	case 131:
		return "mld-report";
	case 132:
		return "mld-done";
	case 133:
		return "router-solicitation";
	case 134:
		return "router-advertisement";
	case 135:
		return "neighbor-solicitation";
	case 136:
		return "neighbor-advertisement";
	case 137:
		return "redirect";
	case 143:
		return "mldv2-report";
	default:
		return NULL;
	}
}

static char *put_proto(char *o, uint8_t proto)
{
	const char *n = ct_ipproto_name(proto);
	if (n)
		return put_s(o, n);
	o = PUT(o, "proto ");
	return put_u8(o, proto);
}

static char *put_icmp_name(char *o, bool v6, uint8_t type, uint8_t code)
{
	const char *n = ct_icmp_name(v6, type, code);
	if (n)
		return put_s(o, n);
	o = PUT(o, "type-");
	o = put_u8(o, type);
	o = PUT(o, "-code-");
	return put_u8(o, code);
}

/* the decoder's tables (model/pkt.h), guarded against values out of range */
static const char *encap_name(unsigned e)
{
	return e <= CT_ENCAP_VXLAN ? ct_encap_names[e] : "unknown";
}

static const char *status_name(unsigned s)
{
	return s <= CT_PKT_UNSUPPORTED ? ct_pkt_status_names[s] : "unknown";
}

static const char *linktype_name(int dlt)
{
	switch (dlt) {
	case CT_DLT_EN10MB:
		return "ethernet";
	case CT_DLT_LINUX_SLL:
		return "linux_sll";
	case CT_DLT_LINUX_SLL2:
		return "linux_sll2";
	case CT_DLT_RAW:
	case 14:  /* DLT_RAW on OpenBSD */
	case 101: /* LINKTYPE_RAW */
	case 228: /* DLT_IPV4 */
	case 229: /* DLT_IPV6 */
		return "raw";
	default:
		return NULL;
	}
}

static const char *pkttype_name(uint16_t t)
{
	static const char *const n[] = {"host", "broadcast", "multicast", "otherhost", "outgoing"};
	return t < 5 ? n[t] : NULL;
}

static const char *ethertype_name(uint16_t t)
{
	switch (t) {
	case 0x0800:
		return "ipv4";
	case 0x0806:
		return "arp";
	case 0x86dd:
		return "ipv6";
	case 0x8100:
		return "vlan";
	case 0x88a8:
		return "qinq";
	case 0x88cc:
		return "lldp";
	default:
		return NULL;
	}
}

static bool is_v4_icmp(const struct ct_pkt_l4 *l4)
{
	return l4->proto == 1;
}

/* The VNI was read: not when the VXLAN header itself is cut short or wrong. */
static bool vni_known(const struct ct_pkt *p)
{
	return p->encap == CT_ENCAP_VXLAN && (p->status == CT_PKT_OK || p->has_inner_eth ||
					      !p->fault || strcmp(p->fault, "vxlan") != 0);
}

/* ---- time ---- */

void ct_pkt_fmt_init(struct ct_pkt_fmt *f, struct ct_wbuf *w, bool json, bool show_ns)
{
	memset(f, 0, sizeof(*f));
	f->w = w;
	f->json = json;
	f->show_ns = show_ns;
	f->text_sec = f->json_sec = INT64_MIN;
}

static char *put_time_text(struct ct_pkt_fmt *f, char *o, int64_t sec, int32_t usec)
{
	if (sec != f->text_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		char *q = f->text_time;
		if (localtime_r(&t, &tm)) {
			q = put_2d(q, (unsigned)tm.tm_hour);
			*q++ = ':';
			q = put_2d(q, (unsigned)tm.tm_min);
			*q++ = ':';
			q = put_2d(q, (unsigned)tm.tm_sec);
		} else {
			q = PUT(q, "??:??:??");
		}
		*q = 0;
		f->text_sec = sec;
	}
	o = put_s(o, f->text_time);
	*o++ = '.';
	return put_6d(o, usec >= 0 && usec < 1000000 ? (uint32_t)usec : 0);
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" with the quotes */
static char *put_time_json(struct ct_pkt_fmt *f, char *o, int64_t sec, int32_t usec)
{
	if (sec != f->json_sec) {
		time_t t = (time_t)sec;
		struct tm tm;
		char *q = f->json_time;
		if (gmtime_r(&t, &tm) && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
			unsigned y = (unsigned)(tm.tm_year + 1900);
			q = put_2d(q, y / 100);
			q = put_2d(q, y % 100);
			*q++ = '-';
			q = put_2d(q, (unsigned)tm.tm_mon + 1);
			*q++ = '-';
			q = put_2d(q, (unsigned)tm.tm_mday);
			*q++ = 'T';
			q = put_2d(q, (unsigned)tm.tm_hour);
			*q++ = ':';
			q = put_2d(q, (unsigned)tm.tm_min);
			*q++ = ':';
			q = put_2d(q, (unsigned)tm.tm_sec);
		} else {
			q = PUT(q, "1970-01-01T00:00:00");
		}
		*q = 0;
		f->json_sec = sec;
	}
	*o++ = '"';
	o = put_s(o, f->json_time);
	*o++ = '.';
	o = put_6d(o, usec >= 0 && usec < 1000000 ? (uint32_t)usec : 0);
	return PUT(o, "Z\"");
}

static char *put_time_us_json(struct ct_pkt_fmt *f, char *o, uint64_t us)
{
	return put_time_json(f, o, (int64_t)(us / 1000000), (int32_t)(us % 1000000));
}

/* ---- text ---- */

static bool has_ports(const struct ct_pkt_l4 *l4)
{
	return l4->present && (l4->proto == 6 || l4->proto == 17);
}

static char *put_endpoint(char *o, const struct ct_ip *ip, bool port, uint16_t p)
{
	o = put_ip(o, ip);
	if (port) {
		*o++ = '.';
		o = put_u(o, p);
	}
	return o;
}

static const struct {
	uint16_t bit;
	char c;
} tcp_flag_chars[] = {{0x01, 'F'}, {0x02, 'S'}, {0x04, 'R'}, {0x08, 'P'},
		      {0x10, '.'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'}};

static const char *const tcp_flag_names[8] = {"fin", "syn", "rst", "psh",
					      "ack", "urg", "ece", "cwr"};

static uint32_t ip_payload(const struct ct_pkt_ip *ip)
{
	return ip->total_len > ip->hdr_len ? (uint32_t)(ip->total_len - ip->hdr_len) : 0;
}

static bool is_frag(const struct ct_pkt_ip *ip)
{
	return ip->version == 4 && (ip->mf || ip->frag_off);
}

/* "SRC[.P] > DST[.P] DETAILS" of one IP layer and its transport */
static char *text_ip(char *o, const struct ct_pkt_ip *ip, const struct ct_pkt_l4 *l4)
{
	bool ports = has_ports(l4);
	o = put_endpoint(o, &ip->src, ports, l4->sport);
	o = PUT(o, " > ");
	o = put_endpoint(o, &ip->dst, ports, l4->dport);
	*o++ = ' ';
	if (!l4->present) {
		o = put_proto(o, ip->proto);
		if (is_frag(ip) || ip->total_len) {
			o = PUT(o, " len ");
			o = put_u(o, ip_payload(ip));
		}
	} else if (l4->proto == 6) {
		o = PUT(o, "tcp [");
		bool any = false;
		for (size_t i = 0; i < sizeof(tcp_flag_chars) / sizeof(tcp_flag_chars[0]); i++)
			if (l4->tcp_flags & tcp_flag_chars[i].bit) {
				*o++ = tcp_flag_chars[i].c;
				any = true;
			}
		if (!any)
			o = PUT(o, "none");
		o = PUT(o, "] seq ");
		o = put_u(o, l4->seq);
		if (l4->tcp_flags & 0x10) {
			o = PUT(o, " ack ");
			o = put_u(o, l4->ack);
		}
		o = PUT(o, " win ");
		o = put_u(o, l4->window);
		o = PUT(o, " len ");
		o = put_u(o, l4->payload_len);
	} else if (l4->proto == 17) {
		o = PUT(o, "udp len ");
		o = put_u(o, l4->payload_len);
	} else if (l4->proto == 1 || l4->proto == 58) {
		bool v6 = l4->proto == 58;
		o = v6 ? PUT(o, "icmp6 ") : PUT(o, "icmp ");
		o = put_icmp_name(o, v6, l4->icmp_type, l4->icmp_code);
		bool echo = v6 ? (l4->icmp_type == 128 || l4->icmp_type == 129)
			       : (l4->icmp_type == 0 || l4->icmp_type == 8);
		if (echo) {
			o = PUT(o, " id ");
			o = put_u(o, l4->icmp_id);
			o = PUT(o, " seq ");
			o = put_u(o, l4->icmp_seq);
		}
		if ((v6 && l4->icmp_type == 2) ||
		    (!v6 && l4->icmp_type == 3 && l4->icmp_code == 4)) {
			o = PUT(o, " mtu ");
			o = put_u(o, l4->icmp_mtu);
		}
		if (l4->quoted_present && l4->quoted.present) {
			bool qp = l4->quoted.proto == 6 || l4->quoted.proto == 17;
			o = PUT(o, " for ");
			o = put_endpoint(o, &l4->quoted.src, qp, l4->quoted_sport);
			o = PUT(o, " > ");
			o = put_endpoint(o, &l4->quoted.dst, qp, l4->quoted_dport);
			*o++ = ' ';
			o = put_proto(o, l4->quoted.proto);
		}
		o = PUT(o, " len ");
		o = put_u(o, ip_payload(ip));
	} else {
		o = put_proto(o, l4->proto);
	}
	if (is_frag(ip)) {
		o = PUT(o, " frag id ");
		o = put_u(o, ip->id);
		o = PUT(o, " off ");
		o = put_u(o, ip->frag_off);
		if (ip->mf)
			o = PUT(o, " mf");
	}
	if (ip->csum_ok == 0)
		o = PUT(o, " [bad ip checksum]");
	if (l4->present && l4->csum_ok == 0) {
		o = PUT(o, " [bad ");
		o = put_proto(o, l4->proto);
		o = PUT(o, " checksum]");
	}
	return o;
}

static char *text_link(char *o, const struct ct_pkt *p)
{
	if (p->has_eth) {
		o = put_mac(o, p->eth_src);
		o = PUT(o, " > ");
		o = put_mac(o, p->eth_dst);
		*o++ = ' ';
	}
	if (!p->has_eth && !p->ethertype)
		goto len;
	o = PUT(o, "ethertype ");
	const char *en = ethertype_name(p->ethertype);
	if (en) {
		o = put_s(o, en);
		o = PUT(o, " (");
		o = put_hex16(o, p->ethertype);
		*o++ = ')';
	} else {
		o = put_hex16(o, p->ethertype);
	}
	*o++ = ' ';
len:
	o = PUT(o, "len ");
	return put_u(o, p->len);
}

static void text_packet(struct ct_pkt_fmt *f, char *o, const struct ct_pkt *p,
			const struct ct_pkt_meta *m)
{
	o = put_time_text(f, o, m->sec, m->usec);
	if (m->iface || m->ifindex) {
		*o++ = ' ';
		if (f->show_ns && m->netns) {
			o = put_esc(o, m->netns);
			*o++ = ':';
		}
		if (m->iface && *m->iface) {
			o = put_esc(o, m->iface);
		} else {
			o = PUT(o, "if");
			o = put_u(o, (uint64_t)m->ifindex);
		}
	}
	*o++ = ' ';
	if (!p->outer.present) {
		o = text_link(o, p);
	} else if (p->encap != CT_ENCAP_NONE) {
		o = put_s(o, encap_name(p->encap));
		if (vni_known(p)) {
			o = PUT(o, " vni ");
			o = put_u(o, p->vni);
		}
		bool ports = p->encap == CT_ENCAP_VXLAN && p->outer_l4.present;
		*o++ = ' ';
		o = put_endpoint(o, &p->outer.src, ports, p->outer_l4.sport);
		o = PUT(o, " > ");
		o = put_endpoint(o, &p->outer.dst, ports, p->outer_l4.dport);
		if (p->outer.csum_ok == 0)
			o = PUT(o, " [bad ip checksum]");
		if (ports && p->outer_l4.csum_ok == 0)
			o = PUT(o, " [bad udp checksum]");
		o = PUT(o, " |");
		if (p->inner.present) {
			*o++ = ' ';
			o = text_ip(o, &p->inner, &p->inner_l4);
		} else if (p->has_inner_eth) {
			*o++ = ' ';
			o = put_mac(o, p->inner_eth_src);
			o = PUT(o, " > ");
			o = put_mac(o, p->inner_eth_dst);
			o = PUT(o, " ethertype ");
			const char *en = ethertype_name(p->inner_ethertype);
			o = en ? put_s(o, en) : put_hex16(o, p->inner_ethertype);
		}
	} else {
		o = text_ip(o, &p->outer, &p->outer_l4);
	}
	if (p->status == CT_PKT_TRUNCATED || p->status == CT_PKT_INVALID) {
		o = p->status == CT_PKT_TRUNCATED ? PUT(o, " [truncated ") : PUT(o, " [invalid ");
		o = put_s(o, p->fault ? p->fault : "packet");
		*o++ = ']';
	}
	*o++ = '\n';
	wb_end(f->w, o);
}

/* ---- JSON ---- */

static char *put_jcsum(char *o, int v)
{
	switch (v) {
	case 1:
		return PUT(o, "\"good\"");
	case 0:
		return PUT(o, "\"bad\"");
	case 2:
		return PUT(o, "\"unverifiable\"");
	default:
		return PUT(o, "null");
	}
}

/* the fields of one IP header, without braces */
static char *json_ip_fields(char *o, const struct ct_pkt_ip *ip)
{
	bool v4 = ip->version == 4;
	o = PUT(o, "\"version\":");
	o = put_u(o, ip->version);
	o = PUT(o, ",\"src\":");
	o = put_jip(o, &ip->src);
	o = PUT(o, ",\"dst\":");
	o = put_jip(o, &ip->dst);
	o = PUT(o, ",\"proto\":");
	o = put_u(o, ip->proto);
	o = PUT(o, ",\"ttl\":");
	o = put_u(o, ip->ttl);
	o = PUT(o, ",\"tos\":");
	o = put_u(o, ip->tos);
	if (v4) {
		o = PUT(o, ",\"id\":");
		o = put_u(o, ip->id);
		o = PUT(o, ",\"df\":");
		o = put_jbool(o, ip->df);
		o = PUT(o, ",\"mf\":");
		o = put_jbool(o, ip->mf);
		o = PUT(o, ",\"frag_off\":");
		o = put_u(o, ip->frag_off);
	} else {
		o = PUT(o, ",\"id\":null,\"df\":null,\"mf\":null,\"frag_off\":null");
	}
	o = PUT(o, ",\"hdr_len\":");
	o = put_u(o, ip->hdr_len);
	o = PUT(o, ",\"len\":");
	o = put_u(o, ip->total_len);
	o = PUT(o, ",\"flow_label\":");
	if (v4)
		o = PUT(o, "null");
	else
		o = put_u(o, ip->flow_label);
	o = PUT(o, ",\"checksum\":");
	return put_jcsum(o, ip->csum_ok);
}

static char *json_ip(char *o, const char *key_lit, const struct ct_pkt_ip *ip)
{
	o = put_s(o, key_lit);
	if (!ip->present)
		return PUT(o, "null");
	*o++ = '{';
	o = json_ip_fields(o, ip);
	*o++ = '}';
	return o;
}

static char *put_jproto(char *o, uint8_t proto)
{
	const char *n = ct_ipproto_name(proto);
	if (n)
		return put_jlit(o, n);
	*o++ = '"';
	o = put_u8(o, proto);
	*o++ = '"';
	return o;
}

static char *json_l4(char *o, const char *key_lit, const struct ct_pkt_l4 *l4)
{
	o = put_s(o, key_lit);
	if (!l4->present)
		return PUT(o, "null");
	o = PUT(o, "{\"proto\":");
	o = put_jproto(o, l4->proto);
	if (l4->proto == 6 || l4->proto == 17) {
		o = PUT(o, ",\"sport\":");
		o = put_u(o, l4->sport);
		o = PUT(o, ",\"dport\":");
		o = put_u(o, l4->dport);
	}
	if (l4->proto == 6) {
		o = PUT(o, ",\"flags\":[");
		bool first = true;
		for (int i = 0; i < 8; i++)
			if (l4->tcp_flags & (1u << i)) {
				if (!first)
					*o++ = ',';
				first = false;
				o = put_jlit(o, tcp_flag_names[i]);
			}
		o = PUT(o, "],\"seq\":");
		o = put_u(o, l4->seq);
		o = PUT(o, ",\"ack\":");
		o = put_u(o, l4->ack);
		o = PUT(o, ",\"window\":");
		o = put_u(o, l4->window);
	} else if (l4->proto == 1 || l4->proto == 58) {
		bool v6 = !is_v4_icmp(l4);
		o = PUT(o, ",\"icmp_type\":");
		o = put_u(o, l4->icmp_type);
		o = PUT(o, ",\"icmp_code\":");
		o = put_u(o, l4->icmp_code);
		o = PUT(o, ",\"icmp_name\":");
		const char *n = ct_icmp_name(v6, l4->icmp_type, l4->icmp_code);
		o = n ? put_jlit(o, n) : PUT(o, "null");
		bool echo = v6 ? (l4->icmp_type == 128 || l4->icmp_type == 129)
			       : (l4->icmp_type == 0 || l4->icmp_type == 8);
		if (echo) {
			o = PUT(o, ",\"id\":");
			o = put_u(o, l4->icmp_id);
			o = PUT(o, ",\"seq\":");
			o = put_u(o, l4->icmp_seq);
		} else {
			o = PUT(o, ",\"id\":null,\"seq\":null");
		}
		o = PUT(o, ",\"mtu\":");
		if ((v6 && l4->icmp_type == 2) || (!v6 && l4->icmp_type == 3 && l4->icmp_code == 4))
			o = put_u(o, l4->icmp_mtu);
		else
			o = PUT(o, "null");
		o = PUT(o, ",\"quoted\":");
		if (l4->quoted_present && l4->quoted.present) {
			bool qp = l4->quoted.proto == 6 || l4->quoted.proto == 17;
			*o++ = '{';
			o = json_ip_fields(o, &l4->quoted);
			o = PUT(o, ",\"sport\":");
			o = qp ? put_u(o, l4->quoted_sport) : PUT(o, "null");
			o = PUT(o, ",\"dport\":");
			o = qp ? put_u(o, l4->quoted_dport) : PUT(o, "null");
			*o++ = '}';
		} else {
			o = PUT(o, "null");
		}
	}
	o = PUT(o, ",\"payload_len\":");
	o = put_u(o, l4->payload_len);
	o = PUT(o, ",\"checksum\":");
	o = put_jcsum(o, l4->csum_ok);
	*o++ = '}';
	return o;
}

static void json_packet(struct ct_pkt_fmt *f, char *o, const struct ct_pkt *p,
			const struct ct_pkt_meta *m)
{
	o = PUT(o, "{\"type\":\"packet\",\"time\":");
	o = put_time_json(f, o, m->sec, m->usec);
	o = PUT(o, ",\"netns\":");
	o = m->netns ? put_js(o, m->netns) : PUT(o, "null");
	o = PUT(o, ",\"iface\":");
	o = m->iface && *m->iface ? put_js(o, m->iface) : PUT(o, "null");
	o = PUT(o, ",\"caplen\":");
	o = put_u(o, p->caplen);
	o = PUT(o, ",\"len\":");
	o = put_u(o, p->len);
	o = PUT(o, ",\"status\":");
	o = put_jlit(o, status_name(p->status));
	o = PUT(o, ",\"fault\":");
	o = p->fault && p->status != CT_PKT_OK ? put_js(o, p->fault) : PUT(o, "null");

	o = PUT(o, ",\"link\":{\"type\":");
	const char *lt = linktype_name(m->linktype);
	o = lt ? put_jlit(o, lt) : PUT(o, "null");
	o = PUT(o, ",\"src\":");
	o = put_jmac(o, p->has_eth ? p->eth_src : NULL);
	o = PUT(o, ",\"dst\":");
	o = put_jmac(o, p->has_eth ? p->eth_dst : NULL);
	o = PUT(o, ",\"ethertype\":");
	o = p->ethertype ? put_u(o, p->ethertype) : PUT(o, "null");
	o = PUT(o, ",\"vlan\":[");
	for (int i = 0; i < p->n_vlan && i < 2; i++) {
		if (i)
			*o++ = ',';
		o = put_u(o, p->vlan[i]);
	}
	o = PUT(o, "],\"pkttype\":");
	const char *pt = p->sll_pkttype != 0xffff ? pkttype_name(p->sll_pkttype) : NULL;
	o = pt ? put_jlit(o, pt) : PUT(o, "null");
	o = PUT(o, ",\"ifindex\":");
	o = p->sll_ifindex > 0 ? put_u(o, (uint64_t)p->sll_ifindex) : PUT(o, "null");
	*o++ = '}';

	bool enc = p->encap != CT_ENCAP_NONE;
	o = PUT(o, ",\"encap\":");
	o = put_jlit(o, encap_name(p->encap));
	o = PUT(o, ",\"vni\":");
	o = vni_known(p) ? put_u(o, p->vni) : PUT(o, "null");
	o = json_ip(o, ",\"outer\":", &p->outer);
	if (enc) {
		o = json_l4(o, ",\"outer_l4\":", &p->outer_l4);
		o = PUT(o, ",\"inner_link\":");
		if (p->has_inner_eth) {
			o = PUT(o, "{\"src\":\"");
			o = put_mac(o, p->inner_eth_src);
			o = PUT(o, "\",\"dst\":\"");
			o = put_mac(o, p->inner_eth_dst);
			o = PUT(o, "\",\"ethertype\":");
			o = p->inner_ethertype ? put_u(o, p->inner_ethertype) : PUT(o, "null");
			*o++ = '}';
		} else {
			o = PUT(o, "null");
		}
		o = json_ip(o, ",\"inner\":", &p->inner);
		o = json_l4(o, ",\"l4\":", &p->inner_l4);
	} else {
		o = PUT(o, ",\"outer_l4\":null,\"inner_link\":null,\"inner\":null");
		o = json_l4(o, ",\"l4\":", &p->outer_l4);
	}
	o = PUT(o, "}\n");
	wb_end(f->w, o);
}

void ct_pkt_write(struct ct_pkt_fmt *f, const struct ct_pkt *p, const struct ct_pkt_meta *m)
{
	char *o = wb_begin(f->w);
	if (f->json)
		json_packet(f, o, p, m);
	else
		text_packet(f, o, p, m);
}

/* ---- flows ---- */

static bool flow_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17;
}

static bool flow_is_echo(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

static char *put_iface(char *o, const struct ct_iface_ref *ifs, size_t n, uint16_t id, bool show_ns)
{
	if (id >= n || !ifs[id].name)
		return PUT(o, "-");
	if (show_ns && ifs[id].netns) {
		o = put_esc(o, ifs[id].netns);
		*o++ = ':';
	}
	return put_esc(o, ifs[id].name);
}

static char *put_dur(char *o, uint64_t us)
{
	o = put_u(o, us / 1000000);
	*o++ = '.';
	uint64_t ms = us % 1000000 / 1000;
	*o++ = (char)('0' + ms / 100);
	*o++ = (char)('0' + ms / 10 % 10);
	*o++ = (char)('0' + ms % 10);
	return PUT(o, "s");
}

static void text_flow(struct ct_pkt_fmt *f, const struct ct_flows *t, const struct ct_flow_sum *s,
		      const struct ct_iface_ref *ifs, size_t n_ifs)
{
	char *o = wb_begin(f->w);
	bool ports = flow_has_ports(s->proto);
	o = PUT(o, "  ");
	o = put_endpoint(o, &s->src, ports, s->sport);
	o = PUT(o, " > ");
	o = put_endpoint(o, &s->dst, ports, s->dport);
	*o++ = ' ';
	o = put_proto(o, s->proto);
	if (flow_is_echo(s->proto) && s->sport) {
		o = PUT(o, " id ");
		o = put_u(o, s->sport);
	}
	if (s->has_vni) {
		o = PUT(o, " vni ");
		o = put_u(o, s->vni);
	}
	for (int d = 0; d < 2; d++) {
		o = d ? PUT(o, "  < ") : PUT(o, "  > ");
		o = put_u(o, s->packets[d]);
		o = PUT(o, " pkts ");
		o = put_u(o, s->bytes[d]);
		o = PUT(o, " bytes");
	}
	*o++ = ' ';
	*o++ = ' ';
	o = put_dur(o, s->last_us >= s->first_us ? s->last_us - s->first_us : 0);
	o = PUT(o, "  on ");
	for (int i = 0; i < s->n_ent; i++) {
		const struct ct_flow *e = &t->e[s->ent[i]];
		if (i)
			o = PUT(o, ", ");
		o = put_iface(o, ifs, n_ifs, e->iface, f->show_ns);
		struct ct_flow_dir fdv, rdv;
		ct_flow_ent_dir(t, s->ent[i], s->fwd, &fdv);
		ct_flow_ent_dir(t, s->ent[i], 1 - s->fwd, &rdv);
		const struct ct_flow_dir *fd = &fdv, *rd = &rdv;
		const struct ct_flow_dir *ed = (fd->seen & CT_FLOW_SEEN_ENCAP)	 ? fd
					       : (rd->seen & CT_FLOW_SEEN_ENCAP) ? rd
										 : NULL;
		if (ed) {
			bool vx = ed->encap == CT_ENCAP_VXLAN;
			o = PUT(o, " (");
			o = put_s(o, encap_name(ed->encap));
			*o++ = ' ';
			o = put_endpoint(o, &ed->outer_src, vx, ed->outer_sport);
			o = PUT(o, " > ");
			o = put_endpoint(o, &ed->outer_dst, vx, ed->outer_dport);
			*o++ = ')';
		}
	}
	if (s->n_ifaces > s->n_ent) {
		o = PUT(o, " and ");
		o = put_u(o, (uint64_t)(s->n_ifaces - s->n_ent));
		o = PUT(o, " more");
	}
	*o++ = '\n';
	if (s->one_way) {
		o = PUT(o, "    one-way: ");
		o = put_s(o, s->note);
		*o++ = '\n';
	} else if (s->asymmetric) {
		o = PUT(o, "    asymmetric: ");
		o = put_s(o, s->note);
		*o++ = '\n';
	}
	for (int k = 0; k < s->n_err; k++) {
		const struct ct_flow_err *e = &s->err[k];
		o = e->v6 ? PUT(o, "    icmp6 ") : PUT(o, "    icmp ");
		o = put_icmp_name(o, e->v6, e->type, e->code);
		if ((e->v6 && e->type == 2) || (!e->v6 && e->type == 3 && e->code == 4)) {
			o = PUT(o, " mtu ");
			o = put_u(o, e->mtu);
		}
		o = PUT(o, " from ");
		o = put_ip(o, &e->from);
		o = PUT(o, " quoting ");
		o = put_proto(o, e->quoted_proto);
		o = PUT(o, ", ");
		o = put_u(o, e->count);
		o = e->count == 1 ? PUT(o, " time") : PUT(o, " times");
		if (s->err_note[k]) {
			o = PUT(o, ": ");
			o = put_s(o, s->err_note[k]);
		}
		*o++ = '\n';
	}
	wb_end(f->w, o);
}

/* the fields of one ICMP error, after an opening brace the caller closes */
static char *json_err(char *o, const struct ct_flow_err *e, bool tunnel, const char *note)
{
	const char *n = ct_icmp_name(e->v6, e->type, e->code);
	bool mtu = (e->v6 && e->type == 2) || (!e->v6 && e->type == 3 && e->code == 4);
	o = PUT(o, "{\"family\":");
	o = e->v6 ? PUT(o, "\"icmp6\"") : PUT(o, "\"icmp\"");
	o = PUT(o, ",\"type\":");
	o = put_u(o, e->type);
	o = PUT(o, ",\"code\":");
	o = put_u(o, e->code);
	o = PUT(o, ",\"name\":");
	o = n ? put_jlit(o, n) : PUT(o, "null");
	o = PUT(o, ",\"mtu\":");
	o = mtu ? put_u(o, e->mtu) : PUT(o, "null");
	o = PUT(o, ",\"count\":");
	o = put_u(o, e->count);
	o = PUT(o, ",\"from\":");
	o = put_jip(o, &e->from);
	o = PUT(o, ",\"quoted_proto\":");
	o = put_jproto(o, e->quoted_proto);
	o = PUT(o, ",\"tunnel\":");
	o = put_jbool(o, tunnel);
	o = PUT(o, ",\"note\":");
	return note ? put_js(o, note) : PUT(o, "null");
}

static char *json_flow_dir(char *o, const struct ct_flow_sum *s, int d)
{
	o = PUT(o, "{\"packets\":");
	o = put_u(o, s->packets[d]);
	o = PUT(o, ",\"bytes\":");
	o = put_u(o, s->bytes[d]);
	o = PUT(o, ",\"encap\":");
	o = put_jlit(o, encap_name(s->encap[d]));
	o = PUT(o, ",\"outer\":");
	if (s->encap[d] == CT_ENCAP_NONE)
		return PUT(o, "null}");
	bool vx = s->encap[d] == CT_ENCAP_VXLAN;
	o = PUT(o, "{\"src\":");
	o = put_jip(o, &s->outer_src[d]);
	o = PUT(o, ",\"dst\":");
	o = put_jip(o, &s->outer_dst[d]);
	o = PUT(o, ",\"sport\":");
	o = vx ? put_u(o, s->outer_sport[d]) : PUT(o, "null");
	o = PUT(o, ",\"dport\":");
	o = vx ? put_u(o, s->outer_dport[d]) : PUT(o, "null");
	return PUT(o, "}}");
}

static char *put_jencap_seen(char *o, const struct ct_flow_dir *d)
{
	if (!d->packets)
		return PUT(o, "null");
	if (d->seen == (CT_FLOW_SEEN_ENCAP | CT_FLOW_SEEN_PLAIN))
		return PUT(o, "\"mixed\"");
	return put_jlit(o, d->seen & CT_FLOW_SEEN_ENCAP ? encap_name(d->encap) : "none");
}

static void json_flow(struct ct_pkt_fmt *f, const struct ct_flows *t, const struct ct_flow_sum *s,
		      uint64_t now_us, const struct ct_iface_ref *ifs, size_t n_ifs, bool final)
{
	char *o = wb_begin(f->w);
	bool ports = flow_has_ports(s->proto);
	o = PUT(o, "{\"type\":\"flow\",\"final\":");
	o = put_jbool(o, final);
	o = PUT(o, ",\"time\":");
	o = put_time_us_json(f, o, now_us);
	o = PUT(o, ",\"proto\":");
	o = put_jproto(o, s->proto);
	o = PUT(o, ",\"src\":");
	o = put_jip(o, &s->src);
	o = PUT(o, ",\"sport\":");
	o = ports ? put_u(o, s->sport) : PUT(o, "null");
	o = PUT(o, ",\"dst\":");
	o = put_jip(o, &s->dst);
	o = PUT(o, ",\"dport\":");
	o = ports ? put_u(o, s->dport) : PUT(o, "null");
	o = PUT(o, ",\"id\":");
	o = flow_is_echo(s->proto) && s->sport ? put_u(o, s->sport) : PUT(o, "null");
	o = PUT(o, ",\"vni\":");
	o = s->has_vni ? put_u(o, s->vni) : PUT(o, "null");
	o = PUT(o, ",\"packets\":");
	o = put_u(o, s->packets[0] + s->packets[1]);
	o = PUT(o, ",\"bytes\":");
	o = put_u(o, s->bytes[0] + s->bytes[1]);
	o = PUT(o, ",\"first\":");
	o = put_time_us_json(f, o, s->first_us);
	o = PUT(o, ",\"last\":");
	o = put_time_us_json(f, o, s->last_us);
	o = PUT(o, ",\"fwd\":");
	o = json_flow_dir(o, s, 0);
	o = PUT(o, ",\"rev\":");
	o = json_flow_dir(o, s, 1);
	o = PUT(o, ",\"multicast\":");
	o = put_jbool(o, s->multicast);
	o = PUT(o, ",\"one_way\":");
	o = put_jbool(o, s->one_way);
	o = PUT(o, ",\"asymmetric\":");
	o = put_jbool(o, s->asymmetric);
	o = PUT(o, ",\"note\":");
	o = s->note ? put_js(o, s->note) : PUT(o, "null");
	/* the most recent error, and every kind kept (most recent first) */
	o = PUT(o, ",\"icmp_error\":");
	if (s->n_err) {
		o = json_err(o, &s->err[0], s->err_tunnel[0], s->err_note[0]);
		*o++ = '}';
	} else {
		o = PUT(o, "null");
	}
	o = PUT(o, ",\"icmp_errors\":[");
	for (int k = 0; k < s->n_err; k++) {
		if (k)
			*o++ = ',';
		o = json_err(o, &s->err[k], s->err_tunnel[k], s->err_note[k]);
		*o++ = '}';
	}
	*o++ = ']';
	o = PUT(o, ",\"interfaces\":[");
	for (int i = 0; i < s->n_ent; i++) {
		const struct ct_flow *e = &t->e[s->ent[i]];
		struct ct_flow_dir fdv, rdv;
		ct_flow_ent_dir(t, s->ent[i], s->fwd, &fdv);
		ct_flow_ent_dir(t, s->ent[i], 1 - s->fwd, &rdv);
		const struct ct_flow_dir *fd = &fdv, *rd = &rdv;
		if (i)
			*o++ = ',';
		o = PUT(o, "{\"netns\":");
		bool known = e->iface < n_ifs;
		o = known && ifs[e->iface].netns ? put_js(o, ifs[e->iface].netns) : PUT(o, "null");
		o = PUT(o, ",\"iface\":");
		o = known && ifs[e->iface].name ? put_js(o, ifs[e->iface].name) : PUT(o, "null");
		o = PUT(o, ",\"fwd_packets\":");
		o = put_u(o, fd->packets);
		o = PUT(o, ",\"fwd_bytes\":");
		o = put_u(o, fd->bytes);
		o = PUT(o, ",\"fwd_encap\":");
		o = put_jencap_seen(o, fd);
		o = PUT(o, ",\"rev_packets\":");
		o = put_u(o, rd->packets);
		o = PUT(o, ",\"rev_bytes\":");
		o = put_u(o, rd->bytes);
		o = PUT(o, ",\"rev_encap\":");
		o = put_jencap_seen(o, rd);
		*o++ = '}';
	}
	o = PUT(o, "]}\n");
	wb_end(f->w, o);
}

/* An ICMP error kept by the pair it quotes, that no flow matched. */
static void orphan_err(struct ct_pkt_fmt *f, const struct ct_flow_pair *pr,
		       const struct ct_flow_err *e, uint64_t now_us, bool final)
{
	bool tunnel = e->quoted_proto == 4 || e->quoted_proto == 41;
	const char *note = ct_flow_err_note(e->v6, e->type, e->code, e->quoted_proto, tunnel);
	bool mtu = (e->v6 && e->type == 2) || (!e->v6 && e->type == 3 && e->code == 4);
	char *o = wb_begin(f->w);
	if (f->json) {
		o = PUT(o, "{\"type\":\"icmp_error\",\"final\":");
		o = put_jbool(o, final);
		o = PUT(o, ",\"time\":");
		o = put_time_us_json(f, o, now_us);
		o = PUT(o, ",\"quoted_src\":");
		o = put_jip(o, &pr->src);
		o = PUT(o, ",\"quoted_dst\":");
		o = put_jip(o, &pr->dst);
		o = PUT(o, ",\"last\":");
		o = put_time_us_json(f, o, e->last_us);
		o = PUT(o, ",\"error\":");
		o = json_err(o, e, tunnel, note);
		o = PUT(o, "}}\n");
		wb_end(f->w, o);
		return;
	}
	o = e->v6 ? PUT(o, "  icmp6 ") : PUT(o, "  icmp ");
	o = put_icmp_name(o, e->v6, e->type, e->code);
	if (mtu) {
		o = PUT(o, " mtu ");
		o = put_u(o, e->mtu);
	}
	o = PUT(o, " from ");
	o = put_ip(o, &e->from);
	o = PUT(o, " for ");
	o = put_ip(o, &pr->src);
	o = PUT(o, " > ");
	o = put_ip(o, &pr->dst);
	*o++ = ' ';
	o = put_proto(o, e->quoted_proto);
	o = PUT(o, " (no flow seen), ");
	o = put_u(o, e->count);
	o = e->count == 1 ? PUT(o, " time") : PUT(o, " times");
	if (note) {
		o = PUT(o, ": ");
		o = put_s(o, note);
	}
	*o++ = '\n';
	wb_end(f->w, o);
}

static void orphans(struct ct_pkt_fmt *f, const struct ct_flows *t, const struct ct_flows_view *v,
		    uint64_t now_us, bool final)
{
	for (size_t i = 0; i < CT_FLOWS_PAIR_SLOTS && v->orphans; i++)
		if (ct_flows_view_orphan(t, v, i))
			for (int k = 0; k < CT_FLOW_ERR_KINDS; k++)
				if (t->pairs[i].err[k].count)
					orphan_err(f, &t->pairs[i], &t->pairs[i].err[k], now_us,
						   final);
}

void ct_flows_write(struct ct_pkt_fmt *f, const struct ct_flows *t, const struct ct_flows_view *v,
		    size_t top, uint64_t now_us, const struct ct_iface_ref *ifs, size_t n_ifs,
		    bool final)
{
	size_t n = v->n;
	size_t shown = top && top < n ? top : n;
	if (shown > v->n_v)
		shown = v->n_v; /* ranked with a smaller limit */
	uint64_t one_way = v->one_way, asym = v->asymmetric, errs = v->with_errors;
	struct ct_flow_sum s;
	char *o = wb_begin(f->w);
	if (f->json) {
		o = PUT(o, "{\"type\":\"flow_stats\",\"final\":");
		o = put_jbool(o, final);
		o = PUT(o, ",\"time\":");
		o = put_time_us_json(f, o, now_us);
		o = PUT(o, ",\"flows\":");
		o = put_u(o, n);
		o = PUT(o, ",\"shown\":");
		o = put_u(o, shown);
		o = PUT(o, ",\"one_way\":");
		o = put_u(o, one_way);
		o = PUT(o, ",\"asymmetric\":");
		o = put_u(o, asym);
		o = PUT(o, ",\"with_icmp_errors\":");
		o = put_u(o, errs);
		o = PUT(o, ",\"icmp_errors\":");
		o = put_u(o, t->errors);
		o = PUT(o, ",\"orphan_icmp_errors\":");
		o = put_u(o, v->orphans);
		o = PUT(o, ",\"evicted\":");
		o = put_u(o, t->evicted);
		o = PUT(o, ",\"multicast_flows\":");
		o = put_u(o, v->multicast);
		o = PUT(o, ",\"multicast_packets\":");
		o = put_u(o, v->multicast_packets);
		o = PUT(o, ",\"link_broadcast_frames\":");
		o = put_u(o, t->l2_group);
		o = PUT(o, "}\n");
		wb_end(f->w, o);
		for (size_t i = 0; i < shown; i++) {
			ct_flow_summary(t, v->v[i].head, now_us, &s);
			json_flow(f, t, &s, now_us, ifs, n_ifs, final);
		}
		orphans(f, t, v, now_us, final);
		return;
	}
	o = final ? PUT(o, "flows (end) at ") : PUT(o, "flows at ");
	o = put_time_text(f, o, (int64_t)(now_us / 1000000), (int32_t)(now_us % 1000000));
	o = PUT(o, ": ");
	o = put_u(o, n);
	o = n == 1 ? PUT(o, " flow") : PUT(o, " flows");
	if (shown < n) {
		o = PUT(o, " (top ");
		o = put_u(o, shown);
		o = PUT(o, " by bytes)");
	}
	o = PUT(o, ", ");
	o = put_u(o, one_way);
	o = PUT(o, " one-way, ");
	o = put_u(o, asym);
	o = PUT(o, " asymmetric, ");
	o = put_u(o, errs);
	o = PUT(o, " with ICMP errors");
	if (v->orphans) {
		o = PUT(o, ", ");
		o = put_u(o, v->orphans);
		o = PUT(o, " kinds of ICMP error about traffic not seen");
	}
	if (t->evicted) {
		o = PUT(o, ", ");
		o = put_u(o, t->evicted);
		o = PUT(o, " evicted (table full at ");
		o = put_u(o, t->max);
		o = PUT(o, " entries, --max-flows)");
	}
	*o++ = '\n';
	if (v->multicast || t->l2_group) {
		/* one-way by nature: apart from the one-way count */
		o = PUT(o, "multicast/broadcast: ");
		o = put_u(o, v->multicast);
		o = v->multicast == 1 ? PUT(o, " flow, ") : PUT(o, " flows, ");
		o = put_u(o, v->multicast_packets);
		o = v->multicast_packets == 1 ? PUT(o, " packet") : PUT(o, " packets");
		o = PUT(o, " (no reply expected: not one-way)");
		if (t->l2_group) {
			o = PUT(o, "; ");
			o = put_u(o, t->l2_group);
			o = t->l2_group == 1 ? PUT(o, " link-layer broadcast frame")
					     : PUT(o, " link-layer broadcast frames");
			o = PUT(o, " without IP (ARP and the like)");
		}
		*o++ = '\n';
	}
	wb_end(f->w, o);
	for (size_t i = 0; i < shown; i++) {
		ct_flow_summary(t, v->v[i].head, now_us, &s);
		text_flow(f, t, &s, ifs, n_ifs);
	}
	orphans(f, t, v, now_us, final);
}
