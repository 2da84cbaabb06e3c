/* registry.c - the command table, the shared option parser and `help CMD`
 * (see registry.h). */
#include "cli/registry.h"

#include <string.h>
#include "capture/reader.h"

static GPtrArray *registry; /* const struct command* */

static bool name_taken(const char *name)
{
	return name && command_find(name) != NULL;
}

bool command_register(const struct command *c, GError **err)
{
	if (!c || !c->name || !c->handler) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "a command needs a name and a handler");
		return false;
	}
	const char *clash = name_taken(c->name) ? c->name : NULL;
	for (int i = 0; !clash && i < 4 && c->aliases[i]; i++)
		if (name_taken(c->aliases[i]) || strcmp(c->aliases[i], c->name) == 0)
			clash = c->aliases[i];
	if (clash) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE,
		            "cannot register command '%s': the name '%s' is already taken", c->name, clash);
		return false;
	}
	if (!registry)
		registry = g_ptr_array_new();
	g_ptr_array_add(registry, (gpointer)c);
	return true;
}

const struct command *command_find(const char *name)
{
	if (!registry || !name)
		return NULL;
	for (guint i = 0; i < registry->len; i++) {
		const struct command *c = g_ptr_array_index(registry, i);
		if (strcmp(c->name, name) == 0)
			return c;
		for (int k = 0; k < 4 && c->aliases[k]; k++)
			if (strcmp(c->aliases[k], name) == 0)
				return c;
	}
	return NULL;
}

static int by_name(gconstpointer a, gconstpointer b)
{
	const struct command *x = *(const struct command *const *)a;
	const struct command *y = *(const struct command *const *)b;
	return strcmp(x->name, y->name);
}

const struct command **commands_all(size_t *n)
{
	static const struct command **sorted;
	g_free(sorted);
	size_t count = registry ? registry->len : 0;
	sorted = g_new0(const struct command *, count + 1);
	for (size_t i = 0; i < count; i++)
		sorted[i] = g_ptr_array_index(registry, i);
	qsort(sorted, count, sizeof *sorted, by_name);
	if (n)
		*n = count;
	return sorted;
}

void commands_clear(void)
{
	if (registry)
		g_ptr_array_free(registry, TRUE);
	registry = NULL;
	commands_all(NULL); /* frees the sorted copy */
}

/* ------------------------------------------------------------ suggestions */

/* Damerau (optimal string alignment) distance: a swap of two letters counts 1 */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t *d = g_new(size_t, (la + 1) * (lb + 1));
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = MIN(D(i - 1, j) + 1, D(i, j - 1) + 1);
			v = MIN(v, D(i - 1, j - 1) + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, D(i - 2, j - 2) + 1);
			D(i, j) = v;
		}
	size_t r = D(la, lb);
#undef D
	g_free(d);
	return r;
}

/* distance to a name, also trying the name's prefix of the typo's length so
 * that "lsit_tcp" finds "list_tcp_connections" */
static size_t name_distance(const char *typo, const char *name)
{
	size_t lt = strlen(typo), ln = strlen(name);
	size_t full = edit_distance(typo, lt, name, ln);
	if (ln > lt) {
		size_t pre = edit_distance(typo, lt, name, lt) + 1;
		full = MIN(full, pre);
	}
	return full;
}

const char *command_suggest(const char *typo)
{
	if (!registry || !typo || !*typo)
		return NULL;
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (guint i = 0; i < registry->len; i++) {
		const struct command *c = g_ptr_array_index(registry, i);
		size_t dist = name_distance(typo, c->name);
		for (int k = 0; k < 4 && c->aliases[k]; k++)
			dist = MIN(dist, name_distance(typo, c->aliases[k]));
		if (dist < best_d) {
			best_d = dist;
			best = c->name;
		}
	}
	size_t limit = MAX((size_t)2, strlen(typo) / 3);
	return best_d <= limit ? best : NULL;
}

/* ----------------------------------------------------------------- parser */

static size_t count_options(const struct command *c)
{
	size_t n = 0;
	while (c->options && c->options[n].name)
		n++;
	return n;
}

const struct cmd_option *cmd_option_find(const struct command *c, const char *name)
{
	for (size_t i = 0; c->options && c->options[i].name; i++)
		if (strcmp(c->options[i].name, name) == 0)
			return &c->options[i];
	return NULL;
}

static const struct cmd_option *option_by_short(const struct command *c, char s)
{
	for (size_t i = 0; c->options && c->options[i].name; i++)
		if (c->options[i].short_name && c->options[i].short_name == s)
			return &c->options[i];
	return NULL;
}

static bool check_choice(const struct command *c, const struct cmd_option *o, const char *v,
                         GError **err)
{
	if (!o->choices)
		return true;
	for (size_t i = 0; o->choices[i]; i++)
		if (g_ascii_strcasecmp(o->choices[i], v) == 0)
			return true;
	char *list = g_strjoinv(", ", (char **)o->choices);
	g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: --%s must be one of %s (not '%s')",
	            c->name, o->name, list, v);
	g_free(list);
	return false;
}

/* one option word at argv[*i]; advances *i past a separate value */
static bool parse_option(const struct command *c, struct cmd_args *a, int argc, char **argv,
                         int *i, bool *unknown, GError **err)
{
	const char *word = argv[*i];
	const struct cmd_option *o = NULL;
	const char *inline_value = NULL;
	char *name = NULL;
	if (word[1] == '-') {
		const char *eq = strchr(word + 2, '=');
		name = eq ? g_strndup(word + 2, (gsize)(eq - word - 2)) : g_strdup(word + 2);
		inline_value = eq ? eq + 1 : NULL;
		o = cmd_option_find(c, name);
	} else if (word[1] && !word[2]) {
		o = option_by_short(c, word[1]);
	}
	g_free(name);
	if (!o) {
		*unknown = true;
		if (c->flags & CMD_PASS_UNKNOWN)
			return true;
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: unknown option '%s' (usage: %s)",
		            c->name, word, c->usage);
		return false;
	}
	*unknown = false;
	size_t idx = (size_t)(o - c->options);
	const char *value;
	if (!o->metavar) {
		if (inline_value) {
			g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: --%s takes no value",
			            c->name, o->name);
			return false;
		}
		value = "";
	} else if (inline_value) {
		value = inline_value;
	} else if (*i + 1 < argc) {
		value = argv[++*i];
	} else {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: --%s needs a value (%s)",
		            c->name, o->name, o->metavar);
		return false;
	}
	if (!check_choice(c, o, value, err))
		return false;
	g_free(a->values[idx]);
	a->values[idx] = g_strdup(value);
	return true;
}

static bool is_option_word(const char *w)
{
	/* "-" alone is a value (stdout); "-5" is a number, not an option */
	return w[0] == '-' && w[1] && !g_ascii_isdigit(w[1]);
}

static bool check_count(const struct command *c, struct cmd_args *a, GError **err)
{
	int n = (int)a->pos->len - 1;
	if (n < c->min_args || (c->max_args >= 0 && n > c->max_args)) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: %s (usage: %s)", c->name,
		            n < c->min_args ? "missing argument" : "too many arguments", c->usage);
		return false;
	}
	return true;
}

bool cmd_args_parse(const struct command *c, int argc, char **argv, struct cmd_args *out,
                    GError **err)
{
	memset(out, 0, sizeof *out);
	out->cmd = c;
	out->n_options = count_options(c);
	out->values = g_new0(char *, out->n_options + 1);
	out->pos = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(out->pos, g_strdup(c->name));
	bool options_done = false;
	for (int i = 1; i < argc; i++) {
		if (!options_done && strcmp(argv[i], "--") == 0) {
			options_done = true;
			continue;
		}
		if (!options_done && is_option_word(argv[i])) {
			bool unknown;
			if (!parse_option(c, out, argc, argv, &i, &unknown, err))
				goto fail;
			if (!unknown)
				continue;
		}
		g_ptr_array_add(out->pos, g_strdup(argv[i]));
	}
	if (!check_count(c, out, err))
		goto fail;
	g_ptr_array_add(out->pos, NULL);
	return true;
fail:
	cmd_args_clear(out);
	return false;
}

void cmd_args_clear(struct cmd_args *a)
{
	if (a->values)
		for (size_t i = 0; i < a->n_options; i++)
			g_free(a->values[i]);
	g_free(a->values);
	if (a->pos)
		g_ptr_array_free(a->pos, TRUE);
	memset(a, 0, sizeof *a);
}

const char *cmd_args_value(const struct cmd_args *a, const char *name)
{
	if (!a || !a->cmd)
		return NULL;
	const struct cmd_option *o = cmd_option_find(a->cmd, name);
	return o ? a->values[o - a->cmd->options] : NULL;
}

/* ------------------------------------------------------------------- help */

void command_print_help(const struct command *c, FILE *out)
{
	fprintf(out, "usage: %s\n", c->usage);
	if (c->aliases[0]) {
		fprintf(out, "aliases:");
		for (int i = 0; i < 4 && c->aliases[i]; i++)
			fprintf(out, " %s", c->aliases[i]);
		fputc('\n', out);
	}
	fprintf(out, "\n%s\n", c->summary);
	if (!c->options || !c->options[0].name)
		return;
	fprintf(out, "\noptions:\n");
	for (size_t i = 0; c->options[i].name; i++) {
		const struct cmd_option *o = &c->options[i];
		char *lhs = g_strdup_printf("%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
		                            o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ",
		                            o->name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
		fprintf(out, "  %-24s %s\n", lhs, o->help);
		g_free(lhs);
	}
}
