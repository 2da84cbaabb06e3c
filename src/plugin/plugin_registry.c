/* plugin_registry.c - the registration half of the plugin ABI: a thin adapter
 * from mpa_register_command / mpa_register_plot to the interpreter's command
 * table (command_register) and the plot type table (plot_type_register), so
 * that plugin and built-in entries end up in the same tables.
 *
 * Declarations are collected in the registry and reach the tables only at
 * plugin_registry_commit, after the plugin's entry point returned the right
 * API version: a refused plugin leaves nothing behind. */
#include "plugin/plugin_private.h"

#include <stdarg.h>
#include <string.h>
#include "capture/reader.h"
#include "cli/session.h"
#include "config.h"

const char *mpa_host_version(void)
{
	return MPTCPA_VERSION;
}

static const char *keep(GPtrArray *strings, const char *s)
{
	if (!s)
		return NULL;
	char *copy = g_strdup(s);
	g_ptr_array_add(strings, copy);
	return copy;
}

/* a command or plot name: letters, digits, '_' and '-', not starting with '-' */
static bool valid_name(const char *name)
{
	if (!name || !*name || name[0] == '-')
		return false;
	for (const char *p = name; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

static enum completion_kind completion_of(enum mpa_complete c)
{
	switch (c) {
	case MPA_COMPLETE_FILE: return COMP_FILE;
	case MPA_COMPLETE_TCP_STREAM: return COMP_TCP_STREAM;
	case MPA_COMPLETE_MPTCP_STREAM: return COMP_MPTCP_STREAM;
	case MPA_COMPLETE_CHOICES: return COMP_CHOICES;
	default: return COMP_NONE;
	}
}

static const char *owner_name(const struct plugin_info *owner)
{
	return owner ? owner->name : "built-in";
}

/* ---------------------------------------------------------------- registry */

mpa_registry *plugin_registry_new(struct plugin_info *owner)
{
	mpa_registry *reg = g_new0(mpa_registry, 1);
	reg->owner = owner;
	reg->commands = g_ptr_array_new();
	reg->plots = g_ptr_array_new();
	return reg;
}

void mpa_registry_fail(mpa_registry *reg, const char *fmt, ...)
{
	if (!reg || !fmt)
		return;
	va_list ap;
	va_start(ap, fmt);
	g_free(reg->failure);
	reg->failure = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

const char *plugin_registry_failure(const mpa_registry *reg)
{
	return reg->failure;
}

/* ---------------------------------------------------------------- commands */

static int plugin_command_run(struct session *s, int argc, char **argv);

mpa_command *mpa_register_command(mpa_registry *reg, const char *name, const char *summary,
                                  const char *usage, mpa_command_fn run, void *user)
{
	if (!reg || !run || !valid_name(name)) {
		if (reg)
			mpa_registry_fail(reg, "bad command declaration '%s' (a name of letters, digits, _ "
			                  "and -, and a handler, are needed)", name ? name : "(null)");
		return NULL;
	}
	mpa_command *pc = g_new0(mpa_command, 1);
	pc->strings = g_ptr_array_new_with_free_func(g_free);
	pc->choices = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	pc->options = g_array_new(TRUE, TRUE, sizeof(struct cmd_option));
	pc->cmd.name = keep(pc->strings, name);
	pc->cmd.summary = keep(pc->strings, summary ? summary : "(plugin command)");
	pc->cmd.usage = keep(pc->strings, usage ? usage : name);
	pc->cmd.handler = plugin_command_run;
	pc->run = run;
	pc->user = user;
	pc->owner = reg->owner;
	g_ptr_array_add(reg->commands, pc);
	return pc;
}

void mpa_command_alias(mpa_command *cmd, const char *alias)
{
	if (!cmd || !valid_name(alias))
		return;
	for (int i = 0; i < 4; i++)
		if (!cmd->cmd.aliases[i]) {
			cmd->cmd.aliases[i] = keep(cmd->strings, alias);
			return;
		}
}

void mpa_command_args(mpa_command *cmd, int min_args, int max_args, enum mpa_complete complete)
{
	if (!cmd)
		return;
	cmd->cmd.min_args = MAX(min_args, 0);
	cmd->cmd.max_args = max_args < 0 ? -1 : MAX(max_args, cmd->cmd.min_args);
	cmd->cmd.args_completion = completion_of(complete);
}

void mpa_command_option(mpa_command *cmd, const char *name, char short_name, const char *metavar,
                        const char *help, enum mpa_complete complete, const char *const *choices)
{
	if (!cmd || !valid_name(name))
		return;
	struct cmd_option o = {
		.name = keep(cmd->strings, name),
		.short_name = g_ascii_isalpha(short_name) ? short_name : 0,
		.metavar = keep(cmd->strings, metavar),
		.help = keep(cmd->strings, help ? help : ""),
		.completion = completion_of(complete),
	};
	if (choices) {
		char **copy = g_strdupv((char **)choices);
		g_ptr_array_add(cmd->choices, copy);
		o.choices = (const char *const *)copy;
	}
	g_array_append_val(cmd->options, o);
}

void mpa_command_needs_capture(mpa_command *cmd)
{
	if (cmd)
		cmd->cmd.flags |= CMD_NEEDS_CAPTURE;
}

static void command_free(mpa_command *pc)
{
	g_array_free(pc->options, TRUE);
	g_ptr_array_free(pc->choices, TRUE);
	g_ptr_array_free(pc->strings, TRUE);
	g_free(pc);
}

/* The interpreter runs every plugin command through this handler: it finds
 * the declaration from the running struct command (the first member) and
 * calls the plugin with a context instead of the session. */
static int plugin_command_run(struct session *s, int argc, char **argv)
{
	const mpa_command *pc = s->args ? (const mpa_command *)s->args->cmd : NULL;
	if (!pc || pc->cmd.handler != plugin_command_run)
		return cmd_fail(s, "internal error: plugin command without its declaration");
	struct mpa_ctx ctx = { .s = s, .cmd = pc };
	int rc = pc->run(&ctx, argc, argv, pc->user);
	plugin_ctx_drop_json(&ctx);
	if (rc != 0 && !ctx.reported)
		cmd_fail(s, "failed (plugin %s returned %d)", owner_name(pc->owner), rc);
	return rc != 0 ? 1 : 0;
}

/* reports a refused declaration: a plugin's goes to stderr and its refused
 * list (true: loading goes on), a built-in's into *err (false); takes `why` */
static bool refuse(struct plugin_info *owner, char *why, GError **err)
{
	if (!owner) {
		g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s", why);
		g_free(why);
		return false;
	}
	fprintf(stderr, "mptcpanalyzer: plugin %s (%s): %s\n", owner->name, owner->path, why);
	g_ptr_array_add(owner->refused, why);
	return true;
}

/* the command holding `name` as its name or alias, NULL when free */
static const char *holder_of(const char *name)
{
	const struct command *c = command_find(name);
	return c ? c->name : NULL;
}

/* why the command cannot be registered, NULL when it can */
static char *command_clash(const mpa_command *pc)
{
	const char *names[5] = { pc->cmd.name };
	memcpy(names + 1, pc->cmd.aliases, sizeof pc->cmd.aliases);
	for (int i = 0; i < 5 && names[i]; i++) {
		const char *holder = holder_of(names[i]);
		if (holder && strcmp(holder, names[i]) == 0)
			return g_strdup_printf("command '%s' refused: a command '%s' already exists",
			                       pc->cmd.name, names[i]);
		if (holder)
			return g_strdup_printf("command '%s' refused: the name '%s' is already taken by "
			                       "command '%s'", pc->cmd.name, names[i], holder);
	}
	return NULL;
}

/* every registered command: they live as long as the process (the command
 * table, which commands_clear() empties at exit, only points to them) */
static GPtrArray *registered;

/* Registers one command (its name goes to the owner's list).  A clash of a
 * plugin's command is reported and the command dropped; a built-in's is an
 * error: false with *err.  Frees what is not registered. */
static bool commit_command(mpa_command *pc, struct plugin_info *owner, GError **err)
{
	pc->cmd.options = pc->options->len ? (const struct cmd_option *)(void *)pc->options->data : NULL;
	char *why = command_clash(pc);
	GError *e = NULL;
	if (!why && command_register(&pc->cmd, &e)) {
		if (!registered)
			registered = g_ptr_array_new();
		g_ptr_array_add(registered, pc);
		if (owner)
			g_ptr_array_add(owner->commands, g_strdup(pc->cmd.name));
		return true;
	}
	if (!why)
		why = g_strdup(e->message);
	g_clear_error(&e);
	command_free(pc);
	return refuse(owner, why, err);
}

/* ---------------------------------------------------------------- plot types
 *
 * A plot type's build function gets no pointer to its own declaration, so
 * each plugin plot type is given one of MAX_PLOT_SLOTS small functions that
 * know their slot number. */

#define MAX_PLOT_SLOTS 32
static mpa_plot_type *plot_slots[MAX_PLOT_SLOTS];
static int n_plot_slots;

static bool plot_build(int slot, const struct plot_input *in, int argc, char **argv,
                       struct plot_spec *out, GError **err)
{
	const mpa_plot_type *pp = plot_slots[slot];
	struct mpa_plot plot = { .spec = out, .type = pp };
	int rc = pp->build(&plot, (const mpa_capture *)in->t, argc, argv, pp->user);
	if (rc != 0) {
		if (plot.error)
			g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s", plot.error);
		else
			g_set_error(err, MPTCPA_ERROR, MPTCPA_ERR_USAGE, "%s: failed (plugin %s returned %d)",
			            pp->pt.name, owner_name(pp->owner), rc);
	}
	g_free(plot.error);
	return rc == 0;
}

#define PLOT_THUNK(k)                                                                              \
	static bool plot_thunk_##k(const struct plot_input *in, int argc, char **argv,                \
	                           struct plot_spec *out, GError **err)                               \
	{                                                                                              \
		return plot_build(k, in, argc, argv, out, err);                                          \
	}
#define PLOT_THUNKS8(a, b, c, d, e, f, g, h) \
	PLOT_THUNK(a) PLOT_THUNK(b) PLOT_THUNK(c) PLOT_THUNK(d) \
	PLOT_THUNK(e) PLOT_THUNK(f) PLOT_THUNK(g) PLOT_THUNK(h)
PLOT_THUNKS8(0, 1, 2, 3, 4, 5, 6, 7)
PLOT_THUNKS8(8, 9, 10, 11, 12, 13, 14, 15)
PLOT_THUNKS8(16, 17, 18, 19, 20, 21, 22, 23)
PLOT_THUNKS8(24, 25, 26, 27, 28, 29, 30, 31)

typedef bool (*plot_build_fn)(const struct plot_input *, int, char **, struct plot_spec *, GError **);
static const plot_build_fn plot_thunks[MAX_PLOT_SLOTS] = {
	plot_thunk_0, plot_thunk_1, plot_thunk_2, plot_thunk_3, plot_thunk_4, plot_thunk_5,
	plot_thunk_6, plot_thunk_7, plot_thunk_8, plot_thunk_9, plot_thunk_10, plot_thunk_11,
	plot_thunk_12, plot_thunk_13, plot_thunk_14, plot_thunk_15, plot_thunk_16, plot_thunk_17,
	plot_thunk_18, plot_thunk_19, plot_thunk_20, plot_thunk_21, plot_thunk_22, plot_thunk_23,
	plot_thunk_24, plot_thunk_25, plot_thunk_26, plot_thunk_27, plot_thunk_28, plot_thunk_29,
	plot_thunk_30, plot_thunk_31,
};

mpa_plot_type *mpa_register_plot(mpa_registry *reg, const char *name, const char *summary,
                                 const char *usage, mpa_plot_fn build, void *user)
{
	if (!reg || !build || !valid_name(name)) {
		if (reg)
			mpa_registry_fail(reg, "bad plot type declaration '%s' (a name of letters, digits, _ "
			                  "and -, and a build function, are needed)", name ? name : "(null)");
		return NULL;
	}
	mpa_plot_type *pp = g_new0(mpa_plot_type, 1);
	pp->strings = g_ptr_array_new_with_free_func(g_free);
	pp->pt.name = keep(pp->strings, name);
	pp->pt.summary = keep(pp->strings, summary ? summary : "(plugin plot)");
	pp->pt.usage = keep(pp->strings, usage ? usage : name);
	pp->pt.n_captures = 1;
	pp->build = build;
	pp->user = user;
	pp->owner = reg->owner;
	g_ptr_array_add(reg->plots, pp);
	return pp;
}

static void plot_type_free(mpa_plot_type *pp)
{
	g_ptr_array_free(pp->strings, TRUE);
	g_free(pp);
}

static char *plot_clash(const mpa_plot_type *pp)
{
	if (plot_type_find(pp->pt.name))
		return g_strdup_printf("plot type '%s' refused: a plot type '%s' already exists",
		                       pp->pt.name, pp->pt.name);
	if (n_plot_slots == MAX_PLOT_SLOTS)
		return g_strdup_printf("plot type '%s' refused: at most %d plugin plot types",
		                       pp->pt.name, MAX_PLOT_SLOTS);
	return NULL;
}

/* registers one plot type, like commit_command */
static bool commit_plot(mpa_plot_type *pp, struct plugin_info *owner, GError **err)
{
	char *why = plot_clash(pp);
	if (!why) {
		pp->pt.build = plot_thunks[n_plot_slots];
		plot_slots[n_plot_slots] = pp;
		if (plot_type_register(&pp->pt)) {
			n_plot_slots++;
			if (owner)
				g_ptr_array_add(owner->plots, g_strdup(pp->pt.name));
			return true;
		}
		plot_slots[n_plot_slots] = NULL;
		why = g_strdup_printf("plot type '%s' refused by the plot registry", pp->pt.name);
	}
	plot_type_free(pp);
	return refuse(owner, why, err);
}

/* ---------------------------------------------------------------- commit */

static void registry_free(mpa_registry *reg)
{
	g_ptr_array_free(reg->commands, TRUE);
	g_ptr_array_free(reg->plots, TRUE);
	g_free(reg->failure);
	g_free(reg);
}

bool plugin_registry_commit(mpa_registry *reg, GError **err)
{
	bool ok = true; /* after a built-in's clash the rest is only freed */
	for (guint i = 0; i < reg->commands->len; i++) {
		mpa_command *pc = g_ptr_array_index(reg->commands, i);
		if (ok)
			ok = commit_command(pc, reg->owner, err);
		else
			command_free(pc);
	}
	for (guint i = 0; i < reg->plots->len; i++) {
		mpa_plot_type *pp = g_ptr_array_index(reg->plots, i);
		if (ok)
			ok = commit_plot(pp, reg->owner, err);
		else
			plot_type_free(pp);
	}
	registry_free(reg);
	return ok;
}

void plugin_registry_discard(mpa_registry *reg)
{
	for (guint i = 0; i < reg->commands->len; i++)
		command_free(g_ptr_array_index(reg->commands, i));
	for (guint i = 0; i < reg->plots->len; i++)
		plot_type_free(g_ptr_array_index(reg->plots, i));
	registry_free(reg);
}
