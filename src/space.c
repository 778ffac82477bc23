/*
 * space.c - page states, the free map, the retire queue, file growth and the
 * persisted free list.
 *
 * Rules:
 *  1. state[p] is one of 'F', 'P', 'L', 'R' for every p < page_count; the
 *     header pages 0 and 1 are 'L' forever and no call moves them. The
 *     counters nfree/nprivate/nlive/nretired always sum to page_count.
 *  2. A page is FREE exactly when its bit in freemap is set. Allocation
 *     takes the lowest set bit (files stay compact, and the tail left free
 *     can be given back by compaction); no word below first_word has a bit
 *     set, so the search starts there.
 *  3. Every RETIRED page has exactly one entry (version, pgno) in one of
 *     two min-heaps: `retired` for pages a durable checkpoint may still
 *     reference (freed once both the readers' and the checkpoint's horizon
 *     pass the version), `fresh` for pages published after the last
 *     checkpoint capture (freed once the readers' horizon passes it: no
 *     checkpoint on disk points at them). set_horizons pops each heap while
 *     its smallest version is <= its horizon. A heap, not a FIFO: commits retire in nondecreasing order
 *     in practice, but nothing here depends on it.
 *  4. Every array is sized for `capacity` >= page_count pages, and only
 *     growth (which can fail and report it) enlarges them, so the void
 *     transitions (free, publish, retire, set_horizon) never allocate.
 *  5. The file grows only when nothing is FREE, by max(16, page_count / 8)
 *     pages, at most 64 MiB per step.
 *  6. On-disk free list: a chain of PAGE_TYPE_FREELIST pages, each
 *        [0..24)  common page header (objid 0, stamp 0, level 0)
 *        24       u32 next list page, 0 at the end
 *        28       u32 number of extents in this page
 *        32       (u32 first, u32 count) * number, ascending, disjoint
 *     The list's own pages are never inside its extents. space_save lists
 *     every page that is not LIVE once its own pages are LIVE; space_load
 *     checks the whole chain before changing any state, so a damaged list
 *     leaves the map untouched.
 */
#include <pthread.h>

#include "space.h"

#define ST_FREE 'F'
#define ST_PRIVATE 'P'
#define ST_LIVE 'L'
#define ST_RETIRED 'R'

#define FL_OFF_NEXT (PAGE_HEADER_SIZE + 0)
#define FL_OFF_COUNT (PAGE_HEADER_SIZE + 4)
#define FL_OFF_EXTENTS (PAGE_HEADER_SIZE + 8)

#define GROW_MIN_PAGES 16u
#define GROW_MAX_BYTES (64u << 20)
#define SPACE_MAX_PAGES 0xFFFFFFF0u

typedef struct retire_ent {
	uint64_t version;
	uint32_t pgno;
} retire_ent;

struct jspace {
	pthread_mutex_t mu;
	dbfile *file;
	uint32_t page_size;
	uint32_t page_count;
	uint32_t capacity;
	uint8_t *state;
	uint64_t *freemap;
	uint32_t first_word;
	retire_ent *retired; /* pages a durable checkpoint may reference */
	uint32_t nheap;
	retire_ent *fresh;   /* pages no durable checkpoint references */
	uint32_t nfresh;
	uint32_t nfree, nprivate, nlive, nretired;
};

static uint32_t list_capacity(uint32_t page_size)
{
	return (page_size - FL_OFF_EXTENTS) / 8;
}

/* ---- the retire heap ---- */

static void heap_push(retire_ent *h, uint32_t *pn, uint64_t version, uint32_t pgno)
{
	uint32_t i = (*pn)++;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;
		if (h[parent].version <= version)
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i].version = version;
	h[i].pgno = pgno;
}

static retire_ent heap_pop(retire_ent *h, uint32_t *pn)
{
	assert(*pn > 0);
	retire_ent top = h[0];
	retire_ent last = h[--*pn];
	uint32_t i = 0, n = *pn;
	for (;;) {
		uint32_t child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && h[child + 1].version < h[child].version)
			child++;
		if (last.version <= h[child].version)
			break;
		h[i] = h[child];
		i = child;
	}
	if (n > 0)
		h[i] = last;
	return top;
}

/* ---- the free bitmap ---- */

static inline void map_set(jspace *sp, uint32_t pgno)
{
	sp->freemap[pgno / 64] |= (uint64_t)1 << (pgno % 64);
	if (pgno / 64 < sp->first_word)
		sp->first_word = pgno / 64;
}

static inline void map_clear(jspace *sp, uint32_t pgno)
{
	sp->freemap[pgno / 64] &= ~((uint64_t)1 << (pgno % 64));
}

/* Makes every array hold at least n pages. Nothing changes on failure. */
static JET_ERR space_reserve(jspace *sp, uint32_t n)
{
	if (n <= sp->capacity)
		return JET_errSuccess;
	uint64_t want = JET_MAX((uint64_t)n, (uint64_t)sp->capacity + sp->capacity / 2);
	uint32_t cap = (uint32_t)JET_MIN(want, (uint64_t)SPACE_MAX_PAGES);
	size_t old_words = ((size_t)sp->capacity + 63) / 64, words = ((size_t)cap + 63) / 64;

	uint8_t *state = jet_realloc(sp->state, cap);
	if (!state)
		return JET_errOutOfMemory;
	sp->state = state;
	uint64_t *map = jet_realloc(sp->freemap, words * sizeof *map);
	if (!map)
		return JET_errOutOfMemory;
	sp->freemap = map;
	memset(map + old_words, 0, (words - old_words) * sizeof *map);
	retire_ent *heap = jet_realloc(sp->retired, (size_t)cap * sizeof *heap);
	if (!heap)
		return JET_errOutOfMemory;
	sp->retired = heap;
	heap = jet_realloc(sp->fresh, (size_t)cap * sizeof *heap);
	if (!heap)
		return JET_errOutOfMemory;
	sp->fresh = heap;
	sp->capacity = cap;
	return JET_errSuccess;
}

/* Grows the file by one extent; the new pages are FREE. */
static JET_ERR space_grow(jspace *sp)
{
	uint32_t step = JET_MAX(GROW_MIN_PAGES, sp->page_count / 8);
	step = JET_MIN(step, GROW_MAX_BYTES / sp->page_size);
	if (sp->page_count >= SPACE_MAX_PAGES)
		return JET_errDiskFull; /* page numbers are 32 bits */
	step = JET_MIN(step, SPACE_MAX_PAGES - sp->page_count);
	uint32_t n = sp->page_count + step;

	CallR(space_reserve(sp, n));
	CallR(dbfile_extend(sp->file, n));
	for (uint32_t p = sp->page_count; p < n; p++) {
		sp->state[p] = ST_FREE;
		map_set(sp, p);
	}
	sp->nfree += step;
	sp->page_count = n;
	return JET_errSuccess;
}

static JET_ERR alloc_locked(jspace *sp, uint32_t *pgno)
{
	if (sp->nfree == 0)
		CallR(space_grow(sp));
	uint32_t w = sp->first_word;
	while (sp->freemap[w] == 0)
		w++;
	sp->first_word = w;
	uint32_t p = w * 64 + (uint32_t)__builtin_ctzll(sp->freemap[w]);
	assert(p < sp->page_count && sp->state[p] == ST_FREE);
	map_clear(sp, p);
	sp->state[p] = ST_PRIVATE;
	sp->nfree--;
	sp->nprivate++;
	*pgno = p;
	return JET_errSuccess;
}

/* True when pgno is a data page of the map in state st. A false answer to
 * a transition is a caller bug: asserted, and otherwise ignored so the
 * counters stay consistent. */
static bool page_is(const jspace *sp, uint32_t pgno, uint8_t st)
{
	return pgno >= DB_FIRST_DATA_PAGE && pgno < sp->page_count && sp->state[pgno] == st;
}

JET_ERR space_create(dbfile *f, uint32_t page_count, jspace **out)
{
	JET_ERR err = JET_errSuccess;
	if (!f || !out || page_count < DB_FIRST_DATA_PAGE || page_count > SPACE_MAX_PAGES)
		return JET_errInvalidParameter;
	*out = NULL;
	jspace *sp = jet_calloc(1, sizeof *sp);
	if (!sp)
		return JET_errOutOfMemory;
	if (pthread_mutex_init(&sp->mu, NULL) != 0) {
		jet_free(sp);
		return JET_errOutOfMemory;
	}
	sp->file = f;
	sp->page_size = dbfile_page_size(f);
	Call(space_reserve(sp, JET_MAX(page_count, 64u)));
	memset(sp->state, ST_LIVE, page_count);
	sp->page_count = page_count;
	sp->nlive = page_count;
	*out = sp;
	return JET_errSuccess;

HandleError:
	space_destroy(sp);
	return err;
}

void space_destroy(jspace *sp)
{
	if (!sp)
		return;
	pthread_mutex_destroy(&sp->mu);
	jet_free(sp->state);
	jet_free(sp->freemap);
	jet_free(sp->retired);
	jet_free(sp->fresh);
	jet_free(sp);
}

JET_ERR space_alloc(jspace *sp, uint32_t *pgno)
{
	if (!sp || !pgno)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&sp->mu);
	JET_ERR err = alloc_locked(sp, pgno);
	pthread_mutex_unlock(&sp->mu);
	return err;
}

void space_free(jspace *sp, uint32_t pgno)
{
	if (!sp)
		return;
	pthread_mutex_lock(&sp->mu);
	assert(page_is(sp, pgno, ST_PRIVATE));
	if (page_is(sp, pgno, ST_PRIVATE)) {
		sp->state[pgno] = ST_FREE;
		map_set(sp, pgno);
		sp->nprivate--;
		sp->nfree++;
	}
	pthread_mutex_unlock(&sp->mu);
}

static void publish_locked(jspace *sp, uint32_t pgno)
{
	assert(page_is(sp, pgno, ST_PRIVATE));
	if (page_is(sp, pgno, ST_PRIVATE)) {
		sp->state[pgno] = ST_LIVE;
		sp->nprivate--;
		sp->nlive++;
	}
}

void space_publish(jspace *sp, uint32_t pgno)
{
	if (!sp)
		return;
	pthread_mutex_lock(&sp->mu);
	publish_locked(sp, pgno);
	pthread_mutex_unlock(&sp->mu);
}

static void retire_locked(jspace *sp, uint32_t pgno, uint64_t version, bool fresh)
{
	assert(page_is(sp, pgno, ST_LIVE));
	if (page_is(sp, pgno, ST_LIVE)) {
		sp->state[pgno] = ST_RETIRED;
		sp->nlive--;
		sp->nretired++;
		assert(sp->nheap + sp->nfresh < sp->capacity);
		if (fresh)
			heap_push(sp->fresh, &sp->nfresh, version, pgno);
		else
			heap_push(sp->retired, &sp->nheap, version, pgno);
	}
}

void space_retire(jspace *sp, uint32_t pgno, uint64_t version)
{
	if (!sp)
		return;
	pthread_mutex_lock(&sp->mu);
	retire_locked(sp, pgno, version, false);
	pthread_mutex_unlock(&sp->mu);
}

void space_retire_fresh(jspace *sp, uint32_t pgno, uint64_t version)
{
	if (!sp)
		return;
	pthread_mutex_lock(&sp->mu);
	retire_locked(sp, pgno, version, true);
	pthread_mutex_unlock(&sp->mu);
}

static uint32_t pop_free(jspace *sp, retire_ent *h, uint32_t *pn, uint64_t horizon,
			 void (*on_free)(void *ctx, uint32_t pgno), void *ctx)
{
	uint32_t n = 0;
	while (*pn > 0 && h[0].version <= horizon) {
		retire_ent e = heap_pop(h, pn);
		assert(sp->state[e.pgno] == ST_RETIRED);
		sp->state[e.pgno] = ST_FREE;
		map_set(sp, e.pgno);
		sp->nretired--;
		sp->nfree++;
		n++;
		/* Under our lock, so the page cannot be handed out again before
		 * the cache has forgotten its old image. */
		if (on_free)
			on_free(ctx, e.pgno);
	}
	return n;
}

uint32_t space_set_horizons(jspace *sp, uint64_t readers, uint64_t durable,
			    void (*on_free)(void *ctx, uint32_t pgno), void *ctx)
{
	if (!sp)
		return 0;
	pthread_mutex_lock(&sp->mu);
	uint32_t n = pop_free(sp, sp->retired, &sp->nheap, JET_MIN(readers, durable), on_free, ctx);
	n += pop_free(sp, sp->fresh, &sp->nfresh, readers, on_free, ctx);
	pthread_mutex_unlock(&sp->mu);
	return n;
}

uint32_t space_set_horizon(jspace *sp, uint64_t horizon, void (*on_free)(void *ctx, uint32_t pgno),
			   void *ctx)
{
	return space_set_horizons(sp, horizon, horizon, on_free, ctx);
}

/* Calls fn(ctx, first, count) for each maximal run of pages not LIVE.
 * Returns the number of runs. */
static uint32_t runs_not_live(const jspace *sp, void (*fn)(void *ctx, uint32_t, uint32_t),
			      void *ctx)
{
	uint32_t n = 0, p = DB_FIRST_DATA_PAGE;
	while (p < sp->page_count) {
		if (sp->state[p] == ST_LIVE) {
			p++;
			continue;
		}
		uint32_t first = p;
		while (p < sp->page_count && sp->state[p] != ST_LIVE)
			p++;
		if (fn)
			fn(ctx, first, p - first);
		n++;
	}
	return n;
}

typedef struct extent_buf {
	uint32_t *pairs;
	uint32_t n;
} extent_buf;

static void extent_add(void *ctx, uint32_t first, uint32_t count)
{
	extent_buf *eb = ctx;
	eb->pairs[2 * eb->n] = first;
	eb->pairs[2 * eb->n + 1] = count;
	eb->n++;
}

JET_ERR space_save(jspace *sp, jcache *c, uint64_t retire_version, uint32_t *phead,
		   uint32_t *ppage_count)
{
	JET_ERR err = JET_errSuccess;
	uint32_t *pages = NULL, npages = 0, cpages = 0;
	extent_buf eb = {NULL, 0};
	uint32_t next_extent = 0;
	bool locked = false;

	if (!sp || !c || !phead || !ppage_count || jcache_page_size(c) != sp->page_size)
		return JET_errInvalidParameter;
	*phead = 0;
	const uint32_t cap = list_capacity(sp->page_size);

	pthread_mutex_lock(&sp->mu);
	locked = true;
	/* The list's own pages are taken first and made LIVE at once, so they
	 * drop out of the runs they would otherwise be listed in. Taking them
	 * can split a run (a free page between retired ones), and growing the
	 * file can add one, so count again until the pages suffice. */
	for (;;) {
		uint32_t runs = runs_not_live(sp, NULL, NULL);
		uint32_t need = (runs + cap - 1) / cap;
		if (need <= npages)
			break;
		while (npages < need) {
			if (npages == cpages) {
				uint32_t nc = cpages ? 2 * cpages : 4;
				uint32_t *np = jet_realloc(pages, (size_t)nc * sizeof *np);
				if (!np)
					Error(JET_errOutOfMemory);
				pages = np;
				cpages = nc;
			}
			Call(alloc_locked(sp, &pages[npages]));
			publish_locked(sp, pages[npages]);
			npages++;
		}
	}
	if (npages > 0) {
		uint32_t runs = runs_not_live(sp, NULL, NULL);
		eb.pairs = jet_malloc(((size_t)runs * 2 + 1) * sizeof *eb.pairs);
		if (!eb.pairs)
			Error(JET_errOutOfMemory);
		runs_not_live(sp, extent_add, &eb);
	}
	*ppage_count = sp->page_count;
	pthread_mutex_unlock(&sp->mu);
	locked = false;

	for (uint32_t i = 0; i < npages; i++) {
		jbuf *b = NULL;
		Call(jcache_new(c, pages[i], &b));
		uint8_t *p = b->data;
		uint32_t count = JET_MIN(cap, eb.n - next_extent);
		p[PAGE_OFF_TYPE] = PAGE_TYPE_FREELIST;
		put_le32(p + PAGE_OFF_PGNO, pages[i]);
		put_le32(p + FL_OFF_NEXT, i + 1 < npages ? pages[i + 1] : 0);
		put_le32(p + FL_OFF_COUNT, count);
		for (uint32_t k = 0; k < count; k++, next_extent++) {
			put_le32(p + FL_OFF_EXTENTS + 8 * k, eb.pairs[2 * next_extent]);
			put_le32(p + FL_OFF_EXTENTS + 8 * k + 4, eb.pairs[2 * next_extent + 1]);
		}
		jcache_dirty(c, b, 0);
		jcache_release(c, b);
	}
	assert(next_extent == eb.n);
	*phead = npages ? pages[0] : 0;

HandleError:
	if (!locked)
		pthread_mutex_lock(&sp->mu);
	/* Success or not, the list pages are referenced by no version after
	 * this one: retire them so the horizon frees them. */
	for (uint32_t i = 0; i < npages; i++)
		retire_locked(sp, pages[i], retire_version, false);
	pthread_mutex_unlock(&sp->mu);
	if (err < 0)
		*phead = 0;
	jet_free(pages);
	jet_free(eb.pairs);
	return err;
}

/* Checks one list page against a file of `limit` pages; sets *pnext and
 * *pcount when it is well formed. */
static JET_ERR list_page_check(const uint8_t *p, uint32_t page_size, uint32_t limit,
			       uint32_t *pnext, uint32_t *pcount)
{
	uint32_t next = get_le32(p + FL_OFF_NEXT), count = get_le32(p + FL_OFF_COUNT);
	if (p[PAGE_OFF_TYPE] != PAGE_TYPE_FREELIST || count > list_capacity(page_size))
		return JET_errDatabaseCorrupted;
	if (next != 0 && (next < DB_FIRST_DATA_PAGE || next >= limit))
		return JET_errDatabaseCorrupted;
	for (uint32_t k = 0; k < count; k++) {
		uint32_t first = get_le32(p + FL_OFF_EXTENTS + 8 * k);
		uint32_t n = get_le32(p + FL_OFF_EXTENTS + 8 * k + 4);
		if (n == 0 || first < DB_FIRST_DATA_PAGE || first >= limit || n > limit - first)
			return JET_errDatabaseCorrupted;
	}
	*pnext = next;
	*pcount = count;
	return JET_errSuccess;
}

JET_ERR space_load(jspace *sp, jcache *c, uint32_t head, uint64_t retire_version)
{
	JET_ERR err = JET_errSuccess;
	uint8_t *mark = NULL; /* 1: listed free, 2: a list page */
	jbuf *b = NULL;
	uint32_t limit;

	if (!sp || !c || jcache_page_size(c) != sp->page_size)
		return JET_errInvalidParameter;
	if (head == 0)
		return JET_errSuccess;

	pthread_mutex_lock(&sp->mu);
	limit = sp->page_count;
	pthread_mutex_unlock(&sp->mu);
	if (head < DB_FIRST_DATA_PAGE || head >= limit)
		return JET_errDatabaseCorrupted;
	mark = jet_calloc(limit, 1);
	if (!mark)
		return JET_errOutOfMemory;

	/* Pass 1: read and check the whole chain, touching no state. A page
	 * seen twice (a cycle, or a list page inside an extent, or extents
	 * overlapping) is corruption. */
	for (uint32_t pg = head; pg != 0;) {
		uint32_t next, count;
		if (mark[pg])
			Error(JET_errDatabaseCorrupted);
		mark[pg] = 2;
		Call(jcache_get(c, pg, &b));
		Call(list_page_check(b->data, sp->page_size, limit, &next, &count));
		for (uint32_t k = 0; k < count; k++) {
			uint32_t first = get_le32(b->data + FL_OFF_EXTENTS + 8 * k);
			uint32_t n = get_le32(b->data + FL_OFF_EXTENTS + 8 * k + 4);
			for (uint32_t q = first; q < first + n; q++) {
				if (mark[q])
					Error(JET_errDatabaseCorrupted);
				mark[q] = 1;
			}
		}
		jcache_release(c, b);
		b = NULL;
		pg = next;
	}

	/* Pass 2: apply, to a map that must still be as space_create left it
	 * (everything LIVE) for the pages concerned. */
	pthread_mutex_lock(&sp->mu);
	for (uint32_t p = DB_FIRST_DATA_PAGE; p < limit; p++) {
		if (mark[p] && sp->state[p] != ST_LIVE) {
			pthread_mutex_unlock(&sp->mu);
			Error(JET_errInvalidParameter);
		}
	}
	for (uint32_t p = DB_FIRST_DATA_PAGE; p < limit; p++) {
		if (mark[p] == 1) {
			sp->state[p] = ST_FREE;
			map_set(sp, p);
			sp->nlive--;
			sp->nfree++;
		} else if (mark[p] == 2) {
			retire_locked(sp, p, retire_version, false);
		}
	}
	pthread_mutex_unlock(&sp->mu);

HandleError:
	if (b)
		jcache_release(c, b);
	jet_free(mark);
	return err;
}

JET_ERR space_read_list(jcache *c, uint32_t head,
			JET_ERR (*fn)(void *ctx, uint32_t first, uint32_t count), void *ctx)
{
	JET_ERR err = JET_errSuccess;
	jbuf *b = NULL;

	if (!c || !fn)
		return JET_errInvalidParameter;
	const uint32_t limit = dbfile_page_count(jcache_file(c));
	const uint32_t page_size = jcache_page_size(c);
	/* No map to spot a cycle with: a chain longer than the file has one. */
	uint32_t steps = 0;
	for (uint32_t pg = head; pg != 0;) {
		uint32_t next, count;
		if (pg < DB_FIRST_DATA_PAGE || pg >= limit || ++steps > limit)
			Error(JET_errDatabaseCorrupted);
		Call(jcache_get(c, pg, &b));
		Call(list_page_check(b->data, page_size, limit, &next, &count));
		for (uint32_t k = 0; k < count; k++)
			Call(fn(ctx, get_le32(b->data + FL_OFF_EXTENTS + 8 * k),
				get_le32(b->data + FL_OFF_EXTENTS + 8 * k + 4)));
		jcache_release(c, b);
		b = NULL;
		pg = next;
	}
HandleError:
	if (b)
		jcache_release(c, b);
	return err;
}

void space_stats_get(jspace *sp, space_stats *out)
{
	if (!sp || !out)
		return;
	pthread_mutex_lock(&sp->mu);
	out->page_count = sp->page_count;
	out->free = sp->nfree;
	out->private_ = sp->nprivate;
	out->live = sp->nlive;
	out->retired = sp->nretired;
	pthread_mutex_unlock(&sp->mu);
}

char space_page_state(jspace *sp, uint32_t pgno)
{
	char st = 0;
	if (!sp)
		return 0;
	pthread_mutex_lock(&sp->mu);
	if (pgno < sp->page_count)
		st = (char)sp->state[pgno];
	pthread_mutex_unlock(&sp->mu);
	return st;
}
