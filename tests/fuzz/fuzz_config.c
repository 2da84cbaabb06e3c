/* fuzz_config.c - libFuzzer target: config_load() on hostile configuration
 * files (the input is the file). */
#include "fuzz_common.h"

#include "cli/config.h"

static struct memfile file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	/* unknown keys are reported on stderr: keep libFuzzer's output readable */
	g_setenv("XDG_CONFIG_HOME", "/nonexistent", TRUE);
	memfile_init(&file, "fuzz_config");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	memfile_set(&file, data, size);
	struct config c;
	GError *err = NULL;
	/* a refused file must say why */
	if (!config_load(&c, file.path, &err) && (!err || !err->message[0]))
		abort();
	g_clear_error(&err);
	config_clear(&c);
	return 0;
}
