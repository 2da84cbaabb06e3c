/* mptcp_option.c - decodes one TCP option of kind 30 (Multipath TCP).
 *
 * Handles both RFC 6824 (v0) and RFC 8684 (v1).  The common header (length,
 * subtype; the kind is the caller's business) is checked once in
 * mptcp_option_decode(); each subtype then has one small function, picked
 * from a table indexed by the subtype nibble, that validates the option
 * length for that subtype *before* reading any field.  All reads go through util/span.h and the span is cut down to the
 * option's own length byte, so nothing outside the option is ever touched.
 */
#include "decode/mptcp_option.h"

#include <string.h>

/* Offsets shared by every subtype. */
#define OFF_LEN 1
#define OFF_SUB 2 /* subtype in the high nibble, subtype-specific low nibble */
#define OFF_BODY 3

/* A decoder gets a span already cut to the option length (>= 3 bytes) and
 * returns false when that length does not fit the subtype.  Only MP_CAPABLE
 * looks at the TCP flags; the others take them for the common signature. */
typedef bool (*subtype_decoder)(struct span opt, uint8_t tcp_flags,
				struct mptcp_option *out);

static uint8_t low_nibble(struct span opt)
{
	return span_u8(opt, OFF_SUB) & 0x0f;
}

/* ---- MP_CAPABLE (0) ---------------------------------------------------- */

/* Keys sit at fixed places whatever the version: sender key at 4, receiver
 * key at 12, then (v1 only) the data-level length and checksum. */
static void mpc_read_keys(struct span opt, struct mptcp_capable *mpc, size_t len)
{
	if (len >= 12 && span_has(opt, 4, 8)) {
		mpc->has_sender_key = true;
		mpc->sender_key = span_be64(opt, 4);
	}
	if (len >= 20 && span_has(opt, 12, 8)) {
		mpc->has_receiver_key = true;
		mpc->receiver_key = span_be64(opt, 12);
	}
	if (len >= 22 && span_has(opt, 20, 2)) {
		mpc->has_data_len = true;
		mpc->data_len = span_be16(opt, 20);
	}
	if (len >= 24 && span_has(opt, 22, 2)) {
		mpc->has_checksum = true;
		mpc->checksum = span_be16(opt, 22);
	}
}

static bool decode_capable(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	struct mptcp_capable *mpc = &out->u.mpc;
	size_t len = opt.len;

	/* byte 3 (flags) is present in every valid form */
	if (len < 4)
		return false;
	/* The wire version is kept as is; versions above 1 follow the v1
	 * layout, which is the newest one we know. */
	mpc->version = low_nibble(opt);
	mpc->flags = span_u8(opt, OFF_BODY);

	if (mpc->version == 0) {
		/* v0: the SYN and SYN/ACK carry the sender key, the third ACK
		 * both keys; there is no keyless form. */
		if (len != 12 && len != 20)
			return false;
	} else {
		switch (len) {
		case 4:
			/* v1 keyless form: only the initial SYN may omit the key */
			if ((tcp_flags & (TCPF_SYN | TCPF_ACK)) != TCPF_SYN)
				return false;
			break;
		case 12: /* SYN/ACK (some stacks also put it on the SYN) */
		case 20: /* third ACK */
		case 22: /* first data: both keys + data-level length */
		case 24: /* ... + DSS checksum */
			break;
		default:
			return false;
		}
	}
	mpc_read_keys(opt, mpc, len);
	return true;
}

/* ---- MP_JOIN (1) ------------------------------------------------------- */

/* The stage comes from the length alone: the three forms have distinct sizes,
 * and a capture may hold odd flag combinations we still want to show. */
static bool decode_join(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	struct mptcp_join *join = &out->u.join;

	(void)tcp_flags;

	switch (opt.len) {
	case 12:
		if (!span_has(opt, 4, 8))
			return false;
		join->stage = MPJ_SYN;
		join->backup = low_nibble(opt) & 0x01;
		join->addr_id = span_u8(opt, OFF_BODY);
		join->token = span_be32(opt, 4);
		join->nonce = span_be32(opt, 8);
		return true;
	case 16:
		if (!span_has(opt, 4, 12))
			return false;
		join->stage = MPJ_SYNACK;
		join->backup = low_nibble(opt) & 0x01;
		join->addr_id = span_u8(opt, OFF_BODY);
		join->trunc_hmac = span_be64(opt, 4);
		join->nonce = span_be32(opt, 12);
		return true;
	case 24:
		/* bytes 2 (low nibble) and 3 are reserved in the ACK form */
		join->stage = MPJ_ACK;
		return span_copy(opt, 4, join->hmac, sizeof(join->hmac));
	default:
		return false;
	}
}

/* ---- DSS (2) ----------------------------------------------------------- */

static bool decode_dss(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	struct mptcp_dss *dss = &out->u.dss;
	size_t expected = 4, off = 4;

	(void)tcp_flags;

	if (opt.len < 4)
		return false;
	dss->flags = span_u8(opt, OFF_BODY);
	dss->has_ack = dss->flags & DSS_FLAG_ACK;
	/* 'a' and 'm' only mean something together with 'A' and 'M' */
	dss->ack64 = dss->has_ack && (dss->flags & DSS_FLAG_ACK8);
	dss->has_map = dss->flags & DSS_FLAG_MAP;
	dss->dsn64 = dss->has_map && (dss->flags & DSS_FLAG_DSN8);
	dss->data_fin = dss->flags & DSS_FLAG_FIN;

	if (dss->has_ack)
		expected += dss->ack64 ? 8 : 4;
	if (dss->has_map)
		expected += (dss->dsn64 ? 8 : 4) + 4 + 2;

	/* The checksum is not flagged: its presence (negotiated at MP_CAPABLE
	 * time) shows only as two extra bytes after a mapping. */
	if (opt.len == expected + 2 && dss->has_map)
		dss->has_checksum = true;
	else if (opt.len != expected)
		return false;

	if (dss->has_ack) {
		if (dss->ack64) {
			if (!span_has(opt, off, 8))
				return false;
			dss->data_ack = span_be64(opt, off);
			off += 8;
		} else {
			if (!span_has(opt, off, 4))
				return false;
			dss->data_ack = span_be32(opt, off);
			off += 4;
		}
	}
	if (dss->has_map) {
		size_t dsn_len = dss->dsn64 ? 8 : 4;

		if (!span_has(opt, off, dsn_len + 4 + 2))
			return false;
		dss->dsn = dss->dsn64 ? span_be64(opt, off) : span_be32(opt, off);
		off += dsn_len;
		dss->ssn = span_be32(opt, off);
		off += 4;
		dss->data_len = span_be16(opt, off);
		off += 2;
		if (dss->has_checksum) {
			if (!span_has(opt, off, 2))
				return false;
			dss->checksum = span_be16(opt, off);
		}
	}
	return true;
}

/* ---- ADD_ADDR (3) ------------------------------------------------------ */

/* Reads address, optional port and optional HMAC, in that order, from byte 4
 * on, once the caller has matched the length to a layout. */
static bool add_addr_read(struct span opt, struct mptcp_add_addr *aa)
{
	size_t alen = aa->family == 4 ? 4 : 16;
	size_t off = 4;

	if (!span_copy(opt, off, aa->addr, alen))
		return false;
	off += alen;
	if (aa->has_port) {
		if (!span_has(opt, off, 2))
			return false;
		aa->port = span_be16(opt, off);
		off += 2;
	}
	if (aa->has_hmac) {
		if (!span_has(opt, off, 8))
			return false;
		aa->hmac = span_be64(opt, off);
	}
	return true;
}

static bool decode_add_addr(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	struct mptcp_add_addr *aa = &out->u.add_addr;
	uint8_t nib = low_nibble(opt);

	(void)tcp_flags;

	if (opt.len < 4)
		return false;
	aa->addr_id = span_u8(opt, OFF_BODY);

	if (nib == 4 || nib == 6) {
		/* RFC 6824: the nibble is the IP version.  v1 never sets these
		 * values (only E, the low bit, is defined), so they identify v0. */
		aa->version = 0;
		aa->family = nib;
		switch (opt.len) {
		case 8: case 20:
			break;
		case 10: case 22:
			aa->has_port = true;
			break;
		default:
			return false;
		}
		/* the length must also match the announced family */
		if ((opt.len <= 10) != (nib == 4))
			return false;
		return add_addr_read(opt, aa);
	}

	/* RFC 8684: the family is only implied by the length; every layout has
	 * a distinct length, so the length alone picks it. */
	aa->version = 1;
	aa->echo = nib & 0x01;
	switch (opt.len) {
	case 8:  aa->family = 4; break;
	case 10: aa->family = 4; aa->has_port = true; break;
	case 16: aa->family = 4; aa->has_hmac = true; break;
	case 18: aa->family = 4; aa->has_port = true; aa->has_hmac = true; break;
	case 20: aa->family = 6; break;
	case 22: aa->family = 6; aa->has_port = true; break;
	case 28: aa->family = 6; aa->has_hmac = true; break;
	case 30: aa->family = 6; aa->has_port = true; aa->has_hmac = true; break;
	default: return false;
	}
	/* an echo repeats the address without authenticating it */
	if (aa->echo && aa->has_hmac)
		return false;
	return add_addr_read(opt, aa);
}

/* ---- REMOVE_ADDR (4) --------------------------------------------------- */

static bool decode_remove_addr(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	struct mptcp_remove_addr *ra = &out->u.remove_addr;
	size_t count;

	(void)tcp_flags;

	if (opt.len < 4)
		return false;
	count = opt.len - 3;
	if (count > MPTCP_MAX_REMOVE_IDS)
		return false;
	if (!span_copy(opt, OFF_BODY, ra->ids, count))
		return false;
	ra->count = (uint8_t)count;
	return true;
}

/* ---- MP_PRIO (5) ------------------------------------------------------- */

static bool decode_prio(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	struct mptcp_prio *prio = &out->u.prio;

	(void)tcp_flags;

	if (opt.len != 3 && opt.len != 4)
		return false;
	prio->backup = low_nibble(opt) & 0x01;
	/* RFC 6824 allowed naming another subflow's address; RFC 8684 dropped it */
	if (opt.len == 4 && span_has(opt, OFF_BODY, 1)) {
		prio->has_addr_id = true;
		prio->addr_id = span_u8(opt, OFF_BODY);
	}
	return true;
}

/* ---- MP_FAIL (6), MP_FASTCLOSE (7), MP_TCPRST (8) ---------------------- */

static bool decode_fail(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	(void)tcp_flags;

	if (opt.len != 12 || !span_has(opt, 4, 8))
		return false;
	out->u.fail.dsn = span_be64(opt, 4);
	return true;
}

static bool decode_fastclose(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	(void)tcp_flags;

	if (opt.len != 12 || !span_has(opt, 4, 8))
		return false;
	out->u.fastclose.receiver_key = span_be64(opt, 4);
	return true;
}

static bool decode_tcprst(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	(void)tcp_flags;

	if (opt.len != 4 || !span_has(opt, OFF_BODY, 1))
		return false;
	out->u.tcprst.flags = low_nibble(opt);
	out->u.tcprst.reason = span_u8(opt, OFF_BODY);
	return true;
}

/* ---- dispatch ---------------------------------------------------------- */

/* Indexed by the 4-bit subtype.  A NULL entry (MP_EXPERIMENTAL, unassigned
 * subtypes) has no fields we know of, which is not an error. */
static const subtype_decoder decoders[16] = {
	[MPTCP_SUB_CAPABLE] = decode_capable,
	[MPTCP_SUB_JOIN] = decode_join,
	[MPTCP_SUB_DSS] = decode_dss,
	[MPTCP_SUB_ADD_ADDR] = decode_add_addr,
	[MPTCP_SUB_REMOVE_ADDR] = decode_remove_addr,
	[MPTCP_SUB_PRIO] = decode_prio,
	[MPTCP_SUB_FAIL] = decode_fail,
	[MPTCP_SUB_FASTCLOSE] = decode_fastclose,
	[MPTCP_SUB_TCPRST] = decode_tcprst,
};

static bool malformed(struct mptcp_option *out)
{
	uint8_t subtype = out->subtype, length = out->length;

	/* leave no half-decoded fields behind */
	memset(out, 0, sizeof(*out));
	out->subtype = subtype;
	out->length = length;
	out->malformed = true;
	return false;
}

bool mptcp_option_decode(struct span opt, uint8_t tcp_flags, struct mptcp_option *out)
{
	subtype_decoder decode;
	uint8_t length;

	memset(out, 0, sizeof(*out));
	/* Report whatever header bytes exist, even for a malformed option. */
	if (span_has(opt, OFF_LEN, 1))
		out->length = span_u8(opt, OFF_LEN);
	if (span_has(opt, OFF_SUB, 1))
		out->subtype = span_u8(opt, OFF_SUB) >> 4;
	if (!span_has(opt, 0, 3))
		return malformed(out);

	length = out->length;
	if (length < 3 || !span_has(opt, 0, length))
		return malformed(out);
	/* Anything after the length byte's end belongs to the next option. */
	opt = span_sub(opt, 0, length);

	decode = decoders[out->subtype & 0x0f];
	if (decode && !decode(opt, tcp_flags, out))
		return malformed(out);
	return true;
}

const char *mptcp_subtype_name(unsigned subtype)
{
	static const char *const names[] = {
		[MPTCP_SUB_CAPABLE] = "MP_CAPABLE",
		[MPTCP_SUB_JOIN] = "MP_JOIN",
		[MPTCP_SUB_DSS] = "DSS",
		[MPTCP_SUB_ADD_ADDR] = "ADD_ADDR",
		[MPTCP_SUB_REMOVE_ADDR] = "REMOVE_ADDR",
		[MPTCP_SUB_PRIO] = "MP_PRIO",
		[MPTCP_SUB_FAIL] = "MP_FAIL",
		[MPTCP_SUB_FASTCLOSE] = "MP_FASTCLOSE",
		[MPTCP_SUB_TCPRST] = "MP_TCPRST",
		[MPTCP_SUB_EXPERIMENTAL] = "MP_EXPERIMENTAL",
	};

	if (subtype < sizeof(names) / sizeof(names[0]) && names[subtype])
		return names[subtype];
	return "UNKNOWN";
}
