/* decode.h - frame -> struct decoded: link layer, IP, TCP and its options.
 *
 * Each layer is one small function; all byte reads go through util/span.h.
 * Fields that lie inside the captured bytes are always decoded; what is cut
 * off is marked (PKT_TRUNCATED), never read. */
#ifndef MPTCPA_DECODE_H
#define MPTCPA_DECODE_H

#include "decode/packet.h"

/* true for the link types we can decode (DLT_* values from libpcap) */
bool link_type_supported(int dlt);

/* Decodes a whole frame of link type `dlt`.  The caller fills the frame
 * fields of `d` (number, time, lengths, iface) first. */
enum decode_result decode_frame(int dlt, struct span frame, struct decoded *d);

/* The layers, usable on their own (tests, fuzzers). */
enum decode_result decode_ip(struct span s, struct decoded *d);
enum decode_result decode_tcp(struct span s, uint32_t ip_payload_len, struct decoded *d);
void decode_tcp_options(struct span opts, struct decoded *d);

#endif
