/*
 * test_space.c - the space map against a model: lowest-first allocation,
 * growth in extents, every state transition and the horizon, the persisted
 * free list (save, read, load, damaged lists), stats.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "space.h"

static char tmpdir[256];
static char dbpath[300];
static uint64_t seed;
static unsigned scale = 1;
static uint64_t rng;
static dbfile *file;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void make_db(uint32_t page_size)
{
	db_header h;
	memset(&h, 0, sizeof h);
	h.format_version = DB_FORMAT_VERSION;
	h.page_size = page_size;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), dbpath, &h, true, &file), JET_errSuccess);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_space.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof dbpath, "%s/db.jfs", tmpdir);
	file = NULL;
	rng = seed;
}

static void teardown(void)
{
	dbfile_close(file);
	unlink(dbpath);
	rmdir(tmpdir);
}

static uint32_t grow_step(uint32_t page_count, uint32_t page_size)
{
	uint32_t step = JET_MAX(16u, page_count / 8);
	return JET_MIN(step, (64u << 20) / page_size);
}

START_TEST(test_alloc_lowest_and_growth)
{
	make_db(4096);
	jspace *sp;
	space_stats st;
	uint32_t pg;
	ck_assert_int_eq(space_create(file, 2, &sp), JET_errSuccess);
	space_stats_get(sp, &st);
	ck_assert_uint_eq(st.page_count, 2);
	ck_assert_uint_eq(st.live, 2);
	ck_assert_uint_eq(st.free, 0);
	ck_assert_int_eq(space_page_state(sp, 0), 'L');
	ck_assert_int_eq(space_page_state(sp, 2), 0);

	/* Nothing free: one extent of 16, handed out from the bottom. */
	for (uint32_t i = 0; i < 16; i++) {
		ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
		ck_assert_uint_eq(pg, 2 + i);
		ck_assert_int_eq(space_page_state(sp, pg), 'P');
	}
	ck_assert_uint_eq(dbfile_page_count(file), 18);
	space_stats_get(sp, &st);
	ck_assert_uint_eq(st.page_count, 18);
	ck_assert_uint_eq(st.private_, 16);
	ck_assert_uint_eq(st.free, 0);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 18);
	ck_assert_uint_eq(dbfile_page_count(file), 34);

	/* Freed pages come back lowest first, before any higher free one. */
	space_free(sp, 9);
	space_free(sp, 4);
	space_free(sp, 15);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 4);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 9);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 15);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 19);
	space_destroy(sp);

	/* A large map grows by 1/8 of its size. */
	ck_assert_int_eq(space_create(file, 1000, &sp), JET_errSuccess);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 1000);
	space_stats_get(sp, &st);
	ck_assert_uint_eq(st.page_count, 1000 + grow_step(1000, 4096));
	ck_assert_uint_eq(st.page_count, 1125);
	ck_assert_uint_eq(dbfile_page_count(file), 1125);
	space_destroy(sp);
	ck_assert_int_eq(space_create(NULL, 2, &sp), JET_errInvalidParameter);
	ck_assert_int_eq(space_create(file, 1, &sp), JET_errInvalidParameter);
}
END_TEST

/* The 64 MiB cap on one growth step (2048 pages of 32 KiB). */
START_TEST(test_growth_cap)
{
	make_db(32768);
	jspace *sp;
	space_stats st;
	uint32_t pg;
	ck_assert_int_eq(space_create(file, 20000, &sp), JET_errSuccess);
	ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, 20000);
	space_stats_get(sp, &st);
	ck_assert_uint_eq(st.page_count, 22048);
	ck_assert_uint_eq(st.free, 2047);
	ck_assert_uint_eq(dbfile_page_count(file), 22048);
	ck_assert_int_eq(dbfile_shrink(file, 2), JET_errSuccess);
	space_destroy(sp);
}
END_TEST

/* ---- the model ---- */

typedef struct model {
	uint32_t n;
	char st[4096];
	uint64_t ver[4096];
} model;

static void model_check(jspace *sp, const model *m)
{
	space_stats st;
	uint32_t cnt[256] = {0};
	space_stats_get(sp, &st);
	ck_assert_uint_eq(st.page_count, m->n);
	for (uint32_t p = 0; p < m->n; p++) {
		ck_assert_msg(space_page_state(sp, p) == m->st[p], "page %u: %c, model %c", p,
			      space_page_state(sp, p), m->st[p]);
		cnt[(uint8_t)m->st[p]]++;
	}
	ck_assert_uint_eq(st.free, cnt['F']);
	ck_assert_uint_eq(st.private_, cnt['P']);
	ck_assert_uint_eq(st.live, cnt['L']);
	ck_assert_uint_eq(st.retired, cnt['R']);
}

/* A random page of the model in state s (>= page 2), or 0. */
static uint32_t model_pick(const model *m, char s)
{
	uint32_t n = 0;
	for (uint32_t p = 2; p < m->n; p++)
		n += m->st[p] == s;
	if (!n)
		return 0;
	uint32_t k = (uint32_t)(rnd() % n);
	for (uint32_t p = 2; p < m->n; p++)
		if (m->st[p] == s && k-- == 0)
			return p;
	return 0;
}

typedef struct freed {
	uint32_t n;
	uint8_t seen[4096];
} freed;

static void on_free(void *ctx, uint32_t pgno)
{
	freed *f = ctx;
	ck_assert_uint_lt(pgno, 4096);
	ck_assert_uint_eq(f->seen[pgno], 0);
	f->seen[pgno] = 1;
	f->n++;
}

/* Random transitions; every answer compared with the model. Returns the
 * commit version reached. */
static uint64_t run_model(jspace *sp, model *m, uint32_t steps, uint64_t *phorizon)
{
	uint64_t version = 10, horizon = *phorizon;
	for (uint32_t i = 0; i < steps; i++) {
		uint32_t op = (uint32_t)(rnd() % 100), p;
		if (op < 35) {
			uint32_t want = 0;
			for (uint32_t q = 2; q < m->n && !want; q++)
				if (m->st[q] == 'F')
					want = q;
			ck_assert_int_eq(space_alloc(sp, &p), JET_errSuccess);
			if (!want) {
				uint32_t n2 = m->n + grow_step(m->n, 4096);
				ck_assert_uint_lt(n2, 4096);
				for (uint32_t q = m->n; q < n2; q++)
					m->st[q] = 'F';
				want = m->n;
				m->n = n2;
			}
			ck_assert_uint_eq(p, want);
			m->st[p] = 'P';
		} else if (op < 45) {
			if ((p = model_pick(m, 'P')) != 0) {
				space_free(sp, p);
				m->st[p] = 'F';
			}
		} else if (op < 70) {
			if ((p = model_pick(m, 'P')) != 0) {
				space_publish(sp, p);
				m->st[p] = 'L';
			}
		} else if (op < 90) {
			if ((p = model_pick(m, 'L')) != 0) {
				/* Mostly ascending versions, now and then an older one. */
				uint64_t v = version - (rnd() % 8 == 0 ? rnd() % 5 : 0);
				space_retire(sp, p, v);
				m->st[p] = 'R';
				m->ver[p] = v;
				if (rnd() % 3 == 0)
					version++;
			}
		} else {
			horizon += rnd() % 4;
			freed f;
			memset(&f, 0, sizeof f);
			uint32_t expect = 0;
			for (uint32_t q = 2; q < m->n; q++)
				if (m->st[q] == 'R' && m->ver[q] <= horizon) {
					expect++;
					m->st[q] = 'F';
					ck_assert(q < 4096);
				}
			uint32_t got = space_set_horizon(sp, horizon, on_free, &f);
			ck_assert_uint_eq(got, expect);
			ck_assert_uint_eq(f.n, expect);
			for (uint32_t q = 2; q < m->n; q++)
				if (f.seen[q])
					ck_assert_int_eq(m->st[q], 'F');
		}
		if (i % 64 == 0)
			model_check(sp, m);
	}
	model_check(sp, m);
	*phorizon = horizon;
	return version;
}

static void model_init(model *m, uint32_t n)
{
	memset(m, 0, sizeof *m);
	m->n = n;
	memset(m->st, 'L', n);
}

START_TEST(test_transitions_model)
{
	make_db(4096);
	jspace *sp;
	model m;
	uint64_t horizon = 0;
	ck_assert_int_eq(space_create(file, 2, &sp), JET_errSuccess);
	model_init(&m, 2);
	run_model(sp, &m, 3000 * scale > 20000 ? 20000 : 3000 * scale, &horizon);
	/* Everything retired goes with a large enough horizon. */
	uint32_t retired = 0;
	for (uint32_t p = 0; p < m.n; p++)
		if (m.st[p] == 'R') {
			retired++;
			m.st[p] = 'F';
		}
	ck_assert_uint_eq(space_set_horizon(sp, UINT64_MAX, NULL, NULL), retired);
	model_check(sp, &m);
	space_destroy(sp);
}
END_TEST

typedef struct extent_set {
	uint8_t in[4096];
	uint32_t extents;
} extent_set;

static JET_ERR collect(void *ctx, uint32_t first, uint32_t count)
{
	extent_set *es = ctx;
	ck_assert_uint_lt((uint64_t)first + count, 4097);
	for (uint32_t p = first; p < first + count; p++) {
		ck_assert_uint_eq(es->in[p], 0);
		es->in[p] = 1;
	}
	es->extents++;
	return JET_errSuccess;
}

START_TEST(test_save_load_round_trip)
{
	make_db(4096);
	jspace *sp, *sp2;
	jcache *c, *c2;
	model m;
	uint64_t horizon = 0;
	uint32_t head, covered;
	ck_assert_int_eq(space_create(file, 2, &sp), JET_errSuccess);
	model_init(&m, 2);
	uint64_t version = run_model(sp, &m, 2500, &horizon);

	ck_assert_int_eq(jcache_create(file, 64, &c), JET_errSuccess);

	model before = m;
	ck_assert_int_eq(space_save(sp, c, version, &head, &covered), JET_errSuccess);
	space_stats pc_st;
	space_stats_get(sp, &pc_st);
	ck_assert_uint_eq(covered, pc_st.page_count);
	ck_assert_uint_ne(head, 0);
	/* The list's pages were free pages (or new ones), now RETIRED. */
	space_stats st;
	space_stats_get(sp, &st);
	for (uint32_t p = before.n; p < st.page_count; p++)
		before.st[p] = 'F';
	uint32_t listpages = 0;
	for (uint32_t p = 2; p < st.page_count; p++) {
		char s = space_page_state(sp, p);
		if (s != before.st[p]) {
			ck_assert_int_eq(before.st[p], 'F');
			ck_assert_int_eq(s, 'R');
			m.st[p] = 'L'; /* what the saved version sees */
			listpages++;
		}
	}
	ck_assert_uint_ge(listpages, 1);
	for (uint32_t p = m.n; p < st.page_count; p++)
		if (m.st[p] != 'L')
			m.st[p] = 'F';
	m.n = st.page_count;
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);

	/* The list as written: exactly the pages not LIVE, list pages aside. */
	extent_set es;
	memset(&es, 0, sizeof es);
	ck_assert_int_eq(space_read_list(c, head, collect, &es), JET_errSuccess);
	for (uint32_t p = 2; p < m.n; p++)
		ck_assert_msg(es.in[p] == (m.st[p] != 'L'), "page %u listed %d state %c", p,
			      es.in[p], m.st[p]);
	ck_assert_uint_ge(es.extents, 1);

	/* Load into a fresh map as after a restart. */
	ck_assert_int_eq(jcache_create(file, 16, &c2), JET_errSuccess);
	ck_assert_int_eq(space_create(file, m.n, &sp2), JET_errSuccess);
	ck_assert_int_eq(space_load(sp2, c2, head, 500), JET_errSuccess);
	uint32_t nr = 0;
	for (uint32_t p = 0; p < m.n; p++) {
		char s = space_page_state(sp2, p);
		bool is_list = before.st[p] == 'F' && space_page_state(sp, p) == 'R' && p >= 2 &&
			       m.st[p] == 'L' && !es.in[p] && p < before.n + 64;
		if (es.in[p])
			ck_assert_int_eq(s, 'F');
		else if (is_list && s == 'R')
			nr++;
		else
			ck_assert_msg(s == 'L', "page %u: %c", p, s);
	}
	ck_assert_uint_eq(nr, listpages);
	ck_assert_uint_eq(space_set_horizon(sp2, 499, NULL, NULL), 0);
	ck_assert_uint_eq(space_set_horizon(sp2, 500, NULL, NULL), listpages);
	/* And the loaded map allocates lowest-first like the original. */
	uint32_t lowest = 0, pg;
	for (uint32_t p = 2; p < m.n && !lowest; p++)
		if (space_page_state(sp2, p) == 'F')
			lowest = p;
	ck_assert_int_eq(space_alloc(sp2, &pg), JET_errSuccess);
	ck_assert_uint_eq(pg, lowest);

	space_destroy(sp2);
	jcache_destroy(c2);
	space_destroy(sp);
	jcache_destroy(c);
}
END_TEST

/* Enough free extents to need several list pages (alternate pages free). */
START_TEST(test_save_multi_page_list)
{
	make_db(4096);
	jspace *sp, *sp2;
	jcache *c;
	uint32_t pg, head, covered, n = 3000;
	ck_assert_int_eq(space_create(file, 2, &sp), JET_errSuccess);
	for (uint32_t i = 0; i < n; i++) {
		ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
		if (pg % 2)
			space_publish(sp, pg);
	}
	for (uint32_t p = 2; p < n; p += 2)
		if (space_page_state(sp, p) == 'P')
			space_free(sp, p);
	space_stats st;
	space_stats_get(sp, &st);
	ck_assert_int_eq(jcache_create(file, 8, &c), JET_errSuccess);
	ck_assert_int_eq(space_save(sp, c, 7, &head, &covered), JET_errSuccess);
	space_stats_get(sp, &st);
	ck_assert_uint_ge(st.retired, 3); /* ~1500 extents, 508 per page */
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	extent_set es;
	memset(&es, 0, sizeof es);
	ck_assert_int_eq(space_read_list(c, head, collect, &es), JET_errSuccess);
	uint32_t listed = 0;
	for (uint32_t p = 0; p < st.page_count; p++) {
		char s = space_page_state(sp, p);
		ck_assert_int_eq(es.in[p], s == 'F' || s == 'P');
		listed += es.in[p];
	}
	ck_assert_uint_eq(listed, st.free + st.private_);
	ck_assert_int_eq(space_create(file, st.page_count, &sp2), JET_errSuccess);
	ck_assert_int_eq(space_load(sp2, c, head, 9), JET_errSuccess);
	space_stats st2;
	space_stats_get(sp2, &st2);
	ck_assert_uint_eq(st2.free, st.free + st.private_);
	ck_assert_uint_eq(st2.retired, st.retired);
	ck_assert_uint_eq(st2.live, st.live);
	space_destroy(sp2);
	space_destroy(sp);
	jcache_destroy(c);
}
END_TEST

START_TEST(test_load_damaged_list)
{
	make_db(4096);
	jspace *sp;
	jcache *c;
	jbuf *b;
	uint32_t pg;
	ck_assert_int_eq(space_create(file, 2, &sp), JET_errSuccess);
	for (int i = 0; i < 10; i++) {
		ck_assert_int_eq(space_alloc(sp, &pg), JET_errSuccess);
		space_publish(sp, pg);
	}
	space_destroy(sp);
	ck_assert_int_eq(jcache_create(file, 8, &c), JET_errSuccess);
	/* Page 3 is not a list page; pages 4 and 5 point at each other;
	 * page 6 lists page 6 itself; page 7 lists pages past the end. */
	for (uint32_t p = 3; p <= 7; p++) {
		ck_assert_int_eq(jcache_new(c, p, &b), JET_errSuccess);
		b->data[PAGE_OFF_TYPE] = p == 3 ? PAGE_TYPE_BTREE_LEAF : PAGE_TYPE_FREELIST;
		put_le32(b->data + 24, p == 4 ? 5 : p == 5 ? 4 : 0);
		put_le32(b->data + 28, p >= 6 ? 1 : 0);
		put_le32(b->data + 32, p == 6 ? 6 : 15);
		put_le32(b->data + 36, p == 6 ? 1 : 5);
		jcache_release(c, b);
	}
	ck_assert_int_eq(jcache_flush(c, NULL, NULL), JET_errSuccess);
	static const uint32_t heads[] = {3, 4, 6, 7, 1, 40};
	for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
		ck_assert_int_eq(space_create(file, 12, &sp), JET_errSuccess);
		ck_assert_int_eq(space_load(sp, c, heads[i], 1), JET_errDatabaseCorrupted);
		space_stats st;
		space_stats_get(sp, &st);
		ck_assert_uint_eq(st.live, 12); /* untouched */
		space_destroy(sp);
	}
	extent_set es;
	memset(&es, 0, sizeof es);
	ck_assert_int_eq(space_read_list(c, 4, collect, &es), JET_errDatabaseCorrupted);
	ck_assert_int_eq(space_read_list(c, 3, collect, &es), JET_errDatabaseCorrupted);
	/* A zero head is an empty list. */
	ck_assert_int_eq(space_create(file, 12, &sp), JET_errSuccess);
	ck_assert_int_eq(space_load(sp, c, 0, 1), JET_errSuccess);
	ck_assert_int_eq(space_read_list(c, 0, collect, &es), JET_errSuccess);
	ck_assert_uint_eq(es.extents, 0);
	space_destroy(sp);
	jcache_destroy(c);
}
END_TEST

static Suite *space_suite(void)
{
	Suite *s = suite_create("space");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_alloc_lowest_and_growth);
	tcase_add_test(tc, test_growth_cap);
	tcase_add_test(tc, test_transitions_model);
	tcase_add_test(tc, test_save_load_round_trip);
	tcase_add_test(tc, test_save_multi_page_list);
	tcase_add_test(tc, test_load_damaged_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *env = getenv("JET_TEST_SEED");
	seed = env ? strtoull(env, NULL, 0) : 0x5EED0003ull;
	if (!seed)
		seed = 1;
	const char *sc = getenv("JET_TEST_SCALE");
	if (sc && atoi(sc) > 0)
		scale = (unsigned)atoi(sc);
	printf("test_space: seed %llu (JET_TEST_SEED overrides)\n", (unsigned long long)seed);
	SRunner *sr = srunner_create(space_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
