/*
 * cache.c - the buffer cache: a fixed pool of page frames, a hash from page
 * number to frame, CLOCK eviction with a use count.
 *
 * Rules (on top of those in cache.h):
 *  1. One mutex (c->mu) guards every frame's metadata, the hash, the free
 *     list, the clock hand and the counters, with one exception: the pin
 *     count and the frame's key, packed in one atomic word (state = key <<
 *     32 | pins). The key is pgno + 1 while the frame holds that page and
 *     is not busy with I/O, 0 otherwise. A hit takes no lock (hit_fast):
 *     it walks the hash chain without the lock (the chain may change under
 *     it, so the walk is bounded and only a hint) and pins by a CAS that
 *     succeeds only if the word still carries its page's key: a frame is
 *     thus pinned only by someone who wants its current page, or under
 *     c->mu. Code under c->mu that needs a frame to itself (evict, write in
 *     place, drop) takes the key away by a CAS from (key, 0 pins) to (0, 0)
 *     (frame_unkey_idle): after that no new pin can appear until it holds
 *     the lock again, and a failed CAS means "pinned". Pins drop without
 *     the lock (jcache_release) as a release; the pinning CAS acquires from
 *     the release that set the key after the page's bytes were complete.
 *     No allocation after create.
 *  2. No file I/O happens under c->mu. A frame being read or written has
 *     F_IO set; it stays in the hash (so a second thread missing the same
 *     page finds it and waits on c->io_done instead of reading it twice),
 *     it is never chosen as a victim, and nobody may pin, discard or replace
 *     it until the I/O is over. Every end of an I/O broadcasts io_done.
 *  3. A frame's page bytes are written in place only when nobody holds a
 *     pin (eviction, or a flush of an unpinned frame): F_IO keeps new pins
 *     out, so dbfile_write_page may stamp pgno and checksum into the frame.
 *     A flush of a pinned frame (allowed: the caller vouches the page is
 *     published) writes from a private copy, never touching the frame.
 *  4. A dirty frame is never reused or dropped before a successful write,
 *     except by jcache_discard. A write clears F_DIRTY only if nobody
 *     dirtied the frame again meanwhile (dirty_gen unchanged).
 *  5. A failed read leaves nothing behind: the frame leaves the hash and
 *     goes back to the free list before anyone can pin it.
 *  6. Eviction: free frames first, then CLOCK. The hand skips pinned and
 *     busy frames, decrements a non-zero use count, and takes the first
 *     frame at zero. Pages enter at 0 and a hit adds 1 (max 3), so a page a
 *     scan touched once goes on the hand's next pass while a page hit three
 *     times survives three full revolutions untouched.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "cache.h"

#define F_VALID 0x1 /* holds page buf.pgno and is in the hash */
#define F_DIRTY 0x2
#define F_IO 0x4 /* being read or written: wait on io_done */

#define USAGE_MAX 3
#define CACHE_MAX_FRAMES (1u << 28)

typedef struct frame {
	jbuf buf; /* first, so a caller's jbuf * is the frame * */
	_Atomic uint64_t state; /* key << 32 | pins, see rule 1 */
	_Atomic uint64_t fast_hits; /* hits taken by hit_fast */
	uint8_t flags;
	_Atomic uint8_t usage; /* CLOCK count; hit_fast bumps it without c->mu */
	int32_t next;       /* hash chain, or free list; read without c->mu (atomic builtins) */
	uint64_t lsn;       /* WAL position the page must wait for */
	uint64_t dirty_gen; /* bumped by every jcache_dirty */
} frame;

struct jcache {
	pthread_mutex_t mu;
	pthread_cond_t io_done;
	dbfile *file;
	uint32_t page_size;
	uint32_t nframes;
	frame *frames;
	void *raw; /* unaligned block behind every frame's data */
	int32_t *buckets;
	uint32_t hash_shift;
	int32_t free_head;
	uint32_t hand;
	uint32_t ndirty, nio;
	jcache_wal_hook hook;
	void *hook_ctx;
	uint64_t hits, misses, evictions, writes, reads;
	/* jcache_create_mapped: frame p is page p of the mapping; state[p] says
	 * whether its checksum was verified (MAP_*). */
	const uint8_t *map;
	uint8_t *map_state;
};

enum { MAP_UNKNOWN = 0, MAP_GOOD = 1, MAP_BAD = 2 };

static inline uint32_t hash_slot(const jcache *c, uint32_t pgno)
{
	return (pgno * 0x9E3779B1u) >> c->hash_shift;
}

#define PIN_MASK 0xffffffffull
#define STATE_KEY(pgno) (((uint64_t)(pgno) + 1) << 32)

/* Chain links and bucket heads are read by hit_fast without c->mu, so they
 * are loaded and stored atomically (relaxed: the key CAS orders the rest). */
static inline int32_t link_get(const int32_t *l) { return __atomic_load_n(l, __ATOMIC_RELAXED); }
static inline void link_set(int32_t *l, int32_t v) { __atomic_store_n(l, v, __ATOMIC_RELAXED); }

static inline int32_t hash_find(const jcache *c, uint32_t pgno)
{
	int32_t i = c->buckets[hash_slot(c, pgno)];
	while (i >= 0 && c->frames[i].buf.pgno != pgno)
		i = c->frames[i].next;
	return i;
}

static void hash_insert(jcache *c, int32_t i)
{
	uint32_t s = hash_slot(c, c->frames[i].buf.pgno);
	link_set(&c->frames[i].next, c->buckets[s]);
	link_set(&c->buckets[s], i);
}

static void hash_remove(jcache *c, int32_t i)
{
	int32_t *link = &c->buckets[hash_slot(c, c->frames[i].buf.pgno)];
	while (*link != i) {
		assert(*link >= 0);
		link = &c->frames[*link].next;
	}
	link_set(link, c->frames[i].next);
	link_set(&c->frames[i].next, -1);
}

/* Under c->mu: the frame may be pinned by hit_fast from now on (it holds
 * page buf.pgno, complete, and no I/O runs on it). */
static inline void frame_key(frame *fr)
{
	if (fr->buf.pgno == UINT32_MAX) /* its key would wrap to 0: locked path only */
		return;
	atomic_fetch_add_explicit(&fr->state, STATE_KEY(fr->buf.pgno), memory_order_release);
}

/* Under c->mu: takes the key away if nobody holds a pin (true), so nobody
 * can pin the frame until the caller gives the key back or reuses it. */
static inline bool frame_unkey_idle(frame *fr)
{
	uint64_t w = atomic_load_explicit(&fr->state, memory_order_acquire);
	while ((w & PIN_MASK) == 0)
		if (atomic_compare_exchange_weak_explicit(&fr->state, &w, 0, memory_order_acquire,
							  memory_order_acquire))
			return true;
	return false;
}

/* Under c->mu: takes the key away, pins or not (no new lock-free pins). */
static inline void frame_unkey(frame *fr)
{
	atomic_fetch_and_explicit(&fr->state, PIN_MASK, memory_order_relaxed);
}

/* The frame leaves the hash and goes to the free list. */
static void frame_drop(jcache *c, int32_t i)
{
	frame *fr = &c->frames[i];
	hash_remove(c, i);
	if (fr->flags & F_DIRTY)
		c->ndirty--;
	assert((atomic_load(&fr->state) >> 32) == 0);
	fr->flags = 0;
	fr->usage = 0;
	fr->lsn = 0;
	link_set(&fr->next, c->free_head);
	c->free_head = i;
}

/* Under c->mu. */
static inline void frame_pin(jcache *c, frame *fr)
{
	(void)c;
	atomic_fetch_add_explicit(&fr->state, 1, memory_order_relaxed);
}

/* With or without c->mu. */
static inline void frame_unpin(jcache *c, frame *fr)
{
	(void)c;
	uint64_t old = atomic_fetch_sub_explicit(&fr->state, 1, memory_order_release);
	assert((old & PIN_MASK) > 0);
	(void)old;
}

/* Under c->mu: is the frame pinned (rule 1)? */
static inline bool frame_pinned(const frame *fr)
{
	return (atomic_load_explicit(&fr->state, memory_order_acquire) & PIN_MASK) != 0;
}

/*
 * Writes a dirty frame: the WAL hook first, then the page. Called and
 * returns with c->mu held, drops it meanwhile. scratch (page_size bytes) is
 * given when the frame is pinned, so the write goes through a copy.
 */
static JET_ERR frame_write(jcache *c, frame *fr, uint8_t *scratch)
{
	JET_ERR err = JET_errSuccess;
	const uint64_t lsn = fr->lsn, gen = fr->dirty_gen;
	const uint32_t pgno = fr->buf.pgno;
	jcache_wal_hook hook = c->hook;
	void *hook_ctx = c->hook_ctx;

	assert((fr->flags & (F_VALID | F_DIRTY | F_IO)) == (F_VALID | F_DIRTY));
	/* Unpinned and unkeyed (frame_unkey_idle) when written in place. */
	assert(scratch || atomic_load(&fr->state) == 0);
	frame_unkey(fr);
	fr->flags |= F_IO;
	c->nio++;
	pthread_mutex_unlock(&c->mu);

	if (hook && lsn != 0)
		err = hook(hook_ctx, lsn);
	if (err >= 0) {
		uint8_t *src = fr->buf.data;
		if (scratch) {
			memcpy(scratch, src, c->page_size);
			src = scratch;
		}
		err = dbfile_write_page(c->file, pgno, src);
	}

	pthread_mutex_lock(&c->mu);
	fr->flags &= (uint8_t)~F_IO;
	frame_key(fr);
	c->nio--;
	if (err >= 0) {
		c->writes++;
		if (fr->dirty_gen == gen) {
			fr->flags &= (uint8_t)~F_DIRTY;
			fr->lsn = 0;
			c->ndirty--;
		}
	}
	pthread_cond_broadcast(&c->io_done);
	return err < 0 ? err : JET_errSuccess;
}

/*
 * Finds a frame to reuse: returns it out of the hash, flags clear, in *pidx.
 * Called with c->mu held. When it had to drop the lock (to write a dirty
 * victim back, or to wait for I/O) it sets *pretry instead, because the
 * caller's own page may have arrived meanwhile.
 */
static JET_ERR frame_claim(jcache *c, int32_t *pidx, bool *pretry)
{
	*pretry = false;
	if (c->free_head >= 0) {
		*pidx = c->free_head;
		c->free_head = c->frames[*pidx].next;
		link_set(&c->frames[*pidx].next, -1);
		return JET_errSuccess;
	}
	/* USAGE_MAX + 1 revolutions bring any idle frame to zero. */
	const uint64_t steps = (uint64_t)(USAGE_MAX + 2) * c->nframes;
	for (uint64_t s = 0; s < steps; s++) {
		const uint32_t i = c->hand;
		frame *fr = &c->frames[i];
		c->hand = i + 1 == c->nframes ? 0 : i + 1;
		if (frame_pinned(fr) || (fr->flags & F_IO))
			continue;
		if (fr->usage) {
			fr->usage--;
			continue;
		}
		if (!frame_unkey_idle(fr))
			continue; /* pinned by a hit since the check above */
		if (fr->flags & F_DIRTY) {
			CallR(frame_write(c, fr, NULL));
			/* Clean now: let the next look start with it. */
			c->hand = i;
			*pretry = true;
			return JET_errSuccess;
		}
		hash_remove(c, (int32_t)i);
		fr->flags = 0;
		c->evictions++;
		*pidx = (int32_t)i;
		return JET_errSuccess;
	}
	if (c->nio > 0) {
		/* Frames busy with I/O will be idle again soon. */
		pthread_cond_wait(&c->io_done, &c->mu);
		*pretry = true;
		return JET_errSuccess;
	}
	return JET_errOutOfBuffers;
}

JET_ERR jcache_create(dbfile *f, uint32_t max_pages, jcache **out)
{
	JET_ERR err = JET_errSuccess;
	jcache *c = NULL;
	bool mu_init = false, cond_init = false;

	if (!f || !out || max_pages == 0 || max_pages > CACHE_MAX_FRAMES)
		return JET_errInvalidParameter;
	*out = NULL;
	const uint32_t ps = dbfile_page_size(f);
	if ((uint64_t)max_pages * ps > SIZE_MAX - 4096)
		return JET_errInvalidParameter;

	c = jet_calloc(1, sizeof *c);
	if (!c)
		return JET_errOutOfMemory;
	c->file = f;
	c->page_size = ps;
	c->nframes = max_pages;

	uint32_t bits = 1;
	while ((1u << bits) < 2 * max_pages)
		bits++;
	c->hash_shift = 32 - bits;

	c->frames = jet_calloc(max_pages, sizeof *c->frames);
	c->buckets = jet_malloc(((size_t)1 << bits) * sizeof *c->buckets);
	/* One block for all pages, aligned by hand to 4 KiB so every frame is
	 * page-aligned (ready for O_DIRECT should the os layer ever use it); a
	 * large pool to 2 MiB and on huge pages, since random reads touch
	 * frames all over it and 4 KiB pages made each one a TLB miss. */
	const size_t pool = (size_t)max_pages * ps;
	const size_t align = pool >= 4 * JET_HUGEPAGE_SIZE ? JET_HUGEPAGE_SIZE : 4096;
	c->raw = jet_malloc(pool + align - 1);
	if (!c->frames || !c->buckets || !c->raw)
		Error(JET_errOutOfMemory);
	for (size_t b = 0; b < ((size_t)1 << bits); b++)
		c->buckets[b] = -1;
	uint8_t *base = (uint8_t *)(((uintptr_t)c->raw + align - 1) & ~(uintptr_t)(align - 1));
	if (align > 4096)
		jet_hint_hugepages(base, pool);
	for (uint32_t i = 0; i < max_pages; i++) {
		c->frames[i].buf.data = base + (size_t)i * ps;
		c->frames[i].next = i + 1 < max_pages ? (int32_t)(i + 1) : -1; /* before any reader */
	}
	c->free_head = 0;

	if (pthread_mutex_init(&c->mu, NULL) != 0)
		Error(JET_errOutOfMemory);
	mu_init = true;
	if (pthread_cond_init(&c->io_done, NULL) != 0)
		Error(JET_errOutOfMemory);
	cond_init = true;
	*out = c;
	return JET_errSuccess;

HandleError:
	if (mu_init)
		pthread_mutex_destroy(&c->mu);
	if (cond_init)
		pthread_cond_destroy(&c->io_done);
	jet_free(c->raw);
	jet_free(c->buckets);
	jet_free(c->frames);
	jet_free(c);
	return err;
}

JET_ERR jcache_create_mapped(dbfile *f, const uint8_t *map, uint32_t npages, jcache **out)
{
	if (!f || !map || !out || npages == 0 || npages > CACHE_MAX_FRAMES)
		return JET_errInvalidParameter;
	*out = NULL;
	jcache *c = jet_calloc(1, sizeof *c);
	if (!c)
		return JET_errOutOfMemory;
	c->file = f;
	c->page_size = dbfile_page_size(f);
	c->nframes = npages;
	c->map = map;
	c->frames = jet_calloc(npages, sizeof *c->frames);
	c->map_state = jet_calloc(npages, 1);
	if (!c->frames || !c->map_state || pthread_mutex_init(&c->mu, NULL) != 0) {
		jet_free(c->frames);
		jet_free(c->map_state);
		jet_free(c);
		return JET_errOutOfMemory;
	}
	if (pthread_cond_init(&c->io_done, NULL) != 0) {
		pthread_mutex_destroy(&c->mu);
		jet_free(c->frames);
		jet_free(c->map_state);
		jet_free(c);
		return JET_errOutOfMemory;
	}
	for (uint32_t i = 0; i < npages; i++) {
		/* Read-only bytes behind a writable-looking pointer: jbuf's type
		 * is shared with the normal cache; nothing may write them. */
		c->frames[i].buf.data = (uint8_t *)(uintptr_t)(map + (size_t)i * c->page_size);
		c->frames[i].buf.pgno = i;
		c->frames[i].flags = F_VALID;
	}
	*out = c;
	return JET_errSuccess;
}

static JET_ERR mapped_get(jcache *c, uint32_t pgno, jbuf **out)
{
	if (pgno >= c->nframes)
		return JET_errFileIOBeyondEOF;
	if (JET_UNLIKELY(c->map_state[pgno] == MAP_UNKNOWN)) {
		c->map_state[pgno] =
		    page_checksum_ok(c->frames[pgno].buf.data, pgno, c->page_size) ? MAP_GOOD : MAP_BAD;
		c->misses++;
		c->reads++;
	} else {
		c->hits++;
	}
	if (c->map_state[pgno] == MAP_BAD)
		return JET_errReadVerifyFailure;
	*out = &c->frames[pgno].buf;
	return JET_errSuccess;
}

void jcache_destroy(jcache *c)
{
	if (!c)
		return;
	jet_free(c->map_state);
	assert(c->nio == 0);
	pthread_cond_destroy(&c->io_done);
	pthread_mutex_destroy(&c->mu);
	jet_free(c->raw);
	jet_free(c->buckets);
	jet_free(c->frames);
	jet_free(c);
}

/* The lock-free hit (rule 1): false sends the caller to the locked path,
 * which decides everything again (miss, I/O in progress, lost race). */
static inline bool hit_fast(jcache *c, uint32_t pgno, jbuf **out)
{
	if (JET_UNLIKELY(pgno == UINT32_MAX))
		return false;
	const uint64_t key = STATE_KEY(pgno);
	int32_t i = link_get(&c->buckets[hash_slot(c, pgno)]);
	/* The chain can change under us; a long or looping walk gives up. */
	for (int steps = 0; i >= 0 && steps < 16; steps++) {
		frame *fr = &c->frames[i];
		uint64_t w = atomic_load_explicit(&fr->state, memory_order_relaxed);
		if ((w & ~PIN_MASK) == key) {
			do {
				if ((w & ~PIN_MASK) != key)
					return false;
			} while (!atomic_compare_exchange_weak_explicit(
				&fr->state, &w, w + 1, memory_order_acquire, memory_order_relaxed));
			uint8_t u = atomic_load_explicit(&fr->usage, memory_order_relaxed);
			if (u < USAGE_MAX)
				atomic_store_explicit(&fr->usage, (uint8_t)(u + 1), memory_order_relaxed);
			atomic_fetch_add_explicit(&fr->fast_hits, 1, memory_order_relaxed);
			*out = &fr->buf;
			return true;
		}
		i = link_get(&fr->next);
	}
	return false;
}

JET_ERR jcache_get(jcache *c, uint32_t pgno, jbuf **out)
{
	JET_ERR err = JET_errSuccess;
	int32_t i;
	bool retry;

	if (!c || !out)
		return JET_errInvalidParameter;
	*out = NULL;
	if (c->map)
		return mapped_get(c, pgno, out);
	if (JET_LIKELY(hit_fast(c, pgno, out)))
		return JET_errSuccess;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		i = hash_find(c, pgno);
		if (JET_LIKELY(i >= 0)) {
			frame *fr = &c->frames[i];
			if (JET_UNLIKELY(fr->flags & F_IO)) {
				pthread_cond_wait(&c->io_done, &c->mu);
				continue;
			}
			frame_pin(c, fr);
			if (fr->usage < USAGE_MAX)
				fr->usage++;
			c->hits++;
			pthread_mutex_unlock(&c->mu);
			*out = &fr->buf;
			return JET_errSuccess;
		}
		Call(frame_claim(c, &i, &retry));
		if (!retry)
			break;
	}

	/* Miss: publish the frame as "being read" so a second thread missing
	 * the same page waits for this read instead of doing its own. */
	frame *fr = &c->frames[i];
	fr->buf.pgno = pgno;
	fr->flags = F_VALID | F_IO;
	fr->usage = 0;
	fr->lsn = 0;
	frame_pin(c, fr);
	hash_insert(c, i);
	c->misses++;
	c->nio++;
	pthread_mutex_unlock(&c->mu);

	err = dbfile_read_page(c->file, pgno, fr->buf.data);

	pthread_mutex_lock(&c->mu);
	c->nio--;
	fr->flags &= (uint8_t)~F_IO;
	if (err < 0) {
		frame_unpin(c, fr);
		frame_drop(c, i);
	} else {
		frame_key(fr);
		c->reads++;
		*out = &fr->buf;
		err = JET_errSuccess;
	}
	pthread_cond_broadcast(&c->io_done);
HandleError:
	pthread_mutex_unlock(&c->mu);
	return err;
}

JET_ERR jcache_new(jcache *c, uint32_t pgno, jbuf **out)
{
	JET_ERR err = JET_errSuccess;
	frame *fr;
	int32_t i;
	bool retry;

	if (!c || !out || pgno < DB_FIRST_DATA_PAGE)
		return JET_errInvalidParameter;
	*out = NULL;
	if (c->map)
		return JET_errPermissionDenied;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		i = hash_find(c, pgno);
		if (i >= 0) {
			fr = &c->frames[i];
			if (fr->flags & F_IO) {
				pthread_cond_wait(&c->io_done, &c->mu);
				continue;
			}
			/* A freshly allocated page cannot be in anyone's hands. */
			if (frame_pinned(fr))
				Error(JET_errInvalidParameter);
			/* The stale image is replaced in place, unwritten. */
			break;
		}
		Call(frame_claim(c, &i, &retry));
		if (!retry) {
			fr = &c->frames[i];
			fr->buf.pgno = pgno;
			fr->flags = F_VALID;
			fr->usage = 0;
			hash_insert(c, i);
			frame_key(fr);
			break;
		}
	}
	if (!(fr->flags & F_DIRTY)) {
		fr->flags |= F_DIRTY;
		c->ndirty++;
	}
	fr->lsn = 0;
	fr->dirty_gen++;
	frame_pin(c, fr);
	pthread_mutex_unlock(&c->mu);
	/* Outside the lock: only the allocating writer may touch a new page,
	 * and the pin keeps the frame from being evicted. */
	memset(fr->buf.data, 0, c->page_size);
	*out = &fr->buf;
	return JET_errSuccess;

HandleError:
	pthread_mutex_unlock(&c->mu);
	return err;
}

void jcache_release(jcache *c, jbuf *b)
{
	if (!c || !b || c->map)
		return;
	frame *fr = (frame *)b;
	assert(fr >= c->frames && fr < c->frames + c->nframes);
	frame_unpin(c, fr); /* no lock: rule 1 */
}

void jcache_dirty(jcache *c, jbuf *b, uint64_t lsn)
{
	if (!c || !b || c->map)
		return;
	frame *fr = (frame *)b;
	assert(fr >= c->frames && fr < c->frames + c->nframes && frame_pinned(fr));
	pthread_mutex_lock(&c->mu);
	if (!(fr->flags & F_DIRTY)) {
		fr->flags |= F_DIRTY;
		c->ndirty++;
	}
	/* The newest change is the one the log must have before the page. */
	if (lsn > fr->lsn)
		fr->lsn = lsn;
	fr->dirty_gen++;
	pthread_mutex_unlock(&c->mu);
}

void jcache_discard(jcache *c, uint32_t pgno)
{
	if (!c || c->map)
		return;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		int32_t i = hash_find(c, pgno);
		if (i < 0)
			break;
		frame *fr = &c->frames[i];
		if (fr->flags & F_IO) {
			pthread_cond_wait(&c->io_done, &c->mu);
			continue;
		}
		/* Dropping a pinned frame would pull the page from under its
		 * user; keep it (a caller bug) rather than corrupt memory. */
		const bool idle = frame_unkey_idle(fr);
		assert(idle);
		if (idle)
			frame_drop(c, i);
		break;
	}
	pthread_mutex_unlock(&c->mu);
}

void jcache_set_wal_hook(jcache *c, jcache_wal_hook hook, void *ctx)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->hook = hook;
	c->hook_ctx = ctx;
	pthread_mutex_unlock(&c->mu);
}

JET_ERR jcache_flush(jcache *c, bool (*want)(void *ctx, uint32_t pgno), void *ctx)
{
	JET_ERR err = JET_errSuccess;
	uint8_t *scratch = NULL;

	if (!c)
		return JET_errInvalidParameter;
	pthread_mutex_lock(&c->mu);
	for (uint32_t i = 0; i < c->nframes;) {
		frame *fr = &c->frames[i];
		if ((fr->flags & (F_VALID | F_DIRTY)) != (F_VALID | F_DIRTY)) {
			i++;
			continue;
		}
		if (fr->flags & F_IO) {
			/* Someone is writing it; if that write fails, it is
			 * still dirty and ours to write. Look again after. */
			pthread_cond_wait(&c->io_done, &c->mu);
			continue;
		}
		if (want && !want(ctx, fr->buf.pgno)) {
			i++;
			continue;
		}
		/* Written in place only if nobody can pin it meanwhile. */
		const bool pinned = !frame_unkey_idle(fr);
		if (pinned && !scratch) {
			pthread_mutex_unlock(&c->mu);
			scratch = jet_malloc(c->page_size);
			pthread_mutex_lock(&c->mu);
			if (!scratch)
				Error(JET_errOutOfMemory);
			continue;
		}
		Call(frame_write(c, fr, pinned ? scratch : NULL));
		i++;
	}
HandleError:
	pthread_mutex_unlock(&c->mu);
	jet_free(scratch);
	return err;
}

void jcache_stats_get(jcache *c, jcache_stats *out)
{
	if (!c || !out)
		return;
	pthread_mutex_lock(&c->mu);
	out->hits = c->hits;
	for (uint32_t i = 0; i < c->nframes; i++)
		out->hits += atomic_load_explicit(&c->frames[i].fast_hits, memory_order_relaxed);
	out->misses = c->misses;
	out->evictions = c->evictions;
	out->writes = c->writes;
	out->reads = c->reads;
	out->frames = c->nframes;
	out->dirty = c->ndirty;
	out->pinned = 0;
	for (uint32_t i = 0; i < c->nframes; i++)
		out->pinned += frame_pinned(&c->frames[i]);
	pthread_mutex_unlock(&c->mu);
}

uint32_t jcache_page_size(const jcache *c)
{
	return c ? c->page_size : 0;
}

dbfile *jcache_file(jcache *c)
{
	return c ? c->file : NULL;
}
