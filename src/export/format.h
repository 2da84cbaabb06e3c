/* format.h - fast number, time and address formatting (no printf per field:
 * exporting is dominated by this).
 *
 * put_* (put.h, put_addr here) write raw text at a pointer the caller made
 * room for (FMT_ROOM bytes) and return its end.  A row is written through a
 * cursor: room for the whole row is made once, and each value is then a few
 * stores. */
#ifndef MPTCPA_FORMAT_H
#define MPTCPA_FORMAT_H

#include <stdint.h>
#include <string.h>
#include <glib.h>
#include "export/put.h"

/* dotted IPv4 or RFC 5952 IPv6; "?" for another family (unknown) */
char *put_addr(char *p, uint8_t family, const uint8_t *addr);

/* Where a row's text goes: p moves on between s->str and end.  s->len is
 * stale until cursor_close. */
struct cursor {
	char *p, *end;
	GString *s;
	size_t keep;             /* room cursor_need makes */
	unsigned splits;         /* commas written inside values (lists) */
};

void cursor_grow(struct cursor *c, size_t need);

/* room for `keep` bytes at the end of s (and its NUL) */
static inline void cursor_open(struct cursor *c, GString *s, size_t keep)
{
	c->s = s;
	c->keep = keep;
	c->splits = 0;
	c->p = s->str + s->len;
	c->end = s->str + s->allocated_len - 1;
	if ((size_t)(c->end - c->p) < keep)
		cursor_grow(c, keep);
}

/* room for c->keep bytes again (the next value of a list) */
static inline void cursor_need(struct cursor *c)
{
	if ((size_t)(c->end - c->p) < c->keep)
		cursor_grow(c, c->keep);
}

/* the string ends where the cursor is */
static inline void cursor_close(struct cursor *c)
{
	c->s->len = (size_t)(c->p - c->s->str);
	*c->p = '\0';
}

/* the address appended to o (tables, plots) */
void fmt_addr(GString *o, uint8_t family, const uint8_t *addr);

#endif
