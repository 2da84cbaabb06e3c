/* test_mptcp_option.c - unit tests for the MPTCP option decoder.
 *
 * Every option is decoded from a heap buffer of exactly the option's size, so
 * that AddressSanitizer reports any read past the option's end.  Each valid
 * length of each subtype (both protocol versions) is checked field by field,
 * every other length is checked to be reported as malformed, and every
 * truncation of every valid option is decoded once.
 */
#include <glib.h>
#include <string.h>

#include "decode/mptcp_option.h"

#define KIND 30

/* Keys from a real Linux v1 connection (SYN/ACK and third ACK). */
#define REAL_SERVER_KEY 14281796672445724114ULL /* 0xc6332267c77bb5d2 */
#define REAL_CLIENT_KEY 16325089407502320482ULL /* 0xe28e5e5274ab0362 */
#define SERVER_KEY_BYTES 0xc6, 0x33, 0x22, 0x67, 0xc7, 0x7b, 0xb5, 0xd2
#define CLIENT_KEY_BYTES 0xe2, 0x8e, 0x5e, 0x52, 0x74, 0xab, 0x03, 0x62

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Decodes `len` bytes copied to the end of a buffer of exactly that size. */
static bool decode_exact(const uint8_t *bytes, size_t len, uint8_t tcp_flags,
			 struct mptcp_option *out)
{
	uint8_t *buf = NULL;
	bool ok;

	if (len > 0) {
		buf = g_malloc(len);
		memcpy(buf, bytes, len);
	}
	ok = mptcp_option_decode(span_make(buf, len), tcp_flags, out);
	g_free(buf);
	return ok;
}

/* true when the whole union is zero (a malformed option leaves no fields) */
static bool fields_zero(const struct mptcp_option *o)
{
	static const uint8_t zero[sizeof(o->u)];
	return memcmp(&o->u, zero, sizeof(o->u)) == 0;
}

static void assert_valid(const uint8_t *bytes, size_t len, uint8_t tcp_flags,
			 struct mptcp_option *out)
{
	g_assert_true(decode_exact(bytes, len, tcp_flags, out));
	g_assert_false(out->malformed);
	g_assert_cmpuint(out->length, ==, len);
	g_assert_cmpuint(out->subtype, ==, bytes[2] >> 4);
}

static void assert_malformed(const uint8_t *bytes, size_t len, uint8_t tcp_flags)
{
	struct mptcp_option o;

	g_assert_false(decode_exact(bytes, len, tcp_flags, &o));
	g_assert_true(o.malformed);
	g_assert_true(fields_zero(&o));
	if (len >= 2)
		g_assert_cmpuint(o.length, ==, bytes[1]);
	if (len >= 3)
		g_assert_cmpuint(o.subtype, ==, bytes[2] >> 4);
}

/* Tries every length byte from 3 to 40 for an option whose bytes 2 and 3 are
 * given (the rest is a filler pattern) and checks that exactly the lengths in
 * `valid` decode. */
static void check_lengths(uint8_t b2, uint8_t b3, uint8_t tcp_flags,
			  const unsigned *valid, size_t nvalid)
{
	for (unsigned len = 3; len <= 40; len++) {
		uint8_t buf[40];
		struct mptcp_option o;
		bool expect = false, ok;

		for (size_t i = 0; i < nvalid; i++)
			expect = expect || valid[i] == len;
		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)(0x40 + i);
		buf[0] = KIND;
		buf[1] = (uint8_t)len;
		buf[2] = b2;
		buf[3] = b3;
		ok = decode_exact(buf, len, tcp_flags, &o);
		if (ok != expect)
			g_test_message("length %u: got %d, expected %d", len, ok, expect);
		g_assert_cmpint(ok, ==, expect);
		g_assert_cmpint(o.malformed, ==, !expect);
		g_assert_cmpuint(o.length, ==, len);
		g_assert_cmpuint(o.subtype, ==, b2 >> 4);
		if (!expect)
			g_assert_true(fields_zero(&o));
	}
}

/* ======================================================================== */
/* names                                                                    */

static void test_subtype_names(void)
{
	g_assert_cmpstr(mptcp_subtype_name(0), ==, "MP_CAPABLE");
	g_assert_cmpstr(mptcp_subtype_name(1), ==, "MP_JOIN");
	g_assert_cmpstr(mptcp_subtype_name(2), ==, "DSS");
	g_assert_cmpstr(mptcp_subtype_name(3), ==, "ADD_ADDR");
	g_assert_cmpstr(mptcp_subtype_name(4), ==, "REMOVE_ADDR");
	g_assert_cmpstr(mptcp_subtype_name(5), ==, "MP_PRIO");
	g_assert_cmpstr(mptcp_subtype_name(6), ==, "MP_FAIL");
	g_assert_cmpstr(mptcp_subtype_name(7), ==, "MP_FASTCLOSE");
	g_assert_cmpstr(mptcp_subtype_name(8), ==, "MP_TCPRST");
	g_assert_cmpstr(mptcp_subtype_name(15), ==, "MP_EXPERIMENTAL");
	for (unsigned s = 9; s < 15; s++)
		g_assert_cmpstr(mptcp_subtype_name(s), ==, "UNKNOWN");
	g_assert_cmpstr(mptcp_subtype_name(16), ==, "UNKNOWN");
	g_assert_cmpstr(mptcp_subtype_name(255), ==, "UNKNOWN");
	g_assert_cmpstr(mptcp_subtype_name(~0u), ==, "UNKNOWN");
}

/* ======================================================================== */
/* common header                                                            */

static void test_header_too_short(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x01, 0x01, SERVER_KEY_BYTES };
	struct mptcp_option o;

	/* fewer than 3 bytes: not even a subtype */
	g_assert_false(decode_exact(opt, 0, TCPF_SYN, &o));
	g_assert_true(o.malformed);
	g_assert_cmpuint(o.length, ==, 0);
	g_assert_false(decode_exact(opt, 1, TCPF_SYN, &o));
	g_assert_true(o.malformed);
	g_assert_cmpuint(o.length, ==, 0);
	g_assert_false(decode_exact(opt, 2, TCPF_SYN, &o));
	g_assert_true(o.malformed);
	g_assert_cmpuint(o.length, ==, 12);
	/* empty span with a NULL pointer */
	g_assert_false(mptcp_option_decode(span_make(NULL, 0), 0, &o));
	g_assert_true(o.malformed);
}

static void test_header_length_below_3(void)
{
	for (uint8_t len = 0; len < 3; len++) {
		/* subtype 15 would be valid at any length >= 3 */
		uint8_t opt[] = { KIND, len, 0xf0, 0, 0, 0 };
		assert_malformed(opt, sizeof(opt), 0);
		assert_malformed(opt, 3, 0);
	}
}

static void test_header_length_exceeds_buffer(void)
{
	static const uint8_t mpc[] = { KIND, 12, 0x01, 0x01, SERVER_KEY_BYTES };
	static const uint8_t exp[] = { KIND, 41, 0xf0, 0x00, 1, 2, 3, 4 };
	static const uint8_t big[] = { KIND, 255, 0x20, 0x00 };

	assert_malformed(mpc, 11, TCPF_SYN | TCPF_ACK);
	assert_malformed(exp, sizeof(exp), 0);
	assert_malformed(big, sizeof(big), 0);
}

static void test_header_trailing_bytes_ignored(void)
{
	/* a span longer than the length byte: the option ends at its length */
	static const uint8_t opt[] = { KIND, 3, 0x51, 0x07, 0xff, 0xff };
	struct mptcp_option o;

	g_assert_true(decode_exact(opt, sizeof(opt), 0, &o));
	g_assert_cmpuint(o.length, ==, 3);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_PRIO);
	g_assert_true(o.u.prio.backup);
	/* byte 3 belongs to the next option: no address id */
	g_assert_false(o.u.prio.has_addr_id);
}

static void test_header_kind_not_checked(void)
{
	/* the caller dispatches on the kind; the decoder only reads the rest */
	static const uint8_t opt[] = { 0x02, 4, 0x80, 0x05 };
	struct mptcp_option o;

	g_assert_true(decode_exact(opt, sizeof(opt), 0, &o));
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_TCPRST);
	g_assert_cmpuint(o.u.tcprst.reason, ==, 5);
}

static void test_output_zeroed_first(void)
{
	static const uint8_t opt[] = { KIND, 6, 0xf0, 0xaa, 0xbb, 0xcc };
	struct mptcp_option o;

	memset(&o, 0xa5, sizeof(o));
	g_assert_true(decode_exact(opt, sizeof(opt), 0, &o));
	g_assert_false(o.malformed);
	g_assert_true(fields_zero(&o));

	memset(&o, 0xa5, sizeof(o));
	g_assert_false(decode_exact(opt, 5, 0, &o));
	g_assert_true(o.malformed);
	g_assert_true(fields_zero(&o));
}

/* ======================================================================== */
/* MP_CAPABLE v0                                                            */

static void test_mpc_v0_syn(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x00, 0x81,
				       0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_CAPABLE);
	g_assert_cmpuint(o.u.mpc.version, ==, 0);
	g_assert_cmpuint(o.u.mpc.flags, ==, MPC_FLAG_CHECKSUM | MPC_FLAG_HMAC_SHA);
	g_assert_true(o.u.mpc.has_sender_key);
	g_assert_cmphex(o.u.mpc.sender_key, ==, 0x0123456789abcdefULL);
	g_assert_false(o.u.mpc.has_receiver_key);
	g_assert_cmphex(o.u.mpc.receiver_key, ==, 0);
	g_assert_false(o.u.mpc.has_data_len);
	g_assert_false(o.u.mpc.has_checksum);
}

static void test_mpc_v0_synack(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x00, 0x01, SERVER_KEY_BYTES };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN | TCPF_ACK, &o);
	g_assert_cmpuint(o.u.mpc.version, ==, 0);
	g_assert_cmpuint(o.u.mpc.flags, ==, 0x01);
	g_assert_true(o.u.mpc.has_sender_key);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_SERVER_KEY);
	g_assert_false(o.u.mpc.has_receiver_key);
}

static void test_mpc_v0_ack(void)
{
	static const uint8_t opt[] = { KIND, 20, 0x00, 0x81,
				       CLIENT_KEY_BYTES, SERVER_KEY_BYTES };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.mpc.version, ==, 0);
	g_assert_cmpuint(o.u.mpc.flags, ==, 0x81);
	g_assert_true(o.u.mpc.has_sender_key);
	g_assert_true(o.u.mpc.has_receiver_key);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
	g_assert_cmpuint(o.u.mpc.receiver_key, ==, REAL_SERVER_KEY);
	g_assert_false(o.u.mpc.has_data_len);
	g_assert_false(o.u.mpc.has_checksum);
}

static void test_mpc_v0_bad_lengths(void)
{
	static const unsigned valid[] = { 12, 20 };

	/* v0 has no keyless form and no data-level length */
	check_lengths(0x00, 0x81, TCPF_SYN, valid, N(valid));
	check_lengths(0x00, 0x81, TCPF_SYN | TCPF_ACK, valid, N(valid));
	check_lengths(0x00, 0x81, TCPF_ACK, valid, N(valid));
}

/* ======================================================================== */
/* MP_CAPABLE v1                                                            */

static void test_mpc_v1_syn_keyless(void)
{
	static const uint8_t opt[] = { KIND, 4, 0x01, 0x81 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN, &o);
	g_assert_cmpuint(o.u.mpc.version, ==, 1);
	g_assert_cmpuint(o.u.mpc.flags, ==, 0x81);
	g_assert_false(o.u.mpc.has_sender_key);
	g_assert_false(o.u.mpc.has_receiver_key);
	g_assert_false(o.u.mpc.has_data_len);
	g_assert_false(o.u.mpc.has_checksum);
	/* other TCP flags (ECN setup) do not matter */
	assert_valid(opt, sizeof(opt), TCPF_SYN | TCPF_ECE | TCPF_CWR, &o);
}

static void test_mpc_v1_keyless_needs_pure_syn(void)
{
	static const uint8_t opt[] = { KIND, 4, 0x01, 0x01 };

	assert_malformed(opt, sizeof(opt), TCPF_SYN | TCPF_ACK);
	assert_malformed(opt, sizeof(opt), TCPF_ACK);
	assert_malformed(opt, sizeof(opt), 0);
	assert_malformed(opt, sizeof(opt), TCPF_ACK | TCPF_PSH);
}

static void test_mpc_v1_synack_real(void)
{
	/* SYN/ACK of a real Linux v1 connection: HMAC-SHA256, server key */
	static const uint8_t opt[] = { KIND, 12, 0x01, 0x01, SERVER_KEY_BYTES };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN | TCPF_ACK, &o);
	g_assert_cmpuint(o.u.mpc.version, ==, 1);
	g_assert_cmpuint(o.u.mpc.flags, ==, MPC_FLAG_HMAC_SHA);
	g_assert_true(o.u.mpc.has_sender_key);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_SERVER_KEY);
	g_assert_false(o.u.mpc.has_receiver_key);
	g_assert_false(o.u.mpc.has_data_len);
	g_assert_false(o.u.mpc.has_checksum);
}

static void test_mpc_v1_len12_any_segment(void)
{
	/* some implementations send the key on the SYN too */
	static const uint8_t opt[] = { KIND, 12, 0x01, 0x01, CLIENT_KEY_BYTES };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN, &o);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
}

static void test_mpc_v1_third_ack_real(void)
{
	/* third ACK of the same connection: client key, then server key */
	static const uint8_t opt[] = { KIND, 20, 0x01, 0x01,
				       CLIENT_KEY_BYTES, SERVER_KEY_BYTES };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.mpc.version, ==, 1);
	g_assert_cmpuint(o.u.mpc.flags, ==, 0x01);
	g_assert_true(o.u.mpc.has_sender_key);
	g_assert_true(o.u.mpc.has_receiver_key);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
	g_assert_cmpuint(o.u.mpc.receiver_key, ==, REAL_SERVER_KEY);
	g_assert_false(o.u.mpc.has_data_len);
	g_assert_false(o.u.mpc.has_checksum);
}

static void test_mpc_v1_data_len(void)
{
	/* first data segment: keys plus data-level length, no checksum */
	static const uint8_t opt[] = { KIND, 22, 0x01, 0x01,
				       CLIENT_KEY_BYTES, SERVER_KEY_BYTES, 0x05, 0xa0 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK | TCPF_PSH, &o);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
	g_assert_cmpuint(o.u.mpc.receiver_key, ==, REAL_SERVER_KEY);
	g_assert_true(o.u.mpc.has_data_len);
	g_assert_cmpuint(o.u.mpc.data_len, ==, 1440);
	g_assert_false(o.u.mpc.has_checksum);
	g_assert_cmpuint(o.u.mpc.checksum, ==, 0);
}

static void test_mpc_v1_checksum(void)
{
	static const uint8_t opt[] = { KIND, 24, 0x01, 0x81,
				       CLIENT_KEY_BYTES, SERVER_KEY_BYTES,
				       0x00, 0x2a, 0xbe, 0xef };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK | TCPF_PSH, &o);
	g_assert_cmpuint(o.u.mpc.flags, ==, MPC_FLAG_CHECKSUM | MPC_FLAG_HMAC_SHA);
	g_assert_true(o.u.mpc.has_sender_key);
	g_assert_true(o.u.mpc.has_receiver_key);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
	g_assert_cmpuint(o.u.mpc.receiver_key, ==, REAL_SERVER_KEY);
	g_assert_true(o.u.mpc.has_data_len);
	g_assert_cmpuint(o.u.mpc.data_len, ==, 42);
	g_assert_true(o.u.mpc.has_checksum);
	g_assert_cmphex(o.u.mpc.checksum, ==, 0xbeef);
}

static void test_mpc_v1_flags(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x01, 0xe1, SERVER_KEY_BYTES };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN | TCPF_ACK, &o);
	g_assert_cmphex(o.u.mpc.flags, ==,
			MPC_FLAG_CHECKSUM | MPC_FLAG_EXTEN | MPC_FLAG_NOMORE | MPC_FLAG_HMAC_SHA);
}

static void test_mpc_v1_bad_lengths(void)
{
	static const unsigned on_syn[] = { 4, 12, 20, 22, 24 };
	static const unsigned otherwise[] = { 12, 20, 22, 24 };

	check_lengths(0x01, 0x01, TCPF_SYN, on_syn, N(on_syn));
	check_lengths(0x01, 0x01, TCPF_SYN | TCPF_ACK, otherwise, N(otherwise));
	check_lengths(0x01, 0x01, TCPF_ACK, otherwise, N(otherwise));
}

static void test_mpc_unknown_version(void)
{
	static const unsigned on_syn[] = { 4, 12, 20, 22, 24 };
	static const unsigned otherwise[] = { 12, 20, 22, 24 };
	static const uint8_t opt[] = { KIND, 24, 0x0f, 0x01,
				       CLIENT_KEY_BYTES, SERVER_KEY_BYTES,
				       0x12, 0x34, 0x56, 0x78 };
	struct mptcp_option o;

	/* versions above 1 use the v1 layout; the wire version is kept */
	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.mpc.version, ==, 15);
	g_assert_cmpuint(o.u.mpc.sender_key, ==, REAL_CLIENT_KEY);
	g_assert_cmpuint(o.u.mpc.receiver_key, ==, REAL_SERVER_KEY);
	g_assert_cmphex(o.u.mpc.data_len, ==, 0x1234);
	g_assert_cmphex(o.u.mpc.checksum, ==, 0x5678);

	check_lengths(0x02, 0x01, TCPF_SYN, on_syn, N(on_syn));
	check_lengths(0x02, 0x01, TCPF_SYN | TCPF_ACK, otherwise, N(otherwise));
}

/* ======================================================================== */
/* MP_JOIN                                                                  */

static void test_join_syn(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x11, 0x02,
				       0xde, 0xad, 0xbe, 0xef,   /* token */
				       0x01, 0x02, 0x03, 0x04 }; /* nonce */
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_JOIN);
	g_assert_cmpint(o.u.join.stage, ==, MPJ_SYN);
	g_assert_true(o.u.join.backup);
	g_assert_cmpuint(o.u.join.addr_id, ==, 2);
	g_assert_cmphex(o.u.join.token, ==, 0xdeadbeef);
	g_assert_cmphex(o.u.join.nonce, ==, 0x01020304);
	g_assert_cmphex(o.u.join.trunc_hmac, ==, 0);
}

static void test_join_syn_no_backup(void)
{
	/* reserved bits of the nibble set, B clear */
	static const uint8_t opt[] = { KIND, 12, 0x1e, 0x00,
				       0x80, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN, &o);
	g_assert_false(o.u.join.backup);
	g_assert_cmpuint(o.u.join.addr_id, ==, 0);
	g_assert_cmphex(o.u.join.token, ==, 0x80000001);
	g_assert_cmphex(o.u.join.nonce, ==, 0xffffffff);
}

static void test_join_synack(void)
{
	static const uint8_t opt[] = { KIND, 16, 0x11, 0x07,
				       0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				       0x9a, 0xbc, 0xde, 0xf0 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_SYN | TCPF_ACK, &o);
	g_assert_cmpint(o.u.join.stage, ==, MPJ_SYNACK);
	g_assert_true(o.u.join.backup);
	g_assert_cmpuint(o.u.join.addr_id, ==, 7);
	g_assert_cmphex(o.u.join.trunc_hmac, ==, 0x1122334455667788ULL);
	g_assert_cmphex(o.u.join.nonce, ==, 0x9abcdef0);
	g_assert_cmphex(o.u.join.token, ==, 0);
}

static void test_join_ack(void)
{
	uint8_t opt[24] = { KIND, 24, 0x10, 0x00 };
	struct mptcp_option o;

	for (unsigned i = 0; i < 20; i++)
		opt[4 + i] = (uint8_t)(0xa0 + i);
	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpint(o.u.join.stage, ==, MPJ_ACK);
	for (unsigned i = 0; i < 20; i++)
		g_assert_cmphex(o.u.join.hmac[i], ==, 0xa0 + i);
	g_assert_false(o.u.join.backup);
	g_assert_cmpuint(o.u.join.addr_id, ==, 0);
}

static void test_join_flags_informational(void)
{
	/* the stage follows the length, whatever the TCP flags say */
	static const uint8_t syn[] = { KIND, 12, 0x10, 0x01,
				       0, 0, 0, 1, 0, 0, 0, 2 };
	uint8_t ack[24] = { KIND, 24, 0x10, 0x00 };
	struct mptcp_option o;

	assert_valid(syn, sizeof(syn), TCPF_ACK, &o);
	g_assert_cmpint(o.u.join.stage, ==, MPJ_SYN);
	g_assert_cmphex(o.u.join.token, ==, 1);
	g_assert_cmphex(o.u.join.nonce, ==, 2);
	assert_valid(syn, sizeof(syn), TCPF_SYN | TCPF_ACK, &o);
	g_assert_cmpint(o.u.join.stage, ==, MPJ_SYN);
	assert_valid(ack, sizeof(ack), TCPF_SYN, &o);
	g_assert_cmpint(o.u.join.stage, ==, MPJ_ACK);
}

static void test_join_bad_lengths(void)
{
	static const unsigned valid[] = { 12, 16, 24 };

	check_lengths(0x11, 0x01, TCPF_SYN, valid, N(valid));
	check_lengths(0x10, 0x00, TCPF_ACK, valid, N(valid));
}

/* ======================================================================== */
/* DSS                                                                      */

/* Builds a DSS option for `flags` (and a checksum when asked) from fixed
 * values, decodes it and checks every field. */
static void check_dss_combo(uint8_t flags, bool with_csum)
{
	const uint64_t ack = 0x0102030405060708ULL, dsn = 0x1112131415161718ULL;
	const uint32_t ssn = 0x21222324;
	const uint16_t dlen = 0x3132, csum = 0x4142;
	bool has_ack = flags & DSS_FLAG_ACK, has_map = flags & DSS_FLAG_MAP;
	bool ack64 = has_ack && (flags & DSS_FLAG_ACK8);
	bool dsn64 = has_map && (flags & DSS_FLAG_DSN8);
	uint8_t opt[40] = { KIND, 0, 0x20, flags };
	size_t len = 4;
	struct mptcp_option o;

	if (has_ack) {
		for (unsigned i = 0; i < (ack64 ? 8u : 4u); i++)
			opt[len++] = (uint8_t)(ack >> (8 * ((ack64 ? 7 : 3) - i)));
	}
	if (has_map) {
		for (unsigned i = 0; i < (dsn64 ? 8u : 4u); i++)
			opt[len++] = (uint8_t)(dsn >> (8 * ((dsn64 ? 7 : 3) - i)));
		for (unsigned i = 0; i < 4; i++)
			opt[len++] = (uint8_t)(ssn >> (8 * (3 - i)));
		opt[len++] = (uint8_t)(dlen >> 8);
		opt[len++] = (uint8_t)dlen;
		if (with_csum) {
			opt[len++] = (uint8_t)(csum >> 8);
			opt[len++] = (uint8_t)csum;
		}
	}
	opt[1] = (uint8_t)len;

	assert_valid(opt, len, TCPF_ACK, &o);
	g_assert_cmphex(o.u.dss.flags, ==, flags);
	g_assert_cmpint(o.u.dss.has_ack, ==, has_ack);
	g_assert_cmpint(o.u.dss.ack64, ==, ack64);
	g_assert_cmpint(o.u.dss.has_map, ==, has_map);
	g_assert_cmpint(o.u.dss.dsn64, ==, dsn64);
	g_assert_cmpint(o.u.dss.data_fin, ==, (flags & DSS_FLAG_FIN) != 0);
	g_assert_cmpint(o.u.dss.has_checksum, ==, has_map && with_csum);
	g_assert_cmphex(o.u.dss.data_ack, ==,
			!has_ack ? 0 : ack64 ? ack : (ack & 0xffffffffu));
	g_assert_cmphex(o.u.dss.dsn, ==,
			!has_map ? 0 : dsn64 ? dsn : (dsn & 0xffffffffu));
	g_assert_cmphex(o.u.dss.ssn, ==, has_map ? ssn : 0);
	g_assert_cmphex(o.u.dss.data_len, ==, has_map ? dlen : 0);
	g_assert_cmphex(o.u.dss.checksum, ==, has_map && with_csum ? csum : 0);
}

static void test_dss_all_flag_combinations(void)
{
	for (unsigned flags = 0; flags < 0x20; flags++) {
		check_dss_combo((uint8_t)flags, false);
		if (flags & DSS_FLAG_MAP)
			check_dss_combo((uint8_t)flags, true);
	}
}

static void test_dss_ack32(void)
{
	/* pure data ACK, as Linux sends on v0 connections */
	static const uint8_t opt[] = { KIND, 8, 0x20, 0x01, 0x9c, 0x3e, 0x71, 0x05 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_DSS);
	g_assert_true(o.u.dss.has_ack);
	g_assert_false(o.u.dss.ack64);
	g_assert_false(o.u.dss.has_map);
	g_assert_cmphex(o.u.dss.data_ack, ==, 0x9c3e7105);
}

static void test_dss_ack64_map64_checksum(void)
{
	static const uint8_t opt[] = { KIND, 28, 0x20, 0x0f,
				       CLIENT_KEY_BYTES,          /* data ACK */
				       SERVER_KEY_BYTES,          /* DSN */
				       0x00, 0x00, 0x00, 0x01,    /* SSN */
				       0x05, 0xa0,                /* length */
				       0x7f, 0x3c };              /* checksum */
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK | TCPF_PSH, &o);
	g_assert_true(o.u.dss.has_ack);
	g_assert_true(o.u.dss.ack64);
	g_assert_true(o.u.dss.has_map);
	g_assert_true(o.u.dss.dsn64);
	g_assert_false(o.u.dss.data_fin);
	g_assert_true(o.u.dss.has_checksum);
	g_assert_cmpuint(o.u.dss.data_ack, ==, REAL_CLIENT_KEY);
	g_assert_cmpuint(o.u.dss.dsn, ==, REAL_SERVER_KEY);
	g_assert_cmpuint(o.u.dss.ssn, ==, 1);
	g_assert_cmpuint(o.u.dss.data_len, ==, 1440);
	g_assert_cmphex(o.u.dss.checksum, ==, 0x7f3c);
}

static void test_dss_map32_data_fin(void)
{
	/* mapping only, 4-byte DSN, DATA_FIN, no checksum */
	static const uint8_t opt[] = { KIND, 14, 0x20, 0x14,
				       0xff, 0xff, 0xff, 0xfe,
				       0x00, 0x01, 0x00, 0x00,
				       0x00, 0x01 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK | TCPF_FIN, &o);
	g_assert_false(o.u.dss.has_ack);
	g_assert_true(o.u.dss.has_map);
	g_assert_false(o.u.dss.dsn64);
	g_assert_true(o.u.dss.data_fin);
	g_assert_false(o.u.dss.has_checksum);
	g_assert_cmphex(o.u.dss.dsn, ==, 0xfffffffe);
	g_assert_cmphex(o.u.dss.ssn, ==, 0x00010000);
	g_assert_cmpuint(o.u.dss.data_len, ==, 1);
}

static void test_dss_infinite_mapping(void)
{
	static const uint8_t opt[] = { KIND, 22, 0x20, 0x0d,
				       0x00, 0x00, 0x10, 0x00,                 /* ack */
				       0, 0, 0, 0, 0, 0, 0x20, 0x00,           /* DSN */
				       0, 0, 0, 0,                             /* SSN */
				       0, 0 };                                 /* len 0 */
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_true(o.u.dss.has_ack);
	g_assert_false(o.u.dss.ack64);
	g_assert_true(o.u.dss.dsn64);
	g_assert_cmphex(o.u.dss.data_ack, ==, 0x1000);
	g_assert_cmphex(o.u.dss.dsn, ==, 0x2000);
	g_assert_cmpuint(o.u.dss.ssn, ==, 0);
	g_assert_cmpuint(o.u.dss.data_len, ==, 0);
	g_assert_false(o.u.dss.has_checksum);
}

static void test_dss_ignored_size_bits(void)
{
	/* 'a' without 'A' and 'm' without 'M': nothing follows byte 3 */
	static const uint8_t bare[] = { KIND, 4, 0x20, 0x0a };
	/* 'm' with 'A' only: the ACK is still 4 bytes */
	static const uint8_t ack[] = { KIND, 8, 0x20, 0x09, 0, 0, 0, 9 };
	/* reserved high bits are kept in flags but change nothing */
	static const uint8_t rsv[] = { KIND, 4, 0x2f, 0xe0 };
	struct mptcp_option o;

	assert_valid(bare, sizeof(bare), TCPF_ACK, &o);
	g_assert_false(o.u.dss.has_ack);
	g_assert_false(o.u.dss.ack64);
	g_assert_false(o.u.dss.has_map);
	g_assert_false(o.u.dss.dsn64);
	g_assert_cmphex(o.u.dss.flags, ==, 0x0a);

	assert_valid(ack, sizeof(ack), TCPF_ACK, &o);
	g_assert_true(o.u.dss.has_ack);
	g_assert_false(o.u.dss.dsn64);
	g_assert_cmpuint(o.u.dss.data_ack, ==, 9);

	assert_valid(rsv, sizeof(rsv), TCPF_ACK, &o);
	g_assert_cmphex(o.u.dss.flags, ==, 0xe0);
	g_assert_false(o.u.dss.has_ack);
	g_assert_false(o.u.dss.has_map);
	g_assert_false(o.u.dss.data_fin);
}

static void test_dss_data_fin_alone(void)
{
	static const uint8_t opt[] = { KIND, 4, 0x20, 0x10 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_true(o.u.dss.data_fin);
	g_assert_false(o.u.dss.has_map);
}

static void test_dss_length_mismatch(void)
{
	static const struct { uint8_t flags; unsigned valid[2]; size_t n; } cases[] = {
		{ 0x00, { 4 }, 1 },        /* nothing: only +0, no checksum slot */
		{ 0x01, { 8 }, 1 },        /* ACK32 */
		{ 0x03, { 12 }, 1 },       /* ACK64 */
		{ 0x04, { 14, 16 }, 2 },   /* MAP32 (+ checksum) */
		{ 0x0c, { 18, 20 }, 2 },   /* MAP64 */
		{ 0x05, { 18, 20 }, 2 },   /* ACK32 + MAP32 */
		{ 0x07, { 22, 24 }, 2 },   /* ACK64 + MAP32 */
		{ 0x0d, { 22, 24 }, 2 },   /* ACK32 + MAP64 */
		{ 0x0f, { 26, 28 }, 2 },   /* ACK64 + MAP64 */
		{ 0x1f, { 26, 28 }, 2 },   /* ... + DATA_FIN */
		{ 0x13, { 12 }, 1 },       /* ACK64 + DATA_FIN, no mapping */
	};

	for (size_t i = 0; i < N(cases); i++)
		check_lengths(0x20, cases[i].flags, TCPF_ACK, cases[i].valid, cases[i].n);
}

/* ======================================================================== */
/* ADD_ADDR                                                                 */

static void test_add_addr_v0_ipv4(void)
{
	static const uint8_t plain[] = { KIND, 8, 0x34, 0x03, 10, 0, 2, 15 };
	static const uint8_t port[] = { KIND, 10, 0x34, 0x05, 192, 168, 1, 42, 0x1f, 0x90 };
	static const uint8_t a1[4] = { 10, 0, 2, 15 }, a2[4] = { 192, 168, 1, 42 };
	struct mptcp_option o;

	assert_valid(plain, sizeof(plain), TCPF_ACK, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_ADD_ADDR);
	g_assert_cmpuint(o.u.add_addr.version, ==, 0);
	g_assert_false(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 3);
	g_assert_cmpuint(o.u.add_addr.family, ==, 4);
	g_assert_cmpmem(o.u.add_addr.addr, 4, a1, 4);
	g_assert_false(o.u.add_addr.has_port);
	g_assert_false(o.u.add_addr.has_hmac);

	assert_valid(port, sizeof(port), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 0);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 5);
	g_assert_cmpuint(o.u.add_addr.family, ==, 4);
	g_assert_cmpmem(o.u.add_addr.addr, 4, a2, 4);
	g_assert_true(o.u.add_addr.has_port);
	g_assert_cmpuint(o.u.add_addr.port, ==, 8080);
	g_assert_false(o.u.add_addr.has_hmac);
}

static void test_add_addr_v0_ipv6(void)
{
	uint8_t plain[20] = { KIND, 20, 0x36, 0x09 };
	uint8_t port[22] = { KIND, 22, 0x36, 0x0a };
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0x01 };
	struct mptcp_option o;

	memcpy(plain + 4, a6, 16);
	memcpy(port + 4, a6, 16);
	port[20] = 0x01;
	port[21] = 0xbb;

	assert_valid(plain, sizeof(plain), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 0);
	g_assert_cmpuint(o.u.add_addr.family, ==, 6);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 9);
	g_assert_cmpmem(o.u.add_addr.addr, 16, a6, 16);
	g_assert_false(o.u.add_addr.has_port);

	assert_valid(port, sizeof(port), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.family, ==, 6);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 10);
	g_assert_cmpmem(o.u.add_addr.addr, 16, a6, 16);
	g_assert_true(o.u.add_addr.has_port);
	g_assert_cmpuint(o.u.add_addr.port, ==, 443);
	g_assert_false(o.u.add_addr.has_hmac);
}

static void test_add_addr_v0_bad_lengths(void)
{
	static const unsigned v4[] = { 8, 10 };
	static const unsigned v6[] = { 20, 22 };

	/* the length must agree with the IPVer nibble */
	check_lengths(0x34, 0x01, TCPF_ACK, v4, N(v4));
	check_lengths(0x36, 0x01, TCPF_ACK, v6, N(v6));
}

static void test_add_addr_v1_ipv4_hmac(void)
{
	static const uint8_t plain[] = { KIND, 16, 0x30, 0x01, 10, 0, 0, 2,
					 0x8b, 0x4c, 0x9e, 0x21, 0x53, 0xa0, 0x6f, 0x11 };
	static const uint8_t port[] = { KIND, 18, 0x30, 0x02, 10, 0, 0, 3, 0x27, 0x10,
					0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	static const uint8_t a1[4] = { 10, 0, 0, 2 }, a2[4] = { 10, 0, 0, 3 };
	struct mptcp_option o;

	assert_valid(plain, sizeof(plain), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_false(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 1);
	g_assert_cmpuint(o.u.add_addr.family, ==, 4);
	g_assert_cmpmem(o.u.add_addr.addr, 4, a1, 4);
	g_assert_false(o.u.add_addr.has_port);
	g_assert_true(o.u.add_addr.has_hmac);
	g_assert_cmphex(o.u.add_addr.hmac, ==, 0x8b4c9e2153a06f11ULL);

	/* the port comes before the HMAC */
	assert_valid(port, sizeof(port), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 2);
	g_assert_cmpuint(o.u.add_addr.family, ==, 4);
	g_assert_cmpmem(o.u.add_addr.addr, 4, a2, 4);
	g_assert_true(o.u.add_addr.has_port);
	g_assert_cmpuint(o.u.add_addr.port, ==, 10000);
	g_assert_true(o.u.add_addr.has_hmac);
	g_assert_cmphex(o.u.add_addr.hmac, ==, 0x0102030405060708ULL);
}

static void test_add_addr_v1_ipv4_echo(void)
{
	static const uint8_t plain[] = { KIND, 8, 0x31, 0x01, 10, 0, 0, 2 };
	static const uint8_t port[] = { KIND, 10, 0x31, 0x02, 10, 0, 0, 3, 0x27, 0x10 };
	static const uint8_t a1[4] = { 10, 0, 0, 2 }, a2[4] = { 10, 0, 0, 3 };
	struct mptcp_option o;

	assert_valid(plain, sizeof(plain), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_true(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 1);
	g_assert_cmpuint(o.u.add_addr.family, ==, 4);
	g_assert_cmpmem(o.u.add_addr.addr, 4, a1, 4);
	g_assert_false(o.u.add_addr.has_port);
	g_assert_false(o.u.add_addr.has_hmac);
	g_assert_cmphex(o.u.add_addr.hmac, ==, 0);

	assert_valid(port, sizeof(port), TCPF_ACK, &o);
	g_assert_true(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 2);
	g_assert_cmpmem(o.u.add_addr.addr, 4, a2, 4);
	g_assert_true(o.u.add_addr.has_port);
	g_assert_cmpuint(o.u.add_addr.port, ==, 10000);
	g_assert_false(o.u.add_addr.has_hmac);
}

static void test_add_addr_v1_ipv6_hmac(void)
{
	static const uint8_t a6[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
					0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };
	uint8_t plain[28] = { KIND, 28, 0x30, 0x04 };
	uint8_t port[30] = { KIND, 30, 0x30, 0x05 };
	struct mptcp_option o;

	memcpy(plain + 4, a6, 16);
	for (unsigned i = 0; i < 8; i++)
		plain[20 + i] = (uint8_t)(0xf0 + i);
	memcpy(port + 4, a6, 16);
	port[20] = 0xc3;
	port[21] = 0x50;
	for (unsigned i = 0; i < 8; i++)
		port[22 + i] = (uint8_t)(0x10 * i + 1);

	assert_valid(plain, sizeof(plain), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_false(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 4);
	g_assert_cmpuint(o.u.add_addr.family, ==, 6);
	g_assert_cmpmem(o.u.add_addr.addr, 16, a6, 16);
	g_assert_false(o.u.add_addr.has_port);
	g_assert_true(o.u.add_addr.has_hmac);
	g_assert_cmphex(o.u.add_addr.hmac, ==, 0xf0f1f2f3f4f5f6f7ULL);

	assert_valid(port, sizeof(port), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 5);
	g_assert_cmpuint(o.u.add_addr.family, ==, 6);
	g_assert_cmpmem(o.u.add_addr.addr, 16, a6, 16);
	g_assert_true(o.u.add_addr.has_port);
	g_assert_cmpuint(o.u.add_addr.port, ==, 50000);
	g_assert_true(o.u.add_addr.has_hmac);
	g_assert_cmphex(o.u.add_addr.hmac, ==, 0x0111213141516171ULL);
}

static void test_add_addr_v1_ipv6_echo(void)
{
	static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xca, 0xfe, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0x02 };
	uint8_t plain[20] = { KIND, 20, 0x31, 0x06 };
	uint8_t port[22] = { KIND, 22, 0x31, 0x07 };
	struct mptcp_option o;

	memcpy(plain + 4, a6, 16);
	memcpy(port + 4, a6, 16);
	port[20] = 0x00;
	port[21] = 0x50;

	assert_valid(plain, sizeof(plain), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_true(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 6);
	g_assert_cmpuint(o.u.add_addr.family, ==, 6);
	g_assert_cmpmem(o.u.add_addr.addr, 16, a6, 16);
	g_assert_false(o.u.add_addr.has_port);
	g_assert_false(o.u.add_addr.has_hmac);

	assert_valid(port, sizeof(port), TCPF_ACK, &o);
	g_assert_true(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.addr_id, ==, 7);
	g_assert_cmpmem(o.u.add_addr.addr, 16, a6, 16);
	g_assert_true(o.u.add_addr.has_port);
	g_assert_cmpuint(o.u.add_addr.port, ==, 80);
	g_assert_false(o.u.add_addr.has_hmac);
}

static void test_add_addr_v1_echo_with_hmac(void)
{
	static const unsigned echo[] = { 8, 10, 20, 22 };

	/* an echo never carries an HMAC: 16, 18, 28, 30 are malformed */
	check_lengths(0x31, 0x01, TCPF_ACK, echo, N(echo));
}

static void test_add_addr_v1_bad_lengths(void)
{
	static const unsigned valid[] = { 8, 10, 16, 18, 20, 22, 28, 30 };

	check_lengths(0x30, 0x01, TCPF_ACK, valid, N(valid));
	/* reserved nibble bits (not an IPVer value) still mean v1 */
	check_lengths(0x32, 0x01, TCPF_ACK, valid, N(valid));
}

static void test_add_addr_v1_reserved_bits(void)
{
	/* nibble 0xf: reserved bits set, E set -> v1 echo */
	static const uint8_t opt[] = { KIND, 8, 0x3f, 0x01, 1, 2, 3, 4 };
	/* nibble 0x2: reserved bit set, E clear -> v1, no echo */
	static const uint8_t hmac[] = { KIND, 16, 0x32, 0x01, 1, 2, 3, 4,
					0, 0, 0, 0, 0, 0, 0, 0x2a };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_true(o.u.add_addr.echo);
	g_assert_cmpuint(o.u.add_addr.family, ==, 4);

	assert_valid(hmac, sizeof(hmac), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.add_addr.version, ==, 1);
	g_assert_false(o.u.add_addr.echo);
	g_assert_true(o.u.add_addr.has_hmac);
	g_assert_cmphex(o.u.add_addr.hmac, ==, 0x2a);
}

/* ======================================================================== */
/* REMOVE_ADDR                                                              */

static void test_remove_addr_one(void)
{
	static const uint8_t opt[] = { KIND, 4, 0x40, 0x08 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_REMOVE_ADDR);
	g_assert_cmpuint(o.u.remove_addr.count, ==, 1);
	g_assert_cmpuint(o.u.remove_addr.ids[0], ==, 8);
	g_assert_cmpuint(o.u.remove_addr.ids[1], ==, 0);
}

static void test_remove_addr_many(void)
{
	static const uint8_t opt[] = { KIND, 8, 0x40, 1, 2, 3, 250, 0 };
	static const uint8_t ids[] = { 1, 2, 3, 250, 0 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.u.remove_addr.count, ==, 5);
	g_assert_cmpmem(o.u.remove_addr.ids, o.u.remove_addr.count, ids, sizeof(ids));
}

static void test_remove_addr_limits(void)
{
	uint8_t opt[41];
	struct mptcp_option o;

	for (unsigned i = 0; i < sizeof(opt); i++)
		opt[i] = (uint8_t)(100 + i);
	opt[0] = KIND;
	opt[2] = 0x40;

	/* 37 ids fill the whole 40-byte option space */
	opt[1] = 40;
	assert_valid(opt, 40, TCPF_ACK, &o);
	g_assert_cmpuint(o.u.remove_addr.count, ==, MPTCP_MAX_REMOVE_IDS);
	g_assert_cmpmem(o.u.remove_addr.ids, MPTCP_MAX_REMOVE_IDS, opt + 3, MPTCP_MAX_REMOVE_IDS);

	/* one more does not fit the ids array: malformed */
	opt[1] = 41;
	assert_malformed(opt, 41, TCPF_ACK);

	/* no id at all */
	opt[1] = 3;
	assert_malformed(opt, 3, TCPF_ACK);
}

static void test_remove_addr_lengths(void)
{
	unsigned valid[MPTCP_MAX_REMOVE_IDS];

	for (unsigned i = 0; i < MPTCP_MAX_REMOVE_IDS; i++)
		valid[i] = 4 + i;
	check_lengths(0x40, 0x01, TCPF_ACK, valid, N(valid));
}

/* ======================================================================== */
/* MP_PRIO                                                                  */

static void test_prio_v1(void)
{
	static const uint8_t backup[] = { KIND, 3, 0x51 };
	static const uint8_t normal[] = { KIND, 3, 0x50 };
	struct mptcp_option o;

	assert_valid(backup, sizeof(backup), TCPF_ACK, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_PRIO);
	g_assert_true(o.u.prio.backup);
	g_assert_false(o.u.prio.has_addr_id);
	g_assert_cmpuint(o.u.prio.addr_id, ==, 0);

	assert_valid(normal, sizeof(normal), TCPF_ACK, &o);
	g_assert_false(o.u.prio.backup);
	g_assert_false(o.u.prio.has_addr_id);
}

static void test_prio_v0_addr_id(void)
{
	static const uint8_t opt[] = { KIND, 4, 0x51, 0x03 };
	static const uint8_t clear[] = { KIND, 4, 0x50, 0x00 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_true(o.u.prio.backup);
	g_assert_true(o.u.prio.has_addr_id);
	g_assert_cmpuint(o.u.prio.addr_id, ==, 3);

	assert_valid(clear, sizeof(clear), TCPF_ACK, &o);
	g_assert_false(o.u.prio.backup);
	g_assert_true(o.u.prio.has_addr_id);
	g_assert_cmpuint(o.u.prio.addr_id, ==, 0);
}

static void test_prio_bad_lengths(void)
{
	static const unsigned valid[] = { 3, 4 };

	check_lengths(0x51, 0x01, TCPF_ACK, valid, N(valid));
}

/* ======================================================================== */
/* MP_FAIL, MP_FASTCLOSE, MP_TCPRST                                         */

static void test_fail(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x60, 0x00,
				       0x00, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00 };
	static const unsigned valid[] = { 12 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_FAIL);
	g_assert_cmphex(o.u.fail.dsn, ==, 0x0000000180000000ULL);
	check_lengths(0x60, 0x00, TCPF_ACK, valid, N(valid));
}

static void test_fastclose(void)
{
	static const uint8_t opt[] = { KIND, 12, 0x70, 0x00, SERVER_KEY_BYTES };
	static const unsigned valid[] = { 12 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_ACK | TCPF_RST, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_FASTCLOSE);
	g_assert_cmpuint(o.u.fastclose.receiver_key, ==, REAL_SERVER_KEY);
	check_lengths(0x70, 0x00, TCPF_ACK, valid, N(valid));
}

static void test_tcprst(void)
{
	/* T (transient) flag, reason 0x06: "middlebox interference" */
	static const uint8_t opt[] = { KIND, 4, 0x81, 0x06 };
	static const uint8_t all[] = { KIND, 4, 0x8f, 0xff };
	static const unsigned valid[] = { 4 };
	struct mptcp_option o;

	assert_valid(opt, sizeof(opt), TCPF_RST, &o);
	g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_TCPRST);
	g_assert_cmphex(o.u.tcprst.flags, ==, 0x1);
	g_assert_cmpuint(o.u.tcprst.reason, ==, 6);

	assert_valid(all, sizeof(all), TCPF_RST, &o);
	g_assert_cmphex(o.u.tcprst.flags, ==, 0xf);
	g_assert_cmpuint(o.u.tcprst.reason, ==, 0xff);

	check_lengths(0x81, 0x06, TCPF_RST, valid, N(valid));
}

/* ======================================================================== */
/* experimental and unknown subtypes                                        */

static void test_experimental_and_unknown(void)
{
	static const unsigned subtypes[] = { 9, 10, 11, 12, 13, 14, 15 };
	unsigned all[38];

	for (unsigned i = 0; i < N(all); i++)
		all[i] = 3 + i;
	for (size_t i = 0; i < N(subtypes); i++) {
		/* any length >= 3 that fits is accepted, with no fields */
		check_lengths((uint8_t)(subtypes[i] << 4 | 0x0f), 0xff, TCPF_ACK, all, N(all));
	}
	{
		static const uint8_t opt[] = { KIND, 3, 0xf7 };
		struct mptcp_option o;

		assert_valid(opt, sizeof(opt), 0, &o);
		g_assert_cmpuint(o.subtype, ==, MPTCP_SUB_EXPERIMENTAL);
		g_assert_true(fields_zero(&o));
	}
}

/* ======================================================================== */
/* truncation and robustness                                                */

struct sample {
	const char *name;
	uint8_t tcp_flags;
	size_t len;
	uint8_t bytes[40];
};

/* One valid example of every form; each must decode at full length. */
static const struct sample samples[] = {
	{ "mpc v0 syn", TCPF_SYN, 12, { KIND, 12, 0x00, 0x81, CLIENT_KEY_BYTES } },
	{ "mpc v0 ack", TCPF_ACK, 20, { KIND, 20, 0x00, 0x81, CLIENT_KEY_BYTES, SERVER_KEY_BYTES } },
	{ "mpc v1 syn", TCPF_SYN, 4, { KIND, 4, 0x01, 0x01 } },
	{ "mpc v1 synack", TCPF_SYN | TCPF_ACK, 12, { KIND, 12, 0x01, 0x01, SERVER_KEY_BYTES } },
	{ "mpc v1 ack", TCPF_ACK, 20, { KIND, 20, 0x01, 0x01, CLIENT_KEY_BYTES, SERVER_KEY_BYTES } },
	{ "mpc v1 data", TCPF_ACK, 22, { KIND, 22, 0x01, 0x01, CLIENT_KEY_BYTES, SERVER_KEY_BYTES, 0, 9 } },
	{ "mpc v1 csum", TCPF_ACK, 24, { KIND, 24, 0x01, 0x81, CLIENT_KEY_BYTES, SERVER_KEY_BYTES, 0, 9, 1, 2 } },
	{ "join syn", TCPF_SYN, 12, { KIND, 12, 0x11, 0x01, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "join synack", TCPF_SYN | TCPF_ACK, 16, { KIND, 16, 0x10, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 } },
	{ "join ack", TCPF_ACK, 24, { KIND, 24, 0x10, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				     11, 12, 13, 14, 15, 16, 17, 18, 19, 20 } },
	{ "dss empty", TCPF_ACK, 4, { KIND, 4, 0x20, 0x00 } },
	{ "dss ack32", TCPF_ACK, 8, { KIND, 8, 0x20, 0x01, 1, 2, 3, 4 } },
	{ "dss ack64", TCPF_ACK, 12, { KIND, 12, 0x20, 0x03, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "dss map32", TCPF_ACK, 14, { KIND, 14, 0x20, 0x04, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1 } },
	{ "dss map32 csum", TCPF_ACK, 16, { KIND, 16, 0x20, 0x04, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 2, 3 } },
	{ "dss full", TCPF_ACK, 28, { KIND, 28, 0x20, 0x1f, CLIENT_KEY_BYTES, SERVER_KEY_BYTES,
				     0, 0, 0, 1, 0, 2, 0xab, 0xcd } },
	{ "add_addr v0 4", TCPF_ACK, 8, { KIND, 8, 0x34, 1, 10, 0, 0, 1 } },
	{ "add_addr v0 4p", TCPF_ACK, 10, { KIND, 10, 0x34, 1, 10, 0, 0, 1, 0, 80 } },
	{ "add_addr v0 6", TCPF_ACK, 20, { KIND, 20, 0x36, 1, 0x20, 1, 0xd, 0xb8 } },
	{ "add_addr v0 6p", TCPF_ACK, 22, { KIND, 22, 0x36, 1, 0x20, 1, 0xd, 0xb8, [20] = 0, 80 } },
	{ "add_addr v1 4e", TCPF_ACK, 8, { KIND, 8, 0x31, 1, 10, 0, 0, 1 } },
	{ "add_addr v1 4ep", TCPF_ACK, 10, { KIND, 10, 0x31, 1, 10, 0, 0, 1, 0, 80 } },
	{ "add_addr v1 4h", TCPF_ACK, 16, { KIND, 16, 0x30, 1, 10, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "add_addr v1 4ph", TCPF_ACK, 18, { KIND, 18, 0x30, 1, 10, 0, 0, 1, 0, 80, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "add_addr v1 6e", TCPF_ACK, 20, { KIND, 20, 0x31, 1, 0xfe, 0x80 } },
	{ "add_addr v1 6ep", TCPF_ACK, 22, { KIND, 22, 0x31, 1, 0xfe, 0x80, [20] = 0, 80 } },
	{ "add_addr v1 6h", TCPF_ACK, 28, { KIND, 28, 0x30, 1, 0xfe, 0x80, [20] = 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "add_addr v1 6ph", TCPF_ACK, 30, { KIND, 30, 0x30, 1, 0xfe, 0x80, [20] = 0, 80, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "remove_addr 1", TCPF_ACK, 4, { KIND, 4, 0x40, 1 } },
	{ "remove_addr 37", TCPF_ACK, 40, { KIND, 40, 0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
					    26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37 } },
	{ "prio v1", TCPF_ACK, 3, { KIND, 3, 0x51 } },
	{ "prio v0", TCPF_ACK, 4, { KIND, 4, 0x51, 2 } },
	{ "fail", TCPF_ACK, 12, { KIND, 12, 0x60, 0, 1, 2, 3, 4, 5, 6, 7, 8 } },
	{ "fastclose", TCPF_ACK | TCPF_RST, 12, { KIND, 12, 0x70, 0, SERVER_KEY_BYTES } },
	{ "tcprst", TCPF_RST, 4, { KIND, 4, 0x81, 2 } },
	{ "experimental", TCPF_ACK, 6, { KIND, 6, 0xf0, 1, 2, 3 } },
	{ "unknown 9", TCPF_ACK, 5, { KIND, 5, 0x90, 1, 2 } },
};

static void test_samples_valid(void)
{
	for (size_t i = 0; i < N(samples); i++) {
		struct mptcp_option o;

		if (!decode_exact(samples[i].bytes, samples[i].len, samples[i].tcp_flags, &o))
			g_test_message("sample %s does not decode", samples[i].name);
		assert_valid(samples[i].bytes, samples[i].len, samples[i].tcp_flags, &o);
	}
}

static void test_truncations(void)
{
	for (size_t i = 0; i < N(samples); i++) {
		const struct sample *s = &samples[i];

		for (size_t n = 0; n < s->len; n++) {
			struct mptcp_option o;

			/* the length byte claims more than there is: malformed */
			g_assert_false(decode_exact(s->bytes, n, s->tcp_flags, &o));
			g_assert_true(o.malformed);
			g_assert_true(fields_zero(&o));
			g_assert_cmpuint(o.length, ==, n >= 2 ? s->len : 0);
			if (n >= 3)
				g_assert_cmpuint(o.subtype, ==, s->bytes[2] >> 4);
		}
		{
			struct mptcp_option o;
			g_assert_true(decode_exact(s->bytes, s->len, s->tcp_flags, &o));
		}
	}
}

static void test_shorter_length_byte(void)
{
	/* Each valid sample, with its length byte lowered, is decoded from the
	 * full buffer: the decoder must stay inside the claimed length (its
	 * verdict then depends only on the shorter option). */
	for (size_t i = 0; i < N(samples); i++) {
		const struct sample *s = &samples[i];

		for (size_t l = 0; l < s->len; l++) {
			uint8_t buf[40];
			struct mptcp_option a, b;
			bool ok_full, ok_exact;

			memcpy(buf, s->bytes, s->len);
			buf[1] = (uint8_t)l;
			ok_full = decode_exact(buf, s->len, s->tcp_flags, &a);
			/* same option with nothing after it */
			ok_exact = decode_exact(buf, l < 3 ? 3 : l, s->tcp_flags, &b);
			g_assert_cmpint(ok_full, ==, ok_exact);
			g_assert_cmpint(a.malformed, ==, b.malformed);
			g_assert_cmpuint(a.length, ==, l);
			if (l >= 3)
				g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
		}
	}
}

static void test_random_bytes(void)
{
	/* Random options from exact-size heap buffers: no crash, no over-read,
	 * and a consistent verdict. */
	GRand *rand = g_rand_new_with_seed(0x6d707463);

	for (unsigned iter = 0; iter < 50000; iter++) {
		uint8_t buf[48];
		size_t len = (size_t)g_rand_int_range(rand, 0, 45);
		struct mptcp_option o;
		bool ok;

		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)g_rand_int(rand);
		if (len > 0)
			buf[0] = KIND;
		if (len > 1 && g_rand_boolean(rand))
			buf[1] = (uint8_t)g_rand_int_range(rand, 0, 46);
		ok = decode_exact(buf, len, (uint8_t)g_rand_int(rand), &o);
		g_assert_cmpint(ok, ==, !o.malformed);
		if (ok) {
			g_assert_cmpuint(len, >=, 3);
			g_assert_cmpuint(o.length, >=, 3);
			g_assert_cmpuint(o.length, <=, len);
		} else {
			g_assert_true(fields_zero(&o));
		}
	}
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/mptcp_option/name/subtypes", test_subtype_names);

	g_test_add_func("/mptcp_option/header/too_short", test_header_too_short);
	g_test_add_func("/mptcp_option/header/length_below_3", test_header_length_below_3);
	g_test_add_func("/mptcp_option/header/length_exceeds_buffer", test_header_length_exceeds_buffer);
	g_test_add_func("/mptcp_option/header/trailing_bytes_ignored", test_header_trailing_bytes_ignored);
	g_test_add_func("/mptcp_option/header/kind_not_checked", test_header_kind_not_checked);
	g_test_add_func("/mptcp_option/header/output_zeroed_first", test_output_zeroed_first);

	g_test_add_func("/mptcp_option/mp_capable/v0_syn", test_mpc_v0_syn);
	g_test_add_func("/mptcp_option/mp_capable/v0_synack", test_mpc_v0_synack);
	g_test_add_func("/mptcp_option/mp_capable/v0_ack", test_mpc_v0_ack);
	g_test_add_func("/mptcp_option/mp_capable/v0_bad_lengths", test_mpc_v0_bad_lengths);
	g_test_add_func("/mptcp_option/mp_capable/v1_syn_keyless", test_mpc_v1_syn_keyless);
	g_test_add_func("/mptcp_option/mp_capable/v1_keyless_needs_pure_syn", test_mpc_v1_keyless_needs_pure_syn);
	g_test_add_func("/mptcp_option/mp_capable/v1_synack_real", test_mpc_v1_synack_real);
	g_test_add_func("/mptcp_option/mp_capable/v1_len12_any_segment", test_mpc_v1_len12_any_segment);
	g_test_add_func("/mptcp_option/mp_capable/v1_third_ack_real", test_mpc_v1_third_ack_real);
	g_test_add_func("/mptcp_option/mp_capable/v1_data_len", test_mpc_v1_data_len);
	g_test_add_func("/mptcp_option/mp_capable/v1_checksum", test_mpc_v1_checksum);
	g_test_add_func("/mptcp_option/mp_capable/v1_flags", test_mpc_v1_flags);
	g_test_add_func("/mptcp_option/mp_capable/v1_bad_lengths", test_mpc_v1_bad_lengths);
	g_test_add_func("/mptcp_option/mp_capable/unknown_version", test_mpc_unknown_version);

	g_test_add_func("/mptcp_option/mp_join/syn", test_join_syn);
	g_test_add_func("/mptcp_option/mp_join/syn_no_backup", test_join_syn_no_backup);
	g_test_add_func("/mptcp_option/mp_join/synack", test_join_synack);
	g_test_add_func("/mptcp_option/mp_join/ack", test_join_ack);
	g_test_add_func("/mptcp_option/mp_join/flags_informational", test_join_flags_informational);
	g_test_add_func("/mptcp_option/mp_join/bad_lengths", test_join_bad_lengths);

	g_test_add_func("/mptcp_option/dss/all_flag_combinations", test_dss_all_flag_combinations);
	g_test_add_func("/mptcp_option/dss/ack32", test_dss_ack32);
	g_test_add_func("/mptcp_option/dss/ack64_map64_checksum", test_dss_ack64_map64_checksum);
	g_test_add_func("/mptcp_option/dss/map32_data_fin", test_dss_map32_data_fin);
	g_test_add_func("/mptcp_option/dss/infinite_mapping", test_dss_infinite_mapping);
	g_test_add_func("/mptcp_option/dss/ignored_size_bits", test_dss_ignored_size_bits);
	g_test_add_func("/mptcp_option/dss/data_fin_alone", test_dss_data_fin_alone);
	g_test_add_func("/mptcp_option/dss/length_mismatch", test_dss_length_mismatch);

	g_test_add_func("/mptcp_option/add_addr/v0_ipv4", test_add_addr_v0_ipv4);
	g_test_add_func("/mptcp_option/add_addr/v0_ipv6", test_add_addr_v0_ipv6);
	g_test_add_func("/mptcp_option/add_addr/v0_bad_lengths", test_add_addr_v0_bad_lengths);
	g_test_add_func("/mptcp_option/add_addr/v1_ipv4_hmac", test_add_addr_v1_ipv4_hmac);
	g_test_add_func("/mptcp_option/add_addr/v1_ipv4_echo", test_add_addr_v1_ipv4_echo);
	g_test_add_func("/mptcp_option/add_addr/v1_ipv6_hmac", test_add_addr_v1_ipv6_hmac);
	g_test_add_func("/mptcp_option/add_addr/v1_ipv6_echo", test_add_addr_v1_ipv6_echo);
	g_test_add_func("/mptcp_option/add_addr/v1_echo_with_hmac", test_add_addr_v1_echo_with_hmac);
	g_test_add_func("/mptcp_option/add_addr/v1_bad_lengths", test_add_addr_v1_bad_lengths);
	g_test_add_func("/mptcp_option/add_addr/v1_reserved_bits", test_add_addr_v1_reserved_bits);

	g_test_add_func("/mptcp_option/remove_addr/one", test_remove_addr_one);
	g_test_add_func("/mptcp_option/remove_addr/many", test_remove_addr_many);
	g_test_add_func("/mptcp_option/remove_addr/limits", test_remove_addr_limits);
	g_test_add_func("/mptcp_option/remove_addr/lengths", test_remove_addr_lengths);

	g_test_add_func("/mptcp_option/mp_prio/v1", test_prio_v1);
	g_test_add_func("/mptcp_option/mp_prio/v0_addr_id", test_prio_v0_addr_id);
	g_test_add_func("/mptcp_option/mp_prio/bad_lengths", test_prio_bad_lengths);

	g_test_add_func("/mptcp_option/mp_fail/decode", test_fail);
	g_test_add_func("/mptcp_option/mp_fastclose/decode", test_fastclose);
	g_test_add_func("/mptcp_option/mp_tcprst/decode", test_tcprst);

	g_test_add_func("/mptcp_option/other/experimental_and_unknown", test_experimental_and_unknown);

	g_test_add_func("/mptcp_option/robust/samples_valid", test_samples_valid);
	g_test_add_func("/mptcp_option/robust/truncations", test_truncations);
	g_test_add_func("/mptcp_option/robust/shorter_length_byte", test_shorter_length_byte);
	g_test_add_func("/mptcp_option/robust/random_bytes", test_random_bytes);

	return g_test_run();
}
