/* registry.h - the one table of interpreter commands.
 *
 * Every command (built-in or from a plugin) is a `struct command` registered
 * with command_register(); the interpreter, batch mode, argument mode, `help`
 * and tab completion all read this table.  A command's options are a
 * `struct cmd_option` array: the shared parser below turns a command line into
 * positionals and option values from it, and `help CMD` prints it. */
#ifndef MPTCPA_REGISTRY_H
#define MPTCPA_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <glib.h>

struct session;

/* what an argument or an option value completes to */
enum completion_kind {
	COMP_NONE,
	COMP_FILE,          /* file names */
	COMP_TCP_STREAM,    /* tcp.stream ids of the loaded capture */
	COMP_MPTCP_STREAM,  /* mptcp.stream ids of the loaded capture */
	COMP_FIELD,         /* export column names (comma-separated lists too) */
	COMP_COMMAND,       /* command names */
	COMP_PLOT_TYPE,     /* plot type names */
	COMP_CHOICES,       /* the option's `choices` */
};

struct cmd_option {
	const char *name;           /* long name without dashes: "dest" */
	char short_name;            /* 'o', or 0 */
	const char *metavar;        /* NULL: a flag; else it takes a value */
	const char *help;
	enum completion_kind completion;
	const char *const *choices; /* NULL-terminated; checked when non-NULL */
};

/* command flags */
enum {
	CMD_NEEDS_CAPTURE = 1 << 0, /* refuse to run without a loaded capture */
	CMD_PASS_UNKNOWN = 1 << 1,  /* unknown --options become positionals (plot) */
};

struct command {
	const char *name;
	const char *aliases[4];     /* NULL-terminated when fewer than 4 */
	const char *summary;        /* one line for `help` */
	const char *usage;          /* "list_subflows STREAM [--all] [--json]" */
	const struct cmd_option *options; /* terminated by a { NULL } entry; may be NULL */
	enum completion_kind args_completion;
	/* argv[0] is the command name, argv[1..] the positionals; options are
	 * read with cmd_opt()/cmd_flag() on the session */
	int (*handler)(struct session *s, int argc, char **argv);
	unsigned flags;             /* CMD_* */
	int min_args, max_args;     /* positionals (max -1: any) */
};

/* false (and a message in *err) when the name or an alias is already taken */
bool command_register(const struct command *c, GError **err);
/* by name or alias; NULL when unknown */
const struct command *command_find(const char *name);
/* registered commands sorted by name; *n gets the count */
const struct command **commands_all(size_t *n);
/* the closest name or alias to a mistyped one, or NULL when nothing is close */
const char *command_suggest(const char *typo);
/* forgets every command (tests, exit) */
void commands_clear(void);

/* --------------------------------------------------------------- options */

/* the result of parsing one command line against a command's option table */
struct cmd_args {
	const struct command *cmd;
	GPtrArray *pos;             /* char*: argv[0] = command name, then positionals; NULL-terminated */
	char **values;              /* per option: its value, "" for a set flag, NULL when absent */
	size_t n_options;
};

/* Splits argv (argv[0]: the command) into options and positionals:
 * --flag, --opt VALUE, --opt=VALUE, -o VALUE, `--` ends the options.  Checks
 * choices and the positional count.  false with *err on a bad line. */
bool cmd_args_parse(const struct command *c, int argc, char **argv, struct cmd_args *out,
                    GError **err);
void cmd_args_clear(struct cmd_args *a);
/* the value of option `name` (NULL when absent); "" for a set flag */
const char *cmd_args_value(const struct cmd_args *a, const char *name);
/* the option `name` of command c, NULL when it has none */
const struct cmd_option *cmd_option_find(const struct command *c, const char *name);

/* `help CMD`: usage, aliases, summary and the option table */
void command_print_help(const struct command *c, FILE *out);

#endif
