/* replay_main.c - runs a fuzz target's entry point once on each file of its
 * corpus, without libFuzzer: the regression test of every seed and of every
 * input that once crashed a target (built with any compiler, run by the
 * normal test suite, best under ASan+UBSan).  Prints TAP, one line per file.
 *
 *   replay_NAME FILE|DIR...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the files named on the command line, directories expanded, sorted */
static GPtrArray *inputs(int argc, char **argv)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	for (int i = 1; i < argc; i++) {
		GDir *d = g_dir_open(argv[i], 0, NULL);
		if (!d && !g_file_test(argv[i], G_FILE_TEST_EXISTS))
			continue; /* a target without seeds yet */
		if (!d) {
			g_ptr_array_add(files, g_strdup(argv[i]));
			continue;
		}
		const char *name;
		while ((name = g_dir_read_name(d)))
			if (name[0] != '.')
				g_ptr_array_add(files, g_build_filename(argv[i], name, NULL));
		g_dir_close(d);
	}
	qsort(files->pdata, files->len, sizeof(gpointer), cmp_str);
	return files;
}

int main(int argc, char **argv)
{
	/* the targets point stdout at /dev/null: TAP goes to a copy of it */
	FILE *tap = fdopen(dup(STDOUT_FILENO), "w");
	if (!tap)
		return 99;
	setvbuf(tap, NULL, _IOLBF, 0);
	GPtrArray *files = inputs(argc, argv);
	LLVMFuzzerInitialize(&argc, &argv);
	if (files->len == 0) {
		fprintf(tap, "1..0 # SKIP no input\n");
		return 0;
	}
	fprintf(tap, "1..%u\n", files->len);
	int failed = 0;
	for (guint i = 0; i < files->len; i++) {
		const char *path = files->pdata[i];
		gchar *data;
		gsize len;
		if (!g_file_get_contents(path, &data, &len, NULL)) {
			fprintf(tap, "not ok %u - %s (unreadable)\n", i + 1, path);
			failed++;
			continue;
		}
		/* an exact-size copy, as libFuzzer passes it: ASan sees over-reads */
		uint8_t *copy = g_malloc(len ? len : 1);
		memcpy(copy, data, len);
		LLVMFuzzerTestOneInput(copy, len);
		g_free(copy);
		g_free(data);
		/* a crash aborts the whole run; reaching here is a pass */
		fprintf(tap, "ok %u - %s\n", i + 1, strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	}
	g_ptr_array_unref(files);
	fclose(tap);
	return failed ? 1 : 0;
}
