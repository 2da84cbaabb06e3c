/* interp.h - the ways command lines reach the registry: the readline
 * interpreter (with completion and history), batch files and piped input. */
#ifndef MPTCPA_INTERP_H
#define MPTCPA_INTERP_H

#include <stdbool.h>
#include <stdio.h>
#include "cli/session.h"

/* The interactive interpreter when stdin is a terminal, else one command per
 * line of stdin.  Returns 0 when every command succeeded. */
int interp_run(struct session *s, bool keep_going);

/* One command per line of `path` ("-": stdin); blank lines and # comments are
 * skipped.  Stops at the first failed command unless keep_going. */
int interp_run_file(struct session *s, const char *path, bool keep_going);

/* the same from an open stream; `name` is used in messages */
int interp_run_stream(struct session *s, FILE *in, const char *name, bool keep_going);

#endif
