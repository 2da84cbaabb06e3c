/* progress.c - see progress.h. */
#include "util/progress.h"

#include <stdio.h>
#include <unistd.h>

#define BAR_WIDTH 30

void progress_init(struct progress *p, const char *what, const char *name)
{
	p->start_us = g_get_monotonic_time();
	p->tty = isatty(STDERR_FILENO) != 0;
	p->shown = false;
	p->what = what;
	p->name = name;
}

void progress_update(uint64_t done, uint64_t total, void *user)
{
	struct progress *p = user;
	if (!p->tty || total == 0 || g_get_monotonic_time() - p->start_us < G_USEC_PER_SEC)
		return;
	int pct = (int)(MIN(done, total) * 100 / total);
	int bar = pct * BAR_WIDTH / 100;
	fprintf(stderr, "\r%s %s %3d%% [%.*s%*s]", p->what, p->name, pct, bar,
	        "##############################", BAR_WIDTH - bar, "");
	fflush(stderr);
	p->shown = true;
}

void progress_end(struct progress *p)
{
	if (p->shown)
		fprintf(stderr, "\r\033[K");
	p->shown = false;
}
