/* test_mptcp_facts.c - the facts written down beside the shared captures
 * (../shared/captures/{v0,v1}/README.md and the v1 logs/) hold in our tables:
 * streams, connections, subflows, fallbacks, events, application bytes each
 * way and the kernel's tokens.  Skips when ../shared is absent. */
#include <glib.h>
#include "test_common.h"
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "table/load.h"
#include "track/tcp_tracker.h"

static char *shared_dir;

static char *capture_path(const char *rel)
{
	return g_build_filename(shared_dir, "captures", rel, NULL);
}

static struct tables *load_or_skip(const char *rel)
{
	if (!shared_dir) {
		g_test_skip("../shared is absent");
		return NULL;
	}
	char *path = capture_path(rel);
	GError *err = NULL;
	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_nonnull(t);
	g_free(path);
	return t;
}

struct counts {
	guint tcp, mptcp, subflows, plain, fallback;
};

static struct counts count(const struct tables *t)
{
	struct counts c = { t->tcp->len, t->mptcp->len, 0, 0, 0 };
	for (guint i = 0; i < t->tcp->len; i++) {
		const struct tcp_conn *s = tables_tcp(t, i);
		if (s->mptcp != NO_ROW)
			c.subflows++;
		else if (s->fallback)
			c.fallback++;
		else
			c.plain++;
	}
	return c;
}

/* the README table: file, TCP streams, MPTCP conns, subflows, plain, fallback */
static const struct {
	const char *file;
	guint tcp, mptcp, subflows, plain, fallback;
} readme[] = {
	{ "v1/anyif-client.pcap", 3, 1, 3, 0, 0 },
	{ "v1/backup-client.pcap", 2, 1, 2, 0, 0 },
	{ "v1/basic-client.pcap", 2, 1, 2, 0, 0 },
	{ "v1/basic-server.pcapng", 2, 1, 2, 0, 0 },
	{ "v1/basic-client-ifaces.pcapng", 2, 1, 2, 0, 0 },
	{ "v1/bidir-server.pcap", 3, 1, 3, 0, 0 },
	{ "v1/failover-client.pcap", 2, 1, 2, 0, 0 },
	{ "v1/fastclose-client.pcap", 8, 4, 8, 0, 0 },
	{ "v1/ipv6-client.pcap", 3, 1, 3, 0, 0 },
	{ "v1/lossy-server.pcap", 3, 1, 3, 0, 0 },
	{ "v1/many-client.pcap", 142, 42, 126, 12, 4 },
	{ "v1/many-server.pcap", 142, 42, 126, 12, 4 },
	{ "v1/mpfail-client.pcap", 3, 2, 3, 0, 0 },
	{ "v0/client_2.pcap", 16, 4, 16, 0, 0 },
	{ "v0/iperf-mptcp-0-0.pcap", 4, 1, 4, 0, 0 },
	{ "v0/client_1_tcp_only.pcap", 4, 0, 0, 4, 0 },
};

static void test_readme_counts(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(readme); i++) {
		struct tables *t = load_or_skip(readme[i].file);
		if (!t)
			return;
		struct counts c = count(t);
		g_test_message("%s: %u tcp, %u mptcp, %u subflows, %u plain, %u fallback", readme[i].file,
		               c.tcp, c.mptcp, c.subflows, c.plain, c.fallback);
		g_assert_cmpuint(c.tcp, ==, readme[i].tcp);
		g_assert_cmpuint(c.mptcp, ==, readme[i].mptcp);
		g_assert_cmpuint(c.subflows, ==, readme[i].subflows);
		g_assert_cmpuint(c.plain, ==, readme[i].plain);
		g_assert_cmpuint(c.fallback, ==, readme[i].fallback);
		tables_free(t);
	}
}

/* client_2.pcap: mptcp.stream 0 = tcp.streams 0, 1, 2, 6; 456 bytes towards
 * the server and 308 towards the client; tshark's packet 887 (our frame 895:
 * the capture holds 8 non-TCP frames before it) on tcp.stream 4 repeats
 * tshark's 484 (our frame 492) on tcp.stream 3. */
static void test_client2(void)
{
	struct tables *t = load_or_skip("v0/client_2.pcap");
	if (!t)
		return;
	const struct mptcp_conn *m = tables_mptcp(t, 0);
	g_assert_cmpuint(m->version, ==, 0);
	g_assert_cmpuint(m->subflows->len, ==, 4);
	const uint32_t want[] = { 0, 1, 2, 6 };
	for (guint i = 0; i < 4; i++)
		g_assert_cmpuint(g_array_index(m->subflows, uint32_t, i), ==, want[i]);
	g_assert_cmpuint(m->dir[0].unique_bytes, ==, 456);
	g_assert_cmpuint(m->dir[1].unique_bytes, ==, 308);
	/* the first SYN was sent twice (tshark: tcp.analysis.retransmission) */
	g_assert_cmpuint(tables_tcp(t, 0)->dir[0].rtx_packets, ==, 1);
	g_assert_cmpuint(tables_tcp(t, 0)->dir[1].rtx_packets, ==, 0);
	for (guint i = 0; i < t->mptcp->len; i++)
		g_assert_cmpuint(tables_mptcp(t, i)->subflows->len, ==, 4);

	bool found = false;
	for (guint i = 0; i < t->links->len; i++) {
		const struct link *l = &g_array_index(t->links, struct link, i);
		const struct pkt *p = tables_pkt(t, l->pkt), *o = tables_pkt(t, l->orig);
		if (p->frame == 895) {
			g_assert_cmpuint(o->frame, ==, 492);
			g_assert_cmpuint(p->stream, ==, 4);
			g_assert_cmpuint(o->stream, ==, 3);
			g_assert_cmpuint(pkt_dsn(t, p), ==, pkt_dsn(t, o));
			found = true;
		}
	}
	g_assert_true(found);
	tables_free(t);
}

/* One line of a v1 log: "peer: T client 0 mptcp ADDR:PORT tx=N rx=N ... token=HEX" */
struct peer_line {
	bool client;
	char addr[64];
	guint port;
	guint64 tx, rx;
	guint32 token;
	bool has_token;
	char end[48];
};

static bool parse_peer(const char *line, struct peer_line *pl)
{
	static GRegex *re;
	if (!re)
		re = g_regex_new("peer: \\S+ (client \\d+|server) mptcp (\\S+):(\\d+) (tx|rx)=(\\d+) (tx|rx)=(\\d+)"
		                 ".* end=(\\S+)(?: token=([0-9a-f]+))?", 0, 0, NULL);
	GMatchInfo *mi;
	bool ok = g_regex_match(re, line, 0, &mi);
	if (ok) {
		char *who = g_match_info_fetch(mi, 1), *addr = g_match_info_fetch(mi, 2);
		char *port = g_match_info_fetch(mi, 3), *k1 = g_match_info_fetch(mi, 4);
		char *v1 = g_match_info_fetch(mi, 5), *v2 = g_match_info_fetch(mi, 7);
		char *end = g_match_info_fetch(mi, 8), *tok = g_match_info_fetch(mi, 9);
		pl->client = g_str_has_prefix(who, "client");
		g_strlcpy(pl->addr, addr, sizeof pl->addr);
		pl->port = (guint)g_ascii_strtoull(port, NULL, 10);
		guint64 a = g_ascii_strtoull(v1, NULL, 10), b = g_ascii_strtoull(v2, NULL, 10);
		pl->tx = strcmp(k1, "tx") == 0 ? a : b;
		pl->rx = strcmp(k1, "tx") == 0 ? b : a;
		pl->has_token = tok && *tok;
		pl->token = pl->has_token ? (guint32)g_ascii_strtoull(tok, NULL, 16) : 0;
		g_strlcpy(pl->end, end, sizeof pl->end);
		g_free(who), g_free(addr), g_free(port), g_free(k1), g_free(v1), g_free(v2);
		g_free(end), g_free(tok);
	}
	g_match_info_free(mi);
	return ok;
}

/* the connection whose initial subflow's client end is addr:port */
static const struct mptcp_conn *conn_by_client(const struct tables *t, const char *addr, guint port)
{
	uint8_t a[16] = { 0 };
	int fam = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, addr, a) != 1)
		return NULL;
	for (guint i = 0; i < t->mptcp->len; i++) {
		const struct mptcp_conn *m = tables_mptcp(t, i);
		const struct tcp_conn *c = tables_tcp(t, m->first_stream);
		int cl = c->mptcp_client;
		if (c->port[cl] == port && memcmp(c->addr[cl], a, fam == AF_INET ? 4 : 16) == 0)
			return m;
	}
	return NULL;
}

/* Application bytes each way and tokens from the peers' own reports. */
static void check_log(const char *scenario, const char *capture)
{
	struct tables *t = load_or_skip(capture);
	if (!t)
		return;
	char *log = g_build_filename(shared_dir, "captures", "v1", "logs", scenario, NULL);
	char *text = NULL;
	g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
	gchar **lines = g_strsplit(text, "\n", -1);
	guint checked = 0;
	for (gchar **l = lines; *l; l++) {
		struct peer_line pl;
		if (!parse_peer(*l, &pl))
			continue;
		const struct mptcp_conn *m = conn_by_client(t, pl.addr, pl.port);
		if (!m && strstr(capture, "many"))
			continue; /* fallback clients of the many scenario have no connection */
		g_assert_nonnull(m);
		/* After a clean close the unique DSN range is what the peers wrote.
		 * The peers' byte counts leave out the 12-byte request header the
		 * client writes before each operation (mptcp_peer.py): towards the
		 * server we see the counted bytes plus a few whole headers. */
		bool clean = strcmp(pl.end, "close") == 0 || strcmp(pl.end, "eof") == 0;
		guint64 to_server = pl.client ? pl.tx : pl.rx, to_client = pl.client ? pl.rx : pl.tx;
		if (clean) {
			guint64 seen = m->dir[0].unique_bytes;
			g_assert_cmpuint(seen, >=, to_server + 12);
			g_assert_cmpuint((seen - to_server) % 12, ==, 0);
			g_assert_cmpuint((seen - to_server) / 12, <=, 64);
			g_assert_cmpuint(m->dir[1].unique_bytes, ==, to_client);
		}
		if (pl.has_token)
			g_assert_cmphex(m->token[pl.client ? 0 : 1], ==, pl.token);
		checked++;
	}
	g_assert_cmpuint(checked, >, 0);
	g_test_message("%s: %u peer reports checked", capture, checked);
	g_strfreev(lines);
	g_free(text);
	g_free(log);
	tables_free(t);
}

static void test_log_basic(void) { check_log("basic.log", "v1/basic-client.pcap"); }
static void test_log_lossy(void) { check_log("lossy.log", "v1/lossy-server.pcap"); }
static void test_log_failover(void) { check_log("failover.log", "v1/failover-server.pcap"); }
static void test_log_backup(void) { check_log("backup.log", "v1/backup-server.pcap"); }
static void test_log_ipv6(void) { check_log("ipv6.log", "v1/ipv6-client.pcap"); }
static void test_log_bidir(void) { check_log("bidir.log", "v1/bidir-server.pcap"); }
static void test_log_anyif(void) { check_log("anyif.log", "v1/anyif-client.pcap"); }
static void test_log_many(void) { check_log("many.log", "v1/many-server.pcap"); }
static void test_log_fastclose(void) { check_log("fastclose.log", "v1/fastclose-server.pcap"); }
static void test_log_mpfail(void) { check_log("mpfail.log", "v1/mpfail-server.pcap"); }

static guint count_events(const struct tables *t, enum event_type type)
{
	guint n = 0;
	for (guint i = 0; i < t->events->len; i++)
		n += g_array_index(t->events, struct event, i).type == type;
	return n;
}

static void test_events(void)
{
	struct tables *t = load_or_skip("v1/backup-client.pcap");
	if (!t)
		return;
	g_assert_cmpuint(count_events(t, EV_MP_PRIO), ==, 2);
	const struct tcp_conn *join = tables_tcp(t, 1);
	g_assert_true(join->is_join);
	tables_free(t);

	t = load_or_skip("v1/failover-client.pcap");
	g_assert_cmpuint(count_events(t, EV_REMOVE_ADDR), ==, 1);
	tables_free(t);

	t = load_or_skip("v1/fastclose-client.pcap");
	g_assert_cmpuint(count_events(t, EV_MP_FASTCLOSE), ==, 8);
	g_assert_cmpuint(count_events(t, EV_MP_TCPRST), ==, 10);
	for (guint i = 0; i < t->mptcp->len; i++)
		g_assert_true(tables_mptcp(t, i)->fastclose);
	tables_free(t);

	t = load_or_skip("v1/mpfail-client.pcap");
	g_assert_cmpuint(count_events(t, EV_MP_FAIL), ==, 3);
	g_assert_cmpuint(count_events(t, EV_INFINITE_MAPPING), ==, 1);
	g_assert_true(tables_mptcp(t, 0)->checksum);
	tables_free(t);

	t = load_or_skip("v1/ipv6-client.pcap");
	g_assert_cmpuint(count_events(t, EV_ADD_ADDR), ==, 2);
	tables_free(t);

	t = load_or_skip("v1/bidir-client.pcap");
	guint with_port = 0;
	for (guint i = 0; i < t->events->len; i++) {
		const struct event *e = &g_array_index(t->events, struct event, i);
		if (e->type == EV_ADD_ADDR && e->port == 5300)
			with_port++;
	}
	g_assert_cmpuint(with_port, ==, 2);
	tables_free(t);
}

/* no join of a capture made by the kernel has a bad HMAC */
static void test_join_hmacs(void)
{
	const char *files[] = { "v1/basic-client.pcap", "v1/lossy-client.pcap", "v1/many-client.pcap",
	                        "v0/client_2.pcap", "v1/ipv6-server.pcap" };
	for (size_t f = 0; f < G_N_ELEMENTS(files); f++) {
		struct tables *t = load_or_skip(files[f]);
		if (!t)
			return;
		guint joins = 0;
		for (guint i = 0; i < t->tcp->len; i++) {
			const struct tcp_conn *c = tables_tcp(t, i);
			g_assert_false(c->join_hmac_bad);
			joins += c->is_join && c->mptcp != NO_ROW;
		}
		g_assert_cmpuint(count_events(t, EV_HMAC_MISMATCH), ==, 0);
		g_assert_cmpuint(joins, >, 0);
		tables_free(t);
	}
}

/* The project's own examples (examples/README.md and logs/): always there. */
static struct tables *load_example(const char *name)
{
	const char *src = test_source_root();
	char *path = g_build_filename(src, "examples", name, NULL);
	GError *err = NULL;
	struct tables *t = capture_load(path, NULL, NULL, &err);
	g_assert_no_error(err);
	g_free(path);
	return t;
}

static void test_examples(void)
{
	static const struct {
		const char *file;
		guint subflows;
		guint64 to_server, to_client;
		guint32 token_client, token_server;
		bool reinjections;
	} ex[] = {
		{ "basic-client.pcap", 2, 1500000, 1000, 0x7e987525, 0xd7ae5772, false },
		{ "basic-server.pcap", 2, 1500000, 1000, 0x7e987525, 0xd7ae5772, false },
		{ "lossy-client.pcap", 3, 1200000, 400000, 0xcff2a795, 0xc7d5a86a, true },
		{ "lossy-server.pcap", 3, 1200000, 400000, 0xcff2a795, 0xc7d5a86a, true },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ex); i++) {
		struct tables *t = load_example(ex[i].file);
		g_assert_cmpuint(t->mptcp->len, ==, 1);
		const struct mptcp_conn *m = tables_mptcp(t, 0);
		g_assert_cmpuint(m->version, ==, 1);
		g_assert_cmpuint(m->subflows->len, ==, ex[i].subflows);
		g_assert_cmpuint(m->dir[0].unique_bytes, ==, ex[i].to_server);
		g_assert_cmpuint(m->dir[1].unique_bytes, ==, ex[i].to_client);
		g_assert_cmphex(m->token[0], ==, ex[i].token_client);
		g_assert_cmphex(m->token[1], ==, ex[i].token_server);
		g_assert_true(m->dir[0].data_fin && m->dir[1].data_fin);
		g_assert_cmpuint(m->dir[0].reinjections > 0, ==, ex[i].reinjections);
		/* every data packet has a DSN, and bytes on subflows = unique + reinjected
		 * + retransmitted on the same subflow */
		guint64 data = 0;
		for (uint32_t r = 0; r < t->packets->len; r++) {
			const struct pkt *p = tables_pkt(t, r);
			if (pkt_tcplen(t, p)) {
				g_assert_true(p->marks & PF_HAS_DSN);
				data += pkt_tcplen(t, p);
			}
		}
		g_assert_cmpuint(data, ==, m->dir[0].bytes + m->dir[1].bytes);
		/* basic: no loss, so no TCP retransmission (a SYN is not one) */
		for (guint s = 0; !ex[i].reinjections && s < t->tcp->len; s++)
			for (int d = 0; d < 2; d++)
				g_assert_cmpuint(tables_tcp(t, s)->dir[d].rtx_packets, ==, 0);
		tables_free(t);
	}
}

/* client_2: two joins never complete (a SYN never answered, a SYN/ACK too
 * late); server_2: the packets of a join seen before its SYN form a
 * connection of their own whose handshake is not in the capture (tshark
 * numbers it the same way). */
static void test_failed_and_partial(void)
{
	struct tables *t = load_or_skip("v0/client_2.pcap");
	if (!t)
		return;
	guint failed = 0;
	for (guint i = 0; i < t->tcp->len; i++)
		failed += tables_tcp(t, i)->sf_state == SF_FAILED_JOIN;
	g_assert_cmpuint(failed, ==, 2);
	g_assert_cmpuint(tables_tcp(t, 6)->sf_state, ==, SF_FAILED_JOIN);
	g_assert_cmpuint(tables_tcp(t, 7)->sf_state, ==, SF_FAILED_JOIN);
	g_assert_cmpuint(count_events(t, EV_JOIN_FAILED), ==, 2);
	tables_free(t);

	t = load_or_skip("v0/server_2.pcap");
	g_assert_cmpuint(t->mptcp->len, ==, 5);
	const struct mptcp_conn *m = tables_mptcp(t, 1);
	g_assert_true(m->partial);
	g_assert_false(m->has_key[0] || m->has_key[1]);
	g_assert_cmpuint(m->first_stream, ==, 2);
	g_assert_nonnull(tables_tcp(t, 2)->unlinked_reason);
	for (guint i = 0; i < t->mptcp->len; i++)
		g_assert_true(i == 1 || !tables_mptcp(t, i)->partial);
	tables_free(t);
}

/* A join whose HMAC does not match the keys is reported: flip one byte of
 * the MP_JOIN ACK's HMAC in a copy of an example capture. */
static void test_hmac_mismatch(void)
{
	const char *src = test_source_root();
	char *path = g_build_filename(src, "examples", "basic-client.pcap", NULL);
	char *data;
	gsize len;
	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	/* kind 30, length 24, subtype MP_JOIN: the third ACK of the join */
	const char pattern[] = { 0x1e, 0x18, 0x10 };
	char *at = memmem(data, len, pattern, sizeof pattern);
	g_assert_nonnull(at);
	at[10] ^= 0x01;
	char *tmp = NULL;
	int fd = g_file_open_tmp("hmac-XXXXXX.pcap", &tmp, NULL);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	g_assert_true(g_file_set_contents(tmp, data, (gssize)len, NULL));
	GError *err = NULL;
	struct tables *t = capture_load(tmp, NULL, NULL, &err);
	g_assert_no_error(err);
	g_assert_true(tables_tcp(t, 1)->join_hmac_bad);
	g_assert_false(tables_tcp(t, 0)->join_hmac_bad);
	g_assert_cmpuint(count_events(t, EV_HMAC_MISMATCH), ==, 1);
	tables_free(t);
	g_unlink(tmp);
	g_free(tmp);
	g_free(data);
	g_free(path);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	shared_dir = test_shared_dir();
	g_test_add_func("/facts/examples", test_examples);
	g_test_add_func("/facts/readme-counts", test_readme_counts);
	g_test_add_func("/facts/client2", test_client2);
	g_test_add_func("/facts/log/basic", test_log_basic);
	g_test_add_func("/facts/log/lossy", test_log_lossy);
	g_test_add_func("/facts/log/failover", test_log_failover);
	g_test_add_func("/facts/log/backup", test_log_backup);
	g_test_add_func("/facts/log/ipv6", test_log_ipv6);
	g_test_add_func("/facts/log/bidir", test_log_bidir);
	g_test_add_func("/facts/log/anyif", test_log_anyif);
	g_test_add_func("/facts/log/many", test_log_many);
	g_test_add_func("/facts/log/fastclose", test_log_fastclose);
	g_test_add_func("/facts/log/mpfail", test_log_mpfail);
	g_test_add_func("/facts/events", test_events);
	g_test_add_func("/facts/join-hmacs", test_join_hmacs);
	g_test_add_func("/facts/failed-and-partial", test_failed_and_partial);
	g_test_add_func("/facts/hmac-mismatch", test_hmac_mismatch);
	return g_test_run();
}
