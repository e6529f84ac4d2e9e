/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: model/esc.h. Any bytes through both rules: the JSON value
 * decodes back to the bytes, the decoder never overruns on any value, and the
 * text escape holds no control byte and fits the length it announced.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/esc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char *v = malloc(CT_ESC_JLIT_MAX(size) + 1), *d = malloc(size + 1);
	char *t = malloc(CT_ESC_TEXT_MAX(size) + 1);
	if (!v || !d || !t)
		goto out;
	/* JSON: encode, decode, same bytes */
	size_t vl = (size_t)(ct_esc_json_put(v, s, size) - v);
	size_t dn = 0;
	if (vl != ct_esc_json_len(s, size) || ct_esc_json_decode(d, size + 1, v, vl, &dn) ||
	    dn != size || memcmp(d, s, size) != 0)
		__builtin_trap();
	/* the input as a value: decoded or refused, never longer than it */
	if (ct_esc_json_decode(d, size + 1, s, size, &dn) == 0 && dn > size)
		__builtin_trap();
	/* text: the announced length, nothing below 0x20 and no DEL */
	size_t tl = (size_t)(ct_esc_text_put(t, s, size) - t);
	if (tl != ct_esc_text_len(s, size))
		__builtin_trap();
	for (size_t i = 0; i < tl; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f)
			__builtin_trap();
	/* bounded text: NUL-terminated within any small buffer */
	char b[16];
	ct_esc_text(b, (size % sizeof(b)) + 1, s, size);
	if (!memchr(b, 0, sizeof(b)))
		__builtin_trap();
out:
	free(v);
	free(d);
	free(t);
	return 0;
}
