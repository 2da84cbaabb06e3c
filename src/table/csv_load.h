/* csv_load.h - rebuilds the tables from a CSV that mptcpexporter wrote, so
 * that `load_pcap file.csv` and the commands work on an export as on the
 * capture itself.
 *
 * Accepted: a header line of column names (short names or tshark's, any
 * order, unknown columns ignored) and one row per TCP packet in capture
 * order, one line each; the delimiter is found in the header among , | ;
 * and tab; values may be quoted ("" inside quotes is a quote).  Required columns: packetid
 * and tcpstream; the others are used when present (the default export has
 * them all).
 *
 * Rebuilt, with the same numbers as from the capture: packets (frame, time,
 * stream, direction, seq/ack, length, flags, window, timestamps, DSN, data
 * ACK, related mapping, reinjection marks), their MPTCP options as far as the
 * columns tell (subtypes, MP_CAPABLE version and keys, MP_JOIN token and
 * address id, DSS fields, ADD_ADDR/REMOVE_ADDR/MP_PRIO address ids), TCP
 * streams (addresses and ports of their first packet, client from tcpdest,
 * per-direction packets, bytes, unique and retransmitted bytes, first/last
 * time, flags seen, subflow state), MPTCP connections (subflows in order of
 * appearance, the initial one first, client from mptcpdest, keys, tokens and
 * IDSNs from the MP_CAPABLE keys, per-direction bytes, unique bytes,
 * reinjections), reinjection links, and events from the options
 * (ADD_ADDR without its address, which the CSV does not hold).
 *
 * Stored as on the wire when the CSV has it (tcpseq_raw, tcpack_raw,
 * tcpwin_raw, wscale), otherwise: sequence numbers are the relative ones
 * (base 0), the window is the scaled rwnd split into a 16-bit value and a
 * shift that give it back, and the data ACK is rebuilt as dack + the
 * receiver's IDSN (the IDSN is 0 when the keys are not in the CSV, so the
 * stored value is then the relative one).  Not in a CSV: IP ids, TCP options
 * other than timestamps, MPTCP flags (checksum, backup bits), join HMACs,
 * non-TCP frames (stats.frames is the last frame number). */
#ifndef MPTCPA_CSV_LOAD_H
#define MPTCPA_CSV_LOAD_H

#include <glib.h>
#include "table/tables.h"

/* NULL with *err (MPTCPA_ERROR) on a missing file or bad content: the message
 * names the line and what is wrong with it. */
struct tables *csv_load(const char *path, GError **err);

#endif
