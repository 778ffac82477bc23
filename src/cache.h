/*
 * cache.h - the buffer cache: a bounded pool of page frames over a dbfile.
 *
 * Rules the rest of the engine relies on:
 *  1. A frame is pinned from jcache_get/jcache_new until jcache_release; a
 *     pinned frame is never evicted. Code changes page bytes only while it
 *     holds a pin, and calls jcache_dirty before releasing.
 *  2. Pages are of two kinds (the b+tree is copy-on-write): published pages,
 *     which never change again, and private pages of one writer, which only
 *     that writer touches. So the cache needs no page latches: a frame's
 *     bytes are stable whenever nobody who may write it holds a pin.
 *  3. Eviction writes a dirty victim back (no sync) before reusing its frame;
 *     before writing any dirty page the write-ahead hook is called with the
 *     page's LSN, so a page never reaches the file before the log that
 *     produced it.
 *  4. Eviction resists scans: CLOCK with a use count (0..3); a page enters
 *     with count 0 and is promoted on re-reference, so a page read once by a
 *     scan is the first to go and a hot set survives a sequential pass.
 *  5. All pinned and the pool full: JET_errOutOfBuffers.
 * Thread-safe: any number of threads may get/release concurrently.
 */
#ifndef JET_CACHE_H
#define JET_CACHE_H

#include "dbfile.h"

typedef struct jcache jcache;

/* A pinned frame. Only data and pgno are for callers. */
typedef struct jbuf {
	uint8_t *data;
	uint32_t pgno;
} jbuf;

typedef struct jcache_stats {
	uint64_t hits, misses, evictions, writes, reads;
	uint32_t frames, dirty, pinned;
} jcache_stats;

JET_ERR jcache_create(dbfile *f, uint32_t max_pages, jcache **out);
/* A read-only cache over the whole file mapped at map (npages pages, as the
 * offline checker maps it): page p is served in place at map + p * page
 * size, with no copy, no lock and no eviction. Each page's checksum is
 * verified the first time it is asked for (JET_errReadVerifyFailure, then
 * and on every later get). jcache_new and jcache_flush of dirty pages are
 * JET_errPermissionDenied; release, dirty and discard do nothing. One thread
 * at a time. The mapping must outlive the cache. */
JET_ERR jcache_create_mapped(dbfile *f, const uint8_t *map, uint32_t npages, jcache **out);
/* Frees every frame; dirty pages are NOT written (call flush first). */
void jcache_destroy(jcache *c);

/* Pins page pgno, reading and verifying it on a miss. */
JET_ERR jcache_get(jcache *c, uint32_t pgno, jbuf **out);
/* Pins a frame for a freshly allocated page: zero-filled, marked dirty, not
 * read from the file. Any stale cached image of pgno is replaced. */
JET_ERR jcache_new(jcache *c, uint32_t pgno, jbuf **out);
void jcache_release(jcache *c, jbuf *b);
/* The pinned page changed; lsn is the log position it must wait for before
 * being written (0: none). */
void jcache_dirty(jcache *c, jbuf *b, uint64_t lsn);
/* Forget pgno (it was freed): its frame is dropped unwritten even if dirty.
 * The page must not be pinned. */
void jcache_discard(jcache *c, uint32_t pgno);

/* Called with a dirty page's LSN before it is written; an error stops the
 * write and is returned by whoever was writing. */
typedef JET_ERR (*jcache_wal_hook)(void *ctx, uint64_t lsn);
void jcache_set_wal_hook(jcache *c, jcache_wal_hook hook, void *ctx);

/* Writes every dirty page for which want(ctx, pgno) is true (all when want
 * is NULL). want is called under the cache's lock: keep it cheap and do not
 * call back into the cache. Pinned pages are written too when want says so
 * (the caller vouches that they are published, hence unchanging); no sync. */
JET_ERR jcache_flush(jcache *c, bool (*want)(void *ctx, uint32_t pgno), void *ctx);

void jcache_stats_get(jcache *c, jcache_stats *out);
uint32_t jcache_page_size(const jcache *c);
dbfile *jcache_file(jcache *c);

#endif
