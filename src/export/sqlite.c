/* sqlite.c - SQLite export: tables packets, tcp_connections, mptcp_connections,
 * subflows, events and capture, with indexes on the stream ids.
 *
 * packets has every default export column, typed as the column says (list
 * columns are TEXT, comma-separated; empty values are NULL).  SQLite integers
 * are signed 64-bit: an unsigned value of 2^63 or more (a raw 64-bit DSN,
 * dsnraw64 / dss_dsn / dss_rawack) is stored as its two's complement, i.e.
 * negative; compute with the relative dsn/dack columns.  Keys, IDSNs and
 * events.value (a DSN or a key for some events) are TEXT for the same reason.
 * Times are seconds since the epoch (REAL; capture.first_time is reltime 0).
 * tcp_connections: src/sport is the sender of the stream's first packet,
 * fwd_* counts src -> dst, rev_* dst -> src, client says which end opened it.
 * mptcp_connections: to_server_* is sent by the MPTCP client.
 *
 * Everything is written in one transaction through prepared statements into
 * a temporary file beside the output, renamed into place when complete. */
#include "export/export.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "capture/reader.h"
#include "export/columns.h"
#include "export/format.h"
#include "track/tcp_tracker.h"
#include "util/lazylib.h"

static const char *const state_names[] = {
	[SF_OPEN] = "open", [SF_CLOSED] = "closed", [SF_RESET] = "reset",
	[SF_FAILED_JOIN] = "failed join",
};

static const char *const event_names[] = {
	[EV_ADD_ADDR] = "ADD_ADDR", [EV_REMOVE_ADDR] = "REMOVE_ADDR", [EV_MP_PRIO] = "MP_PRIO",
	[EV_MP_FAIL] = "MP_FAIL", [EV_MP_FASTCLOSE] = "MP_FASTCLOSE", [EV_MP_TCPRST] = "MP_TCPRST",
	[EV_DATA_FIN] = "DATA_FIN", [EV_INFINITE_MAPPING] = "INFINITE_MAPPING",
	[EV_FALLBACK] = "FALLBACK", [EV_JOIN_FAILED] = "JOIN_FAILED",
	[EV_HMAC_MISMATCH] = "HMAC_MISMATCH",
};

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "?";
}

/* ------------------------------------------------------------------ schema */

static const char schema[] =
	"CREATE TABLE capture (path TEXT, link_type TEXT, dlt INTEGER, frames INTEGER,"
	" tcp_packets INTEGER, bytes INTEGER, first_time REAL, warning TEXT);\n"
	"CREATE TABLE tcp_connections (id INTEGER PRIMARY KEY, family INTEGER,"
	" src TEXT, sport INTEGER, dst TEXT, dport INTEGER, client TEXT,"
	" fwd_packets INTEGER, fwd_bytes INTEGER, fwd_unique_bytes INTEGER, fwd_rtx_packets INTEGER,"
	" fwd_first REAL, fwd_last REAL,"
	" rev_packets INTEGER, rev_bytes INTEGER, rev_unique_bytes INTEGER, rev_rtx_packets INTEGER,"
	" rev_first REAL, rev_last REAL,"
	" packets INTEGER, mptcp INTEGER, mp_capable_syn INTEGER, is_join INTEGER, fallback INTEGER,"
	" state TEXT, closed INTEGER);\n"
	"CREATE TABLE mptcp_connections (id INTEGER PRIMARY KEY, version INTEGER,"
	" client_key TEXT, server_key TEXT, client_token INTEGER, server_token INTEGER,"
	" client_idsn TEXT, server_idsn TEXT, client TEXT, client_port INTEGER,"
	" server TEXT, server_port INTEGER, first_stream INTEGER, subflows INTEGER,"
	" to_server_bytes INTEGER, to_server_unique_bytes INTEGER, to_server_reinjected_bytes INTEGER,"
	" to_server_reinjections INTEGER, to_server_data_fin INTEGER,"
	" to_client_bytes INTEGER, to_client_unique_bytes INTEGER, to_client_reinjected_bytes INTEGER,"
	" to_client_reinjections INTEGER, to_client_data_fin INTEGER,"
	" first REAL, last REAL, checksum INTEGER, fallback INTEGER, fastclose INTEGER,"
	" mp_fail INTEGER, infinite_mapping INTEGER, partial INTEGER);\n"
	"CREATE TABLE subflows (mptcp INTEGER, tcpstream INTEGER, rank INTEGER,"
	" client TEXT, client_port INTEGER, server TEXT, server_port INTEGER,"
	" client_addr_id INTEGER, server_addr_id INTEGER, is_join INTEGER, backup INTEGER,"
	" join_hmac_bad INTEGER, state TEXT);\n"
	"CREATE TABLE events (time REAL, packet INTEGER, mptcp INTEGER, tcpstream INTEGER,"
	" type TEXT, addr_id INTEGER, address TEXT, port INTEGER, value TEXT, flag INTEGER);\n";

static const char indexes[] =
	"CREATE INDEX packets_tcpstream ON packets (tcpstream);\n"
	"CREATE INDEX packets_mptcpstream ON packets (mptcpstream);\n"
	"CREATE INDEX subflows_mptcp ON subflows (mptcp);\n"
	"CREATE INDEX events_mptcp ON events (mptcp);\n";

static const char *sql_type(const struct column *c)
{
	if (c->is_list || c->type == COL_TEXT)
		return "TEXT";
	return c->type == COL_REAL ? "REAL" : "INTEGER";
}

/* "CREATE TABLE packets (...)" and "INSERT INTO packets VALUES (?, ...)" */
static void packets_sql(GPtrArray *cols, GString *create, GString *insert)
{
	g_string_assign(create, "CREATE TABLE packets (");
	g_string_assign(insert, "INSERT INTO packets VALUES (");
	for (guint i = 0; i < cols->len; i++) {
		const struct column *c = cols->pdata[i];
		g_string_append_printf(create, "%s\"%s\" %s", i ? ", " : "", c->name, sql_type(c));
		g_string_append(insert, i ? ", ?" : "?");
	}
	g_string_append(create, ")");
	g_string_append(insert, ")");
}

/* ------------------------------------------------------------------ helpers */

struct sql {
	sqlite3 *db;
	const char *path;
	GError **err;
	bool failed;
};

static bool sql_check(struct sql *s, int rc, const char *what)
{
	if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW)
		return true;
	if (!s->failed)
		g_set_error(s->err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: SQLite %s failed: %s", s->path, what,
		            s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	s->failed = true;
	return false;
}

static bool sql_exec(struct sql *s, const char *text)
{
	return !s->failed && sql_check(s, sqlite3_exec(s->db, text, NULL, NULL, NULL), "statement");
}

static sqlite3_stmt *sql_prepare(struct sql *s, const char *text)
{
	sqlite3_stmt *st = NULL;
	if (!s->failed)
		sql_check(s, sqlite3_prepare_v2(s->db, text, -1, &st, NULL), "prepare");
	return st;
}

/* a prepared "INSERT INTO table VALUES (?, ...)" of n values */
static sqlite3_stmt *sql_insert(struct sql *s, const char *table, int n)
{
	GString *q = g_string_new("INSERT INTO ");
	g_string_append_printf(q, "%s VALUES (", table);
	for (int i = 0; i < n; i++)
		g_string_append(q, i ? ", ?" : "?");
	g_string_append(q, ")");
	sqlite3_stmt *st = sql_prepare(s, q->str);
	g_string_free(q, TRUE);
	return st;
}

/* runs the bound statement and resets it for the next row */
static void sql_step(struct sql *s, sqlite3_stmt *st)
{
	if (s->failed)
		return;
	sql_check(s, sqlite3_step(st), "insert");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static double seconds(int64_t ns)
{
	return (double)ns / 1e9;
}

static void bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void bind_u64_text(sqlite3_stmt *st, int i, uint64_t v)
{
	char buf[24];
	g_snprintf(buf, sizeof buf, "%" G_GUINT64_FORMAT, v);
	bind_text(st, i, buf);
}

static void bind_addr(sqlite3_stmt *st, int i, uint8_t family, const uint8_t *addr)
{
	GString *g = g_string_sized_new(48);
	fmt_addr(g, family, addr);
	bind_text(st, i, g->str);
	g_string_free(g, TRUE);
}

/* a stream direction's first/last time, NULL without packets */
static void bind_dir_times(sqlite3_stmt *st, int i, const struct tcp_dir *d)
{
	if (d->packets) {
		sqlite3_bind_double(st, i, seconds(d->first_ns));
		sqlite3_bind_double(st, i + 1, seconds(d->last_ns));
	}
}

/* ------------------------------------------------------------------ packets */

/* the formatted value of a column, typed */
static void bind_value(sqlite3_stmt *st, int i, const struct column *c, const GString *v)
{
	if (v->len == 0)
		return; /* NULL */
	if (c->is_list || c->type == COL_TEXT) {
		sqlite3_bind_text(st, i, v->str, (int)v->len, SQLITE_STATIC);
	} else if (c->type == COL_REAL) {
		sqlite3_bind_double(st, i, g_ascii_strtod(v->str, NULL));
	} else if (v->str[0] == '-') {
		sqlite3_bind_int64(st, i, g_ascii_strtoll(v->str, NULL, 10));
	} else {
		bind_u64(st, i, g_ascii_strtoull(v->str, NULL, 10));
	}
}

static void write_packets(struct sql *s, const struct tables *t)
{
	GPtrArray *cols = columns_default();
	GString *create = g_string_new(NULL), *insert = g_string_new(NULL);
	packets_sql(cols, create, insert);
	sql_exec(s, create->str);
	sqlite3_stmt *st = sql_prepare(s, insert->str);
	/* one buffer per column: bound SQLITE_STATIC until the row is stepped */
	GString **vals = g_new(GString *, cols->len);
	for (guint i = 0; i < cols->len; i++)
		vals[i] = g_string_sized_new(32);
	GHashTable *later = t->reinjected_in ? NULL : reinjected_in_map(t);
	struct row_store store;
	row_store_init(&store);
	for (uint32_t row = t->pkt_base; st && !s->failed && row < tables_n_pkts(t); row++) {
		struct row_ctx r;
		row_ctx_init(&r, t, row, later, &store);
		for (guint i = 0; i < cols->len; i++) {
			const struct column *c = cols->pdata[i];
			g_string_truncate(vals[i], 0);
			column_append(c, &r, vals[i]);
			bind_value(st, (int)i + 1, c, vals[i]);
		}
		sql_step(s, st);
	}
	sqlite3_finalize(st);
	row_store_free(&store);
	if (later)
		g_hash_table_destroy(later);
	for (guint i = 0; i < cols->len; i++)
		g_string_free(vals[i], TRUE);
	g_free(vals);
	g_string_free(create, TRUE);
	g_string_free(insert, TRUE);
	g_ptr_array_unref(cols);
}

/* ------------------------------------------------------------------ other tables */

static void write_capture(struct sql *s, const struct tables *t)
{
	sqlite3_stmt *st = sql_insert(s, "capture", 8);
	if (!st)
		return;
	bind_text(st, 1, t->path);
	bind_text(st, 2, t->link_name);
	sqlite3_bind_int(st, 3, t->dlt);
	bind_u64(st, 4, t->stats.frames);
	bind_u64(st, 5, tables_n_pkts(t));
	bind_u64(st, 6, t->stats.bytes);
	sqlite3_bind_double(st, 7, seconds(t->first_ns));
	bind_text(st, 8, t->warning);
	sql_step(s, st);
	sqlite3_finalize(st);
}

static void bind_tcp_dir(sqlite3_stmt *st, int i, const struct tcp_dir *d)
{
	bind_u64(st, i, d->packets);
	bind_u64(st, i + 1, d->bytes);
	bind_u64(st, i + 2, d->unique_bytes);
	bind_u64(st, i + 3, d->rtx_packets);
	bind_dir_times(st, i + 4, d);
}

static void write_tcp(struct sql *s, const struct tables *t)
{
	sqlite3_stmt *st = sql_insert(s, "tcp_connections", 26);
	for (guint i = 0; st && !s->failed && i < t->tcp->len; i++) {
		const struct tcp_conn *c = tables_tcp(t, i);
		bind_u64(st, 1, c->id);
		sqlite3_bind_int(st, 2, c->family);
		bind_addr(st, 3, c->family, c->addr[0]);
		sqlite3_bind_int(st, 4, c->port[0]);
		bind_addr(st, 5, c->family, c->addr[1]);
		sqlite3_bind_int(st, 6, c->port[1]);
		bind_text(st, 7, c->client ? "dst" : "src");
		bind_tcp_dir(st, 8, &c->dir[0]);
		bind_tcp_dir(st, 14, &c->dir[1]);
		bind_u64(st, 20, c->n_pkts);
		if (c->mptcp != NO_ROW)
			bind_u64(st, 21, c->mptcp);
		sqlite3_bind_int(st, 22, c->mp_capable_syn);
		sqlite3_bind_int(st, 23, c->is_join);
		sqlite3_bind_int(st, 24, c->fallback);
		bind_text(st, 25, name_of(state_names, G_N_ELEMENTS(state_names), c->sf_state));
		sqlite3_bind_int(st, 26, c->closed);
		sql_step(s, st);
	}
	sqlite3_finalize(st);
}

static void bind_mptcp_dir(sqlite3_stmt *st, int i, const struct mptcp_dir *d)
{
	bind_u64(st, i, d->bytes);
	bind_u64(st, i + 1, d->unique_bytes);
	bind_u64(st, i + 2, d->reinjected_bytes);
	bind_u64(st, i + 3, d->reinjections);
	sqlite3_bind_int(st, i + 4, d->data_fin);
}

static void write_mptcp(struct sql *s, const struct tables *t)
{
	sqlite3_stmt *st = sql_insert(s, "mptcp_connections", 32);
	for (guint i = 0; st && !s->failed && i < t->mptcp->len; i++) {
		const struct mptcp_conn *m = tables_mptcp(t, i);
		const struct tcp_conn *c = tables_tcp(t, m->first_stream);
		int cl = c->mptcp_client;
		bind_u64(st, 1, m->id);
		sqlite3_bind_int(st, 2, m->version);
		for (int k = 0; k < 2; k++) {
			if (!m->has_key[k])
				continue;
			bind_u64_text(st, 3 + k, m->key[k]);
			bind_u64(st, 5 + k, m->token[k]);
			bind_u64_text(st, 7 + k, m->idsn[k]);
		}
		bind_addr(st, 9, c->family, c->addr[cl]);
		sqlite3_bind_int(st, 10, c->port[cl]);
		bind_addr(st, 11, c->family, c->addr[!cl]);
		sqlite3_bind_int(st, 12, c->port[!cl]);
		bind_u64(st, 13, m->first_stream);
		bind_u64(st, 14, m->subflows->len);
		bind_mptcp_dir(st, 15, &m->dir[0]);
		bind_mptcp_dir(st, 20, &m->dir[1]);
		sqlite3_bind_double(st, 25, seconds(m->first_ns));
		sqlite3_bind_double(st, 26, seconds(m->last_ns));
		sqlite3_bind_int(st, 27, m->checksum);
		sqlite3_bind_int(st, 28, m->fallback);
		sqlite3_bind_int(st, 29, m->fastclose);
		sqlite3_bind_int(st, 30, m->mp_fail);
		sqlite3_bind_int(st, 31, m->infinite_mapping);
		sqlite3_bind_int(st, 32, m->partial);
		sql_step(s, st);
	}
	sqlite3_finalize(st);
}

static void write_subflows(struct sql *s, const struct tables *t)
{
	sqlite3_stmt *st = sql_insert(s, "subflows", 13);
	for (guint i = 0; st && !s->failed && i < t->mptcp->len; i++) {
		const struct mptcp_conn *m = tables_mptcp(t, i);
		for (guint k = 0; !s->failed && k < m->subflows->len; k++) {
			const struct tcp_conn *c = tables_tcp(t, g_array_index(m->subflows, uint32_t, k));
			int cl = c->mptcp_client;
			bind_u64(st, 1, m->id);
			bind_u64(st, 2, c->id);
			bind_u64(st, 3, k);
			bind_addr(st, 4, c->family, c->addr[cl]);
			sqlite3_bind_int(st, 5, c->port[cl]);
			bind_addr(st, 6, c->family, c->addr[!cl]);
			sqlite3_bind_int(st, 7, c->port[!cl]);
			sqlite3_bind_int(st, 8, c->addr_id[cl]);
			sqlite3_bind_int(st, 9, c->addr_id[!cl]);
			sqlite3_bind_int(st, 10, c->is_join);
			sqlite3_bind_int(st, 11, c->backup);
			sqlite3_bind_int(st, 12, c->join_hmac_bad);
			bind_text(st, 13, name_of(state_names, G_N_ELEMENTS(state_names), c->sf_state));
			sql_step(s, st);
		}
	}
	sqlite3_finalize(st);
}

static void write_events(struct sql *s, const struct tables *t)
{
	sqlite3_stmt *st = sql_insert(s, "events", 10);
	for (guint i = 0; st && !s->failed && i < t->events->len; i++) {
		const struct event *e = &g_array_index(t->events, struct event, i);
		sqlite3_bind_double(st, 1, seconds(e->ts_ns));
		if (e->pkt >= t->pkt_base && e->pkt < tables_n_pkts(t))
			bind_u64(st, 2, tables_pkt(t, e->pkt)->frame);
		if (e->mptcp != NO_ROW)
			bind_u64(st, 3, e->mptcp);
		bind_u64(st, 4, e->stream);
		bind_text(st, 5, name_of(event_names, G_N_ELEMENTS(event_names), e->type));
		sqlite3_bind_int(st, 6, e->addr_id);
		if (e->family == 4 || e->family == 6)
			bind_addr(st, 7, e->family, e->addr);
		if (e->port)
			sqlite3_bind_int(st, 8, e->port);
		bind_u64_text(st, 9, e->value);
		sqlite3_bind_int(st, 10, e->flag);
		sql_step(s, st);
	}
	sqlite3_finalize(st);
}

/* ------------------------------------------------------------------ the file */

static void write_all(struct sql *s, const struct tables *t)
{
	/* a fresh temporary file: no journal needed, the rename is the commit */
	sql_exec(s, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
	sql_exec(s, schema);
	write_capture(s, t);
	write_packets(s, t);
	write_tcp(s, t);
	write_mptcp(s, t);
	write_subflows(s, t);
	write_events(s, t);
	sql_exec(s, indexes);
	sql_exec(s, "COMMIT");
}

bool export_sqlite(const struct tables *t, const char *path, GError **err)
{
	if (!lazylib_ready(&lazy_sqlite, err))
		return false;
	char *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
	int fd = g_mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: cannot write: %s", path, g_strerror(e));
		g_free(tmp);
		return false;
	}
	close(fd);
	struct sql s = { NULL, path, err, false };
	int rc = sqlite3_open_v2(tmp, &s.db, SQLITE_OPEN_READWRITE, NULL);
	if (sql_check(&s, rc, "open"))
		write_all(&s, t);
	if (s.db && sqlite3_close(s.db) != SQLITE_OK && !s.failed) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: SQLite close failed", path);
		s.failed = true;
	}
	if (!s.failed && rename(tmp, path) != 0) {
		int e = errno;
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: cannot write: %s", path, g_strerror(e));
		s.failed = true;
	}
	if (s.failed)
		unlink(tmp);
	g_free(tmp);
	return !s.failed;
}
