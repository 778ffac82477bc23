/*
 * test_os.c - the POSIX vfs, the fault-injecting vfs and the crash points.
 *
 * What the code under test wrote is checked with plain stdio (read_all,
 * write_all), never through the vfs itself, so a bug cannot confirm itself.
 * Each test works in its own mkdtemp() directory, removed afterwards.
 * JET_TEST_SEED overrides the fixed seed, JET_TEST_SCALE multiplies loops.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os.h"

static uint64_t g_seed = 0x6f735f7465737431ull;
static uint64_t g_scale = 1;
static uint64_t g_rng;
static char g_dir[256];

static uint64_t rnd(void)
{
	uint64_t z = (g_rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* ---- fixture and stdio helpers */

static void setup(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(g_dir, sizeof g_dir, "%s/test_os.XXXXXX", t && *t ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(g_dir));
	g_rng = g_seed;
}

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(p);
}

static void teardown(void)
{
	nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *P(const char *name)
{
	static char buf[8][512];
	static int i;
	char *b = buf[i++ % 8];
	snprintf(b, sizeof buf[0], "%s/%s", g_dir, name);
	return b;
}

static void write_all(const char *path, const void *buf, size_t cb)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, cb, f), cb);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole file, or NULL when it does not exist; *pcb its size. */
static uint8_t *read_all(const char *path, size_t *pcb)
{
	FILE *f = fopen(path, "rb");
	*pcb = 0;
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*pcb = (size_t)n;
	return b;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void assert_file_is(const char *path, const void *want, size_t cb)
{
	size_t got;
	uint8_t *b = read_all(path, &got);
	ck_assert_msg(b != NULL, "%s missing", path);
	ck_assert_msg(got == cb, "%s: size %zu, expected %zu", path, got, cb);
	ck_assert_msg(memcmp(b, want, cb) == 0, "%s: content differs", path);
	free(b);
}

static void fill(uint8_t *b, size_t cb, uint8_t base)
{
	for (size_t i = 0; i < cb; i++)
		b[i] = (uint8_t)(base + i * 7 + (i >> 9));
}

typedef struct names {
	char list[64][64];
	int n;
	int stop_after; /* 0: never */
} names;

static JET_ERR collect(void *ctx, const char *name)
{
	names *nm = ctx;
	if (nm->n < 64)
		snprintf(nm->list[nm->n++], 64, "%s", name);
	if (nm->stop_after && nm->n == nm->stop_after)
		return JET_errInvalidParameter;
	return JET_errSuccess;
}

static bool names_has(const names *nm, const char *name)
{
	for (int i = 0; i < nm->n; i++)
		if (strcmp(nm->list[i], name) == 0)
			return true;
	return false;
}

/* ---- POSIX vfs */

START_TEST(test_posix_read_write)
{
	os_vfs *v = os_vfs_posix();
	os_file *f = NULL;
	uint8_t buf[10000], back[10000];
	size_t got;
	uint64_t sz;

	ck_assert_ptr_eq(v, os_vfs_posix());
	ck_assert_int_eq(os_open(v, P("missing"), 0, &f), JET_errFileNotFound);
	ck_assert_ptr_null(f);
	ck_assert_int_eq(os_open(v, P("a"), OS_OPEN_EXCL, &f), JET_errInvalidParameter);
	ck_assert_int_eq(os_open(v, NULL, 0, &f), JET_errInvalidParameter);

	ck_assert_int_eq(os_open(v, P("a"), OS_OPEN_CREATE | OS_OPEN_EXCL, &f), JET_errSuccess);
	fill(buf, sizeof buf, 1);
	ck_assert_int_eq(os_write(f, 100, buf, sizeof buf), JET_errSuccess);
	ck_assert_int_eq(os_size(f, &sz), JET_errSuccess);
	ck_assert_uint_eq(sz, 100 + sizeof buf);
	ck_assert_int_eq(os_read(f, 100, back, sizeof back, &got), JET_errSuccess);
	ck_assert_uint_eq(got, sizeof back);
	ck_assert_mem_eq(back, buf, sizeof buf);
	/* Short read at EOF: success with the count; read_exact: an error. */
	ck_assert_int_eq(os_read(f, 5000, back, sizeof back, &got), JET_errSuccess);
	ck_assert_uint_eq(got, 100 + sizeof buf - 5000);
	ck_assert_int_eq(os_read(f, 1 << 20, back, 10, &got), JET_errSuccess);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(os_read_exact(f, 5000, back, sizeof back), JET_errFileIOBeyondEOF);
	ck_assert_int_eq(os_read_exact(f, 100, back, sizeof back), JET_errSuccess);
	ck_assert_int_eq(os_read(f, 0, NULL, 10, &got), JET_errInvalidParameter);
	ck_assert_int_eq(os_read(f, 0, back, 10, NULL), JET_errInvalidParameter);
	ck_assert_int_eq(os_write(f, UINT64_MAX - 5, buf, 10), JET_errInvalidParameter);
	ck_assert_int_eq(os_sync(f), JET_errSuccess);
	ck_assert_int_eq(os_truncate(f, 50), JET_errSuccess);
	ck_assert_int_eq(os_size(f, &sz), JET_errSuccess);
	ck_assert_uint_eq(sz, 50);
	ck_assert_int_eq(os_close(f), JET_errSuccess);

	uint8_t zero[50] = {0};
	assert_file_is(P("a"), zero, 50);
	ck_assert_int_eq(os_open(v, P("a"), OS_OPEN_CREATE | OS_OPEN_EXCL, &f),
			 JET_errDatabaseDuplicate);
	ck_assert_int_eq(os_open(v, P("a"), OS_OPEN_CREATE | OS_OPEN_TRUNCATE, &f), JET_errSuccess);
	ck_assert_int_eq(os_size(f, &sz), JET_errSuccess);
	ck_assert_uint_eq(sz, 0);
	ck_assert_int_eq(os_close(f), JET_errSuccess);
	/* Read-only handles cannot write. */
	ck_assert_int_eq(os_open(v, P("a"), OS_OPEN_READONLY, &f), JET_errSuccess);
	ck_assert_int_lt(os_write(f, 0, buf, 10), 0);
	ck_assert_int_eq(os_close(f), JET_errSuccess);
}
END_TEST

/* Random writes and truncates against an in-memory model of the file. */
START_TEST(test_posix_model)
{
	enum { MAXSZ = 1 << 16 };
	os_vfs *v = os_vfs_posix();
	os_file *f;
	uint8_t *model = calloc(1, MAXSZ), *buf = malloc(MAXSZ), *back = malloc(MAXSZ);
	size_t msize = 0, got;
	uint64_t sz;
	ck_assert_int_eq(os_open(v, P("m"), OS_OPEN_CREATE, &f), JET_errSuccess);
	for (uint64_t it = 0; it < 400 * g_scale; it++) {
		uint64_t op = rnd() % 10;
		size_t off = rnd() % (MAXSZ / 2), cb = rnd() % (MAXSZ / 2);
		if (op < 7) {
			for (size_t i = 0; i < cb; i++)
				buf[i] = (uint8_t)rnd();
			ck_assert_int_eq(os_write(f, off, buf, cb), JET_errSuccess);
			memcpy(model + off, buf, cb);
			if (cb && off + cb > msize)
				msize = off + cb;
		} else if (op < 8) {
			ck_assert_int_eq(os_truncate(f, off), JET_errSuccess);
			if (off > msize)
				memset(model + msize, 0, off - msize);
			msize = off;
			memset(model + msize, 0, MAXSZ - msize);
		} else {
			ck_assert_int_eq(os_read(f, off, back, cb, &got), JET_errSuccess);
			size_t want = off >= msize ? 0 : JET_MIN(cb, msize - off);
			ck_assert_uint_eq(got, want);
			ck_assert_int_eq(memcmp(back, model + off, got), 0);
		}
		ck_assert_int_eq(os_size(f, &sz), JET_errSuccess);
		ck_assert_uint_eq(sz, msize);
	}
	ck_assert_int_eq(os_close(f), JET_errSuccess);
	assert_file_is(P("m"), model, msize);
	free(model);
	free(buf);
	free(back);
}
END_TEST

START_TEST(test_posix_names)
{
	os_vfs *v = os_vfs_posix();
	bool ex;
	names nm = {.n = 0};
	uint8_t one = 1, two = 2;

	write_all(P("x"), &one, 1);
	write_all(P("y"), &two, 1);
	ck_assert_int_eq(v->exists(v, P("x"), &ex), JET_errSuccess);
	ck_assert(ex);
	ck_assert_int_eq(v->exists(v, P("nope"), &ex), JET_errSuccess);
	ck_assert(!ex);
	ck_assert_int_eq(v->exists(v, P("x/under-a-file"), &ex), JET_errSuccess);
	ck_assert(!ex);

	ck_assert_int_eq(v->rename(v, P("x"), P("y")), JET_errSuccess); /* replaces y */
	ck_assert(!file_exists(P("x")));
	assert_file_is(P("y"), &one, 1);
	ck_assert_int_eq(v->rename(v, P("x"), P("z")), JET_errFileNotFound);
	ck_assert_int_eq(v->unlink(v, P("y")), JET_errSuccess);
	ck_assert_int_eq(v->unlink(v, P("y")), JET_errFileNotFound);
	ck_assert(!file_exists(P("y")));

	ck_assert_int_eq(v->mkdir(v, P("d")), JET_errSuccess);
	ck_assert_int_eq(v->mkdir(v, P("d")), JET_errSuccess); /* exists: fine */
	write_all(P("f"), &one, 1);
	ck_assert_int_lt(v->mkdir(v, P("f")), 0); /* a file is no directory */
	ck_assert_int_eq(v->mkdir(v, P("nodir/sub")), JET_errFileNotFound);
	ck_assert_int_eq(v->sync_dir(v, g_dir), JET_errSuccess);
	ck_assert_int_eq(v->sync_dir(v, P("d")), JET_errSuccess);
	ck_assert_int_eq(v->sync_dir(v, P("nodir")), JET_errFileNotFound);

	write_all(P("d/a"), &one, 1);
	write_all(P("d/b"), &one, 1);
	write_all(P("d/c"), &one, 1);
	ck_assert_int_eq(v->list_dir(v, P("d"), collect, &nm), JET_errSuccess);
	ck_assert_int_eq(nm.n, 3);
	ck_assert(names_has(&nm, "a") && names_has(&nm, "b") && names_has(&nm, "c"));
	memset(&nm, 0, sizeof nm);
	nm.stop_after = 2;
	ck_assert_int_eq(v->list_dir(v, P("d"), collect, &nm), JET_errInvalidParameter);
	ck_assert_int_eq(nm.n, 2);
	ck_assert_int_eq(v->list_dir(v, P("nodir"), collect, &nm), JET_errFileNotFound);
	ck_assert_int_eq(v->list_dir(v, P("d"), NULL, &nm), JET_errInvalidParameter);
}
END_TEST

START_TEST(test_posix_lock)
{
	os_vfs *v = os_vfs_posix();
	os_file *a, *b;
	ck_assert_int_eq(os_open(v, P("db"), OS_OPEN_CREATE, &a), JET_errSuccess);
	ck_assert_int_eq(os_open(v, P("db"), 0, &b), JET_errSuccess);
	ck_assert_int_eq(os_lock(a, true), JET_errSuccess);
	ck_assert_int_eq(os_lock(b, true), JET_errDatabaseLocked);
	ck_assert_int_eq(os_lock(b, false), JET_errDatabaseLocked);
	ck_assert_int_eq(os_close(a), JET_errSuccess); /* the lock goes with it */
	ck_assert_int_eq(os_lock(b, false), JET_errSuccess);
	ck_assert_int_eq(os_open(v, P("db"), OS_OPEN_READONLY, &a), JET_errSuccess);
	ck_assert_int_eq(os_lock(a, false), JET_errSuccess); /* shared + shared */
	ck_assert_int_eq(os_lock(a, true), JET_errDatabaseLocked);
	ck_assert_int_eq(os_close(a), JET_errSuccess);
	ck_assert_int_eq(os_close(b), JET_errSuccess);

	/* Another process sees the lock too, and it is not inherited over exec. */
	ck_assert_int_eq(os_open(v, P("db"), 0, &a), JET_errSuccess);
	ck_assert_int_eq(os_lock(a, true), JET_errSuccess);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		os_file *c;
		if (os_open(v, P("db"), 0, &c) < 0)
			_exit(2);
		_exit(os_lock(c, true) == JET_errDatabaseLocked ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(os_close(a), JET_errSuccess);
}
END_TEST

/* ---- fault vfs: failures */

static os_vfs *new_fault(void)
{
	os_vfs *fv = NULL;
	ck_assert_int_eq(os_fault_create(os_vfs_posix(), &fv), JET_errSuccess);
	ck_assert_ptr_nonnull(fv);
	return fv;
}

static void fail_third_write(JET_ERR fail_err)
{
	os_vfs *fv = new_fault();
	os_file *f;
	os_fault_stats st;
	uint8_t buf[4096];
	os_fault_config cfg = {.fail_at = 3, .fail_kinds = OS_FAULT_WRITE, .fail_err = fail_err};
	os_fault_configure(fv, &cfg);
	fill(buf, sizeof buf, 3);
	ck_assert_int_eq(os_open(fv, P("f"), OS_OPEN_CREATE, &f), JET_errSuccess);
	for (int i = 0; i < 5; i++) {
		JET_ERR err = os_write(f, (uint64_t)i * sizeof buf, buf, sizeof buf);
		ck_assert_int_eq(err, i == 2 ? fail_err : JET_errSuccess);
	}
	size_t got;
	ck_assert_int_eq(os_read(f, 0, buf, sizeof buf, &got), JET_errSuccess);
	ck_assert_int_eq(os_sync(f), JET_errSuccess);
	os_fault_stats_get(fv, &st);
	ck_assert_uint_eq(st.writes, 5);
	ck_assert_uint_eq(st.reads, 1);
	ck_assert_uint_eq(st.syncs, 1);
	ck_assert_uint_eq(st.opens, 1);
	ck_assert_uint_eq(st.failures_injected, 1);
	ck_assert(!st.powered_off);
	ck_assert_int_eq(os_close(f), JET_errSuccess);
	/* The failed write wrote nothing: a hole of zeros at [8192, 12288). */
	size_t cb;
	uint8_t *b = read_all(P("f"), &cb);
	ck_assert_uint_eq(cb, 5 * sizeof buf);
	for (size_t i = 2 * sizeof buf; i < 3 * sizeof buf; i++)
		ck_assert_uint_eq(b[i], 0);
	free(b);
	os_fault_destroy(fv);
}

START_TEST(test_fault_fail_nth)
{
	fail_third_write(JET_errDiskIO);
	fail_third_write(JET_errDiskFull);
}
END_TEST

START_TEST(test_fault_short_write)
{
	os_vfs *fv = new_fault();
	os_file *f;
	uint8_t old[8192], neu[8192], want[8192];
	memset(old, 0xAA, sizeof old);
	fill(neu, sizeof neu, 9);
	write_all(P("f"), old, sizeof old);
	os_fault_config cfg = {.fail_at = 1,
			       .fail_kinds = OS_FAULT_WRITE,
			       .fail_err = JET_errDiskIO,
			       .fail_short_write = true};
	os_fault_configure(fv, &cfg);
	ck_assert_int_eq(os_open(fv, P("f"), 0, &f), JET_errSuccess);
	/* 4196 bytes: half is 2098, rounded down to 2048. */
	ck_assert_int_eq(os_write(f, 1024, neu, 4196), JET_errDiskIO);
	memcpy(want, old, sizeof want);
	memcpy(want + 1024, neu, 2048);
	assert_file_is(P("f"), want, sizeof want);
	/* Under a sector's worth of half: nothing is written. */
	cfg.fail_at = 2;
	os_fault_configure(fv, &cfg);
	ck_assert_int_eq(os_write(f, 0, neu, 600), JET_errSuccess);
	ck_assert_int_eq(os_write(f, 4096, neu, 1000), JET_errDiskIO);
	memcpy(want, neu, 600);
	assert_file_is(P("f"), want, sizeof want);
	ck_assert_int_eq(os_close(f), JET_errSuccess);
	os_fault_destroy(fv);
}
END_TEST

START_TEST(test_fault_sticky_and_kinds)
{
	os_vfs *fv = new_fault();
	os_file *f;
	uint8_t buf[512] = {1};
	size_t got;
	os_fault_config cfg = {.fail_at = 2,
			       .fail_kinds = OS_FAULT_WRITE | OS_FAULT_SYNC,
			       .fail_err = JET_errDiskIO,
			       .fail_sticky = true};
	os_fault_configure(fv, &cfg);
	ck_assert_int_eq(os_open(fv, P("f"), OS_OPEN_CREATE, &f), JET_errSuccess);
	ck_assert_int_eq(os_write(f, 0, buf, sizeof buf), JET_errSuccess); /* call 1 */
	ck_assert_int_eq(os_sync(f), JET_errDiskIO);                       /* call 2 */
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(os_write(f, 0, buf, sizeof buf), JET_errDiskIO);
		ck_assert_int_eq(os_sync(f), JET_errDiskIO);
		/* Kinds not selected keep working. */
		ck_assert_int_eq(os_read(f, 0, buf, sizeof buf, &got), JET_errSuccess);
		ck_assert_uint_eq(got, sizeof buf);
	}
	os_fault_stats st;
	os_fault_stats_get(fv, &st);
	ck_assert_uint_eq(st.failures_injected, 11);

	/* Meta kind: rename, unlink, mkdir and truncate are what it fails. */
	cfg = (os_fault_config){
	    .fail_at = 1, .fail_kinds = OS_FAULT_META, .fail_err = JET_errDiskFull};
	os_fault_configure(fv, &cfg);
	ck_assert_int_eq(fv->rename(fv, P("f"), P("g")), JET_errDiskFull);
	ck_assert(file_exists(P("f")) && !file_exists(P("g")));
	ck_assert_int_eq(fv->rename(fv, P("f"), P("g")), JET_errSuccess);
	cfg =
	    (os_fault_config){.fail_at = 1, .fail_kinds = OS_FAULT_OPEN, .fail_err = JET_errDiskIO};
	os_fault_configure(fv, &cfg);
	os_file *f2 = NULL;
	ck_assert_int_eq(os_open(fv, P("g"), 0, &f2), JET_errDiskIO);
	ck_assert_ptr_null(f2);
	ck_assert_int_eq(os_open(fv, P("g"), 0, &f2), JET_errSuccess);
	ck_assert_int_eq(os_close(f2), JET_errSuccess);
	ck_assert_int_eq(os_close(f), JET_errSuccess);
	os_fault_destroy(fv);
}
END_TEST

/* ---- fault vfs: power loss */

enum { SECT = 512, NSECT = 64 };

/*
 * Durable state: "a" = 8 KiB old, "c" = C, "d" = D, "e" = E, all synced with
 * their directory. Then, unsynced: "a" overwritten in its middle and
 * extended to 12 KiB, "b" created and synced (its name is not), "c" renamed
 * over "d", "e" unlinked. The power loss comes at the next sync.
 */
static void durable_then_unsynced(os_vfs *fv, uint8_t *a_old, uint8_t *a_new)
{
	os_file *f, *g;
	fill(a_old, 8192, 1);
	write_all(P("c"), "C", 1);
	write_all(P("d"), "DD", 2);
	write_all(P("e"), "EEE", 3);
	ck_assert_int_eq(os_open(fv, P("a"), OS_OPEN_CREATE, &f), JET_errSuccess);
	ck_assert_int_eq(os_write(f, 0, a_old, 8192), JET_errSuccess);
	ck_assert_int_eq(os_sync(f), JET_errSuccess);
	ck_assert_int_eq(fv->sync_dir(fv, g_dir), JET_errSuccess);

	memcpy(a_new, a_old, 8192);
	fill(a_new + 4096, 8192, 77);
	ck_assert_int_eq(os_write(f, 4096, a_new + 4096, 8192), JET_errSuccess);
	ck_assert_int_eq(os_close(f), JET_errSuccess); /* closed, still unsynced */
	ck_assert_int_eq(os_open(fv, P("b"), OS_OPEN_CREATE | OS_OPEN_EXCL, &g), JET_errSuccess);
	ck_assert_int_eq(os_write(g, 0, "B", 1), JET_errSuccess);
	ck_assert_int_eq(os_sync(g), JET_errSuccess);
	ck_assert_int_eq(fv->rename(fv, P("c"), P("d")), JET_errSuccess);
	ck_assert_int_eq(fv->unlink(fv, P("e")), JET_errSuccess);
	ck_assert(!file_exists(P("e")) && !file_exists(P("c")));
	/* The hidden copies never show through the vfs. */
	names nm = {.n = 0};
	ck_assert_int_eq(fv->list_dir(fv, g_dir, collect, &nm), JET_errSuccess);
	ck_assert_int_eq(nm.n, 3);
	ck_assert(names_has(&nm, "a") && names_has(&nm, "b") && names_has(&nm, "d"));
	/* The power loss: this sync never happens. */
	ck_assert_int_eq(os_sync(g), JET_errDiskIO);
	ck_assert_int_eq(os_close(g), JET_errDiskIO); /* dead handle: freed anyway */
}

static int count_backups(void)
{
	names nm = {.n = 0};
	ck_assert_int_eq(os_vfs_posix()->list_dir(os_vfs_posix(), g_dir, collect, &nm),
			 JET_errSuccess);
	int n = 0;
	for (int i = 0; i < nm.n; i++)
		n += strncmp(nm.list[i], ".jetfault.", 10) == 0;
	return n;
}

START_TEST(test_powerloss_drop_all)
{
	os_vfs *fv = new_fault();
	static uint8_t a_old[8192], a_new[12288];
	/* Syncs: a, dir, b, then the 4th is the loss. */
	os_fault_config cfg = {.powerloss_at = 4, .powerloss_mode = OS_POWERLOSS_DROP_ALL};
	os_fault_configure(fv, &cfg);
	durable_then_unsynced(fv, a_old, a_new);

	assert_file_is(P("a"), a_old, sizeof a_old);
	ck_assert(!file_exists(P("b")));
	assert_file_is(P("c"), "C", 1);
	assert_file_is(P("d"), "DD", 2);
	assert_file_is(P("e"), "EEE", 3);
	ck_assert_int_eq(count_backups(), 0);
	os_fault_stats st;
	os_fault_stats_get(fv, &st);
	ck_assert(st.powered_off);
	ck_assert_uint_eq(st.syncs, 4);
	os_fault_destroy(fv);
}
END_TEST

START_TEST(test_powerloss_keep_all)
{
	os_vfs *fv = new_fault();
	static uint8_t a_old[8192], a_new[12288];
	os_fault_config cfg = {.powerloss_at = 4, .powerloss_mode = OS_POWERLOSS_KEEP_ALL};
	os_fault_configure(fv, &cfg);
	durable_then_unsynced(fv, a_old, a_new);

	assert_file_is(P("a"), a_new, sizeof a_new);
	assert_file_is(P("b"), "B", 1);
	ck_assert(!file_exists(P("c")));
	assert_file_is(P("d"), "C", 1);
	ck_assert(!file_exists(P("e")));
	ck_assert_int_eq(count_backups(), 0);
	os_fault_destroy(fv);
}
END_TEST

/* A sync of the directory makes names durable; of the file, its bytes. */
START_TEST(test_powerloss_dir_sync_makes_durable)
{
	os_vfs *fv = new_fault();
	os_file *f;
	ck_assert_int_eq(fv->mkdir(fv, P("sub")), JET_errSuccess);
	write_all(P("sub/old"), "O", 1);
	write_all(P("sub/gone"), "G", 1);
	ck_assert_int_eq(os_open(fv, P("sub/new"), OS_OPEN_CREATE, &f), JET_errSuccess);
	ck_assert_int_eq(os_write(f, 0, "N", 1), JET_errSuccess);
	ck_assert_int_eq(os_sync(f), JET_errSuccess);
	ck_assert_int_eq(os_close(f), JET_errSuccess);
	ck_assert_int_eq(fv->rename(fv, P("sub/new"), P("sub/old")), JET_errSuccess);
	ck_assert_int_eq(fv->unlink(fv, P("sub/gone")), JET_errSuccess);
	ck_assert_int_eq(count_backups(), 0); /* they live in sub/ */
	/* Another spelling of the same directory counts. */
	ck_assert_int_eq(fv->sync_dir(fv, P("sub/../sub/")), JET_errSuccess);
	ck_assert_int_eq(fv->unlink(fv, P("sub/old")), JET_errSuccess); /* unsynced */
	os_fault_power_off(fv);
	assert_file_is(P("sub/old"), "N", 1);
	ck_assert(!file_exists(P("sub/new")) && !file_exists(P("sub/gone")));
	names nm = {.n = 0};
	ck_assert_int_eq(os_vfs_posix()->list_dir(os_vfs_posix(), P("sub"), collect, &nm),
			 JET_errSuccess);
	ck_assert_int_eq(nm.n, 1);
	os_fault_destroy(fv);
}
END_TEST

/* After the loss nothing works until reset; old handles stay dead. */
START_TEST(test_powered_off_until_reset)
{
	os_vfs *fv = new_fault();
	os_file *f, *g = NULL;
	uint8_t buf[SECT];
	size_t got;
	bool ex;
	names nm = {.n = 0};
	ck_assert_int_eq(os_open(fv, P("f"), OS_OPEN_CREATE, &f), JET_errSuccess);
	ck_assert_int_eq(os_write(f, 0, "x", 1), JET_errSuccess);
	os_fault_power_off(fv);
	ck_assert(!file_exists(P("f"))); /* its create was never made durable */
	ck_assert_int_eq(os_read(f, 0, buf, 1, &got), JET_errDiskIO);
	ck_assert_int_eq(os_write(f, 0, buf, 1), JET_errDiskIO);
	ck_assert_int_eq(os_sync(f), JET_errDiskIO);
	uint64_t sz;
	ck_assert_int_eq(os_size(f, &sz), JET_errDiskIO);
	ck_assert_int_eq(os_truncate(f, 0), JET_errDiskIO);
	ck_assert_int_eq(os_lock(f, true), JET_errDiskIO);
	ck_assert_int_eq(os_open(fv, P("g"), OS_OPEN_CREATE, &g), JET_errDiskIO);
	ck_assert_int_eq(fv->rename(fv, P("f"), P("g")), JET_errDiskIO);
	ck_assert_int_eq(fv->unlink(fv, P("f")), JET_errDiskIO);
	ck_assert_int_eq(fv->sync_dir(fv, g_dir), JET_errDiskIO);
	ck_assert_int_eq(fv->mkdir(fv, P("m")), JET_errDiskIO);
	ck_assert_int_eq(fv->exists(fv, P("f"), &ex), JET_errDiskIO);
	ck_assert_int_eq(fv->list_dir(fv, g_dir, collect, &nm), JET_errDiskIO);
	ck_assert(!file_exists(P("g")) && !file_exists(P("m")));

	os_fault_reset(fv);
	os_fault_stats st;
	os_fault_stats_get(fv, &st);
	ck_assert(!st.powered_off);
	ck_assert_int_eq(os_write(f, 0, buf, 1), JET_errDiskIO); /* opened before the loss */
	ck_assert_int_eq(os_close(f), JET_errDiskIO);
	ck_assert_int_eq(os_open(fv, P("g"), OS_OPEN_CREATE, &g), JET_errSuccess);
	ck_assert_int_eq(os_write(g, 0, "y", 1), JET_errSuccess);
	ck_assert_int_eq(os_close(g), JET_errSuccess);
	assert_file_is(P("g"), "y", 1);
	os_fault_destroy(fv);
}
END_TEST

/* Old: NSECT sectors synced. New: all overwritten, some writes spanning
 * sectors, and the file extended by 8 sectors. Then power off. */
static uint8_t *random_loss(const char *dir, uint64_t seed, size_t *pcb)
{
	os_vfs *fv = new_fault();
	os_file *f;
	static uint8_t old[NSECT * SECT], neu[(NSECT + 8) * SECT];
	char path[512];
	snprintf(path, sizeof path, "%s/r", dir);
	os_fault_config cfg = {.powerloss_mode = OS_POWERLOSS_RANDOM, .seed = seed};
	os_fault_configure(fv, &cfg);
	fill(old, sizeof old, 5);
	fill(neu, sizeof neu, 200);
	ck_assert_int_eq(os_open(fv, path, OS_OPEN_CREATE, &f), JET_errSuccess);
	ck_assert_int_eq(os_write(f, 0, old, sizeof old), JET_errSuccess);
	ck_assert_int_eq(os_sync(f), JET_errSuccess);
	ck_assert_int_eq(fv->sync_dir(fv, dir), JET_errSuccess);
	for (size_t off = 0; off < sizeof neu;) {
		size_t cb = JET_MIN((1 + off % 3) * SECT, sizeof neu - off);
		ck_assert_int_eq(os_write(f, off, neu + off, cb), JET_errSuccess);
		off += cb;
	}
	os_fault_power_off(fv);
	ck_assert_int_eq(os_close(f), JET_errDiskIO);
	os_fault_destroy(fv);

	uint8_t *b = read_all(path, pcb);
	ck_assert_ptr_nonnull(b);
	ck_assert_msg(*pcb == sizeof old || *pcb == sizeof neu, "size %zu", *pcb);
	int fate[3] = {0, 0, 0};
	for (size_t s = 0; s < *pcb / SECT; s++) {
		const uint8_t *p = b + s * SECT;
		if (s < NSECT && memcmp(p, old + s * SECT, SECT) == 0) {
			fate[0]++;
		} else if (memcmp(p, neu + s * SECT, SECT) == 0) {
			fate[1]++;
		} else if (s >= NSECT && memcmp(p, (uint8_t[SECT]){0}, SECT) == 0) {
			fate[0]++; /* beyond the synced size, "old" is the zeros of a hole */
		} else {
			/* Garbage, not a mix of old and new within the sector. */
			int same = 0;
			for (size_t i = 0; i < SECT; i++)
				same += (s < NSECT && p[i] == old[s * SECT + i]) ||
					p[i] == neu[s * SECT + i];
			ck_assert_msg(same < SECT / 8, "sector %zu is a mix (%d bytes match)", s,
				      same);
			fate[2]++;
		}
	}
	ck_assert_msg(fate[0] && fate[1] && fate[2], "old %d new %d garbage %d", fate[0], fate[1],
		      fate[2]);
	return b;
}

START_TEST(test_powerloss_random)
{
	char d1[600], d2[600], d3[600];
	size_t cb1, cb2, cb3;
	snprintf(d1, sizeof d1, "%s/1", g_dir);
	snprintf(d2, sizeof d2, "%s/2", g_dir);
	snprintf(d3, sizeof d3, "%s/3", g_dir);
	ck_assert_int_eq(mkdir(d1, 0755), 0);
	ck_assert_int_eq(mkdir(d2, 0755), 0);
	ck_assert_int_eq(mkdir(d3, 0755), 0);
	uint64_t seed = g_seed;
	uint8_t *b1 = random_loss(d1, seed, &cb1);
	uint8_t *b2 = random_loss(d2, seed, &cb2);
	uint8_t *b3 = random_loss(d3, seed + 1, &cb3);
	ck_assert_uint_eq(cb1, cb2);
	ck_assert_msg(memcmp(b1, b2, cb1) == 0, "same seed, different loss");
	ck_assert_msg(cb1 != cb3 || memcmp(b1, b3, cb1) != 0, "another seed, same loss");
	free(b1);
	free(b2);
	free(b3);
}
END_TEST

/* Several threads writing through one fault vfs; the loss undoes them all. */
typedef struct thr_arg {
	os_file *f;
	int idx;
} thr_arg;

static void *writer(void *p)
{
	thr_arg *a = p;
	uint8_t buf[SECT];
	memset(buf, 0x40 + a->idx, sizeof buf);
	for (int i = 0; i < 200; i++)
		if (os_write(a->f, (uint64_t)(a->idx * 200 + i) * SECT, buf, SECT) < 0)
			return (void *)1;
	return NULL;
}

START_TEST(test_fault_threads)
{
	enum { T = 4 };
	os_vfs *fv = new_fault();
	os_file *f;
	pthread_t th[T];
	thr_arg args[T];
	static uint8_t base[T * 200 * SECT];
	fill(base, sizeof base, 11);
	write_all(P("t"), base, sizeof base);
	ck_assert_int_eq(os_open(fv, P("t"), 0, &f), JET_errSuccess);
	for (int i = 0; i < T; i++) {
		args[i] = (thr_arg){f, i};
		ck_assert_int_eq(pthread_create(&th[i], NULL, writer, &args[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		void *r;
		pthread_join(th[i], &r);
		ck_assert_ptr_null(r);
	}
	os_fault_stats st;
	os_fault_stats_get(fv, &st);
	ck_assert_uint_eq(st.writes, T * 200);
	os_fault_power_off(fv);
	assert_file_is(P("t"), base, sizeof base);
	ck_assert_int_eq(os_close(f), JET_errDiskIO);
	os_fault_destroy(fv);
}
END_TEST

/* ---- crash points */

START_TEST(test_crash_power_off)
{
	os_vfs *fv = new_fault();
	os_fault_stats st;
	ck_assert(!JET_CRASH_POINT("btree.split")); /* unarmed */
	crash_arm("btree.split", 3, CRASH_POWER_OFF, fv);
	ck_assert(crash_armed);
	ck_assert(!JET_CRASH_POINT("btree.split"));
	ck_assert(!JET_CRASH_POINT("log.switch")); /* other points do not count */
	ck_assert(!JET_CRASH_POINT("btree.split"));
	os_fault_stats_get(fv, &st);
	ck_assert(!st.powered_off);
	ck_assert(JET_CRASH_POINT("btree.split"));
	os_fault_stats_get(fv, &st);
	ck_assert(st.powered_off);
	ck_assert(!crash_armed);
	ck_assert(!JET_CRASH_POINT("btree.split")); /* fired once, then disarmed */

	crash_arm("log.switch", 1, CRASH_POWER_OFF, fv);
	crash_disarm();
	ck_assert(!JET_CRASH_POINT("log.switch"));
	os_fault_destroy(fv);

	int n = 0;
	for (n = 0; crash_point_names[n]; n++)
		ck_assert_uint_gt(strlen(crash_point_names[n]), 0);
	ck_assert_int_ge(n, 11);
}
END_TEST

static int run_child(const char *env, int hits, const char *point)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (env) {
			setenv("JET_CRASH_POINT", env, 1);
			if (crash_arm_from_env() < 0)
				_exit(3);
		} else {
			crash_arm(point, 2, CRASH_EXIT, NULL);
		}
		printf("buffered output that must not be flushed by the crash\n");
		for (int i = 0; i < hits; i++)
			(void)JET_CRASH_POINT(point);
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(test_crash_exit_child)
{
	fflush(stdout);
	ck_assert_int_eq(run_child(NULL, 2, "commit.after_flush"), 99);
	ck_assert_int_eq(run_child(NULL, 1, "commit.after_flush"), 0);
	ck_assert_int_eq(run_child("commit.before_log:3", 3, "commit.before_log"), 99);
	ck_assert_int_eq(run_child("commit.before_log:3", 2, "commit.before_log"), 0);
	ck_assert_int_eq(run_child("no.such.point:1", 1, "commit.before_log"), 3);
	ck_assert_int_eq(run_child("commit.before_log", 1, "commit.before_log"), 3);
	ck_assert_int_eq(run_child("commit.before_log:0", 1, "commit.before_log"), 3);
}
END_TEST

int main(void)
{
	const char *s = getenv("JET_TEST_SEED");
	if (s && *s)
		g_seed = strtoull(s, NULL, 0);
	s = getenv("JET_TEST_SCALE");
	if (s && *s && strtoull(s, NULL, 0) > 0)
		g_scale = strtoull(s, NULL, 0);
	printf("test_os: seed 0x%016" PRIx64 " (JET_TEST_SEED overrides), scale %" PRIu64 "\n",
	       g_seed, g_scale);
	fflush(stdout);

	Suite *suite = suite_create("os");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_posix_read_write);
	tcase_add_test(tc, test_posix_model);
	tcase_add_test(tc, test_posix_names);
	tcase_add_test(tc, test_posix_lock);
	tcase_add_test(tc, test_fault_fail_nth);
	tcase_add_test(tc, test_fault_short_write);
	tcase_add_test(tc, test_fault_sticky_and_kinds);
	tcase_add_test(tc, test_powerloss_drop_all);
	tcase_add_test(tc, test_powerloss_keep_all);
	tcase_add_test(tc, test_powerloss_dir_sync_makes_durable);
	tcase_add_test(tc, test_powered_off_until_reset);
	tcase_add_test(tc, test_powerloss_random);
	tcase_add_test(tc, test_fault_threads);
	tcase_add_test(tc, test_crash_power_off);
	tcase_add_test(tc, test_crash_exit_child);
	suite_add_tcase(suite, tc);
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
