/*
 * test_cache.c - the buffer cache against a model of page contents: hits and
 * misses, write-back on eviction, flush, discard, the WAL hook's ordering
 * and errors, OutOfBuffers, scan resistance, and four threads at once.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cache.h"

#define PS 4096

static char tmpdir[256];
static char dbpath[300];
static uint64_t seed;
static unsigned scale = 1;
static dbfile *file;

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Page image for (pgno, version): a type byte and words derived from both. */
static void make_page(uint8_t *p, uint32_t pgno, uint32_t version)
{
	memset(p, 0, PS);
	p[PAGE_OFF_TYPE] = PAGE_TYPE_BTREE_LEAF;
	for (uint32_t off = PAGE_HEADER_SIZE; off + 8 <= PS; off += 8) {
		put_le32(p + off, pgno);
		put_le32(p + off + 4, version ^ off);
	}
}

/* The version a page image holds, or -1 if it is not a consistent image of
 * pgno. */
static int64_t page_version(const uint8_t *p, uint32_t pgno)
{
	uint32_t v = get_le32(p + PAGE_HEADER_SIZE + 4) ^ PAGE_HEADER_SIZE;
	if (p[PAGE_OFF_TYPE] != PAGE_TYPE_BTREE_LEAF)
		return -1;
	for (uint32_t off = PAGE_HEADER_SIZE; off + 8 <= PS; off += 8)
		if (get_le32(p + off) != pgno || get_le32(p + off + 4) != (v ^ off))
			return -1;
	return v;
}

static int64_t file_version(uint32_t pgno)
{
	uint8_t buf[PS];
	if (dbfile_read_page(file, pgno, buf) < 0)
		return -2;
	return page_version(buf, pgno);
}

/* A database of npages pages, page p holding version 0. */
static void make_db(uint32_t npages)
{
	db_header h;
	memset(&h, 0, sizeof h);
	h.format_version = DB_FORMAT_VERSION;
	h.page_size = PS;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, true, &file), JET_errSuccess);
	ck_assert_int_eq(dbfile_extend(file, npages), JET_errSuccess);
	uint8_t buf[PS];
	for (uint32_t p = DB_FIRST_DATA_PAGE; p < npages; p++) {
		make_page(buf, p, 0);
		ck_assert_int_eq(dbfile_write_page(file, p, buf), JET_errSuccess);
	}
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof dbpath, "%s/db.jfs", tmpdir);
	file = NULL;
}

static void teardown(void)
{
	dbfile_close(file);
	unlink(dbpath);
	rmdir(tmpdir);
}

START_TEST(test_get_release_hits)
{
	make_db(20);
	jcache *c;
	jbuf *b, *b2;
	jcache_stats st;
	ck_assert_int_eq(jcache_create(file, 8, &c), JET_errSuccess);
	ck_assert_uint_eq(jcache_page_size(c), PS);
	ck_assert_ptr_eq(jcache_file(c), file);
	ck_assert_int_eq(jcache_get(c, 5, &b), JET_errSuccess);
	ck_assert_uint_eq(b->pgno, 5);
	ck_assert_int_eq(page_version(b->data, 5), 0);
	ck_assert_uint_eq((uintptr_t)b->data % 4096, 0);
	ck_assert_int_eq(jcache_get(c, 5, &b2), JET_errSuccess);
	ck_assert_ptr_eq(b, b2);
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.hits, 1);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.reads, 1);
	ck_assert_uint_eq(st.pinned, 1);
	ck_assert_uint_eq(st.frames, 8);
	jcache_release(c, b);
	jcache_release(c, b2);
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.pinned, 0);
	ck_assert_int_eq(jcache_get(c, 20, &b), JET_errFileIOBeyondEOF);
	ck_assert_int_eq(jcache_create(file, 0, &c), JET_errInvalidParameter);
	jcache_destroy(c);
}
END_TEST

/* The mapped cache (offline check): pages served in place, each checksum
 * verified once and its verdict kept, nothing writable. */
START_TEST(test_mapped)
{
	make_db(20);
	int fd = open(dbpath, O_RDWR);
	ck_assert_int_ge(fd, 0);
	uint8_t byte = 0x5a;
	ck_assert_int_eq(pwrite(fd, &byte, 1, (off_t)7 * PS + 100), 1); /* page 7 damaged */
	uint8_t *map = mmap(NULL, (size_t)20 * PS, PROT_READ, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(map, MAP_FAILED);
	jcache *c;
	jbuf *b = NULL, *b2 = NULL;
	jcache_stats st;
	ck_assert_int_eq(jcache_create_mapped(file, NULL, 20, &c), JET_errInvalidParameter);
	ck_assert_int_eq(jcache_create_mapped(file, map, 20, &c), JET_errSuccess);
	ck_assert_int_eq(jcache_get(c, 5, &b), JET_errSuccess);
	ck_assert_ptr_eq(b->data, map + (size_t)5 * PS);
	ck_assert_uint_eq(b->pgno, 5);
	ck_assert_int_eq(page_version(b->data, 5), 0);
	ck_assert_int_eq(jcache_get(c, 5, &b2), JET_errSuccess);
	ck_assert_ptr_eq(b, b2);
	jcache_release(c, b);
	jcache_release(c, b2);
	ck_assert_int_eq(jcache_get(c, 7, &b), JET_errReadVerifyFailure);
	ck_assert_int_eq(jcache_get(c, 7, &b), JET_errReadVerifyFailure);
	ck_assert_int_eq(jcache_get(c, 20, &b), JET_errFileIOBeyondEOF);
	ck_assert_int_eq(jcache_new(c, 9, &b), JET_errPermissionDenied);
	jcache_discard(c, 5);
	ck_assert_int_eq(jcache_get(c, 5, &b), JET_errSuccess);
	ck_assert_ptr_eq(b->data, map + (size_t)5 * PS);
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.misses, 2); /* 5 and 7 verified once each */
	ck_assert_uint_eq(st.hits, 3);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	jcache_destroy(c);
	munmap(map, (size_t)20 * PS);
	close(fd);
}
END_TEST

/* Every page rewritten through a cache far smaller than the set: the new
 * contents survive eviction and come back on re-read. */
START_TEST(test_write_back_on_eviction)
{
	const uint32_t n = 200;
	make_db(n);
	jcache *c;
	jbuf *b;
	jcache_stats st;
	ck_assert_int_eq(jcache_create(file, 8, &c), JET_errSuccess);
	for (int round = 1; round <= 3; round++) {
		for (uint32_t p = 2; p < n; p++) {
			ck_assert_int_eq(jcache_get(c, p, &b), JET_errSuccess);
			ck_assert_int_eq(page_version(b->data, p), round - 1);
			make_page(b->data, p, (uint32_t)round);
			jcache_dirty(c, b, 0);
			jcache_release(c, b);
		}
	}
	jcache_stats_get(c, &st);
	ck_assert_uint_ge(st.evictions, 3 * (n - 2) - 8);
	ck_assert_uint_ge(st.writes, 3 * (n - 2) - 8);
	ck_assert_uint_le(st.dirty, 8);
	ck_assert_uint_gt(st.dirty, 0);
	/* Not yet flushed: the last ones are only in the cache. */
	ck_assert_int_eq(file_version(n - 1), 2);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.dirty, 0);
	for (uint32_t p = 2; p < n; p++)
		ck_assert_int_eq(file_version(p), 3);
	jcache_destroy(c);
}
END_TEST

START_TEST(test_out_of_buffers)
{
	make_db(20);
	jcache *c;
	jbuf *b[5];
	ck_assert_int_eq(jcache_create(file, 4, &c), JET_errSuccess);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(jcache_get(c, 2 + i, &b[i]), JET_errSuccess);
	ck_assert_int_eq(jcache_get(c, 10, &b[4]), JET_errOutOfBuffers);
	ck_assert_ptr_null(b[4]);
	ck_assert_int_eq(jcache_new(c, 11, &b[4]), JET_errOutOfBuffers);
	/* A pinned page is still reachable. */
	ck_assert_int_eq(jcache_get(c, 3, &b[4]), JET_errSuccess);
	jcache_release(c, b[4]);
	jcache_release(c, b[2]);
	ck_assert_int_eq(jcache_get(c, 10, &b[4]), JET_errSuccess);
	ck_assert_int_eq(page_version(b[4]->data, 10), 0);
	jcache_release(c, b[4]);
	for (uint32_t i = 0; i < 4; i++)
		if (i != 2)
			jcache_release(c, b[i]);
	jcache_destroy(c);
}
END_TEST

START_TEST(test_new_and_discard)
{
	make_db(20);
	jcache *c;
	jbuf *b;
	jcache_stats st;
	ck_assert_int_eq(jcache_create(file, 8, &c), JET_errSuccess);

	/* Discard drops a dirty page unwritten. */
	ck_assert_int_eq(jcache_get(c, 6, &b), JET_errSuccess);
	make_page(b->data, 6, 9);
	jcache_dirty(c, b, 0);
	jcache_release(c, b);
	jcache_discard(c, 6);
	jcache_discard(c, 7); /* not cached: nothing happens */
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.dirty, 0);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	ck_assert_int_eq(file_version(6), 0);
	ck_assert_int_eq(jcache_get(c, 6, &b), JET_errSuccess);
	ck_assert_int_eq(page_version(b->data, 6), 0);
	jcache_release(c, b);

	/* new replaces the cached image with zeros, dirty, without a read. */
	jcache_stats_get(c, &st);
	uint64_t reads = st.reads;
	ck_assert_int_eq(jcache_new(c, 6, &b), JET_errSuccess);
	for (uint32_t i = 0; i < PS; i++)
		ck_assert_uint_eq(b->data[i], 0);
	make_page(b->data, 6, 5);
	jcache_dirty(c, b, 0);
	jcache_release(c, b);
	ck_assert_int_eq(jcache_new(c, 12, &b), JET_errSuccess);
	make_page(b->data, 12, 7);
	jcache_release(c, b); /* new pages are dirty without jcache_dirty */
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.reads, reads);
	ck_assert_uint_eq(st.dirty, 2);
	ck_assert_int_eq(jcache_new(c, 1, &b), JET_errInvalidParameter);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	ck_assert_int_eq(file_version(6), 5);
	ck_assert_int_eq(file_version(12), 7);
	jcache_destroy(c);
}
END_TEST

static bool want_even(void *ctx, uint32_t pgno)
{
	(void)ctx;
	return pgno % 2 == 0;
}

START_TEST(test_flush_selected_and_pinned)
{
	make_db(20);
	jcache *c;
	jbuf *b[6];
	ck_assert_int_eq(jcache_create(file, 16, &c), JET_errSuccess);
	for (uint32_t i = 0; i < 6; i++) {
		ck_assert_int_eq(jcache_get(c, 2 + i, &b[i]), JET_errSuccess);
		make_page(b[i]->data, 2 + i, 4);
		jcache_dirty(c, b[i], 0);
	}
	/* Pinned pages are written when wanted; the frames keep their bytes. */
	ck_assert_int_eq(jcache_flush(c, want_even, NULL), JET_errSuccess);
	for (uint32_t p = 2; p < 8; p++)
		ck_assert_int_eq(file_version(p), p % 2 == 0 ? 4 : 0);
	for (uint32_t i = 0; i < 6; i++) {
		ck_assert_int_eq(page_version(b[i]->data, 2 + i), 4);
		jcache_release(c, b[i]);
	}
	jcache_stats st;
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.dirty, 3);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	for (uint32_t p = 2; p < 8; p++)
		ck_assert_int_eq(file_version(p), 4);
	jcache_destroy(c);
}
END_TEST

typedef struct hook_log {
	uint64_t lsns[64];
	int64_t file_version_seen[64];
	uint32_t pgno_of_lsn[64];
	int n;
	JET_ERR fail_with;
} hook_log;

static JET_ERR hook(void *ctx, uint64_t lsn)
{
	hook_log *h = ctx;
	if (h->n < 64) {
		h->lsns[h->n] = lsn;
		/* The test tags lsn = 1000 * pgno + k: the page must not be in
		 * the file yet when the log is asked to catch up. */
		h->file_version_seen[h->n] = file_version((uint32_t)(lsn / 1000));
		h->n++;
	}
	return h->fail_with;
}

START_TEST(test_wal_hook)
{
	make_db(20);
	jcache *c;
	jbuf *b;
	hook_log log;
	memset(&log, 0, sizeof log);
	ck_assert_int_eq(jcache_create(file, 2, &c), JET_errSuccess);
	jcache_set_wal_hook(c, hook, &log);

	/* Flush: hook sees the page's highest lsn, before the write. */
	ck_assert_int_eq(jcache_get(c, 5, &b), JET_errSuccess);
	make_page(b->data, 5, 1);
	jcache_dirty(c, b, 5002);
	jcache_dirty(c, b, 5007);
	jcache_dirty(c, b, 5003);
	jcache_release(c, b);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	ck_assert_int_eq(log.n, 1);
	ck_assert_uint_eq(log.lsns[0], 5007);
	ck_assert_int_eq(log.file_version_seen[0], 0);
	ck_assert_int_eq(file_version(5), 1);

	/* Its error stops the write and comes back; the page stays dirty. */
	ck_assert_int_eq(jcache_get(c, 6, &b), JET_errSuccess);
	make_page(b->data, 6, 2);
	jcache_dirty(c, b, 6001);
	jcache_release(c, b);
	log.fail_with = JET_errDiskIO;
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errDiskIO);
	ck_assert_int_eq(file_version(6), 0);
	jcache_stats st;
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.dirty, 1);

	/* Same through eviction: cache of 2, page 6 dirty; reading two other
	 * pages needs its frame. */
	ck_assert_int_eq(jcache_get(c, 7, &b), JET_errSuccess);
	jbuf *b2;
	int n_before = log.n;
	JET_ERR e = jcache_get(c, 8, &b2);
	ck_assert_int_eq(e, JET_errDiskIO);
	ck_assert_int_gt(log.n, n_before);
	ck_assert_uint_eq(log.lsns[log.n - 1], 6001);
	ck_assert_int_eq(file_version(6), 0);
	log.fail_with = JET_errSuccess;
	ck_assert_int_eq(jcache_get(c, 8, &b2), JET_errSuccess);
	ck_assert_uint_eq(log.lsns[log.n - 1], 6001);
	ck_assert_int_eq(log.file_version_seen[log.n - 1], 0);
	ck_assert_int_eq(file_version(6), 2);
	jcache_release(c, b);
	jcache_release(c, b2);
	/* The page came back from the file intact. */
	ck_assert_int_eq(jcache_get(c, 6, &b), JET_errSuccess);
	ck_assert_int_eq(page_version(b->data, 6), 2);
	jcache_release(c, b);
	jcache_destroy(c);
}
END_TEST

START_TEST(test_read_error_leaves_nothing)
{
	make_db(20);
	jcache *c;
	jbuf *b;
	jcache_stats st;
	ck_assert_int_eq(jcache_create(file, 4, &c), JET_errSuccess);
	/* Damage page 9 on disk. */
	uint8_t good[PS], bad[PS];
	os_file *of = dbfile_os_file(file);
	ck_assert_int_eq(os_read_exact(of, 9ull * PS, good, PS), JET_errSuccess);
	memcpy(bad, good, PS);
	bad[100] ^= 1;
	ck_assert_int_eq(os_write(of, 9ull * PS, bad, PS), JET_errSuccess);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(jcache_get(c, 9, &b), JET_errReadVerifyFailure);
		ck_assert_ptr_null(b);
	}
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.pinned, 0);
	ck_assert_uint_eq(st.hits, 0);
	/* All four frames still usable. */
	jbuf *bs[4];
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(jcache_get(c, 2 + i, &bs[i]), JET_errSuccess);
	for (uint32_t i = 0; i < 4; i++)
		jcache_release(c, bs[i]);
	ck_assert_int_eq(os_write(of, 9ull * PS, good, PS), JET_errSuccess);
	ck_assert_int_eq(jcache_get(c, 9, &b), JET_errSuccess);
	ck_assert_int_eq(page_version(b->data, 9), 0);
	jcache_release(c, b);
	jcache_destroy(c);
}
END_TEST

static uint64_t touch(jcache *c, uint32_t p)
{
	jbuf *b;
	jcache_stats s0, s1;
	jcache_stats_get(c, &s0);
	ck_assert_int_eq(jcache_get(c, p, &b), JET_errSuccess);
	ck_assert_int_eq(page_version(b->data, p), 0);
	jcache_release(c, b);
	jcache_stats_get(c, &s1);
	return s1.hits - s0.hits;
}

/* A hot set touched a few times survives a long sequential scan. Plain LRU
 * would lose it: each scan below is longer than the cache. */
START_TEST(test_scan_resistance)
{
	const uint32_t C = 64, H = 8, hot0 = 2, scan0 = 100;
	const uint32_t scan_len = 10 * C;
	make_db(scan0 + scan_len + 10);
	jcache *c;
	ck_assert_int_eq(jcache_create(file, C, &c), JET_errSuccess);

	for (int k = 0; k < 4; k++)
		for (uint32_t p = hot0; p < hot0 + H; p++)
			touch(c, p);
	/* A pure scan of 2.5 cache sizes, the hot set untouched meanwhile. */
	for (uint32_t i = 0; i < C + 2 * (C - H); i++)
		touch(c, scan0 + i);
	uint64_t hits = 0;
	for (uint32_t p = hot0; p < hot0 + H; p++)
		hits += touch(c, p);
	ck_assert_uint_eq(hits, H);

	/* A scan of 10x the cache with the hot set in use now and then
	 * (every half cache of scanned pages). */
	for (uint32_t i = 0; i < scan_len; i++) {
		touch(c, scan0 + i);
		if (i % (C / 2) == 0)
			for (uint32_t p = hot0; p < hot0 + H; p++)
				touch(c, p);
	}
	hits = 0;
	for (uint32_t p = hot0; p < hot0 + H; p++)
		hits += touch(c, p);
	printf("scan resistance: hot-set hit rate after scan %llu/%u\n", (unsigned long long)hits,
	       H);
	ck_assert_uint_eq(hits, H);
	/* And the scan pages themselves did not stay: the start is gone. */
	ck_assert_uint_eq(touch(c, scan0), 0);
	jcache_destroy(c);
}
END_TEST

/* Four threads: each owns a partition of pages it reads and rewrites (the
 * engine's private pages), and all read a shared set nobody writes (the
 * published pages). Each checks every image it gets against its model. */
#define MT_THREADS 4
#define MT_OWN 48 /* pages per thread */
#define MT_SHARED 32
#define MT_FIRST 2

typedef struct mt_arg {
	jcache *c;
	int id;
	uint64_t rng;
	uint32_t iters;
	uint32_t version[MT_OWN];
	int failures;
} mt_arg;

/* A thread may flush only what no other thread may be changing: its own
 * pages (it holds no pin while flushing). */
static bool want_own(void *ctx, uint32_t pgno)
{
	const mt_arg *a = ctx;
	return pgno >= MT_FIRST + (uint32_t)a->id * MT_OWN &&
	       pgno < MT_FIRST + (uint32_t)(a->id + 1) * MT_OWN;
}

static void *mt_worker(void *p)
{
	mt_arg *a = p;
	for (uint32_t it = 0; it < a->iters; it++) {
		uint64_t r = rnd_next(&a->rng);
		jbuf *b;
		JET_ERR err;
		if (r % 3 == 0) {
			uint32_t pg =
			    MT_FIRST + MT_THREADS * MT_OWN + (uint32_t)((r >> 8) % MT_SHARED);
			err = jcache_get(a->c, pg, &b);
			if (err == JET_errOutOfBuffers)
				continue;
			if (err < 0 || page_version(b->data, pg) != 0)
				a->failures++;
			if (err >= 0)
				jcache_release(a->c, b);
			continue;
		}
		uint32_t k = (uint32_t)((r >> 8) % MT_OWN);
		uint32_t pg = MT_FIRST + (uint32_t)a->id * MT_OWN + k;
		err = jcache_get(a->c, pg, &b);
		if (err == JET_errOutOfBuffers)
			continue;
		if (err < 0) {
			a->failures++;
			continue;
		}
		if (page_version(b->data, pg) != a->version[k])
			a->failures++;
		if ((r >> 20) % 2) {
			a->version[k]++;
			make_page(b->data, pg, a->version[k]);
			jcache_dirty(a->c, b, 0);
		}
		jcache_release(a->c, b);
		if ((r >> 24) % 500 == 0 && jcache_flush(a->c, want_own, a) < 0)
			a->failures++;
	}
	return NULL;
}

START_TEST(test_threads)
{
	const uint32_t npages = MT_FIRST + MT_THREADS * MT_OWN + MT_SHARED;
	make_db(npages);
	jcache *c;
	ck_assert_int_eq(jcache_create(file, 40, &c), JET_errSuccess);
	pthread_t th[MT_THREADS];
	mt_arg args[MT_THREADS];
	for (int t = 0; t < MT_THREADS; t++) {
		memset(&args[t], 0, sizeof args[t]);
		args[t].c = c;
		args[t].id = t;
		args[t].rng = seed * 2654435761u + (uint64_t)t + 1;
		args[t].iters = 20000 * scale;
		ck_assert_int_eq(pthread_create(&th[t], NULL, mt_worker, &args[t]), 0);
	}
	for (int t = 0; t < MT_THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < MT_THREADS; t++)
		ck_assert_int_eq(args[t].failures, 0);
	jcache_stats st;
	jcache_stats_get(c, &st);
	ck_assert_uint_eq(st.pinned, 0);
	ck_assert_uint_gt(st.evictions, 0);
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	for (int t = 0; t < MT_THREADS; t++)
		for (uint32_t k = 0; k < MT_OWN; k++)
			ck_assert_int_eq(file_version(MT_FIRST + (uint32_t)t * MT_OWN + k),
					 args[t].version[k]);
	jcache_destroy(c);
}
END_TEST

static Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_get_release_hits);
	tcase_add_test(tc, test_mapped);
	tcase_add_test(tc, test_write_back_on_eviction);
	tcase_add_test(tc, test_out_of_buffers);
	tcase_add_test(tc, test_new_and_discard);
	tcase_add_test(tc, test_flush_selected_and_pinned);
	tcase_add_test(tc, test_wal_hook);
	tcase_add_test(tc, test_read_error_leaves_nothing);
	tcase_add_test(tc, test_scan_resistance);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("JET_TEST_SEED");
	seed = env ? strtoull(env, NULL, 0) : 0x5EED0002ull;
	if (!seed)
		seed = 1;
	const char *sc = getenv("JET_TEST_SCALE");
	if (sc && atoi(sc) > 0)
		scale = (unsigned)atoi(sc);
	printf("test_cache: seed %llu (JET_TEST_SEED overrides)\n", (unsigned long long)seed);
	SRunner *sr = srunner_create(cache_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
