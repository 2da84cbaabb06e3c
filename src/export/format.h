/* format.h - fast number, time and address formatting into a GString
 * (no printf per field: exporting is dominated by this). */
#ifndef MPTCPA_FORMAT_H
#define MPTCPA_FORMAT_H

#include <stdint.h>
#include <glib.h>

void fmt_u64(GString *o, uint64_t v);
void fmt_i64(GString *o, int64_t v);
/* seconds with 9 decimals: "1795698132.114224000" */
void fmt_time_ns(GString *o, int64_t ns);
/* "0x0012" */
void fmt_hex16(GString *o, uint16_t v);
/* dotted IPv4 or RFC 5952 IPv6; "?" for another family (unknown) */
void fmt_addr(GString *o, uint8_t family, const uint8_t *addr);

#endif
