/* session.h - what every command handler receives: the loaded capture, the
 * configuration, the output mode of the running command and its options. */
#ifndef MPTCPA_SESSION_H
#define MPTCPA_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>
#include "cli/config.h"
#include "cli/registry.h"
#include "table/tables.h"

struct session {
	const char *version;        /* the program's version (set by main) */
	struct tables *t;           /* the loaded capture, NULL before load_pcap */
	struct config cfg;
	bool regen;                 /* --regen: ignore the cache */
	int debug;                  /* --debug LEVEL */
	bool interactive;           /* reading from the readline prompt */
	/* the running command */
	const struct cmd_args *args;
	bool json;                  /* --json given: one JSON document on stdout */
	bool color;                 /* colour escapes allowed on stdout */
	/* set by quit / exit */
	bool quit;
	int quit_status;
};

void session_init(struct session *s);
void session_free(struct session *s);

/* Runs one command line already split into words; prints the error (with a
 * did-you-mean for an unknown command) on stderr.  Returns the exit status. */
int session_run_argv(struct session *s, int argc, char **argv);
/* Splits `line` like a shell (quotes, backslashes) and runs it; a blank line or
 * a # comment is a success. */
int session_run_line(struct session *s, const char *line);

/* Loads a capture (or a CSV export), through the cache; replaces the loaded one. */
bool session_load(struct session *s, const char *path, GError **err);

/* ---- helpers for handlers ---- */

/* the value of the running command's option, NULL when absent */
const char *cmd_opt(const struct session *s, const char *name);
bool cmd_flag(const struct session *s, const char *name);

/* prints "mptcpanalyzer: <cmd>: <message>" on stderr; returns 1 */
int cmd_fail(const struct session *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
int cmd_fail_error(const struct session *s, GError *err); /* frees err */

/* parses a tcp.stream / mptcp.stream id of the loaded capture; on a bad or
 * out-of-range id prints the valid range and returns false */
bool session_tcp_stream(const struct session *s, const char *arg, uint32_t *out);
bool session_mptcp_stream(const struct session *s, const char *arg, uint32_t *out);

/* file name shown in the prompt */
const char *session_capture_name(const struct session *s);

#endif
