/* lazy_readline.h - readline's variables, which live in the library opened
 * on first use (see lazylib.h; its functions are forwarded by name). */
#ifndef MPTCPA_LAZY_READLINE_H
#define MPTCPA_LAZY_READLINE_H

#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

struct readline_vars {
	const char **readline_name;
	char **line_buffer;
	rl_completion_func_t **attempted_completion_function;
	const char **completer_word_break_characters;
	int *attempted_completion_over;
	const char **library_version;
	int *history_base, *history_length;
};

/* the variables of the opened library; aborts when it cannot be opened
 * (ask lazylib_ready(&lazy_readline, ...) first) */
const struct readline_vars *readline_vars(void);

#endif
