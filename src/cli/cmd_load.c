/* cmd_load.c - load_pcap (a capture or a CSV export, through the cache) and
 * clean_cache. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include "cli/builtins.h"
#include "cli/output.h"
#include "cli/session.h"

static int cmd_load_pcap(struct session *s, int argc, char **argv)
{
	GError *err = NULL;
	if (cmd_flag(s, "regen"))
		s->regen = true;
	bool ok = session_load(s, argv[1], &err);
	if (cmd_flag(s, "regen"))
		s->regen = false;
	if (!ok)
		return cmd_fail_error(s, err);
	const struct tables *t = s->t;
	printf("loaded %s: %" G_GUINT64_FORMAT " frames, %u tcp connection(s), %u mptcp connection(s)\n",
	       session_capture_name(s), t->stats.frames, t->tcp->len, t->mptcp->len);
	return 0;
}

/* removes the regular files directly inside the cache folder */
static int cmd_clean_cache(struct session *s, int argc, char **argv)
{
	const char *dir = s->cfg.cache_dir;
	GError *err = NULL;
	GDir *d = g_dir_open(dir, 0, &err);
	if (!d) {
		if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_error_free(err);
			printf("cache %s is empty\n", dir);
			return 0;
		}
		return cmd_fail_error(s, err);
	}
	unsigned removed = 0, failed = 0;
	const char *name;
	while ((name = g_dir_read_name(d))) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
			if (g_unlink(path) == 0)
				removed++;
			else {
				fprintf(stderr, "mptcpanalyzer: clean_cache: cannot remove %s: %s\n", path,
				        g_strerror(errno));
				failed++;
			}
		}
		g_free(path);
	}
	g_dir_close(d);
	printf("removed %u file(s) from %s\n", removed, dir);
	return failed ? 1 : 0;
}

static const struct cmd_option load_opts[] = {
	{ "regen", 'r', NULL, "ignore the cache: decode the capture again", COMP_NONE, NULL },
	OPT_END,
};

static const struct command commands[] = {
	{ "load_pcap", { "load", NULL }, "load a capture (pcap, pcapng) or a CSV export",
	  "load_pcap FILE [--regen]", load_opts, COMP_FILE, cmd_load_pcap, 0, 1, 1 },
	{ "clean_cache", { NULL }, "remove the cached tables of every capture", "clean_cache", NULL,
	  COMP_NONE, cmd_clean_cache, 0, 0, 0 },
	{ NULL, { NULL }, NULL, NULL, NULL, COMP_NONE, NULL, 0, 0, 0 },
};

bool cmd_load_register(GError **err)
{
	return register_all(commands, err);
}
