/* progress.h - a one-line progress bar on standard error for long loads and
 * exports: drawn only when standard error is a terminal, and only once the
 * work has taken a second (short runs print nothing). */
#ifndef MPTCPA_PROGRESS_H
#define MPTCPA_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct progress {
	gint64 start_us;
	bool tty, shown;
	const char *what;         /* "loading", "exporting" */
	const char *name;         /* the file */
};

void progress_init(struct progress *p, const char *what, const char *name);
/* a load_progress_fn: `user` is the struct progress */
void progress_update(uint64_t done, uint64_t total, void *user);
/* erases the bar if it was drawn */
void progress_end(struct progress *p);

#endif
