/*
 * test_log.c - the write-ahead log: round trips across generations, reopen
 * and resume, torn tails against mid-log corruption, single-bit flips,
 * missing generations, group commit, write failures and power loss.
 *
 * Deterministic: every random choice comes from one seed, printed at start;
 * JET_TEST_SEED=<n> replays a run.
 */
#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static uint64_t g_seed = 20240611;
static char g_root[256];
static int g_dirs;

/* ------------------------------------------------------------- helpers */

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: any seed, even 0, gives a good stream */
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

/* A fresh, empty log folder for one test. */
static void new_dir(char *buf, size_t cb)
{
	snprintf(buf, cb, "%s/log%d", g_root, g_dirs++);
	ck_assert_int_eq(mkdir(buf, 0755), 0);
}

static jlog_params params(os_vfs *vfs, const char *dir, uint32_t file_size)
{
	jlog_params p = {.vfs = vfs, .dir = dir, .base = "edb", .file_size = file_size};
	memcpy(p.signature, "jetfs-test-sig-1", 16);
	return p;
}

static const jet_lsn LSN_START = LSN_MAKE(1, LOG_FILE_HEADER_SIZE);

/* What the test appended: the model the reader must agree with. */
typedef struct mrec {
	jet_lsn lsn;
	uint8_t type;
	uint32_t cb;
	uint8_t *pb;
} mrec;

typedef struct model {
	mrec *v;
	size_t n, cap;
} model;

static void model_free(model *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].pb);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* Appends one record of cb random bytes in 1-3 pieces; records it. */
static JET_ERR append_random(jlog *l, model *m, uint64_t *rng, uint32_t cb)
{
	uint8_t *pb = malloc(cb ? cb : 1);
	uint8_t type = (uint8_t)(1 + rng_next(rng) % 255);
	jlog_piece pc[3];
	int n = 1 + (int)(rng_next(rng) % 3);
	jet_lsn lsn = 0;
	JET_ERR err;

	for (uint32_t i = 0; i < cb; i++)
		pb[i] = (uint8_t)rng_next(rng);
	/* split into n pieces at random points */
	uint32_t a = cb ? (uint32_t)(rng_next(rng) % (cb + 1)) : 0;
	uint32_t b = a + (cb > a ? (uint32_t)(rng_next(rng) % (cb - a + 1)) : 0);
	pc[0] = (jlog_piece){pb, n == 1 ? cb : a};
	pc[1] = (jlog_piece){pb + a, n == 2 ? cb - a : b - a};
	pc[2] = (jlog_piece){pb + b, cb - b};
	err = jlog_append(l, type, pc, n, &lsn);
	if (err < 0) {
		free(pb);
		return err;
	}
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 256;
		m->v = realloc(m->v, m->cap * sizeof(*m->v));
	}
	ck_assert(m->n == 0 || lsn > m->v[m->n - 1].lsn);
	m->v[m->n++] = (mrec){lsn, type, cb, pb};
	return err;
}

/* A size mostly small, sometimes large, now and then the maximum. */
static uint32_t random_size(uint64_t *rng, size_t max)
{
	uint64_t r = rng_next(rng) % 100;
	if (r < 2)
		return (uint32_t)max;
	if (r < 10)
		return (uint32_t)(rng_next(rng) % (max + 1));
	return (uint32_t)(rng_next(rng) % 300);
}

/* Reads the whole log from `from`, checking each record against m->v[first..]
 * in order. Returns the final error (JET_errNoCurrentRecord at a clean end);
 * *pn gets how many matched. Any mismatch (wrong data) fails the test. */
static JET_ERR read_check(const jlog_params *p, jet_lsn from, const model *m, size_t first,
			  size_t *pn, jet_lsn *pend)
{
	jlog_reader *r = NULL;
	jlog_record rec;
	JET_ERR err;
	size_t i = first;

	err = jlog_reader_open(p, from, &r);
	if (err < 0)
		return err;
	while ((err = jlog_reader_next(r, &rec)) == JET_errSuccess) {
		ck_assert_msg(i < m->n, "record past the model at lsn %llx", (unsigned long long)rec.lsn);
		const mrec *e = &m->v[i];
		ck_assert_msg(rec.lsn == e->lsn && rec.type == e->type && rec.cb == e->cb &&
				      memcmp(rec.payload, e->pb, e->cb) == 0,
			      "record %zu: expected lsn %llx type %u cb %u, got lsn %llx type %u cb %u", i,
			      (unsigned long long)e->lsn, e->type, e->cb, (unsigned long long)rec.lsn,
			      rec.type, rec.cb);
		i++;
	}
	if (pend)
		*pend = jlog_reader_end(r);
	jlog_reader_close(r);
	*pn = i - first;
	return err;
}

static void file_of(const jlog_params *p, uint32_t gen, char *buf, size_t cb)
{
	jlog_file_name(p, gen, buf, cb);
}

static void poke(const char *path, uint64_t off, const void *pb, size_t cb)
{
	int fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, pb, cb, (off_t)off), (ssize_t)cb);
	close(fd);
}

static void peek(const char *path, uint64_t off, void *pb, size_t cb)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, pb, cb, (off_t)off), (ssize_t)cb);
	close(fd);
}

static void flip_bit(const char *path, uint64_t off, int bit)
{
	uint8_t b;
	peek(path, off, &b, 1);
	b ^= (uint8_t)(1u << bit);
	poke(path, off, &b, 1);
}

/* ---------------------------------------------------------------- tests */

START_TEST(test_roundtrip_generations)
{
	char dir[300];
	uint64_t rng = g_seed;
	jlog *l = NULL;
	model m = {0};
	size_t n = 0;
	jet_lsn end = 0;
	jlog_stats st;
	uint32_t first, last;

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 64 << 10);
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	size_t max = jlog_max_payload(l);
	ck_assert_uint_gt(max, 32 << 10);
	uint8_t *big = calloc(1, max + 1);
	jlog_piece pc = {big, max + 1};
	ck_assert_int_eq(jlog_append(l, 7, &pc, 1, NULL), JET_errInvalidParameter);
	pc.cb = 1;
	ck_assert_int_eq(jlog_append(l, LOG_REC_PAD, &pc, 1, NULL), JET_errInvalidParameter);
	free(big);

	for (int i = 0; i < 2000; i++) {
		ck_assert_int_eq(append_random(l, &m, &rng, random_size(&rng, max)), JET_errSuccess);
		if (rng_next(&rng) % 16 == 0)
			ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errSuccess);
	}
	ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errSuccess);
	ck_assert_uint_ge(jlog_durable(l), m.v[m.n - 1].lsn + 1);
	jlog_stats_get(l, &st);
	ck_assert_uint_eq(st.appends, 2000);
	ck_assert_uint_ge(st.current_gen, 4);
	jlog_close(l);

	ck_assert_int_eq(jlog_generations(&p, &first, &last), JET_errSuccess);
	ck_assert_uint_eq(first, 1);
	ck_assert_uint_eq(last, st.current_gen);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, &end), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n);

	/* Reading from the middle starts at that record. */
	ck_assert_int_eq(read_check(&p, m.v[m.n / 2].lsn, &m, m.n / 2, &n, NULL), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n - m.n / 2);

	/* Reopen at the end, keep appending, read everything back. */
	ck_assert_int_eq(jlog_open(&p, end, &l), JET_errSuccess);
	for (int i = 0; i < 500; i++)
		ck_assert_int_eq(append_random(l, &m, &rng, random_size(&rng, max)), JET_errSuccess);
	ck_assert_int_eq(jlog_switch(l), JET_errSuccess);
	ck_assert_int_eq(append_random(l, &m, &rng, 10), JET_errSuccess);
	ck_assert_uint_eq(LSN_OFF(m.v[m.n - 1].lsn), LOG_FILE_HEADER_SIZE);
	ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errSuccess);
	jlog_close(l);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, &end), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n);
	model_free(&m);
}
END_TEST

/* Appends batch records, each batch one flush; returns durable after it. */
static jet_lsn batch(jlog *l, model *m, uint64_t *rng, int count, uint32_t cbMax)
{
	for (int i = 0; i < count; i++)
		ck_assert_int_eq(append_random(l, m, rng, (uint32_t)(rng_next(rng) % cbMax)), JET_errSuccess);
	ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errSuccess);
	return jlog_durable(l);
}

START_TEST(test_torn_tail)
{
	char dir[300], name[400];
	uint64_t rng = g_seed + 1;
	/* Three ways to tear the last flush: garbage at its start with its
	 * later sectors intact, a short file, garbage throughout. */
	for (int mode = 0; mode < 3; mode++) {
		jlog *l = NULL;
		model m = {0};
		size_t n = 0;
		jet_lsn end = 0;

		new_dir(dir, sizeof(dir));
		jlog_params p = params(os_vfs_posix(), dir, 256 << 10);
		ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
		jet_lsn dA = batch(l, &m, &rng, 40, 200);
		size_t nA = m.n;
		batch(l, &m, &rng, 40, 400); /* several sectors in one flush */
		jlog_close(l);
		file_of(&p, 1, name, sizeof(name));

		uint8_t junk[4096];
		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rng_next(&rng);
		if (mode == 0) {
			poke(name, LSN_OFF(dA) + 3, junk, 100);
		} else if (mode == 1) {
			ck_assert_int_eq(truncate(name, LSN_OFF(dA) + 5), 0);
		} else {
			poke(name, LSN_OFF(dA), junk, sizeof(junk));
		}
		ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, &end), JET_errNoCurrentRecord);
		ck_assert_uint_eq(n, nA);
		ck_assert_uint_eq(end, dA);

		/* Resume there: the new records follow, the torn ones never return. */
		for (size_t i = nA; i < m.n; i++)
			free(m.v[i].pb);
		m.n = nA;
		ck_assert_int_eq(jlog_open(&p, end, &l), JET_errSuccess);
		ck_assert_uint_eq(jlog_end(l), dA);
		batch(l, &m, &rng, 5, 100);
		jlog_close(l);
		ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, &end), JET_errNoCurrentRecord);
		ck_assert_uint_eq(n, m.n);
		model_free(&m);
	}
}
END_TEST

START_TEST(test_torn_mid_record_resume)
{
	/* A tear inside a flush leaves a valid prefix; the reader's end is not
	 * on a 512 boundary; jlog_open scrubs from it and resumes aligned. */
	char dir[300], name[400];
	uint64_t rng = g_seed + 2;
	jlog *l = NULL;
	model m = {0};
	size_t n = 0;
	jet_lsn end = 0;

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 64 << 10);
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	batch(l, &m, &rng, 10, 100);
	size_t nA = m.n;
	batch(l, &m, &rng, 10, 100);
	jlog_close(l);
	file_of(&p, 1, name, sizeof(name));
	jet_lsn bad = m.v[nA + 3].lsn;
	flip_bit(name, LSN_OFF(bad) + 10, 0);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, &end), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, nA + 3);
	ck_assert_uint_eq(end, bad);
	for (size_t i = nA + 3; i < m.n; i++)
		free(m.v[i].pb);
	m.n = nA + 3;
	ck_assert_int_eq(jlog_open(&p, end, &l), JET_errSuccess);
	ck_assert_uint_eq(LSN_OFF(jlog_end(l)) % 512, 0);
	batch(l, &m, &rng, 10, 100);
	jlog_close(l);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, &end), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n);
	model_free(&m);
}
END_TEST

START_TEST(test_corruption_detected)
{
	char dir[300], name[400];
	uint64_t rng = g_seed + 3;
	jlog *l = NULL;
	model m = {0};
	size_t n = 0;

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 64 << 10);
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	for (int i = 0; i < 30; i++)
		batch(l, &m, &rng, 3, 100);
	jlog_close(l);
	file_of(&p, 1, name, sizeof(name));

	/* A bad record in an earlier flush, valid flushes after it. */
	size_t k = 10;
	flip_bit(name, LSN_OFF(m.v[k].lsn) + LOG_REC_HEADER_SIZE, 3);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, NULL), JET_errLogFileCorrupt);
	ck_assert_uint_eq(n, k);
	flip_bit(name, LSN_OFF(m.v[k].lsn) + LOG_REC_HEADER_SIZE, 3);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, NULL), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n);
	ck_assert_int_eq(jlog_open(&p, LSN_MAKE(1, 512), &l) >= 0, 1);
	jlog_close(l);

	/* An older generation damaged at any point, even its end, is corrupt. */
	new_dir(dir, sizeof(dir));
	p = params(os_vfs_posix(), dir, 64 << 10);
	model_free(&m);
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	while (m.n == 0 || LSN_GEN(m.v[m.n - 1].lsn) < 3)
		batch(l, &m, &rng, 50, 300);
	jlog_close(l);
	size_t lastOf1 = 0;
	while (LSN_GEN(m.v[lastOf1 + 1].lsn) == 1)
		lastOf1++;
	file_of(&p, 1, name, sizeof(name));
	flip_bit(name, LSN_OFF(m.v[lastOf1].lsn) + 5, 7);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, NULL), JET_errLogFileCorrupt);
	ck_assert_uint_eq(n, lastOf1);

	/* A file of another database, or in the wrong place in the sequence. */
	jlog_params q = p;
	memcpy(q.signature, "another-database", 16);
	ck_assert_int_eq(read_check(&q, LSN_START, &m, 0, &n, NULL), JET_errInvalidLogSequence);
	ck_assert_int_eq(jlog_open(&q, LSN_MAKE(3, 512), &l), JET_errInvalidLogSequence);
	char name2[400];
	file_of(&p, 2, name2, sizeof(name2));
	ck_assert_int_eq(rename(name, name2), 0); /* gen 1's file posing as gen 2 */
	ck_assert_int_eq(read_check(&p, LSN_MAKE(2, 512), &m, 0, &n, NULL), JET_errInvalidLogSequence);
	model_free(&m);
}
END_TEST

START_TEST(test_single_bit_flips)
{
	/* Each record its own flush; flip every bit of sampled records (header,
	 * payload) and of the last flush marker: the reader must report
	 * corruption, or (for the last record) lose it, and never return
	 * anything that differs from what was appended. */
	char dir[300], name[400];
	uint64_t rng = g_seed + 4;
	jlog *l = NULL;
	model m = {0};
	size_t n = 0;
	int corrupt = 0, lost = 0;

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 64 << 10);
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	for (int i = 0; i < 8; i++)
		batch(l, &m, &rng, 1, 48);
	jet_lsn durable = jlog_durable(l);
	jlog_close(l);
	file_of(&p, 1, name, sizeof(name));

	size_t sample[] = {0, 3, 6, 7};
	for (size_t s = 0; s < sizeof(sample) / sizeof(sample[0]); s++) {
		size_t k = sample[s];
		uint64_t off = LSN_OFF(m.v[k].lsn);
		uint64_t cbRec = LOG_REC_HEADER_SIZE + m.v[k].cb + (k == m.n - 1 ? 32 : 0);
		for (uint64_t byte = off; byte < off + cbRec && byte < LSN_OFF(durable); byte++) {
			for (int bit = 0; bit < 8; bit++) {
				flip_bit(name, byte, bit);
				JET_ERR err = read_check(&p, LSN_START, &m, 0, &n, NULL);
				if (k == m.n - 1) {
					ck_assert_int_eq(err, JET_errNoCurrentRecord);
					ck_assert_uint_ge(n, k);
					lost += n == k;
				} else {
					ck_assert_int_eq(err, JET_errLogFileCorrupt);
					ck_assert_uint_eq(n, k);
					corrupt++;
				}
				flip_bit(name, byte, bit);
			}
		}
	}
	ck_assert_int_gt(corrupt, 0);
	ck_assert_int_gt(lost, 0);
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, NULL), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n);
	model_free(&m);
}
END_TEST

START_TEST(test_missing_generation_and_truncate)
{
	char dir[300], name[400];
	uint64_t rng = g_seed + 5;
	jlog *l = NULL;
	model m = {0};
	size_t n = 0;
	uint32_t first, last;

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 64 << 10);
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	while (m.n == 0 || LSN_GEN(m.v[m.n - 1].lsn) < 5)
		batch(l, &m, &rng, 20, 600);

	/* truncate_before: whole older generations go, never the current. */
	size_t firstOf3 = 0;
	while (LSN_GEN(m.v[firstOf3].lsn) < 3)
		firstOf3++;
	ck_assert_int_eq(jlog_truncate_before(l, m.v[firstOf3 + 1].lsn), JET_errSuccess);
	ck_assert_int_eq(jlog_generations(&p, &first, &last), JET_errSuccess);
	ck_assert_uint_eq(first, 3);
	ck_assert_uint_eq(last, 5);
	ck_assert_int_eq(jlog_truncate_before(l, LSN_MAKE(99, 512)), JET_errSuccess);
	ck_assert_int_eq(jlog_generations(&p, &first, &last), JET_errSuccess);
	ck_assert_uint_eq(first, 5);
	ck_assert_uint_eq(last, 5);
	batch(l, &m, &rng, 3, 10); /* the current generation still works */
	ck_assert_int_eq(jlog_generations(&p, &first, &last), JET_errSuccess);
	ck_assert_int_eq(jlog_truncate_before(l, LSN_MAKE(last, 512)), JET_errSuccess);
	while (LSN_GEN(m.v[m.n - 1].lsn) < 9)
		batch(l, &m, &rng, 20, 600);
	jlog_close(l);

	size_t firstOf5 = 0;
	while (LSN_GEN(m.v[firstOf5].lsn) < 5)
		firstOf5++;
	ck_assert_int_eq(read_check(&p, LSN_START, &m, 0, &n, NULL), JET_errMissingLogFile);
	ck_assert_int_eq(read_check(&p, LSN_MAKE(5, 512), &m, firstOf5, &n, NULL), JET_errNoCurrentRecord);
	ck_assert_uint_eq(n, m.n - firstOf5);

	file_of(&p, 7, name, sizeof(name));
	ck_assert_int_eq(unlink(name), 0);
	ck_assert_int_eq(read_check(&p, LSN_MAKE(5, 512), &m, firstOf5, &n, NULL), JET_errMissingLogFile);
	model_free(&m);
}
END_TEST

/* ---------------------------------------------------------- group commit */

typedef struct gc_arg {
	jlog *l;
	int tid, count;
	jet_lsn *lsns;
	JET_ERR err;
} gc_arg;

static void *gc_thread(void *pv)
{
	gc_arg *a = pv;
	for (int i = 0; i < a->count && a->err >= 0; i++) {
		uint32_t v[8] = {(uint32_t)a->tid, (uint32_t)i};
		jlog_piece pc = {v, sizeof(v)};
		a->err = jlog_append(a->l, 9, &pc, 1, &a->lsns[i]);
		if (a->err >= 0)
			a->err = jlog_flush(a->l, a->lsns[i] + 1);
		if (a->err >= 0 && jlog_durable(a->l) <= a->lsns[i])
			a->err = JET_errInvalidParameter; /* flush returned too early */
	}
	return NULL;
}

/* Runs nThreads committers of `count` each; returns commits per second. */
static double group_commit_run(const jlog_params *p, int nThreads, int count, jlog_stats *st,
			       jet_lsn **plsns)
{
	jlog *l = NULL;
	pthread_t th[8];
	gc_arg a[8];
	double t0;

	ck_assert_int_eq(jlog_open(p, LSN_START, &l), JET_errSuccess);
	t0 = now_s();
	for (int t = 0; t < nThreads; t++) {
		a[t] = (gc_arg){l, t, count, calloc((size_t)count, sizeof(jet_lsn)), 0};
		ck_assert_int_eq(pthread_create(&th[t], NULL, gc_thread, &a[t]), 0);
	}
	for (int t = 0; t < nThreads; t++) {
		pthread_join(th[t], NULL);
		ck_assert_int_eq(a[t].err, JET_errSuccess);
	}
	double dt = now_s() - t0;
	jlog_stats_get(l, st);
	jlog_close(l);
	for (int t = 0; t < nThreads; t++) {
		if (plsns)
			plsns[t] = a[t].lsns;
		else
			free(a[t].lsns);
	}
	return (double)(nThreads * count) / dt;
}

START_TEST(test_group_commit)
{
	char dir[300];
	jlog_stats st;
	jet_lsn *lsns[8];
	jlog_reader *r = NULL;
	jlog_record rec;
	int seen[8][200];
	JET_ERR err;

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 1 << 20);
	double rate = group_commit_run(&p, 8, 200, &st, lsns);
	printf("log: group commit on %s: 8x200 commits, %llu syncs, %.0f commits/s\n", g_root,
	       (unsigned long long)st.syncs, rate);
	ck_assert_uint_eq(st.appends, 1600);
	ck_assert_uint_lt(st.syncs, st.appends);

	memset(seen, 0, sizeof(seen));
	ck_assert_int_eq(jlog_reader_open(&p, LSN_START, &r), JET_errSuccess);
	while ((err = jlog_reader_next(r, &rec)) == JET_errSuccess) {
		ck_assert_uint_eq(rec.cb, 32);
		uint32_t t = get_le32(rec.payload), i = get_le32(rec.payload + 4);
		ck_assert(t < 8 && i < 200);
		ck_assert_uint_eq(lsns[t][i], rec.lsn);
		seen[t][i]++;
	}
	ck_assert_int_eq(err, JET_errNoCurrentRecord);
	jlog_reader_close(r);
	for (int t = 0; t < 8; t++) {
		for (int i = 0; i < 200; i++)
			ck_assert_int_eq(seen[t][i], 1);
		free(lsns[t]);
	}
}
END_TEST

/* A vfs whose fdatasync takes 2 ms, like a real disk: makes the group
 * commit speed-up measurable on tmpfs. */
static os_vfs g_slow;
static JET_ERR (*g_posix_sync)(os_file *f);
static JET_ERR slow_sync(os_file *f)
{
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
	return g_posix_sync(f);
}

START_TEST(test_group_commit_speedup)
{
	char dir1[300], dir8[300];
	jlog_stats st1, st8;

	g_slow = *os_vfs_posix();
	g_posix_sync = g_slow.sync;
	g_slow.sync = slow_sync;
	new_dir(dir1, sizeof(dir1));
	new_dir(dir8, sizeof(dir8));
	jlog_params p1 = params(&g_slow, dir1, 1 << 20), p8 = params(&g_slow, dir8, 1 << 20);
	double r1 = group_commit_run(&p1, 1, 100, &st1, NULL);
	double r8 = group_commit_run(&p8, 8, 100, &st8, NULL);
	printf("log: 2 ms sync: 1 committer %.0f/s (%llu syncs), 8 committers %.0f/s (%llu syncs), x%.1f\n",
	       r1, (unsigned long long)st1.syncs, r8, (unsigned long long)st8.syncs, r8 / r1);
	/* Speed is the benchmark's business (timings are noisy under a
	 * parallel make check); what must hold is that committers share
	 * syncs: with a 2 ms sync, 8 committers average several commits per
	 * sync, while one committer needs one sync per commit. */
	ck_assert_uint_ge(st1.syncs, 100);
	ck_assert_msg(st8.syncs * 3 <= st8.appends, "8 committers: %llu syncs for %llu appends",
		      (unsigned long long)st8.syncs, (unsigned long long)st8.appends);
}
END_TEST

START_TEST(test_bulk_append_speed)
{
	char dir[300];
	jlog *l = NULL;
	jlog_stats st;
	uint8_t rec[100];
	jlog_piece pc[2] = {{rec, 40}, {rec + 40, 60}};

	new_dir(dir, sizeof(dir));
	jlog_params p = params(os_vfs_posix(), dir, 16 << 20);
	memset(rec, 0x5a, sizeof(rec));
	ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
	double t0 = now_s();
	for (int i = 0; i < 500000; i++) /* 60 MB with headers */
		ck_assert_int_eq(jlog_append(l, 3, pc, 2, NULL), JET_errSuccess);
	ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errSuccess);
	double dt = now_s() - t0;
	jlog_stats_get(l, &st);
	printf("log: bulk 500000 x 100 B appends: %.2f s (%.0f MB/s), %llu flushes, %llu syncs\n", dt,
	       60.0 / dt, (unsigned long long)st.flushes, (unsigned long long)st.syncs);
	ck_assert_uint_lt(st.syncs, 100);
	jlog_close(l);
}
END_TEST

/* -------------------------------------------------------- fault injection */

START_TEST(test_write_failure_sticky)
{
	char dir[300];
	os_vfs *fault = NULL;
	ck_assert_int_eq(os_fault_create(os_vfs_posix(), &fault), JET_errSuccess);

	for (uint64_t nth = 1; nth <= 12; nth++) {
		uint64_t rng = g_seed + 100 + nth;
		jlog *l = NULL;
		model m = {0};
		size_t n = 0, acked = 0;
		JET_ERR err = JET_errSuccess;

		new_dir(dir, sizeof(dir));
		jlog_params p = params(fault, dir, 64 << 10);
		os_fault_config cfg = {.fail_at = nth, .fail_kinds = OS_FAULT_WRITE | OS_FAULT_SYNC,
				       .fail_err = JET_errDiskIO, .fail_short_write = nth % 2 == 0};
		ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
		os_fault_configure(fault, &cfg); /* count from the first append on */
		for (int i = 0; i < 400 && err >= 0; i++) {
			err = append_random(l, &m, &rng, (uint32_t)(rng_next(&rng) % 700));
			if (err >= 0 && i % 3 == 2) {
				err = jlog_flush(l, jlog_end(l));
				if (err >= 0)
					acked = m.n;
			}
		}
		ck_assert_int_eq(err, JET_errLogWriteFail);
		/* Sticky, for appends and flushes alike. */
		ck_assert_int_eq(append_random(l, &m, &rng, 5), JET_errLogWriteFail);
		ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errLogWriteFail);
		ck_assert_int_eq(jlog_switch(l), JET_errLogWriteFail);
		jlog_close(l);

		os_fault_reset(fault);
		jlog_params q = params(os_vfs_posix(), dir, 64 << 10);
		err = read_check(&q, LSN_START, &m, 0, &n, NULL);
		ck_assert_int_eq(err, JET_errNoCurrentRecord);
		ck_assert_uint_ge(n, acked);
		model_free(&m);
	}
	os_fault_destroy(fault);
}
END_TEST

/* Two threads commit through the fault vfs until the power goes at the
 * k-th sync; then every record acknowledged by a successful flush must be
 * read back intact and in order, nothing else may be returned but records
 * that were appended, and the log must resume after the crash. */
typedef struct pl_arg {
	jlog *l;
	uint64_t rng;
	model m;
	size_t acked;
} pl_arg;

static void *pl_thread(void *pv)
{
	pl_arg *a = pv;
	for (int i = 0; i < 300; i++) {
		if (append_random(a->l, &a->m, &a->rng, (uint32_t)(rng_next(&a->rng) % 1500)) < 0)
			break;
		if (rng_next(&a->rng) % 3 == 0) {
			if (jlog_flush(a->l, a->m.v[a->m.n - 1].lsn + 1) < 0)
				break;
			a->acked = a->m.n;
		}
	}
	return NULL;
}

static int mrec_cmp(const void *x, const void *y)
{
	const mrec *a = x, *b = y;
	return a->lsn < b->lsn ? -1 : a->lsn > b->lsn;
}

START_TEST(test_power_loss)
{
	char dir[300];
	os_vfs *fault = NULL;
	int runs = 0;
	ck_assert_int_eq(os_fault_create(os_vfs_posix(), &fault), JET_errSuccess);

	for (uint64_t seed = 0; seed < 4; seed++) {
		for (uint64_t at = 3; at <= 40; at += 1 + (at / 8)) {
			jlog *l = NULL;
			pl_arg a[2];
			pthread_t th[2];
			model all = {0};
			size_t n = 0;
			jet_lsn end = 0;

			new_dir(dir, sizeof(dir));
			jlog_params p = params(fault, dir, 64 << 10);
			os_fault_config cfg = {.powerloss_at = at, .powerloss_mode = OS_POWERLOSS_RANDOM,
					       .seed = g_seed ^ (seed * 7919 + at)};
			os_fault_configure(fault, &cfg);
			ck_assert_int_eq(jlog_open(&p, LSN_START, &l), JET_errSuccess);
			for (int t = 0; t < 2; t++) {
				a[t] = (pl_arg){.l = l, .rng = g_seed + seed * 1000 + at * 10 + (uint64_t)t};
				ck_assert_int_eq(pthread_create(&th[t], NULL, pl_thread, &a[t]), 0);
			}
			for (int t = 0; t < 2; t++)
				pthread_join(th[t], NULL);
			jlog_close(l);
			os_fault_reset(fault);

			/* Merge both threads' records in LSN order. */
			size_t need = 0;
			for (int t = 0; t < 2; t++) {
				for (size_t i = 0; i < a[t].m.n; i++) {
					if (all.n == all.cap) {
						all.cap = all.cap ? all.cap * 2 : 256;
						all.v = realloc(all.v, all.cap * sizeof(mrec));
					}
					all.v[all.n++] = a[t].m.v[i];
				}
				if (a[t].acked)
					need = JET_MAX(need, (size_t)a[t].acked);
			}
			qsort(all.v, all.n, sizeof(mrec), mrec_cmp);
			/* Every acked record lies before the last acked LSN of each thread. */
			jet_lsn ackedLsn = 0;
			for (int t = 0; t < 2; t++)
				if (a[t].acked)
					ackedLsn = JET_MAX(ackedLsn, a[t].m.v[a[t].acked - 1].lsn);
			size_t nAcked = 0;
			while (nAcked < all.n && all.v[nAcked].lsn <= ackedLsn)
				nAcked++;
			(void)need;

			ck_assert_int_eq(read_check(&p, LSN_START, &all, 0, &n, &end), JET_errNoCurrentRecord);
			ck_assert_msg(n >= nAcked, "seed %llu at %llu: %zu read, %zu acknowledged",
				      (unsigned long long)seed, (unsigned long long)at, n, nAcked);

			/* Resume after the crash; the survivors and the new records read back. */
			for (size_t i = n; i < all.n; i++)
				free(all.v[i].pb);
			all.n = n;
			ck_assert_int_eq(jlog_open(&p, end, &l), JET_errSuccess);
			uint64_t rng = seed + at;
			for (int i = 0; i < 20; i++)
				ck_assert_int_eq(append_random(l, &all, &rng, 700), JET_errSuccess);
			ck_assert_int_eq(jlog_flush(l, jlog_end(l)), JET_errSuccess);
			jlog_close(l);
			ck_assert_int_eq(read_check(&p, LSN_START, &all, 0, &n, NULL), JET_errNoCurrentRecord);
			ck_assert_uint_eq(n, all.n);
			model_free(&all);
			free(a[0].m.v);
			free(a[1].m.v);
			runs++;
		}
	}
	printf("log: %d power-loss runs\n", runs);
	os_fault_destroy(fault);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip_generations);
	tcase_add_test(tc, test_torn_tail);
	tcase_add_test(tc, test_torn_mid_record_resume);
	tcase_add_test(tc, test_corruption_detected);
	tcase_add_test(tc, test_single_bit_flips);
	tcase_add_test(tc, test_missing_generation_and_truncate);
	tcase_add_test(tc, test_group_commit);
	tcase_add_test(tc, test_group_commit_speedup);
	tcase_add_test(tc, test_bulk_append_speed);
	tcase_add_test(tc, test_write_failure_sticky);
	tcase_add_test(tc, test_power_loss);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("JET_TEST_SEED");
	const char *tmp = getenv("TMPDIR");
	int failed;

	if (env && *env)
		g_seed = strtoull(env, NULL, 0);
	printf("log: seed %llu (JET_TEST_SEED overrides)\n", (unsigned long long)g_seed);
	snprintf(g_root, sizeof(g_root), "%s/jetlogXXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g_root)) {
		perror("mkdtemp");
		return 1;
	}
	SRunner *sr = srunner_create(log_suite());
	srunner_set_fork_status(sr, CK_NOFORK); /* the temp folder is shared */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	nftw(g_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return failed ? 1 : 0;
}
