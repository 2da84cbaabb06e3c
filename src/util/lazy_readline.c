/* lazy_readline.c - GNU readline, opened on first use (see lazylib.h): only
 * the interactive prompt needs it. */
#include "util/lazy_readline.h"
#include "config.h"
#include "util/lazylib.h"

/* the functions, then the variables (reached through readline_vars()) */
#define READLINE_SYMBOLS(X, V, D) \
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
	X(int, history_truncate_file, (const char *file, int lines), (file, lines)) \
	D(rl_readline_name) D(rl_line_buffer) D(rl_attempted_completion_function) \
	D(rl_completer_word_break_characters) D(rl_attempted_completion_over) D(rl_library_version) \
	D(history_base) D(history_length)

LAZYLIB_DEFINE(lazy_readline, READLINE_SYMBOLS, LAZY_SONAME_READLINE, "the interactive prompt")

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
