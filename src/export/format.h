/* format.h - fast number, time and address formatting into a GString
 * (no printf per field: exporting is dominated by this). */
#ifndef MPTCPA_FORMAT_H
#define MPTCPA_FORMAT_H

#include <stdint.h>
#include <string.h>
#include <glib.h>

/* n bytes of s: a plain copy when the string has room (g_string_append
 * costs about a hundred instructions) */
static inline void fmt_bytes(GString *o, const char *s, size_t n)
{
	if (o->len + n < o->allocated_len) {
		memcpy(o->str + o->len, s, n);
		o->len += n;
		o->str[o->len] = '\0';
	} else {
		g_string_append_len(o, s, (gssize)n);
	}
}

void fmt_u64(GString *o, uint64_t v);
void fmt_i64(GString *o, int64_t v);
/* seconds with 9 decimals: "1795698132.114224000" */
void fmt_time_ns(GString *o, int64_t ns);
/* "0x0012" */
void fmt_hex16(GString *o, uint16_t v);
/* dotted IPv4 or RFC 5952 IPv6; "?" for another family (unknown) */
void fmt_addr(GString *o, uint8_t family, const uint8_t *addr);

#endif
