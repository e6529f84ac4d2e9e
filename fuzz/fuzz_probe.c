/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: `path --probe`'s matching. The first 40 bytes of the input are a probe
 * key's two IPv6 addresses (and, folded, its identifier, first sequence number, count and
 * ports); the rest is one ICMPv6 message as an ICMPv6 socket hands it over (no IPv6 header),
 * decoded with ct_probe_icmp6_decode and matched against the key in both directions, then
 * the whole input matched as a raw IPv4/IPv6 packet against an IPv4 and an IPv6 key. The
 * buffer libFuzzer hands over is exactly `size` bytes, so ASan sees any read past it.
 * Invariants: a decoded message is ICMPv6 from the given sender, an index is within the
 * key's count, a match is never claimed for a packet of other addresses, and every
 * (type, code) name is NULL or a non-empty string.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "model/pkt.h"
#include "model/probe_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static void key_from(struct ct_probe_key *k, const uint8_t *b, uint8_t proto)
{
	memset(k, 0, sizeof(*k));
	k->src.family = k->dst.family = AF_INET6;
	memcpy(k->src.a, b, 16);
	memcpy(k->dst.a, b + 16, 16);
	k->proto = proto;
	k->id = (uint16_t)(b[32] << 8 | b[33]);
	k->seq0 = (uint16_t)(b[34] << 8 | b[35]);
	k->count = (uint16_t)(1 + b[36] % 100);
	k->sport = (uint16_t)(b[37] << 8 | b[38]);
	k->dport = b[39];
}

static void match_ok(struct ct_probe_key *k, const struct ct_pkt *p)
{
	unsigned idx = 12345;
	enum ct_probe_dir d = ct_probe_match(k, p, &idx);
	CHECK(d == CT_PROBE_NONE || d == CT_PROBE_REQUEST || d == CT_PROBE_REPLY);
	CHECK(idx < k->count || (d == CT_PROBE_NONE && idx == 0) || idx == 0);
	if (d == CT_PROBE_NONE)
		return;
	const struct ct_pkt_ip *ip = ct_pkt_top_ip(p);
	CHECK(ip && ip->present);
	bool fwd = ct_ip_eq(&ip->src, &k->src) && ct_ip_eq(&ip->dst, &k->dst);
	bool back = ct_ip_eq(&ip->src, &k->dst) && ct_ip_eq(&ip->dst, &k->src);
	CHECK(fwd || back);
	if (d == CT_PROBE_REQUEST)
		CHECK(fwd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int t = 0; t < 256; t += 37)
		for (int c = 0; c < 256; c += 51) {
			const char *n6 = ct_probe_icmp_name(true, (uint8_t)t, (uint8_t)c);
			const char *n4 = ct_probe_icmp_name(false, (uint8_t)t, (uint8_t)c);
			CHECK(!n6 || n6[0]);
			CHECK(!n4 || n4[0]);
		}
	if (size < 40)
		return 0;
	static const uint8_t protos[] = {IPPROTO_ICMPV6, IPPROTO_UDP, IPPROTO_TCP};
	struct ct_probe_key k;
	struct ct_pkt p;
	const uint8_t *msg = data + 40;
	size_t len = size - 40;
	for (int dir = 0; dir < 2; dir++) {
		key_from(&k, data, protos[data[36] % 3]);
		const struct ct_ip *from = dir ? &k.dst : &k.src;
		const struct ct_ip *to = dir ? &k.src : &k.dst;
		CHECK(ct_probe_icmp6_decode(msg, len, from, to, &p) == 0);
		if (p.outer_l4.present) {
			CHECK(p.outer_l4.proto == IPPROTO_ICMPV6);
			CHECK(ct_ip_eq(&p.outer.src, from));
		}
		match_ok(&k, &p);
	}
	/* the whole input as a captured raw packet, against an IPv6 and an IPv4 key */
	struct ct_decode_opts o;
	memset(&o, 0, sizeof(o));
	ct_pkt_decode(data, (uint32_t)size, (uint32_t)size, CT_DLT_RAW, &o, &p);
	size_t off;
	if (ct_probe_payload_off(&p, CT_DLT_RAW, &off))
		CHECK(off >= 8 + 20 && (p.status != CT_PKT_OK || off <= size));
	key_from(&k, data, protos[data[37] % 3]);
	match_ok(&k, &p);
	k.src.family = k.dst.family = AF_INET;
	k.proto = k.proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : k.proto;
	match_ok(&k, &p);
	/* an IPv4 sender is refused, not decoded */
	struct ct_ip v4 = {.family = AF_INET};
	CHECK(ct_probe_icmp6_decode(msg, len, &v4, &k.dst, &p) == -1);
	return 0;
}
