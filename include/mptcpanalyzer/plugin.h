/* mptcpanalyzer/plugin.h - the plugin ABI of mptcpanalyzer (installed header).
 *
 * A plugin is a shared object (built with `pkg-config --cflags --libs
 * mptcpanalyzer-plugin`) that exports one function:
 *
 *     int mpa_plugin_init(mpa_registry *reg, int host_api_version);
 *
 * mptcpanalyzer calls it once at start-up with the API version it provides.
 * The plugin returns MPA_PLUGIN_API_VERSION (the version of the header it
 * was built with) and, only when the two match, registers its commands and
 * plot types on `reg`.  A plugin returning another version is refused and
 * nothing it registered is kept; a negative return value means "my own set-up
 * failed" (the reason given with mpa_registry_fail()).  Start the function
 * with MPA_PLUGIN_CHECK_VERSION(host_api_version).
 *
 * Everything else is a function of the executable, found when the plugin is
 * loaded: the plugin never sees the tool's structures, only opaque handles,
 * so the internals can change without breaking it.  Rules:
 *   - strings given to the registry are copied; strings returned are owned by
 *     mptcpanalyzer and valid while the capture stays loaded;
 *   - packet rows, tcp.stream and mptcp.stream ids start at 0; an id out of
 *     range gives 0, MPA_NONE or MPA_NO_VALUE, never a crash;
 *   - times are nanoseconds since the epoch (int64_t);
 *   - a handler returns 0 on success; anything else is a failure (report it
 *     with mpa_error() first) and mptcpanalyzer goes on.
 * Adding a function keeps the version; changing or removing one bumps it. */
#ifndef MPTCPANALYZER_PLUGIN_H
#define MPTCPANALYZER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPA_PLUGIN_API_VERSION 1
#define MPA_PLUGIN_ENTRY "mpa_plugin_init"

#define MPA_NONE UINT32_MAX      /* no such row or id */
#define MPA_NO_VALUE UINT64_MAX  /* value absent (dsn of a packet without one, ...) */

#if defined(__GNUC__)
#define MPA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MPA_EXPORT __attribute__((visibility("default")))
#else
#define MPA_PRINTF(f, a)
#define MPA_EXPORT
#endif

typedef struct mpa_registry mpa_registry;   /* what mpa_plugin_init registers on */
typedef struct mpa_command mpa_command;     /* a command being declared */
typedef struct mpa_plot_type mpa_plot_type; /* a plot type being declared */
typedef struct mpa_ctx mpa_ctx;             /* the running command */
typedef struct mpa_capture mpa_capture;     /* the loaded capture (read only) */
typedef struct mpa_json mpa_json;           /* a JSON document being written */
typedef struct mpa_plot mpa_plot;           /* a plot being built */
typedef struct mpa_series mpa_series;       /* one series of a plot */

/* what an argument or an option value completes to in the interpreter */
enum mpa_complete {
	MPA_COMPLETE_NONE = 0,
	MPA_COMPLETE_FILE = 1,
	MPA_COMPLETE_TCP_STREAM = 2,   /* tcp.stream ids of the loaded capture */
	MPA_COMPLETE_MPTCP_STREAM = 3, /* mptcp.stream ids of the loaded capture */
	MPA_COMPLETE_CHOICES = 4,      /* the option's choices */
};

/* mpa_packet_marks() bits */
enum mpa_packet_mark {
	MPA_PKT_TS = 1 << 0,          /* TCP timestamps option: tsval/tsecr valid */
	MPA_PKT_DSN = 1 << 1,         /* data mapped to a DSN: mpa_packet_dsn() valid */
	MPA_PKT_DACK = 1 << 2,        /* carries a data ACK */
	MPA_PKT_RETRANS = 1 << 3,     /* TCP retransmission on its own subflow */
	MPA_PKT_REINJECTION = 1 << 4, /* data already sent on another subflow */
	MPA_PKT_REINJECTED = 1 << 5,  /* data sent again later on another subflow */
	MPA_PKT_DATA_FIN = 1 << 6,
};

/* the MPTCP destination of a packet (mpa_packet_dest) */
enum mpa_dest { MPA_TO_SERVER = 0, MPA_TO_CLIENT = 1 };

enum mpa_style { MPA_STYLE_POINTS = 0, MPA_STYLE_LINES = 1, MPA_STYLE_STEPS = 2, MPA_STYLE_IMPULSES = 3 };

/* a command: argv[0] is its name, argv[1..argc-1] its positionals; options via mpa_option() */
typedef int (*mpa_command_fn)(mpa_ctx *ctx, int argc, char **argv, void *user);
/* a plot type: argv are the words after the type name (its own options included) */
typedef int (*mpa_plot_fn)(mpa_plot *plot, const mpa_capture *cap, int argc, char **argv, void *user);

/* the entry point every plugin exports (returns MPA_PLUGIN_API_VERSION, or < 0 on failure) */
MPA_EXPORT int mpa_plugin_init(mpa_registry *reg, int host_api_version);

/* in mpa_plugin_init: registers nothing when the host speaks another version */
#define MPA_PLUGIN_CHECK_VERSION(v) \
	do { if ((v) != MPA_PLUGIN_API_VERSION) return MPA_PLUGIN_API_VERSION; } while (0)

/* ------------------------------------------------------------ registration */

/* mptcpanalyzer's version string ("0.1.0") */
const char *mpa_host_version(void);
/* declares a command (summary: one line for help; usage: "name ARGS [--opts]"); NULL on a bad name */
mpa_command *mpa_register_command(mpa_registry *reg, const char *name, const char *summary,
                                  const char *usage, mpa_command_fn run, void *user);
/* adds an alias (at most 4) */
void mpa_command_alias(mpa_command *cmd, const char *alias);
/* positional count [min_args, max_args] (max -1: any; default 0, 0) and what they complete to */
void mpa_command_args(mpa_command *cmd, int min_args, int max_args, enum mpa_complete complete);
/* adds --name (short_name or 0; metavar NULL: a flag; choices NULL-terminated or NULL) */
void mpa_command_option(mpa_command *cmd, const char *name, char short_name, const char *metavar,
                        const char *help, enum mpa_complete complete, const char *const *choices);
/* the command refuses to run without a loaded capture */
void mpa_command_needs_capture(mpa_command *cmd);
/* declares a plot type for `plot NAME ...` (usage: "name MPTCP_STREAM ..."); NULL on a bad name */
mpa_plot_type *mpa_register_plot(mpa_registry *reg, const char *name, const char *summary,
                                 const char *usage, mpa_plot_fn build, void *user);
/* records why mpa_plugin_init fails (then return a negative value) */
void mpa_registry_fail(mpa_registry *reg, const char *fmt, ...) MPA_PRINTF(2, 3);

/* ---------------------------------------------------------- running command */

/* the loaded capture, NULL when none */
const mpa_capture *mpa_ctx_capture(const mpa_ctx *ctx);
/* value of option --name: NULL when absent, "" for a set flag */
const char *mpa_option(const mpa_ctx *ctx, const char *name);
/* 1 when option --name is given */
int mpa_flag(const mpa_ctx *ctx, const char *name);
/* parses an mptcp.stream id of the loaded capture; 0 (message printed) when bad */
int mpa_arg_mptcp_stream(const mpa_ctx *ctx, const char *arg, uint32_t *id);
/* parses a tcp.stream id of the loaded capture; 0 (message printed) when bad */
int mpa_arg_tcp_stream(const mpa_ctx *ctx, const char *arg, uint32_t *id);
/* printf to the command's output (stdout) */
void mpa_print(const mpa_ctx *ctx, const char *fmt, ...) MPA_PRINTF(2, 3);
/* prints "mptcpanalyzer: COMMAND: message" on stderr; returns 1 (return it) */
int mpa_error(const mpa_ctx *ctx, const char *fmt, ...) MPA_PRINTF(2, 3);

/* ------------------------------------------------------------------- JSON */

/* starts the command's document {"command": ..., "capture": ...} */
mpa_json *mpa_json_begin(const mpa_ctx *ctx);
/* opens an object: member `name` (NULL inside an array) */
void mpa_json_object(mpa_json *j, const char *name);
/* opens an array: member `name` (NULL inside an array) */
void mpa_json_array(mpa_json *j, const char *name);
/* closes the innermost open object or array */
void mpa_json_end(mpa_json *j);
/* member `name` (NULL inside an array) = integer */
void mpa_json_int(mpa_json *j, const char *name, int64_t v);
/* member = unsigned integer (MPA_NO_VALUE: null; above INT64_MAX: a decimal string, exact) */
void mpa_json_uint(mpa_json *j, const char *name, uint64_t v);
/* member = number (NaN or infinite: null) */
void mpa_json_double(mpa_json *j, const char *name, double v);
/* member = string (NULL: null) */
void mpa_json_string(mpa_json *j, const char *name, const char *v);
/* member = true / false */
void mpa_json_bool(mpa_json *j, const char *name, int v);
/* member = null */
void mpa_json_null(mpa_json *j, const char *name);
/* closes what is open, prints the document on stdout and frees it; returns 0 */
int mpa_json_print(mpa_json *j);

/* ---------------------------------------------------------------- capture */

/* the capture's file name as given to load_pcap */
const char *mpa_capture_path(const mpa_capture *cap);
/* time of the capture's first frame (relative time 0) */
int64_t mpa_capture_start_ns(const mpa_capture *cap);
/* TCP packets: rows 0 .. count-1 in capture order */
uint32_t mpa_capture_packet_count(const mpa_capture *cap);

/* capture time of packet `row` */
int64_t mpa_packet_time_ns(const mpa_capture *cap, uint32_t row);
/* frame number in the file (1-based, every frame counted) */
uint32_t mpa_packet_frame(const mpa_capture *cap, uint32_t row);
/* tcp.stream of the packet */
uint32_t mpa_packet_stream(const mpa_capture *cap, uint32_t row);
/* 0: sent by end 0 of its stream (the sender of its first packet), 1: by end 1 */
int mpa_packet_direction(const mpa_capture *cap, uint32_t row);
/* MPTCP destination (MPA_TO_SERVER / MPA_TO_CLIENT); -1 outside an MPTCP connection */
int mpa_packet_dest(const mpa_capture *cap, uint32_t row);
/* TCP payload length */
uint32_t mpa_packet_tcplen(const mpa_capture *cap, uint32_t row);
/* raw TCP sequence number */
uint32_t mpa_packet_seq(const mpa_capture *cap, uint32_t row);
/* raw TCP acknowledgement number */
uint32_t mpa_packet_ack(const mpa_capture *cap, uint32_t row);
/* TCP flags (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...) */
unsigned mpa_packet_tcp_flags(const mpa_capture *cap, uint32_t row);
/* enum mpa_packet_mark bits */
unsigned mpa_packet_marks(const mpa_capture *cap, uint32_t row);
/* TCP timestamp value (0 without MPA_PKT_TS) */
uint32_t mpa_packet_tsval(const mpa_capture *cap, uint32_t row);
/* TCP timestamp echo reply (0 without MPA_PKT_TS) */
uint32_t mpa_packet_tsecr(const mpa_capture *cap, uint32_t row);
/* 64-bit data sequence number of the first payload byte, MPA_NO_VALUE without one */
uint64_t mpa_packet_dsn(const mpa_capture *cap, uint32_t row);
/* 64-bit data ACK, MPA_NO_VALUE without one */
uint64_t mpa_packet_dack(const mpa_capture *cap, uint32_t row);

/* number of TCP streams (tcp.stream 0 .. count-1) */
uint32_t mpa_tcp_count(const mpa_capture *cap);
/* "addr:port" of end 0 or 1 of a stream into buf; returns snprintf's length, -1 when bad */
int mpa_tcp_endpoint(const mpa_capture *cap, uint32_t stream, int end, char *buf, size_t size);
/* the end (0 or 1) that opened the stream (sent the SYN) */
int mpa_tcp_client(const mpa_capture *cap, uint32_t stream);
/* mptcp.stream the TCP stream is a subflow of, MPA_NONE for plain TCP */
uint32_t mpa_tcp_mptcp(const mpa_capture *cap, uint32_t stream);
/* row of the stream's first packet (MPA_NONE when none) */
uint32_t mpa_tcp_first_packet(const mpa_capture *cap, uint32_t stream);
/* row of the stream's last packet (MPA_NONE when none) */
uint32_t mpa_tcp_last_packet(const mpa_capture *cap, uint32_t stream);
/* TCP payload bytes sent by end 0 or 1 */
uint64_t mpa_tcp_bytes(const mpa_capture *cap, uint32_t stream, int end);

/* number of MPTCP connections (mptcp.stream 0 .. count-1) */
uint32_t mpa_mptcp_count(const mpa_capture *cap);
/* MPTCP version (0 or 1) */
int mpa_mptcp_version(const mpa_capture *cap, uint32_t id);
/* number of subflows */
uint32_t mpa_mptcp_subflow_count(const mpa_capture *cap, uint32_t id);
/* tcp.stream of subflow k (order of appearance; MPA_NONE when out of range) */
uint32_t mpa_mptcp_subflow(const mpa_capture *cap, uint32_t id, uint32_t k);
/* application bytes towards `dest` (unique DSN range) */
uint64_t mpa_mptcp_bytes(const mpa_capture *cap, uint32_t id, int dest);

/* number of MPTCP events (ADD_ADDR, MP_PRIO, MP_FAIL, ...), in capture order */
uint32_t mpa_event_count(const mpa_capture *cap);
/* time of event i */
int64_t mpa_event_time_ns(const mpa_capture *cap, uint32_t i);
/* its name: "ADD_ADDR", "REMOVE_ADDR", "MP_PRIO", "MP_FAIL", "MP_FASTCLOSE", ... */
const char *mpa_event_type(const mpa_capture *cap, uint32_t i);
/* its mptcp.stream, MPA_NONE when unknown */
uint32_t mpa_event_mptcp(const mpa_capture *cap, uint32_t i);
/* its tcp.stream */
uint32_t mpa_event_stream(const mpa_capture *cap, uint32_t i);
/* row of the packet carrying it */
uint32_t mpa_event_packet(const mpa_capture *cap, uint32_t i);
/* its value: address id (ADD_ADDR, REMOVE_ADDR), backup flag (MP_PRIO), DSN (MP_FAIL), reason (MP_TCPRST) */
uint64_t mpa_event_value(const mpa_capture *cap, uint32_t i);

/* ------------------------------------------------------------------- plots */

/* title and axis labels (copied; NULL keeps none) */
void mpa_plot_labels(mpa_plot *plot, const char *title, const char *xlabel, const char *ylabel);
/* adds a series (color: a stable index, e.g. the subflow's rank) */
mpa_series *mpa_plot_series(mpa_plot *plot, const char *title, int color, enum mpa_style style);
/* appends the point (x, y) */
void mpa_series_add(mpa_series *series, double x, double y);
/* the plot fails with "TYPE: message"; returns 1 (return it) */
int mpa_plot_error(mpa_plot *plot, const char *fmt, ...) MPA_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif

#endif
