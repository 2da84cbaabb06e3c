/* lazy_readline.c - GNU readline, opened on first use (see lazylib.h): only
 * the interactive prompt needs it. */
#include "util/lazy_readline.h"
#include "config.h"
#include "util/lazylib.h"

#define READLINE_FUNCS(X, V) \
	X(char *, readline, (const char *prompt), (prompt)) \
	V(rl_redisplay, (void), ()) \
	X(int, rl_on_new_line, (void), ()) \
	V(rl_replace_line, (const char *text, int clear_undo), (text, clear_undo)) \
	X(char **, rl_completion_matches, (const char *text, rl_compentry_func_t *fn), (text, fn)) \
	X(char *, rl_filename_completion_function, (const char *text, int state), (text, state)) \
	V(using_history, (void), ()) \
	V(add_history, (const char *line), (line)) \
	V(stifle_history, (int max), (max)) \
	X(HIST_ENTRY *, history_get, (int offset), (offset)) \
	X(int, read_history, (const char *file), (file)) \
	X(int, append_history, (int n, const char *file), (n, file)) \
	X(int, history_truncate_file, (const char *file, int lines), (file, lines))

/* variables: resolved with the functions, reached through readline_vars() */
#define READLINE_VARS(X) \
	X(rl_readline_name) X(rl_line_buffer) X(rl_attempted_completion_function) \
	X(rl_completer_word_break_characters) X(rl_attempted_completion_over) X(rl_library_version) \
	X(history_base) X(history_length)
#define VAR_ENUM(name) LAZY_FN_##name,
#define VAR_NAME(name) #name,

enum { READLINE_FUNCS(LAZY_ENUM_X, LAZY_ENUM_V) READLINE_VARS(VAR_ENUM) N_SYMBOLS };
static const char *const names[] = { READLINE_FUNCS(LAZY_NAME_X, LAZY_NAME_V) READLINE_VARS(VAR_NAME) };
static void *slots[N_SYMBOLS];

struct lazylib lazy_readline = { LAZY_SONAME_READLINE, "the interactive prompt", names, slots, N_SYMBOLS, 0,
                                 NULL };

#define FORWARD_X(ret, name, params, args) LAZY_FORWARD_X(lazy_readline, ret, name, params, args)
#define FORWARD_V(name, params, args) LAZY_FORWARD_V(lazy_readline, name, params, args)
READLINE_FUNCS(FORWARD_X, FORWARD_V)

const struct readline_vars *readline_vars(void)
{
	static struct readline_vars v;
	if (!v.readline_name) {
		v.library_version = lazylib_fn(&lazy_readline, LAZY_FN_rl_library_version);
		v.line_buffer = lazylib_fn(&lazy_readline, LAZY_FN_rl_line_buffer);
		v.attempted_completion_function = lazylib_fn(&lazy_readline, LAZY_FN_rl_attempted_completion_function);
		v.completer_word_break_characters =
			lazylib_fn(&lazy_readline, LAZY_FN_rl_completer_word_break_characters);
		v.attempted_completion_over = lazylib_fn(&lazy_readline, LAZY_FN_rl_attempted_completion_over);
		v.history_base = lazylib_fn(&lazy_readline, LAZY_FN_history_base);
		v.history_length = lazylib_fn(&lazy_readline, LAZY_FN_history_length);
		v.readline_name = lazylib_fn(&lazy_readline, LAZY_FN_rl_readline_name);
	}
	return &v;
}
