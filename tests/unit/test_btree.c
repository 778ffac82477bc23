/*
 * test_btree.c - the copy-on-write B+tree against an in-memory model.
 *
 * Every test runs a tree in a buffer cache over a database file in a fresh
 * mkdtemp directory; the only cache-layer calls are those of cache.h plus
 * env_open/env_close below.  Page numbers come from a bump allocator that
 * records each page's state (allocated / freed / retired), so the tests can
 * tell whether the tree ever leaks a page, drops one twice or changes one a
 * snapshot still reads.
 *
 * Deterministic: JET_TEST_SEED overrides the printed seed; JET_TEST_SCALE
 * multiplies the operation counts (soak).  JET_BTREE_BENCH=1 adds a
 * micro-benchmark of sequential inserts and random lookups over 1M keys.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "btree.h"
#include "dbfile.h"
#include "os.h"

static uint64_t g_seed;
static double g_scale = 1.0;

/* ---------------------------------------------------------------- random */

typedef struct rng {
	uint64_t s;
} rng;
static uint64_t rnd(rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}
static uint32_t rndn(rng *r, uint32_t n) { return n ? (uint32_t)(rnd(r) % n) : 0; }
static rng rng_make(uint64_t salt)
{
	rng r = {g_seed * 0x9E3779B97F4A7C15ULL + salt * 0xBF58476D1CE4E5B9ULL + 1};
	for (int i = 0; i < 8; i++)
		rnd(&r);
	return r;
}

static long scaled(long n) { return (long)(n * g_scale); }

/* ------------------------------------------------------------ environment */

enum { PG_FREE = 0, PG_ALLOC = 1, PG_RETIRED = 2 };

typedef struct env {
	char dir[64], path[96];
	dbfile *f;
	jcache *c;
	uint32_t ps;
	uint8_t *state;
	uint32_t cap, next, file_pages;
	uint32_t *freelist;
	uint32_t nfree;
	long fail_after; /* < 0: off; else allocations left before failing */
	long bad_drops;
	uint32_t *dropped; /* every page dropped since env_dropped_reset */
	size_t ndropped, capdropped;
	uint64_t gen;
	bt_writer w;
} env;

static JET_ERR env_alloc(void *ctx, uint32_t *pgno)
{
	env *e = ctx;
	if (e->fail_after == 0)
		return JET_errDiskFull;
	if (e->fail_after > 0)
		e->fail_after--;
	uint32_t p;
	if (e->nfree)
		p = e->freelist[--e->nfree];
	else
		p = e->next++;
	if (p >= e->cap) {
		uint32_t ncap = e->cap * 2;
		e->state = realloc(e->state, ncap);
		e->freelist = realloc(e->freelist, ncap * sizeof(uint32_t));
		memset(e->state + e->cap, 0, ncap - e->cap);
		e->cap = ncap;
	}
	if (p >= e->file_pages) {
		uint32_t n = e->file_pages + 4096;
		JET_ERR err = dbfile_extend(e->f, n);
		if (err < 0)
			return err;
		e->file_pages = n;
	}
	ck_assert_msg(e->state[p] == PG_FREE, "allocator handed out page %u twice", p);
	e->state[p] = PG_ALLOC;
	*pgno = p;
	return JET_errSuccess;
}

static JET_ERR env_drop(void *ctx, uint32_t pgno, uint64_t stamp)
{
	env *e = ctx;
	if (pgno >= e->cap || e->state[pgno] != PG_ALLOC) {
		e->bad_drops++;
		return JET_errSuccess;
	}
	if (stamp >= e->w.mutable_floor) {
		/* The writer's own page: free at once, and reused soon. */
		e->state[pgno] = PG_FREE;
		e->freelist[e->nfree++] = pgno;
	} else {
		e->state[pgno] = PG_RETIRED;
	}
	if (e->ndropped == e->capdropped) {
		e->capdropped = e->capdropped ? 2 * e->capdropped : 1024;
		e->dropped = realloc(e->dropped, e->capdropped * sizeof(uint32_t));
	}
	e->dropped[e->ndropped++] = pgno;
	return JET_errSuccess;
}

/* A new writer generation: everything made so far becomes published. */
static void env_generation(env *e)
{
	e->gen++;
	e->w.mutable_floor = e->gen;
	e->w.stamp = e->gen;
}

static void env_open(env *e, uint32_t ps, uint32_t frames)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->dir, "/tmp/test_btree.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/db", e->dir);
	db_header hdr;
	memset(&hdr, 0, sizeof(hdr));
	hdr.format_version = DB_FORMAT_VERSION;
	hdr.page_size = ps;
	hdr.state = 1;
	hdr.page_count = DB_FIRST_DATA_PAGE;
	ck_assert_int_eq(dbfile_create(os_vfs_posix(), e->path, &hdr, true, &e->f), 0);
	ck_assert_int_eq(jcache_create(e->f, frames, &e->c), 0);
	e->ps = ps;
	e->cap = 1 << 16;
	e->state = calloc(e->cap, 1);
	e->freelist = malloc(e->cap * sizeof(uint32_t));
	e->next = e->file_pages = DB_FIRST_DATA_PAGE;
	e->fail_after = -1;
	e->w.cache = e->c;
	e->w.alloc_page = env_alloc;
	e->w.drop_page = env_drop;
	e->w.ctx = e;
	env_generation(e);
}

static void env_close(env *e)
{
	jcache_destroy(e->c);
	dbfile_close(e->f);
	unlink(e->path);
	rmdir(e->dir);
	free(e->state);
	free(e->freelist);
	free(e->dropped);
}

/* ------------------------------------------------------------------ model */

typedef struct ment {
	uint8_t *k, *v;
	uint32_t kl, vl;
} ment;
typedef struct model {
	ment *e;
	size_t n, cap;
} model;

static int kcmp(const void *a, size_t al, const void *b, size_t bl)
{
	size_t m = al < bl ? al : bl;
	int r = m ? memcmp(a, b, m) : 0;
	return r ? r : (al > bl) - (al < bl);
}

/* Index of the first entry >= key. */
static size_t m_lb(const model *m, const void *k, size_t kl, bool *found)
{
	size_t lo = 0, hi = m->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (kcmp(m->e[mid].k, m->e[mid].kl, k, kl) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < m->n && kcmp(m->e[lo].k, m->e[lo].kl, k, kl) == 0;
	return lo;
}

static uint8_t *dupmem(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);
	if (n)
		memcpy(d, p, n);
	return d;
}

static void m_put(model *m, const void *k, size_t kl, const void *v, size_t vl)
{
	bool found;
	size_t i = m_lb(m, k, kl, &found);
	if (found) {
		free(m->e[i].v);
	} else {
		if (m->n == m->cap) {
			m->cap = m->cap ? 2 * m->cap : 256;
			m->e = realloc(m->e, m->cap * sizeof(ment));
		}
		memmove(&m->e[i + 1], &m->e[i], (m->n - i) * sizeof(ment));
		m->n++;
		m->e[i].k = dupmem(k, kl);
		m->e[i].kl = (uint32_t)kl;
	}
	m->e[i].v = dupmem(v, vl);
	m->e[i].vl = (uint32_t)vl;
}

static void m_del(model *m, size_t i)
{
	free(m->e[i].k);
	free(m->e[i].v);
	memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof(ment));
	m->n--;
}

static void m_clone(model *dst, const model *src)
{
	dst->n = dst->cap = src->n;
	dst->e = malloc((src->n ? src->n : 1) * sizeof(ment));
	for (size_t i = 0; i < src->n; i++) {
		dst->e[i].k = dupmem(src->e[i].k, src->e[i].kl);
		dst->e[i].kl = src->e[i].kl;
		dst->e[i].v = dupmem(src->e[i].v, src->e[i].vl);
		dst->e[i].vl = src->e[i].vl;
	}
}

static void m_free(model *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].k);
		free(m->e[i].v);
	}
	free(m->e);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------------- helpers */

static void report(void *ctx, uint32_t pgno, const char *what)
{
	(void)ctx;
	fprintf(stderr, "bt_check: page %u: %s\n", pgno, what);
}

static void check_tree(env *e, uint32_t root, const model *m, uint32_t objid)
{
	uint64_t n = 0, n2 = 0;
	ck_assert_int_eq(bt_check(e->c, root, objid, report, NULL, &n), 0);
	ck_assert_uint_eq(n, m->n);
	ck_assert_int_eq(bt_count(e->c, root, &n2), 0);
	ck_assert_uint_eq(n2, m->n);
}

/* Full forward (and, if asked, backward) scan equals the model. */
static void scan_equals(env *e, uint32_t root, const model *m, bool backward)
{
	bt_cursor *cur;
	const void *k, *v;
	size_t kl, vl;
	ck_assert_int_eq(bt_cursor_open(e->c, root, &cur), 0);
	JET_ERR err = bt_first(cur);
	for (size_t i = 0; i < m->n; i++) {
		ck_assert_int_eq(err, 0);
		ck_assert_int_eq(bt_cursor_key(cur, &k, &kl), 0);
		ck_assert_int_eq(kcmp(k, kl, m->e[i].k, m->e[i].kl), 0);
		ck_assert_int_eq(bt_cursor_value(cur, &v, &vl), 0);
		ck_assert_uint_eq(vl, m->e[i].vl);
		ck_assert(vl == 0 || memcmp(v, m->e[i].v, vl) == 0);
		err = bt_next(cur);
	}
	ck_assert_int_eq(err, m->n ? JET_errNoCurrentRecord : JET_errRecordNotFound);
	if (backward) {
		err = bt_last(cur);
		for (size_t i = m->n; i-- > 0;) {
			ck_assert_int_eq(err, 0);
			ck_assert_int_eq(bt_cursor_key(cur, &k, &kl), 0);
			ck_assert_int_eq(kcmp(k, kl, m->e[i].k, m->e[i].kl), 0);
			err = bt_prev(cur);
		}
		ck_assert_int_eq(err, m->n ? JET_errNoCurrentRecord : JET_errRecordNotFound);
	}
	bt_cursor_close(cur);
}

typedef struct pageset {
	uint8_t *mark;
	uint32_t cap, count;
	bool dup;
} pageset;

static JET_ERR walk_mark(void *ctx, uint32_t pgno, int type, int level)
{
	pageset *s = ctx;
	(void)type;
	(void)level;
	if (pgno >= s->cap) {
		uint32_t nc = pgno * 2 + 1;
		s->mark = realloc(s->mark, nc);
		memset(s->mark + s->cap, 0, nc - s->cap);
		s->cap = nc;
	}
	if (s->mark[pgno])
		s->dup = true;
	s->mark[pgno] = 1;
	s->count++;
	return JET_errSuccess;
}

static pageset walk_set(env *e, uint32_t root)
{
	pageset s = {calloc(1024, 1), 1024, 0, false};
	ck_assert_int_eq(bt_walk(e->c, root, walk_mark, &s), 0);
	ck_assert_msg(!s.dup, "bt_walk visited a page twice");
	return s;
}

/* The pages the allocator holds as allocated are exactly those reachable
 * from root (nothing leaked, nothing dropped that is still in use). */
static void pages_exact(env *e, uint32_t root)
{
	pageset s = walk_set(e, root);
	uint32_t alloc = 0;
	for (uint32_t p = 0; p < e->next; p++) {
		bool in = p < s.cap && s.mark[p];
		if (e->state[p] == PG_ALLOC)
			alloc++;
		ck_assert_msg(!in || e->state[p] == PG_ALLOC, "page %u reachable but state %d", p,
			      e->state[p]);
	}
	ck_assert_msg(alloc == s.count, "%u pages allocated, %u reachable", alloc, s.count);
	ck_assert_int_eq(e->bad_drops, 0);
	free(s.mark);
}

static size_t gen_key(rng *r, uint8_t *k, size_t maxkey)
{
	uint32_t c = rndn(r, 1000);
	size_t len;
	if (c < 600)
		len = 1 + rndn(r, 16);
	else if (c < 950)
		len = 1 + rndn(r, 200);
	else if (c < 985)
		len = 1 + rndn(r, (uint32_t)maxkey);
	else if (c < 998)
		len = maxkey;
	else
		len = 0;
	/* A small alphabet up front: long shared prefixes and near-misses. */
	static const uint8_t alpha[] = {0x00, 0x01, 'a', 'b', 0xff};
	for (size_t i = 0; i < len; i++)
		k[i] = i < 6 ? alpha[rndn(r, sizeof(alpha))] : (uint8_t)rnd(r);
	return len;
}

static size_t gen_val(rng *r, uint8_t *v, uint32_t ps)
{
	uint32_t c = rndn(r, 100);
	size_t len;
	if (c < 93)
		len = rndn(r, 301);
	else if (c < 98)
		len = bt_max_inline_value(ps) - 8 + rndn(r, 16);
	else
		len = bt_max_inline_value(ps) + 1 + rndn(r, 3 * ps);
	uint8_t b = (uint8_t)rnd(r);
	for (size_t i = 0; i < len; i++)
		v[i] = (uint8_t)(b + i * 7 + (i >> 8));
	return len;
}

/* Picks an existing key half the time (so replaces and deletes hit). */
static size_t pick_key(rng *r, const model *m, uint8_t *k, size_t maxkey)
{
	if (m->n && rndn(r, 10) < 3) {
		const ment *x = &m->e[rndn(r, (uint32_t)m->n)];
		memcpy(k, x->k, x->kl);
		return x->kl;
	}
	return gen_key(r, k, maxkey);
}

/* Expected index for a seek, or -1 when nothing qualifies. */
static long seek_expect(const model *m, const void *k, size_t kl, bt_seek_mode mode, bool *exact)
{
	bool found;
	long lb = (long)m_lb(m, k, kl, &found), n = (long)m->n, i;
	*exact = found;
	switch (mode) {
	case BT_SEEK_EQ:
		i = found ? lb : -1;
		break;
	case BT_SEEK_GE:
		i = lb;
		break;
	case BT_SEEK_GT:
		i = found ? lb + 1 : lb;
		break;
	case BT_SEEK_LE:
		i = found ? lb : lb - 1;
		break;
	default:
		i = lb - 1;
		break;
	}
	return i >= 0 && i < n ? i : -1;
}

static void cursor_at(bt_cursor *cur, const model *m, long i)
{
	const void *k;
	size_t kl, vl;
	ck_assert(bt_cursor_positioned(cur));
	ck_assert_int_eq(bt_cursor_key(cur, &k, &kl), 0);
	ck_assert_int_eq(kcmp(k, kl, m->e[i].k, m->e[i].kl), 0);
	ck_assert_int_eq(bt_cursor_value_size(cur, &vl), 0);
	ck_assert_uint_eq(vl, m->e[i].vl);
}

/* A seek then a run of next or prev, checked entry by entry. */
static void seek_and_run(env *e, bt_cursor *cur, const model *m, rng *r)
{
	uint8_t key[2048];
	size_t kl = pick_key(r, m, key, bt_max_key(e->ps));
	if (rndn(r, 4) == 0 && kl > 0)
		key[kl - 1] ^= 1; /* just beside an existing key */
	bt_seek_mode mode = (bt_seek_mode)rndn(r, 5);
	bool exact;
	long i = seek_expect(m, key, kl, mode, &exact);
	JET_ERR err = bt_seek(cur, key, kl, mode);
	if (i < 0) {
		ck_assert_int_eq(err, JET_errRecordNotFound);
		ck_assert(!bt_cursor_positioned(cur));
		ck_assert_int_eq(bt_next(cur), JET_errNoCurrentRecord);
		return;
	}
	JET_ERR want = (!exact && (mode == BT_SEEK_GE || mode == BT_SEEK_LE)) ? JET_wrnSeekNotEqual : 0;
	ck_assert_int_eq(err, want);
	cursor_at(cur, m, i);
	bool fwd = rndn(r, 2);
	uint32_t steps = rndn(r, 60);
	for (uint32_t s = 0; s < steps; s++) {
		err = fwd ? bt_next(cur) : bt_prev(cur);
		i += fwd ? 1 : -1;
		if (i < 0 || i >= (long)m->n) {
			ck_assert_int_eq(err, JET_errNoCurrentRecord);
			/* Parked past the edge: one step back is the edge entry. */
			err = fwd ? bt_prev(cur) : bt_next(cur);
			ck_assert_int_eq(err, 0);
			cursor_at(cur, m, fwd ? (long)m->n - 1 : 0);
			return;
		}
		ck_assert_int_eq(err, 0);
		cursor_at(cur, m, i);
	}
}

static void get_check(env *e, uint32_t root, const model *m, rng *r, uint8_t *buf)
{
	uint8_t key[2048];
	size_t kl = pick_key(r, m, key, bt_max_key(e->ps)), got = 0;
	bool found;
	size_t i = m_lb(m, key, kl, &found);
	size_t cbMax = rndn(r, 4) == 0 ? rndn(r, 64) : 4 * e->ps * 4;
	JET_ERR err = bt_get(e->c, root, key, kl, buf, cbMax, &got);
	if (!found) {
		ck_assert_int_eq(err, JET_errRecordNotFound);
		return;
	}
	ck_assert_int_eq(err, m->e[i].vl > cbMax ? JET_wrnBufferTruncated : 0);
	ck_assert_uint_eq(got, m->e[i].vl);
	size_t cmp = got < cbMax ? got : cbMax;
	ck_assert(cmp == 0 || memcmp(buf, m->e[i].v, cmp) == 0);
}

/* One random mutation, applied to tree and model alike. */
static bool random_mutation(env *e, uint32_t *root, model *m, rng *r, uint8_t *val,
			    uint32_t put_pct)
{
	uint8_t key[2048];
	size_t kl = pick_key(r, m, key, bt_max_key(e->ps));
	bool found;
	size_t i = m_lb(m, key, kl, &found);
	if (rndn(r, 100) < put_pct) {
		size_t vl = gen_val(r, val, e->ps);
		int flags = (int)rndn(r, 3);
		JET_ERR err = bt_put(&e->w, root, key, kl, val, vl, flags);
		if (found && (flags & BT_PUT_NOOVERWRITE))
			ck_assert_int_eq(err, JET_errKeyDuplicate);
		else if (!found && (flags & BT_PUT_MUSTEXIST))
			ck_assert_int_eq(err, JET_errRecordNotFound);
		else {
			ck_assert_int_eq(err, 0);
			m_put(m, key, kl, val, vl);
			return true;
		}
		return false;
	}
	JET_ERR err = bt_del(&e->w, root, key, kl);
	if (!found) {
		ck_assert_int_eq(err, JET_errRecordNotFound);
		return false;
	}
	ck_assert_int_eq(err, 0);
	m_del(m, i);
	return true;
}

/* ------------------------------------------------------------------ tests */

typedef struct leafstat {
	uint32_t leaves, branches, levels;
} leafstat;
static JET_ERR count_types(void *ctx, uint32_t pgno, int type, int level)
{
	leafstat *s = ctx;
	(void)pgno;
	if ((uint32_t)level + 1 > s->levels)
		s->levels = (uint32_t)level + 1;
	if (type == PAGE_TYPE_BTREE_LEAF)
		s->leaves++;
	else if (type == PAGE_TYPE_BTREE_BRANCH)
		s->branches++;
	return JET_errSuccess;
}

static void run_model(uint32_t ps, long nops, uint64_t salt)
{
	env e;
	model m = {0};
	uint32_t root;
	rng r = rng_make(salt);
	uint8_t *val = malloc(8 * ps), *buf = malloc(16 * ps);
	bt_cursor *cur;
	env_open(&e, ps, 1024);
	ck_assert_int_eq(bt_create(&e.w, 7, &root), 0);
	ck_assert_int_eq(bt_cursor_open(e.c, root, &cur), 0);
	size_t peak = 0;
	for (long op = 0; op < nops; op++) {
		uint32_t c = rndn(&r, 100);
		peak = m.n > peak ? m.n : peak;
		/* Deletes outweigh inserts now and then, so the tree shrinks
		 * through merges and root collapses as well as grows. */
		bool shrink = (op / 10000) % 3 == 2;
		if (c < 60) {
			if (random_mutation(&e, &root, &m, &r, val, shrink ? 15 : 95) &&
			    (op < 10000 || op % 1000 == 0))
				check_tree(&e, root, &m, 7);
		} else if (c < (shrink ? 70u : 61u)) {
			uint8_t key[2048];
			if (!m.n)
				continue;
			size_t i = rndn(&r, (uint32_t)m.n);
			memcpy(key, m.e[i].k, m.e[i].kl);
			ck_assert_int_eq(bt_del(&e.w, &root, key, m.e[i].kl), 0);
			m_del(&m, i);
			if (op < 10000 || op % 1000 == 0)
				check_tree(&e, root, &m, 7);
		} else if (c < 78) {
			get_check(&e, root, &m, &r, buf);
		} else {
			bt_cursor_reset(cur, root);
			seek_and_run(&e, cur, &m, &r);
			bt_cursor_reset(cur, root); /* no pin held across mutations */
		}
	}
	check_tree(&e, root, &m, 7);
	scan_equals(&e, root, &m, true);
	pages_exact(&e, root);
	bt_cursor_close(cur);
	leafstat ls = {0, 0, 0};
	ck_assert_int_eq(bt_walk(e.c, root, count_types, &ls), 0);
	uint32_t levels = ls.levels;
	/* Drain in random order: merges and rebalances at every level, then
	 * root collapses down to one empty leaf. */
	model all = {0};
	m_clone(&all, &m);
	for (size_t left = all.n; left > 0; left--) {
		size_t i = rndn(&r, (uint32_t)left);
		ck_assert_int_eq(bt_del(&e.w, &root, all.e[i].k, all.e[i].kl), 0);
		bool found;
		m_del(&m, m_lb(&m, all.e[i].k, all.e[i].kl, &found));
		ck_assert(found);
		ment t = all.e[i];
		all.e[i] = all.e[left - 1];
		all.e[left - 1] = t;
		if (left % 97 == 0 || left < 200)
			check_tree(&e, root, &m, 7);
	}
	m_free(&all);
	ls = (leafstat){0, 0, 0};
	ck_assert_int_eq(bt_walk(e.c, root, count_types, &ls), 0);
	ck_assert_uint_eq(ls.levels, 1);
	pages_exact(&e, root);
	ls = (leafstat){0, 0, levels};
	printf("model %u: %ld ops, peak %zu entries, %u levels, %u pages allocated, drained\n", ps,
	       nops, peak, ls.levels, e.next);
	/* Dropping the tree gives back every page. */
	ck_assert_int_eq(bt_drop(&e.w, root), 0);
	for (uint32_t p = 0; p < e.next; p++)
		ck_assert_int_ne(e.state[p], PG_ALLOC);
	ck_assert_int_eq(e.bad_drops, 0);
	m_free(&m);
	free(val);
	free(buf);
	env_close(&e);
}

START_TEST(model_4k) { run_model(4096, scaled(100000), 1); }
END_TEST
START_TEST(model_8k) { run_model(8192, scaled(100000), 2); }
END_TEST
START_TEST(model_32k) { run_model(32768, scaled(20000), 3); }
END_TEST

typedef struct pagehash {
	uint32_t *pg;
	uint64_t *h;
	uint32_t n, cap;
	jcache *c;
	uint32_t ps;
} pagehash;

static JET_ERR hash_page(void *ctx, uint32_t pgno, int type, int level)
{
	pagehash *ph = ctx;
	jbuf *b;
	(void)type;
	(void)level;
	JET_ERR err = jcache_get(ph->c, pgno, &b);
	if (err < 0)
		return err;
	/* Checksum and pgno fields are dbfile's to set; the rest is ours. */
	uint64_t h = 1469598103934665603ULL;
	for (uint32_t i = 8; i < ph->ps; i++)
		h = (h ^ b->data[i]) * 1099511628211ULL;
	jcache_release(ph->c, b);
	if (ph->n == ph->cap) {
		ph->cap = ph->cap ? 2 * ph->cap : 1024;
		ph->pg = realloc(ph->pg, ph->cap * sizeof(uint32_t));
		ph->h = realloc(ph->h, ph->cap * sizeof(uint64_t));
	}
	ph->pg[ph->n] = pgno;
	ph->h[ph->n++] = h;
	return JET_errSuccess;
}

typedef struct diffrec {
	model *m1, *m2;
	size_t i1, i2;
	long count;
} diffrec;

/* Checks each reported difference against the merge of the two models. */
static JET_ERR diff_cb(void *ctx, const void *key, size_t kl, const void *ov, size_t ol,
		       const void *nv, size_t nl)
{
	diffrec *d = ctx;
	for (;;) {
		ment *a = d->i1 < d->m1->n ? &d->m1->e[d->i1] : NULL;
		ment *b = d->i2 < d->m2->n ? &d->m2->e[d->i2] : NULL;
		ck_assert(a || b);
		int r = !a ? 1 : !b ? -1 : kcmp(a->k, a->kl, b->k, b->kl);
		ment *x = r <= 0 ? a : b;
		bool differs = r != 0 || a->vl != b->vl || (a->vl && memcmp(a->v, b->v, a->vl));
		if (r <= 0)
			d->i1++;
		if (r >= 0)
			d->i2++;
		if (!differs)
			continue;
		ck_assert_int_eq(kcmp(key, kl, x->k, x->kl), 0);
		if (r > 0)
			ck_assert_ptr_null(ov);
		else
			ck_assert(ol == a->vl && (ol == 0 || memcmp(ov, a->v, ol) == 0));
		if (r < 0)
			ck_assert_ptr_null(nv);
		else
			ck_assert(nl == b->vl && (nl == 0 || memcmp(nv, b->v, nl) == 0));
		d->count++;
		return JET_errSuccess;
	}
}

static void diff_finish(diffrec *d)
{
	/* Whatever the walk did not report must be equal in both. */
	while (d->i1 < d->m1->n || d->i2 < d->m2->n) {
		ck_assert(d->i1 < d->m1->n && d->i2 < d->m2->n);
		ment *a = &d->m1->e[d->i1++], *b = &d->m2->e[d->i2++];
		ck_assert_int_eq(kcmp(a->k, a->kl, b->k, b->kl), 0);
		ck_assert(a->vl == b->vl && (a->vl == 0 || memcmp(a->v, b->v, a->vl) == 0));
	}
}

static void run_cow(uint32_t ps, uint64_t salt)
{
	env e;
	model m1 = {0}, m2 = {0};
	uint32_t root, r1;
	rng r = rng_make(salt);
	uint8_t *val = malloc(8 * ps);
	env_open(&e, ps, 512);
	ck_assert_int_eq(bt_create(&e.w, 9, &root), 0);
	for (long i = 0; i < scaled(4000); i++)
		random_mutation(&e, &root, &m1, &r, val, 85);
	check_tree(&e, root, &m1, 9);
	r1 = root;
	pagehash before = {.c = e.c, .ps = ps}, after = {.c = e.c, .ps = ps};
	ck_assert_int_eq(bt_walk(e.c, r1, hash_page, &before), 0);

	/* A new writer: every page of R1 is published. */
	env_generation(&e);
	m_clone(&m2, &m1);
	e.ndropped = 0;
	long nmut = scaled(3000);
	for (long i = 0; i < nmut; i++) {
		random_mutation(&e, &root, &m2, &r, val, 55);
		if (i < 300 || i % 100 == 0)
			check_tree(&e, root, &m2, 9);
		if (i % 1000 == 999) {
			scan_equals(&e, r1, &m1, false);
			env_generation(&e); /* publish again mid-way */
		}
	}
	check_tree(&e, root, &m2, 9);
	scan_equals(&e, root, &m2, true);
	/* The snapshot reads exactly the old state, from unchanged pages. */
	scan_equals(&e, r1, &m1, true);
	check_tree(&e, r1, &m1, 9);
	ck_assert_int_eq(bt_walk(e.c, r1, hash_page, &after), 0);
	ck_assert_uint_eq(before.n, after.n);
	for (uint32_t i = 0; i < before.n; i++) {
		ck_assert_uint_eq(before.pg[i], after.pg[i]);
		ck_assert_msg(before.h[i] == after.h[i], "snapshot page %u changed", before.pg[i]);
	}
	/* Every R1 page is still in the new tree or was dropped (retired). */
	pageset now = walk_set(&e, root);
	for (uint32_t i = 0; i < before.n; i++) {
		uint32_t p = before.pg[i];
		bool live = p < now.cap && now.mark[p];
		ck_assert_msg(live ? e.state[p] == PG_ALLOC : e.state[p] == PG_RETIRED,
			      "R1 page %u: live %d state %d", p, live, e.state[p]);
	}
	free(now.mark);
	pages_exact(&e, root);

	diffrec d = {&m1, &m2, 0, 0, 0};
	ck_assert_int_eq(bt_diff(e.c, r1, root, diff_cb, &d), 0);
	diff_finish(&d);
	ck_assert_int_gt(d.count, 0);
	/* Against the empty tree every entry differs; and a tree against
	 * itself, nothing. */
	diffrec d0 = {&(model){0}, &m2, 0, 0, 0};
	ck_assert_int_eq(bt_diff(e.c, 0, root, diff_cb, &d0), 0);
	diff_finish(&d0);
	ck_assert_int_eq(d0.count, (long)m2.n);
	diffrec ds = {&m2, &m2, 0, 0, 0};
	ck_assert_int_eq(bt_diff(e.c, root, root, diff_cb, &ds), 0);
	ck_assert_int_eq(ds.count, 0);

	free(before.pg);
	free(before.h);
	free(after.pg);
	free(after.h);
	m_free(&m1);
	m_free(&m2);
	free(val);
	env_close(&e);
}

START_TEST(cow_snapshot_4k) { run_cow(4096, 11); }
END_TEST
START_TEST(cow_snapshot_8k) { run_cow(8192, 12); }
END_TEST

/* A small change in a large tree reads few pages in bt_diff. */
typedef struct countctx {
	long n;
} countctx;
static JET_ERR count_cb(void *ctx, const void *key, size_t kl, const void *ov, size_t ol,
			const void *nv, size_t nl)
{
	(void)key, (void)kl, (void)ov, (void)ol, (void)nv, (void)nl;
	((countctx *)ctx)->n++;
	return JET_errSuccess;
}

START_TEST(diff_cost_and_stop)
{
	env e;
	uint32_t root, r1;
	uint8_t key[8], val[40] = {0};
	env_open(&e, 4096, 256);
	ck_assert_int_eq(bt_create(&e.w, 3, &root), 0);
	for (uint64_t i = 0; i < 50000; i++) {
		put_be64(key, i * 2);
		ck_assert_int_eq(bt_put(&e.w, &root, key, 8, val, sizeof(val), 0), 0);
	}
	r1 = root;
	env_generation(&e);
	put_be64(key, 777);
	ck_assert_int_eq(bt_put(&e.w, &root, key, 8, val, 5, 0), 0);
	jcache_stats s0, s1;
	jcache_stats_get(e.c, &s0);
	countctx cc = {0};
	ck_assert_int_eq(bt_diff(e.c, r1, root, count_cb, &cc), 0);
	jcache_stats_get(e.c, &s1);
	ck_assert_int_eq(cc.n, 1);
	/* Only the changed path is expanded on each side: a few pages. */
	uint64_t reads = (s1.hits + s1.misses) - (s0.hits + s0.misses);
	ck_assert_msg(reads < 20, "bt_diff read %" PRIu64 " pages for one change", reads);
	env_close(&e);
}
END_TEST

/* Failure injection: alloc_page fails after k calls, for every k until the
 * operation goes through; each failure must leave the tree as it was. */
START_TEST(alloc_failure_atomic)
{
	env e;
	model m = {0};
	uint32_t root;
	rng r = rng_make(21);
	uint32_t ps = 4096;
	uint8_t *val = malloc(8 * ps);
	env_open(&e, ps, 512);
	ck_assert_int_eq(bt_create(&e.w, 5, &root), 0);
	for (int i = 0; i < 3000; i++)
		random_mutation(&e, &root, &m, &r, val, 85);
	long failures = 0;
	for (int op = 0; op < scaled(300); op++) {
		/* Each op in a new generation, so the whole path is copied. */
		env_generation(&e);
		uint8_t key[2048];
		size_t kl, vl = 0;
		bool del = rndn(&r, 3) == 0 && m.n;
		if (del) {
			size_t i = rndn(&r, (uint32_t)m.n);
			kl = m.e[i].kl;
			memcpy(key, m.e[i].k, kl);
		} else {
			kl = pick_key(&r, &m, key, bt_max_key(ps));
			vl = gen_val(&r, val, ps);
		}
		for (long k = 0;; k++) {
			uint32_t before = root;
			e.fail_after = k;
			JET_ERR err = del ? bt_del(&e.w, &root, key, kl)
					  : bt_put(&e.w, &root, key, kl, val, vl, 0);
			e.fail_after = -1;
			if (err >= 0)
				break;
			failures++;
			ck_assert_int_eq(err, JET_errDiskFull);
			ck_assert_uint_eq(root, before);
			if (op % 10 == 0 || k < 2) {
				check_tree(&e, root, &m, 5);
				pages_exact(&e, root);
			}
			ck_assert_int_lt(k, 200);
		}
		bool found;
		size_t i = m_lb(&m, key, kl, &found);
		if (del)
			m_del(&m, i);
		else
			m_put(&m, key, kl, val, vl);
		if (op % 10 == 0) {
			check_tree(&e, root, &m, 5);
			scan_equals(&e, root, &m, false);
		}
	}
	check_tree(&e, root, &m, 5);
	scan_equals(&e, root, &m, false);
	pages_exact(&e, root);
	ck_assert_int_gt(failures, 300);
	m_free(&m);
	free(val);
	env_close(&e);
}
END_TEST

START_TEST(sequential_fill)
{
	env e;
	uint32_t root, ps = 8192;
	uint8_t key[8], val[45];
	const uint32_t n = 100000;
	env_open(&e, ps, 1024);
	ck_assert_int_eq(bt_create(&e.w, 1, &root), 0);
	for (uint32_t i = 0; i < n; i++) {
		put_be64(key, i);
		memset(val, (int)i, sizeof(val));
		ck_assert_int_eq(bt_put(&e.w, &root, key, 8, val, sizeof(val), BT_PUT_NOOVERWRITE), 0);
	}
	uint64_t cnt;
	ck_assert_int_eq(bt_check(e.c, root, 1, report, NULL, &cnt), 0);
	ck_assert_uint_eq(cnt, n);
	leafstat s = {0, 0, 0};
	ck_assert_int_eq(bt_walk(e.c, root, count_types, &s), 0);
	/* leaf cell 4 + 8 + 45 bytes, slot 2; page body ps - 32 */
	double fill = (double)n * (4 + 8 + 45 + 2) / ((double)s.leaves * (ps - 32));
	ck_assert_msg(fill >= 0.85, "leaves only %.1f%% full (%u leaves)", fill * 100, s.leaves);
	size_t got;
	for (uint32_t i = 0; i < n; i += 997) {
		put_be64(key, i);
		ck_assert_int_eq(bt_get(e.c, root, key, 8, val, sizeof(val), &got), 0);
		ck_assert_uint_eq(val[0], (uint8_t)i);
	}
	env_close(&e);
}
END_TEST

START_TEST(key_limits)
{
	env e;
	uint32_t root;
	static uint8_t key[4096], out[16];
	size_t got;
	for (int k = 0; k < 2; k++) {
		uint32_t ps = k ? 8192 : 4096;
		env_open(&e, ps, 64);
		ck_assert_uint_eq(bt_max_key(ps), k ? 2000 : 1000);
		ck_assert_int_eq(bt_create(&e.w, 1, &root), 0);
		memset(key, 'k', sizeof(key));
		size_t mk = bt_max_key(ps);
		ck_assert_int_eq(bt_put(&e.w, &root, key, mk + 1, "v", 1, 0), JET_errKeyTooBig);
		ck_assert_int_eq(bt_put(&e.w, &root, key, mk, "v", 1, 0), 0);
		ck_assert_int_eq(bt_get(e.c, root, key, mk, out, sizeof(out), &got), 0);
		ck_assert_uint_eq(got, 1);
		/* Empty key and empty value are ordinary. */
		ck_assert_int_eq(bt_put(&e.w, &root, NULL, 0, NULL, 0, 0), 0);
		ck_assert_int_eq(bt_get(e.c, root, NULL, 0, NULL, 0, &got), 0);
		ck_assert_uint_eq(got, 0);
		ck_assert_int_eq(bt_put(&e.w, &root, NULL, 0, "x", 1, BT_PUT_NOOVERWRITE),
				 JET_errKeyDuplicate);
		ck_assert_int_eq(bt_put(&e.w, &root, "zz", 2, "x", 1, BT_PUT_MUSTEXIST),
				 JET_errRecordNotFound);
		ck_assert_int_eq(bt_del(&e.w, &root, "zz", 2), JET_errRecordNotFound);
		uint64_t n;
		ck_assert_int_eq(bt_check(e.c, root, 1, report, NULL, &n), 0);
		ck_assert_uint_eq(n, 2);
		env_close(&e);
	}
}
END_TEST

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Not a test: numbers for tuning (JET_BTREE_BENCH=1). */
START_TEST(bench)
{
	env e;
	uint32_t root;
	const uint32_t n = 1000000;
	uint8_t key[8], val[45] = {1};
	size_t got;
	rng r = rng_make(99);
	env_open(&e, 8192, 32768);
	ck_assert_int_eq(bt_create(&e.w, 1, &root), 0);
	/* No ck_assert inside the timed loops: each one costs a write to
	 * Check's log. */
	JET_ERR bad = 0;
	double t0 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		put_be64(key, i);
		bad |= bt_put(&e.w, &root, key, 8, val, sizeof(val), 0);
	}
	double t1 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		put_be64(key, rndn(&r, n));
		bad |= bt_get(e.c, root, key, 8, val, sizeof(val), &got);
	}
	double t2 = now_ns();
	ck_assert_int_eq(bad, 0);
	bt_cursor *cur;
	ck_assert_int_eq(bt_cursor_open(e.c, root, &cur), 0);
	uint32_t seen = 0;
	for (JET_ERR err = bt_first(cur); err == 0; err = bt_next(cur))
		seen++;
	double t3 = now_ns();
	ck_assert_uint_eq(seen, n);
	bt_cursor_close(cur);
	printf("bench: %u keys: sequential insert %.0f ns/op, random get %.0f ns/op, scan %.0f "
	       "ns/entry\n",
	       n, (t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n);
	env_close(&e);
}
END_TEST

int main(void)
{
	const char *s = getenv("JET_TEST_SEED");
	g_seed = s ? strtoull(s, NULL, 0) : 0x5eed2024ULL;
	const char *sc = getenv("JET_TEST_SCALE");
	if (sc && atof(sc) > 0)
		g_scale = atof(sc);
	printf("test_btree: seed %" PRIu64 " (JET_TEST_SEED), scale %g\n", g_seed, g_scale);

	Suite *su = suite_create("btree");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 600);
	const char *b = getenv("JET_BTREE_BENCH");
	if (b && atoi(b)) {
		tcase_add_test(tc, bench); /* benchmark mode: nothing else */
	} else {
		tcase_add_test(tc, key_limits);
		tcase_add_test(tc, sequential_fill);
		tcase_add_test(tc, model_4k);
		tcase_add_test(tc, model_8k);
		tcase_add_test(tc, model_32k);
		tcase_add_test(tc, cow_snapshot_4k);
		tcase_add_test(tc, cow_snapshot_8k);
		tcase_add_test(tc, diff_cost_and_stop);
		tcase_add_test(tc, alloc_failure_atomic);
	}
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
