/* mptcp_option.h - decodes one TCP option of kind 30 (Multipath TCP).
 *
 * Both protocol versions: RFC 6824 (v0) and RFC 8684 (v1).  The decoder is a
 * pure function of the option bytes and the TCP flags of the segment that
 * carries them; it never reads outside the span it is given and reports an
 * option whose length does not fit its subtype as malformed.
 */
#ifndef MPTCPA_MPTCP_OPTION_H
#define MPTCPA_MPTCP_OPTION_H

#include <stdbool.h>
#include <stdint.h>
#include "util/span.h"

enum mptcp_subtype {
	MPTCP_SUB_CAPABLE = 0,
	MPTCP_SUB_JOIN = 1,
	MPTCP_SUB_DSS = 2,
	MPTCP_SUB_ADD_ADDR = 3,
	MPTCP_SUB_REMOVE_ADDR = 4,
	MPTCP_SUB_PRIO = 5,
	MPTCP_SUB_FAIL = 6,
	MPTCP_SUB_FASTCLOSE = 7,
	MPTCP_SUB_TCPRST = 8,
	MPTCP_SUB_EXPERIMENTAL = 15,
};

/* MP_CAPABLE flag bits (the byte after version): A B C D E F G H */
#define MPC_FLAG_CHECKSUM 0x80 /* A: checksum required */
#define MPC_FLAG_EXTEN 0x40    /* B: extensibility */
#define MPC_FLAG_NOMORE 0x20   /* C: no more subflows (v1) */
#define MPC_FLAG_HMAC_SHA 0x01 /* H: HMAC-SHA1 (v0) / HMAC-SHA256 (v1) */

struct mptcp_capable {
	uint8_t version;       /* 0 or 1; a higher wire value is kept as is
	                        * and decoded with the v1 layout */
	uint8_t flags;         /* MPC_FLAG_* */
	bool has_sender_key;
	bool has_receiver_key;
	bool has_data_len;     /* v1, length 22 or 24 */
	bool has_checksum;     /* v1, length 24 */
	uint64_t sender_key;
	uint64_t receiver_key;
	uint16_t data_len;
	uint16_t checksum;
};

enum mptcp_join_stage { MPJ_SYN, MPJ_SYNACK, MPJ_ACK };

struct mptcp_join {
	enum mptcp_join_stage stage;
	bool backup;           /* B flag (SYN and SYN/ACK) */
	uint8_t addr_id;       /* SYN and SYN/ACK */
	uint32_t token;        /* SYN: receiver's token */
	uint32_t nonce;        /* SYN and SYN/ACK: sender's random number */
	uint64_t trunc_hmac;   /* SYN/ACK: leftmost 64 bits of the HMAC */
	uint8_t hmac[20];      /* ACK: leftmost 160 bits of the HMAC */
};

/* DSS flag bits (low bits of the byte after subtype) */
#define DSS_FLAG_ACK 0x01      /* A: data ACK present */
#define DSS_FLAG_ACK8 0x02     /* a: data ACK is 8 bytes */
#define DSS_FLAG_MAP 0x04      /* M: DSN, SSN, data-level length present */
#define DSS_FLAG_DSN8 0x08     /* m: DSN is 8 bytes */
#define DSS_FLAG_FIN 0x10      /* F: DATA_FIN */

struct mptcp_dss {
	uint8_t flags;         /* DSS_FLAG_* */
	bool has_ack, ack64;
	bool has_map, dsn64;
	bool data_fin;
	bool has_checksum;     /* inferred from the option length */
	uint64_t data_ack;     /* as on the wire (32 or 64 bits) */
	uint64_t dsn;          /* as on the wire (32 or 64 bits) */
	uint32_t ssn;          /* relative subflow sequence number */
	uint16_t data_len;     /* 0 with a mapping: infinite mapping */
	uint16_t checksum;
};

struct mptcp_add_addr {
	uint8_t version;       /* 0: IPVer nibble form (RFC 6824); 1: RFC 8684 */
	bool echo;             /* v1 E flag */
	uint8_t addr_id;
	uint8_t family;        /* 4 or 6 */
	uint8_t addr[16];      /* 4 or 16 bytes used */
	bool has_port;
	uint16_t port;
	bool has_hmac;         /* v1 without echo */
	uint64_t hmac;
};

#define MPTCP_MAX_REMOVE_IDS 37 /* TCP option space is 40 bytes: (40 - 3) */

struct mptcp_remove_addr {
	uint8_t count;
	uint8_t ids[MPTCP_MAX_REMOVE_IDS];
};

struct mptcp_prio {
	bool backup;
	bool has_addr_id;      /* v0 length 4 */
	uint8_t addr_id;
};

struct mptcp_fail {
	uint64_t dsn;
};

struct mptcp_fastclose {
	uint64_t receiver_key;
};

/* MP_TCPRST flags: U V W T, reason codes RFC 8684 3.6 */
struct mptcp_tcprst {
	uint8_t flags;         /* low nibble of the byte after subtype */
	uint8_t reason;
};

struct mptcp_option {
	uint8_t subtype;       /* enum mptcp_subtype, or whatever the wire said */
	uint8_t length;        /* the option's length byte */
	bool malformed;        /* length does not fit the subtype: fields unset */
	union {
		struct mptcp_capable mpc;
		struct mptcp_join join;
		struct mptcp_dss dss;
		struct mptcp_add_addr add_addr;
		struct mptcp_remove_addr remove_addr;
		struct mptcp_prio prio;
		struct mptcp_fail fail;
		struct mptcp_fastclose fastclose;
		struct mptcp_tcprst tcprst;
	} u;
};

/* TCP flag bits as in the TCP header's flag byte */
#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_PSH 0x08
#define TCPF_ACK 0x10
#define TCPF_URG 0x20
#define TCPF_ECE 0x40
#define TCPF_CWR 0x80

/* Decodes the option that starts at the kind byte of `opt` (opt.len is the
 * option's own length byte, already checked to be inside the captured TCP
 * header by the caller).  `tcp_flags` tells SYN, SYN/ACK and ACK apart for
 * MP_CAPABLE and MP_JOIN.  Returns false when the option is malformed
 * (out->malformed is then set and only subtype/length are meaningful).
 * Every field a well-formed option's flags and length leave out is zero,
 * and a DSS's booleans are its flags: the tables rebuild an inline DSS from
 * its flags alone (tables_inline_dss). */
bool mptcp_option_decode(struct span opt, uint8_t tcp_flags, struct mptcp_option *out);

/* Short names for display and CSV ("MP_CAPABLE", "DSS", ...). */
const char *mptcp_subtype_name(unsigned subtype);

#endif
