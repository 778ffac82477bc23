/*
 * space.h - which pages are free, and when a superseded page may be reused.
 *
 * Each page of the file is in one state:
 *   FREE     - may be handed out by space_alloc;
 *   PRIVATE  - allocated to a writer, not (yet) part of a committed version;
 *   LIVE     - part of the latest committed version (hence immutable);
 *   RETIRED  - was LIVE, superseded by commit version v; still readable by
 *              snapshots older than v and by the durable checkpoint if that
 *              checkpoint is older than v.
 * Transitions: FREE -alloc-> PRIVATE -publish-> LIVE -retire(v)-> RETIRED
 * -horizon >= v-> FREE; PRIVATE -free-> FREE (a writer's own page dropped or
 * rolled back). The engine moves the horizon to min(oldest pinned snapshot,
 * durable checkpoint version).
 *
 * Persisted form: at a checkpoint (taken under the engine's commit lock, so
 * LIVE is exactly the pages of the checkpointed version) every page that is
 * not LIVE is written as a list of extents into PAGE_TYPE_FREELIST pages.
 * Loading it: the listed pages are FREE, every other page below the header's
 * page_count is LIVE, and the list's own pages are RETIRED until the next
 * checkpoint (they must survive a crash before it).
 *
 * The file grows in extents: when nothing is FREE, by max(16 pages, 1/8 of
 * the file), capped at 64 MiB per step.
 * Thread-safe.
 */
#ifndef JET_SPACE_H
#define JET_SPACE_H

#include "cache.h"

typedef struct jspace jspace;

/* A space map for a file of page_count pages, all LIVE except the free-list
 * loaded later (or, for a new database, none). */
JET_ERR space_create(dbfile *f, uint32_t page_count, jspace **out);
void space_destroy(jspace *sp);

JET_ERR space_alloc(jspace *sp, uint32_t *pgno);          /* FREE -> PRIVATE */
void space_free(jspace *sp, uint32_t pgno);                /* PRIVATE -> FREE */
void space_publish(jspace *sp, uint32_t pgno);             /* PRIVATE -> LIVE */
void space_retire(jspace *sp, uint32_t pgno, uint64_t version); /* LIVE -> RETIRED */
/* The same for a page that no durable checkpoint (nor one being written)
 * references: it waits only for the readers' horizon (space_set_horizons),
 * so a burst of small commits between checkpoints reuses its pages instead
 * of growing the file. */
void space_retire_fresh(jspace *sp, uint32_t pgno, uint64_t version);
/* RETIRED pages with version <= horizon become FREE. Returns how many; their
 * pgnos are passed to on_free (may be NULL) so the cache can drop them. */
uint32_t space_set_horizon(jspace *sp, uint64_t horizon,
			   void (*on_free)(void *ctx, uint32_t pgno), void *ctx);
/* Two horizons: readers (the oldest pinned version) frees `fresh` pages;
 * min(readers, durable checkpoint version) frees the others. */
uint32_t space_set_horizons(jspace *sp, uint64_t readers, uint64_t durable,
			    void (*on_free)(void *ctx, uint32_t pgno), void *ctx);

/* Writes the free list as of now (everything not LIVE) into newly allocated
 * pages, which are then retired at retire_version; returns the head pgno
 * (0 when nothing is free) and the page count the list covers — the header
 * must record exactly that count, not the file's length, which a writer may
 * grow at any moment (pages past the count would then read as in use and
 * leak). Caller holds the engine's commit lock. */
JET_ERR space_save(jspace *sp, jcache *c, uint64_t retire_version, uint32_t *phead,
		   uint32_t *ppage_count);
/* Reads the list written by space_save; see above. */
JET_ERR space_load(jspace *sp, jcache *c, uint32_t head, uint64_t retire_version);

typedef struct space_stats {
	uint32_t page_count, free, private_, live, retired;
} space_stats;
void space_stats_get(jspace *sp, space_stats *out);
/* State of one page, for checks: 'F', 'P', 'L', 'R'. */
char space_page_state(jspace *sp, uint32_t pgno);
/* Reads a persisted list without a space map (for `jetutil check`): calls fn
 * for each free extent. */
JET_ERR space_read_list(jcache *c, uint32_t head,
			JET_ERR (*fn)(void *ctx, uint32_t first, uint32_t count), void *ctx);

#endif
