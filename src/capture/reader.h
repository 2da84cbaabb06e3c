/* reader.h - reads frames from a pcap or pcapng file with libpcap (the
 * records of a classic pcap file in this host's byte order are walked by
 * capture/pcap_walk.h, to the same frames, until one it leaves to libpcap).
 *
 * Frames come out in file order, numbered from 1 like tshark's frame.number,
 * with nanosecond timestamps whatever the file's precision.  For pcapng the
 * interface id of each frame is recovered too (libpcap does not expose it).
 * A file cut in the middle of a record ends the stream with a warning, not an
 * error: everything before the cut is delivered. */
#ifndef MPTCPA_READER_H
#define MPTCPA_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct frame {
	uint32_t number;
	int64_t ts_ns;
	uint32_t caplen, wirelen;
	uint16_t iface;
	const uint8_t *data;
};

struct capture_reader;

#define MPTCPA_ERROR mptcpa_error_quark()
GQuark mptcpa_error_quark(void);
enum mptcpa_error_code {
	MPTCPA_ERR_OPEN,      /* missing or unreadable file */
	MPTCPA_ERR_FORMAT,    /* not a capture, unsupported link type */
	MPTCPA_ERR_EMPTY,     /* no frame at all */
	MPTCPA_ERR_READ,      /* read error in the middle */
	MPTCPA_ERR_USAGE,     /* bad argument */
	MPTCPA_ERR_CACHE,     /* stale or corrupt cache */
};

struct capture_reader *reader_open(const char *path, GError **err);
void reader_close(struct capture_reader *r);

int reader_datalink(const struct capture_reader *r);
const char *reader_datalink_name(const struct capture_reader *r);
/* 1: a frame was read; 0: end of file (see reader_warning); -1: error */
int reader_next(struct capture_reader *r, struct frame *f, GError **err);
/* Reads up to `max` (> 0) frames, handing each to fn; the frame and its
 * bytes are only valid during the call.  Returns how many were read: 0 at
 * the end of the file (see reader_warning), -1 on an error (the frames
 * handed over before it stand).  Cheaper per frame than reader_next. */
typedef void (*reader_frame_fn)(const struct frame *f, void *user);
int reader_dispatch(struct capture_reader *r, int max, reader_frame_fn fn, void *user, GError **err);
/* non-NULL when the file ended early (cut in the middle of a record) */
const char *reader_warning(const struct capture_reader *r);
/* bytes of the file consumed so far and its size, for a progress bar */
uint64_t reader_offset(const struct capture_reader *r);
uint64_t reader_size(const struct capture_reader *r);

#endif
