/*
 * test_dbfile.c - the database file: header round trip and the torn-header
 * fallback, page checksums catching flipped bits and misplaced pages, every
 * page size, read-only and exclusive opens.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dbfile.h"

static char tmpdir[256];
static char dbpath[300];
static uint64_t seed;
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_dbfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof dbpath, "%s/db.jfs", tmpdir);
	rng = seed ? seed : 1;
}

static void teardown(void)
{
	unlink(dbpath);
	rmdir(tmpdir);
}

static db_header sample_header(uint32_t page_size)
{
	db_header h;
	memset(&h, 0, sizeof h);
	h.format_version = DB_FORMAT_VERSION;
	h.page_size = page_size;
	h.state = JET_dbstateJustCreated;
	for (int i = 0; i < 16; i++)
		h.signature[i] = (uint8_t)(0xA0 + i);
	h.create_time = 0x1122334455667788ull;
	h.ckpt_version = 0x0102030405060708ull;
	h.ckpt_lsn = 0xF0E0D0C0B0A09080ull;
	h.dir_root = 0xDEADBEEF;
	h.freelist_head = 0x12345678;
	h.page_count = 0x9ABCDEF0;
	h.next_objid = 77;
	h.next_stamp = 0x7766554433221100ull;
	h.ckpt_time = 1700000000;
	h.last_commit_time = 1700000000123456789ull;
	return h;
}

static void assert_header_eq(const db_header *a, const db_header *b)
{
	ck_assert_uint_eq(a->format_version, b->format_version);
	ck_assert_uint_eq(a->page_size, b->page_size);
	ck_assert_uint_eq(a->state, b->state);
	ck_assert_mem_eq(a->signature, b->signature, 16);
	ck_assert_uint_eq(a->create_time, b->create_time);
	ck_assert_uint_eq(a->ckpt_version, b->ckpt_version);
	ck_assert_uint_eq(a->ckpt_lsn, b->ckpt_lsn);
	ck_assert_uint_eq(a->dir_root, b->dir_root);
	ck_assert_uint_eq(a->freelist_head, b->freelist_head);
	ck_assert_uint_eq(a->page_count, b->page_count);
	ck_assert_uint_eq(a->next_objid, b->next_objid);
	ck_assert_uint_eq(a->next_stamp, b->next_stamp);
	ck_assert_uint_eq(a->ckpt_time, b->ckpt_time);
	ck_assert_uint_eq(a->last_commit_time, b->last_commit_time);
}

/* Raw file surgery behind the module's back. */
static void raw_rw(uint64_t off, void *buf, size_t n, bool write)
{
	int fd = open(dbpath, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ssize_t r = write ? pwrite(fd, buf, n, (off_t)off) : pread(fd, buf, n, (off_t)off);
	ck_assert_int_eq(r, (ssize_t)n);
	close(fd);
}

static void flip_bit(uint64_t off, int bit)
{
	uint8_t b;
	raw_rw(off, &b, 1, false);
	b ^= (uint8_t)(1u << bit);
	raw_rw(off, &b, 1, true);
}

static void fill_page(uint8_t *p, uint32_t page_size, uint32_t tag)
{
	for (uint32_t i = 0; i < page_size; i++)
		p[i] = (uint8_t)(rnd() >> 24);
	p[PAGE_OFF_TYPE] = PAGE_TYPE_BTREE_LEAF;
	put_le32(p + PAGE_HEADER_SIZE, tag);
}

START_TEST(test_header_round_trip)
{
	db_header h = sample_header(8192), got;
	dbfile *f;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, false, &f), JET_errSuccess);
	ck_assert_uint_eq(dbfile_page_count(f), DB_FIRST_DATA_PAGE);
	ck_assert_uint_eq(dbfile_page_size(f), 8192);
	ck_assert_str_eq(dbfile_path(f), dbpath);
	ck_assert(!dbfile_readonly(f));
	dbfile_close(f);

	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errSuccess);
	assert_header_eq(&h, &got);
	ck_assert_uint_eq(got.seq, 1);

	/* Each write alternates copies and bumps seq; reopen sees the last. */
	for (int i = 0; i < 5; i++) {
		got.dir_root = 1000 + (uint32_t)i;
		got.ckpt_lsn += 17;
		uint64_t before = got.seq;
		ck_assert_int_eq(dbfile_write_header(f, &got), JET_errSuccess);
		ck_assert_uint_eq(got.seq, before + 1);
	}
	dbfile_close(f);
	db_header again;
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &again),
			 JET_errSuccess);
	assert_header_eq(&got, &again);
	ck_assert_uint_eq(again.seq, 6);
	dbfile_close(f);

	/* Seq 6 is even: copy 0 holds it, copy 1 holds seq 5. */
	uint8_t raw[16];
	raw_rw(40, raw, 8, false);
	ck_assert_uint_eq(get_le64(raw), 6);
	raw_rw(8192 + 40, raw, 8, false);
	ck_assert_uint_eq(get_le64(raw), 5);
}
END_TEST

START_TEST(test_create_errors)
{
	db_header h = sample_header(8192);
	dbfile *f = NULL;
	db_header got;
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errFileNotFound);
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, false, &f), JET_errSuccess);
	dbfile_close(f);
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, false, &f),
			 JET_errDatabaseDuplicate);
	h.dir_root = 4242;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, true, &f), JET_errSuccess);
	dbfile_close(f);
	dbfile *g;
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errSuccess);
	ck_assert_uint_eq(got.dir_root, 4242);
	/* Overwriting a database that is open elsewhere is refused, and
	 * leaves it intact. */
	h.dir_root = 5;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, true, &g),
			 JET_errDatabaseLocked);
	dbfile_close(f);
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errSuccess);
	ck_assert_uint_eq(got.dir_root, 4242);
	dbfile_close(f);

	db_header bad = sample_header(8192);
	bad.page_size = 6000;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &bad, true, &f),
			 JET_errInvalidParameter);
	bad = sample_header(65536);
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &bad, true, &f),
			 JET_errInvalidParameter);
	bad = sample_header(2048);
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &bad, true, &f),
			 JET_errInvalidParameter);
	bad = sample_header(8192);
	bad.format_version = 2;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &bad, true, &f),
			 JET_errInvalidParameter);
	ck_assert_int_eq(dbfile_create(NULL, dbpath, &h, true, &f), JET_errInvalidParameter);
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), NULL, &h, true, &f),
			 JET_errInvalidParameter);
}
END_TEST

START_TEST(test_not_a_database)
{
	uint8_t junk[16384];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)rnd();
	int fd = open(dbpath, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, junk, sizeof junk), (ssize_t)sizeof junk);
	close(fd);
	dbfile *f;
	db_header got;
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errInvalidDatabase);
	/* Empty file. */
	fd = open(dbpath, O_RDWR | O_TRUNC);
	close(fd);
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errInvalidDatabase);
}
END_TEST

/* A header with a valid checksum but a format we do not know. */
START_TEST(test_format_version)
{
	db_header h = sample_header(4096), got;
	dbfile *f;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, false, &f), JET_errSuccess);
	dbfile_close(f);
	uint8_t page[4096];
	for (uint32_t copy = 0; copy < 2; copy++) {
		raw_rw(copy * 4096, page, sizeof page, false);
		put_le32(page + 32, 2);
		page_checksum_set(page, 4096);
		raw_rw(copy * 4096, page, sizeof page, true);
	}
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
			 JET_errInvalidDatabase);
}
END_TEST

/* Tears header copy `copy` (a flipped bit somewhere in it). */
static void tear_copy(uint32_t page_size, uint32_t copy)
{
	uint64_t off = (uint64_t)copy * page_size + rnd() % page_size;
	flip_bit(off, (int)(rnd() % 8));
}

START_TEST(test_torn_header)
{
	static const uint32_t sizes[] = {4096, 8192, 16384, 32768};
	for (size_t si = 0; si < 4; si++) {
		const uint32_t ps = sizes[si];
		db_header h = sample_header(ps), got, older, newer;
		dbfile *f;
		ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, true, &f),
				 JET_errSuccess);
		dbfile_close(f);
		/* seq 2 in copy 0 (older), seq 3 in copy 1 (newer). */
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		got.dir_root = 2;
		ck_assert_int_eq(dbfile_write_header(f, &got), JET_errSuccess);
		older = got;
		got.dir_root = 3;
		ck_assert_int_eq(dbfile_write_header(f, &got), JET_errSuccess);
		newer = got;
		ck_assert_uint_eq(newer.seq, 3);
		dbfile_close(f);

		uint8_t *save0 = malloc(ps), *save1 = malloc(ps);
		raw_rw(0, save0, ps, false);
		raw_rw(ps, save1, ps, false);

		/* Newest copy torn: the older one serves. */
		tear_copy(ps, 1);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		assert_header_eq(&older, &got);
		ck_assert_uint_eq(got.seq, 2);
		/* The next write goes over the torn copy, not the good one. */
		got.dir_root = 30;
		ck_assert_int_eq(dbfile_write_header(f, &got), JET_errSuccess);
		ck_assert_uint_eq(got.seq, 3);
		dbfile_close(f);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		ck_assert_uint_eq(got.dir_root, 30);
		dbfile_close(f);
		raw_rw(ps, save1, ps, true);

		/* Copy 0 torn: the page size must come from probing copy 1. */
		tear_copy(ps, 0);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		assert_header_eq(&newer, &got);
		ck_assert_uint_eq(dbfile_page_size(f), ps);
		dbfile_close(f);
		/* Copy 0's page-size field itself destroyed. */
		uint8_t junk[4] = {0x55, 0x55, 0x55, 0x55};
		raw_rw(36, junk, 4, true);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		assert_header_eq(&newer, &got);
		dbfile_close(f);

		/* Both torn. */
		tear_copy(ps, 1);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errDatabaseCorrupted);
		raw_rw(0, save0, ps, true);
		raw_rw(ps, save1, ps, true);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		assert_header_eq(&newer, &got);
		dbfile_close(f);
		free(save0);
		free(save1);
	}
}
END_TEST

START_TEST(test_page_checksums)
{
	static const uint32_t sizes[] = {4096, 8192, 16384, 32768};
	for (size_t si = 0; si < 4; si++) {
		const uint32_t ps = sizes[si];
		db_header h = sample_header(ps), got;
		dbfile *f;
		ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, true, &f),
				 JET_errSuccess);
		ck_assert_int_eq(dbfile_extend(f, 10), JET_errSuccess);
		ck_assert_uint_eq(dbfile_page_count(f), 10);
		uint8_t *pages[10] = {0}, *buf = malloc(ps);
		for (uint32_t p = 2; p < 10; p++) {
			pages[p] = malloc(ps);
			fill_page(pages[p], ps, p);
			ck_assert_int_eq(dbfile_write_page(f, p, pages[p]), JET_errSuccess);
			ck_assert_uint_eq(get_le32(pages[p] + PAGE_OFF_PGNO), p);
			ck_assert(page_checksum_ok(pages[p], p, ps));
			ck_assert(!page_checksum_ok(pages[p], p + 1, ps));
		}
		dbfile_close(f);
		ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &f, &got),
				 JET_errSuccess);
		ck_assert_uint_eq(dbfile_page_count(f), 10);
		for (uint32_t p = 2; p < 10; p++) {
			ck_assert_int_eq(dbfile_read_page(f, p, buf), JET_errSuccess);
			ck_assert_mem_eq(buf, pages[p], ps);
		}
		/* The headers are pages too. */
		ck_assert_int_eq(dbfile_read_page(f, 0, buf), JET_errSuccess);
		ck_assert_int_eq(dbfile_read_page(f, 10, buf), JET_errFileIOBeyondEOF);

		/* A flipped bit anywhere: every byte of the common header, the
		 * last byte, and a sample in between. */
		const uint32_t p = 2 + (uint32_t)(rnd() % 8);
		const uint64_t base = (uint64_t)p * ps;
		int trials = 200;
		for (int t = 0; t < trials + PAGE_HEADER_SIZE + 1; t++) {
			uint32_t off = t < PAGE_HEADER_SIZE    ? (uint32_t)t
				       : t == PAGE_HEADER_SIZE ? ps - 1
							       : (uint32_t)(rnd() % ps);
			int bit = (int)(rnd() % 8);
			flip_bit(base + off, bit);
			memset(buf, 0xEE, ps);
			ck_assert_int_eq(dbfile_read_page(f, p, buf), JET_errReadVerifyFailure);
			/* Failed bytes are not handed out. */
			ck_assert(buf[PAGE_HEADER_SIZE + 100] == 0);
			flip_bit(base + off, bit);
		}
		ck_assert_int_eq(dbfile_read_page(f, p, buf), JET_errSuccess);
		ck_assert_mem_eq(buf, pages[p], ps);

		/* A page written to another page's place. */
		raw_rw(3ull * ps, buf, ps, false);
		raw_rw(4ull * ps, buf, ps, true);
		ck_assert_int_eq(dbfile_read_page(f, 4, buf), JET_errReadVerifyFailure);
		ck_assert_int_eq(dbfile_read_page(f, 3, buf), JET_errSuccess);

		/* Zeros (a freshly extended, never written page). */
		ck_assert_int_eq(dbfile_extend(f, 12), JET_errSuccess);
		ck_assert_int_eq(dbfile_read_page(f, 11, buf), JET_errReadVerifyFailure);
		/* Extend never shrinks; shrink does. */
		ck_assert_int_eq(dbfile_extend(f, 5), JET_errSuccess);
		ck_assert_uint_eq(dbfile_page_count(f), 12);
		ck_assert_int_eq(dbfile_shrink(f, 9), JET_errSuccess);
		ck_assert_uint_eq(dbfile_page_count(f), 9);
		ck_assert_int_eq(dbfile_read_page(f, 9, buf), JET_errFileIOBeyondEOF);
		ck_assert_int_eq(dbfile_write_page(f, 9, pages[9]), JET_errFileIOBeyondEOF);
		ck_assert_int_eq(dbfile_write_page(f, 1, pages[9]), JET_errInvalidParameter);
		ck_assert_int_eq(dbfile_sync(f), JET_errSuccess);
		dbfile_close(f);
		for (uint32_t q = 2; q < 10; q++)
			free(pages[q]);
		free(buf);
	}
}
END_TEST

START_TEST(test_readonly_and_locks)
{
	db_header h = sample_header(8192), got;
	dbfile *f, *g;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, false, &f), JET_errSuccess);
	ck_assert_int_eq(dbfile_extend(f, 4), JET_errSuccess);
	dbfile_close(f);

	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, true, false, &f, &got),
			 JET_errSuccess);
	ck_assert(dbfile_readonly(f));
	uint8_t *buf = calloc(1, 8192);
	buf[PAGE_OFF_TYPE] = PAGE_TYPE_BTREE_LEAF;
	ck_assert_int_eq(dbfile_write_page(f, 2, buf), JET_errDatabaseFileReadOnly);
	ck_assert_int_eq(dbfile_write_header(f, &got), JET_errDatabaseFileReadOnly);
	ck_assert_int_eq(dbfile_extend(f, 8), JET_errDatabaseFileReadOnly);
	ck_assert_int_eq(dbfile_shrink(f, 3), JET_errDatabaseFileReadOnly);
	/* Two shared openers coexist; an exclusive one is refused. */
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, false, &g, &got),
			 JET_errSuccess);
	dbfile_close(g);
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, true, &g, &got),
			 JET_errDatabaseLocked);
	dbfile_close(f);

	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, true, &f, &got),
			 JET_errSuccess);
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, true, false, &g, &got),
			 JET_errDatabaseLocked);
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, true, &g, &got),
			 JET_errDatabaseLocked);
	ck_assert_int_eq(dbfile_write_page(f, 2, buf), JET_errSuccess);
	dbfile_close(f);
	ck_assert_int_eq(dbfile_open(os_vfs_posix(), dbpath, false, true, &f, &got),
			 JET_errSuccess);
	ck_assert_int_eq(dbfile_read_page(f, 2, buf), JET_errSuccess);
	dbfile_close(f);
	free(buf);
}
END_TEST

static Suite *dbfile_suite(void)
{
	Suite *s = suite_create("dbfile");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_header_round_trip);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_not_a_database);
	tcase_add_test(tc, test_format_version);
	tcase_add_test(tc, test_torn_header);
	tcase_add_test(tc, test_page_checksums);
	tcase_add_test(tc, test_readonly_and_locks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("JET_TEST_SEED");
	seed = env ? strtoull(env, NULL, 0) : 0x5EED0001ull;
	printf("test_dbfile: seed %llu (JET_TEST_SEED overrides)\n", (unsigned long long)seed);
	SRunner *sr = srunner_create(dbfile_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
