/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the input is a stream of netlink messages, walked with
 * NLMSG_OK / NLMSG_NEXT as a socket buffer is, each decoded with
 * ct_rtnl_decode (model/rtnl.c) and cleared. An input that starts with the
 * pcap magic is first unwrapped: the payloads of its NETLINK (253) records,
 * minus their 16-byte cooked header, become the stream, so the recordings in
 * tests/fixtures/rtnl/ seed the corpus as they are. The stream lives in a heap
 * block of exactly its length (ASan sees a read past it). Invariants: OK
 * comes with a kind, anything else leaves the message empty; a route's next
 * hops are inline (0) or an owned array of at least 2.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "model/rtnl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static void walk(const uint8_t *data, size_t size)
{
	struct ct_rtnl_msg m;
	void *buf = malloc(size ? size : 1);
	int rem = size > INT32_MAX ? INT32_MAX : (int)size;

	if (!buf)
		return;
	memcpy(buf, data, size);
	for (struct nlmsghdr *h = buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
		int r = ct_rtnl_decode(h, &m);
		CHECK(r == CT_RTNL_OK || r == CT_RTNL_SKIP || r == -EINVAL || r == -ENOMEM);
		if (r == CT_RTNL_OK) {
			CHECK(m.kind != CT_RTNL_NONE);
			if (m.kind == CT_RTNL_ROUTE) {
				const struct ct_route *rt = &m.u.route;
				CHECK((rt->nh_count == 0 && !rt->nh) || (rt->nh_count > 1 && rt->nh));
			}
		} else {
			CHECK(m.kind == CT_RTNL_NONE);
		}
		ct_rtnl_msg_clear(&m);
	}
	free(buf);
}

/* the netlink payloads of a little-endian pcap file's records, concatenated */
static void unwrap_pcap(const uint8_t *data, size_t size)
{
	uint8_t *out = malloc(size);
	size_t n = 0, off = 24;

	if (!out)
		return;
	while (off + 16 <= size) {
		uint32_t caplen;
		memcpy(&caplen, data + off + 8, sizeof(caplen));
		off += 16;
		if (caplen > size - off)
			break;
		if (caplen > 16) {
			memcpy(out + n, data + off + 16, caplen - 16);
			n += caplen - 16;
		}
		off += caplen;
	}
	walk(out, n);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t magic[4] = { 0xd4, 0xc3, 0xb2, 0xa1 };

	if (size >= 24 && memcmp(data, magic, 4) == 0)
		unwrap_pcap(data, size);
	else
		walk(data, size);
	return 0;
}
