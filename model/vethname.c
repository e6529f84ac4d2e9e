/* SPDX-License-Identifier: MIT */
/*
 * Calico's host-side veth name for a workload: the interface prefix plus the
 * first 11 hex digits of SHA-1("<namespace>.<podname>") (libcalico-go,
 * VethNameForWorkload). Calico's own test vector: default.podA -> cali7f94ce7c295.
 */
#include "model.h"
#include "pods.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define VETH_HASH_HEX 11

static bool is_alnum(unsigned char c)
{
	/* Kubernetes names are lower case; Calico hashes whatever it gets and its
	 * own test vector is "podA", so upper case is accepted too. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool ct_k8s_label_ok(const char *s, size_t len)
{
	if (len == 0 || len > 63)
		return false;
	if (!is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

bool ct_k8s_subdomain_ok(const char *s)
{
	size_t len = strnlen(s, 254);
	if (len == 0 || len > 253)
		return false;
	const char *p = s;
	for (;;) {
		const char *dot = memchr(p, '.', len - (size_t)(p - s));
		size_t l = dot ? (size_t)(dot - p) : len - (size_t)(p - s);
		if (!ct_k8s_label_ok(p, l))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

/* What the kernel's dev_valid_name() accepts, minus the length check. */
static bool ifname_part_ok(const char *s)
{
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '/' || *p == ':')
			return false;
	return true;
}

int ct_veth_name(const char *prefix, const char *pod_ns, const char *pod_name, char *out,
		 size_t outlen)
{
	if (out && outlen)
		out[0] = 0;
	if (!prefix || !pod_ns || !pod_name || !out)
		return -1;
	size_t plen = strnlen(prefix, CT_IFNAMSIZ);
	if (plen == 0 || plen + VETH_HASH_HEX > CT_IFNAMSIZ - 1 || !ifname_part_ok(prefix))
		return -1;
	if (outlen < plen + VETH_HASH_HEX + 1)
		return -1;
	/* A namespace is a label, so the '.' in "ns.pod" is unambiguous. */
	size_t nlen = strnlen(pod_ns, 64);
	if (!ct_k8s_label_ok(pod_ns, nlen) || !ct_k8s_subdomain_ok(pod_name))
		return -1;

	char in[64 + 1 + 253 + 1];
	int inlen = snprintf(in, sizeof(in), "%s.%s", pod_ns, pod_name);
	if (inlen < 0 || (size_t)inlen >= sizeof(in))
		return -1;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (EVP_Digest(in, (size_t)inlen, md, &mdlen, EVP_sha1(), NULL) != 1 || mdlen < 6)
		return -1;

	static const char hex[] = "0123456789abcdef";
	memcpy(out, prefix, plen);
	for (int i = 0; i < VETH_HASH_HEX; i++) {
		unsigned char b = md[i / 2];
		out[plen + (size_t)i] = hex[i % 2 ? b & 0xf : b >> 4];
	}
	out[plen + VETH_HASH_HEX] = 0;
	return 0;
}
