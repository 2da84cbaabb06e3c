/* csv_load.c - rebuilds the tables from a CSV export (see csv_load.h).
 *
 * One pass over the rows builds the packets, their options, the streams and
 * the connections as the trackers would; a final pass settles what only the
 * whole file tells: subflow order, keys to tokens and IDSNs, data ACKs, unique
 * bytes, window shifts, subflow states.  The file is mapped and split in
 * place: nothing is allocated per row but the table rows themselves. */
#include "table/csv_load.h"
#include "track/tcp_tracker.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>
#include "capture/reader.h"
#include "export/columns.h"
#include "track/mptcp_crypto.h"
#include "track/mptcp_tracker.h"

#define MAX_LINE (1u << 20)   /* a row of the export is well under 1 KiB */
#define MAX_FIELDS 1024
#define MAX_LIST 64           /* values in one list cell */
#define MAX_OPTS 8            /* MPTCP options of one packet (40 bytes of options) */

/* ------------------------------------------------------------------ the columns used */

enum field {
	F_PACKETID, F_INTERFACE, F_ABSTIME, F_RELTIME, F_IPSRC, F_IPDST, F_SPORT, F_DPORT,
	F_TCPSTREAM, F_TCPFLAGS, F_TCPSEQ, F_TCPACK, F_TCPLEN, F_RWND, F_TSVAL, F_TSECR,
	F_MPTCPSTREAM, F_VERSION, F_SUBTYPE, F_SENDKEY, F_RECVKEY, F_RECVTOK, F_ADDRID, F_DATAFIN,
	F_DSS_DSN, F_DSS_RAWACK, F_DSS_SSN, F_DSS_LENGTH, F_DSNRAW64, F_DSN, F_DACK, F_RELATED,
	F_REINJ_OF, F_TCPDEST, F_MPTCPDEST, F_SEQ_RAW, F_ACK_RAW, F_WIN_RAW, F_WSCALE, F_DSS_FLAGS,
	N_FIELDS
};

enum kind {
	K_NUM,   /* unsigned decimal up to max */
	K_HEX,   /* 0x... or decimal, up to max */
	K_TIME,  /* seconds with up to 9 decimals */
	K_ADDR,  /* IPv4 or IPv6 address */
	K_DEST,  /* Client or Server */
	K_LIST,  /* comma-separated unsigned decimals up to max */
};

struct field_spec {
	const char *name;        /* the short name in columns.c */
	enum kind kind;
	uint64_t max;
};

static const struct field_spec specs[N_FIELDS] = {
	[F_PACKETID] = { "packetid", K_NUM, UINT32_MAX - 1 },
	[F_INTERFACE] = { "interface", K_NUM, UINT16_MAX },
	[F_ABSTIME] = { "abstime", K_TIME, 0 },
	[F_RELTIME] = { "reltime", K_TIME, 0 },
	[F_IPSRC] = { "ipsrc", K_ADDR, 0 },
	[F_IPDST] = { "ipdst", K_ADDR, 0 },
	[F_SPORT] = { "sport", K_NUM, UINT16_MAX },
	[F_DPORT] = { "dport", K_NUM, UINT16_MAX },
	[F_TCPSTREAM] = { "tcpstream", K_NUM, UINT32_MAX - 1 },
	[F_TCPFLAGS] = { "tcpflags", K_HEX, 0xfff },
	[F_TCPSEQ] = { "tcpseq", K_NUM, UINT32_MAX },
	[F_TCPACK] = { "tcpack", K_NUM, UINT32_MAX },
	[F_TCPLEN] = { "tcplen", K_NUM, UINT32_MAX },
	[F_RWND] = { "rwnd", K_NUM, UINT32_MAX },
	[F_TSVAL] = { "tcptsval", K_NUM, UINT32_MAX },
	[F_TSECR] = { "tcptsecr", K_NUM, UINT32_MAX },
	[F_MPTCPSTREAM] = { "mptcpstream", K_NUM, UINT32_MAX - 1 },
	[F_VERSION] = { "version", K_LIST, UINT8_MAX },
	[F_SUBTYPE] = { "subtype", K_LIST, UINT8_MAX },
	[F_SENDKEY] = { "sendkey", K_LIST, UINT64_MAX },
	[F_RECVKEY] = { "recvkey", K_LIST, UINT64_MAX },
	[F_RECVTOK] = { "recvtok", K_LIST, UINT32_MAX },
	[F_ADDRID] = { "addrid", K_LIST, UINT8_MAX },
	[F_DATAFIN] = { "datafin", K_NUM, 1 },
	[F_DSS_DSN] = { "dss_dsn", K_LIST, UINT64_MAX }, /* DSS mapping and MP_FAIL DSNs */
	[F_DSS_RAWACK] = { "dss_rawack", K_NUM, UINT64_MAX },
	[F_DSS_SSN] = { "dss_ssn", K_NUM, UINT32_MAX },
	[F_DSS_LENGTH] = { "dss_length", K_NUM, UINT16_MAX },
	[F_DSNRAW64] = { "dsnraw64", K_NUM, UINT64_MAX },
	[F_DSN] = { "dsn", K_NUM, UINT64_MAX },
	[F_DACK] = { "dack", K_NUM, UINT64_MAX },
	[F_RELATED] = { "related_mappings", K_LIST, UINT32_MAX - 1 },
	[F_REINJ_OF] = { "reinjection_of", K_LIST, UINT32_MAX - 1 },
	[F_TCPDEST] = { "tcpdest", K_DEST, 0 },
	[F_MPTCPDEST] = { "mptcpdest", K_DEST, 0 },
	[F_SEQ_RAW] = { "tcpseq_raw", K_NUM, UINT32_MAX },
	[F_ACK_RAW] = { "tcpack_raw", K_NUM, UINT32_MAX },
	[F_WIN_RAW] = { "tcpwin_raw", K_NUM, UINT16_MAX },
	[F_WSCALE] = { "wscale", K_NUM, 14 },
	[F_DSS_FLAGS] = { "dss_flags", K_HEX, UINT8_MAX },
};

#define DEST_SERVER 0
#define DEST_CLIENT 1

/* ------------------------------------------------------------------ loader state */

struct cell {
	size_t start, len;       /* in loader.buf */
};

/* the values of one row */
struct row {
	bool has[N_FIELDS];
	uint64_t num[N_FIELDS];  /* K_NUM, K_HEX, K_DEST */
	int64_t ns[N_FIELDS];    /* K_TIME */
	uint8_t family[N_FIELDS], addr[N_FIELDS][16]; /* K_ADDR */
	GArray *list[N_FIELDS];  /* K_LIST: uint64_t */
};

/* per TCP stream, while loading */
struct stream_x {
	uint8_t join_stage;      /* 1 SYN, 2 SYN/ACK, 3 ACK of MP_JOIN seen */
	bool synack_mpc;         /* MP_CAPABLE seen on a SYN/ACK */
	bool mptcp_client_known; /* from mptcpdest */
	uint32_t rwnd_or[2], rwnd_max[2]; /* non-SYN rwnd values, to find a window shift */
	int8_t shift[2];         /* shift found from tcpwin_raw, -1 */
};

/* per MPTCP connection, while loading */
struct conn_x {
	bool has_mpc;            /* an MP_CAPABLE was seen: keys, not partial */
	bool has_version;
	uint32_t mpc_stream;     /* the stream that carried MP_CAPABLE, NO_ROW */
};

struct range_rec {
	uint32_t key;            /* connection * 2 + MPTCP direction */
	uint64_t lo, hi;
};

struct loader {
	const char *path;
	GError **err;
	struct tables *t;
	guint line;
	char delim;
	int col_of[N_FIELDS];    /* CSV column of each field, -1 when absent */
	guint n_cols;
	GArray *cells;           /* struct cell of the current line */
	GString *buf;            /* the current line's unquoted cells, NUL-separated */
	struct row r;
	GArray *sx;              /* struct stream_x per stream */
	GArray *cx;              /* struct conn_x per connection */
	GArray *rwnd;            /* uint32_t per packet */
	GArray *ranges;          /* struct range_rec per data packet */
	/* DSN and data ACK of each packet (64-bit) until the IDSNs are known:
	 * the rows store them relative to their connection's bases at the end */
	GArray *dsn, *dack;      /* uint64_t per packet */
	bool dsn_relative;       /* no dsnraw64: dsn holds the relative DSN until the end */
	uint32_t tcplen;         /* of the row being read */
	unsigned n_opts;         /* MPTCP options of the row being read */
	struct mptcp_option opts[MAX_OPTS];
};

static bool fail(struct loader *L, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool fail(struct loader *L, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (L->line)
		g_set_error(L->err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT, "%s:%u: %s", L->path, L->line, msg);
	else
		g_set_error(L->err, MPTCPA_ERROR, MPTCPA_ERR_FORMAT, "%s: %s", L->path, msg);
	g_free(msg);
	return false;
}

static bool has(const struct loader *L, enum field f)
{
	return L->r.has[f];
}

static uint64_t num(const struct loader *L, enum field f)
{
	return L->r.num[f];
}

/* the value, 0 when the cell is empty */
static uint64_t num0(const struct loader *L, enum field f)
{
	return L->r.has[f] ? L->r.num[f] : 0;
}

static bool column(const struct loader *L, enum field f)
{
	return L->col_of[f] >= 0;
}

static struct stream_x *stream_x(struct loader *L, uint32_t stream)
{
	return &g_array_index(L->sx, struct stream_x, stream);
}

static struct conn_x *conn_x(struct loader *L, uint32_t conn)
{
	return &g_array_index(L->cx, struct conn_x, conn);
}

/* ------------------------------------------------------------------ values */

static bool parse_u64(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	if (n == 0 || n > 20)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static bool parse_hex(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	if (n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return parse_u64(s, n, max, out);
	if (n > 18)
		return false;
	uint64_t v = 0;
	for (size_t i = 2; i < n; i++) {
		int d = g_ascii_xdigit_value(s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (unsigned)d;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* "-12.345678901" -> ns; at most 9 decimals are kept */
static bool parse_time(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	bool neg = n > 0 && s[0] == '-';
	if (neg)
		i++;
	size_t int_start = i;
	int64_t sec = 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (i - int_start >= 12)
			return false; /* far beyond any capture date */
		sec = sec * 10 + (s[i] - '0');
	}
	/* seconds in ns must fit in 64 bits, with room for differences */
	if (i == int_start || sec > INT64_MAX / 2000000000)
		return false;
	int64_t frac = 0;
	int digits = 0;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (digits < 9) {
				frac = frac * 10 + (s[i] - '0');
				digits++;
			}
		}
	}
	if (i != n)
		return false;
	for (; digits < 9; digits++)
		frac *= 10;
	int64_t ns = sec * 1000000000 + frac;
	*out = neg ? -ns : ns;
	return true;
}

static bool parse_addr(const char *s, size_t n, uint8_t *family, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	if (n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, buf, addr) == 1) {
		*family = 6;
		return true;
	}
	return false;
}

static bool parse_dest(const char *s, size_t n, uint64_t *out)
{
	if (n == 6 && g_ascii_strncasecmp(s, "Client", 6) == 0)
		*out = DEST_CLIENT;
	else if (n == 6 && g_ascii_strncasecmp(s, "Server", 6) == 0)
		*out = DEST_SERVER;
	else
		return false;
	return true;
}

static bool parse_list(const char *s, size_t n, uint64_t max, GArray *out)
{
	g_array_set_size(out, 0);
	size_t i = 0;
	while (i <= n) {
		const char *comma = memchr(s + i, ',', n - i);
		size_t end = comma ? (size_t)(comma - s) : n;
		uint64_t v;
		if (out->len >= MAX_LIST || !parse_u64(s + i, end - i, max, &v))
			return false;
		g_array_append_val(out, v);
		i = end + 1;
	}
	return true;
}

/* a cell as shown in a message: cut, escaped */
static char *shown(const char *s, size_t n)
{
	char *cut = g_strndup(s, MIN(n, 40));
	char *e = g_strescape(cut, NULL);
	g_free(cut);
	return e;
}

static bool parse_value(struct loader *L, enum field f, const char *s, size_t n)
{
	struct row *r = &L->r;
	const struct field_spec *sp = &specs[f];
	bool ok = false;
	switch (sp->kind) {
	case K_NUM: ok = parse_u64(s, n, sp->max, &r->num[f]); break;
	case K_HEX: ok = parse_hex(s, n, sp->max, &r->num[f]); break;
	case K_TIME: ok = parse_time(s, n, &r->ns[f]); break;
	case K_ADDR: ok = parse_addr(s, n, &r->family[f], r->addr[f]); break;
	case K_DEST: ok = parse_dest(s, n, &r->num[f]); break;
	case K_LIST: ok = parse_list(s, n, sp->max, r->list[f]); break;
	}
	if (!ok) {
		char *v = shown(s, n);
		fail(L, "bad %s value '%s'", sp->name, v);
		g_free(v);
	}
	return ok;
}

/* ------------------------------------------------------------------ lines and cells */

static const char *cell_text(const struct loader *L, guint i)
{
	return L->buf->str + g_array_index(L->cells, struct cell, i).start;
}

static size_t cell_len(const struct loader *L, guint i)
{
	return g_array_index(L->cells, struct cell, i).len;
}

/* a quoted cell from s[*i] (the opening quote) into buf */
static bool split_quoted(struct loader *L, const char *s, size_t n, size_t *i)
{
	size_t k = *i + 1;
	for (;;) {
		if (k >= n)
			return fail(L, "unterminated quoted value");
		if (s[k] == '"') {
			if (k + 1 < n && s[k + 1] == '"') {
				g_string_append_c(L->buf, '"');
				k += 2;
				continue;
			}
			k++;
			break;
		}
		g_string_append_c(L->buf, s[k++]);
	}
	if (k < n && s[k] != L->delim)
		return fail(L, "text after a closing quote");
	*i = k;
	return true;
}

/* splits one line into cells (unquoted, each NUL-terminated in buf) */
static bool split(struct loader *L, const char *s, size_t n)
{
	g_array_set_size(L->cells, 0);
	g_string_truncate(L->buf, 0);
	size_t i = 0;
	for (;;) {
		struct cell c = { L->buf->len, 0 };
		if (i < n && s[i] == '"') {
			if (!split_quoted(L, s, n, &i))
				return false;
		} else {
			const char *d = memchr(s + i, L->delim, n - i);
			size_t end = d ? (size_t)(d - s) : n;
			g_string_append_len(L->buf, s + i, (gssize)(end - i));
			i = end;
		}
		c.len = L->buf->len - c.start;
		g_string_append_c(L->buf, '\0');
		if (L->cells->len >= MAX_FIELDS)
			return fail(L, "more than %u values", MAX_FIELDS);
		g_array_append_val(L->cells, c);
		if (i >= n)
			return true;
		i++; /* the delimiter */
	}
}

/* the candidate delimiter found most often in the header */
static char guess_delimiter(const char *s, size_t n)
{
	static const char cand[] = { ',', '\t', ';', '|' };
	size_t best = 0;
	char delim = 0;
	for (size_t k = 0; k < sizeof cand; k++) {
		size_t count = 0;
		for (size_t i = 0; i < n; i++)
			count += s[i] == cand[k];
		if (count > best) {
			best = count;
			delim = cand[k];
		}
	}
	return delim;
}

static int field_of_column(const char *name)
{
	const struct column *c = column_find(name);
	if (!c)
		return -1;
	for (int f = 0; f < N_FIELDS; f++)
		if (strcmp(specs[f].name, c->name) == 0)
			return f;
	return -1;
}

static bool read_header(struct loader *L, const char *s, size_t n)
{
	L->delim = guess_delimiter(s, n);
	if (!L->delim)
		return fail(L, "no delimiter (, | ; or tab) in the header: not a CSV export");
	if (!split(L, s, n))
		return false;
	for (int f = 0; f < N_FIELDS; f++)
		L->col_of[f] = -1;
	for (guint i = 0; i < L->cells->len; i++) {
		char *name = g_strstrip(g_strdup(cell_text(L, i)));
		int f = field_of_column(name);
		bool twice = f >= 0 && L->col_of[f] >= 0;
		if (twice)
			fail(L, "column %s appears twice in the header", name);
		g_free(name);
		if (twice)
			return false;
		if (f >= 0)
			L->col_of[f] = (int)i;
	}
	L->n_cols = L->cells->len;
	if (!column(L, F_PACKETID) || !column(L, F_TCPSTREAM))
		return fail(L, "the header has no %s column: not a CSV export of mptcpexporter",
		            column(L, F_PACKETID) ? "tcpstream (tcp.stream)" : "packetid (frame.number)");
	return true;
}

static bool read_row(struct loader *L, const char *s, size_t n)
{
	if (!split(L, s, n))
		return false;
	if (L->cells->len != L->n_cols)
		return fail(L, "%u values, the header has %u", L->cells->len, L->n_cols);
	for (int f = 0; f < N_FIELDS; f++) {
		L->r.has[f] = false;
		if (L->col_of[f] < 0)
			continue;
		guint i = (guint)L->col_of[f];
		size_t len = cell_len(L, i);
		if (len == 0)
			continue;
		if (!parse_value(L, (enum field)f, cell_text(L, i), len))
			return false;
		L->r.has[f] = true;
	}
	if (!has(L, F_PACKETID) || !has(L, F_TCPSTREAM))
		return fail(L, "no %s value", has(L, F_PACKETID) ? "tcpstream" : "packetid");
	return true;
}

/* ------------------------------------------------------------------ streams */

static bool stream_new(struct loader *L, uint32_t sid)
{
	struct tcp_conn c;
	memset(&c, 0, sizeof c);
	c.id = sid;
	c.family = 4;
	if (has(L, F_IPSRC) && has(L, F_IPDST)) {
		if (L->r.family[F_IPSRC] != L->r.family[F_IPDST])
			return fail(L, "ipsrc and ipdst are not of the same IP version");
		c.family = L->r.family[F_IPSRC];
		memcpy(c.addr[0], L->r.addr[F_IPSRC], 16);
		memcpy(c.addr[1], L->r.addr[F_IPDST], 16);
	}
	c.port[0] = (uint16_t)num0(L, F_SPORT);
	c.port[1] = (uint16_t)num0(L, F_DPORT);
	c.first_pkt = c.last_pkt = NO_ROW;
	c.mptcp = NO_ROW;
	uint16_t flags = has(L, F_TCPFLAGS) ? (uint16_t)num(L, F_TCPFLAGS) : 0;
	if (has(L, F_TCPDEST)) /* the first packet goes to the client: its sender is the server */
		c.client = num(L, F_TCPDEST) == DEST_CLIENT ? 1 : 0;
	else
		c.client = (flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK) ? 1 : 0;
	c.mptcp_client = c.client;
	c.dir[0].wscale = c.dir[1].wscale = -1;
	g_array_append_val(L->t->tcp, c);
	struct stream_x x;
	memset(&x, 0, sizeof x);
	x.shift[0] = x.shift[1] = -1;
	g_array_append_val(L->sx, x);
	return true;
}

static bool same_end(const struct tcp_conn *c, int end, const uint8_t *addr, uint64_t port)
{
	size_t alen = c->family == 4 ? 4 : 16;
	return memcmp(c->addr[end], addr, alen) == 0 && c->port[end] == port;
}

/* index of the packet's sender in the stream (0: as its first packet) */
static bool packet_dir(struct loader *L, const struct tcp_conn *c, int *dir)
{
	struct row *r = &L->r;
	if (has(L, F_IPSRC) && has(L, F_IPDST) && has(L, F_SPORT) && has(L, F_DPORT)) {
		bool fwd = r->family[F_IPSRC] == c->family && same_end(c, 0, r->addr[F_IPSRC], num(L, F_SPORT)) &&
		           same_end(c, 1, r->addr[F_IPDST], num(L, F_DPORT));
		bool rev = r->family[F_IPSRC] == c->family && same_end(c, 1, r->addr[F_IPSRC], num(L, F_SPORT)) &&
		           same_end(c, 0, r->addr[F_IPDST], num(L, F_DPORT));
		if (!fwd && !rev)
			return fail(L, "addresses and ports are not those of tcpstream %u", c->id);
		*dir = fwd ? 0 : 1;
	} else if (has(L, F_TCPDEST)) {
		/* towards the client: sent by the other end */
		*dir = num(L, F_TCPDEST) == DEST_CLIENT ? !c->client : c->client;
	} else {
		*dir = 0;
	}
	return true;
}


/* seq/ack as on the wire when the CSV has them, else the relative ones (base 0) */
static void packet_seq(struct loader *L, struct tcp_dir *td, struct pkt *p)
{
	bool syn = p->flags & TCPF_SYN;
	bool raw = has(L, F_SEQ_RAW), rel = has(L, F_TCPSEQ);
	p->seq = (uint32_t)(raw ? num(L, F_SEQ_RAW) : rel ? num(L, F_TCPSEQ) : 0);
	p->ack = (uint32_t)(has(L, F_ACK_RAW) ? num(L, F_ACK_RAW) : has(L, F_TCPACK) ? num(L, F_TCPACK) : 0);
	if (!td->has_base) {
		td->has_base = true;
		if (raw && rel)
			td->base_seq = p->seq - (uint32_t)num(L, F_TCPSEQ);
		else if (raw)
			td->base_seq = syn ? p->seq : p->seq - 1;
		td->next_seq = p->seq; /* tcp_dir_account advances it past a SYN */
	} else if (raw && !rel && syn && !td->syn) {
		td->base_seq = p->seq; /* a late SYN/ACK defines the base, as in the tracker */
	}
}

/* window: raw when given; otherwise the rwnd is kept for the final pass */
static void packet_window(struct loader *L, struct tcp_conn *c, int dir, struct pkt *p)
{
	struct stream_x *x = stream_x(L, c->id);
	struct tcp_dir *td = &c->dir[dir];
	uint32_t rwnd = (uint32_t)(has(L, F_RWND) ? num(L, F_RWND) : 0);
	bool syn = p->flags & TCPF_SYN;
	g_array_append_val(L->rwnd, rwnd);
	if (has(L, F_WIN_RAW)) {
		p->win = (uint16_t)num(L, F_WIN_RAW);
		for (int k = 0; !syn && x->shift[dir] < 0 && p->win && k <= 14; k++)
			if (((uint32_t)p->win << k) == rwnd)
				x->shift[dir] = (int8_t)k;
	}
	if (!syn) {
		x->rwnd_or[dir] |= rwnd;
		x->rwnd_max[dir] = MAX(x->rwnd_max[dir], rwnd);
	} else if (column(L, F_WSCALE) && !td->seen_wscale) {
		td->seen_wscale = true;
		td->wscale = has(L, F_WSCALE) ? (int8_t)num(L, F_WSCALE) : -2;
	}
	if (has(L, F_WSCALE))
		p->marks |= PKT_HAS_WSCALE;
}

static void stream_count(struct tcp_conn *c, int dir, struct pkt *p, uint32_t tcplen)
{
	struct tcp_dir *td = &c->dir[dir];
	if (td->packets == 0)
		td->first_ns = p->ts_ns;
	td->last_ns = p->ts_ns;
	td->packets++;
	td->bytes += tcplen;
	if (tcp_dir_account(td, p->seq, tcplen, p->flags))
		p->marks |= PF_RETRANS;
	if (p->flags & TCPF_SYN)
		td->syn = true;
	if (p->flags & TCPF_FIN)
		td->fin = true;
	if (p->flags & TCPF_RST)
		td->rst = true;
}

/* ------------------------------------------------------------------ MPTCP options */

/* the next value of a list column, if any */
static bool next_val(struct loader *L, enum field f, guint *i, uint64_t *v)
{
	const GArray *a = L->r.list[f];
	if (!has(L, f) || *i >= a->len)
		return false;
	*v = g_array_index(a, uint64_t, (*i)++);
	return true;
}

struct opt_cursor {
	guint version, sendkey, recvkey, recvtok, addrid, dsn;
	bool has_dss, dss_done;
};

static void capable_from(struct loader *L, struct opt_cursor *k, uint16_t flags, struct mptcp_capable *o)
{
	uint64_t v;
	if (next_val(L, F_VERSION, &k->version, &v))
		o->version = (uint8_t)v;
	if (next_val(L, F_SENDKEY, &k->sendkey, &v)) {
		o->has_sender_key = true;
		o->sender_key = v;
	}
	/* only the third ACK (or a data ACK) echoes the receiver's key */
	if (!(flags & TCPF_SYN) && next_val(L, F_RECVKEY, &k->recvkey, &v)) {
		o->has_receiver_key = true;
		o->receiver_key = v;
	}
	if (!k->has_dss && has(L, F_DSS_LENGTH)) {
		o->has_data_len = true;
		o->data_len = (uint16_t)num(L, F_DSS_LENGTH);
	}
}

static void join_from(struct loader *L, struct opt_cursor *k, uint16_t flags, struct mptcp_join *o)
{
	uint64_t v;
	if ((flags & (TCPF_SYN | TCPF_ACK)) == TCPF_SYN)
		o->stage = MPJ_SYN;
	else if (flags & TCPF_SYN)
		o->stage = MPJ_SYNACK;
	else
		o->stage = MPJ_ACK;
	if (o->stage == MPJ_SYN && next_val(L, F_RECVTOK, &k->recvtok, &v))
		o->token = (uint32_t)v;
	if (o->stage != MPJ_ACK && next_val(L, F_ADDRID, &k->addrid, &v))
		o->addr_id = (uint8_t)v;
}

static void dss_from(struct loader *L, struct opt_cursor *k, struct mptcp_dss *o)
{
	uint64_t dsn = 0;
	if (has(L, F_DSS_FLAGS)) {
		o->flags = (uint8_t)num(L, F_DSS_FLAGS);
		o->has_ack = o->flags & DSS_FLAG_ACK;
		o->ack64 = o->flags & DSS_FLAG_ACK8;
		o->has_map = o->flags & DSS_FLAG_MAP;
		o->dsn64 = o->flags & DSS_FLAG_DSN8;
		o->data_fin = o->flags & DSS_FLAG_FIN;
	} else {
		/* only a mapping has a subflow sequence number (dss_dsn may also
		 * hold an MP_FAIL's DSN) */
		o->has_map = has(L, F_DSS_SSN);
		o->has_ack = has(L, F_DSS_RAWACK);
		o->ack64 = o->has_ack && num(L, F_DSS_RAWACK) > UINT32_MAX;
		o->data_fin = has(L, F_DATAFIN) && num(L, F_DATAFIN) == 1;
		o->flags = (uint8_t)((o->has_ack ? DSS_FLAG_ACK : 0) | (o->ack64 ? DSS_FLAG_ACK8 : 0) |
		                     (o->has_map ? DSS_FLAG_MAP : 0) | (o->dsn64 ? DSS_FLAG_DSN8 : 0) |
		                     (o->data_fin ? DSS_FLAG_FIN : 0));
	}
	if (o->has_map && next_val(L, F_DSS_DSN, &k->dsn, &dsn)) {
		o->dsn = dsn;
		if (!has(L, F_DSS_FLAGS))
			o->dsn64 = dsn > UINT32_MAX;
	}
	if (!has(L, F_DSS_FLAGS))
		o->flags |= o->dsn64 ? DSS_FLAG_DSN8 : 0;
	o->data_ack = num0(L, F_DSS_RAWACK);
	o->ssn = (uint32_t)num0(L, F_DSS_SSN);
	o->data_len = (uint16_t)num0(L, F_DSS_LENGTH);
}

/* REMOVE_ADDR takes the address ids left but those of later options */
static void remove_from(struct loader *L, struct opt_cursor *k, const GArray *subs, guint i,
                        struct mptcp_remove_addr *o, uint16_t flags)
{
	guint later = 0;
	for (guint j = i + 1; j < subs->len; j++) {
		uint64_t s = g_array_index(subs, uint64_t, j);
		if (s == MPTCP_SUB_ADD_ADDR || (s == MPTCP_SUB_JOIN && (flags & TCPF_SYN)))
			later++;
	}
	uint64_t v;
	guint avail = has(L, F_ADDRID) ? L->r.list[F_ADDRID]->len - k->addrid : 0;
	while (avail > later && o->count < MPTCP_MAX_REMOVE_IDS && next_val(L, F_ADDRID, &k->addrid, &v)) {
		o->ids[o->count++] = (uint8_t)v;
		avail--;
	}
}

static void option_from(struct loader *L, struct opt_cursor *k, const GArray *subs, guint i, uint16_t flags,
                        struct mptcp_option *o)
{
	uint64_t v;
	memset(o, 0, sizeof *o);
	o->subtype = (uint8_t)g_array_index(subs, uint64_t, i);
	switch (o->subtype) {
	case MPTCP_SUB_CAPABLE:
		capable_from(L, k, flags, &o->u.mpc);
		break;
	case MPTCP_SUB_JOIN:
		join_from(L, k, flags, &o->u.join);
		break;
	case MPTCP_SUB_DSS:
		if (!k->dss_done)
			dss_from(L, k, &o->u.dss);
		k->dss_done = true;
		break;
	case MPTCP_SUB_ADD_ADDR:
		if (next_val(L, F_ADDRID, &k->addrid, &v))
			o->u.add_addr.addr_id = (uint8_t)v;
		break;
	case MPTCP_SUB_REMOVE_ADDR:
		remove_from(L, k, subs, i, &o->u.remove_addr, flags);
		break;
	case MPTCP_SUB_PRIO:
		if (next_val(L, F_ADDRID, &k->addrid, &v)) {
			o->u.prio.has_addr_id = true;
			o->u.prio.addr_id = (uint8_t)v;
		}
		break;
	case MPTCP_SUB_FASTCLOSE:
		if (next_val(L, F_RECVKEY, &k->recvkey, &v))
			o->u.fastclose.receiver_key = v;
		break;
	case MPTCP_SUB_FAIL:
		if (next_val(L, F_DSS_DSN, &k->dsn, &v))
			o->u.fail.dsn = v;
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ MPTCP effects */

static void add_event(struct loader *L, const struct pkt *p, uint32_t row, uint32_t conn,
                      enum event_type type, uint8_t addr_id, uint64_t value)
{
	struct event ev;
	memset(&ev, 0, sizeof ev);
	ev.ts_ns = p->ts_ns;
	ev.pkt = row;
	ev.mptcp = conn;
	ev.stream = p->stream;
	ev.type = (uint8_t)type;
	ev.addr_id = addr_id;
	ev.value = value;
	g_array_append_val(L->t->events, ev);
}

static void capable_effects(struct loader *L, struct tcp_conn *c, int dir, struct pkt *p,
                            const struct mptcp_capable *o)
{
	bool syn = p->flags & TCPF_SYN, ack = p->flags & TCPF_ACK;
	struct stream_x *x = stream_x(L, c->id);
	if (c->is_join)
		return;
	if (syn && !ack) {
		c->mp_capable_syn = true;
		if (!x->mptcp_client_known)
			c->mptcp_client = (uint8_t)dir;
	} else if (syn) {
		x->synack_mpc = true;
	}
	if (c->mptcp == NO_ROW)
		return;
	struct mptcp_conn *m = tables_mptcp(L->t, c->mptcp);
	struct conn_x *cx = conn_x(L, c->mptcp);
	cx->has_mpc = true;
	if (cx->mpc_stream == NO_ROW)
		cx->mpc_stream = c->id;
	if (!cx->has_version) {
		m->version = o->version;
		cx->has_version = true;
	}
	int from = conn_mptcp_dir(c, dir);
	if (o->has_sender_key && !m->has_key[from]) {
		m->has_key[from] = true;
		m->key[from] = o->sender_key;
	}
	if (o->has_receiver_key && !m->has_key[!from]) {
		m->has_key[!from] = true;
		m->key[!from] = o->receiver_key;
	}
	/* v1: data on the third ACK, mapped by the option's data-level length */
	if (o->has_data_len && L->tcplen > 0 && m->has_key[from])
		p->marks |= PF_OWN_MAPPING;
}

static void join_effects(struct loader *L, struct tcp_conn *c, int dir, const struct mptcp_join *o)
{
	struct stream_x *x = stream_x(L, c->id);
	uint8_t stage = o->stage == MPJ_SYN ? 1 : o->stage == MPJ_SYNACK ? 2 : 3;
	if (o->stage == MPJ_SYN)
		c->is_join = true;
	if (o->stage != MPJ_ACK)
		c->addr_id[dir] = o->addr_id;
	if (x->join_stage < stage)
		x->join_stage = stage;
}

/* options that only mean something inside a connection: marks and events */
static void conn_effects(struct loader *L, struct tcp_conn *c, int dir, uint32_t row, struct pkt *p,
                         const struct mptcp_option *o)
{
	uint32_t conn = c->mptcp;
	struct mptcp_conn *m = tables_mptcp(L->t, conn);
	int md = conn_mptcp_dir(c, dir);
	switch (o->subtype) {
	case MPTCP_SUB_DSS:
		if (o->u.dss.has_map) {
			p->marks |= PF_OWN_MAPPING;
			if (o->u.dss.data_len == 0 && !m->infinite_mapping) {
				m->infinite_mapping = true;
				add_event(L, p, row, conn, EV_INFINITE_MAPPING, 0, o->u.dss.dsn);
			}
		}
		if (o->u.dss.data_fin) {
			p->marks |= PF_DATA_FIN;
			if (!m->dir[md].data_fin) {
				m->dir[md].data_fin = true;
				add_event(L, p, row, conn, EV_DATA_FIN, 0, (uint64_t)md);
			}
		}
		break;
	case MPTCP_SUB_ADD_ADDR:
		add_event(L, p, row, conn, EV_ADD_ADDR, o->u.add_addr.addr_id, 0);
		break;
	case MPTCP_SUB_REMOVE_ADDR:
		for (unsigned i = 0; i < o->u.remove_addr.count; i++)
			add_event(L, p, row, conn, EV_REMOVE_ADDR, o->u.remove_addr.ids[i], 0);
		break;
	case MPTCP_SUB_PRIO:
		add_event(L, p, row, conn, EV_MP_PRIO,
		          o->u.prio.has_addr_id ? o->u.prio.addr_id : c->addr_id[dir], 0);
		break;
	case MPTCP_SUB_FAIL:
		m->mp_fail = true;
		add_event(L, p, row, conn, EV_MP_FAIL, 0, 0);
		break;
	case MPTCP_SUB_FASTCLOSE:
		m->fastclose = true;
		add_event(L, p, row, conn, EV_MP_FASTCLOSE, 0, o->u.fastclose.receiver_key);
		break;
	case MPTCP_SUB_TCPRST:
		add_event(L, p, row, conn, EV_MP_TCPRST, 0, 0);
		break;
	default:
		break;
	}
}

static bool packet_options(struct loader *L, struct tcp_conn *c, int dir, uint32_t row, struct pkt *p)
{
	const GArray *subs = L->r.list[F_SUBTYPE];
	bool mpc = false;
	if (has(L, F_SUBTYPE)) {
		if (subs->len > MAX_OPTS)
			return fail(L, "%u MPTCP options in one packet", subs->len);
		struct opt_cursor k;
		memset(&k, 0, sizeof k);
		for (guint i = 0; i < subs->len; i++)
			k.has_dss |= g_array_index(subs, uint64_t, i) == MPTCP_SUB_DSS;
		/* all kept in mptcp_opts (given to the row once appended): a CSV
		 * need not hold what an inline DSS is rebuilt from */
		L->n_opts = subs->len;
		for (guint i = 0; i < subs->len; i++) {
			struct mptcp_option *o = &L->opts[i];
			option_from(L, &k, subs, i, p->flags, o);
			if (o->subtype == MPTCP_SUB_CAPABLE) {
				mpc = true;
				capable_effects(L, c, dir, p, &o->u.mpc);
			} else if (o->subtype == MPTCP_SUB_JOIN) {
				join_effects(L, c, dir, &o->u.join);
			} else if (c->mptcp != NO_ROW) {
				conn_effects(L, c, dir, row, p, o);
			}
		}
	}
	/* MP_CAPABLE in the SYN but not in the SYN/ACK: fallback to TCP */
	if ((p->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK) && c->mp_capable_syn && !mpc &&
	    !c->is_join && !stream_x(L, c->id)->synack_mpc)
		c->fallback = true;
	return true;
}

/* ------------------------------------------------------------------ MPTCP connections */

static bool attach_connection(struct loader *L, struct tcp_conn *c, uint32_t row)
{
	uint64_t id = num(L, F_MPTCPSTREAM);
	if (c->mptcp != NO_ROW) {
		if (c->mptcp != id)
			return fail(L, "mptcpstream %" G_GUINT64_FORMAT ", but tcpstream %u belongs to mptcpstream %u",
			            id, c->id, c->mptcp);
		return true;
	}
	/* every connection has a packet: more connections than rows is a bad file */
	if (id > row)
		return fail(L, "mptcpstream %" G_GUINT64_FORMAT " with only %u rows before it", id, row);
	struct tables *t = L->t;
	while (t->mptcp->len <= id) {
		struct mptcp_conn m;
		memset(&m, 0, sizeof m);
		m.id = t->mptcp->len;
		m.first_stream = NO_ROW;
		m.subflows = g_array_new(FALSE, FALSE, sizeof(uint32_t));
		g_array_append_val(t->mptcp, m);
		struct conn_x x = { false, false, NO_ROW };
		g_array_append_val(L->cx, x);
	}
	c->mptcp = (uint32_t)id;
	return true;
}

static uint32_t row_of_frame(const struct tables *t, uint32_t frame)
{
	guint lo = 0, hi = t->packets->len;
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (tables_pkt(t, mid)->frame < frame)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->packets->len && tables_pkt(t, lo)->frame == frame ? lo : NO_ROW;
}

static void packet_reinjection(struct loader *L, struct mptcp_dir *md, uint32_t row, struct pkt *p)
{
	const GArray *of = L->r.list[F_REINJ_OF];
	md->reinjections++;
	md->reinjected_bytes += L->tcplen;
	for (guint i = 0; i < of->len; i++) {
		uint32_t frame = (uint32_t)g_array_index(of, uint64_t, i);
		uint32_t orig = row_of_frame(L->t, frame);
		if (orig == NO_ROW)
			continue; /* not in the file: no link */
		struct link l = { row, orig, p->frame, frame };
		g_array_append_val(L->t->links, l);
		tables_pkt(L->t, orig)->marks |= PF_REINJECTED;
		p->marks |= PF_REINJECTION;
	}
}

/* DSN, data ACK, related mapping, data counters */
static void packet_data(struct loader *L, struct tcp_conn *c, int dir, uint32_t row, struct pkt *p)
{
	struct mptcp_conn *m = tables_mptcp(L->t, c->mptcp);
	int mdir = conn_mptcp_dir(c, dir);
	uint64_t dsn = 0;
	if (has(L, F_DSNRAW64) || has(L, F_DSN)) {
		dsn = has(L, F_DSNRAW64) ? num(L, F_DSNRAW64) : num(L, F_DSN);
		g_array_index(L->dsn, uint64_t, row) = dsn;
		p->marks |= PF_HAS_DSN;
		L->dsn_relative = !column(L, F_DSNRAW64);
	}
	if (has(L, F_DACK)) {
		/* relative: the receiver's IDSN is added at the end */
		g_array_index(L->dack, uint64_t, row) = num(L, F_DACK);
		p->marks |= PF_HAS_DACK;
	}
	if (has(L, F_RELATED))
		p->mapping = (uint32_t)g_array_index(L->r.list[F_RELATED], uint64_t, 0);
	if (m->last_ns < p->ts_ns)
		m->last_ns = p->ts_ns;
	if (!(p->marks & PF_HAS_DSN) || L->tcplen == 0)
		return;
	struct mptcp_dir *d = &m->dir[mdir];
	uint64_t lo = dsn, hi = dsn + L->tcplen;
	mptcp_dir_count(d, p->ts_ns, dsn, L->tcplen);
	struct range_rec rr = { c->mptcp * 2 + (uint32_t)mdir, lo, hi };
	g_array_append_val(L->ranges, rr);
	if (has(L, F_REINJ_OF))
		packet_reinjection(L, d, row, p);
}

/* ------------------------------------------------------------------ one row */

static bool add_packet(struct loader *L)
{
	struct tables *t = L->t;
	uint32_t row = t->packets->len;
	uint32_t frame = (uint32_t)num(L, F_PACKETID);
	if (row >= NO_ROW - 1 || t->mptcp_opts->len >= NO_ROW - MAX_OPTS)
		return fail(L, "too many rows");
	if (row > 0 && frame <= tables_pkt(t, row - 1)->frame)
		return fail(L, "packetid %u after %u: rows must be in capture order", frame,
		            tables_pkt(t, row - 1)->frame);
	uint32_t sid = (uint32_t)num(L, F_TCPSTREAM);
	if (sid > t->tcp->len)
		return fail(L, "tcpstream %u before any packet of tcpstream %u (streams are numbered in order "
		            "of appearance)", sid, t->tcp->len);
	if (sid == t->tcp->len && !stream_new(L, sid))
		return false;
	struct tcp_conn *c = tables_tcp(t, sid);
	int dir = 0;
	if (!packet_dir(L, c, &dir))
		return false;

	struct pkt p;
	memset(&p, 0, sizeof p);
	p.frame = frame;
	p.stream = sid;
	p.ts_ns = has(L, F_ABSTIME) ? L->r.ns[F_ABSTIME] : has(L, F_RELTIME) ? L->r.ns[F_RELTIME] : 0;
	p.flags = (uint16_t)num0(L, F_TCPFLAGS);
	L->tcplen = (uint32_t)num0(L, F_TCPLEN);
	L->n_opts = 0;
	p.marks = dir ? PF_DIR_REV : 0;
	if (has(L, F_TSVAL) || has(L, F_TSECR)) {
		p.marks |= PKT_HAS_TS;
		p.tsval = (uint32_t)num0(L, F_TSVAL);
		p.tsecr = (uint32_t)num0(L, F_TSECR);
	}
	p.mapping = NO_ROW;
	g_array_set_size(L->dsn, row + 1);
	g_array_set_size(L->dack, row + 1);
	if (row == 0)
		t->first_ns = has(L, F_ABSTIME) && has(L, F_RELTIME) ? p.ts_ns - L->r.ns[F_RELTIME] : p.ts_ns;

	packet_seq(L, &c->dir[dir], &p);
	packet_window(L, c, dir, &p);
	stream_count(c, dir, &p, L->tcplen);
	if (has(L, F_MPTCPSTREAM) && !attach_connection(L, c, row))
		return false;
	struct stream_x *x = stream_x(L, sid);
	if (has(L, F_MPTCPDEST) && !x->mptcp_client_known) {
		c->mptcp_client = (uint8_t)(num(L, F_MPTCPDEST) == DEST_CLIENT ? !dir : dir);
		x->mptcp_client_known = true;
	}
	if (!packet_options(L, c, dir, row, &p))
		return false;
	if (c->mptcp != NO_ROW)
		packet_data(L, c, dir, row, &p);

	tables_add_pkt(t, &p, L->tcplen, (uint16_t)num0(L, F_INTERFACE));
	tables_add_opts(t, row, L->opts, L->n_opts);
	if (c->first_pkt == NO_ROW)
		c->first_pkt = row;
	c->last_pkt = row;
	c->n_pkts++;
	return true;
}

/* ------------------------------------------------------------------ final pass */

/* subflows in order of appearance, the one with MP_CAPABLE first */
static bool settle_subflows(struct loader *L)
{
	struct tables *t = L->t;
	for (guint i = 0; i < t->tcp->len; i++) {
		const struct tcp_conn *c = tables_tcp(t, i);
		if (c->mptcp != NO_ROW)
			g_array_append_val(tables_mptcp(t, c->mptcp)->subflows, c->id);
	}
	for (guint i = 0; i < t->mptcp->len; i++) {
		struct mptcp_conn *m = tables_mptcp(t, i);
		struct conn_x *cx = conn_x(L, i);
		if (m->subflows->len == 0)
			return fail(L, "mptcpstream %u has no packet", i);
		m->first_stream = cx->mpc_stream != NO_ROW ? cx->mpc_stream : g_array_index(m->subflows, uint32_t, 0);
		for (guint k = 1; k < m->subflows->len; k++) {
			if (g_array_index(m->subflows, uint32_t, k) == m->first_stream) {
				g_array_remove_index(m->subflows, k);
				g_array_prepend_val(m->subflows, m->first_stream);
				break;
			}
		}
		m->partial = !cx->has_mpc;
		for (int k = 0; k < 2; k++)
			if (m->has_key[k])
				mptcp_key_derive(m->key[k], m->version, &m->token[k], &m->idsn[k]);
		const struct tcp_conn *c = tables_tcp(t, m->first_stream);
		m->first_ns = c->dir[1].packets && c->dir[1].first_ns < c->dir[0].first_ns ? c->dir[1].first_ns
		                                                                         : c->dir[0].first_ns;
	}
	return true;
}

/* relative DSNs and data ACKs become absolute once the IDSNs are known */
static void settle_data_numbers(struct loader *L)
{
	struct tables *t = L->t;
	for (guint r = 0; r < t->packets->len; r++) {
		struct pkt *p = tables_pkt(t, r);
		const struct tcp_conn *c = tables_tcp(t, p->stream);
		if (c->mptcp == NO_ROW)
			continue;
		const struct mptcp_conn *m = tables_mptcp(t, c->mptcp);
		int md = mptcp_pkt_dir(t, p);
		if (p->marks & PF_HAS_DSN)
			tables_set_data(t, r, DK_DSN, g_array_index(L->dsn, uint64_t, r) + (L->dsn_relative ? m->idsn[md] : 0));
		if (p->marks & PF_HAS_DACK)
			tables_set_data(t, r, DK_DACK, g_array_index(L->dack, uint64_t, r) + m->idsn[!md]);
	}
	for (guint i = 0; L->dsn_relative && i < t->mptcp->len; i++) {
		struct mptcp_conn *m = tables_mptcp(t, i);
		for (int d = 0; d < 2; d++) {
			if (m->dir[d].bytes) {
				m->dir[d].dsn_lo += m->idsn[d];
				m->dir[d].dsn_hi += m->idsn[d];
			}
		}
	}
}

static int range_cmp(gconstpointer a, gconstpointer b)
{
	const struct range_rec *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* unique bytes: the union of the DSN ranges of each connection and direction */
static void settle_unique_bytes(struct loader *L)
{
	GArray *a = L->ranges;
	g_array_sort(a, range_cmp);
	for (guint i = 0; i < a->len;) {
		const struct range_rec *first = &g_array_index(a, struct range_rec, i);
		uint32_t key = first->key;
		uint64_t lo = first->lo, hi = first->hi, total = 0;
		for (i++; i < a->len && g_array_index(a, struct range_rec, i).key == key; i++) {
			const struct range_rec *r = &g_array_index(a, struct range_rec, i);
			if (r->lo > hi) {
				total += hi - lo;
				lo = r->lo;
				hi = r->hi;
			} else if (r->hi > hi) {
				hi = r->hi;
			}
		}
		total += hi - lo;
		tables_mptcp(L->t, key / 2)->dir[key % 2].unique_bytes = total;
	}
}

/* the smallest shift that gives every non-SYN rwnd back from 16 bits, 0 if none */
static int8_t rwnd_shift(uint32_t or_all, uint32_t max)
{
	for (int s = 0; s <= 14; s++)
		if ((or_all & ((1u << s) - 1)) == 0 && (max >> s) <= UINT16_MAX)
			return (int8_t)s;
	return 0;
}

/* window shifts, and 16-bit windows when only the scaled rwnd was given */
static void settle_windows(struct loader *L)
{
	struct tables *t = L->t;
	bool from_rwnd = !column(L, F_WIN_RAW) && column(L, F_RWND);
	for (guint i = 0; i < t->tcp->len; i++) {
		struct tcp_conn *c = tables_tcp(t, i);
		struct stream_x *x = stream_x(L, i);
		if (column(L, F_WSCALE))
			continue; /* the SYNs said */
		for (int d = 0; d < 2; d++) {
			if (column(L, F_WIN_RAW))
				c->dir[d].wscale = x->shift[d] >= 0 ? x->shift[d] : 0;
			else if (from_rwnd)
				c->dir[d].wscale = rwnd_shift(x->rwnd_or[d], x->rwnd_max[d]);
		}
	}
	if (!from_rwnd)
		return;
	for (guint r = 0; r < t->packets->len; r++) {
		struct pkt *p = tables_pkt(t, r);
		const struct tcp_conn *c = tables_tcp(t, p->stream);
		uint32_t rwnd = g_array_index(L->rwnd, uint32_t, r);
		int8_t ws = c->dir[pkt_dir(p)].wscale, other = c->dir[!pkt_dir(p)].wscale;
		if (!(p->flags & TCPF_SYN) && ws >= 0 && other >= 0)
			rwnd >>= ws;
		p->win = (uint16_t)MIN(rwnd, UINT16_MAX);
	}
}

/* fallbacks, closed streams, subflow states, failed joins */
static void settle_streams(struct loader *L)
{
	struct tables *t = L->t;
	for (guint i = 0; i < t->tcp->len; i++) {
		struct tcp_conn *c = tables_tcp(t, i);
		struct stream_x *x = stream_x(L, i);
		bool rst = c->dir[0].rst || c->dir[1].rst;
		c->closed = (c->dir[0].fin && c->dir[1].fin) || rst;
		if (c->mp_capable_syn && c->mptcp == NO_ROW)
			c->fallback = true;
		if (c->is_join && x->join_stage < 3 && (rst || x->join_stage < 2)) {
			c->sf_state = SF_FAILED_JOIN;
			if (c->mptcp != NO_ROW) {
				const struct pkt *last = tables_pkt(t, c->last_pkt);
				add_event(L, last, c->last_pkt, c->mptcp, EV_JOIN_FAILED, 0, 0);
			}
		} else if (rst) {
			c->sf_state = SF_RESET;
		} else if (c->dir[0].fin && c->dir[1].fin) {
			c->sf_state = SF_CLOSED;
		} else {
			c->sf_state = SF_OPEN;
		}
		if (c->fallback && c->mptcp != NO_ROW)
			tables_mptcp(t, c->mptcp)->fallback = true;
	}
	for (guint i = 0; i < t->mptcp->len; i++) {
		struct mptcp_conn *m = tables_mptcp(t, i);
		m->fallback = m->fallback || m->infinite_mapping;
	}
}

static int link_cmp(gconstpointer a, gconstpointer b)
{
	const struct link *x = a, *y = b;
	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	return x->orig < y->orig ? -1 : x->orig > y->orig;
}

static bool finish(struct loader *L, uint64_t file_size)
{
	struct tables *t = L->t;
	L->line = 0;
	if (t->packets->len == 0)
		return fail(L, "no packet row after the header");
	if (!settle_subflows(L))
		return false;
	settle_data_numbers(L);
	settle_unique_bytes(L);
	settle_windows(L);
	settle_streams(L);
	g_array_sort(t->links, link_cmp);
	t->dlt = -1;
	t->link_name = g_strdup("CSV export");
	t->stats.frames = tables_pkt(t, t->packets->len - 1)->frame;
	t->stats.tcp_packets = t->packets->len;
	t->stats.bytes = file_size;
	return true;
}

/* ------------------------------------------------------------------ the file */

static void loader_init(struct loader *L, const char *path, GError **err)
{
	memset(L, 0, sizeof *L);
	L->path = path;
	L->err = err;
	L->t = tables_new();
	L->t->path = g_strdup(path);
	L->cells = g_array_new(FALSE, FALSE, sizeof(struct cell));
	L->buf = g_string_sized_new(1024);
	for (int f = 0; f < N_FIELDS; f++)
		if (specs[f].kind == K_LIST)
			L->r.list[f] = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	L->sx = g_array_new(FALSE, FALSE, sizeof(struct stream_x));
	L->cx = g_array_new(FALSE, FALSE, sizeof(struct conn_x));
	L->rwnd = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	L->dsn = g_array_new(FALSE, TRUE, sizeof(uint64_t));
	L->dack = g_array_new(FALSE, TRUE, sizeof(uint64_t));
	L->ranges = g_array_new(FALSE, FALSE, sizeof(struct range_rec));
}

static void loader_clear(struct loader *L)
{
	g_array_free(L->cells, TRUE);
	g_string_free(L->buf, TRUE);
	for (int f = 0; f < N_FIELDS; f++)
		if (L->r.list[f])
			g_array_free(L->r.list[f], TRUE);
	g_array_free(L->sx, TRUE);
	g_array_free(L->cx, TRUE);
	g_array_free(L->rwnd, TRUE);
	g_array_free(L->dsn, TRUE);
	g_array_free(L->dack, TRUE);
	g_array_free(L->ranges, TRUE);
}

/* every line: the header first, then the rows; blank lines are skipped */
static bool read_lines(struct loader *L, const char *s, size_t n)
{
	bool header = true;
	size_t i = 0;
	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* UTF-8 byte order mark */
	while (i < n) {
		L->line++;
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, len = end - i;
		if (len > MAX_LINE)
			return fail(L, "line longer than %u bytes", MAX_LINE);
		if (len && s[i + len - 1] == '\r')
			len--;
		bool blank = len == 0;
		if (!blank && header) {
			if (!read_header(L, s + i, len))
				return false;
			header = false;
		} else if (!blank && (!read_row(L, s + i, len) || !add_packet(L))) {
			return false;
		}
		i = end + 1;
	}
	if (header) {
		L->line = 0;
		return fail(L, "empty file: no header");
	}
	return true;
}

struct tables *csv_load(const char *path, GError **err)
{
	GError *e = NULL;
	GMappedFile *mf = g_mapped_file_new(path, FALSE, &e);
	if (!mf) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s", e->message);
		g_error_free(e);
		return NULL;
	}
	const char *s = g_mapped_file_get_contents(mf);
	size_t n = g_mapped_file_get_length(mf);
	struct loader L;
	loader_init(&L, path, err);
	bool ok = read_lines(&L, s ? s : "", s ? n : 0) && finish(&L, n);
	loader_clear(&L);
	g_mapped_file_unref(mf);
	if (!ok) {
		tables_free(L.t);
		return NULL;
	}
	return L.t;
}
