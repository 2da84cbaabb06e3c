/* plugin_private.h - what the opaque handles of the plugin ABI are inside
 * mptcpanalyzer (only src/plugin/ sees these; plugins get pointers). */
#ifndef MPTCPA_PLUGIN_PRIVATE_H
#define MPTCPA_PLUGIN_PRIVATE_H

#include <json-glib/json-glib.h>
#include "cli/registry.h"
#include "plot/plot.h"
#include "plugin/plugin_host.h"

struct session;

/* a declared command: `cmd` first, so the handler finds its record from the
 * struct command* the interpreter is running (session.args->cmd) */
struct mpa_command {
	struct command cmd;
	GArray *options;          /* struct cmd_option, zero-terminated at commit */
	mpa_command_fn run;
	void *user;
	struct plugin_info *owner;/* NULL: built-in */
	GPtrArray *strings;       /* owned copies the struct command points to */
	GPtrArray *choices;       /* owned char** of the options' choices */
};

struct mpa_plot_type {
	struct plot_type pt;
	mpa_plot_fn build;
	void *user;
	struct plugin_info *owner;
	GPtrArray *strings;
};

struct mpa_registry {
	struct plugin_info *owner;
	GPtrArray *commands;      /* struct mpa_command* */
	GPtrArray *plots;         /* struct mpa_plot_type* */
	char *failure;            /* mpa_registry_fail's reason */
};

/* a running plugin command (lives on the stack of the handler trampoline) */
struct mpa_ctx {
	struct session *s;
	const struct mpa_command *cmd;
	bool reported;            /* mpa_error was called */
	GPtrArray *open_json;     /* struct mpa_json* begun and not printed yet */
};

struct mpa_json {
	JsonBuilder *b;
	GString *open;            /* 'o' / 'a': the containers open inside the root object */
	struct mpa_ctx *ctx;
};

/* a plot being built by a plugin plot type */
struct mpa_plot {
	struct plot_spec *spec;
	const struct mpa_plot_type *type;
	char *error;              /* mpa_plot_error's message */
};

/* frees the documents a command began and did not print */
void plugin_ctx_drop_json(struct mpa_ctx *ctx);

#endif
