/* test_csv_load.c - the CSV loader rebuilds the tables of a capture from its
 * export: captures are exported with the real exporter, loaded back, and the
 * rebuilt tables are compared with the capture's (streams, connections,
 * subflow lists, packets and bytes each way, unique and reinjected bytes,
 * links), and exported again: the second export must equal the first, byte
 * for byte, for every delimiter, tshark names and the opt-in columns.
 * Malformed files are refused with the line number; cut or damaged exports
 * never crash (run under ASan).  Skips when ../shared is absent. */
#include <glib.h>
#include "test_common.h"
#include <glib/gstdio.h>
#include <string.h>
#include "capture/reader.h"
#include "decode/packet.h"
#include "export/columns.h"
#include "export/export.h"
#include "table/csv_load.h"
#include "table/load.h"

static char *shared_dir;
static char *tmp_dir;

static char *tmp_path(const char *name)
{
	return g_build_filename(tmp_dir, name, NULL);
}

static void export_to(const struct tables *t, const char *path, const struct export_opts *o)
{
	GError *err = NULL;
	g_assert_true(export_tables(t, path, o, &err));
	g_assert_no_error(err);
}

static struct tables *csv_load_ok(const char *path)
{
	GError *err = NULL;
	struct tables *t = csv_load(path, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	return t;
}

/* ------------------------------------------------------------------ comparing */

static void assert_same_streams(const struct tables *a, const struct tables *b)
{
	g_assert_cmpuint(a->tcp->len, ==, b->tcp->len);
	for (guint i = 0; i < a->tcp->len; i++) {
		const struct tcp_conn *x = tables_tcp(a, i), *y = tables_tcp(b, i);
		g_assert_cmpuint(x->family, ==, y->family);
		g_assert_cmpmem(x->addr, sizeof x->addr, y->addr, sizeof y->addr);
		g_assert_cmpuint(x->port[0], ==, y->port[0]);
		g_assert_cmpuint(x->port[1], ==, y->port[1]);
		g_assert_cmpuint(x->client, ==, y->client);
		g_assert_cmpuint(x->n_pkts, ==, y->n_pkts);
		g_assert_cmpuint(x->first_pkt, ==, y->first_pkt);
		g_assert_cmpuint(x->last_pkt, ==, y->last_pkt);
		g_assert_cmpuint(x->mptcp, ==, y->mptcp);
		g_assert_cmpuint(x->is_join, ==, y->is_join);
		g_assert_cmpuint(x->closed, ==, y->closed);
		g_assert_cmpuint(x->sf_state, ==, y->sf_state);
		g_assert_cmpuint(x->fallback, ==, y->fallback);
		g_assert_cmpuint(x->mp_capable_syn, ==, y->mp_capable_syn);
		if (x->mptcp != NO_ROW)
			g_assert_cmpuint(x->mptcp_client, ==, y->mptcp_client);
		for (int d = 0; d < 2; d++) {
			const struct tcp_dir *p = &x->dir[d], *q = &y->dir[d];
			g_assert_cmpuint(p->packets, ==, q->packets);
			g_assert_cmpuint(p->bytes, ==, q->bytes);
			g_assert_cmpint(p->first_ns, ==, q->first_ns);
			g_assert_cmpint(p->last_ns, ==, q->last_ns);
			g_assert_cmpuint(p->unique_bytes, ==, q->unique_bytes);
			g_assert_cmpuint(p->rtx_packets, ==, q->rtx_packets);
			g_assert_cmpuint(p->rtx_bytes, ==, q->rtx_bytes);
			g_assert_cmpuint(p->syn, ==, q->syn);
			g_assert_cmpuint(p->fin, ==, q->fin);
			g_assert_cmpuint(p->rst, ==, q->rst);
		}
	}
}

static void assert_same_connections(const struct tables *a, const struct tables *b)
{
	g_assert_cmpuint(a->mptcp->len, ==, b->mptcp->len);
	for (guint i = 0; i < a->mptcp->len; i++) {
		const struct mptcp_conn *x = tables_mptcp(a, i), *y = tables_mptcp(b, i);
		g_assert_cmpmem(x->subflows->data, x->subflows->len * sizeof(uint32_t), y->subflows->data,
		                y->subflows->len * sizeof(uint32_t));
		g_assert_cmpuint(x->first_stream, ==, y->first_stream);
		g_assert_cmpuint(x->version, ==, y->version);
		g_assert_cmpuint(x->partial, ==, y->partial);
		g_assert_cmpuint(x->fastclose, ==, y->fastclose);
		g_assert_cmpuint(x->mp_fail, ==, y->mp_fail);
		g_assert_cmpuint(x->infinite_mapping, ==, y->infinite_mapping);
		g_assert_cmpuint(x->fallback, ==, y->fallback);
		g_assert_cmpint(x->first_ns, ==, y->first_ns);
		g_assert_cmpint(x->last_ns, ==, y->last_ns);
		for (int k = 0; k < 2; k++) {
			g_assert_cmpuint(x->has_key[k], ==, y->has_key[k]);
			if (!x->has_key[k])
				continue;
			g_assert_cmpuint(x->key[k], ==, y->key[k]);
			g_assert_cmpuint(x->token[k], ==, y->token[k]);
			g_assert_cmpuint(x->idsn[k], ==, y->idsn[k]);
		}
		for (int d = 0; d < 2; d++) {
			const struct mptcp_dir *p = &x->dir[d], *q = &y->dir[d];
			g_assert_cmpuint(p->bytes, ==, q->bytes);
			g_assert_cmpuint(p->unique_bytes, ==, q->unique_bytes);
			g_assert_cmpuint(p->reinjections, ==, q->reinjections);
			g_assert_cmpuint(p->reinjected_bytes, ==, q->reinjected_bytes);
			g_assert_cmpuint(p->dsn_lo, ==, q->dsn_lo);
			g_assert_cmpuint(p->dsn_hi, ==, q->dsn_hi);
			g_assert_cmpuint(p->data_fin, ==, q->data_fin);
			g_assert_cmpint(p->first_ns, ==, q->first_ns);
			g_assert_cmpint(p->last_ns, ==, q->last_ns);
		}
	}
}

/* analysis marks that a CSV can tell */
#define CSV_MARKS (PF_DIR_REV | PF_HAS_DSN | PF_HAS_DACK | PF_RETRANS | PF_REINJECTION | PF_REINJECTED | \
                   PF_OWN_MAPPING | PF_DATA_FIN | PKT_HAS_TS)

static void assert_same_packets(const struct tables *a, const struct tables *b)
{
	g_assert_cmpuint(a->packets->len, ==, b->packets->len);
	for (guint i = 0; i < a->packets->len; i++) {
		const struct pkt *x = tables_pkt(a, i), *y = tables_pkt(b, i);
		g_assert_cmpuint(x->frame, ==, y->frame);
		g_assert_cmpint(x->ts_ns, ==, y->ts_ns);
		g_assert_cmpuint(x->stream, ==, y->stream);
		g_assert_cmpuint(pkt_tcplen(a, x), ==, pkt_tcplen(b, y));
		g_assert_cmpuint(x->flags, ==, y->flags);
		if ((x->marks & CSV_MARKS) != (y->marks & CSV_MARKS))
			g_error("frame %u: marks 0x%x, rebuilt 0x%x", x->frame, x->marks & CSV_MARKS, y->marks & CSV_MARKS);
		g_assert_cmpuint(pkt_n_opts(a, x), ==, pkt_n_opts(b, y));
		g_assert_cmpuint(x->mapping, ==, y->mapping);
		if (x->marks & PF_HAS_DSN)
			g_assert_cmpuint(pkt_dsn(a, x), ==, pkt_dsn(b, y));
		if (x->marks & PF_HAS_DACK)
			g_assert_cmpuint(pkt_dack(a, x), ==, pkt_dack(b, y));
	}
	g_assert_cmpuint(a->links->len, ==, b->links->len);
	for (guint i = 0; i < a->links->len; i++) {
		const struct link *x = &g_array_index(a->links, struct link, i);
		const struct link *y = &g_array_index(b->links, struct link, i);
		g_assert_cmpuint(x->pkt, ==, y->pkt);
		g_assert_cmpuint(x->orig, ==, y->orig);
	}
}

/* two files equal, or the first differing line shown */
static void assert_same_file(const char *pa, const char *pb)
{
	gchar *a, *b;
	gsize na, nb;
	g_assert_true(g_file_get_contents(pa, &a, &na, NULL));
	g_assert_true(g_file_get_contents(pb, &b, &nb, NULL));
	if (na != nb || memcmp(a, b, na) != 0) {
		gchar **la = g_strsplit(a, "\n", -1), **lb = g_strsplit(b, "\n", -1);
		for (guint i = 0; la[i] && lb[i]; i++)
			if (strcmp(la[i], lb[i]) != 0)
				g_error("line %u differs:\n  %s\n  %s\n  (header %s)", i + 1, la[i], lb[i], la[0]);
		g_error("files differ in length");
	}
	g_free(a);
	g_free(b);
}

/* ------------------------------------------------------------------ round trips */

/* export, load, compare with the capture's tables, export again: same file */
static void round_trip(const struct tables *t, const struct export_opts *o)
{
	char *csv = tmp_path("a.csv"), *again = tmp_path("b.csv");
	export_to(t, csv, o);
	struct tables *u = csv_load_ok(csv);
	assert_same_streams(t, u);
	assert_same_connections(t, u);
	assert_same_packets(t, u);
	export_to(u, again, o);
	assert_same_file(csv, again);
	tables_free(u);
	g_unlink(csv);
	g_unlink(again);
	g_free(csv);
	g_free(again);
}

static GPtrArray *all_columns(void)
{
	size_t n;
	const struct column *c = columns_all(&n);
	GPtrArray *a = g_ptr_array_new();
	for (size_t i = 0; i < n; i++)
		g_ptr_array_add(a, (gpointer)&c[i]);
	return a;
}

static const char *const captures[] = {
	"v0/client_2.pcap", "v0/iperf-mptcp-0-0.pcap", "v0/client_1_tcp_only.pcap",
	"v1/basic-client.pcap", "v1/many-client.pcap", "v1/lossy-client.pcap", "v1/lossy-server.pcap",
	"v1/mpfail-client.pcap", "v1/fastclose-server.pcap", "v1/ipv6-client.pcap", "v1/bidir-client.pcap",
	"v1/backup-client.pcap", "v1/failover-client.pcap", "v1/anyif-server.pcap",
	"v1/basic-client-ifaces.pcapng",
};

static void test_round_trips(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	GPtrArray *every = all_columns();
	for (size_t i = 0; i < G_N_ELEMENTS(captures); i++) {
		g_test_message("%s", captures[i]);
		struct tables *t = test_load_shared(shared_dir, captures[i]);
		struct export_opts csv = { .format = EXP_CSV, .delimiter = ',', .tshark_names = false, .columns = NULL };
		round_trip(t, &csv);
		struct export_opts raw = { .format = EXP_CSV, .delimiter = ',', .tshark_names = false, .columns = every };
		round_trip(t, &raw);
		tables_free(t);
	}
	g_ptr_array_unref(every);
}

static void test_delimiters(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	struct tables *t = test_load_shared(shared_dir, "v1/lossy-client.pcap");
	struct export_opts opts[] = {
		{ .format = EXP_CSV, .delimiter = '|', .tshark_names = false, .columns = NULL }, { .format = EXP_CSV, .delimiter = ';', .tshark_names = false, .columns = NULL }, { .format = EXP_TSV, .delimiter = ',', .tshark_names = false, .columns = NULL },
		{ .format = EXP_CSV, .delimiter = ',', .tshark_names = true, .columns = NULL }, { .format = EXP_TSV, .delimiter = ',', .tshark_names = true, .columns = NULL },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(opts); i++)
		round_trip(t, &opts[i]);
	tables_free(t);
}

/* the README's facts, read from the rebuilt tables */
static void test_client2_facts(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	struct tables *t = test_load_shared(shared_dir, "v0/client_2.pcap");
	char *csv = tmp_path("c2.csv");
	struct export_opts o = { .format = EXP_CSV, .delimiter = ',', .tshark_names = false, .columns = NULL };
	export_to(t, csv, &o);
	tables_free(t);
	struct tables *u = csv_load_ok(csv);
	g_assert_cmpuint(u->mptcp->len, ==, 4);
	for (guint i = 0; i < 4; i++)
		g_assert_cmpuint(tables_mptcp(u, i)->subflows->len, ==, 4);
	static const uint32_t sf0[] = { 0, 1, 2, 6 };
	const struct mptcp_conn *m = tables_mptcp(u, 0);
	g_assert_cmpmem(m->subflows->data, m->subflows->len * sizeof(uint32_t), sf0, sizeof sf0);
	g_assert_cmpuint(m->dir[1].bytes, ==, 308);
	g_assert_cmpuint(m->dir[0].bytes, ==, 456);
	g_assert_cmpuint(u->tcp->len, ==, 16);
	g_assert_cmpstr(u->path, ==, csv);
	tables_free(u);
	g_unlink(csv);
	g_free(csv);
}

/* ------------------------------------------------------------------ bad files */

/* loading `text` fails with MPTCPA_ERR_FORMAT and `why` in the message */
static void assert_bad(const char *text, gssize len, const char *why)
{
	char *path = tmp_path("bad.csv");
	test_put_file(path, text, len);
	GError *err = NULL;
	struct tables *t = csv_load(path, &err);
	g_assert_null(t);
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT);
	if (!strstr(err->message, why))
		g_error("message '%s' does not say '%s'", err->message, why);
	g_error_free(err);
	g_unlink(path);
	g_free(path);
}

#define HDR "packetid,tcpstream,ipsrc,ipdst,sport,dport,tcplen,mptcpstream\n"

static void test_malformed(void)
{
	assert_bad("", 0, "empty file");
	assert_bad("\n\n", -1, "empty file");
	assert_bad("frame,stream,len\n1,0,0\n", -1, ":1: the header has no packetid");
	assert_bad("packetid,tcplen\n1,0\n", -1, ":1: the header has no tcpstream");
	assert_bad("packetid tcpstream\n", -1, ":1: no delimiter");
	assert_bad("packetid,tcpstream,packetid\n", -1, ":1: column packetid appears twice");
	assert_bad("frame.number,tcp.stream,packetid\n", -1, ":1: column packetid appears twice");
	assert_bad(HDR, -1, "no packet row");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,\n2,0,10.0.0.2,10.0.0.1,2,1,x10,\n", -1,
	           ":3: bad tcplen value 'x10'");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0\n", -1, ":2: 7 values, the header has 8");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,,\n", -1, ":2: 9 values, the header has 8");
	assert_bad(HDR "1,0,\"10.0.0.1,10.0.0.2,1,2,0,\n", -1, ":2: unterminated quoted value");
	assert_bad(HDR "1,0,\"10.0.0.1\"x,10.0.0.2,1,2,0,\n", -1, ":2: text after a closing quote");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,70000,2,0,\n", -1, ":2: bad sport value '70000'");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,99999999999999999999999,\n", -1, ":2: bad tcplen");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,-1,\n", -1, ":2: bad tcplen value '-1'");
	assert_bad(HDR "1,0,10.0.0.300,10.0.0.2,1,2,0,\n", -1, ":2: bad ipsrc value '10.0.0.300'");
	assert_bad(HDR "1,0,10.0.0.1,fd00::1,1,2,0,\n", -1, ":2: ipsrc and ipdst are not of the same IP");
	assert_bad(HDR "1,,10.0.0.1,10.0.0.2,1,2,0,\n", -1, ":2: no tcpstream value");
	assert_bad(HDR "5,0,10.0.0.1,10.0.0.2,1,2,0,\n5,0,10.0.0.1,10.0.0.2,1,2,0,\n", -1,
	           ":3: packetid 5 after 5");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,\n2,2,10.0.0.1,10.0.0.2,1,2,0,\n", -1,
	           ":3: tcpstream 2 before any packet of tcpstream 1");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,\n2,0,10.0.0.1,10.0.0.3,1,2,0,\n", -1,
	           ":3: addresses and ports are not those of tcpstream 0");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,0\n2,0,10.0.0.2,10.0.0.1,2,1,0,1\n", -1,
	           ":3: mptcpstream 1, but tcpstream 0 belongs to mptcpstream 0");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,7\n", -1, ":2: mptcpstream 7 with only 0 rows");
	assert_bad(HDR "1,0,10.0.0.1,10.0.0.2,1,2,0,0\n2,0,10.0.0.2,10.0.0.1,2,1,0,0\n"
	           "3,1,10.0.0.1,10.0.0.2,3,2,0,2\n", -1, "mptcpstream 1 has no packet");
	assert_bad("packetid,tcpstream,subtype\n1,0,\"2,2,2,2,2,2,2,2,2\"\n", -1, ":2: 9 MPTCP options");
	assert_bad("packetid,tcpstream,subtype\n1,0,\"2,,2\"\n", -1, ":2: bad subtype value '2,,2'");
	assert_bad("packetid,tcpstream,abstime\n1,0,12.5e3\n", -1, ":2: bad abstime value '12.5e3'");
	assert_bad("packetid,tcpstream,tcpdest\n1,0,Sever\n", -1, ":2: bad tcpdest value 'Sever'");
	assert_bad("packetid,tcpstream,tcpflags\n1,0,0x1000\n", -1, ":2: bad tcpflags value '0x1000'");
	assert_bad("packetid,tcpstream\n1,0\n\x01\x02\x03,0\n", -1, ":3: bad packetid value");
	/* a huge line */
	GString *big = g_string_new("packetid,tcpstream\n1,0\n2,");
	for (int i = 0; i < (1 << 20) + 10; i++)
		g_string_append_c(big, '0');
	g_string_append(big, "\n");
	assert_bad(big->str, (gssize)big->len, ":3: line longer than");
	g_string_free(big, TRUE);
	/* a NUL byte inside a value */
	static const char nul[] = "packetid,tcpstream\n1,0\n2\0,0\n";
	assert_bad(nul, sizeof nul - 1, ":3: bad packetid value");
	/* missing file */
	char *none = tmp_path("none.csv");
	GError *err = NULL;
	g_assert_null(csv_load(none, &err));
	g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN);
	g_clear_error(&err);
	g_free(none);
}

/* minimal CSVs that are fine: quoting, CRLF, BOM, blank lines, few columns */
static void test_minimal(void)
{
	char *path = tmp_path("ok.csv");
	static const char text[] = "\xef\xbb\xbfpacketid;tcpstream;\"tcplen\";unknown_column\r\n"
	                           "3;0;\"10\";\"a;b\"\r\n\r\n"
	                           "4;0;5;x\r\n"
	                           "9;1;\"\";\"\"\"quoted\"\"\"\r\n";
	test_put_file(path, text, -1);
	struct tables *t = csv_load_ok(path);
	g_assert_cmpuint(t->packets->len, ==, 3);
	g_assert_cmpuint(t->tcp->len, ==, 2);
	g_assert_cmpuint(tables_tcp(t, 0)->dir[0].packets, ==, 2);
	g_assert_cmpuint(tables_tcp(t, 0)->dir[0].bytes, ==, 15);
	g_assert_cmpuint(tables_tcp(t, 1)->dir[0].bytes, ==, 0);
	g_assert_cmpuint(tables_pkt(t, 2)->frame, ==, 9);
	g_assert_cmpuint(t->stats.frames, ==, 9);
	g_assert_cmpuint(t->mptcp->len, ==, 0);
	tables_free(t);
	g_unlink(path);
	g_free(path);
}

/* a real export cut anywhere or with bytes changed: loads or is refused, never crashes */
static void test_damaged(void)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return;
	}
	struct tables *t = test_load_shared(shared_dir, "v1/mpfail-client.pcap");
	char *csv = tmp_path("good.csv"), *bad = tmp_path("damaged.csv");
	struct export_opts o = { .format = EXP_CSV, .delimiter = ',', .tshark_names = false, .columns = NULL };
	export_to(t, csv, &o);
	tables_free(t);
	gchar *data;
	gsize len;
	g_assert_true(g_file_get_contents(csv, &data, &len, NULL));
	GRand *rnd = g_rand_new_with_seed(7);
	guint loaded = 0, refused = 0;
	for (guint i = 0; i < 300; i++) {
		gchar *copy = g_memdup2(data, len);
		gsize n = len;
		if (i % 3 == 0) {
			n = (gsize)g_rand_int_range(rnd, 0, (gint32)len);
		} else {
			for (int k = 0; k < 1 + (int)(i % 5); k++) {
				gsize at = (gsize)g_rand_int_range(rnd, 0, (gint32)len);
				static const char repl[] = ",\"\n0x9-.:;|\t\r\xff";
				copy[at] = i % 2 ? (gchar)g_rand_int(rnd) : repl[g_rand_int_range(rnd, 0, sizeof repl - 1)];
			}
		}
		test_put_file(bad, copy, (gssize)n);
		GError *err = NULL;
		struct tables *u = csv_load(bad, &err);
		if (u) {
			/* what loaded is consistent enough to be exported */
			char *out = tmp_path("out.csv");
			export_to(u, out, &o);
			g_unlink(out);
			g_free(out);
			loaded++;
		} else {
			g_assert_error(err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT);
			refused++;
		}
		tables_free(u);
		g_clear_error(&err);
		g_free(copy);
	}
	g_test_message("damaged exports: %u loaded, %u refused", loaded, refused);
	g_assert_cmpuint(refused, >, 0);
	g_rand_free(rnd);
	g_free(data);
	g_unlink(csv);
	g_unlink(bad);
	g_free(csv);
	g_free(bad);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	shared_dir = test_shared_dir();
	tmp_dir = g_dir_make_tmp("test_csv_load-XXXXXX", NULL);
	g_test_add_func("/csv-load/round-trips", test_round_trips);
	g_test_add_func("/csv-load/delimiters", test_delimiters);
	g_test_add_func("/csv-load/client2-facts", test_client2_facts);
	g_test_add_func("/csv-load/malformed", test_malformed);
	g_test_add_func("/csv-load/minimal", test_minimal);
	g_test_add_func("/csv-load/damaged", test_damaged);
	int rc = g_test_run();
	g_rmdir(tmp_dir);
	g_free(tmp_dir);
	g_free(shared_dir);
	return rc;
}
