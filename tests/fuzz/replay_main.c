/*
 * replay_main.c - the main() that turns a libFuzzer target into a plain
 * program: it runs LLVMFuzzerTestOneInput once on every file it is given,
 * and on every file of every directory it is given (in name order). With
 * no arguments it replays FUZZ_CORPUS_DIR, the target's committed corpus,
 * which is what `make check` does. Built with gcc or clang, no libFuzzer.
 *
 * A crash is the test's failure (the harness aborts on a broken property);
 * the program exits 0 after replaying everything, 1 when an argument could
 * not be read or a directory held no input at all.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir; returns how many, -1 on error. */
static long replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return -1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				break;
			names = nn;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	long done = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (getenv("FUZZ_REPLAY_VERBOSE"))
				fprintf(stderr, "replay %s\n", path);
			if (replay_file(path) < 0)
				done = -1;
			else if (done >= 0)
				done++;
		}
		free(names[i]);
	}
	free(names);
	return done;
}

static int replay_arg(const char *arg)
{
	struct stat st;
	if (stat(arg, &st) != 0) {
		perror(arg);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(arg) < 0;
	long n = replay_dir(arg);
	if (n <= 0) {
		fprintf(stderr, "%s: %s\n", arg, n == 0 ? "no inputs" : "replay failed");
		return 1;
	}
	fprintf(stderr, "%s: %ld inputs replayed\n", arg, n);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
#ifdef FUZZ_CORPUS_DIR
		return replay_arg(FUZZ_CORPUS_DIR);
#else
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
#endif
	}
	for (int i = 1; i < argc; i++)
		rc |= replay_arg(argv[i]);
	return rc;
}
