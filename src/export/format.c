/* format.c - see format.h. */
#include "export/format.h"

#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

/* "00" "01" ... "99": two digits per division */
static const char digit_pairs[] =
	"0001020304050607080910111213141516171819202122232425262728293031323334353637383940414243444546474849"
	"5051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

/* decimal digits of v (1 for 0) */
static inline unsigned u64_digits(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
		100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
		10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull,
	};
	/* bits * log10(2) estimates it within one */
	unsigned bits = 64 - (unsigned)__builtin_clzll(v | 1);
	unsigned n = (bits * 1233) >> 12;
	return n + (v >= pow10[n]) + (v == 0);
}

/* writes the 8 digits of v < 10^8 (zero-padded) ending at `end` */
static inline char *put8_digits(char *end, uint32_t v)
{
	for (int i = 0; i < 4; i++) {
		unsigned r = v % 100;
		v /= 100;
		end -= 2;
		memcpy(end, digit_pairs + 2 * r, 2);
	}
	return end;
}

/* the number written from its last digit backwards, two at a time, straight
 * into the string's buffer: 64-bit values lose 8 digits per 64-bit division,
 * the rest is done in 32 bits (cheaper, and most values fit) */
void fmt_u64(GString *o, uint64_t v)
{
	if (v < 10 && o->len + 1 < o->allocated_len) { /* flags, ids, versions: a digit */
		o->str[o->len++] = (char)('0' + v);
		o->str[o->len] = '\0';
		return;
	}
	unsigned n = u64_digits(v);
	if (o->len + n >= o->allocated_len) { /* grow the buffer, keep the text */
		size_t len = o->len;
		g_string_set_size(o, len + n);
		g_string_truncate(o, len);
	}
	char *p = o->str + o->len + n;
	o->len += n;
	*p = '\0';
	while (v > UINT32_MAX) {
		uint64_t q = v / 100000000;
		p = put8_digits(p, (uint32_t)(v - q * 100000000));
		v = q;
	}
	uint32_t w = (uint32_t)v;
	while (w >= 100) {
		unsigned r = w % 100;
		w /= 100;
		p -= 2;
		memcpy(p, digit_pairs + 2 * r, 2);
	}
	if (w >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * w, 2);
	} else {
		*--p = (char)('0' + w);
	}
}

void fmt_i64(GString *o, int64_t v)
{
	if (v < 0) {
		g_string_append_c(o, '-');
		fmt_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		fmt_u64(o, (uint64_t)v);
	}
}

void fmt_time_ns(GString *o, int64_t ns)
{
	uint64_t mag = (uint64_t)ns; /* magnitude: -INT64_MIN does not fit an int64_t */
	if (ns < 0) {
		g_string_append_c(o, '-');
		mag = 0 - mag;
	}
	fmt_u64(o, mag / 1000000000);
	char frac[10];
	uint32_t f = (uint32_t)(mag % 1000000000);
	frac[0] = '.';
	frac[1] = (char)('0' + f / 100000000);
	f %= 100000000;
	for (int i = 8; i >= 2; i -= 2, f /= 100)
		memcpy(frac + i, digit_pairs + 2 * (f % 100), 2);
	fmt_bytes(o, frac, 10);
}

void fmt_hex16(GString *o, uint16_t v)
{
	static const char hex[] = "0123456789abcdef";
	char b[6] = { '0', 'x', hex[v >> 12 & 15], hex[v >> 8 & 15], hex[v >> 4 & 15], hex[v & 15] };
	fmt_bytes(o, b, 6);
}

/* dotted quad by hand (inet_ntop goes through sprintf for IPv4); returns the length */
static size_t ipv4_text(char *buf, const uint8_t *addr)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		unsigned b = addr[i];
		if (i)
			buf[n++] = '.';
		if (b >= 100)
			buf[n++] = (char)('0' + b / 100);
		if (b >= 10)
			buf[n++] = (char)('0' + b / 10 % 10);
		buf[n++] = (char)('0' + b % 10);
	}
	return n;
}

/* The text of the last addresses this thread formatted: rows repeat the two
 * addresses of their connection, and a capture holds few of them, so most
 * addresses are a compare and a copy. */
#define RECENT_ADDRS 4
struct addr_text {
	uint8_t family, len;       /* family 0: empty */
	uint8_t addr[16];
	char text[INET6_ADDRSTRLEN];
};
static _Thread_local struct addr_text recent[RECENT_ADDRS];
static _Thread_local unsigned recent_next;

static const struct addr_text *recent_find(uint8_t family, const uint8_t *addr)
{
	for (int i = 0; i < RECENT_ADDRS; i++) {
		const struct addr_text *e = &recent[i];
		if (e->family == family && (family == 4 ? memcmp(e->addr, addr, 4) : memcmp(e->addr, addr, 16)) == 0)
			return e;
	}
	return NULL;
}

/* formats the address into the next entry (the oldest goes); NULL when
 * inet_ntop refuses it */
static const struct addr_text *recent_add(uint8_t family, const uint8_t *addr)
{
	struct addr_text *e = &recent[recent_next++ % RECENT_ADDRS];
	e->family = 0;
	if (family == 4)
		e->len = (uint8_t)ipv4_text(e->text, addr);
	else if (inet_ntop(AF_INET6, addr, e->text, sizeof e->text))
		e->len = (uint8_t)strlen(e->text);
	else
		return NULL;
	memcpy(e->addr, addr, family == 4 ? 4 : 16);
	e->family = family;
	return e;
}

void fmt_addr(GString *o, uint8_t family, const uint8_t *addr)
{
	if (family != 4 && family != 6) { /* unknown (an address a CSV export did not carry) */
		g_string_append_c(o, '?');
		return;
	}
	const struct addr_text *found = recent_find(family, addr);
	if (!found && !(found = recent_add(family, addr)))
		return;
	if (o->len + sizeof found->text < o->allocated_len) { /* a fixed-size copy: no call */
		memcpy(o->str + o->len, found->text, sizeof found->text);
		o->len += found->len;
		o->str[o->len] = '\0';
	} else {
		fmt_bytes(o, found->text, found->len);
	}
}
