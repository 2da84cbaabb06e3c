/* plot_internal.h - helpers shared by the plot type implementations (not part
 * of the public API): a tiny argument parser, stream lookup, the subflow
 * colours and legends, titles and packet filters. */
#ifndef MPTCPA_PLOT_INTERNAL_H
#define MPTCPA_PLOT_INTERNAL_H

#include "plot/plot.h"

/* ------------------------------------------------------------------ arguments */

enum plot_arg_kind { PA_FLAG, PA_STRING, PA_DOUBLE };

struct plot_arg {
	const char *name;          /* "--dest" */
	enum plot_arg_kind kind;
	void *dest;                /* bool *, const char **, double * */
};

/* Parses argv: options of `opts` anywhere, the other words into `positional`
 * (borrowed pointers).  Fails (message names the plot type and its usage) on
 * an unknown option, a missing option value, or a positional count outside
 * [min_pos, max_pos] (max_pos < 0: no limit). */
bool plot_args_parse(const struct plot_type *pt, int argc, char **argv, const struct plot_arg *opts,
                     size_t n_opts, GPtrArray *positional, guint min_pos, int max_pos, GError **err);

/* "Server" -> 0 (data sent by the client), "Client" -> 1; case-insensitive */
bool plot_arg_dest(const struct plot_type *pt, const char *s, int *mdir, GError **err);
const char *plot_dest_name(int mdir);

/* a stream number that exists in the capture */
bool plot_arg_mptcp(const struct plot_type *pt, const struct tables *t, const char *arg,
                    const struct mptcp_conn **out, GError **err);
bool plot_arg_tcp(const struct plot_type *pt, const struct tables *t, const char *arg,
                  const struct tcp_conn **out, GError **err);
/* a strictly positive number of seconds */
bool plot_arg_seconds(const struct plot_type *pt, const char *name, double v, GError **err);

/* ------------------------------------------------------------------ packets */

/* seconds since the capture's first frame */
static inline double plot_time(const struct tables *t, const struct pkt *p)
{
	return (double)(p->ts_ns - t->first_ns) / 1e9;
}

/* a packet carrying MPTCP data: payload mapped to a DSN */
static inline bool plot_is_mptcp_data(const struct pkt *p)
{
	return pkt_has_payload(p) && (p->marks & PF_HAS_DSN);
}

/* packet rows [*first, *last] spanning every subflow of the connection (walk
 * them and keep the rows whose stream belongs to it: plot_in_conn) */
void plot_conn_rows(const struct tables *t, const struct mptcp_conn *m, uint32_t *first, uint32_t *last);
static inline bool plot_in_conn(const struct tables *t, const struct pkt *p, const struct mptcp_conn *m)
{
	return tables_tcp(t, p->stream)->mptcp == m->id;
}

/* ------------------------------------------------------------------ subflows */

/* the colour of a stream: its rank in its connection's subflows (0 for plain TCP) */
int plot_subflow_rank(const struct tables *t, uint32_t stream);

/* "198.18.1.2:40000 → 198.19.0.2:5201 (addr ids 0→0)": the 4-tuple from the
 * end `tcp_dir` (index in tcp_conn.addr) to the other, with the address ids
 * of both ends for subflows of an MPTCP connection */
char *plot_flow_label(const struct tables *t, uint32_t stream, int tcp_dir);

/* TCP direction index (tcp_conn.addr) of the sender of MPTCP direction mdir */
static inline int plot_tcp_dir_of(const struct tcp_conn *c, int mdir)
{
	return c->mptcp_client ^ mdir;
}

/* Adds one series per subflow of the connection to `out` (in rank order, so
 * out[i] is subflow i) with the subflow's colour, stream, mdir and role, titled
 * "sfI: FLOW LABEL towards mdir" (suffix NULL) or "sfI SUFFIX". */
void plot_add_subflow_series(struct plot_spec *s, const struct tables *t, const struct mptcp_conn *m,
                             int mdir, const char *role, const char *suffix, enum plot_style style,
                             GPtrArray *out);

/* ------------------------------------------------------------------ titles */

/* the capture's file name without its folders */
char *plot_capture_name(const struct tables *t);
/* "lossy-client.pcap, mptcp.stream 0, towards Server\nwhat" (mdir < 0: both) */
char *plot_title_mptcp(const struct tables *t, const struct mptcp_conn *m, int mdir, const char *what);
/* "lossy-client.pcap, tcp.stream 2 (A:p → B:q), both directions\nwhat" (dir < 0: both) */
char *plot_title_tcp(const struct tables *t, const struct tcp_conn *c, int tcp_dir, const char *what);

/* plot_error: sets a usage error "TYPE: message" */
void plot_error(GError **err, const struct plot_type *pt, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* ------------------------------------------------------------------ built-in types */

extern const struct plot_type plot_type_dsn, plot_type_dss;
extern const struct plot_type plot_type_interarrival;
extern const struct plot_type plot_type_tcp_attr, plot_type_mptcp_attr;
extern const struct plot_type plot_type_tcp_tput, plot_type_mptcp_tput;
extern const struct plot_type plot_type_reinject;
extern const struct plot_type plot_type_owd, plot_type_mptcp_gput; /* plot_twocap.c */

#endif
