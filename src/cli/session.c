/* session.c - runs command lines against the registry, loads captures
 * (through the cache) and offers the small helpers every handler uses (see
 * session.h). */
#include "cli/session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "capture/reader.h"
#include "table/cache.h"
#include "table/csv_load.h"
#include "table/load.h"
#include "util/lazylib.h"
#include "util/progress.h"

void session_init(struct session *s)
{
	memset(s, 0, sizeof *s);
}

void session_free(struct session *s)
{
	tables_free(s->t);
	config_clear(&s->cfg);
	memset(s, 0, sizeof *s);
}

const char *session_capture_name(const struct session *s)
{
	if (!s->t || !s->t->path)
		return NULL;
	const char *slash = strrchr(s->t->path, '/');
	return slash ? slash + 1 : s->t->path;
}

/* ------------------------------------------------------------- dispatching */

static bool want_color(const struct session *s)
{
	if (s->json || s->cfg.color == COLOR_NEVER || getenv("NO_COLOR"))
		return false;
	return s->cfg.color == COLOR_ALWAYS || isatty(STDOUT_FILENO);
}

static int unknown_command(const char *name)
{
	const char *hint = command_suggest(name);
	if (hint)
		fprintf(stderr, "mptcpanalyzer: unknown command '%s' (did you mean '%s'?)\n", name, hint);
	else
		fprintf(stderr, "mptcpanalyzer: unknown command '%s' (type help for the list)\n", name);
	return 1;
}

int session_run_argv(struct session *s, int argc, char **argv)
{
	if (argc < 1)
		return 0;
	const struct command *c = command_find(argv[0]);
	if (!c)
		return unknown_command(argv[0]);
	struct cmd_args a;
	GError *err = NULL;
	if (!cmd_args_parse(c, argc, argv, &a, &err)) {
		fprintf(stderr, "mptcpanalyzer: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	int rc;
	s->args = &a;
	s->json = cmd_flag(s, "json");
	s->color = want_color(s);
	if ((c->flags & CMD_NEEDS_CAPTURE) && !s->t)
		rc = cmd_fail(s, "no capture loaded (load one first: load_pcap FILE, or mptcpanalyzer -l FILE)");
	else if (s->json && !lazylib_ready(&lazy_json, &err))
		rc = cmd_fail_error(s, err);
	else
		rc = c->handler(s, (int)a.pos->len - 1, (char **)a.pos->pdata);
	fflush(stdout);
	s->args = NULL;
	s->json = false;
	cmd_args_clear(&a);
	return rc;
}

int session_run_line(struct session *s, const char *line)
{
	const char *p = line;
	while (g_ascii_isspace(*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	int argc;
	char **argv;
	GError *err = NULL;
	if (!g_shell_parse_argv(p, &argc, &argv, &err)) {
		fprintf(stderr, "mptcpanalyzer: cannot split the command line: %s\n", err->message);
		g_error_free(err);
		return 1;
	}
	int rc = session_run_argv(s, argc, argv);
	g_strfreev(argv);
	return rc;
}

/* ----------------------------------------------------------------- helpers */

const char *cmd_opt(const struct session *s, const char *name)
{
	return cmd_args_value(s->args, name);
}

bool cmd_flag(const struct session *s, const char *name)
{
	return cmd_args_value(s->args, name) != NULL;
}

int cmd_fail(const struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	const char *cmd = s->args && s->args->cmd ? s->args->cmd->name : NULL;
	fflush(stdout);
	if (cmd)
		fprintf(stderr, "mptcpanalyzer: %s: %s\n", cmd, msg);
	else
		fprintf(stderr, "mptcpanalyzer: %s\n", msg);
	g_free(msg);
	return 1;
}

int cmd_fail_error(const struct session *s, GError *err)
{
	int rc = cmd_fail(s, "%s", err ? err->message : "failed");
	g_clear_error(&err);
	return rc;
}

static bool parse_stream(const struct session *s, const char *arg, guint count, const char *what,
                         uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = g_ascii_strtoull(arg, &end, 10);
	bool number = *arg && g_ascii_isdigit(*arg) && !*end && errno == 0;
	if (number && v < count) {
		*out = (uint32_t)v;
		return true;
	}
	if (count == 0)
		cmd_fail(s, "no %s %s: the capture has no %s connection", what, arg,
		         strcmp(what, "tcp.stream") == 0 ? "TCP" : "MPTCP");
	else if (!number)
		cmd_fail(s, "'%s' is not a %s id (valid: 0-%u)", arg, what, count - 1);
	else
		cmd_fail(s, "no %s %s (valid: 0-%u)", what, arg, count - 1);
	return false;
}

bool session_tcp_stream(const struct session *s, const char *arg, uint32_t *out)
{
	return parse_stream(s, arg, s->t->tcp->len, "tcp.stream", out);
}

bool session_mptcp_stream(const struct session *s, const char *arg, uint32_t *out)
{
	return parse_stream(s, arg, s->t->mptcp->len, "mptcp.stream", out);
}

/* ------------------------------------------------------------------ loading */

static bool is_csv(const char *path)
{
	return g_str_has_suffix(path, ".csv") || g_str_has_suffix(path, ".CSV");
}

/* the cache file for `path`, creating the cache folder; NULL without a cache */
static char *cache_file_for(struct session *s, const char *path)
{
	if (!s->cfg.cache_dir)
		return NULL;
	if (g_mkdir_with_parents(s->cfg.cache_dir, 0700) != 0) {
		fprintf(stderr, "mptcpanalyzer: warning: cannot create the cache folder %s: %s\n",
		        s->cfg.cache_dir, g_strerror(errno));
		return NULL;
	}
	GError *e = NULL;
	char *f = cache_path_for(s->cfg.cache_dir, path, &e);
	if (!f && s->debug)
		fprintf(stderr, "mptcpanalyzer: cache: %s\n", e ? e->message : "no cache file");
	g_clear_error(&e);
	return f;
}

static struct tables *cache_try(struct session *s, const char *file, const char *path)
{
	if (!file || s->regen)
		return NULL;
	GError *e = NULL;
	struct tables *t = cache_load(file, path, &e);
	if (!t && e && s->debug)
		fprintf(stderr, "mptcpanalyzer: cache: %s\n", e->message);
	if (t && s->debug)
		fprintf(stderr, "mptcpanalyzer: cache: loaded %s\n", file);
	g_clear_error(&e);
	return t;
}

/* the cache being written while the capture loads (load.h, cache.h) */
struct cache_job {
	const char *file;
	struct cache_save *cs;   /* opened before the load: the packet rows can be written into it */
	bool started;
};

static void cache_warn(const char *file, GError *e)
{
	fprintf(stderr, "mptcpanalyzer: warning: cannot write the cache %s: %s\n", file, e ? e->message : "failed");
	g_clear_error(&e);
}

static void cache_begin(struct tables *t, uint32_t settled, void *user)
{
	struct cache_job *job = user;
	GError *e = NULL;
	if (job->cs && !(job->started = cache_save_start(job->cs, t, settled, &e))) {
		cache_save_abort(job->cs);
		job->cs = NULL;
		cache_warn(job->file, e);
	}
}

static void cache_end(struct cache_job *job, struct tables *t)
{
	GError *e = NULL;
	if (!job->cs)
		return;
	if (!t || !job->started)
		cache_save_abort(job->cs);
	else if (!cache_save_end(job->cs, &e))
		cache_warn(job->file, e);
	job->cs = NULL;
}

static struct tables *load_capture(struct session *s, const char *path, GError **err)
{
	char *file = cache_file_for(s, path);
	struct tables *t = cache_try(s, file, path);
	if (!t) {
		struct progress p;
		progress_init(&p, "loading", path);
		struct cache_job job = { file, NULL, false };
		GError *e = NULL;
		if (file && !(job.cs = cache_save_open(file, path, &e)))
			cache_warn(file, e);
		uint64_t rows_offset = 0;
		int rows_fd = job.cs ? cache_save_rows_fd(job.cs, &rows_offset) : -1;
		gint64 t0 = g_get_monotonic_time();
		t = capture_load_tracked(path, progress_update, &p, cache_begin, &job, rows_fd, rows_offset, err);
		progress_end(&p);
		gint64 t1 = g_get_monotonic_time();
		cache_end(&job, t);
		if (t)
			tables_mark_reinjected(t); /* the marks left out while the rows were copied (load.h) */
		if (t && s->debug && t->packets->mapped)
			fprintf(stderr, "mptcpanalyzer: cache: the packet rows written into %s as they were loaded\n", file);
		if (t && s->debug)
			fprintf(stderr, "mptcpanalyzer: loaded %s in %.3f s, cache written in %.3f s\n", path,
			        (double)(t1 - t0) / 1e6, (double)(g_get_monotonic_time() - t1) / 1e6);
	}
	g_free(file);
	return t;
}

bool session_load(struct session *s, const char *path, GError **err)
{
	if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_OPEN, "%s: no such file", path);
		return false;
	}
	struct tables *t = is_csv(path) ? csv_load(path, err) : load_capture(s, path, err);
	if (!t)
		return false;
	if (t->warning)
		fprintf(stderr, "mptcpanalyzer: warning: %s\n", t->warning);
	tables_free(s->t);
	s->t = t;
	return true;
}
