/* interp.c - the readline interpreter: prompt with the loaded capture's name,
 * tab completion (commands, options, files, stream ids, fields, plot types),
 * persistent history; and the line-by-line runner of batch files. */
#include "cli/interp.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/builtins.h"
#include "export/columns.h"
#include "plot/plot.h"
#include "util/lazy_readline.h"
#include "util/lazylib.h"

#pragma weak plot_types
#pragma weak plot_type_find

/* ----------------------------------------------------------- line runner */

int interp_run_stream(struct session *s, FILE *in, const char *name, bool keep_going)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int status = 0;
	while (!s->quit && getline(&line, &cap, in) >= 0) {
		lineno++;
		int rc = session_run_line(s, line);
		if (rc == 0)
			continue;
		status = rc;
		if (!keep_going) {
			fprintf(stderr, "mptcpanalyzer: %s:%u: stopped at the first failed command\n", name, lineno);
			break;
		}
	}
	free(line);
	return status;
}

int interp_run_file(struct session *s, const char *path, bool keep_going)
{
	if (strcmp(path, "-") == 0)
		return interp_run_stream(s, stdin, "stdin", keep_going);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "mptcpanalyzer: cannot open %s: %s\n", path, g_strerror(errno));
		return 1;
	}
	int rc = interp_run_stream(s, f, path, keep_going);
	fclose(f);
	return rc;
}

/* ------------------------------------------------------------- completion */

static struct session *comp_session; /* the session completion reads */
static GPtrArray *comp_cands;        /* char*: candidates of the current completion */

static void cands_reset(void)
{
	if (comp_cands)
		g_ptr_array_free(comp_cands, TRUE);
	comp_cands = g_ptr_array_new_with_free_func(g_free);
}

static void cand_add(const char *c)
{
	g_ptr_array_add(comp_cands, g_strdup(c));
}

/* readline generator over comp_cands: strings from malloc, as readline frees them */
static char *cands_generator(const char *text, int state)
{
	static guint idx;
	if (state == 0)
		idx = 0;
	size_t len = strlen(text);
	while (idx < comp_cands->len) {
		const char *c = g_ptr_array_index(comp_cands, idx++);
		if (strncmp(c, text, len) == 0)
			return strdup(c);
	}
	return NULL;
}

static void add_commands(void)
{
	size_t n;
	const struct command **all = commands_all(&n);
	for (size_t i = 0; i < n; i++) {
		cand_add(all[i]->name);
		for (int k = 0; k < 4 && all[i]->aliases[k]; k++)
			cand_add(all[i]->aliases[k]);
	}
}

static void add_streams(guint count)
{
	for (guint i = 0; i < count; i++) {
		char buf[16];
		g_snprintf(buf, sizeof buf, "%u", i);
		cand_add(buf);
	}
}

static void add_values(enum completion_kind kind, const struct cmd_option *o)
{
	const struct tables *t = comp_session->t;
	size_t n = 0;
	switch (kind) {
	case COMP_TCP_STREAM:
		if (t)
			add_streams(t->tcp->len);
		break;
	case COMP_MPTCP_STREAM:
		if (t)
			add_streams(t->mptcp->len);
		break;
	case COMP_FIELD: {
		const struct column *c = columns_all(&n);
		for (size_t i = 0; i < n; i++)
			cand_add(c[i].name);
		break;
	}
	case COMP_COMMAND:
		add_commands();
		break;
	case COMP_PLOT_TYPE:
		if (plot_types) {
			const struct plot_type **pt = plot_types(&n);
			for (size_t i = 0; i < n; i++)
				cand_add(pt[i]->name);
		}
		break;
	case COMP_CHOICES:
		for (size_t i = 0; o && o->choices && o->choices[i]; i++)
			cand_add(o->choices[i]);
		break;
	default:
		break;
	}
}

static void add_options(const struct command *c)
{
	for (size_t i = 0; c->options && c->options[i].name; i++) {
		char *o = g_strconcat("--", c->options[i].name, NULL);
		cand_add(o);
		g_free(o);
	}
}

/* the option that word `w` names for command c, NULL when none */
static const struct cmd_option *word_option(const struct command *c, const char *w)
{
	if (g_str_has_prefix(w, "--"))
		return cmd_option_find(c, w + 2);
	for (size_t i = 0; w[0] == '-' && w[1] && !w[2] && c->options && c->options[i].name; i++)
		if (c->options[i].short_name == w[1])
			return &c->options[i];
	return NULL;
}

/* what the n-th positional (0-based) of command c completes to */
static enum completion_kind positional_kind(const struct command *c, char **words, int n)
{
	if (c->args_completion != COMP_PLOT_TYPE)
		return (c->max_args < 0 || n < c->max_args) ? c->args_completion : COMP_NONE;
	if (n == 0)
		return COMP_PLOT_TYPE;
	/* a plot type's own arguments: guess from its usage line */
	const struct plot_type *pt = plot_type_find ? plot_type_find(words[1]) : NULL;
	if (!pt || !pt->usage)
		return COMP_NONE;
	if (strstr(pt->usage, "mptcp") || strstr(pt->usage, "MPTCP"))
		return COMP_MPTCP_STREAM;
	return strstr(pt->usage, "STREAM") ? COMP_TCP_STREAM : COMP_NONE;
}

/* fills comp_cands for the token `tok` (whitespace-delimited) after `words`;
 * returns true when file names should be completed instead */
static bool choose_candidates(char **words, int nwords, const char *tok)
{
	if (nwords == 0) {
		add_commands();
		return false;
	}
	const struct command *c = command_find(words[0]);
	if (!c)
		return false;
	const char *eq = g_str_has_prefix(tok, "--") ? strchr(tok, '=') : NULL;
	const struct cmd_option *o = NULL;
	if (eq) {
		char *name = g_strndup(tok + 2, (gsize)(eq - tok - 2));
		o = cmd_option_find(c, name);
		g_free(name);
	} else if (tok[0] == '-') {
		add_options(c);
		return false;
	} else if ((o = word_option(c, words[nwords - 1])) && !o->metavar) {
		o = NULL;
	}
	enum completion_kind kind;
	if (o) {
		kind = o->completion;
	} else {
		int npos = 0;
		for (int i = 1; i < nwords; i++) {
			const struct cmd_option *w = word_option(c, words[i]);
			if (w && w->metavar && !strchr(words[i], '='))
				i++;
			else if (!w && words[i][0] != '-')
				npos++;
		}
		kind = positional_kind(c, words, npos);
	}
	if (kind == COMP_FILE)
		return true;
	add_values(kind, o);
	return false;
}

static char **complete(const char *text, int start, int end)
{
	const struct readline_vars *rl = readline_vars();
	*rl->attempted_completion_over = 1;
	const char *buf = *rl->line_buffer;
	int ws = start;
	while (ws > 0 && !g_ascii_isspace(buf[ws - 1]))
		ws--;
	char *before = g_strndup(buf, (gsize)ws);
	char *tok = g_strndup(buf + ws, (gsize)(end - ws));
	char **words = g_strsplit_set(g_strstrip(before), " \t", -1);
	int nwords = 0;
	for (int i = 0; words[i]; i++)
		if (*words[i])
			words[nwords++] = words[i];
		else
			g_free(words[i]);
	words[nwords] = NULL;
	cands_reset();
	bool files = choose_candidates(words, nwords, tok);
	char **matches = files ? rl_completion_matches(text, rl_filename_completion_function)
	                       : rl_completion_matches(text, cands_generator);
	g_strfreev(words);
	g_free(before);
	g_free(tok);
	return matches;
}

/* ---------------------------------------------------------------- history */

static void history_open(const struct session *s)
{
	const char *file = s->cfg.history_file;
	if (!file || !*file)
		return;
	char *dir = g_path_get_dirname(file);
	g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	using_history();
	if (s->cfg.history_size > 0)
		stifle_history(s->cfg.history_size);
	read_history(file);
}

static void history_record(const struct session *s, const char *line)
{
	const char *file = s->cfg.history_file;
	const struct readline_vars *rl = readline_vars();
	int n = *rl->history_length;
	HIST_ENTRY *last = n > 0 ? history_get(*rl->history_base + n - 1) : NULL;
	if (last && strcmp(last->line, line) == 0)
		return; /* no duplicate of the previous line */
	add_history(line);
	if (!file || !*file || s->cfg.history_size == 0)
		return;
	FILE *f = fopen(file, "a"); /* append_history needs the file to exist */
	if (f)
		fclose(f);
	append_history(1, file);
	history_truncate_file(file, s->cfg.history_size);
}

/* ------------------------------------------------------------ interpreter */

static void on_sigint(int sig)
{
	(void)sig;
	/* a fresh empty prompt, like a shell */
	if (write(STDOUT_FILENO, "\n", 1) < 0)
		return;
	rl_on_new_line();
	rl_replace_line("", 0);
	rl_redisplay();
}

static char *make_prompt(const struct session *s)
{
	const char *name = session_capture_name(s);
	return name ? g_strdup_printf("mptcpanalyzer(%s)> ", name) : g_strdup("mptcpanalyzer> ");
}

static int readline_loop(struct session *s)
{
	comp_session = s;
	const struct readline_vars *rl = readline_vars();
	*rl->readline_name = "mptcpanalyzer";
	*rl->attempted_completion_function = complete;
	*rl->completer_word_break_characters = " \t\n=,";
	history_open(s);
	signal(SIGINT, on_sigint);
	int status = 0;
	s->interactive = true;
	while (!s->quit) {
		char *prompt = make_prompt(s);
		char *line = readline(prompt);
		g_free(prompt);
		if (!line) {
			putchar('\n'); /* Ctrl-D */
			break;
		}
		char *trimmed = g_strstrip(g_strdup(line));
		if (*trimmed)
			history_record(s, trimmed);
		if (session_run_line(s, trimmed) != 0)
			status = 1;
		g_free(trimmed);
		free(line);
	}
	signal(SIGINT, SIG_DFL);
	if (comp_cands)
		g_ptr_array_free(comp_cands, TRUE);
	comp_cands = NULL;
	s->interactive = false;
	return status;
}

int interp_run(struct session *s, bool keep_going)
{
	GError *err = NULL;
	if (isatty(STDIN_FILENO) && lazylib_ready(&lazy_readline, &err))
		return readline_loop(s);
	if (err) { /* a prompt without editing, completion or history */
		fprintf(stderr, "mptcpanalyzer: warning: %s\n", err->message);
		g_error_free(err);
	}
	return interp_run_stream(s, stdin, "stdin", keep_going);
}
