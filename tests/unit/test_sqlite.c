/* test_sqlite.c - the SQLite export read back with the SQLite API: row counts
 * equal the tables, values are typed per column, bytes summed from the
 * packets equal each stream's and connection's counters, the README's facts
 * for client_2 hold, indexes exist, and the file appears atomically.  Skips
 * when ../shared is absent. */
#include <glib.h>
#include "test_common.h"
#include <glib/gstdio.h>
#include <string.h>
#include <sqlite3.h>
#include "capture/reader.h"
#include "export/columns.h"
#include "export/export.h"
#include "table/load.h"

static char *shared_dir;
static char *tmp_dir;

static sqlite3 *export_and_open(const struct tables *t, const char *name)
{
	char *path = g_build_filename(tmp_dir, name, NULL);
	GError *err = NULL;
	g_assert_true(export_sqlite(t, path, &err));
	g_assert_no_error(err);
	sqlite3 *db = NULL;
	g_assert_cmpint(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
	g_free(path);
	return db;
}

/* the single integer a query returns */
static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		g_error("%s: %s", sql, sqlite3_errmsg(db));
	g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
	char *v = g_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static guint total_subflows(const struct tables *t)
{
	guint n = 0;
	for (guint i = 0; i < t->mptcp->len; i++)
		n += tables_mptcp(t, i)->subflows->len;
	return n;
}

static void check_counts(sqlite3 *db, const struct tables *t)
{
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM packets"), ==, t->packets->len);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM tcp_connections"), ==, t->tcp->len);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM mptcp_connections"), ==, t->mptcp->len);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM subflows"), ==, total_subflows(t));
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM events"), ==, t->events->len);
	g_assert_cmpint(q_int(db, "SELECT frames FROM capture"), ==, t->stats.frames);
	/* one column per default export column */
	GPtrArray *cols = columns_default();
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM pragma_table_info('packets')"), ==, cols->len);
	g_ptr_array_unref(cols);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN"
	                          " ('packets_tcpstream', 'packets_mptcpstream', 'subflows_mptcp', 'events_mptcp')"),
	                ==, 4);
}

/* bytes each way of every stream, summed from the packets, equal the tables */
static void check_stream_bytes(sqlite3 *db, const struct tables *t)
{
	sqlite3_stmt *st = NULL;
	const char *sql =
		"SELECT c.id, sum(CASE WHEN p.ipsrc = c.src AND p.sport = c.sport THEN p.tcplen ELSE 0 END),"
		" sum(CASE WHEN p.ipsrc = c.src AND p.sport = c.sport THEN 0 ELSE p.tcplen END), count(*),"
		" c.fwd_bytes, c.rev_bytes, c.packets"
		" FROM packets p JOIN tcp_connections c ON p.tcpstream = c.id GROUP BY c.id ORDER BY c.id";
	g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &st, NULL), ==, SQLITE_OK);
	guint n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const struct tcp_conn *c = tables_tcp(t, (uint32_t)sqlite3_column_int64(st, 0));
		g_assert_cmpint(sqlite3_column_int64(st, 1), ==, c->dir[0].bytes);
		g_assert_cmpint(sqlite3_column_int64(st, 2), ==, c->dir[1].bytes);
		g_assert_cmpint(sqlite3_column_int64(st, 3), ==, c->n_pkts);
		g_assert_cmpint(sqlite3_column_int64(st, 4), ==, c->dir[0].bytes);
		g_assert_cmpint(sqlite3_column_int64(st, 5), ==, c->dir[1].bytes);
		g_assert_cmpint(sqlite3_column_int64(st, 6), ==, c->n_pkts);
		n++;
	}
	sqlite3_finalize(st);
	g_assert_cmpuint(n, ==, t->tcp->len);
}

/* MPTCP bytes each way, summed from the packets that carry data with a DSN */
static void check_mptcp_bytes(sqlite3 *db, const struct tables *t)
{
	for (guint i = 0; i < t->mptcp->len; i++) {
		const struct mptcp_conn *m = tables_mptcp(t, i);
		char *q = g_strdup_printf("SELECT coalesce(sum(tcplen), 0) FROM packets WHERE mptcpstream = %u"
		                          " AND dsnraw64 IS NOT NULL AND mptcpdest = 'Server'", i);
		g_assert_cmpint(q_int(db, q), ==, m->dir[0].bytes);
		g_free(q);
		q = g_strdup_printf("SELECT coalesce(sum(tcplen), 0) FROM packets WHERE mptcpstream = %u"
		                    " AND dsnraw64 IS NOT NULL AND mptcpdest = 'Client'", i);
		g_assert_cmpint(q_int(db, q), ==, m->dir[1].bytes);
		g_free(q);
		q = g_strdup_printf("SELECT to_server_bytes + 1000000 * to_client_unique_bytes"
		                    " FROM mptcp_connections WHERE id = %u", i);
		g_assert_cmpint(q_int(db, q), ==, (int64_t)(m->dir[0].bytes + 1000000 * m->dir[1].unique_bytes));
		g_free(q);
	}
}

static void test_client2(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	struct tables *t = test_load_shared(shared_dir, "v0/client_2.pcap");
	sqlite3 *db = export_and_open(t, "c2.sqlite");
	check_counts(db, t);
	check_stream_bytes(db, t);
	check_mptcp_bytes(db, t);
	/* the README: 4 connections of 4 subflows, connection 0 = streams 0,1,2,6, 308/456 bytes */
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM mptcp_connections"), ==, 4);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM mptcp_connections WHERE subflows = 4"), ==, 4);
	char *sf = q_text(db, "SELECT group_concat(tcpstream) FROM"
	                      " (SELECT tcpstream FROM subflows WHERE mptcp = 0 ORDER BY rank)");
	g_assert_cmpstr(sf, ==, "0,1,2,6");
	g_free(sf);
	g_assert_cmpint(q_int(db, "SELECT to_client_bytes FROM mptcp_connections WHERE id = 0"), ==, 308);
	g_assert_cmpint(q_int(db, "SELECT to_server_bytes FROM mptcp_connections WHERE id = 0"), ==, 456);
	g_assert_cmpint(q_int(db, "SELECT sum(tcplen) FROM packets WHERE mptcpstream = 0 AND mptcpdest = 'Client'"),
	                ==, 308);
	/* types: integers, reals, text, NULL for empty values */
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM packets WHERE typeof(packetid) <> 'integer'"
	                          " OR typeof(abstime) <> 'real' OR typeof(tcpflags) <> 'text'"
	                          " OR typeof(tcpstream) <> 'integer'"), ==, 0);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM packets WHERE reinjection_of IS NOT NULL"
	                          " AND typeof(reinjection_of) <> 'text'"), ==, 0);
	/* reinjections: one packet row per distinct reinjection of the links */
	guint reinj = 0;
	for (guint i = 0; i < t->links->len; i++)
		if (i == 0 || g_array_index(t->links, struct link, i).pkt != g_array_index(t->links, struct link, i - 1).pkt)
			reinj++;
	g_assert_cmpuint(reinj, >, 0);
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM packets WHERE reinjection_of IS NOT NULL"), ==, reinj);
	/* a 64-bit DSN keeps its bits */
	for (guint r = 0; r < t->packets->len; r++) {
		const struct pkt *p = tables_pkt(t, r);
		if (!(p->marks & PF_HAS_DSN))
			continue;
		char *q = g_strdup_printf("SELECT dsnraw64 FROM packets WHERE packetid = %u", p->frame);
		g_assert_cmpuint((uint64_t)q_int(db, q), ==, pkt_dsn(t, p));
		g_free(q);
		break;
	}
	sqlite3_close(db);
	tables_free(t);
}

static void test_many(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	static const char *caps[] = { "v1/many-client.pcap", "v1/lossy-server.pcap", "v1/ipv6-client.pcap",
	                              "v1/mpfail-server.pcap" };
	for (size_t i = 0; i < G_N_ELEMENTS(caps); i++) {
		struct tables *t = test_load_shared(shared_dir, caps[i]);
		sqlite3 *db = export_and_open(t, "many.sqlite");
		check_counts(db, t);
		check_stream_bytes(db, t);
		check_mptcp_bytes(db, t);
		/* plain TCP streams have no mptcpstream: NULL, not 0 */
		guint plain = 0;
		for (guint k = 0; k < t->tcp->len; k++)
			plain += tables_tcp(t, k)->mptcp == NO_ROW;
		g_assert_cmpint(q_int(db, "SELECT count(*) FROM tcp_connections WHERE mptcp IS NULL"), ==, plain);
		sqlite3_close(db);
		tables_free(t);
	}
}

/* exported twice to the same name: replaced, no temporary file left */
static void test_atomic(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	struct tables *t = test_load_shared(shared_dir, "v1/basic-client.pcap");
	sqlite3 *db = export_and_open(t, "same.sqlite");
	sqlite3_close(db);
	db = export_and_open(t, "same.sqlite");
	g_assert_cmpint(q_int(db, "SELECT count(*) FROM packets"), ==, t->packets->len);
	sqlite3_close(db);
	GDir *d = g_dir_open(tmp_dir, 0, NULL);
	const char *name;
	while ((name = g_dir_read_name(d)))
		g_assert_null(strstr(name, ".tmp-"));
	g_dir_close(d);
	/* an unwritable place: an error, no crash */
	char *bad = g_build_filename(tmp_dir, "no", "such", "dir", "x.sqlite", NULL);
	GError *err = NULL;
	g_assert_false(export_sqlite(t, bad, &err));
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN);
	g_clear_error(&err);
	g_free(bad);
	tables_free(t);
}

static void remove_tmp(void)
{
	test_remove_dir(tmp_dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	shared_dir = test_shared_dir();
	tmp_dir = g_dir_make_tmp("test_sqlite-XXXXXX", NULL);
	g_test_add_func("/sqlite/client2", test_client2);
	g_test_add_func("/sqlite/many", test_many);
	g_test_add_func("/sqlite/atomic", test_atomic);
	int rc = g_test_run();
	remove_tmp();
	g_free(tmp_dir);
	g_free(shared_dir);
	return rc;
}
