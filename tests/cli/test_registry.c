/* test_registry.c - unit tests of the command registry: registration and
 * clashes, lookup by alias, the shared option parser, did-you-mean, help. */
#include <string.h>
#include <glib.h>
#include "cli/registry.h"

static int dummy(struct session *s, int argc, char **argv)
{
	(void)s;
	(void)argc;
	(void)argv;
	return 0;
}

static const char *const dests[] = { "Client", "Server", NULL };
static const struct cmd_option opts[] = {
	{ "all", 'a', NULL, "everything", COMP_NONE, NULL },
	{ "dest", 0, "Client|Server", "direction", COMP_CHOICES, dests },
	{ "output", 'o', "FILE", "output", COMP_FILE, NULL },
	{ NULL, 0, NULL, NULL, COMP_NONE, NULL },
};
static const struct command subflows = {
	"list_subflows", { "ls", NULL }, "list subflows", "list_subflows STREAM [--all]", opts,
	COMP_MPTCP_STREAM, dummy, 0, 1, 1,
};
static const struct command tcp = {
	"list_tcp_connections", { "lt", NULL }, "list tcp", "list_tcp_connections", NULL, COMP_NONE,
	dummy, 0, 0, 0,
};
static const struct command plot = {
	"plot", { NULL }, "plot", "plot TYPE ARGS...", opts, COMP_PLOT_TYPE, dummy, CMD_PASS_UNKNOWN, 1, -1,
};

static void setup(void)
{
	commands_clear();
	g_assert_true(command_register(&subflows, NULL));
	g_assert_true(command_register(&tcp, NULL));
	g_assert_true(command_register(&plot, NULL));
}

static void test_lookup(void)
{
	setup();
	g_assert_true(command_find("list_subflows") == &subflows);
	g_assert_true(command_find("ls") == &subflows);
	g_assert_true(command_find("lt") == &tcp);
	g_assert_null(command_find("list"));
	size_t n;
	const struct command **all = commands_all(&n);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpstr(all[0]->name, ==, "list_subflows");
	g_assert_cmpstr(all[2]->name, ==, "plot");
	g_assert_null(all[3]);
}

static void test_clash(void)
{
	setup();
	struct command same_alias = { "lister", { "lt", NULL }, "", "", NULL, COMP_NONE, dummy, 0, 0, 0 };
	struct command same_name = { "ls", { NULL }, "", "", NULL, COMP_NONE, dummy, 0, 0, 0 };
	GError *err = NULL;
	g_assert_false(command_register(&same_alias, &err));
	g_assert_nonnull(strstr(err->message, "'lt'"));
	g_clear_error(&err);
	g_assert_false(command_register(&same_name, &err));
	g_clear_error(&err);
	g_assert_true(command_find("lister") == NULL);
}

static bool parse(const struct command *c, const char *line, struct cmd_args *a, GError **err)
{
	char **argv;
	int argc;
	g_assert_true(g_shell_parse_argv(line, &argc, &argv, NULL));
	bool ok = cmd_args_parse(c, argc, argv, a, err);
	g_strfreev(argv);
	return ok;
}

static void test_parse(void)
{
	setup();
	struct cmd_args a;
	g_assert_true(parse(&subflows, "ls 3 --all --dest=server -o out.png", &a, NULL));
	g_assert_cmpuint(a.pos->len, ==, 3); /* name, "3", NULL */
	g_assert_cmpstr(g_ptr_array_index(a.pos, 0), ==, "list_subflows");
	g_assert_cmpstr(g_ptr_array_index(a.pos, 1), ==, "3");
	g_assert_cmpstr(cmd_args_value(&a, "all"), ==, "");
	g_assert_cmpstr(cmd_args_value(&a, "dest"), ==, "server");
	g_assert_cmpstr(cmd_args_value(&a, "output"), ==, "out.png");
	cmd_args_clear(&a);

	g_assert_true(parse(&subflows, "ls -a --dest Client -- -5", &a, NULL));
	g_assert_cmpstr(g_ptr_array_index(a.pos, 1), ==, "-5");
	g_assert_null(cmd_args_value(&a, "output"));
	g_assert_cmpstr(cmd_args_value(&a, "dest"), ==, "Client");
	cmd_args_clear(&a);

	GError *err = NULL;
	g_assert_false(parse(&subflows, "ls 1 --dest Nowhere", &a, &err));
	g_assert_nonnull(strstr(err->message, "Client, Server"));
	g_clear_error(&err);
	g_assert_false(parse(&subflows, "ls 1 --bogus", &a, &err));
	g_assert_nonnull(strstr(err->message, "unknown option '--bogus'"));
	g_clear_error(&err);
	g_assert_false(parse(&subflows, "ls", &a, &err));
	g_assert_nonnull(strstr(err->message, "missing argument"));
	g_clear_error(&err);
	g_assert_false(parse(&subflows, "ls 1 2", &a, &err));
	g_assert_nonnull(strstr(err->message, "too many"));
	g_clear_error(&err);
	g_assert_false(parse(&subflows, "ls 1 --output", &a, &err));
	g_assert_nonnull(strstr(err->message, "needs a value"));
	g_clear_error(&err);
	g_assert_false(parse(&subflows, "ls 1 --all=yes", &a, &err));
	g_clear_error(&err);

	/* plot: unknown options are the plot type's, kept in order */
	g_assert_true(parse(&plot, "plot dsn 0 --dack -o x.png --dest Server", &a, NULL));
	g_assert_cmpuint(a.pos->len, ==, 5);
	g_assert_cmpstr(g_ptr_array_index(a.pos, 3), ==, "--dack");
	g_assert_cmpstr(cmd_args_value(&a, "output"), ==, "x.png");
	g_assert_cmpstr(cmd_args_value(&a, "dest"), ==, "Server");
	cmd_args_clear(&a);
}

static void test_suggest(void)
{
	setup();
	g_assert_cmpstr(command_suggest("lsit_tcp"), ==, "list_tcp_connections");
	g_assert_cmpstr(command_suggest("list_subflow"), ==, "list_subflows");
	g_assert_cmpstr(command_suggest("lx"), ==, "list_subflows"); /* ls, distance 1 */
	g_assert_cmpstr(command_suggest("plto"), ==, "plot");
	g_assert_null(command_suggest("zzzzzzzzzzzz"));
}

static void test_help(void)
{
	setup();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	command_print_help(&subflows, f);
	fclose(f);
	g_assert_nonnull(strstr(buf, "usage: list_subflows STREAM [--all]"));
	g_assert_nonnull(strstr(buf, "aliases: ls"));
	g_assert_nonnull(strstr(buf, "-a, --all"));
	g_assert_nonnull(strstr(buf, "    --dest Client|Server"));
	free(buf);
	commands_clear();
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/registry/lookup", test_lookup);
	g_test_add_func("/registry/clash", test_clash);
	g_test_add_func("/registry/parse", test_parse);
	g_test_add_func("/registry/suggest", test_suggest);
	g_test_add_func("/registry/help", test_help);
	return g_test_run();
}
