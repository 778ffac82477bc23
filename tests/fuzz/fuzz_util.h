/*
 * fuzz_util.h - what the fuzz targets share: a scratch folder per process,
 * writing an input to a file, emptying the folder between inputs, a byte
 * reader over the input, and the checks whose failure is a finding.
 *
 * A finding aborts (FUZZ_FAIL): libFuzzer then saves the input, and the
 * replay program (replay_main.c) fails the test.
 */
#ifndef JET_FUZZ_UTIL_H
#define JET_FUZZ_UTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jet.h"

#define FUZZ_FAIL(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "FUZZ FINDING %s:%d: ", __FILE__, __LINE__);   \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		abort();                                                       \
	} while (0)

/* Every code an API call returns must be one jet.h defines. */
static inline void fuzz_check_err(JET_ERR err, const char *what)
{
	if (err == JET_errSuccess)
		return;
	if (strstr(JetErrorName(err), "unknown") != NULL)
		FUZZ_FAIL("%s returned %ld, not a code jet.h defines", what, (long)err);
}

/* The process's scratch folder (created once, ending without '/'). Under
 * /dev/shm when it exists: the targets write a file or two per input. */
static inline const char *fuzz_dir(void)
{
	static char dir[256];
	if (!dir[0]) {
		const char *t = getenv("FUZZ_TMPDIR");
		if (!t || !*t)
			t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
		if (!t || !*t)
			t = "/tmp";
		snprintf(dir, sizeof(dir), "%s/jetfuzz_XXXXXX", t);
		if (!mkdtemp(dir)) {
			perror(dir);
			abort();
		}
	}
	return dir;
}

/* Removes every file of the scratch folder and of its subfolders (one level). */
static inline void fuzz_dir_clear_at(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char p[1024];
		if (snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= (int)sizeof(p))
			continue;
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (depth < 2)
				fuzz_dir_clear_at(p, depth + 1);
			rmdir(p);
		} else {
			unlink(p);
		}
	}
	closedir(d);
}

static inline void fuzz_dir_clear(void)
{
	fuzz_dir_clear_at(fuzz_dir(), 0);
}

/* Removes the scratch folder at exit. */
static inline void fuzz_dir_remove(void)
{
	fuzz_dir_clear();
	rmdir(fuzz_dir());
}

static inline void fuzz_write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* Sequential reader of the input: past the end it yields zeros. */
typedef struct fuzz_in {
	const uint8_t *p;
	size_t n, pos;
} fuzz_in;

static inline bool fuzz_more(const fuzz_in *in)
{
	return in->pos < in->n;
}

static inline uint8_t fuzz_u8(fuzz_in *in)
{
	return in->pos < in->n ? in->p[in->pos++] : 0;
}

static inline uint16_t fuzz_u16(fuzz_in *in)
{
	uint16_t v = fuzz_u8(in);
	return (uint16_t)(v | (fuzz_u8(in) << 8));
}

static inline uint32_t fuzz_u32(fuzz_in *in)
{
	uint32_t v = fuzz_u16(in);
	return v | ((uint32_t)fuzz_u16(in) << 16);
}

/* Up to max bytes (the count from the input) into buf; returns the count. */
static inline size_t fuzz_bytes(fuzz_in *in, void *buf, size_t max)
{
	size_t n = fuzz_u8(in);
	if (n > max)
		n %= max + 1;
	if (n > in->n - in->pos)
		n = in->n - in->pos;
	memcpy(buf, in->p + in->pos, n);
	in->pos += n;
	return n;
}

#endif
